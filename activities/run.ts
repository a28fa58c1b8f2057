/**
 * Run-level bookkeeping: validate the suite input (again, in the worker: a
 * service may start the workflow without the CLI), write the redacted config
 * and metadata, and at the end record timings and collect the logs.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import * as YAML from 'yaml';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { keys } from '../lib/store';
import type { RunPlan, SuiteInput, TaskSummary } from '../lib/types';
import { ConfigError } from '../lib/config/load';
import { planRun } from '../lib/plan';
import { type ActivityDeps, rethrowStore } from './deps';

export interface RunMetadata {
  run_id: string;
  config_name: string;
  evalflow_version: string;
  git_hash: string | null;
  node_version: string;
  temporal: { namespace: string; workflow_id: string; workflow_run_ids: string[]; task_queue: string };
  tasks: string[];
  started_at: string;
  finished_at?: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  task_summaries?: TaskSummary[];
  storage: { bucket: string; prefix: string };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function packageVersion(): string {
  // package.json sits two levels above dist/activities/.
  try {
    return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitHash(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export function runActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function initRun(input: SuiteInput): Promise<RunPlan> {
    if (!input || typeof input !== 'object' || typeof input.run_id !== 'string' || !RUN_ID.test(input.run_id)) {
      throw ApplicationFailure.nonRetryable(
        `suite input needs run_id matching ${RUN_ID} (letters, digits, '.', '_', '-'); got ${JSON.stringify(input?.run_id)}. ` +
          `See README "Starting a run from another service" for the input format.`,
        'InvalidInput',
      );
    }
    let plan: RunPlan & { redacted: unknown };
    try {
      plan = planRun(input);
    } catch (e) {
      if (e instanceof ConfigError) throw ApplicationFailure.nonRetryable(`invalid run config: ${e.message}`, 'ConfigError');
      throw e;
    }
    const info = Context.current().info;
    try {
      await store.ensureBucket();
      await store.putText(keys.runConfig(input.run_id), YAML.stringify(plan.redacted), 'application/yaml');
      const previous = await store.getJson<RunMetadata>(keys.metadata(input.run_id));
      const meta: RunMetadata = {
        run_id: input.run_id,
        config_name: plan.config_name,
        evalflow_version: packageVersion(),
        git_hash: gitHash(),
        node_version: process.version,
        temporal: {
          namespace: info.workflowNamespace ?? deps.settings.namespace,
          workflow_id: info.workflowExecution?.workflowId ?? input.run_id,
          workflow_run_ids: [...(previous?.temporal.workflow_run_ids ?? []), info.workflowExecution?.runId ?? '']
            .filter((v, i, a) => v !== '' && a.indexOf(v) === i),
          task_queue: info.taskQueue,
        },
        tasks: plan.tasks.map((t) => t.name),
        started_at: previous?.started_at ?? new Date().toISOString(),
        status: 'running',
        storage: { bucket: store.bucket, prefix: deps.settings.storage.prefix },
      };
      await store.putJson(keys.metadata(input.run_id), meta);
    } catch (e) {
      rethrowStore(e);
    }
    return { run_id: plan.run_id, config_name: plan.config_name, tasks: plan.tasks, execution: plan.execution };
  }

  async function finalizeRun(args: { run_id: string; status: 'completed' | 'failed' | 'cancelled'; summaries: TaskSummary[] }): Promise<void> {
    try {
      const meta = await store.getJson<RunMetadata>(keys.metadata(args.run_id));
      if (meta) {
        meta.status = args.status;
        meta.finished_at = new Date().toISOString();
        meta.task_summaries = args.summaries;
        await store.putJson(keys.metadata(args.run_id), meta);
      }
      // One readable log per run, assembled from the task event logs.
      const lines: string[] = [];
      for (const s of args.summaries) {
        for (const key of await store.list(keys.taskLogDir(args.run_id, s.task))) {
          const text = await store.getText(key);
          if (text) lines.push(...text.split('\n').filter(Boolean).map((l) => formatLogLine(s.task, l)));
        }
      }
      lines.sort();
      lines.push(`${new Date().toISOString()} [run] finished: ${args.status}`);
      await store.putText(keys.runLog(args.run_id), lines.join('\n') + '\n', 'text/plain');
    } catch (e) {
      rethrowStore(e);
    }
  }

  return { initRun, finalizeRun };
}

function formatLogLine(task: string, jsonLine: string): string {
  try {
    const ev = JSON.parse(jsonLine) as { ts: string; msg: string };
    return `${ev.ts} [${task}] ${ev.msg}`;
  } catch {
    return `[${task}] ${jsonLine}`;
  }
}

/**
 * Run-level bookkeeping: validate the suite input (again, in the worker: a
 * service may start the workflow without the CLI), write the redacted config
 * and metadata, and at the end record timings and collect the logs.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import * as YAML from 'yaml';
import { execFileSync } from 'node:child_process';
import { canonicalJson, sha256 } from '../lib/engine/hash';
import { sumTaskUsage } from '../lib/engine/cost';
import { keys } from '../lib/records/keys';
import type { RunPlan, SuiteInput, TaskSummary } from '../lib/records/types';
import { ConfigError } from '../lib/config/load';
import { planRun } from '../lib/plan/plan';
import { EVALFLOW_VERSION } from '../lib/engine/version';
import { scorerVersionOf } from '../benchmarks/index';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import type { RunMetadata } from '../lib/records/artifacts';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The identity of a run's config: sha256 of the input's config object (overrides
 * applied) and its task filter — what decides the outputs. The config name,
 * search attributes and the evalflow version are not part of it, so a resumed
 * run (same input) and a worker upgrade keep the same identity.
 */
export function suiteConfigHash(input: Pick<SuiteInput, 'config' | 'tasks'>): string {
  const tasks = input.tasks?.length ? [...input.tasks].sort() : null;
  return sha256(canonicalJson({ config: input.config, tasks }));
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
    const info = Context.current().info;
    const workflowId = info.workflowExecution?.workflowId;
    if (!input || typeof input !== 'object') {
      throw ApplicationFailure.nonRetryable('suite input must be a JSON object; see README "Starting a run from another service" for the input format', 'InvalidInput');
    }
    // Run identity (docs/architecture.md): the run id IS the suite's workflow id.
    const runId = input.run_id ?? workflowId;
    if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
      throw ApplicationFailure.nonRetryable(
        `the run id must match ${RUN_ID} (letters, digits, '.', '_', '-'); got ${JSON.stringify(runId)}. ` +
          `The run id is the workflow id: start the workflow with --workflow-id <id>. See README "Starting a run from another service".`,
        'InvalidInput',
      );
    }
    if (workflowId !== undefined && runId !== workflowId) {
      throw ApplicationFailure.nonRetryable(
        `input run_id '${runId}' differs from the workflow id '${workflowId}': the run id is the suite's workflow id ` +
          `(artifacts go under runs/<workflow id>/). Leave run_id out of the input or set it to '${workflowId}'.`,
        'InvalidInput',
      );
    }
    const identified = { ...input, run_id: runId };
    let plan: RunPlan & { redacted: unknown };
    try {
      plan = planRun(identified);
    } catch (e) {
      if (e instanceof ConfigError) throw ApplicationFailure.nonRetryable(`invalid run config: ${e.message}`, 'ConfigError');
      throw e;
    }
    const configHash = suiteConfigHash(identified);
    const redactedYaml = YAML.stringify(plan.redacted);
    try {
      await store.ensureBucket();
      const previous = await store.getJson<RunMetadata>(keys.metadata(runId));
      // A run's outputs belong to its config: an id holding another config's outputs is never reused.
      const storedYaml = previous?.config_hash === undefined ? await store.getText(keys.runConfig(runId)) : null;
      const sameConfig = previous?.config_hash !== undefined ? previous.config_hash === configHash : storedYaml === null || storedYaml === redactedYaml;
      if (!sameConfig) {
        const what = previous
          ? `config '${previous.config_name}' (${previous.tasks.join(', ')}; started ${previous.started_at}${previous.config_hash ? `, config sha256 ${previous.config_hash.slice(0, 12)}` : ''})`
          : 'another config';
        throw ApplicationFailure.nonRetryable(
          `run '${runId}' already holds the outputs of ${what}, not of this config (sha256 ${configHash.slice(0, 12)}); ` +
            `nothing was run. To continue that run use 'evalflow resume ${runId}'; to evaluate this config start it under a new run id ` +
            `(cached model responses are replayed, not paid again).`,
          'RunIdentityConflict',
        );
      }
      const meta: RunMetadata = {
        run_id: runId,
        config_name: plan.config_name,
        config_hash: configHash,
        evalflow_version: EVALFLOW_VERSION,
        git_hash: gitHash(),
        node_version: process.version,
        temporal: {
          namespace: info.workflowNamespace ?? deps.settings.namespace,
          workflow_id: workflowId ?? runId,
          workflow_run_ids: [...(previous?.temporal.workflow_run_ids ?? []), info.workflowExecution?.runId ?? '']
            .filter((v, i, a) => v !== '' && a.indexOf(v) === i),
          task_queue: info.taskQueue,
        },
        tasks: plan.tasks.map((t) => t.name),
        scorer_versions: Object.fromEntries(plan.tasks.map((t) => [t.name, scorerVersionOf(t.benchmark)])),
        started_at: previous?.started_at ?? new Date().toISOString(),
        status: 'running',
        storage: { bucket: store.bucket, prefix: deps.settings.storage.prefix },
      };
      // Metadata (with the config hash) first: a start that dies between the two writes is still recognised.
      await store.putJson(keys.metadata(runId), meta);
      await store.putText(keys.runConfig(runId), redactedYaml, 'application/yaml');
    } catch (e) {
      toActivityFailure(e);
    }
    return { run_id: plan.run_id, config_name: plan.config_name, tasks: plan.tasks, execution: plan.execution, ...(plan.deployment ? { deployment: plan.deployment } : {}), ...(plan.judge_deployment ? { judge_deployment: plan.judge_deployment } : {}) };
  }

  async function finalizeRun(args: { run_id: string; status: 'completed' | 'failed' | 'cancelled'; summaries: TaskSummary[] }): Promise<void> {
    try {
      const meta = await store.getJson<RunMetadata>(keys.metadata(args.run_id));
      if (meta) {
        meta.status = args.status;
        meta.finished_at = new Date().toISOString();
        meta.task_summaries = args.summaries;
        const usage = sumTaskUsage(args.summaries.flatMap((s) => (s.usage ? [s.usage] : [])));
        if (usage) meta.usage = usage;
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
      toActivityFailure(e);
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

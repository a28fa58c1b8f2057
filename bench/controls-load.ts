/**
 * What the Temporal server sees while a run has many shards in flight
 * (docs/performance.md, "Controls without polling"): requests per second per
 * frontend operation — queries, updates, signals — over a window in which
 * `--shards` shards stay in flight against a slow endpoint.
 *
 *   npm run bench:controls -- [--shards 32] [--window 30] [--latency 2000] [--shard-size 8] [--parallelism 64]
 *
 * The Temporal dev server that test/support/stack.ts starts exposes
 * Prometheus metrics (`--metrics-port`); the counter `service_requests` per
 * `service_name` and `operation` is read before and after the window, and the
 * frontend's figures are what clients asked (a query is counted again by
 * history and matching as it passes through). The benchmark itself
 * calls nothing during the window; it counts shards in flight (pending
 * activities of the run's workflows) just before and just after it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { startEvaluation } from '../lib/operator/client';
import { numArg, scrapeCounter, startLoadEndpoint, startWorker, temporalMetricsUrl, benchStack } from './common';
import { mmluProData } from './scenarios';

const METRIC = 'service_requests';
const SHOWN = ['QueryWorkflow', 'UpdateWorkflowExecution', 'PollWorkflowExecutionUpdate', 'SignalWorkflowExecution', 'SignalWithStartWorkflowExecution'];

async function shardsInFlight(client: Client, runId: string): Promise<{ total: number; byType: Record<string, number> }> {
  const byType: Record<string, number> = {};
  let total = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH '${runId}' AND ExecutionStatus = 'Running'` })) {
    const d = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    for (const a of d.raw.pendingActivities ?? []) {
      const t = a.activityType?.name ?? '?';
      byType[t] = (byType[t] ?? 0) + 1;
      total++;
    }
  }
  return { total, byType };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const shards = numArg('shards') ?? 32;
  const windowS = numArg('window') ?? 30;
  const latency = numArg('latency') ?? 2000;
  const shardSize = numArg('shard-size') ?? 8;
  const parallelism = numArg('parallelism') ?? 2 * shards;
  const samples = numArg('samples') ?? 4000;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-controls-'));
  console.log(`# controls load — ${os.cpus().length} cores, node ${process.version}`);
  console.log(`# ${samples} ns_mmlu_pro samples, shard_size ${shardSize}, shard_parallelism ${shards}, parallelism ${parallelism}, endpoint latency ${latency} ms; window ${windowS} s`);
  const { stack, env, connection } = await benchStack('controls', 'controls');
  const client = new Client({ connection });
  const children: ChildProcess[] = [];
  const metrics = temporalMetricsUrl(stack.pids().temporal!);
  try {
    const ep = await startLoadEndpoint(tmp, 'controls', ['--latency-ms', String(latency)]);
    children.push(ep.proc);
    const worker = await startWorker(path.join(tmp, 'worker.log'), env, ['--max-activities', String(shards + 8)]);
    children.push(worker);
    const dataDir = path.join(tmp, 'data');
    mmluProData(dataDir, samples);
    const runId = `controls-${Date.now()}`;
    await startEvaluation({
      runId,
      taskQueue: 'controls',
      client,
      config: {
        target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'load-model' } },
        evaluation: {
          nemo_evaluator_config: { config: { params: { parallelism, max_new_tokens: 64 } } },
          tasks: [{ name: 'ns_mmlu_pro', dataset_dir: dataDir }],
        },
        execution: { shard_parallelism: shards, shard_size: shardSize },
      },
    });
    // Wait until the task has its shards in flight (or 120 s).
    let before = await shardsInFlight(client, runId);
    for (const until = Date.now() + 120_000; before.total < shards && Date.now() < until; ) {
      await sleep(1000);
      before = await shardsInFlight(client, runId);
    }
    await sleep(3000); // let the describe calls above settle out of the window
    const c0 = await scrapeCounter(metrics, METRIC, ['service_name', 'operation']);
    if (c0.size === 0) throw new Error(`no '${METRIC}' counter at ${metrics}: the metric names of this Temporal server differ; look at the page and adjust METRIC`);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const c1 = await scrapeCounter(metrics, METRIC, ['service_name', 'operation']);
    const seconds = (performance.now() - t0) / 1000;
    const after = await shardsInFlight(client, runId);
    console.log(`pending activities before the window: ${before.total} ${JSON.stringify(before.byType)}; after: ${after.total} ${JSON.stringify(after.byType)}`);
    const rates = [...c1].map(([op, v]) => [op, (v - (c0.get(op) ?? 0)) / seconds] as const).filter(([, r]) => r > 0).sort((a, b) => b[1] - a[1]);
    // A client's query or update passes the frontend, then history (and a query also matching): count the frontend's.
    const frontend = rates.filter(([k]) => k.startsWith('frontend/'));
    console.log(`\nrequests per second the Temporal frontend served over ${seconds.toFixed(1)} s (${METRIC}{service_name="frontend"} by operation):`);
    for (const op of SHOWN) console.log(`  ${op}: ${(frontend.find(([k]) => k === `frontend/${op}`)?.[1] ?? 0).toFixed(2)}/s`);
    console.log(`  all frontend operations: ${frontend.reduce((a, [, r]) => a + r, 0).toFixed(2)}/s; all services: ${rates.reduce((a, [, r]) => a + r, 0).toFixed(2)}/s`);
    console.log(`  every service/operation: ${rates.map(([o, r]) => `${o} ${r.toFixed(2)}`).join(', ')}`);
    await client.workflow.getHandle(runId).terminate('controls-load benchmark done').catch(() => undefined);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await connection.close();
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});

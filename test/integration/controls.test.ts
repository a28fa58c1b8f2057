/**
 * Watching and steering a running run on the real dev server: evalflow's
 * search attributes are set and filterable, the memo carries the artifact
 * location and config, and pause / resume / setParallelism change a running
 * task's request rate against the fake endpoint measurably.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getProgress, pauseEvaluation, resumeEvaluation, setParallelism, startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { SA } from '../../lib/records/search-attributes';
import { datasetsDir, demoConfig, type Env, runCli, startEnv, startInProcessWorker, waitFor } from '../support/harness';

let env: Env;
let demo: FakeEndpoint;
let worker: { stop(): Promise<void> };

before(async () => {
  env = await startEnv('controls');
  demo = await startDemoEndpoint({ port: 0, latencyMs: 200, datasetsDir: datasetsDir() });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await demo?.close();
  await env?.close();
});

/** Successful responses per second over a window. */
async function rate(ms: number): Promise<number> {
  const a = demo.stats().succeeded;
  await new Promise((r) => setTimeout(r, ms));
  return ((demo.stats().succeeded - a) * 1000) / ms;
}

test('pause, resume and setParallelism steer a running task; search attributes find it', async () => {
  const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 400 } }], { parallelism: 2, temperature: 0.9 }, { shard_size: 100, shard_parallelism: 1 });
  await startEvaluation({ config: cfg, runId: 'steer-1', taskQueue: env.taskQueue });
  await waitFor('calls under way', () => demo.stats().succeeded >= 4);

  const slow = await rate(2000); // 2 in flight × 200 ms ≈ 10/s
  await setParallelism('steer-1', 8, { client: env.client });
  await new Promise((r) => setTimeout(r, 1500)); // shards poll their controls each second
  const fast = await rate(2000); // ≈ 40/s
  assert.ok(fast >= slow * 2.5, `setParallelism 2 → 8 raised the rate from ${slow.toFixed(1)}/s to ${fast.toFixed(1)}/s`);
  assert.ok(demo.stats().maxInFlight >= 6, `in flight after the change: ${demo.stats().maxInFlight}`);

  await waitFor('the first shard of 100 scored', async () => ((await getProgress('steer-1', env.client)).progress?.tasks[0].units_done ?? 0) >= 100);
  const p = await getProgress('steer-1', env.client);
  assert.equal(p.progress?.tasks[0].units_total, 400);
  assert.equal(p.progress?.tasks[0].phase, 'generating');
  assert.ok((p.progress?.tasks[0].eta_seconds ?? -1) > 0, `an ETA while generating: ${p.progress?.tasks[0].eta_seconds}`);

  await pauseEvaluation('steer-1', env.client);
  await new Promise((r) => setTimeout(r, 1500)); // in-flight calls finish, no new ones start
  const paused = await rate(2000);
  assert.equal(paused, 0, `no calls while paused (saw ${paused}/s)`);
  const listed = await runCli(['ls', 'runs', '--status', 'paused'], env.childEnv);
  assert.match(listed.stdout, /steer-1/, listed.stderr);

  assert.equal(await resumeEvaluation('steer-1', { client: env.client }), 'unpaused');
  await new Promise((r) => setTimeout(r, 1500));
  const resumed = await rate(2000);
  assert.ok(resumed >= slow * 2, `calls resumed at ${resumed.toFixed(1)}/s`);
  await env.client.workflow.getHandle('steer-1').result();

  // Search attributes: the suite and its task are found by model, status, task and config.
  const found: string[] = [];
  for await (const wf of env.client.workflow.list({ query: `EvalflowModel = 'demo-model' AND EvalflowStatus = 'Completed' AND EvalflowRunId = 'steer-1'` })) {
    found.push(wf.workflowId);
  }
  assert.deepEqual(found.sort(), ['steer-1', 'steer-1/gsm8k']);
  const tasks: number[] = [];
  for await (const wf of env.client.workflow.list({ query: `EvalflowTask = 'gsm8k' AND EvalflowRunId = 'steer-1'` })) {
    tasks.push(Number(wf.typedSearchAttributes.get(SA.samplesDone)));
  }
  const r = await runCli(['ls', 'runs', '--model', 'demo-model', '--status', 'completed'], env.childEnv);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /steer-1/);

  const desc = await env.client.workflow.getHandle('steer-1').describe();
  assert.match(String(desc.memo?.artifacts), /^s3:\/\/evalflow-controls\/runs\/steer-1\//);
  assert.ok(desc.memo?.config, 'redacted config in the memo');
  assert.deepEqual(tasks, [400], 'samples done/total on the task');
});

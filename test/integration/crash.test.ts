/**
 * SIGKILL the worker process mid-shard and start a new one: the run finishes,
 * every sample is scored exactly once, and no response that was already
 * checkpointed is requested again (only the requests in flight at the kill
 * can be repeated: they never completed from evalflow's side).
 * Reads real benchmark data from EVALFLOW_DATASETS_DIR.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { startEvaluation } from '../../lib/operator/client';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import type { ScoreRecord } from '../../lib/records/artifacts';
import type { GenerationRecord } from '../../lib/records/artifacts';
import { datasetsDir, demoConfig, type Env, spawnWorker, startEnv, waitFor } from '../support/harness';

let env: Env;
let demo: FakeEndpoint;

before(async () => {
  env = await startEnv('crash');
  demo = await startDemoEndpoint({ port: 0, latencyMs: 60, datasetsDir: datasetsDir() });
});
after(async () => {
  await demo?.close();
  await env?.close();
});

test('a worker killed with SIGKILL mid-shard: a new worker finishes the run, nothing scored twice, nothing completed paid twice', async () => {
  const parallelism = 4;
  const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 150 } }], { parallelism }, { shard_size: 50, shard_parallelism: 1 });
  const log = path.join(env.stack.dir, 'worker.log');
  const first = spawnWorker(env.childEnv, log);
  try {
    await startEvaluation({ config: cfg, runId: 'crash-1', taskQueue: env.taskQueue });
    // Mid-shard: past the first shard boundary's neighbourhood, not at it.
    await waitFor('the first worker to be mid-run', () => demo.stats().succeeded >= 70, 120_000);
  } finally {
    first.kill('SIGKILL');
  }
  await new Promise((r) => first.once('exit', r));
  const servedAtKill = { ...demo.stats().servedByPayload };

  const second = spawnWorker(env.childEnv, log);
  try {
    await env.client.workflow.getHandle('crash-1').result();
  } finally {
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }

  const scores: ScoreRecord[] = [];
  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list('runs/crash-1/gsm8k/scores/')) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  for (const k of await env.store.list('runs/crash-1/gsm8k/generations/')) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  assert.equal(scores.length, 150);
  assert.equal(new Set(scores.map((s) => s.sample_id)).size, 150, 'every sample scored exactly once');

  const final = demo.stats().servedByPayload;
  const repeated = Object.entries(final).filter(([, n]) => n > 1).map(([h]) => h);
  assert.ok(repeated.length <= parallelism, `only requests in flight at the kill may repeat; ${repeated.length} did`);
  // The interrupted shard resumed from its checkpoints: the new worker replayed them from the cache.
  assert.ok(gens.some((g) => g.cached), 'the retried shard replayed checkpointed responses');
  // Each of the 150 prompts paid once, plus at most the requests in flight at the kill.
  assert.equal(Object.values(final).reduce((a, b) => a + b, 0), 150 + repeated.length);
  // A request repeated after the kill was one the first worker had asked for but never checkpointed.
  for (const h of repeated) assert.equal(servedAtKill[h], 1);
});

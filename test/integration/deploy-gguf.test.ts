/**
 * A REAL model through `deployment: {type: llama_cpp}`: the deploy worker runs
 * `evalflow serve-gguf` on Gemma 3 270M base (scripts/setup-model.sh puts it
 * under <cacheDir>/models/), a few GSM8K and MMLU-Pro items with short
 * max_tokens run against it, and the deploy worker is SIGKILLed mid-run.
 * What a real model shows that the scripted endpoint cannot: token counts from
 * the model's tokenizer, answers cut at max_tokens (finish reason `length`),
 * results computed from real text. A base model this small answers almost
 * nothing right: the scores measure nothing.
 * Reads real benchmark data from EVALFLOW_DATASETS_DIR.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { loadSettings } from '../../lib/config/settings';
import { keys } from '../../lib/records/keys';
import type { DeploymentAddress } from '../../lib/records/types';
import type { GenerationRecord } from '../../lib/records/artifacts';
import { portFree } from '../../lib/engine/deploy';
import { type Env, spawnWorker, startEnv, waitFor } from '../support/harness';

const MODEL = path.join(loadSettings().cacheDir, 'models', 'gemma-3-270m-q4_k_m.gguf');

let env: Env;
before(async () => {
  if (!fs.existsSync(MODEL)) {
    throw new Error(`the real test model is not at ${MODEL}: run scripts/setup-model.sh (scripts/setup-tests.sh does) to download and check it`);
  }
  env = await startEnv('deploy-gguf');
});
after(async () => {
  await env?.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function stopWorker(p: ReturnType<typeof spawnWorker>) {
  if (p.exitCode !== null) return;
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}

test('llama_cpp deployment with the real model: real tokens, truncation, results; deploy worker SIGKILLed mid-run, restarted, nothing paid twice', async () => {
  const started = Date.now();
  const port = await freePort();
  const runId = 'gguf-real';
  const perTask = 4;
  const cfg = {
    deployment: { type: 'llama_cpp', file: MODEL, port, parallel: 2, context_size: 4096, ready_timeout: 120 },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 2, request_timeout: 120, max_retries: 3, limit_samples: perTask, max_new_tokens: 24, temperature: 0 } } },
      tasks: [{ name: 'gsm8k' }, { name: 'ns_mmlu_pro' }],
    },
    execution: { heartbeat_timeout: 5, task_parallelism: 1, shard_size: 2, shard_parallelism: 1 },
  };
  const log = (n: string) => path.join(env.stack.dir, `${n}.log`);
  const main = spawnWorker(env.childEnv, log('main'));
  let deploy = spawnWorker(env.childEnv, log('deploy-1'), ['--role', 'deploy']);
  let killedAt = 0;
  try {
    await startEvaluation({ config: cfg, runId, taskQueue: env.taskQueue });
    // Mid-run: the first shard's answers are in, more are to come.
    await waitFor('a first shard of real answers', async () => (await env.store.list(`runs/${runId}/gsm8k/generations/`)).length >= 1, 300_000);
    deploy.kill('SIGKILL');
    await new Promise((r) => deploy.once('exit', r));
    killedAt = Date.now();
    // The server went with its worker (its guard stopped it): the port is free again.
    await waitFor('the first server to stop', () => portFree('127.0.0.1', port), 30_000);
    deploy = spawnWorker(env.childEnv, log('deploy-2'), ['--role', 'deploy']);
    const result = await env.client.workflow.getHandle(runId).result();
    assert.equal(result.status, 'completed');
  } finally {
    await stopWorker(deploy);
    await stopWorker(main);
  }
  const addr = (await env.store.getJson<DeploymentAddress>(keys.deployment(runId)))!;
  assert.ok(addr.attempt >= 2, `restarted after the kill (attempt ${addr.attempt})`);
  assert.equal(addr.state, 'stopped');
  assert.ok(await portFree('127.0.0.1', port), 'the server is stopped at the end');

  const gens: GenerationRecord[] = [];
  for (const task of ['gsm8k', 'ns_mmlu_pro']) {
    for (const k of await env.store.list(`runs/${runId}/${task}/generations/`)) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
    const results = await env.store.getJson<{ results: { tasks: Record<string, { metrics: Record<string, unknown> }> } }>(`runs/${runId}/${task}/results.json`);
    assert.ok(results && Object.keys(results.results.tasks[task].metrics).length > 0, `${task}: results computed`);
  }
  assert.equal(gens.length, 2 * perTask);
  // Token counts come from the model (its tokenizer), not from a script.
  for (const g of gens) {
    assert.ok((g.prompt_tokens ?? 0) > 10, `prompt tokens counted: ${g.prompt_tokens}`);
    assert.ok((g.completion_tokens ?? 0) > 0 && (g.completion_tokens ?? 0) <= 24, `completion tokens within max_tokens: ${g.completion_tokens}`);
  }
  assert.ok(gens.some((g) => g.finish_reason === 'length'), `answers cut at max_tokens: ${gens.map((g) => g.finish_reason).join(',')}`);

  // Nothing completed was paid twice: each request is in the response cache once, one per unit.
  const hashes: string[] = [];
  for (const k of await env.store.list('cache/calls/')) {
    for (const e of (await env.store.getJsonl<{ request_hash: string }>(k)) ?? []) hashes.push(e.request_hash);
  }
  assert.equal(new Set(hashes).size, hashes.length, 'no response checkpointed twice');
  assert.equal(hashes.length, 2 * perTask);
  console.log(`real-model deployment run: ${((Date.now() - started) / 1000).toFixed(1)} s wall, restarted ${((Date.now() - killedAt) / 1000).toFixed(1)} s before the end`);
});

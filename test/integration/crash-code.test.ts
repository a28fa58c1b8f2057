/**
 * SIGKILL the worker in the middle of the part-2 work and start a new one:
 * - multi-call units (BFCL multi-turn conversations, real items): the new
 *   worker replays every call the first one had checkpointed from the cache
 *   and continues each conversation where it stopped — only the requests in
 *   flight at the kill are paid again;
 * - sandbox scoring (HumanEval, real items, programs that take 2 s): units
 *   the first worker had executed and checkpointed are not executed again,
 *   the rest are, and every sample is scored exactly once.
 * Reads real benchmark data from EVALFLOW_DATASETS_DIR.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { startEvaluation } from '../../lib/operator/client';
import { parseJsonl } from '../../lib/engine/store';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import type { GenerationRecord } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { type BfclModel, bfclModel } from '../support/bfcl-model';
import { datasetsDir, type Env, spawnWorker, startEnv, waitFor } from '../support/harness';

const MULTI_TURN = ['multi_turn_base_1', 'multi_turn_base_2', 'multi_turn_base_4', 'multi_turn_base_5', 'multi_turn_base_6', 'multi_turn_base_7'];
const HUMANEVAL = 6;
const PARALLELISM = 2;

let env: Env;
let ep: FakeEndpoint;
let model: BfclModel;
let problems: { prompt: string; canonical_solution: string }[];

function answer(req: FakeRequest): FakeReply {
  const text = req.messages?.at(-1)?.content ?? '';
  const p = problems.find((x) => x.prompt.trim() === text);
  // HumanEval: the canonical solution after two seconds of work at import time.
  if (p) return { content: '```python\nimport time\ntime.sleep(2)\n' + p.prompt + p.canonical_solution + '```' };
  return model.answer(req);
}

before(async () => {
  env = await startEnv('crash-code');
  model = bfclModel(path.join(datasetsDir(), 'bfcl_v4'), path.join(env.stack.dir, 'bfcl-data'), { multi_turn_base: Object.fromEntries(MULTI_TURN.map((id) => [id, 'right'])) });
  problems = zlib
    .gunzipSync(fs.readFileSync(path.join(datasetsDir(), 'humaneval', 'HumanEval.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, HUMANEVAL)
    .map((l) => JSON.parse(l) as { prompt: string; canonical_solution: string });
  ep = await startFakeEndpoint({ port: 0, models: ['code-model'], latencyMs: 40, answer });
});
after(async () => {
  await ep?.close();
  await env?.close();
});

function config(task: Record<string, unknown>) {
  return {
    target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'code-model' } },
    evaluation: { nemo_evaluator_config: { config: { params: { parallelism: PARALLELISM, request_timeout: 10, max_retries: 3 } } }, tasks: [task] },
    execution: { heartbeat_timeout: 5 },
  };
}

async function killAndReplace(runId: string, midRun: () => Promise<boolean> | boolean, logName: string) {
  const log = path.join(env.stack.dir, logName);
  const first = spawnWorker(env.childEnv, log);
  try {
    await waitFor('the first worker to be mid-run', midRun, 120_000);
  } finally {
    first.kill('SIGKILL');
  }
  await new Promise((r) => first.once('exit', r));
  const servedAtKill = { ...ep.stats().servedByPayload };
  const second = spawnWorker(env.childEnv, log);
  try {
    await env.client.workflow.getHandle(runId).result();
  } finally {
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }
  return servedAtKill;
}

test('multi-call units: a worker killed mid-conversation — the new one continues from the cache, paying only the calls in flight again', async () => {
  const before = { ...ep.stats().servedByPayload };
  await startEvaluation({ runId: 'crash-mt-1', taskQueue: env.taskQueue, config: config({ name: 'ns_bfcl_v4', dataset_dir: model.dataDir }) });
  const total = () => Object.entries(ep.stats().servedByPayload).filter(([h]) => !(h in before)).reduce((a, [, n]) => a + n, 0);
  const servedAtKill = await killAndReplace('crash-mt-1', () => total() >= 14, 'worker-mt.log');

  const results = (await env.store.getJson<NemoResults>(keys.results('crash-mt-1', 'ns_bfcl_v4')))!;
  assert.equal(results.results.groups!['ns_bfcl_v4/multi_turn_base']!.metrics['pass@1']!.scores.accuracy!.value, 100, 'every conversation completed correctly');
  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list('runs/crash-mt-1/ns_bfcl_v4/generations/')) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  assert.equal(gens.length, MULTI_TURN.length);
  const calls = gens.reduce((a, g) => a + g.turns!.length, 0);
  for (const id of MULTI_TURN) {
    const g = gens.find((x) => x.sample_id === id)!;
    const userTurns = model.groundTruth(id).length;
    assert.equal(g.turns!.length, 2 * userTurns, `${id}: calls then a sentence per user turn`);
  }
  const final = ep.stats().servedByPayload;
  const mine = Object.entries(final).filter(([h]) => !(h in before));
  const repeated = mine.filter(([, n]) => n > 1).map(([h]) => h);
  assert.ok(servedAtKill && Object.keys(servedAtKill).length > Object.keys(before).length, 'the kill came after some calls');
  assert.ok(repeated.length <= PARALLELISM, `only requests in flight at the kill may repeat; ${repeated.length} did`);
  for (const h of repeated) assert.equal(servedAtKill[h], 1, 'a repeated request was in flight at the kill');
  // Every call of every conversation paid once, plus at most the ones in flight at the kill.
  assert.equal(mine.reduce((a, [, n]) => a + n, 0), calls + repeated.length);
});

test('sandbox scoring: a worker killed while running programs — executed units are not run again, every sample scored once', async () => {
  await startEvaluation({
    runId: 'crash-sb-1',
    taskQueue: env.taskQueue,
    config: config({ name: 'humaneval', dataset_dir: datasetsDir(), nemo_evaluator_config: { config: { params: { limit_samples: HUMANEVAL, extra: { n_samples: 1 } } } } }),
  });
  const prefix = keys.sandboxCheckpoints('crash-sb-1', 'humaneval', 0);
  await killAndReplace('crash-sb-1', async () => (await env.store.list(prefix)).length > 0, 'worker-sb.log');

  const results = (await env.store.getJson<NemoResults>(keys.results('crash-sb-1', 'humaneval')))!;
  assert.equal(results.results.tasks.humaneval!.metrics['pass@1']!.scores['pass@1']!.value, 100);
  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list('runs/crash-sb-1/humaneval/scores/shard-')) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  assert.equal(scores.length, HUMANEVAL);
  assert.equal(new Set(scores.map((s) => s.sample_id)).size, HUMANEVAL, 'every sample scored exactly once');
  // Checkpoint segments are named <attempt>-<writer>-<seq>: units of the first attempt were not executed again.
  const executed = new Map<string, number>();
  const attempts = new Set<string>();
  for (const key of await env.store.list(prefix)) {
    attempts.add(path.basename(key).split('-')[0]!);
    for (const r of parseJsonl<ScoreRecord>((await env.store.getText(key)) ?? '')) executed.set(r.sample_id, (executed.get(r.sample_id) ?? 0) + 1);
  }
  assert.ok(attempts.size >= 2, `units executed by both attempts (segments of attempts ${[...attempts].join(', ')})`);
  assert.equal(executed.size, HUMANEVAL);
  for (const [id, n] of executed) assert.equal(n, 1, `${id} executed once`);
});

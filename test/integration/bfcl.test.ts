/**
 * ns_bfcl_v4 end to end on real Temporal + MinIO, from real BFCL v4 items
 * (EVALFLOW_DATASETS_DIR/bfcl_v4: a few rows of five categories, written to
 * a private dataset directory in BFCL's layout with their possible answers
 * and the multi-turn function docs). The fake model answers through native
 * tool calls (OpenAI `tools`): right or wrong single calls, parallel calls,
 * a call where none should be made, and multi-turn conversations whose tool
 * results come back as `tool` messages. results.json must hold exactly the
 * per-category accuracies, BFCL's aggregates and the v4 weighted overall over
 * the categories run, with the categories not run (web search, memory, …)
 * listed with their reasons — never as zero. A second run does the same in
 * prompt mode (++use_client_parsing=True): Python call syntax in text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import type { GenerationRecord } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type BfclModel, type BfclPlan, bfclModel } from '../support/bfcl-model';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

const SRC = () => path.join(datasetsDir(), 'bfcl_v4');

/** What the model does per item: 'right' answers, 'wrong' answers wrongly. */
const PLAN: BfclPlan = {
  simple_python: { simple_python_0: 'right', simple_python_1: 'right', simple_python_3: 'wrong' },
  parallel: { parallel_0: 'right' },
  irrelevance: { irrelevance_0: 'right', irrelevance_1: 'wrong' },
  live_simple: { 'live_simple_0-0-0': 'right' },
  // keyword-only ground truths (what a model sends as JSON arguments)
  multi_turn_base: { multi_turn_base_1: 'right', multi_turn_base_3: 'wrong' },
};

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
let model: BfclModel;

before(async () => {
  env = await startEnv('bfcl');
  // A private dataset directory in BFCL's layout, holding only the planned items.
  model = bfclModel(SRC(), path.join(env.stack.dir, 'bfcl-data'), PLAN);
  ep = await startFakeEndpoint({ port: 0, models: ['fc-model'], answer: (req) => model.answer(req) });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

async function runBfcl(runId: string, extra: Record<string, unknown>) {
  await startEvaluation({
    runId,
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'fc-model' } },
      evaluation: { tasks: [{ name: 'ns_bfcl_v4', dataset_dir: model.dataDir, nemo_evaluator_config: { config: { params: { parallelism: 4, request_timeout: 3, max_retries: 5, extra } } } }] },
    },
  });
  await env.client.workflow.getHandle(runId).result();
  return (await env.store.getJson<NemoResults>(keys.results(runId, 'ns_bfcl_v4')))!;
}

/** Expected per-category accuracy (percent) from the plan. */
function planned(category: string): number {
  const v = Object.values(PLAN[category]!);
  return (100 * v.filter((x) => x === 'right').length) / v.length;
}

function checkResults(results: NemoResults) {
  const task = results.results.tasks.ns_bfcl_v4!;
  const groups = results.results.groups!;
  for (const category of Object.keys(PLAN)) {
    const got = groups[`ns_bfcl_v4/${category}`]!.metrics['pass@1']!.scores.accuracy!.value;
    assert.ok(Math.abs(got - planned(category)) < 1e-9, `${category}: ${got} vs ${planned(category)}`);
  }
  // BFCL v4 overall (bfcl-eval generate_leaderboard_csv): non-live = mean(simple_ast = mean of the three simple_*,
  // multiple, parallel, parallel_multiple), live = weighted by each category's dataset size, hallucination =
  // mean(irrelevance, live_irrelevance), multi-turn = mean of its four, agentic; weights 10/10/10/30/40 — and a
  // category that did not run counts as 0 (BFCL's rule, under BFCL's name `accuracy`).
  const nonLive = (planned('simple_python') / 3 + planned('parallel')) / 4;
  // (live: each category weighted by the samples it scored, a category not run by its dataset size, as get_category_score gives it)
  const nLiveSimple = Object.keys(PLAN.live_simple!).length;
  const live = (planned('live_simple') * nLiveSimple) / (nLiveSimple + 1053 + 16 + 24);
  const hallucination = planned('irrelevance') / 2;
  const multiTurn = planned('multi_turn_base') / 4;
  const bfcl = (10 * nonLive + 10 * live + 10 * hallucination + 30 * multiTurn) / 100;
  const headline = task.metrics['pass@1']!.scores.accuracy!;
  assert.ok(Math.abs(headline.value - bfcl) < 1e-9, `overall ${headline.value} vs ${bfcl}`);
  // evalflow's variant: each bucket over the categories that ran, the weights renormalised over the buckets that ran.
  const overRun = ((10 * (planned('simple_python') + planned('parallel'))) / 2 + 10 * planned('live_simple') + 10 * planned('irrelevance') + 30 * planned('multi_turn_base')) / 60;
  const variant = task.metrics['pass@1']!.scores.overall_accuracy_over_run_categories!;
  assert.ok(Math.abs(variant.value - overRun) < 1e-9, `over-run overall ${variant.value} vs ${overRun}`);
  assert.equal(headline.stats.partial, 1);
  // Not run, with reasons — never scored as zero.
  const notRun = task.not_run!;
  for (const c of ['web_search_base', 'web_search_no_snippet', 'memory_kv', 'memory_vector', 'memory_rec_sum', 'multiple', 'multi_turn_long_context']) assert.ok(notRun[c], `${c} listed as not run`);
  assert.match(notRun.web_search_base!, /search|web/i);
  assert.equal(groups['ns_bfcl_v4/web_search_base'], undefined);
}

test('ns_bfcl_v4, native tool calls: single, parallel, irrelevance, live and multi-turn items, through endpoint faults → exact results.json', async () => {
  // The endpoint fails some calls (also mid-conversation): retried, never scored.
  ep.setFaults([{ kind: '500', count: 2 }, { kind: 'hang', count: 1 }, { kind: 'truncated', count: 1 }, { kind: '429', count: 1, retryAfter: 1 }, { kind: 'reset', count: 1 }]);
  let results: NemoResults;
  try {
    results = await runBfcl('bfcl-native-1', {});
  } finally {
    ep.setFaults([]);
  }
  const faults = ep.stats().faults;
  assert.equal(Object.values(faults).reduce((a, b) => a + b, 0), 6, JSON.stringify(faults));
  checkResults(results);
  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list('runs/bfcl-native-1/ns_bfcl_v4/generations/')) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  // The right multi-turn conversation: per user turn, one reply with the calls and one in words.
  const mt = gens.find((g) => g.sample_id === 'multi_turn_base_1')!;
  const turns = model.groundTruth('multi_turn_base_1').length;
  assert.equal(mt.turns!.length, 2 * turns);
  assert.ok(mt.turns![0]!.tool_calls!.length > 0);
  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list('runs/bfcl-native-1/ns_bfcl_v4/scores/shard-')) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  const wrongMt = scores.find((s) => s.sample_id === 'multi_turn_base_3')!;
  assert.equal(wrongMt.correct, false);
  assert.match(JSON.stringify(wrongMt.details), /turn/);
});

test('ns_bfcl_v4, prompt mode (++use_client_parsing=True): Python call syntax in text → the same results', async () => {
  const results = await runBfcl('bfcl-prompt-1', { args: '++use_client_parsing=True' });
  checkResults(results);
});

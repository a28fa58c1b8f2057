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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/client';
import { keys } from '../../lib/store';
import type { NemoResults, ScoreRecord } from '../../activities/score';
import type { GenerationRecord } from '../../activities/generate';
import { parsePythonCalls } from '../../benchmarks/bfcl/parse';
import { RUN_CATEGORIES } from '../../benchmarks/bfcl/categories';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../fake-endpoint/server';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

type Row = Record<string, unknown> & { id: string; question: { role: string; content: string }[][] };
type Answer = { id: string; ground_truth: unknown };

function readLines<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

const SRC = () => path.join(datasetsDir(), 'bfcl_v4');

/** What the model does per item: 'right' answers, 'wrong' answers wrongly. */
const PLAN: Record<string, Record<string, 'right' | 'wrong'>> = {
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
let dataDir: string;
/** first user message → item id, category, answer */
const byPrompt = new Map<string, { id: string; category: string; answer: unknown }>();

/** A value the possible answer allows (the first non-empty choice of each parameter). */
function callsFromAnswer(answer: unknown): { name: string; args: Record<string, unknown> }[] {
  return (answer as Record<string, Record<string, unknown[]>>[]).map((call) => {
    const [name, params] = Object.entries(call)[0]!;
    const args: Record<string, unknown> = {};
    for (const [k, allowed] of Object.entries(params)) {
      const v = allowed.find((x) => x !== '');
      if (v !== undefined) args[k] = v;
    }
    return { name, args };
  });
}

const toolName = (name: string) => name.replace(/\./g, '_');

function answer(req: FakeRequest): FakeReply {
  const msgs = req.messages ?? [];
  const first = msgs.find((m) => m.role === 'user')?.content ?? '';
  const item = byPrompt.get(first);
  if (!item) return { content: 'not a prompt of this test' };
  const how = PLAN[item.category]![item.id]!;
  const promptMode = !req.body.tools;
  const reply = (calls: { name: string; args: Record<string, unknown> }[]): FakeReply => {
    if (!promptMode) return { content: '', tool_calls: calls.map((c) => ({ name: toolName(c.name), arguments: JSON.stringify(c.args) })) };
    const py = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.map(py).join(', ')}]` : v === true ? 'True' : v === false ? 'False' : String(v));
    return { content: `[${calls.map((c) => `${c.name}(${Object.entries(c.args).map(([k, v]) => `${k}=${py(v)}`).join(', ')})`).join(', ')}]` };
  };
  if (item.category === 'multi_turn_base') {
    const gt = item.answer as string[][];
    const last = msgs[msgs.length - 1]!;
    // After the tool results of a turn: answer in words, which ends the turn.
    if (last.role === 'tool' || (promptMode && last.role === 'user' && last.content.startsWith('['))) return { content: 'Done.' };
    const turn = msgs.filter((m) => m.role === 'user' && !(promptMode && m.content.startsWith('['))).length - 1;
    if (how === 'wrong' && turn === 1) return { content: 'I would rather not.' };
    return reply(gt[turn]!.flatMap((s) => parsePythonCalls(s)).map((c) => ({ name: c.name, args: c.args })));
  }
  if (item.category === 'irrelevance') {
    return how === 'right' ? { content: 'None of the functions can do that.' } : reply([{ name: (req.body.tools as { function: { name: string } }[] | undefined)?.[0]?.function.name ?? 'determine_body_mass_index', args: { weight: 70, height: 1.75 } }]);
  }
  const calls = callsFromAnswer(item.answer);
  if (how === 'wrong') calls[0]!.args = Object.fromEntries(Object.entries(calls[0]!.args).map(([k, v]) => [k, typeof v === 'number' ? v + 1 : v]));
  return reply(calls);
}

before(async () => {
  env = await startEnv('bfcl');
  // A private dataset directory in BFCL's layout, holding only the planned items.
  dataDir = path.join(env.stack.dir, 'bfcl-data');
  const dir = path.join(dataDir, 'bfcl_v4');
  fs.mkdirSync(path.join(dir, 'possible_answer'), { recursive: true });
  fs.cpSync(path.join(SRC(), 'multi_turn_func_doc'), path.join(dir, 'multi_turn_func_doc'), { recursive: true });
  for (const [category, items] of Object.entries(PLAN)) {
    const rows = readLines<Row>(path.join(SRC(), `BFCL_v4_${category}.json`)).filter((r) => r.id in items);
    fs.writeFileSync(path.join(dir, `BFCL_v4_${category}.json`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const answerFile = path.join(SRC(), 'possible_answer', `BFCL_v4_${category}.json`);
    const answers = fs.existsSync(answerFile) ? readLines<Answer>(answerFile).filter((a) => a.id in items) : [];
    if (answers.length) fs.writeFileSync(path.join(dir, 'possible_answer', `BFCL_v4_${category}.json`), answers.map((a) => JSON.stringify(a)).join('\n') + '\n');
    for (const r of rows) {
      byPrompt.set(r.question[0]!.find((m) => m.role === 'user')!.content, { id: r.id, category, answer: answers.find((a) => a.id === r.id)?.ground_truth });
    }
    assert.equal(rows.length, Object.keys(items).length, category);
  }
  // The other categories' files are there but empty (the module wants a complete copy of BFCL's data).
  for (const category of RUN_CATEGORIES.filter((c) => !(c in PLAN))) {
    fs.writeFileSync(path.join(dir, `BFCL_v4_${category}.json`), '');
    fs.writeFileSync(path.join(dir, 'possible_answer', `BFCL_v4_${category}.json`), '');
  }
  ep = await startFakeEndpoint({ port: 0, models: ['fc-model'], answer });
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
      evaluation: { tasks: [{ name: 'ns_bfcl_v4', dataset_dir: dataDir, nemo_evaluator_config: { config: { params: { parallelism: 4, extra } } } }] },
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
  // BFCL v4 overall (gorilla eval_runner_helper): non-live = mean(simple mean, multiple, parallel, parallel_multiple),
  // live = count-weighted, hallucination = mean(irrelevance, live_irrelevance), multi-turn = mean of its four;
  // weights 10/10/10/30/40 (agentic), renormalised over the groups that ran.
  const nonLive = (planned('simple_python') + planned('parallel')) / 2;
  const live = planned('live_simple');
  const hallucination = planned('irrelevance');
  const multiTurn = planned('multi_turn_base');
  const overall = (10 * nonLive + 10 * live + 10 * hallucination + 30 * multiTurn) / 60;
  const headline = task.metrics['pass@1']!.scores.accuracy!;
  assert.ok(Math.abs(headline.value - overall) < 1e-9, `overall ${headline.value} vs ${overall}`);
  assert.equal(headline.stats.partial, 1);
  // Not run, with reasons — never scored as zero.
  const notRun = task.not_run!;
  for (const c of ['web_search_base', 'web_search_no_snippet', 'memory_kv', 'memory_vector', 'memory_rec_sum', 'multiple', 'multi_turn_long_context']) assert.ok(notRun[c], `${c} listed as not run`);
  assert.match(notRun.web_search_base!, /search|web/i);
  assert.equal(groups['ns_bfcl_v4/web_search_base'], undefined);
}

test('ns_bfcl_v4, native tool calls: single, parallel, irrelevance, live and multi-turn items → exact results.json', async () => {
  const results = await runBfcl('bfcl-native-1', {});
  checkResults(results);
  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list('runs/bfcl-native-1/ns_bfcl_v4/generations/')) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  // The right multi-turn conversation: per user turn, one reply with the calls and one in words.
  const mt = gens.find((g) => g.sample_id === 'multi_turn_base_1')!;
  const turns = (byPrompt.get([...byPrompt.keys()].find((p) => byPrompt.get(p)!.id === 'multi_turn_base_1')!)!.answer as string[][]).length;
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

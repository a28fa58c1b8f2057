/**
 * ifeval end to end on real Temporal + MinIO: eight synthetic items in the
 * IFEval schema (Hub-style kwargs with nulls), a model endpoint that follows
 * every instruction on some, violates one on others, passes only loosely on
 * two and returns nothing once, and the exact four metrics in results.json.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { ifeval } from '../../benchmarks/ifeval';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type Env, startEnv, startInProcessWorker } from '../support/harness';

interface Item {
  key: number;
  prompt: string;
  instruction_id_list: string[];
  kwargs: Record<string, unknown>[];
  /** the model's reply */
  reply: string;
  /** instructions followed strictly / loosely */
  strict: number;
  loose: number;
}

const ITEMS: Item[] = [
  {
    key: 9001, prompt: 'Write a haiku about autumn. Do not use any commas.',
    instruction_id_list: ['punctuation:no_comma'], kwargs: [{}],
    reply: 'Leaves fall slowly down\nCrisp air whispers through the trees\nAutumn says goodbye', strict: 1, loose: 1,
  },
  {
    key: 9002, prompt: 'Describe spring with a title in double angular brackets, and end with "Is there anything else I can help with?"',
    instruction_id_list: ['detectable_format:title', 'startend:end_checker'], kwargs: [{}, { end_phrase: 'Is there anything else I can help with?' }],
    reply: '<<Spring>>\nFlowers bloom everywhere.\nIs there anything else I can help with?', strict: 2, loose: 2,
  },
  {
    key: 9003, prompt: 'Write one sentence about the sea in lowercase letters only, using the words ocean and wave.',
    instruction_id_list: ['change_case:english_lowercase', 'keywords:existence'], kwargs: [{}, { keywords: ['ocean', 'wave'] }],
    reply: 'the ocean sends a gentle wave to the shore every single morning.', strict: 2, loose: 2,
  },
  {
    key: 9004, prompt: 'Say whether it works, in fewer than 5 words and without commas.',
    instruction_id_list: ['punctuation:no_comma', 'length_constraints:number_words'], kwargs: [{}, { num_words: 5, relation: 'less than' }],
    reply: 'Yes, it works.', strict: 1, loose: 1,
  },
  {
    key: 9005, prompt: 'Give me a proverb wrapped in double quotation marks.',
    instruction_id_list: ['startend:quotation'], kwargs: [{}],
    reply: 'Here you go:\n"Life is short."', strict: 0, loose: 1,
  },
  {
    key: 9006, prompt: 'List exactly 2 bullet points about teamwork and do not use the word bad.',
    instruction_id_list: ['detectable_format:number_bullet_lists', 'keywords:forbidden_words'], kwargs: [{ num_bullets: 2 }, { forbidden_words: ['bad'] }],
    reply: '* good communication\n* shared goals\n* bad meetings are rare', strict: 0, loose: 2,
  },
  {
    key: 9007, prompt: 'Write a titled note without commas.',
    instruction_id_list: ['punctuation:no_comma', 'detectable_format:title'], kwargs: [{}, {}],
    reply: '', strict: 0, loose: 0,
  },
  {
    key: 9008, prompt: 'Return the answer to everything as JSON.',
    instruction_id_list: ['detectable_format:json_format'], kwargs: [{}],
    reply: '```json\n{"answer": 42}\n```', strict: 1, loose: 1,
  },
];

/** The Hub's unified kwargs schema: every argument name present, unused ones null. */
const KWARG_NAMES = ['num_words', 'relation', 'end_phrase', 'keywords', 'num_bullets', 'forbidden_words'];
function row(it: Item): Record<string, unknown> {
  return {
    key: it.key,
    prompt: it.prompt,
    instruction_id_list: it.instruction_id_list,
    kwargs: it.kwargs.map((k) => ({ ...Object.fromEntries(KWARG_NAMES.map((n) => [n, null])), ...k })),
  };
}

let env: Env;
let model: FakeEndpoint;
let worker: { stop(): Promise<void> };

before(async () => {
  env = await startEnv('ifeval');
  model = await startFakeEndpoint({
    port: 0,
    models: ['m'],
    answer: (req) => ({ content: ITEMS.find((it) => it.prompt === req.messages?.at(-1)?.content)?.reply ?? 'unexpected prompt' }),
  });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await model?.close();
  await env?.close();
});

test('ifeval: synthetic items end to end, exact prompt/instruction strict/loose accuracy', async () => {
  const dir = path.join(env.stack.dir, 'ifeval-data');
  const file = path.join(dir, ifeval.dataset.localFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, ITEMS.map((it) => JSON.stringify(row(it))).join('\n') + '\n');

  const config = {
    target: { api_endpoint: { url: `${model.url}/chat/completions`, model_id: 'm' } },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 3, max_retries: 2 } } },
      tasks: [{ name: 'ifeval', dataset_dir: dir }],
    },
    execution: { heartbeat_timeout: 5 },
  };
  await startEvaluation({ config, runId: 'ifeval-1', taskQueue: env.taskQueue });
  await env.client.workflow.getHandle('ifeval-1').result();
  assert.equal(model.stats().succeeded, ITEMS.length);

  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list('runs/ifeval-1/ifeval/scores/')) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  const byId = new Map(scores.map((r) => [r.sample_id, r]));
  assert.equal(byId.size, ITEMS.length);
  for (const it of ITEMS) {
    const r = byId.get(String(it.key));
    const results = r?.details?.instructions as { strict: boolean; loose: boolean }[] | undefined;
    assert.ok(results, `item ${it.key} has its instruction results`);
    assert.equal(results.filter((x) => x.strict).length, it.strict, `item ${it.key} strict`);
    assert.equal(results.filter((x) => x.loose).length, it.loose, `item ${it.key} loose`);
    assert.equal(r?.correct, it.strict === it.instruction_id_list.length, `item ${it.key} correct = prompt-level strict`);
  }
  assert.equal(byId.get('9007')?.predicted, null, 'the empty response has no answer');

  const results = await env.store.getJson<NemoResults>(keys.results('ifeval-1', 'ifeval'));
  const metrics = results!.results.tasks.ifeval!.metrics;
  assert.deepEqual(Object.keys(metrics), ['pass@1']);
  const s = metrics['pass@1']!.scores;
  // Prompts all followed: strict 9001 9002 9003 9008 (4 of 8); loose also 9005 9006 (6 of 8).
  // Instructions (13): strict 1+2+2+1+0+0+0+1 = 7; loose 1+2+2+1+1+2+0+1 = 10.
  assert.equal(s.prompt_strict_accuracy!.value, 50);
  assert.equal(s.prompt_loose_accuracy!.value, 75);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);
  close(s.instruction_strict_accuracy!.value, (100 * 7) / 13, 'instruction strict');
  close(s.instruction_loose_accuracy!.value, (100 * 10) / 13, 'instruction loose');
  close(s.average_score!.value, (50 + 75 + (100 * 17) / 13) / 4, 'average_score');
  assert.equal(s.prompt_strict_accuracy!.stats.count, 8);
  assert.equal(s.instruction_strict_accuracy!.stats.count, 13);

  const groups = results!.results.groups ?? {};
  const type = (id: string) => groups[`ifeval/${id}`]!.metrics['pass@1']!.scores;
  // no_comma: 9001 ✓, 9004 ✗, 9007 ✗ (empty).
  close(type('punctuation:no_comma').instruction_strict_accuracy!.value, 100 / 3, 'no_comma');
  assert.equal(type('startend:quotation').instruction_strict_accuracy!.value, 0);
  assert.equal(type('startend:quotation').instruction_loose_accuracy!.value, 100);
});

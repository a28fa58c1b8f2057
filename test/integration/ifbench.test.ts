/**
 * ns_ifbench end to end on a real Temporal dev server and MinIO: the first
 * 10 items of the real IFBench test set (read in place from
 * EVALFLOW_DATASETS_DIR), a fake model that answers each prompt with a
 * scripted response (some follow their instruction, some violate it, one
 * follows only loosely), and the exact prompt/instruction strict/loose
 * accuracies in results.json, computed here from those scripted choices.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

interface Row {
  key: string | number;
  prompt: string;
  instruction_id_list: string[];
  kwargs: Array<Record<string, unknown>>;
}

/** One scripted answer and what it should score (single-instruction items). */
interface Script {
  response: string;
  strict: boolean;
  loose: boolean;
}

/** keyword1..5 repeated 1, 2, 3, 5, 7 times: exactly what count:keywords_multiple asks. */
function keywordAnswer(kw: Record<string, unknown>, extra: Partial<Record<'keyword1' | 'keyword5', number>> = {}): string {
  const counts = { keyword1: 1, keyword2: 2, keyword3: 3, keyword4: 5, keyword5: 7 } as Record<string, number>;
  for (const [k, n] of Object.entries(extra)) counts[k] = (counts[k] ?? 0) + n;
  return Object.entries(counts).map(([k, n]) => `${Array(n).fill(String(kw[k])).join(' ')}.`).join(' ');
}

/** The script for the first 10 items (keys 0-4 count:keywords_multiple, 5-9 count:conjunctions). */
function scriptFor(row: Row): Script {
  const kw = row.kwargs[0]!;
  switch (Number(row.key)) {
    case 0:
      return { response: keywordAnswer(kw), strict: true, loose: true };
    case 1: // keyword1 twice instead of once
      return { response: keywordAnswer(kw, { keyword1: 1 }), strict: false, loose: false };
    case 2:
      return { response: `Here you go:\n${keywordAnswer(kw)}`, strict: true, loose: true };
    case 3: // an eighth keyword5 on the first line: only the loose variant without that line counts right
      return { response: `Title: ${String(kw.keyword5)}\n${keywordAnswer(kw)}`, strict: false, loose: true };
    case 4: // keyword5 missing entirely
      return { response: keywordAnswer(kw, { keyword5: -7 }).replace(/ \.$/, ''), strict: false, loose: false };
    case 5: // small_n 5: and, but, so, yet, nor, or, for. (7 written forms)
      return { response: 'I came and saw, but left; so yet nor or for.', strict: true, loose: true };
    case 6: // small_n 2: only "and"
      return { response: 'Cats and dogs.', strict: false, loose: false };
    case 7: // small_n 3: and, but, so
      return { response: 'Rain and wind, but sun, so fine.', strict: true, loose: true };
    case 8: // small_n 4: the reference counts distinct words as written: And / and / AND / and,
      return { response: 'And and AND and, nothing else.', strict: true, loose: true };
    case 9: // small_n 4: and, but only
      return { response: '**Note**\nIt rained and snowed but we stayed.', strict: false, loose: false };
    default:
      throw new Error(`no script for item ${row.key}`);
  }
}

let env: Env;
let model: FakeEndpoint;
let worker: { stop(): Promise<void> };
let rows: Row[];

before(async () => {
  const file = path.join(datasetsDir(), 'ifbench', 'IFBench_test.jsonl');
  rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 10)
    .map((l) => JSON.parse(l) as Row);
  const byPrompt = new Map(rows.map((r) => [r.prompt, scriptFor(r).response]));
  env = await startEnv('ifbench');
  model = await startFakeEndpoint({
    port: 0,
    models: ['m'],
    answer: (req) => {
      const prompt = req.messages?.at(-1)?.content ?? '';
      const response = byPrompt.get(prompt);
      if (response === undefined) throw new Error(`unexpected prompt ${JSON.stringify(prompt.slice(0, 60))}`);
      return { content: response };
    },
  });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await model?.close();
  await env?.close();
});

test('ns_ifbench: the first 10 real items end to end, exact prompt/instruction strict/loose accuracy', async () => {
  assert.deepEqual(rows.map((r) => r.instruction_id_list.join()), [
    ...Array(5).fill('count:keywords_multiple'),
    ...Array(5).fill('count:conjunctions'),
  ], 'the script assumes the first 10 items of IFBench_test.jsonl');
  const config = {
    target: { api_endpoint: { url: `${model.url}/chat/completions`, model_id: 'm' } },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 3, max_retries: 2 } } },
      tasks: [{ name: 'ns_ifbench', dataset_dir: datasetsDir(), nemo_evaluator_config: { config: { params: { limit_samples: 10 } } } }],
    },
    execution: { heartbeat_timeout: 5 },
  };
  await startEvaluation({ config, runId: 'ifbench-1', taskQueue: env.taskQueue });
  await env.client.workflow.getHandle('ifbench-1').result();
  assert.equal(model.stats().succeeded, 10, 'one model call per item');

  // Per item: the scored instruction results match the script.
  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list('runs/ifbench-1/ns_ifbench/scores/')) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  const byId = new Map(scores.map((r) => [r.sample_id, r]));
  assert.equal(byId.size, 10);
  for (const row of rows) {
    const want = scriptFor(row);
    const r = byId.get(String(row.key));
    const results = r?.details?.instructions as Array<{ id: string; strict: boolean; loose: boolean }> | undefined;
    assert.ok(results, `item ${row.key} has its instruction results`);
    assert.deepEqual(results, [{ id: row.instruction_id_list[0], strict: want.strict, loose: want.loose }], `item ${row.key}`);
    assert.equal(r?.correct, want.strict, `item ${row.key}: correct = prompt-level strict`);
  }

  // Expected metrics from the script: one instruction per item, so prompt and instruction levels agree.
  const scripts = rows.map(scriptFor);
  const pct = (n: number) => (100 * n) / scripts.length;
  const strict = pct(scripts.filter((s) => s.strict).length);
  const loose = pct(scripts.filter((s) => s.loose).length);
  assert.deepEqual([strict, loose], [50, 60], 'the script itself: 5 strict, 6 loose');

  const results = await env.store.getJson<NemoResults>(keys.results('ifbench-1', 'ns_ifbench'));
  const metrics = results!.results.tasks.ns_ifbench!.metrics;
  assert.deepEqual(Object.keys(metrics), ['pass@1']);
  const s = metrics['pass@1']!.scores;
  assert.equal(s.prompt_strict_accuracy!.value, strict);
  assert.equal(s.prompt_loose_accuracy!.value, loose);
  assert.equal(s.instruction_strict_accuracy!.value, strict);
  assert.equal(s.instruction_loose_accuracy!.value, loose);
  assert.equal(s.average_score!.value, (strict + loose + strict + loose) / 4);
  assert.equal(s.prompt_strict_accuracy!.stats.count, 10);
  assert.equal(s.instruction_loose_accuracy!.stats.count, 10);

  // Per instruction type: keywords_multiple 0 ✓ 1 ✗ 2 ✓ 3 loose only 4 ✗; conjunctions 5 ✓ 6 ✗ 7 ✓ 8 ✓ 9 ✗.
  const groups = results!.results.groups ?? {};
  const type = (id: string) => groups[`ns_ifbench/${id}`]!.metrics['pass@1']!.scores;
  assert.equal(type('count:keywords_multiple').instruction_strict_accuracy!.value, 40);
  assert.equal(type('count:keywords_multiple').instruction_loose_accuracy!.value, 60);
  assert.equal(type('count:conjunctions').instruction_strict_accuracy!.value, 60);
  assert.equal(type('count:conjunctions').instruction_loose_accuracy!.value, 60);
});

/**
 * ns_hle end to end on real Temporal + MinIO: synthetic items in HLE's schema
 * (the real set is gated and never written anywhere), the image item filtered
 * out, a model endpoint answering in the Explanation / Answer / Confidence
 * format, and a judge endpoint whose verdicts come in NeMo-Skills' layout,
 * markdown bold and cais/hle's layout (no verdict for NeMo-Skills 0b012df8),
 * once never parseable, once parseable only when asked again, once after a
 * transient 500 (retried) and once never (the judge always fails). judge_correct
 * is the reference's (first reply, unparseable = wrong);
 * judge_correct_excluding_judge_errors is evalflow's re-asked variant.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { JudgementRecord } from '../../lib/records/artifacts';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { hle, hleJudgePrompt, hleSystemPrompt } from '../../benchmarks/hle';
import type { ChatMessage } from '../../lib/records/messages';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type Env, startEnv, startInProcessWorker } from '../support/harness';

interface Item {
  id: string;
  category: string;
  answer: string;
  image?: string;
  /** the model's reply */
  model: string;
  /** the judge's reply */
  judge: string;
}

const ITEMS: Item[] = [
  { id: 'syn-h1', category: 'Math', answer: '23', model: 'Explanation: 21 and 22 are composite.\nAnswer: 23\nConfidence: 90%', judge: 'extracted_final_answer: 23\n\nReasoning: Same number.\n\nJudgement: yes\n\nConfidence: 90%' },
  { id: 'syn-h2', category: 'Math', answer: '7', model: 'Explanation: guess.\nAnswer: 8\nConfidence: 40%', judge: 'extracted_final_answer: 8\nReasoning: 8 is not 7.\nJudgement: no\nConfidence: 40%' },
  { id: 'syn-h3', category: 'Physics', answer: 'B', model: 'Explanation: momentum.\nAnswer: B\nConfidence: 70%', judge: 'extracted_final_answer: B\nReasoning: Same letter.\nJudgement: yes\nConfidence: 70' },
  { id: 'syn-h4', category: 'Physics', answer: 'C', model: 'Explanation: energy.\nAnswer: D\n**Confidence:** 55%', judge: '**extracted_final_answer:** D\n**Reasoning:** D is not C.\n**Judgement:** no\n**Confidence:** 55%' },
  { id: 'syn-h5', category: 'Other', answer: 'blue', model: 'Explanation: sky.\nAnswer: blue\nConfidence: 80%', judge: 'I would rather not say.' },
  { id: 'syn-h6', category: 'Math', answer: '1/2', model: 'Explanation: symmetry.\nAnswer: 0.5\nConfidence: 65%', judge: 'extracted_final_answer: 0.5\nReasoning: 0.5 equals 1/2.\nJudgement: yes\nConfidence: 65%' },
  { id: 'syn-h7', category: 'Other', answer: 'Rome', model: 'Explanation: history.\nAnswer: Rome\nConfidence: 99%', judge: 'extracted_final_answer: Rome\nreasoning: identical\ncorrect: yes\nconfidence: 99' },
  { id: 'syn-h8', category: 'Humanities/Social Science', answer: 'Kant', model: 'I am not sure who wrote it.', judge: "extracted_final_answer: None\nReasoning: No final answer.\nJudgement: no\nConfidence: 100" },
  { id: 'syn-h9', category: 'Math', answer: '4', image: 'data:image/png;base64,iVBORw0KGgo=', model: 'Answer: 4\nConfidence: 50%', judge: 'Judgement: yes' },
  // First reply unparseable, the re-ask parses (see REASK_REPLY).
  { id: 'syn-h10', category: 'Physics', answer: '3 m/s', model: 'Explanation: v = d/t.\nAnswer: 3 m/s\nConfidence: 75%', judge: 'Let me compare the two answers first.' },
  // The judge always fails for this one (faults below): no reply at all.
  { id: 'syn-h11', category: 'Math', answer: '12', model: 'Explanation: 3·4.\nAnswer: 12\nConfidence: 95%', judge: 'Judgement: yes' },
];

/** syn-h10's replies after the first. */
const REASK_REPLY = 'extracted_final_answer: 3 m/s\nReasoning: same value and unit.\nJudgement: yes\nConfidence: 75%';
let h10JudgeCalls = 0;

/** The question carries a marker the fake endpoints key their replies on. */
const question = (it: Item) => `Synthetic question [${it.id}]: answer briefly.`;

function hleRow(it: Item): Record<string, unknown> {
  return {
    id: it.id,
    question: question(it),
    image: it.image ?? '',
    image_preview: null,
    answer: it.answer,
    answer_type: /^[A-E]$/.test(it.answer) ? 'multipleChoice' : 'exactMatch',
    author_name: 'Synthetic Author',
    rationale: 'synthetic',
    raw_subject: it.category,
    category: it.category,
    canary: 'SYNTHETIC TEST ITEM, NOT FROM HLE',
  };
}

const byMarker = (text: string | undefined) => ITEMS.find((it) => text?.includes(`[${it.id}]`));

let env: Env;
let model: FakeEndpoint;
let judge: FakeEndpoint;
let worker: { stop(): Promise<void> };
/** The messages each endpoint received, by item id. */
const modelSaw = new Map<string, ChatMessage[]>();
const judgeSaw = new Map<string, ChatMessage[]>();

before(async () => {
  env = await startEnv('hle');
  model = await startFakeEndpoint({
    port: 0,
    models: ['m'],
    answer: (req) => {
      const it = byMarker(req.messages?.at(-1)?.content);
      if (it) modelSaw.set(it.id, req.messages ?? []);
      return { content: it?.model ?? '' };
    },
  });
  judge = await startFakeEndpoint({
    port: 0,
    models: ['judge-model'],
    answer: (req) => {
      const it = byMarker(req.messages?.at(-1)?.content);
      if (it) judgeSaw.set(it.id, req.messages ?? []);
      if (it?.id === 'syn-h10' && h10JudgeCalls++ > 0) return { content: REASK_REPLY };
      return { content: it?.judge ?? '' };
    },
  });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await model?.close();
  await judge?.close();
  await env?.close();
});

test('ns_hle: text-only items, judged by the reference prompt, the reference score and the re-asked variant, exact results', async () => {
  const dir = path.join(env.stack.dir, 'hle-data');
  const file = path.join(dir, hle.dataset.localFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, ITEMS.map((it) => JSON.stringify(hleRow(it))).join('\n') + '\n');
  judge.setFaults([
    { kind: '500', count: 1, match: '[syn-h6]' },
    { kind: '500', rate: 1, match: '[syn-h11]' },
  ]);

  const config = {
    target: { api_endpoint: { url: `${model.url}/chat/completions`, model_id: 'm' } },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 2, max_retries: 2 } } },
      tasks: [
        {
          name: 'ns_hle',
          dataset_dir: dir,
          nemo_evaluator_config: { config: { params: { extra: { judge: { url: `${judge.url}/chat/completions`, model_id: 'judge-model', max_retries: 1 } } } } },
        },
      ],
    },
    execution: { heartbeat_timeout: 5 },
  };
  await startEvaluation({ config, runId: 'hle-1', taskQueue: env.taskQueue });
  await env.client.workflow.getHandle('hle-1').result();

  const judgementKeys = await env.store.list('runs/hle-1/ns_hle/judgements/');
  assert.ok(judgementKeys.length > 0, 'judgement rows are stored under runs/<id>/ns_hle/judgements/');
  const judgements: JudgementRecord[] = [];
  for (const k of judgementKeys) judgements.push(...((await env.store.getJsonl<JudgementRecord>(k)) ?? []));
  const j = new Map(judgements.map((r) => [r.sample_id, r]));
  assert.deepEqual([...j.keys()].sort(), ['syn-h1', 'syn-h10', 'syn-h11', 'syn-h2', 'syn-h3', 'syn-h4', 'syn-h5', 'syn-h6', 'syn-h7', 'syn-h8']);
  assert.equal(j.get('syn-h1')?.correct, true);
  assert.equal(j.get('syn-h1')?.reference_correct, true);
  assert.deepEqual(j.get('syn-h1')?.details, { extracted_final_answer: '23', reasoning: 'Same number.', judge_confidence: 90 });
  // NeMo-Skills 0b012df8 reads no verdict in "**Judgement:** no" nor in "correct: yes": asked again, then judge errors; wrong for the reference.
  for (const id of ['syn-h4', 'syn-h5', 'syn-h7']) {
    assert.equal(j.get(id)?.correct, null, id);
    assert.equal(j.get(id)?.reference_correct, false, id);
    assert.equal(j.get(id)?.judge_calls, 3, `${id}: an unparseable verdict is asked for again, then counted as a judge error`);
    assert.match(j.get(id)?.judge_error ?? '', /could not be parsed/);
  }
  assert.equal(j.get('syn-h6')?.correct, true, 'the transient 500 was retried');
  assert.equal(j.get('syn-h6')?.reference_correct, true);
  // Unparseable first reply, parseable re-ask: true for evalflow, wrong for the reference; both replies kept.
  assert.equal(j.get('syn-h10')?.correct, true);
  assert.equal(j.get('syn-h10')?.reference_correct, false);
  assert.equal(j.get('syn-h10')?.judge_calls, 2);
  assert.equal(j.get('syn-h10')?.first_judge_response, 'Let me compare the two answers first.');
  assert.equal(j.get('syn-h10')?.judge_response, REASK_REPLY);
  // The judge never replied: a judge error, no verdict of either kind.
  assert.equal(j.get('syn-h11')?.correct, null);
  assert.equal(j.get('syn-h11')?.reference_correct, undefined);
  assert.match(j.get('syn-h11')?.judge_error ?? '', /judge call failed/);
  assert.equal(judge.stats().faults['500'], 1 + 2, "syn-h6's one 500, syn-h11's first try and its one retry");

  // The model got NeMo-Skills' generic/hle system prompt and the question; the
  // judge got judge/hle filled with question, the model's response and the gold.
  const h1 = ITEMS[0]!;
  assert.deepEqual(modelSaw.get('syn-h1'), [
    { role: 'system', content: hleSystemPrompt('exactMatch') },
    { role: 'user', content: question(h1) },
  ]);
  assert.deepEqual(judgeSaw.get('syn-h1'), [{ role: 'user', content: hleJudgePrompt(question(h1), h1.model, '23') }]);
  assert.equal(modelSaw.has('syn-h9'), false, 'the image item is filtered out before the model');
  assert.equal(judgeSaw.has('syn-h9'), false);

  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list('runs/hle-1/ns_hle/scores/')) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  const s = new Map(scores.map((r) => [r.sample_id, r]));
  assert.equal(s.get('syn-h1')?.predicted, '23');
  assert.equal(s.get('syn-h1')?.details?.confidence, 90);
  assert.equal(s.get('syn-h4')?.details?.confidence, 55);
  assert.equal(s.get('syn-h8')?.predicted, null);
  assert.equal(s.get('syn-h8')?.details?.confidence, 100, 'no stated confidence → 100');
  assert.ok(s.get('syn-h5')?.judge_error);
  assert.equal(s.get('syn-h5')?.reference_correct, false);
  assert.equal(s.get('syn-h5')?.details?.confidence, 80, 'a judge-error response is still scored for the reference (its confidence counts in calibration)');
  assert.equal(s.get('syn-h10')?.correct, true);
  assert.equal(s.get('syn-h10')?.reference_correct, false);
  assert.equal(s.get('syn-h11')?.reference_correct, undefined);

  const results = await env.store.getJson<NemoResults>(keys.results('hle-1', 'ns_hle'));
  const t = results!.results.tasks.ns_hle!;
  assert.equal(t.judge_errors, 4);
  assert.deepEqual(Object.keys(t.metrics), ['pass@1']);
  const p1 = t.metrics['pass@1']!.scores;
  assert.deepEqual(Object.keys(p1), ['judge_correct', 'judge_correct_excluding_judge_errors', 'judge_errors'], 'no no_answer (compute_no_answer=False); no calibration below 100 units');
  // Reference (first reply, unparseable = wrong): h1 ✓ h2 ✗ h3 ✓ h4 ✗ h5 ✗ h6 ✓ h7 ✗ h8 ✗ h10 ✗ → 3 of 9; h11 has no reply.
  const jc = p1.judge_correct!;
  assert.equal(jc.value, 100 * (3 / 9));
  assert.equal(jc.stats.count, 9);
  assert.ok(Math.abs(jc.stats.stderr! - (100 * 0.5) / 3) < 1e-9, `stderr ${jc.stats.stderr}`);
  assert.ok(Math.abs(jc.stats.ci95_half_width! - 1.96 * Math.sqrt(((100 / 3) * (200 / 3)) / 9)) < 1e-9, `ci ${jc.stats.ci95_half_width}`);
  // evalflow's variant: h1 ✓ h2 ✗ h3 ✓ h6 ✓ h8 ✗ h10 ✓ → 4 of 6; h4 h5 h7 h11 are judge errors.
  const own = p1.judge_correct_excluding_judge_errors!;
  assert.equal(own.value, 100 * (4 / 6));
  assert.equal(own.stats.count, 6);
  assert.deepEqual(p1.judge_errors, { value: 4, stats: { count: 10, unanswered: 1 } });

  const groups = results!.results.groups ?? {};
  assert.deepEqual(Object.keys(groups).sort(), ['ns_hle/Humanities/Social Science', 'ns_hle/Math', 'ns_hle/Other', 'ns_hle/Physics']);
  const group = (name: string) => groups[`ns_hle/${name}`]!.metrics['pass@1']!.scores;
  assert.equal(group('Math').judge_correct!.value, 100 * (2 / 3));
  assert.equal(group('Math').judge_correct_excluding_judge_errors!.value, 100 * (2 / 3));
  assert.deepEqual(group('Math').judge_errors, { value: 1, stats: { count: 4, unanswered: 1 } });
  assert.equal(group('Physics').judge_correct!.value, 100 * (1 / 3));
  assert.equal(group('Physics').judge_correct_excluding_judge_errors!.value, 100);
  assert.equal(group('Other').judge_correct!.value, 0);
  assert.equal(group('Other').judge_correct_excluding_judge_errors, undefined, 'both Other responses are judge errors');
  assert.deepEqual(group('Other').judge_errors, { value: 2, stats: { count: 2, unanswered: 0 } });
  assert.equal(group('Humanities/Social Science').judge_correct!.value, 0);

  // A second run of the same config replays every model and judge reply, re-asks included;
  // only syn-h11's judge, which never replied, is asked again.
  model.resetStats();
  judge.resetStats();
  await startEvaluation({ config, runId: 'hle-2', taskQueue: env.taskQueue });
  await env.client.workflow.getHandle('hle-2').result();
  assert.equal(model.stats().requests, 0);
  assert.equal(judge.stats().succeeded, 0, 'no judge reply is paid twice');
  const again = await env.store.getJson<NemoResults>(keys.results('hle-2', 'ns_hle'));
  assert.deepEqual(again!.results.tasks.ns_hle!.metrics, t.metrics);
});

/**
 * ns_hle: prompts, judge prompt and reply parsing, stated confidence,
 * calibration error, accuracy CI, judge-error exclusion, text-only filter.
 * Every item here is synthetic, in HLE's schema (the real set is gated).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBenchmark, KNOWN_UNSUPPORTED_TASKS } from '../../benchmarks/index';
import {
  accuracyHalfWidth,
  calibrationError,
  hle,
  HLE_SYSTEM_EXACT_ANSWER,
  HLE_SYSTEM_MC,
  hleJudgePrompt,
  hleMetrics,
  hleSystemPrompt,
  isCorrectJudgement,
  isTextOnly,
  parseHleJudgement,
  parseStatedConfidence,
} from '../../benchmarks/hle';
import type { JudgeVerdict, ScoredResponse } from '../../benchmarks/types';
import type { Sample } from '../../lib/records/messages';
import { sha256 } from '../../lib/engine/hash';
import { sync as syncScore } from '../support/sync-score';
import { hleJudgeCorpus } from '../corpora/hle-judge';
import { loadReferenceFixture } from '../corpora/fixture';

function close(actual: number | undefined, expected: number, what = '', eps = 1e-9): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= eps, `${what}: expected ${expected}, got ${actual}`);
}

/** A synthetic row in the real HLE schema. */
function row(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'synthetic-0001',
    question: 'What is the smallest prime greater than 20?',
    image: '',
    image_preview: null,
    answer: '23',
    answer_type: 'exactMatch',
    author_name: 'Synthetic Author',
    rationale: '21 = 3·7 and 22 = 2·11; 23 is prime.',
    raw_subject: 'Number Theory',
    category: 'Math',
    canary: 'SYNTHETIC TEST ITEM, NOT FROM HLE',
    ...over,
  };
}

const GENERIC =
   'Your response should be in the following format:\nExplanation: {your explanation for your final answer}\nAnswer: {your succinct, final answer}\nConfidence: {your confidence score between 0% and 100% for your answer}';
const CAIS_MC =
  'Your response should be in the following format:\nExplanation: {your explanation for your answer choice}\nAnswer: {your chosen answer}\nConfidence: {your confidence score between 0% and 100% for your answer}';
const CAIS_EXACT =
  'Your response should be in the following format:\nExplanation: {your explanation for your final answer}\nExact Answer: {your succinct, final answer}\nConfidence: {your confidence score between 0% and 100% for your answer}';

// --- system prompts ---------------------------------------------------------

const systemCases: Array<[string | undefined, string, string]> = [
  [undefined, 'exactMatch', GENERIC],
  [undefined, 'multipleChoice', GENERIC],
  ['generic/hle', 'exactMatch', GENERIC],
  ['generic/hle', 'multipleChoice', GENERIC],
  // cais/hle compares with 'exact_match', which no HLE row carries: every real row gets SYSTEM_MC.
  ['cais/hle', 'exactMatch', CAIS_MC],
  ['cais/hle', 'multipleChoice', CAIS_MC],
  ['cais/hle', 'exact_match', CAIS_EXACT],
];
for (const [config, answerType, expected] of systemCases) {
  test(`system prompt: config ${config ?? '(default)'}, answer_type ${answerType}`, () => {
    assert.equal(hleSystemPrompt(answerType, config), expected);
  });
}

test('the exported cais/hle constants are the reference strings', () => {
  assert.equal(HLE_SYSTEM_MC, CAIS_MC);
  assert.equal(HLE_SYSTEM_EXACT_ANSWER, CAIS_EXACT);
});

test('unknown prompt config is an error naming the supported ones', () => {
  assert.throws(() => hleSystemPrompt('exactMatch', 'eval/aai/mcq-4choices'), /unsupported prompt_config "eval\/aai\/mcq-4choices".*generic\/hle, cais\/hle/);
});

test('prompt: system format instruction, then the question verbatim as the user message', () => {
  const sample = hle.toSample(row({ question: '  Keep {braces} and spacing.\n' }), 0);
  assert.deepEqual(hle.prompt(sample, {}), [
    { role: 'system', content: GENERIC },
    { role: 'user', content: '  Keep {braces} and spacing.\n' },
  ]);
  assert.deepEqual(hle.prompt(sample, { promptConfig: 'cais/hle' })[0], { role: 'system', content: CAIS_MC });
  assert.deepEqual(hle.prompt(sample, { systemPrompt: 'Be brief.' }), [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: '  Keep {braces} and spacing.\n' },
  ]);
});

// --- data -------------------------------------------------------------------

const imageCases: Array<[unknown, boolean]> = [
  ['', true],
  [null, true],
  [undefined, true],
  ['data:image/png;base64,iVBORw0KGgo=', false],
  ['data:image/jpeg;base64,/9j/4AAQ', false],
];
for (const [image, textOnly] of imageCases) {
  test(`isTextOnly(image=${JSON.stringify(image)}) = ${textOnly}`, () => {
    assert.equal(isTextOnly(row({ image })), textOnly);
    assert.equal(hle.accept?.(row({ image })), textOnly);
  });
}

test('text-only filter over a mixed set keeps exactly the rows without an image', () => {
  const rows = [row({ id: 'a' }), row({ id: 'b', image: 'data:image/png;base64,AAAA' }), row({ id: 'c', image: null }), row({ id: 'd', image: 'data:image/gif;base64,R0lG' })];
  const accept = hle.accept;
  assert.ok(accept);
  assert.deepEqual(rows.filter((r) => accept(r)).map((r) => r.id), ['a', 'c']);
});

test('toSample: id, gold answer, category subset, prompt fields', () => {
  const s = hle.toSample(row({ answer_type: 'multipleChoice', answer: 'B', category: 'Computer Science/AI' }), 7);
  assert.deepEqual(s, {
    id: 'synthetic-0001',
    expected: 'B',
    subset: 'Computer Science/AI',
    data: { question: 'What is the smallest prime greater than 20?', answer_type: 'multipleChoice', category: 'Computer Science/AI', raw_subject: 'Number Theory' },
  });
});

test('toSample refuses an image row and a row without a question', () => {
  assert.throws(() => hle.toSample(row({ image: 'data:image/png;base64,AAAA' }), 3), /row 3: the question has an image/);
  assert.throws(() => hle.toSample(row({ question: undefined }), 4), /row 4: "question" must be a string/);
});

test('registered as ns_hle: gated cais/hle test split, judged, no longer listed as unsupported', () => {
  assert.equal(getBenchmark('ns_hle'), hle);
  assert.equal(KNOWN_UNSUPPORTED_TASKS.ns_hle, undefined);
  assert.deepEqual(hle.dataset, { hfRepo: 'cais/hle', hfConfig: 'default', split: 'test', localFile: 'hle/test.jsonl', gated: true });
  assert.ok(hle.judge);
});

// --- judge prompt -----------------------------------------------------------

const EXPECTED_JUDGE_PROMPT = `Judge whether the following [response] to [question] is correct or not based on the precise and unambiguous [correct_answer] below.

[question]: What is {generation} of 2+2?

[response]: Explanation: 2+2=4.
Answer: 4
Confidence: 95%

Your judgement must be in the format and criteria specified below:

extracted_final_answer: The final exact answer extracted from the [response]. Put the extracted answer as 'None' if there is no exact, final answer to extract from the response.

[correct_answer]: 4

Reasoning: Explain why the extracted_final_answer is correct or incorrect based on [correct_answer], focusing only on if there are meaningful differences between [correct_answer] and the extracted_final_answer. Do not comment on any background to the problem, do not attempt to solve the problem, do not argue for any answer different than [correct_answer], focus only on whether the answers match.

Judgement: Answer 'yes' if extracted_final_answer matches the [correct_answer] given above, or is within a small margin of error for numerical problems. Answer 'no' otherwise, i.e. if there if there is any inconsistency, ambiguity, non-equivalency, or if the extracted answer is incorrect.

Confidence: The extracted confidence score between 0|\\%| and 100|\\%| from [response]. Put 100 if there is no confidence score available.`;

test('judge prompt: NeMo-Skills judge/hle filled once (a placeholder inside the question stays literal)', () => {
  const response = 'Explanation: 2+2=4.\nAnswer: 4\nConfidence: 95%';
  assert.equal(hleJudgePrompt('What is {generation} of 2+2?', response, '4'), EXPECTED_JUDGE_PROMPT);
  const sample: Sample = hle.toSample(row({ question: 'What is {generation} of 2+2?', answer: '4' }), 0);
  assert.deepEqual(hle.judge?.prompt(sample, response), [{ role: 'user', content: EXPECTED_JUDGE_PROMPT }]);
  assert.ok(EXPECTED_JUDGE_PROMPT.includes('between 0|\\%| and 100|\\%|'), 'the reference spelling 0|\\%| is kept');
});

// --- judge reply parsing ----------------------------------------------------

/*
 * The verdict rule is NeMo-Skills 0b012df8 metrics/utils.py is_correct_judgement.
 * Differential test: every reply of the generated corpus (test/corpora/hle-judge.ts)
 * against what the reference function itself returned for it, with return_none
 * False and True — scripts/derive-ns-fixtures.sh ran it (read from the
 * NeMo-Skills repository at 0b012df8 into a temporary directory) and stored
 * the results in test/fixtures/hle-judgement-0b012df8.json.
 */
const judgeCorpus = hleJudgeCorpus();
const judgeFixture = loadReferenceFixture<[boolean, boolean | null]>('hle-judgement-0b012df8.json', judgeCorpus);
const judgeReference = new Map(judgeCorpus.map((text, i) => [text, judgeFixture.expected[i]]));

test('judge verdicts equal the reference is_correct_judgement on every generated reply', () => {
  assert.equal(judgeFixture.reference.commit, '0b012df8a09cd4730d31b16e90a0d8f13d145fb8');
  assert.equal(judgeFixture.reference.function, 'is_correct_judgement');
  assert.ok(judgeCorpus.length >= 5000, `corpus of ${judgeCorpus.length}`);
  const differ: string[] = [];
  judgeCorpus.forEach((text, i) => {
    const [wrongIfNone, orNone] = judgeFixture.expected[i] ?? [];
    const got = [isCorrectJudgement(text), isCorrectJudgement(text, true)];
    const parsed = parseHleJudgement(text);
    if (got[0] !== wrongIfNone || got[1] !== orNone || parsed.correct !== orNone || parsed.reference !== wrongIfNone) {
      differ.push(`${JSON.stringify(text)}: evalflow ${JSON.stringify(got)}, reference ${JSON.stringify([wrongIfNone, orNone])}`);
    }
  });
  assert.equal(differ.length, 0, `${differ.length} of ${judgeCorpus.length} differ:\n${differ.slice(0, 20).join('\n')}`);
  const kinds = new Set(judgeFixture.expected.map((e) => JSON.stringify(e)));
  for (const k of ['[true,true]', '[false,false]', '[false,null]']) assert.ok(kinds.has(k), `the corpus yields ${k}`);
});

const judgeCases: Array<[string, string, boolean | null, Record<string, unknown>]> = [
  [
    'NeMo-Skills layout, yes',
    'extracted_final_answer: 23\n\nReasoning: The response gives 23, the same as the correct answer.\n\nJudgement: yes\n\nConfidence: 90%',
    true,
    { extracted_final_answer: '23', reasoning: 'The response gives 23, the same as the correct answer.', judge_confidence: 90 },
  ],
  ['NeMo-Skills layout, no', 'extracted_final_answer: 29\nReasoning: 29 is not 23.\nJudgement: no\nConfidence: 40', false, { extracted_final_answer: '29', reasoning: '29 is not 23.', judge_confidence: 40 }],
  ['verdict by prefix, any case', 'Judgement: Yes, they match.', true, { extracted_final_answer: null }],
  ['"Not" starts with no', 'Judgement: Not quite', false, { extracted_final_answer: null }],
  ['verdict on the next line', 'Judgement:\n   no', false, { extracted_final_answer: null }],
  ['extra whitespace', '   extracted_final_answer:    23   \n\n   Judgement:     yes   \n', true, { extracted_final_answer: '23' }],
  ['the LAST Judgement: counts', 'Judgement: no\nOn reflection...\nJudgement: yes', true, { extracted_final_answer: null }],
  ['an echoed prompt line before the verdict', "Judgement: Answer 'yes' if it matches.\nJudgement: no", false, { extracted_final_answer: null }],
  // The label is case- and colon-exact.
  ['lower-case label', 'judgement: yes', null, { extracted_final_answer: null }],
  ['space before the colon', 'Judgement : yes', null, { extracted_final_answer: null }],
  ['markdown bold label **Judgement**:', '**extracted_final_answer**: 23\n**Judgement**: no', null, { extracted_final_answer: '23' }],
  // "**Judgement:** yes" leaves "** yes": no verdict (later NeMo-Skills revisions read it).
  ['markdown bold **Judgement:** yes', '**Judgement:** yes', null, { extracted_final_answer: null }],
  ['bold value', 'Judgement: **yes**', null, { extracted_final_answer: null }],
  // cais/hle's own layout is no verdict for NeMo-Skills.
  ['cais/hle layout, correct: yes', 'extracted_final_answer: 23\nreasoning: identical\ncorrect: yes\nconfidence: 85', null, { extracted_final_answer: '23', reasoning: 'identical', judge_confidence: 85 }],
  ['extracted None is no answer', 'extracted_final_answer: None\nReasoning: nothing to extract\nJudgement: no', false, { extracted_final_answer: null, reasoning: 'nothing to extract' }],
  ['extracted answer over two lines', 'extracted_final_answer: x = 1,\ny = 2\n[correct_answer]: x = 1, y = 2\nJudgement: yes', true, { extracted_final_answer: 'x = 1,\ny = 2' }],
  ['missing verdict field', 'extracted_final_answer: 23\nReasoning: looks right', null, { extracted_final_answer: '23', reasoning: 'looks right' }],
  ['verdict neither yes nor no', 'Judgement: maybe', null, { extracted_final_answer: null }],
  // Python's strip: U+0085 is whitespace, U+FEFF is not.
  ['U+0085 before the value', 'Judgement:\u0085yes', true, { extracted_final_answer: null }],
  ['U+FEFF before the value', 'Judgement:\ufeffyes', null, { extracted_final_answer: null }],
  ['garbage', 'I am not sure what you want from me.', null, { extracted_final_answer: null }],
  ['empty reply', '', null, { extracted_final_answer: null }],
];
for (const [name, text, correct, details] of judgeCases) {
  test(`judge parse: ${name}`, () => {
    const v = parseHleJudgement(text);
    assert.equal(v.correct, correct, 'evalflow: null = ask again');
    assert.equal(v.reference, correct === true, 'reference: no verdict = wrong');
    assert.deepEqual(v.details, details);
    assert.deepEqual(hle.judge?.parse(text), v);
    const ref = judgeReference.get(text);
    if (ref) assert.deepEqual([v.reference, v.correct], ref, 'the reference agrees');
  });
}

// --- stated confidence and scoring ------------------------------------------

const confidenceCases: Array<[string, number]> = [
  ['Explanation: because.\nAnswer: 23\nConfidence: 85%', 85],
  ['Answer: 23\nconfidence: 7', 7],
  ['Answer: 23\n**Confidence:** 92.5%', 92.5],
  ['Answer: 23\n**Confidence**: **60%**', 60],
  ['Answer: 23\nConfidence:    0 %', 0],
  ['Confidence: 10%\nOn second thought...\nConfidence: 70%', 70],
  ['Explanation: because.\nAnswer: 23', 100],
  ['Answer: 23\nConfidence: high', 100],
  ['I would put my confidence: 50% mid-line', 100],
  ['', 100],
];
for (const [text, expected] of confidenceCases) {
  test(`stated confidence ${JSON.stringify(text.slice(-28))} → ${expected}`, () => assert.equal(parseStatedConfidence(text), expected));
}

test('score: correctness from the verdict, predicted = judge extraction, stated confidence and generation hash', () => {
  const sample = hle.toSample(row(), 0);
  const response = 'Explanation: 21 and 22 are composite.\nAnswer: 23\nConfidence: 80%';
  const yes: JudgeVerdict = { correct: true, details: { extracted_final_answer: '23', reasoning: 'same', judge_confidence: 80 } };
  assert.deepEqual(syncScore(hle).score(response, sample, yes), {
    predicted: '23',
    correct: true,
    details: { confidence: 80, generation_sha256: sha256(response), judge_confidence: 80 },
  });
  const none: JudgeVerdict = { correct: false, details: { extracted_final_answer: null } };
  assert.deepEqual(syncScore(hle).score('I cannot answer.', sample, none), {
    predicted: null,
    correct: false,
    details: { confidence: 100, generation_sha256: sha256('I cannot answer.') },
  });
  assert.throws(() => syncScore(hle).score(response, sample), /parsed judge verdict/);
  assert.throws(() => syncScore(hle).score(response, sample, { correct: null }), /parsed judge verdict/);
});

// --- calibration error ------------------------------------------------------

test('calibration error, 4 items in bins of 2: only the first bin counts (reference loop skips the last)', () => {
  // sorted: 0.1✗ 0.3✓ | 0.8✗ 0.9✓ ; bin 1: mean conf 0.2, accuracy 0.5 → sqrt(2/4 · 0.3²)
  close(calibrationError([0.9, 0.1, 0.8, 0.3], [true, false, false, true], 2) ?? undefined, Math.sqrt(0.5 * 0.09), '4 items');
});

test('calibration error, 7 items in bins of 2: bins [0,2) [2,4) count, [4,7) is the skipped last bin', () => {
  // sorted (stable): 0✗ 0.2✗ | 0.5✓ 0.5✗ | 0.9✓ 1✓ 1✓ ; bin 1 diff 0.1, bin 2 diff 0 → sqrt(2/7 · 0.01)
  const conf = [0.5, 0.5, 1, 1, 0, 0.2, 0.9];
  const ok = [true, false, true, true, false, false, true];
  close(calibrationError(conf, ok, 2) ?? undefined, Math.sqrt((2 / 7) * 0.01), '7 items');
});

test('calibration error, 250 items in bins of 100 (the reference beta): last bin of 150 skipped', () => {
  const conf: number[] = [];
  const ok: boolean[] = [];
  for (let i = 0; i < 100; i++) (conf.push(0.2), ok.push(false)); // bin 1: conf 0.2, accuracy 0
  for (let i = 0; i < 150; i++) (conf.push(0.9), ok.push(i % 2 === 0)); // last bin: ignored
  close(calibrationError(conf, ok) ?? undefined, Math.sqrt((100 / 250) * 0.04), '250 items');
});

test('calibration error, 400 items, three counted bins with different gaps', () => {
  const conf: number[] = [];
  const ok: boolean[] = [];
  const add = (c: number, correctCount: number) => {
    for (let i = 0; i < 100; i++) (conf.push(c), ok.push(i < correctCount));
  };
  add(0.1, 30); // gap 0.2
  add(0.5, 50); // gap 0
  add(0.7, 40); // gap 0.3
  add(1.0, 0); // last bin, skipped
  close(calibrationError(conf, ok) ?? undefined, Math.sqrt(0.25 * 0.04 + 0 + 0.25 * 0.09), '400 items');
});

const calibEdgeCases: Array<[string, number[], boolean[], number, number | null]> = [
  ['no items → none (reference fails)', [], [], 100, null],
  ['fewer items than one bin → none (reference fails)', [0.5, 0.5, 0.5], [true, false, true], 4, null],
  ['exactly one bin → 0 (it is the skipped last bin)', [0.9, 0.1, 0.5, 0.2], [false, false, true, true], 4, 0],
  ['between one and two bins → 0', [0.9, 0.1, 0.5, 0.2, 0.3], [false, false, true, true, true], 4, 0],
  ['perfectly calibrated bins → 0', [1, 1, 0, 0, 0.5, 0.5], [true, true, false, false, true, false], 2, 0],
  ['equal confidences keep input order at a bin edge', [0.5, 0.5, 0.5, 0.5], [true, false, true, true], 2, 0],
  ['always wrong at full confidence → 1 over the counted bins', [1, 1, 1, 1, 1, 1], [false, false, false, false, false, false], 2, Math.sqrt(4 / 6)],
];
for (const [name, conf, ok, beta, expected] of calibEdgeCases) {
  test(`calibration error edge: ${name}`, () => {
    const got = calibrationError(conf, ok, beta);
    if (expected === null) assert.equal(got, null);
    else close(got ?? undefined, expected, name);
  });
}

test('calibration error rejects mismatched inputs and a bad bin size', () => {
  assert.throws(() => calibrationError([0.5], [true, false], 1), RangeError);
  assert.throws(() => calibrationError([0.5], [true], 0), RangeError);
  assert.throws(() => calibrationError([0.5], [true], 1.5), RangeError);
});

// --- accuracy CI ------------------------------------------------------------

const ciCases: Array<[number, number, number]> = [
  [50, 100, 9.8], // 1.96 · sqrt(50·50/100) = 1.96 · 5
  [0, 2158, 0],
  [100, 10, 0],
  [20, 400, 3.92], // 1.96 · sqrt(1600/400) = 1.96 · 2
  [25, 3, 1.96 * Math.sqrt(625)], // 1.96 · 25
];
for (const [acc, n, expected] of ciCases) {
  test(`accuracy CI half-width(${acc}%, n=${n}) = ${expected}`, () => close(accuracyHalfWidth(acc, n), expected, 'half-width', 1e-9));
}
test('accuracy CI needs n ≥ 1', () => assert.throws(() => accuracyHalfWidth(50, 0), RangeError));

// --- metrics ----------------------------------------------------------------

interface U {
  /** the re-asked verdict (evalflow's) */
  ok: boolean;
  /** the reference's verdict from the first reply; null when the judge never replied */
  ref?: boolean | null;
  judge_error?: string;
}

function unit(sample_id: string, repeat: number, v: U, subset: string, confidence: number, generation: string): ScoredResponse {
  const ref = v.ref === undefined ? v.ok : v.ref;
  return {
    sample_id,
    repeat,
    subset,
    predicted: v.ok ? 'right' : 'wrong',
    correct: v.ok,
    details: { confidence, generation_sha256: sha256(generation) },
    ...(v.judge_error !== undefined ? { judge_error: v.judge_error } : {}),
    ...(ref !== null ? { reference_correct: ref } : {}),
  };
}

const RIGHT: U = { ok: true };
const WRONG: U = { ok: false };
/** first reply unparseable (reference: wrong), re-asked reply yes */
const REASKED_YES: U = { ok: true, ref: false };
/** every reply unparseable: judge error; reference: wrong */
const UNPARSEABLE: U = { ok: false, ref: false, judge_error: 'judge reply could not be parsed after 3 attempt(s)' };
/** the judge never replied: no verdict of either kind */
const NO_REPLY: U = { ok: false, ref: null, judge_error: 'judge call failed: HTTP 500' };

test('metrics, one repeat: judge_correct as the reference (first reply, unparseable = wrong), the variant beside it, CI, judge_errors, per category', () => {
  const units = [
    unit('a', 0, RIGHT, 'Math', 90, 'ga'),
    unit('b', 0, WRONG, 'Math', 80, 'gb'),
    unit('c', 0, RIGHT, 'Physics', 60, 'gc'),
    unit('d', 0, UNPARSEABLE, 'Physics', 50, 'gd'),
    unit('e', 0, WRONG, 'Math', 100, 'ge'),
    unit('f', 0, REASKED_YES, 'Physics', 70, 'gf'),
    unit('g', 0, NO_REPLY, 'Math', 70, 'gg'),
  ];
  const { metrics, subsets } = hleMetrics(units, 1);
  assert.deepEqual(Object.keys(metrics), ['pass@1']);
  const scores = metrics['pass@1']?.scores ?? {};
  assert.deepEqual(Object.keys(scores), ['judge_correct', 'judge_correct_excluding_judge_errors', 'judge_errors']);
  // reference: a✓ b✗ c✓ d✗ e✗ f✗ (its first reply) → 2/6; g has no reply at all.
  const jc = scores.judge_correct;
  close(jc?.value, 100 / 3, 'reference accuracy');
  assert.equal(jc?.stats.count, 6);
  close(jc?.stats.ci95_half_width, 1.96 * Math.sqrt(((100 / 3) * (200 / 3)) / 6), 'ci');
  // evalflow: a✓ b✗ c✓ e✗ f✓ → 3/5; d and g are judge errors.
  const own = scores.judge_correct_excluding_judge_errors;
  close(own?.value, 60, 'variant accuracy');
  assert.equal(own?.stats.count, 5);
  close(own?.stats.stderr, (100 * Math.sqrt(0.3)) / Math.sqrt(5), 'stderr', 1e-9);
  close(own?.stats.ci95_half_width, 1.96 * Math.sqrt((60 * 40) / 5), 'ci');
  assert.deepEqual(scores.judge_errors, { value: 2, stats: { count: 7, unanswered: 1 } });
  assert.equal(scores.calibration_error, undefined, 'fewer than 100 units with a verdict: no calibration error');

  assert.deepEqual(Object.keys(subsets), ['Math', 'Physics']);
  const math = subsets.Math?.['pass@1']?.scores;
  close(math?.judge_correct?.value, 100 / 3, 'Math reference');
  close(math?.judge_correct_excluding_judge_errors?.value, 100 / 3, 'Math variant');
  assert.deepEqual(math?.judge_errors, { value: 1, stats: { count: 4, unanswered: 1 } });
  const physics = subsets.Physics?.['pass@1']?.scores;
  close(physics?.judge_correct?.value, 100 / 3, 'Physics reference');
  close(physics?.judge_correct_excluding_judge_errors?.value, 100, 'Physics variant');
  assert.equal(physics?.judge_correct_excluding_judge_errors?.stats.count, 2);
  assert.deepEqual(physics?.judge_errors, { value: 1, stats: { count: 3, unanswered: 0 } });
});

test('metrics: calibration error over the responses with a reference verdict, in percent (bin size 2 to keep it small)', () => {
  const units = [
    unit('a', 0, RIGHT, 'Math', 90, 'ga'),
    unit('b', 0, WRONG, 'Math', 80, 'gb'),
    unit('c', 0, RIGHT, 'Physics', 60, 'gc'),
    unit('d', 0, UNPARSEABLE, 'Physics', 50, 'gd'),
    unit('g', 0, NO_REPLY, 'Physics', 10, 'gg'),
    unit('e', 0, WRONG, 'Math', 100, 'ge'),
  ];
  // with a verdict (g has none), sorted by confidence: d 0.5✗ c 0.6✓ | b 0.8✗ a 0.9✓ e 1.0✗ (the last bin
  // takes the remainder and is skipped); bin 1: conf 0.55, accuracy 0.5 → sqrt(2/5 · 0.0025)
  const { metrics } = hleMetrics(units, 1, 2);
  const cal = metrics['pass@1']?.scores.calibration_error;
  close(cal?.value, 100 * Math.sqrt(0.4 * 0.0025), 'calibration');
  assert.deepEqual(cal?.stats, { count: 5, bin_size: 2 });
});

test('metrics, two repeats: judge errors leave only the variant; a response without any reply leaves both; majority groups identical generations', () => {
  const units = [
    // x: same generation twice, judged right then wrong (a non-deterministic judge) → majority 0.5
    unit('x', 0, RIGHT, 'Math', 90, 'same'),
    unit('x', 1, WRONG, 'Math', 90, 'same'),
    // y: two different generations, one right → majority tie 0.5, pass@2 1
    unit('y', 0, RIGHT, 'Math', 70, 'y0'),
    unit('y', 1, WRONG, 'Math', 70, 'y1'),
    // z: one right, one unparseable → reference 1/2; out of the variant
    unit('z', 0, RIGHT, 'Math', 50, 'z0'),
    unit('z', 1, UNPARSEABLE, 'Math', 50, 'z1'),
    // w: one right, one never answered by the judge → out of both
    unit('w', 0, RIGHT, 'Math', 50, 'w0'),
    unit('w', 1, NO_REPLY, 'Math', 50, 'w1'),
  ];
  const { metrics } = hleMetrics(units, 2);
  assert.deepEqual(Object.keys(metrics), ['pass@1[avg-of-2]', 'majority@2', 'pass@2']);
  const avg = metrics['pass@1[avg-of-2]']?.scores ?? {};
  close(avg.judge_correct?.value, 50, 'reference avg-of-2');
  assert.equal(avg.judge_correct?.stats.count, 3);
  close(avg.judge_correct?.stats.ci95_half_width, 1.96 * Math.sqrt(2500 / 3), 'ci');
  close(avg.judge_correct_excluding_judge_errors?.value, 50, 'variant avg-of-2');
  assert.equal(avg.judge_correct_excluding_judge_errors?.stats.count, 2);
  assert.deepEqual(avg.judge_errors, { value: 2, stats: { count: 8, unanswered: 1 } });
  // majority: x 0.5, y 0.5, z 0.5 (two generations, one right) → 50; pass@2: x, y, z → 100
  close(metrics['majority@2']?.scores.judge_correct?.value, 50, 'majority');
  close(metrics['pass@2']?.scores.judge_correct?.value, 100, 'pass@2');
  close(metrics['majority@2']?.scores.judge_correct_excluding_judge_errors?.value, 50, 'variant majority');
  for (const group of Object.values(metrics)) assert.equal(group.scores.no_answer, undefined);
});

test('metrics: every reply unparseable → judge_correct 0 over all of them, no variant score, all judge errors', () => {
  const units = [unit('a', 0, UNPARSEABLE, 'Math', 90, 'ga'), unit('b', 0, UNPARSEABLE, 'Other', 90, 'gb')];
  const { metrics, subsets } = hleMetrics(units, 1);
  const scores = metrics['pass@1']?.scores ?? {};
  assert.deepEqual(Object.keys(scores), ['judge_correct', 'judge_errors']);
  assert.equal(scores.judge_correct?.value, 0);
  assert.equal(scores.judge_correct?.stats.count, 2);
  assert.deepEqual(scores.judge_errors, { value: 2, stats: { count: 2, unanswered: 0 } });
  assert.deepEqual(Object.keys(subsets.Other?.['pass@1']?.scores ?? {}), ['judge_correct', 'judge_errors']);
});

test('metrics: a judge that never replied → only the judge_errors count', () => {
  const units = [unit('a', 0, NO_REPLY, 'Math', 90, 'ga'), unit('b', 0, NO_REPLY, 'Other', 90, 'gb')];
  const { metrics, subsets } = hleMetrics(units, 1);
  assert.deepEqual(metrics, { 'pass@1': { scores: { judge_errors: { value: 2, stats: { count: 2, unanswered: 2 } } } } });
  assert.deepEqual(subsets.Other, { 'pass@1': { scores: { judge_errors: { value: 1, stats: { count: 1, unanswered: 1 } } } } });
});

test('metrics hook is hleMetrics', () => assert.equal(hle.metrics, hleMetrics));

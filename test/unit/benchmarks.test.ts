import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { extractAnswer, extractBoxed, searchRegexLast } from '../../benchmarks/families/math';
import { mathEqual } from '../../lib/engine/math/verify';
import { gsm8k, gsm8kGold } from '../../benchmarks/gsm8k';
import { MMLU_PRO_PROMPT_CONFIGS, mmluPro, mmluProProblem } from '../../benchmarks/mmlu_pro';
import { BUILTIN_BENCHMARKS, KNOWN_UNSUPPORTED_TASKS, getBenchmark, listBenchmarks, registerBenchmark } from '../../benchmarks/index';
import type { Benchmark } from '../../benchmarks/types';
import type { Sample } from '../../lib/records/messages';
import { loadDataset } from '../../lib/engine/datasets';
import { sync as syncScore } from '../support/sync-score';

// --- \boxed{} extraction (NeMo-Skills math_grader.search_boxed) -------------

const boxedCases: Array<[string, string, string | null]> = [
  ['plain', 'so \\boxed{42}.', '42'],
  ['nested braces', 'x = \\boxed{\\frac{1}{2}}', '\\frac{1}{2}'],
  ['deeply nested', '\\boxed{\\text{a}{b{c}}}', '\\text{a}{b{c}}'],
  ['thousands comma kept', '\\boxed{1,000}', '1,000'],
  ['text wrapper kept', '\\boxed{\\text{(B)}}', '\\text{(B)}'],
  ['several boxed → last', '\\boxed{1} then \\boxed{2} finally \\boxed{3}', '3'],
  ['last even if earlier is nested', '\\boxed{\\boxed{7}}', '7'],
  ['empty box', '\\boxed{}', ''],
  ['no box', 'The answer is 42.', null],
  ['lone \\fbox is not extracted (reference checks for \\boxed first)', '\\fbox{5}', null],
  ['space before brace → none', '\\boxed {5}', null],
  ['no brace → none', '\\boxed 5', null],
  ['unclosed → none', 'answer \\boxed{12', null],
  ['last box unclosed → none, earlier ignored', '\\boxed{1} and \\boxed{2', null],
];
for (const [name, text, expected] of boxedCases) {
  test(`extractBoxed: ${name}`, () => assert.equal(extractBoxed(text), expected));
}

test('searchRegexLast: Python findall semantics (last match, group 1)', () => {
  assert.equal(searchRegexLast('a1 b2 c3', /([a-z])\d/), 'c');
  assert.equal(searchRegexLast('xyz', /\d/), null);
  assert.equal(searchRegexLast('a1 b2', /[a-z]\d/), 'b2');
});

test('extractAnswer: "The final answer is" regex only matches on the last line', () => {
  assert.equal(extractAnswer('The final answer is 7', { extractFromBoxed: false }), '7');
  assert.equal(extractAnswer('The final answer is 7\n', { extractFromBoxed: false }), '7');
  assert.equal(extractAnswer('The final answer is 7\nThanks', { extractFromBoxed: false }), null);
  assert.equal(extractAnswer('\\boxed{3}', { extractFromBoxed: false }), null);
});

test('extractAnswer: relaxed tries boxed first, falls back to the regex when boxed is empty or missing', () => {
  assert.equal(extractAnswer('\\boxed{B}\nThe final answer is C', { relaxed: true }), 'B');
  assert.equal(extractAnswer('\\boxed{}\nThe final answer is C', { relaxed: true }), 'C');
  assert.equal(extractAnswer('The final answer is C', { relaxed: true }), 'C');
  assert.equal(extractAnswer('\\boxed{B}\nThe final answer is C', { relaxed: true, regexFirst: true }), 'C');
});

// --- numeric equivalence (NeMo-Skills math_equal, numeric answers) -----------

// NeMo-Skills math_equal through the grader process (math-verify); the verdicts are the
// reference's (test/unit/math-oracle.test.ts compares the same path with the oracle on a corpus).
const equalCases: Array<[string, string | null, boolean]> = [
  ['18', '18', true],
  ['18', null, false],
  ['18', '17', false],
  ['1000', '1,000', true],
  ['1000', '1{,}000', true],
  ['1000', '1,00', false],
  ['18', '\\$18', true],
  ['18', '$18$', true],
  ['18', '18.00', true],
  ['18', '18.', true],
  ['18', '18\\%', true],
  ['18', '18%', true],
  ['18', '18 \\text{ dollars}', true],
  ['18', '18 hours', true],
  ['18', '18 dollars', false],
  ['18', 'x = 18', true],
  ['18', '\\frac{36}{2}', true],
  ['18', '\\dfrac{36}{2}', true],
  ['18', '36/2', true],
  ['0.5', '\\frac12', true],
  ['0.5', '.5', true],
  ['-3', '-3', true],
  ['-3', '3', false],
  // Both sides plain digits: the reference compares them as strings (the old port said true).
  ['5', '05', false],
  ['18', '{18}', true],
  ['18', '\\left(18\\right)', true],
  ['18', 'eighteen', false],
  ['B', 'B', true],
  ['Evelyn', 'Evelyn', true],
  ['Evelyn', 'Briana', false],
];
for (const [gold, predicted, expected] of equalCases) {
  test(`mathEqual(${JSON.stringify(gold)}, ${JSON.stringify(predicted)}) = ${expected}`, async () => {
    assert.equal((await mathEqual(gold, predicted)).correct, expected);
  });
}

// --- gsm8k ------------------------------------------------------------------

test('gsm8kGold: text after ####, commas removed, integers without .0', () => {
  assert.equal(gsm8kGold('so 9*2=18\n#### 18'), '18');
  assert.equal(gsm8kGold('...\n#### 1,000'), '1000');
  assert.equal(gsm8kGold('...\n#### -7'), '-7');
  assert.equal(gsm8kGold('...\n#### 2.50'), '2.5');
  assert.throws(() => gsm8kGold('no marker'), /"####"/);
});

const gsmRow = { question: 'Janet has 3 apples and buys 15 more. How many?', answer: 'She has 3+15=<<3+15=18>>18.\n#### 18' };

test('gsm8k: sample, prompt (NeMo-Skills generic/math) and scoring', async () => {
  const s = gsm8k.toSample(gsmRow, 4);
  assert.deepEqual(s, { id: '4', expected: '18', data: { question: gsmRow.question } });
  assert.deepEqual(gsm8k.prompt(s, {}), [
    {
      role: 'user',
      content: `Solve the following math problem. Make sure to put the answer (and only answer) inside \\boxed{}.\n\n${gsmRow.question}`,
    },
  ]);
  assert.deepEqual(gsm8k.prompt(s, { systemPrompt: '/think' })[0], { role: 'system', content: '/think' });
  assert.throws(() => gsm8k.prompt(s, { promptConfig: 'generic/nonexistent' }), /unsupported prompt_config/);
  assert.deepEqual(await gsm8k.score('3 + 15 = 18, so \\boxed{18}.', s), { predicted: '18', correct: true });
  assert.deepEqual(await gsm8k.score('\\boxed{17} no wait \\boxed{18.0}', s), { predicted: '18.0', correct: true });
  assert.deepEqual(await gsm8k.score('\\boxed{18} no wait \\boxed{17}', s), { predicted: '17', correct: false });
  assert.deepEqual(await gsm8k.score('The answer is 18.', s), { predicted: null, correct: false });
  assert.throws(() => gsm8k.toSample({ question: 1, answer: '#### 1' }, 0), /"question" must be a string/);
});

// --- MMLU-Pro -----------------------------------------------------------------

const mmluRow = {
  question_id: 70,
  question: '\nWhich is a prime number?\n',
  options: ['4', '6', '7', '8', '9', '10', '12', '14', '15', '16'],
  answer: 'C',
  answer_index: 2,
  category: 'computer science',
  src: 'ori_mmlu-high_school_mathematics',
};

test('ns_mmlu_pro: sample from the real schema; subset is the category with underscores', () => {
  const s = mmluPro.toSample(mmluRow, 0);
  assert.equal(s.id, '70');
  assert.equal(s.expected, 'C');
  assert.equal(s.subset, 'computer_science');
  assert.throws(() => mmluPro.toSample({ ...mmluRow, options: 'A. 4' }, 3), /list of strings/);
  assert.throws(() => mmluPro.toSample({ ...mmluRow, answer: 'K' }, 3), /letter A-J/);
  assert.throws(() => mmluPro.toSample({ ...mmluRow, options: ['1', '2'], answer: 'C' }, 3), /beyond the 2 options/);
});

test('ns_mmlu_pro: problem text as NeMo-Skills get_mcq_fields', () => {
  assert.equal(mmluProProblem('\nQ?\n', ['x', 'y', 'z']), 'Q?\n\nA) x\nB) y\nC) z');
});

test('ns_mmlu_pro: prompt variants by prompt_config', () => {
  const s = mmluPro.toSample(mmluRow, 0);
  const options = mmluRow.options.map((o, i) => `${'ABCDEFGHIJ'[i]}) ${o}`).join('\n');
  const problem = `Which is a prime number?\n\n${options}`;
  const def = mmluPro.prompt(s, {});
  assert.equal(def.length, 1);
  assert.equal(
    def[0]?.content,
    `Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: A/B/C/D/E/F/G/H/I/J' (e.g. 'Answer: A').\n\n${problem}`,
  );
  assert.equal(
    mmluPro.prompt(s, { promptConfig: 'eval/aai/mcq-10choices-boxed' })[0]?.content,
    `Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: \\boxed{A/B/C/D/E/F/G/H/I/J}' (e.g. 'Answer: \\boxed{A}').\n\n${problem}`,
  );
  assert.equal(
    mmluPro.prompt(s, { promptConfig: 'generic/general-boxed' })[0]?.content,
    `Solve the following problem. Make sure to put the answer (and only answer) inside \\boxed{}.\n\n${problem}`,
  );
  assert.deepEqual(Object.keys(MMLU_PRO_PROMPT_CONFIGS).sort(), ['eval/aai/mcq-10choices', 'eval/aai/mcq-10choices-boxed', 'generic/general-boxed']);
  assert.throws(() => mmluPro.prompt(s, { promptConfig: 'eval/aai/mcq-4choices' }), /unsupported prompt_config "eval\/aai\/mcq-4choices"/);
  const withSystem = mmluPro.prompt(s, { systemPrompt: 'Be brief.' });
  assert.deepEqual(withSystem.map((m) => m.role), ['system', 'user']);
});

test('ns_mmlu_pro: scoring', () => {
  const s = mmluPro.toSample(mmluRow, 0);
  assert.deepEqual(syncScore(mmluPro).score('7 is prime.\nAnswer: C', s), { predicted: 'C', correct: true });
  assert.deepEqual(syncScore(mmluPro).score('Answer: \\boxed{C}', s), { predicted: 'C', correct: true });
  assert.deepEqual(syncScore(mmluPro).score('Answer: D', s), { predicted: 'D', correct: false });
  assert.deepEqual(syncScore(mmluPro).score('The answer is (C)', s), { predicted: null, correct: false });
});

// --- registry -------------------------------------------------------------------

test('registry: built-ins, lookup, and name clashes', () => {
  for (const name of ['gsm8k', 'ns_mmlu_pro', 'ns_gpqa', 'ns_aime2025', 'mmlu', 'ns_hle']) {
    assert.ok(BUILTIN_BENCHMARKS.some((b) => b.name === name), name);
  }
  assert.equal(new Set(BUILTIN_BENCHMARKS.map((b) => b.name)).size, BUILTIN_BENCHMARKS.length, 'no duplicate names');
  assert.equal(getBenchmark('gsm8k'), gsm8k);
  assert.equal(getBenchmark('ns_mmlu_pro'), mmluPro);
  assert.equal(getBenchmark('nope'), undefined);
  assert.throws(() => registerBenchmark({ ...gsm8k }), /"gsm8k" is already taken by a built-in benchmark/);

  const custom: Benchmark = {
    ...gsm8k,
    name: 'custom_math_test',
    score: (text: string, sample: Sample) => ({ predicted: text, correct: text === sample.expected }),
  };
  registerBenchmark(custom);
  assert.equal(getBenchmark('custom_math_test'), custom);
  assert.ok(listBenchmarks().includes(custom));
  assert.throws(() => registerBenchmark({ ...custom }), /"custom_math_test" is already taken by a benchmark registered earlier/);
});

test('registry: known-but-unsupported tasks carry a reason and do not shadow built-ins', () => {
  for (const name of ['ns_livecodebench', 'ns_scicode', 'ns_bfcl_v4', 'humaneval']) {
    assert.equal(KNOWN_UNSUPPORTED_TASKS[name], undefined, name);
    assert.equal(getBenchmark(name)?.name, name);
  }
  for (const [name, reason] of Object.entries(KNOWN_UNSUPPORTED_TASKS)) assert.match(reason, /^not implemented/, name);
  for (const name of Object.keys(KNOWN_UNSUPPORTED_TASKS)) assert.equal(getBenchmark(name), undefined, `${name} is both built in and listed as unsupported`);
});

// --- real data (EVALFLOW_DATASETS_DIR) -----------------------------------------

function realDatasetsDir(): string {
  const dir = process.env.EVALFLOW_DATASETS_DIR;
  if (!dir) assert.fail('EVALFLOW_DATASETS_DIR is not set: point it at the shared real datasets (e.g. ../shared/datasets) to run the real-data tests');
  return dir;
}

test('real data: gsm8k test split loads, every gold is an integer and scores as correct', async () => {
  const dir = realDatasetsDir();
  const data = await loadDataset(gsm8k.dataset, { datasetDir: dir, cacheDir: os.tmpdir() });
  assert.equal(data.rows.length, 1319);
  const samples = data.rows.map((r, i) => gsm8k.toSample(r, i));
  assert.equal(new Set(samples.map((s) => s.id)).size, 1319);
  assert.equal(samples[0]?.expected, '18');
  for (const s of samples) {
    assert.match(s.expected, /^-?\d+$/);
    assert.equal((await gsm8k.score(`Working...\n\\boxed{${s.expected}}`, s)).correct, true, s.id);
    assert.equal((await gsm8k.score(`\\boxed{${Number(s.expected) + 1}}`, s)).correct, false, s.id);
  }
});

test('real data: MMLU-Pro test split loads with 14 categories and letter answers', async () => {
  const dir = realDatasetsDir();
  const data = await loadDataset(mmluPro.dataset, { datasetDir: dir, cacheDir: os.tmpdir() });
  assert.equal(data.rows.length, 12032);
  const samples = data.rows.map((r, i) => mmluPro.toSample(r, i));
  assert.equal(new Set(samples.map((s) => s.id)).size, 12032);
  assert.equal(new Set(samples.map((s) => s.subset)).size, 14);
  assert.ok(samples.some((s) => s.subset === 'computer_science'));
  for (const s of samples) {
    const user = mmluPro.prompt(s, {})[0]?.content ?? '';
    const n = (s.data.options as string[]).length;
    assert.ok(user.includes(`\n${String.fromCharCode(64 + n)}) `), s.id);
    assert.equal(syncScore(mmluPro).score(`Answer: ${s.expected}`, s).correct, true, s.id);
  }
});

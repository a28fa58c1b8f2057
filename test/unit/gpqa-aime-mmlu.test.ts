/**
 * ns_gpqa, ns_aime2025 and mmlu: prompts exactly as NeMo-Skills renders them,
 * extraction and scoring, GPQA's seeded choice shuffle (CPython's Mersenne
 * Twister, checked against outputs of CPython 3.11 `random`), the real AIME
 * 2025 file (EVALFLOW_DATASETS_DIR), and the gated-GPQA error without a token.
 * GPQA items are synthetic: the real ones must never be written anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GPQA_PROMPT_CONFIGS, gpqa, gpqaChoices, gpqaPermutation, gpqaPreprocess } from '../../benchmarks/gpqa';
import { PythonRandom } from '../../benchmarks/families/python/random';
import { AIME_PROMPT_CONFIGS, aime2025, aimeUserPrompt } from '../../benchmarks/aime';
import { MMLU_SUBCATEGORIES, mmlu, mmluGold } from '../../benchmarks/mmlu';
import { BUILTIN_BENCHMARKS, KNOWN_UNSUPPORTED_TASKS, getBenchmark } from '../../benchmarks/index';
import type { Sample } from '../../lib/records/messages';
import { DatasetError, loadDataset } from '../../lib/engine/datasets';
import { computeMetrics } from '../../lib/engine/metrics';
import { type ScoredUnit } from '../../lib/records/artifacts';
import { sync as syncScore } from '../support/sync-score';

const MCQ4 = "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: A/B/C/D' (e.g. 'Answer: A').";
const MCQ4_BOXED =
  "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: \\boxed{A/B/C/D}' (e.g. 'Answer: \\boxed{A}').";
const GENERIC_MATH = 'Solve the following math problem. Make sure to put the answer (and only answer) inside \\boxed{}.';

// --- CPython random (Modules/_randommodule.c, Lib/random.py) ----------------

test('PythonRandom: seed(42) then getrandbits(32) ×5 equals CPython', () => {
  const r = new PythonRandom(42);
  assert.deepEqual(
    Array.from({ length: 5 }, () => r.getrandbits(32)),
    [2746317213, 478163327, 107420369, 3184935163, 1181241943],
  );
});

const shuffleCases: Array<[string, number | bigint, number[]]> = [
  // random.seed(s); x = list(range(10)); random.shuffle(x)
  ['seed 7, ten elements', 7, [8, 3, 1, 4, 7, 0, 9, 6, 2, 5]],
  ['seed 2**40+5 (two-word init_by_array key)', 2n ** 40n + 5n, [1, 2, 3, 6, 7, 0, 5, 4, 9, 8]],
];
for (const [name, seed, expected] of shuffleCases) {
  test(`PythonRandom.shuffle: ${name} equals CPython`, () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    new PythonRandom(seed).shuffle(x);
    assert.deepEqual(x, expected);
  });
}

test('PythonRandom: argument checks', () => {
  const r = new PythonRandom(1);
  assert.throws(() => r.getrandbits(0), RangeError);
  assert.throws(() => r.getrandbits(33), RangeError);
  assert.throws(() => r.randbelow(0), RangeError);
  assert.throws(() => new PythonRandom(0.5), RangeError);
  for (let i = 0; i < 200; i++) assert.ok(r.randbelow(3) < 3);
});

// --- GPQA permutation: random.seed(42) once, then one shuffle per row --------

test('gpqaPermutation: the first twelve rows and row 197 equal CPython (seed 42, one shuffle per row)', () => {
  const expected = [
    [2, 1, 3, 0], [3, 2, 0, 1], [1, 3, 2, 0], [1, 2, 0, 3], [1, 2, 3, 0], [1, 3, 2, 0],
    [2, 1, 0, 3], [1, 3, 0, 2], [0, 2, 1, 3], [2, 3, 0, 1], [2, 1, 3, 0], [3, 2, 1, 0],
  ];
  expected.forEach((perm, i) => assert.deepEqual(gpqaPermutation(i), perm, `row ${i}`));
  assert.deepEqual(gpqaPermutation(197), [1, 3, 2, 0]);
  // Independent of the order the rows are asked for.
  assert.deepEqual(gpqaPermutation(3), [1, 2, 0, 3]);
});

test('gpqaPermutation: gold letters of all 198 Diamond rows (where the correct answer lands) equal CPython', () => {
  const letters = Array.from({ length: 198 }, (_, i) => String.fromCharCode(65 + gpqaPermutation(i).indexOf(3))).join('');
  assert.equal(
    letters,
    'CABDCBDBDBCAABCABBADCBBBDBABADCBDBDCDDCAADAACCADACABBCABDCBACABCADDABDCBBCABBCDCCDBBABDBACAAACBDBBACACCCBAADABABDCBDABAACBDBDBAADADCBCCDDABACACBBDAADDBACCACDDDABBBBDDDDCCACCADBDDDDBDDDDCBACAABBBBBCB',
  );
  assert.throws(() => gpqaPermutation(-1), RangeError);
});

// --- GPQA text preprocessing (prepare.py preprocess) -------------------------

const preprocessCases: Array<[string, string | null, string]> = [
  ['None → one space', null, ' '],
  ['outer whitespace stripped', '  answer \n', 'answer'],
  ['" [title]" → ". " then one pass of "  " → " "', 'Alpha  [title] one', 'Alpha . one'],
  ['three spaces become two (single non-overlapping pass)', 'Beta   two', 'Beta  two'],
  ['other brackets are kept (current prepare.py)', 'Gamma [note] three', 'Gamma [note] three'],
  ['Python strip: NBSP and \\x1c are whitespace', '\u00a0\u001cx\u00a0', 'x'],
  ['Python strip: BOM is not whitespace', '\ufeffx', '\ufeffx'],
];
for (const [name, input, expected] of preprocessCases) {
  test(`gpqaPreprocess: ${name}`, () => assert.equal(gpqaPreprocess(input), expected));
}

test('gpqaChoices: duplicate of the correct answer → first occurrence decides the gold letter', () => {
  // Row 0's permutation is [2, 1, 3, 0]: shown = [inc3, inc2, correct, inc1].
  assert.deepEqual(gpqaChoices('same', ['x', 'y', 'same'], 0), { choices: ['same', 'y', 'same', 'x'], expected: 'A' });
});

// Synthetic rows in GPQA's schema; expected strings rendered by NeMo-Skills'
// prepare.py + get_mcq_fields + eval/aai/mcq-4choices in CPython.
const gpqaRows: Array<Record<string, unknown>> = [
  {
    'Record ID': 'synthetic-0',
    Question: '\nWhich synthetic compound is named first?\n',
    'Correct Answer': '  Alpha  [title] one ',
    'Incorrect Answer 1': 'Beta   two',
    'Incorrect Answer 2': null,
    'Incorrect Answer 3': 'Gamma [note] three\u00a0',
    Explanation: 'Synthetic.',
    Subdomain: 'Synthetic Chemistry',
    'High-level domain': 'Chemistry',
    "Writer's Difficulty Estimate": 'Hard undergraduate level (could be a question on a hard undergraduate exam for students majoring in the subject)',
  },
  {
    Question: 'Second synthetic question',
    'Correct Answer': 'right',
    'Incorrect Answer 1': 'wrong 1',
    'Incorrect Answer 2': 'wrong 2',
    'Incorrect Answer 3': 'wrong 3',
    Subdomain: 'Synthetic Physics',
  },
];
const gpqaExpected: Array<{ id: string; expected: string; subset: string; prompt: string }> = [
  {
    id: 'synthetic-0',
    expected: 'C',
    subset: 'Synthetic Chemistry',
    prompt: `${MCQ4}\n\nWhich synthetic compound is named first?\n\nA) Gamma [note] three\nB)  \nC) Alpha . one\nD) Beta  two`,
  },
  { id: '1', expected: 'A', subset: 'Synthetic Physics', prompt: `${MCQ4}\n\nSecond synthetic question\n\nA) right\nB) wrong 3\nC) wrong 1\nD) wrong 2` },
];
gpqaRows.forEach((row, i) => {
  test(`ns_gpqa: synthetic row ${i} → sample and eval/aai/mcq-4choices prompt exactly as the reference`, () => {
    const s = gpqa.toSample(row, i);
    const want = gpqaExpected[i]!;
    assert.equal(s.id, want.id);
    assert.equal(s.expected, want.expected);
    assert.equal(s.subset, want.subset);
    assert.deepEqual(gpqa.prompt(s, {}), [{ role: 'user', content: want.prompt }]);
    assert.deepEqual(gpqa.prompt(s, { promptConfig: 'eval/aai/mcq-4choices' }), gpqa.prompt(s, {}));
  });
});

test('ns_gpqa: metadata, boxed variant, system prompt, unknown prompt config, bad rows', () => {
  const s = gpqa.toSample(gpqaRows[0]!, 0);
  assert.equal(s.data.domain, 'Chemistry');
  assert.equal(s.data.difficulty, 'Hard undergraduate level');
  const boxed = gpqa.prompt(s, { promptConfig: 'eval/aai/mcq-4choices-boxed', systemPrompt: 'Be brief.' });
  assert.deepEqual(boxed, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: gpqaExpected[0]!.prompt.replace(MCQ4, MCQ4_BOXED) },
  ]);
  assert.deepEqual(Object.keys(GPQA_PROMPT_CONFIGS), ['eval/aai/mcq-4choices', 'eval/aai/mcq-4choices-boxed']);
  assert.throws(() => gpqa.prompt(s, { promptConfig: 'generic/math' }), /ns_gpqa: unsupported prompt_config "generic\/math"/);
  assert.throws(() => gpqa.toSample({ question: 'lower-case schema' }, 0), /"Question" must be a string/);
  assert.throws(() => gpqa.toSample({ Question: 'q' }, 0), /"Correct Answer" is missing/);
  assert.equal(gpqa.dataset.gated, true);
  assert.deepEqual([gpqa.dataset.hfRepo, gpqa.dataset.hfConfig, gpqa.dataset.split], ['Idavidrein/gpqa', 'gpqa_diamond', 'train']);
});

// --- MCQ extraction and scoring (ns_gpqa and mmlu share it) ------------------

const mcqCases: Array<[string, string, string | null, boolean]> = [
  ['Answer: C line', 'Reasoning...\nAnswer: C', 'C', true],
  ['boxed letter', 'so \\boxed{C}', 'C', true],
  ['Answer: \\boxed{C}', 'Answer: \\boxed{C}', 'C', true],
  ['boxed \\text{(C)}', 'Answer: \\boxed{\\text{(C)}}', 'C', true],
  ['lower-case answer line', 'answer: c', 'C', true],
  ['last Answer: line wins', 'Answer: A\nWait.\nAnswer: C', 'C', true],
  ['wrong letter', 'Answer: B', 'B', false],
  ['letter beyond D is extracted and wrong', 'Answer: E', 'E', false],
  ['"The answer is (C)" without a colon → none', 'The answer is (C)', null, false],
  ['bold after colon is not matched (reference regex)', 'Answer: **C**', null, false],
  ['nothing', 'I do not know.', null, false],
];
for (const [name, text, predicted, correct] of mcqCases) {
  test(`MCQ scoring (gold C): ${name}`, () => {
    const s: Sample = { id: '0', expected: 'C', data: {} };
    assert.deepEqual(syncScore(gpqa).score(text, s), { predicted, correct });
    assert.deepEqual(syncScore(mmlu).score(text, s), { predicted, correct });
  });
}

// --- MMLU --------------------------------------------------------------------

test('mmlu: synthetic Hub row → sample (subset = NeMo-Skills subcategory) and prompt exactly as the reference', () => {
  const s = mmlu.toSample({ question: '\nWhat is 2 + 2?\n\n', subject: 'elementary_mathematics', choices: ['3', '4', ' 5', 'x\ny'], answer: 1 }, 7);
  assert.deepEqual(s, { id: '7', expected: 'B', subset: 'math', data: { question: '\nWhat is 2 + 2?\n\n', options: ['3', '4', ' 5', 'x\ny'], subject: 'elementary_mathematics' } });
  // The default is the dataset's GENERATION_ARGS at NeMo-Skills 0b012df8 (nemo_skills/dataset/mmlu/__init__.py): the boxed prompt.
  assert.deepEqual(mmlu.prompt(s, {}), [{ role: 'user', content: `${MCQ4_BOXED}\n\nWhat is 2 + 2?\n\nA) 3\nB) 4\nC)  5\nD) x\ny` }]);
  assert.equal(mmlu.prompt(s, { promptConfig: 'eval/aai/mcq-4choices' })[0]!.content, `${MCQ4}\n\nWhat is 2 + 2?\n\nA) 3\nB) 4\nC)  5\nD) x\ny`);
});

const goldCases: Array<[unknown, string | null]> = [[0, 'A'], [3, 'D'], ['C', 'C'], [4, null], ['E', null], ['1', null], [1.5, null]];
for (const [answer, expected] of goldCases) {
  test(`mmluGold(${JSON.stringify(answer)}) → ${expected ?? 'error'}`, () => {
    if (expected === null) assert.throws(() => mmluGold(answer, 0), /"answer" must be an index 0-3 or a letter A-D/);
    else assert.equal(mmluGold(answer, 0), expected);
  });
}

test('mmlu: 57 subjects in 17 subsets; unknown subject and bad choices are errors', () => {
  assert.equal(Object.keys(MMLU_SUBCATEGORIES).length, 57);
  assert.equal(new Set(Object.values(MMLU_SUBCATEGORIES)).size, 17);
  assert.equal(MMLU_SUBCATEGORIES.professional_law, 'law');
  assert.throws(() => mmlu.toSample({ question: 'q', subject: 'cooking', choices: ['a', 'b', 'c', 'd'], answer: 0 }, 0), /unknown subject "cooking"/);
  assert.throws(() => mmlu.toSample({ question: 'q', subject: 'virology', choices: ['a', 'b', 'c'], answer: 0 }, 0), /"choices" must be a list of 4 strings/);
  assert.deepEqual([mmlu.dataset.hfRepo, mmlu.dataset.hfConfig, mmlu.dataset.split], ['cais/mmlu', 'all', 'test']);
});

// --- AIME ----------------------------------------------------------------------

test('ns_aime2025: prompts (generic/math default, eval/aai/math) exactly as the reference; unknown and container-only configs are errors', () => {
  const s = aime2025.toSample({ id: 'x-1', problem: 'Find $1+1$.', expected_answer: '2' }, 0);
  assert.deepEqual(aime2025.prompt(s, {}), [{ role: 'user', content: `${GENERIC_MATH}\n\nFind $1+1$.` }]);
  assert.equal(aimeUserPrompt('Find $1+1$.', 'eval/aai/math'), 'Solve the following math problem step by step. Put your answer inside \\boxed{}.\n\nFind $1+1$.\n\nRemember to put your answer inside \\boxed{}.');
  assert.deepEqual(Object.keys(AIME_PROMPT_CONFIGS), ['generic/math', 'eval/aai/math']);
  assert.throws(() => aimeUserPrompt('p', '/nemo_run/code/eval_factory_prompts/math-oai.yaml'), /whose text is not published.*generic\/math/s);
  assert.throws(() => aimeUserPrompt('p', 'eval/aai/mcq-4choices'), /ns_aime2025: unsupported prompt_config/);
});

test('ns_aime2025: toSample accepts NeMo-Skills rows (expected_answer) and Hub rows (answer); rejects rows without a gold', () => {
  assert.deepEqual(aime2025.toSample({ id: 'aime25-3', problem: 'p', expected_answer: '117', reference_solution: 's' }, 3), { id: 'aime25-3', expected: '117', data: { problem: 'p' } });
  assert.deepEqual(aime2025.toSample({ problem: 'p', answer: 42 }, 5), { id: '5', expected: '42', data: { problem: 'p' } });
  assert.throws(() => aime2025.toSample({ problem: 'p' }, 0), /"expected_answer" \(or "answer"\) must be/);
  assert.throws(() => aime2025.toSample({ problem: 'p', expected_answer: ' ' }, 0), /must be a non-empty string/);
  assert.throws(() => aime2025.toSample({ question: 'p', expected_answer: '1' }, 0), /"problem" must be a string/);
});

const aimeScoreCases: Array<[string, string, string | null, boolean]> = [
  ['boxed integer', 'Thus \\boxed{70}.', '70', true],
  // Both plain digits: NeMo-Skills math_equal compares them as strings (the old port said true).
  ['leading zero', '\\boxed{070}', '070', false],
  ['decimal form of the integer', '\\boxed{70.0}', '70.0', true],
  ['inside $…$', 'so $\\boxed{70}$', '70', true],
  ['last box wins', '\\boxed{1} no wait \\boxed{70}', '70', true],
  ['wrong integer', '\\boxed{71}', '71', false],
  ['no box → no answer (extract_from_boxed)', 'The final answer is 70', null, false],
  ['unclosed box → no answer', '\\boxed{70', null, false],
];
for (const [name, text, predicted, correct] of aimeScoreCases) {
  test(`ns_aime2025 scoring (gold 70): ${name}`, async () => {
    assert.deepEqual(await aime2025.score(text, { id: '0', expected: '70', data: {} }), { predicted, correct });
  });
}

test('ns_aime2025: num_repeats 64 gives pass@1[avg-of-64], majority@64 and pass@64', () => {
  const units: ScoredUnit[] = [];
  for (let r = 0; r < 64; r++) {
    units.push({ sample_id: 'a', repeat: r, correct: r < 16, predicted: r < 16 ? '70' : '71' }); // 25% right, majority wrong
    units.push({ sample_id: 'b', repeat: r, correct: r % 2 === 0, predicted: r % 2 === 0 ? '5' : null }); // half right, the rest no answer
  }
  const { metrics } = computeMetrics(units, 64);
  assert.deepEqual(Object.keys(metrics), ['pass@1[avg-of-64]', 'majority@64', 'pass@64']);
  assert.equal(metrics['pass@1[avg-of-64]']!.scores.symbolic_correct!.value, 37.5);
  assert.equal(metrics['majority@64']!.scores.symbolic_correct!.value, 50);
  assert.equal(metrics['pass@64']!.scores.symbolic_correct!.value, 100);
  assert.equal(metrics['pass@1[avg-of-64]']!.scores.no_answer!.value, 25);
});

function realDatasetsDir(): string {
  const dir = process.env.EVALFLOW_DATASETS_DIR;
  if (!dir || !fs.existsSync(dir)) {
    throw new Error('this test reads the real AIME 2025 file: set EVALFLOW_DATASETS_DIR to the shared datasets folder (../shared/datasets)');
  }
  return dir;
}

test('ns_aime2025 on the real data (EVALFLOW_DATASETS_DIR/aime25/test.jsonl): 30 samples, integer golds, reference prompt', async () => {
  const loaded = await loadDataset(aime2025.dataset, { datasetDir: realDatasetsDir(), cacheDir: os.tmpdir(), offline: true });
  assert.equal(loaded.origin, 'local');
  const samples = loaded.rows.map((r, i) => aime2025.toSample(r, i));
  assert.equal(samples.length, 30);
  assert.deepEqual(samples.map((s) => s.id), Array.from({ length: 30 }, (_, i) => `aime25-${i}`));
  assert.deepEqual(samples.slice(0, 5).map((s) => s.expected), ['70', '588', '16', '117', '279']);
  assert.equal(samples[29]!.expected, '240');
  for (const s of samples) {
    assert.match(s.expected, /^\d{1,3}$/, s.id);
    assert.equal((await aime2025.score(`\\boxed{${s.expected}}`, s)).correct, true, s.id);
    assert.equal((await aime2025.score(`\\boxed{${Number(s.expected) + 1}}`, s)).correct, false, s.id);
  }
  const first = samples[0]!;
  assert.deepEqual(aime2025.prompt(first, {}), [
    { role: 'user', content: `${GENERIC_MATH}\n\nFind the sum of all integer bases  $b>9$  for which  $17_b$  is a divisor of  $97_b.$` },
  ]);
});

// --- gated GPQA without a token ------------------------------------------------

test('ns_gpqa from the Hub without HF_TOKEN → DatasetError naming HF_TOKEN, and no request is made', async () => {
  const saved = process.env.HF_TOKEN;
  delete process.env.HF_TOKEN;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-gpqa-'));
  let calls = 0;
  const fetchImpl: typeof fetch = async () => {
    calls++;
    throw new Error('the Hub must not be contacted without a token');
  };
  try {
    await assert.rejects(loadDataset(gpqa.dataset, { cacheDir, offline: false, fetchImpl }), (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      assert.equal(e.permanent, true);
      assert.match(e.message, /HF_TOKEN/);
      assert.match(e.message, /Idavidrein\/gpqa/);
      return true;
    });
    assert.equal(calls, 0);
  } finally {
    if (saved !== undefined) process.env.HF_TOKEN = saved;
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('ns_gpqa from a local dataset_dir: synthetic rows in diamond.jsonl are read without the Hub', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-gpqa-local-'));
  try {
    fs.mkdirSync(path.join(dir, 'gpqa'));
    fs.writeFileSync(path.join(dir, 'gpqa', 'diamond.jsonl'), gpqaRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const loaded = await loadDataset(gpqa.dataset, { datasetDir: dir, cacheDir: dir, offline: false, fetchImpl: async () => assert.fail('no Hub call') });
    assert.deepEqual(loaded.rows.map((r, i) => gpqa.toSample(r, i).expected), ['C', 'A']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// --- registry --------------------------------------------------------------------

test('registry: ns_gpqa, ns_aime2025 and mmlu are built in and no longer listed as unsupported', () => {
  for (const [name, bench] of [['ns_gpqa', gpqa], ['ns_aime2025', aime2025], ['mmlu', mmlu]] as const) {
    assert.equal(getBenchmark(name), bench);
    assert.ok(BUILTIN_BENCHMARKS.includes(bench));
    assert.equal(KNOWN_UNSUPPORTED_TASKS[name], undefined);
  }
});

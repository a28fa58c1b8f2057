/**
 * Multiple-choice letter extraction (benchmarks/families/mcq.ts) against NeMo-Skills
 * 0b012df8 `evaluator/mcq.py` `extract_letter`.
 *
 * The differential test compares every text of the generated corpus
 * (test/corpora/mcq.ts) with the letter the reference function itself
 * returned for it: scripts/derive-ns-fixtures.sh ran the reference's
 * `eval_mcq` (default config), read from the NeMo-Skills repository at commit
 * 0b012df8 into a temporary directory, on the corpus, and stored the results
 * in test/fixtures/mcq-0b012df8.json. The named cases below are a readable
 * subset, each also checked against that fixture when the corpus holds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractMcqLetter } from '../../benchmarks/families/mcq';
import { gpqa } from '../../benchmarks/gpqa';
import { mmlu } from '../../benchmarks/mmlu';
import { mmluPro } from '../../benchmarks/mmlu_pro';
import { mcqCorpus } from '../corpora/mcq';
import { loadReferenceFixture } from '../corpora/fixture';

const corpus = mcqCorpus();
const fixture = loadReferenceFixture<string | null>('mcq-0b012df8.json', corpus);
const reference = new Map(corpus.map((text, i) => [text, fixture.expected[i] ?? null]));

test('the fixture names the pinned reference and the corpus it was derived from', () => {
  assert.equal(fixture.reference.repository, 'NVIDIA/NeMo-Skills');
  assert.equal(fixture.reference.commit, '0b012df8a09cd4730d31b16e90a0d8f13d145fb8');
  assert.equal(fixture.reference.file, 'nemo_skills/evaluation/evaluator/mcq.py');
  assert.equal(fixture.corpus.size, corpus.length);
  assert.ok(corpus.length >= 7000, `corpus of ${corpus.length}`);
});

test(`extractMcqLetter equals the reference extract_letter on every generated text`, () => {
  const differ: string[] = [];
  corpus.forEach((text, i) => {
    const got = extractMcqLetter(text);
    if (got !== fixture.expected[i]) differ.push(`${JSON.stringify(text)}: evalflow ${JSON.stringify(got)}, reference ${JSON.stringify(fixture.expected[i])}`);
  });
  assert.equal(differ.length, 0, `${differ.length} of ${corpus.length} differ:\n${differ.slice(0, 20).join('\n')}`);
  // The corpus exercises every branch: a letter from \boxed, from the final-answer line, from `Answer:`, a non-letter, none.
  const values = new Set(fixture.expected);
  for (const v of ['A', 'J', 'a', 'Ｃ', 'ب', '7', null]) assert.ok(values.has(v), `the corpus yields ${JSON.stringify(v)}`);
});

const letterCases: Array<[string, string | null]> = [
  ['Reasoning...\nAnswer: C', 'C'],
  ['Answer: c', 'C'],
  ['**Answer:** D', 'D'],
  ['__Answer__: G', 'G'],
  ['answer : h', 'H'],
  ['Answer: A\nWait, no.\nAnswer: B', 'B'],
  ['Answer: Apple', null],
  ['Answer: A1', null],
  ['The answer is (C)', null],
  ['The final answer is (C)', 'C'],
  ['The final answer is (C)\nHope that helps', null],
  ['The final answer is A and B', 'B'],
  ['\\boxed{\\text{(B)}}', 'B'],
  ['\\boxed{E}', 'E'],
  // 0b012df8 keeps a one-character extraction as it is (later revisions upper-case it).
  ['\\boxed{e}', 'e'],
  ['\\boxed{(F) 42 meters}', 'F'],
  ['\\boxed{A} ... Answer: B', 'A'],
  ['\\boxed{}\nAnswer: E', 'E'],
  ['\\boxed{42}\nAnswer: J', 'J'],
  // A one-character \boxed{} that is not a letter still wins: the Answer: fallback is not tried.
  ['\\boxed{5}\nAnswer: J', '5'],
  // 0b012df8 maps no full-width, Arabic or Bengali letter (later revisions do).
  ['\\boxed{Ｃ}', 'Ｃ'],
  ['\\boxed{ب}', 'ب'],
  ['\\boxed{Option Ｃ}', null],
  // Python's \b is Unicode-aware: "é" is a word character, so "A" is not standalone.
  ['\\boxed{éA}', null],
  // Python (?i)[A-Z] also takes ſ and ı, upper-cased to S and I; \s takes U+0085 but not U+FEFF.
  ['Answer: ſ', 'S'],
  ['Answer: ı', 'I'],
  ['Answer:\u0085B', 'B'],
  ['Answer:\ufeffB', null],
  ['I cannot decide.', null],
];
for (const [text, expected] of letterCases) {
  test(`extractMcqLetter(${JSON.stringify(text)}) = ${JSON.stringify(expected)}`, () => {
    assert.equal(extractMcqLetter(text), expected);
    if (reference.has(text)) assert.equal(reference.get(text), expected, 'the reference agrees');
  });
}

test('the three multiple-choice modules score with this extraction (scorer version 2 or later)', async () => {
  const sample = { id: '0', expected: 'C', data: {} };
  for (const bench of [mmluPro, gpqa, mmlu]) {
    assert.ok(Number(bench.scorerVersion) >= 2, bench.name);
    for (const text of corpus.slice(0, 400)) {
      const s = await bench.score(text, sample);
      assert.equal(s.predicted, reference.get(text), `${bench.name}: ${JSON.stringify(text).slice(0, 80)}`);
      assert.equal(s.correct, reference.get(text) === 'C');
    }
  }
});

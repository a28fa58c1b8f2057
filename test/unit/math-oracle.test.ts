/**
 * Differential test of the math scorer (gsm8k, ns_aime2025) against the
 * reference: NeMo-Skills 0b012df8's math evaluator (search_boxed, then
 * math_equal, i.e. math-verify 0.9.0), run as the oracle in
 * test/oracles/math/oracle.py. evalflow's side is the real product path:
 * the benchmark's score() → TypeScript extraction → the grader process
 * (lib/engine/math/verify.ts → lib/engine/math/grader.py).
 *
 * Needs both venvs: bash scripts/setup-math.sh; bash scripts/setup-oracles.sh math.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aime2025 } from '../../benchmarks/aime';
import { gsm8k } from '../../benchmarks/gsm8k';
import type { Sample } from '../../lib/records/messages';
import { closeMathGrader } from '../../lib/engine/math/verify';
import { REPO_ROOT, oraclePython } from '../support/oracle';
import { type MathCase, mathCorpus } from '../support/math-corpus';

interface OracleResult {
  predicted: string | null;
  correct: boolean;
}

/** The oracle on `pairs`, asynchronously (so the corpus test runs it beside evalflow's grader). */
async function oracle(pairs: Array<{ gold: string; text: string }>): Promise<OracleResult[]> {
  const child = spawn(oraclePython('math'), [join(REPO_ROOT, 'test', 'oracles', 'math', 'oracle.py')], {
    env: { ...process.env, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify({ pairs }));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`oracle math/oracle.py exited ${code}: ${stderr.slice(-4000)}`);
  const out = JSON.parse(stdout) as { results: OracleResult[]; versions: Record<string, string> };
  assert.equal(out.versions['math-verify'], '0.9.0');
  assert.equal(out.versions['latex2sympy2_extended'], '1.11.0');
  assert.equal(out.versions['antlr4-python3-runtime'], '4.9.3');
  return out.results;
}

const sample = (gold: string): Sample => ({ id: 'x', expected: gold, data: {} });

after(() => closeMathGrader());

/**
 * Cases where evalflow and the reference disagree, each with its reason.
 * A disagreement not listed here fails the test; a listed one that no longer
 * disagrees fails it too (so the list stays true).
 */
const KNOWN_DISAGREEMENTS: Record<string, string> = {};

test('math: the product grader and the oracle pin the same packages', () => {
  const pins = (p: string) =>
    readFileSync(join(REPO_ROOT, p), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .sort();
  assert.deepEqual(pins('lib/engine/math/requirements.txt'), pins('test/oracles/math/requirements.txt'));
});

test('math corpus: evalflow agrees with NeMo-Skills math_equal (math-verify 0.9.0) on ≥ 99.5% of ≥ 2,000 replies', async () => {
  const corpus: MathCase[] = mathCorpus();
  assert.ok(corpus.length >= 2000, `corpus has ${corpus.length} cases`);
  const referenceRun = oracle(corpus.map((c) => ({ gold: c.gold, text: c.text })));
  const started = Date.now();
  const ours = await Promise.all(corpus.map((c) => gsm8k.score(c.text, sample(c.gold))));
  const seconds = (Date.now() - started) / 1000;
  const reference = await referenceRun;

  const disagreements: string[] = [];
  let agree = 0;
  let referenceCorrect = 0;
  corpus.forEach((c, i) => {
    const ref = reference[i]!;
    const got = ours[i]!;
    assert.equal(got.predicted, ref.predicted, `extraction differs for ${c.id}`);
    if (ref.correct) referenceCorrect++;
    if (got.correct === ref.correct) agree++;
    else disagreements.push(c.id);
  });
  const pct = (100 * agree) / corpus.length;
  console.log(
    `math corpus: ${corpus.length} pairs (${referenceCorrect} correct by the reference), agreement ${agree}/${corpus.length} = ${pct.toFixed(2)}%; ` +
      `evalflow scored them in ${seconds.toFixed(1)} s (${(corpus.length / seconds).toFixed(0)} units/s)`,
  );
  for (const id of disagreements) console.log(`  disagreement: ${id}${KNOWN_DISAGREEMENTS[id] ? ` — ${KNOWN_DISAGREEMENTS[id]}` : ' (NEW)'}`);
  assert.ok(pct >= 99.5, `agreement ${pct.toFixed(2)}% is below 99.5%`);
  assert.deepEqual(disagreements.filter((id) => !(id in KNOWN_DISAGREEMENTS)), [], 'new disagreements with the reference');
  assert.deepEqual(Object.keys(KNOWN_DISAGREEMENTS).filter((id) => !disagreements.includes(id)), [], 'listed disagreements that no longer occur');
});

/** The cases the issue names: [gold, boxed answer, what the reference says]. */
const ISSUE_CASES: Array<[string, string, boolean]> = [
  ['49', '\\text{49}', true],
  ['49', '49^\\circ', true],
  ['49', '49^{\\circ}', true],
  ['49', '\\mathbf{49}', true],
  ['49', '\\textbf{49}', true],
  ['49', '\\mathrm{49}', true],
  ['49', '\\(49\\)', true],
  ['49', '49\\,', true],
  ['49', '49\\;', true],
  ['49', '49 \\quad', true],
  ['49', '\\{49\\}', true],
  ['49', '49_{10}', true],
  ['49', '49\\,\\text{min}', true],
  ['49', '49 \\, \\text{cm}^2', true],
  ['49', '49 \\approx 49.0', true],
  ['8', '2^3', true],
  ['1000', '10^3', true],
  ['4', '\\sqrt{16}', true],
  ['6', '3!', true],
  ['10', '\\binom{5}{2}', true],
  ['-5', '−5', true],
  ['49', '049', false],
  ['49', '= 49', false],
  ['49', '49.000000001', false],
  ['-5', '-5\\%', false],
];

test('math: every case named in the issue scores as the reference does', async () => {
  const texts = ISSUE_CASES.map(([gold, answer]) => ({ gold, text: `Reasoning first.\nSo the answer is $\\boxed{${answer}}$.` }));
  const reference = await oracle(texts);
  for (const [i, [gold, answer, expected]] of ISSUE_CASES.entries()) {
    const ref = reference[i]!;
    assert.equal(ref.correct, expected, `the oracle's verdict on ${answer} for ${gold} is not the one the issue reports`);
    const ours = await aime2025.score(texts[i]!.text, sample(gold));
    assert.equal(ours.predicted, answer);
    assert.equal(ours.correct, ref.correct, `${answer} for gold ${gold}: evalflow ${ours.correct}, reference ${ref.correct}`);
  }
});

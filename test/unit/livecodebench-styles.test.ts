/**
 * ns_livecodebench execution semantics against the reference grader: every
 * program of the generated stdin corpus (test/support/lcb-style-corpus.ts,
 * 10 problems × 47 input/output/control styles) is graded by evalflow's
 * harness (benchmarks/livecodebench/harness.ts, through executeLiveCodeBench
 * with a real python3) and its verdict compared with the one the reference
 * grader — wasiahmad/livecodebench 5927b61d `check_correctness` →
 * `testing_util.run_test`, the grader NeMo-Skills 0b012df8 uses — gave on the
 * same program and tests (test/support/lcb-reference-verdicts.ts says how
 * those were derived). Also compared: how many tests passed before grading
 * stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeLiveCodeBench } from '../../benchmarks/livecodebench/index';
import type { Sample } from '../../lib/records/messages';
import { LCB_CORPUS_PROBLEMS, LCB_CORPUS_STYLES, lcbStyleCorpus } from '../support/lcb-style-corpus';
import { LCB_REFERENCE_RESULTS } from '../support/lcb-reference-verdicts';
import { plainRunner } from '../support/plain-runner';

const leadingPasses = (codes: readonly (boolean | number)[]) => {
  let n = 0;
  while (n < codes.length && (codes[n] === true || (typeof codes[n] === 'number' && (codes[n] as number) > 0))) n++;
  return n;
};

test('stdin styles: evalflow verdicts equal the reference grader\'s on every corpus program', async () => {
  const corpus = lcbStyleCorpus();
  assert.equal(LCB_CORPUS_PROBLEMS.length, 10);
  assert.ok(LCB_CORPUS_STYLES.length >= 37, `at least the 37 styles of the issue (${LCB_CORPUS_STYLES.length})`);
  assert.equal(corpus.length, Object.keys(LCB_REFERENCE_RESULTS).length, 'the recorded reference results cover exactly the corpus');
  const run = plainRunner();
  const disagreements: string[] = [];
  let passes = 0;
  const queue = [...corpus];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const ref = LCB_REFERENCE_RESULTS[p.id];
      assert.ok(ref, `no reference result for ${p.id}`);
      const problem = LCB_CORPUS_PROBLEMS.find((x) => x.name === p.problem)!;
      const sample: Sample = { id: p.id, expected: '', data: { mode: 'stdin', func_name: null, tests: problem.tests } };
      const r = await executeLiveCodeBench({ content: `Solution:\n\`\`\`python\n${p.code}\`\`\`\n` }, sample, run);
      const want = ref.every((g) => g === true || (typeof g === 'number' && g > 0));
      if (want) passes++;
      const got = r.details?.passed_tests as number;
      if (r.correct !== want || got !== leadingPasses(ref)) {
        const first = (r.details?.tests as { status: string; detail?: string }[]).find((t) => t.status !== 'passed');
        disagreements.push(`${p.id}: evalflow ${r.correct} (${got} passed${first ? `, ${first.status}: ${first.detail}` : ''}), reference ${want} ${JSON.stringify(ref)}`);
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  assert.deepEqual(disagreements, []);
  // the corpus exercises both outcomes in quantity (not a degenerate all-pass or all-fail set)
  assert.ok(passes > 100 && passes < corpus.length - 100, `reference passes: ${passes}/${corpus.length}`);
});

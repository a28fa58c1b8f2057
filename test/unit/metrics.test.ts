import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMetrics, passAtK } from '../../lib/engine/metrics';
import { type ScoredUnit } from '../../lib/records/artifacts';

function close(actual: number | undefined, expected: number, eps = 1e-6, what = ''): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= eps, `${what} expected ${expected}, got ${actual}`);
}

/** Units for one sample: `spec` is a list of [predicted, correct] per repeat. */
function sample(id: string, spec: Array<[string | null, boolean]>, subset?: string): ScoredUnit[] {
  return spec.map(([predicted, correct], repeat) => ({ sample_id: id, repeat, predicted, correct, ...(subset ? { subset } : {}) }));
}

const passAtKCases: Array<[number, number, number, number]> = [
  [5, 0, 1, 0],
  [5, 5, 1, 1],
  [5, 2, 1, 0.4],
  [10, 3, 5, 1 - 21 / 252], // 1 - C(7,5)/C(10,5)
  [4, 1, 4, 1],
  [4, 0, 4, 0],
  [8, 1, 2, 0.25], // 1 - C(7,2)/C(8,2) = 1 - 21/28
  [100, 50, 10, 1 - 0.000593420],
];
for (const [n, c, k, expected] of passAtKCases) {
  test(`passAtK(n=${n}, c=${c}, k=${k}) = ${expected}`, () => close(passAtK(n, c, k), expected, 1e-6));
}

test('passAtK rejects impossible arguments', () => {
  assert.throws(() => passAtK(3, 4, 1), RangeError);
  assert.throws(() => passAtK(3, 1, 4), RangeError);
  assert.throws(() => passAtK(3, 1, 0), RangeError);
  assert.throws(() => passAtK(2.5, 1, 1), RangeError);
});

test('one repeat: metric pass@1 with symbolic_correct and no_answer in percent', () => {
  const units = [...sample('a', [['1', true]]), ...sample('b', [['2', true]]), ...sample('c', [['3', false]]), ...sample('d', [[null, false]])];
  const { metrics, subsets } = computeMetrics(units, 1);
  assert.deepEqual(Object.keys(metrics), ['pass@1']);
  const sc = metrics['pass@1']?.scores.symbolic_correct;
  close(sc?.value, 50);
  assert.equal(sc?.stats.count, 4);
  close(sc?.stats.stderr, (100 * Math.sqrt(1 / 3)) / 2); // sample std of [1,1,0,0] / sqrt(4)
  assert.equal(sc?.stats.std_dev_across_repeats, undefined);
  close(metrics['pass@1']?.scores.no_answer?.value, 25);
  assert.deepEqual(subsets, {});
});

test('repeats: NeMo-Skills _add_std_metrics example (3 samples × 4 attempts)', () => {
  // base.py docstring grid [[1,0,1,0],[1,1,0,0],[0,1,1,1]]: per-run accuracies 2/3, 2/3, 2/3, 1/3.
  // The code (np.std(ddof=1)) gives std_dev_across_runs = 1/6 and std_err = 1/12 (the docstring's
  // "≈ 0.1925" does not follow from its own numbers); avg_sample_std_dev ≈ 0.5515 as documented.
  const grid = [
    [1, 0, 1, 0],
    [1, 1, 0, 0],
    [0, 1, 1, 1],
  ];
  const units = grid.flatMap((row, i) => sample(`s${i}`, row.map((v) => [v ? 'right' : `wrong${i}`, v === 1] as [string, boolean])));
  const { metrics } = computeMetrics(units, 4);
  assert.deepEqual(Object.keys(metrics).sort(), ['majority@4', 'pass@1[avg-of-4]', 'pass@4']);
  const avg = metrics['pass@1[avg-of-4]']?.scores.symbolic_correct;
  close(avg?.value, (100 * (0.5 + 0.5 + 0.75)) / 3);
  close(avg?.stats.std_dev_across_repeats, 100 / 6);
  close(avg?.stats.std_err_across_repeats, 100 / 12);
  close(avg?.stats.avg_sample_std_dev, (100 * (2 * Math.sqrt(1 / 3) + 0.5)) / 3);
  assert.equal(avg?.stats.count, 3);
  close(metrics['pass@4']?.scores.symbolic_correct?.value, 100);
});

test('majority@k: ties average the tied answers; all-null scores 0 and counts as no_answer', () => {
  const units = [
    ...sample('tie', [['x', true], ['y', false]]),
    ...sample('agree', [['x', true], ['x', true]]),
    ...sample('none', [[null, false], [null, false]]),
    ...sample('half', [[null, false], ['z', false]]),
  ];
  const { metrics } = computeMetrics(units, 2);
  close(metrics['majority@2']?.scores.symbolic_correct?.value, (100 * (0.5 + 1 + 0 + 0)) / 4);
  close(metrics['majority@2']?.scores.no_answer?.value, 25);
  close(metrics['pass@2']?.scores.symbolic_correct?.value, 50);
  close(metrics['pass@2']?.scores.no_answer?.value, 25);
  // pass@1[avg-of-2]: no_answer is the share of null units per sample, averaged.
  close(metrics['pass@1[avg-of-2]']?.scores.no_answer?.value, (100 * (0 + 0 + 1 + 0.5)) / 4);
  close(metrics['pass@1[avg-of-2]']?.scores.symbolic_correct?.value, (100 * (0.5 + 1 + 0 + 0)) / 4);
});

test('majority@k: the most common answer wins over a correct minority', () => {
  const units = [...sample('m', [['7', false], ['7', false], ['8', true]]), ...sample('n', [['5', true], ['5', true], ['6', false]])];
  const { metrics } = computeMetrics(units, 3);
  close(metrics['majority@3']?.scores.symbolic_correct?.value, 50);
  close(metrics['pass@3']?.scores.symbolic_correct?.value, 100);
  close(metrics['pass@1[avg-of-3]']?.scores.symbolic_correct?.value, 50);
});

test('units arrive in any order; repeats are matched by index', () => {
  const ordered = [...sample('a', [['1', true], ['2', false]]), ...sample('b', [['3', false], ['3', false]])];
  const shuffled = [ordered[3]!, ordered[0]!, ordered[2]!, ordered[1]!];
  assert.deepEqual(computeMetrics(shuffled, 2), computeMetrics(ordered, 2));
});

test('subsets: per-category metrics beside the totals', () => {
  const units = [
    ...sample('1', [['A', true]], 'math'),
    ...sample('2', [['B', false]], 'math'),
    ...sample('3', [['C', true]], 'law'),
  ];
  const { metrics, subsets } = computeMetrics(units, 1);
  assert.deepEqual(Object.keys(subsets), ['law', 'math']);
  close(subsets.math?.['pass@1']?.scores.symbolic_correct?.value, 50);
  assert.equal(subsets.math?.['pass@1']?.scores.symbolic_correct?.stats.count, 2);
  close(subsets.law?.['pass@1']?.scores.symbolic_correct?.value, 100);
  close(metrics['pass@1']?.scores.symbolic_correct?.value, (100 * 2) / 3);
});

test('a custom score name replaces symbolic_correct', () => {
  const { metrics } = computeMetrics(sample('a', [['x', true]]), 1, 'judge_correct');
  assert.deepEqual(Object.keys(metrics['pass@1']?.scores ?? {}).sort(), ['judge_correct', 'no_answer']);
});

test('missing, extra or duplicate repeats are errors, not silently smaller denominators', () => {
  assert.throws(() => computeMetrics(sample('a', [['1', true]]), 2), /sample "a" has 1 scored unit\(s\).*expected 2/);
  const dup: ScoredUnit[] = [
    { sample_id: 'a', repeat: 0, correct: true, predicted: '1' },
    { sample_id: 'a', repeat: 0, correct: true, predicted: '1' },
  ];
  assert.throws(() => computeMetrics(dup, 2), /expected 2 distinct repeats/);
  assert.throws(() => computeMetrics([], 0), RangeError);
  assert.deepEqual(computeMetrics([], 1), { metrics: {}, subsets: {} });
});

import type { ScoredUnit, ScoreValue, TaskMetrics } from '../records/artifacts';
/**
 * Task metrics from scored units (one unit = one sample × one repeat), with
 * NeMo-Skills' names and semantics (`nemo_skills/evaluation/metrics/base.py`,
 * `math_metrics.py`; MMLU-Pro's `multichoice` metrics type maps to the same
 * MathMetrics class, score name `symbolic_correct` for both math and MCQ):
 *
 * - repeats = 1: metric `pass@1`.
 * - repeats = k > 1: `pass@1[avg-of-k]` (per sample, the share of its k
 *   answers that are correct, averaged over samples — equal to the mean of
 *   the k per-repeat accuracies), `majority@k` and `pass@k`. NeMo-Skills also
 *   computes the same metrics for every smaller k but prints only these.
 * - `majority@k`: per sample, the most common non-null answer among the k;
 *   when several answers tie, the sample scores the mean correctness of the
 *   tied answers (so a 1–1 tie between a right and a wrong answer gives 0.5);
 *   a sample with no answer at all scores 0.
 * - `pass@k`: per sample, Chen et al.'s unbiased estimator with n = k, i.e.
 *   1 when any of the k is correct.
 * - `no_answer` (a score next to the correctness score in every group): for
 *   pass@1 / pass@1[avg-of-k] the share of units with no extracted answer;
 *   for majority@k and pass@k the share of samples where all k have none.
 *
 * Values are percentages (0–100), as NeMo-Skills reports them and as NeMo
 * Evaluator's results.yml carries `metrics.<metric>.scores.<score>.value`
 * for ns_* tasks. `stats`, all in percentage points except `count`:
 * - `count`: samples the value is averaged over (NeMo-Skills `num_entries`);
 * - `stderr`: standard error of the mean over samples (sample std-dev with
 *   ddof=1 of the per-sample values / √count), 0 for a single sample;
 * - for the correctness score of `pass@1[avg-of-k]` only, NeMo-Skills'
 *   `<score>_statistics` (`_add_std_metrics`): `std_dev_across_repeats`
 *   (std-dev, ddof=1, of the k per-repeat accuracies), `std_err_across_repeats`
 *   (that / √k) and `avg_sample_std_dev` (mean over samples of the std-dev of
 *   their k scores). NeMo-Skills keeps those as fractions; here they are
 *   scaled to percentage points so every number in a group shares one scale.
 */

/** The score name NeMo-Skills uses for rule-based correctness (math and multiple choice). */
export const DEFAULT_SCORE_NAME = 'symbolic_correct';

/**
 * Unbiased pass@k estimator (Chen et al. 2021): the probability that at
 * least one of k answers drawn without replacement from n, of which c are
 * correct, is correct: 1 − C(n−c, k) / C(n, k), computed as a product for
 * numerical stability.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k)) throw new RangeError('passAtK: n, c and k must be integers');
  if (n < 1 || k < 1 || k > n || c < 0 || c > n) throw new RangeError(`passAtK: need 1 <= k <= n and 0 <= c <= n (n=${n}, c=${c}, k=${k})`);
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

interface SampleRuns {
  scores: number[];
  answers: (string | null)[];
  subset?: string;
}

/** Arithmetic mean; 0 for no values. */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Sample standard deviation (ddof=1); 0 for fewer than two values. */
export function stdDev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

function score(perSample: readonly number[], extra: Record<string, number> = {}): ScoreValue {
  const n = perSample.length;
  return {
    value: 100 * mean(perSample),
    stats: { count: n, stderr: (100 * stdDev(perSample)) / Math.sqrt(n), ...extra },
  };
}

function majorityScore(run: SampleRuns): number {
  const counts = new Map<string, { score: number; count: number }>();
  run.answers.forEach((answer, i) => {
    if (answer === null) return;
    const key = JSON.stringify([answer, run.scores[i]]);
    const entry = counts.get(key) ?? { score: run.scores[i] ?? 0, count: 0 };
    entry.count++;
    counts.set(key, entry);
  });
  if (counts.size === 0) return 0;
  const top = Math.max(...[...counts.values()].map((e) => e.count));
  const tied = [...counts.values()].filter((e) => e.count === top);
  return mean(tied.map((e) => e.score));
}

function groupMetrics(runs: readonly SampleRuns[], k: number, scoreName: string): TaskMetrics {
  if (runs.length === 0) return {};
  const correct = runs.map((r) => mean(r.scores));
  const noAnswerShare = runs.map((r) => mean(r.answers.map((a) => (a === null ? 1 : 0))));
  if (k === 1) {
    return { 'pass@1': { scores: { [scoreName]: score(correct), no_answer: score(noAnswerShare) } } };
  }

  const runAccuracies = Array.from({ length: k }, (_, i) => mean(runs.map((r) => r.scores[i] ?? 0)));
  const acrossRepeats = stdDev(runAccuracies);
  const repeatStats = {
    std_dev_across_repeats: 100 * acrossRepeats,
    std_err_across_repeats: (100 * acrossRepeats) / Math.sqrt(k),
    avg_sample_std_dev: 100 * mean(runs.map((r) => stdDev(r.scores))),
  };
  const allNoAnswer = runs.map((r) => (r.answers.every((a) => a === null) ? 1 : 0));
  return {
    [`pass@1[avg-of-${k}]`]: { scores: { [scoreName]: score(correct, repeatStats), no_answer: score(noAnswerShare) } },
    [`majority@${k}`]: { scores: { [scoreName]: score(runs.map(majorityScore)), no_answer: score(allNoAnswer) } },
    [`pass@${k}`]: {
      scores: {
        [scoreName]: score(runs.map((r) => passAtK(k, r.scores.filter((s) => s > 0).length, k))),
        no_answer: score(allNoAnswer),
      },
    },
  };
}

/**
 * Metrics over all units and per subset. Every sample must have exactly
 * `repeats` units with distinct repeat indices (as NeMo-Skills requires the
 * same number of generations for every sample); a gap is an error, not a
 * silently smaller denominator.
 */
export function computeMetrics(
  units: ScoredUnit[],
  repeats: number,
  scoreName: string = DEFAULT_SCORE_NAME,
): { metrics: TaskMetrics; subsets: Record<string, TaskMetrics> } {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`computeMetrics: repeats must be a positive integer, got ${repeats}`);

  const bySample = new Map<string, ScoredUnit[]>();
  for (const u of units) {
    const list = bySample.get(u.sample_id);
    if (list) list.push(u);
    else bySample.set(u.sample_id, [u]);
  }

  const runs: SampleRuns[] = [];
  for (const [id, list] of bySample) {
    const sorted = [...list].sort((a, b) => a.repeat - b.repeat);
    const indices = new Set(sorted.map((u) => u.repeat));
    if (sorted.length !== repeats || indices.size !== repeats) {
      throw new Error(
        `computeMetrics: sample "${id}" has ${sorted.length} scored unit(s) with repeats [${sorted.map((u) => u.repeat).join(', ')}], expected ${repeats} distinct repeats`,
      );
    }
    runs.push({
      scores: sorted.map((u) => (u.correct ? 1 : 0)),
      answers: sorted.map((u) => u.predicted),
      subset: sorted.find((u) => u.subset !== undefined)?.subset,
    });
  }

  const subsetRuns = new Map<string, SampleRuns[]>();
  for (const r of runs) {
    if (r.subset === undefined) continue;
    const list = subsetRuns.get(r.subset);
    if (list) list.push(r);
    else subsetRuns.set(r.subset, [r]);
  }
  const subsets: Record<string, TaskMetrics> = {};
  for (const name of [...subsetRuns.keys()].sort()) subsets[name] = groupMetrics(subsetRuns.get(name) ?? [], repeats, scoreName);

  return { metrics: groupMetrics(runs, repeats, scoreName), subsets };
}

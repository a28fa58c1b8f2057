/**
 * SciCode metrics as NeMo-Skills' `SciCodeMetrics` (evaluation/metrics/code_metrics.py
 * over BaseMetrics._compute_pass_at_k) reports them:
 *
 * - per unit (problem × repeat): `problem_accuracy` = every evaluated sub-step
 *   passed; `subtask_accuracy` = the number of passed sub-steps;
 * - repeats = 1: group `pass@1`; repeats = k > 1: `pass@1[avg-of-k]` (per
 *   problem the mean over the k repeats) and `pass@k` (per problem: for the
 *   binary problem_accuracy the unbiased estimator with n = k, i.e. any repeat
 *   passed; for the count subtask_accuracy the best repeat). No majority@k and
 *   no no_answer (SciCodeMetrics passes no predicted answers);
 * - `problem_accuracy` = 100 × mean over problems; `subtask_accuracy` =
 *   100 × (sum over problems of the per-problem value) / num_subtasks, where
 *   num_subtasks counts the evaluated sub-steps of each problem once
 *   (NeMo-Skills: mean over problems × total / subtasks_total). The prefilled
 *   sub-steps are never evaluated, so they are in neither count.
 *
 * stats: problem_accuracy {count: problems, stderr}; subtask_accuracy {count:
 * sub-steps, num_problems, stderr}. For pass@1[avg-of-k] both also carry
 * std_dev_across_repeats, std_err_across_repeats and avg_sample_std_dev
 * (NeMo-Skills `<score>_statistics`), in percentage points of the score
 * itself: NeMo-Skills computes the subtask ones on raw per-problem counts,
 * here they are scaled by 100 × problems / sub-steps (the conversion NVIDIA's
 * own reporting applies to them).
 */
import type { ScoredResponse } from '../types';
import { mean, stdDev } from '../../lib/engine/metrics';

type Groups = Record<string, { scores: Record<string, { value: number; stats: Record<string, number> }> }>;

/** What execute() stores in `details` for the metrics. */
export interface SciCodeUnitDetails {
  subtasks_total: number;
  subtasks_passed: number;
}

export function unitDetails(unit: ScoredResponse): SciCodeUnitDetails {
  const d = unit.details ?? {};
  const total = d.subtasks_total;
  const passed = d.subtasks_passed;
  if (typeof total !== 'number' || typeof passed !== 'number' || !Number.isInteger(total) || !Number.isInteger(passed) || passed < 0 || passed > total) {
    throw new Error(
      `ns_scicode metrics: unit ${unit.sample_id}#${unit.repeat} has no valid details.subtasks_total / subtasks_passed (got ${JSON.stringify(total)} / ${JSON.stringify(passed)}); it was not scored by ns_scicode's execute()`,
    );
  }
  return { subtasks_total: total, subtasks_passed: passed };
}

export function scicodeMetrics(units: ScoredResponse[], repeats: number): { metrics: Groups; subsets: Record<string, Groups> } {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`ns_scicode metrics: repeats must be a positive integer, got ${repeats}`);
  const byProblem = new Map<string, ScoredResponse[]>();
  for (const u of units) {
    const list = byProblem.get(u.sample_id);
    if (list) list.push(u);
    else byProblem.set(u.sample_id, [u]);
  }
  const problems: { solved: number[]; counts: number[]; total: number }[] = [];
  for (const [id, list] of byProblem) {
    const sorted = [...list].sort((a, b) => a.repeat - b.repeat);
    if (sorted.length !== repeats || new Set(sorted.map((u) => u.repeat)).size !== repeats) {
      throw new Error(`ns_scicode metrics: problem "${id}" has ${sorted.length} scored unit(s) with repeats [${sorted.map((u) => u.repeat).join(', ')}], expected ${repeats} distinct repeats`);
    }
    const details = sorted.map(unitDetails);
    problems.push({
      solved: sorted.map((u) => (u.correct ? 1 : 0)),
      counts: details.map((d) => d.subtasks_passed),
      // NeMo-Skills: subtasks_total += len(predictions[0]['eval_status']).
      total: details[0]!.subtasks_total,
    });
  }
  if (problems.length === 0) return { metrics: {}, subsets: {} };

  const P = problems.length;
  const S = problems.reduce((a, p) => a + p.total, 0);
  const subScale = S > 0 ? (100 * P) / S : 0;
  const problemScore = (perProblem: number[], extra: Record<string, number> = {}) => ({
    value: 100 * mean(perProblem),
    stats: { count: P, stderr: (100 * stdDev(perProblem)) / Math.sqrt(P), ...extra },
  });
  const subtaskScore = (perProblem: number[], extra: Record<string, number> = {}) => ({
    value: subScale * mean(perProblem),
    stats: { count: S, num_problems: P, stderr: (subScale * stdDev(perProblem)) / Math.sqrt(P), ...extra },
  });
  const repeatStats = (values: (p: (typeof problems)[number]) => number[], scale: number) => {
    const runs = Array.from({ length: repeats }, (_, r) => mean(problems.map((p) => values(p)[r] ?? 0)));
    const sd = stdDev(runs);
    return {
      std_dev_across_repeats: scale * sd,
      std_err_across_repeats: (scale * sd) / Math.sqrt(repeats),
      avg_sample_std_dev: scale * mean(problems.map((p) => stdDev(values(p)))),
    };
  };

  if (repeats === 1) {
    return {
      metrics: {
        'pass@1': {
          scores: {
            problem_accuracy: problemScore(problems.map((p) => p.solved[0]!)),
            subtask_accuracy: subtaskScore(problems.map((p) => p.counts[0]!)),
          },
        },
      },
      subsets: {},
    };
  }
  return {
    metrics: {
      [`pass@1[avg-of-${repeats}]`]: {
        scores: {
          problem_accuracy: problemScore(problems.map((p) => mean(p.solved)), repeatStats((p) => p.solved, 100)),
          subtask_accuracy: subtaskScore(problems.map((p) => mean(p.counts)), repeatStats((p) => p.counts, subScale)),
        },
      },
      [`pass@${repeats}`]: {
        scores: {
          problem_accuracy: problemScore(problems.map((p) => Math.max(...p.solved))),
          subtask_accuracy: subtaskScore(problems.map((p) => Math.max(...p.counts))),
        },
      },
    },
    subsets: {},
  };
}

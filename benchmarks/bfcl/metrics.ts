/**
 * BFCL v4 metrics: per-category accuracy and the leaderboard's aggregates.
 *
 * Per category (the `subsets`, one per BFCL category): NeMo-Skills' BFCLMetrics
 * (nemo_skills/evaluation/metrics/bfcl_metrics.py): score `accuracy`, groups
 * `pass@1`, or `pass@1[avg-of-k]` and `pass@k` for k repeats (no majority
 * vote, no no_answer: a BFCL answer is a call list, not one extracted value).
 *
 * Aggregates, in every group, as gorilla eval_runner_helper.py
 * `generate_leaderboard_csv` (bfcl-eval 2026.3.23) computes them. NeMo-Skills
 * at the pinned 0b012df8 has no bfcl_v4 score module (only bfcl_v3's
 * bfcl_score.py, a v3 formula; v4 lived on a branch then), so the v4 overall
 * is gorilla's:
 * - `overall_non_live` = unweighted mean of [simple_ast, multiple, parallel,
 *   parallel_multiple], simple_ast = unweighted mean of simple_python,
 *   simple_java, simple_javascript (irrelevance is not in it in v4);
 * - `overall_live` = mean of live_simple, live_multiple, live_parallel,
 *   live_parallel_multiple weighted by their numbers of samples;
 * - `overall_hallucination` = unweighted mean of irrelevance and live_irrelevance;
 * - `overall_multi_turn` = unweighted mean of the four multi_turn categories;
 * - `overall_agentic` = unweighted mean of web search (mean of base and
 *   no_snippet) and memory (mean of kv, vector, rec_sum);
 * - `accuracy` — the headline, NeMo-Skills' `overall_accuracy` — = 10 %
 *   non-live + 10 % live + 10 % hallucination + 30 % multi-turn + 40 %
 *   agentic (calculate_percentage_weighted_accuracy with [10, 10, 10, 30, 40]);
 * - `relevance` = live_relevance (reported, not part of the overall).
 *
 * Categories without scored units (the agentic ones when not enabled, or ones
 * a dataset_split left out) count as accuracy 0 in every aggregate above, as
 * gorilla's get_category_score makes them (with the dataset's entry count in
 * the live group's weighted mean): these names carry BFCL's values. The
 * headline's stats then say `partial: 1`, `weight_covered` (the percentage of
 * the v4 weights that ran: 60 when only agentic is missing) and
 * `categories_not_run`, and the result carries `not_run` (category → reason).
 * evalflow's own variant, `overall_accuracy_over_run_categories`, leaves them
 * out instead: each bucket's mean over its categories that ran, the weights
 * rescaled over the buckets that ran (60 where BFCL says 48 for non-agentic
 * groups at 60 and agentic not run). An aggregate none of whose categories
 * ran is not reported. Aggregate `stderr` is that of the linear combination
 * of the category means (√Σ coef²·stderr²).
 */
import { computeMetrics } from '../../lib/engine/metrics';
import { type TaskMetrics } from '../../lib/records/artifacts';
import type { ScoredResponse } from '../types';
import { ALL_SCORING_CATEGORIES, MEMORY_CATEGORIES, MULTI_TURN_CATEGORIES, NOT_RUN_REASONS, WEB_SEARCH_CATEGORIES } from './categories';

export const SCORE_NAME = 'accuracy';
/** evalflow's overall over the categories that ran (weights rescaled), beside BFCL's. */
export const OVER_RUN_NAME = 'overall_accuracy_over_run_categories';

/** An aggregate: a category, or a mean of aggregates. */
export type Aggregate =
  | { category: string }
  | { mean: 'unweighted' | 'by_count'; of: Aggregate[] }
  | { weighted: number[]; of: Aggregate[] };

const cat = (category: string): Aggregate => ({ category });
const cats = (names: readonly string[]): Aggregate[] => names.map(cat);

export const SIMPLE_AST: Aggregate = { mean: 'unweighted', of: cats(['simple_python', 'simple_java', 'simple_javascript']) };
export const OVERALL_NON_LIVE: Aggregate = { mean: 'unweighted', of: [SIMPLE_AST, ...cats(['multiple', 'parallel', 'parallel_multiple'])] };
export const OVERALL_LIVE: Aggregate = { mean: 'by_count', of: cats(['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple']) };
export const OVERALL_HALLUCINATION: Aggregate = { mean: 'unweighted', of: cats(['irrelevance', 'live_irrelevance']) };
export const OVERALL_MULTI_TURN: Aggregate = { mean: 'unweighted', of: cats(MULTI_TURN_CATEGORIES) };
export const OVERALL_WEB_SEARCH: Aggregate = { mean: 'unweighted', of: cats(WEB_SEARCH_CATEGORIES) };
export const OVERALL_MEMORY: Aggregate = { mean: 'unweighted', of: cats(MEMORY_CATEGORIES) };
export const OVERALL_AGENTIC: Aggregate = { mean: 'unweighted', of: [OVERALL_WEB_SEARCH, OVERALL_MEMORY] };
/** The v4 overall's buckets and weights (eval_runner_helper.py: [10, 10, 10, 30, 40]). */
export const OVERALL_BUCKETS: readonly { name: string; weight: number; agg: Aggregate }[] = [
  { name: 'overall_non_live', weight: 10, agg: OVERALL_NON_LIVE },
  { name: 'overall_live', weight: 10, agg: OVERALL_LIVE },
  { name: 'overall_hallucination', weight: 10, agg: OVERALL_HALLUCINATION },
  { name: 'overall_multi_turn', weight: 30, agg: OVERALL_MULTI_TURN },
  { name: 'overall_agentic', weight: 40, agg: OVERALL_AGENTIC },
];
export const OVERALL: Aggregate = { weighted: OVERALL_BUCKETS.map((b) => b.weight), of: OVERALL_BUCKETS.map((b) => b.agg) };

/** The scores of a metric group, in the order written. */
const REPORTED: readonly [string, Aggregate][] = [
  [SCORE_NAME, OVERALL],
  ['overall_non_live', OVERALL_NON_LIVE],
  ['simple_ast', SIMPLE_AST],
  ['overall_live', OVERALL_LIVE],
  ['overall_hallucination', OVERALL_HALLUCINATION],
  ['overall_multi_turn', OVERALL_MULTI_TURN],
  ['overall_agentic', OVERALL_AGENTIC],
  ['overall_web_search', OVERALL_WEB_SEARCH],
  ['overall_memory', OVERALL_MEMORY],
  ['relevance', cat('live_relevance')],
];

/**
 * The overall and the group overalls BFCL computes (and shows) even when none
 * of their categories ran (display_na_if_category_missing=False: 0 then).
 */
const ALWAYS_REPORTED = new Set([SCORE_NAME, 'overall_non_live', 'overall_live', 'overall_multi_turn', 'overall_agentic']);

/** A category's value in one metric group: percentage, its stderr and sample count. */
export interface CategoryValue {
  value: number;
  stderr: number;
  count: number;
}

/** An aggregate as a linear combination of category means. */
interface Combination {
  coef: Map<string, number>;
  count: number;
}

function combine(parts: { c: Combination; w: number }[]): Combination {
  const total = parts.reduce((a, p) => a + p.w, 0) || 1;
  const coef = new Map<string, number>();
  for (const { c, w } of parts) for (const [k, v] of c.coef) coef.set(k, (coef.get(k) ?? 0) + (v * w) / total);
  return { coef, count: parts.reduce((a, p) => a + p.c.count, 0) };
}

/**
 * Entries per category in BFCL v4's data (gorilla bfcl_eval/data): a category
 * that did not run enters the live group's count-weighted mean with this
 * count and accuracy 0 (eval_runner_helper.get_category_score).
 */
export const DATASET_COUNTS: Readonly<Record<string, number>> = { live_simple: 258, live_multiple: 1053, live_parallel: 16, live_parallel_multiple: 24 };

/**
 * `zeros`: gorilla's rule — a category that did not run counts as accuracy 0
 * (with its dataset count) instead of being left out.
 */
function combination(agg: Aggregate, values: ReadonlyMap<string, CategoryValue>, zeros: boolean): Combination | null {
  if ('category' in agg) {
    const v = values.get(agg.category);
    if (v) return { coef: new Map([[agg.category, 1]]), count: v.count };
    return zeros ? { coef: new Map(), count: DATASET_COUNTS[agg.category] ?? 0 } : null;
  }
  const present = agg.of.map((a, i) => ({ c: combination(a, values, zeros), i })).filter((p): p is { c: Combination; i: number } => p.c !== null);
  if (present.length === 0) return null;
  if ('weighted' in agg) return combine(present.map((p) => ({ c: p.c, w: agg.weighted[p.i] ?? 0 })));
  return combine(present.map((p) => ({ c: p.c, w: agg.mean === 'by_count' ? p.c.count : 1 })));
}

/** An aggregate's value (percent), stderr and count; null when none of its categories is present. */
export function aggregateValue(agg: Aggregate, values: ReadonlyMap<string, CategoryValue>, zeros = false, evenIfNoneRan = false): CategoryValue | null {
  if (!(zeros && evenIfNoneRan) && !categoriesOf(agg).some((k) => values.has(k))) return null;
  const c = combination(agg, values, zeros);
  if (!c) return null;
  let value = 0;
  let variance = 0;
  for (const [k, w] of c.coef) {
    const v = values.get(k) as CategoryValue;
    value += w * v.value;
    variance += w * w * v.stderr * v.stderr;
  }
  return { value, stderr: Math.sqrt(variance), count: c.count };
}

/** Categories an aggregate is built from. */
export function categoriesOf(agg: Aggregate): string[] {
  if ('category' in agg) return [agg.category];
  return agg.of.flatMap(categoriesOf);
}

/** Scoring categories of BFCL v4 with no scored unit in this run → why it was not run. */
export type NotRun = Record<string, string>;

export interface BfclMetricsResult {
  metrics: TaskMetrics;
  subsets: Record<string, TaskMetrics>;
  /** The BFCL v4 categories left out of this run and why (also flagged in the headline's stats). */
  not_run: NotRun;
}

/** Per-category values of one metric group, from the per-category metrics. */
function groupValues(subsets: Record<string, TaskMetrics>, group: string): Map<string, CategoryValue> {
  const out = new Map<string, CategoryValue>();
  for (const [category, metrics] of Object.entries(subsets)) {
    const s = metrics[group]?.scores[SCORE_NAME];
    if (s) out.set(category, { value: s.value, stderr: s.stats.stderr ?? 0, count: s.stats.count ?? 0 });
  }
  return out;
}

/** The headline and aggregate scores of one metric group from its per-category values. */
export function aggregateScores(values: ReadonlyMap<string, CategoryValue>): Record<string, { value: number; stats: Record<string, number> }> {
  const scores: Record<string, { value: number; stats: Record<string, number> }> = {};
  const missing = ALL_SCORING_CATEGORIES.filter((c) => !values.has(c));
  for (const [name, agg] of REPORTED) {
    // Under BFCL's names, BFCL's rule: what did not run counts as 0 (generate_leaderboard_csv).
    const v = aggregateValue(agg, values, true, ALWAYS_REPORTED.has(name));
    if (!v) continue;
    const stats: Record<string, number> = { count: v.count, stderr: v.stderr };
    if (name === SCORE_NAME) {
      const covered = OVERALL_BUCKETS.filter((b) => categoriesOf(b.agg).some((c) => values.has(c))).reduce((a, b) => a + b.weight, 0);
      stats.partial = missing.length > 0 ? 1 : 0;
      stats.weight_covered = (100 * covered) / OVERALL_BUCKETS.reduce((a, b) => a + b.weight, 0);
      stats.categories_scored = ALL_SCORING_CATEGORIES.length - missing.length;
      stats.categories_not_run = missing.length;
    }
    scores[name] = { value: v.value, stats };
  }
  // evalflow's variant: the v4 weights rescaled over the buckets that ran, each bucket's mean over its
  // categories that ran. Not BFCL's overall; it tells how the model did on what was run.
  const overRun = aggregateValue(OVERALL, values, false);
  if (overRun) {
    scores[OVER_RUN_NAME] = { value: overRun.value, stats: { count: overRun.count, stderr: overRun.stderr, weight_covered: scores[SCORE_NAME]?.stats.weight_covered ?? 0 } };
  }
  return scores;
}

export function bfclMetrics(units: ScoredResponse[], repeats: number): BfclMetricsResult {
  for (const u of units) {
    if (u.subset === undefined || !ALL_SCORING_CATEGORIES.includes(u.subset)) {
      throw new Error(`ns_bfcl_v4 metrics: unit "${u.sample_id}" (repeat ${u.repeat}) has category ${JSON.stringify(u.subset)}, expected one of ${ALL_SCORING_CATEGORIES.join(', ')}`);
    }
  }
  const { subsets } = computeMetrics(units, repeats, SCORE_NAME);
  // BFCLMetrics reports pass@1 / pass@1[avg-of-k] and pass@k of `accuracy` only.
  for (const metrics of Object.values(subsets)) {
    delete metrics[`majority@${repeats}`];
    for (const group of Object.values(metrics)) delete group.scores.no_answer;
  }
  const groupNames = new Set<string>();
  for (const m of Object.values(subsets)) for (const g of Object.keys(m)) groupNames.add(g);
  const metrics: TaskMetrics = {};
  for (const group of groupNames) {
    const scores = aggregateScores(groupValues(subsets, group));
    if (Object.keys(scores).length) metrics[group] = { scores };
  }
  const present = new Set(Object.keys(subsets));
  const missing = ALL_SCORING_CATEGORIES.filter((c) => !present.has(c));
  const reasons: Record<string, string> = {};
  for (const c of missing) reasons[c] = NOT_RUN_REASONS[c] ?? 'not part of this run (left out by dataset_split or limit_samples)';
  return { metrics, subsets, not_run: reasons };
}

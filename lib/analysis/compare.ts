/**
 * Comparing runs: per task and metric, the difference candidate − baseline
 * on the samples both runs scored, with a paired test and a confidence
 * interval, and flags when the two runs are not comparable ("apples with
 * oranges": another model, other sampling settings, another prompt, another
 * dataset file, another sample set).
 *
 * The first half of this file is pure statistics (no I/O), unit-tested
 * against hand-computed values; the second half reads runs from the
 * artifact store and builds the paired per-sample vectors.
 *
 * Which test:
 * - one repeat on both sides and a 0/1 score per sample → McNemar's test on
 *   the discordant pairs (exact binomial when they are few, continuity-
 *   corrected χ² otherwise) and the Agresti–Min interval for the difference
 *   of matched proportions;
 * - otherwise (several repeats, so per-sample means in [0, 1]) → a seeded
 *   paired bootstrap over samples of the mean per-sample difference, with a
 *   percentile interval.
 * Differences and intervals are in percentage points, like the results.
 */
import * as YAML from 'yaml';
import type { NemoResults, ScoreRecord } from '../records/artifacts';
import type { PrepareResult } from '../records/artifacts';
import type { RunMetadata } from '../records/artifacts';
import { ArtifactStore } from '../engine/store';
import { keys } from '../records/keys';
import { mulberry32 } from '../engine/random';
import { EvalflowError } from '../records/errors';
import type { TaskUsage } from '../records/types';

// ───────────────────────────── statistics (pure) ─────────────────────────────

/**
 * Complementary error function, Chebyshev approximation with fractional
 * error below 1.2e-7 everywhere (Press et al., Numerical Recipes in C, 2nd
 * ed., §6.2, `erfcc`).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail P(X ≥ x) of the χ² distribution with one degree of freedom: erfc(√(x/2)). */
export function chiSquare1Sf(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

/**
 * Quantile of the standard normal distribution (inverse CDF), P. J. Acklam's
 * rational approximation (2003), relative error below 1.15e-9.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Two-sided exact binomial test of k successes in n trials at p = 1/2: min(1, 2·P(X ≤ min(k, n−k))), summed in log space. */
export function binomialTwoSidedHalf(k: number, n: number): number {
  if (n === 0) return 1;
  const m = Math.min(k, n - k);
  // log C(n, i) built up term by term; log-sum-exp of the lower tail.
  const logs: number[] = [];
  let logC = 0;
  for (let i = 0; i <= m; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    logs.push(logC - n * Math.LN2);
  }
  const top = Math.max(...logs);
  const tail = Math.exp(top) * logs.reduce((s, l) => s + Math.exp(l - top), 0);
  return Math.min(1, 2 * tail);
}

/** Below this many discordant pairs McNemar's test is computed exactly; from it on, χ² with continuity correction. */
export const MCNEMAR_EXACT_BELOW = 25;

export interface McNemarResult {
  /** Pairs right in the baseline only (b) and in the candidate only (c). */
  b: number;
  c: number;
  /** χ² statistic (continuity-corrected); null for the exact test. */
  statistic: number | null;
  p: number;
  method: 'mcnemar-exact' | 'mcnemar-cc';
}

/**
 * McNemar's test (McNemar 1947) of equal marginal proportions in paired
 * binary data, from the discordant counts b and c. With fewer than 25
 * discordant pairs the exact conditional test: under H0 b ~ Binomial(b + c,
 * 1/2), two-sided p = 2·P(X ≤ min(b, c)). Otherwise Edwards' (1948)
 * continuity-corrected χ² = (|b − c| − 1)² / (b + c) with one degree of
 * freedom (Agresti, Categorical Data Analysis, 3rd ed., §11.1; the usual
 * b + c ≥ 25 rule for the approximation).
 */
export function mcnemar(b: number, c: number): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`mcnemar: counts must be non-negative integers (b=${b}, c=${c})`);
  const n = b + c;
  if (n < MCNEMAR_EXACT_BELOW) return { b, c, statistic: null, p: binomialTwoSidedHalf(b, n), method: 'mcnemar-exact' };
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, statistic, p: chiSquare1Sf(statistic), method: 'mcnemar-cc' };
}

/**
 * Agresti–Min (2005) interval for the difference of matched proportions
 * p(candidate) − p(baseline): the Wald interval after adding 1/2 to each of
 * the four cells ("Simple improved confidence intervals for comparing
 * matched proportions", Statistics in Medicine 24:729–740). Unlike the plain
 * Wald interval it does not collapse to a point when there are no discordant
 * pairs. Cells: n11 both right, n12 baseline only, n21 candidate only, n22
 * both wrong. Returned as fractions, clipped to [−1, 1].
 */
export function agrestiMinInterval(n11: number, n12: number, n21: number, n22: number, confidence: number): [number, number] {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const n = n11 + n12 + n21 + n22 + 2;
  const p12 = (n12 + 0.5) / n;
  const p21 = (n21 + 0.5) / n;
  const d = p21 - p12;
  const se = Math.sqrt((p12 + p21 - d * d) / n);
  return [Math.max(-1, d - z * se), Math.min(1, d + z * se)];
}

export { mulberry32 };

/** Sample quantile, linear interpolation between order statistics (Hyndman & Fan 1996, type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  confidence?: number;
}

export interface BootstrapResult {
  mean: number;
  ci: [number, number];
  p: number;
  resamples: number;
}

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_SEED = 20_240_917;

/**
 * Paired bootstrap over samples (Efron & Tibshirani, An Introduction to the
 * Bootstrap, 1993, ch. 13 and §16.4; as used for system comparison by Koehn
 * 2004 and Berg-Kirkpatrick et al. 2012): resample the per-sample
 * differences with replacement B times, take the mean of each resample.
 * - interval: the percentile interval of the B means;
 * - two-sided p: the resampled means centred on the observed one stand for
 *   the null distribution; p = (1 + #{|d*ᵇ − d̂| ≥ |d̂|}) / (B + 1), so never 0.
 * Deterministic for a given seed.
 */
export function pairedBootstrap(diffs: readonly number[], opts: BootstrapOptions = {}): BootstrapResult {
  const n = diffs.length;
  if (n === 0) throw new RangeError('pairedBootstrap: no paired samples');
  const B = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? 0.95;
  const rand = mulberry32(opts.seed ?? DEFAULT_SEED);
  const d = Float64Array.from(diffs);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const means = new Float64Array(B);
  let extreme = 0;
  // A tolerance so that resamples equal to the observed mean up to rounding count as equal.
  const eps = 1e-12;
  for (let r = 0; r < B; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[Math.floor(rand() * n)];
    const m = sum / n;
    means[r] = m;
    if (Math.abs(m - mean) >= Math.abs(mean) - eps) extreme++;
  }
  means.sort();
  const alpha = 1 - confidence;
  return {
    mean,
    ci: [quantileSorted(means, alpha / 2), quantileSorted(means, 1 - alpha / 2)],
    p: (1 + extreme) / (B + 1),
    resamples: B,
  };
}

export type TestMethod = 'mcnemar-exact' | 'mcnemar-cc' | 'paired-bootstrap';

export interface PairedTestResult {
  n: number;
  /** Means in [0, 1]. */
  mean_a: number;
  mean_b: number;
  /** mean_b − mean_a. */
  diff: number;
  ci: [number, number];
  confidence: number;
  p: number;
  method: TestMethod;
  /** For McNemar: pairs right in A only / in B only. */
  discordant?: { a_only: number; b_only: number };
}

/**
 * Paired comparison of per-sample scores a[i], b[i] of the same samples.
 * `binary` (every value 0 or 1 and one repeat per sample) selects McNemar +
 * Agresti–Min; otherwise the paired bootstrap.
 */
export function pairedTest(a: readonly number[], b: readonly number[], opts: BootstrapOptions & { binary: boolean }): PairedTestResult {
  if (a.length !== b.length) throw new RangeError(`pairedTest: ${a.length} baseline vs ${b.length} candidate values`);
  const n = a.length;
  if (n === 0) throw new RangeError('pairedTest: no shared samples');
  const confidence = opts.confidence ?? 0.95;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const mean_a = mean(a);
  const mean_b = mean(b);
  const binary = opts.binary && a.every((x) => x === 0 || x === 1) && b.every((x) => x === 0 || x === 1);
  if (binary) {
    let n11 = 0, n12 = 0, n21 = 0, n22 = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] === 1 && b[i] === 1) n11++;
      else if (a[i] === 1) n12++;
      else if (b[i] === 1) n21++;
      else n22++;
    }
    const t = mcnemar(n12, n21);
    return {
      n, mean_a, mean_b, diff: mean_b - mean_a, confidence,
      ci: agrestiMinInterval(n11, n12, n21, n22, confidence),
      p: t.p, method: t.method, discordant: { a_only: n12, b_only: n21 },
    };
  }
  const boot = pairedBootstrap(a.map((x, i) => b[i] - x), { ...opts, confidence });
  return { n, mean_a, mean_b, diff: mean_b - mean_a, ci: boot.ci, confidence, p: boot.p, method: 'paired-bootstrap' };
}

// ───────────────────────────── runs from the store ─────────────────────────────

export class CompareError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'analysis', retryable: false });
  }
}

/** What one run left for one task. */
export interface RunTaskData {
  run_id: string;
  task: string;
  results: NemoResults;
  manifest: PrepareResult | null;
  scores: ScoreRecord[];
}

export interface LoadedRun {
  run_id: string;
  metadata: RunMetadata;
  /** run_config.yaml, parsed (redacted as stored). */
  config: Record<string, unknown> | null;
  tasks: Map<string, RunTaskData>;
  /** Tasks of the run without results (not finished, failed). */
  incomplete: string[];
}

export async function loadRun(store: ArtifactStore, runId: string): Promise<LoadedRun> {
  const metadata = await store.getJson<RunMetadata>(keys.metadata(runId));
  if (!metadata) throw new CompareError(`no run '${runId}' in ${store.uri(keys.run(runId))}; check the run id ('evalflow ls runs') and EVALFLOW_S3_* settings`);
  const configText = await store.getText(keys.runConfig(runId));
  const config = configText === null ? null : ((YAML.parse(configText) ?? null) as Record<string, unknown> | null);
  const tasks = new Map<string, RunTaskData>();
  const incomplete: string[] = [];
  for (const task of metadata.tasks) {
    const results = await store.getJson<NemoResults>(keys.results(runId, task));
    if (!results) {
      incomplete.push(task);
      continue;
    }
    const manifest = await store.getJson<PrepareResult>(keys.samplesManifest(runId, task));
    const scores: ScoreRecord[] = [];
    for (const key of await store.list(`${keys.task(runId, task)}scores/`)) scores.push(...((await store.getJsonl<ScoreRecord>(key)) ?? []));
    tasks.set(task, { run_id: runId, task, results, manifest, scores });
  }
  return { run_id: runId, metadata, config, tasks, incomplete };
}

/** Correctness scores of the built-in benchmarks, in the order they are looked for in the headline group. */
const CORRECTNESS_SCORES = ['symbolic_correct', 'judge_correct', 'prompt_strict_accuracy'];

/** The headline metric group of a task's results: `pass@1` or `pass@1[avg-of-k]`. */
export function headlineMetric(results: NemoResults, task: string): { metric: string; score: string; hasNoAnswer: boolean } {
  const metrics = results.results.tasks[task]?.metrics ?? {};
  const metric = Object.keys(metrics).find((m) => m === 'pass@1' || m.startsWith('pass@1[')) ?? Object.keys(metrics)[0] ?? 'pass@1';
  const scores = Object.keys(metrics[metric]?.scores ?? {});
  const score = CORRECTNESS_SCORES.find((s) => scores.includes(s)) ?? scores.find((s) => s !== 'no_answer') ?? 'correct';
  return { metric, score, hasNoAnswer: scores.includes('no_answer') };
}

/**
 * Per sample: correctness and no-answer of each repeat (by repeat index), as
 * the headline counts them. Judged tasks whose rows carry the reference's
 * verdict (`reference_correct`, HLE's judge_correct) use it, and leave out only
 * samples without one; otherwise samples with a judge error are left out, as
 * in aggregation.
 */
export function perSample(scores: readonly ScoreRecord[]): Map<string, { correct: number[]; noAnswer: number[] }> {
  const referenced = scores.some((s) => s.reference_correct !== undefined);
  const failed = new Set(scores.filter((s) => (referenced ? s.reference_correct === undefined : s.judge_error !== undefined)).map((s) => s.sample_id));
  const out = new Map<string, { correct: number[]; noAnswer: number[] }>();
  for (const s of [...scores].sort((x, y) => x.repeat - y.repeat)) {
    if (failed.has(s.sample_id)) continue;
    const e = out.get(s.sample_id) ?? { correct: [], noAnswer: [] };
    e.correct.push((referenced ? s.reference_correct : s.correct) ? 1 : 0);
    e.noAnswer.push(s.predicted === null ? 1 : 0);
    out.set(s.sample_id, e);
  }
  return out;
}

/** One metric's paired per-sample values, ready for a test. */
export interface PairedVector {
  metric: string;
  score: string;
  higher_is_better: boolean;
  /** One value per sample from a single 0/1 outcome (McNemar applies). */
  binary: boolean;
  a: number[];
  b: number[];
}

export type FlagKind = 'model' | 'benchmark' | 'scorer' | 'generation_params' | 'prompt_config' | 'dataset' | 'sample_set';

export interface Flag {
  kind: FlagKind;
  message: string;
}

export interface SampleOverlap {
  shared: number;
  only_baseline: number;
  only_candidate: number;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Sampling settings that change what the model answers. */
const GENERATION_KEYS = ['temperature', 'top_p', 'max_new_tokens', 'num_repeats', 'extra_body'] as const;
/** Settings that change what the model is asked. */
const PROMPT_KEYS = ['prompt_config', 'system_prompt'] as const;

function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
}

/** Why two runs of a task are not like for like, from results.json config and the samples manifest. */
export function configFlags(a: RunTaskData, b: RunTaskData, overlap: SampleOverlap): Flag[] {
  const flags: Flag[] = [];
  const ca = a.results.config as Record<string, unknown>;
  const cb = b.results.config as Record<string, unknown>;
  if (!same(ca.model_id, cb.model_id)) flags.push({ kind: 'model', message: `model ${show(ca.model_id)} vs ${show(cb.model_id)}` });
  if (!same(ca.benchmark, cb.benchmark)) flags.push({ kind: 'benchmark', message: `benchmark ${show(ca.benchmark)} vs ${show(cb.benchmark)}` });
  // Results scored by different versions of the scoring rules differ for that reason alone (docs/fidelity.md).
  if (!same(ca.scorer_version, cb.scorer_version)) {
    flags.push({
      kind: 'scorer',
      message: `scored by different scorer versions: ${show(ca.scorer_version)} vs ${show(cb.scorer_version)} — re-score the older run (a new run of its config replays its cached responses) to compare like for like`,
    });
  }
  const pa = (ca.params ?? {}) as Record<string, unknown>;
  const pb = (cb.params ?? {}) as Record<string, unknown>;
  const diffs = (ks: readonly string[]) => ks.filter((k) => !same(pa[k], pb[k])).map((k) => `${k} ${show(pa[k])} vs ${show(pb[k])}`);
  const gen = diffs(GENERATION_KEYS);
  if (gen.length) flags.push({ kind: 'generation_params', message: gen.join(', ') });
  const prompt = diffs(PROMPT_KEYS);
  if (!same(ca.endpoint_type, cb.endpoint_type)) prompt.push(`endpoint type ${show(ca.endpoint_type)} vs ${show(cb.endpoint_type)}`);
  if (prompt.length) flags.push({ kind: 'prompt_config', message: prompt.join(', ') });
  const sa = a.manifest?.dataset.sha256 ?? (ca.dataset as { sha256?: string } | undefined)?.sha256;
  const sb = b.manifest?.dataset.sha256 ?? (cb.dataset as { sha256?: string } | undefined)?.sha256;
  if (sa && sb && sa !== sb) flags.push({ kind: 'dataset', message: `dataset sha256 ${sa.slice(0, 12)} vs ${sb.slice(0, 12)}` });
  else if (!sa || !sb) flags.push({ kind: 'dataset', message: `dataset sha256 unknown for ${!sa ? a.run_id : b.run_id}` });
  if (overlap.only_baseline || overlap.only_candidate) {
    flags.push({
      kind: 'sample_set',
      message: `${overlap.shared} samples shared; ${overlap.only_baseline} only in ${a.run_id}, ${overlap.only_candidate} only in ${b.run_id} (compared on the shared ones)`,
    });
  }
  return flags;
}

/**
 * The metrics compared for a task, as paired vectors over the shared samples:
 * the headline group's correctness score (per-sample mean over repeats), its
 * no_answer share (lower is better), and with k > 1 repeats on both sides
 * `pass@k` (a sample counts when any of its k answers is right).
 */
export function pairedVectors(a: RunTaskData, b: RunTaskData): { vectors: PairedVector[]; overlap: SampleOverlap } {
  const sa = perSample(a.scores);
  const sb = perSample(b.scores);
  const shared = [...sa.keys()].filter((id) => sb.has(id)).sort();
  const overlap: SampleOverlap = {
    shared: shared.length,
    only_baseline: [...sa.keys()].filter((id) => !sb.has(id)).length,
    only_candidate: [...sb.keys()].filter((id) => !sa.has(id)).length,
  };
  const head = headlineMetric(a.results, a.task);
  const ka = Math.max(1, ...[...sa.values()].map((v) => v.correct.length));
  const kb = Math.max(1, ...[...sb.values()].map((v) => v.correct.length));
  const single = ka === 1 && kb === 1;
  const vectors: PairedVector[] = [
    {
      metric: head.metric, score: head.score, higher_is_better: true, binary: single,
      a: shared.map((id) => mean(sa.get(id)!.correct)), b: shared.map((id) => mean(sb.get(id)!.correct)),
    },
  ];
  if (head.hasNoAnswer) {
    vectors.push({
      metric: head.metric, score: 'no_answer', higher_is_better: false, binary: single,
      a: shared.map((id) => mean(sa.get(id)!.noAnswer)), b: shared.map((id) => mean(sb.get(id)!.noAnswer)),
    });
  }
  if (ka > 1 && ka === kb) {
    vectors.push({
      metric: `pass@${ka}`, score: head.score, higher_is_better: true, binary: true,
      a: shared.map((id) => Math.max(...sa.get(id)!.correct)), b: shared.map((id) => Math.max(...sb.get(id)!.correct)),
    });
  }
  return { vectors, overlap };
}

export interface ComparisonRow {
  task: string;
  metric: string;
  score: string;
  higher_is_better: boolean;
  /** Shared samples compared. */
  n: number;
  /** Percentages on the shared samples. */
  a: number;
  b: number;
  /** b − a, percentage points, with its interval. */
  diff: number;
  ci: [number, number];
  confidence: number;
  p: number;
  /** p < alpha. */
  significant: boolean;
  method: TestMethod;
  discordant?: { a_only: number; b_only: number };
}

export interface TaskComparison {
  task: string;
  overlap: SampleOverlap;
  flags: Flag[];
  rows: ComparisonRow[];
  /** Tokens and cost of each run's task (results.json usage; absent in results written before it existed). */
  usage?: { baseline?: TaskUsage; candidate?: TaskUsage };
}

export interface RunComparison {
  baseline: string;
  candidate: string;
  alpha: number;
  /** Bootstrap settings used (for the rows that needed it). */
  resamples: number;
  seed: number;
  tasks: TaskComparison[];
  /** Tasks that could not be compared, and why. */
  skipped: { task: string; reason: string }[];
}

export interface CompareOptions {
  /** Significance level; the interval is at 1 − alpha. Default 0.05. */
  alpha?: number;
  resamples?: number;
  seed?: number;
}

/** Test one paired vector; values scaled to percentages / points. */
export function testVector(task: string, v: PairedVector, confidence: number, opts: CompareOptions = {}): ComparisonRow {
  const alpha = opts.alpha ?? 0.05;
  const t = pairedTest(v.a, v.b, { binary: v.binary, confidence, resamples: opts.resamples, seed: opts.seed });
  return {
    task, metric: v.metric, score: v.score, higher_is_better: v.higher_is_better,
    n: t.n, a: 100 * t.mean_a, b: 100 * t.mean_b, diff: 100 * t.diff,
    ci: [100 * t.ci[0], 100 * t.ci[1]], confidence, p: t.p, significant: t.p < alpha, method: t.method,
    ...(t.discordant ? { discordant: t.discordant } : {}),
  };
}

/** Compare one task of two runs (pure: the data is already loaded). */
export function compareTaskData(a: RunTaskData, b: RunTaskData, opts: CompareOptions = {}): TaskComparison {
  const { vectors, overlap } = pairedVectors(a, b);
  const flags = configFlags(a, b, overlap);
  const confidence = 1 - (opts.alpha ?? 0.05);
  const rows = overlap.shared ? vectors.map((v) => testVector(a.task, v, confidence, opts)) : [];
  const ua = a.results.results.tasks[a.task]?.usage;
  const ub = b.results.results.tasks[b.task]?.usage;
  return { task: a.task, overlap, flags, rows, ...(ua || ub ? { usage: { ...(ua ? { baseline: ua } : {}), ...(ub ? { candidate: ub } : {}) } } : {}) };
}

/** Every task both runs completed; the others are listed with the reason. */
export function compareLoaded(a: LoadedRun, b: LoadedRun, opts: CompareOptions = {}): RunComparison {
  const tasks: TaskComparison[] = [];
  const skipped: { task: string; reason: string }[] = [];
  const names = [...new Set([...a.metadata.tasks, ...b.metadata.tasks])];
  for (const task of names) {
    const ta = a.tasks.get(task);
    const tb = b.tasks.get(task);
    if (ta && tb) {
      const c = compareTaskData(ta, tb, opts);
      if (!c.overlap.shared) skipped.push({ task, reason: `no sample scored in both runs (${c.overlap.only_baseline} vs ${c.overlap.only_candidate})` });
      else tasks.push(c);
      continue;
    }
    const why = (run: LoadedRun) => (run.metadata.tasks.includes(task) ? `has no results in ${run.run_id} (status ${run.metadata.status})` : `is not in ${run.run_id}`);
    skipped.push({ task, reason: !ta ? why(a) : why(b) });
  }
  return {
    baseline: a.run_id, candidate: b.run_id, alpha: opts.alpha ?? 0.05,
    resamples: opts.resamples ?? DEFAULT_RESAMPLES, seed: opts.seed ?? DEFAULT_SEED, tasks, skipped,
  };
}

/** Compare a baseline run with one or more candidates, loading each run once. */
export async function compareRuns(store: ArtifactStore, baseline: string, candidates: readonly string[], opts: CompareOptions = {}): Promise<RunComparison[]> {
  const a = await loadRun(store, baseline);
  const out: RunComparison[] = [];
  for (const id of candidates) out.push(compareLoaded(a, await loadRun(store, id), opts));
  return out;
}

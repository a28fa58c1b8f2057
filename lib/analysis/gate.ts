/**
 * Quality gate: may a candidate run replace a baseline? A policy (YAML)
 * names, per task and metric, the largest regression tolerated; the paired
 * confidence interval of candidate − baseline (lib/analysis/compare.ts) decides:
 *
 * - NO-GO:        the whole interval lies beyond the tolerated regression
 *                 (upper bound of the diff < −max_regression): significantly
 *                 worse by more than allowed;
 * - GO:           the interval rules that out (lower bound ≥ −max_regression);
 * - INCONCLUSIVE: the interval spans the threshold, or fewer shared samples
 *                 than min_samples, or the metric is missing.
 *
 * For a lower-is-better score (no_answer) the signs flip. Overall: NO-GO if
 * any rule is NO-GO, else INCONCLUSIVE if any is, else GO. The CLI exits
 * 0 / 1 / 2 for GO / NO-GO / INCONCLUSIVE and 3 for errors.
 */
import * as YAML from 'yaml';
import { z } from 'zod';
import {
  type CompareOptions,
  configFlags,
  type ComparisonRow,
  type Flag,
  type LoadedRun,
  loadRun,
  pairedVectors,
  testVector,
} from './compare';
import type { ArtifactStore } from '../engine/store';
import { EvalflowError } from '../records/errors';

export type Decision = 'GO' | 'NO-GO' | 'INCONCLUSIVE';

/** Process exit code of `evalflow gate` per overall decision; errors (bad policy, unknown run, store down) exit 3. */
export const GATE_EXIT_CODES: Record<Decision | 'ERROR', number> = { GO: 0, 'NO-GO': 1, INCONCLUSIVE: 2, ERROR: 3 };

export class PolicyError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'config', retryable: false });
  }
}

const confidence = z.number().gt(0.5, 'must be above 0.5 (e.g. 0.95)').lt(1, 'must be below 1 (e.g. 0.95)');
const minSamples = z.number().int('must be a whole number').min(1);

const ruleSchema = z
  .object({
    /** Task name, or "*" for every task both runs completed that no other rule names. */
    task: z.string().min(1),
    /** Metric group, default the headline (`pass@1` / `pass@1[avg-of-k]`). */
    metric: z.string().min(1).optional(),
    /** Score in the group, default the task's correctness score. */
    score: z.string().min(1).optional(),
    /** Largest tolerated regression, in percentage points (absolute). */
    max_regression: z.number().min(0, 'must be ≥ 0 (percentage points)'),
    confidence: confidence.optional(),
    min_samples: minSamples.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    /** Defaults for the rules. */
    confidence: confidence.default(0.95),
    min_samples: minSamples.optional(),
    /** What a config difference between the runs does to a rule: a warning, or INCONCLUSIVE. */
    config_mismatch: z.enum(['warn', 'inconclusive']).default('warn'),
    rules: z.array(ruleSchema).min(1, 'needs at least one rule'),
  })
  .strict();

export type GatePolicy = z.infer<typeof policySchema>;
export type GateRule = z.infer<typeof ruleSchema>;

function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

/** Parse and validate a policy; errors name the path (e.g. `rules[1].max_regression`). */
export function parsePolicy(text: string, source = 'policy'): GatePolicy {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new PolicyError(`${source}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = policySchema.safeParse(raw ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const keysMsg = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
      return `  ${issuePath(i.path)}: ${i.message}${keysMsg}`;
    });
    throw new PolicyError(`${source} is not a valid gate policy:\n${lines.join('\n')}\nsee examples/gate.yaml`);
  }
  return r.data;
}

/**
 * The decision rule on an interval [lo, hi] of candidate − baseline (points).
 * For lower-is-better scores a regression is an increase, so the interval is
 * mirrored first.
 */
export function decide(ci: [number, number], maxRegression: number, higherIsBetter: boolean): { decision: Decision; reason: string } {
  const [lo, hi] = higherIsBetter ? ci : [-ci[1], -ci[0]];
  const word = higherIsBetter ? 'drop' : 'rise';
  if (hi < -maxRegression) return { decision: 'NO-GO', reason: `worse by more than ${maxRegression} points: the whole interval is beyond a ${maxRegression}-point ${word}` };
  if (lo >= -maxRegression) return { decision: 'GO', reason: `a ${word} of more than ${maxRegression} points is ruled out` };
  return { decision: 'INCONCLUSIVE', reason: `the interval spans the ${maxRegression}-point threshold: more samples needed to decide` };
}

export interface RuleResult {
  task: string;
  metric: string;
  score: string;
  max_regression: number;
  confidence: number;
  min_samples: number | null;
  decision: Decision;
  reason: string;
  /** The paired comparison at the rule's confidence, when there was one. */
  comparison: ComparisonRow | null;
  flags: Flag[];
}

export interface GateReport {
  baseline: string;
  candidate: string;
  decision: Decision;
  exit_code: number;
  rules: RuleResult[];
}

export function overallDecision(decisions: readonly Decision[]): Decision {
  if (decisions.includes('NO-GO')) return 'NO-GO';
  if (decisions.includes('INCONCLUSIVE')) return 'INCONCLUSIVE';
  return 'GO';
}

/** Apply a policy to two loaded runs (no I/O). */
export function evaluateGate(policy: GatePolicy, baseline: LoadedRun, candidate: LoadedRun, opts: CompareOptions = {}): GateReport {
  const results: RuleResult[] = [];
  const named = new Set(policy.rules.map((r) => r.task).filter((t) => t !== '*'));
  for (const rule of policy.rules) {
    const conf = rule.confidence ?? policy.confidence;
    const minN = rule.min_samples ?? policy.min_samples ?? null;
    const tasks = rule.task === '*' ? [...baseline.tasks.keys()].filter((t) => candidate.tasks.has(t) && !named.has(t)) : [rule.task];
    if (!tasks.length) {
      results.push(missing(rule, '*', conf, minN, `no task completed in both ${baseline.run_id} and ${candidate.run_id}`));
    }
    for (const task of tasks) {
      const a = baseline.tasks.get(task);
      const b = candidate.tasks.get(task);
      if (!a || !b) {
        const which = !a ? baseline : candidate;
        const state = which.metadata.tasks.includes(task) ? 'has no results' : 'is not part';
        results.push(missing(rule, task, conf, minN, `task ${task} ${state} of run ${which.run_id}`));
        continue;
      }
      const { vectors, overlap } = pairedVectors(a, b);
      const flags = configFlags(a, b, overlap);
      const headline = vectors[0];
      const metric = rule.metric ?? headline.metric;
      const score = rule.score ?? headline.score;
      const v = vectors.find((x) => x.metric === metric && x.score === score);
      if (!v) {
        const known = vectors.map((x) => `${x.metric}/${x.score}`).join(', ');
        results.push(missing(rule, task, conf, minN, `no paired metric ${metric}/${score} for ${task}; compared: ${known}`, metric, score, flags));
        continue;
      }
      const base = { task, metric, score, max_regression: rule.max_regression, confidence: conf, min_samples: minN, flags };
      if (overlap.shared === 0) {
        results.push({ ...base, decision: 'INCONCLUSIVE', reason: 'no sample scored in both runs', comparison: null });
        continue;
      }
      const row = testVector(task, v, conf, opts);
      let verdict = decide(row.ci, rule.max_regression, v.higher_is_better);
      if (minN !== null && overlap.shared < minN) {
        verdict = { decision: 'INCONCLUSIVE', reason: `only ${overlap.shared} shared samples, the policy needs at least ${minN}` };
      } else if (policy.config_mismatch === 'inconclusive' && flags.length) {
        verdict = { decision: 'INCONCLUSIVE', reason: `the runs differ (${flags.map((f) => f.kind).join(', ')}) and the policy asks for like-for-like runs` };
      }
      results.push({ ...base, ...verdict, comparison: row });
    }
  }
  const decision = overallDecision(results.map((r) => r.decision));
  return { baseline: baseline.run_id, candidate: candidate.run_id, decision, exit_code: GATE_EXIT_CODES[decision], rules: results };
}

function missing(rule: GateRule, task: string, conf: number, minN: number | null, reason: string, metric?: string, score?: string, flags: Flag[] = []): RuleResult {
  return {
    task, metric: metric ?? rule.metric ?? '(headline)', score: score ?? rule.score ?? '(correctness)',
    max_regression: rule.max_regression, confidence: conf, min_samples: minN,
    decision: 'INCONCLUSIVE', reason, comparison: null, flags,
  };
}

export async function runGate(store: ArtifactStore, baseline: string, candidate: string, policy: GatePolicy, opts: CompareOptions = {}): Promise<GateReport> {
  const a = await loadRun(store, baseline);
  const b = await loadRun(store, candidate);
  return evaluateGate(policy, a, b, opts);
}

const f2 = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(2);

/** The report as Markdown (for a pull request or CI summary). */
export function gateMarkdown(r: GateReport): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\n/g, ' ');
  const lines = [
    `# evalflow gate: **${r.decision}**`,
    '',
    `baseline \`${r.baseline}\` → candidate \`${r.candidate}\` (exit code ${r.exit_code})`,
    '',
    '| decision | task | metric | score | baseline | candidate | diff (pts) | CI | max regression | n | reason |',
    '|---|---|---|---|---:|---:|---:|---|---:|---:|---|',
  ];
  for (const x of r.rules) {
    const c = x.comparison;
    lines.push(
      `| ${x.decision} | ${esc(x.task)} | ${esc(x.metric)} | ${esc(x.score)} | ${c ? c.a.toFixed(2) : '-'} | ${c ? c.b.toFixed(2) : '-'} | ${c ? f2(c.diff) : '-'} | ` +
        `${c ? `${Math.round(x.confidence * 100)}%: [${f2(c.ci[0])}, ${f2(c.ci[1])}]` : '-'} | ${x.max_regression} | ${c ? c.n : '-'} | ${esc(x.reason)} |`,
    );
  }
  const flagged = r.rules.filter((x) => x.flags.length);
  if (flagged.length) {
    lines.push('', '**Not like for like:**', '');
    const seen = new Set<string>();
    for (const x of flagged) {
      for (const fl of x.flags) {
        const line = `- ${esc(x.task)}: ${fl.kind}: ${esc(fl.message)}`;
        if (!seen.has(line)) lines.push(line);
        seen.add(line);
      }
    }
  }
  return lines.join('\n') + '\n';
}

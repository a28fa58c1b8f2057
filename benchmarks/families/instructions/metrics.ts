/**
 * Instruction-following metrics shared by IFEval and IFBench, named and
 * grouped as NeMo-Skills' IFMetrics (`nemo_skills/evaluation/metrics/if_metrics.py`
 * on top of `base.py`'s `_compute_pass_at_k`):
 *
 * - `prompt_strict_accuracy` / `prompt_loose_accuracy`: share of prompts whose
 *   instructions are all followed (`follow_all_instructions`);
 * - `instruction_strict_accuracy` / `instruction_loose_accuracy`: share of all
 *   instructions followed, micro-averaged (followed instructions summed over
 *   prompts / total instructions);
 * - `average_score`: the mean of those four.
 *
 * Groups: `pass@1` for one repeat; for k > 1 `pass@1[avg-of-k]` (each
 * per-prompt count averaged over the k repeats, i.e. the mean of the k
 * per-repeat accuracies) and `pass@k` (per prompt the best of its k repeats:
 * all followed in any repeat for the prompt level, the largest number of
 * instructions followed in one repeat for the instruction level, as
 * NeMo-Skills takes the max of the per-repeat counts). IFMetrics computes no
 * majority@k and no `no_answer`.
 *
 * Values are percentages. `stats` (percentage points except counts):
 * - prompt level: `count` = prompts, `stderr` over prompts (ddof=1);
 * - instruction level: `count` = instructions, `stderr` over instructions
 *   (each instruction's mean over repeats; for pass@k only `count`, since
 *   the best-of-k count is per prompt, not per instruction);
 * - `average_score`: `count` = prompts (no standard error: it mixes prompt-
 *   and instruction-level means);
 * - in `pass@1[avg-of-k]`, for the four accuracies: `std_dev_across_repeats`
 *   (ddof=1, of the k per-repeat accuracies), `std_err_across_repeats`
 *   (that / √k) and `avg_sample_std_dev` (mean over prompts, or
 *   instructions, of the std-dev of their k results). NeMo-Skills' own
 *   `_add_std_metrics` pools the strict and loose counts under one key, so
 *   these are evalflow's per-score equivalents rather than its exact numbers.
 *
 * `subsets`: per instruction id, the instruction-level strict and loose
 * accuracy over the instructions of that type (pass@1 / pass@1[avg-of-k]).
 */
import type { ScoredResponse } from '../../types';
import { mean, stdDev } from '../../../lib/engine/metrics';
import type { InstructionResult } from './framework';

interface ScoreValue {
  value: number;
  stats: Record<string, number>;
}
type Groups = Record<string, { scores: Record<string, ScoreValue> }>;

export interface InstructionMetrics {
  metrics: Groups;
  subsets: Record<string, Groups>;
}

/** A unit's `details.instructions`, checked. */
export function instructionResultsOf(unit: ScoredResponse): InstructionResult[] {
  const list = unit.details?.instructions;
  const ok =
    Array.isArray(list) &&
    list.every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        typeof (r as InstructionResult).id === 'string' &&
        typeof (r as InstructionResult).strict === 'boolean' &&
        typeof (r as InstructionResult).loose === 'boolean',
    );
  if (!ok) {
    throw new Error(`instructionMetrics: sample "${unit.sample_id}" repeat ${unit.repeat} has no details.instructions (a list of {id, strict, loose})`);
  }
  return list as InstructionResult[];
}

/** 0/1 matrix of one prompt: `results[repeat][instruction]`. */
interface PromptRuns {
  ids: string[];
  strict: number[][];
  loose: number[][];
}

function groupByPrompt(units: readonly ScoredResponse[], repeats: number): PromptRuns[] {
  const bySample = new Map<string, ScoredResponse[]>();
  for (const u of units) {
    const list = bySample.get(u.sample_id);
    if (list) list.push(u);
    else bySample.set(u.sample_id, [u]);
  }
  const prompts: PromptRuns[] = [];
  for (const [id, list] of bySample) {
    const sorted = [...list].sort((a, b) => a.repeat - b.repeat);
    if (sorted.length !== repeats || new Set(sorted.map((u) => u.repeat)).size !== repeats) {
      throw new Error(
        `instructionMetrics: sample "${id}" has ${sorted.length} scored unit(s) with repeats [${sorted.map((u) => u.repeat).join(', ')}], expected ${repeats} distinct repeats`,
      );
    }
    const results = sorted.map(instructionResultsOf);
    const ids = (results[0] ?? []).map((r) => r.id);
    for (const r of results) {
      if (r.length !== ids.length || r.some((x, i) => x.id !== ids[i])) {
        throw new Error(`instructionMetrics: sample "${id}" has different instruction lists across repeats`);
      }
    }
    if (ids.length === 0) throw new Error(`instructionMetrics: sample "${id}" has no instructions`);
    prompts.push({
      ids,
      strict: results.map((r) => r.map((x) => (x.strict ? 1 : 0))),
      loose: results.map((r) => r.map((x) => (x.loose ? 1 : 0))),
    });
  }
  return prompts;
}

type Matrix = number[][];
const allFollowed = (row: readonly number[]) => (row.every((x) => x === 1) ? 1 : 0);

function withStderr(perUnit: readonly number[], extra: Record<string, number> = {}): ScoreValue {
  const n = perUnit.length;
  return { value: 100 * mean(perUnit), stats: { count: n, stderr: n ? (100 * stdDev(perUnit)) / Math.sqrt(n) : 0, ...extra } };
}

/** std-dev across repeats, its standard error and the mean per-unit std-dev, in percentage points. */
function repeatStats(perRepeatAccuracy: readonly number[], perUnitRuns: readonly number[][]): Record<string, number> {
  const across = stdDev(perRepeatAccuracy);
  return {
    std_dev_across_repeats: 100 * across,
    std_err_across_repeats: (100 * across) / Math.sqrt(perRepeatAccuracy.length),
    avg_sample_std_dev: 100 * mean(perUnitRuns.map(stdDev)),
  };
}

/** Prompt-level accuracy averaged over repeats. */
function promptLevel(runs: readonly Matrix[], k: number): ScoreValue {
  const perPrompt = runs.map((m) => m.map(allFollowed));
  const stats = k > 1 ? repeatStats(Array.from({ length: k }, (_, r) => mean(perPrompt.map((p) => p[r] ?? 0))), perPrompt) : {};
  return withStderr(perPrompt.map(mean), stats);
}

/** Instruction-level (micro) accuracy averaged over repeats. */
function instructionLevel(runs: readonly Matrix[], k: number): ScoreValue {
  const perInstruction: number[][] = [];
  for (const m of runs) {
    const width = m[0]?.length ?? 0;
    for (let j = 0; j < width; j++) perInstruction.push(m.map((row) => row[j] ?? 0));
  }
  const total = perInstruction.length;
  const stats =
    k > 1
      ? repeatStats(
          Array.from({ length: k }, (_, r) => perInstruction.reduce((a, runsOf) => a + (runsOf[r] ?? 0), 0) / total),
          perInstruction,
        )
      : {};
  return withStderr(perInstruction.map(mean), stats);
}

function bestOfK(runs: readonly Matrix[]): { prompt: ScoreValue; instruction: ScoreValue } {
  const prompt = withStderr(runs.map((m) => Math.max(...m.map(allFollowed))));
  const total = runs.reduce((a, m) => a + (m[0]?.length ?? 0), 0);
  const best = runs.reduce((a, m) => a + Math.max(...m.map((row) => row.reduce((s, x) => s + x, 0))), 0);
  return { prompt, instruction: { value: (100 * best) / total, stats: { count: total } } };
}

function averageScore(scores: Record<string, ScoreValue>, prompts: number): ScoreValue {
  const four = ['prompt_strict_accuracy', 'instruction_strict_accuracy', 'prompt_loose_accuracy', 'instruction_loose_accuracy'];
  return { value: mean(four.map((s) => scores[s]?.value ?? 0)), stats: { count: prompts } };
}

/** The four IFEval metrics (and average_score) over scored responses whose `details.instructions` hold InstructionResult[]. */
export function instructionMetrics(units: ScoredResponse[], repeats: number): InstructionMetrics {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`instructionMetrics: repeats must be a positive integer, got ${repeats}`);
  const prompts = groupByPrompt(units, repeats);
  if (prompts.length === 0) return { metrics: {}, subsets: {} };
  const k = repeats;
  const avgGroup = k === 1 ? 'pass@1' : `pass@1[avg-of-${k}]`;
  const strict = prompts.map((p) => p.strict);
  const loose = prompts.map((p) => p.loose);

  const avgScores: Record<string, ScoreValue> = {
    prompt_strict_accuracy: promptLevel(strict, k),
    instruction_strict_accuracy: instructionLevel(strict, k),
    prompt_loose_accuracy: promptLevel(loose, k),
    instruction_loose_accuracy: instructionLevel(loose, k),
  };
  const metrics: Groups = { [avgGroup]: { scores: { average_score: averageScore(avgScores, prompts.length), ...avgScores } } };
  if (k > 1) {
    const s = bestOfK(strict);
    const l = bestOfK(loose);
    const best: Record<string, ScoreValue> = {
      prompt_strict_accuracy: s.prompt,
      instruction_strict_accuracy: s.instruction,
      prompt_loose_accuracy: l.prompt,
      instruction_loose_accuracy: l.instruction,
    };
    metrics[`pass@${k}`] = { scores: { average_score: averageScore(best, prompts.length), ...best } };
  }

  // Per instruction type: each occurrence as a one-instruction "prompt".
  const byType = new Map<string, { strict: Matrix[]; loose: Matrix[] }>();
  for (const p of prompts) {
    p.ids.forEach((id, j) => {
      const entry = byType.get(id) ?? { strict: [], loose: [] };
      entry.strict.push(p.strict.map((row) => [row[j] ?? 0]));
      entry.loose.push(p.loose.map((row) => [row[j] ?? 0]));
      byType.set(id, entry);
    });
  }
  const subsets: Record<string, Groups> = {};
  for (const id of [...byType.keys()].sort()) {
    const entry = byType.get(id);
    if (!entry) continue;
    subsets[id] = {
      [avgGroup]: {
        scores: {
          instruction_strict_accuracy: instructionLevel(entry.strict, k),
          instruction_loose_accuracy: instructionLevel(entry.loose, k),
        },
      },
    };
  }
  return { metrics, subsets };
}

/**
 * The benchmark registry: built-in modules plus any a plugin registers.
 * Names are NeMo Evaluator task names; a second module under a taken name is
 * refused rather than silently replacing the first.
 */
import type { Benchmark } from './types';
import { gsm8k } from './gsm8k';
import { hle } from './hle';
import { ifeval } from './ifeval';
import { ifbench } from './ifbench';
import { mmluPro } from './mmlu_pro';
import { gpqa } from './gpqa';
import { aime2025 } from './aime';
import { mmlu } from './mmlu';
import { humaneval } from './humaneval';
import { livecodebench } from './livecodebench/index';
import { scicode } from './scicode/index';
import { bfclV4 } from './bfcl/index';

export const BUILTIN_BENCHMARKS: readonly Benchmark[] = [gsm8k, mmluPro, gpqa, aime2025, mmlu, hle, ifeval, ifbench, humaneval, livecodebench, scicode, bfclV4];

/**
 * NeMo Evaluator tasks evalflow recognises but does not implement yet, with
 * the reason, so a config naming one fails with a clear message.
 */
export const KNOWN_UNSUPPORTED_TASKS: Readonly<Record<string, string>> = {
  // In other revisions of the published Nemotron 3 Nano config; not part of its model-card table.
  ns_bfcl_v3: 'not implemented: evalflow implements BFCL v4 (ns_bfcl_v4), whose single- and multi-turn categories include v3\'s',
  ns_mmlu_prox: 'not implemented yet: the multilingual MMLU-ProX set has no benchmark module in evalflow',
  ns_wmt24pp: 'not implemented yet: translation scoring (BLEU/COMET) has no benchmark module in evalflow',
  tau2_bench_telecom: 'not implemented yet: tau2-bench needs a simulated user and its tool environments',
};

const registry = new Map<string, Benchmark>(BUILTIN_BENCHMARKS.map((b) => [b.name, b]));

export function getBenchmark(name: string): Benchmark | undefined {
  return registry.get(name);
}

/** The scorer version a task's results record (Benchmark.scorerVersion; 'unversioned' for modules without one). */
export function scorerVersionOf(name: string): string {
  return registry.get(name)?.scorerVersion ?? 'unversioned';
}

export function listBenchmarks(): Benchmark[] {
  return [...registry.values()];
}

export function registerBenchmark(b: Benchmark): void {
  if (!b.name) throw new Error('registerBenchmark: a benchmark needs a non-empty name');
  const existing = registry.get(b.name);
  if (existing) {
    const kind = BUILTIN_BENCHMARKS.includes(existing) ? 'a built-in benchmark' : 'a benchmark registered earlier';
    throw new Error(`registerBenchmark: the name "${b.name}" is already taken by ${kind}; choose another task name`);
  }
  registry.set(b.name, b);
}

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

export const BUILTIN_BENCHMARKS: readonly Benchmark[] = [gsm8k, mmluPro, gpqa, aime2025, mmlu, hle, ifeval, ifbench, humaneval, livecodebench, scicode];

/**
 * NeMo Evaluator tasks evalflow recognises but does not implement yet, with
 * the reason, so a config naming one fails with a clear message.
 */
export const KNOWN_UNSUPPORTED_TASKS: Readonly<Record<string, string>> = {
  ns_bfcl_v4: 'planned: needs the BFCL function-call checkers and multi-turn tool execution (not in this release)',
};

const registry = new Map<string, Benchmark>(BUILTIN_BENCHMARKS.map((b) => [b.name, b]));

export function getBenchmark(name: string): Benchmark | undefined {
  return registry.get(name);
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

/**
 * The benchmark registry: built-in modules plus any a plugin registers.
 * Names are NeMo Evaluator task names; a second module under a taken name is
 * refused rather than silently replacing the first.
 */
import type { Benchmark, BenchmarkKind } from './types';
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
/** The object a module exported, for a registered benchmark that registerBenchmark derived a kind for. */
const exportedAs = new WeakMap<Benchmark, object>();

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

/** A benchmark's kind: `kind` when given, else plain (PlainBenchmark may leave it out). */
export function kindOf(b: Benchmark): BenchmarkKind {
  return b.kind ?? 'plain';
}

const KINDS: readonly BenchmarkKind[] = ['plain', 'judged', 'executed'];

/**
 * A module as registered: its own object when it names its kind (or is
 * plain), else — a module written before kinds existed — an object deriving
 * from it whose `kind` follows from its members: `execute` → executed,
 * `judge` → judged. Refuses a module whose members contradict its kind.
 */
function withKind(b: Benchmark): Benchmark {
  const m = b as unknown as Record<string, unknown>;
  const where = `registerBenchmark: benchmark "${b.name}"`;
  const has = (member: string) => m[member] !== undefined && m[member] !== null;
  if (m.kind !== undefined && !KINDS.includes(m.kind as BenchmarkKind)) {
    throw new Error(`${where} has kind ${JSON.stringify(m.kind)}; a kind is one of ${KINDS.join(', ')}`);
  }
  if (m.kind === undefined && has('execute') && has('judge')) {
    throw new Error(`${where} has both execute and judge; a benchmark is either executed in the sandbox or judged: set kind 'executed' or 'judged' and drop the other`);
  }
  const kind: BenchmarkKind = (m.kind as BenchmarkKind | undefined) ?? (has('execute') ? 'executed' : has('judge') ? 'judged' : 'plain');
  if (kind === 'executed' && typeof m.execute !== 'function') throw new Error(`${where} is of kind 'executed' but has no execute(response, sample, run) function`);
  if (kind === 'judged') {
    const judge = m.judge as Record<string, unknown> | undefined;
    if (!judge || typeof judge.prompt !== 'function' || typeof judge.parse !== 'function') {
      throw new Error(`${where} is of kind 'judged' but has no judge { prompt(sample, responseText), parse(judgeText) }`);
    }
  }
  if (kind !== 'executed' && typeof m.score !== 'function') throw new Error(`${where} is of kind '${kind}' but has no score(responseText, sample, ...) function`);
  if (m.kind !== undefined || kind === 'plain') return b;
  // Derived, not copied: methods (also on a class's prototype) and `this` stay the module's own.
  const derived = Object.create(b, { kind: { value: kind, enumerable: true } }) as Benchmark;
  exportedAs.set(derived, b);
  return derived;
}

export function registerBenchmark(b: Benchmark): void {
  if (!b.name) throw new Error('registerBenchmark: a benchmark needs a non-empty name');
  const existing = registry.get(b.name);
  if (existing) {
    if (exportedAs.get(existing) === b) return; // the same module again (several plugins may carry it)
    const kind = BUILTIN_BENCHMARKS.includes(existing) ? 'a built-in benchmark' : 'a benchmark registered earlier';
    throw new Error(`registerBenchmark: the name "${b.name}" is already taken by ${kind}; choose another task name`);
  }
  registry.set(b.name, withKind(b));
}

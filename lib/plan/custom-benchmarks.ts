/**
 * Custom benchmarks from outside the repo: modules named by a file path or an
 * installed package, loaded by the CLI (to plan) and by workers (to run).
 * Named by whoever runs the process (`--benchmark-module`, or
 * EVALFLOW_BENCHMARK_MODULES, comma-separated), never by a config a service
 * sends: a workflow input must not make workers execute new code.
 *
 * A module exports one or more Benchmark objects (default or named exports);
 * one without `kind` is plain, or judged/executed by its members (registerBenchmark).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getBenchmark, registerBenchmark } from '../../benchmarks/index';
import type { Benchmark } from '../../benchmarks/types';
import { loadSettings } from '../config/settings';
import { EvalflowError } from '../records/errors';

export class BenchmarkModuleError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'config', retryable: false });
  }
}

function looksLikeBenchmark(v: unknown): v is Benchmark {
  if (!v || typeof v !== 'object') return false;
  const b = v as Record<string, unknown>;
  // Scored by `score` (plain, judged) or by `execute` (run in the sandbox); registerBenchmark checks the rest against the kind.
  const scores = typeof b.score === 'function' || typeof b.execute === 'function';
  return typeof b.name === 'string' && typeof b.toSample === 'function' && typeof b.prompt === 'function' && scores && typeof b.dataset === 'object';
}

/** The benchmarks a module exports. */
export function loadBenchmarkModule(spec: string): Benchmark[] {
  const isPath = spec.startsWith('.') || spec.startsWith('/') || fs.existsSync(spec);
  const target = isPath ? path.resolve(spec) : spec;
  let mod: Record<string, unknown>;
  try {
    mod = require(target) as Record<string, unknown>;
  } catch (e) {
    throw new BenchmarkModuleError(
      `cannot load benchmark module '${spec}' (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); ` +
        (isPath ? 'give the path of a compiled .js file' : `install it ('npm install ${spec}') or give a file path`),
    );
  }
  const found = Object.values(mod).filter(looksLikeBenchmark);
  if (!found.length) {
    throw new BenchmarkModuleError(`module '${spec}' exports no benchmark (an object with name, dataset, toSample, prompt and score, or execute for a benchmark run in the sandbox); see examples/arithmetic-benchmark.ts`);
  }
  return found;
}

/** Load and register the modules; returns the benchmarks registered. Idempotent for the same objects. */
export function registerBenchmarkModules(specs: readonly string[]): Benchmark[] {
  const out: Benchmark[] = [];
  for (const spec of specs) {
    for (const b of loadBenchmarkModule(spec)) {
      if (getBenchmark(b.name) !== b) registerBenchmark(b);
      out.push(b);
    }
  }
  return out;
}

/** Module specs from EVALFLOW_BENCHMARK_MODULES plus explicit ones. */
export function benchmarkModuleSpecs(explicit: readonly string[] = []): string[] {
  return [...loadSettings().benchmarkModules, ...explicit];
}

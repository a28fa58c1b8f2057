import type { Benchmark, UnitScore } from '../../benchmarks/types';

/** A benchmark's `score` for tests of scorers that answer synchronously; fails if the scorer returned a promise. */
export function sync(b: Benchmark): { score: (...args: Parameters<Benchmark['score']>) => UnitScore } {
  return {
    score: (...args) => {
      const r = b.score(...args);
      if (r instanceof Promise) throw new Error(`${b.name}: score() returned a promise; await it instead`);
      return r;
    },
  };
}

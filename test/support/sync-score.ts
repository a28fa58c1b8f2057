import type { JudgedBenchmark, JudgeVerdict, PlainBenchmark, Sample, UnitResponse, UnitScore } from '../../benchmarks/types';

/** A benchmark's `score` for tests of scorers that answer synchronously; fails if the scorer returned a promise. */
export function sync(b: PlainBenchmark | JudgedBenchmark): {
  score: (responseText: string, sample: Sample, verdict?: JudgeVerdict, response?: UnitResponse) => UnitScore;
} {
  // Loosely typed on purpose: tests also call a judged scorer without a verdict to see it refuse.
  const score = b.score as (...args: unknown[]) => UnitScore | Promise<UnitScore>;
  return {
    score: (...args) => {
      const r = score.apply(b, args);
      if (r instanceof Promise) throw new Error(`${b.name}: score() returned a promise; await it instead`);
      return r;
    },
  };
}

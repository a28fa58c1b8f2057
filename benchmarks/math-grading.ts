/**
 * Kept for custom benchmark modules written before the families: the math
 * family now lives in benchmarks/families/math.ts; import it from there.
 */
export * from './families/math';

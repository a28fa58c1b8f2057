/**
 * Latency draws of the load endpoint (bench/load-endpoint.ts), here so the
 * benchmark can compute the same draws it measures against.
 */
import { createHash } from 'node:crypto';

/** Lognormal with this median and shape from two uniforms in (0, 1] (Box–Muller). */
export function lognormalOf(median: number, sigma: number, u1: number, u2: number): number {
  const z = Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}

/** The latency (ms) of a request identified by `key` (its last user message): sha256(seed, key) → two uniforms → lognormal. */
export function requestLatency(seed: number, key: string, median: number, sigma: number): number {
  const d = createHash('sha256').update(`${seed}\0${key}`).digest();
  return lognormalOf(median, sigma, (d.readUInt32BE(0) + 1) / 2 ** 32, (d.readUInt32BE(4) + 1) / 2 ** 32);
}

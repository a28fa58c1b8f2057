/**
 * The load endpoint for benchmarks: a fast OpenAI-compatible server (the fake
 * endpoint of test/) with a latency distribution and a throughput cap, run in
 * its own process so it does not share an event loop with what it measures.
 *
 *   node dist/bench/load-endpoint.js --port N --latency-ms 50 [--sigma 0.3] [--max-concurrency 1024]
 *
 * Latency: fixed, or lognormal with median --latency-ms and shape --sigma.
 * Answers are a fixed short text; it is not a model.
 */
import { startFakeEndpoint } from '../lib/operator/scripted-endpoint';
import { mulberry32 } from '../lib/engine/random';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`);
  return v;
}

/** Box–Muller normal sample from a seeded generator. */
function lognormal(median: number, sigma: number, rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  return median * Math.exp(sigma * z);
}


async function main(): Promise<void> {
  const latency = arg('latency-ms', 50);
  const sigma = arg('sigma', 0);
  const rand = mulberry32(arg('seed', 1));
  const ep = await startFakeEndpoint({
    port: arg('port', 0),
    models: ['load-model'],
    maxConcurrency: arg('max-concurrency', 0) || undefined,
    latencyMs: sigma > 0 ? () => lognormal(latency, sigma, rand) : latency,
    answer: () => ({ content: 'The answer is \\boxed{0}.' }),
  });
  console.log(`load endpoint ready ${ep.url}`);
  const stop = () => void ep.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});

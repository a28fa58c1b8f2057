/**
 * The load endpoint for benchmarks: a fast OpenAI-compatible server (the fake
 * endpoint of test/) with a latency distribution and a throughput cap, run in
 * its own process so it does not share an event loop with what it measures.
 *
 *   node dist/bench/load-endpoint.js --port N --latency-ms 50 [--sigma 0.3] [--seed 1]
 *        [--per-request] [--max-concurrency 1024] [--over-capacity 429]
 *
 * Latency: fixed, or lognormal with median --latency-ms and shape --sigma.
 * By default the lognormal draws follow arrival order (one seeded stream).
 * With --per-request a request's latency is a function of the seed and its
 * last user message (or prompt) alone, so two clients that send the same
 * prompts in any order see the same latency per prompt ("the same draws").
 * --max-concurrency caps requests in flight; beyond it requests queue, or get
 * a 429 at once with --over-capacity 429 (as rate-limited APIs answer).
 * Answers are a fixed short text; it is not a model.
 */
import { startFakeEndpoint, type FakeRequest } from '../lib/operator/scripted-endpoint';
import { mulberry32 } from '../lib/engine/random';
import { lognormalOf, requestLatency } from './draws';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`);
  return v;
}

/** The text that identifies a request: its last user message, or its prompt. */
function requestKey(req: FakeRequest): string {
  if (req.kind === 'completions') return req.prompt ?? '';
  const users = (req.messages ?? []).filter((m) => m.role === 'user');
  const last = users[users.length - 1]?.content;
  return typeof last === 'string' ? last : JSON.stringify(last ?? '');
}

async function main(): Promise<void> {
  const latency = arg('latency-ms', 50);
  const sigma = arg('sigma', 0);
  const seed = arg('seed', 1);
  const perRequest = process.argv.includes('--per-request');
  const overIdx = process.argv.indexOf('--over-capacity');
  const over = overIdx < 0 ? 'queue' : process.argv[overIdx + 1];
  if (over !== 'queue' && over !== '429') throw new Error('--over-capacity needs queue or 429');
  const rand = mulberry32(seed);
  const latencyMs =
    sigma <= 0
      ? latency
      : perRequest
        ? (req: FakeRequest) => requestLatency(seed, requestKey(req), latency, sigma)
        : () => lognormalOf(latency, sigma, rand(), rand());
  const ep = await startFakeEndpoint({
    port: arg('port', 0),
    models: ['load-model'],
    maxConcurrency: arg('max-concurrency', 0) || undefined,
    // A spread, so this file also builds against an older scripted endpoint without the option (it then queues).
    ...(over === '429' ? { overCapacity: '429' as const } : {}),
    latencyMs,
    answer: () => ({ content: 'The answer is \\boxed{0}.' }),
  });
  console.log(`load endpoint ready ${ep.url} latency ${sigma > 0 ? `lognormal median ${latency} ms sigma ${sigma} ${perRequest ? 'per request (seeded by the prompt)' : 'in arrival order'}` : `${latency} ms`}`);
  const stop = () => void ep.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});

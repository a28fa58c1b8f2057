/**
 * Two scenarios of `npm run bench` (docs/performance.md), chosen with
 * `--scenario`:
 *
 *   npm run bench -- --scenario tail   [--samples 4000] [--parallelism 128] [--latency 1000] [--sigma 1] [--seed 1]
 *   npm run bench -- --scenario capped [--samples 4000] [--parallelism 256] [--latency 500] [--sigma 0] [--capacity 40]
 *
 * Both use MMLU-Pro items (the first `--samples` distinct questions of
 * $EVALFLOW_DATASETS_DIR/mmlu_pro/test.jsonl when present, synthetic items in
 * its schema otherwise) with the `ns_mmlu_pro` task's default prompt.
 *
 * tail: a heavy-tailed endpoint (lognormal latency). The load endpoint runs
 *   with --per-request: a request's latency is a function of the seed and its
 *   user message only, and the plain loop sends evalflow's exact user message
 *   per sample, so both clients see the same latency per sample whatever the
 *   order they send them in. Prints the wall time of a plain FIFO client loop
 *   (`parallelism` lanes) and of evalflow, and plain / evalflow (the share of
 *   the plain loop's throughput that evalflow reaches).
 * capped: an endpoint that serves at most `--capacity` requests at once and
 *   answers 429 beyond that; evalflow with `parallelism` lanes, once without
 *   and once with `execution.endpoint_limits: [{model_id, max_concurrency:
 *   capacity}]`. Prints throughput as a share of the endpoint's capacity
 *   (capacity / mean latency) over the whole run and over the time the
 *   endpoint was being called (first request to last answer), the share of
 *   requests answered 429 and the most requests the endpoint saw at once; also a plain loop with
 *   `capacity` lanes (what a client that knows the cap reaches here).
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { startEvaluation } from '../lib/operator/client';
import { mmluProUserPrompt } from '../benchmarks/mmlu_pro';
import { cpuSeconds, endpointStats, numArg, peakRssMiB, plainLoop, resetEndpointStats, startLoadEndpoint, startWorker, type EndpointStats, benchStack } from './common';
import { requestLatency } from './draws';

interface Item {
  question: string;
  options: string[];
}

/** Writes `<dir>/mmlu_pro/test.jsonl` with `n` items; returns them and where they came from. */
export function mmluProData(dir: string, n: number): { items: Item[]; source: string } {
  const real = path.join(process.env.EVALFLOW_DATASETS_DIR ?? '', 'mmlu_pro', 'test.jsonl');
  let rows: Record<string, unknown>[];
  let source: string;
  if (process.env.EVALFLOW_DATASETS_DIR && fs.existsSync(real)) {
    // Distinct prompts only: evalflow asks once for a prompt it has asked before (its response cache), the plain loop would ask twice.
    const seen = new Set<string>();
    rows = [];
    for (const line of fs.readFileSync(real, 'utf8').split('\n')) {
      if (rows.length === n) break;
      if (!line.trim()) continue;
      const r = JSON.parse(line) as Record<string, unknown>;
      const key = JSON.stringify([String(r.question).trim(), r.options]);
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(r);
    }
    if (rows.length < n) throw new Error(`${real} has ${rows.length} distinct items; --samples ${n} needs at most that many`);
    source = `the first ${n} distinct questions of ${real}`;
  } else {
    rows = Array.from({ length: n }, (_, i) => ({
      question_id: i,
      question: `Synthetic MMLU-Pro-shaped question ${i}: which of the following statements about item ${i} is correct?`,
      options: Array.from({ length: 10 }, (_, k) => `Statement ${String.fromCharCode(65 + k)} about item ${i}, of a length like a real option`),
      answer: 'A',
      answer_index: 0,
      category: 'other',
      src: 'synthetic',
    }));
    source = `${n} synthetic items in the MMLU-Pro schema (set EVALFLOW_DATASETS_DIR for real questions)`;
  }
  fs.mkdirSync(path.join(dir, 'mmlu_pro'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'mmlu_pro', 'test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { items: rows.map((r) => ({ question: String(r.question), options: r.options as string[] })), source };
}

/** Wall time of `lanes` FIFO lanes over these latencies with no overhead (the ideal plain loop). */
function fifoSeconds(latenciesMs: number[], lanes: number): number {
  const free = new Array<number>(Math.min(lanes, latenciesMs.length)).fill(0);
  for (const l of latenciesMs) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j] < free[k]) k = j;
    free[k] += l;
  }
  return Math.max(...free) / 1000;
}

interface Ctx {
  tmp: string;
  env: NodeJS.ProcessEnv;
  client: Client;
  children: ChildProcess[];
}

interface RunFigures {
  wall: number;
  cpu: number;
  peak: number;
  /** seconds from the start to the endpoint's first request, and to its last answer (sampled every 200 ms) */
  firstRequest: number;
  lastAnswer: number;
}

/**
 * One evalflow run of `ns_mmlu_pro` on a fresh bucket with one worker; wall
 * seconds, worker CPU, peak memory, and when the endpoint (`base`, its stats
 * reset before) saw the first request and answered the last.
 */
async function evalflowRun(ctx: Ctx, name: string, url: string, base: string, dataDir: string, parallelism: number, execution?: Record<string, unknown>): Promise<RunFigures> {
  const bucket = `bench-${name}-${Date.now()}`;
  const wenv = { ...ctx.env, EVALFLOW_S3_BUCKET: bucket };
  process.env.EVALFLOW_S3_BUCKET = bucket;
  const worker = await startWorker(path.join(ctx.tmp, `${bucket}-worker.log`), wenv);
  ctx.children.push(worker);
  const cpu0 = cpuSeconds(worker.pid!);
  const t0 = performance.now();
  let firstRequest = NaN;
  let lastAnswer = NaN;
  let answered = -1;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const s = await endpointStats(base).catch(() => undefined);
      const at = (performance.now() - t0) / 1000;
      if (s && s.requests > 0 && Number.isNaN(firstRequest)) firstRequest = at;
      if (s && s.succeeded !== answered) {
        answered = s.succeeded;
        lastAnswer = at;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const started = await startEvaluation({
    runId: bucket,
    taskQueue: 'bench',
    client: ctx.client,
    config: {
      target: { api_endpoint: { url: `${url}/chat/completions`, model_id: 'load-model' } },
      evaluation: {
        nemo_evaluator_config: { config: { params: { parallelism, max_new_tokens: 64 } } },
        tasks: [{ name: 'ns_mmlu_pro', dataset_dir: dataDir }],
      },
      ...(execution ? { execution } : {}),
    },
  });
  await ctx.client.workflow.getHandle(started.runId).result();
  const wall = (performance.now() - t0) / 1000;
  watching = false;
  await watch;
  const cpu = cpuSeconds(worker.pid!) - cpu0;
  const peak = peakRssMiB(worker.pid!);
  worker.kill('SIGTERM');
  return { wall, cpu, peak, firstRequest, lastAnswer };
}

function f1(x: number): string {
  return x.toFixed(1);
}

async function tail(ctx: Ctx): Promise<void> {
  const samples = numArg('samples') ?? 4000;
  const parallelism = numArg('parallelism') ?? 128;
  const latency = numArg('latency') ?? 1000;
  const sigma = numArg('sigma') ?? 1;
  const seed = numArg('seed') ?? 1;
  const dataDir = path.join(ctx.tmp, 'data');
  const { items, source } = mmluProData(dataDir, samples);
  const prompt = (i: number) => mmluProUserPrompt(items[i].question, items[i].options);
  const draws = items.map((_, i) => requestLatency(seed, prompt(i), latency, sigma));
  const sum = draws.reduce((a, b) => a + b, 0) / 1000;
  console.log(`# scenario tail: ${samples} ns_mmlu_pro samples (${source}), parallelism ${parallelism}, lognormal latency median ${latency} ms sigma ${sigma}, seed ${seed}`);
  console.log(
    `# same draws: the load endpoint's latency is a function of the seed and the request's user message (--per-request), and the plain loop sends evalflow's user message per sample, ` +
      `so both see the same latency per sample: sum ${f1(sum)} s, mean ${(sum / samples).toFixed(2)} s, longest ${(Math.max(...draws) / 1000).toFixed(1)} s`,
  );
  console.log(`# lower bounds on these draws: sum / parallelism ${f1(sum / parallelism)} s; a FIFO loop with ${parallelism} lanes and no overhead ${f1(fifoSeconds(draws, parallelism))} s`);
  const ep = await startLoadEndpoint(ctx.tmp, 'tail', ['--latency-ms', String(latency), '--sigma', String(sigma), '--seed', String(seed), '--per-request']);
  ctx.children.push(ep.proc);
  const plain = await plainLoop(ep.url, samples, parallelism, prompt);
  console.log(`plain FIFO loop: ${f1(plain.wall)} s (${(samples / plain.wall).toFixed(1)}/s)`);
  const plainStats = await endpointStats(ep.base);
  await resetEndpointStats(ep.base);
  const window = numArg('shard-parallelism');
  const ev = await evalflowRun(ctx, 'tail', ep.url, ep.base, dataDir, parallelism, window ? { shard_parallelism: window } : undefined);
  if (window) console.log(`# evalflow with execution.shard_parallelism ${window}`);
  const evStats = await endpointStats(ep.base);
  console.log(`evalflow: ${f1(ev.wall)} s (${(samples / ev.wall).toFixed(1)}/s), worker CPU ${f1(ev.cpu)} s, peak ${ev.peak.toFixed(0)} MiB`);
  console.log(
    `evalflow's time: ${f1(ev.firstRequest)} s to the first request, ${f1(ev.lastAnswer - ev.firstRequest)} s of requests (first request to last answer), ` +
      `${f1(ev.wall - ev.lastAnswer)} s after the last answer (sampled every 0.2 s)`,
  );
  console.log(`requests answered: plain ${plainStats.succeeded}, evalflow ${evStats.succeeded}; most in flight: plain ${plainStats.maxInFlight}, evalflow ${evStats.maxInFlight}`);
  console.log(`evalflow / plain (throughput): ${(plain.wall / ev.wall).toFixed(3)}`);
  console.log(`\n| samples | parallelism | latency | plain FIFO s | evalflow s | evalflow / plain |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(`| ${samples} | ${parallelism} | lognormal median ${latency} ms, sigma ${sigma} | ${f1(plain.wall)} | ${f1(ev.wall)} | ${(plain.wall / ev.wall).toFixed(2)} |`);
  ep.proc.kill('SIGTERM');
}

async function capped(ctx: Ctx): Promise<void> {
  const samples = numArg('samples') ?? 4000;
  const parallelism = numArg('parallelism') ?? 256;
  const latency = numArg('latency') ?? 500;
  const sigma = numArg('sigma') ?? 0;
  const seed = numArg('seed') ?? 1;
  const capacity = numArg('capacity') ?? 40;
  const dataDir = path.join(ctx.tmp, 'data');
  const { items, source } = mmluProData(dataDir, samples);
  const prompt = (i: number) => mmluProUserPrompt(items[i].question, items[i].options);
  const meanMs = sigma > 0 ? items.reduce((a, _, i) => a + requestLatency(seed, prompt(i), latency, sigma), 0) / samples : latency;
  const rate = (capacity * 1000) / meanMs;
  console.log(`# scenario capped: ${samples} ns_mmlu_pro samples (${source}), parallelism ${parallelism}, endpoint serves ${capacity} at once and answers 429 beyond`);
  console.log(`# latency ${sigma > 0 ? `lognormal median ${latency} ms sigma ${sigma} per request (mean ${meanMs.toFixed(0)} ms)` : `${latency} ms`}: capacity ${f1(rate)} requests/s, ${f1(samples / rate)} s for the run at best`);
  const ep = await startLoadEndpoint(ctx.tmp, 'capped', ['--latency-ms', String(latency), '--sigma', String(sigma), '--seed', String(seed), '--per-request', '--max-concurrency', String(capacity), '--over-capacity', '429']);
  ctx.children.push(ep.proc);
  const rows: string[] = [];
  const row = (what: string, wall: number, s: EndpointStats, span?: number) => {
    const over = s.overCapacity ?? s.faults['429'] ?? 0;
    const line =
      `| ${what} | ${f1(wall)} | ${(samples / wall).toFixed(1)} | ${(samples / wall / rate).toFixed(2)} | ${span === undefined ? f1(wall) : f1(span)} | ${(samples / (span ?? wall) / rate).toFixed(2)} | ` +
      `${s.requests} | ${((100 * over) / Math.max(1, s.requests)).toFixed(1)} % | ${s.maxInFlight} | ${s.succeeded} |`;
    rows.push(line);
    console.log(line);
  };
  console.log(`| client | wall s | /s | of capacity | requests s | of capacity while requesting | requests | 429s | most in flight | answered |`);
  const plain = await plainLoop(ep.url, samples, capacity, prompt);
  row(`plain loop, ${capacity} lanes`, plain.wall, await endpointStats(ep.base));
  await resetEndpointStats(ep.base);
  const a = await evalflowRun(ctx, 'capped', ep.url, ep.base, dataDir, parallelism);
  row(`evalflow, parallelism ${parallelism}`, a.wall, await endpointStats(ep.base), a.lastAnswer - a.firstRequest);
  await resetEndpointStats(ep.base);
  const b = await evalflowRun(ctx, 'capped-limits', ep.url, ep.base, dataDir, parallelism, { endpoint_limits: [{ model_id: 'load-model', max_concurrency: capacity }] });
  row(`evalflow, parallelism ${parallelism}, endpoint_limits max_concurrency ${capacity}`, b.wall, await endpointStats(ep.base), b.lastAnswer - b.firstRequest);
  for (const [what, r] of [['without endpoint_limits', a], ['with endpoint_limits', b]] as const) {
    console.log(`evalflow ${what}: ${f1(r.firstRequest)} s to the first request, ${f1(r.lastAnswer - r.firstRequest)} s of requests, ${f1(r.wall - r.lastAnswer)} s after the last answer`);
  }
  console.log(`\n| client | wall s | /s | of capacity | requests s | of capacity while requesting | requests | 429s | most in flight | answered |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) console.log(r);
  ep.proc.kill('SIGTERM');
}

export async function runScenario(name: string): Promise<void> {
  const run = ({ tail, capped } as Record<string, (ctx: Ctx) => Promise<void>>)[name];
  if (!run) throw new Error(`--scenario ${name}: unknown scenario; use tail (heavy-tailed latency, plain loop vs evalflow) or capped (an endpoint that answers 429 beyond its capacity)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-bench-'));
  console.log(`# evalflow benchmark — ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const { stack, env, connection } = await benchStack('bench');
  const ctx: Ctx = { tmp, env, client: new Client({ connection }), children: [] };
  try {
    await run(ctx);
  } finally {
    for (const c of ctx.children) if (c.exitCode === null) c.kill('SIGKILL');
    await connection.close();
    await stack.stop();
  }
}

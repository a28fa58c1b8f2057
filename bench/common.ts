/**
 * Helpers shared by the benchmarks (bench/bench.ts, bench/controls-load.ts):
 * arguments, child processes, /proc accounting, the load endpoint's stats and
 * the Temporal dev server's Prometheus counters.
 */
import { Client, Connection } from '@temporalio/client';
import { startStack, type Stack } from '../test/support/stack';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import { getFreePort } from '../lib/operator/infra/dev';
import { loadSettings } from '../lib/config/settings';
import { temporalConnectionOptions } from '../lib/config/temporal';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'bin', 'evalflow.js');

export function numArg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number (got ${process.argv[i + 1]})`);
  return v;
}

export function strArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

export function listArg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return process.argv[i + 1].split(',').map(Number);
}

export function waitForLine(p: ChildProcess, file: string, text: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text)) return resolve();
      if (p.exitCode !== null) return reject(new Error(`process exited: ${fs.readFileSync(file, 'utf8')}`));
      if (Date.now() > until) return reject(new Error(`timed out waiting for '${text}' in ${file}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

/** CPU seconds (user + system) of a process from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Peak resident memory (MiB) of a process from /proc. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts bench/load-endpoint.js with `args`; returns its /v1 URL and the process. */
export async function startLoadEndpoint(tmp: string, name: string, args: string[]): Promise<{ url: string; base: string; proc: ChildProcess; log: string }> {
  const log = path.join(tmp, `endpoint-${name}.log`);
  const port = await getFreePort();
  const proc = spawn(process.execPath, [path.join(REPO, 'dist', 'bench', 'load-endpoint.js'), '--port', String(port), ...args], {
    stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')],
  });
  await waitForLine(proc, log, 'load endpoint ready');
  return { url: `http://127.0.0.1:${port}/v1`, base: `http://127.0.0.1:${port}`, proc, log };
}

export interface EndpointStats {
  requests: number;
  succeeded: number;
  maxInFlight: number;
  inFlight: number;
  /** absent on a scripted endpoint older than the 429-at-capacity option */
  overCapacity?: number;
  faults: Record<string, number>;
}

export async function endpointStats(base: string): Promise<EndpointStats> {
  const r = await fetch(`${base}/_fake/stats`);
  return (await r.json()) as EndpointStats;
}

export async function resetEndpointStats(base: string): Promise<void> {
  await fetch(`${base}/_fake/reset`, { method: 'POST' });
}

/** Spawns `evalflow worker` and waits until it polls. */
export async function startWorker(log: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<ChildProcess> {
  const p = spawn(process.execPath, [CLI, 'worker', ...extra], { env, stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')] });
  await waitForLine(p, log, 'evalflow worker:');
  return p;
}

/**
 * The Temporal dev server's Prometheus endpoint: test/support/stack.ts starts
 * it with `--metrics-port N`; read N from the server's command line.
 */
export function temporalMetricsUrl(pid: number): string {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const i = argv.indexOf('--metrics-port');
  if (i < 0) throw new Error(`the Temporal server (pid ${pid}) was started without --metrics-port: ${argv.join(' ')}`);
  return `http://127.0.0.1:${argv[i + 1]}/metrics`;
}

/** Sums of a Prometheus counter per value of the labels `by` (joined with '/'), over the series that match `where`. */
export async function scrapeCounter(url: string, metric: string, by: string[], where: Record<string, string> = {}): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels = new Map<string, string>();
    for (const m of line.slice(metric.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(m[1], m[2]);
    if (Object.entries(where).some(([k, v]) => labels.get(k) !== v)) continue;
    const key = by.map((b) => labels.get(b) ?? '').join('/');
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(close + 1).trim().split(' ')[0]));
  }
  return out;
}

/**
 * The plain SDK loop: `concurrency` lanes take samples in order (FIFO) from
 * one counter, one request each, as a hand-written client would. Returns wall
 * seconds and the CPU seconds this process spent on it.
 */
export async function plainLoop(url: string, samples: number, concurrency: number, prompt: (i: number) => string, maxTokens = 64): Promise<{ wall: number; cpu: number }> {
  const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < samples) {
        const i = next++;
        await client.chat.completions.create({
          model: 'load-model',
          messages: [{ role: 'user', content: prompt(i) }],
          max_tokens: maxTokens,
        });
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

/**
 * A private stack (Temporal dev server + MinIO) for a benchmark, with this
 * process's EVALFLOW_* settings pointed at it; `env` is what worker processes get.
 */
export async function benchStack(queue: string, bucket?: string): Promise<{ stack: Stack; env: NodeJS.ProcessEnv; connection: Connection; client: Client }> {
  const stack = await startStack();
  const env = {
    ...process.env,
    EVALFLOW_TEMPORAL_ADDRESS: stack.temporalAddress,
    EVALFLOW_S3_ENDPOINT: stack.s3Endpoint,
    EVALFLOW_S3_ACCESS_KEY: stack.accessKey,
    EVALFLOW_S3_SECRET_KEY: stack.secretKey,
    ...(bucket ? { EVALFLOW_S3_BUCKET: bucket } : {}),
    EVALFLOW_TASK_QUEUE: queue,
    HF_HUB_OFFLINE: '1',
  };
  Object.assign(process.env, env);
  const connection = await Connection.connect(temporalConnectionOptions(loadSettings().temporal));
  return { stack, env, connection, client: new Client({ connection }) };
}

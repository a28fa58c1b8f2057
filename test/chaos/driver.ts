/**
 * The chaos driver: proves the core invariant — a long run finishes, loses
 * nothing and never pays for a completed model call twice — on the real
 * servers, under disruption.
 *
 * One private stack (Temporal dev server + MinIO) and one scripted demo
 * endpoint serve two runs of the same config (GSM8K + MMLU-Pro, real data):
 *
 * 1. an UNDISTURBED baseline run (own bucket, so its response cache is fresh),
 * 2. a DISTURBED run (another fresh bucket) during which, on a schedule drawn
 *    from a seeded PRNG, evalflow worker child processes are SIGKILLed and
 *    replaced, the Temporal server is restarted (state on disk), MinIO is
 *    stopped for a while, and the endpoint answers a share of requests with
 *    faults (429 with and without Retry-After, 500, 503, reset, hang past the
 *    request timeout, truncated body).
 *
 * Then it checks: every (sample, repeat) scored exactly once; results.json
 * identical to the baseline's; and the paid-call surplus: the endpoint counts
 * successful responses per request-payload hash, and every payload is owed
 * exactly `repeats` successful responses (repeats send identical payloads and
 * are told apart only by the cache key). Anything beyond is a call paid twice.
 * A SIGKILL can lose responses the endpoint had already sent but the killed
 * worker had not yet written to the cache (at most its concurrency); right
 * after each kill the driver lists the cache to count exactly those, so the
 * surplus splits into "lost in flight at a kill" and "unexplained" (target 0).
 */
import type { ChildProcess } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildSuiteInput, startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { buildPayload } from '../../lib/engine/endpoint';
import { requestHash } from '../../lib/engine/hash';
import { loadSettings, type Settings, type StorageSettings } from '../../lib/config/settings';
import { ArtifactStore, parseJsonl } from '../../lib/engine/store';
import { keys } from '../../lib/records/keys';
import type { ResolvedTask } from '../../lib/records/types';
import type { PreparedSample } from '../../lib/records/artifacts';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { payloadHash, type FakeEndpoint, type FaultRule } from '../../lib/operator/scripted-endpoint';
import { demoConfig, spawnWorker } from '../support/harness';
import { startStack, type Stack } from '../support/stack';
import { mulberry32 } from '../../lib/engine/random';

export interface ChaosOptions {
  /** Samples in total, split between GSM8K and MMLU-Pro in proportion 1,319 : 3,681. */
  samples: number;
  repeats: number;
  /** Seeds the disruption schedule and the endpoint's fault PRNG. */
  seed: number;
  /** A worker is SIGKILLed every U(a, b) seconds of the disturbed run (and a new one started). */
  workerKillEverySec: [number, number];
  temporalRestarts: number;
  /** MinIO stopped this long, once (0 = no outage). */
  minioOutageSec: number;
  /** Share of endpoint requests answered with a fault during the disturbed run. */
  faultRate: number;
  datasetsDir: string;
  log: (line: string) => void;
  /** At most this many worker kills (default: no limit, every interval until the run ends). */
  maxWorkerKills?: number;
  /** Demo endpoint latency per answered request (default 150 ms). */
  latencyMs?: number;
  /** Concurrent requests per task (default 8). */
  parallelism?: number;
  /** Units (sample × repeat) per shard (default 100). */
  shardSize?: number;
  /** Keep the stack's data and logs even when every check passes. */
  keepDir?: boolean;
}

export interface ChaosCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChaosEvent {
  /** Seconds since the disturbed run started. */
  atSec: number;
  what: string;
}

export interface KillRecord {
  atSec: number;
  /** Responses served by the endpoint but not in the cache right after this kill, minus those before it. */
  lostInFlight: number;
  /** Requests the endpoint held at the moment of the kill. */
  endpointInFlight: number;
}

export interface RunFigures {
  runId: string;
  bucket: string;
  wallSec: number;
  /** Generation requests received by the endpoint (faulted ones included). */
  requests: number;
  /** Successful responses served. */
  served: number;
  /** Successful responses beyond `repeats` per payload. */
  surplus: number;
  /** Of the surplus: other samples sending a prompt verbatim (their own calls, at most repeats × (copies − 1)). */
  sharedPromptCopies: number;
  faults: Record<string, number>;
}

export interface ChaosReport {
  ok: boolean;
  checks: ChaosCheck[];
  tasks: { task: string; samples: number; repeats: number }[];
  units: number;
  settings: { parallelism: number; latencyMs: number; shardSize: number; requestTimeoutSec: number; maxRetries: number; heartbeatTimeoutSec: number; activityAttempts: number; faultRate: number; seed: number };
  baseline: RunFigures;
  disturbed: RunFigures;
  disruptions: {
    workerKills: number;
    /** Workers that exited without being killed by the driver (each was replaced). */
    workerExitsUnasked: number;
    temporalRestarts: number;
    minioOutages: number;
    minioOutageSec: number;
    skipped: string[];
    events: ChaosEvent[];
  };
  surplus: {
    total: number;
    payloadsAffected: number;
    /** Per kill: at most the worker's concurrency. */
    concurrencyPerKill: number;
    explainedByKills: number;
    unexplained: number;
    perKill: KillRecord[];
  };
  resultsIdentical: boolean;
  wallRatio: number;
  /** Where the stack's logs are (removed after a passing run unless keepDir). */
  dir: string;
  text: string;
}

/** MMLU-Pro in the full version: 3,681 + all 1,319 GSM8K = 5,000. */
const GSM8K_SHARE = 1319 / 5000;
const GSM8K_SIZE = 1319;
const REQUEST_TIMEOUT_SEC = 3;
const MAX_RETRIES = 15;
const HEARTBEAT_TIMEOUT_SEC = 5;
const ACTIVITY_ATTEMPTS = 20;

/** The schedule's PRNG: a seed always yields the same schedule. */
export const seededRandom = mulberry32;

/**
 * Fault rules whose combined firing probability is `rate`: the seven transient
 * kinds in sequence, each firing with q where 1 − (1 − q)^7 = rate.
 */
export function faultRules(rate: number): FaultRule[] {
  if (rate <= 0) return [];
  const kinds: FaultRule[] = [
    { kind: '429', retryAfter: 1 },
    { kind: '429' },
    { kind: '500' },
    { kind: '503', retryAfter: 1 },
    { kind: 'reset' },
    { kind: 'hang' },
    { kind: 'truncated' },
  ];
  const q = 1 - Math.pow(1 - Math.min(rate, 0.99), 1 / kinds.length);
  return kinds.map((k) => ({ ...k, rate: q }));
}

export function splitSamples(samples: number): { gsm8k: number; mmlu: number } {
  const gsm8k = Math.min(GSM8K_SIZE, Math.max(1, Math.round(samples * GSM8K_SHARE)));
  return { gsm8k, mmlu: Math.max(1, samples - gsm8k) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Scheduled {
  at: number;
  kind: 'kill' | 'temporal' | 'minio';
}

/** The disruption timeline, seconds from the disturbed run's start, from the baseline's wall time. */
export function schedule(opts: ChaosOptions, baselineSec: number): Scheduled[] {
  const rnd = seededRandom(opts.seed);
  const uniform = (a: number, b: number) => a + (b - a) * rnd();
  const out: Scheduled[] = [];
  const [a, b] = opts.workerKillEverySec;
  const maxKills = opts.maxWorkerKills ?? Infinity;
  // Kills keep coming until the run ends (the disturbed run takes longer than the baseline).
  for (let t = uniform(a, b), n = 0; n < maxKills && t < baselineSec * 20 + 600; t += uniform(a, b), n++) out.push({ at: t, kind: 'kill' });
  // Restarts spread over 10–80 % of the baseline's duration, one per segment.
  const seg = (0.7 * baselineSec) / Math.max(1, opts.temporalRestarts);
  for (let i = 0; i < opts.temporalRestarts; i++) out.push({ at: 0.1 * baselineSec + seg * i + uniform(0, seg * 0.8), kind: 'temporal' });
  if (opts.minioOutageSec > 0) out.push({ at: uniform(0.25, 0.6) * baselineSec, kind: 'minio' });
  return out.sort((x, y) => x.at - y.at);
}

/** Workers run as `evalflow worker` child processes; the supervisor replaces any that exits. */
class WorkerPool {
  private current: ChildProcess | null = null;
  private killing = false;
  private stopped = false;
  unasked = 0;
  private spawned = 0;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    private readonly log: (line: string) => void,
    private readonly name: string,
  ) {}

  start(): void {
    const logFile = path.join(this.logDir, `${this.name}-worker-${++this.spawned}.log`);
    const child = spawnWorker(this.env, logFile);
    this.current = child;
    child.once('exit', (code, signal) => {
      if (this.current !== child || this.killing || this.stopped) return;
      this.unasked++;
      this.log(`worker pid ${child.pid} exited on its own (code ${code}, signal ${signal}); see ${logFile}; starting another`);
      this.current = null;
      setTimeout(() => {
        if (!this.stopped && this.current === null) this.start();
      }, 1000);
    });
  }

  pid(): number | undefined {
    return this.current?.pid;
  }

  /** SIGKILL the current worker and wait until it is gone; `between` runs before a new one starts. */
  async killAndReplace(between: () => Promise<void>): Promise<void> {
    const child = this.current;
    this.killing = true;
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
      this.current = null;
      await between();
    } finally {
      this.killing = false;
    }
    if (!this.stopped) this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.current;
    this.current = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(t);
  }
}

interface RunContext {
  runId: string;
  bucket: string;
  taskQueue: string;
  store: ArtifactStore;
  env: NodeJS.ProcessEnv;
  settings: Settings;
}

/** Waits for the workflow to close, riding out a Temporal server that is down for a while. */
async function waitForClose(client: Client, runId: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const d = await client.workflow.getHandle(runId).describe();
      if (d.status.name !== 'RUNNING') return d.status.name;
    } catch {
      /* server restarting: ask again */
    }
    if (Date.now() > until) return 'TIMED_OUT_WAITING';
    await sleep(1000);
  }
}

async function readScores(store: ArtifactStore, runId: string, task: string): Promise<ScoreRecord[]> {
  const rows: ScoreRecord[] = [];
  for (const k of await store.list(`runs/${runId}/${task}/scores/`)) rows.push(...((await store.getJsonl<ScoreRecord>(k)) ?? []));
  return rows;
}

/**
 * The request hashes checkpointed in the response cache, read incrementally:
 * the cache is written as immutable segments (cache/calls/<family>/<block>/
 * <writer>-<seq>.jsonl, activities/calls.ts), so each refresh reads only the
 * segments that appeared since the last one.
 */
class CacheView {
  readonly hashes = new Set<string>();
  private readonly read = new Set<string>();
  constructor(private readonly store: ArtifactStore) {}

  async refresh(): Promise<Set<string>> {
    const until = Date.now() + 120_000;
    for (;;) {
      try {
        for (const k of await this.store.list('cache/calls/')) {
          if (this.read.has(k)) continue;
          for (const e of parseJsonl<{ request_hash: string }>((await this.store.getText(k)) ?? '')) this.hashes.add(e.request_hash);
          this.read.add(k);
        }
        return new Set(this.hashes);
      } catch (e) {
        if (Date.now() > until) throw e;
        await sleep(1000);
      }
    }
  }
}

interface PayloadEntry {
  /** Cache hashes of the payload's repeats. */
  cache: string[];
  /** Samples sending this exact payload (MMLU-Pro repeats some questions verbatim). */
  copies: number;
}

/** endpoint payload hash → its cache hashes and copies, rebuilt from the run's prepared samples. */
async function payloadIndex(store: ArtifactStore, runId: string, tasks: ResolvedTask[]): Promise<Map<string, PayloadEntry>> {
  const index = new Map<string, PayloadEntry>();
  for (const task of tasks) {
    for (const k of await store.list(`runs/${runId}/${task.name}/samples/`)) {
      if (!k.endsWith('.jsonl')) continue;
      for (const s of (await store.getJsonl<PreparedSample>(k)) ?? []) {
        const payload = buildPayload(task.endpoint, task.params, s.messages);
        const h = payloadHash(payload);
        const seen = index.get(h);
        if (seen) {
          seen.copies++; // identical prompts share their cache entries
          continue;
        }
        index.set(h, { cache: Array.from({ length: task.params.num_repeats }, (_, r) => requestHash(task.endpoint.type, payload, r)), copies: 1 });
      }
    }
  }
  return index;
}

/**
 * Successful responses beyond `repeats` per payload, split: payloads of one
 * sample (`single`: every extra response is a call paid twice) and payloads
 * several samples send verbatim (`shared`: up to repeats × (copies − 1) extra
 * responses are those other samples' own calls — the cache is kept per block
 * of sample indices, so a copy at another index is its own cache entry).
 */
function surplusOf(served: Record<string, number>, repeats: number, index?: Map<string, PayloadEntry>) {
  let total = 0;
  let payloads = 0;
  let single = 0;
  let sharedCopies = 0;
  let sharedBeyond = 0;
  for (const [h, n] of Object.entries(served)) {
    if (n <= repeats) continue;
    total += n - repeats;
    payloads++;
    const copies = index?.get(h)?.copies ?? 1;
    if (copies === 1) single += n - repeats;
    else {
      const race = Math.min(n - repeats, repeats * (copies - 1));
      sharedCopies += race;
      sharedBeyond += n - repeats - race;
    }
  }
  return { total, payloads, single, sharedCopies, sharedBeyond };
}

/** Served-but-not-cached responses of single-sample payloads: what a worker dying now would have lost. */
function unchecked(served: Record<string, number>, cached: Set<string>, index: Map<string, PayloadEntry>): number {
  let n = 0;
  for (const [h, count] of Object.entries(served)) {
    const entry = index.get(h);
    if (!entry || entry.copies > 1) continue;
    const inCache = entry.cache.filter((c) => cached.has(c)).length;
    n += Math.max(0, count - inCache);
  }
  return n;
}

/**
 * The `results` part of results.json as the undisturbed run must match it: every metric, and the tokens and
 * cost; only how many calls were replayed from the cache (a resumed shard replays its checkpoints) may differ.
 */
function comparableResults(r: NemoResults): unknown {
  const tasks = Object.fromEntries(
    Object.entries(r.results.tasks).map(([name, t]) => [name, t.usage ? { ...t, usage: { ...t.usage, replayed_calls: null } } : t]),
  );
  return { ...r.results, tasks };
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const { log } = opts;
  const latencyMs = opts.latencyMs ?? 150;
  const parallelism = opts.parallelism ?? 8;
  const shardSize = opts.shardSize ?? 100;
  const split = splitSamples(opts.samples);
  const tasks = [
    { task: 'gsm8k', samples: split.gsm8k, repeats: opts.repeats },
    { task: 'ns_mmlu_pro', samples: split.mmlu, repeats: opts.repeats },
  ];
  const units = (split.gsm8k + split.mmlu) * opts.repeats;

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-chaos-'));
  const logDir = path.join(workDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  log(`chaos: ${split.gsm8k} GSM8K + ${split.mmlu} MMLU-Pro samples × ${opts.repeats} repeats = ${units} model calls per run; seed ${opts.seed}; logs in ${logDir}`);

  let stack: Stack | undefined;
  let demo: FakeEndpoint | undefined;
  let connection: Connection | undefined;
  const pools: WorkerPool[] = [];
  let passed = false;
  try {
    stack = await startStack({ dir: path.join(workDir, 'stack') });
    log(`stack up: Temporal ${stack.temporalAddress}, MinIO ${stack.s3Endpoint}`);
    demo = await startDemoEndpoint({ port: 0, latencyMs, datasetsDir: opts.datasetsDir, seed: opts.seed });
    log(`demo endpoint ${demo.url} (latency ${latencyMs} ms)`);
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection });
    const theStack = stack;
    const theDemo = demo;

    const config = demoConfig(
      theDemo.url,
      [
        { name: 'gsm8k', params: { limit_samples: split.gsm8k, extra: { num_repeats: opts.repeats } } },
        { name: 'ns_mmlu_pro', params: { limit_samples: split.mmlu, extra: { num_repeats: opts.repeats } } },
      ],
      { parallelism, request_timeout: REQUEST_TIMEOUT_SEC, max_retries: MAX_RETRIES },
      { heartbeat_timeout: HEARTBEAT_TIMEOUT_SEC, activity_attempts: ACTIVITY_ATTEMPTS, shard_size: shardSize, shard_parallelism: 4, task_parallelism: 2 },
    );

    const context = async (name: string): Promise<RunContext> => {
      const bucket = `chaos-${name}-${opts.seed}`;
      const taskQueue = `chaos-${name}`;
      const storage: StorageSettings = {
        endpoint: theStack.s3Endpoint,
        accessKey: theStack.accessKey,
        secretKey: theStack.secretKey,
        bucket,
        prefix: '',
        region: 'us-east-1',
      };
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        EVALFLOW_TEMPORAL_ADDRESS: theStack.temporalAddress,
        EVALFLOW_TEMPORAL_UI: theStack.uiUrl,
        EVALFLOW_S3_ENDPOINT: storage.endpoint,
        EVALFLOW_S3_ACCESS_KEY: storage.accessKey,
        EVALFLOW_S3_SECRET_KEY: storage.secretKey,
        EVALFLOW_S3_BUCKET: bucket,
        EVALFLOW_S3_PREFIX: '',
        EVALFLOW_TASK_QUEUE: taskQueue,
        EVALFLOW_HOME: path.join(workDir, 'home'),
        EVALFLOW_DATASETS_DIR: opts.datasetsDir,
        HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE || '1',
      };
      const store = new ArtifactStore(storage, { retryForMs: 120_000 });
      await store.ensureBucket();
      const settings: Settings = { ...loadSettings(), temporalAddress: theStack.temporalAddress, uiUrl: theStack.uiUrl, taskQueue, storage };
      return { runId: `chaos-${name}-${opts.seed}`, bucket, taskQueue, store, env, settings };
    };

    const { plan } = buildSuiteInput({ config, runId: 'chaos-plan' });
    const concurrencyPerKill = plan.tasks.reduce((acc, t) => {
      const shards = Math.ceil((t.params.limit_samples ?? 0) * t.params.num_repeats / shardSize) || 1;
      const window = Math.max(1, Math.min(plan.execution.shard_parallelism, shards));
      return acc + window * Math.max(1, Math.ceil(t.params.parallelism / window));
    }, 0);

    // ---- 1. the undisturbed baseline -------------------------------------------------
    const base = await context('baseline');
    theDemo.setFaults([]);
    theDemo.resetStats();
    const basePool = new WorkerPool(base.env, logDir, log, 'baseline');
    pools.push(basePool);
    basePool.start();
    log(`baseline run ${base.runId} (bucket ${base.bucket}): started`);
    const t0 = Date.now();
    await startEvaluation({ config, runId: base.runId, taskQueue: base.taskQueue, client, settings: base.settings });
    const baseStatus = await waitForClose(client, base.runId, 3 * 3600_000);
    const baseWall = (Date.now() - t0) / 1000;
    await basePool.stop();
    const baseStats = theDemo.stats();
    const baseIndex = await payloadIndex(base.store, base.runId, plan.tasks);
    const baseSurplus = surplusOf(baseStats.servedByPayload, opts.repeats, baseIndex);
    log(`baseline run: ${baseStatus} in ${baseWall.toFixed(1)} s, ${baseStats.succeeded} responses served, surplus ${baseSurplus.total} ` +
      `(${baseSurplus.sharedCopies} on prompts several samples share)`);

    // ---- 2. the disturbed run ------------------------------------------------------------
    const dist = await context('disturbed');
    theDemo.resetStats();
    theDemo.setFaults(faultRules(opts.faultRate));
    const cacheView = new CacheView(dist.store);
    const pool = new WorkerPool(dist.env, logDir, log, 'disturbed');
    pools.push(pool);
    pool.start();
    const timeline = schedule(opts, baseWall);
    const events: ChaosEvent[] = [];
    const skipped: string[] = [];
    const snapshots: { atSec: number; served: Record<string, number>; cached: Set<string>; endpointInFlight: number }[] = [];
    let kills = 0;
    let restarts = 0;
    let outages = 0;
    let done = false;
    const t1 = Date.now();
    const now = () => (Date.now() - t1) / 1000;
    const note = (what: string) => {
      events.push({ atSec: now(), what });
      log(`[+${now().toFixed(1)} s] ${what}`);
    };

    await startEvaluation({ config, runId: dist.runId, taskQueue: dist.taskQueue, client, settings: dist.settings });
    log(`disturbed run ${dist.runId} (bucket ${dist.bucket}): started; faults on ${(opts.faultRate * 100).toFixed(0)} % of requests; ` +
      `${timeline.filter((e) => e.kind === 'temporal').length} Temporal restarts, ${opts.minioOutageSec} s MinIO outage, worker kills every ${opts.workerKillEverySec[0]}–${opts.workerKillEverySec[1]} s`);

    const chaos = (async () => {
      for (const ev of timeline) {
        while (!done && now() < ev.at) await sleep(200);
        if (done) {
          if (ev.kind !== 'kill') skipped.push(`${ev.kind === 'temporal' ? 'Temporal restart' : 'MinIO outage'} planned at +${ev.at.toFixed(1)} s: the run had already finished`);
          continue;
        }
        if (ev.kind === 'kill') {
          const pid = pool.pid();
          const endpointInFlight = theDemo.stats().inFlight;
          await pool.killAndReplace(async () => {
            // The killed worker is gone: whatever was served but is not cached now was lost with it.
            const served = theDemo.stats().servedByPayload;
            const cached = await cacheView.refresh();
            snapshots.push({ atSec: now(), served, cached, endpointInFlight });
          });
          kills++;
          note(`SIGKILL worker pid ${pid} (${endpointInFlight} requests in flight at the endpoint); new worker pid ${pool.pid()}`);
        } else if (ev.kind === 'temporal') {
          note('Temporal server: stopping');
          await theStack.restartTemporal();
          restarts++;
          note('Temporal server: started again (same SQLite file)');
        } else {
          note('MinIO: stopping');
          await theStack.stopMinio();
          await sleep(opts.minioOutageSec * 1000);
          await theStack.startMinio();
          outages++;
          note(`MinIO: started again after ${opts.minioOutageSec} s down`);
        }
      }
    })();
    const distStatus = await waitForClose(client, dist.runId, 6 * 3600_000);
    done = true;
    const distWall = (Date.now() - t1) / 1000;
    await chaos;
    await pool.stop();
    theDemo.setFaults([]);
    const distStats = theDemo.stats();
    log(`disturbed run: ${distStatus} in ${distWall.toFixed(1)} s, ${distStats.requests} requests, ${distStats.succeeded} responses served`);

    // ---- 3. checks -------------------------------------------------------------------------
    const checks: ChaosCheck[] = [];
    const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
    check('both runs completed', baseStatus === 'COMPLETED' && distStatus === 'COMPLETED', `baseline ${baseStatus}, disturbed ${distStatus}`);

    for (const ctx of [base, dist]) {
      const problems: string[] = [];
      let rows = 0;
      for (const t of tasks) {
        const scores = await readScores(ctx.store, ctx.runId, t.task);
        rows += scores.length;
        const perUnit = new Map<string, number>();
        for (const s of scores) perUnit.set(`${s.sample_id}#${s.repeat}`, (perUnit.get(`${s.sample_id}#${s.repeat}`) ?? 0) + 1);
        const twice = [...perUnit.values()].filter((n) => n > 1).length;
        const expected = t.samples * t.repeats;
        if (perUnit.size !== expected) problems.push(`${t.task}: ${perUnit.size} of ${expected} units scored`);
        if (twice) problems.push(`${t.task}: ${twice} units scored more than once`);
        const badRepeat = scores.filter((s) => !(s.repeat >= 0 && s.repeat < t.repeats)).length;
        if (badRepeat) problems.push(`${t.task}: ${badRepeat} rows with a repeat index out of range`);
      }
      check(`${ctx === base ? 'baseline' : 'disturbed'}: every sample × repeat scored exactly once`, problems.length === 0, problems.length ? problems.join('; ') : `${rows} score rows for ${units} units`);
    }

    const differing: string[] = [];
    for (const t of tasks) {
      const a = await base.store.getJson<NemoResults>(keys.results(base.runId, t.task));
      const b = await dist.store.getJson<NemoResults>(keys.results(dist.runId, t.task));
      if (!a || !b || !isDeepStrictEqual(comparableResults(a), comparableResults(b))) differing.push(t.task);
    }
    const resultsIdentical = differing.length === 0;
    check('results.json identical to the undisturbed run', resultsIdentical, resultsIdentical ? `${tasks.map((t) => t.task).join(', ')}: metric values equal` : `differ (or missing): ${differing.join(', ')}`);

    const index = await payloadIndex(dist.store, dist.runId, plan.tasks);
    const unknown = Object.keys(distStats.servedByPayload).filter((h) => !index.has(h)).length;
    const unanswered = [...index.keys()].filter((h) => (distStats.servedByPayload[h] ?? 0) < opts.repeats).length;
    check('every request the endpoint served belongs to the run; every payload answered', unknown === 0 && unanswered === 0,
      `${index.size} distinct payloads; ${unknown} served payloads unknown to the run; ${unanswered} payloads answered fewer than ${opts.repeats} times`);

    const finalCache = await cacheView.refresh();
    const missing = [...index.values()].flatMap((e) => e.cache).filter((c) => !finalCache.has(c)).length;
    check('the cache view sees every unit checkpointed (the kill accounting reads the real cache)', missing === 0,
      `${finalCache.size} request hashes in the cache, ${missing} of the run's units not found`);
    const surplus = surplusOf(distStats.servedByPayload, opts.repeats, index);
    const perKill: KillRecord[] = [];
    let previous = 0;
    for (const s of snapshots) {
      const u = unchecked(s.served, s.cached, index);
      perKill.push({ atSec: s.atSec, lostInFlight: u - previous, endpointInFlight: s.endpointInFlight });
      previous = u;
    }
    const explainedByKills = Math.min(surplus.single, perKill.reduce((acc, k) => acc + Math.min(concurrencyPerKill, Math.max(0, k.lostInFlight)), 0));
    const unexplained = surplus.single - explainedByKills + surplus.sharedBeyond;
    check('baseline: no call paid twice', baseSurplus.single + baseSurplus.sharedBeyond === 0,
      `surplus ${baseSurplus.total}: ${baseSurplus.sharedCopies} are other samples sending the same prompt verbatim, ${baseSurplus.single + baseSurplus.sharedBeyond} unexplained`);
    check('disturbed: no completed call paid twice', unexplained === 0,
      `surplus ${surplus.total} successful responses (on ${surplus.payloads} payloads): ${explainedByKills} lost in flight at a SIGKILL ` +
        `(≤ ${concurrencyPerKill} per kill), ${surplus.sharedCopies} other samples sending the same prompt verbatim, ${unexplained} unexplained (target 0)`);

    const killsOk = opts.maxWorkerKills !== undefined ? kills === opts.maxWorkerKills : kills >= 1;
    check('every planned disruption happened during the run',
      killsOk && restarts === opts.temporalRestarts && outages === (opts.minioOutageSec > 0 ? 1 : 0) && (opts.faultRate === 0 || Object.values(distStats.faults).some((n) => n > 0)),
      `${kills} worker kills${opts.maxWorkerKills !== undefined ? ` of ${opts.maxWorkerKills}` : ''}, ${restarts}/${opts.temporalRestarts} Temporal restarts, ` +
        `${outages} MinIO outage(s), ${Object.values(distStats.faults).reduce((a, b) => a + b, 0)} injected faults` + (skipped.length ? `; skipped: ${skipped.join('; ')}` : ''));

    const ok = checks.every((c) => c.ok);
    const report: ChaosReport = {
      ok,
      checks,
      tasks,
      units,
      settings: { parallelism, latencyMs, shardSize, requestTimeoutSec: REQUEST_TIMEOUT_SEC, maxRetries: MAX_RETRIES, heartbeatTimeoutSec: HEARTBEAT_TIMEOUT_SEC, activityAttempts: ACTIVITY_ATTEMPTS, faultRate: opts.faultRate, seed: opts.seed },
      baseline: { runId: base.runId, bucket: base.bucket, wallSec: baseWall, requests: baseStats.requests, served: baseStats.succeeded, surplus: baseSurplus.total, sharedPromptCopies: baseSurplus.sharedCopies, faults: baseStats.faults },
      disturbed: { runId: dist.runId, bucket: dist.bucket, wallSec: distWall, requests: distStats.requests, served: distStats.succeeded, surplus: surplus.total, sharedPromptCopies: surplus.sharedCopies, faults: distStats.faults },
      disruptions: { workerKills: kills, workerExitsUnasked: pool.unasked + basePool.unasked, temporalRestarts: restarts, minioOutages: outages, minioOutageSec: opts.minioOutageSec, skipped, events },
      surplus: { total: surplus.total, payloadsAffected: surplus.payloads, concurrencyPerKill, explainedByKills, unexplained, perKill },
      resultsIdentical,
      wallRatio: distWall / baseWall,
      dir: workDir,
      text: '',
    };
    report.text = formatReport(report);
    passed = ok;
    return report;
  } finally {
    for (const p of pools) await p.stop().catch(() => undefined);
    await demo?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    if (passed && !opts.keepDir) fs.rmSync(workDir, { recursive: true, force: true });
    else log(`chaos: data and logs kept in ${workDir}`);
  }
}

export function formatReport(r: ChaosReport): string {
  const faults = Object.entries(r.disturbed.faults).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const lines = [
    '== evalflow chaos report ==',
    `data         ${r.tasks.map((t) => `${t.task} ${t.samples}`).join(' + ')} samples × ${r.tasks[0]?.repeats ?? 0} repeats = ${r.units} model calls per run`,
    `settings     parallelism ${r.settings.parallelism}/task, demo latency ${r.settings.latencyMs} ms, shard ${r.settings.shardSize} units, request_timeout ${r.settings.requestTimeoutSec} s, ` +
      `max_retries ${r.settings.maxRetries}, heartbeat ${r.settings.heartbeatTimeoutSec} s, ${r.settings.activityAttempts} attempts, seed ${r.settings.seed}`,
    `baseline     ${r.baseline.wallSec.toFixed(1)} s, ${r.baseline.served} responses served, surplus ${r.baseline.surplus} (${r.baseline.sharedPromptCopies} on shared prompts)`,
    `disturbed    ${r.disturbed.wallSec.toFixed(1)} s, ${r.disturbed.requests} requests, ${r.disturbed.served} responses served`,
    `disruptions  ${r.disruptions.workerKills} worker SIGKILLs, ${r.disruptions.temporalRestarts} Temporal restarts, ${r.disruptions.minioOutages} MinIO outage(s) of ${r.disruptions.minioOutageSec} s, ` +
      `${r.disruptions.workerExitsUnasked} workers exited unasked`,
    `faults       ${(r.settings.faultRate * 100).toFixed(0)} % of requests: ${faults}`,
    `paid twice   surplus ${r.surplus.total} (${r.surplus.payloadsAffected} payloads); lost in flight at a kill ${r.surplus.explainedByKills} ` +
      `(≤ ${r.surplus.concurrencyPerKill} per kill; per kill: ${r.surplus.perKill.map((k) => k.lostInFlight).join(', ') || '—'}); ` +
      `same prompt, other sample ${r.disturbed.sharedPromptCopies}; unexplained ${r.surplus.unexplained}`,
    `results      ${r.resultsIdentical ? 'identical' : 'DIFFERENT'} to the undisturbed run`,
    `wall time    disturbed / undisturbed = ${r.wallRatio.toFixed(2)}`,
    'timeline',
    ...r.disruptions.events.map((e) => `  +${e.atSec.toFixed(1).padStart(6)} s  ${e.what}`),
    'checks',
    ...r.checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`),
    r.ok ? 'ALL CHECKS PASSED' : 'SOME CHECKS FAILED',
  ];
  return lines.join('\n');
}

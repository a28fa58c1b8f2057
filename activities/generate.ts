/**
 * generate: one activity per shard; every (sample, repeat) unit is one cached,
 * checkpointed model call (activities/calls.ts). The shard's JSONL is written
 * last and, when present, is the answer (idempotence).
 */
import { secretFromEnv } from '../lib/config/settings';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { buildPayload, makeClient } from '../lib/engine/endpoint';
import { type ModelResponse } from '../lib/records/artifacts';
import { keys } from '../lib/records/keys';
import type { ResolvedTask } from '../lib/records/types';
import type { Benchmark, ConversationIO, NextRequest } from '../benchmarks/types';
import type { TurnResponse } from '../lib/records/messages';
import { sha256 } from '../lib/engine/hash';
import { beatEveryMs, keepBeating } from '../lib/engine/heartbeat';
import type { ArtifactStore } from '../lib/engine/store';
import { type CallBatchOptions, type CallBatchStats, type CacheState, joinEndpoint, type RoleControl, runCachedCalls } from './calls';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import { liveEndpoint } from '../lib/engine/deploy';
import { benchmarkFor, promptOptions } from './prepare';
import { type PreparedSample } from '../lib/records/artifacts';
import { TaskLog } from './tasklog';
import type { GenerationRecord } from '../lib/records/artifacts';

export interface GenerateInput {
  run_id: string;
  task: ResolvedTask;
  shard: number;
  /** The task's parallelism when this shard was scheduled (used when `control` is absent). */
  concurrency: number;
  /** The task's live controls for its model calls (the newest reach the gate through the endpoint's limiter). */
  control?: RoleControl;
  /** Task queue of the endpoint limiter workflow (the task workflow's queue); absent: a local gate. */
  limiter_queue?: string;
}

/** What a benchmark's scorer sees of a generation. */
export function turnOf(r: Pick<ModelResponse, 'content' | 'tool_calls' | 'finish_reason'>): TurnResponse {
  return { content: r.content, finish_reason: r.finish_reason, ...(r.tool_calls ? { tool_calls: r.tool_calls } : {}) };
}

export interface GenerateResult {
  units: number;
  /** Units answered by the endpoint in this execution. */
  called: number;
  /** Units replayed from the cache. */
  cached: number;
  retries: number;
}

/**
 * The endpoint to call: for a model the run deployed, the address its deploy
 * worker reported (lib/engine/deploy.ts), waiting, heartbeating, while the
 * deployment (re)starts; other endpoints as they are.
 */
export async function deployedAddress<E extends ResolvedTask['endpoint']>(store: ActivityDeps['store'], runId: string, endpoint: E): Promise<E> {
  if (!endpoint.deployed) return endpoint;
  const ctx = Context.current();
  try {
    return await liveEndpoint(store, runId, endpoint, { beat: () => ctx.heartbeat(), signal: ctx.cancellationSignal, timeoutMs: DEPLOYED_WAIT_MS });
  } catch (e) {
    toActivityFailure(e);
  }
}

/** How long a call activity waits for its run's deployment to serve before failing (and being retried). */
const DEPLOYED_WAIT_MS = 30 * 60_000;

export function clientFor(endpoint: ResolvedTask['endpoint']) {
  try {
    return makeClient(endpoint);
  } catch (e) {
    toActivityFailure(e);
  }
}

export function generateActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function generateShard(input: GenerateInput): Promise<GenerateResult> {
    const { run_id, task, shard } = input;
    const outKey = keys.generationsShard(run_id, task.name, shard);
    try {
      const done = await store.getJsonl<GenerationRecord>(outKey);
      if (done) return { units: done.length, called: 0, cached: done.length, retries: 0 };
    } catch (e) {
      toActivityFailure(e);
    }

    const log = new TaskLog(store, run_id, task.name, `generate-${String(shard).padStart(5, '0')}`);
    const attempt = Context.current().info.attempt;
    if (attempt > 1) log.info(`shard ${shard}: attempt ${attempt}, resuming from the response cache`);
    try {
      const samples = await store.getJsonl<PreparedSample>(keys.samplesShard(run_id, task.name, shard));
      if (!samples) {
        throw ApplicationFailure.nonRetryable(`samples of shard ${shard} are missing in the store (${keys.samplesShard(run_id, task.name, shard)})`, 'InvalidInput');
      }
      // A deployed model: the address its deploy worker reports now (waits while it restarts).
      const endpoint = await deployedAddress(store, run_id, task.endpoint);
      const client = clientFor(endpoint);
      const units: { sample: PreparedSample; repeat: number }[] = [];
      for (const sample of samples) for (let r = 0; r < task.params.num_repeats; r++) units.push({ sample, repeat: r });

      const joined = joinEndpoint('model', input, task.endpoint, task.price, log);
      const batch: CallBatchOptions = {
        store,
        client,
        endpoint,
        timeoutMs: task.params.request_timeout * 1000,
        maxRetries: task.params.max_retries,
        concurrency: input.concurrency,
        log,
        writer: `${run_id}-${task.name}-${shard}-${attempt}`,
        gate: joined,
        labels: { role: 'model', task: task.name },
      };
      const bench = benchmarkFor(task.benchmark);
      let records: GenerationRecord[];
      let stats: CallBatchStats;
      try {
        if (bench.conversation) {
          ({ records, stats } = await generateConversations(bench, task, units, batch, log, conversationIO(store, task.benchmark)));
        } else {
          const done = await runCachedCalls(
            units.map(({ sample, repeat }) => ({
              payload: buildPayload(task.endpoint, task.params, sample.messages, sample.tools),
              repeat,
              index: sample.index,
              label: `sample ${sample.id} repeat ${repeat}`,
            })),
            batch,
          );
          stats = done.stats;
          records = done.outcomes.map((o, i) => ({
            ...o.response!,
            sample_id: units[i].sample.id,
            index: units[i].sample.index,
            repeat: units[i].repeat,
            request_hash: o.request_hash,
            cached: o.cached,
          }));
        }
      } finally {
        joined.done();
      }
      await store.putJsonl(outKey, records);
      log.info(`shard ${shard}: ${units.length} units (${stats.called} called, ${stats.cached} from cache, ${stats.retries} retries)`);
      return { units: units.length, ...stats };
    } catch (e) {
      if (Context.current().cancellationSignal.aborted) throw e;
      toActivityFailure(e);
    } finally {
      await log.flush();
    }
  }

  return { generateShard };
}

/** A conversation's external I/O, each result stored once under cache/tools/ and replayed from there. */
function conversationIO(store: ArtifactStore, benchmark: string): ConversationIO {
  const pending = new Map<string, Promise<string>>();
  return {
    env: (name) => secretFromEnv(name),
    cached(key, compute) {
      const objectKey = keys.toolCache(benchmark, sha256(key));
      let p = pending.get(objectKey);
      if (!p) {
        p = (async () => {
          const hit = await store.getJson<{ key: string; value: string }>(objectKey);
          if (hit && hit.key === key) return hit.value;
          const value = await compute();
          await store.putJson(objectKey, { key, value, created_at: new Date().toISOString() });
          return value;
        })();
        pending.set(objectKey, p);
        p.catch(() => pending.delete(objectKey));
      }
      return p;
    },
  };
}

/**
 * Multi-call units in rounds: every unit still talking makes its next call in
 * the same batch (same cache, checkpoints, retries and controls as single
 * calls). The benchmark derives each next request from the responses so far,
 * so a retried shard replays the earlier calls from the cache and reaches the
 * same requests — no call is paid twice.
 */
async function generateConversations(
  bench: Benchmark,
  task: ResolvedTask,
  units: { sample: PreparedSample; repeat: number }[],
  batch: CallBatchOptions,
  log: TaskLog,
  io: ConversationIO,
): Promise<{ records: GenerationRecord[]; stats: CallBatchStats }> {
  const conversation = bench.conversation!;
  const options = promptOptions(task);
  const cacheState: CacheState = { responses: new Map(), blocks: new Set() };
  const stats: CallBatchStats = { called: 0, cached: 0, retries: 0 };
  const state = units.map((u) => ({
    responses: [] as ModelResponse[],
    hashes: [] as string[],
    allCached: true,
    limited: false,
    next: { messages: u.sample.messages, ...(u.sample.tools ? { tools: u.sample.tools } : {}) } as NextRequest | null,
  }));
  for (let round = 0; ; round++) {
    const active = state.map((s, i) => ({ s, i })).filter(({ s }) => s.next !== null);
    if (!active.length) break;
    const done = await runCachedCalls(
      active.map(({ s, i }) => ({
        payload: buildPayload(task.endpoint, task.params, s.next!.messages, s.next!.tools),
        repeat: units[i].repeat,
        index: units[i].sample.index,
        label: `sample ${units[i].sample.id} repeat ${units[i].repeat} call ${round + 1}`,
      })),
      { ...batch, cacheState },
    );
    stats.called += done.stats.called;
    stats.cached += done.stats.cached;
    stats.retries += done.stats.retries;
    // Between rounds a benchmark may do slow I/O (a web search, a page fetch): keep heartbeating.
    const ctx = Context.current();
    const stopBeating = keepBeating((d) => ctx.heartbeat(d), () => ({ round: round + 1, units: units.length }), beatEveryMs(ctx.info.heartbeatTimeoutMs));
    await Promise.all(
      active.map(async ({ s, i }, k) => {
        const o = done.outcomes[k];
        s.responses.push(o.response!);
        s.hashes.push(o.request_hash);
        s.allCached &&= o.cached;
        if (s.responses.length >= conversation.maxTurns) {
          s.next = null;
          s.limited = true;
          log.warn(`sample ${units[i].sample.id} repeat ${units[i].repeat}: stopped at ${conversation.maxTurns} calls (the benchmark's bound)`);
          return;
        }
        s.next = await conversation.next(units[i].sample, s.responses.map(turnOf), options, io);
      }),
    ).finally(stopBeating);
  }
  const records = state.map((s, i): GenerationRecord => {
    const last = s.responses[s.responses.length - 1];
    const sum = (f: (r: ModelResponse) => number | null) => s.responses.reduce<number | null>((a, r) => (f(r) === null ? a : (a ?? 0) + f(r)!), null);
    return {
      ...last,
      prompt_tokens: sum((r) => r.prompt_tokens),
      completion_tokens: sum((r) => r.completion_tokens),
      reasoning_tokens: sum((r) => r.reasoning_tokens ?? null),
      latency_ms: sum((r) => r.latency_ms) ?? 0,
      attempts: sum((r) => r.attempts) ?? s.responses.length,
      sample_id: units[i].sample.id,
      index: units[i].sample.index,
      repeat: units[i].repeat,
      request_hash: s.hashes[s.hashes.length - 1],
      cached: s.allCached,
      turns: s.responses,
      ...(s.limited ? { turn_limit_reached: true } : {}),
    };
  });
  return { records, stats };
}

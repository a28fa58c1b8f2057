/**
 * Cached, checkpointed model calls: the one loop behind generation and
 * judging (docs/architecture.md, invariants 2 and 3).
 *
 * The response cache is content-addressed — an entry is found by the sha256
 * of the exact request payload, route and repeat index — and stored in
 * checkpoint segments rather than one object per response:
 *
 *   cache/calls/<family>/<block>/<writer>-<seq>.jsonl
 *
 * `family` hashes everything in the payload except the prompt (model, sampling
 * settings, extra body), `block` is the sample's dataset index divided by 64.
 * A shard reads the segments of its blocks once when it starts (a LIST per
 * block, no lookup per call) and keeps a map from request hash to response; a
 * retried shard, a resumed run, and a re-run of the same config with another
 * shard size or sample limit all find their responses there. The lookup is by
 * content within the sample's block: a prompt that a dataset repeats word for
 * word at a distant position (MMLU-Pro has 64 such pairs) is one call per copy.
 *
 * A response counts as finished only once its segment is written (group
 * commit: responses that finish while a write is under way go out together in
 * the next one). So a hard kill of the worker loses at most the calls of the
 * lanes still running — never one that was acknowledged — while a fast model
 * at high concurrency costs one store write per batch, not per call.
 */
import { Context } from '@temporalio/activity';
import { setMaxListeners } from 'node:events';
import type OpenAI from 'openai';
import { callModel, PermanentEndpointError, type RequestPayload } from '../lib/engine/endpoint';
import { type ModelResponse } from '../lib/records/artifacts';
import { canonicalJson, requestHash, sha256 } from '../lib/engine/hash';
import { CheckpointWriter, readSegments, type SegmentStore } from '../lib/engine/checkpoint';
import { beatEveryMs, keepBeating } from '../lib/engine/heartbeat';
import { BoundedPool } from '../lib/engine/pool';
import { keys } from '../lib/records/keys';
import type { EndpointSpec } from '../lib/records/types';
import type { EndpointGate } from '../lib/engine/gate';
import { consumerKey, type TokenPrice } from '../lib/records/limits';
import { coordinatorFor } from './coordination';
import type { Client } from '@temporalio/client';
import type { TaskLog } from './tasklog';
import { telemetry, type CallLabels } from '../lib/engine/telemetry';

/** Sample indices per cache block. */
export const CACHE_BLOCK = 64;

export interface CallSpec {
  payload: RequestPayload;
  /** Repeat index (generation) or judge attempt: part of the cache key. */
  repeat: number;
  /** Dataset index of the sample: locates the cache block. */
  index: number;
  /** For log lines, e.g. "sample 12 repeat 0". */
  label: string;
}

export interface CallOutcome {
  response?: ModelResponse;
  /** Set when the call failed transiently past its retries and the caller asked to tolerate that. */
  error?: string;
  request_hash: string;
  cached: boolean;
}

interface CacheEntry {
  request_hash: string;
  model_id: string;
  created_at: string;
  response: ModelResponse;
}

export interface CallBatchOptions {
  /** The artifact store (ArtifactStore), or any store of segments. */
  store: SegmentStore;
  client: OpenAI;
  endpoint: EndpointSpec;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  log: Pick<TaskLog, 'warn'>;
  /** Names this writer's segments (e.g. run, task, shard, attempt). */
  writer: string;
  /** Record transient failures per call instead of stopping the batch (judging). */
  tolerateTransient?: boolean;
  /** The endpoint's gate and this batch's consumer (joinEndpoint): every attempt takes a slot there. */
  gate?: { gate: EndpointGate; key: string };
  /**
   * A cache view kept across batches of one activity (the rounds of multi-call
   * units): blocks already read are not listed again, new responses are added.
   */
  cacheState?: CacheState;
  /** Role and task, for evalflow's metrics (calls, retries, cache hits, tokens, in flight). */
  labels?: CallLabels;
}

export interface CacheState {
  responses: Map<string, ModelResponse>;
  blocks: Set<string>;
}

/** A task's controls for one role, as the task workflow gave them to the activity. */
export interface RoleControl {
  paused: boolean;
  /** Requests of the role in flight at most, over every worker (the task's parallelism, or the judge's). */
  parallelism: number;
  /** Grows with every change of the task's controls (the newest wins at the limiter). */
  seq: number;
  budget_usd?: number;
}

/**
 * Join the endpoint's limits as one consumer (one role of one task of one run):
 * the process's gate for the endpoint (activities/coordination.ts). Live
 * controls (pause, resume, setParallelism, a budget) reach the gate through
 * the endpoint's limiter, which the task workflow tells: no query per shard.
 * Without a limiter queue (a bare activity test) the gate is local and the
 * controls are the ones given.
 */
export function joinEndpoint(
  role: 'model' | 'judge',
  input: { run_id: string; task: { name: string }; concurrency: number; control?: RoleControl; limiter_queue?: string },
  endpoint: EndpointSpec,
  price: TokenPrice | undefined,
  log: Pick<TaskLog, 'warn'>,
): { gate: EndpointGate; key: string; done: () => void } {
  const ctx = Context.current();
  let client: Client | undefined;
  try {
    client = input.limiter_queue ? ctx.client : undefined;
  } catch {
    client = undefined; // no client in this context (a bare activity test): a local gate
  }
  const control = input.control ?? { paused: false, parallelism: input.concurrency, seq: 0 };
  const key = consumerKey(input.run_id, input.task.name, role);
  const joined = coordinatorFor(client).use(
    { url: endpoint.url, model_id: endpoint.model_id },
    endpoint.limits ?? {},
    key,
    {
      run_id: input.run_id,
      cap: control.parallelism,
      paused: control.paused,
      seq: control.seq,
      price: price ? { input_per_million: price.input_per_million, output_per_million: price.output_per_million } : null,
      ...(control.budget_usd !== undefined ? { budget_usd: control.budget_usd } : {}),
    },
    { client, queue: input.limiter_queue ?? ctx.info.taskQueue, warn: (m) => log.warn(m) },
  );
  return { ...joined, key };
}

export interface CallBatchStats {
  called: number;
  cached: number;
  retries: number;
}

/** Everything in a request except the prompt: calls of one task configuration share it. */
export function callFamily(route: string, payload: RequestPayload): string {
  const { messages: _m, prompt: _p, ...rest } = payload;
  return sha256(canonicalJson({ route, rest })).slice(0, 32);
}

function blockPrefix(family: string, index: number): string {
  return keys.callCacheBlock(family, Math.floor(index / CACHE_BLOCK));
}

/**
 * Run the calls with bounded concurrency (lib/engine/pool.ts) and checkpoint
 * each paid response (lib/engine/checkpoint.ts): a call counts as finished
 * only once its segment is written. Permanent errors (and, unless tolerated,
 * transient ones past their retries) stop new calls from starting; calls in
 * flight finish and are checkpointed; then the first error is thrown. A failed
 * segment write stops new calls the same way: its responses are queued again,
 * written by the final flush, and the attempt fails with the write's error
 * (the retried shard replays what was written).
 */
export async function runCachedCalls(
  calls: readonly CallSpec[],
  opts: CallBatchOptions,
): Promise<{ outcomes: CallOutcome[]; stats: CallBatchStats }> {
  const ctx = Context.current();
  // Every call in flight listens on the activity's cancellation signal.
  setMaxListeners(10_000, ctx.cancellationSignal);
  const route = opts.endpoint.type;
  const located = calls.map((c) => {
    const hash = requestHash(route, c.payload, c.repeat);
    return { hash, prefix: blockPrefix(callFamily(route, c.payload), c.index) };
  });
  const state = opts.cacheState ?? { responses: new Map<string, ModelResponse>(), blocks: new Set<string>() };
  const unread = new Set(located.map((l) => l.prefix).filter((p) => !state.blocks.has(p)));
  if (unread.size) {
    for (const e of await readSegments<CacheEntry>(opts.store, unread)) state.responses.set(e.request_hash, e.response);
    for (const p of unread) state.blocks.add(p);
  }
  const cache = state.responses;

  const outcomes: CallOutcome[] = new Array(calls.length);
  const stats: CallBatchStats = { called: 0, cached: 0, retries: 0 };

  // Stops the pool on cancellation or on a failed checkpoint write (whose responses
  // go back in the queue: closing the writer is the flush that writes them).
  const stop = new AbortController();
  setMaxListeners(10_000, stop.signal); // every call waiting at the gate listens on it
  const onCancel = () => stop.abort(ctx.cancellationSignal.reason);
  if (ctx.cancellationSignal.aborted) onCancel();
  else ctx.cancellationSignal.addEventListener('abort', onCancel);
  // Group commit of finished responses: one segment per block per write, a write as soon as none is under way.
  const checkpoints = new CheckpointWriter<CacheEntry>({
    store: opts.store,
    name: opts.writer,
    onWriteFailed: (e) => {
      stop.abort(e);
      void checkpoints.close().catch(() => undefined);
    },
  });

  let pushedBack = 0;
  let pushBackSince = 0;
  const pushBack = (reason: string) => {
    pushedBack++;
    const now = Date.now();
    if (now - pushBackSince < 10_000) return;
    const limit = opts.gate!.gate.currentLimit;
    opts.log.warn(`the endpoint pushed back ${pushedBack} time(s) (last: ${reason.slice(0, 120)}); retried, concurrency limit now ${limit}`);
    pushedBack = 0;
    pushBackSince = now;
  };

  // Identical requests in flight at the same time (the same prompt in two samples of a
  // block, or the shared opening of many conversations) are paid once: later ones wait.
  const flying = new Map<string, Promise<ModelResponse>>();
  const one = async (i: number) => {
    const { payload, label } = calls[i];
    const { hash, prefix } = located[i];
    const hit = cache.get(hash);
    if (hit) {
      stats.cached++;
      if (opts.labels) telemetry.cacheHit(opts.labels);
      outcomes[i] = { response: hit, request_hash: hash, cached: true };
      return;
    }
    try {
      const leader = flying.get(hash);
      if (leader) {
        const response = await leader;
        stats.cached++;
        if (opts.labels) telemetry.cacheHit(opts.labels);
        outcomes[i] = { response, request_hash: hash, cached: true };
        return;
      }
      const paid = (async () => {
        const response = await callModel(opts.client, opts.endpoint, payload, {
          timeoutMs: opts.timeoutMs,
          maxRetries: opts.maxRetries,
          signal: ctx.cancellationSignal,
          ...(opts.labels ? { labels: opts.labels } : {}),
          // A call still waiting for its slot when the batch stops (a failure, a cancellation) never starts.
          ...(opts.gate ? { acquire: () => opts.gate!.gate.acquire(opts.gate!.key, stop.signal) } : {}),
          onRetry: ({ attempt, delayMs, reason }) => {
            stats.retries++;
            // Under a gate, 429/503 are back-pressure the concurrency adapts to: one summary line per 10 s, not one per call.
            if (opts.gate && /^HTTP (429|503)\b/.test(reason)) pushBack(reason);
            else opts.log.warn(`${label}: retry ${attempt} in ${delayMs} ms after ${reason}`);
          },
        });
        // Acknowledged only once checkpointed: from here on this call is never paid for again.
        await checkpoints.add(prefix, { request_hash: hash, model_id: opts.endpoint.model_id, created_at: new Date().toISOString(), response });
        cache.set(hash, response); // the same call later in this batch (or in the next round) is a cache hit
        return response;
      })();
      flying.set(hash, paid);
      let response: ModelResponse;
      try {
        response = await paid;
      } finally {
        flying.delete(hash);
      }
      stats.called++;
      outcomes[i] = { response, request_hash: hash, cached: false };
    } catch (e) {
      if (!opts.tolerateTransient || e instanceof PermanentEndpointError || stop.signal.aborted) {
        // The first failure stops the batch: calls waiting at the gate give up their turn (calls in flight finish).
        if (!stop.signal.aborted) stop.abort(e);
        throw e;
      }
      const msg = e instanceof Error ? e.message : String(e);
      opts.log.warn(`${label}: gave up: ${msg}`);
      outcomes[i] = { error: msg, request_hash: hash, cached: false };
    }
  };

  // With a gate every call waits there (first come, first served with the other shards
  // on this endpoint); the gate holds the limits and the live controls. Calls in flight always finish.
  const pool = new BoundedPool({ limit: opts.gate ? Math.max(1, calls.length) : opts.concurrency, signal: stop.signal });
  const stopBeating = keepBeating((d) => ctx.heartbeat(d), () => ({ done: pool.done, total: calls.length }), beatEveryMs(ctx.info.heartbeatTimeoutMs));
  try {
    await pool.run(calls.length, one);
    await checkpoints.close();
  } catch (e) {
    await checkpoints.close().catch(() => undefined);
    opts.log.warn(`stopped after ${pool.done}/${calls.length} calls (finished ones are cached): ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  } finally {
    stopBeating();
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
  }
  return { outcomes, stats };
}

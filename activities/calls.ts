/**
 * Cached, checkpointed model calls: the one loop behind generation and
 * judging. Every call is first looked up in the content-addressed response
 * cache; only a miss reaches the endpoint, and the response is written to the
 * cache the moment it arrives — that write is the checkpoint that makes a
 * retried shard, a resumed run or a re-run replay instead of pay (DESIGN.md
 * invariants 2 and 3).
 */
import { Context } from '@temporalio/activity';
import type OpenAI from 'openai';
import { callModel, type ModelResponse, PermanentEndpointError, type RequestPayload } from '../lib/endpoint';
import { requestHash } from '../lib/hash';
import { type ArtifactStore, keys } from '../lib/store';
import type { EndpointSpec } from '../lib/types';
import type { TaskLog } from './tasklog';

export interface CallSpec {
  payload: RequestPayload;
  /** Repeat index (generation) or judge attempt: part of the cache key. */
  repeat: number;
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

interface CachedResponse {
  request_hash: string;
  model_id: string;
  created_at: string;
  response: ModelResponse;
}

export interface CallBatchOptions {
  store: ArtifactStore;
  client: OpenAI;
  endpoint: EndpointSpec;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  log: TaskLog;
  /** Record transient failures per call instead of stopping the batch (judging). */
  tolerateTransient?: boolean;
}

export interface CallBatchStats {
  called: number;
  cached: number;
  retries: number;
}

/**
 * Run the calls with bounded concurrency. Permanent errors (and, unless
 * tolerated, transient ones past their retries) stop new calls from starting;
 * calls in flight finish and are cached; then the first error is thrown.
 */
export async function runCachedCalls(
  calls: readonly CallSpec[],
  opts: CallBatchOptions,
): Promise<{ outcomes: CallOutcome[]; stats: CallBatchStats }> {
  const ctx = Context.current();
  const outcomes: CallOutcome[] = new Array(calls.length);
  const stats: CallBatchStats = { called: 0, cached: 0, retries: 0 };
  let finished = 0;
  let next = 0;
  let fatal: unknown = null;

  const one = async (i: number) => {
    const { payload, repeat, label } = calls[i];
    const hash = requestHash(opts.endpoint.type, payload, repeat);
    const cacheKey = keys.cachedResponse(hash);
    const hit = await opts.store.getJson<CachedResponse>(cacheKey);
    if (hit) {
      stats.cached++;
      outcomes[i] = { response: hit.response, request_hash: hash, cached: true };
      return;
    }
    try {
      const response = await callModel(opts.client, opts.endpoint, payload, {
        timeoutMs: opts.timeoutMs,
        maxRetries: opts.maxRetries,
        signal: ctx.cancellationSignal,
        onRetry: ({ attempt, delayMs, reason }) => {
          stats.retries++;
          opts.log.warn(`${label}: retry ${attempt} in ${delayMs} ms after ${reason}`);
        },
      });
      // Checkpoint before anything else: from here on this call is never paid for again.
      const entry: CachedResponse = { request_hash: hash, model_id: opts.endpoint.model_id, created_at: new Date().toISOString(), response };
      await opts.store.putJson(cacheKey, entry);
      stats.called++;
      outcomes[i] = { response, request_hash: hash, cached: false };
    } catch (e) {
      if (!opts.tolerateTransient || e instanceof PermanentEndpointError || ctx.cancellationSignal.aborted) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      opts.log.warn(`${label}: gave up: ${msg}`);
      outcomes[i] = { error: msg, request_hash: hash, cached: false };
    }
  };

  const lane = async () => {
    while (fatal === null && next < calls.length) {
      const i = next++;
      try {
        await one(i);
        finished++;
        ctx.heartbeat({ done: finished, total: calls.length });
      } catch (e) {
        if (fatal === null) fatal = e;
      }
    }
  };

  // Heartbeat on a clock too, not only per finished call: a shard waiting on a
  // slow model or on the store is alive and must not be handed to another worker.
  const beatMs = Math.max(500, Math.min(10_000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
  const beat = setInterval(() => ctx.heartbeat({ done: finished, total: calls.length }), beatMs);
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, calls.length)) }, lane));
  } finally {
    clearInterval(beat);
  }
  if (fatal !== null) {
    const e: unknown = fatal;
    opts.log.warn(`stopped after ${finished}/${calls.length} calls (finished ones are cached): ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
  return { outcomes, stats };
}

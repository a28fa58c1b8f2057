/**
 * generate: one activity per shard. Every (sample, repeat) unit is first
 * looked up in the content-addressed response cache; only a miss calls the
 * endpoint, and the response is written to the cache the moment it arrives.
 * That write is the checkpoint: a shard retried after a crash, a resumed run
 * or a re-run with the same config replays finished units and pays for none
 * of them again (invariants 2 and 3). The shard's JSONL is written last.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  buildPayload,
  callModel,
  makeClient,
  type ModelResponse,
  PermanentEndpointError,
  TransientEndpointError,
} from '../lib/endpoint';
import { requestHash } from '../lib/hash';
import { keys } from '../lib/store';
import type { ResolvedTask } from '../lib/types';
import { type ActivityDeps, rethrowStore } from './deps';
import type { PreparedSample } from './prepare';
import { TaskLog } from './tasklog';

export interface GenerateInput {
  run_id: string;
  task: ResolvedTask;
  shard: number;
  /** Concurrent requests inside this shard. */
  concurrency: number;
}

export interface GenerationRecord extends Omit<ModelResponse, 'attempts'> {
  sample_id: string;
  index: number;
  repeat: number;
  request_hash: string;
  /** Attempts of the original call (retries included). */
  attempts: number;
  /** True when the response came from the cache instead of the endpoint. */
  cached: boolean;
}

export interface GenerateResult {
  units: number;
  /** Units answered by the endpoint in this execution. */
  called: number;
  /** Units replayed from the cache. */
  cached: number;
  retries: number;
}

interface CachedResponse {
  request_hash: string;
  model_id: string;
  created_at: string;
  response: ModelResponse;
}

export function generateActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function generateShard(input: GenerateInput): Promise<GenerateResult> {
    const { run_id, task, shard } = input;
    const outKey = keys.generationsShard(run_id, task.name, shard);
    const ctx = Context.current();
    try {
      const done = await store.getJsonl<GenerationRecord>(outKey);
      if (done) return { units: done.length, called: 0, cached: done.length, retries: 0 };
    } catch (e) {
      rethrowStore(e);
    }

    const log = new TaskLog(store, run_id, task.name, `generate-${String(shard).padStart(5, '0')}`);
    if (ctx.info.attempt > 1) log.info(`shard ${shard}: attempt ${ctx.info.attempt}, resuming from the response cache`);
    try {
      const samples = await store.getJsonl<PreparedSample>(keys.samplesShard(run_id, task.name, shard));
      if (!samples) {
        throw ApplicationFailure.nonRetryable(`samples of shard ${shard} are missing in the store (${keys.samplesShard(run_id, task.name, shard)})`, 'InvalidInput');
      }
      let client;
      try {
        client = makeClient(task.endpoint);
      } catch (e) {
        if (e instanceof PermanentEndpointError) throw ApplicationFailure.nonRetryable(e.message, 'PermanentEndpointError');
        throw e;
      }
      const units: { sample: PreparedSample; repeat: number }[] = [];
      for (const sample of samples) for (let r = 0; r < task.params.num_repeats; r++) units.push({ sample, repeat: r });

      const records: (GenerationRecord | undefined)[] = new Array(units.length);
      const stats = { called: 0, cached: 0, retries: 0 };
      let finished = 0;
      let next = 0;
      let fatal: unknown = null;

      const runUnit = async (i: number) => {
        const { sample, repeat } = units[i];
        const payload = buildPayload(task.endpoint, task.params, sample.messages);
        const hash = requestHash(task.endpoint.type, payload, repeat);
        const cacheKey = keys.cachedResponse(hash);
        const hit = await store.getJson<CachedResponse>(cacheKey);
        let response: ModelResponse;
        if (hit) {
          response = hit.response;
          stats.cached++;
        } else {
          response = await callModel(client, task.endpoint, payload, {
            timeoutMs: task.params.request_timeout * 1000,
            maxRetries: task.params.max_retries,
            signal: ctx.cancellationSignal,
            onRetry: ({ attempt, delayMs, reason }) => {
              stats.retries++;
              log.warn(`sample ${sample.id} repeat ${repeat}: retry ${attempt} in ${delayMs} ms after ${reason}`);
            },
          });
          // Checkpoint before anything else: from here on this call is never paid for again.
          const entry: CachedResponse = { request_hash: hash, model_id: task.endpoint.model_id, created_at: new Date().toISOString(), response };
          await store.putJson(cacheKey, entry);
          stats.called++;
        }
        records[i] = {
          ...response,
          sample_id: sample.id,
          index: sample.index,
          repeat,
          request_hash: hash,
          cached: !!hit,
        };
        finished++;
        ctx.heartbeat({ done: finished, total: units.length });
      };

      const lane = async () => {
        while (fatal === null && next < units.length) {
          const i = next++;
          try {
            await runUnit(i);
          } catch (e) {
            // Stop starting new units; in-flight ones finish and are cached.
            if (fatal === null) fatal = e;
          }
        }
      };
      // Heartbeat on a clock too, not only per finished unit: a shard waiting on a
      // slow model or on the store is alive and must not be handed to another worker.
      const beatMs = Math.max(500, Math.min(10_000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
      const beat = setInterval(() => ctx.heartbeat({ done: finished, total: units.length }), beatMs);
      const lanes = Math.max(1, Math.min(input.concurrency, units.length));
      try {
        await Promise.all(Array.from({ length: lanes }, lane));
      } finally {
        clearInterval(beat);
      }

      if (fatal !== null) {
        const e: unknown = fatal;
        log.warn(`shard ${shard}: stopped after ${finished}/${units.length} units (kept in the cache): ${e instanceof Error ? e.message : String(e)}`);
        if (ctx.cancellationSignal.aborted) throw e;
        if (e instanceof PermanentEndpointError) throw ApplicationFailure.nonRetryable(e.message, 'PermanentEndpointError');
        if (e instanceof TransientEndpointError) throw ApplicationFailure.retryable(e.message, 'TransientEndpointError');
        rethrowStore(e);
      }
      await store.putJsonl(outKey, records);
      log.info(`shard ${shard}: ${units.length} units (${stats.called} called, ${stats.cached} from cache, ${stats.retries} retries)`);
      return { units: units.length, ...stats };
    } catch (e) {
      rethrowStore(e);
    } finally {
      await log.flush();
    }
  }

  return { generateShard };
}

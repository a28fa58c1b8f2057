/**
 * generate: one activity per shard; every (sample, repeat) unit is one cached,
 * checkpointed model call (activities/calls.ts). The shard's JSONL is written
 * last and, when present, is the answer (idempotence).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { buildPayload, makeClient, type ModelResponse, PermanentEndpointError, TransientEndpointError } from '../lib/endpoint';
import { keys } from '../lib/store';
import type { ResolvedTask } from '../lib/types';
import { followControls, runCachedCalls } from './calls';
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

/** Map endpoint errors to Temporal failures: permanent ones are never retried. */
export function toActivityFailure(e: unknown): never {
  if (e instanceof PermanentEndpointError) throw ApplicationFailure.nonRetryable(e.message, 'PermanentEndpointError');
  if (e instanceof TransientEndpointError) throw ApplicationFailure.retryable(e.message, 'TransientEndpointError');
  rethrowStore(e);
}

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
      rethrowStore(e);
    }

    const log = new TaskLog(store, run_id, task.name, `generate-${String(shard).padStart(5, '0')}`);
    const attempt = Context.current().info.attempt;
    if (attempt > 1) log.info(`shard ${shard}: attempt ${attempt}, resuming from the response cache`);
    try {
      const samples = await store.getJsonl<PreparedSample>(keys.samplesShard(run_id, task.name, shard));
      if (!samples) {
        throw ApplicationFailure.nonRetryable(`samples of shard ${shard} are missing in the store (${keys.samplesShard(run_id, task.name, shard)})`, 'InvalidInput');
      }
      const client = clientFor(task.endpoint);
      const units: { sample: PreparedSample; repeat: number }[] = [];
      for (const sample of samples) for (let r = 0; r < task.params.num_repeats; r++) units.push({ sample, repeat: r });

      const controls = followControls('shard', input.concurrency);
      const { outcomes, stats } = await runCachedCalls(
        units.map(({ sample, repeat }) => ({
          payload: buildPayload(task.endpoint, task.params, sample.messages),
          repeat,
          index: sample.index,
          label: `sample ${sample.id} repeat ${repeat}`,
        })),
        {
          store,
          client,
          endpoint: task.endpoint,
          timeoutMs: task.params.request_timeout * 1000,
          maxRetries: task.params.max_retries,
          concurrency: input.concurrency,
          log,
          writer: `${run_id}-${task.name}-${shard}-${attempt}`,
          control: controls.get,
        },
      ).finally(controls.stop);
      const records: GenerationRecord[] = outcomes.map((o, i) => ({
        ...o.response!,
        sample_id: units[i].sample.id,
        index: units[i].sample.index,
        repeat: units[i].repeat,
        request_hash: o.request_hash,
        cached: o.cached,
      }));
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

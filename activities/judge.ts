/**
 * judge: one activity per shard, on the judge task queue, for benchmarks a
 * second model grades (HLE). Same cached, checkpointed calls as generation.
 * A judge reply that cannot be parsed is asked again (a new, separately
 * cached call: the attempt index is part of its cache key, so a resumed or
 * repeated run replays every reply and never pays a re-ask twice), and a
 * judge that keeps failing is recorded as a judge error — never as a wrong
 * answer in evalflow's own score (docs/architecture.md, invariant 5). The reference
 * harnesses judge once: the verdict they would give the FIRST reply
 * (`JudgeVerdict.reference`) is kept as `reference_correct` for the metric
 * carrying their name. A judge that never replies (transport failure after
 * retries) gives no verdict of either kind.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { buildPayload } from '../lib/engine/endpoint';
import { keys } from '../lib/records/keys';
import type { GenerationParams, ResolvedTask } from '../lib/records/types';
import { joinEndpoint, type RoleControl, runCachedCalls } from './calls';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import { clientFor, deployedAddress } from './generate';
import { type GenerationRecord } from '../lib/records/artifacts';
import { benchmarkFor } from './prepare';
import { type PreparedSample } from '../lib/records/artifacts';
import { TaskLog } from './tasklog';
import type { JudgementRecord } from '../lib/records/artifacts';

/** Times an unparseable judge reply is asked for again before it counts as a judge error. */
export const JUDGE_PARSE_ATTEMPTS = 3;

export interface JudgeInput {
  run_id: string;
  task: ResolvedTask;
  shard: number;
  /** The judge's parallelism when this shard was scheduled (used when `control` is absent). */
  concurrency: number;
  /** The task's live controls for its judge calls. */
  control?: RoleControl;
  /** Task queue of the endpoint limiter workflow; absent: a local gate. */
  limiter_queue?: string;
}

export interface JudgeResult {
  units: number;
  judged: number;
  judge_errors: number;
}

function summarize(rows: JudgementRecord[]): JudgeResult {
  const errors = rows.filter((r) => r.judge_error !== undefined).length;
  return { units: rows.length, judged: rows.length - errors, judge_errors: errors };
}

export function judgeActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function judgeShard(input: JudgeInput): Promise<JudgeResult> {
    const { run_id, task, shard } = input;
    const outKey = keys.judgementsShard(run_id, task.name, shard);
    try {
      const done = await store.getJsonl<JudgementRecord>(outKey);
      if (done) return summarize(done);
    } catch (e) {
      toActivityFailure(e);
    }
    const judge = task.judge;
    const bench = benchmarkFor(task.benchmark);
    const spec = bench.kind === 'judged' ? bench.judge : undefined;
    if (!judge || !spec) {
      throw ApplicationFailure.nonRetryable(`task ${task.name} has no judge configured (params.extra.judge) or its benchmark is not judged`, 'ConfigError');
    }
    const log = new TaskLog(store, run_id, task.name, `judge-${String(shard).padStart(5, '0')}`);
    try {
      const samples = await store.getJsonl<PreparedSample>(keys.samplesShard(run_id, task.name, shard));
      const gens = await store.getJsonl<GenerationRecord>(keys.generationsShard(run_id, task.name, shard));
      if (!samples || !gens) {
        throw ApplicationFailure.nonRetryable(`shard ${shard} of ${task.name} has no ${!samples ? 'samples' : 'generations'} to judge`, 'InvalidInput');
      }
      const byId = new Map(samples.map((s) => [s.id, s]));
      const params: GenerationParams = {
        parallelism: judge.parallelism,
        request_timeout: judge.request_timeout,
        max_retries: judge.max_retries,
        num_repeats: 1,
        max_new_tokens: judge.max_new_tokens,
        temperature: judge.temperature,
        top_p: judge.top_p,
      };
      const endpoint = await deployedAddress(store, run_id, judge.endpoint);
      const client = clientFor(endpoint);
      const records: JudgementRecord[] = gens.map((g) => ({
        sample_id: g.sample_id,
        repeat: g.repeat,
        correct: null,
        judge_calls: 0,
        judge_usage: { calls: 0, cached_calls: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0 },
      }));
      let pending = records.map((_, i) => i);
      for (let attempt = 0; attempt < JUDGE_PARSE_ATTEMPTS && pending.length; attempt++) {
        const calls = pending.map((i) => {
          const sample = byId.get(gens[i].sample_id);
          if (!sample) throw ApplicationFailure.nonRetryable(`generation for unknown sample ${gens[i].sample_id}`, 'InvalidInput');
          // The attempt index is part of the cache key: a re-ask is a new call, and a replay sees the same sequence.
          return { payload: buildPayload(judge.endpoint, params, spec.prompt(sample, gens[i].content)), repeat: attempt, index: gens[i].index, label: `judge sample ${gens[i].sample_id} repeat ${gens[i].repeat}` };
        });
        const joined = joinEndpoint('judge', input, judge.endpoint, judge.price, log);
        const { outcomes } = await runCachedCalls(calls, {
          store,
          client,
          endpoint,
          timeoutMs: judge.request_timeout * 1000,
          maxRetries: judge.max_retries,
          concurrency: input.concurrency,
          log,
          writer: `${run_id}-${task.name}-judge-${shard}-${Context.current().info.attempt}-${attempt}`,
          tolerateTransient: true,
          gate: joined,
          labels: { role: 'judge', task: task.name },
        }).finally(joined.done);
        const still: number[] = [];
        outcomes.forEach((o, j) => {
          const rec = records[pending[j]];
          rec.judge_calls++;
          rec.request_hash = o.request_hash;
          if (o.error !== undefined || !o.response) {
            rec.judge_error = `judge call failed: ${o.error}`;
            return;
          }
          const u = rec.judge_usage!;
          u.calls++;
          if (o.cached) u.cached_calls++;
          u.prompt_tokens += o.response.prompt_tokens ?? 0;
          u.completion_tokens += o.response.completion_tokens ?? 0;
          u.reasoning_tokens += o.response.reasoning_tokens ?? 0;
          if (attempt > 0 && rec.first_judge_response === undefined && rec.judge_response !== undefined) rec.first_judge_response = rec.judge_response;
          rec.judge_response = o.response.content;
          const verdict = spec.parse(o.response.content);
          if (attempt === 0) {
            if (verdict.reference !== undefined) rec.reference_correct = verdict.reference;
            if (verdict.details) rec.details = verdict.details;
          }
          if (verdict.correct === null) {
            rec.judge_error = `judge reply could not be parsed after ${rec.judge_calls} attempt(s)`;
            still.push(pending[j]);
            return;
          }
          delete rec.judge_error;
          rec.correct = verdict.correct;
          if (verdict.details) rec.details = verdict.details;
          else delete rec.details;
        });
        pending = still;
      }
      await store.putJsonl(outKey, records);
      const result = summarize(records);
      log.info(`shard ${shard}: ${result.judged} judged, ${result.judge_errors} judge errors`);
      return result;
    } catch (e) {
      if (Context.current().cancellationSignal.aborted) throw e;
      toActivityFailure(e);
    } finally {
      await log.flush();
    }
  }

  return { judgeShard };
}

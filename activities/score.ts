/**
 * score: per shard, extract and score every response with the benchmark's
 * pure functions. aggregate: all scores → metrics → results.json (NeMo shape)
 * and metrics.json (response statistics). Both idempotent by key.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { computeMetrics } from '../lib/engine/metrics';
import type { TaskMetrics } from '../lib/records/artifacts';
import { keys } from '../lib/records/keys';
import type { ResolvedTask, TaskSummary, TaskUsage, TokenUsage } from '../lib/records/types';
import { addUsage, describeUsage, emptyUsage, taskUsage, usageOfResponse } from '../lib/engine/cost';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import { turnOf } from './generate';
import { type GenerationRecord } from '../lib/records/artifacts';
import type { UnitResponse } from '../lib/records/messages';
import type { JudgementRecord } from '../lib/records/artifacts';
import { scorerVersionOf } from '../benchmarks/index';
import { EVALFLOW_VERSION } from '../lib/engine/version';
import { benchmarkFor } from './prepare';
import { type PrepareResult, type PreparedSample } from '../lib/records/artifacts';
import { TaskLog } from './tasklog';
import { MathGraderSetupError } from '../lib/engine/math/verify';
import type { ScoreRecord, NemoResults } from '../lib/records/artifacts';

export interface ScoreResult {
  units: number;
  correct: number;
  no_answer: number;
}

export interface ShardInput {
  run_id: string;
  task: ResolvedTask;
  shard: number;
}

export interface AggregateInput {
  run_id: string;
  task: ResolvedTask;
  prepared: PrepareResult;
}

export function summarize(rows: ScoreRecord[]): ScoreResult {
  return {
    units: rows.length,
    correct: rows.filter((r) => r.correct).length,
    no_answer: rows.filter((r) => r.predicted === null).length,
  };
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/**
 * Response statistics for metrics.json, accumulated shard by shard so a task
 * of any size never holds its responses in memory at once.
 */
export class ResponseStats {
  private readonly latencies: number[] = [];
  private responses = 0;
  private fromCache = 0;
  private retries = 0;
  private unfinished = 0;
  private withReasoning = 0;
  private promptTotal = 0;
  private completionTotal = 0;
  private reasoningTotal = 0;
  /** Model calls (a multi-call unit counts each call) and tokens, for usage and cost. */
  private usage: TokenUsage = emptyUsage();
  private replayedCalls = 0;
  private judgeUsage: TokenUsage | null = null;
  private judgeReplayed = 0;
  private readonly finish: Record<string, number> = {};

  add(g: GenerationRecord): void {
    this.responses++;
    if (g.cached) this.fromCache++;
    else this.latencies.push(g.latency_ms);
    this.retries += Math.max(0, g.attempts - 1);
    if (g.reasoning_unfinished) this.unfinished++;
    if (g.reasoning !== null) this.withReasoning++;
    this.promptTotal += g.prompt_tokens ?? 0;
    this.completionTotal += g.completion_tokens ?? 0;
    this.reasoningTotal += g.reasoning_tokens ?? 0;
    const calls = g.turns?.length ?? 1;
    this.usage = addUsage(this.usage, { ...usageOfResponse(g), calls });
    if (g.cached) this.replayedCalls += calls;
    const f = g.finish_reason ?? 'unknown';
    this.finish[f] = (this.finish[f] ?? 0) + 1;
  }

  /** A judged task's judgements (records written before judge_usage existed count their calls, without tokens). */
  addJudgement(j: JudgementRecord): void {
    const u = j.judge_usage;
    this.judgeUsage = addUsage(
      this.judgeUsage ?? emptyUsage(),
      u ? { calls: u.calls, prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, reasoning_tokens: u.reasoning_tokens } : { ...emptyUsage(), calls: j.judge_calls },
    );
    this.judgeReplayed += u?.cached_calls ?? 0;
  }

  /** Tokens and cost of the task (results.json `usage`). */
  taskUsage(task: ResolvedTask): TaskUsage {
    return taskUsage(
      { usage: this.usage, replayed: this.replayedCalls, price: task.price ?? null },
      task.judge ? { usage: this.judgeUsage ?? emptyUsage(), replayed: this.judgeReplayed, price: task.judge.price ?? null } : undefined,
    );
  }

  result() {
    const l = [...this.latencies].sort((a, b) => a - b);
    const n = this.responses || 1;
    return {
      responses: this.responses,
      from_cache: this.fromCache,
      retries: this.retries,
      reasoning_unfinished: this.unfinished,
      with_reasoning: this.withReasoning,
      tokens: {
        prompt_total: this.promptTotal,
        completion_total: this.completionTotal,
        prompt_mean: this.promptTotal / n,
        completion_mean: this.completionTotal / n,
        /** Part of completion_total (0 when the endpoint does not report reasoning tokens). */
        reasoning_total: this.reasoningTotal,
      },
      latency_ms: {
        count: l.length,
        mean: l.length ? l.reduce((a, b) => a + b, 0) / l.length : null,
        p50: quantile(l, 0.5),
        p90: quantile(l, 0.9),
        p99: quantile(l, 0.99),
        max: l.length ? l[l.length - 1] : null,
      },
      finish_reasons: this.finish,
    };
  }
}

/** A stored generation as the benchmark's scorer sees it. */
export function unitResponse(g: GenerationRecord): UnitResponse {
  return { ...turnOf(g), ...(g.turns ? { turns: g.turns.map(turnOf) } : {}) };
}

export function headlineOf(metrics: TaskMetrics): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [m, group] of Object.entries(metrics)) {
    out[m] = {};
    for (const [s, v] of Object.entries(group.scores)) out[m][s] = v.value;
  }
  return out;
}

export function scoreActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function scoreShard(input: ShardInput): Promise<ScoreResult> {
    const { run_id, task, shard } = input;
    const outKey = keys.scoresShard(run_id, task.name, shard);
    try {
      const done = await store.getJsonl<ScoreRecord>(outKey);
      if (done) return summarize(done);
      const bench = benchmarkFor(task.benchmark);
      if (bench.kind === 'executed') {
        throw ApplicationFailure.nonRetryable(`${task.name} is scored by running code: its shards go to the sandbox activity (sandboxScoreShard), not scoreShard`, 'InvalidInput');
      }
      const samples = await store.getJsonl<PreparedSample>(keys.samplesShard(run_id, task.name, shard));
      const gens = await store.getJsonl<GenerationRecord>(keys.generationsShard(run_id, task.name, shard));
      if (!samples || !gens) {
        throw ApplicationFailure.nonRetryable(`shard ${shard} of ${task.name} has no ${!samples ? 'samples' : 'generations'} in the store`, 'InvalidInput');
      }
      let judgements: Map<string, JudgementRecord> | null = null;
      if (bench.kind === 'judged') {
        const rows = await store.getJsonl<JudgementRecord>(keys.judgementsShard(run_id, task.name, shard));
        if (!rows) throw ApplicationFailure.nonRetryable(`shard ${shard} of ${task.name} is not judged yet`, 'InvalidInput');
        judgements = new Map(rows.map((j) => [`${j.sample_id}#${j.repeat}`, j]));
      }
      const byId = new Map(samples.map((s) => [s.id, s]));
      const rows: ScoreRecord[] = [];
      for (const g of gens) {
        const sample = byId.get(g.sample_id);
        if (!sample) throw ApplicationFailure.nonRetryable(`generation for unknown sample ${g.sample_id} in shard ${shard}`, 'InvalidInput');
        const base = { sample_id: g.sample_id, repeat: g.repeat, subset: sample.subset, expected: sample.expected, finish_reason: g.finish_reason };
        if (bench.kind !== 'judged') {
          const s = await bench.score(g.content, sample, undefined, unitResponse(g));
          rows.push({ ...base, predicted: s.predicted, correct: s.correct, ...(s.details ? { details: s.details } : {}) });
          continue;
        }
        const j = judgements?.get(`${g.sample_id}#${g.repeat}`);
        const reference = j?.reference_correct !== undefined ? { reference_correct: j.reference_correct } : {};
        if (!j || j.correct === null) {
          const judge_error = j?.judge_error ?? 'no judgement recorded';
          if (j?.reference_correct !== undefined) {
            // Out of evalflow's own score, but the reference judged this response once: score it with that verdict.
            const s = await bench.score(g.content, sample, { correct: j.reference_correct, details: j.details }, unitResponse(g));
            rows.push({ ...base, predicted: s.predicted, correct: s.correct, ...(s.details ? { details: s.details } : {}), judge_error, ...reference });
          } else {
            rows.push({ ...base, predicted: null, correct: false, judge_error });
          }
          continue;
        }
        const s = await bench.score(g.content, sample, { correct: j.correct, details: j.details }, unitResponse(g));
        rows.push({ ...base, predicted: s.predicted, correct: s.correct, ...(s.details ? { details: s.details } : {}), ...reference });
      }
      await store.putJsonl(outKey, rows);
      return summarize(rows);
    } catch (e) {
      if (e instanceof MathGraderSetupError) {
        // Not a wrong answer and not transient: this worker cannot score until its host is set up.
        // The generations stay stored, so a resume after the fix scores them without model calls.
        throw ApplicationFailure.nonRetryable(`${task.name} cannot be scored on this worker: ${e.message}`, 'ConfigError');
      }
      toActivityFailure(e);
    }
  }

  async function aggregateTask(input: AggregateInput): Promise<TaskSummary> {
    const { run_id, task, prepared } = input;
    const resultsKey = keys.results(run_id, task.name);
    const log = new TaskLog(store, run_id, task.name, 'aggregate');
    try {
      const existing = await store.getJson<NemoResults>(resultsKey);
      if (existing) {
        const done = existing.results.tasks[task.name];
        return { task: task.name, status: 'completed', results_key: resultsKey, headline: headlineOf(done.metrics), ...(done.usage ? { usage: done.usage } : {}) };
      }
      // Shard by shard: keep the score rows the metrics need, fold the responses into statistics.
      const scores: ScoreRecord[] = [];
      const stats = new ResponseStats();
      for (let s = 0; s < prepared.shards; s++) {
        const rows = await store.getJsonl<ScoreRecord>(keys.scoresShard(run_id, task.name, s));
        const g = await store.getJsonl<GenerationRecord>(keys.generationsShard(run_id, task.name, s));
        if (!rows || !g) throw ApplicationFailure.nonRetryable(`shard ${s} of ${task.name} is not scored yet`, 'InvalidInput');
        for (const r of rows) {
          // Only what the metrics read; the full rows stay in the store.
          const unit: ScoreRecord = { sample_id: r.sample_id, repeat: r.repeat, subset: r.subset, predicted: r.predicted, correct: r.correct, expected: '', finish_reason: null };
          if (r.details !== undefined) unit.details = r.details;
          if (r.judge_error !== undefined) unit.judge_error = r.judge_error;
          if (r.reference_correct !== undefined) unit.reference_correct = r.reference_correct;
          scores.push(unit);
        }
        for (const x of g) stats.add(x);
        if (task.judge) {
          const j = await store.getJsonl<JudgementRecord>(keys.judgementsShard(run_id, task.name, s));
          for (const x of j ?? []) stats.addJudgement(x);
        }
      }
      const usage = stats.taskUsage(task);
      const bench = benchmarkFor(task.benchmark);
      const judgeErrors = scores.filter((s) => s.judge_error !== undefined).length;
      let computed: ReturnType<NonNullable<typeof bench.metrics>>;
      if (bench.metrics) {
        computed = bench.metrics(scores, prepared.repeats);
      } else {
        // A sample whose judge failed is left out of accuracy, never counted as wrong.
        const failed = new Set(scores.filter((s) => s.judge_error !== undefined).map((s) => s.sample_id));
        computed = computeMetrics(scores.filter((s) => !failed.has(s.sample_id)), prepared.repeats);
      }
      const { metrics, subsets } = computed;
      const notRun = computed.not_run && Object.keys(computed.not_run).length ? computed.not_run : undefined;
      if (notRun) log.warn(`not run: ${Object.entries(notRun).map(([k, why]) => `${k} (${why})`).join('; ')}`);
      if (judgeErrors) {
        const withReference = scores.some((s) => s.reference_correct !== undefined);
        log.warn(
          `${judgeErrors} responses could not be judged; they are reported as judge_errors and left out of evalflow's own accuracy` +
            (withReference ? " (the reference-named score counts what the reference makes of each response's first judge reply)" : ''),
        );
      }
      const results: NemoResults = {
        results: {
          tasks: { [task.name]: { metrics, ...(bench.kind === 'judged' ? { judge_errors: judgeErrors } : {}), ...(notRun ? { not_run: notRun } : {}), usage } },
          ...(Object.keys(subsets).length
            ? { groups: Object.fromEntries(Object.entries(subsets).map(([k, v]) => [`${task.name}/${k}`, { metrics: v }])) }
            : {}),
        },
        config: {
          task: task.name,
          benchmark: task.benchmark,
          scorer_version: scorerVersionOf(task.benchmark),
          evalflow_version: EVALFLOW_VERSION,
          model_id: task.endpoint.model_id,
          endpoint_type: task.endpoint.type,
          params: task.params,
          samples: prepared.samples,
          repeats: prepared.repeats,
          dataset: prepared.dataset,
        },
      };
      await store.putJson(keys.metrics(run_id, task.name), { task: task.name, ...stats.result(), usage });
      await store.putJson(resultsKey, results);
      log.info(`aggregated ${scores.length} scored units into ${resultsKey}`);
      log.info(`usage: ${describeUsage(usage)}`);
      return { task: task.name, status: 'completed', results_key: resultsKey, headline: headlineOf(metrics), usage };
    } catch (e) {
      toActivityFailure(e);
    } finally {
      await log.flush();
    }
  }

  return { scoreShard, aggregateTask };
}

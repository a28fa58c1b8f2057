/**
 * evaluationTask: one task of a run, in steps —
 *
 *   sandbox preflight (code tasks, first execution only)
 *   prepare            dataset → sample shards (or the prepare result carried over)
 *   shards             generate (→ judge) → score, a bounded window of shards at once
 *   continue as new    when history grows large, with every shard below the watermark done
 *   aggregate          scores → results.json, the summary
 *
 * LiveTask holds what changes while the task runs (controls, progress) and
 * shows it: the progress and control queries, search attributes, the
 * workflow's current details.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  isCancellation,
  setCurrentDetails,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SA, type RunStatusValue } from '../lib/records/search-attributes';
import type { PrepareResult } from '../lib/records/artifacts';
import type { PriceEntry, TaskControl, TaskInput, TaskProgress, TaskSummary } from '../lib/records/types';
import { serveTaskControls } from './controls';
import { consumerSignal } from './limiter';
import { consumerKey, limiterWorkflowId, type ConsumerSettings } from '../lib/records/limits';
import { rootMessage } from './failures';
import { generation, judging, orchestration, sandboxCheck, sandboxing, sandboxQueue, sandboxWait, scoring } from './options';

/** Above this many history events a task continues as new at the next shard boundary. */
export const HISTORY_EVENTS_BEFORE_CONTINUE = 2000;

/** State carried across continue-as-new: every shard below next_shard is scored. */
export interface TaskState {
  prepared: PrepareResult;
  next_shard: number;
  units_done: number;
  control?: { paused: boolean; parallelism: number; budget_usd?: number; seq?: number };
}

/** A task's live controls; `seq` grows with every change (the endpoint limiters keep the newest). */
interface Controls {
  paused: boolean;
  parallelism: number;
  budget_usd?: number;
  seq: number;
}

/** A task's live state and how it is shown: queries, search attributes, current details. */
class LiveTask {
  readonly control: Controls;
  readonly progress: TaskProgress;
  // ETA from this execution's own pace (workflow time is deterministic and fine for a query).
  private readonly startedAt: number;
  private readonly unitsAtStart: number;

  constructor(
    private readonly input: TaskInput,
    state: TaskState | undefined,
  ) {
    const { task } = input;
    this.control = {
      paused: state?.control?.paused ?? input.control?.paused ?? false,
      parallelism: state?.control?.parallelism ?? input.control?.parallelism ?? task.params.parallelism,
      seq: state?.control?.seq ?? 0,
    };
    const budget = state ? state.control?.budget_usd : input.control?.budget_usd ?? input.execution.budget_usd;
    if (budget !== undefined) this.control.budget_usd = budget;
    this.progress = {
      task: task.name,
      phase: 'preparing',
      samples: state?.prepared.samples ?? 0,
      repeats: task.params.num_repeats,
      units_done: state?.units_done ?? 0,
      units_total: state?.prepared.units ?? 0,
      shards_done: state?.next_shard ?? 0,
      shards_total: state?.prepared.shards ?? 0,
    };
    this.startedAt = Date.now();
    this.unitsAtStart = this.progress.units_done;
  }

  /** The progress query's answer: with an ETA while generating. */
  progressNow(): TaskProgress {
    const progress = this.progress;
    const done = progress.units_done - this.unitsAtStart;
    const elapsedS = (Date.now() - this.startedAt) / 1000;
    const running = progress.phase === 'generating' && done > 0 && elapsedS > 0;
    return running ? { ...progress, eta_seconds: Math.round((progress.units_total - progress.units_done) / (done / elapsedS)) } : progress;
  }

  /**
   * The control query's answer. The task's parallelism bounds its requests in
   * flight over all its shards and workers (the endpoint's gate and limiter),
   * not a slice per shard: a shard with only stragglers left holds no lanes.
   */
  controls(): TaskControl {
    const { judge } = this.input.task;
    return { paused: this.control.paused, parallelism: this.control.parallelism, shard_concurrency: this.control.parallelism, judge_concurrency: judge?.parallelism ?? 1 };
  }

  /** What a shard activity of a role is given: the controls, with the seq that orders them. */
  roleControl(role: 'model' | 'judge'): { paused: boolean; parallelism: number; seq: number; budget_usd?: number } {
    const { paused, seq, budget_usd } = this.control;
    const parallelism = role === 'model' ? this.control.parallelism : this.input.task.judge?.parallelism ?? 1;
    return { paused, parallelism, seq, ...(budget_usd !== undefined ? { budget_usd } : {}) };
  }

  /**
   * A control changed: tell the endpoints' limiters, which pass it to running
   * shards in their next grant (no query per shard). Runs recorded before the
   * limiters existed replay without these signals (patch 'endpoint-limiter').
   */
  changed(): void {
    this.control.seq++;
    if (!patched('endpoint-limiter')) return;
    const { task, run_id } = this.input;
    const roles: Array<['model' | 'judge', { url: string; model_id: string }, PriceEntry | undefined]> = [['model', task.endpoint, task.price]];
    if (task.judge) roles.push(['judge', task.judge.endpoint, task.judge.price]);
    for (const [role, endpoint, p] of roles) {
      const c = this.roleControl(role);
      const price = p ? { input_per_million: p.input_per_million, output_per_million: p.output_per_million } : null;
      const settings: ConsumerSettings = { run_id, cap: c.parallelism, paused: c.paused, seq: c.seq, price, ...(c.budget_usd !== undefined ? { budget_usd: c.budget_usd } : {}) };
      void getExternalWorkflowHandle(limiterWorkflowId(endpoint))
        .signal(consumerSignal, { key: consumerKey(run_id, task.name, role), settings })
        .catch(() => undefined); // no limiter yet: the shards scheduled from now on carry the controls
    }
  }

  /** Search attributes of a running task (when the run sets them). */
  labels(): void {
    const { input, control, progress } = this;
    if (!input.search_attributes) return;
    const status: RunStatusValue = control.paused ? 'Paused' : 'Running';
    upsertSearchAttributes([
      { key: SA.runId, value: input.run_id },
      { key: SA.task, value: input.task.name },
      { key: SA.model, value: input.task.endpoint.model_id },
      { key: SA.config, value: input.config_name ?? 'config' },
      { key: SA.status, value: status },
      { key: SA.samplesDone, value: progress.units_done },
      { key: SA.samplesTotal, value: progress.units_total },
    ]);
  }

  /** A search attribute set outside `labels` (a final status). */
  setAttributes(values: Parameters<typeof upsertSearchAttributes>[0]): void {
    if (this.input.search_attributes) upsertSearchAttributes(values);
  }

  /** The workflow's current details (Temporal UI). */
  details(): void {
    const { input, control, progress } = this;
    setCurrentDetails(
      `**${input.task.name}**: ${control.paused ? 'paused' : progress.phase}, ${progress.units_done}/${progress.units_total} responses scored, ` +
        `parallelism ${control.parallelism}${progress.error ? `\n\nerror: ${progress.error}` : ''}`,
    );
  }

  serve(): void {
    serveTaskControls({
      progress: () => this.progressNow(),
      control: () => this.controls(),
      pause: () => {
        this.control.paused = true;
        this.changed();
        this.labels();
        this.details();
      },
      resume: () => {
        this.control.paused = false;
        this.changed();
        this.labels();
        this.details();
      },
      setParallelism: (parallelism) => {
        if (Number.isInteger(parallelism) && parallelism >= 1) {
          this.control.parallelism = parallelism;
          this.changed();
        }
        this.details();
      },
      setBudget: (budget) => {
        if (budget > 0) {
          this.control.budget_usd = budget;
          this.changed();
        }
        this.details();
      },
    });
  }

  /** Marks the task failed (progress, details) and returns the error that fails it for good. */
  failed(error: string, message: string): ApplicationFailure {
    this.progress.phase = 'failed';
    this.progress.error = error;
    this.details();
    return ApplicationFailure.nonRetryable(message, 'TaskFailed');
  }
}

export async function evaluationTask(input: TaskInput, state?: TaskState): Promise<TaskSummary> {
  const live = new LiveTask(input, state);
  live.serve();
  live.details();
  if (input.task.sandbox && !state) await sandboxPreflight(input, live);
  const prepared = state?.prepared ?? (await orchestration().prepareTask({ run_id: input.run_id, task: input.task, execution: input.execution }));
  Object.assign(live.progress, { samples: prepared.samples, units_total: prepared.units, shards_total: prepared.shards, phase: 'generating' });
  live.labels();
  live.details();

  const { next, failure } = await runShards(input, live, prepared, state?.next_shard ?? 0);

  if (failure !== null) {
    if (isCancellation(failure)) throw failure;
    const error = rootMessage(failure);
    live.setAttributes([{ key: SA.status, value: 'Failed' }]);
    throw live.failed(
      error,
      `task ${input.task.name} failed: ${error}. Completed responses are kept in the cache; fix the cause and run 'evalflow resume ${input.run_id}'.`,
    );
  }
  if (next < prepared.shards) {
    // Every shard below `next` is scored (lanes drained): safe watermark for the new execution.
    await continueAsNew<typeof evaluationTask>(input, { prepared, next_shard: next, units_done: live.progress.units_done, control: { ...live.control } });
  }
  return aggregate(input, live, prepared);
}

/** Before any paid call: a sandbox worker is there, works, and has the benchmark's data. */
async function sandboxPreflight(input: TaskInput, live: LiveTask): Promise<void> {
  const { run_id, task, execution } = input;
  const queue = sandboxQueue(execution);
  try {
    await sandboxCheck(execution).sandboxPreflight({ task });
  } catch (e) {
    if (isCancellation(e)) throw e;
    const timedOut = e instanceof ActivityFailure && e.cause instanceof TimeoutFailure && e.cause.timeoutType === 'SCHEDULE_TO_START';
    const why = timedOut
      ? `no worker serves the sandbox task queue '${queue}' (waited ${sandboxWait(execution)} s): start 'evalflow worker' (without --no-sandbox) or a worker with sandboxPlugin() on that queue`
      : rootMessage(e);
    throw live.failed(why, `task ${task.name} cannot be scored: ${why}. Nothing was sent to the model in this attempt; fix it and run 'evalflow resume ${run_id}'.`);
  }
}

/**
 * The shards from `first` on, `window` lanes at once, each lane generating (and
 * judging) one shard after another; scoring runs beside generation, so a lane
 * starts its next shard's model calls as soon as the last ones are answered.
 * Stops at the first failure, or when history is full (the caller continues as
 * new from `next`: every shard below it is scored once the lanes drained).
 */
async function runShards(input: TaskInput, live: LiveTask, prepared: PrepareResult, first: number): Promise<{ next: number; failure: unknown }> {
  const { run_id, task, execution } = input;
  const gen = generation(execution);
  const sc = scoring();
  const judge = task.judge ? judging(execution) : null;
  const window = Math.max(1, Math.min(execution.shard_parallelism, prepared.shards));
  const limiterQueue = workflowInfo().taskQueue;

  let next = first;
  let failure: unknown = null;
  const historyFull = () => workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE || workflowInfo().continueAsNewSuggested;

  const scorings: Promise<void>[] = [];
  const sandbox = task.sandbox ? sandboxing(execution) : null;
  const score = (shard: number) =>
    (sandbox ? sandbox.sandboxScoreShard({ run_id, task, shard }) : sc.scoreShard({ run_id, task, shard })).then(
      (scored) => {
        live.progress.units_done += scored.units;
        live.progress.shards_done++;
        live.labels();
        live.details();
      },
      (e: unknown) => {
        if (failure === null) failure = e;
      },
    );
  const lane = async () => {
    while (failure === null && next < prepared.shards && !historyFull()) {
      // A paused task schedules no new shard; running shards hold their new calls too.
      await condition(() => !live.control.paused);
      if (failure !== null || next >= prepared.shards || historyFull()) break;
      const shard = next++;
      try {
        await gen.generateShard({ run_id, task, shard, concurrency: live.control.parallelism, control: live.roleControl('model'), limiter_queue: limiterQueue });
        if (judge) await judge.judgeShard({ run_id, task, shard, concurrency: live.controls().judge_concurrency, control: live.roleControl('judge'), limiter_queue: limiterQueue });
        scorings.push(score(shard));
      } catch (e) {
        if (failure === null) failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  await Promise.all(scorings);
  return { next, failure };
}

/** Scores → results.json and metrics.json; the task's summary, also kept in its memo. */
async function aggregate(input: TaskInput, live: LiveTask, prepared: PrepareResult): Promise<TaskSummary> {
  live.progress.phase = 'aggregating';
  live.details();
  const summary = await scoring().aggregateTask({ run_id: input.run_id, task: input.task, prepared });
  live.progress.phase = 'completed';
  live.setAttributes([
    { key: SA.status, value: 'Completed' },
    { key: SA.samplesDone, value: live.progress.units_done },
  ]);
  upsertMemo({ headline: summary.headline ?? {} });
  live.details();
  return summary;
}

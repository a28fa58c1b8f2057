/**
 * evalflow's workflows: the business process of an evaluation run.
 *
 *   evaluationSuite(run)          one per run, workflow id = run id
 *     └─ evaluationTask(task)     one child per task: prepare → generate → score → aggregate
 *
 * Deterministic orchestration only (invariant 6): all I/O happens in
 * activities; history carries keys and counts, never samples (invariant 1).
 * A task's shards run in a bounded window and the task continues as new
 * before its history grows large, so history per execution stays bounded
 * whatever the sample count.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SA, type RunStatusValue } from '../lib/records/search-attributes';
import type { GenerationActivities, JudgingActivities, OrchestrationActivities, SandboxingActivities, ScoringActivities } from '../activities/index';
import type { PrepareResult } from '../lib/records/artifacts';
import type {
  ExecutionSettings,
  SuiteInput,
  SuiteProgress,
  SuiteResult,
  TaskControl,
  TaskInput,
  TaskProgress,
  TaskSummary,
} from '../lib/records/types';

/** Both workflows answer the `progress` query. */
export const suiteProgressQuery = defineQuery<SuiteProgress>('progress');
export const taskProgressQuery = defineQuery<TaskProgress>('progress');
/** The task's live controls; its shard activities poll it. */
export const controlQuery = defineQuery<TaskControl>('control');
/** Results of a finished run (or of the tasks finished so far). */
export const resultsQuery = defineQuery<TaskSummary[]>('results');

/**
 * Live controls, accepted by the suite (forwarded to its running tasks) and by
 * a task directly: pause stops scheduling new model calls (calls in flight
 * finish), resume continues, setParallelism changes a task's concurrency while
 * it runs — for a user who hits rate limits and must not restart.
 */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const setParallelismSignal = defineSignal<[{ parallelism: number; task?: string }]>('setParallelism');

const NON_RETRYABLE = ['ConfigError', 'DatasetError', 'PermanentEndpointError', 'StoreAccessError', 'InvalidInput'];

/** Above this many history events a task continues as new at the next shard boundary. */
export const HISTORY_EVENTS_BEFORE_CONTINUE = 2000;

function orchestration() {
  return proxyActivities<OrchestrationActivities>({
    startToCloseTimeout: '1 hour',
    retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/**
 * Options of the activities that make paid calls (generation, judging): long
 * start-to-close (a shard may take long on a slow model), a dead worker noticed
 * through the heartbeat, and a cancelled run that closes only once its shards
 * stopped calling the endpoint — so a resume right after a cancel never races
 * the old attempt for the same calls.
 */
function callingOptions(execution: ExecutionSettings) {
  return {
    startToCloseTimeout: '7 days',
    heartbeatTimeout: `${execution.heartbeat_timeout} seconds`,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: execution.activity_attempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  } as const;
}

function generation(execution: ExecutionSettings) {
  return proxyActivities<GenerationActivities>(callingOptions(execution));
}

/** Judge activities run on their own task queue so judge workers scale apart. */
function judging(execution: ExecutionSettings) {
  return proxyActivities<JudgingActivities>({
    ...callingOptions(execution),
    taskQueue: execution.judge_task_queue ?? `${workflowInfo().taskQueue}-judge`,
  });
}

/** The sandbox role's task queue (`execution.sandbox_task_queue`, default "<queue>-sandbox"). */
function sandboxQueue(execution: ExecutionSettings): string {
  return execution.sandbox_task_queue ?? `${workflowInfo().taskQueue}-sandbox`;
}

/**
 * Code benchmarks are scored by running the model's programs: on the sandbox
 * task queue, with a heartbeat (a killed sandbox worker is noticed after
 * execution.heartbeat_timeout, as for generation) and patient retries (a
 * broken sandbox host is not a wrong answer).
 */
function sandboxing(execution: ExecutionSettings) {
  return proxyActivities<SandboxingActivities>({
    taskQueue: sandboxQueue(execution),
    startToCloseTimeout: '2 days',
    heartbeatTimeout: `${execution.heartbeat_timeout} seconds`,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/** The sandbox preflight: if no sandbox worker takes it in time (execution.sandbox_wait), say so instead of waiting at scoring. */
function sandboxCheck(execution: ExecutionSettings) {
  return proxyActivities<SandboxingActivities>({
    taskQueue: sandboxQueue(execution),
    scheduleToStartTimeout: `${execution.sandbox_wait ?? 600} seconds`,
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

function scoring() {
  return proxyActivities<ScoringActivities>({
    startToCloseTimeout: '1 hour',
    retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/** The innermost message of a failure chain: what a person needs to read. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  let msg = e instanceof Error ? e.message : String(e);
  while (e instanceof Error && e.cause) {
    e = e.cause;
    if (e instanceof Error && e.message) msg = e.message;
  }
  return msg;
}

/** State carried across continue-as-new: every shard below next_shard is scored. */
export interface TaskState {
  prepared: PrepareResult;
  next_shard: number;
  units_done: number;
  control?: { paused: boolean; parallelism: number };
}

export async function evaluationTask(input: TaskInput, state?: TaskState): Promise<TaskSummary> {
  const { run_id, task, execution } = input;
  const control = {
    paused: state?.control?.paused ?? input.control?.paused ?? false,
    parallelism: state?.control?.parallelism ?? input.control?.parallelism ?? task.params.parallelism,
  };
  const progress: TaskProgress = {
    task: task.name,
    phase: 'preparing',
    samples: state?.prepared.samples ?? 0,
    repeats: task.params.num_repeats,
    units_done: state?.units_done ?? 0,
    units_total: state?.prepared.units ?? 0,
    shards_done: state?.next_shard ?? 0,
    shards_total: state?.prepared.shards ?? 0,
  };
  // ETA from this execution's own pace (workflow time is deterministic and fine for a query).
  const startedAt = Date.now();
  const unitsAtStart = progress.units_done;
  setHandler(taskProgressQuery, () => {
    const done = progress.units_done - unitsAtStart;
    const elapsedS = (Date.now() - startedAt) / 1000;
    const running = progress.phase === 'generating' && done > 0 && elapsedS > 0;
    return running ? { ...progress, eta_seconds: Math.round((progress.units_total - progress.units_done) / (done / elapsedS)) } : progress;
  });
  let window = 1;
  // `parallelism` is the task's total concurrent requests, shared by the shards in flight.
  const controls = (): TaskControl => ({
    ...control,
    shard_concurrency: Math.max(1, Math.ceil(control.parallelism / window)),
    judge_concurrency: task.judge ? Math.max(1, Math.ceil(task.judge.parallelism / window)) : 1,
  });
  setHandler(controlQuery, controls);
  const labels = () => {
    if (!input.search_attributes) return;
    const status: RunStatusValue = control.paused ? 'Paused' : 'Running';
    upsertSearchAttributes([
      { key: SA.runId, value: run_id },
      { key: SA.task, value: task.name },
      { key: SA.model, value: task.endpoint.model_id },
      { key: SA.config, value: input.config_name ?? 'config' },
      { key: SA.status, value: status },
      { key: SA.samplesDone, value: progress.units_done },
      { key: SA.samplesTotal, value: progress.units_total },
    ]);
  };
  const details = () =>
    setCurrentDetails(
      `**${task.name}**: ${control.paused ? 'paused' : progress.phase}, ${progress.units_done}/${progress.units_total} responses scored, ` +
        `parallelism ${control.parallelism}${progress.error ? `\n\nerror: ${progress.error}` : ''}`,
    );
  setHandler(pauseSignal, () => {
    control.paused = true;
    labels();
    details();
  });
  setHandler(resumeSignal, () => {
    control.paused = false;
    labels();
    details();
  });
  setHandler(setParallelismSignal, ({ parallelism }) => {
    if (Number.isInteger(parallelism) && parallelism >= 1) control.parallelism = parallelism;
    details();
  });

  details();
  if (task.sandbox && !state) {
    // Before any paid call: a sandbox worker is there, works, and has the benchmark's data.
    const queue = sandboxQueue(execution);
    try {
      await sandboxCheck(execution).sandboxPreflight({ task });
    } catch (e) {
      if (isCancellation(e)) throw e;
      const timedOut = e instanceof ActivityFailure && e.cause instanceof TimeoutFailure && e.cause.timeoutType === 'SCHEDULE_TO_START';
      const why = timedOut
        ? `no worker serves the sandbox task queue '${queue}' (waited ${execution.sandbox_wait ?? 600} s): start 'evalflow worker' (without --no-sandbox) or a worker with sandboxPlugin() on that queue`
        : rootMessage(e);
      progress.phase = 'failed';
      progress.error = why;
      details();
      throw ApplicationFailure.nonRetryable(`task ${task.name} cannot be scored: ${why}. Nothing was sent to the model in this attempt; fix it and run 'evalflow resume ${run_id}'.`, 'TaskFailed');
    }
  }
  const prepared = state?.prepared ?? (await orchestration().prepareTask({ run_id, task, execution }));
  Object.assign(progress, { samples: prepared.samples, units_total: prepared.units, shards_total: prepared.shards, phase: 'generating' });
  labels();
  details();

  const gen = generation(execution);
  const sc = scoring();
  const judge = task.judge ? judging(execution) : null;
  window = Math.max(1, Math.min(execution.shard_parallelism, prepared.shards));

  let next = state?.next_shard ?? 0;
  let failure: unknown = null;
  const historyFull = () => workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE || workflowInfo().continueAsNewSuggested;

  // Scoring runs beside generation: a lane starts its next shard's model calls as soon as
  // the last ones are answered, instead of waiting for the scores.
  const scorings: Promise<void>[] = [];
  const sandbox = task.sandbox ? sandboxing(execution) : null;
  const score = (shard: number) =>
    (sandbox ? sandbox.sandboxScoreShard({ run_id, task, shard }) : sc.scoreShard({ run_id, task, shard })).then(
      (scored) => {
        progress.units_done += scored.units;
        progress.shards_done++;
        labels();
        details();
      },
      (e: unknown) => {
        if (failure === null) failure = e;
      },
    );
  const lane = async () => {
    while (failure === null && next < prepared.shards && !historyFull()) {
      // A paused task schedules no new shard; running shards hold their new calls too.
      await condition(() => !control.paused);
      if (failure !== null || next >= prepared.shards || historyFull()) break;
      const shard = next++;
      try {
        await gen.generateShard({ run_id, task, shard, concurrency: controls().shard_concurrency });
        if (judge) await judge.judgeShard({ run_id, task, shard, concurrency: controls().judge_concurrency });
        scorings.push(score(shard));
      } catch (e) {
        if (failure === null) failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  await Promise.all(scorings);

  if (failure !== null) {
    if (isCancellation(failure)) throw failure;
    progress.phase = 'failed';
    progress.error = rootMessage(failure);
    if (input.search_attributes) upsertSearchAttributes([{ key: SA.status, value: 'Failed' }]);
    details();
    throw ApplicationFailure.nonRetryable(
      `task ${task.name} failed: ${progress.error}. Completed responses are kept in the cache; ` +
        `fix the cause and run 'evalflow resume ${run_id}'.`,
      'TaskFailed',
    );
  }
  if (next < prepared.shards) {
    // Every shard below `next` is scored (lanes drained): safe watermark for the new execution.
    await continueAsNew<typeof evaluationTask>(input, { prepared, next_shard: next, units_done: progress.units_done, control: { ...control } });
  }

  progress.phase = 'aggregating';
  details();
  const summary = await sc.aggregateTask({ run_id, task, prepared });
  progress.phase = 'completed';
  if (input.search_attributes) upsertSearchAttributes([{ key: SA.status, value: 'Completed' }, { key: SA.samplesDone, value: progress.units_done }]);
  upsertMemo({ headline: summary.headline ?? {} });
  details();
  return summary;
}

export async function evaluationSuite(input: SuiteInput): Promise<SuiteResult> {
  const progress: SuiteProgress = { run_id: input?.run_id ?? workflowInfo().workflowId, phase: 'planning', tasks: [] };
  const summaries: TaskSummary[] = [];
  const control: { paused: boolean; parallelism: Record<string, number> } = { paused: false, parallelism: {} };
  setHandler(suiteProgressQuery, () => progress);
  setHandler(resultsQuery, () => summaries.filter(Boolean));

  const orch = orchestration();
  const plan = await orch.initRun(input);
  const model = plan.tasks[0]?.endpoint.model_id ?? '';
  const setStatus = (status: RunStatusValue) => {
    if (input.search_attributes) {
      upsertSearchAttributes([
        { key: SA.runId, value: plan.run_id },
        { key: SA.model, value: model },
        { key: SA.config, value: plan.config_name },
        { key: SA.status, value: status },
      ]);
    }
  };
  const details = () =>
    setCurrentDetails(
      `run **${plan.run_id}** (${plan.config_name}, model ${model})${control.paused ? ' — paused' : ''}\n\n` +
        progress.tasks.map((t) => `- ${t.task}: ${t.phase}${t.error ? ` — ${t.error}` : ''}`).join('\n'),
    );
  progress.phase = 'running';
  progress.tasks = plan.tasks.map((t) => ({
    task: t.name,
    phase: 'pending',
    samples: 0,
    repeats: t.params.num_repeats,
    units_done: 0,
    units_total: 0,
    shards_done: 0,
    shards_total: 0,
  }));
  setStatus('Running');
  details();

  // Controls reach the tasks already running now; tasks started later get them in their input.
  const running = new Set<string>();
  const forward = async (name: string, arg?: unknown) => {
    await Promise.all(
      [...running].map((task) => {
        const h = getExternalWorkflowHandle(`${plan.run_id}/${task}`);
        if (name === 'setParallelism') {
          const a = arg as { parallelism: number; task?: string };
          return a.task && a.task !== task ? undefined : h.signal(setParallelismSignal, { parallelism: a.parallelism }).catch(() => undefined);
        }
        return h.signal(name === 'pause' ? pauseSignal : resumeSignal).catch(() => undefined);
      }),
    );
  };
  setHandler(pauseSignal, async () => {
    control.paused = true;
    setStatus('Paused');
    details();
    await forward('pause');
  });
  setHandler(resumeSignal, async () => {
    control.paused = false;
    setStatus('Running');
    details();
    await forward('resume');
  });
  setHandler(setParallelismSignal, async (arg) => {
    if (!Number.isInteger(arg.parallelism) || arg.parallelism < 1) return;
    for (const t of plan.tasks) if (!arg.task || arg.task === t.name) control.parallelism[t.name] = arg.parallelism;
    await forward('setParallelism', arg);
  });

  let nextTask = 0;
  const lane = async () => {
    while (nextTask < plan.tasks.length) {
      const i = nextTask++;
      const task = plan.tasks[i];
      const p = progress.tasks[i];
      p.phase = 'generating';
      running.add(task.name);
      details();
      try {
        const summary = await executeChild(evaluationTask, {
          workflowId: `${plan.run_id}/${task.name}`,
          args: [
            {
              run_id: plan.run_id,
              task,
              execution: plan.execution,
              config_name: plan.config_name,
              search_attributes: input.search_attributes,
              control: { paused: control.paused, parallelism: control.parallelism[task.name] },
            },
          ],
        });
        summaries[i] = summary;
        p.phase = 'completed';
      } catch (e) {
        if (isCancellation(e)) {
          summaries[i] = { task: task.name, status: 'cancelled' };
          p.phase = 'cancelled';
          throw e;
        }
        summaries[i] = { task: task.name, status: 'failed', error: rootMessage(e) };
        p.phase = 'failed';
        p.error = summaries[i].error;
      } finally {
        running.delete(task.name);
        details();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, plan.execution.task_parallelism) }, lane));
  } catch (e) {
    if (isCancellation(e)) {
      await CancellationScope.nonCancellable(async () => {
        setStatus('Cancelled');
        await orch.finalizeRun({ run_id: plan.run_id, status: 'cancelled', summaries: summaries.filter(Boolean) });
      });
    }
    throw e;
  }

  const failed = summaries.filter((s) => s.status !== 'completed');
  const status = failed.length ? 'failed' : 'completed';
  progress.phase = status;
  setStatus(failed.length ? 'Failed' : 'Completed');
  upsertMemo({ headline: Object.fromEntries(summaries.map((s) => [s.task, s.headline ?? {}])) });
  details();
  await orch.finalizeRun({ run_id: plan.run_id, status, summaries });
  if (failed.length) {
    throw ApplicationFailure.nonRetryable(
      `run ${plan.run_id}: ${failed.length} of ${summaries.length} tasks failed: ` +
        failed.map((f) => `${f.task}: ${f.error}`).join(' | ') +
        ` — completed work is kept; run 'evalflow resume ${plan.run_id}' after fixing the cause.`,
      'RunFailed',
    );
  }
  return { run_id: plan.run_id, status: 'completed', tasks: summaries };
}

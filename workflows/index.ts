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
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GenerationActivities, JudgingActivities, OrchestrationActivities, ScoringActivities } from '../activities/index';
import type { PrepareResult } from '../activities/prepare';
import type {
  ExecutionSettings,
  SuiteInput,
  SuiteProgress,
  SuiteResult,
  TaskInput,
  TaskProgress,
  TaskSummary,
} from '../lib/types';

/** Both workflows answer the `progress` query. */
export const suiteProgressQuery = defineQuery<SuiteProgress>('progress');
export const taskProgressQuery = defineQuery<TaskProgress>('progress');

const NON_RETRYABLE = ['ConfigError', 'DatasetError', 'PermanentEndpointError', 'StoreAccessError', 'InvalidInput'];

/** Above this many history events a task continues as new at the next shard boundary. */
export const HISTORY_EVENTS_BEFORE_CONTINUE = 2000;

function orchestration() {
  return proxyActivities<OrchestrationActivities>({
    startToCloseTimeout: '1 hour',
    retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

function generation(execution: ExecutionSettings) {
  return proxyActivities<GenerationActivities>({
    // A shard may take long on a slow model; a dead worker is noticed through the heartbeat.
    startToCloseTimeout: '7 days',
    heartbeatTimeout: `${execution.heartbeat_timeout} seconds`,
    // A cancelled run closes only once its shards have stopped calling the endpoint,
    // so a resume right after a cancel never races the old attempt for the same calls.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: execution.activity_attempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/** Judge activities run on their own task queue so judge workers scale apart. */
function judging(execution: ExecutionSettings) {
  return proxyActivities<JudgingActivities>({
    taskQueue: execution.judge_task_queue ?? `${workflowInfo().taskQueue}-judge`,
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
}

export async function evaluationTask(input: TaskInput, state?: TaskState): Promise<TaskSummary> {
  const { run_id, task, execution } = input;
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
  setHandler(taskProgressQuery, () => progress);

  const prepared = state?.prepared ?? (await orchestration().prepareTask({ run_id, task, execution }));
  Object.assign(progress, { samples: prepared.samples, units_total: prepared.units, shards_total: prepared.shards, phase: 'generating' });

  const gen = generation(execution);
  const sc = scoring();
  const judge = task.judge ? judging(execution) : null;
  const judgeConcurrency = task.judge ? Math.max(1, Math.ceil(task.judge.parallelism / Math.max(1, Math.min(execution.shard_parallelism, prepared.shards)))) : 1;
  const window = Math.max(1, Math.min(execution.shard_parallelism, prepared.shards));
  // `parallelism` is the task's total concurrent requests, shared by the shards in flight.
  const concurrency = Math.max(1, Math.ceil(task.params.parallelism / window));

  let next = state?.next_shard ?? 0;
  let failure: unknown = null;
  const historyFull = () => workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE || workflowInfo().continueAsNewSuggested;

  const lane = async () => {
    while (failure === null && next < prepared.shards && !historyFull()) {
      const shard = next++;
      try {
        await gen.generateShard({ run_id, task, shard, concurrency });
        if (judge) await judge.judgeShard({ run_id, task, shard, concurrency: judgeConcurrency });
        const scored = await sc.scoreShard({ run_id, task, shard });
        progress.units_done += scored.units;
        progress.shards_done++;
      } catch (e) {
        if (failure === null) failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));

  if (failure !== null) {
    if (isCancellation(failure)) throw failure;
    progress.phase = 'failed';
    progress.error = rootMessage(failure);
    throw ApplicationFailure.nonRetryable(
      `task ${task.name} failed: ${progress.error}. Completed responses are kept in the cache; ` +
        `fix the cause and run 'evalflow resume ${run_id}'.`,
      'TaskFailed',
    );
  }
  if (next < prepared.shards) {
    // Every shard below `next` is scored (lanes drained): safe watermark for the new execution.
    await continueAsNew<typeof evaluationTask>(input, { prepared, next_shard: next, units_done: progress.units_done });
  }

  progress.phase = 'aggregating';
  const summary = await sc.aggregateTask({ run_id, task, prepared });
  progress.phase = 'completed';
  return summary;
}

export async function evaluationSuite(input: SuiteInput): Promise<SuiteResult> {
  const progress: SuiteProgress = { run_id: input?.run_id, phase: 'planning', tasks: [] };
  setHandler(suiteProgressQuery, () => progress);

  const orch = orchestration();
  const plan = await orch.initRun(input);
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

  const summaries: TaskSummary[] = [];
  let nextTask = 0;
  const lane = async () => {
    while (nextTask < plan.tasks.length) {
      const i = nextTask++;
      const task = plan.tasks[i];
      const p = progress.tasks[i];
      p.phase = 'generating';
      try {
        const summary = await executeChild(evaluationTask, {
          workflowId: `${plan.run_id}/${task.name}`,
          args: [{ run_id: plan.run_id, task, execution: plan.execution }],
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
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, plan.execution.task_parallelism) }, lane));
  } catch (e) {
    if (isCancellation(e)) {
      await CancellationScope.nonCancellable(() =>
        orch.finalizeRun({ run_id: plan.run_id, status: 'cancelled', summaries: summaries.filter(Boolean) }),
      );
    }
    throw e;
  }

  const failed = summaries.filter((s) => s.status !== 'completed');
  const status = failed.length ? 'failed' : 'completed';
  progress.phase = status;
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

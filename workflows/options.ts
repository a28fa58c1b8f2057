/**
 * Every activity's retry and timeout options, in one place: which queue an
 * activity runs on, how long it may take, how a dead worker is noticed
 * (heartbeat), and which errors are not retried (invariant 5 in
 * docs/architecture.md).
 */
import { ActivityCancellationType, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DeployingActivities, GenerationActivities, JudgingActivities, OrchestrationActivities, SandboxingActivities, ScoringActivities } from '../activities/index';
import type { DeploymentSpec, ExecutionSettings } from '../lib/records/types';
import { NON_RETRYABLE_TYPES } from '../lib/records/errors';

/** Error types (the thrown error's name) an activity fails with at once, without a retry: the one list (lib/records/errors.ts). */
export const NON_RETRYABLE = [...NON_RETRYABLE_TYPES];

/** Run bookkeeping and data preparation (initRun, finalizeRun, prepareTask). */
export function orchestration() {
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

export function generation(execution: ExecutionSettings) {
  return proxyActivities<GenerationActivities>(callingOptions(execution));
}

/** Judge activities run on their own task queue so judge workers scale apart. */
export function judging(execution: ExecutionSettings) {
  return proxyActivities<JudgingActivities>({
    ...callingOptions(execution),
    taskQueue: execution.judge_task_queue ?? `${workflowInfo().taskQueue}-judge`,
  });
}

/** The sandbox role's task queue (`execution.sandbox_task_queue`, default "<queue>-sandbox"). */
export function sandboxQueue(execution: ExecutionSettings): string {
  return execution.sandbox_task_queue ?? `${workflowInfo().taskQueue}-sandbox`;
}

/**
 * Code benchmarks are scored by running the model's programs: on the sandbox
 * task queue, with a heartbeat (a killed sandbox worker is noticed after
 * execution.heartbeat_timeout, as for generation) and patient retries (a
 * broken sandbox host is not a wrong answer).
 */
export function sandboxing(execution: ExecutionSettings) {
  return proxyActivities<SandboxingActivities>({
    taskQueue: sandboxQueue(execution),
    startToCloseTimeout: '2 days',
    heartbeatTimeout: `${execution.heartbeat_timeout} seconds`,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/** The sandbox preflight: if no sandbox worker takes it in time (execution.sandbox_wait), say so instead of waiting at scoring. */
export function sandboxCheck(execution: ExecutionSettings) {
  return proxyActivities<SandboxingActivities>({
    taskQueue: sandboxQueue(execution),
    scheduleToStartTimeout: `${sandboxWait(execution)} seconds`,
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/** Seconds a code task waits for a sandbox worker before failing (execution.sandbox_wait, default 600). */
export function sandboxWait(execution: ExecutionSettings): number {
  return execution.sandbox_wait ?? 600;
}

/** Extraction, scoring and aggregation. */
export function scoring() {
  return proxyActivities<ScoringActivities>({
    startToCloseTimeout: '1 hour',
    retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/**
 * The run's model server (`deployment:`): one activity that lasts as long as
 * the run, on the deploy queue (`deployment.task_queue`, default
 * "<queue>-deploy"). A short heartbeat timeout (at most 30 s) notices a dead
 * deploy host soon, and Temporal starts the server again on another deploy
 * worker; a cancelled suite waits until the server is stopped.
 */
export function deploying(execution: ExecutionSettings, deployment: DeploymentSpec) {
  return proxyActivities<DeployingActivities>({
    taskQueue: deployment.task_queue ?? `${workflowInfo().taskQueue}-deploy`,
    startToCloseTimeout: '30 days',
    heartbeatTimeout: `${Math.min(execution.heartbeat_timeout, 30)} seconds`,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: Math.max(execution.activity_attempts, 10),
      nonRetryableErrorTypes: [...NON_RETRYABLE, 'DeploymentFailed'],
    },
  });
}

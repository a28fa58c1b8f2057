/**
 * What a running evaluation answers and obeys: the queries (progress,
 * control, results) and the live-control signals (pause, resume,
 * setParallelism), and how each workflow serves them. The names are part of
 * the public interface (CLI, typed client, `temporal workflow signal/query`).
 */
import { defineQuery, defineSignal, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { DeploymentAddress, SuiteProgress, TaskControl, TaskProgress, TaskSummary } from '../lib/records/types';

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
/** A new budget for the run (USD), e.g. before resuming a run the budget paused (`evalflow resume RUN --budget N`). */
export const setBudgetSignal = defineSignal<[{ budget_usd: number }]>('setBudget');

/** From the deployModel activity (activities/deploy.ts): the run's model server serves at this address (again, after a restart). */
export const deploymentReadySignal = defineSignal<[DeploymentAddress]>('deploymentReady');

/** What a task workflow does on each query and signal. */
export interface TaskHandlers {
  progress(): TaskProgress;
  control(): TaskControl;
  pause(): void;
  resume(): void;
  setParallelism(parallelism: number): void;
  setBudget(budget: number): void;
}

export function serveTaskControls(h: TaskHandlers): void {
  setHandler(taskProgressQuery, () => h.progress());
  setHandler(controlQuery, () => h.control());
  setHandler(pauseSignal, () => h.pause());
  setHandler(resumeSignal, () => h.resume());
  setHandler(setParallelismSignal, ({ parallelism }) => h.setParallelism(parallelism));
  setHandler(setBudgetSignal, ({ budget_usd }) => h.setBudget(budget_usd));
}

/** What a suite workflow does on each signal before forwarding it to its running tasks. */
export interface SuiteHandlers {
  pause(): void;
  resume(): void;
  /** Records a valid parallelism change for the tasks it names (all when `task` is absent). */
  setParallelism(arg: { parallelism: number; task?: string }): void;
  setBudget(budget: number): void;
}

/**
 * The suite's signals: applied to the suite's own state, then forwarded to the
 * tasks running now (`running()`: task names; child ids are <run>/<task>).
 * Tasks started later get the controls in their input.
 */
export function serveSuiteControls(runId: string, running: () => Iterable<string>, h: SuiteHandlers): { pauseTasks: () => Promise<void> } {
  const forward = async (name: string, arg?: unknown) => {
    await Promise.all(
      [...running()].map((task) => {
        const handle = getExternalWorkflowHandle(`${runId}/${task}`);
        if (name === 'setBudget') return handle.signal(setBudgetSignal, arg as { budget_usd: number }).catch(() => undefined);
        if (name === 'setParallelism') {
          const a = arg as { parallelism: number; task?: string };
          return a.task && a.task !== task ? undefined : handle.signal(setParallelismSignal, { parallelism: a.parallelism }).catch(() => undefined);
        }
        return handle.signal(name === 'pause' ? pauseSignal : resumeSignal).catch(() => undefined);
      }),
    );
  };
  setHandler(pauseSignal, async () => {
    h.pause();
    await forward('pause');
  });
  setHandler(resumeSignal, async () => {
    h.resume();
    await forward('resume');
  });
  setHandler(setParallelismSignal, async (arg) => {
    if (!Number.isInteger(arg.parallelism) || arg.parallelism < 1) return;
    h.setParallelism(arg);
    await forward('setParallelism', arg);
  });
  setHandler(setBudgetSignal, async (arg) => {
    if (!(typeof arg?.budget_usd === 'number' && arg.budget_usd > 0)) return;
    h.setBudget(arg.budget_usd);
    await forward('setBudget', arg);
  });
  return { pauseTasks: () => forward('pause') };
}

/**
 * evaluationSuite: one run, workflow id = run id —
 *
 *   initRun        validate, check run identity, write metadata (an activity)
 *   deployModel    with a `deployment:`: the model server, an activity on the deploy queue that
 *                  lasts until the tasks are done (behind patched('deployment')); with
 *                  `auxiliary_deployments.judge` a second one for the judge's server
 *   tasks          one child evaluationTask per task (id <run>/<task>), task_parallelism at once;
 *                  a failed task is recorded and the others go on
 *   finalizeRun    timings, summaries, the run log — also when the run is cancelled
 *
 * Live controls sent to the suite reach its running tasks (controls.ts).
 */
import { ApplicationFailure, CancellationScope, condition, executeChild, isCancellation, patched, setCurrentDetails, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SA, type RunStatusValue } from '../lib/records/search-attributes';
import type { DeploymentAddress, DeploymentName, DeploymentSpec, RunPlan, SuiteInput, SuiteProgress, SuiteResult, TaskSummary, TokenUsage } from '../lib/records/types';
import { deploymentReadySignal, resultsQuery, serveSuiteControls, suiteProgressQuery } from './controls';
import { endpointUsageSignal, type EndpointUsage } from './limiter';
import { addTokens, consumerKey, noUsage } from '../lib/records/limits';
import { rootMessage } from './failures';
import { deploying, orchestration } from './options';
import { evaluationTask } from './task';

/** The suite's controls: given to tasks as they start, forwarded to those running. */
interface SuiteControl {
  paused: boolean;
  /** task name → parallelism set by a signal. */
  parallelism: Record<string, number>;
  budget_usd?: number;
  /** Why it is paused (a signal, or the budget). */
  reason?: string;
}

export async function evaluationSuite(input: SuiteInput): Promise<SuiteResult> {
  const progress: SuiteProgress = { run_id: input?.run_id ?? workflowInfo().workflowId, phase: 'planning', tasks: [] };
  const summaries: TaskSummary[] = [];
  const control: SuiteControl = { paused: false, parallelism: {} };
  // Paid usage per endpoint limiter (and its epoch) per consumer, as the limiters last reported it: totals.
  const usage: Record<string, EndpointUsage['consumers']> = {};
  setHandler(suiteProgressQuery, () => progress);
  setHandler(resultsQuery, () => summaries.filter(Boolean));

  const orch = orchestration();
  const plan = await orch.initRun(input);
  const budget = input.budget_usd ?? plan.execution.budget_usd;
  if (budget !== undefined) control.budget_usd = budget;
  const show = suiteDisplay(input, plan, progress, control);
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
  show.status('Running');
  show.details();

  // Controls reach the tasks already running now; tasks started later get them in their input.
  const running = new Set<string>();
  const controls = serveSuiteControls(plan.run_id, () => running, {
    pause: () => {
      control.paused = true;
      control.reason = 'paused by a signal';
      show.status('Paused');
      show.details();
    },
    resume: () => {
      control.paused = false;
      control.reason = undefined;
      show.status('Running');
      show.details();
    },
    setParallelism: (arg) => {
      for (const t of plan.tasks) if (!arg.task || arg.task === t.name) control.parallelism[t.name] = arg.parallelism;
    },
    setBudget: (budget) => {
      control.budget_usd = budget;
      show.details();
    },
  });
  // Spending, from the endpoints' limiters: shown in progress, details and a search attribute; the budget pauses the run.
  setHandler(endpointUsageSignal, (u) => {
    usage[`${u.limiter}#${u.epoch}`] = u.consumers;
    const spent = liveUsage(plan, progress, usage);
    progress.cost_usd = spent;
    show.cost(spent);
    if (control.budget_usd !== undefined && spent >= control.budget_usd && !control.paused) {
      control.paused = true;
      control.reason = `budget of $${control.budget_usd} reached ($${spent.toFixed(4)} spent)`;
      show.status('Paused');
      void controls.pauseTasks();
    }
    show.details();
  });
  setHandler(suiteProgressQuery, () => ({
    ...progress,
    ...(control.budget_usd !== undefined ? { budget_usd: control.budget_usd } : {}),
    ...(control.paused ? { paused_reason: control.reason ?? 'paused' } : {}),
  }));

  // The run's model server, when the config has a `deployment:`, and the judge's, when it has
  // `auxiliary_deployments.judge` (docs/architecture.md, "Deployments").
  const deployments: Deployment[] = [];
  setHandler(deploymentReadySignal, (address) => {
    const d = deployments.find((x) => x.name === address.name);
    if (!d || (d.address && address.attempt < d.address.attempt)) return;
    d.address = address;
    progress[d.progressKey] = { type: d.spec.type, state: 'ready', base_url: address.base_url, attempt: address.attempt };
    show.details();
  });

  try {
    // A run without a judge deployment schedules exactly what it did before (the recorded 'deployment' histories replay).
    if ((plan.deployment || plan.judge_deployment) && patched('deployment')) {
      if (plan.deployment) deployments.push(startDeployment(plan, plan.deployment));
      if (plan.judge_deployment) deployments.push(startDeployment(plan, plan.judge_deployment, 'judge'));
      for (const d of deployments) progress[d.progressKey] = { type: d.spec.type, state: 'starting' };
      show.details();
      // The tasks start once every server answers; a deployment that cannot start fails the run.
      await Promise.race([condition(() => deployments.every((d) => d.address !== undefined)), ...deployments.map((d) => d.ended)]);
    }
    const tasks = runTasks(input, plan, progress, summaries, control, running, show.details);
    if (deployments.length) {
      tasks.catch(() => undefined);
      await Promise.race([tasks, ...deployments.map((d) => d.ended)]);
    } else await tasks;
    if (deployments.length) await stopDeployments(deployments, progress);
  } catch (e) {
    if (deployments.length) await CancellationScope.nonCancellable(() => stopDeployments(deployments, progress));
    if (isCancellation(e)) {
      await CancellationScope.nonCancellable(async () => {
        show.status('Cancelled');
        await orch.finalizeRun({ run_id: plan.run_id, status: 'cancelled', summaries: summaries.filter(Boolean) });
      });
    }
    throw e;
  }

  const failed = summaries.filter((s) => s.status !== 'completed');
  const status = failed.length ? 'failed' : 'completed';
  progress.phase = status;
  show.status(failed.length ? 'Failed' : 'Completed');
  upsertMemo({ headline: Object.fromEntries(summaries.map((s) => [s.task, s.headline ?? {}])) });
  show.details();
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

/** A deployModel activity of a run, in a scope of its own so that it can be stopped when the tasks are done. */
interface Deployment {
  /** Absent: the model's; 'judge': the judge's. */
  name?: DeploymentName;
  spec: DeploymentSpec;
  progressKey: 'deployment' | 'judge_deployment';
  scope: CancellationScope;
  done: Promise<void>;
  /** Rejects when the deployment ends before it is stopped (it could not start, or failed for good). */
  ended: Promise<never>;
  address?: DeploymentAddress;
}

function startDeployment(plan: RunPlan, spec: DeploymentSpec, name?: DeploymentName): Deployment {
  const scope = new CancellationScope();
  const done = scope.run(() => deploying(plan.execution, spec).deployModel({ run_id: plan.run_id, deployment: spec, ...(name ? { name } : {}) }));
  const what = name ? `${name} deployment (${spec.type})` : `${spec.type} deployment`;
  const section = name ? `auxiliary_deployments.${name}` : 'deployment';
  const ended = done.then(
    () => {
      throw ApplicationFailure.nonRetryable(`the ${what} ended while the run needed it`, 'DeploymentFailed');
    },
    (e) => {
      if (isCancellation(e)) throw e;
      throw ApplicationFailure.nonRetryable(
        `the ${what} failed: ${rootMessage(e)} — fix the ${section}: section (or the deploy worker host) and run 'evalflow resume ${plan.run_id}'`,
        'DeploymentFailed',
      );
    },
  );
  ended.catch(() => undefined);
  return { ...(name ? { name } : {}), spec, progressKey: name ? 'judge_deployment' : 'deployment', scope, done, ended };
}

/** Cancel the deployModel activities and wait until their servers are stopped. */
async function stopDeployments(all: Deployment[], progress: SuiteProgress): Promise<void> {
  for (const d of all) d.scope.cancel();
  for (const d of all) {
    await d.done.catch(() => undefined);
    const p = progress[d.progressKey];
    if (p) p.state = 'stopped';
  }
}

/** How the run shows itself: search attributes (when the run sets them) and the workflow's current details. */
function suiteDisplay(input: SuiteInput, plan: RunPlan, progress: SuiteProgress, control: SuiteControl) {
  const model = plan.tasks[0]?.endpoint.model_id ?? '';
  return {
    status(status: RunStatusValue): void {
      if (!input.search_attributes) return;
      upsertSearchAttributes([
        { key: SA.runId, value: plan.run_id },
        { key: SA.model, value: model },
        { key: SA.config, value: plan.config_name },
        { key: SA.status, value: status },
      ]);
    },
    /** The cost search attribute (when the run sets them). */
    cost(usd: number): void {
      if (input.search_attributes) upsertSearchAttributes([{ key: SA.costUsd, value: usd }]);
    },
    details(): void {
      const money = progress.cost_usd !== undefined || control.budget_usd !== undefined
        ? `\n\nspent $${(progress.cost_usd ?? 0).toFixed(4)}${control.budget_usd !== undefined ? ` of a $${control.budget_usd} budget` : ''}`
        : '';
      const paused = control.paused
        ? ` — paused (${control.reason ?? 'paused'})${control.reason?.startsWith('budget') ? `; to go on: evalflow resume ${plan.run_id} --budget <USD>` : ''}`
        : '';
      const live = (t: SuiteProgress['tasks'][number]) =>
        t.usage ? `, limit ${t.concurrency_limit ?? '-'}, ${t.usage.model.prompt_tokens + t.usage.model.completion_tokens} tokens` : '';
      const depLine = (label: string, d: SuiteProgress['deployment']) =>
        d ? `\n\n${label}: ${d.type} ${d.state}${d.base_url ? ` at ${d.base_url} (attempt ${d.attempt})` : ''}` : '';
      const dep = depLine('deployment', progress.deployment) + depLine('judge deployment', progress.judge_deployment);
      setCurrentDetails(
        `run **${plan.run_id}** (${plan.config_name}, model ${model})${paused}${money}${dep}\n\n` +
          progress.tasks.map((t) => `- ${t.task}: ${t.phase}${live(t)}${t.error ? ` — ${t.error}` : ''}`).join('\n'),
      );
    },
  };
}

/**
 * Runs every task as a child workflow, task_parallelism at once. A failed task
 * is recorded in `summaries` and the lanes go on; a cancellation is recorded
 * and rethrown.
 */
async function runTasks(
  input: SuiteInput,
  plan: RunPlan,
  progress: SuiteProgress,
  summaries: TaskSummary[],
  control: SuiteControl,
  running: Set<string>,
  details: () => void,
): Promise<void> {
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
              control: { paused: control.paused, parallelism: control.parallelism[task.name], ...(control.budget_usd !== undefined ? { budget_usd: control.budget_usd } : {}) },
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
  await Promise.all(Array.from({ length: Math.max(1, plan.execution.task_parallelism) }, lane));
}

/** Fold the limiters' totals into the tasks' progress; returns the run's spending (USD). */
function liveUsage(plan: RunPlan, progress: SuiteProgress, usage: Record<string, EndpointUsage['consumers']>): number {
  let spent = 0;
  for (const consumers of Object.values(usage)) for (const c of Object.values(consumers)) spent += c.usd;
  plan.tasks.forEach((t, i) => {
    const p = progress.tasks[i];
    if (!p) return;
    const roles: Partial<Record<'model' | 'judge', { usage: TokenUsage; usd: number; limit: number; inFlight: number }>> = {};
    for (const role of ['model', 'judge'] as const) {
      const key = consumerKey(plan.run_id, t.name, role);
      for (const consumers of Object.values(usage)) {
        const c = consumers[key];
        if (!c) continue;
        const r = (roles[role] ??= { usage: noUsage(), usd: 0, limit: 0, inFlight: 0 });
        r.usage = addTokens(r.usage, c.usage);
        r.usd += c.usd;
        r.limit = Math.max(r.limit, c.limit);
        r.inFlight += c.in_flight;
      }
    }
    if (!roles.model && !roles.judge) return;
    const priced = !!t.price && (!t.judge || !!t.judge.price);
    p.usage = {
      model: roles.model?.usage ?? noUsage(),
      ...(roles.judge ? { judge: roles.judge.usage } : {}),
      ...(priced ? { cost_usd: (roles.model?.usd ?? 0) + (roles.judge?.usd ?? 0) } : {}),
    };
    if (roles.model) {
      p.concurrency_limit = roles.model.limit;
      p.in_flight = roles.model.inFlight;
    }
  });
  return spent;
}

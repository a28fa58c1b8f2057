/**
 * evaluationSuite's orchestration in the time-skipping environment, activities
 * mocked (test/workflows/support.ts): progress and results queries, a failed
 * task, controls forwarded to tasks, cancellation.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunPlan, SuiteProgress, SuiteResult, TaskControl, TaskSummary } from '../../lib/records/types';
import { deferred, execution, hold, mockActivities, resolvedTask, startTimeSkipping, waitFor, withWorker } from './support';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

let ids = 0;
function plan(tasks: string[], over: Partial<RunPlan['execution']> = {}): RunPlan {
  return { run_id: 'unused', config_name: 'mock', tasks: tasks.map((t) => resolvedTask(t)), execution: execution(over) };
}

test('progress follows the tasks; the run completes with every summary, finalized once', async () => {
  const release = deferred();
  const m = mockActivities({
    plan: plan(['gsm8k', 'mmlu']),
    shards: (t) => (t === 'gsm8k' ? 2 : 3),
    generate: async (a) => {
      if (a.task.name === 'gsm8k' && a.shard === 0) await hold(release.promise);
    },
  });
  const runId = `suite-${++ids}`;
  const { result, progress, results } = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
    await waitFor('gsm8k shard 0 to start', () => m.of('generateShard').length === 1);
    const during = await h.query<SuiteProgress>('progress');
    assert.equal(during.run_id, runId);
    assert.equal(during.phase, 'running');
    assert.deepEqual(
      during.tasks.map((t) => [t.task, t.phase]),
      [
        ['gsm8k', 'generating'],
        ['mmlu', 'pending'],
      ],
      'task_parallelism 1: mmlu waits',
    );
    release.resolve();
    const result: SuiteResult = await h.result();
    return { result, progress: await h.query<SuiteProgress>('progress'), results: await h.query<TaskSummary[]>('results') };
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.run_id, runId);
  assert.deepEqual(result.tasks.map((t) => [t.task, t.status]), [
    ['gsm8k', 'completed'],
    ['mmlu', 'completed'],
  ]);
  assert.deepEqual(results, result.tasks);
  assert.equal(progress.phase, 'completed');
  assert.deepEqual(progress.tasks.map((t) => t.phase), ['completed', 'completed']);
  assert.equal(m.finalized.length, 1);
  assert.equal(m.finalized[0].status, 'completed');
  assert.deepEqual(m.finalized[0].summaries, result.tasks);
  // Every task ran in its own child workflow, the run id / task name.
  assert.deepEqual([...new Set(m.of('generateShard').map((c) => c.task))], ['gsm8k', 'mmlu']);
  assert.equal(m.of('scoreShard', 'mmlu').length, 3);
  const child = await env.client.workflow.getHandle(`${runId}/mmlu`).describe();
  assert.equal(child.type, 'evaluationTask');
  assert.equal(child.status.name, 'COMPLETED');
});

test('a failed task does not stop the others; the run fails naming it, finalized as failed', async () => {
  const m = mockActivities({
    plan: plan(['gsm8k', 'mmlu'], { task_parallelism: 2 }),
    generate: async (a) => {
      if (a.task.name === 'gsm8k') throw ApplicationFailure.create({ type: 'PermanentEndpointError', message: 'HTTP 401 from the endpoint: check api_key_name' });
    },
  });
  const runId = `suite-${++ids}`;
  const { err, progress } = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
    const err = await h.result().then(
      () => assert.fail('the run should fail'),
      (e: unknown) => e,
    );
    return { err, progress: await h.query<SuiteProgress>('progress') };
  });
  assert.ok(err instanceof WorkflowFailedError);
  const cause = err.cause as ApplicationFailure;
  assert.equal(cause.type, 'RunFailed');
  assert.match(cause.message, new RegExp(`^run ${runId}: 1 of 2 tasks failed: gsm8k: task gsm8k failed: HTTP 401 from the endpoint: check api_key_name\\.`));
  assert.equal(m.of('aggregateTask', 'mmlu').length, 1, 'mmlu completed');
  assert.equal(m.of('aggregateTask', 'gsm8k').length, 0);
  assert.deepEqual(progress.tasks.map((t) => t.phase), ['failed', 'completed']);
  assert.match(progress.tasks[0].error ?? '', /HTTP 401/);
  assert.equal(progress.phase, 'failed');
  assert.deepEqual(m.finalized.map((f) => [f.status, f.summaries.map((s) => s.status)]), [['failed', ['failed', 'completed']]]);
});

test('pause, resume and setParallelism reach the running task; a task started later gets them in its input', async () => {
  const release = deferred();
  const m = mockActivities({
    plan: plan(['gsm8k', 'mmlu']),
    shards: () => 2,
    generate: async (a) => {
      if (a.task.name === 'gsm8k' && a.shard === 0) await hold(release.promise);
    },
  });
  const runId = `suite-${++ids}`;
  const result = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
    await waitFor('gsm8k shard 0 to start', () => m.of('generateShard').length === 1);
    const gsm8k = env.client.workflow.getHandle(`${runId}/gsm8k`);
    await h.signal('setParallelism', { parallelism: 7, task: 'mmlu' });
    await h.signal('setParallelism', { parallelism: 5, task: 'gsm8k' });
    await h.signal('pause');
    await waitFor('the pause to reach gsm8k', async () => (await gsm8k.query<TaskControl>('control')).paused);
    assert.equal((await gsm8k.query<TaskControl>('control')).parallelism, 5, 'only the named task changes');
    release.resolve();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(m.of('generateShard').map((c) => c.shard), [0], 'the paused task starts no shard');
    await h.signal('resume');
    return (await h.result()) as SuiteResult;
  });
  assert.equal(result.status, 'completed');
  assert.deepEqual(m.of('generateShard', 'gsm8k').map((c) => c.concurrency), [4, 5]);
  assert.deepEqual(m.of('generateShard', 'mmlu').map((c) => c.concurrency), [7, 7], 'mmlu started with the parallelism set before it ran');
});

test('cancelling the run cancels its tasks and finalizes it as cancelled', async () => {
  const cancelled: string[] = [];
  const m = mockActivities({
    plan: plan(['gsm8k', 'mmlu', 'ifeval'], { task_parallelism: 2 }),
    generate: async (a) => {
      try {
        await hold(new Promise(() => undefined));
      } catch (e) {
        cancelled.push(a.task.name);
        throw e;
      }
    },
  });
  const runId = `suite-${++ids}`;
  const { err, children } = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
    await waitFor('both running tasks to generate', () => m.of('generateShard').length === 2);
    await h.cancel();
    const err = await h.result().then(
      () => assert.fail('the run should be cancelled'),
      (e: unknown) => e,
    );
    const children = await Promise.all(['gsm8k', 'mmlu'].map(async (t) => (await env.client.workflow.getHandle(`${runId}/${t}`).describe()).status.name));
    return { err, children };
  });
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof CancelledFailure, String(err.cause));
  assert.deepEqual(children, ['CANCELLED', 'CANCELLED']);
  assert.deepEqual(cancelled.sort(), ['gsm8k', 'mmlu'], 'the shard activities saw the cancellation');
  assert.equal(m.finalized.length, 1);
  assert.equal(m.finalized[0].status, 'cancelled');
  // The suite finalizes as soon as the first task reports its cancellation: the summaries list
  // the tasks cancelled by then (at least one), never one as completed or failed.
  const summaries = m.finalized[0].summaries;
  assert.ok(summaries.length >= 1, JSON.stringify(summaries));
  for (const s of summaries) assert.ok(['gsm8k', 'mmlu'].includes(s.task) && s.status === 'cancelled', JSON.stringify(s));
  assert.equal(m.of('generateShard', 'ifeval').length, 0, 'the pending task never started');
  assert.equal(m.of('aggregateTask').length, 0);
});

test('a run with a deployment: the tasks start once it is ready, it is cancelled when they are done, before finalizeRun', async () => {
  const order: string[] = [];
  const deployment = { type: 'vllm' as const, served_model_name: 'mock-model', port: 8000, ready_timeout: 60, container: 'auto' as const, env: {} };
  const m = mockActivities({ plan: { ...plan(['gsm8k']), deployment }, shards: () => 1, generate: async () => void order.push('generate') });
  const runId = `suite-${++ids}`;
  const activities = {
    ...m.activities,
    async finalizeRun(args: { run_id: string; status: 'completed' | 'failed' | 'cancelled'; summaries: TaskSummary[] }) {
      order.push('finalize');
      return (m.activities as { finalizeRun: (a: typeof args) => Promise<void> }).finalizeRun(args);
    },
    async deployModel(input: { run_id: string; deployment: { type: string } }) {
      order.push(`deploy ${input.deployment.type}`);
      await env.client.workflow.getHandle(input.run_id).signal('deploymentReady', { base_url: 'http://10.0.0.7:8000/v1', host: '10.0.0.7', port: 8000, attempt: 1, state: 'ready', at: '' });
      try {
        await hold(new Promise(() => undefined));
      } finally {
        order.push('deploy stopped');
      }
    },
  };
  const result = await withWorker(
    env,
    activities,
    async (taskQueue) => {
      const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
      return h.result();
    },
    { extraQueues: ['-deploy'] },
  );
  assert.equal(result.status, 'completed');
  assert.deepEqual(order, ['deploy vllm', 'generate', 'deploy stopped', 'finalize']);
  const history = await env.client.workflow.getHandle(runId).fetchHistory();
  const scheduled = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes ? [[e.activityTaskScheduledEventAttributes.activityType?.name, e.activityTaskScheduledEventAttributes.taskQueue?.name]] : []);
  assert.ok(scheduled.some(([a, q]) => a === 'deployModel' && q?.endsWith('-deploy')), `deployModel on the deploy queue: ${JSON.stringify(scheduled)}`);
});

test('a run with a model and a judge deployment: tasks wait for both, both are cancelled before finalizeRun; a judge deployment that fails names its section', async () => {
  const order: string[] = [];
  const deployment = { type: 'vllm' as const, served_model_name: 'mock-model', port: 8000, ready_timeout: 60, container: 'auto' as const, env: {} };
  const judge_deployment = { type: 'llama_cpp' as const, served_model_name: 'judge', port: 8001, ready_timeout: 60, container: 'auto' as const, env: {} };
  const m = mockActivities({ plan: { ...plan(['gsm8k']), deployment, judge_deployment }, shards: () => 1, generate: async () => void order.push('generate') });
  const runId = `suite-${++ids}`;
  const activities = {
    ...m.activities,
    async finalizeRun(args: { run_id: string; status: 'completed' | 'failed' | 'cancelled'; summaries: TaskSummary[] }) {
      order.push('finalize');
      return (m.activities as { finalizeRun: (a: typeof args) => Promise<void> }).finalizeRun(args);
    },
    async deployModel(input: { run_id: string; deployment: { type: string; port: number }; name?: string }) {
      const who = input.name ?? 'model';
      // The judge's server answers later than the model's: the tasks wait for it.
      if (who === 'judge') await new Promise((r) => setTimeout(r, 500));
      order.push(`${who} ready`);
      await env.client.workflow.getHandle(input.run_id).signal('deploymentReady', { ...(input.name ? { name: input.name } : {}), base_url: `http://10.0.0.7:${input.deployment.port}/v1`, host: '10.0.0.7', port: input.deployment.port, attempt: 1, state: 'ready', at: '' });
      try {
        await hold(new Promise(() => undefined));
      } finally {
        order.push(`${who} stopped`);
      }
    },
  };
  const result = await withWorker(
    env,
    activities,
    async (taskQueue) => {
      const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
      return h.result();
    },
    { extraQueues: ['-deploy'] },
  );
  assert.equal(result.status, 'completed');
  assert.deepEqual(order.slice(0, 3), ['model ready', 'judge ready', 'generate'], JSON.stringify(order));
  assert.deepEqual(new Set(order.slice(3, 5)), new Set(['model stopped', 'judge stopped']), JSON.stringify(order));
  assert.equal(order[5], 'finalize');
  const history = await env.client.workflow.getHandle(runId).fetchHistory();
  const deploys = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deployModel');
  assert.equal(deploys.length, 2, 'one deployModel per deployment');

  // The judge's deployment cannot start: the run fails naming auxiliary_deployments.judge, no task starts.
  const m2 = mockActivities({ plan: { ...plan(['gsm8k']), judge_deployment }, shards: () => 1 });
  const failing = `suite-${++ids}`;
  const err = await withWorker(
    env,
    {
      ...m2.activities,
      async deployModel() {
        throw ApplicationFailure.nonRetryable('deployment.file /m/judge.gguf does not exist on the deploy worker on gpu-1', 'DeploymentFailed');
      },
    },
    async (taskQueue) => {
      const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: failing, args: [{ run_id: failing, config: {} }] });
      return h.result().then(
        () => assert.fail('the run should fail'),
        (e: unknown) => e,
      );
    },
    { extraQueues: ['-deploy'] },
  );
  assert.ok(err instanceof WorkflowFailedError);
  assert.match(String((err.cause as Error).message), /the judge deployment \(llama_cpp\) failed: .* — fix the auxiliary_deployments\.judge: section/);
  assert.equal(m2.of('generateShard').length, 0);
});

test('a deployment that cannot start fails the run with its reason; no task starts', async () => {
  const deployment = { type: 'sglang' as const, served_model_name: 'mock-model', port: 8000, ready_timeout: 60, container: 'auto' as const, env: {} };
  const m = mockActivities({ plan: { ...plan(['gsm8k']), deployment }, shards: () => 1 });
  const runId = `suite-${++ids}`;
  const activities = {
    ...m.activities,
    async deployModel() {
      throw ApplicationFailure.nonRetryable("'sglang' (the sglang server) is not on PATH of the deploy worker on gpu-1", 'DeploymentFailed');
    },
  };
  const err = await withWorker(
    env,
    activities,
    async (taskQueue) => {
      const h = await env.client.workflow.start('evaluationSuite', { taskQueue, workflowId: runId, args: [{ run_id: runId, config: {} }] });
      return h.result().then(
        () => assert.fail('the run should fail'),
        (e: unknown) => e,
      );
    },
    { extraQueues: ['-deploy'] },
  );
  assert.ok(err instanceof WorkflowFailedError);
  assert.match(String((err.cause as Error).message), /the sglang deployment failed: 'sglang' \(the sglang server\) is not on PATH of the deploy worker on gpu-1 — fix the deployment: section/);
  assert.equal(m.of('generateShard').length, 0);
  assert.equal(m.of('prepareTask').length, 0);
});

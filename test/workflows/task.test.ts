/**
 * evaluationTask's orchestration in the time-skipping environment, activities
 * mocked (test/workflows/support.ts): heartbeat timeout and retry, failures,
 * pause/resume, setParallelism, continue-as-new, the sandbox preflight.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TaskControl, TaskProgress, TaskSummary } from '../../lib/records/types';
import { deferred, execution, hang, hold, mockActivities, resolvedTask, startTimeSkipping, taskInput, waitFor, withWorker } from './support';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

let ids = 0;
const wfId = () => `task-test-${++ids}`;

/** Each shard's generate and score calls that succeeded once: shard → count of scoreShard calls. */
function scoredOnce(m: ReturnType<typeof mockActivities>, shards: number): void {
  const scored = m.of('scoreShard').map((c) => c.shard);
  assert.deepEqual([...scored].sort((a, b) => a! - b!), Array.from({ length: shards }, (_, i) => i), 'every shard scored exactly once');
}

test('a shard that stops heartbeating times out and is retried; the task completes with each shard scored once', async () => {
  const release = deferred();
  const m = mockActivities({
    shards: () => 3,
    generate: async (a, attempt) => {
      // Shard 1's first attempt hangs without a heartbeat, like a killed worker. (An outstanding
      // activity holds the test server's clock: the 1 s heartbeat timeout passes in real time.)
      if (a.shard === 1 && attempt === 1) await hang(release.promise);
    },
  });
  const summary = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationTask', {
      taskQueue,
      workflowId: wfId(),
      args: [taskInput(resolvedTask('gsm8k'), execution({ heartbeat_timeout: 1, shard_parallelism: 2 }))],
    });
    const r: TaskSummary = await h.result();
    release.resolve();
    return r;
  });
  assert.equal(summary.status, 'completed');
  assert.deepEqual(
    m.of('generateShard').filter((c) => c.shard === 1).map((c) => c.attempt),
    [1, 2],
    'shard 1 generated again on a second attempt after the heartbeat timeout',
  );
  assert.equal(m.of('generateShard').length, 4, 'the other shards generated once');
  scoredOnce(m, 3);
  assert.equal(m.of('prepareTask').length, 1);
  assert.equal(m.of('aggregateTask').length, 1);
});

/** The run ids of a workflow's chain of executions (continue-as-new), first to last, with their history lengths. */
async function executions(id: string, firstRunId: string): Promise<{ runId: string; events: number }[]> {
  const chain: { runId: string; events: number }[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
    const events: typeof history.events & object = history.events ?? [];
    chain.push({ runId, events: events.length });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

test('continue-as-new before the history limit carries the state: no shard generated or scored twice', async () => {
  // HISTORY_EVENTS_BEFORE_CONTINUE (2,000) is reached after about 300 shards.
  const SHARDS = 500;
  const id = wfId();
  const m = mockActivities({
    shards: () => SHARDS,
    generate: async (a) => {
      // A parallelism change early in the first execution must reach the second one.
      if (a.shard === 5) await env.client.workflow.getHandle(id).signal('setParallelism', { parallelism: 16 });
    },
  });
  const { summary, chain } = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationTask', { taskQueue, workflowId: id, args: [taskInput(resolvedTask('gsm8k'), execution({ shard_parallelism: 8 }))] });
    const summary: TaskSummary = await h.result();
    return { summary, chain: await executions(id, h.firstExecutionRunId) };
  });
  assert.equal(summary.status, 'completed');
  assert.equal(chain.length, 2, `two executions: ${JSON.stringify(chain)}`);
  assert.ok(chain.every((c) => c.events <= 2100), `every execution stays near the limit: ${JSON.stringify(chain)}`);
  scoredOnce(m, SHARDS);
  assert.deepEqual(
    m.of('generateShard').map((c) => c.shard).sort((a, b) => a! - b!),
    Array.from({ length: SHARDS }, (_, i) => i),
    'every shard generated exactly once',
  );
  // The second execution starts at the first one's watermark, without preparing again.
  const first = m.of('generateShard').filter((c) => c.runId === chain[0].runId).map((c) => c.shard!);
  const second = m.of('generateShard').filter((c) => c.runId === chain[1].runId).map((c) => c.shard!);
  assert.ok(first.length > 100 && second.length > 100, `shards split over both executions: ${first.length} + ${second.length}`);
  assert.equal(Math.min(...second), Math.max(...first) + 1);
  assert.deepEqual(m.of('prepareTask').map((c) => c.runId), [chain[0].runId]);
  assert.deepEqual(m.of('aggregateTask').map((c) => c.runId), [chain[1].runId]);
  // The task's parallelism is not sliced per shard (the endpoint's gate bounds the task over all its shards):
  // every shard of the second execution is given 16, shard 0 was given the configured 4.
  assert.deepEqual([...new Set(m.of('generateShard').filter((c) => c.runId === chain[1].runId).map((c) => c.concurrency))], [16], 'the control carried over');
  assert.equal(m.of('generateShard').find((c) => c.shard === 0)?.concurrency, 4);
  // The carried units count reaches the total: aggregation got the first execution's prepare result.
  assert.deepEqual(summary.headline, { acc: { correct: SHARDS * 10 } });
});

test('a non-retryable activity failure (a type on the one list) fails the task at once, with its message', async () => {
  const m = mockActivities({
    shards: () => 4,
    score: async (a) => {
      // A plain failure (no nonRetryable flag) of a type the retry policies list (lib/records/errors.ts NON_RETRYABLE_TYPES).
      if (a.shard === 1) throw ApplicationFailure.create({ type: 'ConfigError', message: 'gsm8k/test.jsonl row 12: field "answer" is missing' });
    },
  });
  const err = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationTask', { taskQueue, workflowId: wfId(), args: [taskInput(resolvedTask('gsm8k'))] });
    return h.result().then(
      () => assert.fail('the task should fail'),
      (e: unknown) => e,
    );
  });
  assert.ok(err instanceof WorkflowFailedError, String(err));
  const cause = err.cause as ApplicationFailure;
  assert.equal(cause.type, 'TaskFailed');
  assert.equal(cause.nonRetryable, true);
  assert.match(cause.message, /^task gsm8k failed: gsm8k\/test\.jsonl row 12: field "answer" is missing\. .*evalflow resume run-1/);
  assert.deepEqual(m.of('scoreShard').filter((c) => c.shard === 1).map((c) => c.attempt), [1], 'not retried');
  assert.equal(m.of('aggregateTask').length, 0);
});

test('a transient activity failure is retried and the task completes', async () => {
  const m = mockActivities({
    shards: () => 2,
    generate: async (a, attempt) => {
      if (a.shard === 0 && attempt < 3) throw new Error('HTTP 503 from the endpoint');
    },
  });
  const summary = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationTask', { taskQueue, workflowId: wfId(), args: [taskInput(resolvedTask('gsm8k'))] });
    return (await h.result()) as TaskSummary;
  });
  assert.equal(summary.status, 'completed');
  assert.deepEqual(m.of('generateShard').filter((c) => c.shard === 0).map((c) => c.attempt), [1, 2, 3]);
  scoredOnce(m, 2);
});

test('pause: no new shard starts while paused; resume continues; controls and progress say so', async () => {
  const release0 = deferred();
  const m = mockActivities({
    shards: () => 4,
    generate: async (a) => {
      if (a.shard === 0) await hold(release0.promise);
    },
  });
  const id = wfId();
  const summary = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationTask', { taskQueue, workflowId: id, args: [taskInput(resolvedTask('gsm8k'))] });
    await waitFor('shard 0 to start', () => m.of('generateShard').length === 1);
    await h.signal('pause');
    await waitFor('the pause to apply', async () => (await h.query<TaskControl>('control')).paused);
    release0.resolve();
    // Shard 0's score is recorded in a later workflow task than the one that would have started shard 1.
    await waitFor('shard 0 to be scored', async () => (await h.query<TaskProgress>('progress')).shards_done === 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(m.of('generateShard').map((c) => c.shard), [0], 'no shard started while paused');
    const p = await h.query<TaskProgress>('progress');
    assert.equal(p.phase, 'generating');
    assert.equal(p.units_done, 10);
    await h.signal('resume');
    await waitFor('the resume to apply', async () => !(await h.query<TaskControl>('control')).paused);
    return (await h.result()) as TaskSummary;
  });
  assert.equal(summary.status, 'completed');
  assert.deepEqual(m.of('generateShard').map((c) => c.shard), [0, 1, 2, 3]);
  scoredOnce(m, 4);
});

test('a task started paused (the suite was paused) waits for resume before its first shard', async () => {
  const m = mockActivities({ shards: () => 2 });
  const summary = await withWorker(env, m.activities, async (taskQueue) => {
    const h = await env.client.workflow.start('evaluationTask', {
      taskQueue,
      workflowId: wfId(),
      args: [taskInput(resolvedTask('gsm8k'), execution(), { control: { paused: true } })],
    });
    await waitFor('the task to be prepared', async () => (await h.query<TaskProgress>('progress')).shards_total === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(m.of('generateShard').length, 0, 'nothing generated while paused');
    await h.signal('resume');
    return (await h.result()) as TaskSummary;
  });
  assert.equal(summary.status, 'completed');
  scoredOnce(m, 2);
});

test('setParallelism changes the parallelism the shards started after it are given; invalid values are ignored', async () => {
  const release = deferred();
  const m = mockActivities({
    shards: () => 6,
    generate: async (a) => {
      // The first window (shards 0 and 1) runs until the test has changed the parallelism.
      if (a.shard! < 2) await hold(release.promise);
    },
  });
  const summary = await withWorker(env, m.activities, async (taskQueue) => {
    // parallelism 8 with a window of 2 shards: each shard is given the task's 8 (shared through the endpoint's gate, not sliced).
    const task = resolvedTask('gsm8k', { params: { ...resolvedTask('x').params, parallelism: 8 } });
    const h = await env.client.workflow.start('evaluationTask', { taskQueue, workflowId: wfId(), args: [taskInput(task, execution({ shard_parallelism: 2 }))] });
    await waitFor('shards 0 and 1 to start', () => m.of('generateShard').length === 2);
    assert.deepEqual(await h.query<TaskControl>('control'), { paused: false, parallelism: 8, shard_concurrency: 8, judge_concurrency: 1 });
    await h.signal('setParallelism', { parallelism: 0 });
    await h.signal('setParallelism', { parallelism: 2.5 });
    // Signals apply in order: once the pause shows, the invalid values were handled.
    await h.signal('pause');
    await waitFor('the pause to apply', async () => (await h.query<TaskControl>('control')).paused);
    assert.equal((await h.query<TaskControl>('control')).parallelism, 8, 'invalid values ignored');
    await h.signal('setParallelism', { parallelism: 3 });
    await h.signal('resume');
    await waitFor('the new parallelism', async () => (await h.query<TaskControl>('control')).parallelism === 3);
    assert.deepEqual(await h.query<TaskControl>('control'), { paused: false, parallelism: 3, shard_concurrency: 3, judge_concurrency: 1 });
    release.resolve();
    return (await h.result()) as TaskSummary;
  });
  assert.equal(summary.status, 'completed');
  assert.deepEqual(
    m.of('generateShard').sort((a, b) => a.shard! - b.shard!).map((c) => c.concurrency),
    [8, 8, 3, 3, 3, 3],
    'shards started after the signal are given the new parallelism',
  );
  scoredOnce(m, 6);
});

test('a code task whose sandbox queue has no worker fails after sandbox_wait, naming the queue, before preparing', async () => {
  const m = mockActivities({ shards: () => 2 });
  const err = await withWorker(env, m.activities, async (taskQueue) => {
    const task = resolvedTask('humaneval', { sandbox: true });
    const h = await env.client.workflow.start('evaluationTask', {
      taskQueue,
      workflowId: wfId(),
      // The test server skips time only while no activity is outstanding: this wait passes in real time.
      args: [taskInput(task, execution({ sandbox_task_queue: `${taskQueue}-nobody`, sandbox_wait: 1 }))],
    });
    return h.result().then(
      () => assert.fail('the task should fail'),
      (e: unknown) => ({ e, queue: `${taskQueue}-nobody` }),
    );
  });
  assert.ok(err.e instanceof WorkflowFailedError);
  const cause = err.e.cause as ApplicationFailure;
  assert.equal(cause.type, 'TaskFailed');
  assert.ok(cause.message.includes(`no worker serves the sandbox task queue '${err.queue}' (waited 1 s)`), cause.message);
  assert.ok(cause.message.includes('Nothing was sent to the model'), cause.message);
  assert.equal(m.of('prepareTask').length, 0);
  assert.equal(m.of('generateShard').length, 0);
});

test('a code task scores its shards on the sandbox queue after the preflight passes', async () => {
  const m = mockActivities({ shards: () => 2 });
  const summary = await withWorker(
    env,
    m.activities,
    async (taskQueue) => {
      const h = await env.client.workflow.start('evaluationTask', { taskQueue, workflowId: wfId(), args: [taskInput(resolvedTask('humaneval', { sandbox: true }))] });
      return (await h.result()) as TaskSummary;
    },
    { extraQueues: ['-sandbox'] },
  );
  assert.equal(summary.status, 'completed');
  assert.equal(m.of('sandboxPreflight').length, 1);
  assert.equal(m.of('scoreShard').length, 0);
  assert.deepEqual(m.of('sandboxScoreShard').map((c) => c.shard).sort(), [0, 1]);
});

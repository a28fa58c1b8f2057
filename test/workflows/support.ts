/**
 * Workflow tests: evalflow's real workflow code (the prebuilt bundle, or
 * workflows/index.js bundled here) against Temporal's time-skipping test
 * server, with the activities replaced by plain functions each test scripts.
 * No endpoint, no store, no dev server: only the orchestration logic.
 *
 * The server is the Java test server scripts/setup-test-server.sh installs as
 * <cacheDir>/bin/temporal-test-server (listening on 127.0.0.1); the SDK starts
 * it as an existing path instead of downloading it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { binDir } from '../../lib/operator/infra/binaries';
import { currentBundle, workflowsEntry } from '../../workers/bundle';
import type { PrepareResult } from '../../lib/records/artifacts';
import type { ExecutionSettings, ResolvedTask, RunPlan, TaskInput, TaskSummary } from '../../lib/records/types';

/** The wrapper scripts/setup-test-server.sh installs. */
export function testServerPath(): string {
  const exe = path.join(binDir(), 'temporal-test-server');
  if (!fs.existsSync(exe)) {
    throw new Error(
      `the workflow tests need Temporal's time-skipping test server at ${exe}: ` +
        "run 'bash scripts/setup-test-server.sh' (needs Java 17+ and Maven; 'npm test' runs it through scripts/setup-tests.sh)",
    );
  }
  return exe;
}

let runtimeInstalled = false;

/** A time-skipping environment on our installed test server. Activity failures the tests provoke are not logged. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } });
}

let code: Promise<{ workflowBundle: { codePath: string } | { code: string } }> | undefined;

/** The prebuilt workflow bundle when current (`npm run build`), else the compiled workflows bundled once per process. */
export function workflowCode() {
  code ??= (async () => {
    const prebuilt = currentBundle();
    if (prebuilt) return { workflowBundle: { codePath: prebuilt } };
    const b = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), logger: new DefaultLogger('ERROR') });
    return { workflowBundle: { code: b.code } };
  })();
  return code;
}

let queues = 0;

/**
 * Runs `fn` while a worker with the given mock activities polls a fresh task
 * queue (and its `-judge`/`-sandbox` siblings when `extraQueues` says so).
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: object,
  fn: (taskQueue: string) => Promise<T>,
  opts: { extraQueues?: string[] } = {},
): Promise<T> {
  const taskQueue = `wf-test-${process.pid}-${++queues}`;
  const base = { connection: env.nativeConnection, activities, shutdownGraceTime: '1s', ...(await workflowCode()) };
  const main = await Worker.create({ ...base, taskQueue });
  const extra = await Promise.all((opts.extraQueues ?? []).map((suffix) => Worker.create({ ...base, taskQueue: `${taskQueue}${suffix}` })));
  const run = async () => fn(taskQueue);
  let result: Promise<T> = run();
  for (const w of extra) result = w.runUntil(result);
  return main.runUntil(result);
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits (real time) until `check` holds, polling; fails with `what` after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Blocks an activity, heartbeating (which is how a cancellation reaches it),
 * until `release` resolves or the activity is cancelled (then rethrows the
 * cancellation).
 */
export async function hold(release: Promise<unknown>): Promise<void> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), 200);
  try {
    await Promise.race([release, ctx.cancelled]);
  } finally {
    clearInterval(beat);
  }
}

/** Blocks an activity without heartbeating, like a worker that died, until `release` resolves or the worker shuts down. */
export async function hang(release: Promise<unknown>): Promise<void> {
  await Promise.race([release, Context.current().cancelled]);
}

/** Execution settings as a config gives them, small. */
export function execution(over: Partial<ExecutionSettings> = {}): ExecutionSettings {
  return { task_parallelism: 1, shard_parallelism: 1, shard_size: 10, heartbeat_timeout: 2, activity_attempts: 5, ...over };
}

export function resolvedTask(name: string, over: Partial<ResolvedTask> = {}): ResolvedTask {
  return {
    name,
    benchmark: name,
    endpoint: { url: 'http://127.0.0.1:9/v1/chat/completions', model_id: 'mock-model', type: 'chat' },
    params: { parallelism: 4, request_timeout: 30, max_retries: 0, num_repeats: 1 },
    shard_size: 10,
    ...over,
  };
}

export function taskInput(task: ResolvedTask, exec: ExecutionSettings = execution(), over: Partial<TaskInput> = {}): TaskInput {
  return { run_id: 'run-1', task, execution: exec, config_name: 'mock', ...over };
}

/** What prepareTask returns for a task of `shards` full shards of `perShard` units. */
export function prepared(shards: number, perShard = 10): PrepareResult {
  return {
    samples: shards * perShard,
    repeats: 1,
    shards,
    samples_per_shard: perShard,
    units: shards * perShard,
    dataset: { origin: 'mock', location: 'mock', sha256: '0'.repeat(64) },
  };
}

export interface Call {
  activity: string;
  task?: string;
  shard?: number;
  attempt: number;
  concurrency?: number;
  /** The workflow execution (run id) that scheduled the call. */
  runId: string;
}

type ShardArgs = { run_id: string; task: ResolvedTask; shard: number; concurrency?: number };

/**
 * Mock activities of every role, recording each call. Each behaviour can be
 * replaced; by default a task has `shards` shards, every shard generates and
 * scores at once, and aggregation returns a completed summary.
 */
export function mockActivities(
  opts: {
    shards?: (task: string) => number;
    plan?: RunPlan;
    generate?: (a: ShardArgs, attempt: number) => Promise<void>;
    score?: (a: ShardArgs, attempt: number) => Promise<void>;
    sandboxPreflight?: () => Promise<void>;
  } = {},
) {
  const calls: Call[] = [];
  const finalized: { run_id: string; status: string; summaries: TaskSummary[] }[] = [];
  const shards = opts.shards ?? (() => 3);
  const record = (activity: string, a: Partial<ShardArgs>): number => {
    const { attempt, workflowExecution } = Context.current().info;
    calls.push({ activity, task: a.task?.name, shard: a.shard, attempt, concurrency: a.concurrency, runId: workflowExecution?.runId ?? '' });
    return attempt;
  };
  const scored = async (name: string, a: ShardArgs) => {
    const attempt = record(name, a);
    await opts.score?.(a, attempt);
    return { units: prepared(shards(a.task.name)).samples_per_shard };
  };
  const activities = {
    async initRun(input: { run_id?: string }) {
      record('initRun', {});
      if (!opts.plan) throw new Error('mockActivities: no plan given for initRun');
      return { ...opts.plan, run_id: input.run_id ?? opts.plan.run_id };
    },
    async finalizeRun(args: { run_id: string; status: string; summaries: TaskSummary[] }) {
      record('finalizeRun', {});
      finalized.push(args);
    },
    async prepareTask(a: { task: ResolvedTask }) {
      record('prepareTask', a);
      return prepared(shards(a.task.name));
    },
    async generateShard(a: ShardArgs) {
      const attempt = record('generateShard', a);
      await opts.generate?.(a, attempt);
      return { units: prepared(shards(a.task.name)).samples_per_shard };
    },
    async judgeShard(a: ShardArgs) {
      record('judgeShard', a);
      return { units: prepared(shards(a.task.name)).samples_per_shard };
    },
    async scoreShard(a: ShardArgs) {
      return scored('scoreShard', a);
    },
    async sandboxScoreShard(a: ShardArgs) {
      return scored('sandboxScoreShard', a);
    },
    async sandboxPreflight(a: { task: ResolvedTask }) {
      record('sandboxPreflight', a);
      await opts.sandboxPreflight?.();
      return { slots: 1 };
    },
    async aggregateTask(a: { task: ResolvedTask; prepared: PrepareResult }) {
      record('aggregateTask', a);
      return { task: a.task.name, status: 'completed', results_key: `runs/x/${a.task.name}/results.json`, headline: { acc: { correct: a.prepared.units } } } satisfies TaskSummary;
    },
  };
  /** Calls of one activity (optionally of one task), in order. */
  const of = (activity: string, task?: string) => calls.filter((c) => c.activity === activity && (task === undefined || c.task === task));
  return { activities, calls, finalized, of };
}

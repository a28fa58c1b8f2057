/**
 * The typed client API for TypeScript callers, also what the CLI uses:
 * startEvaluation, getProgress, getResults, resumeEvaluation, cancelEvaluation.
 */
import * as YAML from 'yaml';
import { getBenchmark } from '../../benchmarks/index';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowClientInterceptor } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { applyOverrides, ConfigError, configName, loadConfigFile } from '../config/load';
import { planRun } from '../plan/plan';
import { loadSettings, type Settings } from '../config/settings';
import {
  checkNamespace,
  describeAddress,
  explainConnectFailure,
  temporalConnectionOptions,
  type TemporalConnectionError,
  type TemporalConnectionOptions,
} from '../config/temporal';
import { ArtifactStore } from '../engine/store';
import { keys } from '../records/keys';
import type { IdentifiedSuiteInput, RunPlan, SuiteInput, SuiteProgress, TaskProgress } from '../records/types';
import { SEARCH_ATTRIBUTES } from '../records/search-attributes';
import { EvalflowError } from '../records/errors';
import { startTracing } from '../engine/tracing';

/** The SDK's client interceptor, loaded only when tracing is on. */
function tracingClientInterceptor(): WorkflowClientInterceptor {
  const { OpenTelemetryWorkflowClientInterceptor } = require('@temporalio/interceptors-opentelemetry/lib/client') as typeof import('@temporalio/interceptors-opentelemetry/lib/client');
  return new OpenTelemetryWorkflowClientInterceptor();
}

/** What a caller of the client (or the CLI) did that cannot work as asked: the message says what to do instead. */
export class UsageError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'input', retryable: false });
  }
}

export interface StartOptions {
  /** Path of a NeMo-format YAML config, or the config object itself. */
  configFile?: string;
  config?: Record<string, unknown>;
  overrides?: string[];
  tasks?: string[];
  runId?: string;
  /** Name shown in listings (default: the config file's base name, or "config"). */
  configName?: string;
  taskQueue?: string;
  settings?: Settings;
  client?: Client;
}

export interface StartedRun {
  runId: string;
  plan: RunPlan;
  warnings: string[];
  input: IdentifiedSuiteInput;
  uiUrl: string;
}

/**
 * A client for the configured Temporal server and namespace (settings.temporal: EVALFLOW_*,
 * TEMPORAL_*, the TOML profile). A setting that cannot work (certificate, CA, API key, TLS
 * against plaintext, a namespace that does not exist) fails at once naming it.
 */
export async function connectClient(settings: Settings = loadSettings()): Promise<Client> {
  const t = settings.temporal;
  const options = temporalConnectionOptions(t);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '5 seconds' });
  } catch (e) {
    throw explainConnectFailure(e, t) ?? (await diagnoseWithNativeConnection(options, t)) ?? new UsageError(
      `cannot reach the Temporal server at ${describeAddress(t)} (${e instanceof Error ? e.message : String(e)}). ` +
        `Start it with 'evalflow dev up', or set TEMPORAL_ADDRESS (EVALFLOW_TEMPORAL_ADDRESS overrides it) to your server.`,
    );
  }
  try {
    await checkNamespace(connection.workflowService, t);
  } catch (e) {
    await connection.close();
    throw e;
  }
  // Tracing (OTEL_EXPORTER_OTLP_*): runs started here carry the client's span to the workflows (docs/operations.md).
  const interceptors = startTracing(settings.telemetry, 'evalflow-client') ? { interceptors: { workflow: [tracingClientInterceptor()] } } : {};
  return new Client({ connection, namespace: t.namespace, ...interceptors });
}

/**
 * The client's gRPC library says only "Failed to connect before the deadline" when TLS
 * goes wrong; the SDK's native connection (what workers use) names the cause. Asked only
 * after a failure, so a working connection never loads it.
 */
/**
 * How long the diagnosing native connection may take. Its own retries make a plaintext
 * connection to a TLS port take ~3.3 s on an idle 2-core machine; 5 s was exceeded under
 * load (CI with the slow tests beside it), and the user got the generic message.
 */
const DIAGNOSE_TIMEOUT_MS = 12_000;

async function diagnoseWithNativeConnection(options: TemporalConnectionOptions, t: Settings['temporal']): Promise<UsageError | TemporalConnectionError | undefined> {
  try {
    const { NativeConnection } = await import('@temporalio/worker');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), DIAGNOSE_TIMEOUT_MS)));
    try {
      const c = await Promise.race([NativeConnection.connect(options), timeout]);
      await c.close();
    } finally {
      clearTimeout(timer);
    }
    return undefined;
  } catch (e) {
    return explainConnectFailure(e, t);
  }
}

export function newRunId(name: string): string {
  const ts = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${name.replace(/[^A-Za-z0-9._-]/g, '-')}-${ts}-${randomBytes(2).toString('hex')}`;
}

/** Config file (or object) + overrides + task filter → the documented suite input. */
export function buildSuiteInput(opts: Pick<StartOptions, 'configFile' | 'config' | 'overrides' | 'tasks' | 'runId' | 'configName'>): {
  input: IdentifiedSuiteInput;
  plan: ReturnType<typeof planRun>;
} {
  let raw: Record<string, unknown>;
  let name = 'config';
  if (opts.configFile) {
    raw = loadConfigFile(opts.configFile);
    name = configName(opts.configFile);
  } else if (opts.config) {
    raw = opts.config;
  } else {
    throw new ConfigError('no config given; pass --config FILE (see configs/ for examples)');
  }
  if (opts.configName) name = opts.configName;
  raw = applyOverrides(raw, opts.overrides ?? []);
  const run_id = opts.runId ?? newRunId(name);
  const input: IdentifiedSuiteInput = { run_id, config_name: name, config: raw, ...(opts.tasks?.length ? { tasks: opts.tasks } : {}) };
  const plan = planRun(input); // the same checks the worker repeats
  return { input, plan };
}

export function uiLink(settings: Settings, workflowId: string): string {
  return `${settings.uiUrl}/namespaces/${settings.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** True when the namespace has evalflow's search attributes (lib/records/search-attributes.ts) registered. */
export async function searchAttributesRegistered(client: Client, namespace: string): Promise<boolean> {
  try {
    const res = await client.connection.operatorService.listSearchAttributes({ namespace });
    const have = res.customAttributes ?? {};
    return Object.keys(SEARCH_ATTRIBUTES).every((name) => name in have);
  } catch {
    return false;
  }
}

export async function startEvaluation(opts: StartOptions): Promise<StartedRun> {
  const settings = opts.settings ?? loadSettings();
  const { input, plan } = buildSuiteInput(opts);
  const client = opts.client ?? (await connectClient(settings));
  if (await searchAttributesRegistered(client, settings.namespace)) input.search_attributes = true;
  const store = new ArtifactStore(settings.storage);
  try {
    await client.workflow.start('evaluationSuite', {
      workflowId: input.run_id,
      taskQueue: opts.taskQueue ?? settings.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // What makes the run readable in the Temporal UI without evalflow.
      memo: {
        config_name: plan.config_name,
        tasks: plan.tasks.map((t) => t.name).join(','),
        model: plan.tasks[0]?.endpoint.model_id,
        artifacts: store.uri(keys.run(input.run_id)),
        config: plan.redacted,
      },
      staticSummary: `evalflow run ${input.run_id}: ${plan.tasks.map((t) => t.name).join(', ')} on ${plan.tasks[0]?.endpoint.model_id}`,
      staticDetails: `config **${plan.config_name}** — artifacts in \`${store.uri(keys.run(input.run_id))}\`\n\n` +
        plan.tasks.map((t) => `- ${t.name}: ${t.params.limit_samples ?? 'all'} samples × ${t.params.num_repeats} repeats, parallelism ${t.params.parallelism}`).join('\n'),
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) {
      throw new UsageError(
        `run id '${input.run_id}' is already used by another run; choose another --run-id, ` +
          `or 'evalflow resume ${input.run_id}' to continue that run`,
      );
    }
    throw e;
  }
  return { runId: input.run_id, plan, warnings: plan.warnings, input, uiUrl: uiLink(settings, input.run_id) };
}

export interface RunStatus {
  runId: string;
  status: string;
  progress: SuiteProgress | null;
  startTime?: Date;
  closeTime?: Date;
}

async function describeOrExplain(client: Client, runId: string) {
  try {
    return await client.workflow.getHandle(runId).describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) {
      throw new UsageError(`no run with id '${runId}'; 'evalflow ls runs' lists the runs`);
    }
    throw e;
  }
}

/** Temporal's TaskQueueType values (temporal.api.enums.v1.TaskQueueType). */
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

/** How many workers poll `queue` for workflow or activity tasks, as the Temporal server reports them. */
export async function queuePollers(client: Client, namespace: string, queue: string, kind: keyof typeof TASK_QUEUE_TYPE): Promise<number> {
  const res = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: queue }, taskQueueType: TASK_QUEUE_TYPE[kind] });
  return res.pollers?.length ?? 0;
}

/**
 * What a running run waits for in vain: the task queues it needs (its own,
 * and the judge and sandbox queues when a task is judged or runs code) that
 * no worker polls, each with what to start. Empty when every queue has a
 * worker, or the run is not running.
 */
export async function missingWorkers(runId: string, client?: Client, settings: Settings = loadSettings()): Promise<string[]> {
  const c = client ?? (await connectClient(settings));
  const desc = await describeOrExplain(c, runId);
  if (desc.status.name !== 'RUNNING') return [];
  const queue = desc.taskQueue;
  const memo = (desc.memo ?? {}) as {
    config?: { execution?: { judge_task_queue?: string; sandbox_task_queue?: string }; deployment?: { type?: string; task_queue?: string }; auxiliary_deployments?: { judge?: { type?: string; task_queue?: string } }; evaluation?: { tasks?: { name?: string }[] } };
    tasks?: string;
  };
  const taskNames = memo.config?.evaluation?.tasks?.map((t) => String(t.name)) ?? (typeof memo.tasks === 'string' ? memo.tasks.split(',') : []);
  const benchmarks = taskNames.map((n) => getBenchmark(n)).filter((b) => b !== undefined);
  const problems: string[] = [];
  const [wf, act] = await Promise.all([
    queuePollers(c, settings.namespace, queue, 'workflow'),
    queuePollers(c, settings.namespace, queue, 'activity'),
  ]);
  if (wf === 0 || act === 0) {
    problems.push(
      `no worker polls the task queue '${queue}' (${wf === 0 && act === 0 ? 'workflows and activities' : wf === 0 ? 'workflows' : 'activities'}): ` +
        `the run waits until one does — start 'evalflow worker${queue !== settings.taskQueue ? ` --task-queue ${queue}` : ''}' (or a worker with the evalflow plugins on '${queue}')`,
    );
  }
  const extra: [string, string, boolean][] = [
    [memo.config?.execution?.judge_task_queue ?? `${queue}-judge`, `the judge role ('evalflow worker --role judge', or judgePlugin)`, benchmarks.some((b) => b.kind === 'judged')],
    [memo.config?.execution?.sandbox_task_queue ?? `${queue}-sandbox`, `the sandbox role ('evalflow worker --role sandbox', or sandboxPlugin)`, benchmarks.some((b) => b.kind === 'executed')],
    [
      memo.config?.deployment?.task_queue ?? `${queue}-deploy`,
      `the deploy role on a host that can run the ${memo.config?.deployment?.type ?? ''} server ('evalflow worker --role deploy' there, or --role all,deploy for one machine)`,
      !!memo.config?.deployment?.type && memo.config.deployment.type !== 'none',
    ],
    [
      memo.config?.auxiliary_deployments?.judge?.task_queue ?? `${queue}-deploy`,
      `the deploy role on a host that can run the judge's ${memo.config?.auxiliary_deployments?.judge?.type ?? ''} server ('evalflow worker --role deploy' there, or --role all,deploy for one machine)`,
      !!memo.config?.auxiliary_deployments?.judge?.type && memo.config.auxiliary_deployments.judge.type !== 'none',
    ],
  ];
  for (const [q, role, needed] of extra) {
    if (needed && (await queuePollers(c, settings.namespace, q, 'activity')) === 0) problems.push(`no worker polls '${q}': start ${role}`);
  }
  return problems;
}

/** Suite progress with each task's live sample counts (queried from its child workflow). */
export async function getProgress(runId: string, client?: Client): Promise<RunStatus> {
  const c = client ?? (await connectClient());
  const desc = await describeOrExplain(c, runId);
  let progress: SuiteProgress | null = null;
  try {
    // A query waits for a worker to answer it; with none, don't hang the caller.
    progress = await c.withDeadline(Date.now() + 3000, () => c.workflow.getHandle(runId).query<SuiteProgress>('progress'));
  } catch {
    progress = null; // no worker to answer (e.g. all stopped): status alone is still useful
  }
  if (progress) {
    await Promise.all(
      progress.tasks.map(async (t, i) => {
        if (t.phase === 'pending') return;
        try {
          const child = await c.withDeadline(Date.now() + 3000, () => c.workflow.getHandle(`${runId}/${t.task}`).query<TaskProgress>('progress'));
          // The child's own progress, with what only the suite knows (live usage and the concurrency limit, from the limiters).
          const live = { ...(t.usage ? { usage: t.usage } : {}), ...(t.concurrency_limit !== undefined ? { concurrency_limit: t.concurrency_limit, in_flight: t.in_flight } : {}) };
          progress!.tasks[i] = { ...child, ...live, phase: t.phase === 'failed' || t.phase === 'completed' ? t.phase : child.phase, error: t.error ?? child.error };
        } catch {
          /* child not started yet or no worker: keep the suite's view */
        }
      }),
    );
  }
  return { runId, status: desc.status.name, progress, startTime: desc.startTime, closeTime: desc.closeTime };
}

export interface TaskResults {
  task: string;
  results: unknown | null;
}

/** results.json of every task of a run, from the artifact store. */
export async function getResults(runId: string, store = new ArtifactStore(loadSettings().storage)): Promise<TaskResults[]> {
  const meta = await store.getJson<{ tasks: string[] }>(keys.metadata(runId));
  if (!meta) throw new UsageError(`no artifacts for run '${runId}' in ${store.uri(keys.run(runId))}; check the run id and EVALFLOW_S3_* settings`);
  return Promise.all(meta.tasks.map(async (task) => ({ task, results: await store.getJson(keys.results(runId, task)) })));
}

/** Start the run again under the same id: every finished shard and cached response is replayed, nothing is paid twice. */
export async function resumeEvaluation(
  runId: string,
  opts: { client?: Client; taskQueue?: string; budgetUsd?: number } = {},
): Promise<'unpaused' | 'restarted'> {
  const settings = loadSettings();
  const c = opts.client ?? (await connectClient(settings));
  const budget = opts.budgetUsd;
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    throw new UsageError(`--budget must be a number of US dollars above 0 (got ${budget})`);
  }
  const desc = await describeOrExplain(c, runId);
  const status = desc.status.name;
  if (status === 'RUNNING') {
    // A running run may be paused: resume its new model calls (with a new budget first, when given).
    const handle = c.workflow.getHandle(runId);
    const progress = await handle.query<SuiteProgress>('progress').catch(() => undefined);
    const spent = progress?.cost_usd ?? 0;
    const limit = budget ?? progress?.budget_usd;
    if (progress?.paused_reason?.startsWith('budget') && limit !== undefined && spent >= limit) {
      throw new UsageError(
        `run '${runId}' is paused because it reached its budget ($${spent.toFixed(4)} spent of $${progress.budget_usd}); ` +
          `give a higher budget: evalflow resume ${runId} --budget <USD above ${spent.toFixed(2)}>`,
      );
    }
    if (budget !== undefined) await handle.signal('setBudget', { budget_usd: budget });
    await handle.signal('resume');
    return 'unpaused';
  }
  if (status === 'COMPLETED') throw new UsageError(`run '${runId}' already completed; see 'evalflow results ${runId}'`);
  const history = await c.workflow.getHandle(runId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (!payload?.data) throw new UsageError(`cannot read the original input of run '${runId}'`);
  const input = JSON.parse(Buffer.from(payload.data).toString('utf8')) as SuiteInput;
  // A new budget travels beside the config: the run's identity (config_hash) stays the same.
  if (budget !== undefined) input.budget_usd = budget;
  await c.workflow.start('evaluationSuite', {
    workflowId: runId,
    taskQueue: opts.taskQueue ?? started?.taskQueue?.name ?? settings.taskQueue,
    args: [input],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  });
  return 'restarted';
}

/**
 * Score a finished run again with the scorers of this evalflow (after a
 * scorer changed, docs/fidelity.md): a new run of the old run's exact config
 * under a new id. Every model response is replayed from the cache (0 model
 * calls); results.json and metadata.json name the new scorer versions. The
 * config comes from the old run's workflow input, or, when Temporal no longer
 * keeps its history, from its stored run_config.yaml.
 */
export async function rescoreEvaluation(
  runId: string,
  opts: { newRunId?: string; client?: Client; taskQueue?: string; settings?: Settings } = {},
): Promise<StartedRun> {
  const settings = opts.settings ?? loadSettings();
  const c = opts.client ?? (await connectClient(settings));
  const store = new ArtifactStore(settings.storage);
  const meta = await store.getJson<{ config_name?: string; tasks: string[] }>(keys.metadata(runId));
  if (!meta) throw new UsageError(`no artifacts for run '${runId}' in ${store.uri(keys.run(runId))}; check the run id and EVALFLOW_S3_* settings`);
  let input: SuiteInput | null = null;
  try {
    const history = await c.workflow.getHandle(runId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (payload?.data) input = JSON.parse(Buffer.from(payload.data).toString('utf8')) as SuiteInput;
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  }
  if (!input) {
    const text = await store.getText(keys.runConfig(runId));
    if (text === null) throw new UsageError(`run '${runId}' has neither a workflow history nor a stored run_config.yaml to take its config from`);
    input = { config: YAML.parse(text) as Record<string, unknown>, tasks: meta.tasks };
  }
  const newId = opts.newRunId ?? newRunId(`${runId.slice(0, 90)}-rescored`);
  return startEvaluation({
    config: input.config,
    tasks: input.tasks,
    runId: newId,
    configName: input.config_name ?? meta.config_name,
    taskQueue: opts.taskQueue,
    settings,
    client: c,
  });
}

async function signalRunning(runId: string, client: Client | undefined, name: string, arg?: unknown): Promise<void> {
  const c = client ?? (await connectClient());
  const desc = await describeOrExplain(c, runId);
  if (desc.status.name !== 'RUNNING') throw new UsageError(`run '${runId}' is not running (${desc.status.name})`);
  const h = c.workflow.getHandle(runId);
  await (arg === undefined ? h.signal(name) : h.signal(name, arg));
}

/** Stop scheduling new model calls of a running run (calls in flight finish). */
export async function pauseEvaluation(runId: string, client?: Client): Promise<void> {
  await signalRunning(runId, client, 'pause');
}

/** Change the concurrency of a running run's tasks (or one task) without restarting it. */
export async function setParallelism(runId: string, parallelism: number, opts: { task?: string; client?: Client } = {}): Promise<void> {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new UsageError(`parallelism must be a whole number ≥ 1, got ${parallelism}`);
  await signalRunning(runId, opts.client, 'setParallelism', { parallelism, ...(opts.task ? { task: opts.task } : {}) });
}

export async function cancelEvaluation(runId: string, client?: Client): Promise<void> {
  const c = client ?? (await connectClient());
  const desc = await describeOrExplain(c, runId);
  if (desc.status.name !== 'RUNNING') throw new UsageError(`run '${runId}' is not running (${desc.status.name}); nothing to cancel`);
  await c.workflow.getHandle(runId).cancel();
}

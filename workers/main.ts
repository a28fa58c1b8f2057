/**
 * The all-in-one worker behind `evalflow worker`: the plugins of
 * workers/plugins.ts on one task queue, nothing more.
 */
import { type NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { loadSettings } from '../lib/config/settings';
import { TemporalConnectionError } from '../lib/config/temporal';
import { connectTemporal } from './connection';
import { deployPlugin, evalflowPlugins, judgePlugin, sandboxPlugin, type EvalflowPluginOptions } from './plugins';
import { EvalflowError } from '../lib/records/errors';
import { WORKER_ROLES, type WorkerRole } from './roles';
import { checkMetricsAddress, prometheusTelemetry, useEvalflowMetrics } from './metrics';
import { shutdownTracing, startTracing } from '../lib/engine/tracing';

export interface RunWorkerOptions extends EvalflowPluginOptions {
  taskQueue?: string;
  /** Queue of the judge role; default "<taskQueue>-judge" (what workflows use unless execution.judge_task_queue says otherwise). */
  judgeTaskQueue?: string;
  /** Queue of the sandbox role; default "<taskQueue>-sandbox". */
  sandboxTaskQueue?: string;
  /** Leave out the sandbox role (a worker on a host that must not run model-written code). */
  noSandbox?: boolean;
  /** Roles to serve (`evalflow worker --role`, workers/roles.ts); default main, judge and sandbox (deploy only when named). */
  roles?: readonly WorkerRole[];
  /** Queue of the deploy role; default "<taskQueue>-deploy". */
  deployTaskQueue?: string;
  address?: string;
  namespace?: string;
  /** Max concurrent activity executions on this worker (shards in flight). */
  maxConcurrentActivities?: number;
  logLevel?: LogLevel;
  /** Resolves when the worker is polling. */
  onReady?: () => void;
  /** Aborting stops the worker gracefully. */
  signal?: AbortSignal;
  /** Where to say that the server is not reachable yet (default: stderr). */
  onRetry?: (message: string) => void;
  /** HOST:PORT to serve Prometheus metrics on (default EVALFLOW_METRICS_ADDRESS; unset: none). */
  metricsAddress?: string;
}

let runtimeInstalled = false;

export async function runWorker(opts: RunWorkerOptions = {}): Promise<void> {
  const settings = loadSettings();
  // Metrics and tracing (docs/operations.md, "Metrics and tracing"): one /metrics endpoint for the SDK's and evalflow's.
  const metricsAddress = opts.metricsAddress ?? settings.telemetry.metricsAddress;
  if (metricsAddress && !runtimeInstalled) await checkMetricsAddress(metricsAddress, opts.metricsAddress ? '--metrics-address' : 'EVALFLOW_METRICS_ADDRESS');
  const tracing = startTracing(settings.telemetry, 'evalflow-worker');
  if (!runtimeInstalled) {
    // The judge role's worker polls activities only; the SDK's warning that it has no
    // workflows is expected there and would only confuse whoever reads the worker log.
    Runtime.install({
      ...(metricsAddress ? { telemetryOptions: prometheusTelemetry(metricsAddress) } : {}),
      logger: new DefaultLogger(opts.logLevel ?? 'WARN', (entry) => {
        if (entry.message.startsWith('No workflows registered')) return;
        const ts = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
        const meta = entry.meta && Object.keys(entry.meta).length ? ` ${JSON.stringify(entry.meta)}` : '';
        (entry.level === 'ERROR' || entry.level === 'WARN' ? console.error : console.log)(`${ts} [${entry.level}] ${entry.message}${meta}`);
      }),
    });
    runtimeInstalled = true;
    if (metricsAddress) useEvalflowMetrics();
  }
  const address = opts.address ?? settings.temporal.address;
  // A worker started while the server restarts (or before it is up) waits for it
  // instead of exiting: a replacement worker must not die of bad timing. A setting
  // that cannot work (certificate, CA, API key, namespace) fails at once instead.
  let connection: NativeConnection | undefined;
  let namespace = opts.namespace ?? settings.temporal.namespace;
  for (let attempt = 0; !connection; attempt++) {
    try {
      ({ connection, namespace } = await connectTemporal({ temporal: settings.temporal, address: opts.address, namespace: opts.namespace }));
    } catch (e) {
      if (e instanceof TemporalConnectionError) throw e;
      if (opts.signal?.aborted) return;
      const waitS = Math.min(10, 1 + attempt);
      const raw = e instanceof Error ? e.message : String(e);
      const why = /message: "([^"]+)"/.exec(raw)?.[1] ?? raw.split('\n')[0];
      (opts.onRetry ?? ((m: string) => console.error(m)))(
        `evalflow worker: cannot reach the Temporal server at ${address} (${why}); ` +
          `retrying in ${waitS} s — start it with 'evalflow dev up' or set TEMPORAL_ADDRESS (EVALFLOW_TEMPORAL_ADDRESS overrides it) (Ctrl-C stops)`,
      );
      await new Promise((r) => setTimeout(r, waitS * 1000));
      if (opts.signal?.aborted) return;
    }
  }
  try {
    const taskQueue = opts.taskQueue ?? settings.taskQueue;
    // --role: each role is a Worker of its own on its own queue (docs/operations.md, "Scaling each role").
    const roles = new Set<WorkerRole>(opts.roles?.length ? opts.roles : WORKER_ROLES);
    if (opts.noSandbox) roles.delete('sandbox');
    if (roles.size === 0) {
      throw new EvalflowError('no worker role left to serve: noSandbox (--no-sandbox) removed the only one; drop it or add another role', { kind: 'config', retryable: false });
    }
    const workers: Worker[] = [];
    if (roles.has('main')) {
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue,
          maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 32,
          plugins: evalflowPlugins(opts),
        }),
      );
    }
    // The judge role polls its own queue; the all-in-one worker serves it too.
    if (roles.has('judge')) {
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: opts.judgeTaskQueue ?? `${taskQueue}-judge`,
          maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 32,
          plugins: [judgePlugin(opts)],
        }),
      );
    }
    // The sandbox role polls its own queue too; a sandbox shard keeps all slots busy, so two at a time.
    if (roles.has('sandbox')) {
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: opts.sandboxTaskQueue ?? `${taskQueue}-sandbox`,
          maxConcurrentActivityTaskExecutions: 2,
          plugins: [sandboxPlugin(opts)],
        }),
      );
    }
    // The deploy role (model servers of runs with a `deployment:`), only when asked for: a host without the accelerators must not take one.
    if (roles.has('deploy')) {
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: opts.deployTaskQueue ?? `${taskQueue}-deploy`,
          maxConcurrentActivityTaskExecutions: 8,
          plugins: [deployPlugin(opts)],
        }),
      );
    }
    const stop = () => {
      for (const w of workers) w.shutdown();
    };
    opts.signal?.addEventListener('abort', stop, { once: true });
    const running = Promise.all(workers.map((w) => w.run()));
    opts.onReady?.();
    await running;
  } finally {
    await connection.close();
    if (tracing) await shutdownTracing();
  }
}

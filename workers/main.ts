/**
 * The all-in-one worker behind `evalflow worker`: the plugins of
 * workers/plugins.ts on one task queue, nothing more.
 */
import { NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { loadSettings } from '../lib/settings';
import { evalflowPlugins, type EvalflowPluginOptions } from './plugins';

export interface RunWorkerOptions extends EvalflowPluginOptions {
  taskQueue?: string;
  address?: string;
  namespace?: string;
  /** Max concurrent activity executions on this worker (shards in flight). */
  maxConcurrentActivities?: number;
  logLevel?: LogLevel;
  /** Resolves when the worker is polling. */
  onReady?: () => void;
  /** Aborting stops the worker gracefully. */
  signal?: AbortSignal;
}

let runtimeInstalled = false;

export async function runWorker(opts: RunWorkerOptions = {}): Promise<void> {
  const settings = loadSettings();
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger(opts.logLevel ?? 'WARN') });
    runtimeInstalled = true;
  }
  let connection: NativeConnection;
  const address = opts.address ?? settings.temporalAddress;
  try {
    connection = await NativeConnection.connect({ address });
  } catch (e) {
    throw new Error(
      `cannot reach the Temporal server at ${address}: ${e instanceof Error ? e.message : String(e)}. ` +
        `Start it with 'evalflow dev up' or set EVALFLOW_TEMPORAL_ADDRESS.`,
    );
  }
  try {
    const worker = await Worker.create({
      connection,
      namespace: opts.namespace ?? settings.namespace,
      taskQueue: opts.taskQueue ?? settings.taskQueue,
      maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 32,
      plugins: evalflowPlugins(opts),
    });
    const stop = () => worker.shutdown();
    opts.signal?.addEventListener('abort', stop, { once: true });
    const running = worker.run();
    opts.onReady?.();
    await running;
  } finally {
    await connection.close();
  }
}

/**
 * evalflow as Temporal worker plugins, one per role. A team adds evalflow to
 * its own workers:
 *
 *   const worker = await Worker.create({
 *     connection, taskQueue: 'evals',
 *     plugins: [orchestrationPlugin(), generationPlugin(), scoringPlugin()],
 *   });
 *   // judged benchmarks (HLE): a worker on the judge queue
 *   await Worker.create({ connection, taskQueue: 'evals-judge', plugins: [judgePlugin()] });
 *
 * The connection: `connectTemporal()` (re-exported here) connects the way
 * `evalflow worker` and the CLI do — EVALFLOW_TEMPORAL_ADDRESS / EVALFLOW_NAMESPACE,
 * then TEMPORAL_* (address, namespace, API key, mTLS), then the TOML profile — and
 * fails at once naming a setting that cannot work; `temporalConnectionOptions`
 * gives the same options for a NativeConnection.connect of your own:
 *
 *   const { connection, namespace } = await connectTemporal();
 *
 * `evalflow worker` is exactly these plugins with defaults. Custom benchmarks
 * (modules outside the repo) are registered through the `benchmarks` option of
 * the plugins that need benchmark code (orchestration prepares prompts,
 * scoring extracts and scores).
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { registerBenchmark, getBenchmark } from '../benchmarks/index';
import type { Benchmark } from '../benchmarks/types';
import {
  type ActivityDeps,
  defaultDeps,
  deployingActivities,
  generationActivities,
  judgingActivities,
  orchestrationActivities,
  sandboxingActivities,
  scoringActivities,
} from '../activities/index';
import { createSandbox, type SandboxSettings } from '../lib/engine/sandbox/bwrap';
import { closeMathGrader } from '../lib/engine/math/verify';
import { checkedBundle, currentBundle, workflowsEntry } from './bundle';
import { tracingOn, withTracing, WORKFLOW_TRACING_MODULE } from './tracing';
import { loadSettings } from '../lib/config/settings';
import { startTracing } from '../lib/engine/tracing';
export { useEvalflowMetrics } from './metrics';

/**
 * Start OpenTelemetry tracing in this process when OTEL_EXPORTER_OTLP_ENDPOINT
 * (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: call it before creating the
 * plugins, and the role plugins trace workflows and activities
 * (docs/operations.md, "Metrics and tracing"). False when tracing stays off.
 */
export function startEvalflowTracing(serviceName = 'evalflow-worker'): boolean {
  return startTracing(loadSettings().telemetry, serviceName) !== null;
}

/** Every evalflow role plugin: adds the tracing interceptors when this process traces (workers/tracing.ts). */
class RolePlugin extends SimplePlugin {
  override configureWorker(options: WorkerOptions): WorkerOptions {
    return withTracing(super.configureWorker(options));
  }
}

export { connectTemporal, type ConnectTemporalOptions } from './connection';
export { temporalConnectionOptions, TemporalConnectionError, type TemporalConnectionOptions, type TemporalSettings } from '../lib/config/temporal';

export interface EvalflowPluginOptions {
  /** Store and settings; defaults come from the EVALFLOW_* environment. */
  deps?: ActivityDeps;
  /** Extra benchmark modules to register on this worker. */
  benchmarks?: Benchmark[];
  /**
   * A workflow bundle file (bundleWorkflowCode's code) to run instead of evalflow's own workflows
   * (`evalflow worker --workflow-bundle`): e.g. a build of a newer workflow version, or the upgrade
   * test's patched copy (docs/operations.md).
   */
  workflowBundle?: string;
}

function register(benchmarks: Benchmark[] = []) {
  for (const b of benchmarks) {
    // Idempotent for the same module object: several plugins may carry the same list.
    if (getBenchmark(b.name) !== b) registerBenchmark(b);
  }
}

/** The workflows (evaluationSuite, evaluationTask) and the run bookkeeping activities. */
export function orchestrationPlugin(opts: EvalflowPluginOptions = {}): SimplePlugin {
  register(opts.benchmarks);
  const tracing = tracingOn();
  const bundle = opts.workflowBundle ? checkedBundle(opts.workflowBundle) : currentBundle(tracing);
  return new RolePlugin({
    name: 'evalflow.orchestration',
    // The bundle `npm run build` made, when current: a worker polls within seconds instead of bundling first.
    // Tracing: the bundle with the workflow interceptors (bundled at start with them otherwise).
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: workflowsEntry(), ...(tracing ? { workerInterceptors: (i) => ({ ...i, workflowModules: [...(i?.workflowModules ?? []), WORKFLOW_TRACING_MODULE] }) } : {}) }),
    activities: orchestrationActivities(opts.deps ?? defaultDeps()),
  });
}

/**
 * A plugin for roles that make paid calls: heartbeats must reach the server at
 * least every 2 s (unless the worker sets its own throttle), because that is how
 * a running shard learns it was cancelled — `evalflow cancel` then stops paid
 * calls within seconds instead of up to the SDK's default of a minute.
 */
class CallingRolePlugin extends RolePlugin {
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    return { ...configured, maxHeartbeatThrottleInterval: configured.maxHeartbeatThrottleInterval ?? '2 seconds' };
  }
}

/** Endpoint calls with retries, the response cache and checkpoints. */
export function generationPlugin(opts: EvalflowPluginOptions = {}): SimplePlugin {
  return new CallingRolePlugin({ name: 'evalflow.generation', activities: generationActivities(opts.deps ?? defaultDeps()) });
}

/** The scoring role: its math grader process (lib/engine/math/verify) ends when its worker does. */
class ScoringRolePlugin extends RolePlugin {
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    try {
      await super.runWorker(worker, next);
    } finally {
      await closeMathGrader();
    }
  }
}

/**
 * Answer extraction, scoring and aggregation into results.json. Math
 * benchmarks (gsm8k, ns_aime2025) are graded by math-verify in a Python
 * process this role starts on first use: the host needs scripts/setup-math.sh
 * (or EVALFLOW_MATH_PYTHON).
 */
export function scoringPlugin(opts: EvalflowPluginOptions = {}): SimplePlugin {
  register(opts.benchmarks);
  return new ScoringRolePlugin({ name: 'evalflow.scoring', activities: scoringActivities(opts.deps ?? defaultDeps()) });
}

/**
 * LLM judging (benchmarks graded by a second model). Runs on the judge task
 * queue (`execution.judge_task_queue`, default "<queue>-judge"), so judge
 * workers scale apart from generation workers. Needs the benchmark modules.
 */
export function judgePlugin(opts: EvalflowPluginOptions = {}): SimplePlugin {
  register(opts.benchmarks);
  return new CallingRolePlugin({ name: 'evalflow.judge', activities: judgingActivities(opts.deps ?? defaultDeps()) });
}

/**
 * Running model-written code for the code benchmarks (HumanEval,
 * LiveCodeBench, SciCode) in the bubblewrap sandbox. Runs on the sandbox task
 * queue (`execution.sandbox_task_queue`, default "<queue>-sandbox"), so a team
 * can keep untrusted code on hosts of its own:
 *
 *   await Worker.create({ connection, taskQueue: 'evals-sandbox', plugins: [sandboxPlugin()] });
 *
 * Needs bubblewrap and Python 3 (with numpy, scipy, sympy, h5py) on the host;
 * `sandbox` overrides the EVALFLOW_SANDBOX_* settings (slots, memory, data).
 */
export function sandboxPlugin(opts: EvalflowPluginOptions & { sandbox?: SandboxSettings } = {}): SimplePlugin {
  register(opts.benchmarks);
  const deps = opts.deps ?? defaultDeps();
  const env = deps.settings.sandbox;
  const sandbox = createSandbox({ slots: env.slots, memoryMb: env.memoryMb, data: env.data, ...opts.sandbox });
  return new RolePlugin({ name: 'evalflow.sandbox', activities: sandboxingActivities(deps, sandbox) });
}

/**
 * The deploy role: starts the model servers of runs with a `deployment:`
 * (docs/architecture.md, "Deployments") on the deploy task queue
 * (`deployment.task_queue`, default "<queue>-deploy"), on hosts that can run
 * them (GPUs, the server binary or a container runtime). Heartbeats reach the
 * server at least every second, so a dead deploy host is noticed soon.
 */
export function deployPlugin(opts: EvalflowPluginOptions = {}): SimplePlugin {
  return new DeployRolePlugin({ name: 'evalflow.deploy', activities: deployingActivities(opts.deps ?? defaultDeps()) });
}

class DeployRolePlugin extends SimplePlugin {
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    return { ...configured, maxHeartbeatThrottleInterval: configured.maxHeartbeatThrottleInterval ?? '1 second' };
  }
}

/** All roles of the main task queue, for the all-in-one worker (the judge role polls its own queue). */
export function evalflowPlugins(opts: EvalflowPluginOptions = {}): SimplePlugin[] {
  const deps = opts.deps ?? defaultDeps();
  return [orchestrationPlugin({ ...opts, deps }), generationPlugin({ ...opts, deps }), scoringPlugin({ ...opts, deps })];
}

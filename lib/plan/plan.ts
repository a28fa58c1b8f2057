/**
 * From a NeMo-format config object to the plan the workflows run: validate,
 * filter tasks, resolve each task against the benchmark registry. Used by the
 * CLI (dry run, before starting) and again by the worker (initRun), so a
 * service that starts the workflow directly gets the same checks.
 */
import { ConfigError, filterTasks, redactConfig, resolveTasks, validateConfig } from '../config/load';
import { getBenchmark, KNOWN_UNSUPPORTED_TASKS, listBenchmarks } from '../../benchmarks/index';
import type { DeploymentSpec, ExecutionSettings, IdentifiedSuiteInput, ResolvedTask, RunPlan } from '../records/types';

export interface PlanReport {
  tasks: ResolvedTask[];
  execution: ExecutionSettings;
  warnings: string[];
  unsupported: { name: string; reason: string }[];
  redacted: unknown;
  deployment?: DeploymentSpec;
  /** The judge's server (`auxiliary_deployments.judge`), when it has one. */
  judge_deployment?: DeploymentSpec;
}

export const registryView = {
  isImplemented: (name: string) => getBenchmark(name) !== undefined,
  unsupportedReason: (name: string) => KNOWN_UNSUPPORTED_TASKS[name],
  defaults: (name: string) => getBenchmark(name)?.defaults,
  splits: (name: string) => {
    const b = getBenchmark(name);
    return b?.dataset.splits ?? (b?.dataset.readRows ? [b.dataset.split] : undefined);
  },
  benchmarkArgs: (name: string) => getBenchmark(name)?.benchmarkArgs,
  isJudged: (name: string) => getBenchmark(name)?.kind === 'judged',
  isSandboxed: (name: string) => getBenchmark(name)?.kind === 'executed',
  promptConfigProblem: (name: string, promptConfig: string | undefined) => {
    const known = getBenchmark(name)?.promptConfigs;
    if (promptConfig === undefined || !known || known.includes(promptConfig)) return undefined;
    const why = promptConfig.startsWith('/')
      ? `prompt_config '${promptConfig}' is a file inside NeMo Evaluator's container whose text is not published`
      : `prompt_config '${promptConfig}' is not one evalflow reproduces for ${name}`;
    return `${why}; known: ${known.join(', ')} — choose one with -o evaluation.tasks.${name}.nemo_evaluator_config.config.params.extra.args='++prompt_config=${known[0]}'`;
  },
  knownTasks: () => [...listBenchmarks().map((b) => b.name), ...Object.keys(KNOWN_UNSUPPORTED_TASKS)],
};

export function buildPlan(rawConfig: unknown, taskFilter?: string[]): PlanReport {
  let cfg = validateConfig(rawConfig);
  if (taskFilter && taskFilter.length) cfg = filterTasks(cfg, taskFilter);
  const resolved = resolveTasks(cfg, registryView);
  return { ...resolved, redacted: redactConfig(cfg) };
}

/** The plan for a run; tasks evalflow cannot run yet make it an error that says which and what to do. */
export function planRun(input: IdentifiedSuiteInput): RunPlan & { redacted: unknown; warnings: string[] } {
  const report = buildPlan(input.config, input.tasks);
  if (report.unsupported.length) {
    const runnable = report.tasks.map((t) => t.name);
    throw new ConfigError(
      `tasks that cannot run: ${report.unsupported.map((u) => `${u.name} (${u.reason})`).join('; ')}. ` +
        (runnable.length ? `Run the supported ones with ${runnable.map((n) => `-t ${n}`).join(' ')}.` : 'No task in this config can run yet.'),
      'evaluation.tasks',
    );
  }
  if (!report.tasks.length) throw new ConfigError('the config has no tasks to run', 'evaluation.tasks');
  return {
    run_id: input.run_id,
    config_name: input.config_name ?? 'config',
    tasks: report.tasks,
    execution: report.execution,
    ...(report.deployment ? { deployment: report.deployment } : {}),
    ...(report.judge_deployment ? { judge_deployment: report.judge_deployment } : {}),
    redacted: report.redacted,
    warnings: report.warnings,
  };
}

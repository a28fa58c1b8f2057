/**
 * The `evalflow` command. Every subcommand has --help.
 */
import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as path from 'node:path';
import * as YAML from 'yaml';
import cliProgress from 'cli-progress';
import { listBenchmarks, KNOWN_UNSUPPORTED_TASKS } from '../benchmarks/index';
import { applyOverrides, loadConfigFile } from '../lib/config/load';
import { buildPlan } from '../lib/plan/plan';
import {
  buildSuiteInput,
  cancelEvaluation,
  connectClient,
  UsageError,
  searchAttributesRegistered,
  getProgress,
  missingWorkers,
  getResults,
  pauseEvaluation,
  rescoreEvaluation,
  resumeEvaluation,
  setParallelism,
  startEvaluation,
  uiLink,
} from '../lib/operator/client';
import { loadDataset, loadDatasetFiles } from '../lib/engine/datasets';
import { benchmarkModuleSpecs, registerBenchmarkModules } from '../lib/plan/custom-benchmarks';
import { baseUrlOf } from '../lib/engine/endpoint';
import { loadSettings, secretFromEnv, serverEnv } from '../lib/config/settings';
import { commandFor } from '../lib/engine/deploy';
import { ArtifactStore } from '../lib/engine/store';
import { keys } from '../lib/records/keys';
import type { DeploymentSpec, ResolvedTask, SuiteProgress, TaskSummary, TaskUsage } from '../lib/records/types';
import type { NemoResults } from '../lib/records/artifacts';
import { CHARS_PER_TOKEN, describeUsage, estimateTask, formatUsd, sumTaskUsage } from '../lib/engine/cost';
import { compactCount, costCell, RESULT_HEADER, resultRows, table, usageCell, type UsageView } from './format';
import { register as registerReport } from './report';
import { register as registerCompare } from './compare';
import { register as registerGate } from './gate';
import { register as registerExport } from './export';
import { SEARCH_ATTRIBUTES } from '../lib/records/search-attributes';
import { checkedBundle, currentBundle } from '../workers/bundle';
import { parseWorkerRoles, roleQueues } from '../workers/roles';
import { tracingOn } from '../workers/tracing';
import { EvalflowError } from '../lib/records/errors';
import { shutdownTracing } from '../lib/engine/tracing';

const collect = (v: string, prev: string[]) => [...prev, v];

// `evalflow logs … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

function fail(e: unknown): never {
  // evalflow's own errors, and named errors of the SDKs (their messages are meant for people); a bare Error or TypeError is a bug.
  const known = e instanceof EvalflowError || (e instanceof Error && /Error$/.test(e.name) && e.name !== 'Error' && e.name !== 'TypeError');
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`evalflow: ${known ? '' : 'unexpected error: '}${msg}`);
  if (!known && e instanceof Error && loadSettings().debug) console.error(e.stack);
  process.exit(1);
}

/** What the dry run reads of a task's data: how many samples, and the characters of their prompts (null when the data is not here). */
async function inspectTask(task: ResolvedTask): Promise<{ samples: string; promptChars: number | null; judgePromptChars: number | null }> {
  const { getBenchmark } = await import('../benchmarks/index.js');
  const b = getBenchmark(task.benchmark);
  if (!b) return { samples: '?', promptChars: null, judgePromptChars: null };
  const settings = loadSettings();
  let rows: Record<string, unknown>[] | undefined;
  const options = { promptConfig: task.params.prompt_config, systemPrompt: task.params.system_prompt, benchmarkArgs: task.params.benchmark_args };
  try {
    const opts = { datasetDir: task.dataset_dir, fallbackDir: settings.datasetsDir, cacheDir: settings.cacheDir, offline: true };
    const d = b.dataset.readRows ? await loadDatasetFiles(b.dataset, opts, task.params.dataset_split ?? b.dataset.split, options) : await loadDataset(b.dataset, opts);
    rows = b.accept ? d.rows.filter((r) => b.accept!(r)) : d.rows;
  } catch {
    rows = undefined;
  }
  const limit = task.params.limit_samples;
  if (rows === undefined) return { samples: limit !== undefined ? `≤${limit}` : 'all (dataset not cached yet)', promptChars: null, judgePromptChars: null };
  const kept = limit !== undefined ? rows.slice(0, limit) : rows;
  // The prompts exactly as prepare builds them (activities/prepare.ts): messages plus any native tools.
  let promptChars: number | null = 0;
  let judgePromptChars: number | null = b.kind === 'judged' ? 0 : null;
  try {
    kept.forEach((raw, index) => {
      const sample = b.toSample(raw, index);
      const messages = b.prompt(sample, options);
      const tools = b.tools?.(sample, options);
      promptChars! += messages.reduce((a, m) => a + m.content.length, 0) + (tools?.length ? JSON.stringify(tools).length : 0);
      if (b.kind === 'judged') judgePromptChars! += b.judge.prompt(sample, '').reduce((a, m) => a + m.content.length, 0);
    });
  } catch {
    promptChars = null; // a malformed row: the run would fail at prepare, which says where
    judgePromptChars = null;
  }
  return { samples: String(kept.length), promptChars, judgePromptChars };
}

async function dryRun(configFile: string, overrides: string[], tasks: string[]): Promise<void> {
  const raw = applyOverrides(loadConfigFile(configFile), overrides);
  const report = buildPlan(raw, tasks);
  console.log('# resolved config (secrets redacted)');
  console.log(YAML.stringify(report.redacted).trimEnd());
  console.log('\n# plan');
  const rows: (string | number)[][] = [];
  const estimates: (string | number)[][] = [];
  const totals = { low: 0, high: 0 as number | null, priced: true };
  let anyMulti = false;
  for (const t of report.tasks) {
    const { samples, promptChars, judgePromptChars } = await inspectTask(t);
    const n = Number(samples);
    // Multi-call units (SciCode sub-steps, BFCL multi-turn) make at least one call each.
    const multi = (await import('../benchmarks/index.js')).getBenchmark(t.benchmark)?.conversation !== undefined;
    const calls = Number.isFinite(n) ? `${multi ? '≥' : ''}${n * t.params.num_repeats}` : '?';
    const judgeCalls = t.judge ? (Number.isFinite(n) ? `≥${n * t.params.num_repeats}` : '?') : 0;
    rows.push([t.name, samples, t.params.num_repeats, calls, judgeCalls, t.params.parallelism, t.endpoint.model_id + (t.judge ? `, judge ${t.judge.endpoint.model_id}` : '')]);
    if (!Number.isFinite(n) || promptChars === null) {
      estimates.push([t.name, calls, '?', '?', t.judge ? '?' : '', 'unknown: the dataset is not here to measure the prompts']);
      totals.priced = false;
      continue;
    }
    anyMulti ||= multi;
    const e = estimateTask({
      calls: n * t.params.num_repeats,
      prompt_chars: promptChars,
      repeats: t.params.num_repeats,
      max_new_tokens: t.params.max_new_tokens,
      multi_call: multi,
      price: t.price ?? null,
      ...(t.judge && judgePromptChars !== null ? { judge: { prompt_chars: judgePromptChars, max_new_tokens: t.judge.max_new_tokens, price: t.judge.price ?? null } } : {}),
    });
    const range = (r: { low: number; high: number | null }, f: (x: number) => string) => (r.high === null ? `≥${f(r.low)}, no upper bound (no max_new_tokens)` : `${f(r.low)}–${f(r.high)}`);
    const pre = multi ? '≥' : '';
    estimates.push([
      t.name,
      calls,
      `${pre}~${compactCount(e.prompt_tokens)}`,
      range(e.completion_tokens, compactCount),
      e.judge ? `${e.judge.calls} calls, prompt ~${range(e.judge.prompt_tokens, compactCount)}, completion ${range(e.judge.completion_tokens, compactCount)}` : '',
      e.cost_usd ? `${pre}${range(e.cost_usd, formatUsd)}` : 'no pricing configured',
    ]);
    if (e.cost_usd) {
      totals.low += e.cost_usd.low;
      totals.high = totals.high === null || e.cost_usd.high === null ? null : totals.high + e.cost_usd.high;
    } else totals.priced = false;
  }
  for (const u of report.unsupported) rows.push([u.name, '-', '-', '-', '-', '-', `CANNOT RUN: ${u.reason}`]);
  console.log(table(['task', 'samples', 'repeats', 'model calls', 'judge calls', 'parallelism', 'model / note'], rows));
  if (estimates.length) {
    console.log('\n# estimate (before anything is paid)');
    console.log(table(['task', 'model calls', 'prompt tokens (est.)', 'completion tokens', 'judge', 'cost (USD)'], estimates));
    console.log(
      `prompt tokens are an ESTIMATE: the prepared prompts' characters / ${CHARS_PER_TOKEN}; completion tokens range from 0 (response lengths are not known ` +
        'before the model answers) to max_new_tokens for every call' +
        (report.tasks.some((t) => t.judge) ? "; a judge prompt carries the model's response, so it grows with it" : '') +
        (anyMulti ? '; ≥: multi-call units make more calls than one per unit' : '') +
        '.',
    );
    if (report.tasks.some((t) => t.price || t.judge?.price) && totals.priced) {
      console.log(
        `estimated cost of the run: ${totals.high === null ? `at least ${formatUsd(totals.low)}, no upper bound (a task has no max_new_tokens)` : `${formatUsd(totals.low)}–${formatUsd(totals.high)}`} (execution.pricing)`,
      );
    } else if (!report.execution.pricing?.length) {
      console.log('cost: no pricing configured (add execution.pricing: [{model_id, input_per_million, output_per_million}] to see one)');
    } else {
      console.log('cost: not every endpoint has a price in execution.pricing, so the run total is unknown');
    }
    if (report.execution.budget_usd !== undefined) console.log(`budget: ${formatUsd(report.execution.budget_usd)} (execution.budget_usd): the run pauses when spending reaches it`);
  }
  if (report.deployment) printDeployment(report.deployment);
  if (report.judge_deployment) printDeployment(report.judge_deployment, 'judge');
  for (const w of report.warnings) console.log(`warning: ${w}`);
  if (report.unsupported.length) {
    console.log(
      `\n${report.unsupported.length} task(s) cannot run; 'evalflow run' would refuse this config. ` +
        (report.tasks.length ? `Run the others with: ${report.tasks.map((t) => `-t ${t.name}`).join(' ')}` : ''),
    );
  }
  console.log('\n(dry run: nothing started)');
}

/** What the dry run says of a `deployment:`: what a deploy worker will start, where, and how it is checked. */
function printDeployment(spec: DeploymentSpec, name?: 'judge'): void {
  const s = loadSettings();
  const queue = spec.task_queue ?? `${s.taskQueue}-deploy`;
  const here = commandFor(spec, { runId: name ? `<run>-${name}` : '<run>', attempt: 1, advertisedHost: s.deployHost, envPath: serverEnv({}).PATH });
  const how =
    here.mode === 'binary'
      ? spec.type === 'llama_cpp'
        ? "evalflow's own server (evalflow serve-gguf) on CPU, no container"
        : `the ${here.argv[0] === '/bin/sh' ? 'command' : `'${here.argv[0]}' binary`} directly on the deploy host (${spec.image ? 'no docker or apptainer found here' : 'no image set'})`
      : `in a container: ${here.mode} runs ${spec.image}`;
  console.log(name ? `\n# judge deployment (${spec.type}, auxiliary_deployments.judge)` : `\n# deployment (${spec.type})`);
  const flag = spec.task_queue ? ` --deploy-task-queue ${spec.task_queue}` : '';
  console.log(`started by: a deploy worker polling task queue '${queue}' ('evalflow worker --role deploy${flag}' on the host with the accelerators, or --role all,deploy${flag} on one machine)`);
  console.log(`runs: ${how}`);
  console.log(`command: ${here.display}`);
  if (Object.keys(here.env).length) console.log(`environment: ${Object.keys(here.env).sort().join(', ')} (values from the deployment's env_vars)`);
  console.log(`health: GET http://<deploy host>:${spec.port}/v1/models until it lists '${spec.served_model_name}' (at most ${spec.ready_timeout} s); as a worker here would advertise it: http://${s.deployHost}:${spec.port}/v1/models`);
  console.log(`${name ? "judged tasks' judge calls go to" : 'tasks call'}: the address the deploy worker reports (EVALFLOW_DEPLOY_HOST of its host, port ${spec.port}); the server is stopped when the run ends`);
  console.log('(the command shown is what a deploy worker on THIS host would run: docker/apptainer are looked up on each deploy host)');
}

/** Checks that catch the common mistakes before anything is started. */
async function preflight(tasks: ResolvedTask[]): Promise<void> {
  const seen = new Set<string>();
  for (const t of tasks) {
    const name = t.endpoint.api_key_name;
    if (name && !secretFromEnv(name)) {
      throw new UsageError(
        `target.api_endpoint.api_key_name names ${name}, but it is not set here; 'export ${name}=...' ` +
          `(workers read it too), or pass --no-preflight when only the workers have it`,
      );
    }
    // A deployed model is not there yet: its deploy worker starts it and checks it (docs/architecture.md, "Deployments").
    if (t.endpoint.deployed) continue;
    const base = baseUrlOf(t.endpoint);
    if (seen.has(base)) continue;
    seen.add(base);
    try {
      const headers: Record<string, string> = name ? { Authorization: `Bearer ${secretFromEnv(name)}` } : {};
      const res = await fetch(`${base}/models`, { headers, signal: AbortSignal.timeout(10_000) });
      if (res.status === 401 || res.status === 403) {
        throw new UsageError(`${base} refused the API key from ${name ?? '(none)'} (HTTP ${res.status}); check the key`);
      }
      // When the endpoint lists its models, a model id it does not serve is caught here, before anything starts.
      if (res.ok) {
        const body = (await res.json().catch(() => null)) as { data?: { id?: string }[] } | null;
        const served = (body?.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
        const wanted = tasks.filter((x) => baseUrlOf(x.endpoint) === base).map((x) => x.endpoint.model_id);
        const missing = [...new Set(wanted)].filter((m) => served.length && !served.includes(m));
        if (missing.length) {
          throw new UsageError(
            `${base} does not serve model ${missing.map((m) => `'${m}'`).join(', ')}; it serves: ${served.join(', ')} — fix target.api_endpoint.model_id`,
          );
        }
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
      throw new UsageError(
        `endpoint ${t.endpoint.url} is unreachable (${cause}); start it, fix target.api_endpoint.url (-o target.api_endpoint.url=...), ` +
          `or pass --no-preflight to start anyway`,
      );
    }
  }
  await new ArtifactStore(loadSettings().storage).ensureBucket();
}

async function watch(runId: string): Promise<boolean> {
  const client = await connectClient();
  const bars = new cliProgress.MultiBar(
    { format: ' {task} |{bar}| {value}/{total} units | {phase}', hideCursor: true, clearOnComplete: false, noTTYOutput: !process.stdout.isTTY, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  const made = new Map<string, cliProgress.SingleBar>();
  let status = 'RUNNING';
  let last: SuiteProgress | null = null;
  let polls = 0;
  let warned = '';
  // No silent waits: say within seconds when no worker serves a queue the run needs.
  const checkWorkers = async () => {
    const missing = await missingWorkers(runId, client).catch(() => [] as string[]);
    const now = missing.join('\n');
    if (now !== warned) {
      const say = (line: string) => (process.stdout.isTTY ? bars.log(`${line}\n`) : console.error(line));
      if (now) for (const m of missing) say(`waiting: ${m}`);
      else say('a worker now polls every queue the run needs');
      warned = now;
    }
  };
  await new Promise((r) => setTimeout(r, 1500)); // a polling worker picks the run up within milliseconds
  while (status === 'RUNNING') {
    if (warned || polls++ % 5 === 0) await checkWorkers();
    const p = await getProgress(runId, client);
    status = p.status;
    last = p.progress ?? last;
    for (const t of last?.tasks ?? []) {
      let bar = made.get(t.task);
      if (!bar) {
        bar = bars.create(Math.max(1, t.units_total), 0, { task: t.task.padEnd(14), phase: t.phase });
        made.set(t.task, bar);
      }
      bar.setTotal(Math.max(1, t.units_total));
      bar.update(t.units_done, { phase: t.phase });
    }
    if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 1000));
  }
  bars.stop();
  const handle = client.workflow.getHandle(runId);
  try {
    await handle.result();
  } catch (e) {
    let msg = e instanceof Error ? e.message : String(e);
    let c: unknown = e instanceof Error ? e.cause : undefined;
    while (c instanceof Error) {
      msg = c.message;
      c = c.cause;
    }
    console.error(`\nrun ${runId} ${status.toLowerCase()}: ${msg}`);
    return false;
  }
  await printResults(runId);
  return true;
}

async function printResults(runId: string): Promise<void> {
  const results = await getResults(runId);
  const rows = results.flatMap((r) => resultRows(r.task, r.results));
  console.log(`\nresults of ${runId}`);
  console.log(table(RESULT_HEADER, rows));
  for (const r of results) {
    const cfg = (r.results as { config?: { model_id?: string; dataset?: { origin: string; location: string } } } | null)?.config;
    if (cfg?.dataset) console.log(`${r.task}: data from ${cfg.dataset.origin === 'local' ? 'the local dataset directory' : 'the Hugging Face Hub'} (${cfg.dataset.location})`);
    if (cfg?.model_id === 'demo-model') console.log(`${r.task}: model 'demo-model' is evalflow's SCRIPTED DEMO MODEL, not a real LLM`);
  }
  // Tokens and cost of every response the results are computed from (paid in this run or replayed from the cache).
  const usages = results.flatMap((r) => {
    const u = (r.results as NemoResults | null)?.results?.tasks?.[r.task]?.usage;
    if (u) console.log(`${r.task}: ${describeUsage(u)}`);
    return u ? [u] : [];
  });
  const total = sumTaskUsage(usages);
  if (total && usages.length > 1) console.log(`run total: ${describeUsage(total)}`);
  const s = loadSettings();
  console.log(`\nartifacts: ${new ArtifactStore(s.storage).uri(keys.run(runId))}  (evalflow pull ${runId} --out DIR)`);
}

const program = new Command();
program
  .name('evalflow')
  .description('LLM evaluation suites as durable Temporal workflows (NeMo Evaluator config format).')
  .showHelpAfterError();

program
  .command('run')
  .description('start an evaluation run from a NeMo-Evaluator-format YAML config')
  .requiredOption('-c, --config <file>', 'YAML config (see configs/)')
  .option('-o, --override <path=value>', 'Hydra-style override, repeatable; e.g. -o evaluation.tasks.gsm8k.nemo_evaluator_config.config.params.limit_samples=10', collect, [])
  .option('-t, --task <name>', 'run only this task, repeatable', collect, [])
  .option('--run-id <id>', 'run id (= workflow id); default <config>-<time>-<random>')
  .option('--dry-run', 'print the resolved config (redacted) and the plan; start nothing')
  .option('--wait', 'show live progress and print the results table at the end')
  .option('--task-queue <queue>', 'task queue of the evalflow workers (default EVALFLOW_TASK_QUEUE or "evalflow")')
  .option('--no-preflight', 'skip the endpoint, API-key and store checks made before starting')
  .option('--benchmark-module <path|package>', 'load custom benchmarks (repeatable; also EVALFLOW_BENCHMARK_MODULES); workers need the same', collect, [])
  .action(async (o: { config: string; override: string[]; task: string[]; runId?: string; dryRun?: boolean; wait?: boolean; taskQueue?: string; preflight: boolean; benchmarkModule: string[] }) => {
    try {
      registerBenchmarkModules(benchmarkModuleSpecs(o.benchmarkModule));
      if (o.dryRun) return await dryRun(o.config, o.override, o.task);
      const { plan } = buildSuiteInput({ configFile: o.config, overrides: o.override, tasks: o.task, runId: o.runId });
      for (const w of plan.warnings) console.error(`warning: ${w}`);
      if (o.preflight) await preflight(plan.tasks);
      const started = await startEvaluation({ configFile: o.config, overrides: o.override, tasks: o.task, runId: o.runId, taskQueue: o.taskQueue });
      console.log(`run id: ${started.runId}`);
      console.log(`Temporal UI: ${started.uiUrl}`);
      console.log(`tasks: ${started.plan.tasks.map((t) => t.name).join(', ')}`);
      if (!o.wait) {
        console.log(`follow it with 'evalflow status ${started.runId}', results with 'evalflow results ${started.runId}'`);
        return;
      }
      const ok = await watch(started.runId);
      process.exitCode = ok ? 0 : 1;
    } catch (e) {
      fail(e);
    }
  });

program
  .command('status')
  .argument('[run-id]', 'a run id; without it, the recent runs are listed')
  .description('progress of a run (phase and samples per task), or the list of recent runs')
  .action(async (runId?: string) => {
    try {
      if (!runId) return await listRuns(20);
      const p = await getProgress(runId);
      console.log(`run ${runId}: ${p.status}${p.startTime ? `, started ${p.startTime.toISOString()}` : ''}${p.closeTime ? `, closed ${p.closeTime.toISOString()}` : ''}`);
      console.log(`Temporal UI: ${uiLink(loadSettings(), runId)}`);
      const store = new ArtifactStore(loadSettings().storage);
      if (p.progress) {
        // Tokens and cost: a finished task's from its results.json, a running task's from the progress query when the workflow tracks them.
        const usages = await Promise.all(
          p.progress.tasks.map(async (t): Promise<UsageView | undefined> => {
            if (t.usage) return t.usage;
            if (t.phase !== 'completed') return undefined;
            const r = await store.getJson<NemoResults>(keys.results(runId, t.task)).catch(() => null);
            return r?.results.tasks[t.task]?.usage;
          }),
        );
        const anyUsage = usages.some((u) => u !== undefined);
        // The concurrency limit in force (the task's parallelism, the endpoint's limits and the adaptive limit), from the endpoint's limiter.
        const anyLimit = p.progress.tasks.some((t) => t.concurrency_limit !== undefined && t.phase === 'generating');
        console.log(
          table(
            ['task', 'phase', 'samples', 'repeats', 'units done', 'shards done', 'eta', ...(anyLimit ? ['in flight/limit'] : []), ...(anyUsage ? ['tokens', 'cost'] : []), 'error'],
            p.progress.tasks.map((t, i) => [
              t.task,
              t.phase,
              t.samples,
              t.repeats,
              `${t.units_done}/${t.units_total}`,
              `${t.shards_done}/${t.shards_total}`,
              t.eta_seconds === undefined ? '' : t.eta_seconds >= 3600 ? `${(t.eta_seconds / 3600).toFixed(1)} h` : t.eta_seconds >= 60 ? `${Math.round(t.eta_seconds / 60)} min` : `${t.eta_seconds} s`,
              ...(anyLimit ? [t.concurrency_limit !== undefined && t.phase === 'generating' ? `${t.in_flight ?? 0}/${t.concurrency_limit}` : ''] : []),
              ...(anyUsage ? [usageCell(usages[i]), costCell(usages[i])] : []),
              t.error ?? '',
            ]),
          ),
        );
        const sp = p.progress;
        if (sp.cost_usd !== undefined || sp.budget_usd !== undefined) {
          const spent = sp.cost_usd !== undefined ? formatUsd(sp.cost_usd) : 'unknown';
          console.log(`spent: ${spent}${sp.budget_usd !== undefined ? ` of the budget ${formatUsd(sp.budget_usd)} (execution.budget_usd)` : ''}`);
        }
        if (sp.paused_reason) console.log(`paused: ${sp.paused_reason}`);
      } else {
        const meta = await store.getJson<{ task_summaries?: TaskSummary[]; usage?: TaskUsage }>(keys.metadata(runId));
        if (meta?.task_summaries) {
          const anyUsage = meta.task_summaries.some((t) => t.usage);
          console.log(
            table(
              ['task', 'status', ...(anyUsage ? ['tokens', 'cost'] : []), 'error'],
              meta.task_summaries.map((t) => [t.task, t.status, ...(anyUsage ? [usageCell(t.usage), costCell(t.usage)] : []), t.error ?? '']),
            ),
          );
        }
        if (meta?.usage) console.log(`run total: ${describeUsage(meta.usage)}`);
      }
      if (p.status === 'RUNNING') for (const m of await missingWorkers(runId)) console.log(`waiting: ${m}`);
    } catch (e) {
      fail(e);
    }
  });

async function listRuns(limit: number, filter: { model?: string; status?: string; config?: string } = {}): Promise<void> {
  const client = await connectClient();
  const rows: string[][] = [];
  const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
  const clauses = [`WorkflowType = 'evaluationSuite'`];
  if (filter.model) clauses.push(`EvalflowModel = ${quote(filter.model)}`);
  if (filter.status) clauses.push(`EvalflowStatus = ${quote(filter.status[0].toUpperCase() + filter.status.slice(1).toLowerCase())}`);
  if (filter.config) clauses.push(`EvalflowConfig = ${quote(filter.config)}`);
  if (clauses.length > 1 && !(await searchAttributesRegistered(client, loadSettings().namespace))) {
    throw new UsageError(
      `this namespace has no evalflow search attributes to filter by; register them (evalflow dev up does; on a cluster: ` +
        `temporal operator search-attribute create --name EvalflowModel --type Keyword, and likewise for ${Object.entries(SEARCH_ATTRIBUTES).map(([n, t]) => `${n} (${t})`).join(', ')})`,
    );
  }
  for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
    rows.push([wf.workflowId, wf.status.name, wf.startTime.toISOString(), wf.closeTime?.toISOString() ?? '', String((wf.memo as Record<string, unknown> | undefined)?.tasks ?? '')]);
    if (rows.length >= limit) break;
  }
  if (!rows.length) console.log('no runs yet; start one with `evalflow run --config configs/quickstart.yaml`');
  else console.log(table(['run id', 'status', 'started', 'closed', 'tasks'], rows));
}

program
  .command('logs')
  .argument('<run-id>')
  .argument('[task]', 'only this task')
  .description('the run log (or one task\'s event log) from the artifact store')
  .action(async (runId: string, task?: string) => {
    try {
      const store = new ArtifactStore(loadSettings().storage);
      const prefix = task ? keys.taskLogDir(runId, task) : keys.run(runId);
      const logKeys = (await store.list(prefix)).filter((k) => k.includes('/logs/'));
      if (!logKeys.length) throw new UsageError(`no logs for ${task ? `task ${task} of ` : ''}run '${runId}' yet (${store.uri(prefix)})`);
      for (const k of logKeys) {
        console.log(`==> ${k}`);
        process.stdout.write((await store.getText(k)) ?? '');
      }
    } catch (e) {
      fail(e);
    }
  });

program
  .command('resume')
  .argument('<run-id>')
  .option('--wait', 'show live progress and the results at the end')
  .option('--budget <usd>', 'a new budget in US dollars (a run paused by execution.budget_usd needs a higher one); the config stays as it was')
  .description('continue a run: a paused one resumes its model calls; a failed or cancelled one runs again under the same id, replaying finished work and cached responses (nothing is paid twice)')
  .action(async (runId: string, o: { wait?: boolean; budget?: string }) => {
    try {
      const how = await resumeEvaluation(runId, o.budget !== undefined ? { budgetUsd: Number(o.budget) } : {});
      console.log(`${how === 'unpaused' ? 'resumed the paused run' : 'restarted'} ${runId}; Temporal UI: ${uiLink(loadSettings(), runId)}`);
      if (o.wait) process.exitCode = (await watch(runId)) ? 0 : 1;
    } catch (e) {
      fail(e);
    }
  });

program
  .command('rescore')
  .argument('<run-id>', 'a finished run')
  .option('--run-id <id>', 'id of the new run (default <run-id>-rescored-<time>-<random>)')
  .option('--wait', 'show live progress and the results at the end')
  .option('--task-queue <queue>', 'task queue of the evalflow workers (default EVALFLOW_TASK_QUEUE or "evalflow")')
  .description("score a run again with this evalflow's scorers (after a scorer changed): a new run of its exact config; every model response is replayed from the cache, so no model call is paid")
  .action(async (runId: string, o: { runId?: string; wait?: boolean; taskQueue?: string }) => {
    try {
      const started = await rescoreEvaluation(runId, { newRunId: o.runId, taskQueue: o.taskQueue });
      console.log(`run id: ${started.runId} (re-scoring ${runId}; cached responses are replayed)`);
      console.log(`Temporal UI: ${started.uiUrl}`);
      if (!o.wait) {
        console.log(`follow it with 'evalflow status ${started.runId}'; then 'evalflow compare ${runId} ${started.runId}'`);
        return;
      }
      process.exitCode = (await watch(started.runId)) ? 0 : 1;
    } catch (e) {
      fail(e);
    }
  });

program
  .command('pause')
  .argument('<run-id>')
  .description('stop scheduling new model calls of a running run (calls in flight finish); `evalflow resume` continues it')
  .action(async (runId: string) => {
    try {
      await pauseEvaluation(runId);
      console.log(`paused ${runId}: no new model calls until 'evalflow resume ${runId}'`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('set-parallelism')
  .argument('<run-id>')
  .argument('<parallelism>', 'concurrent requests per task')
  .option('--task <name>', 'only this task')
  .description('change the concurrency of a running run without restarting it (e.g. after hitting rate limits)')
  .action(async (runId: string, n: string, o: { task?: string }) => {
    try {
      await setParallelism(runId, Number(n), { task: o.task });
      console.log(`parallelism of ${o.task ?? 'every task'} in ${runId} set to ${n} (takes effect within seconds)`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('cancel')
  .argument('<run-id>')
  .description('cancel a running run (finished responses stay cached; `evalflow resume` continues it)')
  .action(async (runId: string) => {
    try {
      await cancelEvaluation(runId);
      console.log(`cancellation requested for ${runId}`);
    } catch (e) {
      fail(e);
    }
  });

const ls = program.command('ls').description('list tasks or runs');
ls.command('tasks')
  .description('the benchmarks this evalflow can run, and the known ones it cannot yet')
  .option('--benchmark-module <path|package>', 'include custom benchmarks from a module (repeatable)', collect, [])
  .action((o: { benchmarkModule: string[] }) => {
    registerBenchmarkModules(benchmarkModuleSpecs(o.benchmarkModule));
    const rows: string[][] = listBenchmarks().map((b) => [b.name, 'yes', b.description]);
    for (const [name, reason] of Object.entries(KNOWN_UNSUPPORTED_TASKS)) rows.push([name, 'not yet', reason]);
    console.log(table(['task', 'runnable', 'description'], rows));
  });
ls.command('runs')
  .option('-n, --limit <n>', 'how many', '20')
  .option('--model <id>', 'only runs of this model')
  .option('--status <status>', 'Running, Paused, Completed, Failed or Cancelled')
  .option('--config <name>', 'only runs of this config')
  .description('recent runs, newest first (the filters use evalflow\'s search attributes, also in the Temporal UI filter box)')
  .action(async (o: { limit: string; model?: string; status?: string; config?: string }) => {
    try {
      await listRuns(Number(o.limit), o);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('results')
  .argument('<run-id>')
  .option('--json', 'print the results.json of every task')
  .description('the headline results table of a run')
  .action(async (runId: string, o: { json?: boolean }) => {
    try {
      if (o.json) console.log(JSON.stringify(await getResults(runId), null, 2));
      else await printResults(runId);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('pull')
  .argument('<run-id>')
  .requiredOption('--out <dir>', 'local folder')
  .description('copy a run\'s artifacts to DIR: DIR/artifacts/<task>/results.json, DIR/logs/stdout.log, …')
  .action(async (runId: string, o: { out: string }) => {
    try {
      const store = new ArtifactStore(loadSettings().storage);
      const all = await store.list(keys.run(runId));
      if (!all.length) throw new UsageError(`no artifacts for run '${runId}' in ${store.uri(keys.run(runId))}`);
      let n = 0;
      for (const k of all) {
        const rel = k.slice(keys.run(runId).length);
        const local = rel.startsWith('logs/') || rel === 'run_config.yaml' || rel === 'metadata.json' ? rel : path.join('artifacts', rel);
        const dest = path.join(o.out, local);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, (await store.getText(k)) ?? '');
        n++;
      }
      console.log(`pulled ${n} files of ${runId} into ${o.out}`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('worker')
  .description('run an evalflow worker: all roles in one process (orchestration, generation, scoring, judge and sandbox), or those --role names')
  .option('--role <roles>', "roles to serve: all (default), main (workflows, generation, scoring on '<queue>'), judge ('<queue>-judge'), sandbox ('<queue>-sandbox'); deploy ('<queue>-deploy': model servers of runs with a deployment:, never part of all); repeatable or a comma list", collect, [])
  .option('--task-queue <queue>', 'task queue (default EVALFLOW_TASK_QUEUE or "evalflow")')
  .option('--max-activities <n>', 'concurrent activity executions', '32')
  .option('--datasets-dir <dir>', 'local benchmark data (sets EVALFLOW_DATASETS_DIR)')
  .option('--benchmark-module <path|package>', 'register custom benchmarks from a module (repeatable; also EVALFLOW_BENCHMARK_MODULES)', collect, [])
  .option('--no-sandbox', "leave out the sandbox role (this host must not run model-written code; run it elsewhere on '<queue>-sandbox')")
  .option('--workflow-bundle <file>', "run the workflows of this prebuilt bundle instead of this build's (docs/operations.md)")
  .option('--deploy-task-queue <queue>', "the deploy role's queue (default '<queue>-deploy'; a config's deployment.task_queue picks it)")
  .option('--metrics-address <host:port>', 'serve Prometheus metrics (the SDK\'s and evalflow\'s) on this address, e.g. 0.0.0.0:9464 (default EVALFLOW_METRICS_ADDRESS)')
  .action(async (o: { role: string[]; taskQueue?: string; maxActivities: string; datasetsDir?: string; benchmarkModule: string[]; sandbox: boolean; workflowBundle?: string; metricsAddress?: string; deployTaskQueue?: string }) => {
    try {
      const roles = parseWorkerRoles(o.role).filter((r) => o.sandbox || r !== 'sandbox');
      if (roles.length === 0) throw new EvalflowError('--no-sandbox with --role sandbox leaves no role to serve; drop one of them', { kind: 'config', retryable: false });
      const custom = registerBenchmarkModules(benchmarkModuleSpecs(o.benchmarkModule));
      if (o.datasetsDir) process.env.EVALFLOW_DATASETS_DIR = path.resolve(o.datasetsDir);
      // Thousands of short-lived request objects a second: a larger young generation
      // cuts the scavenger's share of a worker's CPU (measured with npm run bench).
      v8.setFlagsFromString('--max-semi-space-size=32');
      const { runWorker } = await import('../workers/main.js');
      const s = loadSettings();
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      const q = o.taskQueue ?? s.taskQueue;
      const workflowBundle = o.workflowBundle ? checkedBundle(o.workflowBundle) : undefined;
      const metricsAddress = o.metricsAddress ?? s.telemetry.metricsAddress;
      await runWorker({
        taskQueue: o.taskQueue,
        workflowBundle,
        noSandbox: !o.sandbox,
        roles,
        ...(o.deployTaskQueue ? { deployTaskQueue: o.deployTaskQueue } : {}),
        maxConcurrentActivities: Number(o.maxActivities),
        ...(o.metricsAddress ? { metricsAddress: o.metricsAddress } : {}),
        signal: ac.signal,
        onReady: () =>
          console.log(
            `evalflow worker: ${roleQueues(roles, q, { deployTaskQueue: o.deployTaskQueue }).map(({ role, queue }) => `${role} on '${queue}'`).join(', ')} at ${s.temporalAddress}, ` +
              `artifacts in ${s.storage.endpoint}/${s.storage.bucket}${custom.length ? `, custom benchmarks: ${custom.map((b) => b.name).join(', ')}` : ''}; ` +
              (roles.includes('main')
                ? `workflows ${workflowBundle ? `from ${workflowBundle}` : currentBundle(tracingOn()) ? 'from the prebuilt bundle' : "bundled at start ('npm run build' prebuilds them)"}`
                : 'no workflows (role main not served)') +
              (roles.includes('deploy') ? `; model servers advertised at ${s.deployHost} (EVALFLOW_DEPLOY_HOST)` : '') +
              `${metricsAddress ? `; metrics on http://${metricsAddress}/metrics` : ''}${tracingOn() ? `; traces to ${s.telemetry.tracesEndpoint}` : ''} (Ctrl-C stops)`,
          ),
      });
    } catch (e) {
      fail(e);
    }
  });

const dev = program.command('dev').description('local Temporal dev server and MinIO, no Docker needed');
dev.command('up')
  .description('install (first time) and start Temporal (with Web UI) and MinIO on 127.0.0.1; idempotent')
  .action(async () => {
    try {
      const { devUp, formatDevStatus } = await import('../lib/operator/infra/dev.js');
      const r = await devUp();
      console.log(formatDevStatus(r));
      await new ArtifactStore(loadSettings().storage).ensureBucket();
    } catch (e) {
      fail(e);
    }
  });
dev.command('down')
  .description('stop the local servers (data is kept)')
  .action(async () => {
    try {
      const { devDown } = await import('../lib/operator/infra/dev.js');
      const r = await devDown();
      console.log(`stopped: ${r.stopped.join(', ') || 'none'}; not running: ${r.notRunning.join(', ') || 'none'}`);
    } catch (e) {
      fail(e);
    }
  });
dev.command('status')
  .description('are the local servers running, on which ports')
  .action(async () => {
    try {
      const { devStatus, formatDevStatus } = await import('../lib/operator/infra/dev.js');
      console.log(formatDevStatus(await devStatus()));
    } catch (e) {
      fail(e);
    }
  });
dev.command('install')
  .description('install the temporal and minio binaries and the math grader venv (math-verify) into the cache directory (no servers started)')
  .option('--model', 'also download the real test model (Gemma 3 270M base GGUF, 253 MB, Gemma Terms of Use) for evalflow serve-gguf: scripts/setup-model.sh')
  .option('--model-only', 'only download the real test model')
  .action(async (o: { model?: boolean; modelOnly?: boolean }) => {
    try {
      if (o.model || o.modelOnly) {
        const { installTestModel } = await import('../lib/operator/gguf-model.js');
        console.log(`model (Gemma 3 270M base, Gemma Terms of Use): ${installTestModel()}`);
        if (o.modelOnly) return;
      }
      const { ensureBinaries } = await import('../lib/operator/infra/binaries.js');
      const b = await ensureBinaries();
      console.log(`temporal: ${b.temporal}\nminio: ${b.minio}`);
      const { installMathGrader } = await import('../lib/engine/math/verify.js');
      console.log(`math grader: ${installMathGrader()}`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('demo-endpoint')
  .description('serve the SCRIPTED DEMO MODEL (not a real LLM) on an OpenAI-compatible API, for the quickstart and tests')
  .addOption(new Option('--port <n>', 'port on 127.0.0.1').default('8765'))
  .option('--latency-ms <n>', 'delay per response', '20')
  .option('--datasets-dir <dir>', 'benchmark data the demo answer key is built from (default EVALFLOW_DATASETS_DIR)')
  .action(async (o: { port: string; latencyMs: string; datasetsDir?: string }) => {
    try {
      const { startDemoEndpoint } = await import('../lib/operator/demo-model.js');
      const ep = await startDemoEndpoint({ port: Number(o.port), latencyMs: Number(o.latencyMs), datasetsDir: o.datasetsDir ?? loadSettings().datasetsDir });
      console.log(`SCRIPTED DEMO MODEL (not a real LLM) serving ${ep.url}/chat/completions as model 'demo-model' (Ctrl-C stops)`);
      const stop = () => void ep.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (e) {
      fail(e);
    }
  });

// #14: a real model on CPU (lib/operator/gguf-server.ts; README "Evaluate a GGUF on this machine").
program
  .command('serve-gguf')
  .description('serve a GGUF model file (a REAL model, on CPU via llama.cpp) on an OpenAI-compatible API: GET /v1/models, POST /v1/chat/completions')
  .argument('<file>', "the .gguf file (the test model: 'evalflow dev install --model' prints its path)")
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .option('--port <n>', 'port (0: a free one)', '8766')
  .option('--parallel <n>', 'requests generated at once, as sequences of one batch (1: reproducible output)', '1')
  .option('--context-size <n>', 'tokens per sequence, prompt and answer together', '4096')
  .option('--threads <n>', "llama.cpp CPU threads (more than the machine's idle cores slows it down)", '1')
  .option('--model-name <name>', "the model name served (default: the file's base name without .gguf)")
  .option('--quiet', 'no line per request')
  .action(async (file: string, o: { host: string; port: string; parallel: string; contextSize: string; threads: string; modelName?: string; quiet?: boolean }) => {
    try {
      const int = (v: string, flag: string) => {
        if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a whole number, got '${v}'`);
        return Number(v);
      };
      const { startGgufServer } = await import('../lib/operator/gguf-server.js');
      const s = await startGgufServer({
        modelPath: file,
        host: o.host,
        port: int(o.port, '--port'),
        parallel: int(o.parallel, '--parallel'),
        contextSize: int(o.contextSize, '--context-size'),
        threads: int(o.threads, '--threads'),
        modelName: o.modelName,
        log: o.quiet ? undefined : (line) => console.log(line),
      });
      console.log(
        `evalflow serve-gguf: serving ${s.url}/chat/completions as model '${s.modelName}' ` +
          `(${path.basename(file)}, ${s.parallel} sequence${s.parallel > 1 ? 's' : ''}, context ${s.contextSize}, ${s.threads} thread${s.threads > 1 ? 's' : ''}; ready in ${(s.loadMs / 1000).toFixed(1)} s; Ctrl-C stops)`,
      );
      const stop = (sig: string) => {
        console.log(`evalflow serve-gguf: ${sig}, stopping`);
        void s.close().then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    } catch (e) {
      fail(e);
    }
  });

registerReport(program);
registerCompare(program);
registerGate(program);
registerExport(program);

program
  .parseAsync(process.argv)
  .then(() => shutdownTracing()) // spans of client calls still buffered go out before exit
  .catch(fail);

/**
 * Exports of a finished run for other tools:
 * - `json` / `csv`: NeMo-style processed results, one row per
 *   task × metric × score (run_id, task, metric, score, value, stderr,
 *   count, model), values as in results.json (percentages);
 * - `inspect`: one Inspect AI evaluation log per task (the `.json` log
 *   format of `inspect_ai.log`, EvalLog version 2), so `inspect view` and
 *   `inspect_ai.log.read_eval_log` open it: eval spec (task, model, dataset,
 *   config), plan, results (one EvalScore per metric group), stats (token
 *   usage) and every sample × repeat (Inspect's epochs, 1-based) with its
 *   input messages, target, model output and score ("C"/"I" as Inspect's
 *   CORRECT/INCORRECT; "N" when the judge failed). Inspect reports accuracy
 *   as a fraction, so metric values there are results.json's / 100.
 */
import * as YAML from 'yaml';
import type { GenerationRecord } from '../records/artifacts';
import type { PrepareResult, PreparedSample } from '../records/artifacts';
import type { RunMetadata } from '../records/artifacts';
import type { NemoResults, ScoreRecord } from '../records/artifacts';
import type { ChatMessage } from '../records/messages';
import { sha256 } from '../engine/hash';
import { type ArtifactStore } from '../engine/store';
import { keys } from '../records/keys';
import { EvalflowError } from '../records/errors';

export class ExportError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'analysis', retryable: false });
  }
}

export interface ExportRow {
  run_id: string;
  task: string;
  metric: string;
  score: string;
  value: number;
  stderr: number | null;
  count: number | null;
  model: string | null;
}

export const EXPORT_COLUMNS: readonly (keyof ExportRow)[] = ['run_id', 'task', 'metric', 'score', 'value', 'stderr', 'count', 'model'];

/** Rows of one task's results.json (results.tasks.<task>.metrics.<metric>.scores.<score>). */
export function resultRowsOf(runId: string, task: string, results: NemoResults): ExportRow[] {
  const metrics = results.results.tasks[task]?.metrics ?? {};
  const model = typeof results.config?.model_id === 'string' ? results.config.model_id : null;
  const rows: ExportRow[] = [];
  for (const [metric, group] of Object.entries(metrics)) {
    for (const [score, v] of Object.entries(group.scores)) {
      rows.push({
        run_id: runId, task, metric, score, value: v.value,
        stderr: typeof v.stats?.stderr === 'number' ? v.stats.stderr : null,
        count: typeof v.stats?.count === 'number' ? v.stats.count : null,
        model,
      });
    }
  }
  return rows;
}

/** RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function toCsv(rows: readonly ExportRow[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [EXPORT_COLUMNS.join(','), ...rows.map((r) => EXPORT_COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

async function runMetadata(store: ArtifactStore, runId: string): Promise<RunMetadata> {
  const meta = await store.getJson<RunMetadata>(keys.metadata(runId));
  if (!meta) throw new ExportError(`no run '${runId}' in ${store.uri(keys.run(runId))}; check the run id ('evalflow ls runs') and EVALFLOW_S3_* settings`);
  return meta;
}

/** Result rows of every task of a run that has results.json; tasks without are named in `missing`. */
export async function exportRows(store: ArtifactStore, runId: string): Promise<{ rows: ExportRow[]; missing: string[] }> {
  const meta = await runMetadata(store, runId);
  const rows: ExportRow[] = [];
  const missing: string[] = [];
  for (const task of meta.tasks) {
    const results = await store.getJson<NemoResults>(keys.results(runId, task));
    if (results) rows.push(...resultRowsOf(runId, task, results));
    else missing.push(task);
  }
  return { rows, missing };
}

// ───────────────────────────── Inspect AI eval log ─────────────────────────────

/** Inspect's ChatMessage (system / user / assistant / tool), as much of it as evalflow has. */
interface InspectMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  tool_call_id?: string;
  content: string | ({ type: 'reasoning'; reasoning: string } | { type: 'text'; text: string })[];
  source: 'input' | 'generate';
  model?: string;
}

export interface InspectScore {
  value: string | number;
  answer: string | null;
  explanation?: string;
  metadata?: Record<string, unknown>;
}

export interface InspectSample {
  id: string;
  epoch: number;
  input: InspectMessage[];
  target: string;
  messages: InspectMessage[];
  output: {
    model: string;
    choices: { message: InspectMessage; stop_reason: string }[];
    completion: string;
    usage?: { input_tokens: number; output_tokens: number; total_tokens: number };
    time?: number;
  };
  scores: Record<string, InspectScore>;
  metadata: Record<string, unknown>;
  store: Record<string, unknown>;
  events: unknown[];
  model_usage: Record<string, { input_tokens: number; output_tokens: number; total_tokens: number }>;
  attachments: Record<string, string>;
  total_time?: number;
}

export interface InspectEvalLog {
  version: 2;
  status: 'started' | 'success' | 'cancelled' | 'error';
  eval: {
    run_id: string;
    eval_id: string;
    task_id: string;
    created: string;
    task: string;
    task_version: number;
    task_args: Record<string, unknown>;
    dataset: { name: string | null; location: string | null; samples: number; sample_ids: string[]; shuffled: boolean };
    model: string;
    model_generate_config: Record<string, unknown>;
    model_base_url?: string;
    model_args: Record<string, unknown>;
    config: { epochs: number; limit?: number };
    packages: Record<string, string>;
    metadata: Record<string, unknown>;
    scorers: { name: string; options: Record<string, unknown>; metrics: { name: string }[] }[];
  };
  plan: { name: string; steps: { solver: string; params: Record<string, unknown> }[]; config: Record<string, unknown> };
  results: {
    total_samples: number;
    completed_samples: number;
    scores: { name: string; scorer: string; reducer?: string; scored_samples: number; unscored_samples: number; params: Record<string, unknown>; metrics: Record<string, { name: string; value: number; params: Record<string, unknown> }> }[];
  } | null;
  stats: { started_at: string; completed_at: string; model_usage: Record<string, { input_tokens: number; output_tokens: number; total_tokens: number }> };
  samples: InspectSample[];
}

/** Everything one task of a run stored, as read for the Inspect log. */
export interface TaskArtifacts {
  run_id: string;
  task: string;
  metadata: RunMetadata;
  run_config: Record<string, unknown> | null;
  results: NemoResults;
  manifest: PrepareResult | null;
  samples: PreparedSample[];
  generations: GenerationRecord[];
  scores: ScoreRecord[];
}

/** Inspect's StopReason from an OpenAI finish_reason. */
function stopReason(finish: string | null): string {
  switch (finish) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'unknown';
  }
}

function inputMessages(messages: readonly ChatMessage[]): InspectMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content, source: 'input' as const, ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}) }));
}

const STATUS: Record<RunMetadata['status'], InspectEvalLog['status']> = { running: 'started', completed: 'success', failed: 'error', cancelled: 'cancelled' };

/** Build one task's Inspect eval log (pure). */
export function buildInspectLog(t: TaskArtifacts): InspectEvalLog {
  const cfg = t.results.config as Record<string, unknown>;
  const params = (cfg.params ?? {}) as Record<string, unknown>;
  const model = typeof cfg.model_id === 'string' ? cfg.model_id : 'unknown';
  const target = ((t.run_config?.target as Record<string, unknown> | undefined)?.api_endpoint ?? {}) as Record<string, unknown>;
  const repeats = t.manifest?.repeats ?? (typeof cfg.repeats === 'number' ? cfg.repeats : 1);
  const metrics = t.results.results.tasks[t.task]?.metrics ?? {};
  const headline = Object.keys(metrics).find((m) => m === 'pass@1' || m.startsWith('pass@1[')) ?? Object.keys(metrics)[0];
  const scoreName = Object.keys(metrics[headline]?.scores ?? {}).find((s) => s !== 'no_answer') ?? 'correct';

  const byId = new Map(t.samples.map((s) => [s.id, s]));
  const gens = new Map(t.generations.map((g) => [`${g.sample_id}#${g.repeat}`, g]));
  const usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  const samples: InspectSample[] = [];
  for (const s of [...t.scores].sort((x, y) => (byId.get(x.sample_id)?.index ?? 0) - (byId.get(y.sample_id)?.index ?? 0) || x.repeat - y.repeat)) {
    const prepared = byId.get(s.sample_id);
    const g = gens.get(`${s.sample_id}#${s.repeat}`);
    const input = inputMessages(prepared?.messages ?? []);
    const content = g?.content ?? '';
    const reply: InspectMessage = {
      role: 'assistant',
      content: g?.reasoning ? [{ type: 'reasoning', reasoning: g.reasoning }, { type: 'text', text: content }] : content,
      source: 'generate',
      model,
    };
    const u = { input_tokens: g?.prompt_tokens ?? 0, output_tokens: g?.completion_tokens ?? 0, total_tokens: (g?.prompt_tokens ?? 0) + (g?.completion_tokens ?? 0) };
    usage.input_tokens += u.input_tokens;
    usage.output_tokens += u.output_tokens;
    usage.total_tokens += u.total_tokens;
    const score: InspectScore =
      s.judge_error !== undefined
        ? { value: 'N', answer: null, explanation: `judge error (left out of accuracy): ${s.judge_error}` }
        : {
            value: s.correct ? 'C' : 'I',
            answer: s.predicted,
            ...(s.predicted === null ? { explanation: 'no answer could be extracted' } : {}),
            ...(s.details ? { metadata: s.details } : {}),
          };
    samples.push({
      id: s.sample_id,
      epoch: s.repeat + 1,
      input,
      target: s.expected,
      messages: [...input, reply],
      output: {
        model,
        choices: [{ message: reply, stop_reason: stopReason(g?.finish_reason ?? s.finish_reason) }],
        completion: content,
        ...(g ? { usage: u, time: g.latency_ms / 1000 } : {}),
      },
      scores: { [scoreName]: score },
      metadata: { ...(s.subset !== undefined ? { subset: s.subset } : {}), ...(g ? { request_hash: g.request_hash, cached: g.cached } : {}) },
      store: {},
      events: [],
      model_usage: g ? { [model]: u } : {},
      attachments: {},
      ...(g ? { total_time: g.latency_ms / 1000 } : {}),
    });
  }

  const scored = t.scores.filter((s) => s.judge_error === undefined).length;
  const generate = {
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.top_p !== undefined ? { top_p: params.top_p } : {}),
    ...(params.max_new_tokens !== undefined ? { max_tokens: params.max_new_tokens } : {}),
    ...(params.request_timeout !== undefined ? { timeout: params.request_timeout } : {}),
    ...(params.max_retries !== undefined ? { max_retries: params.max_retries } : {}),
    ...(params.parallelism !== undefined ? { max_connections: params.parallelism } : {}),
    ...(params.system_prompt !== undefined ? { system_message: params.system_prompt } : {}),
  };
  const sampleIds = [...new Set(t.samples.map((s) => s.id))];
  return {
    version: 2,
    status: STATUS[t.metadata.status] ?? 'started',
    eval: {
      run_id: t.run_id,
      eval_id: sha256(`${t.run_id}/${t.task}`).slice(0, 22),
      task_id: sha256(`${t.task}/${JSON.stringify(params)}`).slice(0, 22),
      created: t.metadata.started_at,
      task: t.task,
      task_version: 0,
      task_args: {},
      dataset: {
        name: typeof cfg.benchmark === 'string' ? cfg.benchmark : t.task,
        location: t.manifest?.dataset.location ?? null,
        samples: t.manifest?.samples ?? sampleIds.length,
        sample_ids: sampleIds,
        shuffled: false,
      },
      model,
      model_generate_config: generate,
      ...(typeof target.url === 'string' ? { model_base_url: target.url } : {}),
      model_args: {},
      config: { epochs: repeats, ...(typeof params.limit_samples === 'number' ? { limit: params.limit_samples } : {}) },
      packages: { evalflow: t.metadata.evalflow_version },
      metadata: {
        evalflow: {
          run_id: t.run_id,
          benchmark: cfg.benchmark,
          prompt_config: params.prompt_config ?? null,
          dataset_sha256: t.manifest?.dataset.sha256 ?? null,
          git_hash: t.metadata.git_hash,
          values: 'fractions: results.json percentages / 100',
        },
      },
      scorers: [{ name: scoreName, options: {}, metrics: [{ name: 'accuracy' }, { name: 'stderr' }] }],
    },
    plan: {
      name: 'plan',
      steps: [{ solver: 'generate', params: { prompt_config: params.prompt_config ?? null, num_repeats: repeats } }],
      config: generate,
    },
    results: {
      total_samples: t.scores.length,
      completed_samples: t.scores.length,
      scores: Object.entries(metrics).map(([metric, group]) => ({
        name: metric,
        scorer: scoreName,
        ...(metric.startsWith('pass@1[') ? { reducer: 'mean' } : {}),
        scored_samples: scored,
        unscored_samples: t.scores.length - scored,
        params: {},
        metrics: Object.fromEntries(
          Object.entries(group.scores).flatMap(([score, v]) => {
            const entries: [string, { name: string; value: number; params: Record<string, unknown> }][] = [[score, { name: score, value: v.value / 100, params: {} }]];
            if (typeof v.stats?.stderr === 'number') entries.push([`${score}_stderr`, { name: `${score}_stderr`, value: v.stats.stderr / 100, params: {} }]);
            return entries;
          }),
        ),
      })),
    },
    stats: {
      started_at: t.metadata.started_at,
      completed_at: t.metadata.finished_at ?? '',
      model_usage: { [model]: usage },
    },
    samples,
  };
}

async function shardRows<T>(store: ArtifactStore, prefix: string): Promise<T[]> {
  const rows: T[] = [];
  for (const key of await store.list(prefix)) if (/shard-\d+\.jsonl$/.test(key)) rows.push(...((await store.getJsonl<T>(key)) ?? []));
  return rows;
}

/** Read one task's artifacts for the Inspect log; null when the task has no results.json. */
export async function loadTaskArtifacts(store: ArtifactStore, runId: string, task: string, metadata?: RunMetadata): Promise<TaskArtifacts | null> {
  const meta = metadata ?? (await runMetadata(store, runId));
  const results = await store.getJson<NemoResults>(keys.results(runId, task));
  if (!results) return null;
  const configText = await store.getText(keys.runConfig(runId));
  const base = keys.task(runId, task);
  return {
    run_id: runId,
    task,
    metadata: meta,
    run_config: configText === null ? null : ((YAML.parse(configText) ?? null) as Record<string, unknown> | null),
    results,
    manifest: await store.getJson<PrepareResult>(keys.samplesManifest(runId, task)),
    samples: await shardRows<PreparedSample>(store, `${base}samples/`),
    generations: await shardRows<GenerationRecord>(store, `${base}generations/`),
    scores: await shardRows<ScoreRecord>(store, `${base}scores/`),
  };
}

/** Inspect's log file name: <created>_<task>_<id>.json (colons out of the timestamp). */
export function inspectLogName(log: InspectEvalLog): string {
  const ts = log.eval.created.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-');
  return `${ts}_${safe(log.eval.task)}_${safe(log.eval.run_id)}.json`;
}

/** One Inspect log per task with results; tasks without are named in `missing`. */
export async function inspectLogs(store: ArtifactStore, runId: string): Promise<{ logs: InspectEvalLog[]; missing: string[] }> {
  const meta = await runMetadata(store, runId);
  const logs: InspectEvalLog[] = [];
  const missing: string[] = [];
  for (const task of meta.tasks) {
    const t = await loadTaskArtifacts(store, runId, task, meta);
    if (t) logs.push(buildInspectLog(t));
    else missing.push(task);
  }
  return { logs, missing };
}

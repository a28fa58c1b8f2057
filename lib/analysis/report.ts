/**
 * `evalflow report`: one self-contained HTML file per run — header, metrics
 * with 95% confidence intervals, plots (inline SVG drawn here), response
 * statistics and a client-side sample browser. It opens from disk with no
 * server and no network (a Content-Security-Policy forbids any fetch), and
 * every string from the run is escaped: model output is untrusted.
 *
 * Two halves: loadReportData() reads the artifacts (lib/engine/store.ts layout) into
 * a ReportData value; renderReport() is a pure function of that value.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import type { GenerationRecord } from '../records/artifacts';
import type { JudgementRecord } from '../records/artifacts';
import type { PrepareResult, PreparedSample } from '../records/artifacts';
import type { RunMetadata } from '../records/artifacts';
import type { NemoResults, ScoreRecord } from '../records/artifacts';
import type { TaskMetrics } from '../records/artifacts';
import { type ArtifactStore } from '../engine/store';
import { formatUsd, sumTaskUsage } from '../engine/cost';
import type { TaskUsage, TokenUsage } from '../records/types';
import { keys } from '../records/keys';
import { EvalflowError } from '../records/errors';

/** Texts longer than this (prompt, response, reasoning, judge reply) are cut in the report; the artifacts keep them whole. */
export const DEFAULT_TEXT_CAP = 4000;

/** z for a two-sided 95% normal interval. */
const Z95 = 1.96;

/** Where the report of a run is stored, next to its results. */
export function reportKey(runId: string): string {
  return `${keys.run(runId)}report.html`;
}

export class ReportError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'analysis', retryable: false });
  }
}

/** What the report reads from the store (an ArtifactStore, or anything with the same reads). */
export type ReportSource = Pick<ArtifactStore, 'getJson' | 'getJsonl' | 'getText' | 'uri'>;

export interface ReportMetric {
  metric: string;
  score: string;
  value: number;
  stderr: number | null;
  count: number | null;
}

export interface ReportSubset {
  name: string;
  value: number;
  stderr: number | null;
  count: number | null;
}

export interface ReportTaskCounts {
  /** (sample, repeat) units generated. */
  units: number;
  scored: number;
  correct: number;
  /** Scored, not correct, with an extracted answer. */
  wrong: number;
  /** Scored, no answer could be extracted. */
  no_answer: number;
  judge_errors: number;
  cached: number;
  retries: number;
  reasoning_unfinished: number;
}

export interface ReportTask {
  name: string;
  benchmark: string | null;
  model: string | null;
  samples: number | null;
  repeats: number | null;
  /** "origin: location" of the dataset. */
  dataset: string | null;
  /** results.json exists (the task finished aggregating). */
  complete: boolean;
  metrics: ReportMetric[];
  /** The number the task is known by (pass@1 or pass@1[avg-of-k], correctness score). */
  headline: ReportMetric | null;
  /** The headline metric and score per subset (category), from results.groups. */
  subsets: ReportSubset[];
  completion_tokens: number[];
  /** Wall time of calls the endpoint answered in this run (cache replays have none). */
  latencies_ms: number[];
  finish_reasons: Record<string, number>;
  counts: ReportTaskCounts;
  /** Tokens and cost from results.json (null until the task finished, or for results written before usage existed). */
  usage: TaskUsage | null;
}

/** One (sample, repeat) of the sample browser. */
export interface ReportRow {
  /** Index into ReportData.tasks. */
  task: number;
  sample: string;
  repeat: number;
  subset: string | null;
  /** Index into ReportData.prompts (a prompt is shared by the repeats of a sample). */
  prompt: number;
  response: string;
  reasoning: string | null;
  predicted: string | null;
  expected: string;
  /** null: not scored (yet), or the judge failed. */
  correct: boolean | null;
  judge: 'correct' | 'incorrect' | null;
  judge_error: string | null;
  judge_response: string | null;
  finish_reason: string | null;
  tokens: number | null;
  latency_ms: number | null;
  cached: boolean;
  /** Some text of this row was cut at the text cap. */
  truncated: boolean;
}

export interface ReportData {
  run_id: string;
  generated_at: string;
  artifacts_uri: string | null;
  metadata: RunMetadata | null;
  models: string[];
  tasks: ReportTask[];
  prompts: string[];
  rows: ReportRow[];
  text_cap: number;
  /** How many texts were cut at text_cap. */
  truncated_texts: number;
}

export interface ReportOptions {
  /** Characters kept of each prompt, response, reasoning and judge reply (default 4,000). */
  textCap?: number;
  /** Timestamp printed in the footer (default now). */
  generatedAt?: string;
}

// ---------------------------------------------------------------------------
// Loading

/** The metric and score a task is summarised by. */
export function pickHeadline(metrics: TaskMetrics): { metric: string; score: string } | null {
  const names = Object.keys(metrics);
  if (!names.length) return null;
  const metric = names.find((m) => m.startsWith('pass@1[')) ?? names.find((m) => m === 'pass@1') ?? names[0];
  const scores = Object.keys(metrics[metric].scores);
  if (!scores.length) return null;
  const score = scores.includes('symbolic_correct') ? 'symbolic_correct' : scores.find((s) => s !== 'no_answer') ?? scores[0];
  return { metric, score };
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function metricRows(metrics: TaskMetrics): ReportMetric[] {
  const out: ReportMetric[] = [];
  for (const [metric, group] of Object.entries(metrics)) {
    for (const [score, v] of Object.entries(group.scores)) {
      out.push({ metric, score, value: v.value, stderr: numOrNull(v.stats?.stderr), count: numOrNull(v.stats?.count) });
    }
  }
  return out;
}

function lastUserMessage(sample: PreparedSample | undefined): string {
  if (!sample) return '';
  for (let i = sample.messages.length - 1; i >= 0; i--) if (sample.messages[i].role === 'user') return sample.messages[i].content;
  return sample.messages.length ? sample.messages[sample.messages.length - 1].content : '';
}

function modelFromConfig(yamlText: string | null): string | null {
  if (!yamlText) return null;
  try {
    const cfg = YAML.parse(yamlText) as { target?: { api_endpoint?: { model_id?: unknown } } } | null;
    const id = cfg?.target?.api_endpoint?.model_id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** Read a run's artifacts into ReportData. Works on unfinished runs too (what exists is shown). */
export async function loadReportData(store: ReportSource, runId: string, opts: ReportOptions = {}): Promise<ReportData> {
  const cap = opts.textCap ?? DEFAULT_TEXT_CAP;
  const metadata = await store.getJson<RunMetadata>(keys.metadata(runId));
  if (!metadata) {
    throw new ReportError(`no artifacts for run '${runId}' in ${store.uri(keys.run(runId))}; check the run id and EVALFLOW_S3_* settings`);
  }
  const configModel = modelFromConfig(await store.getText(keys.runConfig(runId)));
  let truncatedTexts = 0;
  const clip = (text: string): { text: string; cut: boolean } => {
    if (text.length <= cap) return { text, cut: false };
    truncatedTexts++;
    return { text: text.slice(0, cap), cut: true };
  };
  const prompts: string[] = [];
  const promptIndex = new Map<string, number>();
  const rows: ReportRow[] = [];
  const tasks: ReportTask[] = [];

  for (const [taskIdx, name] of metadata.tasks.entries()) {
    const results = await store.getJson<NemoResults>(keys.results(runId, name));
    const manifest = await store.getJson<PrepareResult>(keys.samplesManifest(runId, name));
    const cfg = (results?.config ?? {}) as { benchmark?: unknown; model_id?: unknown; dataset?: { origin?: unknown; location?: unknown } };
    const metrics = results?.results.tasks[name]?.metrics ?? {};
    const pick = pickHeadline(metrics);
    const all = metricRows(metrics);
    const headline = pick ? all.find((m) => m.metric === pick.metric && m.score === pick.score) ?? null : null;
    const subsets: ReportSubset[] = [];
    for (const [group, g] of Object.entries(results?.results.groups ?? {})) {
      if (!group.startsWith(`${name}/`) || !pick) continue;
      const v = g.metrics[pick.metric]?.scores[pick.score];
      if (v) subsets.push({ name: group.slice(name.length + 1), value: v.value, stderr: numOrNull(v.stats?.stderr), count: numOrNull(v.stats?.count) });
    }
    const task: ReportTask = {
      name,
      benchmark: typeof cfg.benchmark === 'string' ? cfg.benchmark : null,
      model: typeof cfg.model_id === 'string' ? cfg.model_id : configModel,
      samples: manifest?.samples ?? null,
      repeats: manifest?.repeats ?? null,
      dataset: manifest ? `${manifest.dataset.origin}: ${manifest.dataset.location}` : null,
      complete: results !== null,
      metrics: all,
      headline,
      subsets,
      completion_tokens: [],
      latencies_ms: [],
      finish_reasons: {},
      counts: { units: 0, scored: 0, correct: 0, wrong: 0, no_answer: 0, judge_errors: 0, cached: 0, retries: 0, reasoning_unfinished: 0 },
      usage: results?.results.tasks[name]?.usage ?? null,
    };
    tasks.push(task);

    for (let shard = 0; shard < (manifest?.shards ?? 0); shard++) {
      const gens = await store.getJsonl<GenerationRecord>(keys.generationsShard(runId, name, shard));
      if (!gens) continue;
      const samples = new Map(((await store.getJsonl<PreparedSample>(keys.samplesShard(runId, name, shard))) ?? []).map((s) => [s.id, s]));
      const unitKey = (id: string, repeat: number) => `${id}#${repeat}`;
      const scores = new Map(((await store.getJsonl<ScoreRecord>(keys.scoresShard(runId, name, shard))) ?? []).map((s) => [unitKey(s.sample_id, s.repeat), s]));
      const judged = new Map(((await store.getJsonl<JudgementRecord>(keys.judgementsShard(runId, name, shard))) ?? []).map((j) => [unitKey(j.sample_id, j.repeat), j]));
      for (const g of gens) {
        const sample = samples.get(g.sample_id);
        const score = scores.get(unitKey(g.sample_id, g.repeat));
        const judgement = judged.get(unitKey(g.sample_id, g.repeat));
        const c = task.counts;
        c.units++;
        if (g.cached) c.cached++;
        else task.latencies_ms.push(g.latency_ms);
        c.retries += Math.max(0, g.attempts - 1);
        if (g.reasoning_unfinished) c.reasoning_unfinished++;
        if (g.completion_tokens !== null) task.completion_tokens.push(g.completion_tokens);
        const fr = g.finish_reason ?? 'unknown';
        task.finish_reasons[fr] = (task.finish_reasons[fr] ?? 0) + 1;
        const judgeError = score?.judge_error ?? judgement?.judge_error ?? null;
        if (judgeError !== null) c.judge_errors++;
        else if (score) {
          c.scored++;
          if (score.correct) c.correct++;
          else if (score.predicted === null) c.no_answer++;
          else c.wrong++;
        }

        const promptText = clip(lastUserMessage(sample));
        let p = promptIndex.get(promptText.text);
        if (p === undefined) {
          p = prompts.push(promptText.text) - 1;
          promptIndex.set(promptText.text, p);
        }
        const response = clip(g.content);
        const reasoning = g.reasoning === null ? null : clip(g.reasoning);
        const judgeReply = judgement?.judge_response === undefined ? null : clip(judgement.judge_response);
        rows.push({
          task: taskIdx,
          sample: g.sample_id,
          repeat: g.repeat,
          subset: sample?.subset ?? score?.subset ?? null,
          prompt: p,
          response: response.text,
          reasoning: reasoning?.text ?? null,
          predicted: score && judgeError === null ? score.predicted : null,
          expected: score?.expected ?? sample?.expected ?? '',
          correct: score && judgeError === null ? score.correct : null,
          judge: judgement && judgement.correct !== null ? (judgement.correct ? 'correct' : 'incorrect') : null,
          judge_error: judgeError,
          judge_response: judgeReply?.text ?? null,
          finish_reason: g.finish_reason,
          tokens: g.completion_tokens,
          latency_ms: g.cached ? null : g.latency_ms,
          cached: g.cached,
          truncated: promptText.cut || response.cut || Boolean(reasoning?.cut) || Boolean(judgeReply?.cut),
        });
      }
    }
  }
  const models = [...new Set(tasks.map((t) => t.model).filter((m): m is string => m !== null))];
  if (!models.length && configModel) models.push(configModel);
  return {
    run_id: runId,
    generated_at: opts.generatedAt ?? new Date().toISOString(),
    artifacts_uri: store.uri(keys.run(runId)),
    metadata,
    models,
    tasks,
    prompts,
    rows,
    text_cap: cap,
    truncated_texts: truncatedTexts,
  };
}

/** The HTML report of a run, read from the store. */
export async function buildReport(store: ReportSource, runId: string, opts: ReportOptions = {}): Promise<string> {
  return renderReport(await loadReportData(store, runId, opts));
}

export interface WrittenReport {
  key: string;
  uri: string;
  file: string | null;
  bytes: number;
}

/** Build the report, store it as runs/<id>/report.html and, with outFile, write it there too. */
export async function writeReport(
  store: ReportSource & Pick<ArtifactStore, 'putText'>,
  runId: string,
  outFile?: string,
  opts: ReportOptions = {},
): Promise<WrittenReport> {
  const html = await buildReport(store, runId, opts);
  const key = reportKey(runId);
  await store.putText(key, html, 'text/html; charset=utf-8');
  let file: string | null = null;
  if (outFile) {
    file = path.resolve(outFile);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, html);
  }
  return { key, uri: store.uri(key), file, bytes: Buffer.byteLength(html) };
}

// ---------------------------------------------------------------------------
// Rendering (pure)

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
}

/** JSON that can sit inside a <script> element: no '<', '>', '&' or line separators survive literally. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A task name as an element-id fragment. */
export function idFragment(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

const esc = escapeHtml;

function num(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function int(v: number): string {
  return v.toLocaleString('en-US');
}

/** value ± 1.96·stderr; null without a stderr. */
export function confidenceInterval(value: number, stderr: number | null): [number, number] | null {
  return stderr === null ? null : [value - Z95 * stderr, value + Z95 * stderr];
}

/** A round step (1, 2 or 5 × 10^k) of at least v. */
function niceStep(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

/** A round upper bound for an axis. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

function fmtTick(v: number): string {
  if (Math.abs(v) >= 1000) return int(Math.round(v));
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 1 : 0);
}

interface Bar {
  label: string;
  value: number;
  interval: [number, number] | null;
  note?: string;
}

/** Horizontal bars with optional 95% error bars. Percent scales run 0–100. */
function barChart(id: string, cls: string, title: string, bars: Bar[], opts: { percent: boolean; unit?: string }): string {
  const width = 720;
  const rowH = 24;
  const labelW = Math.min(260, Math.max(80, Math.max(...bars.map((b) => b.label.length)) * 7 + 12));
  const right = 120;
  const top = 28;
  const plotW = width - labelW - right;
  const height = top + bars.length * rowH + 26;
  const highest = Math.max(0, ...bars.map((b) => Math.max(b.value, b.interval?.[1] ?? 0)));
  // Percentages on 0–100 in quarters; counts on whole round steps.
  const step = opts.percent && highest <= 100 ? 25 : Math.max(1, niceStep(highest / 4));
  const ticks = Math.max(1, Math.ceil(highest / step));
  const xMax = opts.percent && highest <= 100 ? 100 : ticks * step;
  const x = (v: number) => labelW + (Math.min(Math.max(v, 0), xMax) / xMax) * plotW;
  const out: string[] = [];
  out.push(`<svg id="${esc(id)}" class="plot ${esc(cls)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`);
  out.push(`<text class="plot-title" x="${labelW}" y="16">${esc(title)}</text>`);
  for (let i = 0; i * step <= xMax; i++) {
    const v = i * step;
    const gx = x(v).toFixed(1);
    out.push(`<line class="grid" x1="${gx}" x2="${gx}" y1="${top - 4}" y2="${top + bars.length * rowH}"/>`);
    out.push(`<text class="tick" x="${gx}" y="${top + bars.length * rowH + 16}" text-anchor="middle">${esc(fmtTick(v))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2;
    const tip = `${b.label}: ${num(b.value)}${b.interval ? ` (95% CI ${num(b.interval[0])} – ${num(b.interval[1])})` : ''}${b.note ? `, ${b.note}` : ''}`;
    out.push(`<g class="bar-group"><title>${esc(tip)}</title>`);
    out.push(`<text class="label" x="${labelW - 8}" y="${mid + 4}" text-anchor="end">${esc(b.label.length > 36 ? b.label.slice(0, 35) + '…' : b.label)}</text>`);
    out.push(`<rect class="bar" x="${labelW}" y="${y + 4}" width="${(x(b.value) - labelW).toFixed(1)}" height="${rowH - 8}"/>`);
    if (b.interval) {
      const [lo, hi] = b.interval.map(x);
      out.push(
        `<g class="errorbar"><line x1="${lo.toFixed(1)}" x2="${hi.toFixed(1)}" y1="${mid}" y2="${mid}"/>` +
          `<line x1="${lo.toFixed(1)}" x2="${lo.toFixed(1)}" y1="${mid - 5}" y2="${mid + 5}"/>` +
          `<line x1="${hi.toFixed(1)}" x2="${hi.toFixed(1)}" y1="${mid - 5}" y2="${mid + 5}"/></g>`,
      );
    }
    const valueText = `${num(b.value, opts.percent ? 1 : 0)}${opts.unit ?? ''}${b.interval ? ` ± ${num((b.interval[1] - b.interval[0]) / 2, 1)}` : ''}`;
    out.push(`<text class="value" x="${width - right + 8}" y="${mid + 4}">${esc(valueText)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('');
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Equal-width bins over [min, max] (integer widths for integer data). */
export function histogramBins(values: readonly number[], maxBins = 30): HistogramBin[] {
  if (!values.length) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const integral = values.every((v) => Number.isInteger(v));
  const n = Math.max(1, Math.min(maxBins, Math.ceil(Math.sqrt(values.length))));
  let w = (hi - lo) / n;
  if (integral) w = Math.max(1, Math.ceil((hi - lo + 1) / n));
  if (w === 0) return [{ from: lo, to: hi, count: values.length }];
  const count = integral ? Math.ceil((hi - lo + 1) / w) : n;
  const bins: HistogramBin[] = Array.from({ length: count }, (_, i) => ({ from: lo + i * w, to: lo + (i + 1) * w, count: 0 }));
  for (const v of values) bins[Math.min(count - 1, Math.floor((v - lo) / w))].count++;
  return bins;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function histogram(id: string, cls: string, title: string, values: readonly number[], unit: string): string {
  const width = 340;
  const height = 200;
  const left = 44;
  const bottom = 36;
  const top = 24;
  const plotW = width - left - 26;
  const plotH = height - top - bottom;
  const out: string[] = [];
  out.push(`<svg id="${esc(id)}" class="plot plot-hist ${esc(cls)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`);
  out.push(`<text class="plot-title" x="${left}" y="16">${esc(title)}</text>`);
  const bins = histogramBins(values);
  if (!bins.length) {
    out.push(`<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text></svg>`);
    return out.join('');
  }
  const yMax = niceMax(Math.max(...bins.map((b) => b.count)));
  const xLo = bins[0].from;
  const xHi = bins[bins.length - 1].to;
  const x = (v: number) => left + ((v - xLo) / (xHi - xLo || 1)) * plotW;
  const y = (c: number) => top + plotH - (c / yMax) * plotH;
  out.push(`<line class="axis" x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}"/>`);
  out.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}"/>`);
  for (const c of [0, yMax / 2, yMax]) {
    out.push(`<text class="tick" x="${left - 4}" y="${(y(c) + 4).toFixed(1)}" text-anchor="end">${esc(fmtTick(c))}</text>`);
  }
  for (const v of [xLo, (xLo + xHi) / 2, xHi]) {
    out.push(`<text class="tick" x="${x(v).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle">${esc(fmtTick(v))}</text>`);
  }
  out.push(`<text class="axis-label" x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle">${esc(unit)}</text>`);
  for (const b of bins) {
    const bx = x(b.from);
    const bw = Math.max(1, x(b.to) - bx - 1);
    out.push(
      `<rect class="bin" x="${bx.toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y(b.count)).toFixed(1)}">` +
        `<title>${esc(`${fmtTick(b.from)}–${fmtTick(b.to)} ${unit}: ${b.count}`)}</title></rect>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}

function distributionNote(values: readonly number[], unit: string): string {
  if (!values.length) return '';
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `<p class="note">n ${int(sorted.length)} · mean ${esc(num(mean, 0))} · p50 ${esc(num(quantile(sorted, 0.5), 0))} · p90 ${esc(num(quantile(sorted, 0.9), 0))} · max ${esc(num(sorted[sorted.length - 1], 0))} ${esc(unit)}</p>`;
}

function durationText(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return '–';
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

function usageTokensText(u: TaskUsage): string {
  const one = (what: string, t: TokenUsage) =>
    `${what} ${int(t.calls)} calls: ${int(t.prompt_tokens)} prompt + ${int(t.completion_tokens)} completion tokens (${int(t.reasoning_tokens)} reasoning)`;
  const replayed = u.replayed_calls.model + (u.replayed_calls.judge ?? 0);
  return [one('model', u.model), u.judge ? one('judge', u.judge) : null, replayed ? `${int(replayed)} of these calls replayed from the cache` : null].filter(Boolean).join('; ');
}

function costText(u: TaskUsage): string {
  if (u.cost_usd !== undefined) return formatUsd(u.cost_usd) + (u.judge_cost_usd !== undefined ? ` (model ${formatUsd(u.model_cost_usd ?? 0)}, judge ${formatUsd(u.judge_cost_usd)})` : '');
  if (u.model_cost_usd !== undefined) return `model ${formatUsd(u.model_cost_usd)}; the judge has no price in execution.pricing`;
  return 'not priced: execution.pricing has no entry for an endpoint used';
}

/** The run's usage: metadata.json's total, or the finished tasks' results summed while the run is unfinished. */
function runUsageOf(d: ReportData): TaskUsage | null {
  return d.metadata?.usage ?? sumTaskUsage(d.tasks.flatMap((t) => (t.usage ? [t.usage] : []))) ?? null;
}

function usageSection(d: ReportData): string {
  const withUsage = d.tasks.filter((t) => t.usage);
  if (!withUsage.length) return '';
  const total = runUsageOf(d);
  const cell = (v: number | undefined) => `<td class="num">${v === undefined ? '–' : esc(int(v))}</td>`;
  const money = (v: number | undefined) => `<td class="num">${v === undefined ? '–' : esc(formatUsd(v))}</td>`;
  const row = (name: string, u: TaskUsage, cls = '') =>
    `<tr${cls}><td>${esc(name)}</td>${cell(u.model.calls)}${cell(u.model.prompt_tokens)}${cell(u.model.completion_tokens)}${cell(u.model.reasoning_tokens)}` +
    `${cell(u.judge?.calls)}${cell(u.judge?.prompt_tokens)}${cell(u.judge?.completion_tokens)}${cell(u.replayed_calls.model + (u.replayed_calls.judge ?? 0))}${money(u.cost_usd ?? u.model_cost_usd)}</tr>`;
  const rows = withUsage.map((t) => row(t.name, t.usage!));
  if (total && withUsage.length > 1) rows.push(row('run total', total, ' class="total"'));
  return (
    `<section id="usage"><h2>Tokens and cost</h2>` +
    `<table id="usage-table" class="data"><thead><tr><th>task</th><th>model calls</th><th>prompt tokens</th><th>completion tokens</th><th>of them reasoning</th>` +
    `<th>judge calls</th><th>judge prompt tokens</th><th>judge completion tokens</th><th>replayed from cache</th><th>cost (USD)</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    `<p class="note">Counts every response the results are computed from, whether paid in this run or replayed from the response cache (that column says how many were replayed). ` +
    `Cost = prompt tokens × input price + completion tokens (reasoning included) × output price, from execution.pricing; – when an endpoint has no price.</p></section>`
  );
}

function headerSection(d: ReportData): string {
  const m = d.metadata;
  const runUsage = runUsageOf(d);
  const rows: [string, string][] = [
    ['run id', d.run_id],
    ['model', d.models.join(', ') || '–'],
    ['config', m?.config_name ?? '–'],
    ['status', m?.status ?? 'unknown'],
    ['started', m?.started_at ?? '–'],
    ['finished', m?.finished_at ?? '–'],
    ['duration', durationText(m?.started_at, m?.finished_at)],
    ['tasks', d.tasks.map((t) => t.name).join(', ')],
    ['tokens', runUsage ? usageTokensText(runUsage) : '–'],
    ['cost', runUsage ? costText(runUsage) : '–'],
    ['Temporal workflow', m ? `${m.temporal.workflow_id} (namespace ${m.temporal.namespace}, task queue ${m.temporal.task_queue})` : '–'],
    ['evalflow', m ? `${m.evalflow_version}${m.git_hash ? ` (git ${m.git_hash.slice(0, 12)})` : ''}, Node ${m.node_version}` : '–'],
    ['artifacts', d.artifacts_uri ?? '–'],
  ];
  const status = m?.status ?? 'unknown';
  const demo = d.models.includes('demo-model')
    ? `<p class="warning">Model 'demo-model' is evalflow's SCRIPTED DEMO MODEL, not a real LLM: its answers are canned, so these scores show the pipeline works, not how good a model is.</p>`
    : '';
  return (
    `<header><h1>evalflow report <span class="run-id">${esc(d.run_id)}</span> <span class="status status-${esc(idFragment(status))}">${esc(status)}</span></h1>` +
    demo +
    `<table id="run-header" class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table></header>`
  );
}

function overviewSection(d: ReportData): string {
  const bars: Bar[] = d.tasks
    .filter((t) => t.headline)
    .map((t) => {
      const h = t.headline as ReportMetric;
      return { label: `${t.name} · ${h.metric}`, value: h.value, interval: confidenceInterval(h.value, h.stderr), note: h.score };
    });
  const chart = bars.length
    ? barChart('plot-scores', 'plot-scores', 'score per task (95% CI)', bars, { percent: true })
    : '<p class="note" id="plot-scores-missing">No task has results yet.</p>';
  const rows = d.tasks.flatMap((t) =>
    t.metrics.map((m) => {
      const ci = confidenceInterval(m.value, m.stderr);
      const head = t.headline && t.headline.metric === m.metric && t.headline.score === m.score;
      return (
        `<tr${head ? ' class="headline"' : ''}><td>${esc(t.name)}</td><td>${esc(m.metric)}</td><td>${esc(m.score)}</td>` +
        `<td class="num">${esc(num(m.value))}</td><td class="num">${ci ? `${esc(num(ci[0]))} – ${esc(num(ci[1]))}` : '–'}</td>` +
        `<td class="num">${esc(num(m.stderr))}</td><td class="num">${m.count === null ? '–' : esc(int(m.count))}</td></tr>`
      );
    }),
  );
  const missing = d.tasks.filter((t) => !t.complete).map((t) => t.name);
  return (
    `<section id="overview"><h2>Scores</h2>${chart}` +
    (missing.length ? `<p class="warning">No results.json yet for: ${esc(missing.join(', '))} (the run is unfinished or the task failed).</p>` : '') +
    `<table id="metrics-table" class="data"><thead><tr><th>task</th><th>metric</th><th>score</th><th>value</th><th>95% CI</th><th>stderr</th><th>n</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>` +
    `<p class="note">95% CI = value ± 1.96 · stderr (normal approximation over samples). The highlighted row is the task's headline score, the one plotted.</p></section>`
  );
}

function taskSection(t: ReportTask): string {
  const f = idFragment(t.name);
  const parts: string[] = [];
  const facts = [
    t.benchmark ? `benchmark ${t.benchmark}` : null,
    t.model ? `model ${t.model}` : null,
    t.samples !== null ? `${int(t.samples)} samples` : null,
    t.repeats !== null ? `${t.repeats} repeat${t.repeats === 1 ? '' : 's'}` : null,
    t.dataset ? `data ${t.dataset}` : null,
  ].filter((x): x is string => x !== null);
  parts.push(`<section class="task" id="task-${esc(f)}"><h2>${esc(t.name)}</h2><p class="note">${esc(facts.join(' · '))}</p>`);
  if (t.subsets.length && t.headline) {
    const bars = t.subsets.map((s) => ({ label: s.name, value: s.value, interval: confidenceInterval(s.value, s.stderr), note: s.count === null ? undefined : `n ${s.count}` }));
    parts.push(barChart(`plot-subsets-${f}`, 'plot-subsets', `${t.headline.metric} ${t.headline.score} per category (95% CI)`, bars, { percent: true }));
  }
  parts.push('<div class="row">');
  parts.push(`<div>${histogram(`plot-tokens-${f}`, 'plot-tokens', 'response length', t.completion_tokens, 'completion tokens')}${distributionNote(t.completion_tokens, 'tokens')}</div>`);
  parts.push(
    `<div>${histogram(`plot-latency-${f}`, 'plot-latency', 'latency (calls made in this run)', t.latencies_ms, 'ms')}${
      t.latencies_ms.length ? distributionNote(t.latencies_ms, 'ms') : `<p class="note">${t.counts.cached ? 'every response was replayed from the cache' : 'no calls recorded'}</p>`
    }</div>`,
  );
  parts.push('</div>');
  const reasons = Object.entries(t.finish_reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length) {
    parts.push(barChart(`plot-finish-${f}`, 'plot-finish', 'finish reasons', reasons.map(([r, n]) => ({ label: r, value: n, interval: null })), { percent: false }));
  }
  const c = t.counts;
  const countRows: [string, number][] = [
    ['responses', c.units],
    ['scored', c.scored],
    ['correct', c.correct],
    ['wrong answer', c.wrong],
    ['no answer extracted', c.no_answer],
    ['judge errors (not scored)', c.judge_errors],
    ['replayed from cache', c.cached],
    ['endpoint retries', c.retries],
    ['reasoning unfinished', c.reasoning_unfinished],
    ...reasons.map(([r, n]): [string, number] => [`finish_reason = ${r}`, n]),
  ];
  parts.push(
    `<table id="counts-${esc(f)}" class="kv counts">${countRows.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="num">${esc(int(v))}</td></tr>`).join('')}</table></section>`,
  );
  return parts.join('');
}

function browserSection(d: ReportData): string {
  const options = d.tasks.map((t, i) => `<option value="${i}">${esc(t.name)}</option>`).join('');
  return (
    `<section id="samples"><h2>Samples</h2>` +
    `<p class="note">One row per (sample, repeat): ${esc(int(d.rows.length))} rows. Prompts (the last user message), responses, reasoning and judge replies are cut at ${esc(int(d.text_cap))} characters` +
    `${d.truncated_texts ? ` (${esc(int(d.truncated_texts))} texts were cut)` : ' (none was cut)'}; the full texts are in the artifacts${d.artifacts_uri ? ` (${esc(d.artifacts_uri)})` : ''}.</p>` +
    `<div class="controls">` +
    `<span class="filters" role="group" aria-label="filter">` +
    `<button type="button" class="filter" data-filter="all" aria-pressed="true">all <span class="n"></span></button>` +
    `<button type="button" class="filter" data-filter="wrong" aria-pressed="false">wrong <span class="n"></span></button>` +
    `<button type="button" class="filter" data-filter="no-answer" aria-pressed="false">no answer <span class="n"></span></button>` +
    `<button type="button" class="filter" data-filter="judge-error" aria-pressed="false">judge errors <span class="n"></span></button>` +
    `<button type="button" class="filter" data-filter="length" aria-pressed="false">cut by length <span class="n"></span></button>` +
    `</span>` +
    `<select id="sample-task" aria-label="task"><option value="-1">all tasks</option>${options}</select>` +
    `<input id="sample-search" type="search" placeholder="search prompt, response, answer, id…" aria-label="search">` +
    `</div>` +
    `<p id="sample-count" data-matching="${d.rows.length}">${esc(int(d.rows.length))} rows</p>` +
    `<table id="sample-table" class="data samples"><thead><tr><th>task</th><th>sample</th><th>prompt</th><th>response</th><th>answer</th><th>gold</th><th>correct</th><th>judge</th><th>finish · tokens · ms</th></tr></thead><tbody></tbody></table>` +
    `<div class="pager"><button type="button" id="page-prev">‹ prev</button> <span id="page-info"></span> <button type="button" id="page-next">next ›</button>` +
    ` <label>rows per page <select id="page-size"><option>25</option><option selected>50</option><option>100</option><option>200</option></select></label></div>` +
    `<noscript><p class="warning">The sample browser needs JavaScript; the data is embedded in this file (script#report-data).</p></noscript></section>`
  );
}

/** The report's stylesheet and sample browser, kept as asset files beside this module's source and inlined into each report (it is one self-contained file). */
const ASSETS = path.resolve(__dirname, '..', '..', '..', 'lib', 'analysis', 'report-assets');
const STYLE = fs.readFileSync(path.join(ASSETS, 'report.css'), 'utf8');

/** The sample browser (report-assets/report.js): reads the embedded JSON and builds rows with textContent only (no HTML from data). */
const SCRIPT = fs.readFileSync(path.join(ASSETS, 'report.js'), 'utf8');

/** The whole report as one HTML document. Pure: same data, same HTML. */
export function renderReport(d: ReportData): string {
  const embedded = {
    text_cap: d.text_cap,
    tasks: d.tasks.map((t) => ({ name: t.name })),
    prompts: d.prompts,
    rows: d.rows,
  };
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    // Nothing may load from anywhere: the file must work offline, and untrusted text cannot phone home.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>evalflow report ${esc(d.run_id)}</title><style>${STYLE}</style></head><body><main>`,
    headerSection(d),
    overviewSection(d),
    usageSection(d),
    d.tasks.map(taskSection).join(''),
    browserSection(d),
    `<footer>generated by evalflow at ${esc(d.generated_at)} · self-contained: no server or network needed</footer>`,
    `</main><script type="application/json" id="report-data">${jsonForScript(embedded)}</script>`,
    `<script>${SCRIPT}</script></body></html>\n`,
  ].join('');
}

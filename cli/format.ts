/** Plain-text tables and result rows for the terminal. */
import type { TaskMetrics } from '../lib/records/artifacts';
import { formatUsd } from '../lib/engine/cost';
import type { TokenUsage } from '../lib/records/types';

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmt(v: number | undefined | null, digits = 2): string {
  return v === undefined || v === null || Number.isNaN(v) ? '-' : v.toFixed(digits);
}

interface ResultsFile {
  results?: { tasks?: Record<string, { metrics?: TaskMetrics }> };
}

/** One row per task × metric × score. */
export function resultRows(task: string, results: unknown): (string | number)[][] {
  const r = results as ResultsFile | null;
  const metrics = r?.results?.tasks?.[task]?.metrics;
  if (!metrics) return [[task, '(no results yet)', '', '', '']];
  const rows: (string | number)[][] = [];
  for (const [m, group] of Object.entries(metrics)) {
    for (const [s, v] of Object.entries(group.scores)) {
      rows.push([task, m, s, fmt(v.value), fmt(v.stats?.stderr)]);
    }
  }
  return rows;
}

export const RESULT_HEADER = ['task', 'metric', 'score', 'value', 'stderr'];

/** 950 → "950", 12_345 → "12.3k", 4_560_000 → "4.56M". */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1)}M`;
}

/** What status shows of a task's usage (results.json usage, or the progress query's). */
export interface UsageView {
  model: TokenUsage;
  judge?: TokenUsage;
  cost_usd?: number;
  model_cost_usd?: number;
}

/** "120 calls, 12.3k in / 45.6k out (30.1k reasoning); judge 40 calls, 8.00k in / 120 out" */
export function usageCell(u: UsageView | undefined): string {
  if (!u) return '';
  const one = (t: TokenUsage) =>
    `${t.calls} calls, ${compactCount(t.prompt_tokens)} in / ${compactCount(t.completion_tokens)} out${t.reasoning_tokens ? ` (${compactCount(t.reasoning_tokens)} reasoning)` : ''}`;
  return one(u.model) + (u.judge ? `; judge ${one(u.judge)}` : '');
}

/** The cost of a task, or why there is none. */
export function costCell(u: UsageView | undefined): string {
  if (!u) return '';
  if (u.cost_usd !== undefined) return formatUsd(u.cost_usd);
  if (u.model_cost_usd !== undefined) return `${formatUsd(u.model_cost_usd)} + judge (no price)`;
  return 'no pricing';
}

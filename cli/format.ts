/** Plain-text tables and result rows for the terminal. */
import type { TaskMetrics } from '../lib/records/artifacts';

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

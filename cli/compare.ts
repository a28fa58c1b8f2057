/**
 * `evalflow compare <run-a> <run-b> [more...]`: paired comparison of runs
 * (lib/analysis/compare.ts) as a terminal table, JSON, or a self-contained HTML page
 * with an inline-SVG plot of the differences and their intervals.
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import { compareRuns, type ComparisonRow, DEFAULT_RESAMPLES, DEFAULT_SEED, type RunComparison } from '../lib/analysis/compare';
import { loadSettings } from '../lib/config/settings';
import { ArtifactStore } from '../lib/engine/store';
import { fmt, table } from './format';
import { describeUsage } from '../lib/engine/cost';
import type { TaskUsage } from '../lib/records/types';

export function formatP(p: number): string {
  if (p < 0.0001) return '<0.0001';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(4);
}

const signed = (x: number) => (x > 0 ? '+' : '') + fmt(x);

function ciText(r: ComparisonRow): string {
  return `[${signed(r.ci[0])}, ${signed(r.ci[1])}]`;
}

/** The terminal report: one table for all comparisons, then what makes runs not like for like. */
export function compareText(comparisons: readonly RunComparison[]): string {
  const many = comparisons.length > 1;
  const conf = Math.round((1 - (comparisons[0]?.alpha ?? 0.05)) * 100);
  const header = [...(many ? ['candidate'] : []), 'task', 'metric', 'score', 'n', 'A', 'B', 'diff', `${conf}% CI`, 'p', 'significant', 'flags'];
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const usage: string[] = [];
  for (const c of comparisons) {
    for (const t of c.tasks) {
      const kinds = t.flags.map((f) => f.kind).join(',');
      for (const r of t.rows) {
        rows.push([
          ...(many ? [c.candidate] : []),
          r.task, r.metric, r.score + (r.higher_is_better ? '' : ' (↓ better)'), r.n, fmt(r.a), fmt(r.b), signed(r.diff), ciText(r), formatP(r.p),
          r.significant ? (r.higher_is_better === r.diff > 0 ? 'yes, better' : 'yes, worse') : 'no',
          kinds || '-',
        ]);
      }
      for (const f of t.flags) notes.push(`  ${many ? `${c.candidate} ` : ''}${t.task}: ${f.kind}: ${f.message}`);
      if (t.usage) {
        const show = (u: TaskUsage | undefined) => (u ? describeUsage(u) : 'no usage recorded');
        usage.push(`  ${many ? `${c.candidate} ` : ''}${t.task}: A ${show(t.usage.baseline)}`, `  ${many ? `${c.candidate} ` : ''}${t.task}: B ${show(t.usage.candidate)}`);
      }
    }
    for (const s of c.skipped) notes.push(`  ${many ? `${c.candidate} ` : ''}${s.task}: not compared: ${s.reason}`);
  }
  const lines = [
    `baseline A = ${comparisons[0]?.baseline}; B = ${comparisons.map((c) => c.candidate).join(', ')}`,
    '',
    rows.length ? table(header, rows) : '(no task completed in both runs)',
    '',
    `diff = B − A in percentage points on the samples both runs scored; McNemar (one repeat, 0/1 scores) or paired bootstrap ` +
      `(${comparisons[0]?.resamples ?? DEFAULT_RESAMPLES} resamples, seed ${comparisons[0]?.seed ?? DEFAULT_SEED}) otherwise; significant at p < ${comparisons[0]?.alpha ?? 0.05}, uncorrected for multiple comparisons.`,
  ];
  if (usage.length) lines.push('', 'tokens and cost (every response the results are computed from):', ...usage);
  if (notes.length) lines.push('', 'not like for like (apples with oranges):', ...notes);
  return lines.join('\n');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Inline SVG: one line per row, the diff as a dot, its interval as a bar, zero as a vertical rule. */
export function diffPlotSvg(rows: readonly { label: string; row: ComparisonRow }[]): string {
  const labelW = 330, plotW = 420, rowH = 24, top = 28, bottom = 30;
  const height = top + rows.length * rowH + bottom;
  const extent = Math.max(1, ...rows.flatMap(({ row }) => [Math.abs(row.ci[0]), Math.abs(row.ci[1]), Math.abs(row.diff)])) * 1.1;
  const x = (v: number) => labelW + ((v + extent) / (2 * extent)) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 20}" height="${height}" role="img" aria-label="differences B minus A with confidence intervals">`,
    `<line x1="${x(0)}" y1="${top - 8}" x2="${x(0)}" y2="${height - bottom + 4}" stroke="#888" stroke-dasharray="3,3"/>`,
  ];
  for (const tick of [-extent, -extent / 2, 0, extent / 2, extent]) {
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${height - 10}" font-size="11" text-anchor="middle" fill="#555">${escapeHtml(signed(tick))}</text>`);
  }
  parts.push(`<text x="${x(0)}" y="14" font-size="11" text-anchor="middle" fill="#555">B − A (points)</text>`);
  rows.forEach(({ label, row }, i) => {
    const y = top + i * rowH + rowH / 2;
    const colour = !row.significant ? '#666' : row.higher_is_better === row.diff > 0 ? '#1a7f37' : '#cf222e';
    parts.push(
      `<text x="${labelW - 8}" y="${y + 4}" font-size="12" text-anchor="end">${escapeHtml(label)}</text>`,
      `<line x1="${x(row.ci[0]).toFixed(1)}" y1="${y}" x2="${x(row.ci[1]).toFixed(1)}" y2="${y}" stroke="${colour}" stroke-width="2"/>`,
      `<line x1="${x(row.ci[0]).toFixed(1)}" y1="${y - 5}" x2="${x(row.ci[0]).toFixed(1)}" y2="${y + 5}" stroke="${colour}" stroke-width="2"/>`,
      `<line x1="${x(row.ci[1]).toFixed(1)}" y1="${y - 5}" x2="${x(row.ci[1]).toFixed(1)}" y2="${y + 5}" stroke="${colour}" stroke-width="2"/>`,
      `<circle cx="${x(row.diff).toFixed(1)}" cy="${y}" r="4" fill="${colour}"><title>${escapeHtml(`${label}: ${signed(row.diff)} ${ciText(row)}, p ${formatP(row.p)}`)}</title></circle>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A self-contained HTML page (no scripts, no external resources); every run-supplied string is escaped. */
export function compareHtml(comparisons: readonly RunComparison[]): string {
  const conf = Math.round((1 - (comparisons[0]?.alpha ?? 0.05)) * 100);
  const sections = comparisons.map((c) => {
    const body = c.tasks
      .flatMap((t) =>
        t.rows.map(
          (r) =>
            `<tr><td>${escapeHtml(r.task)}</td><td>${escapeHtml(r.metric)}</td><td>${escapeHtml(r.score)}${r.higher_is_better ? '' : ' (lower is better)'}</td>` +
            `<td>${r.n}</td><td>${fmt(r.a)}</td><td>${fmt(r.b)}</td><td>${escapeHtml(signed(r.diff))}</td><td>${escapeHtml(ciText(r))}</td>` +
            `<td>${escapeHtml(formatP(r.p))}</td><td>${r.significant ? 'yes' : 'no'}</td><td>${escapeHtml(r.method)}</td>` +
            `<td>${escapeHtml(t.flags.map((f) => f.kind).join(', ') || '-')}</td></tr>`,
        ),
      )
      .join('\n');
    const flags = [
      ...c.tasks.flatMap((t) => t.flags.map((f) => `<li><b>${escapeHtml(t.task)}</b> ${escapeHtml(f.kind)}: ${escapeHtml(f.message)}</li>`)),
      ...c.skipped.map((s) => `<li><b>${escapeHtml(s.task)}</b> not compared: ${escapeHtml(s.reason)}</li>`),
    ];
    const plotRows = c.tasks.flatMap((t) => t.rows.map((row) => ({ label: `${t.task} ${row.metric} ${row.score}`, row })));
    return `<section>
<h2>A = ${escapeHtml(c.baseline)} &rarr; B = ${escapeHtml(c.candidate)}</h2>
<table>
<thead><tr><th>task</th><th>metric</th><th>score</th><th>n</th><th>A</th><th>B</th><th>diff</th><th>${conf}% CI</th><th>p</th><th>significant</th><th>test</th><th>flags</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
${plotRows.length ? diffPlotSvg(plotRows) : '<p>No task completed in both runs.</p>'}
${flags.length ? `<h3>Not like for like</h3>\n<ul>\n${flags.join('\n')}\n</ul>` : ''}
</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>evalflow compare: ${escapeHtml(comparisons.map((c) => c.candidate).join(', '))} vs ${escapeHtml(comparisons[0]?.baseline ?? '')}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: right; font-size: 13px; white-space: nowrap; }
th:nth-child(-n+3), td:nth-child(-n+3), td:last-child { text-align: left; }
thead { background: #f6f8fa; }
</style>
</head>
<body>
<h1>evalflow compare</h1>
<p>diff = B &minus; A in percentage points on the samples both runs scored, with its ${conf}% interval. McNemar's test for one repeat with 0/1 scores (Agresti&ndash;Min interval), otherwise a seeded paired bootstrap over samples (${comparisons[0]?.resamples ?? DEFAULT_RESAMPLES} resamples, seed ${comparisons[0]?.seed ?? DEFAULT_SEED}). Significant at p &lt; ${comparisons[0]?.alpha ?? 0.05}, not corrected for multiple comparisons. Green: significantly better, red: significantly worse.</p>
${sections.join('\n')}
</body>
</html>
`;
}

export function register(program: Command): void {
  program
    .command('compare')
    .argument('<run-a>', 'baseline run')
    .argument('<run-b>', 'candidate run')
    .argument('[more...]', 'further candidate runs, each compared with run-a')
    .option('--html <file>', 'also write a self-contained HTML report with a plot of the differences')
    .option('--json', 'print the comparison as JSON instead of the table')
    .option('--alpha <a>', 'significance level; intervals are at 1 − alpha', '0.05')
    .option('--seed <n>', 'seed of the paired bootstrap', String(DEFAULT_SEED))
    .description('paired comparison of runs: per task and metric B − A, 95% CI, p-value, and config differences')
    .action(async (a: string, b: string, more: string[], o: { html?: string; json?: boolean; alpha: string; seed: string }) => {
      try {
        const alpha = Number(o.alpha);
        if (!(alpha > 0 && alpha < 0.5)) throw new Error(`--alpha must be in (0, 0.5), got ${o.alpha}`);
        const seed = Number(o.seed);
        if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${o.seed}`);
        const store = new ArtifactStore(loadSettings().storage);
        const comparisons = await compareRuns(store, a, [b, ...more], { alpha, seed });
        if (o.html) fs.writeFileSync(o.html, compareHtml(comparisons));
        if (o.json) console.log(JSON.stringify(comparisons.length === 1 ? comparisons[0] : comparisons, null, 2));
        else console.log(compareText(comparisons));
        if (o.html && !o.json) console.log(`\nHTML report: ${o.html}`);
      } catch (e) {
        console.error(`evalflow: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      }
    });
}

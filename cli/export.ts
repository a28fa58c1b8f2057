/**
 * `evalflow export <run-id> --format json|csv|inspect [--out DIR]`: a run's
 * results for other tools (lib/export.ts). json/csv go to stdout without
 * --out; Inspect logs always go to a directory (default ./logs, Inspect's).
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRows, inspectLogName, inspectLogs, toCsv } from '../lib/export';
import { loadSettings } from '../lib/settings';
import { ArtifactStore } from '../lib/store';

const FORMATS = ['json', 'csv', 'inspect'] as const;
type Format = (typeof FORMATS)[number];

export function register(program: Command): void {
  program
    .command('export')
    .argument('<run-id>', 'run to export')
    .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
    .option('--out <dir>', 'directory to write to (json/csv: default stdout; inspect: default ./logs)')
    .description('export a run: NeMo-style result rows as JSON or CSV, or Inspect AI eval logs (one per task) for `inspect view`')
    .action(async (runId: string, o: { format: string; out?: string }) => {
      try {
        if (!(FORMATS as readonly string[]).includes(o.format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got '${o.format}'`);
        const format = o.format as Format;
        const store = new ArtifactStore(loadSettings().storage);
        const written: string[] = [];
        let missing: string[];
        if (format === 'inspect') {
          const out = o.out ?? 'logs';
          const res = await inspectLogs(store, runId);
          missing = res.missing;
          fs.mkdirSync(out, { recursive: true });
          for (const log of res.logs) {
            const file = path.join(out, inspectLogName(log));
            fs.writeFileSync(file, JSON.stringify(log, null, 2) + '\n');
            written.push(`${file} (${log.samples.length} samples)`);
          }
        } else {
          const res = await exportRows(store, runId);
          missing = res.missing;
          const text = format === 'json' ? JSON.stringify(res.rows, null, 2) + '\n' : toCsv(res.rows);
          if (o.out) {
            fs.mkdirSync(o.out, { recursive: true });
            const file = path.join(o.out, `${runId}.results.${format}`);
            fs.writeFileSync(file, text);
            written.push(`${file} (${res.rows.length} rows)`);
          } else {
            process.stdout.write(text);
          }
        }
        for (const w of written) console.log(`wrote ${w}`);
        // stderr, so a piped json/csv stays clean.
        for (const t of missing) console.error(`note: task ${t} of ${runId} has no results.json yet; not exported`);
      } catch (e) {
        console.error(`evalflow: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      }
    });
}

/**
 * `evalflow export <run-id> --format json|csv|inspect [--out DIR]`: a run's
 * results for other tools (lib/analysis/export.ts). json/csv go to stdout without
 * --out; Inspect logs always go to a directory (default ./logs, Inspect's).
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRows, inspectLogName, inspectLogs, toCsv } from '../lib/analysis/export';
import { exportToMlflow } from '../lib/analysis/mlflow';
import { loadSettings } from '../lib/config/settings';
import { ArtifactStore } from '../lib/engine/store';

const FORMATS = ['json', 'csv', 'inspect'] as const;
type Format = (typeof FORMATS)[number];

export function register(program: Command): void {
  program
    .command('export')
    .argument('<run-id>', 'run to export')
    .option('--format <format>', `one of ${FORMATS.join(', ')}`)
    .option('--out <dir>', 'directory to write to (json/csv: default stdout; inspect: default ./logs)')
    .option('--dest <dest>', "'mlflow': log the run (params, metrics, results and report as artifacts) to an MLflow tracking server")
    .option('--tracking-uri <url>', 'MLflow tracking server (default MLFLOW_TRACKING_URI)')
    .option('--experiment <name>', 'MLflow experiment', 'evalflow')
    .description('export a run: NeMo-style result rows as JSON or CSV, Inspect AI eval logs (one per task) for `inspect view`, or to MLflow (--dest mlflow)')
    .action(async (runId: string, o: { format?: string; out?: string; dest?: string; trackingUri?: string; experiment: string }) => {
      try {
        if (o.dest !== undefined) {
          if (o.dest !== 'mlflow') throw new Error(`--dest must be 'mlflow', got '${o.dest}'`);
          const trackingUri = o.trackingUri ?? loadSettings().mlflow.trackingUri;
          if (!trackingUri) throw new Error('--dest mlflow needs --tracking-uri URL (or MLFLOW_TRACKING_URI); a local server: bash scripts/mlflow-server.sh start');
          const store = new ArtifactStore(loadSettings().storage);
          const r = await exportToMlflow(store, runId, { trackingUri, experiment: o.experiment, token: loadSettings().mlflow.token });
          console.log(`${r.updated ? 'updated' : 'created'} MLflow run ${r.mlflowRunId} in experiment ${r.experimentId}: ${r.url} (${r.artifacts.length} artifacts)`);
          return;
        }
        if (o.format === undefined) throw new Error(`give --format (${FORMATS.join(', ')}) or --dest mlflow`);
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

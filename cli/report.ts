/** `evalflow report <run-id>`: the run's self-contained HTML report, on disk and in the artifact store. */
import type { Command } from 'commander';
import { writeReport } from '../lib/analysis/report';
import { loadSettings } from '../lib/config/settings';
import { ArtifactStore } from '../lib/engine/store';

export function register(program: Command): void {
  program
    .command('report')
    .argument('<run-id>')
    .option('--out <file>', 'where to write the HTML (default ./<run-id>-report.html)')
    .description('write a self-contained HTML report of a run (scores with 95% CIs, plots, sample browser); also stored as runs/<run-id>/report.html')
    .action(async (runId: string, o: { out?: string }) => {
      try {
        const store = new ArtifactStore(loadSettings().storage);
        const written = await writeReport(store, runId, o.out ?? `${runId}-report.html`);
        console.log(`report: ${written.file}`);
        console.log(`stored: ${written.uri}`);
      } catch (e) {
        console.error(`evalflow: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 1;
      }
    });
}

/**
 * Regenerates the README's screenshots: a run in the Temporal UI (the list
 * filtered by evalflow's search attributes, and the run's page with its
 * summary and details) and the HTML report. Starts its own Temporal dev
 * server, MinIO, the scripted demo endpoint and a worker; needs headless
 * Chromium (Debian's `chromium`) and EVALFLOW_DATASETS_DIR.
 *
 *   npm run screenshots        → docs/images/*.png
 */
import * as path from 'node:path';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { startEvaluation, pauseEvaluation } from '../../lib/operator/client';
import { writeReport } from '../../lib/analysis/report';
import { datasetsDir, demoConfig, REPO, startEnv, startInProcessWorker, waitFor } from './harness';
import { screenshot } from './screenshot';

async function main(): Promise<void> {
  const out = path.join(REPO, 'docs', 'images');
  const env = await startEnv('screens');
  const demo = await startDemoEndpoint({ port: 0, latencyMs: 40, datasetsDir: datasetsDir() });
  const worker = await startInProcessWorker(env.taskQueue);
  try {
    const done = demoConfig(demo.url, [
      { name: 'gsm8k', params: { limit_samples: 60, extra: { num_repeats: 2 } } },
      { name: 'ns_mmlu_pro', params: { limit_samples: 200 } },
    ]);
    await startEvaluation({ config: done, runId: 'quickstart-demo', taskQueue: env.taskQueue });
    await env.client.workflow.getHandle('quickstart-demo').result();
    // A second run left paused mid-way, so the list shows a live one too.
    const live = demoConfig(demo.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 2000 } }], { parallelism: 2, temperature: 0.5 });
    await startEvaluation({ config: live, runId: 'nightly-paused', taskQueue: env.taskQueue });
    await waitFor('the live run to make progress', () => demo.stats().succeeded > 300);
    await pauseEvaluation('nightly-paused', env.client);
    await new Promise((r) => setTimeout(r, 3000));

    const ui = env.stack.uiUrl;
    const query = encodeURIComponent(`EvalflowModel="demo-model"`);
    const wait = (page: import('playwright-core').Page) => page.waitForTimeout(4000);
    console.log(`${await screenshot(`${ui}/namespaces/default/workflows?query=${query}`, path.join(out, 'temporal-ui-runs.png'), { width: 1400, height: 700, prepare: wait })} bytes: temporal-ui-runs.png`);
    console.log(`${await screenshot(`${ui}/namespaces/default/workflows/quickstart-demo`, path.join(out, 'temporal-ui-run.png'), { width: 1400, height: 1000, prepare: wait })} bytes: temporal-ui-run.png`);
    const report = await writeReport(env.store, 'quickstart-demo', path.join(env.stack.dir, 'report.html'));
    console.log(`${await screenshot(report.file!, path.join(out, 'report.png'), { width: 1280, height: 1100, prepare: (p) => p.waitForTimeout(500) })} bytes: report.png`);
    await env.client.workflow.getHandle('nightly-paused').terminate('screenshots taken');
  } finally {
    await worker.stop();
    await demo.close();
    await env.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});

/**
 * `evalflow report` end to end: a real run (Temporal dev server + MinIO +
 * the scripted demo endpoint), its report written to disk and to the store,
 * then opened from disk in headless Chromium (Debian `chromium`, driven by
 * playwright-core): the SVG plots are there, the sample browser lists every
 * (sample, repeat) and its filters and search narrow the rows. Also takes the
 * documentation screenshot (EVALFLOW_UPDATE_SCREENSHOTS=1 writes it to
 * docs/images/report.png).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import type { Browser, Page } from 'playwright-core';
import type { PreparedSample } from '../../lib/records/artifacts';
import type { ScoreRecord } from '../../lib/records/artifacts';
import { register } from '../../cli/report';
import { startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { reportKey, writeReport } from '../../lib/analysis/report';
import { keys } from '../../lib/records/keys';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, demoConfig, type Env, REPO, runCli, startEnv, startInProcessWorker } from '../support/harness';
import { launchChromium, screenshot } from '../support/screenshot';

const RUN = 'report-1';
const GSM = 30;
// MMLU-Pro is sorted by category: the first 820 questions span psychology and philosophy.
const MMLU = 820;
const UNITS = GSM * 2 + MMLU;

async function allScores(env: Env, task: string): Promise<ScoreRecord[]> {
  const rows: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${RUN}/${task}/scores/`)) rows.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  return rows;
}

async function matching(page: Page): Promise<number> {
  return Number(await page.getAttribute('#sample-count', 'data-matching'));
}

/** The search box is debounced: wait until the row count settles on n. */
async function waitMatching(page: Page, n: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < until) {
    last = await matching(page);
    if (last === n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`sample browser shows ${last} rows, expected ${n}`);
}

describe('evalflow report on a real run', () => {
  let env: Env;
  let demo: FakeEndpoint;
  let worker: { stop(): Promise<void> };
  let browser: Browser | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-report-'));
  const file = path.join(tmp, `${RUN}-report.html`);

  before(async () => {
    env = await startEnv('report');
    demo = await startDemoEndpoint({ port: 0, latencyMs: 5, datasetsDir: datasetsDir() });
    worker = await startInProcessWorker(env.taskQueue);
    const cfg = demoConfig(demo.url, [
      { name: 'gsm8k', params: { limit_samples: GSM, extra: { num_repeats: 2 } } },
      { name: 'ns_mmlu_pro', params: { limit_samples: MMLU } },
    ]);
    await startEvaluation({ config: cfg, runId: RUN, taskQueue: env.taskQueue });
    await env.client.workflow.getHandle(RUN).result();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await demo?.close();
    await env?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('writeReport stores runs/<id>/report.html and writes the same file to disk', async () => {
    const written = await writeReport(env.store, RUN, file);
    assert.equal(written.key, `runs/${RUN}/report.html`);
    assert.equal(written.key, reportKey(RUN));
    assert.equal(written.uri, env.store.uri(written.key));
    assert.equal(written.file, file);
    const html = fs.readFileSync(file, 'utf8');
    assert.equal(await env.store.getText(written.key), html);
    assert.equal(written.bytes, Buffer.byteLength(html));
    assert.match(html, /SCRIPTED DEMO MODEL/, 'a demo run says so');
    assert.match(html, /<th>status<\/th><td>completed<\/td>/);
  });

  test('the report command (register) writes the file and prints its path and the store URI', async () => {
    const out = path.join(tmp, 'from-command.html');
    const program = new Command().exitOverride();
    register(program);
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(' '));
    try {
      await program.parseAsync(['report', RUN, '--out', out], { from: 'user' });
    } finally {
      console.log = log;
    }
    assert.ok(fs.existsSync(out), 'report file written');
    assert.ok(printed.some((l) => l.includes(out)), `prints the path: ${printed.join(' | ')}`);
    assert.ok(printed.some((l) => l.includes(env.store.uri(reportKey(RUN)))), `prints the store URI: ${printed.join(' | ')}`);

    // Through bin/evalflow.js as well, once cli/main.ts wires register() in.
    const help = await runCli(['report', '--help'], env.childEnv);
    if (help.code === 0 && help.stdout.includes('Usage: evalflow report')) {
      const viaBin = path.join(tmp, 'from-bin.html');
      const r = await runCli(['report', RUN, '--out', viaBin], env.childEnv);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(viaBin) && r.stdout.includes(env.store.uri(reportKey(RUN))), r.stdout);
      assert.ok(fs.existsSync(viaBin));
    }
    const missing = new Command().exitOverride();
    register(missing);
    const errors: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    try {
      await missing.parseAsync(['report', 'no-such-run', '--out', path.join(tmp, 'x.html')], { from: 'user' });
    } finally {
      console.error = error;
    }
    const code = process.exitCode;
    process.exitCode = 0;
    assert.equal(code, 1, 'a failed report exits 1');
    assert.match(errors.join('\n'), /no artifacts for run 'no-such-run'/);
  });

  test('in headless Chromium: plots are drawn and the sample browser filters and searches', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });

    // Plots
    assert.equal(await page.locator('svg#plot-scores rect.bar').count(), 2, 'one score bar per task');
    assert.equal(await page.locator('svg#plot-scores g.errorbar').count(), 2, 'with 95% error bars');
    const categories = new Set((await allScores(env, 'ns_mmlu_pro')).map((s) => s.subset));
    assert.ok(categories.size > 1);
    assert.equal(await page.locator('svg#plot-subsets-ns_mmlu_pro rect.bar').count(), categories.size, 'one bar per MMLU-Pro category');
    for (const task of ['gsm8k', 'ns_mmlu_pro']) {
      assert.ok((await page.locator(`svg#plot-tokens-${task} rect.bin`).count()) > 0, `${task}: token histogram`);
      assert.ok((await page.locator(`svg#plot-latency-${task} rect.bin`).count()) > 0, `${task}: latency histogram`);
      assert.ok((await page.locator(`svg#plot-finish-${task} rect.bar`).count()) > 0, `${task}: finish reasons`);
      const box = await page.locator(`svg#plot-tokens-${task}`).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `${task}: the histogram renders with a size`);
    }

    // Sample browser: every (sample, repeat), 50 per page.
    assert.equal(await matching(page), UNITS);
    assert.equal(await page.locator('#sample-table tbody tr.sample-row').count(), 50);
    await page.click('#page-next');
    assert.equal(await page.locator('#sample-table tbody tr.sample-row').count(), 50);
    assert.match((await page.textContent('#page-info')) ?? '', new RegExp(`page 2 of ${Math.ceil(UNITS / 50)}`));

    const scores = [...(await allScores(env, 'gsm8k')), ...(await allScores(env, 'ns_mmlu_pro'))];
    const wrong = scores.filter((s) => !s.correct && s.predicted !== null).length;
    const noAnswer = scores.filter((s) => s.predicted === null).length;
    assert.ok(wrong > 0 && wrong < UNITS, `the demo model answers some wrong (${wrong})`);
    await page.click('button.filter[data-filter="wrong"]');
    assert.equal(await matching(page), wrong, 'the wrong filter keeps exactly the wrong answers');
    const shown = await page.locator('#sample-table tbody tr.sample-row').count();
    assert.equal(shown, Math.min(50, wrong));
    assert.equal(await page.locator('#sample-table tbody tr.sample-row td.bad').count(), shown, 'every row shown is marked wrong');
    await page.click('button.filter[data-filter="no-answer"]');
    assert.equal(await matching(page), noAnswer);
    await page.click('button.filter[data-filter="judge-error"]');
    assert.equal(await matching(page), 0, 'no judge in this run');

    // Search narrows within the task filter; a response opens to show its text.
    await page.click('button.filter[data-filter="all"]');
    await page.selectOption('#sample-task', { label: 'gsm8k' });
    assert.equal(await matching(page), GSM * 2);
    const first = await page.locator('#sample-table tbody tr.sample-row').first();
    await first.locator('details.response > summary').click();
    assert.ok(await first.locator('details.response > pre').isVisible(), 'the response expands');
    const samples = (await env.store.getJsonl<PreparedSample>(keys.samplesShard(RUN, 'gsm8k', 0))) ?? [];
    const question = samples[7].messages[samples[7].messages.length - 1].content;
    const needle = question.slice(Math.floor(question.length / 3), Math.floor(question.length / 3) + 40).toUpperCase();
    const expected = samples.filter((s) => s.messages[s.messages.length - 1].content.toUpperCase().includes(needle)).length * 2;
    await page.fill('#sample-search', needle);
    await waitMatching(page, expected);
    assert.ok(expected >= 2 && expected < GSM * 2, `search '${needle}' (case-insensitive) finds both repeats of its sample`);
    await page.fill('#sample-search', 'zzz-no-such-text-anywhere');
    await waitMatching(page, 0);
    await page.fill('#sample-search', '');
    await waitMatching(page, GSM * 2);
    assert.deepEqual(problems, [], 'no script errors and no network requests');
  });

  test('a screenshot of the report (docs/images/report.png with EVALFLOW_UPDATE_SCREENSHOTS=1) stays small', async () => {
    const out = process.env.EVALFLOW_UPDATE_SCREENSHOTS === '1' ? path.join(REPO, 'docs', 'images', 'report.png') : path.join(tmp, 'report.png');
    const bytes = await screenshot(file, out, { width: 1280, height: 1500, waitFor: '#sample-table tbody tr.sample-row' });
    const head = fs.readFileSync(out).subarray(0, 8);
    assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
    assert.ok(bytes > 10_000 && bytes < 300_000, `screenshot is ${bytes} bytes (want < 300 KB)`);
  });
});

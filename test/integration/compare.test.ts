/**
 * compare, gate and export on real runs (real Temporal + MinIO, a fake
 * endpoint whose right answers we plant): two runs of the same GSM8K config,
 * A right on 40% of 80 samples and B on 80% (B's right answers a superset of
 * A's), a third like B at another temperature, and two 10-sample runs.
 * `compare` must find the planted difference and flag the temperature;
 * `gate` must say GO, NO-GO and INCONCLUSIVE (exit 0 / 1 / 2) where planted;
 * `export` must round-trip results.json and write Inspect logs that
 * inspect_ai itself loads.
 *
 * The commands are driven through their `register(program)` functions in a
 * child process, so exit codes are the real ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBenchmark } from '../../benchmarks/index';
import { loadDataset } from '../../lib/engine/datasets';
import { compareRuns, type RunComparison } from '../../lib/analysis/compare';
import { startEvaluation } from '../../lib/operator/client';
import type { ExportRow } from '../../lib/analysis/export';
import type { GateReport } from '../../lib/analysis/gate';
import { loadSettings } from '../../lib/config/settings';
import { keys } from '../../lib/records/keys';
import type { NemoResults } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, demoConfig, type Env, REPO, runCli, startEnv, startInProcessWorker } from '../support/harness';

/** The real `evalflow` command (bin/evalflow.js) in a fresh process. */
const evalflow = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, env);

const N = 80;

describe('compare, gate and export on real runs', () => {
  let env: Env;
  let endpoint: FakeEndpoint;
  let worker: { stop(): Promise<void> };
  let tmp: string;
  /** Prompt text → sample index and expected answer, for the first N GSM8K problems. */
  const key = new Map<string, { index: number; expected: string }>();
  /** Which sample indices the fake model answers right in the run being made. */
  let rightOn: (index: number) => boolean = () => true;

  function answer(req: FakeRequest) {
    const text = req.messages?.[req.messages.length - 1]?.content ?? '';
    const entry = key.get(text);
    if (!entry) return { content: 'not a planted question' };
    const value = rightOn(entry.index) ? entry.expected : String(Number(entry.expected) + 1);
    return { content: `The computation gives the result \\boxed{${value}}.` };
  }

  /**
   * Responses are cached by request content across runs (no call is paid
   * twice), so a second run of the same config would replay the first one's
   * answers. To plant different answers for the same config — as when the
   * endpoint starts serving a new checkpoint under the same model name — the
   * test empties the response cache between such runs.
   */
  async function clearCallCache(): Promise<void> {
    const names = (await env.store.list('cache/calls/')).map((k) => env.store.objectName(k));
    if (names.length) await env.store.client.removeObjects(env.store.bucket, names);
  }

  async function runGsm8k(runId: string, limit: number, params: Record<string, unknown> = {}): Promise<void> {
    const cfg = demoConfig(endpoint.url, [{ name: 'gsm8k', params: { limit_samples: limit } }], params);
    await startEvaluation({ config: cfg, runId, taskQueue: env.taskQueue });
    await env.client.workflow.getHandle(runId).result();
  }

  before(async () => {
    env = await startEnv('compare');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-compare-'));
    const bench = getBenchmark('gsm8k')!;
    const { rows } = await loadDataset(bench.dataset, { datasetDir: datasetsDir(), cacheDir: loadSettings().cacheDir, offline: true });
    rows.slice(0, N).forEach((raw, i) => {
      const s = bench.toSample(raw, i);
      const msgs = bench.prompt(s, {});
      key.set(msgs[msgs.length - 1].content, { index: i, expected: s.expected });
    });
    endpoint = await startFakeEndpoint({ port: 0, models: ['demo-model'], latencyMs: 0, answer });
    worker = await startInProcessWorker(env.taskQueue);

    rightOn = (i) => i % 5 < 2; // 40%
    await runGsm8k('cmp-a', N);
    await clearCallCache();
    rightOn = (i) => i % 5 < 4; // 80%, and right wherever A was
    await runGsm8k('cmp-b', N);
    await runGsm8k('cmp-c', N, { temperature: 0.6 }); // other sampling settings: its own cache family
    await clearCallCache();
    rightOn = (i) => i % 5 < 2; // 4 of 10
    await runGsm8k('small-a', 10);
    await clearCallCache();
    rightOn = (i) => i % 5 < 2 || i === 2; // 5 of 10
    await runGsm8k('small-b', 10);
  });

  after(async () => {
    await worker?.stop();
    await endpoint?.close();
    await env?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('compare finds the planted significant difference and nothing that differs', async () => {
    const [c] = await compareRuns(env.store, 'cmp-a', ['cmp-b']);
    assert.equal(c.tasks.length, 1);
    const t = c.tasks[0];
    assert.deepEqual(t.flags, [], 'same config, same data: nothing flagged');
    assert.deepEqual(t.overlap, { shared: N, only_baseline: 0, only_candidate: 0 });
    const head = t.rows[0];
    assert.equal(head.metric, 'pass@1');
    assert.equal(head.score, 'symbolic_correct');
    assert.equal(head.a, 40);
    assert.equal(head.b, 80);
    assert.equal(head.diff, 40);
    assert.deepEqual(head.discordant, { a_only: 0, b_only: 32 });
    assert.equal(head.method, 'mcnemar-cc');
    assert.ok(head.significant && head.p < 1e-6, `p = ${head.p}`);
    assert.ok(head.ci[0] > 20 && head.ci[1] < 60, `CI ${head.ci}`);
    // The per-sample view agrees with what aggregation wrote.
    const ra = await env.store.getJson<NemoResults>(keys.results('cmp-a', 'gsm8k'));
    assert.equal(ra!.results.tasks.gsm8k.metrics['pass@1'].scores.symbolic_correct.value, head.a);
  });

  test('compare flags the run made at another temperature', async () => {
    const [c] = await compareRuns(env.store, 'cmp-a', ['cmp-c']);
    const gen = c.tasks[0].flags.find((f) => f.kind === 'generation_params');
    assert.ok(gen, `flags: ${JSON.stringify(c.tasks[0].flags)}`);
    assert.match(gen.message, /temperature .* vs 0\.6/);
    assert.equal(c.tasks[0].flags.length, 1, 'model, prompt, dataset and samples are the same');
  });

  test('evalflow compare prints the table, JSON and a self-contained HTML report', async () => {
    const html = path.join(tmp, 'compare.html');
    const text = await evalflow(['compare', 'cmp-a', 'cmp-b', 'cmp-c', '--html', html], env.childEnv);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /cmp-b\s+gsm8k\s+pass@1\s+symbolic_correct\s+80\s+40\.00\s+80\.00\s+\+40\.00/);
    assert.match(text.stdout, /yes, better/);
    assert.match(text.stdout, /cmp-c gsm8k: generation_params: temperature/);
    const page = fs.readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<svg[^>]*>/);
    assert.ok(!/<(script|link|img|iframe)\b|<[a-z]+[^>]*\s(src|href)=/i.test(page), 'no scripts or external resources');
    assert.equal((page.match(/<circle /g) ?? []).length, 4, 'one point per compared row (2 runs × 2 scores)');

    const json = await evalflow(['compare', 'cmp-a', 'cmp-b', '--json'], env.childEnv);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as RunComparison;
    assert.equal(parsed.tasks[0].rows[0].diff, 40);

    const missing = await evalflow(['compare', 'cmp-a', 'no-such-run'], env.childEnv);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no run 'no-such-run'/);
  });

  test('gate: GO, NO-GO and INCONCLUSIVE with exit codes 0, 1, 2; reports written', async () => {
    const policy = path.join(tmp, 'gate.yaml');
    fs.writeFileSync(policy, 'confidence: 0.95\nrules:\n  - task: gsm8k\n    max_regression: 2\n');
    const jsonOut = path.join(tmp, 'gate.json');
    const mdOut = path.join(tmp, 'gate.md');

    const go = await evalflow(['gate', 'cmp-a', 'cmp-b', '--policy', policy, '--json', jsonOut, '--md', mdOut], env.childEnv);
    assert.equal(go.code, 0, go.stdout + go.stderr);
    assert.match(go.stdout, /^gate: GO/);
    const report = JSON.parse(fs.readFileSync(jsonOut, 'utf8')) as GateReport;
    assert.equal(report.decision, 'GO');
    assert.equal(report.rules[0].comparison!.n, N);
    assert.match(fs.readFileSync(mdOut, 'utf8'), /# evalflow gate: \*\*GO\*\*/);

    const nogo = await evalflow(['gate', 'cmp-b', 'cmp-a', '--policy', policy], env.childEnv);
    assert.equal(nogo.code, 1, nogo.stdout + nogo.stderr);
    assert.match(nogo.stdout, /^gate: NO-GO/);

    // 10 samples, one worse answer: the interval is far wider than the threshold.
    const unsure = await evalflow(['gate', 'small-b', 'small-a', '--policy', policy], env.childEnv);
    assert.equal(unsure.code, 2, unsure.stdout + unsure.stderr);
    assert.match(unsure.stdout, /^gate: INCONCLUSIVE/);
    assert.match(unsure.stdout, /spans the 2-point threshold/);

    // Enough difference but too few samples for the policy.
    fs.writeFileSync(policy, 'rules: [{task: gsm8k, max_regression: 2, min_samples: 500}]\n');
    const few = await evalflow(['gate', 'cmp-a', 'cmp-b', '--policy', policy], env.childEnv);
    assert.equal(few.code, 2);
    assert.match(few.stdout, /only 80 shared samples/);
  });

  test('gate errors exit 3 and say what is wrong', async () => {
    const policy = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(policy, 'rules:\n  - task: gsm8k\n    max_regresion: 2\n');
    const bad = await evalflow(['gate', 'cmp-a', 'cmp-b', '--policy', policy], env.childEnv);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /rules\[0\]\.max_regression/);
    assert.match(bad.stderr, /max_regresion/);
    const noRun = await evalflow(['gate', 'cmp-a', 'nope', '--policy', path.join(REPO, 'examples', 'gate.yaml')], env.childEnv);
    assert.equal(noRun.code, 3);
    assert.match(noRun.stderr, /no run 'nope'/);
    const noPolicy = await evalflow(['gate', 'cmp-a', 'cmp-b'], env.childEnv);
    assert.equal(noPolicy.code, 3);
    assert.match(noPolicy.stderr, /--policy/);
  });

  test('export json and csv round-trip results.json', async () => {
    const out = path.join(tmp, 'export');
    const json = await evalflow(['export', 'cmp-a', '--format', 'json', '--out', out], env.childEnv);
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(fs.readFileSync(path.join(out, 'cmp-a.results.json'), 'utf8')) as ExportRow[];
    const results = (await env.store.getJson<NemoResults>(keys.results('cmp-a', 'gsm8k')))!;
    const metrics = results.results.tasks.gsm8k.metrics;
    const expected = Object.entries(metrics).flatMap(([m, g]) => Object.keys(g.scores).map((s) => `${m}/${s}`));
    assert.deepEqual(rows.map((r) => `${r.metric}/${r.score}`), expected);
    for (const r of rows) {
      const v = metrics[r.metric].scores[r.score];
      assert.equal(r.value, v.value);
      assert.equal(r.stderr, v.stats.stderr);
      assert.equal(r.count, v.stats.count);
      assert.equal(r.run_id, 'cmp-a');
      assert.equal(r.task, 'gsm8k');
      assert.equal(r.model, 'demo-model');
    }
    const csv = await evalflow(['export', 'cmp-a', '--format', 'csv'], env.childEnv);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'run_id,task,metric,score,value,stderr,count,model');
    assert.equal(lines.length - 1, rows.length);
    assert.equal(lines[1].split(',')[4], String(rows[0].value));
  });

  test('export inspect writes a log per task that inspect_ai loads', async () => {
    const out = path.join(tmp, 'inspect');
    const res = await evalflow(['export', 'cmp-b', '--format', 'inspect', '--out', out], env.childEnv);
    assert.equal(res.code, 0, res.stderr);
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    assert.match(files[0], /_gsm8k_cmp-b\.json$/);

    const venv = path.join(loadSettings().cacheDir, 'venvs', 'inspect');
    const python = path.join(venv, 'bin', 'python');
    const install = `python3 -m venv ${venv} && ${python} -m pip install inspect_ai`;
    assert.ok(fs.existsSync(python), `inspect_ai's venv is missing (${venv}); install it with: ${install}`);
    const check = spawnSync(python, [path.join(REPO, 'scripts', 'check-inspect-log.py'), path.join(out, files[0])], { encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(check.status, 2, `inspect_ai is not installed in ${venv}; install it with: ${install}\n${check.stderr}`);
    assert.equal(check.status, 0, `inspect_ai could not load the exported log:\n${check.stdout}\n${check.stderr}`);
    assert.match(check.stdout, new RegExp(`: ${N} samples \\(status success, task gsm8k, model demo-model\\)`));
  });
});

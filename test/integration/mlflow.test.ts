/**
 * `exportToMlflow` against a REAL MLflow tracking server: a real run (Temporal
 * dev server + MinIO + the scripted demo endpoint; small gsm8k with 2 repeats
 * and ns_mmlu_pro), then `mlflow server` from the venv that
 * scripts/mlflow-server.sh installs (SQLite backend, artifact proxying on,
 * 127.0.0.1), the export, and everything read back through MLflow's REST API:
 * run name, tags, every metric equal to results.json, params, artifacts and
 * their bytes. A second export updates the same MLflow run (still one run,
 * one point per metric). The server is killed at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunMetadata } from '../../lib/records/artifacts';
import type { NemoResults } from '../../lib/records/artifacts';
import { startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { exportToMlflow, MlflowError, sanitiseKey } from '../../lib/analysis/mlflow';
import { keys } from '../../lib/records/keys';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, demoConfig, type Env, REPO, runCli, startEnv, startInProcessWorker } from '../support/harness';

const RUN = 'mlflow-1';
const TASKS = ['gsm8k', 'ns_mmlu_pro'] as const;
const SCRIPT = path.join(REPO, 'scripts', 'mlflow-server.sh');

interface KV {
  key: string;
  value: string;
}
interface RestRun {
  info: { run_id: string; run_name: string; experiment_id: string; status: string; start_time: number; end_time?: number; artifact_uri: string };
  data: { metrics?: { key: string; value: number; timestamp: number; step: number }[]; params?: KV[]; tags?: KV[] };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The venv's mlflow, or a failure that says how to install it. */
function mlflowInstalled(): string {
  const r = spawnSync('bash', [SCRIPT, 'path'], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) {
    assert.fail(
      `MLflow is not installed in ${path.join(process.env.EVALFLOW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'evalflow'), 'venvs', 'mlflow')}; ` +
        `install it with 'bash scripts/mlflow-server.sh install' (.ci/run does). ${r.stderr.trim()}`,
    );
  }
  return r.stdout.trim();
}

describe('export to a real MLflow tracking server', () => {
  let env: Env;
  let demo: FakeEndpoint;
  let worker: { stop(): Promise<void> } | undefined;
  let mlflowPid: number | undefined;
  let mlflowDir: string | undefined;
  let uri = '';

  async function rest<T>(method: 'GET' | 'POST', p: string, body?: unknown): Promise<T> {
    const res = await fetch(`${uri}${p}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${p}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async function runsOf(experimentId: string): Promise<RestRun[]> {
    const r = await rest<{ runs?: RestRun[] }>('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [experimentId], max_results: 100 });
    return r.runs ?? [];
  }

  before(async () => {
    mlflowInstalled();
    env = await startEnv('mlflow');
    demo = await startDemoEndpoint({ port: 0, latencyMs: 2, datasetsDir: datasetsDir() });
    worker = await startInProcessWorker(env.taskQueue);
    const config = demoConfig(demo.url, [
      { name: 'gsm8k', params: { limit_samples: 12, extra: { num_repeats: 2 } } },
      { name: 'ns_mmlu_pro', params: { limit_samples: 12 } },
    ]);
    const started = await startEvaluation({ config, runId: RUN, taskQueue: env.taskQueue });
    await env.client.workflow.getHandle(started.runId).result();
    await worker.stop();
    worker = undefined;
    // A report in the store is uploaded too.
    await env.store.putText(`${keys.run(RUN)}report.html`, '<!doctype html><title>report</title>\n', 'text/html');

    mlflowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-mlflow-'));
    const port = await freePort();
    const started2 = spawnSync('bash', [SCRIPT, 'start', '--port', String(port), '--dir', mlflowDir], { encoding: 'utf8', env: process.env, timeout: 180_000 });
    assert.equal(started2.status, 0, `scripts/mlflow-server.sh start failed: ${started2.stderr}`);
    mlflowPid = Number(started2.stdout.trim().split('\n').pop());
    assert.ok(Number.isInteger(mlflowPid) && mlflowPid > 0, `no PID from scripts/mlflow-server.sh: ${started2.stdout}`);
    uri = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    if (mlflowPid) {
      // The script starts the server in its own process group: end it and its workers.
      try {
        process.kill(-mlflowPid, 'SIGTERM');
      } catch {
        // already gone
      }
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        try {
          process.kill(-mlflowPid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      try {
        process.kill(-mlflowPid, 'SIGKILL');
      } catch {
        // ended by SIGTERM
      }
    }
    if (mlflowDir) fs.rmSync(mlflowDir, { recursive: true, force: true });
    await worker?.stop();
    await demo?.close();
    await env?.close();
  });

  test('the run, its tags, metrics, params and artifacts arrive in MLflow; a second export updates the same run', async () => {
    const meta = (await env.store.getJson<RunMetadata>(keys.metadata(RUN)))!;
    assert.equal(meta.status, 'completed');
    const results = new Map<string, NemoResults>();
    for (const t of TASKS) results.set(t, (await env.store.getJson<NemoResults>(keys.results(RUN, t)))!);

    const out = await exportToMlflow(env.store, RUN, { trackingUri: uri, experiment: 'evalflow-it' });
    assert.equal(out.updated, false);
    assert.equal(out.url, `${uri}/#/experiments/${out.experimentId}/runs/${out.mlflowRunId}`);

    const exp = await rest<{ experiment: { experiment_id: string; name: string } }>('GET', `/api/2.0/mlflow/experiments/get-by-name?experiment_name=evalflow-it`);
    assert.equal(exp.experiment.experiment_id, out.experimentId);

    const { run } = await rest<{ run: RestRun }>('GET', `/api/2.0/mlflow/runs/get?run_id=${out.mlflowRunId}`);
    assert.equal(run.info.run_name, RUN);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.start_time, Date.parse(meta.started_at));
    assert.equal(run.info.end_time, Date.parse(meta.finished_at!));
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags['evalflow.run_id'], RUN);
    assert.equal(tags['evalflow.model'], 'demo-model');
    assert.equal(tags['evalflow.config'], meta.config_name);
    assert.equal(tags['mlflow.runName'], RUN);
    if (meta.git_hash) {
      assert.equal(tags['evalflow.git_hash'], meta.git_hash);
      assert.equal(tags['mlflow.source.git.commit'], meta.git_hash);
    }

    // Every score of every task equals results.json, and so does its stderr.
    const metrics = new Map((run.data.metrics ?? []).map((m) => [m.key, m]));
    let checked = 0;
    for (const [task, res] of results) {
      for (const [metric, group] of Object.entries(res.results.tasks[task].metrics)) {
        for (const [score, v] of Object.entries(group.scores)) {
          const key = sanitiseKey(`${task}/${metric}/${score}`);
          assert.equal(metrics.get(key)?.value, v.value, `${key}`);
          assert.equal(metrics.get(key)?.step, 0);
          if (typeof v.stats.stderr === 'number') assert.ok(Math.abs(metrics.get(`${key}/stderr`)!.value - v.stats.stderr) < 1e-9, `${key}/stderr`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 4, `checked ${checked} scores`);
    assert.equal(
      metrics.get('gsm8k/pass_at_1_avg-of-2/symbolic_correct')?.value,
      results.get('gsm8k')!.results.tasks.gsm8k.metrics['pass@1[avg-of-2]'].scores.symbolic_correct.value,
    );
    assert.equal(metrics.get('ns_mmlu_pro/pass_at_1/symbolic_correct')?.value, results.get('ns_mmlu_pro')!.results.tasks.ns_mmlu_pro.metrics['pass@1'].scores.symbolic_correct.value);

    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    assert.equal(params['model'], 'demo-model');
    assert.equal(params['gsm8k/num_repeats'], '2');
    assert.equal(params['gsm8k/limit_samples'], '12');
    assert.equal(params['ns_mmlu_pro/num_repeats'], '1');
    assert.equal(params['ns_mmlu_pro/samples'], '12');
    assert.equal(params['gsm8k/parallelism'], '4');

    // Artifacts, listed and read back byte for byte.
    type Listing = { root_uri?: string; files?: { path: string; is_dir: boolean }[] };
    const list = async (p: string) =>
      ((await rest<Listing>('GET', `/api/2.0/mlflow/artifacts/list?run_id=${out.mlflowRunId}${p ? `&path=${encodeURIComponent(p)}` : ''}`)).files ?? []).map((f) => f.path).sort();
    assert.deepEqual(await list(''), ['gsm8k', 'metadata.json', 'ns_mmlu_pro', 'report.html', 'run_config.yaml']);
    assert.deepEqual(await list('gsm8k'), ['gsm8k/metrics.json', 'gsm8k/results.json']);
    assert.deepEqual(await list('ns_mmlu_pro'), ['ns_mmlu_pro/metrics.json', 'ns_mmlu_pro/results.json']);
    const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
    for (const [artifact, key] of [['gsm8k/results.json', keys.results(RUN, 'gsm8k')], ['metadata.json', keys.metadata(RUN)]]) {
      const res = await fetch(`${uri}/api/2.0/mlflow-artifacts/artifacts/${root}/${artifact}`);
      assert.equal(res.status, 200, artifact);
      assert.equal(await res.text(), await env.store.getText(key), artifact);
    }

    // Again: the same MLflow run, one run in the experiment, one point per metric.
    const again = await exportToMlflow(env.store, RUN, { trackingUri: uri, experiment: 'evalflow-it' });
    assert.equal(again.updated, true);
    assert.equal(again.mlflowRunId, out.mlflowRunId);
    assert.equal(again.experimentId, out.experimentId);
    const runs = await runsOf(out.experimentId);
    assert.equal(runs.length, 1, `runs in the experiment: ${runs.map((r) => r.info.run_name).join(', ')}`);
    const found = await rest<{ runs?: RestRun[] }>('POST', '/api/2.0/mlflow/runs/search', {
      experiment_ids: [out.experimentId],
      filter: `tags."evalflow.run_id" = '${RUN}'`,
    });
    assert.equal(found.runs?.length, 1);
    const history = await rest<{ metrics?: unknown[] }>(
      'GET',
      `/api/2.0/mlflow/metrics/get-history?run_id=${out.mlflowRunId}&metric_key=${encodeURIComponent('gsm8k/pass_at_1_avg-of-2/symbolic_correct')}`,
    );
    assert.equal(history.metrics?.length, 1, 'a second export does not add metric points');
    assert.equal((await rest<{ run: RestRun }>('GET', `/api/2.0/mlflow/runs/get?run_id=${out.mlflowRunId}`)).run.info.status, 'FINISHED');

    // The command users run: `evalflow export RUN --dest mlflow`.
    const cli = await runCli(['export', RUN, '--dest', 'mlflow', '--tracking-uri', uri, '--experiment', 'evalflow-cli'], env.childEnv);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /created MLflow run \w+ in experiment \d+/);
    const missing = await runCli(['export', RUN, '--dest', 'mlflow'], { ...env.childEnv, MLFLOW_TRACKING_URI: '' });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--tracking-uri/);
  });

  test("the server's refusals reach the user as MlflowError with its message", async () => {
    // A deleted experiment: MLflow keeps the name, so the export must say so rather than fail obscurely.
    const created = await rest<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { name: 'evalflow-deleted' });
    await rest('POST', '/api/2.0/mlflow/experiments/delete', { experiment_id: created.experiment_id });
    await assert.rejects(exportToMlflow(env.store, RUN, { trackingUri: uri, experiment: 'evalflow-deleted' }), (e: unknown) => {
      assert.ok(e instanceof MlflowError);
      assert.match(e.message, /experiment 'evalflow-deleted' \(id \d+\) is deleted/);
      return true;
    });
    // A 4xx straight from the server (bad experiment name), with MLflow's own message.
    await assert.rejects(exportToMlflow(env.store, RUN, { trackingUri: uri, experiment: '' }), (e: unknown) => {
      assert.ok(e instanceof MlflowError);
      assert.match(e.message, /HTTP 400 INVALID_PARAMETER_VALUE: /);
      return true;
    });
  });
});

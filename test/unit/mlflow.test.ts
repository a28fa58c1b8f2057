/**
 * MLflow export, without a tracking server: key sanitising against MLflow's
 * own rules (mlflow/utils/validation.py: characters `[/\w.\- ]`, no name that
 * resolves to another as a path, at most 250 characters), param flattening
 * and truncation, log-batch limits, and the exact REST request sequence
 * against a small recording HTTP server (first export creates, the second
 * finds the run by its evalflow.run_id tag and logs into it), plus the
 * error messages. test/integration/mlflow.test.ts runs a real MLflow server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { RunMetadata } from '../../lib/records/artifacts';
import type { NemoResults } from '../../lib/records/artifacts';
import {
  batches,
  exportToMlflow,
  flattenParams,
  MLFLOW_LIMITS,
  MlflowError,
  mlflowPayload,
  type MlflowSourceStore,
  proxiedArtifactPath,
  sanitiseKey,
  truncateValue,
} from '../../lib/analysis/mlflow';
import { keys } from '../../lib/records/keys';

/** MLflow's acceptance test for metric, param and tag keys. */
function mlflowAccepts(key: string): boolean {
  if (!/^[/\w.\- ]*$/.test(key) || key.length === 0 || key.length > MLFLOW_LIMITS.keyLength) return false;
  return path.posix.normalize(key) === key && !key.startsWith('/') && !key.endsWith('/') && key !== '.' && key !== '..' && !key.startsWith('../');
}

const META: RunMetadata = {
  run_id: 'unit-1',
  config_name: 'quickstart',
  evalflow_version: '0.1.0',
  git_hash: 'abc123',
  node_version: 'v20.0.0',
  temporal: { namespace: 'default', workflow_id: 'unit-1', workflow_run_ids: ['r1'], task_queue: 'evalflow' },
  tasks: ['gsm8k', 'ns_mmlu_pro'],
  started_at: '2026-01-02T03:04:05.000Z',
  finished_at: '2026-01-02T03:14:05.000Z',
  status: 'completed',
  storage: { bucket: 'evalflow', prefix: '' },
};

function results(task: string, params: Record<string, unknown>, metrics: NemoResults['results']['tasks'][string]['metrics'], groups?: NemoResults['results']['groups']): NemoResults {
  return {
    results: { tasks: { [task]: { metrics } }, ...(groups ? { groups } : {}) },
    config: { task, benchmark: task, model_id: 'demo-model', endpoint_type: 'chat', params, samples: 20, repeats: 2, dataset: { source: 'local', path: '/data/x.jsonl' } },
  };
}

const GSM = results(
  'gsm8k',
  { parallelism: 4, temperature: 0.6, top_p: 0.95, request_timeout: 10, max_retries: 3, num_repeats: 2, extra_body: { chat_template_kwargs: { thinking: true } }, system_prompt: 'x'.repeat(700) },
  {
    'pass@1[avg-of-2]': { scores: { symbolic_correct: { value: 70, stats: { count: 20, stderr: 8.5 } }, no_answer: { value: 10, stats: { count: 20, stderr: 4.1 } } } },
    'majority@2': { scores: { symbolic_correct: { value: 72.5, stats: { count: 20 } } } },
  },
);
const MMLU = results(
  'ns_mmlu_pro',
  { parallelism: 4, request_timeout: 10, max_retries: 3, num_repeats: 1 },
  { 'pass@1': { scores: { symbolic_correct: { value: 65, stats: { count: 20, stderr: 10.9 } } } } },
  { 'ns_mmlu_pro/law & policy': { metrics: { 'pass@1': { scores: { symbolic_correct: { value: 50, stats: { count: 4, stderr: 28.9 } } } } } } },
);

describe('MLflow key sanitising', () => {
  const cases: [string, string][] = [
    ['gsm8k/pass@1[avg-of-2]/symbolic_correct', 'gsm8k/pass_at_1_avg-of-2/symbolic_correct'],
    ['gsm8k/majority@8/no_answer', 'gsm8k/majority_at_8/no_answer'],
    ['ns_mmlu_pro/pass@1/symbolic_correct/stderr', 'ns_mmlu_pro/pass_at_1/symbolic_correct/stderr'],
    ['ns_mmlu_pro/law & policy/pass@1/x', 'ns_mmlu_pro/law _ policy/pass_at_1/x'],
    ['a//b', 'a/b'],
    ['/lead/and/trail/', 'lead/and/trail'],
    ['a/./b', 'a/_/b'],
    ['a/../b', 'a/__/b'],
    ['..', '__'],
    ['evalflow.run_id', 'evalflow.run_id'],
    ['gsm8k/extra_body.chat_template_kwargs.thinking', 'gsm8k/extra_body.chat_template_kwargs.thinking'],
    ['score:(strict)', 'score_strict'],
    ['ÿ', '_'],
    ['', '_'],
  ];
  for (const [name, want] of cases) {
    test(`${JSON.stringify(name)} → ${JSON.stringify(want)}`, () => {
      const got = sanitiseKey(name);
      assert.equal(got, want);
      assert.ok(mlflowAccepts(got), `MLflow would refuse ${JSON.stringify(got)}`);
    });
  }

  test('long keys are cut to 250 characters with a hash that keeps them distinct', () => {
    const a = sanitiseKey('t/' + 'm'.repeat(300) + '/a');
    const b = sanitiseKey('t/' + 'm'.repeat(300) + '/b');
    assert.ok(a.length <= 250 && b.length <= 250);
    assert.notEqual(a, b);
    assert.ok(mlflowAccepts(a) && mlflowAccepts(b));
  });
});

describe('MLflow params and values', () => {
  test('flattenParams: nested objects with dots, arrays as JSON, undefined left out', () => {
    assert.deepEqual(
      flattenParams({ temperature: 0.6, extra_body: { a: { b: 1 }, stop: ['x', 'y'] }, none: undefined, empty: {}, nil: null, on: true }, 'gsm8k'),
      {
        'gsm8k.temperature': '0.6',
        'gsm8k.extra_body.a.b': '1',
        'gsm8k.extra_body.stop': '["x","y"]',
        'gsm8k.empty': '{}',
        'gsm8k.nil': 'null',
        'gsm8k.on': 'true',
      },
    );
    assert.deepEqual(flattenParams({ a: 1 }, ''), { a: '1' });
  });

  test('truncateValue: at most 500 characters, counted as code points, the cut marked', () => {
    assert.equal(truncateValue('short'), 'short');
    assert.equal(truncateValue('x'.repeat(500)), 'x'.repeat(500));
    const cut = truncateValue('x'.repeat(501));
    assert.equal(cut.length, 500);
    assert.ok(cut.endsWith('...'));
    const emoji = truncateValue('😀'.repeat(600));
    assert.equal(Array.from(emoji).length, 500);
    assert.ok(!emoji.includes('\uFFFD'));
  });

  test('mlflowPayload: tags, flattened params per task, metrics with stderr at the finish time', () => {
    const p = mlflowPayload(META, [
      { task: 'gsm8k', results: GSM },
      { task: 'ns_mmlu_pro', results: MMLU },
    ]);
    const tags = Object.fromEntries(p.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['evalflow.run_id'], 'unit-1');
    assert.equal(tags['evalflow.model'], 'demo-model');
    assert.equal(tags['evalflow.config'], 'quickstart');
    assert.equal(tags['evalflow.git_hash'], 'abc123');
    assert.equal(tags['mlflow.source.git.commit'], 'abc123');

    const params = Object.fromEntries(p.params.map((t) => [t.key, t.value]));
    assert.equal(params['model'], 'demo-model');
    assert.equal(params['config'], 'quickstart');
    assert.equal(params['gsm8k/temperature'], '0.6');
    assert.equal(params['gsm8k/num_repeats'], '2');
    assert.equal(params['gsm8k/extra_body.chat_template_kwargs.thinking'], 'true');
    assert.equal(params['gsm8k/system_prompt'].length, 500);
    assert.equal(params['gsm8k/samples'], '20');
    assert.equal(params['gsm8k/dataset.path'], '/data/x.jsonl');
    assert.equal(params['ns_mmlu_pro/num_repeats'], '1');
    assert.equal(params['gsm8k/task'], undefined, 'the task name is the prefix, not a param');

    const t = Date.parse(META.finished_at!);
    const metrics = Object.fromEntries(p.metrics.map((m) => [m.key, m]));
    assert.deepEqual(metrics['gsm8k/pass_at_1_avg-of-2/symbolic_correct'], { key: 'gsm8k/pass_at_1_avg-of-2/symbolic_correct', value: 70, timestamp: t, step: 0 });
    assert.equal(metrics['gsm8k/pass_at_1_avg-of-2/symbolic_correct/stderr'].value, 8.5);
    assert.equal(metrics['gsm8k/pass_at_1_avg-of-2/no_answer'].value, 10);
    assert.equal(metrics['gsm8k/majority_at_2/symbolic_correct'].value, 72.5);
    assert.equal(metrics['gsm8k/majority_at_2/symbolic_correct/stderr'], undefined, 'no stderr in stats → none logged');
    assert.equal(metrics['ns_mmlu_pro/pass_at_1/symbolic_correct'].value, 65);
    assert.equal(metrics['ns_mmlu_pro/law _ policy/pass_at_1/symbolic_correct'].value, 50);
    assert.equal(p.metrics.length, 9);
    for (const k of [...p.tags, ...p.params, ...p.metrics].map((e) => e.key)) assert.ok(mlflowAccepts(k), k);
  });

  test('two names that sanitise alike stay two keys', () => {
    const r = results('t', {}, {
      'pass@1': { scores: { s: { value: 1, stats: {} } } },
      pass_at_1: { scores: { s: { value: 2, stats: {} } } },
    });
    const p = mlflowPayload({ ...META, tasks: ['t'] }, [{ task: 't', results: r }]);
    assert.deepEqual(p.metrics.map((m) => [m.key, m.value]), [['t/pass_at_1/s', 1], ['t/pass_at_1/s_2', 2]]);
  });

  test('batches stay within log-batch limits and lose nothing', () => {
    const payload = {
      tags: Array.from({ length: 130 }, (_, i) => ({ key: `t${i}`, value: 'v' })),
      params: Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
      metrics: Array.from({ length: 2500 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: 0, step: 0 })),
    };
    const bs = batches(payload);
    for (const b of bs) {
      assert.ok(b.params.length <= 100 && b.tags.length <= 100 && b.metrics.length <= 1000);
      assert.ok(b.params.length + b.tags.length + b.metrics.length <= 1000);
    }
    assert.deepEqual(bs.flatMap((b) => b.params), payload.params);
    assert.deepEqual(bs.flatMap((b) => b.tags), payload.tags);
    assert.deepEqual(bs.flatMap((b) => b.metrics), payload.metrics);
  });

  test('proxiedArtifactPath', () => {
    assert.equal(proxiedArtifactPath('mlflow-artifacts:/1/abc/artifacts'), '1/abc/artifacts');
    assert.equal(proxiedArtifactPath('mlflow-artifacts://host:5000/1/abc/artifacts/'), '1/abc/artifacts');
    assert.equal(proxiedArtifactPath('s3://bucket/1/abc/artifacts'), null);
    assert.equal(proxiedArtifactPath('/srv/mlruns/1/abc/artifacts'), null);
  });
});

// ---------------------------------------------------------------- the request sequence

interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A recording stand-in for the handful of MLflow routes the export uses (not a substitute for the real server test). */
function recordingServer(opts: { artifactLocation?: string; fail?: { path: string; status: number; body: string } } = {}) {
  const requests: Recorded[] = [];
  let experiment: { experiment_id: string; name: string; artifact_location: string; lifecycle_stage: string } | null = null;
  let run: { info: Record<string, string>; data: { tags: { key: string; value: string }[] } } | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (opts.fail && url.pathname === opts.fail.path) {
        res.writeHead(opts.fail.status, { 'Content-Type': 'application/json' });
        res.end(opts.fail.body);
        return;
      }
      switch (url.pathname) {
        case '/api/2.0/mlflow/experiments/get-by-name':
          if (!experiment) return reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Could not find experiment with name '${url.searchParams.get('experiment_name')}'` });
          return reply(200, { experiment });
        case '/api/2.0/mlflow/experiments/create': {
          const { name } = JSON.parse(body) as { name: string };
          experiment = { experiment_id: '7', name, artifact_location: opts.artifactLocation ?? 'mlflow-artifacts:/7', lifecycle_stage: 'active' };
          return reply(200, { experiment_id: '7' });
        }
        case '/api/2.0/mlflow/runs/search':
          return reply(200, run ? { runs: [run] } : {});
        case '/api/2.0/mlflow/runs/create': {
          const b = JSON.parse(body) as { run_name: string; tags: { key: string; value: string }[] };
          run = {
            info: { run_id: 'abc', run_uuid: 'abc', experiment_id: '7', run_name: b.run_name, status: 'RUNNING', artifact_uri: 'mlflow-artifacts:/7/abc/artifacts' },
            data: { tags: b.tags },
          };
          return reply(200, { run });
        }
        case '/api/2.0/mlflow/runs/log-batch':
        case '/api/2.0/mlflow/runs/update':
          return reply(200, {});
        default:
          if (req.method === 'PUT' && url.pathname.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) return reply(200, {});
          return reply(404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'no such route' });
      }
    });
  });
  return { server, requests };
}

function memoryStore(files: Record<string, string>): MlflowSourceStore {
  return {
    async getText(key: string) {
      return files[key] ?? null;
    },
    async getJson<T>(key: string) {
      const text = files[key];
      return text === undefined ? null : (JSON.parse(text) as T);
    },
    uri(key: string) {
      return `s3://mem/${key}`;
    },
  };
}

const FILES: Record<string, string> = {
  [keys.metadata('unit-1')]: JSON.stringify(META),
  [keys.results('unit-1', 'gsm8k')]: JSON.stringify(GSM),
  [keys.results('unit-1', 'ns_mmlu_pro')]: JSON.stringify(MMLU),
  [keys.metrics('unit-1', 'gsm8k')]: '{"task":"gsm8k"}',
  [keys.runConfig('unit-1')]: 'target: {}\n',
  'runs/unit-1/report.html': '<html></html>',
};

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('exportToMlflow request sequence (recording server)', () => {
  const rec = recordingServer();
  let uri: string;
  before(async () => {
    uri = await listen(rec.server);
  });
  after(() => new Promise<void>((r) => rec.server.close(() => r())));

  test('first export: experiment and run created, batch logged, artifacts put, run finished', async () => {
    const out = await exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: uri + '/', token: 'tok-1' });
    assert.deepEqual(
      { experimentId: out.experimentId, mlflowRunId: out.mlflowRunId, updated: out.updated },
      { experimentId: '7', mlflowRunId: 'abc', updated: false },
    );
    assert.equal(out.url, `${uri}/#/experiments/7/runs/abc`);
    const seq = rec.requests.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(seq, [
      'GET /api/2.0/mlflow/experiments/get-by-name',
      'POST /api/2.0/mlflow/experiments/create',
      'GET /api/2.0/mlflow/experiments/get-by-name',
      'POST /api/2.0/mlflow/runs/search',
      'POST /api/2.0/mlflow/runs/create',
      'POST /api/2.0/mlflow/runs/log-batch',
      'PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/metadata.json',
      'PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/gsm8k/results.json',
      'PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/gsm8k/metrics.json',
      'PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/ns_mmlu_pro/results.json',
      'PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/run_config.yaml',
      'PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/report.html',
      'POST /api/2.0/mlflow/runs/update',
    ]);
    assert.deepEqual(out.artifacts, ['metadata.json', 'gsm8k/results.json', 'gsm8k/metrics.json', 'ns_mmlu_pro/results.json', 'run_config.yaml', 'report.html']);
    for (const r of rec.requests) assert.equal(r.headers.authorization, 'Bearer tok-1');
    for (const r of rec.requests.filter((x) => x.method === 'POST')) assert.equal(r.headers['content-type'], 'application/json');

    const body = (i: number) => JSON.parse(rec.requests[i].body) as Record<string, unknown>;
    assert.deepEqual(body(1), { name: 'evalflow' });
    const search = body(3) as { experiment_ids: string[]; filter: string };
    assert.deepEqual(search.experiment_ids, ['7']);
    assert.equal(search.filter, `tags."evalflow.run_id" = 'unit-1'`);
    const create = body(4) as { experiment_id: string; run_name: string; start_time: number; tags: { key: string; value: string }[] };
    assert.equal(create.experiment_id, '7');
    assert.equal(create.run_name, 'unit-1');
    assert.equal(create.start_time, Date.parse(META.started_at));
    assert.ok(create.tags.some((t) => t.key === 'evalflow.run_id' && t.value === 'unit-1'));
    const batch = body(5) as { run_id: string; metrics: { key: string; value: number; step: number }[]; params: { key: string }[] };
    assert.equal(batch.run_id, 'abc');
    assert.equal(batch.metrics.find((m) => m.key === 'gsm8k/pass_at_1_avg-of-2/symbolic_correct')?.value, 70);
    assert.ok(batch.params.some((p) => p.key === 'gsm8k/temperature'));
    assert.equal(rec.requests[7].body, FILES[keys.results('unit-1', 'gsm8k')]);
    assert.equal(rec.requests[7].headers['content-type'], 'application/json');
    const update = body(12);
    assert.deepEqual(update, { run_id: 'abc', run_name: 'unit-1', status: 'FINISHED', end_time: Date.parse(META.finished_at!) });
  });

  test('second export finds the run by tag: no experiment or run created', async () => {
    rec.requests.length = 0;
    const out = await exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: uri, token: 'tok-1' });
    assert.equal(out.mlflowRunId, 'abc');
    assert.equal(out.updated, true);
    const seq = rec.requests.map((r) => `${r.method} ${r.path.split('/').slice(0, 6).join('/')}`);
    assert.ok(!seq.some((s) => s.includes('/create')), seq.join('\n'));
    assert.deepEqual(seq.slice(0, 3), ['GET /api/2.0/mlflow/experiments/get-by-name', 'POST /api/2.0/mlflow/runs/search', 'POST /api/2.0/mlflow/runs/log-batch']);
    const batch = JSON.parse(rec.requests[2].body) as { tags: { key: string }[] };
    assert.ok(batch.tags.some((t) => t.key === 'evalflow.run_id'), 'tags are logged again on update');
    assert.equal(seq[seq.length - 1], 'POST /api/2.0/mlflow/runs/update');
  });
});

describe('exportToMlflow errors', () => {
  test('an unreachable server is named, with how to start one', async () => {
    const s = http.createServer();
    const uri = await listen(s);
    await new Promise<void>((r) => s.close(() => r()));
    await assert.rejects(exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: uri }), (e: unknown) => {
      assert.ok(e instanceof MlflowError);
      assert.match(e.message, new RegExp(`MLflow tracking server ${uri.replace(/\./g, '\\.')} is unreachable`));
      assert.match(e.message, /ECONNREFUSED/);
      assert.match(e.message, /scripts\/mlflow-server\.sh/);
      return true;
    });
  });

  test("a 4xx carries the server's error code and message", async () => {
    const rec = recordingServer({
      fail: { path: '/api/2.0/mlflow/runs/log-batch', status: 400, body: JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Changing param values is not allowed.' }) },
    });
    const uri = await listen(rec.server);
    try {
      await assert.rejects(exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: uri }), (e: unknown) => {
        assert.ok(e instanceof MlflowError);
        assert.equal(e.message, 'MLflow POST /api/2.0/mlflow/runs/log-batch failed: HTTP 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed.');
        return true;
      });
    } finally {
      await new Promise<void>((r) => rec.server.close(() => r()));
    }
  });

  test('401 says which variable holds the token', async () => {
    const rec = recordingServer({ fail: { path: '/api/2.0/mlflow/experiments/get-by-name', status: 401, body: 'Unauthorized' } });
    const uri = await listen(rec.server);
    try {
      await assert.rejects(exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: uri }), /HTTP 401: Unauthorized; set MLFLOW_TRACKING_TOKEN/);
    } finally {
      await new Promise<void>((r) => rec.server.close(() => r()));
    }
  });

  test('an experiment whose artifacts the proxy cannot reach fails before any run is created', async () => {
    const rec = recordingServer({ artifactLocation: 's3://bucket/mlflow/7' });
    const uri = await listen(rec.server);
    try {
      await assert.rejects(exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: uri, experiment: 'evals' }), /stores artifacts at s3:\/\/bucket\/mlflow\/7.*--serve-artifacts/);
      assert.ok(!rec.requests.some((r) => r.path.endsWith('/runs/create')));
    } finally {
      await new Promise<void>((r) => rec.server.close(() => r()));
    }
  });

  test('a run without artifacts and a bad URI are refused before any request', async () => {
    await assert.rejects(exportToMlflow(memoryStore({}), 'nope', { trackingUri: 'http://127.0.0.1:1' }), /no artifacts for run 'nope' in s3:\/\/mem\/runs\/nope\//);
    await assert.rejects(exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: 'localhost:5000' }), /must be http:\/\/ or https:\/\//);
    await assert.rejects(exportToMlflow(memoryStore(FILES), 'unit-1', { trackingUri: 'not a url' }), /is not a URL/);
  });
});

/**
 * Worker metrics and tracing on real servers (docs/operations.md, "Metrics and
 * tracing"): `evalflow worker --metrics-address` serves the SDK's runtime
 * metrics and evalflow's own on one /metrics endpoint; scraped during a judged
 * run with injected faults and after it, evalflow's counters agree with the
 * run's metrics.json and results.json usage (calls, tokens by kind, retries by
 * kind, cache hits on a re-run); with OTEL_EXPORTER_OTLP_ENDPOINT set, spans of
 * the suite workflow and its activities reach an OTLP/HTTP receiver with the run
 * id. Bad metrics addresses and tracing endpoints fail at once, naming the setting.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { registerBenchmark, getBenchmark } from '../../benchmarks/index';
import { startEvaluation } from '../../lib/operator/client';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { keys } from '../../lib/records/keys';
import type { NemoResults } from '../../lib/records/artifacts';
import type { TaskUsage } from '../../lib/records/types';
import { capitals, writeCapitals } from '../support/capitals';
import { type Env, REPO, runCli, spawnWorker, startEnv, waitFor } from '../support/harness';

const TASK = 'example_capitals_judged';
const MODULE = path.join(REPO, 'dist', 'test', 'support', 'capitals.js');
const ROWS = Array.from({ length: 16 }, (_, i) => ({ id: `k${i}`, country: `Country${i}`, capital: `Capital${i}` }));

let env: Env;
let model: FakeEndpoint;
let judge: FakeEndpoint;
let dataDir: string;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Prometheus text → the sum of the samples of `name` whose labels include `labels`. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[l[1]] = l[2];
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

async function scrape(address: string): Promise<string> {
  const r = await fetch(`http://${address}/metrics`);
  assert.equal(r.status, 200);
  return r.text();
}

function stopWorker(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 15_000).unref();
  });
}

async function startWorker(log: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  fs.writeFileSync(log, '');
  const p = spawnWorker({ ...env.childEnv, ...extraEnv }, log, ['--benchmark-module', MODULE, ...args]);
  await waitFor('the worker to poll', () => fs.readFileSync(log, 'utf8').includes("evalflow worker: main on '") || p.exitCode !== null, 30_000);
  assert.equal(p.exitCode, null, fs.readFileSync(log, 'utf8'));
  return p;
}

function config(): Record<string, unknown> {
  return {
    target: { api_endpoint: { url: `${model.url}/chat/completions`, model_id: 'metrics-model' } },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 2, request_timeout: 10, max_retries: 3 } } },
      tasks: [
        {
          name: TASK,
          dataset_dir: dataDir,
          nemo_evaluator_config: { config: { params: { extra: { judge: { url: `${judge.url}/chat/completions`, model_id: 'judge-model', max_retries: 2 } } } } },
        },
      ],
    },
    execution: { heartbeat_timeout: 5 },
  };
}

before(async () => {
  env = await startEnv('metrics');
  if (getBenchmark(capitals.name) !== capitals) registerBenchmark(capitals);
  model = await startFakeEndpoint({
    port: 0,
    models: ['metrics-model'],
    // Slow enough that a scrape sees the run in progress; reasoning so that reasoning tokens are reported.
    latencyMs: 250,
    answer: (req) => ({ reasoning_content: 'thinking about it', content: ROWS.find((r) => req.messages?.at(-1)?.content.includes(`${r.country}?`))?.capital ?? '' }),
  });
  judge = await startFakeEndpoint({
    port: 0,
    models: ['judge-model'],
    answer: (req) => ({ content: /Gold: (\w+)\nResponse: \1\n/.test(req.messages?.at(-1)?.content ?? '') ? 'Judgement: yes' : 'Judgement: no' }),
  });
  dataDir = path.join(env.stack.dir, 'metrics-data');
  writeCapitals(dataDir, ROWS);
});
after(async () => {
  await model?.close();
  await judge?.close();
  await env?.close();
});

test('a scrape during and after a judged run: evalflow counters agree with metrics.json and results.json; a re-run counts cache hits; SDK metrics on the same endpoint', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const worker = await startWorker(path.join(env.stack.dir, 'worker-metrics.log'), ['--metrics-address', address]);
  try {
    const before = await scrape(address);
    assert.equal(value(before, 'evalflow_calls_total'), 0, 'nothing called yet');
    // Two 429s and two 500s on the model, one 500 on the judge: retried, then answered.
    model.setFaults([
      { kind: '429', count: 2 },
      { kind: '500', count: 2 },
    ]);
    judge.setFaults([{ kind: '500', count: 1 }]);

    await startEvaluation({ config: config(), runId: 'metrics-1', taskQueue: env.taskQueue });
    const handle = env.client.workflow.getHandle('metrics-1');
    const during: string[] = [];
    let finished = false;
    const result = handle.result().finally(() => (finished = true));
    while (!finished) {
      during.push(await scrape(address));
      await new Promise((r) => setTimeout(r, 200));
    }
    await result;
    const end = await scrape(address);

    const results = (await env.store.getJson<NemoResults>(keys.results('metrics-1', TASK)))!;
    const usage = results.results.tasks[TASK].usage!;
    const metricsJson = (await env.store.getJson<{ usage: TaskUsage; retries: number; from_cache: number; tokens: { prompt_total: number; completion_total: number; reasoning_total: number } }>(keys.metrics('metrics-1', TASK)))!;
    assert.deepEqual(metricsJson.usage, usage);
    const m = { role: 'model', task: TASK };
    const j = { role: 'judge', task: TASK };

    // Work in progress seen by at least one scrape: calls under way, or some but not all answered.
    const finalModelCalls = value(end, 'evalflow_calls_total', { ...m, outcome: 'answered' });
    const inProgress = during.filter((t) => value(t, 'evalflow_requests_in_flight') > 0 || (value(t, 'evalflow_calls_total', { ...m, outcome: 'answered' }) > 0 && value(t, 'evalflow_calls_total', { ...m, outcome: 'answered' }) < finalModelCalls));
    assert.ok(inProgress.length >= 1, `${during.length} scrapes during the run, none showed work in progress`);
    assert.equal(value(end, 'evalflow_requests_in_flight'), 0, 'nothing in flight after the run');

    // Model calls and tokens: paid calls = usage calls − replayed; tokens as the endpoint reported them.
    assert.equal(usage.replayed_calls.model, 0);
    assert.equal(finalModelCalls, usage.model.calls);
    assert.equal(finalModelCalls, ROWS.length);
    assert.equal(model.stats().succeeded, ROWS.length);
    assert.equal(value(end, 'evalflow_calls_total', { ...m, outcome: 'failed' }) + value(end, 'evalflow_calls_total', { ...m, outcome: 'gave_up' }), 0);
    assert.equal(value(end, 'evalflow_tokens_total', { ...m, kind: 'prompt' }), usage.model.prompt_tokens);
    assert.equal(value(end, 'evalflow_tokens_total', { ...m, kind: 'completion' }), usage.model.completion_tokens);
    assert.equal(value(end, 'evalflow_tokens_total', { ...m, kind: 'reasoning' }), usage.model.reasoning_tokens);
    assert.ok(usage.model.reasoning_tokens > 0, 'the endpoint reported reasoning tokens');
    assert.equal(value(end, 'evalflow_tokens_total', { ...m, kind: 'prompt' }), metricsJson.tokens.prompt_total);
    assert.equal(value(end, 'evalflow_tokens_total', { ...m, kind: 'reasoning' }), metricsJson.tokens.reasoning_total);

    // Retries by kind; metrics.json counts them per response (attempts − 1).
    assert.equal(value(end, 'evalflow_retries_total', { ...m, kind: '429' }), 2);
    assert.equal(value(end, 'evalflow_retries_total', { ...m, kind: '5xx' }), 2);
    assert.equal(value(end, 'evalflow_retries_total', m), metricsJson.retries);
    assert.equal(value(end, 'evalflow_cache_hits_total', m), metricsJson.from_cache);

    // The judge: its calls and tokens as results.json counts them, its one retry.
    assert.equal(value(end, 'evalflow_calls_total', { ...j, outcome: 'answered' }), usage.judge!.calls - usage.replayed_calls.judge!);
    assert.equal(value(end, 'evalflow_calls_total', { ...j, outcome: 'answered' }), ROWS.length);
    assert.equal(value(end, 'evalflow_tokens_total', { ...j, kind: 'prompt' }), usage.judge!.prompt_tokens);
    assert.equal(value(end, 'evalflow_tokens_total', { ...j, kind: 'completion' }), usage.judge!.completion_tokens);
    assert.equal(value(end, 'evalflow_retries_total', { ...j, kind: '5xx' }), 1);

    // Checkpoint writes (responses and judgements) were timed.
    assert.ok(value(end, 'evalflow_checkpoint_write_seconds_count', { outcome: 'ok' }) >= 2, end);
    assert.match(end, /^# TYPE evalflow_requests_in_flight gauge$/m);
    assert.match(end, /^# TYPE evalflow_checkpoint_write_seconds histogram$/m);
    // The SDK's runtime metrics on the same endpoint.
    assert.match(end, /^temporal_\w+/m);
    assert.ok(value(end, 'temporal_activity_execution_latency_count') > 0 || value(end, 'temporal_request') > 0, 'SDK activity or request metrics are served');

    // The same config under another id: every call replayed from the cache, counted as cache hits, nothing paid.
    model.resetStats();
    await startEvaluation({ config: config(), runId: 'metrics-2', taskQueue: env.taskQueue });
    await env.client.workflow.getHandle('metrics-2').result();
    const again = await scrape(address);
    const usage2 = (await env.store.getJson<NemoResults>(keys.results('metrics-2', TASK)))!.results.tasks[TASK].usage!;
    assert.equal(model.stats().requests, 0);
    assert.equal(usage2.replayed_calls.model, ROWS.length);
    assert.equal(value(again, 'evalflow_cache_hits_total', m) - value(end, 'evalflow_cache_hits_total', m), usage2.replayed_calls.model);
    assert.equal(value(again, 'evalflow_cache_hits_total', j) - value(end, 'evalflow_cache_hits_total', j), usage2.replayed_calls.judge);
    assert.equal(value(again, 'evalflow_calls_total', m), value(end, 'evalflow_calls_total', m), 'no new paid model calls');
    assert.equal(value(again, 'evalflow_tokens_total', m), value(end, 'evalflow_tokens_total', m), 'no new paid tokens');
  } finally {
    await stopWorker(worker);
  }
});

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, string>;
  service: string;
}

/** An OTLP/HTTP receiver on 127.0.0.1: the exporter posts ExportTraceServiceRequest as JSON. */
async function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  type Attr = { key: string; value: Record<string, unknown> };
  const attrs = (list: Attr[] = []) => Object.fromEntries(list.map((a) => [a.key, String(Object.values(a.value)[0])]));
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      assert.equal(req.url, '/v1/traces');
      assert.match(String(req.headers['content-type']), /application\/json/);
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: (Omit<OtlpSpan, 'attributes' | 'service'> & { attributes: Attr[] })[] }[] }[];
      };
      for (const rs of payload.resourceSpans) {
        const service = attrs(rs.resource.attributes)['service.name'];
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, attributes: attrs(s.attributes), service });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    spans,
    close: () => new Promise((r) => srv.close(() => r())),
  };
}

test('with OTEL_EXPORTER_OTLP_ENDPOINT set, spans of the client, the suite workflow and its activities reach the OTLP/HTTP receiver with the run id', async () => {
  const receiver = await startReceiver();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'evalflow-test-worker' };
  const log = path.join(env.stack.dir, 'worker-tracing.log');
  const worker = await startWorker(log, [], otel);
  try {
    model.setFaults([]);
    judge.setFaults([]);
    const file = path.join(env.stack.dir, 'traced.yaml');
    fs.writeFileSync(file, JSON.stringify(config()));
    const r = await runCli(['run', '--config', file, '--benchmark-module', MODULE, '--run-id', 'traced-1', '--wait', '--no-preflight'], { ...env.childEnv, ...otel, OTEL_SERVICE_NAME: 'evalflow-test-client' });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const of = (name: string) => receiver.spans.filter((s) => s.name === name);
    await waitFor(
      'workflow and activity spans',
      () => of('RunWorkflow:evaluationSuite').some((s) => s.attributes.workflowId === 'traced-1') && of('RunActivity:finalizeRun').length > 0,
      20_000,
    ).catch((e: Error) => {
      const names = [...new Set(receiver.spans.map((s) => `${s.service}:${s.name}`))].join(', ') || 'none';
      throw new Error(`${e.message}; spans received: ${names}; worker log:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
    });
    // Workflow spans carry the workflow's info (workflowId: the run id); activity spans temporalWorkflowId.
    const suite = of('RunWorkflow:evaluationSuite').find((s) => s.attributes.workflowId === 'traced-1')!;
    assert.ok(of('RunWorkflow:evaluationTask').some((s) => s.attributes.workflowId === `traced-1/${TASK}` && s.traceId === suite.traceId), 'the task workflow is in the trace of its run');
    assert.equal(suite.service, 'evalflow-test-worker');
    const start = of('StartWorkflow:evaluationSuite');
    assert.equal(start.length, 1, `the client's span: ${[...new Set(receiver.spans.map((s) => s.name))].join(', ')}`);
    assert.equal(start[0].service, 'evalflow-test-client');
    assert.equal(suite.traceId, start[0].traceId, 'the workflow continues the client trace');
    // Activities of the suite and of its task carry the run id (the task workflow's id is <run>/<task>).
    const init = of('RunActivity:initRun').find((s) => s.attributes.temporalWorkflowId === 'traced-1');
    assert.ok(init, 'initRun is traced with the run id');
    assert.equal(init.traceId, suite.traceId);
    const generated = of('RunActivity:generateShard').filter((s) => s.attributes.temporalWorkflowId === `traced-1/${TASK}`);
    assert.ok(generated.length >= 1, 'generation activities are traced');
    assert.ok(of('RunActivity:judgeShard').some((s) => s.attributes.temporalWorkflowId === `traced-1/${TASK}`), 'judge activities are traced');
    assert.ok(generated.every((s) => s.traceId === suite.traceId), 'one trace from the client to the activities');
  } finally {
    await stopWorker(worker);
    await receiver.close();
  }
});

test('bad metrics addresses and tracing endpoints: the worker stops at once with a message naming the setting', async () => {
  const malformed = await runCli(['worker', '--metrics-address', 'localhost'], env.childEnv, 30_000);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /--metrics-address 'localhost' is not HOST:PORT: .*e\.g\. 0\.0\.0\.0:9464/);

  const badEnv = await runCli(['worker'], { ...env.childEnv, EVALFLOW_METRICS_ADDRESS: '127.0.0.1:99999' }, 30_000);
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.stderr, /EVALFLOW_METRICS_ADDRESS '127\.0\.0\.1:99999' is not HOST:PORT: .*the port is 1–65535/);

  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const inUse = await runCli(['worker', '--metrics-address', `127.0.0.1:${port}`], env.childEnv, 30_000);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, new RegExp(`--metrics-address '127\\.0\\.0\\.1:${port}' cannot be served: port ${port} is already in use on 127\\.0\\.0\\.1 .*choose a free port`));
  } finally {
    await new Promise<void>((r) => busy.close(() => r()));
  }

  const grpc = await runCli(['worker'], { ...env.childEnv, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://127.0.0.1:4317' }, 30_000);
  assert.equal(grpc.code, 1);
  assert.match(grpc.stderr, /OTEL_EXPORTER_OTLP_ENDPOINT 'grpc:\/\/127\.0\.0\.1:4317' is not an http\(s\) URL: evalflow sends traces over OTLP\/HTTP, e\.g\. http:\/\/otel-collector:4318/);
});

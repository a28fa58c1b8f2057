/**
 * Bad input, tried as a new user would through the `evalflow` command: each
 * gets a clear error naming what is wrong and how to fix it, and nothing is
 * started (or nothing already done is lost).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { ArtifactStore } from '../../lib/engine/store';
import { loadSettings } from '../../lib/config/settings';
import { datasetsDir, demoConfig, type Env, runCli, startEnv, startInProcessWorker } from '../support/harness';

describe('bad input gets a clear error and starts nothing', () => {
  let env: Env;
  let demo: FakeEndpoint;
  let dir: string;

  before(async () => {
    env = await startEnv('bad');
    demo = await startDemoEndpoint({ port: 0, latencyMs: 1, datasetsDir: datasetsDir() });
    dir = fs.mkdtempSync(path.join(env.stack.dir, 'cfg-'));
  });
  after(async () => {
    await demo?.close();
    await env?.close();
  });

  const write = (name: string, cfg: unknown) => {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, typeof cfg === 'string' ? cfg : YAML.stringify(cfg));
    return file;
  };
  const good = () => demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 3 } }]);
  async function notStarted(runId: string) {
    await assert.rejects(env.client.workflow.getHandle(runId).describe(), WorkflowNotFoundError);
  }

  const cases: { name: string; cfg: () => unknown; args?: string[]; expect: RegExp[] }[] = [
    {
      name: 'unknown config key',
      cfg: () => {
        const c = good();
        (c.evaluation.nemo_evaluator_config.config.params as Record<string, unknown>).paralelism = 4;
        return c;
      },
      expect: [/evaluation\.nemo_evaluator_config\.config\.params\.paralelism/, /unknown key/i],
    },
    {
      name: 'wrong type',
      cfg: () => {
        const c = good();
        (c.evaluation.nemo_evaluator_config.config.params as Record<string, unknown>).parallelism = 'many';
        return c;
      },
      expect: [/params\.parallelism/, /number/],
    },
    { name: 'unknown task', cfg: good, args: ['-t', 'gsm9k'], expect: [/gsm9k/, /gsm8k/] },
    { name: 'malformed YAML', cfg: () => 'target:\n  api_endpoint: {url: [unclosed\n', expect: [/invalid YAML/, /\.yaml:\d+:\d+/] },
    {
      name: 'limit_samples 0',
      cfg: good,
      args: ['-o', 'evaluation.nemo_evaluator_config.config.params.limit_samples=0'],
      expect: [/limit_samples/, /≥ 1|>= 1|at least 1/],
    },
    { name: 'URL without scheme', cfg: good, args: ['-o', 'target.api_endpoint.url=localhost:8000/v1/chat/completions'], expect: [/no scheme|http:\/\//] },
    {
      name: 'missing API-key variable',
      cfg: good,
      args: ['-o', 'target.api_endpoint.api_key_name=EVALFLOW_TEST_UNSET_KEY'],
      expect: [/EVALFLOW_TEST_UNSET_KEY/, /not set/],
    },
    {
      name: 'unreachable endpoint',
      cfg: good,
      args: ['-o', 'target.api_endpoint.url=http://127.0.0.1:9/v1/chat/completions'],
      expect: [/unreachable/, /target\.api_endpoint\.url/],
    },
    {
      name: 'negative parallelism',
      cfg: good,
      args: ['-o', 'evaluation.nemo_evaluator_config.config.params.parallelism=-4'],
      expect: [/params\.parallelism/, /≥ 1|>= 1|at least 1|positive/],
    },
    {
      name: 'model id the endpoint does not serve',
      cfg: good,
      args: ['-o', 'target.api_endpoint.model_id=gpt-7'],
      expect: [/does not serve model 'gpt-7'/, /demo-model/, /model_id/],
    },
    {
      name: 'unsupported task',
      cfg: () => ({ ...good(), evaluation: { ...good().evaluation, tasks: [{ name: 'tau2_bench_telecom' }] } }),
      expect: [/tau2_bench_telecom/, /cannot run/, /not implemented yet/],
    },
    {
      name: 'judged task without a judge',
      cfg: () => ({ ...good(), evaluation: { ...good().evaluation, tasks: [{ name: 'ns_hle' }] } }),
      expect: [/ns_hle/, /graded by an LLM judge/, /extra\.judge/],
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const runId = `bad-${c.name.replace(/\W+/g, '-')}`;
      const file = write(runId, c.cfg());
      const r = await runCli(['run', '--config', file, '--run-id', runId, ...(c.args ?? [])], { ...env.childEnv, EVALFLOW_TEST_UNSET_KEY: '' });
      assert.equal(r.code, 1, `exit code; stdout: ${r.stdout}`);
      for (const re of c.expect) assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /unexpected error|at .*\.js:\d+/, 'a readable message, not a stack trace');
      await notStarted(runId);
    });
  }

  test('MinIO down at start', async () => {
    const file = write('minio-down', good());
    await env.stack.stopMinio();
    try {
      const r = await runCli(['run', '--config', file, '--run-id', 'bad-minio-down'], env.childEnv);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /artifact store .* unavailable/);
      assert.match(r.stderr, /MinIO/);
      await notStarted('bad-minio-down');
    } finally {
      await env.stack.startMinio();
    }
  });

  test('MinIO credentials wrong', async () => {
    const file = write('minio-creds', good());
    const r = await runCli(['run', '--config', file, '--run-id', 'bad-minio-creds'], { ...env.childEnv, EVALFLOW_S3_SECRET_KEY: 'not-the-secret' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused/);
    assert.match(r.stderr, /EVALFLOW_S3_SECRET_KEY/);
    await notStarted('bad-minio-creds');
  });

  test('a dataset that does not exist fails the run at once, naming the path', async () => {
    const worker = await startInProcessWorker(env.taskQueue);
    try {
      const cfg = good();
      (cfg.evaluation.tasks[0] as Record<string, unknown>).dataset_dir = '/nonexistent/benchmarks';
      const file = write('no-dataset', cfg);
      const t0 = Date.now();
      const r = await runCli(['run', '--config', file, '--run-id', 'bad-no-dataset', '--wait'], env.childEnv);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\/nonexistent\/benchmarks\/gsm8k\/test\.jsonl/);
      assert.ok(Date.now() - t0 < 60_000, 'not retried for long');
    } finally {
      await worker.stop();
    }
  });

  test('a malformed dataset row fails the run at once (not retried), naming the file, the record and the field', async () => {
    const worker = await startInProcessWorker(env.taskQueue);
    try {
      const data = fs.mkdtempSync(path.join(env.stack.dir, 'data-'));
      fs.mkdirSync(path.join(data, 'gsm8k'));
      const rows = [
        { question: 'What is 1 + 1?', answer: 'Add them.\n#### 2' },
        { question: 'What is 2 + 2?', answer: 'Add them.\n#### 4' },
        { question: 'What is 3 + 3?' }, // no answer field
      ];
      fs.writeFileSync(path.join(data, 'gsm8k', 'test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const cfg = good();
      (cfg.evaluation.tasks[0] as Record<string, unknown>).dataset_dir = data;
      const before = demo.stats().requests;
      const t0 = Date.now();
      const r = await runCli(['run', '--config', write('bad-row', cfg), '--run-id', 'bad-row', '--wait'], env.childEnv);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`record 2 \\(0-based\\) of ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/gsm8k/test\\.jsonl cannot be used`));
      assert.match(r.stderr, /"answer"/, 'names the field');
      assert.match(r.stderr, /evalflow resume bad-row/);
      assert.equal(demo.stats().requests, before, 'no model call was made');
      assert.ok(Date.now() - t0 < 30_000, 'failed at once, not retried');
      const history = await env.client.workflow.getHandle('bad-row/gsm8k').fetchHistory();
      const prepareAttempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
      assert.deepEqual(prepareAttempts, [1]);
    } finally {
      await worker.stop();
    }
  });

  test('BFCL with native tools against a completions endpoint fails before any model call, naming both ways out', async () => {
    const worker = await startInProcessWorker(env.taskQueue);
    try {
      const cfg = demoConfig(demo.url, [{ name: 'ns_bfcl_v4', params: { limit_samples: 2, extra: { dataset_split: 'simple_python' } } }]);
      (cfg.target.api_endpoint as Record<string, unknown>).url = `${demo.url}/completions`;
      (cfg.evaluation.tasks[0] as Record<string, unknown>).dataset_dir = datasetsDir();
      const file = write('bfcl-completions', cfg);
      const before = demo.stats().requests;
      const r = await runCli(['run', '--config', file, '--run-id', 'bad-bfcl-completions', '--wait'], env.childEnv);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /native tools, which only a chat endpoint/);
      assert.match(r.stderr, /use_client_parsing=True/);
      assert.equal(demo.stats().requests, before, 'no model call was made');
    } finally {
      await worker.stop();
    }
  });

  test('wrong API key: refused before anything starts', async () => {
    const locked = await startFakeEndpoint({ port: 0, models: ['demo-model'], apiKey: 'the-right-key', answer: () => ({ content: 'x' }) });
    try {
      const cfg = demoConfig(locked.url, [{ name: 'gsm8k', params: { limit_samples: 3 } }]);
      (cfg.target.api_endpoint as Record<string, unknown>).api_key_name = 'EVALFLOW_TEST_KEY';
      const file = write('wrong-key', cfg);
      const r = await runCli(['run', '--config', file, '--run-id', 'bad-wrong-key'], { ...env.childEnv, EVALFLOW_TEST_KEY: 'a-wrong-key' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused the API key from EVALFLOW_TEST_KEY \(HTTP 401\)/);
      await notStarted('bad-wrong-key');
      assert.equal(locked.stats().requests, 0, 'no model call was made');
    } finally {
      await locked.close();
    }
  });

  test('a missing bucket is created on first use', async () => {
    const fresh = new ArtifactStore({ ...loadSettings().storage, bucket: 'evalflow-never-made' });
    assert.equal(await fresh.client.bucketExists('evalflow-never-made'), false);
    await fresh.ensureBucket();
    assert.equal(await fresh.client.bucketExists('evalflow-never-made'), true);
  });

  test('Temporal server absent', async () => {
    const file = write('no-temporal', good());
    const r = await runCli(['run', '--config', file, '--no-preflight'], { ...env.childEnv, EVALFLOW_TEMPORAL_ADDRESS: '127.0.0.1:9' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the Temporal server at 127\.0\.0\.1:9/);
    assert.match(r.stderr, /evalflow dev up/);
  });

  test('same run id twice, resume of a finished run, cancel of an unknown run', async () => {
    const worker = await startInProcessWorker(env.taskQueue);
    try {
      const file = write('twice', good());
      const first = await runCli(['run', '--config', file, '--run-id', 'bad-twice', '--wait'], env.childEnv);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /symbolic_correct/);
      const again = await runCli(['run', '--config', file, '--run-id', 'bad-twice'], env.childEnv);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /run id 'bad-twice' is already used/);
      const resume = await runCli(['resume', 'bad-twice'], env.childEnv);
      assert.equal(resume.code, 1);
      assert.match(resume.stderr, /already completed/);
      const cancel = await runCli(['cancel', 'no-such-run'], env.childEnv);
      assert.equal(cancel.code, 1);
      assert.match(cancel.stderr, /no run with id 'no-such-run'/);
      // The finished run is untouched.
      const results = await runCli(['results', 'bad-twice'], env.childEnv);
      assert.equal(results.code, 0);
      assert.match(results.stdout, /gsm8k\s+pass@1\s+symbolic_correct/);
    } finally {
      await worker.stop();
    }
  });
});

/**
 * evalflow inside a team's own worker: a Worker made only from the evalflow
 * plugins (plus a custom benchmark registered through the plugin options), on
 * the team's own task queue, completes a suite started by another service
 * with the official `temporal` CLI and the documented JSON input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { generationPlugin, orchestrationPlugin, scoringPlugin } from '../../workers/plugins';
import { arithmetic } from '../../examples/arithmetic-benchmark';
import { ensureBinary } from '../../lib/infra/binaries';
import { keys } from '../../lib/store';
import type { NemoResults } from '../../activities/score';
import type { SuiteInput } from '../../lib/types';
import { startFakeEndpoint, type FakeEndpoint } from '../fake-endpoint/server';
import { REPO, type Env, startEnv } from '../support/harness';

const run = promisify(execFile);
let env: Env;
let ep: FakeEndpoint;

before(async () => {
  env = await startEnv('plugins');
  // A deterministic "model": right on additions, off by one on products.
  ep = await startFakeEndpoint({
    port: 0,
    models: ['arith-model'],
    answer: (req) => {
      const m = /What is (\d+) ([+*]) (\d+)\?/.exec(req.messages?.at(-1)?.content ?? '');
      if (!m) return { content: 'no idea' };
      const [a, b] = [Number(m[1]), Number(m[3])];
      return { content: `\\boxed{${m[2] === '+' ? a + b : a * b + 1}}` };
    },
  });
});
after(async () => {
  await ep?.close();
  await env?.close();
});

test('a worker built only from the evalflow plugins runs a suite started with `temporal workflow start --input-file`', async () => {
  const connection = await NativeConnection.connect({ address: env.stack.temporalAddress });
  const worker = await Worker.create({
    connection,
    taskQueue: 'team-evals',
    plugins: [orchestrationPlugin({ benchmarks: [arithmetic] }), generationPlugin(), scoringPlugin({ benchmarks: [arithmetic] })],
  });
  const running = worker.run();
  try {
    const input: SuiteInput = {
      run_id: 'plugin-run-1',
      config_name: 'team-arithmetic',
      config: {
        target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'arith-model' } },
        evaluation: {
          nemo_evaluator_config: { config: { params: { parallelism: 3 } } },
          tasks: [{ name: 'example_arithmetic', dataset_dir: path.join(REPO, 'examples', 'data') }],
        },
      },
    };
    const file = path.join(env.stack.dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify(input));
    const temporal = await ensureBinary('temporal');
    await run(temporal, [
      'workflow', 'start', '--type', 'evaluationSuite', '--task-queue', 'team-evals', '--workflow-id', input.run_id,
      '--input-file', file, '--address', env.stack.temporalAddress,
    ]);
    await env.client.workflow.getHandle(input.run_id).result();
    const results = await env.store.getJson<NemoResults>(keys.results(input.run_id, 'example_arithmetic'));
    const pass1 = results!.results.tasks.example_arithmetic.metrics['pass@1'].scores.symbolic_correct;
    assert.equal(pass1.value, 50, 'the six additions right, the six products wrong');
    assert.equal(pass1.stats.count, 12);
    assert.equal(ep.stats().succeeded, 12);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
});

test('a suite input that fails validation in the worker fails the run at once with a readable, non-retryable error', async () => {
  const connection = await NativeConnection.connect({ address: env.stack.temporalAddress });
  const worker = await Worker.create({ connection, taskQueue: 'team-evals-2', plugins: [orchestrationPlugin(), generationPlugin(), scoringPlugin()] });
  const running = worker.run();
  try {
    const handle = await env.client.workflow.start('evaluationSuite', {
      taskQueue: 'team-evals-2',
      workflowId: 'plugin-bad-1',
      args: [{ run_id: 'plugin-bad-1', config: { target: { api_endpoint: { url: 'http://127.0.0.1:1/v1/chat/completions', model_id: 'm' } }, evaluation: { tasks: [{ name: 'gsm8k' }] }, surprise: 1 } }],
    });
    const t0 = Date.now();
    await assert.rejects(handle.result(), (e: unknown) => {
      let msg = '';
      for (let c: unknown = e; c instanceof Error; c = c.cause) msg += ` | ${c.message}`;
      assert.match(msg, /invalid run config/);
      assert.match(msg, /surprise/);
      return true;
    });
    assert.ok(Date.now() - t0 < 20_000, 'not retried');
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
});

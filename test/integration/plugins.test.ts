/**
 * evalflow inside a team's own worker: a Worker made only from the evalflow
 * plugins (plus a custom benchmark registered through the plugin options), on
 * the team's own task queue, completes a suite started by another service
 * with the official `temporal` CLI and the documented JSON input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as zlib from 'node:zlib';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { generationPlugin, orchestrationPlugin, sandboxPlugin, scoringPlugin } from '../../workers/plugins';
import { arithmetic } from '../../examples/arithmetic-benchmark';
import { ensureBinary } from '../../lib/operator/infra/binaries';
import { keys } from '../../lib/records/keys';
import type { NemoResults } from '../../lib/records/artifacts';
import type { IdentifiedSuiteInput } from '../../lib/records/types';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, REPO, type Env, startEnv, waitFor } from '../support/harness';

const run = promisify(execFile);
let env: Env;
let ep: FakeEndpoint;
let humanEval: { task_id: string; prompt: string; canonical_solution: string }[] = [];

before(async () => {
  humanEval = zlib
    .gunzipSync(fs.readFileSync(path.join(datasetsDir(), 'humaneval', 'HumanEval.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, 4)
    .map((l) => JSON.parse(l) as { task_id: string; prompt: string; canonical_solution: string });
  env = await startEnv('plugins');
  // A deterministic "model": right on additions, off by one on products.
  ep = await startFakeEndpoint({
    port: 0,
    models: ['arith-model'],
    answer: (req) => {
      const text = req.messages?.at(-1)?.content ?? '';
      const code = humanEval.find((p) => p.prompt.trim() === text);
      // HumanEval: the canonical solution, after two seconds of work at import time
      if (code) return { content: '```python\nimport time\ntime.sleep(2)\n' + code.prompt + code.canonical_solution + '```' };
      const m = /What is (\d+) ([+*]) (\d+)\?/.exec(text);
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
    const input: IdentifiedSuiteInput = {
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

test('the sandbox role on a worker of its own (sandboxPlugin, custom queue) scores code; a sandbox killed from outside is retried, not scored', async () => {
  const connection = await NativeConnection.connect({ address: env.stack.temporalAddress });
  // The team's worker carries no sandbox; the model's code runs only on the isolated one.
  const main = await Worker.create({ connection, taskQueue: 'team-code', plugins: [orchestrationPlugin(), generationPlugin(), scoringPlugin()] });
  const isolated = await Worker.create({ connection, taskQueue: 'isolated-sandbox', plugins: [sandboxPlugin({ sandbox: { slots: 2 } })] });
  const running = Promise.all([main.run(), isolated.run()]);
  let kills = 0;
  // Kill every sandbox container once they run (each program takes two seconds).
  const killer = setInterval(() => {
    try {
      execFileSync('pkill', ['-KILL', '-x', 'bwrap']);
      kills++;
    } catch {
      /* none running right now */
    }
  }, 700);
  try {
    const handle = await env.client.workflow.start('evaluationSuite', {
      taskQueue: 'team-code',
      workflowId: 'plugin-sandbox-1',
      args: [
        {
          run_id: 'plugin-sandbox-1',
          config: {
            target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'arith-model' } },
            evaluation: { tasks: [{ name: 'humaneval', dataset_dir: datasetsDir(), nemo_evaluator_config: { config: { params: { limit_samples: 4, extra: { n_samples: 1 } } } } }] },
            execution: { sandbox_task_queue: 'isolated-sandbox' },
          },
        },
      ],
    });
    // Let the kills hit the first attempts (whenever the first programs run), then stop killing so the retries can finish.
    await waitFor('a sandbox killed while running', () => kills >= 1, 120_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(killer);
    await handle.result();
    assert.ok(kills >= 1, 'a sandbox was killed while running');
    const results = await env.store.getJson<NemoResults>(keys.results('plugin-sandbox-1', 'humaneval'));
    assert.equal(results!.results.tasks.humaneval.metrics['pass@1'].scores['pass@1'].value, 100, 'killed sandboxes are retried, never scored as failures');
    const log = (await env.store.getText(keys.taskLog('plugin-sandbox-1', 'humaneval'))) ?? '';
    const logs = [log, ...(await Promise.all((await env.store.list(keys.taskLogDir('plugin-sandbox-1', 'humaneval'))).map((k) => env.store.getText(k))))].join('\n');
    assert.match(logs, /sandbox failure .*killed from outside/);
  } finally {
    clearInterval(killer);
    main.shutdown();
    isolated.shutdown();
    await running;
    await connection.close();
  }
});

/**
 * No silent waits: `evalflow run --wait` and `evalflow status` say within
 * seconds when no worker polls the run's task queue, and what to start; the
 * run goes on as soon as a worker comes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { queuePollers } from '../../lib/operator/client';
import { CLI, datasetsDir, demoConfig, type Env, runCli, spawnWorker, startEnv, startInProcessWorker, waitFor } from '../support/harness';

let env: Env;
let demo: FakeEndpoint;

before(async () => {
  env = await startEnv('noworker');
  demo = await startDemoEndpoint({ port: 0, latencyMs: 1, datasetsDir: datasetsDir() });
});
after(async () => {
  await demo?.close();
  await env?.close();
});

test('run --wait with no worker says so within seconds, names the queue and what to start, then finishes once a worker comes', async () => {
  const file = path.join(env.stack.dir, 'noworker.yaml');
  fs.writeFileSync(file, YAML.stringify(demoConfig(demo.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 4 } }])));
  const cli = spawn(process.execPath, [CLI, 'run', '-c', file, '--run-id', 'nobody-home', '--wait'], { env: env.childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  cli.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => cli.on('close', (code) => r(code)));
  const t0 = Date.now();
  await waitFor('the no-worker message', () => /waiting: no worker polls the task queue/.test(out), 20_000);
  assert.ok(Date.now() - t0 < 15_000, `said within seconds (${Date.now() - t0} ms)`);
  assert.match(out, new RegExp(`no worker polls the task queue '${env.taskQueue}' \\(workflows and activities\\).*start 'evalflow worker`));

  const status = await runCli(['status', 'nobody-home'], env.childEnv);
  assert.match(status.stdout, /waiting: no worker polls the task queue/);

  const worker = await startInProcessWorker(env.taskQueue);
  try {
    assert.equal(await exited, 0, out);
    assert.match(out, /a worker now polls every queue the run needs/);
    assert.match(out, /results of nobody-home/);
  } finally {
    await worker.stop();
  }
});

test('`evalflow worker` polls within seconds: the workflows come prebuilt (figure printed)', async () => {
  const log = path.join(env.stack.dir, 'worker-start.log');
  const queue = 'start-time-q';
  const t0 = Date.now();
  const child = spawnWorker({ ...env.childEnv, EVALFLOW_TASK_QUEUE: queue }, log);
  try {
    await waitFor('a workflow poller', async () => (await queuePollers(env.client, 'default', queue, 'workflow')) > 0, 60_000);
    const ms = Date.now() - t0;
    console.log(`# evalflow worker: first workflow poll ${ms} ms after spawn`);
    await waitFor('the ready line', () => /from the prebuilt bundle/.test(fs.readFileSync(log, 'utf8')), 10_000);
  } finally {
    child.kill('SIGTERM');
  }
});

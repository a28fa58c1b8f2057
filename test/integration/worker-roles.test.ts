/**
 * `evalflow worker --role`: a process serves only the roles it names, each on
 * its own queue (docs/operations.md, "Scaling each role"). Checked with the
 * Temporal server's own view of the pollers (describeTaskQueue) on a real dev
 * server, through the CLI as a Kubernetes Deployment runs it (deploy/).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { queuePollers } from '../../lib/operator/client';
import { type Env, runCli, spawnWorker, startEnv, waitFor } from '../support/harness';

let env: Env;

before(async () => {
  env = await startEnv('roles');
});
after(async () => {
  await env?.close();
});

/** Pollers per queue and kind, as the server reports them. */
async function pollers(queue: string) {
  const n = (q: string, kind: 'workflow' | 'activity') => queuePollers(env.client, 'default', q, kind);
  return {
    mainWorkflow: await n(queue, 'workflow'),
    mainActivity: await n(queue, 'activity'),
    judge: await n(`${queue}-judge`, 'activity'),
    sandbox: await n(`${queue}-sandbox`, 'activity'),
  };
}

async function withWorker(queue: string, args: string[], check: (log: () => string) => Promise<void>) {
  const logFile = path.join(env.stack.dir, `worker-${queue}.log`);
  const child = spawnWorker(env.childEnv, logFile, ['--task-queue', queue, ...args]);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  try {
    await Promise.race([
      waitFor('the worker ready line', () => /evalflow worker: .*\(Ctrl-C stops\)/.test(log()), 60_000),
      exited.then((code) => {
        throw new Error(`worker exited (${code}) before it was ready: ${log()}`);
      }),
    ]);
    await check(log);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

test('--role judge polls the judge queue only: no workflow, main-queue or sandbox pollers', async () => {
  const q = 'roles-judge-only';
  await withWorker(q, ['--role', 'judge'], async (log) => {
    await waitFor('a judge poller', async () => (await pollers(q)).judge > 0, 30_000);
    // All of a process's workers start polling together; give any stray one time to show.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await pollers(q), { mainWorkflow: 0, mainActivity: 0, judge: 1, sandbox: 0 });
    assert.match(log(), new RegExp(`evalflow worker: judge on '${q}-judge' at .*no workflows \\(role main not served\\)`));
  });
});

test('--role main --role sandbox (repeated) serves the main and sandbox queues, not the judge queue', async () => {
  const q = 'roles-main-sandbox';
  await withWorker(q, ['--role', 'main', '--role', 'sandbox'], async (log) => {
    await waitFor('main and sandbox pollers', async () => {
      const p = await pollers(q);
      return p.mainWorkflow > 0 && p.mainActivity > 0 && p.sandbox > 0;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await pollers(q), { mainWorkflow: 1, mainActivity: 1, judge: 0, sandbox: 1 });
    assert.match(log(), new RegExp(`main on '${q}', sandbox on '${q}-sandbox' at `));
  });
});

test('--role main,judge (a comma list) with --no-sandbox: main and judge; the default is every role', async () => {
  const q = 'roles-main-judge';
  await withWorker(q, ['--role', 'main,judge', '--no-sandbox'], async () => {
    await waitFor('main and judge pollers', async () => {
      const p = await pollers(q);
      return p.mainWorkflow > 0 && p.mainActivity > 0 && p.judge > 0;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await pollers(q), { mainWorkflow: 1, mainActivity: 1, judge: 1, sandbox: 0 });
  });
  const all = 'roles-default';
  await withWorker(all, [], async (log) => {
    await waitFor('every role polling', async () => Object.values(await pollers(all)).every((n) => n === 1), 30_000);
    assert.match(log(), new RegExp(`main on '${all}', judge on '${all}-judge', sandbox on '${all}-sandbox' at `));
  });
});

test('an unknown role, or --no-sandbox leaving nothing, stops the worker at once with what to write', async () => {
  const bad = await runCli(['worker', '--role', 'main,judges'], env.childEnv, 30_000);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown worker role "judges" in --role; use all, main, judge, sandbox/);
  const none = await runCli(['worker', '--role', 'sandbox', '--no-sandbox'], env.childEnv, 30_000);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--no-sandbox with --role sandbox leaves no role to serve/);
  // Nothing polled: the queues of the default task queue are untouched.
  assert.deepEqual(await pollers(env.taskQueue), { mainWorkflow: 0, mainActivity: 0, judge: 0, sandbox: 0 });
});

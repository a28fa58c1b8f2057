/**
 * A custom benchmark from a module outside the built-in registry, named on
 * the command line: `evalflow worker --benchmark-module FILE` runs it and
 * `evalflow run --benchmark-module FILE --wait` plans, starts and reports it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as YAML from 'yaml';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { CLI, REPO, type Env, runCli, startEnv, waitFor } from '../support/harness';

const MODULE = path.join(REPO, 'dist', 'examples', 'arithmetic-benchmark.js');
let env: Env;
let ep: FakeEndpoint;
let worker: ChildProcess;

before(async () => {
  env = await startEnv('custom');
  ep = await startFakeEndpoint({
    port: 0,
    models: ['arith-model'],
    answer: (req) => {
      const m = /What is (\d+) ([+*]) (\d+)\?/.exec(req.messages?.at(-1)?.content ?? '');
      return { content: m ? `\\boxed{${m[2] === '+' ? Number(m[1]) + Number(m[3]) : 0}}` : '' };
    },
  });
  const log = path.join(env.stack.dir, 'worker.log');
  worker = spawn(process.execPath, [CLI, 'worker', '--benchmark-module', MODULE], { env: env.childEnv, stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')] });
  await waitFor('the worker to start', () => fs.readFileSync(log, 'utf8').includes('custom benchmarks: example_arithmetic'), 60_000);
});
after(async () => {
  worker?.kill('SIGTERM');
  await ep?.close();
  await env?.close();
});

test('evalflow run/worker --benchmark-module run a custom benchmark end to end', async () => {
  const file = path.join(env.stack.dir, 'custom.yaml');
  fs.writeFileSync(
    file,
    YAML.stringify({
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'arith-model' } },
      evaluation: { tasks: [{ name: 'example_arithmetic', dataset_dir: path.join(REPO, 'examples', 'data') }] },
    }),
  );
  const without = await runCli(['run', '--config', file, '--dry-run'], env.childEnv);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /unknown task 'example_arithmetic'/);
  assert.match(without.stderr, /--benchmark-module/);

  const r = await runCli(['run', '--config', file, '--benchmark-module', MODULE, '--run-id', 'custom-1', '--wait'], env.childEnv);
  assert.equal(r.code, 0, r.stderr);
  // Additions right (6 of 12), products answered 0.
  assert.match(r.stdout, /example_arithmetic\s+pass@1\s+symbolic_correct\s+50\.00/);
});

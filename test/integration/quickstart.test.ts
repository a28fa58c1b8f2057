/**
 * The README's first command, as a user runs it: `npm run quickstart` (scripts/quickstart.sh)
 * and `npm run quickstart -- --real-model`, on private ports and a fresh EVALFLOW_HOME so a
 * developer's own `evalflow dev up` stack is untouched. The script's own steps run (setup,
 * dev up, the endpoint, a worker, `run --wait`); only the build is skipped
 * (EVALFLOW_QUICKSTART_NO_BUILD=1: other test processes read dist/ meanwhile).
 * A change to what the script waits for (e.g. the worker's start line) fails here, not on a
 * new user's machine.
 */
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getFreePort } from '../../lib/operator/infra/dev';
import { testModelPath } from '../../lib/operator/gguf-model';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-quickstart-'));
let env: NodeJS.ProcessEnv;

function sh(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} timed out after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

after(async () => {
  if (env) await sh(['-c', 'node bin/evalflow.js dev down'], 60_000).catch(() => undefined);
  fs.rmSync(home, { recursive: true, force: true });
});

test('npm run quickstart: the scripted demo model, labelled as such, through a real stack to a results table', async () => {
  const [temporal, ui, s3, demo] = [await getFreePort(), await getFreePort(), await getFreePort(), await getFreePort()];
  env = { ...process.env, EVALFLOW_HOME: home, EVALFLOW_QUICKSTART_NO_BUILD: '1', EVALFLOW_DEMO_PORT: String(demo), EVALFLOW_GGUF_PORT: String(await getFreePort()),
    EVALFLOW_TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`, EVALFLOW_TEMPORAL_UI: `http://127.0.0.1:${ui}`, EVALFLOW_S3_ENDPOINT: `http://127.0.0.1:${s3}` };
  for (const k of ['EVALFLOW_S3_ACCESS_KEY', 'EVALFLOW_S3_SECRET_KEY', 'EVALFLOW_S3_BUCKET', 'EVALFLOW_TASK_QUEUE', 'EVALFLOW_NAMESPACE']) delete env[k];
  const r = await sh(['scripts/quickstart.sh'], 240_000);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /starting the SCRIPTED DEMO MODEL \(not a real LLM\)/);
  assert.match(r.out, /results of quickstart-\S+/);
  assert.match(r.out, /gsm8k\s+pass@1\[avg-of-2\]\s+symbolic_correct\s+\d+\.\d\d/);
  assert.match(r.out, /ns_mmlu_pro\s+pass@1\s+symbolic_correct\s+\d+\.\d\d/);
  assert.match(r.out, /model 'demo-model' is evalflow's SCRIPTED DEMO MODEL, not a real LLM/);
});

test('npm run quickstart -- --real-model: the Gemma 3 270M base GGUF served on this CPU, labelled as measuring nothing', async () => {
  assert.ok(fs.existsSync(testModelPath()), `the test model ${testModelPath()} (scripts/setup-model.sh, run by setup-tests.sh)`);
  const r = await sh(['scripts/quickstart.sh', '--real-model'], 300_000);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /starting a REAL model on this CPU/);
  assert.match(r.out, /results of quickstart-\S+/);
  // Real tokens from the model's tokenizer: 5 + 5 calls capped at 128 completion tokens each.
  const total = /run total: model (\d+) calls, (\d+) prompt \+ (\d+) completion tokens/.exec(r.out);
  assert.ok(total, r.out);
  assert.equal(Number(total[1]), 15);
  assert.ok(Number(total[2]) > 0 && Number(total[3]) > 0 && Number(total[3]) <= 15 * 128, total[0]);
  assert.match(r.out, /not how good any model is/);
});

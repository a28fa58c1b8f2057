/**
 * Temporary S3 credentials that expire mid-run, for real. MinIO's STS gives
 * at least 900 s (its DurationSeconds minimum), so this test takes ~16
 * minutes, nearly all of it waiting: scripts/run-tests.js starts every
 * `*.slow.test.js` in a second process beside the rest of the suite.
 *
 * A worker with AWS_* session credentials runs gsm8k against MinIO over TLS;
 * the first answers come at once and are stored, then the scripted endpoint
 * answers slowly (100 s each) so that the run is still going when the token
 * expires. The task fails with
 * the expired-token message (the run's status shows it; the CLI's reads with
 * the old token say the same), every object stored before is still there
 * unchanged, and after a restart with fresh STS credentials `evalflow resume`
 * finishes the run, paying no call that was stored before the expiry again
 * (only the few answered after it, which could not be stored, once more).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { ArtifactStore } from '../../lib/engine/store';
import type { ScoreRecord } from '../../lib/records/artifacts';
import { datasetsDir, demoConfig, runCli, spawnWorker, waitFor } from '../support/harness';
import { assumeRole, awsEnv, startTlsStack, type StsCredentials, type TlsStack } from '../support/s3-tls';

const BUCKET = 'evalflow-expiry';
const RUN = 'expiry-1';
const SAMPLES = 40;
const PARALLELISM = 2;
/** Requests answered at once (and stored) before the endpoint starts holding. */
const ANSWERED_EARLY = 8;
/** Longest a request is held: (SAMPLES - ANSWERED_EARLY) / PARALLELISM × this must outlast the token (900 s). */
const HOLD_MAX_MS = 100_000;

let dir: string;
let stack: TlsStack;
let demo: FakeEndpoint;
let connection: Connection;
let client: Client;
let first: StsCredentials;
let holdUntil = 0;
let base: NodeJS.ProcessEnv;

before(async () => {
  datasetsDir();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-expiry-'));
  stack = await startTlsStack(dir);
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection });
  first = await assumeRole(stack, 900); // MinIO's minimum
  holdUntil = first.expiresAt.getTime() + 15_000;
  demo = await startDemoEndpoint({
    port: 0,
    datasetsDir: datasetsDir(),
    // The first answers at once; later ones slowly (each well within the client's 300 s header timeout,
    // so none times out) until the token has expired, then at once again.
    latencyMs: () => (demo.stats().succeeded < ANSWERED_EARLY ? 5 : Math.max(5, Math.min(HOLD_MAX_MS, holdUntil - Date.now()))),
  });
  base = {
    ...process.env,
    EVALFLOW_TEMPORAL_ADDRESS: stack.temporalAddress,
    EVALFLOW_TEMPORAL_UI: stack.uiUrl,
    EVALFLOW_TASK_QUEUE: 'evalflow-test-expiry',
    EVALFLOW_HOME: path.join(dir, 'home'),
  };
});
after(async () => {
  await demo?.close();
  await connection?.close();
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every object of the bucket with its text, read with the root keys (which never expire). */
async function snapshot(root: ArtifactStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await root.list('')) out.set(key, (await root.getText(key)) ?? '');
  return out;
}

test('credentials that expire mid-run: the task fails with the expired-token message, nothing stored is lost, resume with fresh credentials finishes without paying again', async (t) => {
  const root = new ArtifactStore({
    endpoint: stack.s3Endpoint, accessKey: stack.accessKey, secretKey: stack.secretKey, bucket: BUCKET, prefix: '', region: 'us-east-1', caBundle: stack.certs.caFile,
  });
  const cfgFile = path.join(dir, 'expiry.yaml');
  // request_timeout beyond the hold: the held requests are answered, not timed out and retried.
  const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: SAMPLES } }], { parallelism: PARALLELISM, request_timeout: 1800 }, { shard_size: 6, shard_parallelism: 1 });
  fs.writeFileSync(cfgFile, YAML.stringify(cfg));

  const oldEnv = awsEnv(base, stack, first, BUCKET);
  const workerA = spawnWorker(oldEnv, path.join(dir, 'worker-a.log'));
  let before: Map<string, string>;
  let servedBefore: Record<string, number>;
  try {
    const r = await runCli(['run', '--config', cfgFile, '--run-id', RUN], oldEnv);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the early answers to be stored', async () => demo.stats().succeeded >= ANSWERED_EARLY && (await root.list(`cache/calls/`)).length > 0, 120_000);
    await waitFor('requests being held', () => demo.stats().requests > demo.stats().succeeded, 60_000);
    // Just before the expiry: what the run has stored so far, and what was paid.
    await new Promise((r) => setTimeout(r, Math.max(0, first.expiresAt.getTime() - 20_000 - Date.now())));
    before = await snapshot(root);
    servedBefore = { ...demo.stats().servedByPayload };
    assert.ok(before.size > 0);

    const failure = await client.workflow.getHandle(RUN).result().then(
      () => assert.fail('the run must fail once its credentials expired'),
      (e: Error) => e,
    );
    const chain: string[] = [];
    for (let e: unknown = failure; e instanceof Error; e = e.cause) chain.push(e.message);
    assert.match(chain.join(' | '), /(ExpiredToken|InvalidAccessKeyId); the session token has expired \(at /, chain.join(' | '));
  } finally {
    workerA.kill('SIGTERM');
    await new Promise((r) => workerA.once('exit', r));
  }
  assert.ok(Date.now() >= first.expiresAt.getTime(), 'the run failed only after the token expired');
  const servedByA = { ...demo.stats().servedByPayload };

  // The CLI's reads with the expired token say the same.
  for (const args of [['status', RUN], ['results', RUN], ['pull', RUN, '--out', path.join(dir, 'pulled-old')]]) {
    const r = await runCli(args, oldEnv);
    assert.equal(r.code, 1, `evalflow ${args[0]} with the expired token must fail`);
    assert.match(r.stderr, /the session token has expired \(at .*AWS_SESSION_TOKEN.*restart the worker, then 'evalflow resume RUN'/, r.stderr);
  }

  // Nothing stored before the expiry is lost or changed.
  const afterFailure = await snapshot(root);
  for (const [key, text] of before) assert.equal(afterFailure.get(key), text, `${key} kept as it was`);

  // Fresh credentials: the status shows the failure, a restarted worker and resume finish the run.
  const fresh = await assumeRole(stack);
  const newEnv = awsEnv(base, stack, fresh, BUCKET);
  const workerB = spawnWorker(newEnv, path.join(dir, 'worker-b.log'));
  try {
    const status = await runCli(['status', RUN], newEnv);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /failed/i);
    assert.match(status.stdout, /session token has expired/, status.stdout);
    const r = await runCli(['resume', RUN], newEnv);
    assert.equal(r.code, 0, r.stderr);
    await client.workflow.getHandle(RUN).result();
  } finally {
    workerB.kill('SIGTERM');
    await new Promise((r) => workerB.once('exit', r));
  }

  const scores: ScoreRecord[] = [];
  for (const k of await root.list(`runs/${RUN}/gsm8k/scores/`)) scores.push(...((await root.getJsonl<ScoreRecord>(k)) ?? []));
  assert.equal(new Set(scores.map((s) => s.sample_id)).size, SAMPLES, 'every sample scored');
  assert.ok(await root.exists(`runs/${RUN}/gsm8k/results.json`));
  const served = demo.stats().servedByPayload;
  assert.equal(Object.keys(served).length, SAMPLES, 'one distinct request per sample');
  for (const [hash, n] of Object.entries(servedBefore)) assert.equal(served[hash], n, `a request answered and stored before the expiry is not paid again (${hash})`);
  // Paid again: only calls the first worker was answered after its last successful write (the token
  // had expired, so their responses could not be stored) — each exactly once more.
  const repeated = Object.entries(served).filter(([, n]) => n > 1);
  for (const [hash, n] of repeated) {
    assert.equal(servedBefore[hash], undefined, `${hash} was stored before the expiry and must not be paid again`);
    assert.equal(servedByA[hash], 1, `${hash} was answered to the first worker once`);
    assert.equal(n, 2, `${hash} paid once more after the resume, not more`);
  }
  t.diagnostic(`paid again after the resume: ${repeated.length} calls answered after the expiry; stored before it: ${Object.keys(servedBefore).length}`);
});

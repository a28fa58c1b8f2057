/**
 * S3 the way a production cluster serves it, for real: MinIO over TLS with a
 * private CA (AWS_CA_BUNDLE) and temporary credentials from MinIO's STS
 * AssumeRole (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
 * A worker and the CLI, given only AWS_* variables, run a suite and store its
 * artifacts with the session token; a wrong CA and a tampered token fail at
 * once with messages naming the setting; with no keys at all, the provider
 * chain (container credentials) supplies them. Expiry mid-run takes MinIO's
 * 15-minute minimum: s3-expiry.slow.test.ts, run beside the suite.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { loadStorageSettings } from '../../lib/config/settings';
import { ArtifactStore } from '../../lib/engine/store';
import { datasetsDir, demoConfig, runCli, spawnWorker } from '../support/harness';
import { assumeRole, awsEnv, startTlsStack, type StsCredentials, type TlsStack } from '../support/s3-tls';

const BUCKET = 'evalflow-tls-sts';
const RUN = 'tls-sts-1';
let dir: string;
let stack: TlsStack;
let demo: FakeEndpoint;
let connection: Connection;
let client: Client;
let creds: StsCredentials;
let base: NodeJS.ProcessEnv;

before(async () => {
  datasetsDir();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-tls-sts-'));
  stack = await startTlsStack(dir);
  demo = await startDemoEndpoint({ port: 0, latencyMs: 5, datasetsDir: datasetsDir() });
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection });
  creds = await assumeRole(stack);
  base = {
    ...process.env,
    EVALFLOW_TEMPORAL_ADDRESS: stack.temporalAddress,
    EVALFLOW_TEMPORAL_UI: stack.uiUrl,
    EVALFLOW_TASK_QUEUE: 'evalflow-test-tls-sts',
    EVALFLOW_HOME: path.join(dir, 'home'),
  };
});
after(async () => {
  await demo?.close();
  await connection?.close();
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 12 } }], {}, { shard_size: 6 })));
  return file;
}

/** A store that reads what the worker wrote, with the same AWS_* settings. */
function storeFor(env: NodeJS.ProcessEnv): ArtifactStore {
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('EVALFLOW_S3_') || k.startsWith('AWS_')) delete process.env[k];
    Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('EVALFLOW_S3_') || k.startsWith('AWS_'))));
    return new ArtifactStore(loadStorageSettings());
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

test('TLS + STS: a worker and the CLI with only AWS_* variables run a suite; its artifacts are stored with the session token', async () => {
  const env = awsEnv(base, stack, creds, BUCKET);
  const store = storeFor(env);
  assert.equal(store.settings.sessionToken, creds.sessionToken);
  assert.equal(store.settings.sources?.sessionToken, 'AWS_SESSION_TOKEN');
  const worker = spawnWorker(env, path.join(dir, 'worker.log'));
  try {
    const r = await runCli(['run', '--config', configFile('ok'), '--run-id', RUN], env);
    assert.equal(r.code, 0, r.stderr);
    await client.workflow.getHandle(RUN).result();
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
  }
  const results = await store.getJson<{ results: { tasks: Record<string, unknown> } }>(`runs/${RUN}/gsm8k/results.json`);
  assert.ok(results?.results.tasks.gsm8k, 'results.json written over TLS with temporary credentials');
  assert.ok((await store.list(`runs/${RUN}/gsm8k/generations/`)).length >= 2, 'generation shards stored');
  const shown = await runCli(['results', RUN], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /gsm8k/);
  const pulled = await runCli(['pull', RUN, '--out', path.join(dir, 'pulled')], env);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'pulled', 'artifacts', 'gsm8k', 'results.json')));
  // The session token is what admits these keys: without it MinIO refuses them.
  const noToken = await runCli(['results', RUN], { ...env, AWS_SESSION_TOKEN: '' });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /refused/);
});

test('a CA bundle that did not sign the server certificate: a clear error naming AWS_CA_BUNDLE, nothing started', async () => {
  const env = { ...awsEnv(base, stack, creds, BUCKET), AWS_CA_BUNDLE: stack.certs.wrongCaFile };
  const r = await runCli(['run', '--config', configFile('wrong-ca'), '--run-id', 'tls-wrong-ca'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /TLS certificate not trusted/);
  assert.match(r.stderr, new RegExp(`AWS_CA_BUNDLE=${stack.certs.wrongCaFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not hold the CA`));
  const none = await runCli(['results', RUN], { ...env, AWS_CA_BUNDLE: '' });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /set AWS_CA_BUNDLE to the PEM file of the CA/);
  await assert.rejects(client.workflow.getHandle('tls-wrong-ca').describe(), /not found/i);
});

test('a tampered session token: refused at once as invalid, naming AWS_SESSION_TOKEN', async () => {
  const t = creds.sessionToken;
  const tampered = t.slice(0, -6) + (t.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
  const env = { ...awsEnv(base, stack, creds, BUCKET), AWS_SESSION_TOKEN: tampered };
  const started = Date.now();
  for (const args of [['results', RUN], ['status', RUN], ['run', '--config', configFile('tampered'), '--run-id', 'tls-tampered']]) {
    const r = await runCli(args, env);
    assert.equal(r.code, 1, `evalflow ${args[0]} must fail`);
    assert.match(r.stderr, /InvalidTokenId; the session token was refused as invalid/, `evalflow ${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /AWS_SESSION_TOKEN/);
  }
  assert.ok(Date.now() - started < 60_000, 'refused at once, not retried');
});

test('a wrong secret key and an unknown bucket: refused at once, naming the variables to fix', async () => {
  const env = awsEnv(base, stack, creds, BUCKET);
  const wrong = await runCli(['results', RUN], { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused .*: SignatureDoesNotMatch; check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY/, wrong.stderr);
  const nobucket = await runCli(['results', RUN], { ...env, EVALFLOW_S3_BUCKET: 'evalflow-no-such-bucket' });
  assert.equal(nobucket.code, 1);
  assert.match(nobucket.stderr, /NoSuchBucket; bucket 'evalflow-no-such-bucket' does not exist; .*set EVALFLOW_S3_BUCKET/, nobucket.stderr);
});

test('no keys at all: the provider chain (container credentials endpoint) supplies temporary credentials', async () => {
  let served = 0;
  const fresh = await assumeRole(stack);
  const creds = http.createServer((req, res) => {
    served++;
    assert.equal(req.headers.authorization, 'secret-container-token');
    res.setHeader('content-type', 'application/json');
    // Said to expire in 5 s (the token itself lasts longer): inside the provider's 10 s margin, so it fetches again before each request.
    const expiration = served === 1 ? fresh.expiresAt : new Date(Date.now() + 5000);
    res.end(JSON.stringify({ Code: 'Success', AccessKeyID: fresh.accessKey, SecretAccessKey: fresh.secretKey, Token: fresh.sessionToken, Expiration: expiration.toISOString() }));
  });
  await new Promise<void>((r) => creds.listen(0, '127.0.0.1', r));
  try {
    const port = (creds.address() as { port: number }).port;
    const env = {
      ...awsEnv(base, stack, undefined, BUCKET),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/creds`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'secret-container-token',
    };
    // A container credentials variable: the provider chain, not the dev default, even for a local endpoint.
    const r = await runCli(['results', RUN], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /gsm8k/);
    assert.ok(served >= 1, 'the credentials endpoint was asked');
    // Credentials about to expire are fetched again (refresh), and the requests go on with the new ones.
    served = 1;
    const again = await runCli(['results', RUN], env);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(served >= 3, `credentials about to expire are fetched again before the next request (${served - 1} fetches)`);
  } finally {
    await new Promise((r) => creds.close(r));
  }
});

/**
 * Temporal behind mTLS and API keys, for real (issue #13; docs/operations.md,
 * "Connecting to a production Temporal"): Debian's nginx terminates TLS in
 * front of the dev server, requires a client certificate signed by its CA,
 * logs every request's authorization header and refuses a wrong API key the
 * way Temporal does (test/support/grpc-proxy.ts). evalflow reaches it through
 * Temporal's own settings — TEMPORAL_* variables or a TOML profile — with
 * EVALFLOW_TEMPORAL_ADDRESS removed from the children's environment.
 *
 * A worker and the CLI run a suite through the proxy; each connection mistake
 * (no client certificate, wrong CA, refused API key, plaintext against TLS and
 * back, a namespace that does not exist) makes both fail within seconds with
 * a message naming the setting — the worker does not sit in its retry loop.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { getResults } from '../../lib/operator/client';
import { datasetsDir, demoConfig, type Env, runCli, spawnWorker, startEnv, waitFor } from '../support/harness';
import { startGrpcProxy, type GrpcProxy } from '../support/grpc-proxy';

let env: Env;
let demo: FakeEndpoint;
let proxy: GrpcProxy;
let dir: string;
let configFile: string;
/** The children's environment without EVALFLOW_TEMPORAL_ADDRESS (it would win over TEMPORAL_*) and without a user's Temporal config. */
let base: NodeJS.ProcessEnv;

before(async () => {
  env = await startEnv('tls');
  dir = path.join(env.stack.dir, 'tls');
  demo = await startDemoEndpoint({ port: 0, latencyMs: 1, datasetsDir: datasetsDir() });
  proxy = await startGrpcProxy(env.stack.temporalAddress, dir);
  configFile = path.join(dir, 'suite.yaml');
  fs.writeFileSync(configFile, YAML.stringify(demoConfig(demo.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 4 } }])));
  base = { ...env.childEnv, XDG_CONFIG_HOME: path.join(dir, 'no-config') };
  delete base.EVALFLOW_TEMPORAL_ADDRESS;
  for (const k of Object.keys(base)) if (k.startsWith('TEMPORAL_')) delete base[k];
});
after(async () => {
  await proxy?.stop();
  await demo?.close();
  await env?.close();
});

function mtls(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...base,
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: proxy.certs.ca,
    TEMPORAL_TLS_CLIENT_CERT_PATH: proxy.certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: proxy.certs.clientKey,
    ...extra,
  };
}

/** `evalflow worker` and `evalflow run --wait` with this environment; the worker stops afterwards. */
async function runSuite(childEnv: NodeJS.ProcessEnv, runId: string): Promise<void> {
  const log = path.join(dir, `${runId}-worker.log`);
  const worker = spawnWorker(childEnv, log);
  try {
    await waitFor('the worker to poll through the proxy', () => fs.existsSync(log) && /evalflow worker: main on '/.test(fs.readFileSync(log, 'utf8')), 60_000);
    const r = await runCli(['run', '-c', configFile, '--run-id', runId, '--wait'], childEnv, 90_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\nworker: ${fs.readFileSync(log, 'utf8')}`);
    assert.match(r.stdout, new RegExp(`results of ${runId}`));
  } finally {
    worker.kill('SIGTERM');
    if (worker.exitCode === null) await once(worker, 'exit');
  }
  const [task] = await getResults(runId, env.store);
  assert.ok(task?.results, `results.json of ${runId}`);
}

test('a worker and the CLI run a suite through the mTLS proxy with TEMPORAL_* variables; the API key goes with every request', async () => {
  const t0 = Date.now();
  await runSuite(mtls({ TEMPORAL_API_KEY: proxy.goodKey, EVALFLOW_TASK_QUEUE: 'tls-vars' }), 'tls-vars');
  console.log(`# suite through the proxy (TEMPORAL_* variables): ${Date.now() - t0} ms`);
  const lines = proxy.accessLog().trim().split('\n');
  // Both went through the proxy: the CLI started the run, the worker polled and completed tasks.
  for (const call of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'RespondActivityTaskCompleted', 'DescribeNamespace']) {
    assert.ok(lines.some((l) => l.includes(`/${call} `)), `the proxy saw ${call}`);
  }
  const without = lines.filter((l) => !l.endsWith(`"Bearer ${proxy.goodKey}"`));
  assert.deepEqual(without, [], 'every request carried the API key');
  console.log(`# ${lines.length} requests through the proxy, each with "authorization: Bearer <key>"`);
});

test('the same through a TOML profile chosen with TEMPORAL_PROFILE (mTLS only)', async () => {
  const toml = path.join(dir, 'temporal.toml');
  fs.writeFileSync(
    toml,
    [
      '[profile.default]',
      'address = "127.0.0.1:1"',
      '',
      '[profile.evals]',
      `address = "${proxy.address}"`,
      'namespace = "default"',
      '[profile.evals.tls]',
      `server_ca_cert_path = "${proxy.certs.ca}"`,
      `client_cert_path = "${proxy.certs.clientCert}"`,
      `client_key_path = "${proxy.certs.clientKey}"`,
      '',
    ].join('\n'),
  );
  const before = proxy.accessLog().length;
  await runSuite({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'evals', EVALFLOW_TASK_QUEUE: 'tls-profile' }, 'tls-profile');
  const mine = proxy.accessLog().slice(before).trim().split('\n');
  assert.ok(mine.some((l) => l.includes('/PollWorkflowTaskQueue ')) && mine.some((l) => l.includes('/StartWorkflowExecution ')), 'through the proxy');
  assert.ok(mine.every((l) => l.endsWith('"-"')), 'no authorization header without an API key');
});

/** The CLI and a worker with this environment: both must exit non-zero within seconds, saying `expected`. */
async function bothFail(name: string, childEnv: NodeJS.ProcessEnv, expected: RegExp): Promise<string> {
  const log = path.join(dir, `${name}-worker.log`);
  const t0 = Date.now();
  const worker = spawnWorker({ ...childEnv, EVALFLOW_TASK_QUEUE: `tls-${name}` }, log);
  const workerDone = once(worker, 'exit').then(([code]) => ({ code: code as number | null, ms: Date.now() - t0 }));
  const cli = runCli(['run', '-c', configFile, '--run-id', `tls-${name}`], childEnv, 60_000).then((r) => ({ ...r, ms: Date.now() - t0 }));
  const timer = setTimeout(() => worker.kill('SIGKILL'), 45_000);
  const [w, c] = await Promise.all([workerDone, cli]);
  clearTimeout(timer);
  const workerLog = fs.readFileSync(log, 'utf8');
  assert.equal(c.code, 1, `${name}: the CLI fails\n${c.stdout}${c.stderr}`);
  assert.match(c.stderr, expected, `${name}: CLI message`);
  assert.equal(w.code, 1, `${name}: the worker exits (code ${w.code}) instead of retrying\n${workerLog}`);
  assert.match(workerLog, expected, `${name}: worker message`);
  assert.doesNotMatch(workerLog, /retrying in/, `${name}: no retry loop`);
  // Seconds: the CLI's own connect timeout is 5 s; the rest is starting Node, slower on a loaded CI host.
  assert.ok(c.ms < 30_000 && w.ms < 30_000, `${name}: within seconds (CLI ${c.ms} ms, worker ${w.ms} ms)`);
  return `${name}: CLI ${c.ms} ms, worker ${w.ms} ms`;
}

test('connection mistakes fail at once, naming the setting, for the CLI and the worker', async () => {
  const noCert = mtls();
  delete noCert.TEMPORAL_TLS_CLIENT_CERT_PATH;
  delete noCert.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const plain = { ...base, TEMPORAL_ADDRESS: proxy.address };
  const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['no-cert', noCert, /requires a client certificate and none is set: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/],
    ['wrong-ca', mtls({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: proxy.certs.otherCa }), /its certificate is not signed by the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH; set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA/],
    ['no-ca', mtls({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '', TEMPORAL_TLS: 'true' }), /signed by a CA this machine does not trust, and no server CA is set; set TEMPORAL_TLS_SERVER_CA_CERT_PATH/],
    ['bad-key', mtls({ TEMPORAL_API_KEY: 'not-the-key' }), /refused the API key from TEMPORAL_API_KEY \(API key refused\): set TEMPORAL_API_KEY to a valid key/],
    ['plain-to-tls', plain, /does not answer plaintext gRPC; it likely expects TLS: set TEMPORAL_TLS=true/],
    ['tls-to-plain', { ...base, TEMPORAL_ADDRESS: env.stack.temporalAddress, TEMPORAL_TLS: 'true' }, /does not speak TLS, but TLS is on \(TEMPORAL_TLS\)/],
    [
      'namespace',
      { ...base, TEMPORAL_ADDRESS: env.stack.temporalAddress, TEMPORAL_NAMESPACE: 'no-such-namespace' },
      /namespace "no-such-namespace" \(TEMPORAL_NAMESPACE\) does not exist on the Temporal server at .*: set TEMPORAL_NAMESPACE \(EVALFLOW_NAMESPACE overrides it\) to an existing namespace, or create it with 'temporal operator namespace create --namespace no-such-namespace'/,
    ],
  ];
  // Three cases (six processes) at a time: each must fail within seconds even while the others start.
  const times: string[] = [];
  for (let i = 0; i < cases.length; i += 3) times.push(...(await Promise.all(cases.slice(i, i + 3).map(([n, e, re]) => bothFail(n, e, re)))));
  for (const t of times) console.log(`# ${t}`);
});

/**
 * Where the Temporal connection settings come from (lib/config/temporal.ts,
 * README "Settings"): EVALFLOW_TEMPORAL_ADDRESS / EVALFLOW_NAMESPACE beat
 * TEMPORAL_*, which beat the TOML profile, which beats the defaults; a config
 * file or profile named explicitly that is not there is an error naming it.
 * The connections themselves are tested against real servers in
 * test/integration/temporal-tls.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveTemporalSettings, temporalConnectionOptions, TemporalConnectionError, explainConnectFailure } from '../../lib/config/temporal';

const DEFAULTS = { address: '127.0.0.1:7233', namespace: 'default' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-temporal-settings-'));
const file = path.join(dir, 'temporal.toml');
fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA PEM');
fs.writeFileSync(
  file,
  [
    '[profile.default]',
    'address = "default-profile:7233"',
    '',
    '[profile.prod]',
    'address = "prod.example:7233"',
    'namespace = "evals-prod"',
    'api_key = "profile-key"',
    '[profile.prod.tls]',
    `server_ca_cert_path = "${path.join(dir, 'ca.pem')}"`,
    'server_name = "temporal.internal"',
    '[profile.prod.grpc_meta]',
    'x-team = "evals"',
  ].join('\n'),
);
// A HOME with no config file, so the machine's own ~/.config/temporalio never leaks in.
const home = path.join(dir, 'home');
const resolve = (env: Record<string, string>) => resolveTemporalSettings({ HOME: home, ...env }, DEFAULTS);

test('nothing set: the defaults, plaintext', () => {
  const t = resolve({});
  assert.equal(t.address, '127.0.0.1:7233');
  assert.equal(t.namespace, 'default');
  assert.equal(t.tls, false);
  assert.equal(t.apiKey, undefined);
  assert.deepEqual(t.sources, { address: 'default', namespace: 'default' });
  assert.equal(t.configFile, path.join(home, '.config', 'temporalio', 'temporal.toml'));
  assert.equal(t.configFileRead, false);
  assert.deepEqual(temporalConnectionOptions(t), { address: '127.0.0.1:7233' });
});

test('the profile beats the defaults; TEMPORAL_* beat the profile; EVALFLOW_* beat TEMPORAL_*', () => {
  const base = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' };
  const fromProfile = resolve(base);
  assert.equal(fromProfile.address, 'prod.example:7233');
  assert.equal(fromProfile.namespace, 'evals-prod');
  assert.equal(fromProfile.apiKey, 'profile-key');
  assert.equal(fromProfile.sources.address, `profile "prod" in ${file} (address)`);
  assert.equal(fromProfile.sources.apiKey, `profile "prod" in ${file} (api_key)`);
  assert.equal(fromProfile.sources.serverCaCert, `profile "prod" in ${file} (tls.server_ca_cert_path/_data)`);
  assert.deepEqual(fromProfile.grpcMeta, { 'x-team': 'evals' });

  const fromTemporal = resolve({ ...base, TEMPORAL_ADDRESS: 'env:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_API_KEY: 'env-key' });
  assert.equal(fromTemporal.address, 'env:7233');
  assert.equal(fromTemporal.namespace, 'env-ns');
  assert.equal(fromTemporal.apiKey, 'env-key');
  assert.deepEqual([fromTemporal.sources.address, fromTemporal.sources.namespace, fromTemporal.sources.apiKey], ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY']);

  const fromEvalflow = resolve({ ...base, TEMPORAL_ADDRESS: 'env:7233', TEMPORAL_NAMESPACE: 'env-ns', EVALFLOW_TEMPORAL_ADDRESS: 'ef:7233', EVALFLOW_NAMESPACE: 'ef-ns' });
  assert.equal(fromEvalflow.address, 'ef:7233');
  assert.equal(fromEvalflow.namespace, 'ef-ns');
  assert.deepEqual([fromEvalflow.sources.address, fromEvalflow.sources.namespace], ['EVALFLOW_TEMPORAL_ADDRESS', 'EVALFLOW_NAMESPACE']);
  // Values the override does not touch still come from the profile.
  assert.equal(fromEvalflow.apiKey, 'profile-key');
});

test('empty variables count as unset', () => {
  const t = resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', EVALFLOW_TEMPORAL_ADDRESS: '', TEMPORAL_ADDRESS: '' });
  assert.equal(t.address, 'prod.example:7233');
});

test('the default profile of the file at TEMPORAL_CONFIG_FILE when no TEMPORAL_PROFILE', () => {
  const t = resolve({ TEMPORAL_CONFIG_FILE: file });
  assert.equal(t.address, 'default-profile:7233');
  assert.equal(t.profile, 'default');
  assert.equal(t.namespace, 'default');
  assert.equal(t.sources.namespace, 'default');
});

test('the file in $XDG_CONFIG_HOME/temporalio/temporal.toml when TEMPORAL_CONFIG_FILE is unset', () => {
  const xdg = path.join(dir, 'xdg');
  fs.mkdirSync(path.join(xdg, 'temporalio'), { recursive: true });
  fs.writeFileSync(path.join(xdg, 'temporalio', 'temporal.toml'), '[profile.default]\nnamespace = "from-xdg"\n');
  const t = resolve({ XDG_CONFIG_HOME: xdg });
  assert.equal(t.namespace, 'from-xdg');
  assert.equal(t.configFileRead, true);
});

test('TLS: on with a profile TLS table, TEMPORAL_TLS*, or an API key; TEMPORAL_TLS=false turns it off', () => {
  const prod = resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
  const opts = temporalConnectionOptions(prod);
  assert.ok(opts.tls);
  assert.equal(Buffer.from(opts.tls.serverRootCACertificate!).toString(), 'CA PEM');
  assert.equal(opts.tls.serverNameOverride, 'temporal.internal');
  assert.equal(opts.apiKey, 'profile-key');
  assert.deepEqual(opts.metadata, { 'x-team': 'evals' });

  assert.deepEqual(temporalConnectionOptions(resolve({ TEMPORAL_API_KEY: 'k' })).tls, {});
  assert.equal(resolve({ TEMPORAL_API_KEY: 'k' }).sources.tls, 'TEMPORAL_API_KEY (an API key turns TLS on)');
  assert.deepEqual(temporalConnectionOptions(resolve({ TEMPORAL_TLS: 'true' })).tls, {});
  assert.equal(resolve({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls, false);
  assert.equal(resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_TLS: 'false' }).tls, false);

  const data = temporalConnectionOptions(resolve({ TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT', TEMPORAL_TLS_CLIENT_KEY_DATA: 'KEY' }));
  assert.ok(data.tls);
  assert.equal(Buffer.from(data.tls.clientCertPair!.crt).toString(), 'CERT');
  assert.equal(Buffer.from(data.tls.clientCertPair!.key).toString(), 'KEY');
});

test('TEMPORAL_GRPC_META_* become gRPC headers', () => {
  const t = resolve({ TEMPORAL_GRPC_META_X_TENANT: 'a' });
  assert.deepEqual(temporalConnectionOptions(t).metadata, { 'x-tenant': 'a' });
});

test('bad inputs fail naming the file, profile or variable', () => {
  const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof TemporalConnectionError && re.test(e.message));
  err(() => resolve({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') }), /TEMPORAL_CONFIG_FILE=.*missing\.toml: no such file/);
  const broken = path.join(dir, 'broken.toml');
  fs.writeFileSync(broken, '[profile.default\naddress = ');
  err(() => resolve({ TEMPORAL_CONFIG_FILE: broken }), /the Temporal config file .*broken\.toml \(TEMPORAL_CONFIG_FILE\) is not valid TOML/);
  err(() => resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }), /TEMPORAL_PROFILE=staging: no \[profile\.staging\] in .*temporal\.toml \(TEMPORAL_CONFIG_FILE\); profiles there: default, prod/);
  err(() => resolve({ TEMPORAL_PROFILE: 'prod' }), /TEMPORAL_PROFILE=prod names a profile, but there is no Temporal config file at .*home\/\.config\/temporalio\/temporal\.toml/);
  err(() => resolve({ TEMPORAL_TLS_CLIENT_CERT_PATH: 'a', TEMPORAL_TLS_CLIENT_CERT_DATA: 'b' }), /Cannot specify both client_cert_path and client_cert_data/);
  err(() => temporalConnectionOptions(resolve({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_DATA: 'k' })), /TEMPORAL_TLS_CLIENT_CERT_PATH names .*nope\.pem, which cannot be read \(no such file\)/);
  err(() => temporalConnectionOptions(resolve({ TEMPORAL_TLS_CLIENT_CERT_DATA: 'c' })), /a client certificate is set \(TEMPORAL_TLS_CLIENT_CERT_DATA\) but no client key: set TEMPORAL_TLS_CLIENT_KEY_PATH/);
  err(() => temporalConnectionOptions(resolve({ TEMPORAL_TLS: '1', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })), /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: Temporal's TypeScript SDK cannot skip/);
});

test('connect failures: settings to fix are named; an unreachable server is not (a worker waits for it)', () => {
  const t = resolve({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TLS: 'true' });
  // The texts below are what the SDK's native connection said against the real proxy (test/integration/temporal-tls.test.ts).
  assert.match(explainConnectFailure(new Error('tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))'), t)!.message, /no server CA is set; set TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
  assert.match(explainConnectFailure(new Error('tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) }))'), t)!.message, /does not speak TLS, but TLS is on \(TEMPORAL_TLS\)/);
  const refused = new Error('tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:1, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))');
  assert.equal(explainConnectFailure(refused, t), undefined);
  assert.equal(explainConnectFailure(new Error('Failed to connect before the deadline'), t), undefined);
});

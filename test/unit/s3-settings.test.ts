/**
 * The artifact store's settings from the environment: EVALFLOW_S3_* over the
 * AWS_* variables over the provider chain over the dev default, each value's
 * source recorded; the store's addressing style and its reading of MinIO's
 * JWT session tokens. (Real TLS, STS and expiry: test/integration/s3-tls-sts*.)
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStorageSettings } from '../../lib/config/settings';
import { ArtifactStore, sessionTokenExpiry, StoreAccessError } from '../../lib/engine/store';

const VARS = [
  'EVALFLOW_S3_ENDPOINT', 'EVALFLOW_S3_ACCESS_KEY', 'EVALFLOW_S3_SECRET_KEY', 'EVALFLOW_S3_SESSION_TOKEN', 'EVALFLOW_S3_BUCKET',
  'EVALFLOW_S3_PREFIX', 'EVALFLOW_S3_REGION', 'EVALFLOW_S3_CA_BUNDLE', 'EVALFLOW_S3_ADDRESSING_STYLE',
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_CA_BUNDLE',
];
let saved: Record<string, string | undefined> = {};
beforeEach(() => {
  saved = {};
  for (const v of VARS) {
    saved[v] = process.env[v];
    delete process.env[v];
  }
});
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

test('nothing set: the local dev MinIO with minioadmin', () => {
  const s = loadStorageSettings();
  assert.equal(s.endpoint, 'http://127.0.0.1:9000');
  assert.equal(s.accessKey, 'minioadmin');
  assert.equal(s.credentialSource, 'dev-default');
  assert.equal(s.region, 'us-east-1');
  assert.equal(s.sources?.endpoint, 'default');
});

test('AWS_* variables configure the store; the session token travels with the AWS key pair', () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: 'https://s3.example.com',
    AWS_ENDPOINT_URL: 'https://other.example.com',
    AWS_ACCESS_KEY_ID: 'AKIA1',
    AWS_SECRET_ACCESS_KEY: 'secret1',
    AWS_SESSION_TOKEN: 'token1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_CA_BUNDLE: '/etc/ca.pem',
  });
  const s = loadStorageSettings();
  assert.equal(s.endpoint, 'https://s3.example.com', 'AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL');
  assert.deepEqual([s.accessKey, s.secretKey, s.sessionToken, s.region, s.caBundle], ['AKIA1', 'secret1', 'token1', 'eu-west-1', '/etc/ca.pem']);
  assert.equal(s.credentialSource, 'static');
  assert.deepEqual(
    [s.sources?.endpoint, s.sources?.accessKey, s.sources?.sessionToken, s.sources?.region, s.sources?.caBundle],
    ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION', 'AWS_CA_BUNDLE'],
  );
  process.env.AWS_REGION = 'eu-central-1';
  assert.equal(loadStorageSettings().region, 'eu-central-1', 'AWS_REGION wins over AWS_DEFAULT_REGION');
});

test('EVALFLOW_S3_* win over AWS_*; keys are taken as a pair from one family', () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: 'https://s3.example.com',
    AWS_ACCESS_KEY_ID: 'AKIA1',
    AWS_SECRET_ACCESS_KEY: 'secret1',
    AWS_SESSION_TOKEN: 'token1',
    AWS_REGION: 'eu-west-1',
    EVALFLOW_S3_ENDPOINT: 'http://minio:9000',
    EVALFLOW_S3_ACCESS_KEY: 'ev',
    EVALFLOW_S3_SECRET_KEY: 'evsecret',
    EVALFLOW_S3_REGION: 'us-west-2',
  });
  const s = loadStorageSettings();
  assert.deepEqual([s.endpoint, s.accessKey, s.secretKey, s.region], ['http://minio:9000', 'ev', 'evsecret', 'us-west-2']);
  assert.equal(s.sessionToken, undefined, "AWS_SESSION_TOKEN belongs to the AWS key pair, not EVALFLOW_S3_*'s");
  assert.equal(s.sources?.accessKey, 'EVALFLOW_S3_ACCESS_KEY');
});

test('half a key pair is refused naming both variables', () => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIA1';
  assert.throws(() => loadStorageSettings(), /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
  delete process.env.AWS_ACCESS_KEY_ID;
  process.env.EVALFLOW_S3_SECRET_KEY = 'x';
  assert.throws(() => loadStorageSettings(), /EVALFLOW_S3_SECRET_KEY is set but EVALFLOW_S3_ACCESS_KEY is not/);
});

test('no keys and a remote endpoint: the provider chain (pod or instance role), no minioadmin', () => {
  process.env.AWS_ENDPOINT_URL_S3 = 'https://s3.eu-west-1.amazonaws.com';
  const s = loadStorageSettings();
  assert.equal(s.credentialSource, 'provider');
  assert.equal(s.accessKey, '');
  const store = new ArtifactStore(s);
  assert.ok((store.client as unknown as { credentialsProvider?: unknown }).credentialsProvider, 'the client has a credentials provider');
});

test('addressing style: path for a custom endpoint, virtual for AWS, the setting overrides; a bad value is refused', () => {
  const pathStyleOf = (endpoint: string, style?: string): boolean => {
    if (style) process.env.EVALFLOW_S3_ADDRESSING_STYLE = style;
    else delete process.env.EVALFLOW_S3_ADDRESSING_STYLE;
    process.env.EVALFLOW_S3_ENDPOINT = endpoint;
    process.env.EVALFLOW_S3_ACCESS_KEY = 'a';
    process.env.EVALFLOW_S3_SECRET_KEY = 'b';
    return (new ArtifactStore(loadStorageSettings()).client as unknown as { pathStyle: boolean }).pathStyle;
  };
  assert.equal(pathStyleOf('https://minio.internal:9000'), true);
  assert.equal(pathStyleOf('https://s3.eu-west-1.amazonaws.com'), false);
  assert.equal(pathStyleOf('https://minio.internal:9000', 'virtual'), false);
  assert.equal(pathStyleOf('https://s3.eu-west-1.amazonaws.com', 'path'), true);
  assert.equal(pathStyleOf('https://s3.eu-west-1.amazonaws.com', 'auto'), false);
  process.env.EVALFLOW_S3_ADDRESSING_STYLE = 'dns';
  assert.throws(() => loadStorageSettings(), /EVALFLOW_S3_ADDRESSING_STYLE="dns" must be path, virtual or auto/);
});

test('an unreadable CA bundle and a malformed endpoint are refused naming the variable', () => {
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: 'https://minio.internal:9000', AWS_CA_BUNDLE: '/nonexistent/ca.pem', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
  assert.throws(() => new ArtifactStore(loadStorageSettings()), (e: unknown) => e instanceof StoreAccessError && /AWS_CA_BUNDLE=\/nonexistent\/ca.pem cannot be read \(ENOENT\)/.test(e.message));
  process.env.AWS_ENDPOINT_URL_S3 = 'minio.internal:9000';
  delete process.env.AWS_CA_BUNDLE;
  assert.throws(() => new ArtifactStore(loadStorageSettings()), /AWS_ENDPOINT_URL_S3 'minio.internal:9000' is not a URL/);
});

test("a JWT session token's expiry is read; an opaque token has none", () => {
  const exp = Math.floor(Date.UTC(2030, 0, 1) / 1000);
  const jwt = ['{"alg":"HS512"}', JSON.stringify({ accessKey: 'X', exp }), 'sig'].map((p, i) => (i < 2 ? Buffer.from(p).toString('base64url') : p)).join('.');
  assert.equal(sessionTokenExpiry(jwt)?.toISOString(), '2030-01-01T00:00:00.000Z');
  assert.equal(sessionTokenExpiry('FwoGZXIvYXdzEJr//////////wEaDOpaque'), undefined);
  assert.equal(sessionTokenExpiry(undefined), undefined);
});

test('no keys, a local endpoint, but a container offers role credentials: the provider chain', () => {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:1/creds';
  try {
    assert.equal(loadStorageSettings().credentialSource, 'provider');
  } finally {
    delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  }
});

test('no keys and a provider chain that gives none: a clear error listing what to set, within its time limit', async () => {
  process.env.AWS_ENDPOINT_URL_S3 = 'https://s3.example.invalid';
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:1/creds'; // nothing listens there
  try {
    const store = new ArtifactStore(loadStorageSettings());
    const started = Date.now();
    await assert.rejects(store.exists('x'), /no S3 credentials: none of AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY or EVALFLOW_S3_ACCESS_KEY\/EVALFLOW_S3_SECRET_KEY is set, and the provider chain .* gave none \(.*ECONNREFUSED/);
    assert.ok(Date.now() - started < 16_000);
  } finally {
    delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  }
});

/**
 * MinIO as a production S3 looks to evalflow: TLS with a private CA (made
 * with the `openssl` CLI, put in MinIO's --certs-dir) and temporary
 * credentials from MinIO's STS AssumeRole (minio-js's own AssumeRoleProvider,
 * signed with the root user's keys). Tests hand evalflow only AWS_* variables.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { AssumeRoleProvider } from 'minio/dist/main/AssumeRoleProvider.js';
import { startStack, type Stack } from './stack';

export interface Certs {
  /** MinIO's --certs-dir: public.crt, private.key */
  certsDir: string;
  /** The CA that signed the server certificate (PEM). */
  caFile: string;
  /** Another CA, which signed nothing MinIO serves (PEM). */
  wrongCaFile: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args[0]} failed (scripts/setup-tests.sh installs the openssl CLI): ${err.stderr?.toString() ?? err.message}`);
  }
}

/** A CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated CA. */
export function makeCerts(dir: string): Certs {
  const certsDir = path.join(dir, 'certs');
  fs.mkdirSync(certsDir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'wrong-ca']) {
    openssl(['req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=evalflow test ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  }
  openssl(['req', ...ec, '-keyout', path.join('certs', 'private.key'), '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-out', path.join('certs', 'public.crt'), '-extfile', 'server.ext'], dir);
  return { certsDir, caFile: path.join(dir, 'ca.pem'), wrongCaFile: path.join(dir, 'wrong-ca.pem') };
}

export interface TlsStack extends Stack {
  certs: Certs;
}

/** A private stack whose MinIO serves https with a private CA's certificate. */
export async function startTlsStack(dir: string): Promise<TlsStack> {
  const certs = makeCerts(dir);
  const stack = await startStack({ minioCertsDir: certs.certsDir });
  return Object.assign(stack, { certs });
}

export interface StsCredentials {
  accessKey: string;
  secretKey: string;
  sessionToken: string;
  expiresAt: Date;
}

/** Temporary credentials from MinIO's STS AssumeRole, signed with `stack`'s root keys. */
export async function assumeRole(stack: TlsStack, durationSeconds = 3600): Promise<StsCredentials> {
  const provider = new AssumeRoleProvider({
    stsEndpoint: stack.s3Endpoint,
    accessKey: stack.accessKey,
    secretKey: stack.secretKey,
    durationSeconds,
    region: 'us-east-1',
    transportAgent: new https.Agent({ ca: fs.readFileSync(stack.certs.caFile) }),
  });
  const creds = await provider.getCredentials();
  const expiresAt = new Date((provider as unknown as { accessExpiresAt: string }).accessExpiresAt);
  if (!creds.sessionToken || Number.isNaN(expiresAt.getTime())) throw new Error('STS AssumeRole answered without a session token or expiry');
  return { accessKey: creds.accessKey, secretKey: creds.secretKey, sessionToken: creds.sessionToken, expiresAt };
}

/**
 * Environment for evalflow processes that reach the store only through the
 * AWS_* variables: every EVALFLOW_S3_* but the bucket removed.
 */
export function awsEnv(base: NodeJS.ProcessEnv, stack: TlsStack, creds: StsCredentials | undefined, bucket: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('EVALFLOW_S3_') && !k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    EVALFLOW_S3_BUCKET: bucket,
    AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
    AWS_REGION: 'us-east-1',
    AWS_CA_BUNDLE: stack.certs.caFile,
  });
  if (creds) {
    Object.assign(env, { AWS_ACCESS_KEY_ID: creds.accessKey, AWS_SECRET_ACCESS_KEY: creds.secretKey, AWS_SESSION_TOKEN: creds.sessionToken });
  }
  return env;
}

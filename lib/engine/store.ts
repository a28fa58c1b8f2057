/**
 * The artifact store: every prompt, response, score and result lives here,
 * in any S3-compatible store (MinIO locally). Keys are deterministic, so an
 * activity that finds its output already written can return it (idempotence).
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as Minio from 'minio';
import type { StorageSettings, StorageSources } from '../config/settings';
import { EvalflowError } from '../records/errors';

/** The store could not be reached or answered with a server error: worth retrying. */
export class StoreUnavailableError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'store', retryable: true });
  }
}
/** The store refused us (credentials, permissions): retrying will not help. */
export class StoreAccessError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'store', retryable: false });
  }
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);
const ACCESS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NoSuchBucket']);
/** S3 codes of a refused session token (AWS: ExpiredToken, InvalidToken; MinIO: InvalidTokenId, and InvalidAccessKeyId once a temporary key expired). */
const TOKEN_REFUSED = new Set(['ExpiredToken', 'InvalidToken', 'InvalidTokenId', 'TokenRefreshRequired']);
/** Node's codes for a server certificate that does not verify against the trusted CAs. */
const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const PROVIDER_TIMEOUT_MS = 15_000;

/** Default sources, for settings built by hand (tests, tools) without them. */
const LEGACY_SOURCES: StorageSources = {
  endpoint: 'EVALFLOW_S3_ENDPOINT',
  accessKey: 'EVALFLOW_S3_ACCESS_KEY',
  secretKey: 'EVALFLOW_S3_SECRET_KEY',
  sessionToken: 'EVALFLOW_S3_SESSION_TOKEN',
  region: 'EVALFLOW_S3_REGION',
  bucket: 'EVALFLOW_S3_BUCKET',
  caBundle: 'AWS_CA_BUNDLE',
  addressingStyle: 'EVALFLOW_S3_ADDRESSING_STYLE',
};

/** `name` when a variable was set, else the variable to set (the first of the family). */
function settingName(source: string | undefined, fallback: string): string {
  return source && source !== 'default' && source !== 'provider chain' ? source : fallback;
}

/** AWS's own S3 hosts, which want virtual-host-style requests. */
function isAwsHost(host: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host);
}

/** The expiry (`exp`) of a JWT session token such as MinIO's STS issues; undefined for opaque tokens (AWS's). */
export function sessionTokenExpiry(token: string | undefined): Date | undefined {
  const parts = token?.split('.');
  if (!parts || parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * minio's provider chain (web identity token file, container credentials,
 * instance metadata; refreshed 10 s before they expire) with a time limit —
 * off a cloud the metadata address may never answer — and an error that says
 * which settings would have given credentials.
 */
class BoundedIamProvider extends Minio.IamAwsProvider {
  constructor() {
    super({});
  }
  override async getCredentials(): ReturnType<Minio.IamAwsProvider['getCredentials']> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        super.getCredentials(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PROVIDER_TIMEOUT_MS / 1000} s`)), PROVIDER_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      throw new StoreUnavailableError(
        `no S3 credentials: none of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or EVALFLOW_S3_ACCESS_KEY/EVALFLOW_S3_SECRET_KEY is set, ` +
          `and the provider chain (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI, instance metadata) gave none ` +
          `(${e instanceof Error ? e.message : String(e)}); set the keys or run where a pod or instance role provides them`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

function errCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e) return String((e as { code: unknown }).code);
  return undefined;
}

export interface StoreOptions {
  /**
   * How long an operation keeps retrying while the store is unreachable
   * (connection refused, 5xx) before it fails. Workers ride out a MinIO
   * restart with this (a paid response waiting to be cached must not be
   * dropped); interactive commands use 0 and report at once.
   */
  retryForMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ArtifactStore {
  readonly client: Minio.Client;
  readonly bucket: string;
  private readonly prefix: string;
  private readonly where: string;
  private readonly retryForMs: number;

  private readonly sources: StorageSources;

  constructor(readonly settings: StorageSettings, opts: StoreOptions = {}) {
    this.retryForMs = opts.retryForMs ?? 0;
    this.sources = { ...LEGACY_SOURCES, ...settings.sources };
    let url: URL;
    try {
      url = new URL(settings.endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw new StoreAccessError(
        `${settingName(this.sources.endpoint, 'EVALFLOW_S3_ENDPOINT')} '${settings.endpoint}' is not a URL; write it like http://127.0.0.1:9000 or https://s3.example.com`,
      );
    }
    const useSSL = url.protocol === 'https:';
    let transportAgent: https.Agent | undefined;
    if (settings.caBundle && useSSL) {
      let ca: Buffer;
      try {
        ca = fs.readFileSync(settings.caBundle);
      } catch (e) {
        throw new StoreAccessError(
          `${settingName(this.sources.caBundle, 'AWS_CA_BUNDLE')}=${settings.caBundle} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); ` +
            'point it at a PEM file with the CA certificate(s) that sign the S3 endpoint\'s certificate',
        );
      }
      transportAgent = new https.Agent({ ca, keepAlive: true });
    }
    const pathStyle = settings.addressingStyle ? settings.addressingStyle === 'path' : !isAwsHost(url.hostname);
    const provider = settings.credentialSource === 'provider';
    this.client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      ...(provider
        ? { credentialsProvider: new BoundedIamProvider() }
        : { accessKey: settings.accessKey, secretKey: settings.secretKey, sessionToken: settings.sessionToken }),
      ...(transportAgent ? { transportAgent } : {}),
      region: settings.region,
      pathStyle,
    });
    this.bucket = settings.bucket;
    this.prefix = settings.prefix ? settings.prefix.replace(/\/+$/, '') + '/' : '';
    this.where = `${settings.endpoint}/${settings.bucket}`;
  }

  /** Full object name for a logical key. */
  objectName(key: string): string {
    return this.prefix + key;
  }

  /** A URI a person can paste: s3://bucket/prefix/key */
  uri(key: string): string {
    return `s3://${this.bucket}/${this.objectName(key)}`;
  }

  /** The variables that hold the keys in use, for messages. */
  private keyNames(): string {
    if (this.settings.credentialSource === 'provider') return 'the provider chain (pod or instance role)';
    if (this.settings.credentialSource === 'dev-default') return 'the dev default minioadmin (set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or EVALFLOW_S3_ACCESS_KEY / EVALFLOW_S3_SECRET_KEY)';
    return `${this.sources.accessKey} / ${this.sources.secretKey}`;
  }

  /** The session token in use now (static, or the provider's latest). */
  private currentSessionToken(): string | undefined {
    return (this.client as unknown as { sessionToken?: string }).sessionToken || this.settings.sessionToken || undefined;
  }

  private wrap(e: unknown, what: string): Error {
    // The provider chain's own error, passed through minio's "Unable to get credentials".
    const cause = e instanceof Error ? e.cause : undefined;
    if (cause instanceof StoreAccessError || cause instanceof StoreUnavailableError) return cause;
    const code = errCode(e);
    const token = this.currentSessionToken();
    if (code && (TOKEN_REFUSED.has(code) || (token && code === 'InvalidAccessKeyId'))) {
      const tokenName =
        this.settings.credentialSource === 'provider' ? 'the session token from the provider chain' : settingName(this.sources.sessionToken, 'AWS_SESSION_TOKEN');
      const expiry = sessionTokenExpiry(token);
      const expired = code === 'ExpiredToken' || (expiry !== undefined && expiry.getTime() <= Date.now());
      const state = expired
        ? `the session token has expired${expiry ? ` (at ${expiry.toISOString()})` : ''}`
        : `the session token was refused as invalid`;
      return new StoreAccessError(
        `artifact store ${this.where} refused ${what}: ${code}; ${state}: get fresh temporary credentials ` +
          `(${this.keyNames()} with ${tokenName}) and restart the worker, then 'evalflow resume RUN' finishes the run from what is stored ` +
          '(see docs/operations.md, "Connecting to a production S3")',
      );
    }
    if (code && ACCESS.has(code)) {
      let hint: string;
      if (code === 'NoSuchBucket') {
        hint = `bucket '${this.bucket}' does not exist; run 'evalflow dev up' or create it, or set ${settingName(this.sources.bucket, 'EVALFLOW_S3_BUCKET')}`;
      } else if (code === 'AccessDenied') {
        hint = `the keys (${this.keyNames()}) may not read, write or list bucket '${this.bucket}'; grant them s3:GetObject, s3:PutObject and s3:ListBucket on it, or use keys that have them`;
      } else {
        hint = `check ${this.keyNames()}`;
      }
      return new StoreAccessError(`artifact store ${this.where} refused ${what}: ${code}; ${hint}`);
    }
    if (code && TLS_UNTRUSTED.has(code)) {
      const ca = this.settings.caBundle;
      const caName = settingName(this.sources.caBundle, 'AWS_CA_BUNDLE');
      const hint = ca
        ? `${caName}=${ca} does not hold the CA that signed the server's certificate (or the certificate does not name host '${new URL(this.settings.endpoint).hostname}'); point ${caName} at the right CA's PEM file`
        : `the server's certificate is not signed by a CA this machine trusts; set AWS_CA_BUNDLE to the PEM file of the CA that signed it`;
      return new StoreAccessError(`artifact store ${this.where}: TLS certificate not trusted during ${what}: ${code}; ${hint}`);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new StoreUnavailableError(
      `artifact store ${this.where} unavailable during ${what}: ${code ?? ''} ${msg}`.replace(/\s+/g, ' ').trim() +
        `; is MinIO running? ('evalflow dev status')`,
    );
  }

  /**
   * A HEAD answer has no body, so minio reports any 403 to `bucketExists` as
   * AccessDenied; a GET on the bucket carries the server's real code
   * (InvalidTokenId, InvalidAccessKeyId, SignatureDoesNotMatch, …).
   */
  private async explainDenied(headError: unknown): Promise<unknown> {
    try {
      await this.client.getBucketVersioning(this.bucket);
      return headError;
    } catch (e) {
      return errCode(e) ? e : headError;
    }
  }

  /** Run `op`, retrying while the store is unavailable (up to retryForMs). */
  private async retrying<T>(what: string, op: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        const err = e instanceof StoreAccessError || e instanceof StoreUnavailableError ? e : this.wrap(e, what);
        if (err instanceof StoreAccessError || Date.now() - started >= this.retryForMs) throw err;
        await sleep(Math.min(8000, 250 * 2 ** attempt));
      }
    }
  }

  /** Create the bucket when missing. Safe to call from many processes at once. */
  async ensureBucket(): Promise<void> {
    await this.retrying('bucket check', async () => {
      try {
        if (await this.client.bucketExists(this.bucket)) return;
        await this.client.makeBucket(this.bucket, this.settings.region);
      } catch (e) {
        const code = errCode(e);
        if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return;
        if (code === 'AccessDenied') throw this.wrap(await this.explainDenied(e), 'bucket check');
        throw this.wrap(e, 'bucket check');
      }
    });
  }

  async putText(key: string, text: string, contentType = 'application/octet-stream'): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    await this.retrying(`write of ${key}`, async () => {
      await this.client.putObject(this.bucket, this.objectName(key), body, body.length, { 'Content-Type': contentType });
    });
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putText(key, JSON.stringify(value, null, 2) + '\n', 'application/json');
  }

  async putJsonl(key: string, rows: readonly unknown[]): Promise<void> {
    await this.putText(key, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''), 'application/x-ndjson');
  }

  /** Object text, or null when the object does not exist. */
  async getText(key: string): Promise<string | null> {
    return this.retrying(`read of ${key}`, async () => {
      try {
        const stream = await this.client.getObject(this.bucket, this.objectName(key));
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      } catch (e) {
        if (NOT_FOUND.has(errCode(e) ?? '')) return null;
        throw e;
      }
    });
  }

  async getJson<T>(key: string): Promise<T | null> {
    const text = await this.getText(key);
    return text === null ? null : (JSON.parse(text) as T);
  }

  async getJsonl<T>(key: string): Promise<T[] | null> {
    const text = await this.getText(key);
    if (text === null) return null;
    return parseJsonl<T>(text);
  }

  async exists(key: string): Promise<boolean> {
    return this.retrying(`lookup of ${key}`, async () => {
      try {
        await this.client.statObject(this.bucket, this.objectName(key));
        return true;
      } catch (e) {
        if (NOT_FOUND.has(errCode(e) ?? '')) return false;
        throw e;
      }
    });
  }

  /** Logical keys under a prefix (recursive). */
  async list(prefix: string): Promise<string[]> {
    return this.retrying(`listing of ${prefix}`, async () => {
      const out: string[] = [];
      const stream = this.client.listObjectsV2(this.bucket, this.objectName(prefix), true);
      for await (const item of stream as AsyncIterable<{ name?: string }>) {
        if (item.name) out.push(item.name.slice(this.prefix.length));
      }
      return out.sort();
    });
  }

  /** Immediate sub-"folders" of a prefix, e.g. run ids under runs/. */
  async listDirs(prefix: string): Promise<string[]> {
    return this.retrying(`listing of ${prefix}`, async () => {
      const out: string[] = [];
      const stream = this.client.listObjectsV2(this.bucket, this.objectName(prefix), false);
      for await (const item of stream as AsyncIterable<{ prefix?: string }>) {
        if (item.prefix) out.push(item.prefix.slice(this.objectName(prefix).length).replace(/\/$/, ''));
      }
      return out.sort();
    });
  }
}

export function parseJsonl<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim()) rows.push(JSON.parse(line) as T);
  }
  return rows;
}

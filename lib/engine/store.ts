/**
 * The artifact store: every prompt, response, score and result lives here,
 * in any S3-compatible store (MinIO locally). Keys are deterministic, so an
 * activity that finds its output already written can return it (idempotence).
 */
import * as Minio from 'minio';
import type { StorageSettings } from '../config/settings';
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

  constructor(readonly settings: StorageSettings, opts: StoreOptions = {}) {
    this.retryForMs = opts.retryForMs ?? 0;
    let url: URL;
    try {
      url = new URL(settings.endpoint);
    } catch {
      throw new StoreAccessError(
        `EVALFLOW_S3_ENDPOINT '${settings.endpoint}' is not a URL; write it like http://127.0.0.1:9000`,
      );
    }
    const useSSL = url.protocol === 'https:';
    this.client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      region: settings.region,
      pathStyle: true,
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

  private wrap(e: unknown, what: string): Error {
    const code = errCode(e);
    if (code && ACCESS.has(code)) {
      const hint =
        code === 'NoSuchBucket'
          ? `bucket '${this.bucket}' does not exist; run 'evalflow dev up' or create it, or set EVALFLOW_S3_BUCKET`
          : 'check EVALFLOW_S3_ACCESS_KEY / EVALFLOW_S3_SECRET_KEY';
      return new StoreAccessError(`artifact store ${this.where} refused ${what}: ${code}; ${hint}`);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new StoreUnavailableError(
      `artifact store ${this.where} unavailable during ${what}: ${code ?? ''} ${msg}`.replace(/\s+/g, ' ').trim() +
        `; is MinIO running? ('evalflow dev status')`,
    );
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

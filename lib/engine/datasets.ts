/**
 * Benchmark data loading: a local dataset directory, the local Hub cache, or
 * the Hugging Face Hub's parquet export, in that order, with a local fallback
 * directory when the Hub cannot be reached.
 *
 * 1. `datasetDir` (NeMo's `dataset_dir`) given → read `<datasetDir>/<localFile>`
 *    or fail naming that exact path; nothing else is tried.
 * 2. `<cacheDir>/datasets/<owner>/<name>/<config>/<split>.jsonl` exists → read it.
 * 3. Unless offline (HF_HUB_OFFLINE=1): list the split's parquet files
 *    (`GET <endpoint>/api/datasets/<repo>/parquet/<config>/<split>`), download
 *    each, decode with hyparquet, write the rows to the cache as JSONL.
 *    401/403 → permanent error asking for HF_TOKEN and the dataset terms;
 *    404 → permanent error naming repo/config/split; connection failures,
 *    timeouts, 429 and 5xx → fall back to `fallbackDir` (EVALFLOW_DATASETS_DIR),
 *    logging which source was used, or a transient error when there is none.
 *
 * Local formats: `.jsonl`, `.jsonl.gz`, `.json` (array or JSON lines), `.parquet`.
 * `sha256` is over the bytes of the file the rows came from (for run metadata).
 * Cache writes go to a unique temporary file renamed into place, so workers
 * sharing a cache directory never read a half-written file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import type { DatasetSource, PromptOptions } from '../records/benchmark-data';
import { loadSettings } from '../config/settings';
import { EvalflowError } from '../records/errors';

export interface LoadOptions {
  datasetDir?: string;
  fallbackDir?: string;
  cacheDir: string;
  hfToken?: string;
  /** default https://huggingface.co, env HF_ENDPOINT */
  hfEndpoint?: string;
  /** HF_HUB_OFFLINE=1 */
  offline?: boolean;
  log?: (msg: string) => void;
  fetchImpl?: typeof fetch;
  /** Per Hub request; default 120 s. */
  timeoutMs?: number;
}

export interface LoadedDataset {
  rows: Record<string, unknown>[];
  origin: 'local' | 'hub' | 'hub-cache';
  location: string;
  sha256: string;
}

export class DatasetError extends EvalflowError {
  /** False when retrying later may succeed (Hub unreachable); true for missing files, auth, 404, bad data. */
  readonly permanent: boolean;

  constructor(message: string, permanent = true) {
    super(message, { kind: 'dataset', retryable: !permanent });
    this.permanent = permanent;
  }
}

const DEFAULT_HUB = 'https://huggingface.co';
const DEFAULT_TIMEOUT_MS = 120_000;

/** A Hub request that failed for reasons a later attempt or another source may not have. */
class HubUnreachable extends Error {}

export async function loadDataset(source: DatasetSource, opts: LoadOptions): Promise<LoadedDataset> {
  const log = opts.log ?? (() => undefined);
  const label = `${source.hfRepo} (${source.hfConfig}/${source.split})`;

  if (opts.datasetDir) {
    const file = path.resolve(opts.datasetDir, source.localFile);
    if (!fs.existsSync(file)) {
      throw new DatasetError(`dataset file not found: ${file} (dataset_dir=${opts.datasetDir}; ${label} is expected there as ${source.localFile})`);
    }
    log(`dataset ${label}: reading local file ${file}`);
    return readLocalDataset(file);
  }

  const cacheFile = hubCachePath(opts.cacheDir, source);
  if (fs.existsSync(cacheFile)) {
    log(`dataset ${label}: reading Hub cache ${cacheFile}`);
    return { ...(await readLocalDataset(cacheFile)), origin: 'hub-cache' };
  }

  const offline = opts.offline ?? loadSettings().hub.offline;
  if (offline) {
    const fallback = fallbackFile(opts, source);
    if (fallback) {
      log(`dataset ${label}: offline (HF_HUB_OFFLINE=1) and not cached; reading fallback ${fallback}`);
      return readLocalDataset(fallback);
    }
    throw new DatasetError(
      `dataset ${label} is not in the cache (${cacheFile}) and the Hub is off (HF_HUB_OFFLINE=1); ` +
        `set EVALFLOW_DATASETS_DIR or dataset_dir to a directory holding ${source.localFile}, or allow Hub access`,
    );
  }

  const token = opts.hfToken ?? loadSettings().hub.token;
  const endpoint = (opts.hfEndpoint ?? loadSettings().hub.endpoint ?? DEFAULT_HUB).replace(/\/+$/, '');
  if (source.gated && !token) throw authError(source, endpoint, 'no HF_TOKEN is set');

  try {
    const rows = await downloadFromHub(source, endpoint, token, opts);
    const sha256 = await writeCache(cacheFile, rows);
    log(`dataset ${label}: downloaded from ${endpoint} (${rows.length} rows), cached at ${cacheFile}`);
    return { rows, origin: 'hub', location: `${endpoint}/datasets/${source.hfRepo}`, sha256 };
  } catch (err) {
    if (!(err instanceof HubUnreachable)) throw err;
    const fallback = fallbackFile(opts, source);
    if (fallback) {
      log(`dataset ${label}: Hub unreachable (${err.message}); reading fallback ${fallback}`);
      return readLocalDataset(fallback);
    }
    const hint = opts.fallbackDir
      ? `the fallback ${path.resolve(opts.fallbackDir, source.localFile)} does not exist either`
      : `set EVALFLOW_DATASETS_DIR to a directory holding ${source.localFile} to run without the Hub`;
    throw new DatasetError(`dataset ${label}: the Hub at ${endpoint} is unreachable (${err.message}); ${hint}`, false);
  }
}

/** Where the Hub copy of a split is cached. */
export function hubCachePath(cacheDir: string, source: DatasetSource): string {
  const parts = [...source.hfRepo.split('/'), source.hfConfig, `${source.split}.jsonl`];
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.includes('\\')) throw new DatasetError(`invalid dataset name component ${JSON.stringify(p)} in ${source.hfRepo}/${source.hfConfig}/${source.split}`);
  }
  return path.join(cacheDir, 'datasets', ...parts);
}

function fallbackFile(opts: LoadOptions, source: DatasetSource): string | undefined {
  if (!opts.fallbackDir) return undefined;
  const file = path.resolve(opts.fallbackDir, source.localFile);
  return fs.existsSync(file) ? file : undefined;
}

function authError(source: DatasetSource, endpoint: string, why: string): DatasetError {
  return new DatasetError(
    `the Hub refused access to ${source.hfRepo} (${why}): set HF_TOKEN to a token that can read it and accept the dataset's terms at ${endpoint}/datasets/${source.hfRepo}`,
  );
}

async function hubGet(url: string, token: string | undefined, opts: LoadOptions, source: DatasetSource, endpoint: string): Promise<Response> {
  const doFetch = opts.fetchImpl ?? fetch;
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await doFetch(url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), redirect: 'follow' });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new HubUnreachable(`${err instanceof Error ? err.message : String(err)}${cause}`);
  }
  if (res.ok) return res;
  await res.body?.cancel();
  if (res.status === 401 || res.status === 403) throw authError(source, endpoint, `HTTP ${res.status}${token ? ' with the given token' : ', no token given'}`);
  if (res.status === 404) {
    throw new DatasetError(`the Hub has no parquet data for dataset ${source.hfRepo}, config "${source.hfConfig}", split "${source.split}" (HTTP 404 for ${url})`);
  }
  if (res.status === 429 || res.status >= 500) throw new HubUnreachable(`HTTP ${res.status} for ${url}`);
  throw new DatasetError(`unexpected HTTP ${res.status} from the Hub for ${url}`);
}

async function downloadFromHub(source: DatasetSource, endpoint: string, token: string | undefined, opts: LoadOptions): Promise<Record<string, unknown>[]> {
  const listUrl = `${endpoint}/api/datasets/${source.hfRepo}/parquet/${encodeURIComponent(source.hfConfig)}/${encodeURIComponent(source.split)}`;
  const listing: unknown = await (await hubGet(listUrl, token, opts, source, endpoint)).json().catch(() => undefined);
  if (!Array.isArray(listing) || listing.length === 0 || listing.some((u) => typeof u !== 'string')) {
    throw new DatasetError(`the Hub's parquet listing for ${source.hfRepo} ${source.hfConfig}/${source.split} is not a non-empty list of URLs (${listUrl})`);
  }
  const rows: Record<string, unknown>[] = [];
  for (const fileUrl of listing as string[]) {
    const url = new URL(fileUrl, `${endpoint}/`).toString();
    const res = await hubGet(url, token, opts, source, endpoint);
    let bytes: ArrayBuffer;
    try {
      bytes = await res.arrayBuffer();
    } catch (err) {
      throw new HubUnreachable(`download of ${url} broke off: ${err instanceof Error ? err.message : String(err)}`);
    }
    rows.push(...(await decodeParquet(bytes, url)));
  }
  return rows;
}

async function writeCache(file: string, rows: Record<string, unknown>[]): Promise<string> {
  const body = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  await fs.promises.writeFile(tmp, body);
  await fs.promises.rename(tmp, file);
  return sha256Hex(body);
}

function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Parquet INT64 arrives as bigint; JSON needs numbers (or strings beyond 2^53). */
function toJsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]));
  }
  return v;
}

async function decodeParquet(bytes: ArrayBuffer, where: string): Promise<Record<string, unknown>[]> {
  try {
    const rows = await parquetReadObjects({ file: bytes });
    return rows.map((r) => toJsonValue(r) as Record<string, unknown>);
  } catch (err) {
    throw new DatasetError(`cannot read parquet data from ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseJsonLines(text: string, where: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new DatasetError(`${where}, line ${i + 1}: invalid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  });
  return out;
}

function asRows(values: unknown[], where: string): Record<string, unknown>[] {
  return values.map((v, i) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DatasetError(`${where}: record ${i + 1} is not a JSON object`);
    return v as Record<string, unknown>;
  });
}

/** Read a dataset file in any supported local format. */
export async function readLocalDataset(file: string): Promise<LoadedDataset> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new DatasetError(`cannot read dataset file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sha256 = sha256Hex(bytes);
  const lower = file.toLowerCase();
  let rows: Record<string, unknown>[];
  if (lower.endsWith('.jsonl.gz')) {
    let text: string;
    try {
      text = zlib.gunzipSync(bytes).toString('utf8');
    } catch (err) {
      throw new DatasetError(`${file}: not a valid gzip file (${err instanceof Error ? err.message : String(err)})`);
    }
    rows = asRows(parseJsonLines(text, file), file);
  } else if (lower.endsWith('.jsonl')) {
    rows = asRows(parseJsonLines(bytes.toString('utf8'), file), file);
  } else if (lower.endsWith('.json')) {
    const text = bytes.toString('utf8');
    if (text.trimStart().startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new DatasetError(`${file}: invalid JSON (${err instanceof Error ? err.message : String(err)})`);
      }
      rows = asRows(parsed as unknown[], file);
    } else {
      rows = asRows(parseJsonLines(text, file), file);
    }
  } else if (lower.endsWith('.txt')) {
    // A text file (e.g. SciCode's reference code for a prefilled step): one row holding it.
    rows = [{ text: bytes.toString('utf8') }];
  } else if (lower.endsWith('.parquet')) {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = await decodeParquet(ab, file);
  } else {
    throw new DatasetError(`${file}: unsupported dataset format (use .jsonl, .jsonl.gz, .json, .parquet or .txt)`);
  }
  return { rows, origin: 'local', location: file, sha256 };
}

/**
 * Datasets spread over several files (DatasetSource.readRows): the module asks
 * for files by path; they come from `dataset_dir`, or from the Hub repository
 * (`resolve/main/<path>`, cached under <cacheDir>/datasets/<repo>/files/),
 * or — offline or with the Hub unreachable — from the fallback directory.
 */
export async function loadDatasetFiles(source: DatasetSource, opts: LoadOptions, split: string, options: PromptOptions = {}): Promise<LoadedDataset> {
  if (!source.readRows) throw new DatasetError(`${source.hfRepo}: not a multi-file dataset`);
  const log = opts.log ?? (() => undefined);
  const label = `${source.hfRepo} (${split})`;
  const digest = crypto.createHash('sha256');
  const offline = opts.offline ?? loadSettings().hub.offline;
  const token = opts.hfToken ?? loadSettings().hub.token;
  const endpoint = (opts.hfEndpoint ?? loadSettings().hub.endpoint ?? DEFAULT_HUB).replace(/\/+$/, '');
  let mode: 'local' | 'hub' = opts.datasetDir || offline ? 'local' : 'hub';
  let dir = opts.datasetDir ?? opts.fallbackDir;
  let found = 0;
  let fromHub = false;
  if (mode === 'local' && !dir) {
    throw new DatasetError(
      `dataset ${label}: the Hub is off (HF_HUB_OFFLINE=1) and no local directory is set; set EVALFLOW_DATASETS_DIR or dataset_dir to a directory holding ${source.localFile}`,
    );
  }
  if (mode === 'hub' && source.gated && !token) throw authError(source, endpoint, 'no HF_TOKEN is set');

  type Keep = ((row: Record<string, unknown>, index: number) => boolean) | undefined;
  const readFile = async (rel: string, file: string, keep: Keep, asText = false): Promise<Record<string, unknown>[]> => {
    if (asText) {
      const bytes = await fs.promises.readFile(file);
      digest.update(`${rel}\0${sha256Hex(bytes)}\n`);
      found++;
      return [{ text: bytes.toString('utf8') }];
    }
    const streamed = keep !== undefined && file.toLowerCase().endsWith('.jsonl');
    const loaded = streamed ? await streamJsonl(file, keep) : await readLocalDataset(file);
    digest.update(`${rel}\0${loaded.sha256}\n`);
    found++;
    return keep !== undefined && !streamed ? loaded.rows.filter(keep) : loaded.rows;
  };
  const readLocal = async (rel: string, keep: Keep, asText = false): Promise<Record<string, unknown>[] | null> => {
    const file = path.resolve(dir!, rel);
    if (!fs.existsSync(file)) return null;
    return readFile(rel, file, keep, asText);
  };
  const readHub = async (rel: string, hubPath: string, keep: Keep, asText = false): Promise<Record<string, unknown>[] | null> => {
    const parquet = /^parquet:([^/]+)\/([^/]+)$/.exec(hubPath);
    if (parquet) {
      // A split of the Hub's parquet export (e.g. SciCode1/SciCode validation), cached like loadDataset's.
      const part: DatasetSource = { ...source, hfConfig: parquet[1], split: parquet[2], readRows: undefined };
      const cacheFile = hubCachePath(opts.cacheDir, part);
      if (!fs.existsSync(cacheFile)) {
        const rows = await downloadFromHub(part, endpoint, token, opts);
        await writeCache(cacheFile, rows);
        log(`dataset ${label}: downloaded ${parquet[1]}/${parquet[2]} from ${endpoint} (${rows.length} rows)`);
      }
      fromHub = true;
      return readFile(rel, cacheFile, keep);
    }
    const parts = [...source.hfRepo.split('/'), 'files', ...hubPath.split('/')];
    if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) throw new DatasetError(`invalid dataset file path ${JSON.stringify(hubPath)} in ${source.hfRepo}`);
    const cacheFile = path.join(opts.cacheDir, 'datasets', ...parts);
    if (!fs.existsSync(cacheFile)) {
      const url = `${endpoint}/datasets/${source.hfRepo}/resolve/main/${hubPath.split('/').map(encodeURIComponent).join('/')}`;
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      let res: Response;
      try {
        res = await (opts.fetchImpl ?? fetch)(url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), redirect: 'follow' });
      } catch (err) {
        throw new HubUnreachable(`${err instanceof Error ? err.message : String(err)}`);
      }
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw authError(source, endpoint, `HTTP ${res.status}${token ? ' with the given token' : ', no token given'}`);
      }
      if (!res.ok) {
        await res.body?.cancel();
        if (res.status === 429 || res.status >= 500) throw new HubUnreachable(`HTTP ${res.status} for ${url}`);
        throw new DatasetError(`unexpected HTTP ${res.status} from the Hub for ${url}`);
      }
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw new HubUnreachable(`download of ${url} broke off: ${err instanceof Error ? err.message : String(err)}`);
      }
      await fs.promises.mkdir(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
      await fs.promises.writeFile(tmp, bytes);
      await fs.promises.rename(tmp, cacheFile);
      log(`dataset ${label}: downloaded ${hubPath} from ${endpoint}`);
    }
    fromHub = true;
    return readFile(rel, cacheFile, keep, asText);
  };
  const read = async (rel: string, hubPath?: string, keep?: Keep, asText = false): Promise<Record<string, unknown>[] | null> => {
    if (mode === 'local') return readLocal(rel, keep, asText);
    try {
      const got = await readHub(rel, hubPath ?? rel, keep, asText);
      if (got !== null || !opts.fallbackDir) return got;
      // Not on the Hub (e.g. SciCode's prefilled steps live in its code repository): the local directory may have it.
      const file = path.resolve(opts.fallbackDir, rel);
      return fs.existsSync(file) ? readFile(rel, file, keep, asText) : null;
    } catch (err) {
      if (!(err instanceof HubUnreachable)) throw err;
      if (!opts.fallbackDir || !fs.existsSync(opts.fallbackDir)) {
        throw new DatasetError(`dataset ${label}: the Hub at ${endpoint} is unreachable (${err.message}); set EVALFLOW_DATASETS_DIR to a directory holding ${source.localFile} to run without the Hub`, false);
      }
      log(`dataset ${label}: Hub unreachable (${err.message}); reading the files from ${opts.fallbackDir}`);
      mode = 'local';
      dir = opts.fallbackDir;
      return readLocal(rel, keep, asText);
    }
  };
  let rows: Record<string, unknown>[];
  try {
    rows = await source.readRows(read, split, options);
  } catch (err) {
    if (err instanceof DatasetError || err instanceof HubUnreachable) throw err;
    const where = mode === 'local' ? path.resolve(dir!, source.localFile) : `${endpoint}/datasets/${source.hfRepo}`;
    throw new DatasetError(`dataset ${label} from ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!found) {
    const where = mode === 'local' ? path.resolve(dir!, source.localFile) : `${endpoint}/datasets/${source.hfRepo}`;
    throw new DatasetError(`dataset ${label}: no data files found in ${where}; download them there or point dataset_dir / EVALFLOW_DATASETS_DIR at a directory holding ${source.localFile}`);
  }
  const origin = fromHub && mode === 'hub' ? 'hub' : 'local';
  const location = origin === 'hub' ? `${endpoint}/datasets/${source.hfRepo}` : path.resolve(dir!, source.localFile);
  log(`dataset ${label}: ${rows.length} rows from ${found} files (${location})`);
  return { rows, origin, location, sha256: digest.digest('hex') };
}

/** A JSON-lines file read line by line, keeping the rows `keep` accepts (files larger than a string can hold). */
async function streamJsonl(file: string, keep: (row: Record<string, unknown>, index: number) => boolean): Promise<LoadedDataset> {
  const hash = crypto.createHash('sha256');
  const rows: Record<string, unknown>[] = [];
  const input = fs.createReadStream(file);
  input.on('data', (chunk) => hash.update(chunk));
  const lines = (await import('node:readline')).createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let index = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(`${file}, line ${n}: invalid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DatasetError(`${file}: record ${index + 1} is not a JSON object`);
    if (keep(v as Record<string, unknown>, index)) rows.push(v as Record<string, unknown>);
    index++;
  }
  return { rows, origin: 'local', location: file, sha256: hash.digest('hex') };
}

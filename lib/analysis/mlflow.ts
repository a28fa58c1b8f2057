/**
 * Export of a run to an MLflow tracking server, through MLflow's REST API only
 * (no Python, no MLflow client library):
 *
 *   experiments/get-by-name → experiments/create (when missing)
 *   runs/search by tag `evalflow.run_id` → runs/create (when missing; run_name = evalflow run id)
 *   runs/log-batch   tags, params (each task's generation settings, flattened), metrics
 *                    (`<task>/<metric>/<score>` = results.json value, and `…/stderr`)
 *   PUT mlflow-artifacts/artifacts/…   results.json and metrics.json per task, metadata.json,
 *                    run_config.yaml and report.html, through the server's artifact proxy
 *   runs/update      status from the evalflow run (FINISHED for a completed run), end time
 *
 * Exporting the same evalflow run again finds its MLflow run by tag and logs into it:
 * metrics carry the run's finish time as timestamp and step 0, so the second export
 * writes the same points (MLflow keeps one), params are written with the same values.
 */
import type { RunMetadata } from '../records/artifacts';
import type { NemoResults } from '../records/artifacts';
import { createHash } from 'node:crypto';
import { type ArtifactStore } from '../engine/store';
import { keys } from '../records/keys';
import { EvalflowError } from '../records/errors';

export class MlflowError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'analysis', retryable: false });
  }
}

/** MLflow's limits (mlflow/utils/validation.py); param values use the historical 500, which every server accepts. */
export const MLFLOW_LIMITS = {
  keyLength: 250,
  paramValueLength: 500,
  tagValueLength: 5000,
  paramsOrTagsPerBatch: 100,
  metricsPerBatch: 1000,
  entitiesPerBatch: 1000,
} as const;

/** The evalflow run id tag: how a second export finds the MLflow run of the first. */
export const RUN_ID_TAG = 'evalflow.run_id';

/** What the export reads from the artifact store (an ArtifactStore, or any object with these methods). */
export type MlflowSourceStore = Pick<ArtifactStore, 'getJson' | 'getText' | 'uri'>;

export interface MlflowExportOptions {
  /** e.g. http://127.0.0.1:5000 (a path prefix such as https://host/mlflow is kept). */
  trackingUri: string;
  /** Experiment name; created when missing. Default 'evalflow'. */
  experiment?: string;
  /** Bearer token (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  fetchImpl?: typeof fetch;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
}

export interface MlflowExportResult {
  experimentId: string;
  mlflowRunId: string;
  /** The run in the MLflow UI. */
  url: string;
  /** Whether an MLflow run for this evalflow run already existed (and was updated). */
  updated: boolean;
  /** Artifact paths uploaded, relative to the run's artifact root. */
  artifacts: string[];
}

export interface MlflowKeyValue {
  key: string;
  value: string;
}
export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface MlflowPayload {
  tags: MlflowKeyValue[];
  params: MlflowKeyValue[];
  metrics: MlflowMetric[];
}

// ---------------------------------------------------------------- names and values

const ALLOWED = /[^A-Za-z0-9_\-. ]/g;

/** One path segment: MLflow's characters only, readable (`pass@1[avg-of-4]` → `pass_at_1_avg-of-4`). */
function sanitiseSegment(seg: string): string {
  let s = seg.replace(/@/g, '_at_');
  // Characters MLflow refuses at the end of a segment are dropped, inside it they become '_'.
  s = s.replace(/[^A-Za-z0-9_\-. ]+$/, '').replace(/^[^A-Za-z0-9_\-. ]+/, '');
  s = s.replace(ALLOWED, '_').replace(/_{2,}/g, '_');
  // '.' and '..' would resolve to other names when MLflow treats the key as a path.
  if (/^\.+$/.test(s) && s.length <= 2) s = s.replace(/\./g, '_');
  return s.trim() === '' ? '' : s;
}

/**
 * A metric, param or tag key MLflow accepts: alphanumerics, `_ - . space /`, no
 * empty, `.` or `..` path segment, no leading or trailing slash, at most 250
 * characters (longer keys keep their start and get a hash of the original).
 */
export function sanitiseKey(name: string): string {
  const segs = name.split('/').map(sanitiseSegment).filter((s) => s !== '');
  let key = segs.join('/');
  if (key === '') key = '_';
  if (key.length > MLFLOW_LIMITS.keyLength) {
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
    key = key.slice(0, MLFLOW_LIMITS.keyLength - 9).replace(/[/.]+$/, '') + '-' + hash;
  }
  return key;
}

/** Cut a value to `max` characters (code points, as MLflow counts), marking the cut with '...'. */
export function truncateValue(value: string, max: number = MLFLOW_LIMITS.paramValueLength): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return chars.slice(0, max - 3).join('') + '...';
}

function paramText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/**
 * Flatten nested settings into `prefix<sep>a.b.c` → text: objects recurse with '.',
 * arrays and scalars become text (arrays as JSON), undefined is left out.
 */
export function flattenParams(value: unknown, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (!entries.length) {
        if (path) out[path] = '{}';
        return;
      }
      for (const [k, child] of entries) walk(child, path ? `${path}.${k}` : k);
      return;
    }
    const text = paramText(v);
    if (text !== undefined && path) out[path] = text;
  };
  walk(value, prefix);
  return out;
}

/** Keys made unique after sanitising: a second original that maps to the same key gets `_2`, `_3`, … */
class KeySpace {
  private readonly used = new Map<string, string>();
  key(original: string): string {
    const base = sanitiseKey(original);
    let key = base;
    for (let i = 2; this.used.has(key) && this.used.get(key) !== original; i++) key = sanitiseKey(`${base}_${i}`);
    this.used.set(key, original);
    return key;
  }
}

// ---------------------------------------------------------------- what is logged

export interface TaskArtifacts {
  task: string;
  results: NemoResults | null;
}

function ms(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function modelsOf(tasks: readonly TaskArtifacts[]): string[] {
  const models = new Set<string>();
  for (const t of tasks) {
    const m = t.results?.config?.model_id;
    if (typeof m === 'string') models.add(m);
  }
  return [...models].sort();
}

/**
 * Tags, params and metrics of one evalflow run, as MLflow accepts them (pure:
 * the unit tests check names and values here).
 * - tags: evalflow.run_id, evalflow.model, evalflow.config, evalflow.git_hash
 *   (and MLflow's own mlflow.source.git.commit), evalflow.version, evalflow.status, evalflow.tasks;
 * - params: `model`, `config`, and per task `<task>/<setting>` from results.json's config
 *   (generation params flattened: `gsm8k/temperature`, `gsm8k/extra_body.x`; samples, repeats, dataset);
 * - metrics: `<task>/<metric>/<score>` = value and `<task>/<metric>/<score>/stderr`, for the
 *   task's metrics and its subsets (results.groups), timestamp = the run's finish time, step 0.
 */
export function mlflowPayload(meta: RunMetadata, tasks: readonly TaskArtifacts[]): MlflowPayload {
  const tagKeys = new KeySpace();
  const tags: MlflowKeyValue[] = [];
  const tag = (key: string, value: string | null | undefined) => {
    if (value === null || value === undefined || value === '') return;
    tags.push({ key: tagKeys.key(key), value: truncateValue(value, MLFLOW_LIMITS.tagValueLength) });
  };
  const models = modelsOf(tasks);
  tag(RUN_ID_TAG, meta.run_id);
  tag('evalflow.model', models.join(','));
  tag('evalflow.config', meta.config_name);
  tag('evalflow.git_hash', meta.git_hash);
  tag('mlflow.source.git.commit', meta.git_hash);
  tag('evalflow.version', meta.evalflow_version);
  tag('evalflow.status', meta.status);
  tag('evalflow.tasks', meta.tasks.join(','));

  const paramKeys = new KeySpace();
  const params: MlflowKeyValue[] = [];
  const param = (key: string, value: string) => params.push({ key: paramKeys.key(key), value: truncateValue(value) });
  if (models.length) param('model', models.join(','));
  param('config', meta.config_name);
  for (const t of tasks) {
    const config = t.results?.config;
    if (!config) continue;
    const { params: generation, task: _name, ...rest } = config as Record<string, unknown>;
    for (const [k, v] of Object.entries(flattenParams(generation, ''))) param(`${t.task}/${k}`, v);
    for (const [k, v] of Object.entries(flattenParams(rest, ''))) param(`${t.task}/${k}`, v);
  }

  const metricKeys = new KeySpace();
  const metrics: MlflowMetric[] = [];
  const timestamp = ms(meta.finished_at) ?? ms(meta.started_at) ?? 0;
  const metric = (key: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    metrics.push({ key: metricKeys.key(key), value, timestamp, step: 0 });
  };
  for (const t of tasks) {
    const res = t.results?.results;
    if (!res) continue;
    const groups: [string, NemoResults['results']['tasks'][string]['metrics']][] = [
      ...Object.entries(res.tasks ?? {}).map(([name, v]) => [name, v.metrics] as [string, typeof v.metrics]),
      ...Object.entries(res.groups ?? {}).map(([name, v]) => [name, v.metrics] as [string, typeof v.metrics]),
    ];
    for (const [name, taskMetrics] of groups) {
      for (const [metricName, group] of Object.entries(taskMetrics ?? {})) {
        for (const [scoreName, score] of Object.entries(group.scores ?? {})) {
          const key = `${name}/${metricName}/${scoreName}`;
          metric(key, score.value);
          metric(`${key}/stderr`, score.stats?.stderr);
        }
      }
    }
  }
  return { tags, params, metrics };
}

/** log-batch requests within MLflow's per-request limits. */
export function batches(payload: MlflowPayload): MlflowPayload[] {
  const out: MlflowPayload[] = [];
  let p = 0;
  let t = 0;
  let m = 0;
  while (p < payload.params.length || t < payload.tags.length || m < payload.metrics.length) {
    const params = payload.params.slice(p, p + MLFLOW_LIMITS.paramsOrTagsPerBatch);
    const tags = payload.tags.slice(t, t + MLFLOW_LIMITS.paramsOrTagsPerBatch);
    const room = Math.min(MLFLOW_LIMITS.metricsPerBatch, MLFLOW_LIMITS.entitiesPerBatch - params.length - tags.length);
    const metrics = payload.metrics.slice(m, m + room);
    p += params.length;
    t += tags.length;
    m += metrics.length;
    out.push({ params, tags, metrics });
  }
  return out;
}

// ---------------------------------------------------------------- REST client

interface MlflowRunInfo {
  run_id?: string;
  run_uuid?: string;
  experiment_id: string;
  artifact_uri?: string;
  status?: string;
}
interface MlflowRun {
  info: MlflowRunInfo;
  data?: { tags?: MlflowKeyValue[] };
}
interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
}

/** An answer of the tracking server that is not 2xx: status and MLflow's error_code. */
class MlflowHttpError extends MlflowError {
  constructor(message: string, readonly status: number, readonly errorCode: string | undefined) {
    super(message);
  }
}

class MlflowRest {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: MlflowExportOptions) {
    let url: URL;
    try {
      url = new URL(opts.trackingUri);
    } catch {
      throw new MlflowError(`MLflow tracking URI '${opts.trackingUri}' is not a URL; write it like http://127.0.0.1:5000`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MlflowError(`MLflow tracking URI '${opts.trackingUri}' must be http:// or https:// (evalflow talks to the tracking server's REST API)`);
    }
    this.base = opts.trackingUri.replace(/\/+$/, '');
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  get trackingUri(): string {
    return this.base;
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h['Content-Type'] = 'application/json';
    if (this.opts.token) h.Authorization = `Bearer ${this.opts.token}`;
    return h;
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, raw?: { data: Buffer; contentType: string }): Promise<T> {
    const url = `${this.base}${path}`;
    const init: RequestInit = {
      method,
      headers: raw ? { ...this.headers(false), 'Content-Type': raw.contentType } : this.headers(body !== undefined),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
    };
    if (raw) init.body = new Uint8Array(raw.data);
    else if (body !== undefined) init.body = JSON.stringify(body);
    let res: Response;
    try {
      res = await this.fetchImpl(url, init);
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
      throw new MlflowError(
        `MLflow tracking server ${this.base} is unreachable (${method} ${path}: ${cause}); ` +
          `check --tracking-uri, or start one with scripts/mlflow-server.sh start`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      let message = text.trim().slice(0, 500);
      try {
        const err = JSON.parse(text) as { error_code?: string; message?: string };
        code = err.error_code;
        if (err.message) message = err.message;
      } catch {
        // not JSON (a proxy's HTML page, say): the text itself is the message
      }
      const hint =
        res.status === 401 || res.status === 403
          ? '; set MLFLOW_TRACKING_TOKEN to a token this server accepts'
          : res.status === 404 && !code
            ? `; is ${this.base} an MLflow tracking server (with --serve-artifacts for uploads)?`
            : '';
      throw new MlflowHttpError(
        `MLflow ${method} ${path.split('?')[0]} failed: HTTP ${res.status}${code ? ` ${code}` : ''}: ${message || res.statusText}${hint}`,
        res.status,
        code,
      );
    }
    if (!text) return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MlflowError(`MLflow ${method} ${path.split('?')[0]} answered something that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async experimentByName(name: string): Promise<MlflowExperiment | null> {
    try {
      const r = await this.request<{ experiment: MlflowExperiment }>(
        'GET',
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return r.experiment;
    } catch (e) {
      if (e instanceof MlflowHttpError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }

  async ensureExperiment(name: string): Promise<MlflowExperiment> {
    let exp = await this.experimentByName(name);
    if (!exp) {
      try {
        await this.request<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { name });
      } catch (e) {
        // Another export created it meanwhile.
        if (!(e instanceof MlflowHttpError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
      }
      exp = await this.experimentByName(name);
      if (!exp) throw new MlflowError(`MLflow experiment '${name}' was created but cannot be found by name`);
    }
    if (exp.lifecycle_stage === 'deleted') {
      throw new MlflowError(`MLflow experiment '${name}' (id ${exp.experiment_id}) is deleted; restore it in MLflow or choose another with --experiment`);
    }
    return exp;
  }

  async findRun(experimentId: string, runId: string): Promise<MlflowRun | null> {
    const r = await this.request<{ runs?: MlflowRun[] }>('POST', '/api/2.0/mlflow/runs/search', {
      experiment_ids: [experimentId],
      filter: `tags."${RUN_ID_TAG}" = '${runId.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
      run_view_type: 'ACTIVE_ONLY',
      max_results: 10,
      order_by: ['attributes.start_time ASC'],
    });
    return r.runs?.[0] ?? null;
  }
}

/**
 * Where the proxy stores a run's artifacts: the part after `mlflow-artifacts:` of
 * the run's artifact URI (`mlflow-artifacts:/1/<run>/artifacts` → `1/<run>/artifacts`),
 * or null when the server hands out another location the REST API cannot write.
 */
export function proxiedArtifactPath(artifactUri: string | undefined): string | null {
  if (!artifactUri) return null;
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  return m ? m[1].replace(/\/+$/, '') : null;
}

function contentType(path: string): string {
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.html')) return 'text/html; charset=utf-8';
  if (path.endsWith('.yaml')) return 'application/yaml';
  return 'application/octet-stream';
}

const STATUS: Record<RunMetadata['status'], string> = {
  completed: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
  running: 'RUNNING',
};

/** Export one evalflow run (its results, settings and artifacts in the store) to MLflow. */
export async function exportToMlflow(store: MlflowSourceStore, runId: string, opts: MlflowExportOptions): Promise<MlflowExportResult> {
  const api = new MlflowRest(opts);
  const experimentName = opts.experiment ?? 'evalflow';

  const meta = await store.getJson<RunMetadata>(keys.metadata(runId));
  if (!meta) throw new MlflowError(`no artifacts for run '${runId}' in ${store.uri(keys.run(runId))}; check the run id and EVALFLOW_S3_* settings`);
  const tasks: TaskArtifacts[] = await Promise.all(
    meta.tasks.map(async (task) => ({ task, results: await store.getJson<NemoResults>(keys.results(runId, task)) })),
  );
  if (!tasks.some((t) => t.results)) {
    throw new MlflowError(`run '${runId}' has no results.json yet (status ${meta.status}); export it once a task has finished`);
  }
  // Artifacts to upload: MLflow path → store key.
  const files: [string, string][] = [['metadata.json', keys.metadata(runId)]];
  for (const t of tasks) {
    if (!t.results) continue;
    files.push([`${t.task}/results.json`, keys.results(runId, t.task)]);
    files.push([`${t.task}/metrics.json`, keys.metrics(runId, t.task)]);
  }
  files.push(['run_config.yaml', keys.runConfig(runId)], ['report.html', `${keys.run(runId)}report.html`]);
  const payload = mlflowPayload(meta, tasks);

  const exp = await api.ensureExperiment(experimentName);
  if (exp.artifact_location !== undefined && proxiedArtifactPath(exp.artifact_location) === null) {
    throw new MlflowError(
      `MLflow experiment '${experimentName}' stores artifacts at ${exp.artifact_location}, which the REST API cannot write; ` +
        `run the tracking server with artifact proxying (mlflow server --serve-artifacts --artifacts-destination DIR, ` +
        `as scripts/mlflow-server.sh does) and use an experiment created there`,
    );
  }

  const startTime = ms(meta.started_at);
  let run = await api.findRun(exp.experiment_id, runId);
  const updated = run !== null;
  if (!run) {
    const created = await api.request<{ run: MlflowRun }>('POST', '/api/2.0/mlflow/runs/create', {
      experiment_id: exp.experiment_id,
      run_name: runId,
      ...(startTime !== undefined ? { start_time: startTime } : {}),
      tags: payload.tags,
    });
    run = created.run;
  }
  const mlflowRunId = run.info.run_id ?? run.info.run_uuid;
  if (!mlflowRunId) throw new MlflowError(`MLflow answered runs/create without a run id: ${JSON.stringify(run.info)}`);
  const artifactRoot = proxiedArtifactPath(run.info.artifact_uri);
  if (artifactRoot === null) {
    throw new MlflowError(
      `MLflow run ${mlflowRunId} stores artifacts at ${run.info.artifact_uri ?? '(no artifact URI)'}, which the REST API cannot write; ` +
        `run the tracking server with artifact proxying (--serve-artifacts), as scripts/mlflow-server.sh does`,
    );
  }

  for (const batch of batches(payload)) {
    await api.request('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: mlflowRunId, ...batch });
  }

  const uploaded: string[] = [];
  for (const [artifactPath, key] of files) {
    const text = await store.getText(key);
    if (text === null) continue;
    const url = `/api/2.0/mlflow-artifacts/artifacts/${[...artifactRoot.split('/'), ...artifactPath.split('/')].map(encodeURIComponent).join('/')}`;
    await api.request('PUT', url, undefined, { data: Buffer.from(text, 'utf8'), contentType: contentType(artifactPath) });
    uploaded.push(artifactPath);
  }

  const endTime = ms(meta.finished_at);
  await api.request('POST', '/api/2.0/mlflow/runs/update', {
    run_id: mlflowRunId,
    run_name: runId,
    status: STATUS[meta.status] ?? 'FINISHED',
    ...(endTime !== undefined && meta.status !== 'running' ? { end_time: endTime } : {}),
  });

  return {
    experimentId: exp.experiment_id,
    mlflowRunId,
    url: `${api.trackingUri}/#/experiments/${encodeURIComponent(exp.experiment_id)}/runs/${encodeURIComponent(mlflowRunId)}`,
    updated,
    artifacts: uploaded,
  };
}

/**
 * Process-level settings read from the environment. Workers, the CLI and the
 * local infrastructure all read them here, so one variable changes one thing
 * everywhere. Defaults match what `evalflow dev up` starts.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { EvalflowError } from '../records/errors';
import { resolveTemporalSettings, type TemporalSettings } from './temporal';

export interface StorageSettings {
  /** S3 endpoint URL, e.g. http://127.0.0.1:9000 */
  endpoint: string;
  /** Static keys; both empty when `credentialSource` is 'provider'. */
  accessKey: string;
  secretKey: string;
  /** Session token of temporary keys (AWS_SESSION_TOKEN / EVALFLOW_S3_SESSION_TOKEN). */
  sessionToken?: string;
  bucket: string;
  /** Prefix under which runs/ and cache/ live (may be empty). */
  prefix: string;
  region: string;
  /** PEM file of the CA(s) that sign an https endpoint's certificate (replaces the system roots). */
  caBundle?: string;
  /** Path-style (`host/bucket/key`) or virtual-host-style (`bucket.host/key`) requests; unset: path, virtual for AWS's own endpoints. */
  addressingStyle?: 'path' | 'virtual';
  /**
   * Where the keys come from: 'static' (the variables in `sources`), 'provider'
   * (minio's IamAwsProvider: web identity token file, container credentials,
   * instance metadata — refreshed before they expire), 'dev-default' (minioadmin,
   * the local `evalflow dev up` MinIO). Unset: 'static'.
   */
  credentialSource?: 'static' | 'provider' | 'dev-default';
  /** The variable each value came from ('default' when none was set), so errors name the setting to fix. */
  sources?: StorageSources;
}

/** Which variable each storage value came from (see docs/operations.md, "Connecting to a production S3"). */
export interface StorageSources {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
  region: string;
  bucket: string;
  caBundle?: string;
  addressingStyle: string;
}

export interface Settings {
  /** = temporal.address */
  temporalAddress: string;
  /** = temporal.namespace */
  namespace: string;
  /**
   * The Temporal connection: EVALFLOW_TEMPORAL_ADDRESS / EVALFLOW_NAMESPACE, then
   * Temporal's TEMPORAL_* variables, then the TOML profile (TEMPORAL_PROFILE,
   * TEMPORAL_CONFIG_FILE), then the defaults (lib/config/temporal.ts).
   */
  temporal: TemporalSettings;
  /** Task queue for workflows and generation/scoring activities. */
  taskQueue: string;
  /** Temporal Web UI base URL, for links printed to users. */
  uiUrl: string;
  storage: StorageSettings;
  /** State directory of `evalflow dev`: logs, SQLite file, MinIO data. */
  homeDir: string;
  /** Cache directory outside any clone: binaries, downloaded datasets. */
  cacheDir: string;
  /** Local directory holding benchmark data (NeMo's `dataset_dir` default). */
  datasetsDir?: string;
  sandbox: SandboxEnvSettings;
  /**
   * A Python that has the math grader's packages (EVALFLOW_MATH_PYTHON); unset:
   * the venv scripts/setup-math.sh installs under cacheDir (lib/engine/math/verify.ts).
   */
  mathPython?: string;
  /** Hugging Face Hub access (HF_TOKEN, HF_ENDPOINT; offline when HF_HUB_OFFLINE=1 or EVALFLOW_OFFLINE=1). */
  hub: { token?: string; endpoint?: string; offline: boolean };
  /** Custom benchmark modules to load (EVALFLOW_BENCHMARK_MODULES, comma-separated). */
  benchmarkModules: string[];
  /** MLflow export (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN). */
  mlflow: { trackingUri?: string; token?: string };
  /** Print stack traces of unexpected errors (EVALFLOW_DEBUG). */
  debug: boolean;
  /** Deploy role: the host name or address other workers reach this host's model servers at (EVALFLOW_DEPLOY_HOST, default 127.0.0.1). */
  deployHost: string;
  /** Metrics and tracing (docs/operations.md, "Metrics and tracing"). */
  telemetry: TelemetrySettings;
}

/**
 * The environment of a model server a deploy worker starts: this process's, plus the
 * deployment's `env_vars`, written as NeMo Evaluator's launcher writes them:
 * `host:NAME` is read here, on the deploy worker, from its environment (so a secret
 * such as HF_TOKEN is named in the config, never written into it, the history or an
 * artifact); `lit:VALUE` is VALUE; a value without a prefix is taken as it is.
 */
export function serverEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [k, v] of Object.entries(extra)) {
    if (v.startsWith('host:')) {
      const name = v.slice('host:'.length);
      const value = process.env[name];
      if (value === undefined) {
        throw new EvalflowError(
          `deployment env_vars.${k} is '${v}', but ${name} is not set on this deploy worker: export ${name} in the deploy worker's environment (or write lit:VALUE for a value that is not secret)`,
          { kind: 'config', retryable: false },
        );
      }
      env[k] = value;
    } else env[k] = v.startsWith('lit:') ? v.slice('lit:'.length) : v;
  }
  return env;
}

/** Where a worker serves Prometheus metrics, and where traces go (the standard OTEL_* variables). */
export interface TelemetrySettings {
  /** HOST:PORT of the worker's /metrics endpoint (EVALFLOW_METRICS_ADDRESS; `evalflow worker --metrics-address`). */
  metricsAddress?: string;
  /** OTLP/HTTP endpoint for traces: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. Unset: no tracing. */
  tracesEndpoint?: string;
  /** The variable the traces endpoint came from and its value, for messages. */
  tracesSource?: string;
  /** OTEL_SERVICE_NAME; default "evalflow-worker" or "evalflow-client" by process. */
  serviceName?: string;
  /** OTEL_EXPORTER_OTLP_TRACES_HEADERS / OTEL_EXPORTER_OTLP_HEADERS, e.g. "authorization=Bearer x,tenant=a". */
  headers: Record<string, string>;
}

/**
 * A secret a config names by its variable (api_key_name, a judge's key, a
 * tool's key): read here, at call time, so it never enters a config, the
 * workflow history or an artifact. Undefined when unset or empty.
 */
export function secretFromEnv(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** The sandbox role's settings (EVALFLOW_SANDBOX_*, EVALFLOW_SCICODE_DATA_DIR). */
export interface SandboxEnvSettings {
  /** Programs at the same time; default the machine's cores. */
  slots?: number;
  /** Address-space limit per program, MiB. */
  memoryMb?: number;
  /** Named read-only data for programs: name → host directory (world-readable). */
  data: Record<string, string>;
}

function positiveIntEnv(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${JSON.stringify(v)} must be a whole number ≥ 1`);
  return n;
}

function env(name: string, fallback: string): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export const DEFAULT_PORTS = { temporal: 7233, temporalUi: 8233, minio: 9000, minioConsole: 9001 } as const;

export function loadSettings(): Settings {
  const homeDir = env('EVALFLOW_HOME', path.join(os.homedir(), '.evalflow'));
  const cacheDir = env('EVALFLOW_CACHE_DIR', path.join(os.homedir(), '.cache', 'evalflow'));
  const temporal = resolveTemporalSettings(process.env, { address: `127.0.0.1:${DEFAULT_PORTS.temporal}`, namespace: 'default' });
  return {
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    temporal,
    taskQueue: env('EVALFLOW_TASK_QUEUE', 'evalflow'),
    uiUrl: env('EVALFLOW_TEMPORAL_UI', `http://127.0.0.1:${DEFAULT_PORTS.temporalUi}`),
    storage: loadStorageSettings(),
    homeDir,
    cacheDir,
    datasetsDir: process.env.EVALFLOW_DATASETS_DIR || undefined,
    sandbox: {
      slots: positiveIntEnv('EVALFLOW_SANDBOX_SLOTS'),
      memoryMb: positiveIntEnv('EVALFLOW_SANDBOX_MEMORY_MB'),
      // SciCode's numeric test data: the directory holding test_data.h5.
      data: process.env.EVALFLOW_SCICODE_DATA_DIR ? { scicode: process.env.EVALFLOW_SCICODE_DATA_DIR } : {},
    },
    mathPython: process.env.EVALFLOW_MATH_PYTHON || undefined,
    hub: {
      token: process.env.HF_TOKEN || undefined,
      endpoint: process.env.HF_ENDPOINT || undefined,
      offline: process.env.HF_HUB_OFFLINE === '1' || process.env.EVALFLOW_OFFLINE === '1',
    },
    benchmarkModules: (process.env.EVALFLOW_BENCHMARK_MODULES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    mlflow: { trackingUri: process.env.MLFLOW_TRACKING_URI || undefined, token: process.env.MLFLOW_TRACKING_TOKEN || undefined },
    debug: Boolean(process.env.EVALFLOW_DEBUG),
    deployHost: env('EVALFLOW_DEPLOY_HOST', '127.0.0.1'),
    telemetry: telemetrySettings(),
  };
}

function telemetrySettings(): TelemetrySettings {
  const traces = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const headers: Record<string, string> = {};
  for (const part of (process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS || process.env.OTEL_EXPORTER_OTLP_HEADERS || '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) headers[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return {
    metricsAddress: process.env.EVALFLOW_METRICS_ADDRESS || undefined,
    // The OTLP convention: the per-signal variable is the full URL; the general one is a base the path is added to.
    tracesEndpoint: traces ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined),
    tracesSource: traces ? `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT '${traces}'` : base ? `OTEL_EXPORTER_OTLP_ENDPOINT '${base}'` : undefined,
    serviceName: process.env.OTEL_SERVICE_NAME || undefined,
    headers,
  };
}

/** The first of `names` that is set (non-empty), with its value. */
function firstSet(names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** Variables by which a pod or container offers role credentials (read by minio's IamAwsProvider). */
const PROVIDER_HINTS = ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'] as const;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether an endpoint URL points at this machine (the `evalflow dev up` MinIO, a test stack). */
export function isLocalEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return LOCAL_HOSTS.has(host) || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * The artifact store's settings. Precedence, per value: EVALFLOW_S3_* >
 * AWS_* (the variables AWS tools read) > the provider chain (credentials only)
 * > the local dev default. Keys are taken as a pair (with their session token)
 * from one family; without keys, a local endpoint gets the dev MinIO's
 * minioadmin (unless a pod/container offers role credentials) and any other
 * endpoint minio's credential provider chain.
 */
export function loadStorageSettings(): StorageSettings {
  const endpointVar = firstSet(['EVALFLOW_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']);
  const endpoint = endpointVar?.value ?? `http://127.0.0.1:${DEFAULT_PORTS.minio}`;
  const regionVar = firstSet(['EVALFLOW_S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION']);
  const bucketVar = firstSet(['EVALFLOW_S3_BUCKET']);
  const caVar = firstSet(['EVALFLOW_S3_CA_BUNDLE', 'AWS_CA_BUNDLE']);
  const styleVar = firstSet(['EVALFLOW_S3_ADDRESSING_STYLE']);
  let addressingStyle: 'path' | 'virtual' | undefined;
  if (styleVar) {
    const v = styleVar.value.toLowerCase();
    if (v === 'path' || v === 'virtual') addressingStyle = v;
    else if (v !== 'auto') {
      throw new Error(`${styleVar.name}=${JSON.stringify(styleVar.value)} must be path, virtual or auto`);
    }
  }

  const families = [
    { access: 'EVALFLOW_S3_ACCESS_KEY', secret: 'EVALFLOW_S3_SECRET_KEY', token: 'EVALFLOW_S3_SESSION_TOKEN' },
    { access: 'AWS_ACCESS_KEY_ID', secret: 'AWS_SECRET_ACCESS_KEY', token: 'AWS_SESSION_TOKEN' },
  ] as const;
  let keys: Pick<StorageSettings, 'accessKey' | 'secretKey' | 'sessionToken' | 'credentialSource'> & {
    sources: Pick<StorageSources, 'accessKey' | 'secretKey' | 'sessionToken'>;
  };
  const family = families.find((f) => firstSet([f.access, f.secret]));
  if (family) {
    const access = firstSet([family.access]);
    const secret = firstSet([family.secret]);
    if (!access || !secret) {
      const [set, unset] = access ? [family.access, family.secret] : [family.secret, family.access];
      throw new Error(`${set} is set but ${unset} is not: set both (a key pair), or neither`);
    }
    const token = firstSet([family.token]);
    keys = {
      accessKey: access.value,
      secretKey: secret.value,
      sessionToken: token?.value,
      credentialSource: 'static',
      sources: { accessKey: family.access, secretKey: family.secret, sessionToken: token ? family.token : undefined },
    };
  } else if (isLocalEndpoint(endpoint) && !firstSet(PROVIDER_HINTS)) {
    keys = { accessKey: 'minioadmin', secretKey: 'minioadmin', credentialSource: 'dev-default', sources: { accessKey: 'default', secretKey: 'default' } };
  } else {
    keys = { accessKey: '', secretKey: '', credentialSource: 'provider', sources: { accessKey: 'provider chain', secretKey: 'provider chain' } };
  }

  return {
    endpoint,
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
    sessionToken: keys.sessionToken,
    bucket: bucketVar?.value ?? 'evalflow',
    prefix: env('EVALFLOW_S3_PREFIX', ''),
    region: regionVar?.value ?? 'us-east-1',
    caBundle: caVar?.value,
    addressingStyle,
    credentialSource: keys.credentialSource,
    sources: {
      endpoint: endpointVar?.name ?? 'default',
      ...keys.sources,
      region: regionVar?.name ?? 'default',
      bucket: bucketVar?.name ?? 'default',
      caBundle: caVar?.name,
      addressingStyle: styleVar?.name ?? 'default',
    },
  };
}

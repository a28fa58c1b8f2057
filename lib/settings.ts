/**
 * Process-level settings read from the environment. Workers, the CLI and the
 * local infrastructure all read them here, so one variable changes one thing
 * everywhere. Defaults match what `evalflow dev up` starts.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export interface StorageSettings {
  /** S3 endpoint URL, e.g. http://127.0.0.1:9000 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Prefix under which runs/ and cache/ live (may be empty). */
  prefix: string;
  region: string;
}

export interface Settings {
  temporalAddress: string;
  namespace: string;
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
}

function env(name: string, fallback: string): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export const DEFAULT_PORTS = { temporal: 7233, temporalUi: 8233, minio: 9000, minioConsole: 9001 } as const;

export function loadSettings(): Settings {
  const homeDir = env('EVALFLOW_HOME', path.join(os.homedir(), '.evalflow'));
  const cacheDir = env('EVALFLOW_CACHE_DIR', path.join(os.homedir(), '.cache', 'evalflow'));
  return {
    temporalAddress: env('EVALFLOW_TEMPORAL_ADDRESS', `127.0.0.1:${DEFAULT_PORTS.temporal}`),
    namespace: env('EVALFLOW_NAMESPACE', 'default'),
    taskQueue: env('EVALFLOW_TASK_QUEUE', 'evalflow'),
    uiUrl: env('EVALFLOW_TEMPORAL_UI', `http://127.0.0.1:${DEFAULT_PORTS.temporalUi}`),
    storage: {
      endpoint: env('EVALFLOW_S3_ENDPOINT', `http://127.0.0.1:${DEFAULT_PORTS.minio}`),
      accessKey: env('EVALFLOW_S3_ACCESS_KEY', 'minioadmin'),
      secretKey: env('EVALFLOW_S3_SECRET_KEY', 'minioadmin'),
      bucket: env('EVALFLOW_S3_BUCKET', 'evalflow'),
      prefix: env('EVALFLOW_S3_PREFIX', ''),
      region: env('EVALFLOW_S3_REGION', 'us-east-1'),
    },
    homeDir,
    cacheDir,
    datasetsDir: process.env.EVALFLOW_DATASETS_DIR || undefined,
  };
}

/**
 * A private Temporal dev server and MinIO for integration tests: free random
 * loopback ports, data in a temporary directory, everything killed by
 * `stop()` (and, as a last resort, when the test process exits).
 *
 *   const stack = await startStack();
 *   try { ... } finally { await stack.stop(); }
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBinaries } from '../../lib/operator/infra/binaries';
import {
  getFreePort,
  isProcessRunning,
  startMinio as startMinioServer,
  startTemporal as startTemporalServer,
  stopProcess,
  type MinioServerOptions,
  type TemporalServerOptions,
} from '../../lib/operator/infra/dev';

export interface Stack {
  /** host:port of the Temporal frontend. */
  temporalAddress: string;
  /** Temporal Web UI base URL. */
  uiUrl: string;
  /** MinIO S3 endpoint URL, e.g. http://127.0.0.1:41234 */
  s3Endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Data and logs: temporal.db, minio-data/, logs/, run/. */
  dir: string;
  /** Stops Temporal and starts it again on the same ports and SQLite file. */
  restartTemporal(): Promise<void>;
  stopMinio(): Promise<void>;
  /** Starts MinIO again on the same ports and data directory. */
  startMinio(): Promise<void>;
  /** Stops both servers; removes `dir` when the stack created it. */
  stop(): Promise<void>;
  /** Process ids of the running servers (for CPU accounting in the benchmark). */
  pids(): { temporal?: number; minio?: number };
}

export interface StackOptions {
  /** Directory for data and logs (kept on stop); a fresh temp dir (removed on stop) by default. */
  dir?: string;
  /** Per-server start timeout (default 60 s). */
  timeoutMs?: number;
  /** MinIO serves https with the certificate in this directory (public.crt, private.key). */
  minioCertsDir?: string;
  /** Extra environment for MinIO. */
  minioEnv?: NodeJS.ProcessEnv;
}

const live = new Set<number>();
let exitHookInstalled = false;

function killLive(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

/**
 * Last resort: SIGKILL whatever a stack still runs when the test process exits
 * or is interrupted. The servers run in their own process groups, so a Ctrl-C
 * on the terminal does not reach them; the signal is re-raised afterwards.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killLive);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killLive();
      process.kill(process.pid, sig);
    });
  }
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  installExitHook();
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-stack-'));
  fs.mkdirSync(dir, { recursive: true });
  const bins = await ensureBinaries();

  // Six distinct ports, all chosen before any server starts.
  const ports = new Set<number>();
  while (ports.size < 6) ports.add(await getFreePort());
  const [temporalPort, uiPort, httpPort, metricsPort, minioPort, consolePort] = [...ports] as [number, number, number, number, number, number];

  const accessKey = 'evalflow-test';
  const secretKey = randomBytes(12).toString('hex');
  const temporalOpts: TemporalServerOptions = {
    binary: bins.temporal,
    port: temporalPort,
    uiPort,
    httpPort,
    metricsPort,
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'logs', 'temporal.log'),
    pidFile: path.join(dir, 'run', 'temporal.pid'),
    timeoutMs: opts.timeoutMs,
  };
  const minioOpts: MinioServerOptions = {
    binary: bins.minio,
    port: minioPort,
    consolePort,
    dataDir: path.join(dir, 'minio-data'),
    logFile: path.join(dir, 'logs', 'minio.log'),
    pidFile: path.join(dir, 'run', 'minio.pid'),
    accessKey,
    secretKey,
    certsDir: opts.minioCertsDir,
    env: opts.minioEnv,
    timeoutMs: opts.timeoutMs,
  };

  let temporalPid: number | undefined;
  let minioPid: number | undefined;

  const runTemporal = async (): Promise<void> => {
    const t = await startTemporalServer(temporalOpts);
    temporalPid = t.pid;
    live.add(t.pid);
  };
  const runMinio = async (): Promise<void> => {
    const m = await startMinioServer(minioOpts);
    minioPid = m.pid;
    live.add(m.pid);
  };
  const halt = async (pid: number | undefined, pidFile: string | undefined): Promise<void> => {
    if (pid === undefined) return;
    await stopProcess(pid, { graceMs: 10_000, pidFile });
    live.delete(pid);
  };
  const stopTemporal = async (): Promise<void> => {
    await halt(temporalPid, temporalOpts.pidFile);
    temporalPid = undefined;
  };
  const stopMinio = async (): Promise<void> => {
    await halt(minioPid, minioOpts.pidFile);
    minioPid = undefined;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all([stopTemporal(), stopMinio()]);
  };

  const results = await Promise.allSettled([runMinio(), runTemporal()]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    await stopAll();
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    const messages = failed.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason)));
    throw new Error(`startStack failed:\n${messages.join('\n\n')}`);
  }

  return {
    temporalAddress: `127.0.0.1:${temporalPort}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    s3Endpoint: `${opts.minioCertsDir ? 'https' : 'http'}://127.0.0.1:${minioPort}`,
    accessKey,
    secretKey,
    dir,
    async restartTemporal() {
      await stopTemporal();
      await runTemporal();
    },
    stopMinio,
    async startMinio() {
      if (minioPid !== undefined && isProcessRunning(minioPid)) return;
      await runMinio();
    },
    async stop() {
      await stopAll();
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    },
    pids: () => ({ temporal: temporalPid, minio: minioPid }),
  };
}

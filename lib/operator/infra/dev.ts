/**
 * Local infrastructure without Docker: a Temporal dev server (SQLite file, Web
 * UI) and a MinIO server, both on 127.0.0.1, run as detached processes under
 * the evalflow home directory:
 *
 *   <home>/temporal.db            Temporal state (survives restarts)
 *   <home>/minio-data/            MinIO data
 *   <home>/logs/temporal.log      server logs
 *   <home>/logs/minio.log
 *   <home>/run/temporal.pid       pid files, plus <name>.json with the ports
 *   <home>/run/minio.pid
 *
 * Ports come from the settings (EVALFLOW_TEMPORAL_ADDRESS, EVALFLOW_TEMPORAL_UI,
 * EVALFLOW_S3_ENDPOINT). `devUp` is idempotent; `devDown` stops both;
 * `devStatus` reports. The lower-level `startTemporal`/`startMinio`/
 * `stopProcess`/`waitFor*` helpers are shared with the integration-test stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEFAULT_PORTS, loadSettings, type Settings } from '../../config/settings';
import { SEARCH_ATTRIBUTES } from '../../records/search-attributes';
import { defaultLogger, ensureBinary, type BinaryName, type Logger } from './binaries';
import { EvalflowError } from '../../records/errors';

export type ServiceName = BinaryName;

/** The only interface servers bind to. */
export const LOOPBACK = '127.0.0.1';
export const DEFAULT_START_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_GRACE_MS = 10_000;

// ---------------------------------------------------------------------------
// Addresses and ports

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port", "[::1]:port" or a URL ("http://host:port/…"). */
export function parseHostPort(address: string, defaultPort: number): HostPort {
  const text = address.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const url = new URL(text);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : defaultPort;
    return { host, port };
  }
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] as string, port: v6[2] !== undefined ? Number(v6[2]) : defaultPort };
  const idx = text.lastIndexOf(':');
  if (idx > 0 && /^\d+$/.test(text.slice(idx + 1))) return { host: text.slice(0, idx), port: Number(text.slice(idx + 1)) };
  return { host: text, port: defaultPort };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A port the OS considers free on `host` right now (bind to port 0, read it back, close). */
/** Can a listener bind this port now? */
function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The kernel's range for outgoing connections' local ports (Linux), or a common default. */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

/**
 * A free port for a server we are about to start. Chosen below the kernel's
 * ephemeral range: a port from that range can be taken by an outgoing
 * connection's local end between choosing it and the server binding it.
 */
export async function getFreePort(host: string = LOOPBACK): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow);
  for (let i = 0; i < 50; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canBind(host, port)) return port;
  }
  throw new Error(`could not find a free port on ${host} between ${low} and ${high}`);
}

/** Whether something accepts TCP connections on host:port (one attempt). */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Whether we could bind host:port now (false when another process listens on it). */
export function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  }).then(async (free) => (free ? !(await canConnect(host, port, 300)) : false));
}

/** Thrown by `assertPortFree`; carries the port and the suggested replacement. */
export class PortInUseError extends EvalflowError {
  constructor(
    message: string,
    readonly port: number,
  ) {
    super(message, { kind: 'setup', retryable: false });
  }
}

async function suggestPort(port: number, taken: Set<number>): Promise<number | undefined> {
  for (let candidate = port + 10; candidate < port + 200 && candidate < 65536; candidate += 10) {
    if (!taken.has(candidate) && (await isPortFree(candidate))) return candidate;
  }
  return undefined;
}

/**
 * Throws a PortInUseError such as "port 7233 (Temporal gRPC) is in use by
 * another process; set EVALFLOW_TEMPORAL_ADDRESS=127.0.0.1:7243 (free now) to
 * use another port" when the port cannot be bound. `envHint(p)` renders the
 * setting that would move the service to port p.
 */
export async function assertPortFree(
  port: number,
  what: string,
  envHint?: (port: string) => string,
  avoid: Iterable<number> = [],
): Promise<void> {
  if (await isPortFree(port)) return;
  let hint = '';
  if (envHint) {
    const alt = await suggestPort(port, new Set(avoid));
    hint = alt !== undefined ? `; set ${envHint(String(alt))} (free now) to use another port` : `; set ${envHint('<port>')} to use another port`;
  }
  throw new PortInUseError(`port ${port} (${what}) is in use by another process${hint}`, port);
}

// ---------------------------------------------------------------------------
// Waiting

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked every round; a string aborts the wait with that reason (e.g. "the process exited with code 1"). */
  abortReason?: () => string | undefined;
  /** Server log whose last lines go into the error. */
  logFile?: string;
}

/** The last `lines` lines of a file ('' when it does not exist). */
export function tailFile(file: string, lines = 30): string {
  try {
    const size = fs.statSync(file).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buf, 0, len, size - len);
    } finally {
      fs.closeSync(fd);
    }
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function withLog(message: string, logFile?: string): string {
  if (logFile === undefined) return message;
  const last = tailFile(logFile);
  return last === '' ? `${message} (log ${logFile} is empty)` : `${message}\nlast lines of ${logFile}:\n${last}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; throws with `what`, the abort reason and the log tail otherwise. */
export async function waitUntil(what: string, check: () => Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const abort = opts.abortReason?.();
    if (abort !== undefined) throw new Error(withLog(`${what}: ${abort}`, opts.logFile));
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() >= deadline) {
      throw new Error(withLog(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s`, opts.logFile));
    }
    await sleep(intervalMs);
  }
}

/** Waits until host:port accepts TCP connections. */
export function waitForPort(host: string, port: number, opts: WaitOptions = {}): Promise<void> {
  return waitUntil(`waiting for ${host}:${port} to accept connections`, () => canConnect(host, port), opts);
}

/** One GET; resolves to the status code, or undefined when nothing answered. */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number | undefined> {
  return new Promise((resolve) => {
    // An https probe only asks whether the server answers (a server we started with our own certificate), not whom to trust.
    const get = url.startsWith('https:')
      ? (cb: (res: http.IncomingMessage) => void) => https.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, cb)
      : (cb: (res: http.IncomingMessage) => void) => http.get(url, { timeout: timeoutMs }, cb);
    const req = get((res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

/** Waits until GET `url` answers with a 2xx status (or `expectStatus`). */
export function waitForHttp(url: string, opts: WaitOptions & { expectStatus?: number } = {}): Promise<void> {
  const ok = (s: number | undefined): boolean =>
    s !== undefined && (opts.expectStatus !== undefined ? s === opts.expectStatus : s >= 200 && s < 300);
  return waitUntil(`waiting for ${url}`, async () => ok(await httpStatus(url)), opts);
}

// ---------------------------------------------------------------------------
// Processes

/** Reads the pid from a pid file (undefined when missing or malformed). */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function procState(pid: number): { zombie: boolean; argv0?: string } | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    let argv0: string | undefined;
    try {
      argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    } catch {
      argv0 = undefined;
    }
    return { zombie: state === 'Z' || state === 'X', argv0 };
  } catch {
    return { zombie: true };
  }
}

/**
 * Whether `pid` is a live process. With `expectName`, a live process whose
 * executable is not named like that (a reused pid) counts as not ours (Linux).
 */
export function isProcessRunning(pid: number, expectName?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = procState(pid);
  if (st === undefined) return true;
  if (st.zombie) return false;
  if (expectName !== undefined && st.argv0 !== undefined && st.argv0 !== '') {
    return path.basename(st.argv0).includes(expectName);
  }
  return true;
}

export type StopResult = 'stopped' | 'killed' | 'not-running';

/**
 * SIGTERM, then SIGKILL after `graceMs` (default 10 s); waits until the process
 * is gone and removes `pidFile` if given.
 */
export async function stopProcess(
  pid: number,
  opts: { graceMs?: number; pidFile?: string; expectName?: string } = {},
): Promise<StopResult> {
  const graceMs = opts.graceMs ?? DEFAULT_STOP_GRACE_MS;
  const removePidFile = (): void => {
    if (opts.pidFile !== undefined && readPidFile(opts.pidFile) === pid) fs.rmSync(opts.pidFile, { force: true });
  };
  if (!isProcessRunning(pid, opts.expectName)) {
    removePidFile();
    return 'not-running';
  }
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!isProcessRunning(pid)) return true;
      await sleep(100);
    }
    return !isProcessRunning(pid);
  };
  let result: StopResult = 'stopped';
  if (!(await gone(graceMs))) {
    signal('SIGKILL');
    result = 'killed';
    if (!(await gone(10_000))) throw new Error(`process ${pid} did not exit after SIGKILL`);
  }
  removePidFile();
  return result;
}

export interface ManagedProcess {
  name: ServiceName;
  pid: number;
  logFile: string;
  pidFile?: string;
  /** The spawned child (only in the process that started it). */
  child: ChildProcess;
}

/**
 * Spawns `binary args` detached (own process group, survives our exit), stdout
 * and stderr appended to `logFile`. Returns once the OS reports the pid.
 */
async function spawnDetached(
  name: ServiceName,
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  pidFile: string | undefined,
): Promise<ManagedProcess & { exitReason: () => string | undefined }> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    fs.writeSync(fd, `\n=== ${new Date().toISOString()} evalflow starts: ${binary} ${args.join(' ')}\n`);
    child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env });
  } finally {
    fs.closeSync(fd);
  }
  let exitReason: string | undefined;
  child.once('exit', (code, sig) => {
    exitReason = sig !== null ? `${name} was killed by ${sig}` : `${name} exited with code ${code}`;
  });
  await new Promise<void>((resolve) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) => {
      exitReason = `${name} could not start (${binary}): ${err.message}`;
      resolve();
    });
  });
  child.unref();
  if (exitReason !== undefined || child.pid === undefined) {
    throw new Error(withLog(exitReason ?? `${name} could not start`, logFile));
  }
  if (pidFile !== undefined) {
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, `${child.pid}\n`);
  }
  return { name, pid: child.pid, logFile, pidFile, child, exitReason: () => exitReason };
}

async function runProbe(binary: string, args: string[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** Whether the Temporal frontend at `address` serves `namespace` (via `temporal operator namespace describe`). */
export function temporalNamespaceReady(binary: string, address: string, namespace = 'default'): Promise<boolean> {
  return runProbe(
    binary,
    ['operator', 'namespace', 'describe', '-n', namespace, '--address', address,
      '--disable-config-file', '--disable-config-env', '--command-timeout', '5s', '-o', 'none'],
    10_000,
  );
}

// ---------------------------------------------------------------------------
// Temporal

export interface TemporalServerOptions {
  /** Path of the `temporal` CLI; found or installed when omitted. */
  binary?: string;
  port: number;
  uiPort: number;
  /** HTTP API and metrics ports; random free ports chosen by the server when omitted. */
  httpPort?: number;
  metricsPort?: number;
  /** SQLite file; state survives restarts. */
  dbFile: string;
  logFile: string;
  pidFile?: string;
  /** Namespaces to create at launch; "default" always exists. */
  namespaces?: string[];
  timeoutMs?: number;
  log?: Logger;
}

export interface TemporalServer extends ManagedProcess {
  address: string;
  uiUrl: string;
}

/** Starts `temporal server start-dev` on 127.0.0.1 and waits until the namespaces answer. */
export async function startTemporal(opts: TemporalServerOptions): Promise<TemporalServer> {
  const binary = opts.binary ?? (await ensureBinary('temporal', { log: opts.log }));
  const namespaces = [...new Set(['default', ...(opts.namespaces ?? [])])];
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', LOOPBACK,
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--db-filename', opts.dbFile,
    ...namespaces.flatMap((ns) => ['--namespace', ns]),
    // evalflow's search attributes, so runs can be filtered in the UI and `evalflow ls runs`.
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    '--log-level', 'warn',
  ];
  if (opts.httpPort !== undefined) args.push('--http-port', String(opts.httpPort));
  if (opts.metricsPort !== undefined) args.push('--metrics-port', String(opts.metricsPort));
  const proc = await spawnDetached('temporal', binary, args, process.env, opts.logFile, opts.pidFile);
  const address = `${LOOPBACK}:${opts.port}`;
  const uiUrl = `http://${LOOPBACK}:${opts.uiPort}`;
  const wait: WaitOptions = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    abortReason: proc.exitReason,
    logFile: opts.logFile,
  };
  try {
    const deadline = Date.now() + (wait.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    const left = (): WaitOptions => ({ ...wait, timeoutMs: Math.max(1000, deadline - Date.now()) });
    await waitForPort(LOOPBACK, opts.port, left());
    for (const ns of namespaces) {
      await waitUntil(`waiting for Temporal namespace "${ns}" at ${address}`, () => temporalNamespaceReady(binary, address, ns), left());
    }
    await waitForHttp(uiUrl, left());
  } catch (err) {
    await stopProcess(proc.pid, { graceMs: 2000, pidFile: opts.pidFile });
    throw err;
  }
  const { exitReason: _exitReason, ...rest } = proc;
  return { ...rest, address, uiUrl };
}

// ---------------------------------------------------------------------------
// MinIO

export interface MinioServerOptions {
  /** Path of the `minio` binary; found or installed when omitted. */
  binary?: string;
  port: number;
  consolePort: number;
  dataDir: string;
  logFile: string;
  pidFile?: string;
  /** MINIO_ROOT_USER / MINIO_ROOT_PASSWORD (the password needs at least 8 characters). */
  accessKey: string;
  secretKey: string;
  /** Serve https with `<certsDir>/public.crt` and `private.key` (MinIO's --certs-dir); plain http when unset. */
  certsDir?: string;
  /** Extra environment for the server (e.g. MINIO_STS_DURATION). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  log?: Logger;
}

export interface MinioServer extends ManagedProcess {
  endpoint: string;
  consoleUrl: string;
}

/** Starts `minio server` on 127.0.0.1 and waits until /minio/health/live answers. */
export async function startMinio(opts: MinioServerOptions): Promise<MinioServer> {
  const binary = opts.binary ?? (await ensureBinary('minio', { log: opts.log }));
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server', opts.dataDir,
    '--address', `${LOOPBACK}:${opts.port}`,
    '--console-address', `${LOOPBACK}:${opts.consolePort}`,
    ...(opts.certsDir ? ['--certs-dir', opts.certsDir] : []),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    MINIO_ROOT_USER: opts.accessKey,
    MINIO_ROOT_PASSWORD: opts.secretKey,
    MINIO_UPDATE: 'off',
  };
  const proc = await spawnDetached('minio', binary, args, env, opts.logFile, opts.pidFile);
  const endpoint = `${opts.certsDir ? 'https' : 'http'}://${LOOPBACK}:${opts.port}`;
  try {
    await waitForHttp(`${endpoint}/minio/health/live`, {
      timeoutMs: opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      abortReason: proc.exitReason,
      logFile: opts.logFile,
    });
  } catch (err) {
    await stopProcess(proc.pid, { graceMs: 2000, pidFile: opts.pidFile });
    throw err;
  }
  const { exitReason: _exitReason, ...rest } = proc;
  return { ...rest, endpoint, consoleUrl: `http://${LOOPBACK}:${opts.consolePort}` };
}

// ---------------------------------------------------------------------------
// evalflow dev up / down / status

export interface DevOptions {
  /** Defaults to `loadSettings()` (read from the environment at call time). */
  settings?: Settings;
  log?: Logger;
  /** Install missing binaries (default true). */
  install?: boolean;
  /** Per-server start timeout (default 60 s). */
  timeoutMs?: number;
  /** SIGTERM grace period of `devDown` (default 10 s). */
  graceMs?: number;
  /** MinIO console port; default 9001 with the default S3 port, else S3 port + 1 (or a free one). */
  minioConsolePort?: number;
}

export interface DevPaths {
  homeDir: string;
  logsDir: string;
  runDir: string;
  temporalDb: string;
  minioData: string;
  temporalLog: string;
  minioLog: string;
  temporalPid: string;
  minioPid: string;
}

export function devPaths(homeDir: string): DevPaths {
  const logsDir = path.join(homeDir, 'logs');
  const runDir = path.join(homeDir, 'run');
  return {
    homeDir,
    logsDir,
    runDir,
    temporalDb: path.join(homeDir, 'temporal.db'),
    minioData: path.join(homeDir, 'minio-data'),
    temporalLog: path.join(logsDir, 'temporal.log'),
    minioLog: path.join(logsDir, 'minio.log'),
    temporalPid: path.join(runDir, 'temporal.pid'),
    minioPid: path.join(runDir, 'minio.pid'),
  };
}

export interface ServiceStatus {
  name: ServiceName;
  /** running: process alive and answering; unhealthy: alive but not answering; stopped: no process. */
  state: 'running' | 'unhealthy' | 'stopped';
  running: boolean;
  pid?: number;
  port: number;
  /** Temporal: host:port for clients; MinIO: the S3 endpoint URL. */
  address: string;
  /** Temporal Web UI or MinIO console. */
  uiUrl: string;
  uiPort: number;
  logFile: string;
  /** e.g. "stale pid file (pid 123 is not running)" or "port 7233 is in use by a process evalflow did not start". */
  note?: string;
}

export interface DevStatus {
  homeDir: string;
  temporal: ServiceStatus;
  minio: ServiceStatus;
}

export interface DevUpResult extends DevStatus {
  started: ServiceName[];
  alreadyRunning: ServiceName[];
}

export interface DevDownResult {
  homeDir: string;
  stopped: ServiceName[];
  notRunning: ServiceName[];
}

/** What a running server recorded about itself in <home>/run/<name>.json. */
interface RunRecord {
  pid: number;
  port: number;
  uiPort: number;
  startedAt: string;
}

interface Wanted {
  temporal: { port: number; uiPort: number };
  minio: { port: number; consolePort?: number };
}

function recordFile(paths: DevPaths, name: ServiceName): string {
  return path.join(paths.runDir, `${name}.json`);
}

function pidFileOf(paths: DevPaths, name: ServiceName): string {
  return name === 'temporal' ? paths.temporalPid : paths.minioPid;
}

function logFileOf(paths: DevPaths, name: ServiceName): string {
  return name === 'temporal' ? paths.temporalLog : paths.minioLog;
}

function readRecord(paths: DevPaths, name: ServiceName): RunRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(recordFile(paths, name), 'utf8')) as Partial<RunRecord>;
    if (typeof r.pid === 'number' && typeof r.port === 'number' && typeof r.uiPort === 'number') {
      return { pid: r.pid, port: r.port, uiPort: r.uiPort, startedAt: String(r.startedAt ?? '') };
    }
  } catch {
    /* missing or unreadable */
  }
  return undefined;
}

function writeRecord(paths: DevPaths, name: ServiceName, rec: RunRecord): void {
  fs.mkdirSync(paths.runDir, { recursive: true });
  fs.writeFileSync(recordFile(paths, name), JSON.stringify(rec, null, 2) + '\n');
}

function clearRun(paths: DevPaths, name: ServiceName): void {
  fs.rmSync(pidFileOf(paths, name), { force: true });
  fs.rmSync(recordFile(paths, name), { force: true });
}

function wantedPorts(settings: Settings, opts: DevOptions): Wanted {
  const t = parseHostPort(settings.temporalAddress, DEFAULT_PORTS.temporal);
  const ui = parseHostPort(settings.uiUrl, DEFAULT_PORTS.temporalUi);
  const s3 = parseHostPort(settings.storage.endpoint, DEFAULT_PORTS.minio);
  const checks: Array<[string, string, string]> = [
    ['EVALFLOW_TEMPORAL_ADDRESS', settings.temporalAddress, t.host],
    ['EVALFLOW_TEMPORAL_UI', settings.uiUrl, ui.host],
    ['EVALFLOW_S3_ENDPOINT', settings.storage.endpoint, s3.host],
  ];
  for (const [envName, value, host] of checks) {
    if (!isLoopbackHost(host)) {
      throw new Error(
        `evalflow dev runs servers on ${LOOPBACK} only, but ${envName}=${value} points to ${host}; ` +
          `unset it or use ${LOOPBACK}:<port>`,
      );
    }
  }
  if (settings.storage.endpoint.startsWith('https:')) {
    throw new Error(`evalflow dev runs MinIO over plain HTTP; EVALFLOW_S3_ENDPOINT=${settings.storage.endpoint} uses https`);
  }
  let consolePort = opts.minioConsolePort;
  if (consolePort === undefined && s3.port === DEFAULT_PORTS.minio) consolePort = DEFAULT_PORTS.minioConsole;
  return { temporal: { port: t.port, uiPort: ui.port }, minio: { port: s3.port, consolePort } };
}

interface Observed {
  pid?: number;
  record?: RunRecord;
  alive: boolean;
  /** pid file present but its process is gone. */
  stalePid?: number;
}

function observe(paths: DevPaths, name: ServiceName): Observed {
  const pid = readPidFile(pidFileOf(paths, name));
  const record = readRecord(paths, name);
  if (pid === undefined) return { alive: false };
  if (isProcessRunning(pid, name)) return { pid, record: record?.pid === pid ? record : undefined, alive: true };
  return { alive: false, stalePid: pid };
}

async function healthy(name: ServiceName, port: number): Promise<boolean> {
  if (name === 'temporal') return canConnect(LOOPBACK, port);
  const s = await httpStatus(`http://${LOOPBACK}:${port}/minio/health/live`);
  return s !== undefined && s >= 200 && s < 300;
}

async function serviceStatus(paths: DevPaths, name: ServiceName, wanted: Wanted): Promise<ServiceStatus> {
  const o = observe(paths, name);
  const port = o.record?.port ?? wanted[name].port;
  const uiPort =
    o.record?.uiPort ??
    (name === 'temporal' ? wanted.temporal.uiPort : (wanted.minio.consolePort ?? wanted.minio.port + 1));
  const base = {
    name,
    port,
    uiPort,
    address: name === 'temporal' ? `${LOOPBACK}:${port}` : `http://${LOOPBACK}:${port}`,
    uiUrl: `http://${LOOPBACK}:${uiPort}`,
    logFile: logFileOf(paths, name),
  };
  if (o.alive) {
    const ok = await healthy(name, port);
    return { ...base, state: ok ? 'running' : 'unhealthy', running: ok, pid: o.pid, ...(ok ? {} : { note: `pid ${o.pid} is alive but port ${port} does not answer` }) };
  }
  let note: string | undefined;
  if (o.stalePid !== undefined) note = `stale pid file (pid ${o.stalePid} is not running)`;
  else if (!(await isPortFree(port))) note = `port ${port} is in use by a process evalflow did not start`;
  return { ...base, state: 'stopped', running: false, ...(note !== undefined ? { note } : {}) };
}

/** Running/stopped, ports, pids and URLs of the two dev servers. */
export async function devStatus(opts: DevOptions = {}): Promise<DevStatus> {
  const settings = opts.settings ?? loadSettings();
  const paths = devPaths(settings.homeDir);
  const wanted = wantedPorts(settings, opts);
  const [temporal, minio] = await Promise.all([
    serviceStatus(paths, 'temporal', wanted),
    serviceStatus(paths, 'minio', wanted),
  ]);
  return { homeDir: paths.homeDir, temporal, minio };
}

/** Human-readable status lines (for `evalflow dev status`). */
export function formatDevStatus(s: DevStatus): string {
  const line = (x: ServiceStatus, label: string, uiLabel: string): string => {
    const head = `${label}: ${x.state}`;
    const where = x.running || x.state === 'unhealthy' ? `  pid ${x.pid}  ${x.address}  ${uiLabel} ${x.uiUrl}` : `  (port ${x.port})`;
    return `${head}${where}${x.note !== undefined ? `  — ${x.note}` : ''}\n  log: ${x.logFile}`;
  };
  return [
    `evalflow dev home: ${s.homeDir}`,
    line(s.temporal, 'temporal', 'UI'),
    line(s.minio, 'minio', 'console'),
  ].join('\n');
}

/**
 * Starts whatever is not running yet (installing binaries if needed), waits
 * until both answer, and reports. A second call finds both running and says so.
 */
export async function devUp(opts: DevOptions = {}): Promise<DevUpResult> {
  const settings = opts.settings ?? loadSettings();
  const log = opts.log ?? defaultLogger;
  const paths = devPaths(settings.homeDir);
  const wanted = wantedPorts(settings, opts);
  fs.mkdirSync(paths.logsDir, { recursive: true });
  fs.mkdirSync(paths.runDir, { recursive: true });

  const alreadyRunning: ServiceName[] = [];
  const toStart: ServiceName[] = [];
  for (const name of ['temporal', 'minio'] as const) {
    const o = observe(paths, name);
    if (o.stalePid !== undefined) {
      log(`${name}: removing stale pid file (pid ${o.stalePid} is not running)`);
      clearRun(paths, name);
    }
    if (!o.alive) {
      toStart.push(name);
      continue;
    }
    const port = o.record?.port;
    if (port !== undefined && port !== wanted[name].port) {
      const envName = name === 'temporal' ? 'EVALFLOW_TEMPORAL_ADDRESS' : 'EVALFLOW_S3_ENDPOINT';
      throw new Error(
        `${name} is already running from ${paths.homeDir} on port ${port} (pid ${o.pid}), but ${envName} asks for port ` +
          `${wanted[name].port}; run \`evalflow dev down\` first, or set ${envName} back to port ${port}`,
      );
    }
    const checkPort = port ?? wanted[name].port;
    await waitUntil(`${name} (pid ${o.pid}) is running but does not answer on port ${checkPort}`, () => healthy(name, checkPort), {
      timeoutMs: Math.min(opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS, 15_000),
      logFile: logFileOf(paths, name),
    });
    alreadyRunning.push(name);
    log(`${name} is already running (pid ${o.pid})`);
  }

  if (toStart.length > 0) {
    // Check every port first, so the user gets one clear error before anything starts.
    const minioConsole = async (): Promise<number> => {
      if (wanted.minio.consolePort !== undefined) return wanted.minio.consolePort;
      const next = wanted.minio.port + 1;
      return next < 65536 && next !== wanted.temporal.port && next !== wanted.temporal.uiPort && (await isPortFree(next))
        ? next
        : getFreePort();
    };
    const consolePort = toStart.includes('minio') ? await minioConsole() : undefined;
    const taken = [wanted.temporal.port, wanted.temporal.uiPort, wanted.minio.port, ...(consolePort !== undefined ? [consolePort] : [])];
    if (toStart.includes('temporal')) {
      await assertPortFree(wanted.temporal.port, 'Temporal gRPC', (p) => `EVALFLOW_TEMPORAL_ADDRESS=${LOOPBACK}:${p}`, taken);
      await assertPortFree(wanted.temporal.uiPort, 'Temporal Web UI', (p) => `EVALFLOW_TEMPORAL_UI=http://${LOOPBACK}:${p}`, taken);
    }
    if (toStart.includes('minio') && consolePort !== undefined) {
      await assertPortFree(wanted.minio.port, 'MinIO S3 API', (p) => `EVALFLOW_S3_ENDPOINT=http://${LOOPBACK}:${p}`, taken);
      await assertPortFree(consolePort, 'MinIO console', undefined, taken);
    }

    const binaries: Partial<Record<ServiceName, string>> = {};
    for (const name of toStart) binaries[name] = await ensureBinary(name, { log, install: opts.install });

    const started: Array<{ name: ServiceName; pid: number }> = [];
    try {
      // MinIO first: it binds within a second, so the Temporal dev server's
      // randomly chosen auxiliary ports cannot land on it.
      if (consolePort !== undefined) {
        log(`starting MinIO on ${LOOPBACK}:${wanted.minio.port} (data ${paths.minioData}, log ${paths.minioLog})`);
        const m = await startMinio({
          binary: binaries.minio,
          port: wanted.minio.port,
          consolePort,
          dataDir: paths.minioData,
          logFile: paths.minioLog,
          pidFile: paths.minioPid,
          accessKey: settings.storage.accessKey,
          secretKey: settings.storage.secretKey,
          timeoutMs: opts.timeoutMs,
          log,
        });
        started.push({ name: 'minio', pid: m.pid });
        writeRecord(paths, 'minio', { pid: m.pid, port: wanted.minio.port, uiPort: consolePort, startedAt: new Date().toISOString() });
      }
      if (toStart.includes('temporal')) {
        log(`starting the Temporal dev server on ${LOOPBACK}:${wanted.temporal.port} (db ${paths.temporalDb}, log ${paths.temporalLog}); this takes a few seconds`);
        const t = await startTemporal({
          binary: binaries.temporal,
          port: wanted.temporal.port,
          uiPort: wanted.temporal.uiPort,
          dbFile: paths.temporalDb,
          logFile: paths.temporalLog,
          pidFile: paths.temporalPid,
          namespaces: [settings.namespace],
          timeoutMs: opts.timeoutMs,
          log,
        });
        started.push({ name: 'temporal', pid: t.pid });
        writeRecord(paths, 'temporal', { pid: t.pid, port: wanted.temporal.port, uiPort: wanted.temporal.uiPort, startedAt: new Date().toISOString() });
      }
    } catch (err) {
      for (const s of started) {
        await stopProcess(s.pid, { graceMs: 3000, pidFile: pidFileOf(paths, s.name) });
        clearRun(paths, s.name);
      }
      throw err;
    }
  }

  const status = await devStatus({ ...opts, settings });
  for (const x of [status.temporal, status.minio]) {
    if (!x.running) throw new Error(withLog(`${x.name} is ${x.state} after start${x.note !== undefined ? `: ${x.note}` : ''}`, x.logFile));
  }
  log(`Temporal: ${status.temporal.address} (pid ${status.temporal.pid}), Web UI ${status.temporal.uiUrl}`);
  log(`MinIO:    ${status.minio.address} (pid ${status.minio.pid}), console ${status.minio.uiUrl}`);
  return { ...status, started: toStart, alreadyRunning };
}

/** Stops both dev servers (SIGTERM, then SIGKILL after the grace period). */
export async function devDown(opts: DevOptions = {}): Promise<DevDownResult> {
  const settings = opts.settings ?? loadSettings();
  const log = opts.log ?? defaultLogger;
  const paths = devPaths(settings.homeDir);
  const stopped: ServiceName[] = [];
  const notRunning: ServiceName[] = [];
  await Promise.all(
    (['temporal', 'minio'] as const).map(async (name) => {
      const o = observe(paths, name);
      if (!o.alive || o.pid === undefined) {
        if (o.stalePid !== undefined) log(`${name}: removing stale pid file (pid ${o.stalePid} is not running)`);
        clearRun(paths, name);
        notRunning.push(name);
        log(`${name} is not running`);
        return;
      }
      const r = await stopProcess(o.pid, { graceMs: opts.graceMs, pidFile: pidFileOf(paths, name), expectName: name });
      clearRun(paths, name);
      if (r === 'not-running') {
        notRunning.push(name);
        log(`${name} is not running`);
      } else {
        stopped.push(name);
        log(`${name} stopped (pid ${o.pid}${r === 'killed' ? ', killed after the grace period' : ''})`);
      }
    }),
  );
  const inOrder = (names: ServiceName[]): ServiceName[] => (['temporal', 'minio'] as const).filter((n) => names.includes(n));
  return { homeDir: paths.homeDir, stopped: inOrder(stopped), notRunning: inOrder(notRunning) };
}

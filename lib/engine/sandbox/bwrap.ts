/**
 * The sandbox: every program runs in a fresh bubblewrap container.
 *
 * - Filesystem: an empty root (tmpfs, remounted read-only) with /usr and the
 *   /bin, /lib… links, the two /etc entries the dynamic linker needs
 *   (ld.so.cache, alternatives — Debian's BLAS is picked through them), the
 *   job's files read-only at /job (the working directory), a private tmpfs
 *   at /tmp of bounded size, named data read-only at /data/<name>. Nothing of
 *   the worker's home, checkout, credentials or the host's /etc is visible.
 * - Namespaces: user, pid, net (no interfaces but a down loopback), ipc, uts,
 *   cgroup; a new session (no terminal injection); the container dies with
 *   its parent.
 * - Environment: cleared; PATH, HOME=/tmp, LANG and single-threaded BLAS only.
 * - Limits: wall time (the whole process tree is killed), CPU time (RLIMIT_CPU,
 *   a little above the wall limit), address space (RLIMIT_AS), file size
 *   (RLIMIT_FSIZE), open files, no core dumps, processes (RLIMIT_NPROC, which
 *   counts per real user id: when the worker runs as root every concurrent
 *   slot gets a user id of its own, so one sandbox's fork bomb cannot starve
 *   another; otherwise the limit is shared with the worker's user), and
 *   captured output (a program writing past the bound is stopped).
 *
 * Concurrency is bounded by `slots` (default: the machine's cores).
 * A failure of the sandbox itself (bubblewrap missing or refused, setup error,
 * the container killed from outside) throws SandboxError: the caller retries,
 * it is never a wrong answer.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxError, type SandboxJob, type SandboxResult, type SandboxRunner } from './types';
import { telemetry } from '../telemetry';

export interface SandboxSettings {
  /** Programs running at the same time (default: CPU cores). */
  slots?: number;
  /** Address-space limit per program in MiB when the job names none (default 2048). */
  memoryMb?: number;
  /** Bytes of stdout and of stderr kept (default 1 MiB each). */
  outputBytes?: number;
  /** Output a program may write in all before it is stopped (default 16 MiB). */
  outputLimitBytes?: number;
  /** Processes (threads count too) per sandbox (default 64). */
  maxProcesses?: number;
  /** Size of the private /tmp in bytes (default 256 MiB). */
  tmpBytes?: number;
  /** Named read-only data: name → host directory (e.g. scicode → the folder holding test_data.h5). */
  data?: Record<string, string>;
  /** bubblewrap executable (default: `bwrap` on PATH). */
  bwrap?: string;
  /** First user id of the per-slot ids used when running as root (default 61000). */
  uidBase?: number;
}

export interface Sandbox {
  run: SandboxRunner;
  slots: number;
  /** Run a trivial Python program; throws SandboxError with a fix when the sandbox cannot work here. */
  check(): Promise<void>;
}

const SIGNALS: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ' };

/** Root-level entries: links stay links (merged /usr), directories are bound read-only. */
function rootBinds(): string[] {
  const args: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const p of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(p)) continue;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(p), p);
    else if (st.isDirectory()) args.push('--ro-bind', p, p);
  }
  for (const p of ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/localtime']) {
    if (existsSync(p)) args.push('--ro-bind', p, p);
  }
  return args;
}

class Slots {
  private readonly free: number[];
  private readonly waiters: ((slot: number) => void)[] = [];
  constructor(n: number) {
    this.free = Array.from({ length: n }, (_, i) => i);
  }
  async acquire(): Promise<number> {
    const s = this.free.shift();
    if (s !== undefined) return s;
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(slot: number): void {
    const w = this.waiters.shift();
    if (w) w(slot);
    else this.free.push(slot);
  }
}

function bounded(text: string, n = 300): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

export function createSandbox(settings: SandboxSettings = {}): Sandbox {
  const slotCount = Math.max(1, settings.slots ?? os.cpus().length);
  const slots = new Slots(slotCount);
  const keep = settings.outputBytes ?? 1 << 20;
  const outputLimit = settings.outputLimitBytes ?? 16 << 20;
  const bwrap = settings.bwrap ?? 'bwrap';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const uidBase = settings.uidBase ?? 61000;
  const root = rootBinds();
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'evalflow-sandbox-'));
  chmodSync(workRoot, 0o755);
  process.once('exit', () => rmSync(workRoot, { recursive: true, force: true }));

  async function runInSlot(job: SandboxJob, slot: number): Promise<SandboxResult> {
    if (!job.command.length) throw new Error('sandbox job without a command');
    const dir = mkdtempSync(path.join(workRoot, 'job-'));
    try {
      for (const [rel, content] of Object.entries(job.files)) {
        const file = path.resolve(dir, rel);
        if (!file.startsWith(dir + path.sep)) throw new Error(`sandbox job file ${JSON.stringify(rel)} points outside the job directory`);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      // World-readable: the program may run under a per-slot user id.
      chmodSync(dir, 0o755);
      const wallS = Math.max(1, Math.ceil(job.timeoutMs / 1000));
      const memBytes = (job.memoryMb ?? settings.memoryMb ?? 2048) * 1024 * 1024;
      const limits = [
        `--cpu=${wallS + 1}:${wallS + 2}`,
        `--as=${memBytes}`,
        `--fsize=${settings.tmpBytes ?? 256 << 20}`,
        `--nproc=${settings.maxProcesses ?? 64}`,
        '--nofile=256',
        '--core=0',
      ];
      const env: [string, string][] = [
        ['PATH', '/usr/local/bin:/usr/bin:/bin'],
        ['HOME', '/tmp'],
        ['TMPDIR', '/tmp'],
        ['LANG', 'C.UTF-8'],
        ['PYTHONDONTWRITEBYTECODE', '1'],
        ['PYTHONUNBUFFERED', '1'],
        ['OMP_NUM_THREADS', '1'],
        ['OPENBLAS_NUM_THREADS', '1'],
        ['MKL_NUM_THREADS', '1'],
      ];
      const dataBinds: string[] = [];
      for (const name of job.data ?? []) {
        const host = settings.data?.[name];
        if (!host) continue; // the program sees no EVALFLOW_DATA_<NAME> and reports what is missing
        dataBinds.push('--ro-bind', host, `/data/${name}`);
        env.push([`EVALFLOW_DATA_${name.toUpperCase()}`, `/data/${name}`]);
      }
      const args = [
        ...root,
        '--proc', '/proc',
        '--dev', '/dev',
        '--size', String(settings.tmpBytes ?? 256 << 20), '--tmpfs', '/tmp',
        '--ro-bind', dir, '/job',
        ...dataBinds,
        '--chdir', '/job',
        '--unshare-all',
        // The program is PID 1 of its namespace, waited for by bwrap itself: no
        // reaper process that outlives bwrap and is left for the host's init to
        // reap (a container init that reaps slowly piles up zombies that count
        // against the per-user process limit).
        '--as-pid-1',
        '--hostname', 'sandbox',
        '--die-with-parent',
        '--new-session',
        '--clearenv',
        ...env.flatMap(([k, v]) => ['--setenv', k, v]),
        '--remount-ro', '/',
        '--json-status-fd', '3',
        '--',
        ...job.command,
      ];
      const prefix = isRoot
        ? ['setpriv', `--reuid=${uidBase + slot}`, `--regid=${uidBase + slot}`, '--clear-groups', '--', 'prlimit', ...limits, '--', bwrap]
        : ['prlimit', ...limits, '--', bwrap];
      return await execute(prefix, args, job, keep, outputLimit);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const run: SandboxRunner = async (job) => {
    const slot = await slots.acquire();
    try {
      return await runInSlot(job, slot);
    } finally {
      slots.release(slot);
    }
  };

  // Programs of the benchmarks are counted by verdict (evalflow_sandbox_programs_total); the check below is not.
  const counted: SandboxRunner = async (job) => {
    try {
      const r = await run(job);
      telemetry.sandboxProgram(r.status);
      return r;
    } catch (e) {
      if (e instanceof SandboxError) telemetry.sandboxProgram('sandbox_error');
      throw e;
    }
  };

  return {
    run: counted,
    slots: slotCount,
    async check() {
      const r = await run({ files: { 'check.py': 'import sys\nprint("sandbox ok", sys.version_info[0])\n' }, command: ['python3', 'check.py'], timeoutMs: 10_000 });
      if (r.status !== 'ok' || !r.stdout.includes('sandbox ok 3')) {
        throw new SandboxError(
          `the sandbox cannot run Python here (${r.status}, exit ${r.exitCode}): ${bounded(r.stderr.trim() || r.stdout.trim())} — ` +
            `install Python 3 with 'apt-get install python3 python3-numpy python3-scipy python3-sympy python3-h5py'`,
        );
      }
    },
  };
}

function execute(prefix: string[], args: string[], job: SandboxJob, keep: number, outputLimit: number): Promise<SandboxResult> {
  return new Promise<SandboxResult>((resolve, reject) => {
    const started = Date.now();
    let child;
    try {
      child = spawn(prefix[0], [...prefix.slice(1), ...args], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    } catch (e) {
      reject(new SandboxError(`could not start the sandbox: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let total = 0;
    let truncated = false;
    let killedFor: 'timeout' | 'output_limit' | null = null;
    let status = '';
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone already */
      }
    };
    const take = (bufs: Buffer[], len: number, chunk: Buffer): number => {
      total += chunk.length;
      if (total > outputLimit && !killedFor) {
        killedFor = 'output_limit';
        kill();
      }
      if (len >= keep) {
        truncated = true;
        return len;
      }
      const part = chunk.length > keep - len ? chunk.subarray(0, keep - len) : chunk;
      if (part.length < chunk.length) truncated = true;
      bufs.push(part);
      return len + part.length;
    };
    child.stdout!.on('data', (c: Buffer) => (outLen = take(out, outLen, c)));
    child.stderr!.on('data', (c: Buffer) => (errLen = take(err, errLen, c)));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => (status += c.toString('utf8')));
    const timer = setTimeout(() => {
      killedFor ??= 'timeout';
      kill();
    }, job.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' ? ` — install bubblewrap and util-linux ('apt-get install bubblewrap util-linux')` : '';
      reject(new SandboxError(`could not start the sandbox (${prefix[0]}): ${e.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const started_ = /"child-pid"/.test(status);
      const exitMatch = /"exit-code"\s*:\s*(-?\d+)/.exec(status);
      if (killedFor) {
        resolve({ status: killedFor, exitCode: null, signal: 'SIGKILL', stdout, stderr, truncated, wallMs });
        return;
      }
      if (!started_) {
        // bubblewrap never started the program: the sandbox itself failed.
        reject(new SandboxError(`the sandbox did not start (exit ${code ?? signal}): ${bounded(stderr.trim()) || 'no message'}`));
        return;
      }
      if (!exitMatch) {
        // The container was killed from outside before it could report: not the program's doing.
        reject(new SandboxError(`the sandbox was killed from outside (${signal ?? `exit ${code}`}) while running the program${stderr.trim() ? `: ${bounded(stderr.trim())}` : ''}`));
        return;
      }
      const exit = Number(exitMatch[1]);
      if (exit === 1 && /^bwrap: execvp /m.test(stderr)) {
        reject(new SandboxError(`the sandbox could not run ${JSON.stringify(job.command[0])}: ${bounded(stderr.trim())}`));
        return;
      }
      if (exit > 128) {
        const sig = exit - 128;
        const name = SIGNALS[sig] ?? `signal ${sig}`;
        // SIGXCPU: the CPU-time limit (set a little above the wall limit).
        resolve({ status: sig === 24 ? 'timeout' : 'runtime_error', exitCode: exit, signal: name, stdout, stderr, truncated, wallMs });
        return;
      }
      resolve({ status: exit === 0 ? 'ok' : 'runtime_error', exitCode: exit, signal: null, stdout, stderr, truncated, wallMs });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(job.stdin ?? '');
  });
}

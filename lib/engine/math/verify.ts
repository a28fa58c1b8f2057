/**
 * The math grader client: NeMo-Skills' math_equal (0b012df8), i.e. math-verify
 * 0.9.0 called the way NeMo-Skills calls it, in one long-lived Python process
 * per worker process (lib/engine/math/grader.py, JSON lines over stdin/stdout).
 *
 * - The process starts on the first comparison and answers requests in order;
 *   concurrent callers pipeline their requests through it.
 * - Inside Python, parse() and verify() keep the reference's own signal-based
 *   timeouts (5 s per parse, 10 s per verify), so a comparison that times out
 *   there is False, as in the reference. A comparison that still gets no answer
 *   within COMPARISON_DEADLINE_MS (stuck where Python's alarm cannot interrupt;
 *   the reference would hang) also counts False, marked `timedOut`; the process
 *   is killed and restarted, and the requests behind it are sent again.
 * - A process that dies is restarted and the unanswered requests sent again; a
 *   comparison that was in flight in three deaths fails with MathGraderError.
 * - No Python with the packages: MathGraderSetupError, saying how to install it.
 * - closeMathGrader() ends the process (the scoring plugin calls it when its
 *   worker shuts down); while idle the process never keeps Node alive.
 *
 * The Python: EVALFLOW_MATH_PYTHON (lib/config/settings.ts) or the venv that
 * scripts/setup-math.sh installs in <cacheDir>/venvs/math-verify-<hash of the
 * pins in lib/engine/math/requirements.txt>.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSettings } from '../../config/settings';
import { EvalflowError } from '../../records/errors';

/** The repository root (this file runs as dist/lib/engine/math/verify.js). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const GRADER_SCRIPT = path.join(REPO_ROOT, 'lib', 'engine', 'math', 'grader.py');
export const MATH_REQUIREMENTS = path.join(REPO_ROOT, 'lib', 'engine', 'math', 'requirements.txt');
export const SETUP_SCRIPT = path.join(REPO_ROOT, 'scripts', 'setup-math.sh');
const SETUP_HINT =
  "install it with 'bash scripts/setup-math.sh' (or 'node bin/evalflow.js dev install') on this worker's host, " +
  'or set EVALFLOW_MATH_PYTHON to a Python that has the packages of lib/engine/math/requirements.txt';

/** Longest wait for one comparison's answer (the reference's own timeouts add up to at most ~65 s). */
export const COMPARISON_DEADLINE_MS = 120_000;
/** Longest wait for the process to import sympy and math-verify and say it is ready. */
const STARTUP_DEADLINE_MS = 120_000;
const MAX_DEATHS_PER_COMPARISON = 3;

/** The worker has no working math grader (no venv, wrong versions): not a wrong answer; fix the host and resume. */
export class MathGraderSetupError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'setup', retryable: false });
  }
}

/** The grader process failed on a comparison repeatedly (retry the activity). */
export class MathGraderError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'grader', retryable: true });
  }
}

export interface MathVerdict {
  correct: boolean;
  /** math_equal raised (the reference would stop its evaluation there); counted as wrong. */
  error?: string;
  /** No answer within COMPARISON_DEADLINE_MS; counted as wrong. */
  timedOut?: boolean;
}

/** `name==version` lines of lib/engine/math/requirements.txt (comments and blanks dropped). */
export function mathPins(file = MATH_REQUIREMENTS): Map<string, string> {
  const pins = new Map<string, string>();
  for (const line of pinLines(file)) {
    const m = /^([A-Za-z0-9_.-]+)==(\S+)$/.exec(line);
    if (!m) throw new Error(`${file}: "${line}" is not an exact pin (name==version)`);
    pins.set(m[1]!, m[2]!);
  }
  return pins;
}

function pinLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The venv scripts/setup-math.sh installs: <cacheDir>/venvs/math-verify-<sha256 of the pin lines, 12 hex>. */
export function mathVenvDir(cacheDir: string): string {
  const text = pinLines(MATH_REQUIREMENTS).map((l) => `${l}\n`).join('');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return path.join(cacheDir, 'venvs', `math-verify-${hash}`);
}

/** The Python to run the grader with, or MathGraderSetupError saying how to get one. */
export function mathPython(settings = loadSettings()): string {
  if (settings.mathPython) {
    if (!fs.existsSync(settings.mathPython)) {
      throw new MathGraderSetupError(`EVALFLOW_MATH_PYTHON=${settings.mathPython} does not exist; point it at a Python with the math grader's packages or unset it to use the venv of scripts/setup-math.sh`);
    }
    return settings.mathPython;
  }
  const venv = mathVenvDir(settings.cacheDir);
  if (!fs.existsSync(path.join(venv, '.complete'))) {
    throw new MathGraderSetupError(`the math grader (math-verify, as NeMo-Skills grades math) is not installed on this worker (no ${venv}); ${SETUP_HINT}`);
  }
  return path.join(venv, 'bin', 'python');
}

/**
 * Installs the venv with scripts/setup-math.sh (a no-op when it is there) and
 * returns its Python; `evalflow dev install` calls it. Throws with the
 * script's own message when it fails.
 */
export function installMathGrader(settings = loadSettings()): string {
  const r = spawnSync('bash', [SETUP_SCRIPT], { stdio: 'inherit', env: { ...process.env, EVALFLOW_CACHE_DIR: settings.cacheDir } });
  if (r.error) throw new MathGraderSetupError(`cannot run ${SETUP_SCRIPT}: ${r.error.message}`);
  if (r.status !== 0) throw new MathGraderSetupError(`${SETUP_SCRIPT} failed (exit ${r.status}); see its message above`);
  return path.join(mathVenvDir(settings.cacheDir), 'bin', 'python');
}

interface Pending {
  id: number;
  line: string;
  deaths: number;
  resolve: (v: MathVerdict) => void;
  reject: (e: Error) => void;
}

interface Reply {
  id?: number;
  ready?: boolean;
  versions?: Record<string, string | null>;
  correct?: boolean;
  error?: string;
}

export interface MathGraderOptions {
  /** The Python to run lib/engine/math/grader.py with (default: mathPython(), read when the process starts). */
  python?: () => string;
  /** Longest wait for one comparison's answer (default COMPARISON_DEADLINE_MS). */
  deadlineMs?: number;
}

/**
 * One grader process and the requests it has not answered yet (answered
 * strictly in order). Workers use the process-wide one behind mathEqual;
 * tests build their own.
 */
export class MathGrader {
  private child: ChildProcessWithoutNullStreams | null = null;
  private starting: Promise<void> | null = null;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private stderrTail = '';
  private stdoutBuffer = '';
  private closed = false;
  private readonly pythonOf: () => string;
  private readonly deadlineMs: number;

  constructor(options: MathGraderOptions = {}) {
    this.pythonOf = options.python ?? (() => mathPython());
    this.deadlineMs = options.deadlineMs ?? COMPARISON_DEADLINE_MS;
  }

  /** math_equal(gold, predicted) in the grader process. */
  async compare(gold: string, predicted: string): Promise<MathVerdict> {
    this.closed = false;
    await this.ensureStarted();
    return new Promise<MathVerdict>((resolve, reject) => {
      const id = this.nextId++;
      const item: Pending = { id, line: `${JSON.stringify({ id, gold, predicted })}\n`, deaths: 0, resolve, reject };
      this.queue.push(item);
      this.setRef(true);
      if (this.queue.length === 1) this.armTimer();
      if (this.child && !this.starting) this.child.stdin.write(item.line);
      // While (re)starting, the queue is written once the process is ready.
    });
  }

  private ensureStarted(): Promise<void> {
    if (this.child && !this.starting) return Promise.resolve();
    this.starting ??= Promise.resolve()
      .then(() => this.start())
      .finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private start(): Promise<void> {
    const python = this.pythonOf();
    if (!fs.existsSync(GRADER_SCRIPT)) throw new MathGraderSetupError(`the math grader script ${GRADER_SCRIPT} is missing from this installation`);
    const child = spawn(python, [GRADER_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
    });
    this.child = child;
    this.stdoutBuffer = '';
    this.stderrTail = '';
    child.stdin.on('error', () => {
      // EPIPE when the process died; the exit handler restarts it.
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
    });
    child.stdout.setEncoding('utf8');
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const startupTimer = setTimeout(() => {
        fail(new MathGraderSetupError(`the math grader (${python}) did not start within ${STARTUP_DEADLINE_MS / 1000} s: ${this.stderrTail.trim() || 'no output'}`));
        child.kill('SIGKILL');
      }, STARTUP_DEADLINE_MS);
      const fail = (e: Error) => {
        clearTimeout(startupTimer);
        if (this.child === child) this.child = null;
        reject(e);
      };
      child.on('error', (e) => {
        if (!ready) fail(new MathGraderSetupError(`cannot start the math grader with ${python}: ${e.message}; ${SETUP_HINT}`));
      });
      child.on('exit', (code, signal) => {
        if (!ready) {
          const why = this.stderrTail.trim() || `exit ${code ?? signal}`;
          fail(new MathGraderSetupError(`the math grader (${python}) exited before it was ready: ${why}; ${SETUP_HINT}`));
          return;
        }
        this.onExit(child, code, signal);
      });
      child.stdout.on('data', (chunk: string) => {
        this.stdoutBuffer += chunk;
        let nl: number;
        while ((nl = this.stdoutBuffer.indexOf('\n')) >= 0) {
          const line = this.stdoutBuffer.slice(0, nl);
          this.stdoutBuffer = this.stdoutBuffer.slice(nl + 1);
          if (!line.trim()) continue;
          let reply: Reply;
          try {
            reply = JSON.parse(line) as Reply;
          } catch {
            this.stderrTail = (this.stderrTail + `\n(stdout) ${line}`).slice(-4000);
            continue;
          }
          if (!ready) {
            if (!reply.ready) continue;
            const wrong = wrongVersions(reply.versions ?? {});
            if (wrong) {
              fail(new MathGraderSetupError(`the math grader's Python (${python}) has ${wrong}; ${SETUP_HINT}`));
              child.kill('SIGKILL');
              return;
            }
            ready = true;
            clearTimeout(startupTimer);
            for (const item of this.queue) child.stdin.write(item.line);
            if (this.queue.length === 0) this.setRef(false);
            resolve();
            continue;
          }
          this.onReply(reply);
        }
      });
    });
  }

  private onReply(reply: Reply): void {
    const head = this.queue[0];
    if (!head || reply.id !== head.id) return; // an answer to a request already given up on
    this.queue.shift();
    this.clearTimer();
    head.resolve({ correct: reply.correct === true, ...(reply.error ? { error: reply.error } : {}) });
    if (this.queue.length) this.armTimer();
    else this.setRef(false);
  }

  private onExit(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return; // an old process we replaced
    this.child = null;
    this.clearTimer();
    if (this.closed || this.queue.length === 0) return;
    const head = this.queue[0]!;
    head.deaths++;
    if (head.deaths >= MAX_DEATHS_PER_COMPARISON) {
      this.queue.shift();
      head.reject(new MathGraderError(`the math grader process died ${head.deaths} times on one comparison (last: exit ${code ?? signal}): ${this.stderrTail.trim().slice(-1000)}`));
    }
    this.restart();
  }

  private restart(): void {
    if (this.queue.length === 0) return;
    this.armTimer();
    this.ensureStarted().catch((e: Error) => {
      for (const item of this.queue.splice(0)) item.reject(e);
      this.clearTimer();
    });
  }

  /** The head request gets COMPARISON_DEADLINE_MS from now (the process answers in order). */
  private armTimer(): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.onDeadline(), this.deadlineMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private onDeadline(): void {
    this.timer = null;
    const head = this.queue.shift();
    if (!head) return;
    head.resolve({ correct: false, timedOut: true });
    const child = this.child;
    this.child = null;
    child?.kill('SIGKILL');
    this.restart();
  }

  private setRef(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const h of [c, c.stdin, c.stdout, c.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    for (const item of this.queue.splice(0)) item.reject(new MathGraderError('the math grader was closed'));
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.stdin.end();
    });
  }

  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** The running process's id, or null (for tests and diagnostics). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
}

/** Which pinned packages the grader's Python lacks or has in another version, or null when all match. */
function wrongVersions(found: Record<string, string | null>): string | null {
  const wrong: string[] = [];
  for (const [name, version] of mathPins()) {
    if (!(name in found)) continue; // only the packages the grader reports (mpmath follows sympy)
    const have = found[name];
    if (have !== version) wrong.push(`${name} ${have ?? 'missing'} (needs ${version})`);
  }
  return wrong.length ? wrong.join(', ') : null;
}

let grader: MathGrader | null = null;

/**
 * NeMo-Skills `math_equal(gold, predicted)` (0b012df8, math evaluator defaults)
 * through math-verify. `predicted` null (no answer extracted) is False without
 * asking Python, as in the reference.
 */
export async function mathEqual(gold: string, predicted: string | null): Promise<MathVerdict> {
  if (predicted === null) return { correct: false };
  if (!grader) {
    grader = new MathGrader();
    process.once('exit', () => grader?.killNow());
  }
  return grader.compare(String(gold), predicted);
}

/** Ends the grader process (a later comparison starts a new one). */
export async function closeMathGrader(): Promise<void> {
  await grader?.close();
}

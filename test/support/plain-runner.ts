/**
 * A SandboxRunner WITHOUT isolation, for unit tests of benchmark harnesses
 * that need a real Python but not the sandbox: runs the job's command with
 * python3 in a temporary directory, same result shape, wall-clock limit and
 * output bound. Never used outside tests; the real runner is lib/engine/sandbox/bwrap.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SandboxJob, SandboxResult, SandboxRunner } from '../../lib/engine/sandbox/types';

const BOUND = 1 << 20;

export function plainRunner(opts: { dataDirs?: Record<string, string> } = {}): SandboxRunner {
  return async (job: SandboxJob): Promise<SandboxResult> => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plain-runner-'));
    try {
      for (const [rel, content] of Object.entries(job.files)) {
        const file = path.join(dir, rel);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
      for (const name of job.data ?? []) if (opts.dataDirs?.[name]) env[`EVALFLOW_DATA_${name.toUpperCase()}`] = opts.dataDirs[name];
      const started = Date.now();
      return await new Promise<SandboxResult>((resolve, reject) => {
        const child = spawn(job.command[0], job.command.slice(1), { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        let out = '';
        let err = '';
        let truncated = false;
        let timedOut = false;
        const take = (cur: string, chunk: Buffer) => {
          if (cur.length + chunk.length > BOUND) {
            truncated = true;
            return cur + chunk.toString('utf8').slice(0, Math.max(0, BOUND - cur.length));
          }
          return cur + chunk.toString('utf8');
        };
        child.stdout.on('data', (c: Buffer) => (out = take(out, c)));
        child.stderr.on('data', (c: Buffer) => (err = take(err, c)));
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, job.timeoutMs);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({
            status: timedOut ? 'timeout' : code === 0 ? 'ok' : 'runtime_error',
            exitCode: code,
            signal,
            stdout: out,
            stderr: err,
            truncated,
            wallMs: Date.now() - started,
          });
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(job.stdin ?? '');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Differential tests call the reference implementations themselves (pinned
 * PyPI packages in cached venvs, scripts/setup-oracles.sh) and compare their
 * verdicts with evalflow's on generated corpora (docs/fidelity.md).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** The python of the oracle venv `name` (test/oracles/<name>/); throws, saying how to install it, when missing. */
export function oraclePython(name: string): string {
  const dir = join(REPO_ROOT, 'test', 'oracles', name);
  const req = readFileSync(join(dir, 'requirements.txt'));
  const nodeps = join(dir, 'requirements-nodeps.txt');
  const hash = createHash('sha256')
    .update(Buffer.concat([req, existsSync(nodeps) ? readFileSync(nodeps) : Buffer.alloc(0)]))
    .digest('hex')
    .slice(0, 12);
  const cache = process.env.EVALFLOW_CACHE_DIR || join(homedir(), '.cache', 'evalflow');
  const venv = join(cache, 'venvs', `oracle-${name}-${hash}`);
  if (!existsSync(join(venv, '.complete'))) {
    throw new Error(`the ${name} oracle is not installed (${venv}); run: bash scripts/setup-oracles.sh ${name}`);
  }
  return join(venv, 'bin', 'python');
}

/**
 * Runs test/oracles/<name>/<script> in the oracle's venv with `input` (JSON)
 * on stdin and returns its stdout parsed as JSON. Fails loudly on any error.
 */
export function runOracle<T>(name: string, script: string, input: unknown, timeoutMs = 600_000): T {
  const python = oraclePython(name);
  const r = spawnSync(python, [join(REPO_ROOT, 'test', 'oracles', name, script)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: timeoutMs,
    env: { ...process.env, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`oracle ${name}/${script} exited ${r.status}: ${r.stderr.slice(-4000)}`);
  return JSON.parse(r.stdout) as T;
}

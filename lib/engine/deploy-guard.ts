/**
 * The guard between a deploy worker and the model server it starts
 * (lib/engine/deploy.ts): run as `node deploy-guard.js '<json>'` (argv and
 * cleanup; the server's environment is the guard's own) with its stdin a pipe
 * from the worker. It starts the server in a process group of
 * its own and stops that group (SIGTERM, SIGKILL after a grace period, then
 * the container's cleanup command) when the worker asks (SIGTERM to the
 * guard) or when the worker is gone (stdin closes: a SIGKILLed worker takes
 * its server with it instead of leaving it holding the port and the GPUs).
 */
import { spawn, spawnSync } from 'node:child_process';

interface GuardSpec {
  argv: string[];
  cleanup?: string[];
  graceMs?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as GuardSpec;
const child = spawn(spec.argv[0], spec.argv.slice(1), { env: process.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let stopping = false;

function stop(): void {
  if (stopping) return;
  stopping = true;
  const group = child.pid;
  const kill = (sig: NodeJS.Signals) => {
    try {
      if (group) process.kill(-group, sig);
    } catch {
      /* already gone */
    }
  };
  kill('SIGTERM');
  const hard = setTimeout(() => kill('SIGKILL'), spec.graceMs ?? 10_000);
  hard.unref();
  if (spec.cleanup?.length) spawnSync(spec.cleanup[0], spec.cleanup.slice(1), { stdio: 'ignore', timeout: 30_000 });
}

child.on('error', (e) => {
  const code = (e as NodeJS.ErrnoException).code;
  console.error(`evalflow deploy: cannot start ${spec.argv[0]}: ${code === 'ENOENT' ? 'not found on PATH' : e.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (spec.cleanup?.length && !stopping) spawnSync(spec.cleanup[0], spec.cleanup.slice(1), { stdio: 'ignore', timeout: 30_000 });
  process.exit(code ?? (signal ? 128 : 1));
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();

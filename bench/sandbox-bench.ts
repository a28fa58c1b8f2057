/**
 * `npm run bench:sandbox`: what the sandbox costs per program. Runs the same
 * small Python programs (a trivial one, and one importing numpy) N times
 * with plain `python3` processes and through the bubblewrap sandbox, both
 * with the same concurrency, and prints programs per second and the ratio.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandbox } from '../lib/engine/sandbox/bwrap';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function pool(n: number, concurrency: number, job: () => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await job();
    }),
  );
  return (performance.now() - t0) / 1000;
}

function plain(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/python3', ['main.py'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.resume();
    p.stderr.resume();
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

async function main(): Promise<void> {
  const n = arg('programs', 100);
  const slots = arg('slots', os.cpus().length);
  const sandbox = createSandbox({ slots });
  await sandbox.check();
  console.log(`# sandbox benchmark — ${os.cpus().length} cores, ${n} programs per case, concurrency ${slots}`);
  for (const [label, code] of [
    ['print(1)', 'print(1)\n'],
    ['import numpy', 'import numpy\nprint(numpy.zeros(3).sum())\n'],
  ] as const) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-bench-'));
    writeFileSync(path.join(dir, 'main.py'), code);
    const base = await pool(n, slots, () => plain(dir));
    const boxed = await pool(n, slots, async () => {
      const r = await sandbox.run({ files: { 'main.py': code }, command: ['python3', 'main.py'], timeoutMs: 30_000 });
      if (r.status !== 'ok') throw new Error(`sandbox: ${r.status} ${r.stderr}`);
    });
    console.log(
      `${label.padEnd(13)} plain ${(n / base).toFixed(1)}/s (${((base / n) * 1000 * slots).toFixed(0)} ms each)  sandbox ${(n / boxed).toFixed(1)}/s (${((boxed / n) * 1000 * slots).toFixed(0)} ms each)  sandbox / plain throughput ${(base / boxed).toFixed(2)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

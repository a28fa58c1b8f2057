/**
 * A test double of a model server's entry point (`vllm`, `sglang`,
 * `start_server.sh` for NIM): `installDeployDoubles(dir)` writes those names
 * into `dir` as scripts that run this file. Run that way it
 *
 * - appends one JSON line to $DEPLOY_DOUBLE_LOG: {event: 'start', name, argv, env (the
 *   NIM_* / MODEL_PORT / SERVED_MODEL_NAME / DOUBLE_* variables), pid};
 * - serves the scripted OpenAI-compatible fake (lib/operator/scripted-endpoint.ts;
 *   echo answers — NOT a model) on the --port / NIM_SERVER_PORT it was given, as the
 *   --served-model-name / NIM_SERVED_MODEL_NAME model, after $DOUBLE_DELAY_MS;
 * - appends {event: 'served', hash} for every answered request (the payload's hash), so a
 *   test counts what was paid across restarts, and {event: 'exit'} when stopped by a signal.
 *
 * $DOUBLE_NEVER_READY=1 prints lines and never listens; $DOUBLE_EXIT=N exits with N at once;
 * $DOUBLE_REPLY answers every request with that text instead of the echo (a judge's verdict).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { payloadHash, startFakeEndpoint } from '../../lib/operator/scripted-endpoint';

export function installDeployDoubles(dir: string, names = ['vllm', 'sglang', 'start_server.sh']): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${__filename}" "$0" "$@"\n`);
    fs.chmodSync(file, 0o755);
  }
}

export interface DoubleEvent {
  event: 'start' | 'served' | 'exit' | 'listening';
  name?: string;
  argv?: string[];
  env?: Record<string, string>;
  pid?: number;
  hash?: string;
  port?: number;
}

export function readDoubleLog(file: string): DoubleEvent[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DoubleEvent);
}

function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return undefined;
}

async function main(): Promise<void> {
  const [, , self, ...argv] = process.argv;
  const name = path.basename(self);
  const log = process.env.DEPLOY_DOUBLE_LOG;
  const write = (e: DoubleEvent) => {
    if (log) fs.appendFileSync(log, `${JSON.stringify(e)}\n`);
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && /^(NIM_|MODEL_PORT$|SERVED_MODEL_NAME$|DOUBLE_|HF_)/.test(k)) env[k] = v;
  write({ event: 'start', name, argv, env, pid: process.pid });
  console.log(`${name} (test double) starting: ${argv.join(' ')}`);
  if (process.env.DOUBLE_EXIT) {
    console.error(`${name} (test double): failing at start as DOUBLE_EXIT asks`);
    process.exit(Number(process.env.DOUBLE_EXIT));
  }
  const stop = (sig: string) => {
    write({ event: 'exit', name, pid: process.pid });
    console.log(`${name} (test double): ${sig}, exiting`);
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (process.env.DOUBLE_NEVER_READY) {
    setInterval(() => console.log(`${name} (test double): still loading weights…`), 300);
    return;
  }
  await new Promise((r) => setTimeout(r, Number(process.env.DOUBLE_DELAY_MS ?? 300)));
  const port = Number(flag(argv, '--port') ?? process.env.NIM_SERVER_PORT ?? 8000);
  const model = flag(argv, '--served-model-name') ?? process.env.NIM_SERVED_MODEL_NAME ?? 'model';
  const host = flag(argv, '--host') ?? '127.0.0.1';
  const endpoint = await startFakeEndpoint({
    port,
    host: host === '0.0.0.0' ? '127.0.0.1' : host,
    models: [model],
    latencyMs: Number(process.env.DOUBLE_LATENCY_MS ?? 20),
    answer: (req) => {
      write({ event: 'served', hash: payloadHash(req.body) });
      const last = req.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? req.prompt ?? '';
      return { content: process.env.DOUBLE_REPLY ?? `echo (test double, not a model): ${String(last).slice(0, 40)}` };
    },
  });
  write({ event: 'listening', name, port: endpoint.port, pid: process.pid });
  console.log(`${name} (test double) listening on ${endpoint.url}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

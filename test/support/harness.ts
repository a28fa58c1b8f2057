/**
 * Integration-test harness: a private real stack (Temporal dev server +
 * MinIO), the scripted demo endpoint, and an evalflow worker, in- or
 * out-of-process. Settings reach evalflow through the same EVALFLOW_*
 * variables a user sets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startStack, type Stack } from './stack';
import { ArtifactStore } from '../../lib/engine/store';
import { loadSettings } from '../../lib/config/settings';
import type { Benchmark } from '../../benchmarks/types';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO, 'bin', 'evalflow.js');

export function datasetsDir(): string {
  const dir = process.env.EVALFLOW_DATASETS_DIR;
  if (!dir || !fs.existsSync(dir)) {
    throw new Error(
      'these tests read real benchmark data: set EVALFLOW_DATASETS_DIR to the shared datasets folder (../shared/datasets); ' +
        "'npm test' sets it when that folder exists",
    );
  }
  return dir;
}

export interface Env {
  stack: Stack;
  client: Client;
  store: ArtifactStore;
  taskQueue: string;
  /** Environment for child processes (CLI, workers). */
  childEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Start a private stack and point this process's EVALFLOW_* settings at it. */
export async function startEnv(name: string): Promise<Env> {
  datasetsDir();
  const stack = await startStack();
  const taskQueue = `evalflow-test-${name}`;
  Object.assign(process.env, {
    EVALFLOW_TEMPORAL_ADDRESS: stack.temporalAddress,
    EVALFLOW_TEMPORAL_UI: stack.uiUrl,
    EVALFLOW_S3_ENDPOINT: stack.s3Endpoint,
    EVALFLOW_S3_ACCESS_KEY: stack.accessKey,
    EVALFLOW_S3_SECRET_KEY: stack.secretKey,
    EVALFLOW_S3_BUCKET: `evalflow-${name}`,
    EVALFLOW_TASK_QUEUE: taskQueue,
    EVALFLOW_HOME: path.join(stack.dir, 'home'),
  });
  const store = new ArtifactStore(loadSettings().storage);
  await store.ensureBucket();
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  return {
    stack,
    client,
    store,
    taskQueue,
    childEnv: { ...process.env },
    async close() {
      await connection.close();
      await stack.stop();
    },
  };
}

/** An in-process worker made from the evalflow plugins; stop() shuts it down. */
export async function startInProcessWorker(taskQueue: string, benchmarks: Benchmark[] = [], opts: { noSandbox?: boolean } = {}): Promise<{ stop(): Promise<void> }> {
  const { runWorker } = await import('../../workers/main.js');
  const ac = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const running = runWorker({ taskQueue, signal: ac.signal, onReady: ready, maxConcurrentActivities: 16, benchmarks, noSandbox: opts.noSandbox });
  await Promise.race([isReady, running]);
  return {
    async stop() {
      ac.abort();
      await running;
    },
  };
}

/** `evalflow worker` as a child process, for crash tests; `args` are extra worker options (e.g. --workflow-bundle FILE). */
export function spawnWorker(env: NodeJS.ProcessEnv, logFile: string, args: string[] = []): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  return spawn(process.execPath, [CLI, 'worker', ...args], { env, stdio: ['ignore', out, out] });
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A NeMo-format config for the demo endpoint. */
export function demoConfig(url: string, tasks: { name: string; params?: Record<string, unknown> }[], params: Record<string, unknown> = {}, execution: Record<string, unknown> = {}) {
  return {
    target: { api_endpoint: { url: `${url}/chat/completions`, model_id: 'demo-model' } },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 4, request_timeout: 10, max_retries: 3, ...params } } },
      tasks: tasks.map((t) => ({
        name: t.name,
        ...(t.params ? { nemo_evaluator_config: { config: { params: t.params } } } : {}),
      })),
    },
    execution: { heartbeat_timeout: 5, ...execution },
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`evalflow ${args.join(' ')} timed out; stdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * Model servers a deploy worker runs for a run's `deployment:`
 * (docs/architecture.md, "Deployments"), without Temporal: start the command
 * (lib/config/deployment.ts) behind a guard process, wait until GET /v1/models
 * answers, watch it, stop it; and, for the calling side, find the address a
 * deployment serves on (runs/<run>/deployment.json).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { serverEnv } from '../config/settings';
import { HEALTH_PATH, launchCommand, type LaunchCommand } from '../config/deployment';
import { EvalflowError } from '../records/errors';
import { keys } from '../records/keys';
import type { DeploymentAddress, DeploymentName, DeploymentSpec, EndpointSpec } from '../records/types';

/** A deployment that cannot start or serve; `retryable` says whether another attempt (maybe on another host) can help. */
export class DeploymentError extends EvalflowError {
  constructor(message: string, retryable: boolean) {
    super(message, { kind: 'setup', retryable });
  }
}

/** True when an executable of this name is on PATH (or the path is executable). */
export function onPath(name: string, envPath: string | undefined): boolean {
  const candidates = name.includes('/') ? [name] : (envPath ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
  return candidates.some((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

const LOOPBACK = /^(127\.|localhost$|::1$)/;

/** The address a server binds for an advertised host: loopback stays loopback, anything else listens on all interfaces. */
export function bindHostFor(advertised: string): string {
  return LOOPBACK.test(advertised) ? '127.0.0.1' : '0.0.0.0';
}

/** The CLI of this install (`evalflow serve-gguf` for llama_cpp): node and bin/evalflow.js. */
export function evalflowCli(): string[] {
  return [process.execPath, path.resolve(__dirname, '..', '..', '..', 'bin', 'evalflow.js')];
}

/** The command a deploy worker on this host would run (dry run: pass the host's runtimes). */
export function commandFor(spec: DeploymentSpec, opts: { runId: string; attempt: number; advertisedHost: string; envPath: string | undefined }): LaunchCommand {
  return launchCommand(spec, {
    runtimes: { docker: onPath('docker', opts.envPath), apptainer: onPath('apptainer', opts.envPath) },
    bindHost: bindHostFor(opts.advertisedHost),
    evalflowCli: evalflowCli(),
    name: `evalflow-${opts.runId}-${opts.attempt}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 120),
  });
}

/** True when nothing listens on host:port (a bind succeeds). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** GET <base>/models: the ids it lists, or null when it does not answer 200. */
export async function listModels(baseUrl: string, timeoutMs = 3000): Promise<string[] | null> {
  try {
    // AbortSignal.timeout takes whole milliseconds only (a fraction throws, which read as "not answering").
    const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(Math.max(1, Math.round(timeoutMs))) });
    if (!res.ok) return null;
    const body = (await res.json().catch(() => null)) as { data?: { id?: unknown }[] } | null;
    return (body?.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return null;
  }
}

export interface RunningServer {
  command: LaunchCommand;
  pid: number;
  /** The server's last output lines (for errors). */
  lastLines(): string;
  /** Resolves with the exit code when the server (its guard) exits. */
  exited: Promise<number | null>;
  /** Stop the server and wait until it is gone. */
  stop(): Promise<void>;
}

/**
 * Start the deployment's server (after checking what can be checked here:
 * the binary, the model file or checkpoint, the port). Errors name what to fix.
 */
export async function startServer(
  spec: DeploymentSpec,
  opts: { runId: string; attempt: number; advertisedHost: string; envPath: string | undefined; portWaitMs?: number; onLine?: (line: string) => void; beat?: () => void },
): Promise<RunningServer> {
  const cmd = commandFor(spec, opts);
  const where = `deploy worker on ${opts.advertisedHost}`;
  if (spec.type === 'llama_cpp' && spec.file && !fs.existsSync(spec.file)) {
    throw new DeploymentError(
      `deployment.file ${spec.file} does not exist on the ${where}: put the GGUF file there (scripts/setup-model.sh downloads one to ~/.cache/evalflow/models/) or fix deployment.file`,
      false,
    );
  }
  if (cmd.mode === 'binary' && spec.checkpoint_path && !spec.hf_model_handle && (spec.type === 'vllm' || spec.type === 'sglang') && !fs.existsSync(spec.checkpoint_path)) {
    throw new DeploymentError(`deployment.checkpoint_path ${spec.checkpoint_path} does not exist on the ${where}: copy the checkpoint there, fix the path, or give hf_model_handle`, false);
  }
  const program = cmd.argv[0];
  if (program && !onPath(program, serverEnv(cmd.env).PATH)) {
    const hint =
      cmd.mode === 'docker' || cmd.mode === 'apptainer'
        ? `install ${cmd.mode} there, or set deployment.container: none to run the server binary`
        : spec.image
          ? `install it there, or install docker or apptainer so that deployment.image ${spec.image} runs`
          : `install it there, or set deployment.image (with docker or apptainer on the host)`;
    throw new DeploymentError(`'${program}' (the ${spec.type} server) is not on PATH of the ${where}: ${hint}`, false);
  }
  const bind = bindHostFor(opts.advertisedHost);
  const until = Date.now() + (opts.portWaitMs ?? 15_000);
  while (!(await portFree(bind, spec.port))) {
    if (Date.now() > until) {
      throw new DeploymentError(
        `port ${spec.port} on the ${where} is in use by another process: stop it, or set deployment.port to a free port`,
        false,
      );
    }
    opts.beat?.();
    await sleep(500);
  }

  const guard = path.join(__dirname, 'deploy-guard.js');
  // The server's environment is the guard's own, not part of its argument: values such as
  // HF_TOKEN must not show in the process list.
  const child: ChildProcess = spawn(process.execPath, [guard, JSON.stringify({ argv: cmd.argv, cleanup: cmd.cleanup })], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: serverEnv(cmd.env),
  });
  const lines: string[] = [];
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (lines.length > 30) lines.shift();
      opts.onLine?.(line);
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    command: cmd,
    pid: child.pid ?? -1,
    lastLines: () => (lines.length ? lines.slice(-15).join('\n') : '(no output)'),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Wait until GET <base>/models answers and lists the served model. Throws a
 * non-retryable DeploymentError when the server exits first or is not ready
 * within the deployment's ready_timeout (with its last lines), or serves
 * another model.
 */
export async function waitReady(
  server: RunningServer,
  spec: DeploymentSpec,
  baseUrl: string,
  opts: { beat: () => void; signal?: AbortSignal },
): Promise<void> {
  let exitCode: number | null | undefined;
  void server.exited.then((c) => (exitCode = c));
  const until = Date.now() + spec.ready_timeout * 1000;
  for (;;) {
    opts.beat();
    if (opts.signal?.aborted) return;
    if (exitCode !== undefined) {
      throw new DeploymentError(
        `the ${spec.type} server exited (code ${exitCode}) before it was ready; command: ${server.command.display}\nits last lines:\n${server.lastLines()}`,
        false,
      );
    }
    const models = await listModels(baseUrl);
    if (models) {
      if (models.length && !models.includes(spec.served_model_name)) {
        throw new DeploymentError(
          `the ${spec.type} server at ${baseUrl} serves ${models.map((m) => `'${m}'`).join(', ')}, not '${spec.served_model_name}': set deployment.served_model_name to the name it serves`,
          false,
        );
      }
      return;
    }
    if (Date.now() > until) {
      throw new DeploymentError(
        `the ${spec.type} server did not answer GET ${baseUrl}/models within ${spec.ready_timeout} s (deployment.ready_timeout); ` +
          `command: ${server.command.display}\nits last lines:\n${server.lastLines()}`,
        false,
      );
    }
    await sleep(500, opts.signal);
  }
}

export { HEALTH_PATH };

/** The store the address lives in (ArtifactStore, or any with JSON get/put). */
export interface AddressStore {
  getText(key: string): Promise<string | null>;
  putJson(key: string, value: unknown): Promise<void>;
}

/** The address the run's deployment (`name` absent: the model's; 'judge': the judge's) last reported. */
export async function readAddress(store: AddressStore, runId: string, name?: DeploymentName): Promise<DeploymentAddress | null> {
  const text = await store.getText(keys.deployment(runId, name));
  return text ? (JSON.parse(text) as DeploymentAddress) : null;
}

/**
 * The endpoint a task calls now: for a deployed endpoint, its nominal URL's
 * route on the address its deployment (the model's, or the judge's when
 * `endpoint.deployment` says so) last reported — waiting (with `beat`)
 * while the deployment (re)starts or its address does not answer, up to
 * `timeoutMs`. Other endpoints are returned as they are.
 */
export async function liveEndpoint<E extends EndpointSpec>(
  store: AddressStore,
  runId: string,
  endpoint: E,
  opts: { beat: () => void; signal?: AbortSignal; timeoutMs: number },
): Promise<E> {
  if (!endpoint.deployed) return endpoint;
  const until = Date.now() + opts.timeoutMs;
  let last = 'no address yet';
  for (;;) {
    opts.beat();
    if (opts.signal?.aborted) throw opts.signal.reason;
    const addr = await readAddress(store, runId, endpoint.deployment);
    if (addr?.state === 'stopped') {
      throw new DeploymentError(`the run's ${endpoint.deployment ? `${endpoint.deployment} ` : ''}deployment was stopped (the suite ended); nothing serves ${endpoint.model_id} any more`, false);
    }
    if (addr?.state === 'ready') {
      if (await listModels(addr.base_url)) {
        const route = endpoint.type === 'chat' ? '/chat/completions' : '/completions';
        return { ...endpoint, url: `${addr.base_url}${route}` };
      }
      last = `${addr.base_url} (attempt ${addr.attempt}) does not answer`;
    } else if (addr) last = `the deployment is starting (attempt ${addr.attempt})`;
    if (Date.now() > until) {
      throw new DeploymentError(`the run's ${endpoint.deployment ? `${endpoint.deployment} ` : ''}deployment of ${endpoint.model_id} is not serving after ${Math.round(opts.timeoutMs / 1000)} s: ${last}`, true);
    }
    await sleep(1000, opts.signal);
  }
}

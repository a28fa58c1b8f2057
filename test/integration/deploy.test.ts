/**
 * `deployment:` end to end on a real stack: the deploy worker starts the
 * server (an executable test double written as `vllm`, `sglang` and NIM's
 * `start_server.sh`, first on PATH, serving the scripted OpenAI-compatible
 * fake — echo answers, not a model), the tasks run against the address it
 * reports, and the server is stopped at the end. Then: the deploy worker
 * SIGKILLed mid-run — its server goes with it, a second deploy worker starts
 * it again, the run finishes, nothing completed is paid twice. Then the bad
 * inputs: a server that never gets ready, one that cannot start, a port in
 * use, a missing GGUF file.
 * Reads real benchmark data (gsm8k) from EVALFLOW_DATASETS_DIR.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { cancelEvaluation, missingWorkers, resumeEvaluation, startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { DeploymentAddress } from '../../lib/records/types';
import type { ScoreRecord } from '../../lib/records/artifacts';
import * as YAML from 'yaml';
import { type Env, runCli, spawnWorker, startEnv, waitFor } from '../support/harness';
import { installDeployDoubles, readDoubleLog } from '../support/deploy-double';

let env: Env;
let bin: string;

before(async () => {
  env = await startEnv('deploy');
  bin = path.join(env.stack.dir, 'deploy-bin');
  installDeployDoubles(bin);
});
after(async () => {
  await env?.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function config(deployment: Record<string, unknown>, samples: number, execution: Record<string, unknown> = {}) {
  return {
    deployment,
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 4, request_timeout: 10, max_retries: 3, limit_samples: samples, max_new_tokens: 16 } } },
      tasks: [{ name: 'gsm8k' }],
    },
    execution: { heartbeat_timeout: 5, ...execution },
  };
}

/** A worker process with the doubles first on PATH, logging their events to `log`. */
function worker(name: string, log: string, args: string[] = []) {
  return spawnWorker({ ...env.childEnv, PATH: `${bin}${path.delimiter}${process.env.PATH}`, DEPLOY_DOUBLE_LOG: log }, path.join(env.stack.dir, `${name}.log`), args);
}

async function stopWorker(p: ReturnType<typeof spawnWorker>) {
  if (p.exitCode !== null) return;
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}

async function failureOf(runId: string): Promise<string> {
  let msg = '';
  try {
    await env.client.workflow.getHandle(runId).result();
  } catch (e) {
    for (let c: unknown = e; c instanceof Error; c = c.cause) msg += ` | ${c.message}`;
    return msg;
  }
  assert.fail(`${runId} should have failed`);
}

describe('deployment lifecycle with a test double on PATH', () => {
  let main: ReturnType<typeof spawnWorker>;
  before(() => {
    main = worker('main', path.join(env.stack.dir, 'unused.jsonl'), ['--role', 'all,deploy']);
  });
  after(async () => {
    await stopWorker(main);
  });

  const ckpt = () => {
    const dir = path.join(env.stack.dir, 'ckpt');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  };

  const cases: { type: string; deployment: (port: number) => Record<string, unknown>; argv: (port: number) => string[]; name: string; env?: Record<string, string> }[] = [
    {
      type: 'vllm',
      name: 'vllm',
      deployment: (port) => ({ type: 'vllm', checkpoint_path: ckpt(), served_model_name: 'double-vllm', port, tensor_parallel_size: 2, extra_args: '--max-model-len 4096', env_vars: { DOUBLE_DELAY_MS: 800 }, ready_timeout: 60 }),
      argv: (port) => ['serve', ckpt(), '--tensor-parallel-size=2', '--pipeline-parallel-size=1', '--data-parallel-size=1', '--host', '127.0.0.1', '--port', String(port), '--trust-remote-code', '--served-model-name', 'double-vllm', '--max-model-len', '4096'],
    },
    {
      type: 'sglang',
      name: 'sglang',
      deployment: (port) => ({ type: 'sglang', hf_model_handle: 'Qwen/Qwen3-0.6B', served_model_name: 'double-sglang', port, data_parallel_size: 2, ready_timeout: 60 }),
      argv: (port) => ['serve', '--model-path', 'Qwen/Qwen3-0.6B', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'double-sglang', '--tp-size', '1', '--dp-size', '2', '--pp-size', '1'],
    },
    {
      type: 'nim',
      name: 'start_server.sh',
      // docker may be installed here: container none runs NIM's entry point on the host.
      deployment: (port) => ({ type: 'nim', image: 'nim/meta/llama-3.1-8b-instruct:1.8.6', container: 'none', served_model_name: 'meta/llama-3.1-8b-instruct', port, ready_timeout: 60 }),
      argv: () => [],
      env: { NIM_SERVED_MODEL_NAME: 'meta/llama-3.1-8b-instruct' },
    },
  ];

  for (const c of cases) {
    test(`${c.type}: the command line the launcher would run, started once, health-checked, tasks call it, stopped at the end`, async () => {
      const port = await freePort();
      const runId = `deploy-${c.type}`;
      const log = path.join(env.stack.dir, `${c.type}-events.jsonl`);
      // The worker process logs to its own file; this run's events go where its double writes them.
      const cfg = config({ ...c.deployment(port), env_vars: { ...((c.deployment(port).env_vars as Record<string, unknown>) ?? {}), DEPLOY_DOUBLE_LOG: log } }, 6);
      await startEvaluation({ config: cfg, runId, taskQueue: env.taskQueue });
      const result = await env.client.workflow.getHandle(runId).result();
      assert.equal(result.status, 'completed');

      const events = readDoubleLog(log);
      const starts = events.filter((e) => e.event === 'start');
      assert.equal(starts.length, 1, 'started once');
      assert.equal(starts[0].name, c.name);
      assert.deepEqual(starts[0].argv, c.argv(port));
      for (const [k, v] of Object.entries(c.env ?? {})) assert.equal(starts[0].env?.[k], v);
      if (c.type === 'nim') assert.equal(starts[0].env?.NIM_SERVER_PORT, String(port));
      // Every sample answered by the deployed server, each once.
      const served = events.filter((e) => e.event === 'served');
      assert.equal(served.length, 6);
      assert.equal(new Set(served.map((e) => e.hash)).size, 6);
      const scores: ScoreRecord[] = [];
      for (const k of await env.store.list(`runs/${runId}/gsm8k/scores/`)) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
      assert.equal(scores.length, 6);

      // Health-checked: the ready signal reached the suite only after GET /v1/models answered.
      const history = await env.client.workflow.getHandle(runId).fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'deploymentReady');
      assert.equal(signals.length, 1);
      // Stopped at the end: the process is gone and the address says so.
      await waitFor('the server process to be gone', () => !alive(starts[0].pid!), 15_000);
      assert.ok(readDoubleLog(log).some((e) => e.event === 'exit' && e.pid === starts[0].pid), 'stopped with SIGTERM');
      const addr = (await env.store.getJson<DeploymentAddress>(keys.deployment(runId)))!;
      assert.equal(addr.state, 'stopped');
      assert.equal(addr.port, port);
    });
  }
});

describe('a cancelled run with a deployment', () => {
  test('cancel stops the server; resume starts it again and finishes, nothing completed paid twice', async () => {
    const port = await freePort();
    const runId = 'deploy-cancel';
    const log = path.join(env.stack.dir, 'cancel-events.jsonl');
    const cfg = config({ type: 'vllm', checkpoint_path: env.stack.dir, served_model_name: 'double-cancel', port, env_vars: { DOUBLE_LATENCY_MS: 150, DEPLOY_DOUBLE_LOG: log }, ready_timeout: 60 }, 24, { shard_size: 8, shard_parallelism: 1 });
    const w = worker('cancel', log, ['--role', 'all,deploy']);
    try {
      await startEvaluation({ config: cfg, runId, taskQueue: env.taskQueue });
      await waitFor('calls under way', () => readDoubleLog(log).filter((e) => e.event === 'served').length >= 6, 60_000);
      await cancelEvaluation(runId, env.client);
      await waitFor('the run to close', async () => (await env.client.workflow.getHandle(runId).describe()).status.name === 'CANCELLED', 60_000);
      const first = readDoubleLog(log).find((e) => e.event === 'start')!;
      // The suite waited for the deployment to stop before it closed.
      assert.ok(!alive(first.pid!), 'the server is stopped when the run is cancelled');
      assert.equal((await env.store.getJson<DeploymentAddress>(keys.deployment(runId)))!.state, 'stopped');

      assert.equal(await resumeEvaluation(runId, { client: env.client, taskQueue: env.taskQueue }), 'restarted');
      const result = await env.client.workflow.getHandle(runId).result();
      assert.equal(result.status, 'completed');
    } finally {
      await stopWorker(w);
    }
    const events = readDoubleLog(log);
    const starts = events.filter((e) => e.event === 'start');
    assert.equal(starts.length, 2, 'started again by the resumed run');
    await waitFor('the second server to be gone', () => !alive(starts[1].pid!), 15_000);
    const counts = new Map<string, number>();
    for (const e of events.filter((x) => x.event === 'served')) counts.set(e.hash!, (counts.get(e.hash!) ?? 0) + 1);
    assert.equal(counts.size, 24);
    assert.ok([...counts.values()].filter((n) => n > 1).length <= 4, 'only calls in flight at the cancel may repeat');
    const addr = (await env.store.getJson<DeploymentAddress>(keys.deployment(runId)))!;
    assert.equal(addr.state, 'stopped');
  });
});

describe('the deploy worker SIGKILLed mid-run', () => {
  test('its server goes with it, a second deploy worker starts it again, the run finishes, nothing completed paid twice', async () => {
    const port = await freePort();
    const runId = 'deploy-crash';
    const log = path.join(env.stack.dir, 'crash-events.jsonl');
    const samples = 60;
    const parallelism = 4;
    const cfg = config(
      { type: 'vllm', checkpoint_path: env.stack.dir, served_model_name: 'double-crash', port, env_vars: { DOUBLE_LATENCY_MS: 150, DEPLOY_DOUBLE_LOG: log }, ready_timeout: 60 },
      samples,
      { shard_size: 20, shard_parallelism: 1 },
    );
    const main = worker('crash-main', log);
    let deploy = worker('crash-deploy-1', log, ['--role', 'deploy']);
    try {
      await startEvaluation({ config: cfg, runId, taskQueue: env.taskQueue });
      await waitFor('the deployed server to be mid-run', () => readDoubleLog(log).filter((e) => e.event === 'served').length >= 25, 120_000);
      deploy.kill('SIGKILL');
      await new Promise((r) => deploy.once('exit', r));
      const first = readDoubleLog(log).find((e) => e.event === 'start')!;
      // The guard notices its worker is gone and stops the server: no orphan holding the port.
      await waitFor('the first server to be gone', () => !alive(first.pid!), 20_000);
      const servedAtKill = readDoubleLog(log).filter((e) => e.event === 'served').length;
      assert.ok(servedAtKill < samples, 'killed mid-run');

      deploy = worker('crash-deploy-2', log, ['--role', 'deploy']);
      const result = await env.client.workflow.getHandle(runId).result();
      assert.equal(result.status, 'completed');
    } finally {
      await stopWorker(deploy);
      await stopWorker(main);
    }
    const events = readDoubleLog(log);
    const starts = events.filter((e) => e.event === 'start');
    assert.equal(starts.length, 2, 'started again once');
    assert.notEqual(starts[0].pid, starts[1].pid);
    await waitFor('the second server to be gone', () => !alive(starts[1].pid!), 15_000);

    const scores: ScoreRecord[] = [];
    for (const k of await env.store.list(`runs/${runId}/gsm8k/scores/`)) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
    assert.equal(scores.length, samples);
    assert.equal(new Set(scores.map((s) => s.sample_id)).size, samples, 'every sample scored exactly once');
    const counts = new Map<string, number>();
    for (const e of events.filter((x) => x.event === 'served')) counts.set(e.hash!, (counts.get(e.hash!) ?? 0) + 1);
    // A model name of its own: no response of the other runs is in the cache for it.
    const repeated = [...counts.values()].filter((n) => n > 1).length;
    assert.equal(counts.size, samples);
    assert.ok(repeated <= parallelism, `only requests in flight at the kill may repeat; ${repeated} did`);
    const addr = (await env.store.getJson<DeploymentAddress>(keys.deployment(runId)))!;
    assert.equal(addr.state, 'stopped');
    assert.ok(addr.attempt >= 2, `the address came from the restarted attempt (${addr.attempt})`);
  });
});

test('no deploy worker: the run waits and says which queue needs one; a cancel ends it', async () => {
  // A queue of its own: the server lists the earlier tests' deploy workers as pollers for a while after they stop.
  const queue = `${env.taskQueue}-alone`;
  const w = worker('no-deploy', path.join(env.stack.dir, 'unused.jsonl'), ['--task-queue', queue]);
  try {
    const runId = 'deploy-no-worker';
    await startEvaluation({ config: config({ type: 'vllm', checkpoint_path: env.stack.dir, served_model_name: 'm', port: await freePort() }, 2), runId, taskQueue: queue });
    let missing: string[] = [];
    // Once the main worker polls, the deploy queue is what is left.
    await waitFor('only the deploy worker to be missing', async () => {
      missing = await missingWorkers(runId, env.client);
      return missing.length === 1;
    }, 30_000);
    assert.equal(missing.length, 1, missing.join('\n'));
    assert.match(missing[0], new RegExp(`no worker polls '${queue}-deploy': start the deploy role on a host that can run the vllm server \\('evalflow worker --role deploy' there, or --role all,deploy for one machine\\)`));
    await cancelEvaluation(runId, env.client);
    await waitFor('the run to close', async () => (await env.client.workflow.getHandle(runId).describe()).status.name === 'CANCELLED', 30_000);
  } finally {
    await stopWorker(w);
  }
});

describe('bad deployments fail the run with what to fix', () => {
  let deploy: ReturnType<typeof spawnWorker>;
  let log: string;
  before(() => {
    log = path.join(env.stack.dir, 'bad-events.jsonl');
    deploy = worker('bad', log, ['--role', 'all,deploy']);
  });
  after(async () => {
    await stopWorker(deploy);
  });

  test('a server that never answers /v1/models: the run fails after ready_timeout with its last lines, the process is stopped', async () => {
    const port = await freePort();
    await startEvaluation({ config: config({ type: 'vllm', checkpoint_path: env.stack.dir, served_model_name: 'm', port, ready_timeout: 3, env_vars: { DOUBLE_NEVER_READY: 1, DEPLOY_DOUBLE_LOG: log } }, 2), runId: 'deploy-never-ready', taskQueue: env.taskQueue });
    const msg = await failureOf('deploy-never-ready');
    assert.match(msg, /the vllm deployment failed: the vllm server did not answer GET http:\/\/127\.0\.0\.1:\d+\/v1\/models within 3 s \(deployment\.ready_timeout\)/);
    assert.match(msg, /still loading weights/);
    const start = readDoubleLog(log).filter((e) => e.event === 'start').at(-1)!;
    await waitFor('the never-ready server to be stopped', () => !alive(start.pid!), 15_000);
  });

  test('a server that cannot start: its exit code and last lines', async () => {
    const port = await freePort();
    await startEvaluation({ config: config({ type: 'generic', command: 'no-such-model-server --port {port}', served_model_name: 'm', port }, 2), runId: 'deploy-no-binary', taskQueue: env.taskQueue });
    const msg = await failureOf('deploy-no-binary');
    assert.match(msg, /the generic server exited \(code 127\) before it was ready; command: no-such-model-server --port \d+/);
    assert.match(msg, /no-such-model-server: .*not found/);
  });

  test('a port in use on the deploy host', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await startEvaluation({ config: config({ type: 'vllm', checkpoint_path: env.stack.dir, served_model_name: 'm', port }, 2), runId: 'deploy-port-used', taskQueue: env.taskQueue });
      const msg = await failureOf('deploy-port-used');
      assert.match(msg, new RegExp(`port ${port} on the deploy worker on 127\\.0\\.0\\.1 is in use by another process: stop it, or set deployment\\.port to a free port`));
    } finally {
      blocker.close();
    }
  });

  test('a GGUF file that is not on the deploy host', async () => {
    await startEvaluation({ config: config({ type: 'llama_cpp', file: '/nonexistent/model.gguf', port: await freePort() }, 2), runId: 'deploy-no-file', taskQueue: env.taskQueue });
    const msg = await failureOf('deploy-no-file');
    assert.match(msg, /deployment\.file \/nonexistent\/model\.gguf does not exist on the deploy worker on 127\.0\.0\.1: put the GGUF file there/);
  });
});

test('evalflow run --dry-run shows what a deployment starts where: command line, queue, container or binary, health URL', async () => {
  const file = path.join(env.stack.dir, 'dry-vllm.yaml');
  fs.writeFileSync(
    file,
    YAML.stringify({
      defaults: [{ execution: 'local' }, { deployment: 'vllm' }, '_self_'],
      deployment: { image: 'vllm/vllm-openai:v0.11.0', checkpoint_path: '/models/qwen', served_model_name: 'qwen', tensor_parallel_size: 2, port: 8123, container: 'none' },
      evaluation: { tasks: [{ name: 'gsm8k' }] },
    }),
  );
  const r = await runCli(['run', '-c', file, '--dry-run'], { ...env.childEnv, EVALFLOW_DEPLOY_HOST: 'gpu-7.internal' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# deployment \(vllm\)/);
  assert.match(r.stdout, new RegExp(`started by: a deploy worker polling task queue '${env.taskQueue}-deploy' \\('evalflow worker --role deploy' on the host with the accelerators`));
  assert.match(r.stdout, /runs: the 'vllm' binary directly on the deploy host/);
  assert.match(r.stdout, /command: vllm serve \/models\/qwen --tensor-parallel-size=2 --pipeline-parallel-size=1 --data-parallel-size=1 --host 0\.0\.0\.0 --port 8123 --trust-remote-code --served-model-name qwen/);
  assert.match(r.stdout, /health: GET http:\/\/<deploy host>:8123\/v1\/models until it lists 'qwen'.*http:\/\/gpu-7\.internal:8123\/v1\/models/);
  assert.match(r.stdout, /\(dry run: nothing started\)/);
  // container: docker runs the image (auto would when docker or apptainer is on the deploy host's PATH).
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('container: none', 'container: docker'));
  const d = await runCli(['run', '-c', file, '--dry-run'], env.childEnv);
  assert.match(d.stdout, /runs: in a container: docker runs vllm\/vllm-openai:v0\.11\.0/);
  assert.match(d.stdout, /command: docker run --rm .* -v \/models\/qwen:\/checkpoint:ro vllm\/vllm-openai:v0\.11\.0 vllm serve \/checkpoint/);
});

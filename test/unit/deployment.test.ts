/**
 * The `deployment:` section: validation with errors that say what to fix, and
 * the command line each type runs — the launcher's keys mapped the way NeMo
 * Evaluator's launcher maps them (lib/config/deployment.ts names the revision).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveTasks, validateConfig } from '../../lib/config/load';
import { launchCommand, splitArgs, type LaunchContext } from '../../lib/config/deployment';
import { buildPlan } from '../../lib/plan/plan';
import type { DeploymentSpec } from '../../lib/records/types';
import * as http from 'node:http';
import { listModels } from '../../lib/engine/deploy';
import { serverEnv } from '../../lib/config/settings';

const tasks = { tasks: [{ name: 'gsm8k' }] };
const cfg = (deployment: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ deployment, evaluation: tasks, ...extra });

function problems(raw: unknown): string {
  try {
    validateConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

const host: LaunchContext = { runtimes: { docker: false, apptainer: false }, bindHost: '127.0.0.1', evalflowCli: ['/usr/bin/node', '/opt/evalflow/bin/evalflow.js'], name: 'evalflow-r1-1' };
const spec = (raw: Record<string, unknown>): DeploymentSpec => buildPlan(cfg(raw)).deployment!;

test('a deployment fills in the target endpoint as the launcher does (url on its port, model_id = served_model_name)', () => {
  const plan = buildPlan(cfg({ type: 'vllm', checkpoint_path: '/ckpt/llama', served_model_name: 'llama', port: 8011 }));
  const ep = plan.tasks[0].endpoint;
  assert.equal(ep.url, 'http://127.0.0.1:8011/v1/chat/completions');
  assert.equal(ep.model_id, 'llama');
  assert.equal(ep.deployed, true);
  assert.equal(plan.deployment?.type, 'vllm');
  assert.equal(plan.deployment?.port, 8011);
  // The type may come from the Hydra defaults list, as in the launcher's configs.
  const viaDefaults = buildPlan({ defaults: [{ execution: 'local' }, { deployment: 'sglang' }, '_self_'], deployment: { hf_model_handle: 'Qwen/Qwen3-8B', served_model_name: 'qwen' }, evaluation: tasks });
  assert.equal(viaDefaults.deployment?.type, 'sglang');
  // llama_cpp: the model id defaults to the file's name.
  assert.equal(buildPlan(cfg({ type: 'llama_cpp', file: '/m/gemma-3-270m-q4_k_m.gguf' })).tasks[0].endpoint.model_id, 'gemma-3-270m-q4_k_m');
  // Without a deployment nothing changes.
  const none = resolveTasks(validateConfig({ target: { api_endpoint: { url: 'http://h:1/v1/chat/completions', model_id: 'm' } }, evaluation: tasks }), { isImplemented: () => true, unsupportedReason: () => undefined, defaults: () => undefined });
  assert.equal(none.deployment, undefined);
  assert.equal(none.tasks[0].endpoint.deployed, undefined);
});

test('bad deployment sections: each problem named with what to do', () => {
  assert.match(problems(cfg({ type: 'tgi' })), /deployment\.type: unknown deployment type 'tgi'; use one of: none, vllm, sglang, nim, generic, llama_cpp/);
  assert.match(problems(cfg({ type: 'trtllm', checkpoint_path: '/c', served_model_name: 'm' })), /deployment\.type: trtllm is not supported yet .* use type: generic/);
  assert.match(problems(cfg({ type: 'vllm', served_model_name: 'm' })), /deployment\.checkpoint_path: a vllm deployment needs the model: set checkpoint_path .* or hf_model_handle/);
  assert.match(problems(cfg({ type: 'vllm', checkpoint_path: '/c' })), /deployment\.served_model_name: the name the server answers to is not set/);
  assert.match(problems(cfg({ type: 'llama_cpp' })), /deployment\.file: a llama_cpp deployment needs file: the path of a \.gguf model/);
  assert.match(problems(cfg({ type: 'llama_cpp', file: '/m/model.bin' })), /deployment\.file: '\/m\/model\.bin' is not a \.gguf file/);
  assert.match(problems(cfg({ type: 'generic', served_model_name: 'm' })), /deployment\.command: a generic deployment needs command/);
  assert.match(problems(cfg({ type: 'nim', served_model_name: 'm' })), /deployment\.image: a nim deployment needs image/);
  assert.match(problems(cfg({ type: 'vllm', checkpoint_path: '/c', served_model_name: 'm', port: 70000 })), /deployment\.port: port must be 1–65535/);
  assert.match(problems(cfg({ type: 'vllm', checkpoint_path: '/c', served_model_name: 'm', tensor_paralel_size: 2 })), /deployment: unknown key tensor_paralel_size for a deployment; allowed: .*tensor_parallel_size/);
  assert.match(problems(cfg({ type: 'llama_cpp', file: '/m/x.gguf', tensor_parallel_size: 2 })), /deployment\.tensor_parallel_size: is not a key of deployment type llama_cpp/);
  assert.match(
    problems(cfg({ type: 'vllm', checkpoint_path: '/c', served_model_name: 'a' }, { target: { api_endpoint: { model_id: 'b' } } })),
    /deployment\.served_model_name 'a' and target\.api_endpoint\.model_id 'b' differ/,
  );
  assert.match(problems(cfg({ type: 'none', image: 'x' })), /deployment\.image: unknown key for deployment type none/);
});

test('vllm: the launcher command line, binary on the host or in a container', () => {
  const s = spec({ type: 'vllm', image: 'vllm/vllm-openai:v0.11.0', checkpoint_path: '/ckpt/llama', served_model_name: 'llama', tensor_parallel_size: 2, data_parallel_size: 2, gpu_memory_utilization: 0.9, extra_args: '--max-model-len 8192 --enforce-eager', env_vars: { VLLM_USE_V1: 1 } });
  const bin = launchCommand(s, host);
  assert.equal(bin.mode, 'binary');
  assert.deepEqual(bin.argv, [
    'vllm', 'serve', '/ckpt/llama', '--tensor-parallel-size=2', '--pipeline-parallel-size=1', '--data-parallel-size=2',
    '--host', '127.0.0.1', '--port', '8000', '--trust-remote-code', '--served-model-name', 'llama', '--gpu-memory-utilization', '0.9',
    '--max-model-len', '8192', '--enforce-eager',
  ]);
  assert.deepEqual(bin.env, { VLLM_USE_V1: '1' });
  const docker = launchCommand(s, { ...host, runtimes: { docker: true, apptainer: true } });
  assert.equal(docker.mode, 'docker');
  assert.deepEqual(docker.argv.slice(0, 13), ['docker', 'run', '--rm', '--name', 'evalflow-r1-1', '--gpus', 'all', '--ipc=host', '--shm-size=16g', '-p', '8000:8000', '-e', 'VLLM_USE_V1']);
  assert.ok(docker.display.includes('-v /ckpt/llama:/checkpoint:ro vllm/vllm-openai:v0.11.0 vllm serve /checkpoint'), docker.display);
  assert.ok(docker.display.includes('--host 0.0.0.0'), 'in a container the server listens on all interfaces');
  assert.deepEqual(docker.cleanup, ['docker', 'rm', '-f', 'evalflow-r1-1']);
  const apptainer = launchCommand(s, { ...host, runtimes: { docker: false, apptainer: true } });
  assert.equal(apptainer.mode, 'apptainer');
  assert.deepEqual(apptainer.argv.slice(0, 7), ['apptainer', 'exec', '--nv', '--cleanenv', '--bind', '/ckpt/llama:/checkpoint:ro', 'docker://vllm/vllm-openai:v0.11.0']);
  // The variables reach the container through APPTAINERENV_*, never the command line.
  assert.deepEqual(apptainer.env, { APPTAINERENV_VLLM_USE_V1: '1' });
  assert.ok(!apptainer.argv.some((a) => a.includes('VLLM_USE_V1')), apptainer.argv.join(' '));
  // container: none runs the binary even with docker there; a Hugging Face id is passed as it is.
  const hf = launchCommand(spec({ type: 'vllm', image: 'i', hf_model_handle: 'Qwen/Qwen3-8B', served_model_name: 'q', container: 'none' }), { ...host, runtimes: { docker: true, apptainer: false }, bindHost: '0.0.0.0' });
  assert.equal(hf.mode, 'binary');
  assert.deepEqual(hf.argv.slice(0, 3), ['vllm', 'serve', 'Qwen/Qwen3-8B']);
  assert.ok(hf.argv.join(' ').includes('--host 0.0.0.0'));
});

test('sglang, nim, generic and llama_cpp command lines', () => {
  const sg = spec({ type: 'sglang', checkpoint_path: '/ckpt/q', served_model_name: 'q', tensor_parallel_size: 4, port: 30000, extra_args: "--context-length 4096 --chat-template 'a b'" });
  assert.deepEqual(launchCommand(sg, host).argv, [
    'sglang', 'serve', '--model-path', '/ckpt/q', '--host', '127.0.0.1', '--port', '30000', '--served-model-name', 'q',
    '--tp-size', '4', '--dp-size', '1', '--pp-size', '1', '--context-length', '4096', '--chat-template', 'a b',
  ]);
  const sgDocker = launchCommand({ ...sg, image: 'lmsysorg/sglang:latest' }, { ...host, runtimes: { docker: true, apptainer: false } });
  assert.ok(sgDocker.display.includes('lmsysorg/sglang:latest python3 -m sglang.launch_server --model-path /checkpoint --host 0.0.0.0 --port 30000'), sgDocker.display);

  const nim = spec({ type: 'nim', image: 'nim/meta/llama-3.1-8b-instruct:1.8.6', served_model_name: 'meta/llama-3.1-8b-instruct', port: 8001 });
  const nimDocker = launchCommand(nim, { ...host, runtimes: { docker: true, apptainer: false } });
  assert.equal(nimDocker.argv.at(-1), 'nim/meta/llama-3.1-8b-instruct:1.8.6', 'the image runs its own entry point');
  assert.equal(nimDocker.env.NIM_SERVED_MODEL_NAME, 'meta/llama-3.1-8b-instruct');
  assert.equal(nimDocker.env.NIM_SERVER_PORT, '8001');
  assert.ok(nimDocker.argv.includes('NIM_SERVER_PORT'));
  assert.deepEqual(launchCommand(nim, host).argv, ['start_server.sh']);

  const gen = spec({ type: 'generic', command: 'my-server --model {model} --listen {host}:{port} --name {served_model_name}', checkpoint_path: '/c', served_model_name: 'g', port: 9100 });
  assert.deepEqual(launchCommand(gen, host).argv, ['/bin/sh', '-c', 'my-server --model /c --listen 127.0.0.1:9100 --name g']);

  const gguf = spec({ type: 'llama_cpp', file: '/m/gemma.gguf', parallel: 4, context_size: 2048, threads: 2, port: 8090 });
  const ll = launchCommand(gguf, { ...host, runtimes: { docker: true, apptainer: true } });
  assert.equal(ll.mode, 'binary');
  assert.deepEqual(ll.argv, ['/usr/bin/node', '/opt/evalflow/bin/evalflow.js', 'serve-gguf', '/m/gemma.gguf', '--host', '127.0.0.1', '--port', '8090', '--model-name', 'gemma', '--parallel', '4', '--context-size', '2048', '--threads', '2']);
});

test('splitArgs: quotes and escapes as a shell splits them', () => {
  assert.deepEqual(splitArgs(`--a 1 --b "x y" --c 'p q' --d a\\ b ""`), ['--a', '1', '--b', 'x y', '--c', 'p q', '--d', 'a b', '']);
  assert.deepEqual(splitArgs(''), []);
  assert.throws(() => splitArgs('--a "x'), /unclosed "/);
});

// ---- a judge deployed like the model (auxiliary_deployments.judge, the launcher's key)

const judgedTasks = { tasks: [{ name: 'ns_hle' }] };
const withJudge = (judge: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  deployment: { type: 'vllm', hf_model_handle: 'org/model', served_model_name: 'm' },
  auxiliary_deployments: { judge },
  evaluation: judgedTasks,
  ...extra,
});

test('auxiliary_deployments.judge: the judge endpoint of judged tasks is the judge deployment (its own record, port 8001 by default)', () => {
  const plan = buildPlan(withJudge({ type: 'vllm', hf_model_handle: 'org/judge', served_model_name: 'judge-model' }));
  assert.equal(plan.judge_deployment?.type, 'vllm');
  assert.equal(plan.judge_deployment?.port, 8001);
  assert.equal(plan.judge_deployment?.served_model_name, 'judge-model');
  const judge = plan.tasks[0].judge!.endpoint;
  assert.deepEqual({ url: judge.url, model_id: judge.model_id, deployed: judge.deployed, deployment: judge.deployment }, {
    url: 'http://127.0.0.1:8001/v1/chat/completions', model_id: 'judge-model', deployed: true, deployment: 'judge',
  });
  assert.equal(plan.tasks[0].endpoint.deployment, undefined, "the model's endpoint stays on the model's deployment");
  // A written extra.judge keeps its settings and gets the deployment's url and model.
  const tuned = buildPlan(withJudge({ type: 'llama_cpp', file: '/m/judge.gguf', port: 8100 }, {
    evaluation: { nemo_evaluator_config: { config: { params: { extra: { judge: { parallelism: 3 } } } } }, ...judgedTasks },
  }));
  assert.equal(tuned.tasks[0].judge!.parallelism, 3);
  assert.equal(tuned.tasks[0].judge!.endpoint.model_id, 'judge');
  assert.equal(tuned.tasks[0].judge!.endpoint.url, 'http://127.0.0.1:8100/v1/chat/completions');
  // Only the judge deployed (the model at a URL) works too; a run with no judged task does not start it.
  const only = buildPlan({ target: { api_endpoint: { url: 'http://h:1/v1/chat/completions', model_id: 'x' } }, auxiliary_deployments: { judge: { type: 'vllm', hf_model_handle: 'org/judge', served_model_name: 'j' } }, evaluation: judgedTasks });
  assert.equal(only.deployment, undefined);
  assert.equal(only.judge_deployment?.served_model_name, 'j');
  const unjudged = buildPlan({ ...withJudge({ type: 'vllm', hf_model_handle: 'org/judge', served_model_name: 'j' }), evaluation: tasks });
  assert.equal(unjudged.judge_deployment, undefined);
  assert.ok(unjudged.warnings.some((w) => /auxiliary_deployments\.judge is not used/.test(w)));
});

test('bad judge deployments: each problem named with what to do', () => {
  assert.match(problems(withJudge({ type: 'vllm', hf_model_handle: 'org/judge' })), /auxiliary_deployments\.judge\.served_model_name: the name the judge's server answers to is not set/);
  assert.match(problems(withJudge({ type: 'vllm', hf_model_handle: 'org/judge', served_model_name: 'j', port: 8000 })), /auxiliary_deployments\.judge\.port 8000 is the model deployment's port/);
  assert.match(problems(withJudge({ type: 'tgi', served_model_name: 'j' })), /auxiliary_deployments\.judge\.type: unknown deployment type 'tgi'/);
  assert.match(problems(withJudge({ type: 'vllm', served_model_name: 'j' })), /auxiliary_deployments\.judge\.checkpoint_path: a vllm deployment needs the model/);
  assert.match(problems({ ...withJudge({ type: 'vllm', hf_model_handle: 'h', served_model_name: 'j' }), auxiliary_deployments: { reranker: { type: 'vllm' } } }), /auxiliary_deployments\.reranker: is not a deployment evalflow starts; auxiliary_deployments takes only judge/);
  assert.match(
    problems(withJudge({ type: 'vllm', hf_model_handle: 'org/judge', served_model_name: 'j' }, { evaluation: { nemo_evaluator_config: { config: { params: { extra: { judge: { model_id: 'other' } } } } }, ...judgedTasks } })),
    /auxiliary_deployments\.judge\.served_model_name 'j' and evaluation\.nemo_evaluator_config\.config\.params\.extra\.judge\.model_id 'other' differ/,
  );
});

test('listModels with a timeout in fractional milliseconds still asks (a heartbeat timeout of 5 s probes every 1666.67 ms)', async () => {
  const srv = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'm' }] }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const port = (srv.address() as { port: number }).port;
    assert.deepEqual(await listModels(`http://127.0.0.1:${port}/v1`, 5000 / 3), ['m']);
  } finally {
    srv.close();
  }
});

test("env_vars as the launcher writes them: host:NAME is read on the deploy worker, lit:VALUE is VALUE; a missing host variable is named", () => {
  const saved = process.env.EVALFLOW_TEST_HF_TOKEN;
  process.env.EVALFLOW_TEST_HF_TOKEN = 'hf_secret';
  try {
    const env = serverEnv({ HF_TOKEN: 'host:EVALFLOW_TEST_HF_TOKEN', VLLM_ATTENTION_BACKEND: 'lit:FLASH_ATTN', TRUST_REMOTE_CODE: '1' });
    assert.equal(env.HF_TOKEN, 'hf_secret');
    assert.equal(env.VLLM_ATTENTION_BACKEND, 'FLASH_ATTN');
    assert.equal(env.TRUST_REMOTE_CODE, '1');
    assert.equal(env.PATH, process.env.PATH, "the deploy worker's own environment is kept");
    delete process.env.EVALFLOW_TEST_HF_TOKEN;
    assert.throws(() => serverEnv({ HF_TOKEN: 'host:EVALFLOW_TEST_HF_TOKEN' }), /env_vars\.HF_TOKEN is 'host:EVALFLOW_TEST_HF_TOKEN', but EVALFLOW_TEST_HF_TOKEN is not set on this deploy worker: export EVALFLOW_TEST_HF_TOKEN/);
  } finally {
    if (saved === undefined) delete process.env.EVALFLOW_TEST_HF_TOKEN;
    else process.env.EVALFLOW_TEST_HF_TOKEN = saved;
  }
});

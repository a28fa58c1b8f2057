/**
 * A judge deployed the same way as the model (`auxiliary_deployments.judge`)
 * on a real stack: a judged task (the test-only capitals benchmark) whose
 * model AND judge are `vllm` deployments, both the executable test double on
 * PATH (test/support/deploy-double.ts; echo answers, the judge's a fixed
 * verdict — not models). Both servers are started once by the deploy worker,
 * health-checked, the judge calls go to the judge's server (its own event
 * log), both are stopped at the end, and each deployment has its own record.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { DeploymentAddress } from '../../lib/records/types';
import type { JudgementRecord } from '../../lib/records/artifacts';
import * as YAML from 'yaml';
import { type Env, runCli, spawnWorker, startEnv, startInProcessWorker } from '../support/harness';
import { installDeployDoubles, readDoubleLog } from '../support/deploy-double';
import { capitals, writeCapitals } from '../support/capitals';

const ROWS = [
  { id: 'c1', country: 'France', capital: 'Paris' },
  { id: 'c2', country: 'Japan', capital: 'Tokyo' },
  { id: 'c3', country: 'Peru', capital: 'Lima' },
  { id: 'c4', country: 'Kenya', capital: 'Nairobi' },
];

let env: Env;
let bin: string;
let main: { stop(): Promise<void> } | undefined;
let deployer: ReturnType<typeof spawnWorker> | undefined;

before(async () => {
  env = await startEnv('deploy-judge');
  bin = path.join(env.stack.dir, 'deploy-bin');
  installDeployDoubles(bin, ['vllm']);
  main = await startInProcessWorker(env.taskQueue, [capitals], { noSandbox: true });
  deployer = spawnWorker({ ...env.childEnv, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, path.join(env.stack.dir, 'deployer.log'), ['--role', 'deploy']);
});
after(async () => {
  if (deployer && deployer.exitCode === null) {
    deployer.kill('SIGTERM');
    await new Promise((r) => deployer!.once('exit', r));
  }
  await main?.stop();
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

test('a judged task with the model and the judge both deployed (vllm doubles): each started once, judge calls go to the judge server, both stopped', async () => {
  const dir = path.join(env.stack.dir, 'data');
  writeCapitals(dir, ROWS);
  const modelPort = await freePort();
  let judgePort = await freePort();
  while (judgePort === modelPort) judgePort = await freePort();
  const modelLog = path.join(env.stack.dir, 'model-events.jsonl');
  const judgeLog = path.join(env.stack.dir, 'judge-events.jsonl');
  const runId = 'deploy-judge-1';
  const config = {
    deployment: { type: 'vllm', hf_model_handle: 'org/model', served_model_name: 'm', port: modelPort, ready_timeout: 60, env_vars: { DEPLOY_DOUBLE_LOG: modelLog } },
    auxiliary_deployments: {
      judge: {
        type: 'vllm',
        hf_model_handle: 'org/judge',
        served_model_name: 'judge-model',
        port: judgePort,
        ready_timeout: 60,
        env_vars: { DEPLOY_DOUBLE_LOG: judgeLog, DOUBLE_REPLY: 'Judgement: yes', DOUBLE_DELAY_MS: 800 },
      },
    },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 2, max_retries: 2, request_timeout: 10 } } },
      tasks: [{ name: 'example_capitals_judged', dataset_dir: dir }],
    },
    execution: { heartbeat_timeout: 5 },
  };
  await startEvaluation({ config, runId, taskQueue: env.taskQueue });
  const result = await env.client.workflow.getHandle(runId).result();
  assert.equal(result.status, 'completed');

  const model = readDoubleLog(modelLog);
  const judge = readDoubleLog(judgeLog);
  const mStarts = model.filter((e) => e.event === 'start');
  const jStarts = judge.filter((e) => e.event === 'start');
  assert.equal(mStarts.length, 1, 'the model server is started once');
  assert.equal(jStarts.length, 1, 'the judge server is started once');
  assert.deepEqual(jStarts[0].argv, [
    'serve', 'org/judge', '--tensor-parallel-size=1', '--pipeline-parallel-size=1', '--data-parallel-size=1',
    '--host', '127.0.0.1', '--port', String(judgePort), '--trust-remote-code', '--served-model-name', 'judge-model',
  ]);
  assert.ok(mStarts[0].argv!.includes('org/model') && mStarts[0].argv!.includes(String(modelPort)));

  // The model server answered the four prompts, the judge server the four judge prompts (its verdict: yes).
  assert.equal(model.filter((e) => e.event === 'served').length, ROWS.length);
  assert.equal(judge.filter((e) => e.event === 'served').length, ROWS.length);
  const judgements: JudgementRecord[] = [];
  for (const k of await env.store.list(`runs/${runId}/example_capitals_judged/judgements/`)) judgements.push(...((await env.store.getJsonl<JudgementRecord>(k)) ?? []));
  assert.equal(judgements.length, ROWS.length);
  assert.ok(judgements.every((j) => j.correct === true), `every verdict is the judge server's 'yes': ${JSON.stringify(judgements.map((j) => j.correct))}`);

  // Both stopped at the end, each with its own record.
  assert.equal(model.filter((e) => e.event === 'exit').length, 1, 'the model server is stopped');
  assert.equal(judge.filter((e) => e.event === 'exit').length, 1, 'the judge server is stopped');
  assert.ok(!alive(mStarts[0].pid!) && !alive(jStarts[0].pid!));
  const mAddr = await env.store.getJson<DeploymentAddress>(keys.deployment(runId));
  const jAddr = await env.store.getJson<DeploymentAddress>(keys.deployment(runId, 'judge'));
  assert.equal(mAddr?.state, 'stopped');
  assert.equal(jAddr?.state, 'stopped');
  assert.equal(jAddr?.name, 'judge');
  assert.equal(jAddr?.port, judgePort);
  assert.equal(keys.deployment(runId, 'judge'), `runs/${runId}/deployment-judge.json`);
});

test('evalflow run --dry-run shows both deployments: the model\'s and the judge\'s, each with its command line, port and health URL', async () => {
  const file = path.join(env.stack.dir, 'dry-judge.yaml');
  fs.writeFileSync(
    file,
    YAML.stringify({
      deployment: { type: 'vllm', checkpoint_path: '/models/qwen', served_model_name: 'qwen', container: 'none' },
      auxiliary_deployments: { judge: { type: 'sglang', hf_model_handle: 'Qwen/Qwen3-32B', served_model_name: 'judge', tensor_parallel_size: 2 } },
      evaluation: { tasks: [{ name: 'ns_hle' }] },
    }),
  );
  const r = await runCli(['run', '-c', file, '--dry-run'], { ...env.childEnv, EVALFLOW_DEPLOY_HOST: 'gpu-7.internal' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# deployment \(vllm\)[\s\S]*command: vllm serve \/models\/qwen .*--port 8000 .*--served-model-name qwen/);
  assert.match(r.stdout, /# judge deployment \(sglang, auxiliary_deployments\.judge\)/);
  assert.match(r.stdout, /command: sglang serve --model-path Qwen\/Qwen3-32B --host 0\.0\.0\.0 --port 8001 --served-model-name judge --tp-size 2/);
  assert.match(r.stdout, /health: GET http:\/\/<deploy host>:8001\/v1\/models until it lists 'judge'.*http:\/\/gpu-7\.internal:8001\/v1\/models/);
  assert.match(r.stdout, /judged tasks' judge calls go to: the address the deploy worker reports .*port 8001/);
});

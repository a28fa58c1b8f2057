/**
 * A code task checks its sandbox before any model call: a missing sandbox
 * worker and SciCode's missing test data each fail the run at once with a
 * message that says what to do — and no request reaches the model.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { startEvaluation } from '../../lib/operator/client';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

let env: Env;
let ep: FakeEndpoint;

before(async () => {
  env = await startEnv('preflight');
  ep = await startFakeEndpoint({ port: 0, models: ['code-model'], answer: () => ({ content: '```python\npass\n```' }) });
});
after(async () => {
  await ep?.close();
  await env?.close();
});

function messageOf(e: unknown): string {
  let msg = '';
  for (let c: unknown = e; c instanceof Error; c = c.cause) msg += ` | ${c.message}`;
  return msg;
}

async function failure(runId: string, config: Record<string, unknown>): Promise<string> {
  await startEvaluation({ runId, taskQueue: env.taskQueue, config });
  try {
    await env.client.workflow.getHandle(runId).result();
  } catch (e) {
    assert.ok(e instanceof WorkflowFailedError);
    return messageOf(e);
  }
  assert.fail('the run should have failed');
}

test('no worker serves the sandbox queue: the code task fails after execution.sandbox_wait, saying which queue and what to start', async () => {
  const worker = await startInProcessWorker(env.taskQueue, [], { noSandbox: true });
  try {
    const msg = await failure('preflight-no-sandbox', {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'code-model' } },
      evaluation: { tasks: [{ name: 'humaneval', dataset_dir: datasetsDir(), nemo_evaluator_config: { config: { params: { limit_samples: 2 } } } }] },
      execution: { sandbox_wait: 3 },
    });
    assert.match(msg, new RegExp(`no worker serves the sandbox task queue '${env.taskQueue}-sandbox'`));
    assert.match(msg, /evalflow worker' \(without --no-sandbox\)|sandboxPlugin\(\)/);
    assert.match(msg, /Nothing was sent to the model/);
    assert.equal(ep.stats().requests, 0);
  } finally {
    await worker.stop();
  }
});

test('SciCode without test_data.h5 on the sandbox worker: fails before any model call, naming EVALFLOW_SCICODE_DATA_DIR', async () => {
  delete process.env.EVALFLOW_SCICODE_DATA_DIR;
  const worker = await startInProcessWorker(env.taskQueue);
  try {
    const dir = path.join(env.stack.dir, 'sci', 'scicode');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(datasetsDir(), 'scicode', 'first_problem.jsonl'), path.join(dir, 'first_problem.jsonl'));
    const msg = await failure('preflight-scicode', {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'code-model' } },
      evaluation: { tasks: [{ name: 'ns_scicode', dataset_dir: path.dirname(dir), nemo_evaluator_config: { config: { params: { extra: { dataset_split: 'first_problem' } } } } }] },
    });
    assert.match(msg, /EVALFLOW_SCICODE_DATA_DIR is not set on the sandbox worker/);
    assert.match(msg, /test_data\.h5/);
    assert.equal(ep.stats().requests, 0);
  } finally {
    await worker.stop();
  }
});

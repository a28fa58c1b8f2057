/**
 * History stays bounded: 12,000 samples × 8 repeats (96,000 model calls)
 * against a fast fake endpoint. Every workflow execution (the suite, and each
 * continue-as-new run of the task) stays far below Temporal's limits, because
 * history carries shard keys and counts, never samples. Prints the event
 * counts and the wall time for the record.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type Env, startEnv, startInProcessWorker } from '../support/harness';

const SAMPLES = 12_000;
const REPEATS = 8;
let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };

before(async () => {
  env = await startEnv('history');
  ep = await startFakeEndpoint({
    port: 0,
    models: ['fast-model'],
    // Right on even numbers, wrong on odd ones: a known 50%.
    answer: (req) => {
      const n = Number(/What is (\d+) plus one\?/.exec(req.messages?.at(-1)?.content ?? '')?.[1] ?? -1);
      return { content: `\\boxed{${n % 2 === 0 ? n + 1 : n}}` };
    },
  });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

test(`12,000 samples × 8 repeats: every execution's history stays bounded`, async () => {
  // Synthetic items in GSM8K's schema.
  const dataDir = path.join(env.stack.dir, 'data');
  fs.mkdirSync(path.join(dataDir, 'gsm8k'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < SAMPLES; i++) lines.push(JSON.stringify({ question: `What is ${i} plus one?`, answer: `${i} + 1 = ${i + 1}\n#### ${i + 1}` }));
  fs.writeFileSync(path.join(dataDir, 'gsm8k', 'test.jsonl'), lines.join('\n') + '\n');

  const t0 = Date.now();
  await startEvaluation({
    runId: 'history-1',
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'fast-model' } },
      evaluation: {
        nemo_evaluator_config: { config: { params: { parallelism: 128, extra: { num_repeats: REPEATS } } } },
        tasks: [{ name: 'gsm8k', dataset_dir: dataDir }],
      },
    },
  });
  await env.client.workflow.getHandle('history-1').result();
  const wallS = (Date.now() - t0) / 1000;

  const executions: { id: string; events: number }[] = [];
  for await (const wf of env.client.workflow.list({ query: `WorkflowId = 'history-1' OR WorkflowId = 'history-1/gsm8k'` })) {
    executions.push({ id: `${wf.workflowId} ${wf.runId}`, events: wf.historyLength });
  }
  const max = Math.max(...executions.map((e) => e.events));
  console.log(`# history: ${SAMPLES} samples × ${REPEATS} repeats in ${wallS.toFixed(1)} s; ${executions.length} executions; events per execution: ${executions.map((e) => e.events).join(', ')}; max ${max}`);
  assert.ok(executions.length >= 2);
  assert.ok(max < 10_000, `max events per execution ${max}`);

  const results = await env.store.getJson<NemoResults>(keys.results('history-1', 'gsm8k'));
  const pass1 = results!.results.tasks.gsm8k.metrics[`pass@1[avg-of-${REPEATS}]`].scores.symbolic_correct;
  assert.equal(pass1.value, 50);
  assert.equal(pass1.stats.count, SAMPLES);
  const st = ep.stats();
  assert.equal(st.succeeded, SAMPLES * REPEATS, 'every unit called once');
  assert.ok(Object.values(st.servedByPayload).every((n) => n === REPEATS), 'each prompt asked exactly once per repeat');
});

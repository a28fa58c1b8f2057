/**
 * A run's results belong to its config (docs/architecture.md, run identity),
 * on the path other services use: `temporal workflow start --input-file`.
 * - The run id is the workflow id: an input run_id that differs is refused.
 * - A start under an id that holds another config's outputs fails at once,
 *   non-retryably, without a model call, saying how to resume or pick a new id.
 * - A re-start of a completed id with the same config returns the stored
 *   results with 0 model calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ensureBinary } from '../../lib/operator/infra/binaries';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { keys } from '../../lib/records/keys';
import type { NemoResults } from '../../lib/records/artifacts';
import type { RunMetadata } from '../../lib/records/artifacts';
import type { SuiteInput } from '../../lib/records/types';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, demoConfig, type Env, runCli, startEnv, startInProcessWorker } from '../support/harness';

const exec = promisify(execFile);
let env: Env;
let demo: FakeEndpoint;
let worker: { stop(): Promise<void> };

before(async () => {
  env = await startEnv('identity');
  demo = await startDemoEndpoint({ port: 0, latencyMs: 2, datasetsDir: datasetsDir() });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await demo?.close();
  await env?.close();
});

/** `temporal workflow start` exactly as the README shows, then wait for the outcome. */
async function startWithCli(workflowId: string, input: SuiteInput): Promise<unknown> {
  const file = path.join(env.stack.dir, `${workflowId}.json`);
  fs.writeFileSync(file, JSON.stringify(input));
  const temporal = await ensureBinary('temporal');
  await exec(temporal, [
    'workflow', 'start', '--type', 'evaluationSuite', '--task-queue', env.taskQueue, '--workflow-id', workflowId,
    '--input-file', file, '--address', env.stack.temporalAddress,
  ]);
  return env.client.workflow.getHandle(workflowId).result();
}

async function failureOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => assert.fail('the run should have failed'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof WorkflowFailedError, String(e));
  // the suite's failure wraps the activity's
  let msg = '';
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) msg += ` | ${(c as Error).message}`;
  return msg;
}

const config = (limit: number, model = 'demo-model') => {
  const c = demoConfig(demo.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: limit } }]);
  c.target.api_endpoint.model_id = model;
  return c;
};

test('the run id is the workflow id: a differing input run_id is refused before anything runs', async () => {
  const before = demo.stats().requests;
  const msg = await failureOf(startWithCli('wf-A', { run_id: 'from-another-service-1', config: config(5) }));
  assert.match(msg, /input run_id 'from-another-service-1' differs from the workflow id 'wf-A'/);
  assert.match(msg, /Leave run_id out of the input or set it to 'wf-A'/);
  assert.equal(demo.stats().requests, before, 'no model call');
  assert.equal(await env.store.getJson(keys.metadata('from-another-service-1')), null, 'nothing stored under the input id');
  assert.equal(await env.store.getJson(keys.metadata('wf-A')), null, 'nor under the workflow id');
});

test('run_id may be left out: artifacts go under the workflow id', async () => {
  await startWithCli('wf-B', { config: config(6) });
  const results = await env.store.getJson<NemoResults>(keys.results('wf-B', 'ns_mmlu_pro'));
  assert.equal(results?.results.tasks.ns_mmlu_pro.metrics['pass@1'].scores.symbolic_correct.stats.count, 6);
  const meta = await env.store.getJson<RunMetadata>(keys.metadata('wf-B'));
  assert.equal(meta?.run_id, 'wf-B');
  assert.match(meta?.config_hash ?? '', /^[0-9a-f]{64}$/);
  assert.equal(meta?.scorer_versions?.ns_mmlu_pro, results?.config.scorer_version, 'metadata and results name the same scorer version');
  assert.ok(typeof results?.config.scorer_version === 'string' && results.config.scorer_version !== 'unversioned');
});

test('another config under a used id fails at once, non-retryably, with 0 model calls; the same config replays', async () => {
  await startWithCli('shared-id', { run_id: 'shared-id', config: config(8) });
  const first = await env.store.getJson<NemoResults>(keys.results('shared-id', 'ns_mmlu_pro'));
  assert.equal(first?.config.model_id, 'demo-model');
  const paid = demo.stats().requests;

  // Another model and sample limit under the same id: refused, the first run's outputs untouched.
  const msg = await failureOf(startWithCli('shared-id', { run_id: 'shared-id', config: config(4, 'other-model') }));
  assert.match(msg, /run 'shared-id' already holds the outputs of config .*not of this config/);
  assert.match(msg, /evalflow resume shared-id/);
  assert.match(msg, /new run id/);
  assert.equal(demo.stats().requests, paid, 'no model call for the refused config');
  const desc = await env.client.workflow.getHandle('shared-id').describe();
  assert.equal(desc.status.name, 'FAILED');
  const history = await env.client.workflow.getHandle('shared-id').fetchHistory();
  const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
  assert.deepEqual(attempts, [1], 'initRun failed once, not retried');
  assert.deepEqual(await env.store.getJson<NemoResults>(keys.results('shared-id', 'ns_mmlu_pro')), first);

  // The same config again (keys in another order): the stored results, 0 model calls.
  const same = config(8);
  const reordered = { execution: same.execution, evaluation: same.evaluation, target: same.target };
  await startWithCli('shared-id', { config: reordered, run_id: 'shared-id' });
  assert.equal(demo.stats().requests, paid, 'a re-start of a completed id with its own config pays nothing');
  assert.deepEqual(await env.store.getJson<NemoResults>(keys.results('shared-id', 'ns_mmlu_pro')), first);
});

test('`evalflow rescore` re-scores a finished run as a new run of its config: 0 model calls, scorer versions recorded', async () => {
  await startWithCli('to-rescore', { config: config(7) });
  const paid = demo.stats().requests;
  const r = await runCli(['rescore', 'to-rescore', '--run-id', 'rescored-1', '--wait', '--task-queue', env.taskQueue], env.childEnv);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /run id: rescored-1 \(re-scoring to-rescore/);
  assert.equal(demo.stats().requests, paid, 'every response replayed from the cache');
  const a = await env.store.getJson<NemoResults>(keys.results('to-rescore', 'ns_mmlu_pro'));
  const b = await env.store.getJson<NemoResults>(keys.results('rescored-1', 'ns_mmlu_pro'));
  // Same responses, so the same tokens and cost; only who paid differs: the rescore replayed every call.
  const ua = a!.results.tasks.ns_mmlu_pro.usage!;
  const ub = b!.results.tasks.ns_mmlu_pro.usage!;
  assert.ok(ua.model.calls === 7 && ua.model.prompt_tokens > 0 && ua.model.completion_tokens > 0, JSON.stringify(ua));
  assert.deepEqual(ub.model, ua.model);
  assert.deepEqual(ub.replayed_calls, { model: ub.model.calls }, 'every call of the rescore was replayed from the cache');
  const { usage: _ua, ...restA } = a!.results.tasks.ns_mmlu_pro;
  const { usage: _ub, ...restB } = b!.results.tasks.ns_mmlu_pro;
  assert.deepEqual({ ...b!.results, tasks: { ns_mmlu_pro: restB } }, { ...a!.results, tasks: { ns_mmlu_pro: restA } }, 'same scorer, same responses: same results');
  const meta = await env.store.getJson<RunMetadata>(keys.metadata('rescored-1'));
  assert.equal(meta?.config_name, (await env.store.getJson<RunMetadata>(keys.metadata('to-rescore')))?.config_name);
  assert.equal(meta?.scorer_versions?.ns_mmlu_pro, b?.config.scorer_version);
  const unknown = await runCli(['rescore', 'no-such-run'], env.childEnv);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no artifacts for run 'no-such-run'/);
});

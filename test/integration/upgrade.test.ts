/**
 * Upgrading evalflow while a run is in flight (docs/operations.md): a run
 * starts on a worker with the CURRENT workflow code; that worker is killed
 * after some shards are scored; a worker whose workflow code carries a change
 * guarded by patched() (test/support/patched-workflows.ts, derived from dist/
 * at test time) takes over. The run finishes with the metrics of an
 * undisturbed run of the same config, no completed call is paid twice, the
 * patched branch ran on the old run (a memo field and the patch marker
 * recorded by the new worker), and no workflow task failed (no
 * nondeterminism).
 * Reads real benchmark data from EVALFLOW_DATASETS_DIR.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { temporal } from '@temporalio/proto';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { startEvaluation } from '../../lib/operator/client';
import { ArtifactStore } from '../../lib/engine/store';
import { loadSettings } from '../../lib/config/settings';
import { keys } from '../../lib/records/keys';
import { findBinary } from '../../lib/operator/infra/binaries';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import type { TaskProgress } from '../../lib/records/types';
import { datasetsDir, demoConfig, type Env, runCli, spawnWorker, startEnv, waitFor } from '../support/harness';
import { bundlePatchedWorkflows, patchTaskWorkflow, UPGRADE_MEMO_KEY, UPGRADE_PATCH_ID } from '../support/patched-workflows';

const SAMPLES = 160;
const SHARD = 20; // 8 shards
const PARALLELISM = 4;

let env: Env;
let demo: FakeEndpoint;

before(async () => {
  env = await startEnv('upgrade');
  // 150 ms a call, 2 calls at once per shard, 2 shards at once: about 6 s for the run.
  demo = await startDemoEndpoint({ port: 0, latencyMs: 150, datasetsDir: datasetsDir() });
});
after(async () => {
  await demo?.close();
  await env?.close();
});

async function stop(worker: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill(signal);
  await exited;
}

async function readScores(store: ArtifactStore, runId: string): Promise<ScoreRecord[]> {
  const scores: ScoreRecord[] = [];
  for (const k of await store.list(`runs/${runId}/gsm8k/scores/`)) scores.push(...((await store.getJsonl<ScoreRecord>(k)) ?? []));
  return scores;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * docs/operations.md's check before an old branch is removed: open evalflow executions started
 * before `t`, counted with the temporal CLI and the query the docs give.
 */
function openStartedBefore(t: Date): number {
  const temporalCli = findBinary('temporal', { cacheDir: loadSettings().cacheDir });
  assert.ok(temporalCli, 'the temporal CLI is installed (evalflow dev install)');
  const query = `WorkflowType IN ('evaluationSuite','evaluationTask') AND ExecutionStatus='Running' AND StartTime < '${t.toISOString()}'`;
  const out = execFileSync(temporalCli, ['workflow', 'count', '--address', env.stack.temporalAddress, '--query', query], { encoding: 'utf8' });
  const n = /Total:\s*(\d+)/.exec(out)?.[1];
  assert.ok(n !== undefined, `temporal workflow count printed no total: ${out}`);
  return Number(n);
}

/**
 * The run's result; fails at once, with the SDK's message, when a workflow task
 * of one of `watched` fails (a nondeterministic upgrade would retry it forever).
 */
async function finishes(runId: string, watched: string[]): Promise<void> {
  let done = false;
  const watch = async () => {
    while (!done) {
      for (const id of watched) {
        const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
        const failed = events.find((e) => e.workflowTaskFailedEventAttributes);
        if (failed) throw new Error(`${id}: a workflow task failed after the upgrade: ${failed.workflowTaskFailedEventAttributes?.failure?.message}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  try {
    await Promise.race([env.client.workflow.getHandle(runId).result(), watch()]);
  } finally {
    done = true;
  }
}
const identityOf = (e: HistoryEvent) => e.workflowTaskCompletedEventAttributes?.identity ?? '';

test('a run survives a worker upgrade to patched workflow code mid-run: same metrics as an undisturbed run, nothing paid twice, the new branch ran', async () => {
  const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: SAMPLES } }], { parallelism: PARALLELISM }, { shard_size: SHARD, shard_parallelism: 2 });
  const log = path.join(env.stack.dir, 'worker.log');
  // The next version's bundle is made while the baseline runs (bundling takes seconds).
  const bundling = bundlePatchedWorkflows(path.join(env.stack.dir, 'patched-workflow-bundle.js'));
  bundling.catch(() => undefined);

  // 1. The undisturbed run of the same config, on the current code, with artifacts and cache of its own
  //    (an S3 prefix), so that it pays for its calls itself instead of sharing the upgraded run's cache.
  const baseStore = new ArtifactStore({ ...loadSettings().storage, prefix: 'baseline' });
  const baseWorker = spawnWorker({ ...env.childEnv, EVALFLOW_S3_PREFIX: 'baseline' }, log);
  try {
    await startEvaluation({ config: cfg, runId: 'upgrade-base', taskQueue: env.taskQueue });
    await env.client.workflow.getHandle('upgrade-base').result();
  } finally {
    await stop(baseWorker, 'SIGTERM');
  }
  const baseStats = demo.stats();
  assert.equal(baseStats.succeeded, SAMPLES, 'the baseline paid for each of its calls once');
  const baseline = await baseStore.getJson<NemoResults>(keys.results('upgrade-base', 'gsm8k'));
  assert.ok(baseline, 'the baseline wrote results.json');
  const baseTask = await env.client.workflow.getHandle('upgrade-base/gsm8k').describe();
  assert.equal(baseTask.memo?.[UPGRADE_MEMO_KEY], undefined, 'the current code does not set the patched memo field');
  demo.resetStats();

  // 2. The run to upgrade, on the current code; the worker is killed once some shards are scored.
  const oldWorker = spawnWorker(env.childEnv, log);
  const oldPid = oldWorker.pid;
  let atKill: TaskProgress | undefined;
  try {
    await startEvaluation({ config: cfg, runId: 'upgrade-1', taskQueue: env.taskQueue });
    await waitFor(
      'two shards of the run to be scored on the old worker',
      async () => {
        try {
          atKill = await env.client.workflow.getHandle('upgrade-1/gsm8k').query<TaskProgress>('progress');
          return atKill.shards_done >= 2;
        } catch {
          return false; // the task workflow has not started yet
        }
      },
      120_000,
    );
  } finally {
    await stop(oldWorker, 'SIGKILL');
  }
  const servedAtKill = { ...demo.stats().servedByPayload };
  // The operator's check (docs/operations.md) sees the suite and its task still open, started before the upgrade.
  const upgradedAt = new Date();
  assert.equal(openStartedBefore(upgradedAt), 2, 'the suite and its task are open executions started before the upgrade');
  assert.ok(atKill && atKill.shards_done < atKill.shards_total, `the old worker was stopped mid-run (${atKill?.shards_done}/${atKill?.shards_total} shards)`);
  assert.ok(Object.keys(servedAtKill).length < SAMPLES, 'calls were left for the new worker');

  // 3. The new version takes over.
  const bundle = await bundling;
  const newWorker = spawnWorker(env.childEnv, log, ['--workflow-bundle', bundle]);
  const newPid = newWorker.pid;
  try {
    await finishes('upgrade-1', ['upgrade-1', 'upgrade-1/gsm8k']);
  } finally {
    await stop(newWorker, 'SIGTERM');
  }

  assert.equal(openStartedBefore(upgradedAt), 0, 'no open execution started before the upgrade: the old branch could now be removed');

  // Same metrics as the undisturbed run; every sample scored exactly once.
  const upgraded = await env.store.getJson<NemoResults>(keys.results('upgrade-1', 'gsm8k'));
  assert.ok(upgraded, 'the upgraded run wrote results.json');
  assert.deepEqual(upgraded.results.tasks.gsm8k.metrics, baseline.results.tasks.gsm8k.metrics, 'metrics of the upgraded run equal those of the undisturbed run');
  const scores = await readScores(env.store, 'upgrade-1');
  const baseScores = await readScores(baseStore, 'upgrade-base');
  assert.equal(scores.length, SAMPLES);
  assert.equal(new Set(scores.map((s) => s.sample_id)).size, SAMPLES, 'every sample scored exactly once');
  const correct = (list: ScoreRecord[]) => new Map(list.map((s) => [s.sample_id, s.correct]));
  assert.deepEqual(correct(scores), correct(baseScores), 'each sample scored as in the undisturbed run');

  // No completed call paid twice: only requests in flight at the kill (never checkpointed) may repeat.
  const served = demo.stats().servedByPayload;
  const repeated = Object.entries(served).filter(([, n]) => n > 1).map(([h]) => h);
  assert.ok(repeated.length <= PARALLELISM, `only requests in flight at the kill may repeat; ${repeated.length} did`);
  for (const h of repeated) assert.equal(servedAtKill[h], 1, 'a repeated request was one the old worker had asked for once');
  assert.equal(Object.keys(served).length, SAMPLES, 'each prompt was asked for');
  assert.equal(Object.values(served).reduce((a, b) => a + b, 0), SAMPLES + repeated.length);

  // The new code ran on the old run: the patched branch set its memo field...
  const task = env.client.workflow.getHandle('upgrade-1/gsm8k');
  assert.equal((await task.describe()).memo?.[UPGRADE_MEMO_KEY], UPGRADE_PATCH_ID, 'the patched branch ran on the run started before the upgrade');
  // ...and its patch marker was recorded by the new worker, in a history the old worker had begun.
  const events = (await task.fetchHistory()).events ?? [];
  const marker = events.findIndex((e) => e.markerRecordedEventAttributes && markerNames(e).includes(UPGRADE_PATCH_ID));
  assert.ok(marker > 0, `the history of upgrade-1/gsm8k holds the patch marker '${UPGRADE_PATCH_ID}'`);
  const completedBefore = events.slice(0, marker).filter((e) => e.workflowTaskCompletedEventAttributes);
  assert.ok(completedBefore.some((e) => identityOf(e).startsWith(`${oldPid}@`)), 'the old worker ran workflow tasks of this execution');
  assert.ok(identityOf(completedBefore.at(-1)!).startsWith(`${newPid}@`), 'the new worker recorded the patch marker');

  // No nondeterminism: no workflow task failed in the suite's or the task's history.
  for (const id of ['upgrade-1', 'upgrade-1/gsm8k']) {
    const history = id === 'upgrade-1/gsm8k' ? events : ((await env.client.workflow.getHandle(id).fetchHistory()).events ?? []);
    const failed = history.filter((e) => e.workflowTaskFailedEventAttributes);
    assert.deepEqual(
      failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message),
      [],
      `${id}: workflow tasks failed after the upgrade`,
    );
  }
});

/** The patch ids a core_patch marker carries (its details' payload data, decoded as text). */
function markerNames(e: HistoryEvent): string {
  const details = e.markerRecordedEventAttributes?.details ?? {};
  return Object.values(details)
    .flatMap((p) => p.payloads ?? [])
    .map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'))
    .join(' ');
}

test('the patch anchor is checked: a task workflow without it fails loudly, one with it gets exactly one patched branch', () => {
  assert.throws(() => patchTaskWorkflow('async function other() {\n}\n'), /anchor 'async function aggregate\(…\) \{' occurs 0 times/);
  const patched = patchTaskWorkflow('async function aggregate(input, live, prepared) {\n    live.details();\n}\n');
  assert.equal(patched.split(`patched(${JSON.stringify(UPGRADE_PATCH_ID)})`).length, 2);
});

test('evalflow worker --workflow-bundle with a missing file says what to give instead', async () => {
  const r = await runCli(['worker', '--workflow-bundle', '/nonexistent/bundle.js'], env.childEnv, 60_000);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--workflow-bundle '\/nonexistent\/bundle\.js' is not a file: give the path of a workflow bundle/);
  assert.doesNotMatch(r.stderr, /unexpected error/);
});

/**
 * End to end on a real Temporal dev server and a real MinIO, against the
 * scripted demo endpoint: results match the demo model's known answers,
 * re-runs replay the cache, transient faults are retried, permanent ones
 * fail fast, a failed run resumes without repeating a completed call, and a
 * Temporal server restart mid-run does not lose the run.
 * Reads real benchmark data from EVALFLOW_DATASETS_DIR.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { getBenchmark } from '../../benchmarks/index';
import { loadDataset } from '../../lib/engine/datasets';
import { demoOutcome, startDemoEndpoint, type DemoOutcome } from '../../lib/operator/demo-model';
import { cancelEvaluation, getProgress, resumeEvaluation, startEvaluation } from '../../lib/operator/client';
import { loadSettings } from '../../lib/config/settings';
import { closeMathGrader } from '../../lib/engine/math/verify';
import { keys } from '../../lib/records/keys';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import type { ScoreRecord, NemoResults } from '../../lib/records/artifacts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { datasetsDir, demoConfig, type Env, runCli, startEnv, startInProcessWorker, waitFor } from '../support/harness';

/** The demo model's fate for the first `n` samples of a benchmark, by sample id. */
async function knownOutcomes(task: string, n: number, promptConfig?: string): Promise<Map<string, DemoOutcome>> {
  const bench = getBenchmark(task)!;
  const { rows } = await loadDataset(bench.dataset, { datasetDir: datasetsDir(), cacheDir: loadSettings().cacheDir, offline: true });
  const out = new Map<string, DemoOutcome>();
  rows.slice(0, n).forEach((raw, i) => {
    const s = bench.toSample(raw, i);
    const msgs = bench.prompt(s, { promptConfig });
    out.set(s.id, demoOutcome(msgs[msgs.length - 1].content));
  });
  return out;
}

async function allScores(env: Env, runId: string, task: string): Promise<ScoreRecord[]> {
  const rows: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${runId}/${task}/scores/`)) rows.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  return rows;
}

function pct(count: number, total: number): number {
  return (100 * count) / total;
}

async function finish(env: Env, runId: string): Promise<unknown> {
  return env.client.workflow.getHandle(runId).result();
}

describe('durable run on real Temporal + MinIO', () => {
  let env: Env;
  let demo: FakeEndpoint;
  let worker: { stop(): Promise<void> };

  before(async () => {
    env = await startEnv('run');
    demo = await startDemoEndpoint({ port: 0, latencyMs: 5, datasetsDir: datasetsDir() });
    worker = await startInProcessWorker(env.taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await demo?.close();
    await env?.close();
  });

  const base = () =>
    demoConfig(demo.url, [
      { name: 'gsm8k', params: { limit_samples: 30, extra: { num_repeats: 2 } } },
      { name: 'ns_mmlu_pro', params: { limit_samples: 30 } },
    ]);

  test('a full run scores every sample once and matches the demo model’s known answers', async () => {
    demo.resetStats();
    const started = await startEvaluation({ config: base(), runId: 'full-1', taskQueue: env.taskQueue });
    await finish(env, started.runId);

    for (const [task, repeats] of [['gsm8k', 2], ['ns_mmlu_pro', 1]] as const) {
      const known = await knownOutcomes(task, 30);
      const scores = await allScores(env, 'full-1', task);
      assert.equal(scores.length, 30 * repeats, `${task}: one score per sample × repeat`);
      assert.equal(new Set(scores.map((s) => `${s.sample_id}#${s.repeat}`)).size, 30 * repeats, `${task}: no unit scored twice`);
      for (const s of scores) {
        const fate = known.get(s.sample_id);
        assert.equal(s.correct, fate === 'correct', `${task} ${s.sample_id}: scored ${s.correct}, demo answered ${fate}`);
        assert.equal(s.predicted === null, fate === 'no_answer', `${task} ${s.sample_id}: extraction vs ${fate}`);
      }
      const results = await env.store.getJson<NemoResults>(keys.results('full-1', task));
      const metric = repeats > 1 ? `pass@1[avg-of-${repeats}]` : 'pass@1';
      const correct = [...known.values()].filter((f) => f === 'correct').length;
      const noAnswer = [...known.values()].filter((f) => f === 'no_answer').length;
      const scoresOut = results!.results.tasks[task].metrics[metric].scores;
      assert.ok(Math.abs(scoresOut.symbolic_correct.value - pct(correct, 30)) < 1e-9, `${task} ${metric}: ${scoresOut.symbolic_correct.value} vs ${pct(correct, 30)}`);
      assert.ok(Math.abs(scoresOut.no_answer.value - pct(noAnswer, 30)) < 1e-9);
      assert.ok(await env.store.exists(keys.metrics('full-1', task)));
    }
    // 30 gsm8k prompts × 2 repeats + 30 MMLU-Pro prompts, each paid exactly once.
    assert.equal(demo.stats().succeeded, 90);
    for (const [k, n] of Object.entries(await env.store.getJson<Record<string, unknown>>(keys.metadata('full-1')) ?? {})) {
      if (k === 'status') assert.equal(n, 'completed');
    }
    assert.ok(await env.store.exists(keys.runConfig('full-1')));
    assert.ok(await env.store.exists(keys.runLog('full-1')));
  });

  test('a completions-type endpoint (/v1/completions) runs the same benchmark', async () => {
    demo.resetStats();
    const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 8 } }], { temperature: 0.2 });
    (cfg.target.api_endpoint as Record<string, unknown>).url = `${demo.url}/completions`;
    await startEvaluation({ config: cfg, runId: 'completions-1', taskQueue: env.taskQueue });
    await finish(env, 'completions-1');
    const known = await knownOutcomes('gsm8k', 8);
    const scores = await allScores(env, 'completions-1', 'gsm8k');
    assert.equal(scores.length, 8);
    for (const s of scores) assert.equal(s.correct, known.get(s.sample_id) === 'correct');
    assert.equal(demo.stats().succeeded, 8);
  });

  test('identical requests in flight together are paid once (the same prompt in several samples)', async () => {
    const dir = path.join(env.stack.dir, 'dupes');
    fs.mkdirSync(path.join(dir, 'gsm8k'), { recursive: true });
    const rows = Array.from({ length: 8 }, (_, i) => ({ question: i < 6 ? 'What is 1 + 1?' : `What is ${i} + 1?`, answer: `#### ${i < 6 ? 2 : i + 1}` }));
    fs.writeFileSync(path.join(dir, 'gsm8k', 'test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const slow = await startFakeEndpoint({ port: 0, latencyMs: 300, answer: (req) => ({ content: `\\boxed{${Number(/What is (\d+)/.exec(req.messages?.at(-1)?.content ?? '')?.[1] ?? 0) + 1}}` }) });
    try {
      await startEvaluation({
        runId: 'dupes-1',
        taskQueue: env.taskQueue,
        config: { ...demoConfig(slow.url, [{ name: 'gsm8k' }], { parallelism: 8 }), evaluation: { ...demoConfig(slow.url, [{ name: 'gsm8k' }], { parallelism: 8 }).evaluation, tasks: [{ name: 'gsm8k', dataset_dir: dir }] } },
      });
      await finish(env, 'dupes-1');
      assert.equal(slow.stats().succeeded, 3, 'six samples with the same prompt, one paid call; two others');
      const scores = await allScores(env, 'dupes-1', 'gsm8k');
      assert.equal(scores.length, 8);
      assert.ok(scores.every((r) => r.correct));
    } finally {
      await slow.close();
    }
  });

  test('a re-run with the same config replays every response from the cache', async () => {
    demo.resetStats();
    await startEvaluation({ config: base(), runId: 'full-2', taskQueue: env.taskQueue });
    await finish(env, 'full-2');
    assert.equal(demo.stats().requests, 0, 'no request reached the endpoint');
    const a = await env.store.getJson<NemoResults>(keys.results('full-1', 'gsm8k'));
    const b = await env.store.getJson<NemoResults>(keys.results('full-2', 'gsm8k'));
    // Same responses: same metrics, tokens and cost; the re-run replayed every call (a paid none from the cache).
    const ua = a!.results.tasks.gsm8k.usage!;
    const ub = b!.results.tasks.gsm8k.usage!;
    assert.deepEqual(ua.replayed_calls, { model: 0 });
    assert.deepEqual(ub.replayed_calls, { model: 60 });
    assert.equal(ub.model.calls, 60);
    const { replayed_calls: _ra, ...tokensA } = ua;
    const { replayed_calls: _rb, ...tokensB } = ub;
    assert.deepEqual(tokensB, tokensA);
    const without = (r: NemoResults) => ({ ...r.results, tasks: { gsm8k: { ...r.results.tasks.gsm8k, usage: undefined } } });
    assert.deepEqual(without(b!), without(a!));
  });

  test('429 with Retry-After, 500, 503, hangs, malformed and truncated bodies, resets are retried and the run finishes', async () => {
    demo.resetStats();
    demo.setFaults([
      { kind: '429', count: 2, retryAfter: 1 },
      { kind: '500', count: 2 },
      { kind: '503', count: 1 },
      { kind: 'hang', count: 1 },
      { kind: 'malformed', count: 1 },
      { kind: 'truncated', count: 1 },
      { kind: 'reset', count: 1 },
    ]);
    const cfg = demoConfig(demo.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 20, extra: { prompt_config: 'eval/aai/mcq-10choices-boxed' } } }], { request_timeout: 2, max_retries: 6 });
    await startEvaluation({ config: cfg, runId: 'faults-1', taskQueue: env.taskQueue });
    await finish(env, 'faults-1');
    demo.setFaults([]);
    const st = demo.stats();
    for (const kind of ['429', '500', '503', 'hang', 'malformed', 'truncated', 'reset']) assert.ok(st.faults[kind] >= 1, `fault ${kind} injected`);
    assert.equal(st.succeeded, 20, 'each of the 20 prompts answered once');
    const known = await knownOutcomes('ns_mmlu_pro', 20, 'eval/aai/mcq-10choices-boxed');
    const scores = await allScores(env, 'faults-1', 'ns_mmlu_pro');
    assert.equal(scores.length, 20);
    for (const s of scores) assert.equal(s.correct, known.get(s.sample_id) === 'correct');
  });

  test('a sample failing past max_retries fails the run with a clear error; resume finishes it without repeating a completed call', async () => {
    const bench = getBenchmark('gsm8k')!;
    const { rows } = await loadDataset(bench.dataset, { datasetDir: datasetsDir(), cacheDir: loadSettings().cacheDir, offline: true });
    // Samples 30..51 are not in the cache yet (the first test cached 0..29). One of them always fails.
    const poisoned = String(rows[45].question).slice(0, 60);
    demo.resetStats();
    demo.setFaults([{ kind: '500', rate: 1, match: poisoned }]);
    const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 52 } }], { max_retries: 1, parallelism: 2 }, { activity_attempts: 2 });
    await startEvaluation({ config: cfg, runId: 'resume-1', taskQueue: env.taskQueue });
    await assert.rejects(finish(env, 'resume-1'), (e: unknown) => {
      assert.ok(e instanceof WorkflowFailedError);
      let msg = '';
      for (let c: unknown = e; c instanceof Error; c = c.cause) msg += ` | ${c.message}`;
      assert.match(msg, /still failing after 1 retries/);
      assert.match(msg, /evalflow resume resume-1/);
      return true;
    });
    const before = demo.stats();
    assert.ok(before.succeeded >= 1, 'completed samples before the failure');
    const servedBefore = { ...before.servedByPayload };

    demo.setFaults([]);
    demo.resetStats();
    await resumeEvaluation('resume-1', { client: env.client });
    await finish(env, 'resume-1');
    const afterStats = demo.stats();
    for (const h of Object.keys(afterStats.servedByPayload)) {
      assert.equal(servedBefore[h], undefined, 'resume asked again for a response it already had');
    }
    // 52 samples, 30 of them cached by the first test: each of the other 22 paid exactly once overall.
    const paid = Object.keys(servedBefore).length + Object.keys(afterStats.servedByPayload).length;
    assert.equal(paid, 22);
    for (const n of [...Object.values(servedBefore), ...Object.values(afterStats.servedByPayload)]) assert.equal(n, 1);
    assert.equal((await allScores(env, 'resume-1', 'gsm8k')).length, 52);
  });

  test('a worker without the math grader fails scoring naming the fix; once it is there, resume scores the stored responses without a model call', async () => {
    await closeMathGrader();
    const saved = process.env.EVALFLOW_MATH_PYTHON;
    process.env.EVALFLOW_MATH_PYTHON = path.join(os.tmpdir(), 'evalflow-no-such-python');
    try {
      demo.resetStats();
      const cfg = demoConfig(demo.url, [{ name: 'gsm8k', params: { limit_samples: 10 } }], { temperature: 0.33 });
      await startEvaluation({ config: cfg, runId: 'no-math-1', taskQueue: env.taskQueue });
      await assert.rejects(finish(env, 'no-math-1'), (e: unknown) => {
        let msg = '';
        for (let c: unknown = e; c instanceof Error; c = c.cause) msg += ` | ${c.message}`;
        assert.match(msg, /gsm8k cannot be scored on this worker: EVALFLOW_MATH_PYTHON=.* does not exist/);
        assert.match(msg, /evalflow resume no-math-1/);
        return true;
      });
      assert.equal(demo.stats().succeeded, 10, 'the responses were generated (and stored) before scoring failed');
    } finally {
      if (saved === undefined) delete process.env.EVALFLOW_MATH_PYTHON;
      else process.env.EVALFLOW_MATH_PYTHON = saved;
    }
    demo.resetStats();
    await resumeEvaluation('no-math-1', { client: env.client });
    await finish(env, 'no-math-1');
    assert.equal(demo.stats().succeeded, 0, 'resume made no model call');
    const known = await knownOutcomes('gsm8k', 10);
    const scores = await allScores(env, 'no-math-1', 'gsm8k');
    assert.equal(scores.length, 10);
    for (const s of scores) assert.equal(s.correct, known.get(s.sample_id) === 'correct', s.sample_id);
  });

  test('a rejected API key fails fast, with one request and an actionable message', async () => {
    const locked = await startFakeEndpoint({ port: 0, models: ['demo-model'], apiKey: 'right-key', answer: () => ({ content: 'x' }) });
    try {
      process.env.EVALFLOW_TEST_KEY = 'wrong-key';
      // A temperature no other test uses, so no cached response answers for the endpoint.
      const cfg = demoConfig(locked.url, [{ name: 'gsm8k', params: { limit_samples: 5 } }], { parallelism: 1, temperature: 0.321 });
      (cfg.target.api_endpoint as Record<string, unknown>).api_key_name = 'EVALFLOW_TEST_KEY';
      await startEvaluation({ config: cfg, runId: 'auth-1', taskQueue: env.taskQueue });
      const t0 = Date.now();
      await assert.rejects(finish(env, 'auth-1'), (e: unknown) => {
        let msg = '';
        for (let c: unknown = e; c instanceof Error; c = c.cause) msg += ` | ${c.message}`;
        assert.match(msg, /401/);
        assert.match(msg, /API key was rejected/);
        return true;
      });
      assert.ok(Date.now() - t0 < 30_000, 'failed fast');
      assert.equal(locked.stats().requests, 1, 'no retry of a 401');
    } finally {
      await locked.close();
    }
  });

  test('a Temporal server restart mid-run does not lose the run', async () => {
    const slow = await startDemoEndpoint({ port: 0, latencyMs: 150, datasetsDir: datasetsDir() });
    try {
      const cfg = demoConfig(slow.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 80, extra: { prompt_config: 'eval/aai/mcq-10choices-boxed' } } }], { parallelism: 2 }, { shard_size: 10 });
      // Later MMLU-Pro samples (20..79 are new to the cache).
      await startEvaluation({ config: cfg, runId: 'restart-1', taskQueue: env.taskQueue });
      await waitFor('some progress', () => slow.stats().succeeded >= 10);
      await env.stack.restartTemporal();
      await finish(env, 'restart-1');
      const scores = await allScores(env, 'restart-1', 'ns_mmlu_pro');
      assert.equal(scores.length, 80);
      assert.equal(new Set(scores.map((s) => s.sample_id)).size, 80);
      const dup = Object.values(slow.stats().servedByPayload).filter((n) => n > 1).length;
      assert.ok(dup <= 2, `at most the in-flight requests (parallelism 2) repeated, saw ${dup}`);
    } finally {
      await slow.close();
    }
  });

  test('MinIO stopped for a few seconds mid-run: the run finishes and no paid response is lost or repeated', async () => {
    const slow = await startDemoEndpoint({ port: 0, latencyMs: 80, datasetsDir: datasetsDir() });
    try {
      const cfg = demoConfig(slow.url, [{ name: 'gsm8k', params: { limit_samples: 60, extra: { num_repeats: 1 } } }], { parallelism: 3, temperature: 0.5 }, { shard_size: 20 });
      await startEvaluation({ config: cfg, runId: 'minio-down-1', taskQueue: env.taskQueue });
      await waitFor('some progress', () => slow.stats().succeeded >= 10);
      await env.stack.stopMinio();
      await new Promise((r) => setTimeout(r, 6000));
      await env.stack.startMinio();
      await finish(env, 'minio-down-1');
      const scores = await allScores(env, 'minio-down-1', 'gsm8k');
      assert.equal(scores.length, 60);
      assert.equal(slow.stats().succeeded, 60, 'each prompt paid once');
    } finally {
      await slow.close();
    }
  });

  test('cancel a running run, then resume it: it finishes without repeating a completed call; progress and pull work', async () => {
    const slow = await startDemoEndpoint({ port: 0, latencyMs: 300, datasetsDir: datasetsDir() });
    try {
      // 60 calls, 4 at a time, 300 ms each: about 4.5 s, so the cancel lands mid-run.
      const cfg = demoConfig(slow.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 60 } }], { parallelism: 2, temperature: 0.7 }, { shard_size: 10 });
      await startEvaluation({ config: cfg, runId: 'cancel-1', taskQueue: env.taskQueue });
      await waitFor('progress visible through the query', async () => {
        const p = await getProgress('cancel-1', env.client);
        return (p.progress?.tasks[0]?.units_done ?? 0) >= 10 && p.progress?.tasks[0]?.units_total === 60;
      });
      await cancelEvaluation('cancel-1', env.client);
      await assert.rejects(finish(env, 'cancel-1'));
      const served = { ...slow.stats().servedByPayload };
      assert.ok(Object.keys(served).length < 60, 'cancelled before the end');
      const meta = await env.store.getJson<{ status: string }>(keys.metadata('cancel-1'));
      assert.equal(meta!.status, 'cancelled');

      await resumeEvaluation('cancel-1', { client: env.client });
      await finish(env, 'cancel-1');
      const all = slow.stats().servedByPayload;
      assert.equal(Object.keys(all).length, 60);
      const repeated = Object.values(all).filter((n) => n > 1).length;
      assert.ok(repeated <= 2, `only requests in flight at the cancel may repeat (${repeated})`);

      const out = path.join(env.stack.dir, 'pulled');
      const r = await runCli(['pull', 'cancel-1', '--out', out], env.childEnv);
      assert.equal(r.code, 0, r.stderr);
      const results = JSON.parse(fs.readFileSync(path.join(out, 'artifacts', 'ns_mmlu_pro', 'results.json'), 'utf8')) as NemoResults;
      assert.equal(results.results.tasks.ns_mmlu_pro.metrics['pass@1'].scores.symbolic_correct.stats.count, 60);
      assert.match(fs.readFileSync(path.join(out, 'logs', 'stdout.log'), 'utf8'), /finished: completed/);
    } finally {
      await slow.close();
    }
  });
});

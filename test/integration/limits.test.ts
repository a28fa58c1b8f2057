/**
 * Endpoints that push back, on the real dev server (issue: long runs):
 *
 * - adaptive concurrency: an endpoint that serves at most 40 requests at once
 *   and answers 429 beyond, while the task's parallelism is 256 — evalflow
 *   converges to at most 40 in flight, 429s stay under 5% of requests after
 *   convergence, throughput reaches at least 85% of the endpoint's capacity,
 *   and no call is lost or paid twice;
 * - limits shared by all workers and runs: two runs on two worker processes
 *   (two task queues) against an endpoint capped at 32 concurrent by
 *   execution.endpoint_limits — the endpoint never sees more than 32, both complete;
 * - a budget: reached mid-run, the run pauses with no call after the pause,
 *   says why; `evalflow resume RUN --budget N` completes it; nothing is paid twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { getProgress, startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { keys } from '../../lib/records/keys';
import { limiterWorkflowId } from '../../lib/records/limits';
import { datasetsDir, demoConfig, type Env, runCli, spawnWorker, startEnv, startInProcessWorker, waitFor } from '../support/harness';

let env: Env;

before(async () => {
  env = await startEnv('limits');
});
after(async () => {
  await env?.close();
});

/** The run's result (throws when it failed). */
function finished(runId: string): Promise<unknown> {
  return env.client.workflow.getHandle(runId).result();
}

test('adaptive concurrency: 256 lanes against an endpoint of 40 converge to it, few 429s, near its throughput, no call lost', async () => {
  const latencyMs = 250;
  const capacity = 40;
  const ep = await startDemoEndpoint({ port: 0, latencyMs, datasetsDir: datasetsDir(), maxConcurrency: capacity, overCapacity: '429' });
  const worker = await startInProcessWorker(env.taskQueue);
  try {
    const samples = 2400;
    const cfg = demoConfig(ep.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: samples } }], { parallelism: 256, max_retries: 3 });
    // Windows of 0.5 s: requests, 429s and answers per window.
    const windows: Array<{ requests: number; rejected: number; succeeded: number }> = [];
    let last = ep.stats();
    const sampler = setInterval(() => {
      const s = ep.stats();
      windows.push({ requests: s.requests - last.requests, rejected: s.overCapacity - last.overCapacity, succeeded: s.succeeded - last.succeeded });
      last = s;
    }, 500);
    await startEvaluation({ config: cfg, runId: 'adaptive-1', taskQueue: env.taskQueue });
    // The limit in force, as the suite's progress (status, the UI) shows it while the task generates.
    const shown: number[] = [];
    let done = false;
    const watching = (async () => {
      while (!done) {
        const t = (await getProgress('adaptive-1', env.client).catch(() => null))?.progress?.tasks[0];
        if (t?.phase === 'generating' && t.concurrency_limit !== undefined) shown.push(t.concurrency_limit);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await finished('adaptive-1');
    done = true;
    await watching;
    clearInterval(sampler);

    const st = ep.stats();
    // MMLU-Pro repeats some prompts word for word: identical requests are paid once.
    assert.equal(st.succeeded, Object.keys(st.servedByPayload).length, 'every distinct request answered');
    assert.ok(Object.values(st.servedByPayload).every((n) => n === 1), 'no request paid twice');
    assert.ok(st.succeeded > samples * 0.95, `${st.succeeded} distinct requests for ${samples} samples`);
    const scored = await env.store.getJson<{ results: { tasks: { ns_mmlu_pro: { metrics: Record<string, { scores: Record<string, { stats?: { count?: number } }> }> } } } }>(
      keys.results('adaptive-1', 'ns_mmlu_pro'),
    );
    assert.ok(scored?.results.tasks.ns_mmlu_pro, 'results computed');

    // Convergence: from the first window after which fewer than 5% of requests are 429s for good.
    const busy = windows.filter((w) => w.succeeded > 0);
    let converged = 0;
    for (let i = busy.length - 1; i >= 0; i--) {
      const tail = busy.slice(i);
      const req = tail.reduce((a, w) => a + w.requests, 0);
      const rej = tail.reduce((a, w) => a + w.rejected, 0);
      if (req > 0 && rej / req >= 0.05) {
        converged = i + 1;
        break;
      }
    }
    // Steady state: after convergence, leaving out the last 20% of windows (the tail of the task, fewer than 40 left).
    const steady = busy.slice(converged, Math.floor(busy.length * 0.8));
    const req = steady.reduce((a, w) => a + w.requests, 0);
    const rej = steady.reduce((a, w) => a + w.rejected, 0);
    const ok = steady.reduce((a, w) => a + w.succeeded, 0);
    const throughput = ok / (steady.length * 0.5);
    const capacityPerS = (capacity * 1000) / latencyMs;
    console.log(
      `adaptive: converged after ${converged} of ${busy.length} windows (0.5 s); steady state ${steady.length} windows: ` +
        `${((100 * rej) / Math.max(1, req)).toFixed(2)}% 429s, ${throughput.toFixed(1)} answers/s = ${(throughput / capacityPerS).toFixed(3)} of capacity (${capacityPerS}/s); ` +
        `429s overall ${st.overCapacity} of ${st.requests} requests`,
    );
    assert.ok(steady.length >= 6, `a steady state of at least 3 s to measure (${steady.length} windows; converged after ${converged})`);
    assert.ok(converged * 0.5 <= 10, `converged within 10 s (${converged * 0.5} s)`);
    assert.ok(rej / req < 0.05, `429s after convergence: ${rej} of ${req}`);
    assert.ok(throughput >= 0.85 * capacityPerS, `throughput ${throughput.toFixed(1)}/s of a capacity of ${capacityPerS}/s`);
    assert.ok(st.maxInFlight <= capacity, `the endpoint never served more than ${capacity} (${st.maxInFlight})`);
    assert.ok(shown.length > 0 && shown.at(-1)! <= 48 && shown.at(-1)! >= 20, `the progress shows the adapted limit near ${capacity}: ${shown.join(' ')}`);
  } finally {
    await worker.stop();
    await ep.close();
  }
});

test('limits shared by all workers and runs: two runs on two workers never exceed the endpoint cap of 32', async () => {
  const ep = await startDemoEndpoint({ port: 0, latencyMs: 100, datasetsDir: datasetsDir() });
  const workers: ChildProcess[] = [];
  try {
    const queues = ['limits-a', 'limits-b'];
    for (const q of queues) workers.push(spawnWorker({ ...env.childEnv, EVALFLOW_TASK_QUEUE: q }, path.join(env.stack.dir, `worker-${q}.log`)));
    // Two sampling settings: two independent sets of requests (no response of one run is the other's cache hit).
    const cfg = (temperature: number) =>
      demoConfig(ep.url, [{ name: 'ns_mmlu_pro', params: { limit_samples: 800 } }], { parallelism: 48, temperature }, {
        endpoint_limits: [{ model_id: 'demo-model', max_concurrency: 32 }],
        shard_size: 100,
      });
    await Promise.all([
      startEvaluation({ config: cfg(0.3), runId: 'shared-a', taskQueue: queues[0] }),
      startEvaluation({ config: cfg(0.4), runId: 'shared-b', taskQueue: queues[1] }),
    ]);
    // Both runs are under way at once (each has paid calls) while the cap holds.
    await waitFor('both runs calling', async () => {
      const [a, b] = await Promise.all([getProgress('shared-a', env.client), getProgress('shared-b', env.client)]);
      return (a.progress?.tasks[0]?.units_done ?? 0) > 0 && (b.progress?.tasks[0]?.units_done ?? 0) > 0;
    });
    await Promise.all([finished('shared-a'), finished('shared-b')]);
    const st = ep.stats();
    console.log(`shared: ${st.succeeded} answers, at most ${st.maxInFlight} in flight`);
    assert.ok(st.maxInFlight <= 32, `the endpoint saw at most 32 at once (${st.maxInFlight})`);
    assert.ok(st.maxInFlight >= 24, `and the cap was used (${st.maxInFlight})`);
    assert.ok(st.succeeded > 1500, `both runs were answered by the endpoint (${st.succeeded})`);
    for (const id of ['shared-a', 'shared-b']) assert.ok(await env.store.getJson(keys.results(id, 'ns_mmlu_pro')), `${id} has results`);
    assert.ok(Object.values(st.servedByPayload).every((n) => n === 1), 'no request paid twice');
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await ep.close();
  }
});

test('a budget reached mid-run pauses the run with no call after the pause; resume --budget completes it; nothing paid twice', async () => {
  const ep = await startDemoEndpoint({ port: 0, latencyMs: 50, datasetsDir: datasetsDir() });
  const worker = await startInProcessWorker(env.taskQueue);
  try {
    const samples = 300;
    // 1000 USD per million tokens: a call of ~N tokens costs N/1000 USD. Probe the cost of one call first.
    const cfg = (budget?: number) =>
      demoConfig(ep.url, [{ name: 'gsm8k', params: { limit_samples: samples } }], { parallelism: 4 }, {
        pricing: [{ model_id: 'demo-model', input_per_million: 1000, output_per_million: 1000 }],
        ...(budget ? { budget_usd: budget } : {}),
        shard_size: 100,
      });
    await startEvaluation({ config: cfg(), runId: 'budget-probe', taskQueue: env.taskQueue });
    await finished('budget-probe');
    const probe = await env.store.getJson<{ results: { tasks: { gsm8k: { usage?: { cost_usd?: number } } } } }>(keys.results('budget-probe', 'gsm8k'));
    const total = probe?.results.tasks.gsm8k.usage?.cost_usd;
    assert.ok(total && total > 0, `the probe run has a cost (${total})`);
    ep.resetStats();

    // The same prompts with another sampling setting (another cache family): a third of the run's cost as the budget.
    const budget = total / 3;
    const c = cfg(budget);
    (c.evaluation.nemo_evaluator_config.config.params as Record<string, unknown>).temperature = 0.5;
    await startEvaluation({ config: c, runId: 'budget-1', taskQueue: env.taskQueue });
    await waitFor('the budget pauses the run', async () => (await getProgress('budget-1', env.client)).progress?.paused_reason?.startsWith('budget') ?? false, 120_000);
    const atPause = ep.stats().requests;
    await new Promise((r) => setTimeout(r, 3000));
    const after3s = ep.stats().requests;
    const p = (await getProgress('budget-1', env.client)).progress!;
    console.log(`budget: paused at $${p.cost_usd?.toFixed(4)} of $${budget.toFixed(4)} after ${atPause} requests (${samples} in the run)`);
    assert.equal(after3s, atPause, 'no call after the pause');
    assert.ok(atPause < samples, `paused before the end (${atPause} of ${samples})`);
    assert.ok((p.cost_usd ?? 0) >= budget, `spent at least the budget when paused (${p.cost_usd} vs ${budget})`);
    // Beyond the budget: only the calls that were in flight when it was reached (parallelism 4), each counted once.
    assert.ok((p.cost_usd ?? 0) <= budget + (5 * total) / samples, `spent ${p.cost_usd} of a budget of ${budget}: at most the calls in flight over it`);

    // status says why and how to go on; a resume without a higher budget is refused.
    const status = await runCli(['status', 'budget-1'], env.childEnv);
    assert.match(status.stdout + status.stderr, /budget/i);
    const refused = await runCli(['resume', 'budget-1'], env.childEnv);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /reached its budget .*evalflow resume budget-1 --budget/);
    const zero = await runCli(['resume', 'budget-1', '--budget', '0'], env.childEnv);
    assert.notEqual(zero.code, 0);
    assert.match(zero.stderr, /--budget must be a number of US dollars above 0/);

    const resumed = await runCli(['resume', 'budget-1', '--budget', String(total * 10)], env.childEnv);
    assert.equal(resumed.code, 0, resumed.stderr);
    await finished('budget-1');
    const st = ep.stats();
    assert.equal(st.succeeded, samples, 'every sample paid once in all');
    assert.ok(Object.values(st.servedByPayload).every((n) => n === 1), 'nothing paid twice');
  } finally {
    await worker.stop();
    await ep.close();
  }
});

test('a limiter left on a task queue no worker polls is replaced: the next run of the endpoint completes', async () => {
  const ep = await startDemoEndpoint({ port: 0, latencyMs: 20, datasetsDir: datasetsDir() });
  const worker = await startInProcessWorker(env.taskQueue);
  try {
    const endpoint = { url: `${ep.url}/chat/completions`, model_id: 'demo-model' };
    // A limiter of this endpoint started by a run whose workers are gone.
    const orphan = await env.client.workflow.start('endpointLimiter', { workflowId: limiterWorkflowId(endpoint), taskQueue: 'limits-nobody', args: [{ endpoint }] });
    const cfg = demoConfig(ep.url, [{ name: 'gsm8k', params: { limit_samples: 20 } }], { parallelism: 4, temperature: 0.7 });
    await startEvaluation({ config: cfg, runId: 'orphan-1', taskQueue: env.taskQueue });
    await finished('orphan-1');
    const old = await env.client.workflow.getHandle(orphan.workflowId, orphan.firstExecutionRunId).describe();
    assert.equal(old.status.name, 'TERMINATED', 'the orphaned limiter was terminated');
    const now = await env.client.workflow.getHandle(limiterWorkflowId(endpoint)).describe();
    assert.equal(now.taskQueue, env.taskQueue, 'and a new one runs on a served queue');
    assert.equal(ep.stats().succeeded, 20);
  } finally {
    await worker.stop();
    await ep.close();
  }
});

/**
 * The judge role on real Temporal + MinIO: a judged benchmark's responses are
 * graded by a second endpoint through judge activities on their own task
 * queue; unparseable verdicts are asked again, then recorded as judge errors
 * (never as wrong answers); judge failures after retries likewise; transient
 * judge errors are retried; judge calls are cached like generation calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { JudgementRecord } from '../../lib/records/artifacts';
import type { NemoResults } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type Env, startEnv, startInProcessWorker } from '../support/harness';
import { capitals, writeCapitals } from '../support/capitals';

const ROWS = [
  { id: 'c1', country: 'France', capital: 'Paris', model: 'Paris', judge: 'Judgement: yes' },
  { id: 'c2', country: 'Japan', capital: 'Tokyo', model: 'Kyoto', judge: 'Judgement: no' },
  { id: 'c3', country: 'Peru', capital: 'Lima', model: 'Lima', judge: 'Judgement: yes' },
  { id: 'c4', country: 'Chile', capital: 'Santiago', model: 'Santiago', judge: 'I cannot decide.' }, // never parseable
  { id: 'c5', country: 'Kenya', capital: 'Nairobi', model: 'Nairobi', judge: 'Judgement: yes' }, // judge returns 500 first
  { id: 'c6', country: 'Ghana', capital: 'Accra', model: 'Accra', judge: 'HTTP-500-ALWAYS' }, // judge always fails
];

let env: Env;
let model: FakeEndpoint;
let judge: FakeEndpoint;
let worker: { stop(): Promise<void> };

before(async () => {
  env = await startEnv('judge');
  model = await startFakeEndpoint({
    port: 0,
    models: ['m'],
    answer: (req) => ({ content: ROWS.find((r) => req.messages?.at(-1)?.content.includes(r.country))?.model ?? '' }),
  });
  judge = await startFakeEndpoint({
    port: 0,
    models: ['judge-model'],
    answer: (req) => ({ content: ROWS.find((r) => req.messages?.at(-1)?.content.includes(`Gold: ${r.capital}`))?.judge ?? '' }),
  });
  worker = await startInProcessWorker(env.taskQueue, [capitals]);
});
after(async () => {
  await worker?.stop();
  await model?.close();
  await judge?.close();
  await env?.close();
});

test('a judged task: verdicts, re-asks, judge errors counted apart, transient judge failures retried, judge calls cached', async () => {
  const dir = path.join(env.stack.dir, 'data');
  writeCapitals(dir, ROWS);
  judge.setFaults([
    { kind: '500', count: 1, match: 'Gold: Nairobi' },
    { kind: '500', rate: 1, match: 'Gold: Accra' },
  ]);
  const config = {
    target: { api_endpoint: { url: `${model.url}/chat/completions`, model_id: 'm' } },
    evaluation: {
      nemo_evaluator_config: { config: { params: { parallelism: 2, max_retries: 2 } } },
      tasks: [
        {
          name: 'example_capitals_judged',
          dataset_dir: dir,
          nemo_evaluator_config: { config: { params: { extra: { judge: { url: `${judge.url}/chat/completions`, model_id: 'judge-model', max_retries: 1 } } } } },
        },
      ],
    },
    execution: { heartbeat_timeout: 5 },
  };
  await startEvaluation({ config, runId: 'judged-1', taskQueue: env.taskQueue });
  await env.client.workflow.getHandle('judged-1').result();

  const judgements: JudgementRecord[] = [];
  for (const k of await env.store.list('runs/judged-1/example_capitals_judged/judgements/')) judgements.push(...((await env.store.getJsonl<JudgementRecord>(k)) ?? []));
  const by = new Map(judgements.map((j) => [j.sample_id, j]));
  assert.equal(judgements.length, 6);
  assert.equal(by.get('c1')!.correct, true);
  assert.equal(by.get('c2')!.correct, false);
  assert.equal(by.get('c4')!.correct, null);
  assert.equal(by.get('c4')!.judge_calls, 3, 'an unparseable verdict is asked for three times');
  assert.match(by.get('c4')!.judge_error!, /could not be parsed/);
  assert.equal(by.get('c5')!.correct, true, 'a transient judge error is retried');
  assert.match(by.get('c6')!.judge_error!, /judge call failed/);

  const results = await env.store.getJson<NemoResults>(keys.results('judged-1', 'example_capitals_judged'));
  const t = results!.results.tasks.example_capitals_judged;
  assert.equal(t.judge_errors, 2);
  // Accuracy over the four judged samples (c1, c3, c5 right; c2 wrong): the judge errors are not wrong answers.
  assert.equal(t.metrics['pass@1'].scores.symbolic_correct.value, 75);
  assert.equal(t.metrics['pass@1'].scores.symbolic_correct.stats.count, 4);
  // The judge's usage: every reply it gave (c4's re-asks included, c6's failed calls not), next to the model's.
  const answered = judgements.reduce((a, j) => a + (j.judge_usage?.calls ?? 0), 0);
  assert.equal(by.get('c4')!.judge_usage!.calls, 3);
  assert.deepEqual(by.get('c6')!.judge_usage, { calls: 0, cached_calls: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0 }, 'a judge that never replied: no call answered, no tokens');
  assert.equal(answered, 7, 'c1 c2 c3 c5 once, c4 three times');
  assert.deepEqual(t.usage!.judge, {
    calls: answered,
    prompt_tokens: judgements.reduce((a, j) => a + (j.judge_usage?.prompt_tokens ?? 0), 0),
    completion_tokens: judgements.reduce((a, j) => a + (j.judge_usage?.completion_tokens ?? 0), 0),
    reasoning_tokens: 0,
  });
  assert.ok(t.usage!.judge!.prompt_tokens > 0 && t.usage!.judge!.completion_tokens > 0);
  assert.equal(t.usage!.model.calls, 6);
  assert.equal(t.usage!.cost_usd, undefined, 'no pricing configured');

  // A re-run replays model and judge responses from the cache.
  model.resetStats();
  judge.resetStats();
  judge.setFaults([]);
  await startEvaluation({ config, runId: 'judged-2', taskQueue: env.taskQueue });
  await env.client.workflow.getHandle('judged-2').result();
  assert.equal(model.stats().requests, 0);
  // Only the judge calls that never succeeded (c6's) are asked again.
  assert.equal(judge.stats().succeeded, judge.stats().requests);
  assert.ok(judge.stats().requests <= 3, `judge requests on re-run: ${judge.stats().requests}`);
  const u2 = (await env.store.getJson<NemoResults>(keys.results('judged-2', 'example_capitals_judged')))!.results.tasks.example_capitals_judged.usage!;
  assert.equal(u2.replayed_calls.model, 6, 'every model call replayed');
  assert.ok(u2.replayed_calls.judge! >= 7, `the judge replies of the first run replayed: ${u2.replayed_calls.judge}`);
});

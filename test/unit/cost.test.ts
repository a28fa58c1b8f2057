import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsage, costUsd, describeUsage, emptyUsage, formatUsd, priceFor, sumTaskUsage, taskUsage, usageOfResponse } from '../../lib/engine/cost';
import type { GenerationRecord } from '../../lib/records/artifacts';
import type { PriceEntry } from '../../lib/records/types';
import { ResponseStats } from '../../activities/score';

const ep = { url: 'https://api.example.test/v1/chat/completions', model_id: 'org/model' };

test('usageOfResponse counts one call; unreported tokens (and records without reasoning_tokens) count 0', () => {
  assert.deepEqual(usageOfResponse({ prompt_tokens: 10, completion_tokens: 200, reasoning_tokens: 150 }), { calls: 1, prompt_tokens: 10, completion_tokens: 200, reasoning_tokens: 150 });
  assert.deepEqual(usageOfResponse({ prompt_tokens: null, completion_tokens: 7, reasoning_tokens: null }), { calls: 1, prompt_tokens: 0, completion_tokens: 7, reasoning_tokens: 0 });
  const old = JSON.parse('{"prompt_tokens": 3, "completion_tokens": 4}');
  assert.deepEqual(usageOfResponse(old), { calls: 1, prompt_tokens: 3, completion_tokens: 4, reasoning_tokens: 0 });
});

test('addUsage adds field by field and leaves its inputs alone', () => {
  const a = { calls: 2, prompt_tokens: 10, completion_tokens: 20, reasoning_tokens: 5 };
  const b = { calls: 1, prompt_tokens: 1, completion_tokens: 2, reasoning_tokens: 0 };
  assert.deepEqual(addUsage(a, b), { calls: 3, prompt_tokens: 11, completion_tokens: 22, reasoning_tokens: 5 });
  assert.deepEqual(a, { calls: 2, prompt_tokens: 10, completion_tokens: 20, reasoning_tokens: 5 });
  assert.deepEqual(addUsage(emptyUsage(), a), a);
  assert.deepEqual(emptyUsage(), { calls: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0 });
});

test('priceFor matches model_id, and url when the entry gives one (trailing slash and case ignored)', () => {
  const anyUrl: PriceEntry = { model_id: 'org/model', input_per_million: 1, output_per_million: 2 };
  const otherHost: PriceEntry = { model_id: 'org/model', url: 'https://other.example.test/v1/chat/completions', input_per_million: 9, output_per_million: 9 };
  const thisHost: PriceEntry = { model_id: 'org/model', url: 'HTTPS://api.example.test/v1/chat/completions/', input_per_million: 3, output_per_million: 4 };
  const otherModel: PriceEntry = { model_id: 'org/judge', input_per_million: 5, output_per_million: 6 };
  assert.equal(priceFor(undefined, ep), null);
  assert.equal(priceFor([], ep), null);
  assert.equal(priceFor([otherModel], ep), null);
  assert.equal(priceFor([otherHost], ep), null, 'an entry with another url does not price this endpoint');
  assert.equal(priceFor([otherModel, anyUrl], ep), anyUrl);
  assert.equal(priceFor([otherHost, thisHost, otherModel], ep), thisHost);
  assert.equal(priceFor([otherHost, otherModel], { ...ep, model_id: 'org/judge' }), otherModel);
});

test('costUsd: prompt tokens at the input price, completion tokens (reasoning included) at the output price; null without a price', () => {
  const price: PriceEntry = { model_id: 'm', input_per_million: 0.06, output_per_million: 0.24 };
  const u = { calls: 3, prompt_tokens: 1_000_000, completion_tokens: 500_000, reasoning_tokens: 400_000 };
  assert.ok(Math.abs(costUsd(u, price)! - (0.06 + 0.12)) < 1e-12);
  assert.equal(costUsd(u, null), null);
  assert.equal(costUsd(emptyUsage(), price), 0);
  assert.equal(costUsd({ calls: 1, prompt_tokens: 10, completion_tokens: 10, reasoning_tokens: 10 }, { ...price, input_per_million: 0, output_per_million: 0 }), 0);
});

test('formatUsd keeps small amounts visible', () => {
  assert.equal(formatUsd(0), '$0');
  assert.equal(formatUsd(12.345), '$12.35');
  assert.equal(formatUsd(0.0456), '$0.046');
  assert.equal(formatUsd(0.000123), '$0.00012');
});

test('taskUsage prices model and judge apart; cost_usd only when every endpoint the task called has a price', () => {
  const price: PriceEntry = { model_id: 'm', input_per_million: 1, output_per_million: 2 };
  const judgePrice: PriceEntry = { model_id: 'j', input_per_million: 10, output_per_million: 20 };
  const model = { calls: 4, prompt_tokens: 1000, completion_tokens: 500, reasoning_tokens: 100 };
  const judge = { calls: 5, prompt_tokens: 100, completion_tokens: 10, reasoning_tokens: 0 };
  const both = taskUsage({ usage: model, replayed: 1, price }, { usage: judge, replayed: 2, price: judgePrice });
  assert.deepEqual(both.replayed_calls, { model: 1, judge: 2 });
  assert.ok(Math.abs(both.model_cost_usd! - 0.002) < 1e-12);
  assert.ok(Math.abs(both.judge_cost_usd! - 0.0012) < 1e-12);
  assert.ok(Math.abs(both.cost_usd! - 0.0032) < 1e-12);
  const noJudgePrice = taskUsage({ usage: model, replayed: 0, price }, { usage: judge, replayed: 0, price: null });
  assert.equal(noJudgePrice.cost_usd, undefined, 'a partial cost is not a total');
  assert.equal(noJudgePrice.judge_cost_usd, undefined);
  assert.ok(noJudgePrice.model_cost_usd! > 0);
  const plain = taskUsage({ usage: model, replayed: 0, price: null });
  assert.deepEqual(plain, { model, replayed_calls: { model: 0 } });
  assert.match(describeUsage(plain), /model 4 calls, 1000 prompt \+ 500 completion tokens \(100 reasoning\); no pricing configured/);
  assert.match(describeUsage(both), /judge 5 calls.*3 of these calls replayed from the cache; cost \$0\.0032/);
});

test('sumTaskUsage adds tasks; a run cost only when every task has one', () => {
  const price: PriceEntry = { model_id: 'm', input_per_million: 1, output_per_million: 1 };
  const u = (n: number, p: PriceEntry | null) => taskUsage({ usage: { calls: n, prompt_tokens: n * 1e6, completion_tokens: 0, reasoning_tokens: 0 }, replayed: n, price: p });
  assert.equal(sumTaskUsage([]), undefined);
  const total = sumTaskUsage([u(1, price), u(2, price)])!;
  assert.deepEqual(total.model, { calls: 3, prompt_tokens: 3e6, completion_tokens: 0, reasoning_tokens: 0 });
  assert.deepEqual(total.replayed_calls, { model: 3 });
  assert.equal(total.cost_usd, 3);
  assert.equal(total.judge, undefined);
  assert.equal(sumTaskUsage([u(1, price), u(2, null)])!.cost_usd, undefined);
});

test('ResponseStats: usage counts every call of multi-call units and the replayed ones; judge usage from the judgements', () => {
  const gen = (over: Partial<GenerationRecord>): GenerationRecord => ({
    sample_id: 's', index: 0, repeat: 0, request_hash: 'h', attempts: 1, cached: false, content: 'a', reasoning: null,
    reasoning_unfinished: false, finish_reason: 'stop', prompt_tokens: 10, completion_tokens: 20, reasoning_tokens: 5, latency_ms: 1, ...over,
  });
  const stats = new ResponseStats();
  stats.add(gen({}));
  stats.add(gen({ cached: true, reasoning_tokens: undefined as unknown as null })); // a record written before reasoning_tokens existed
  const turn = { content: 'x', reasoning: null, reasoning_unfinished: false, finish_reason: 'stop', prompt_tokens: 5, completion_tokens: 5, reasoning_tokens: null, latency_ms: 1, attempts: 1 };
  stats.add(gen({ prompt_tokens: 15, completion_tokens: 15, reasoning_tokens: null, turns: [turn, turn, turn] }));
  stats.addJudgement({ sample_id: 's', repeat: 0, correct: true, judge_calls: 2, judge_usage: { calls: 2, cached_calls: 1, prompt_tokens: 7, completion_tokens: 3, reasoning_tokens: 1 } });
  stats.addJudgement({ sample_id: 's', repeat: 1, correct: true, judge_calls: 1 }); // written before judge_usage existed
  const task = { name: 't', benchmark: 't', endpoint: { url: 'http://h/v1/chat/completions', model_id: 'm', type: 'chat' as const }, params: { parallelism: 1, request_timeout: 1, max_retries: 0, num_repeats: 1 }, shard_size: 1 };
  const judged = { ...task, price: { model_id: 'm', input_per_million: 1e6, output_per_million: 1e6 }, judge: { endpoint: { ...task.endpoint, model_id: 'j' }, parallelism: 1, request_timeout: 1, max_retries: 0 } };
  const u = stats.taskUsage(judged);
  assert.deepEqual(u.model, { calls: 5, prompt_tokens: 35, completion_tokens: 55, reasoning_tokens: 5 });
  assert.deepEqual(u.judge, { calls: 3, prompt_tokens: 7, completion_tokens: 3, reasoning_tokens: 1 });
  assert.deepEqual(u.replayed_calls, { model: 1, judge: 1 });
  assert.equal(u.model_cost_usd, 90);
  assert.equal(u.cost_usd, undefined, 'the judge has no price');
  assert.equal(stats.result().tokens.reasoning_total, 5);
  assert.equal(stats.taskUsage(task).judge, undefined);
});

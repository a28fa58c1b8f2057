import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsage, costUsd, emptyUsage, formatUsd, priceFor, usageOfResponse } from '../../lib/engine/cost';
import type { PriceEntry } from '../../lib/records/types';

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

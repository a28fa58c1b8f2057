import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { backoffMs, baseUrlOf, buildPayload, classifyError, parseCompletion, retryAfterMs } from '../../lib/engine/endpoint';
import { splitReasoning } from '../../lib/engine/reasoning';
import { canonicalJson, requestHash } from '../../lib/engine/hash';
import type { EndpointSpec, GenerationParams } from '../../lib/records/types';

const chat: EndpointSpec = { url: 'http://h:8000/v1/chat/completions', model_id: 'm', type: 'chat' };
const params: GenerationParams = { parallelism: 1, request_timeout: 10, max_retries: 2, num_repeats: 1, max_new_tokens: 100, temperature: 0.6, top_p: 0.95 };

test('baseUrlOf strips the route from NeMo-style full URLs', () => {
  for (const [url, base] of [
    ['http://h:8000/v1/chat/completions', 'http://h:8000/v1'],
    ['http://h:8000/v1/completions', 'http://h:8000/v1'],
    ['http://h:8000/v1/chat/completions/', 'http://h:8000/v1'],
  ]) {
    assert.equal(baseUrlOf({ ...chat, url }), base);
  }
});

test('buildPayload: chat messages or completions prompt, generation params, params_to_add', () => {
  const msgs = [{ role: 'system' as const, content: 's' }, { role: 'user' as const, content: 'u' }];
  assert.deepEqual(buildPayload(chat, params, msgs), { model: 'm', messages: msgs, max_tokens: 100, temperature: 0.6, top_p: 0.95 });
  const comp = buildPayload({ ...chat, type: 'completions' }, { ...params, extra_body: { seed: 7 } }, msgs);
  assert.equal(comp.prompt, 's\n\nu');
  assert.equal(comp.seed, 7);
  assert.equal(comp.messages, undefined);
});

test('retryAfterMs reads seconds, HTTP dates and retry-after-ms', () => {
  assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' })), 3000);
  assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250' })), 250);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
  assert.equal(retryAfterMs(new Headers({})), null);
  assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' })), null);
});

test('backoffMs: full jitter under an exponential cap of 30 s', () => {
  assert.equal(backoffMs(0, 500, () => 1), 500);
  assert.equal(backoffMs(3, 500, () => 1), 4000);
  assert.equal(backoffMs(20, 500, () => 1), 30_000);
  assert.equal(backoffMs(3, 500, () => 0), 0);
});

test('classifyError: 400/401/403/404/422 permanent with a hint, 429/5xx/connection transient', () => {
  const err = (status: number, headers: Record<string, string> = {}) => OpenAI.APIError.generate(status, { message: 'x' }, 'x', new Headers(headers));
  for (const s of [400, 401, 403, 404, 422]) {
    const c = classifyError(err(s), chat);
    assert.equal(c.permanent, true, String(s));
    assert.match(c.reason, new RegExp(`answered ${s}`));
    assert.match(c.reason, /check/);
  }
  for (const s of [429, 500, 502, 503, 504]) assert.equal(classifyError(err(s), chat).permanent, false, String(s));
  assert.equal(classifyError(err(429, { 'retry-after': '2' }), chat).retryAfterMs, 2000);
  assert.equal(classifyError(new OpenAI.APIConnectionError({ message: 'reset' }), chat).permanent, false);
  assert.equal(classifyError(new OpenAI.APIConnectionTimeoutError(), chat).permanent, false);
  assert.equal(classifyError(new SyntaxError('Unexpected token'), chat).permanent, false);
});

test('splitReasoning keeps reasoning apart from the answer', () => {
  assert.deepEqual(splitReasoning('<think>a</think> B', null), { answer: 'B', reasoning: 'a', reasoning_unfinished: false });
  assert.deepEqual(splitReasoning('a</think>B', null), { answer: 'B', reasoning: 'a', reasoning_unfinished: false });
  assert.deepEqual(splitReasoning('<think>never closed', null), { answer: '', reasoning: 'never closed', reasoning_unfinished: true });
  assert.deepEqual(splitReasoning('plain', null), { answer: 'plain', reasoning: null, reasoning_unfinished: false });
  assert.deepEqual(splitReasoning(' ans ', 'field reasoning'), { answer: 'ans', reasoning: 'field reasoning', reasoning_unfinished: false });
  // The last end token wins: a model quoting "</think>" inside its reasoning still splits at the real end.
  assert.equal(splitReasoning('<think>x </think> y</think>z', null).answer, 'z');
});

test('requestHash: key order does not matter; payload and repeat do', () => {
  const a = requestHash('chat', { model: 'm', temperature: 0 }, 0);
  assert.equal(a, requestHash('chat', { temperature: 0, model: 'm' }, 0));
  assert.notEqual(a, requestHash('chat', { model: 'm', temperature: 0 }, 1));
  assert.notEqual(a, requestHash('chat', { model: 'm', temperature: 0.1 }, 0));
  assert.notEqual(a, requestHash('completions', { model: 'm', temperature: 0 }, 0));
  assert.equal(canonicalJson({ b: 1, a: { d: 2, c: undefined } }), '{"a":{"d":2},"b":1}');
});

test('parseCompletion reads reasoning tokens from usage.completion_tokens_details, null when absent', () => {
  const choices = [{ message: { content: 'a' }, finish_reason: 'stop' }];
  const withDetails = parseCompletion(chat, { choices, usage: { prompt_tokens: 12, completion_tokens: 300, completion_tokens_details: { reasoning_tokens: 256 } } });
  assert.equal(withDetails.prompt_tokens, 12);
  assert.equal(withDetails.completion_tokens, 300);
  assert.equal(withDetails.reasoning_tokens, 256);
  assert.equal(parseCompletion(chat, { choices, usage: { prompt_tokens: 12, completion_tokens: 3 } }).reasoning_tokens, null);
  assert.equal(parseCompletion(chat, { choices, usage: { prompt_tokens: 12, completion_tokens: 3, completion_tokens_details: null } }).reasoning_tokens, null);
  assert.equal(parseCompletion(chat, { choices, usage: { completion_tokens_details: { reasoning_tokens: null } } }).reasoning_tokens, null);
  const none = parseCompletion(chat, { choices });
  assert.deepEqual([none.prompt_tokens, none.completion_tokens, none.reasoning_tokens], [null, null, null]);
});

/**
 * runCachedCalls (activities/calls.ts) on the engine's writer and pool, in a
 * mocked activity context, against the scripted endpoint over HTTP and an
 * in-memory segment store: the limit holds, identical requests are paid once,
 * a rerun pays nothing, and a failed cache write loses no paid response.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { buildPayload, makeClient } from '../../lib/engine/endpoint';
import type { EndpointSpec, GenerationParams } from '../../lib/records/types';
import { type FakeEndpoint, startFakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type CallBatchOptions, type CallSpec, runCachedCalls } from '../../activities/calls';
import { MemoryStore } from '../support/memory-store';

const params: GenerationParams = { parallelism: 4, request_timeout: 10, max_retries: 0, num_repeats: 1, max_new_tokens: 16, temperature: 0, top_p: 1 };
let fake: FakeEndpoint;
let endpoint: EndpointSpec;

before(async () => {
  fake = await startFakeEndpoint({ answer: (r) => ({ content: `echo ${r.messages?.at(-1)?.content}` }), latencyMs: 20 });
  endpoint = { url: `${fake.url}/chat/completions`, model_id: 'demo-model', type: 'chat' };
});
after(() => fake.close());

/** 16 calls over two cache blocks; samples 3 and 5 ask the same prompt. */
function calls(): CallSpec[] {
  return Array.from({ length: 16 }, (_, i) => ({
    payload: buildPayload(endpoint, params, [{ role: 'user', content: `question ${i === 5 ? 3 : i}` }]),
    repeat: 0,
    index: i * 8,
    label: `sample ${i}`,
  }));
}

type Batch = Awaited<ReturnType<typeof runCachedCalls>>;
/** runCachedCalls inside a mocked activity context. */
function inActivity(env: MockActivityEnvironment, opts: CallBatchOptions): Promise<Batch> {
  return env.run(() => runCachedCalls(calls(), opts)) as Promise<Batch>;
}

function options(store: MemoryStore, warnings: string[] = []): CallBatchOptions {
  return { store, client: makeClient(endpoint), endpoint, timeoutMs: 10_000, maxRetries: 0, concurrency: 4, log: { warn: (m) => warnings.push(m) }, writer: 'run-t-0-1' };
}

test('the limit holds, identical requests in flight are paid once, every response is in a segment, and a rerun pays nothing', async () => {
  fake.resetStats();
  const store = new MemoryStore();
  const env = new MockActivityEnvironment();
  const first = await inActivity(env, options(store));
  assert.equal(fake.stats().succeeded, 15, '16 calls, one prompt asked twice');
  assert.ok(fake.stats().maxInFlight <= 4, `at most 4 at once (${fake.stats().maxInFlight})`);
  assert.deepEqual(first.stats, { called: 15, cached: 1, retries: 0 });
  assert.equal(first.outcomes[5].response!.content, 'echo question 3');
  assert.equal(store.entries<{ request_hash: string }>().length, 15);
  assert.ok([...store.objects.keys()].every((k) => /^cache\/calls\/[0-9a-f]{32}\/00000[01]\/run-t-0-1-[0-9a-f]{6}-\d{6}\.jsonl$/.test(k)), [...store.objects.keys()].join(' '));

  fake.resetStats();
  const again = await inActivity(new MockActivityEnvironment(), options(store));
  assert.equal(fake.stats().requests, 0, 'a rerun replays every response from the segments');
  assert.deepEqual(again.stats, { called: 0, cached: 16, retries: 0 });
  assert.deepEqual(again.outcomes.map((o) => o.response!.content), first.outcomes.map((o) => o.response!.content));
});

test('a failed cache write stops new calls, the final flush writes its responses, the attempt fails; the retry pays only what was never paid', async () => {
  fake.resetStats();
  const store = new MemoryStore();
  store.failNext = 1;
  const warnings: string[] = [];
  await assert.rejects(inActivity(new MockActivityEnvironment(), options(store, warnings)), /store down/);
  const paidFirst = fake.stats().succeeded;
  assert.ok(paidFirst < 15, `new calls stopped after the failed write (${paidFirst} paid)`);
  assert.equal(store.entries().length, paidFirst, 'every paid response is in the store: the failed write was written again');
  assert.match(warnings.at(-1)!, /^stopped after \d+\/16 calls/);

  fake.resetStats();
  const retry = await inActivity(new MockActivityEnvironment(), options(store));
  assert.equal(fake.stats().succeeded, 15 - paidFirst, 'no response paid twice');
  assert.equal(retry.stats.called + retry.stats.cached, 16);
});

test('a cache write that keeps failing fails the attempt with the store error instead of waiting', async () => {
  const store = new MemoryStore();
  store.failNext = 1_000;
  await assert.rejects(inActivity(new MockActivityEnvironment(), options(store)), /store down/);
  assert.equal(store.objects.size, 0);
});

test('cancellation stops new calls and rejects', async () => {
  fake.resetStats();
  const store = new MemoryStore();
  const env = new MockActivityEnvironment();
  const run = inActivity(env, { ...options(store), concurrency: 1 });
  await new Promise((r) => setTimeout(r, 50));
  env.cancel();
  await assert.rejects(run);
  assert.ok(fake.stats().requests < 6, `cancelled early (${fake.stats().requests} requests)`);
});

/**
 * evalflow's metrics (lib/engine/telemetry.ts) as the engine records them:
 * model calls by outcome and retries by kind against the scripted endpoint
 * with each kind of fault, the in-flight gauge back at 0, tokens by kind;
 * sandbox programs by verdict in the real bubblewrap sandbox; checkpoint write
 * latency by outcome; a meter that throws never breaks the work.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { callModel, makeClient, PermanentEndpointError, TransientEndpointError } from '../../lib/engine/endpoint';
import { useMetricMeter, type Labels, type Meter } from '../../lib/engine/telemetry';
import { CheckpointWriter } from '../../lib/engine/checkpoint';
import { createSandbox } from '../../lib/engine/sandbox/bwrap';
import { startFakeEndpoint } from '../../lib/operator/scripted-endpoint';
import type { EndpointSpec } from '../../lib/records/types';

/** A meter that keeps every value it is given, per metric and label set. */
class RecordingMeter implements Meter {
  readonly values = new Map<string, number>();
  peak = new Map<string, number>();
  private key(name: string, tags: Labels = {}) {
    return `${name}${JSON.stringify(Object.fromEntries(Object.entries(tags).sort()))}`;
  }
  private adder(name: string) {
    return {
      add: (v: number, tags?: Labels) => {
        const k = this.key(name, tags);
        const now = (this.values.get(k) ?? 0) + v;
        this.values.set(k, now);
        this.peak.set(k, Math.max(this.peak.get(k) ?? 0, now));
      },
    };
  }
  createCounter(name: string) {
    return this.adder(name);
  }
  createUpDownCounter(name: string) {
    return this.adder(name);
  }
  createHistogram(name: string) {
    return {
      record: (v: number, tags?: Labels) => {
        this.adder(`${name}_count`).add(1, tags);
        this.adder(`${name}_sum`).add(v, tags);
      },
    };
  }
  get(name: string, tags: Labels = {}): number {
    return this.values.get(this.key(name, tags)) ?? 0;
  }
}

after(() => useMetricMeter(null));

test('calls by outcome, retries by kind, tokens and the in-flight gauge, as callModel records them', async () => {
  const meter = new RecordingMeter();
  useMetricMeter(meter);
  const ep = await startFakeEndpoint({ port: 0, models: ['m'], answer: () => ({ content: 'four words right here', reasoning_content: 'two words' }) });
  try {
    const endpoint: EndpointSpec = { url: `${ep.url}/chat/completions`, model_id: 'm', type: 'chat' };
    const client = makeClient(endpoint);
    const labels = { role: 'model' as const, task: 't' };
    const l = { role: 'model', task: 't' };
    const payload = { model: 'm', messages: [{ role: 'user', content: 'one two three' }] };
    ep.setFaults([{ kind: '429', count: 1 }, { kind: '500', count: 1 }, { kind: 'hang', count: 1 }, { kind: 'malformed', count: 1 }, { kind: 'reset', count: 1 }]);
    const r = await callModel(client, endpoint, payload, { timeoutMs: 500, maxRetries: 5, backoffBaseMs: 1, labels });
    assert.equal(r.attempts, 6);
    for (const kind of ['429', '5xx', 'timeout', 'malformed', 'connection']) assert.equal(meter.get('evalflow_retries_total', { ...l, kind }), 1, `one ${kind} retry`);
    assert.equal(meter.get('evalflow_calls_total', { ...l, outcome: 'answered' }), 1);
    assert.equal(meter.get('evalflow_tokens_total', { ...l, kind: 'prompt' }), r.prompt_tokens);
    assert.equal(meter.get('evalflow_tokens_total', { ...l, kind: 'completion' }), r.completion_tokens);
    assert.equal(meter.get('evalflow_tokens_total', { ...l, kind: 'reasoning' }), r.reasoning_tokens);
    assert.ok((r.reasoning_tokens ?? 0) > 0);
    assert.equal(meter.get('evalflow_requests_in_flight', l), 0, 'every attempt left the gauge');
    assert.equal(meter.peak.get(`evalflow_requests_in_flight${JSON.stringify({ role: 'model', task: 't' })}`), 1);

    ep.setFaults([{ kind: '401' }]);
    await assert.rejects(callModel(client, endpoint, payload, { timeoutMs: 500, maxRetries: 5, backoffBaseMs: 1, labels }), PermanentEndpointError);
    assert.equal(meter.get('evalflow_calls_total', { ...l, outcome: 'failed' }), 1);
    ep.setFaults([{ kind: '500' }]);
    await assert.rejects(callModel(client, endpoint, payload, { timeoutMs: 500, maxRetries: 1, backoffBaseMs: 1, labels }), TransientEndpointError);
    assert.equal(meter.get('evalflow_calls_total', { ...l, outcome: 'gave_up' }), 1);
    const ac = new AbortController();
    const cancelled = callModel(client, endpoint, payload, { timeoutMs: 500, maxRetries: 5, backoffBaseMs: 2000, labels, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('cancelled')), 100);
    await assert.rejects(cancelled, /cancelled/);
    assert.equal(meter.get('evalflow_calls_total', { ...l, outcome: 'cancelled' }), 1);
    assert.equal(meter.get('evalflow_requests_in_flight', l), 0);
    // No labels: not counted (a caller outside a task).
    ep.setFaults([]);
    const before = meter.get('evalflow_calls_total', { ...l, outcome: 'answered' });
    await callModel(client, endpoint, payload, { timeoutMs: 500, maxRetries: 0 });
    assert.equal(meter.get('evalflow_calls_total', { ...l, outcome: 'answered' }), before);
  } finally {
    await ep.close();
  }
});

test('sandbox programs by verdict (the sandbox check is not counted); checkpoint writes by outcome', async () => {
  const meter = new RecordingMeter();
  useMetricMeter(meter);
  const sandbox = createSandbox({ slots: 2 });
  await sandbox.check();
  assert.equal(meter.get('evalflow_sandbox_programs_total', { verdict: 'ok' }), 0, 'the check is not a program of a benchmark');
  const run = (code: string, timeoutMs = 5000) => sandbox.run({ files: { 'p.py': code }, command: ['python3', 'p.py'], timeoutMs });
  assert.equal((await run('print(1)')).status, 'ok');
  assert.equal((await run('raise SystemExit(3)')).status, 'runtime_error');
  assert.equal((await run('while True: pass', 1000)).status, 'timeout');
  assert.equal(meter.get('evalflow_sandbox_programs_total', { verdict: 'ok' }), 1);
  assert.equal(meter.get('evalflow_sandbox_programs_total', { verdict: 'runtime_error' }), 1);
  assert.equal(meter.get('evalflow_sandbox_programs_total', { verdict: 'timeout' }), 1);

  let fail = true;
  const writer = new CheckpointWriter<{ n: number }>({
    store: {
      putJsonl: async () => {
        if (fail) {
          fail = false;
          throw new Error('store down');
        }
      },
    },
    name: 'w',
  });
  void writer.add('g/', { n: 1 });
  await writer.flush().catch(() => undefined);
  await writer.close();
  assert.equal(meter.get('evalflow_checkpoint_write_seconds_count', { outcome: 'failed' }), 1);
  assert.equal(meter.get('evalflow_checkpoint_write_seconds_count', { outcome: 'ok' }), 1);
});

test('a meter that throws never breaks the work; no meter records nothing', async () => {
  const broken: Meter = {
    createCounter: () => ({ add: () => { throw new Error('runtime gone'); } }),
    createHistogram: () => ({ record: () => { throw new Error('runtime gone'); } }),
  };
  useMetricMeter(broken);
  const writes: string[] = [];
  const writer = new CheckpointWriter<{ n: number }>({ store: { putJsonl: async (k) => void writes.push(k) }, name: 'w' });
  await writer.add('g/', { n: 1 });
  await writer.close();
  assert.equal(writes.length, 1);
  useMetricMeter(null);
  const w2 = new CheckpointWriter<{ n: number }>({ store: { putJsonl: async (k) => void writes.push(k) }, name: 'w' });
  await w2.add('g/', { n: 2 });
  assert.equal(writes.length, 2);
});

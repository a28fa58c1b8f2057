/**
 * The endpoint gate (lib/engine/gate.ts) and the limiter's arithmetic
 * (workflows/limiter.ts, the Limiter class): adaptive concurrency, grants,
 * controls and budget in a worker; fair, never-exceeded shares over workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveLimit, EndpointGate, type Slot } from '../../lib/engine/gate';
import { Limiter, HOLDER_TTL_MS } from '../../workflows/limiter';
import type { ConsumerSettings, GateReport } from '../../lib/records/limits';
import { mulberry32 } from '../../lib/engine/random';

const settings = (over: Partial<ConsumerSettings> = {}): ConsumerSettings => ({ run_id: 'r', cap: 8, paused: false, seq: 0, ...over });
const tick = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

/**
 * An endpoint of `capacity` in discrete time: each step every request in flight
 * is answered; requests beyond the capacity are rejected at once. Returns the
 * limit after each step and the rejections per step.
 */
function simulate(start: number, capacity: number, steps: number): { limits: number[]; rejected: number[]; served: number[] } {
  const a = new AdaptiveLimit(start);
  const limits: number[] = [];
  const rejected: number[] = [];
  const served: number[] = [];
  for (let s = 0; s < steps; s++) {
    const n = a.limit;
    const stamp = a.stamp;
    const ok = Math.min(n, capacity);
    // Rejections come back first (at once), answers after the latency.
    for (let i = ok; i < n; i++) a.overload(stamp);
    for (let i = 0; i < ok; i++) a.success();
    limits.push(n);
    rejected.push(n - ok);
    served.push(ok);
  }
  return { limits, rejected, served };
}

test('AIMD: from 256 against a capacity of 40 it converges within a few rounds, then keeps few rejections and most of the capacity', () => {
  const { limits, rejected, served } = simulate(256, 40, 400);
  const settle = limits.findIndex((n, i) => limits.slice(i).every((m) => m <= 41));
  assert.ok(settle >= 0 && settle <= 12, `settled at step ${settle}: ${limits.slice(0, 15).join(' ')}`);
  const tail = { rejected: rejected.slice(settle).reduce((a, b) => a + b, 0), requests: limits.slice(settle).reduce((a, b) => a + b, 0), served: served.slice(settle).reduce((a, b) => a + b, 0) };
  assert.ok(tail.rejected / tail.requests < 0.02, `rejections after settling: ${tail.rejected} of ${tail.requests}`);
  assert.ok(tail.served / (40 * (400 - settle)) > 0.9, `throughput ${(tail.served / (40 * (400 - settle))).toFixed(3)} of capacity`);
});

test('AIMD: follows its ceiling until the endpoint pushes back; one rejection round decreases once; recovers by slow start', () => {
  const a = new AdaptiveLimit(8);
  a.setCeiling(16);
  assert.equal(a.limit, 16, 'no push-back yet: the ceiling');
  for (let i = 0; i < 16; i++) a.success();
  const stamp = a.stamp;
  for (let i = 0; i < 5; i++) a.overload(stamp);
  // 16 - 0.5 → ×0.95 once, then −0.5 for each of the other four rejections of the same round.
  assert.equal(a.limit, Math.floor((16 - 0.5) * 0.95 - 2));
  a.setCeiling(32);
  assert.ok(a.limit < 32, 'after push-back a higher ceiling is approached by growth, not at once');
  // A storm (an outage: no answers) takes it to 1; slow start doubles per round of answers up to half the last good limit.
  for (let i = 0; i < 100; i++) a.overload(a.stamp);
  assert.equal(a.limit, 1);
  let rounds = 0;
  while (a.limit < 8 && rounds < 20) {
    const n = a.limit;
    for (let i = 0; i < n; i++) a.success();
    rounds++;
  }
  assert.ok(rounds <= 4, `back to 8 in ${rounds} rounds`);
});

test('gate: first come first served across consumers, within each grant and the adaptive limit; pause and budget hold', async () => {
  const gate = new EndpointGate({ max_concurrency: 3 }, true);
  const doneA = gate.use('r/a/model', settings({ cap: 2 }));
  gate.use('r/b/model', settings({ cap: 2, seq: 0 }));
  const got: string[] = [];
  const slots: Slot[] = [];
  const take = (key: string) => gate.acquire(key).then((s) => (got.push(key), slots.push(s)));
  void take('r/a/model');
  void take('r/a/model');
  void take('r/a/model'); // beyond a's cap of 2
  void take('r/b/model');
  void take('r/b/model'); // beyond the endpoint's 3
  await tick();
  assert.deepEqual(got, ['r/a/model', 'r/a/model', 'r/b/model']);
  assert.equal(gate.inFlight, 3);
  slots[0].release('ok', { prompt_tokens: 10, completion_tokens: 5, reasoning_tokens: 0 });
  await tick();
  assert.deepEqual(got.slice(3), ['r/a/model'], 'the oldest waiter goes first');
  // Pause b: its waiter stays; a's next request may go.
  gate.grant({ grants: {}, settings: { 'r/b/model': settings({ cap: 2, paused: true, seq: 1 }) }, run_usd: {} });
  slots[1].release('ok');
  await tick();
  assert.equal(got.length, 4, 'the paused consumer does not start');
  assert.equal(gate.holding, true, 'everything waiting is paused: the limiter may hold the report');
  gate.grant({ grants: {}, settings: { 'r/b/model': settings({ cap: 2, seq: 2 }) }, run_usd: {} });
  await tick();
  assert.equal(got.length, 5);
  doneA();
});

test('gate: a run that has spent its budget starts nothing more; the spend includes what the limiter has not acknowledged', async () => {
  const gate = new EndpointGate({}, true);
  const price = { input_per_million: 1_000_000, output_per_million: 1_000_000 }; // $1 per token
  gate.use('r/t/model', settings({ cap: 4, budget_usd: 20, price }));
  const s1 = await gate.acquire('r/t/model');
  s1.release('ok', { prompt_tokens: 12, completion_tokens: 9, reasoning_tokens: 0 }); // $21
  assert.equal(gate.spentByRun('r'), 21);
  const report = gate.report();
  assert.equal(report.consumers[0].usd, 21);
  assert.equal(gate.spentByRun('r'), 21, 'reported but not acknowledged still counts');
  let started = false;
  const pending = gate.acquire('r/t/model').then(() => (started = true));
  await tick();
  assert.equal(started, false, 'over budget: nothing starts');
  assert.equal(gate.holding, true, 'everything waiting is out of budget: the limiter may hold the report');
  gate.grant({ grants: {}, settings: { 'r/t/model': settings({ cap: 4, budget_usd: 50, price, seq: 1 }) }, run_usd: { r: 21 } }, report);
  await pending;
  assert.equal(started, true, 'a higher budget lets it go on');
});

test('gate: the abort of a waiting request takes it out of the queue', async () => {
  const gate = new EndpointGate({}, true);
  gate.use('k', settings({ cap: 1 }));
  const first = await gate.acquire('k');
  const ac = new AbortController();
  const waiting = gate.acquire('k', ac.signal);
  ac.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  first.release('ok');
  const next = await gate.acquire('k');
  assert.equal(gate.inFlight, 1);
  next.release('ok');
});

test('gate: requests per minute over a sliding minute', async () => {
  let now = 0;
  const gate = new EndpointGate({ requests_per_minute: 2 }, true, () => now);
  gate.use('k', settings({ cap: 10 }));
  const a = await gate.acquire('k');
  const b = await gate.acquire('k');
  a.release('ok');
  b.release('ok');
  let third = false;
  const c = gate.acquire('k').then((s) => ((third = true), s));
  await tick();
  assert.equal(third, false, 'a third request within the minute waits');
  now = 60_001;
  gate.pump();
  (await c).release('ok');
  assert.equal(third, true);
});

const report = (consumers: Array<{ key: string; cap: number; in_use: number; waiting: number; paused?: boolean; run?: string; usd?: number; budget?: number }>, limits = {}, adaptive = 0): GateReport => ({
  adaptive_limit: adaptive,
  overloads: 0,
  limits,
  consumers: consumers.map((c) => ({
    key: c.key,
    settings: { run_id: c.run ?? 'r', cap: c.cap, paused: c.paused ?? false, seq: c.paused ? 1 : 0, ...(c.budget !== undefined ? { budget_usd: c.budget } : {}) },
    in_use: c.in_use,
    waiting: c.waiting,
    active: true,
    usage: { calls: c.usd ? 1 : 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0 },
    usd: c.usd ?? 0,
  })),
});

test('limiter: two workers share an endpoint cap fairly; a slot moves only after its holder reports it free', () => {
  const l = new Limiter({ settings: {}, holders: {}, runs: {} });
  const cap = { max_concurrency: 32 };
  // Worker A alone takes all 32.
  let a = l.report('A', report([{ key: 'r1/t/model', cap: 64, in_use: 0, waiting: 100 }], cap), 0);
  assert.equal(a.grants['r1/t/model'], 32);
  // Worker B arrives: nothing is free until A reports.
  let b = l.report('B', report([{ key: 'r2/t/model', cap: 64, in_use: 0, waiting: 100 }], cap), 100);
  assert.equal(b.grants['r2/t/model'], 0);
  // A reports (32 in use): its grant falls to its fair 16, but it still holds 32 until they finish.
  a = l.report('A', report([{ key: 'r1/t/model', cap: 64, in_use: 32, waiting: 68 }], cap), 200);
  assert.equal(a.grants['r1/t/model'], 16);
  b = l.report('B', report([{ key: 'r2/t/model', cap: 64, in_use: 0, waiting: 100 }], cap), 300);
  assert.equal(b.grants['r2/t/model'], 0, 'A still holds 32 in flight');
  a = l.report('A', report([{ key: 'r1/t/model', cap: 64, in_use: 16, waiting: 60 }], cap), 400);
  b = l.report('B', report([{ key: 'r2/t/model', cap: 64, in_use: 0, waiting: 100 }], cap), 500);
  assert.equal(a.grants['r1/t/model'] + b.grants['r2/t/model'], 32);
  assert.equal(b.grants['r2/t/model'], 16);
});

test('limiter: random reports of three workers never grant more than the cap, the task caps, or zero to a paused consumer', () => {
  const rand = mulberry32(7);
  const l = new Limiter({ settings: {}, holders: {}, runs: {} });
  const workers = ['A', 'B', 'C'];
  const keys = ['r1/t/model', 'r2/t/model'];
  const caps: Record<string, number> = { 'r1/t/model': 20, 'r2/t/model': 30 };
  const held: Record<string, Record<string, { grant: number; in_use: number }>> = {};
  for (let step = 0; step < 3000; step++) {
    const w = workers[Math.floor(rand() * workers.length)];
    const mine = (held[w] ??= {});
    const consumers = keys.map((key) => {
      const h = (mine[key] ??= { grant: 0, in_use: 0 });
      // In use never exceeds what was granted (or what was already in use).
      h.in_use = Math.floor(rand() * (Math.max(h.grant, h.in_use) + 1));
      return { key, cap: caps[key], in_use: h.in_use, waiting: Math.floor(rand() * 40), paused: key === 'r2/t/model' && step > 2000 };
    });
    const g = l.report(w, report(consumers, { max_concurrency: 40 }), step * 10);
    for (const key of keys) mine[key].grant = g.grants[key] ?? 0;
    // Invariants over what all workers may hold now.
    let total = 0;
    const perKey: Record<string, number> = {};
    for (const hw of Object.values(held)) for (const [key, h] of Object.entries(hw)) {
      const occupied = Math.max(h.grant, h.in_use);
      total += occupied;
      perKey[key] = (perKey[key] ?? 0) + occupied;
    }
    assert.ok(total <= 40, `step ${step}: ${total} held over the cap`);
    for (const key of keys) assert.ok(perKey[key] <= caps[key], `step ${step}: ${key} holds ${perKey[key]}`);
    if (step > 2000) assert.equal(g.grants['r2/t/model'], 0, 'paused: nothing granted');
  }
});

test('limiter: a silent worker is dropped after the TTL with its slots; a run out of budget is granted nothing', () => {
  const l = new Limiter({ settings: {}, holders: {}, runs: {} });
  l.report('A', report([{ key: 'r/t/model', cap: 10, in_use: 0, waiting: 10 }], { max_concurrency: 10 }), 0);
  let b = l.report('B', report([{ key: 'r/u/model', cap: 10, in_use: 0, waiting: 10, run: 'r' }], { max_concurrency: 10 }), 10);
  assert.equal(b.grants['r/u/model'], 0);
  b = l.report('B', report([{ key: 'r/u/model', cap: 10, in_use: 0, waiting: 10, run: 'r' }], { max_concurrency: 10 }), HOLDER_TTL_MS + 100);
  assert.equal(b.grants['r/u/model'], 10, 'A was silent past the TTL');
  const c = l.report('C', report([{ key: 's/t/model', cap: 10, in_use: 0, waiting: 5, run: 's', usd: 3, budget: 2 }]), HOLDER_TTL_MS + 200);
  assert.equal(c.grants['s/t/model'], 0, 'spent 3 of a budget of 2');
  assert.equal(c.run_usd.s, 3);
});

test('usage reports are cumulative: a report repeated after a lost answer is counted once', () => {
  const l = new Limiter({ settings: {}, holders: {}, runs: {} });
  const r1 = report([{ key: 'r/t/model', cap: 4, in_use: 1, waiting: 0, usd: 2 }]);
  l.report('A', r1, 0);
  // The answer was lost; the worker sends its totals again, then more.
  const again = l.report('A', r1, 100);
  assert.equal(again.run_usd.r, 2, 'the same totals again add nothing');
  const r2 = report([{ key: 'r/t/model', cap: 4, in_use: 0, waiting: 0, usd: 5 }]);
  assert.equal(l.report('A', r2, 200).run_usd.r, 5);
  // Another worker's totals add to the run's.
  assert.equal(l.report('B', report([{ key: 'r/t/model', cap: 4, in_use: 0, waiting: 0, usd: 1 }]), 300).run_usd.r, 6);
});

test('gate: spending the limiter has not acknowledged counts until a grant answers the report that carried it', async () => {
  const gate = new EndpointGate({}, true);
  const price = { input_per_million: 1_000_000, output_per_million: 0 };
  gate.use('r/t/model', settings({ cap: 2, price }));
  (await gate.acquire('r/t/model')).release('ok', { prompt_tokens: 3, completion_tokens: 0, reasoning_tokens: 0 });
  const rep = gate.report();
  gate.reportFailed(rep);
  assert.equal(gate.spentByRun('r'), 3);
  gate.grant({ grants: { 'r/t/model': 2 }, settings: {}, run_usd: { r: 3 } }, rep);
  assert.equal(gate.spentByRun('r'), 3, 'acknowledged: counted once (the limiter figure)');
  (await gate.acquire('r/t/model')).release('ok', { prompt_tokens: 2, completion_tokens: 0, reasoning_tokens: 0 });
  assert.equal(gate.spentByRun('r'), 5);
  assert.equal(gate.report().consumers[0].usd, 5, 'reports carry totals');
});

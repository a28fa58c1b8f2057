/**
 * The one bounded pool (lib/engine/pool.ts): never more at once than the
 * limit, a limit that grows and shrinks while it runs, pause, the first
 * failure and abort stop new work while running items finish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedPool, type PoolLimit } from '../../lib/engine/pool';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Work that records how many items run at once. */
function tracker(ms: (i: number) => number = () => 5) {
  const t = { now: 0, peak: 0, started: [] as number[], finished: [] as number[], samples: [] as number[] };
  const work = async (i: number) => {
    t.started.push(i);
    t.now++;
    t.peak = Math.max(t.peak, t.now);
    t.samples.push(t.now);
    await sleep(ms(i));
    t.now--;
    t.finished.push(i);
  };
  return { t, work };
}

test('never more items at once than the limit; all run, in order of start', async () => {
  const { t, work } = tracker((i) => 2 + (i % 3) * 3);
  const pool = new BoundedPool({ limit: 3 });
  await pool.run(20, work);
  assert.equal(t.peak, 3);
  assert.deepEqual(t.started, [...Array(20).keys()]);
  assert.equal(t.finished.length, 20);
  assert.equal(pool.done, 20);
  assert.equal(pool.inFlight, 0);
});

test('a limit below 1 counts as 1; zero items resolve at once', async () => {
  const { t, work } = tracker();
  await new BoundedPool({ limit: 0 }).run(4, work);
  assert.equal(t.peak, 1);
  assert.equal(t.finished.length, 4);
  await new BoundedPool({ limit: 2 }).run(0, work);
});

test('the limit grows and shrinks while the pool runs (set-parallelism)', async () => {
  let limit: PoolLimit = { paused: false, concurrency: 2 };
  const perPhase: Record<string, number> = {};
  let phase = 'a';
  const { t, work } = tracker(() => 10);
  const observed = async (i: number) => {
    const p = work(i);
    perPhase[phase] = Math.max(perPhase[phase] ?? 0, t.now);
    await p;
  };
  const pool = new BoundedPool({ limit: () => limit, recheckMs: 5 });
  const run = pool.run(120, observed);
  await sleep(40);
  assert.ok(pool.inFlight <= 2);
  phase = 'b';
  limit = { paused: false, concurrency: 6 };
  await sleep(60);
  assert.equal(pool.inFlight, 6, 'a larger limit starts more at once');
  limit = { paused: false, concurrency: 1 };
  await sleep(25); // items running finish; none start until below the new limit
  phase = 'c';
  await sleep(60);
  assert.ok(pool.inFlight <= 1, `shrunk to 1, ${pool.inFlight} running`);
  await run;
  assert.equal(perPhase.a, 2);
  assert.equal(perPhase.b, 6);
  assert.equal(perPhase.c, 1);
  assert.equal(pool.done, 120);
});

test('paused starts nothing new; a resume is seen without an item finishing', async () => {
  let limit: PoolLimit = { paused: false, concurrency: 2 };
  const { t, work } = tracker(() => 15);
  const pool = new BoundedPool({ limit: () => limit, recheckMs: 5 });
  const run = pool.run(6, work);
  await sleep(2);
  limit = { paused: true, concurrency: 2 };
  await sleep(60);
  assert.equal(t.started.length, 2, 'the two running finished, none started while paused');
  assert.equal(pool.inFlight, 0);
  limit = { paused: false, concurrency: 4 };
  await run;
  assert.equal(t.finished.length, 6);
  assert.ok(t.peak <= 4);
});

test('the first failure stops new items; items running finish; the pool rejects with that failure', async () => {
  const finished: number[] = [];
  const pool = new BoundedPool({ limit: 3 });
  const work = async (i: number) => {
    await sleep(i === 1 ? 2 : 20);
    if (i === 1) throw new Error('first');
    if (i === 2) throw new Error('second');
    finished.push(i);
  };
  await assert.rejects(pool.run(50, work), /first/);
  assert.deepEqual(finished.sort(), [0], 'item 0, running when 1 failed, finished; none started after');
  assert.equal(pool.done, 1);
  assert.equal(pool.inFlight, 0);
});

test('abort stops new work at once; running items finish; the pool rejects with the reason', async () => {
  const ac = new AbortController();
  const { t, work } = tracker(() => 30);
  const pool = new BoundedPool({ limit: 2, signal: ac.signal, recheckMs: 60_000 });
  const run = pool.run(100, work);
  await sleep(10);
  ac.abort(new Error('cancelled'));
  await assert.rejects(run, /cancelled/);
  assert.deepEqual(t.started, [0, 1]);
  assert.deepEqual(t.finished.sort(), [0, 1], 'running items were not cut short');
});

test('a signal aborted before the run starts nothing', async () => {
  const ac = new AbortController();
  ac.abort(new Error('already'));
  const { t, work } = tracker();
  await assert.rejects(new BoundedPool({ limit: 4, signal: ac.signal }).run(3, work), /already/);
  assert.deepEqual(t.started, []);
});

test('an item that throws synchronously counts as a failure', async () => {
  const work = (i: number): Promise<void> => {
    if (i === 0) throw new Error('sync');
    return sleep(1).then(() => undefined);
  };
  await assert.rejects(new BoundedPool({ limit: 1 }).run(3, work), /sync/);
});

/**
 * The one checkpoint writer (lib/engine/checkpoint.ts): group commit, nothing
 * acknowledged before its segment is written, a failed write puts its entries
 * back for the next flush. The store is an in-memory fake of SegmentStore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointWriter, readSegments } from '../../lib/engine/checkpoint';
import { parseJsonl } from '../../lib/engine/store';
import { MemoryStore } from '../support/memory-store';

const tick = () => new Promise((r) => setImmediate(r));

test('an entry is acknowledged only once its segment is in the store; entries arriving during a write go out together in the next', async () => {
  const store = new MemoryStore();
  const w = new CheckpointWriter<number>({ store, name: 'shard-1' });
  const acked: number[] = [];
  store.hold();
  const first = w.add('a/', 1).then(() => acked.push(1));
  await tick();
  const later = [2, 3, 4].map((n) => w.add('a/', n).then(() => acked.push(n)));
  await tick();
  assert.deepEqual(acked, [], 'nothing acknowledged while its write is held');
  assert.equal(store.objects.size, 0);
  store.release();
  await Promise.all([first, ...later]);
  assert.deepEqual(acked, [1, 2, 3, 4]);
  assert.equal(store.writes.length, 2, `one write for entry 1, one for the three that came during it: ${store.writes}`);
  assert.deepEqual(store.rows(), [1, 2, 3, 4]);
  await w.close();
});

test('segments are named <group><name>-<random>-<seq>.jsonl, one per group per write, and readSegments reads them back in order', async () => {
  const store = new MemoryStore();
  const w = new CheckpointWriter<number>({ store, name: 'run-task-3-1' });
  store.hold();
  const acks = [w.add('cache/x/000000/', 1), w.add('cache/x/000001/', 2), w.add('cache/x/000000/', 3)];
  store.release();
  await Promise.all(acks);
  await w.close();
  assert.match(w.writer, /^run-task-3-1-[0-9a-f]{6}$/);
  const keys = [...store.objects.keys()].sort();
  assert.equal(keys.length, 2, `one segment per block: ${keys}`);
  for (const k of keys) assert.match(k, /^cache\/x\/00000[01]\/run-task-3-1-[0-9a-f]{6}-00000[01]\.jsonl$/);
  assert.deepEqual(await readSegments<number>(store, ['cache/x/000000/']), [1, 3]);
  assert.deepEqual(await readSegments<number>(store, ['cache/x/000000/', 'cache/x/000001/']), [1, 3, 2]);
  assert.deepEqual(await readSegments<number>(store, ['cache/none/']), []);
});

test('a failed write puts its entries back: they stay unacknowledged, and the next flush writes them with the newer ones', async () => {
  const store = new MemoryStore();
  const failures: unknown[] = [];
  const w = new CheckpointWriter<number>({ store, name: 'sandbox', flushEveryMs: 60_000, onWriteFailed: (e) => failures.push(e) });
  const acked: number[] = [];
  const acks = [1, 2].map((n) => w.add('p/', n).then(() => acked.push(n)));
  store.failNext = 1;
  await assert.rejects(w.flush(), /store down/);
  assert.equal(failures.length, 1, 'onWriteFailed is told');
  assert.equal(w.waiting, 2, 'both entries are queued again');
  await tick();
  assert.equal(acked.length, 0, 'a failed write acknowledges nothing');
  assert.equal(store.objects.size, 0);
  acks.push(w.add('p/', 3).then(() => acked.push(3)));
  await w.flush();
  await Promise.all(acks);
  assert.deepEqual(acked, [1, 2, 3]);
  assert.deepEqual(store.rows(), [1, 2, 3]);
  assert.equal(store.writes.length, 1, 'the retried entries and the new one in one segment');
  assert.equal(parseJsonl<number>(store.objects.get(store.writes[0])!).join(','), '1,2,3', 'the put-back entries first');
  await w.close();
});

test('eager mode: after a failed write the next entry starts a write that takes the put-back ones along', async () => {
  const store = new MemoryStore();
  const w = new CheckpointWriter<number>({ store, name: 'calls' });
  store.failNext = 1;
  let firstAcked = false;
  const first = w.add('b/', 1).then(() => (firstAcked = true));
  await tick();
  await tick();
  assert.equal(firstAcked, false);
  assert.equal(w.waiting, 1);
  await w.add('b/', 2);
  await first;
  assert.deepEqual(store.rows(), [1, 2]);
  await w.close();
});

test('timer mode writes on the clock, not per entry; close() writes the rest', async () => {
  const store = new MemoryStore();
  const w = new CheckpointWriter<number>({ store, name: 'sandbox', flushEveryMs: 30 });
  void w.add('s/', 1);
  void w.add('s/', 2);
  await tick();
  assert.equal(store.writes.length, 0, 'no write before the timer');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(store.rows(), [1, 2]);
  assert.equal(store.writes.length, 1);
  void w.add('s/', 3);
  await w.close();
  assert.deepEqual(store.rows(), [1, 2, 3]);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(store.writes.length, 2, 'no timer writes after close');
});

test('a failed timer flush loses nothing: the final flush at close writes the units back in the queue', async () => {
  const store = new MemoryStore();
  const w = new CheckpointWriter<number>({ store, name: 'sandbox', flushEveryMs: 20 });
  store.failNext = 1_000;
  for (const n of [1, 2, 3]) void w.add('s/', n);
  await new Promise((r) => setTimeout(r, 70));
  assert.ok(store.failNext <= 998, `timer flushes failed (${1_000 - store.failNext})`);
  assert.equal(w.waiting, 3, 'their units are queued again each time');
  assert.equal(store.objects.size, 0);
  store.failNext = 0;
  await w.close();
  assert.deepEqual(store.rows(), [1, 2, 3]);
});

test('once closed, a failed write rejects what it held and everything queued, and close() rejects: nothing is acknowledged unwritten', async () => {
  const store = new MemoryStore();
  const w = new CheckpointWriter<number>({ store, name: 'sandbox', flushEveryMs: 60_000 });
  const results = [1, 2].map((n) => w.add('s/', n).then(() => 'written', (e: Error) => e.message));
  store.failNext = 5;
  await assert.rejects(w.close(), /store down/);
  assert.deepEqual(await Promise.all(results), ['store down while writing s/' + w.writer + '-000000.jsonl', 'store down while writing s/' + w.writer + '-000000.jsonl']);
  assert.equal(w.waiting, 0);
  assert.equal(store.objects.size, 0);
  // A late entry after close is written at once (no timer any more).
  store.failNext = 0;
  await w.add('s/', 9);
  assert.deepEqual(store.rows(), [9]);
});

test('an ignored acknowledgement that is rejected is not an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const store = new MemoryStore();
    const w = new CheckpointWriter<number>({ store, name: 'sandbox', flushEveryMs: 60_000 });
    void w.add('s/', 1);
    store.failNext = 1;
    await assert.rejects(w.close());
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

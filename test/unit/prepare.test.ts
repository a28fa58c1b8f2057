import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardStarts } from '../../activities/prepare';

const rows = (groups: (string | undefined)[]) => groups.map((g, i) => ({ i, ...(g ? { g } : {}) }));
const byG = (r: Record<string, unknown>) => (typeof r.g === 'string' ? r.g : undefined);

test('shardStarts: every perShard rows without groups', () => {
  assert.deepEqual(shardStarts(rows(Array(10).fill(undefined)), 4), [0, 4, 8]);
  assert.deepEqual(shardStarts(rows(Array(8).fill(undefined)), 4), [0, 4]);
  assert.deepEqual(shardStarts([], 4), []);
});

test('shardStarts: a group is never split; the shard runs on until it ends', () => {
  // without a group function the same rows split every 3
  assert.deepEqual(shardStarts(rows(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'c']), 3), [0, 3, 6]);
  // ungrouped rows split anywhere; a group that starts at a boundary starts a shard
  assert.deepEqual(shardStarts(rows([undefined, undefined, 'a', 'a', 'a', undefined, undefined]), 2, byG), [0, 2, 5]);
  // a a a a a b b c with 3 per shard: the five a's stay together, then b b c
  assert.deepEqual(shardStarts(rows(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'c']), 3, byG), [0, 5]);
  assert.deepEqual(shardStarts(rows(['a', 'a', 'b', 'b', 'b', 'b', 'c']), 2, byG), [0, 2, 6]);
});

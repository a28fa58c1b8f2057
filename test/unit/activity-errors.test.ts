import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../activities/errors';
import { DatasetError } from '../../lib/engine/datasets';
import { StoreAccessError, StoreUnavailableError } from '../../lib/engine/store';

function caught(e: unknown): unknown {
  try {
    toActivityFailure(e);
  } catch (x) {
    return x;
  }
  assert.fail('toActivityFailure returned');
}

test('an EvalflowError becomes an ApplicationFailure of its class name, non-retryable unless it says otherwise', () => {
  const access = caught(new StoreAccessError('denied')) as ApplicationFailure;
  assert.ok(access instanceof ApplicationFailure);
  assert.deepEqual([access.type, access.nonRetryable, access.message], ['StoreAccessError', true, 'denied']);
  const down = caught(new StoreUnavailableError('down')) as ApplicationFailure;
  assert.deepEqual([down.type, down.nonRetryable], ['StoreUnavailableError', false]);
  const missing = caught(new DatasetError('no file')) as ApplicationFailure;
  const outage = caught(new DatasetError('hub down', false)) as ApplicationFailure;
  assert.deepEqual([missing.nonRetryable, outage.nonRetryable], [true, false]);
});

test('an ApplicationFailure passes through; any other error is rethrown as it is', () => {
  const f = ApplicationFailure.nonRetryable('x', 'InvalidInput');
  assert.equal(caught(f), f);
  const bug = new TypeError('bug');
  assert.equal(caught(bug), bug);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runWorker } from '../../workers/main';
import { BUNDLE_PATH, currentBundle } from '../../workers/bundle';

test('a worker started while Temporal is unreachable waits and says why, instead of exiting', async () => {
  // A port nothing listens on.
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const messages: string[] = [];
  const ac = new AbortController();
  const t0 = Date.now();
  await runWorker({
    address: `127.0.0.1:${port}`,
    signal: ac.signal,
    onRetry: (m) => {
      messages.push(m);
      if (messages.length === 2) ac.abort();
    },
  });
  assert.equal(messages.length, 2);
  assert.match(messages[0], new RegExp(`cannot reach the Temporal server at 127\\.0\\.0\\.1:${port}`));
  assert.match(messages[0], /retrying in 1 s/);
  assert.match(messages[1], /retrying in 2 s/);
  assert.ok(Date.now() - t0 >= 1000, 'it waited between attempts');
});

test('workers load the workflow bundle `npm run build` made, and never a stale one', async () => {
  assert.ok(fs.existsSync(BUNDLE_PATH), `no ${BUNDLE_PATH}: 'npm run build' makes it (npm test runs it)`);
  assert.equal(currentBundle(), BUNDLE_PATH);
  // A workflow helper compiled after the bundle: the bundle is stale, so workers bundle at start instead.
  const helper = path.resolve(__dirname, '..', '..', 'lib', 'records', 'search-attributes.js');
  const { atime, mtime } = fs.statSync(helper);
  try {
    const later = new Date(fs.statSync(BUNDLE_PATH).mtimeMs + 5000);
    fs.utimesSync(helper, later, later);
    assert.equal(currentBundle(), null);
  } finally {
    fs.utimesSync(helper, atime, mtime);
  }
  assert.equal(currentBundle(), BUNDLE_PATH);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { runWorker } from '../../workers/main';

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

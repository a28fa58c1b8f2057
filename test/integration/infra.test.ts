/**
 * Real servers, no Docker: a private Temporal dev server and MinIO (test
 * stack), and `evalflow dev up/down/status` in a temporary EVALFLOW_HOME on
 * free ports. Every process started here is stopped in `after`/`finally`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { Client as MinioClient } from 'minio';
import { findBinary } from '../../lib/operator/infra/binaries';
import {
  devDown,
  devPaths,
  devStatus,
  devUp,
  formatDevStatus,
  getFreePort,
  isPortFree,
  isProcessRunning,
  parseHostPort,
  PortInUseError,
  readPidFile,
} from '../../lib/operator/infra/dev';
import { startStack, type Stack } from '../support/stack';

function minioClient(endpoint: string, accessKey: string, secretKey: string): MinioClient {
  const { host, port } = parseHostPort(endpoint, 80);
  return new MinioClient({ endPoint: host, port, useSSL: false, accessKey, secretKey });
}

async function withTemporal<T>(address: string, fn: (client: Client, connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  try {
    return await fn(new Client({ connection, namespace: 'default' }), connection);
  } finally {
    await connection.close();
  }
}

describe('test stack (private Temporal + MinIO)', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
  });

  test('binds to loopback, random ports, data in its own dir', () => {
    assert.match(stack.temporalAddress, /^127\.0\.0\.1:\d+$/);
    assert.match(stack.s3Endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(stack.uiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(fs.existsSync(path.join(stack.dir, 'temporal.db')));
    assert.ok(fs.existsSync(path.join(stack.dir, 'minio-data')));
  });

  test('Temporal answers getSystemInfo and describeNamespace', async () => {
    await withTemporal(stack.temporalAddress, async (_client, connection) => {
      const info = await connection.workflowService.getSystemInfo({});
      assert.ok(info.serverVersion, 'server version reported');
      const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
      assert.equal(ns.namespaceInfo?.name, 'default');
    });
  });

  test('MinIO answers makeBucket / listBuckets / put / get', async () => {
    const mc = minioClient(stack.s3Endpoint, stack.accessKey, stack.secretKey);
    await mc.makeBucket('infra-test', 'us-east-1');
    const buckets = await mc.listBuckets();
    assert.ok(buckets.some((b) => b.name === 'infra-test'));
    await mc.putObject('infra-test', 'hello.txt', Buffer.from('hello'));
    const stream = await mc.getObject('infra-test', 'hello.txt');
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
    assert.equal(Buffer.concat(chunks).toString(), 'hello');
  });

  test('MinIO with wrong credentials is refused', async () => {
    const mc = minioClient(stack.s3Endpoint, stack.accessKey, 'wrong-secret-key');
    await assert.rejects(() => mc.listBuckets());
  });

  test('restartTemporal keeps workflows (SQLite file)', async () => {
    const workflowId = `infra-noop-${Date.now()}`;
    await withTemporal(stack.temporalAddress, async (client) => {
      await client.workflow.start('noop', { taskQueue: 'infra-test-no-worker', workflowId, args: [] });
    });
    await stack.restartTemporal();
    await withTemporal(stack.temporalAddress, async (client) => {
      const d = await client.workflow.getHandle(workflowId).describe();
      assert.equal(d.type, 'noop');
      assert.equal(d.status.name, 'RUNNING');
      assert.equal(d.taskQueue, 'infra-test-no-worker');
    });
  });

  test('stopMinio / startMinio keeps buckets and objects', async () => {
    const { port } = parseHostPort(stack.s3Endpoint, 80);
    await stack.stopMinio();
    assert.equal(await isPortFree(port), true, 'MinIO port released');
    await stack.startMinio();
    const mc = minioClient(stack.s3Endpoint, stack.accessKey, stack.secretKey);
    const stat = await mc.statObject('infra-test', 'hello.txt');
    assert.equal(stat.size, 5);
  });
});

describe('evalflow dev up / status / down', () => {
  const saved: Record<string, string | undefined> = {};
  const vars = ['EVALFLOW_HOME', 'EVALFLOW_TEMPORAL_ADDRESS', 'EVALFLOW_TEMPORAL_UI', 'EVALFLOW_S3_ENDPOINT'];
  let home: string;
  let ports: { temporal: number; ui: number; minio: number };
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
  };

  before(async () => {
    for (const v of vars) saved[v] = process.env[v];
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-devhome-'));
    const set = new Set<number>();
    while (set.size < 3) set.add(await getFreePort());
    const [temporal, ui, minio] = [...set] as [number, number, number];
    ports = { temporal, ui, minio };
    process.env.EVALFLOW_HOME = home;
    process.env.EVALFLOW_TEMPORAL_ADDRESS = `127.0.0.1:${temporal}`;
    process.env.EVALFLOW_TEMPORAL_UI = `http://127.0.0.1:${ui}`;
    process.env.EVALFLOW_S3_ENDPOINT = `http://127.0.0.1:${minio}`;
  });

  after(async () => {
    // Whatever happened, nothing keeps running.
    try {
      await devDown({ log });
    } finally {
      for (const v of vars) {
        if (saved[v] === undefined) delete process.env[v];
        else process.env[v] = saved[v];
      }
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('status before up: stopped', async () => {
    const s = await devStatus({ log });
    assert.equal(s.temporal.state, 'stopped');
    assert.equal(s.minio.state, 'stopped');
    assert.equal(s.temporal.port, ports.temporal);
    assert.equal(s.minio.port, ports.minio);
  });

  test('up handles a stale pid file, starts both; a second up finds them running', async () => {
    // A pid that certainly is not running any more.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    assert.equal(isProcessRunning(deadPid, 'temporal'), false);
    const paths = devPaths(home);
    fs.mkdirSync(paths.runDir, { recursive: true });
    fs.writeFileSync(paths.temporalPid, `${deadPid}\n`);

    const stale = await devStatus({ log });
    assert.match(stale.temporal.note ?? '', /stale pid file/);

    const first = await devUp({ log });
    assert.deepEqual(first.started, ['temporal', 'minio']);
    assert.deepEqual(first.alreadyRunning, []);
    assert.ok(lines.some((l) => l.includes('removing stale pid file')));
    assert.equal(first.temporal.running, true);
    assert.equal(first.minio.running, true);
    assert.equal(first.temporal.address, `127.0.0.1:${ports.temporal}`);
    assert.equal(first.temporal.uiUrl, `http://127.0.0.1:${ports.ui}`);
    assert.equal(first.minio.address, `http://127.0.0.1:${ports.minio}`);
    assert.ok(fs.existsSync(paths.temporalDb));
    assert.ok(fs.existsSync(paths.minioData));
    assert.ok(fs.existsSync(paths.temporalLog));
    assert.ok(fs.existsSync(paths.minioLog));
    assert.equal(readPidFile(paths.temporalPid), first.temporal.pid);
    assert.equal(readPidFile(paths.minioPid), first.minio.pid);

    lines.length = 0;
    const second = await devUp({ log });
    assert.deepEqual(second.started, []);
    assert.deepEqual(second.alreadyRunning, ['temporal', 'minio']);
    assert.equal(second.temporal.pid, first.temporal.pid);
    assert.equal(second.minio.pid, first.minio.pid);
    assert.ok(lines.some((l) => /temporal is already running/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /minio is already running/.test(l)), lines.join('\n'));
  });

  test('the servers answer with the settings credentials', async () => {
    await withTemporal(`127.0.0.1:${ports.temporal}`, async (_client, connection) => {
      const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
      assert.equal(ns.namespaceInfo?.name, 'default');
    });
    const mc = minioClient(`http://127.0.0.1:${ports.minio}`, 'minioadmin', 'minioadmin');
    assert.ok(Array.isArray(await mc.listBuckets()));
  });

  test('status reports running with pids and URLs', async () => {
    const s = await devStatus({ log });
    assert.equal(s.temporal.state, 'running');
    assert.equal(s.minio.state, 'running');
    assert.ok(s.temporal.pid !== undefined && isProcessRunning(s.temporal.pid));
    const text = formatDevStatus(s);
    assert.match(text, /temporal: running/);
    assert.match(text, new RegExp(`UI http://127\\.0\\.0\\.1:${ports.ui}`));
    assert.match(text, /minio: running/);
  });

  test('up refuses a port another process holds, naming the variable to set', async () => {
    const blocker = net.createServer();
    const blocked = await getFreePort();
    await new Promise<void>((r) => blocker.listen(blocked, '127.0.0.1', () => r()));
    const otherHome = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-devhome-busy-'));
    try {
      process.env.EVALFLOW_HOME = otherHome;
      process.env.EVALFLOW_TEMPORAL_ADDRESS = `127.0.0.1:${blocked}`;
      await assert.rejects(
        () => devUp({ log }),
        (err: unknown) =>
          err instanceof PortInUseError &&
          err.port === blocked &&
          new RegExp(`port ${blocked} .*in use by another process; set EVALFLOW_TEMPORAL_ADDRESS=127\\.0\\.0\\.1:`).test(err.message),
      );
    } finally {
      process.env.EVALFLOW_HOME = home;
      process.env.EVALFLOW_TEMPORAL_ADDRESS = `127.0.0.1:${ports.temporal}`;
      await new Promise<void>((r) => blocker.close(() => r()));
      fs.rmSync(otherHome, { recursive: true, force: true });
    }
  });

  test('down stops both; a second down says not running', async () => {
    const before = await devStatus({ log });
    const down = await devDown({ log });
    assert.deepEqual(down.stopped, ['temporal', 'minio']);
    for (const pid of [before.temporal.pid, before.minio.pid]) {
      assert.ok(pid !== undefined);
      assert.equal(isProcessRunning(pid), false);
    }
    assert.equal(await isPortFree(ports.temporal), true);
    assert.equal(await isPortFree(ports.minio), true);
    const paths = devPaths(home);
    assert.equal(fs.existsSync(paths.temporalPid), false);
    assert.equal(fs.existsSync(paths.minioPid), false);
    const s = await devStatus({ log });
    assert.equal(s.temporal.state, 'stopped');
    assert.equal(s.minio.state, 'stopped');
    const again = await devDown({ log });
    assert.deepEqual(again.stopped, []);
    assert.deepEqual(again.notRunning, ['temporal', 'minio']);
  });

  test('up after down reuses the state (workflow survives)', async () => {
    await devUp({ log });
    const workflowId = `dev-noop-${Date.now()}`;
    await withTemporal(`127.0.0.1:${ports.temporal}`, async (client) => {
      await client.workflow.start('noop', { taskQueue: 'infra-test-no-worker', workflowId, args: [] });
    });
    await devDown({ log });
    await devUp({ log });
    await withTemporal(`127.0.0.1:${ports.temporal}`, async (client) => {
      const d = await client.workflow.getHandle(workflowId).describe();
      assert.equal(d.status.name, 'RUNNING');
    });
    await devDown({ log });
  });
});

test('binaries are installed (PATH or cache dir)', () => {
  assert.ok(findBinary('temporal'), 'temporal found');
  assert.ok(findBinary('minio'), 'minio found');
});

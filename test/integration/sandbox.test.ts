/**
 * The sandbox against hostile programs (real bubblewrap, real Python): each
 * attempt is contained and reported as the program's failure, and the same
 * sandbox keeps serving afterwards. Needs `bwrap` (Debian package bubblewrap),
 * installed by scripts/setup-tests.sh.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSandbox } from '../../lib/engine/sandbox/bwrap';
import { SandboxError, type SandboxJob } from '../../lib/engine/sandbox/types';

const py = (code: string, extra: Partial<SandboxJob> = {}): SandboxJob => ({ files: { 'main.py': code }, command: ['python3', 'main.py'], timeoutMs: 5000, ...extra });

describe('sandbox (bubblewrap) with hostile programs', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-data-'));
  writeFileSync(path.join(dataDir, 'numbers.txt'), '1 2 3\n');
  chmodSync(dataDir, 0o755); // the sandbox may run under a per-slot user id: data must be world-readable
  const sandbox = createSandbox({ slots: 2, outputLimitBytes: 4 << 20, data: { demo: dataDir } });
  let server: net.Server;
  let port = 0;
  let connections = 0;

  before(async () => {
    server = net.createServer((s) => {
      connections++;
      s.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  async function stillServes() {
    const r = await sandbox.run(py('import numpy, scipy, sympy, h5py\nprint(sum(range(10)))\n'));
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout.trim(), '45');
  }

  it('runs a normal program with the scientific packages', async () => {
    await sandbox.check();
    await stillServes();
  });

  it('passes stdin and reports a non-zero exit as a runtime error', async () => {
    const r = await sandbox.run(py('import sys\ndata = sys.stdin.read()\nprint(data.upper())\nsys.exit(3)\n', { stdin: 'hello' }));
    assert.equal(r.status, 'runtime_error');
    assert.equal(r.exitCode, 3);
    assert.equal(r.stdout.trim(), 'HELLO');
  });

  it('has no network: a connection to a server on the host fails', async () => {
    const r = await sandbox.run(
      py(`import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(("127.0.0.1", ${port}))\n    print("CONNECTED", s.recv(10))\nexcept OSError as e:\n    print("blocked", e)\n    raise\n`),
    );
    assert.equal(r.status, 'runtime_error');
    assert.doesNotMatch(r.stdout, /CONNECTED/);
    assert.equal(connections, 0);
    const dns = await sandbox.run(py('import socket\nsocket.create_connection(("example.com", 80), timeout=2)\n'));
    assert.equal(dns.status, 'runtime_error');
    await stillServes();
  });

  it('contains a fork bomb and leaves no process behind', async () => {
    const r = await sandbox.run(py('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n', { timeoutMs: 3000 }));
    assert.ok(r.status === 'timeout' || r.status === 'runtime_error', r.status);
    assert.ok(r.wallMs < 8000, `took ${r.wallMs} ms`);
    await new Promise((res) => setTimeout(res, 500));
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes('main.py') && l.includes('python3'));
    assert.deepEqual(left, []);
    await stillServes();
  });

  it('stops an infinite loop at the wall-clock limit', async () => {
    const r = await sandbox.run(py('while True:\n    pass\n', { timeoutMs: 1500 }));
    assert.equal(r.status, 'timeout');
    assert.ok(r.wallMs >= 1400 && r.wallMs < 5000, `wall ${r.wallMs}`);
    await stillServes();
  });

  it('does not see the worker environment or its secrets', async () => {
    process.env.EVALFLOW_TEST_SECRET = 'sk-do-not-leak';
    try {
      const r = await sandbox.run(py('import os, json\nprint(json.dumps(dict(os.environ)))\n'));
      assert.equal(r.status, 'ok');
      const env = JSON.parse(r.stdout) as Record<string, string>;
      assert.equal(env.EVALFLOW_TEST_SECRET, undefined);
      assert.doesNotMatch(r.stdout, /sk-do-not-leak/);
      assert.deepEqual(Object.keys(env).filter((k) => /KEY|TOKEN|SECRET|MINIO|TEMPORAL/.test(k)), []);
    } finally {
      delete process.env.EVALFLOW_TEST_SECRET;
    }
  });

  it('cannot read files outside its own', async () => {
    const secret = path.join(os.homedir(), '.evalflow-sandbox-test-secret');
    writeFileSync(secret, 'top secret');
    const targets = [secret, path.resolve('package.json'), '/etc/passwd', '/etc/hostname', dataDir];
    const r = await sandbox.run(
      py(`import os\nfor p in ${JSON.stringify(targets)}:\n    try:\n        print("READ", p, open(p).read()[:20])\n    except OSError as e:\n        print("denied", p, type(e).__name__)\nprint(sorted(os.listdir("/")))\n`),
    );
    assert.equal(r.status, 'ok', r.stderr);
    assert.doesNotMatch(r.stdout, /READ /);
    assert.match(r.stdout, /\['bin', 'dev', 'etc', 'job', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr'\]/);
  });

  it('cannot write outside its private /tmp, which is bounded', async () => {
    const r = await sandbox.run(
      py(
        'import os\nfor p in ["/job/x", "/usr/x", "/etc/x", "/x"]:\n    try:\n        open(p, "w").write("x")\n        print("WROTE", p)\n    except OSError as e:\n        print("denied", p)\n' +
          'open("/tmp/ok", "w").write("fine")\nprint("tmp", open("/tmp/ok").read())\n' +
          'try:\n    open("/tmp/big", "wb").write(b"x" * (400 << 20))\n    print("WROTE big")\nexcept (OSError, MemoryError) as e:\n    print("big refused", type(e).__name__)\n',
      ),
    );
    assert.doesNotMatch(r.stdout, /WROTE/);
    assert.match(r.stdout, /tmp fine/);
    assert.ok(/big refused/.test(r.stdout) || r.status === 'runtime_error', r.stdout + r.stderr);
    await stillServes();
  });

  it('stops a program that writes 10 GB of output and keeps the start of it', async () => {
    const r = await sandbox.run(py('import sys\nchunk = "x" * (1 << 20)\nfor _ in range(10 * 1024):\n    sys.stdout.write(chunk)\n', { timeoutMs: 20_000 }));
    assert.equal(r.status, 'output_limit');
    assert.equal(r.truncated, true);
    assert.ok(r.stdout.length > 0 && r.stdout.length <= 1 << 20);
    assert.ok(r.wallMs < 15_000, `took ${r.wallMs} ms`);
    await stillServes();
  });

  it('reports a missing module and a memory bomb as runtime errors', async () => {
    const missing = await sandbox.run(py('import no_such_module_here\n'));
    assert.equal(missing.status, 'runtime_error');
    assert.match(missing.stderr, /ModuleNotFoundError/);
    const mem = await sandbox.run(py('x = bytearray(10 * 1024 ** 3)\n'));
    assert.equal(mem.status, 'runtime_error');
    assert.match(mem.stderr, /MemoryError/);
    await stillServes();
  });

  it('reads named data read-only through EVALFLOW_DATA_<NAME>', async () => {
    const r = await sandbox.run(
      py('import os\nd = os.environ["EVALFLOW_DATA_DEMO"]\nprint(open(os.path.join(d, "numbers.txt")).read().split())\ntry:\n    open(os.path.join(d, "w"), "w")\nexcept OSError:\n    print("read-only")\n', { data: ['demo'] }),
    );
    assert.equal(r.status, 'ok', r.stderr);
    assert.match(r.stdout, /\['1', '2', '3'\]\nread-only/);
  });

  it('runs programs concurrently up to its slots, each isolated', async () => {
    const started = Date.now();
    const rs = await Promise.all([1, 2, 3, 4].map((i) => sandbox.run(py(`import time\ntime.sleep(1)\nopen("/tmp/mine", "w").write("${i}")\nprint(open("/tmp/mine").read())\n`))));
    assert.deepEqual(rs.map((r) => r.stdout.trim()), ['1', '2', '3', '4']);
    const took = Date.now() - started;
    assert.ok(took >= 1900, `4 one-second programs on 2 slots took ${took} ms`);
  });

  it('hundreds of programs in a row: every one runs, nothing is left behind (no zombie counts against the process limit)', async () => {
    let next = 0;
    const statuses: string[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (next++ < 300) statuses.push((await sandbox.run(py('print(1)\n'))).status);
      }),
    );
    assert.equal(statuses.length, 300);
    assert.deepEqual([...new Set(statuses)], ['ok']);
    if (process.getuid?.() === 0) {
      const left = execFileSync('ps', ['-eo', 'uid=']).toString().split('\n').map(Number).filter((u) => u >= 61000 && u < 61100);
      assert.deepEqual(left, [], 'no process of the per-slot user ids remains');
    }
  });

  it('a broken sandbox is a SandboxError, not a program failure', async () => {
    const broken = createSandbox({ bwrap: '/nonexistent/bwrap' });
    await assert.rejects(broken.run(py('print(1)\n')), (e: unknown) => e instanceof SandboxError);
    await assert.rejects(sandbox.run({ files: {}, command: ['/no/such/interpreter'], timeoutMs: 2000 }), (e: unknown) => e instanceof SandboxError);
  });
});

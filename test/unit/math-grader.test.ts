/**
 * The math grader client (lib/engine/math/verify.ts) around its Python process:
 * setup errors name the fix, a hung comparison counts as wrong and the process
 * is replaced, a dead process is restarted and the waiting requests answered,
 * close() ends it. A stand-in grader (plain Python, same protocol) plays the
 * misbehaving process; the real one is exercised by math-oracle.test.ts.
 */
import { test, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MathGrader, MathGraderError, MathGraderSetupError, mathEqual, mathPins, mathPython, mathVenvDir } from '../../lib/engine/math/verify';
import { loadSettings } from '../../lib/config/settings';
import { REPO_ROOT } from '../support/oracle';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-math-grader-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An executable standing in for Python: runs `body` (Python source) whatever script it is given. */
function fakePython(name: string, body: string): string {
  const src = path.join(dir, `${name}.py`);
  fs.writeFileSync(src, body);
  const exe = path.join(dir, name);
  fs.writeFileSync(exe, `#!/bin/sh\nexec python3 ${JSON.stringify(src)}\n`, { mode: 0o755 });
  return exe;
}

const versions = JSON.stringify(Object.fromEntries([...mathPins()].filter(([n]) => n !== 'mpmath')));

/** Same protocol as lib/engine/math/grader.py; gold "hang" never answers, "die" exits, "die-once" exits the first time, "raise" reports an error. */
const standIn = fakePython(
  'stand-in',
  `import json, os, sys, time
print(json.dumps({"ready": True, "versions": ${versions}}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    gold = req["gold"]
    if gold == "hang":
        time.sleep(3600)
    if gold == "die":
        os._exit(1)
    if gold == "die-once":
        marker = ${JSON.stringify(path.join(dir, 'died-once'))}
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
    reply = {"id": req["id"], "correct": req["predicted"] == gold.replace("die-once", "x")}
    if gold == "raise":
        reply = {"id": req["id"], "correct": False, "error": "ValueError: boom"}
    print(json.dumps(reply), flush=True)
`,
);

test('math grader: no venv and no EVALFLOW_MATH_PYTHON → a setup error naming scripts/setup-math.sh', () => {
  const settings = { ...loadSettings(), cacheDir: path.join(dir, 'empty-cache'), mathPython: undefined };
  assert.throws(() => mathPython(settings), (e: unknown) => e instanceof MathGraderSetupError && /setup-math\.sh/.test(e.message) && e.message.includes(mathVenvDir(settings.cacheDir)));
  assert.throws(() => mathPython({ ...settings, mathPython: path.join(dir, 'no-such-python') }), /EVALFLOW_MATH_PYTHON=.*does not exist/);
});

test('math grader: the venv directory is keyed by the pins (as scripts/setup-math.sh computes it)', () => {
  assert.match(mathVenvDir('/c'), /^\/c\/venvs\/math-verify-[0-9a-f]{12}$/);
  // The script's own pipeline, run on the same file, must name the same directory.
  const script = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'setup-math.sh'), 'utf8');
  const line = script.split('\n').find((l) => l.startsWith('hash='));
  assert.ok(line, 'setup-math.sh computes hash=');
  const r = spawnSync('bash', ['-c', `set -euo pipefail; REQ=lib/engine/math/requirements.txt; ${line}; echo "$hash"`], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mathVenvDir('/c'), `/c/venvs/math-verify-${r.stdout.trim()}`);
  assert.equal(mathPins().get('math-verify'), '0.9.0');
  assert.equal(mathPins().get('latex2sympy2_extended'), '1.11.0');
  assert.equal(mathPins().get('antlr4-python3-runtime'), '4.9.3');
});

test('math grader: a Python that cannot start, or lacks the packages, or has other versions → setup errors', async () => {
  const missing = new MathGrader({ python: () => path.join(dir, 'no-such-python') });
  await assert.rejects(missing.compare('1', '1'), (e: unknown) => e instanceof MathGraderSetupError && /cannot start the math grader/.test(e.message));
  // The real grader script under a Python without site-packages: it cannot import math-verify.
  const bare = path.join(dir, 'bare-python');
  fs.writeFileSync(bare, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
  const noPackages = new MathGrader({ python: () => bare });
  await assert.rejects(noPackages.compare('1', '1'), (e: unknown) => e instanceof MathGraderSetupError && /cannot import math-verify/.test(e.message) && /setup-math\.sh/.test(e.message));
  const old = fakePython('old-versions', `import json\nprint(json.dumps({"ready": True, "versions": {"math-verify": "0.8.0", "latex2sympy2_extended": "1.11.0"}}), flush=True)\nimport time\ntime.sleep(60)\n`);
  const wrong = new MathGrader({ python: () => old });
  await assert.rejects(wrong.compare('1', '1'), /math-verify 0\.8\.0 \(needs 0\.9\.0\)/);
});

test('math grader: a comparison that hangs counts as wrong (timedOut) and the requests behind it are answered by a new process', async () => {
  const g = new MathGrader({ python: () => standIn, deadlineMs: 1500 });
  assert.deepEqual(await g.compare('7', '7'), { correct: true });
  const first = g.pid;
  const [hung, next, other] = await Promise.all([g.compare('hang', 'x'), g.compare('8', '8'), g.compare('8', '9')]);
  assert.deepEqual(hung, { correct: false, timedOut: true });
  assert.deepEqual(next, { correct: true });
  assert.deepEqual(other, { correct: false });
  assert.notEqual(g.pid, first);
  await g.close();
});

test('math grader: a process that dies is restarted; a comparison that kills it every time fails after three deaths', async () => {
  const g = new MathGrader({ python: () => standIn, deadlineMs: 10_000 });
  const [once, after1] = await Promise.all([g.compare('die-once', 'x'), g.compare('5', '5')]);
  assert.deepEqual(once, { correct: true });
  assert.deepEqual(after1, { correct: true });
  const [always, after2] = await Promise.allSettled([g.compare('die', 'x'), g.compare('6', '6')]);
  assert.equal(always.status, 'rejected');
  assert.ok(always.status === 'rejected' && always.reason instanceof MathGraderError && /died 3 times/.test(String(always.reason.message)));
  assert.deepEqual(after2, { status: 'fulfilled', value: { correct: true } });
  assert.deepEqual(await g.compare('raise', 'x'), { correct: false, error: 'ValueError: boom' });
  await g.close();
});

test('math grader: close() ends the process; the next comparison starts a new one', async () => {
  const g = new MathGrader({ python: () => standIn });
  assert.deepEqual(await g.compare('1', '1'), { correct: true });
  const pid = g.pid!;
  await g.close();
  assert.equal(g.pid, null);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.deepEqual(await g.compare('2', '3'), { correct: false });
  await g.close();
});

test('math grader: no answer extracted is wrong without asking Python (reference: predicted None → False)', async () => {
  assert.deepEqual(await mathEqual('49', null), { correct: false });
});

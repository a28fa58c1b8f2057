#!/usr/bin/env node
'use strict';
/**
 * Runs the compiled tests with node's test runner.
 *   node scripts/run-tests.js            unit + workflows + integration
 *   node scripts/run-tests.js unit       unit only
 *   node scripts/run-tests.js workflows  workflow tests (time-skipping test server, mocked activities)
 *   node scripts/run-tests.js integration
 * Files named *.slow.test.js (e.g. S3 credentials expiring: MinIO's shortest
 * is 15 minutes) run in a second process beside the others from the start;
 * their report is printed at the end and either part failing fails the run.
 * Real benchmark data is read in place from EVALFLOW_DATASETS_DIR, default
 * ../shared/datasets beside the repository. Integration tests start their own
 * Temporal dev server and MinIO (binaries from `evalflow dev install`); workflow
 * tests start Temporal's Java test server (scripts/setup-test-server.sh).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const which = process.argv[2];
const groups = which ? [which] : ['unit', 'workflows', 'integration'];
if (!process.env.EVALFLOW_DATASETS_DIR) {
  const shared = path.resolve(root, '..', 'shared', 'datasets');
  if (fs.existsSync(shared)) process.env.EVALFLOW_DATASETS_DIR = shared;
}
process.env.HF_HUB_OFFLINE = process.env.HF_HUB_OFFLINE || '1';

const files = [];
for (const g of groups) {
  const dir = path.join(root, 'dist', 'test', g);
  if (!fs.existsSync(dir)) {
    console.error(`no compiled tests in ${dir}; run 'npm run build' first`);
    process.exit(1);
  }
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.test.js')) files.push(path.join(dir, f));
}
// Slow tests (`*.slow.test.js`) mostly wait (e.g. for S3 credentials to expire): they run in a
// second process beside the rest, their output kept apart and printed at the end; either failing fails the run.
const slow = files.filter((f) => f.endsWith('.slow.test.js'));
const rest = files.filter((f) => !f.endsWith('.slow.test.js'));
let slowRun = null;
if (slow.length) {
  const { spawn } = require('node:child_process');
  // To a file, not a pipe: spawnSync below blocks this process, and a full pipe would stall the slow tests.
  const logFile = path.join(require('node:os').tmpdir(), `evalflow-slow-tests-${process.pid}.log`);
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...slow], { stdio: ['ignore', fd, fd], env: process.env });
  fs.closeSync(fd);
  slowRun = new Promise((resolve) => child.on('close', (code) => resolve({ code, out: fs.readFileSync(logFile, 'utf8') })));
  console.log(`slow tests started beside the suite: ${slow.map((f) => path.basename(f)).join(', ')}`);
}
// Integration tests each start servers: run files one at a time on this 2-core budget.
// A second TAP copy to a file gives the counts for the closing 'N passed, N failed' line over both processes.
const tapCopy = path.join(require('node:os').tmpdir(), `evalflow-tests-${process.pid}.tap`);
const reporters = ['--test-reporter=tap', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapCopy}`];
const r = rest.length ? spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...reporters, ...rest], { stdio: 'inherit', env: process.env }) : { status: 0 };
const restCode = r.status === null ? 1 : r.status;
/** The last '# pass N' and '# fail N' of a TAP stream. */
function counts(tap) {
  const last = (k) => Number([...tap.matchAll(new RegExp(`^# ${k} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  return { pass: last('pass'), fail: last('fail') };
}
const restCounts = rest.length && fs.existsSync(tapCopy) ? counts(fs.readFileSync(tapCopy, 'utf8')) : { pass: 0, fail: 0 };
fs.rmSync(tapCopy, { force: true });
if (!slowRun) {
  console.log(`${restCounts.pass} passed, ${restCounts.fail} failed`);
  process.exit(restCode);
}
if (rest.length) console.log('\nwaiting for the slow tests …');
slowRun.then(({ code, out }) => {
  console.log(`\n=== slow tests (${slow.map((f) => path.basename(f)).join(', ')}) ===\n${out}`);
  const slowCode = code === null ? 1 : code;
  console.log(`slow tests: ${slowCode === 0 ? 'passed' : `FAILED (exit ${slowCode})`}; the rest: ${restCode === 0 ? 'passed' : `FAILED (exit ${restCode})`}`);
  const slowCounts = counts(out);
  console.log(`${restCounts.pass + slowCounts.pass} passed, ${restCounts.fail + slowCounts.fail} failed`);
  process.exit(restCode !== 0 ? restCode : slowCode);
});

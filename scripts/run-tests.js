#!/usr/bin/env node
'use strict';
/**
 * Runs the compiled tests with node's test runner.
 *   node scripts/run-tests.js            unit + workflows + integration
 *   node scripts/run-tests.js unit       unit only
 *   node scripts/run-tests.js workflows  workflow tests (time-skipping test server, mocked activities)
 *   node scripts/run-tests.js integration
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
// Integration tests each start servers: run files one at a time on this 2-core budget.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env: process.env });
process.exit(r.status === null ? 1 : r.status);

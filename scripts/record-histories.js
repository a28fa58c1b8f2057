#!/usr/bin/env node
'use strict';
/**
 * Re-records the workflow histories replayed by test/workflows/replay.test.ts
 * (test/histories/<shape>/). Run after `npm run build`:
 *   node scripts/record-histories.js [shape ...]
 * Only together with an intentional, versioned workflow change (patched() or a
 * new workflow version) — never to make a failing replay pass. See the
 * README's testing notes and docs/architecture.md "Workflow tests".
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (!process.env.EVALFLOW_DATASETS_DIR) {
  const shared = path.resolve(root, '..', 'shared', 'datasets');
  if (fs.existsSync(shared)) process.env.EVALFLOW_DATASETS_DIR = shared;
}
process.env.HF_HUB_OFFLINE = process.env.HF_HUB_OFFLINE || '1';
const compiled = path.join(root, 'dist', 'test', 'support', 'record-histories.js');
if (!fs.existsSync(compiled)) {
  console.error(`no ${path.relative(root, compiled)}; run 'npm run build' first`);
  process.exit(1);
}
require(compiled).main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error(`recording histories failed: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);

#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (npm run build).
try {
  require('../dist/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    console.error("evalflow is not built yet: run 'npm ci && npm run build' in the evalflow folder first.");
    process.exit(1);
  }
  throw e;
}

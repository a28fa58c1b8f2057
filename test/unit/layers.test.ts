/**
 * Dependencies point one way (docs/architecture.md, "Layers"): every relative
 * import of the product code is checked against the table below, read from the
 * sources themselves. A module that imports from a layer above it fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, sources } from '../support/sources';


/** Layer → the layers it may import (besides itself). */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'lib/records': [],
  'lib/config': ['lib/records'],
  'lib/engine': ['lib/records', 'lib/config'],
  benchmarks: ['lib/records', 'lib/config', 'lib/engine'],
  'lib/plan': ['lib/records', 'lib/config', 'lib/engine', 'benchmarks'],
  'lib/analysis': ['lib/records', 'lib/config', 'lib/engine'],
  activities: ['lib/records', 'lib/config', 'lib/engine', 'benchmarks', 'lib/plan'],
  // Workflow code is bundled apart: besides records it may name activities' types only (checked below).
  workflows: ['lib/records', 'activities'],
  workers: ['lib/records', 'lib/config', 'lib/engine', 'benchmarks', 'lib/plan', 'activities', 'workflows'],
  'lib/operator': ['lib/records', 'lib/config', 'lib/engine', 'benchmarks', 'lib/plan'],
  cli: ['lib/records', 'lib/config', 'lib/engine', 'benchmarks', 'lib/plan', 'lib/analysis', 'lib/operator', 'workers', 'activities'],
  examples: ['benchmarks', 'lib/records'],
};
const LAYERS = Object.keys(ALLOWED).sort((a, b) => b.length - a.length);

function layerOf(rel: string): string | null {
  return LAYERS.find((l) => rel === l || rel.startsWith(`${l}/`)) ?? null;
}


const IMPORT = /^(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|require\(\s*'(\.[^']+)'\s*\)/gm;

test('no product module imports from a layer above its own; workflow code imports only types from activities', () => {
  const files = ['lib', 'benchmarks', 'activities', 'workflows', 'workers', 'cli', 'examples'].flatMap(sources);
  assert.ok(files.length > 100, `found the sources (${files.length})`);
  const problems: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    if (!from) {
      problems.push(`${file}: in no layer (add its folder to the table in this test and docs/architecture.md)`);
      continue;
    }
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4] ?? m[5]!;
      const target = path.normalize(path.join(path.dirname(file), spec));
      const to = layerOf(target);
      if (!to || to === from) continue;
      if (!ALLOWED[from]!.includes(to)) problems.push(`${file} (${from}) imports ${spec} (${to})`);
      else if (from === 'workflows' && to === 'activities' && !m[2]) problems.push(`${file}: workflow code imports a value from ${spec}; only types may cross`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the shipped code never imports test code', () => {
  const bad = ['lib', 'benchmarks', 'activities', 'workflows', 'workers', 'cli']
    .flatMap(sources)
    .filter((f) => /from '(\.\.\/)+test\//.test(fs.readFileSync(path.join(REPO, f), 'utf8')));
  assert.deepEqual(bad, []);
});

test('one module reads the environment: lib/config/settings.ts (others only pass it on to child processes)', () => {
  const passOn = /\.\.\.process\.env\b|process\.env\.PATH\b|\?\? process\.env\b|process\.env, /;
  const found: string[] = [];
  for (const file of ['lib', 'benchmarks', 'activities', 'workflows', 'workers', 'cli'].flatMap(sources)) {
    if (file === path.join('lib', 'config', 'settings.ts')) continue;
    fs.readFileSync(path.join(REPO, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!/process\.env\b/.test(line) || passOn.test(line)) return;
        if (/process\.env\.\w+ = /.test(line)) return; // setting a variable for this process's own settings
        found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});

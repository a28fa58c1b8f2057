/**
 * Benchmarks are pure specs on top of shared families (docs/architecture.md,
 * "Layers"): a task module imports only the contract (benchmarks/types.ts),
 * the families (benchmarks/families/) and its own files — never another task
 * module; a family never imports a task module. And the contract's kinds:
 * every built-in names its kind, and no benchmark carries a method its kind
 * never uses; modules written before kinds existed are classified by their
 * members when registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILTIN_BENCHMARKS, getBenchmark, kindOf, registerBenchmark } from '../../benchmarks/index';
import type { Benchmark } from '../../benchmarks/types';
import { REPO, sources } from '../support/sources';

const IMPORT = /^(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)|require\(\s*'(\.[^']+)'\s*\)/gm;


/** 'families', 'types', 'registry', or the task a file belongs to (a top-level module, or a folder of one). */
function unitOf(rel: string): string {
  const parts = rel.split(path.sep);
  if (parts[1] === 'families') return 'families';
  if (parts.length === 2) {
    if (parts[1] === 'types.ts') return 'types';
    if (parts[1] === 'index.ts') return 'registry';
    return `task ${parts[1]!.replace(/\.ts$/, '')}`;
  }
  return `task ${parts[1]}`;
}

test('no task module imports another; families import no task module', () => {
  const files = sources('benchmarks');
  assert.ok(files.some((f) => unitOf(f) === 'families') && files.filter((f) => unitOf(f).startsWith('task ')).length > 20, 'found the families and the task modules');
  const problems: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    if (from === 'registry') continue; // benchmarks/index.ts lists the task modules
    for (const m of fs.readFileSync(path.join(REPO, file), 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      const target = path.normalize(path.join(path.dirname(file), spec));
      if (!target.startsWith(`benchmarks${path.sep}`)) continue; // other layers: test/unit/layers.test.ts
      const to = unitOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (to === from || to === 'types' || to === 'families') continue;
      problems.push(`${file} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every built-in names its kind and carries only the members of that kind', () => {
  const kinds: Record<string, string> = {};
  for (const b of BUILTIN_BENCHMARKS) {
    const m = b as unknown as Record<string, unknown>;
    assert.ok(b.kind === 'plain' || b.kind === 'judged' || b.kind === 'executed', `${b.name}: kind ${String(b.kind)}`);
    kinds[b.name] = b.kind;
    assert.equal(typeof m.score === 'function', b.kind !== 'executed', `${b.name}: score() exactly when not executed`);
    assert.equal(typeof m.execute === 'function', b.kind === 'executed', `${b.name}: execute() exactly when executed`);
    assert.equal(m.judge !== undefined, b.kind === 'judged', `${b.name}: judge exactly when judged`);
    if (b.kind !== 'executed') assert.equal(m.sandboxData, undefined, `${b.name}: sandboxData only on executed`);
  }
  assert.deepEqual(kinds, {
    gsm8k: 'plain',
    ns_mmlu_pro: 'plain',
    ns_gpqa: 'plain',
    ns_aime2025: 'plain',
    mmlu: 'plain',
    ns_hle: 'judged',
    ifeval: 'plain',
    ns_ifbench: 'plain',
    humaneval: 'executed',
    ns_livecodebench: 'executed',
    ns_scicode: 'executed',
    ns_bfcl_v4: 'plain',
  });
});

/** A module as written before kinds existed (no `kind`), with its own members. */
function legacy(name: string, members: Record<string, unknown>): Benchmark {
  return {
    name,
    description: 'test-only module without a kind',
    dataset: { hfRepo: 'example/x', hfConfig: 'default', split: 'test' },
    defaults: {},
    toSample: (raw: Record<string, unknown>) => ({ id: String(raw.id), expected: '', data: {} }),
    prompt: () => [{ role: 'user' as const, content: 'q' }],
    ...members,
  } as unknown as Benchmark;
}

test('registerBenchmark: a module without kind is plain, or judged/executed by its members; the same module twice is one registration', async () => {
  const plain = legacy('legacy_plain_test', { score: () => ({ predicted: 'a', correct: true }) });
  registerBenchmark(plain);
  assert.equal(getBenchmark('legacy_plain_test'), plain, 'a plain module is registered as it is');
  assert.equal(kindOf(plain), 'plain');

  const judge = { prompt: () => [{ role: 'user' as const, content: 'j' }], parse: () => ({ correct: true }) };
  const judged = legacy('legacy_judged_test', { judge, score: () => ({ predicted: 'a', correct: true }) });
  registerBenchmark(judged);
  const asJudged = getBenchmark('legacy_judged_test')!;
  assert.equal(asJudged.kind, 'judged');
  assert.equal(asJudged.kind === 'judged' && asJudged.judge, judge, 'its own judge, not a copy');
  assert.equal((judged as { kind?: string }).kind, undefined, "the module's own object is left as it was");

  class Executed {
    name = 'legacy_executed_test';
    description = 'a class-based module: methods on the prototype';
    dataset = { hfRepo: 'example/x', hfConfig: 'default', split: 'test' };
    defaults = {};
    factor = 3;
    toSample(raw: Record<string, unknown>) {
      return { id: String(raw.id), expected: '', data: {} };
    }
    prompt() {
      return [{ role: 'user' as const, content: 'q' }];
    }
    score(): never {
      throw new Error('scored by running code');
    }
    async execute() {
      return { predicted: String(this.factor), correct: true };
    }
  }
  const executed = new Executed() as unknown as Benchmark;
  registerBenchmark(executed);
  const asExecuted = getBenchmark('legacy_executed_test')!;
  assert.equal(asExecuted.kind, 'executed');
  assert.ok(asExecuted.kind === 'executed');
  assert.deepEqual(await asExecuted.execute({ content: '' }, { id: '1', expected: '', data: {} }, async () => {
    throw new Error('not run');
  }), { predicted: '3', correct: true }, 'prototype methods and `this` are the module\'s own');

  // Several plugins may carry the same module: registering it again is a no-op, another object under the name is refused.
  registerBenchmark(executed);
  registerBenchmark(judged);
  assert.equal(getBenchmark('legacy_executed_test'), asExecuted);
  assert.throws(() => registerBenchmark(legacy('legacy_judged_test', { judge, score: () => ({ predicted: null, correct: false }) })), /"legacy_judged_test" is already taken by a benchmark registered earlier/);
});

test('registerBenchmark: members that contradict the kind are refused, naming what to fix', () => {
  const score = () => ({ predicted: null, correct: false });
  const judge = { prompt: () => [], parse: () => ({ correct: null }) };
  const execute = async () => ({ predicted: null, correct: false });
  assert.throws(() => registerBenchmark(legacy('bad_both_test', { score, judge, execute })), /"bad_both_test" has both execute and judge; .*set kind 'executed' or 'judged'/);
  assert.throws(() => registerBenchmark(legacy('bad_kind_test', { kind: 'sandboxed', score })), /"bad_kind_test" has kind "sandboxed"; a kind is one of plain, judged, executed/);
  assert.throws(() => registerBenchmark(legacy('bad_executed_test', { kind: 'executed', score })), /"bad_executed_test" is of kind 'executed' but has no execute\(response, sample, run\) function/);
  assert.throws(() => registerBenchmark(legacy('bad_judged_test', { kind: 'judged', score })), /"bad_judged_test" is of kind 'judged' but has no judge \{ prompt/);
  assert.throws(() => registerBenchmark(legacy('bad_plain_test', {})), /"bad_plain_test" is of kind 'plain' but has no score\(responseText, sample, \.\.\.\) function/);
  for (const name of ['bad_both_test', 'bad_kind_test', 'bad_executed_test', 'bad_judged_test', 'bad_plain_test']) assert.equal(getBenchmark(name), undefined, `${name} not registered`);
});

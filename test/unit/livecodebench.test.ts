/**
 * ns_livecodebench: private-test decoding (real pickle/zlib/base64 blobs made
 * by python3), split windows and release files, NeMo-Skills' prompt text and
 * code extraction, LiveCodeBench's stdout comparison rules (run in the Python
 * harness itself), execution of synthetic problems with plainRunner(), and
 * NeMo-Skills' livecodebench metrics. Every problem here is synthetic, in the
 * code_generation_lite row schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LCB_DEFAULT_SPLIT,
  LCB_FORMATTING_WITHOUT_STARTER_CODE,
  LCB_FORMATTING_WITH_STARTER_CODE,
  LCB_TIMEOUT_MS,
  executeLiveCodeBench,
  extractCode,
  inLcbWindow,
  lcbQuestion,
  lcbTests,
  lcbUserPrompt,
  livecodebench,
  parseLcbSplit,
} from '../../benchmarks/livecodebench/index';
import { decodeCompressedString, parsePrivateTestCases, unpickleString } from '../../benchmarks/livecodebench/pickle';
import { LCB_HARNESS, LCB_IMPORT_PRELUDE } from '../../benchmarks/livecodebench/harness';
import type { ScoredResponse } from '../../benchmarks/types';
import type { Sample } from '../../lib/records/messages';
import { SandboxError, type SandboxJob, type SandboxRunner } from '../../lib/engine/sandbox/types';
import { plainRunner } from '../support/plain-runner';

function py(script: string, input = ''): string {
  return execFileSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** base64(zlib(pickle(s, protocol))) made by CPython. */
function compressWithPython(s: string, protocol: number): string {
  return py(`import sys, pickle, zlib, base64; s = sys.stdin.read(); sys.stdout.write(base64.b64encode(zlib.compress(pickle.dumps(s, protocol=${protocol}))).decode())`, s).trim();
}

// --- pickle / zlib / base64 --------------------------------------------------

test('private tests: base64(zlib(pickle(str))) from CPython decodes for protocols 2–5, short, long and non-ASCII strings', () => {
  const strings = ['hi', 'é'.repeat(200) + ' ∑ 😀', JSON.stringify([{ input: '1\n'.repeat(40000), output: 'x', testtype: 'stdin' }])];
  for (const protocol of [2, 3, 4, 5]) {
    for (const s of strings) {
      assert.equal(decodeCompressedString(compressWithPython(s, protocol)), s, `protocol ${protocol}, ${s.length} chars`);
    }
  }
});

test('private tests: a >64 KiB str pickled with protocol 4 (BINUNICODE outside a frame) and a SHORT_BINUNICODE one', () => {
  const big = 'y'.repeat(70000);
  const raw = Buffer.from(py(`import pickle, sys; sys.stdout.write(pickle.dumps(${JSON.stringify(big)}, protocol=4).hex())`), 'hex');
  assert.equal(unpickleString(raw), big);
  const small = Buffer.from(py(`import pickle, sys; sys.stdout.write(pickle.dumps("abc", protocol=5).hex())`), 'hex');
  assert.equal(small[2], 0x95, 'protocol 5 frames a small pickle');
  assert.equal(unpickleString(small), 'abc');
});

test('private tests: anything but a single pickled str is refused with a clear error', () => {
  const list = Buffer.from(py(`import pickle, sys; sys.stdout.write(pickle.dumps(["a"], protocol=4).hex())`), 'hex');
  assert.throws(() => unpickleString(list), /opcode 0x5d .*not supported.*single pickled str/);
  const twoStrings = Buffer.from(py(`import pickle, sys; sys.stdout.write(pickle.dumps(("a","b"), protocol=2).hex())`), 'hex');
  assert.throws(() => unpickleString(twoStrings), /more than one object|not supported/);
  const good = Buffer.from(py(`import pickle, sys; sys.stdout.write(pickle.dumps("abcdef", protocol=4).hex())`), 'hex');
  assert.throws(() => unpickleString(good.subarray(0, good.length - 4)), /truncated|without STOP/);
  assert.throws(() => unpickleString(Buffer.from([0x80, 0x01, 0x2e])), /protocol 1 is not supported/);
  assert.throws(() => decodeCompressedString('bm90IHpsaWI='), /zlib decompression failed/);
});

test('private tests: JSON is tried first, then the compressed form (as code_generation.py)', () => {
  const tests = [{ input: '5\n', output: '25\n', testtype: 'stdin' }];
  assert.deepEqual(parsePrivateTestCases(JSON.stringify(tests)), tests);
  assert.deepEqual(parsePrivateTestCases(compressWithPython(JSON.stringify(tests), 4)), tests);
  assert.throws(() => parsePrivateTestCases(compressWithPython('not json', 4)), /decompressed private tests are not JSON/);
});

// --- synthetic rows ----------------------------------------------------------

interface RowOpts {
  id?: string;
  date?: string;
  difficulty?: string;
  starter?: string;
  funcName?: string;
  pub?: { input: string; output: string }[];
  priv?: { input: string; output: string }[];
  compress?: boolean;
}

function row(o: RowOpts = {}): Record<string, unknown> {
  const testtype = o.funcName ? 'functional' : 'stdin';
  const pub = (o.pub ?? [{ input: '3\n', output: '9\n' }]).map((t) => ({ ...t, testtype }));
  const priv = (o.priv ?? [{ input: '4\n', output: '16\n' }]).map((t) => ({ ...t, testtype }));
  return {
    question_title: 'Square',
    question_content: 'Print the square of N.\n\nConstraints\n    1 <= N <= 10',
    platform: o.funcName ? 'leetcode' : 'atcoder',
    question_id: o.id ?? 'abc000_a',
    contest_id: 'abc000',
    contest_date: o.date ?? '2024-09-07T00:00:00',
    starter_code: o.starter ?? '',
    difficulty: o.difficulty ?? 'easy',
    public_test_cases: JSON.stringify(pub),
    private_test_cases: o.compress ? compressWithPython(JSON.stringify(priv), 4) : JSON.stringify(priv),
    metadata: JSON.stringify(o.funcName ? { func_name: o.funcName } : {}),
  };
}

test('toSample: public then private tests (compressed private decoded), subset = difficulty, stdin mode', () => {
  const s = livecodebench.toSample(row({ compress: true, difficulty: 'medium' }), 0);
  assert.equal(s.id, 'abc000_a');
  assert.equal(s.subset, 'medium');
  assert.equal(s.data.mode, 'stdin');
  assert.equal(s.data.func_name, null);
  assert.deepEqual(s.data.tests, [
    { input: '3\n', output: '9\n' },
    { input: '4\n', output: '16\n' },
  ]);
  assert.equal(JSON.parse(JSON.stringify(s.data)).tests.length, 2, 'sample data is plain JSON');
  assert.equal(s.expected, '2 stdin test(s) pass');
});

test('toSample: metadata.func_name makes the problem call-based (LCB run_test)', () => {
  const s = livecodebench.toSample(row({ funcName: 'square', starter: 'class Solution:\n    def square(self, n: int) -> int:\n        ' }), 0);
  assert.equal(s.data.mode, 'functional');
  assert.equal(s.data.func_name, 'square');
});

test('toSample: bad rows are refused naming the field', () => {
  assert.throws(() => livecodebench.toSample(row({ difficulty: 'trivial' }), 3), /row 3: "difficulty" must be one of easy, medium, hard/);
  const badType = { ...row(), public_test_cases: JSON.stringify([{ input: '1', output: '1', testtype: 'interactive' }]) };
  assert.throws(() => livecodebench.toSample(badType, 1), /public_test_cases\[0\]\.testtype must be "stdin" or "functional"/);
  assert.throws(() => livecodebench.toSample({ ...row(), private_test_cases: '%%%not base64%%%' }, 2), /"private_test_cases" is neither JSON nor base64/);
  assert.throws(() => livecodebench.toSample({ ...row(), metadata: '{' }, 4), /"metadata" is not JSON/);
  assert.throws(() => lcbTests({ ...row(), public_test_cases: 12 }, 5), /"public_test_cases" must be a JSON string/);
  const noPublic = lcbTests({ ...row(), public_test_cases: '' }, 6);
  assert.deepEqual(noPublic, [{ input: '4\n', output: '16\n' }]);
});

// --- splits ------------------------------------------------------------------

test('splits: release vN reads the first N files; the window is whole months, both ends included', () => {
  assert.equal(LCB_DEFAULT_SPLIT, 'test_v6_2408_2505');
  assert.equal(livecodebench.dataset.split, 'test_v6_2408_2505');
  assert.ok(livecodebench.dataset.splits?.includes('test_v5_2407_2412'));
  const v6 = parseLcbSplit('test_v6_2408_2505');
  assert.deepEqual(v6.files, ['test.jsonl', 'test2.jsonl', 'test3.jsonl', 'test4.jsonl', 'test5.jsonl', 'test6.jsonl']);
  assert.equal(v6.from, '2024-08');
  assert.equal(v6.to, '2025-05');
  assert.deepEqual(parseLcbSplit('test_v5_2407_2412').files, ['test.jsonl', 'test2.jsonl', 'test3.jsonl', 'test4.jsonl', 'test5.jsonl']);
  assert.equal(inLcbWindow('2024-08-01', v6), true);
  assert.equal(inLcbWindow('2024-07-31', v6), false);
  assert.equal(inLcbWindow('2025-05-31', v6), true);
  assert.equal(inLcbWindow('2025-06-01', v6), false);
  assert.throws(() => parseLcbSplit('test'), /unknown dataset_split "test"; expected test_v<1-6>_<YYMM>_<YYMM>/);
  assert.throws(() => parseLcbSplit('test_v7_2408_2505'), /expected test_v<1-6>/);
  assert.throws(() => parseLcbSplit('test_v6_2413_2505'), /month 13/);
  assert.throws(() => parseLcbSplit('test_v6_2505_2408'), /starts \(2025-05\) after it ends \(2024-08\)/);
});

test('readRows: asks for livecodebench/<file> (hub path <file>), filters by contest date, and names a missing file', async () => {
  const files: Record<string, Record<string, unknown>[]> = {
    'test.jsonl': [row({ id: 'old', date: '2023-06-01T00:00:00' })],
    'test2.jsonl': [row({ id: 'jul31', date: '2024-07-31T23:59:59' }), row({ id: 'aug1', date: '2024-08-01T00:00:00' })],
    'test3.jsonl': [row({ id: 'dec31', date: '2024-12-31T12:00:00' })],
    'test4.jsonl': [row({ id: 'may31', date: '2025-05-31T00:00:00' }), row({ id: 'jun1', date: '2025-06-01T00:00:00' })],
    'test5.jsonl': [],
    'test6.jsonl': [row({ id: 'feb', date: '2025-02-15T00:00:00' })],
  };
  const asked: [string, string | undefined][] = [];
  // As lib/datasets does: `keep` filters the rows while the file is read.
  const read = async (p: string, hub?: string, keep?: (row: Record<string, unknown>, i: number) => boolean) => {
    asked.push([p, hub]);
    const rows = files[hub ?? ''];
    return rows ? rows.filter((r, i) => keep?.(r, i) ?? true) : null;
  };
  const rows = await livecodebench.dataset.readRows!(read, 'test_v6_2408_2505');
  assert.deepEqual(
    rows.map((r) => r.question_id),
    ['aug1', 'dec31', 'may31', 'feb'],
  );
  assert.deepEqual(asked[0], ['livecodebench/test.jsonl', 'test.jsonl']);
  assert.equal(asked.length, 6);
  const v2 = await livecodebench.dataset.readRows!(read, 'test_v2_2307_2407');
  assert.deepEqual(
    v2.map((r) => r.question_id),
    ['jul31'],
  );
  delete files['test5.jsonl'];
  await assert.rejects(livecodebench.dataset.readRows!(read, 'test_v5_2407_2412'), /test5\.jsonl is missing; split test_v5_2407_2412 \(release v5\) needs test\.jsonl/);
  await assert.rejects(livecodebench.dataset.readRows!(read, 'v6'), /unknown dataset_split "v6"/);
  await assert.rejects(
    livecodebench.dataset.readRows!(async (_p, _h, keep) => [{ ...row(), contest_date: '2024/08/01' }].filter((r, i) => keep?.(r, i) ?? true), 'test_v6_2408_2505'),
    /row 0: "contest_date" must be a string like "2024-08-03T00:00:00"/,
  );
});

// --- prompt ------------------------------------------------------------------

test('prompt: NeMo-Skills eval/livecodebench/python_codegen over prepare.py\'s question, without starter code', () => {
  const s = livecodebench.toSample(row(), 0);
  const messages = livecodebench.prompt(s, {});
  assert.equal(messages.length, 1);
  assert.equal(messages[0]?.role, 'user');
  assert.equal(
    messages[0]?.content,
    'Here is a problem for which you need to generate an executable code in python programming language.\n\n' +
      'Print the square of N.\n\nConstraints\n\t1 <= N <= 10\n\n' +
      'Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, it reads the inputs, runs the algorithm and writes output to STDOUT.\n\n' +
      '```python\n# YOUR CODE HERE\n```\n\n',
  );
  assert.equal(LCB_FORMATTING_WITHOUT_STARTER_CODE.includes('    '), false);
});

test('prompt: with starter code (four spaces become tabs, as prepare.py does), system prompt, other configs', () => {
  const starter = 'class Solution:\n    def square(self, n: int) -> int:\n        ';
  assert.equal(
    lcbQuestion('Return n squared.', starter),
    `Return n squared.\n\n${LCB_FORMATTING_WITH_STARTER_CODE}\n\`\`\`python\nclass Solution:\n\tdef square(self, n: int) -> int:\n\t\t\n\`\`\`\n\n`,
  );
  const s = livecodebench.toSample(row({ funcName: 'square', starter }), 0);
  const messages = livecodebench.prompt(s, { systemPrompt: 'Be brief.' });
  assert.deepEqual(messages[0], { role: 'system', content: 'Be brief.' });
  assert.ok(messages[1]?.content.endsWith('```python\nclass Solution:\n\tdef square(self, n: int) -> int:\n\t\t\n```\n\n'));
  assert.ok(
    lcbUserPrompt('Q', 'eval/livecodebench/python_codegen_reasoning').startsWith(
      'You are a helpful and harmless assistant. You should think step-by-step before responding to the instruction below.\n\nQ',
    ),
  );
  assert.throws(() => livecodebench.prompt(s, { promptConfig: 'generic/math' }), /unsupported prompt_config "generic\/math" \(supported: eval\/livecodebench\/python_codegen/);
});

// --- extraction --------------------------------------------------------------

/**
 * Extraction cases: the expected values are what NeMo-Skills 0b012df8's own
 * `preprocess_code(..., "python")` (nemo_skills/evaluation/evaluator/code.py,
 * the function lifted out of the pinned source and run by CPython 3.11 in
 * /tmp, not committed) returned for each text; "" there is null here.
 */
const EXTRACTION_CASES: [string, string | null][] = [
  ["Plan.\n```python\nprint(1)\n```\nDone.", "print(1)"],
  ["```python\nprint(1)\n```\nBetter:\n```python\nprint(2)\n```", "print(1)"],
  ["```python\nprint(1)\n```\n```text\nout\n```", "print(1)"],
  ["```text\nout\n```\n```python\nprint(1)\n```", "print(1)"],
  ["```\nprint(7)\n```\n```python\nprint(8)\n```", "print(8)"],
  ["```python\nprint(1)\n", "print(1)"],
  ["Here:\n```python\nn = int(input())\nprint(n)", "n = int(input())\nprint(n)"],
  ["```py\nprint(1)\n```", "py\nprint(1)"],
  ["```Python\nprint(1)\n```", "Python\nprint(1)"],
  ["```python3\nprint(1)\n```", "3\nprint(1)"],
  ["```\nprint(4)\n```", "print(4)"],
  ["```\nprint(4)\n", "print(4)"],
  ["```\nprint(4)\n```\n```\nprint(5)\n```", "print(4)"],
  ["print(3)\n", "print(3)"],
  ["   \n\t", null],
  ["", null],
  ["<think>```python\nprint(0)\n```</think>\n```python\nprint(5)\n```", "print(5)"],
  ["<think>still thinking ```python\nprint(0)\n```", null],
  ["reasoning ```python\nprint(0)\n```</think>\n```python\nprint(5)\n```", "print(0)"],
  ["<think>a</think>b</think>\n```python\nprint(6)\n```", "print(6)"],
  ["<think>a</think>", null],
  ["```python\r\nx = 1\r\nprint(x)\r\n```", "x = 1\nprint(x)"],
  ["```python\n\u00a0print(1)\u3000\n```", "print(1)"],
  ["```python\n```", null],
  ["``python\nprint(1)\n``", "``python\nprint(1)\n``"],
  ["Use `print`:\n```python\nprint(2)\n```", "print(2)"],
  ["```python```print(9)```", null],
];

test('extraction: NeMo-Skills 0b012df8 preprocess_code (FIRST ```python block, else first ```, unclosed block kept, <think>)', () => {
  for (const [text, want] of EXTRACTION_CASES) assert.equal(extractCode(text), want, JSON.stringify(text));
  assert.equal(EXTRACTION_CASES.length, 27);
});

// --- comparison rules (in the harness, checked by CPython itself) -----------

test('stdout comparison: LiveCodeBench grade_stdio rules, many cases', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcb-compare-'));
  try {
    fs.writeFileSync(path.join(dir, 'main.py'), LCB_HARNESS);
    const cases: [string, string, boolean][] = [
      ['1\n2\n', '1\n2', true],
      ['  1 \n 2\n\n', '1\n2', true],
      ['\r\n1\r\n', '1', true],
      ['1 2', '1  2', true],
      ['1.0', '1', true],
      ['1.50 2', '1.5 2.000', true],
      ['1e2', '100', true],
      ['-0', '0', true],
      ['inf', 'Infinity', true],
      ['1_000', '1000', true],
      ['١٢', '12', true],
      ['1\u00a0', '1', true],
      ['nan', 'nan', true],
      ['', '', true],
      ['', '\n\n', true],
      ['0.1', '0.10000000000000001', false],
      ['0.333333', '0.3333333', false],
      ['Yes', 'yes', false],
      ['1\n2', '1 2', false],
      ['1\n\n2', '1\n2', false],
      ['abc 1', 'abc 1.0', false],
      ['NaN 1', 'nan 1', false],
      ['1 2 3', '1 2', false],
      ['', '0', false],
      ['0x10', '16', false],
    ];
    const out = py(
      `import json, sys; sys.path.insert(0, ${JSON.stringify(dir)}); import main; ` +
        `print(json.dumps([main.lcb_compare(p, g)[0] for p, g in json.loads(sys.stdin.read())]))`,
      JSON.stringify(cases.map(([p, g]) => [p, g])),
    );
    const got = JSON.parse(out) as boolean[];
    cases.forEach(([p, g, want], i) => assert.equal(got[i], want, `${JSON.stringify(p)} vs ${JSON.stringify(g)}`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('harness: the prelude is LiveCodeBench\'s import_string, embedded in the harness', () => {
  assert.ok(LCB_IMPORT_PRELUDE.startsWith('from string import *\nfrom re import *\n'));
  assert.ok(LCB_IMPORT_PRELUDE.endsWith('import json\nsys.setrecursionlimit(50000)\n'));
  const prelude = py(`import sys; exec(compile(sys.stdin.read().split("\\nimport ast\\n")[0], "h", "exec"), g := {}); import json; print(json.loads(g["PRELUDE_JSON"]), end="")`, LCB_HARNESS);
  assert.equal(prelude, LCB_IMPORT_PRELUDE);
});

// --- execution ---------------------------------------------------------------

function stdinSample(tests: { input: string; output: string }[]): Sample {
  return livecodebench.toSample(row({ pub: tests.slice(0, 1), priv: tests.slice(1) }), 0);
}

const squareTests = [
  { input: '3\n', output: '9\n' },
  { input: '4\n', output: '16\n' },
  { input: '10\n', output: '100\n' },
];

const fence = (code: string) => `Here it is.\n\`\`\`python\n${code}\n\`\`\`\n`;

test('execute: a passing stdin solution (ONE sandbox job per unit, python3 main.py, empty stdin, 6 s per test, (6+1)·n+5 s in all)', async () => {
  const jobs: SandboxJob[] = [];
  const real = plainRunner();
  const run: SandboxRunner = (job) => {
    jobs.push(job);
    return real(job);
  };
  const r = await livecodebench.execute!({ content: fence('n = int(input())\nprint(n * n)') }, stdinSample(squareTests), run);
  assert.equal(r.correct, true);
  assert.equal(r.predicted, 'n = int(input())\nprint(n * n)');
  const tests = r.details?.tests as { status: string }[];
  assert.deepEqual(
    tests.map((t) => t.status),
    ['passed', 'passed', 'passed'],
  );
  assert.equal(jobs.length, 1, 'one grading process per generation, as check_correctness');
  assert.deepEqual(jobs[0]?.command, ['python3', 'main.py']);
  assert.equal(jobs[0]?.stdin, '', 'the program never sees the real stdin');
  assert.equal(LCB_TIMEOUT_MS, 6000);
  assert.equal(jobs[0]?.timeoutMs, ((6 + 1) * 3 + 5) * 1000);
  assert.equal(jobs[0]?.files['solution.py'], 'n = int(input())\nprint(n * n)');
  const spec = JSON.parse(jobs[0]?.files['tests.json'] ?? '{}');
  assert.deepEqual(spec.inputs, ['3\n', '4\n', '10\n']);
  assert.equal(spec.timeout, 6);
  assert.equal(spec.mode, 'stdin');
});

test('execute: LCB stdin semantics — prelude imports, __main__ block, exit() after printing, float tolerance by Decimal', async () => {
  const code = [
    'def main():',
    '    q = deque([int(input())])', // deque without an import: LCB's prelude provides it
    '    print(f"{q[0] ** 2}.000")',
    '    exit()',
    "if __name__ == '__main__':",
    '    main()',
  ].join('\n');
  const r = await executeLiveCodeBench({ content: fence(code) }, stdinSample(squareTests), plainRunner());
  assert.equal(r.correct, true, JSON.stringify(r.details));
});

test('execute: a wrong answer stops at the first failing test; the rest are not_run', async () => {
  const r = await executeLiveCodeBench({ content: fence('n = int(input())\nprint(n * n if n < 4 else n + n)') }, stdinSample(squareTests), plainRunner());
  assert.equal(r.correct, false);
  const tests = r.details?.tests as { status: string; detail?: string }[];
  assert.deepEqual(
    tests.map((t) => t.status),
    ['passed', 'wrong_answer', 'not_run'],
  );
  assert.match(tests[1]?.detail ?? '', /Wrong answer at output_line_idx=0: 8 != 16/);
  assert.equal(r.details?.passed_tests, 1);
});

test('execute: a solution that runs too long times out (short override; the default stays 6 s)', async () => {
  const r = await executeLiveCodeBench({ content: fence('while True:\n    pass') }, stdinSample(squareTests), plainRunner(), { timeoutMs: 700 });
  const tests = r.details?.tests as { status: string; detail?: string }[];
  assert.equal(r.correct, false);
  assert.deepEqual(
    tests.map((t) => t.status),
    ['timeout', 'not_run', 'not_run'],
  );
  assert.match(tests[0]?.detail ?? '', /Time Limit Exceeded/);
});

test('execute: a crashing solution is a runtime_error with the end of its traceback', async () => {
  const r = await executeLiveCodeBench({ content: fence('n = int(input())\nprint(n * n)\nraise ValueError("boom")') }, stdinSample(squareTests), plainRunner());
  const tests = r.details?.tests as { status: string; detail?: string }[];
  assert.equal(r.correct, false);
  assert.equal(tests[0]?.status, 'runtime_error');
  assert.match(tests[0]?.detail ?? '', /Runtime Error: ValueError\('boom'\)/);
  assert.equal(tests[1]?.status, 'not_run');
});

function functionalSample(): Sample {
  return livecodebench.toSample(
    row({
      funcName: 'pairUp',
      starter: 'class Solution:\n    def pairUp(self, nums: List[int], k: int) -> List[int]:\n        ',
      pub: [{ input: '[1, 2, 3]\n2', output: '[3, 4, 5]' }],
      priv: [
        { input: '[]\n7', output: '[]' },
        { input: '[0]\n-1', output: '[-1]' },
      ],
    }),
    0,
  );
}

test('execute: a LeetCode-style solution passes (List without import, tuple result accepted, prints ignored)', async () => {
  const code = [
    'class Solution:',
    '    def pairUp(self, nums: List[int], k: int) -> List[int]:',
    '        print("debug", nums)',
    '        return tuple(x + k for x in nums)',
  ].join('\n');
  const jobs: SandboxJob[] = [];
  const real = plainRunner();
  const r = await livecodebench.execute!({ content: fence(code) }, functionalSample(), (job) => {
    jobs.push(job);
    return real(job);
  });
  assert.equal(r.correct, true, JSON.stringify(r.details));
  assert.equal(r.details?.mode, 'functional');
  assert.equal(jobs.length, 1);
  assert.equal(JSON.parse(jobs[0]?.files['tests.json'] ?? '{}').func_name, 'pairUp');
});

test('execute: a failing LeetCode-style solution, and one missing the method', async () => {
  const wrong = 'class Solution:\n    def pairUp(self, nums, k):\n        return [x + k for x in nums][:1]';
  const r = await executeLiveCodeBench({ content: fence(wrong) }, functionalSample(), plainRunner());
  const tests = r.details?.tests as { status: string; detail?: string }[];
  assert.equal(r.correct, false);
  assert.deepEqual(
    tests.map((t) => t.status),
    ['wrong_answer', 'not_run', 'not_run'],
  );
  assert.match(tests[0]?.detail ?? '', /got \[3\], expected \[3, 4, 5\]/);

  const missing = 'class Solution:\n    def other(self, nums, k):\n        return nums';
  const m = await executeLiveCodeBench({ content: fence(missing) }, functionalSample(), plainRunner());
  const mt = m.details?.tests as { status: string; detail?: string }[];
  assert.equal(mt[0]?.status, 'runtime_error');
  assert.match(mt[0]?.detail ?? '', /Error during testing: cannot unpack non-iterable NoneType object/, 'run_test turns the missing method into -4');
});

/*
 * Call-based verdicts below are the reference's: testing_util.run_test via
 * compute_code_generation_metrics.check_correctness (wasiahmad/livecodebench
 * 5927b61d, timeout 6) run in /tmp on the same code and tests gave
 * stateful → [True, True, False]; exit() at module level → no result (fails);
 * exit() inside the method → no result (fails).
 */
test('execute: LeetCode — one Solution() for all tests (state carries over), exit() anywhere fails the problem', async () => {
  const stateful = [
    'class Solution:',
    '    def __init__(self):',
    '        self.calls = 0',
    '    def pairUp(self, nums, k):',
    '        self.calls += 1',
    '        return [x + k for x in nums] if self.calls == 1 else [x + k + self.calls - 1 for x in nums] if nums else []',
  ].join('\n');
  const r = await executeLiveCodeBench({ content: fence(stateful) }, functionalSample(), plainRunner());
  assert.equal(r.correct, false);
  assert.deepEqual(
    (r.details?.tests as { status: string }[]).map((t) => t.status),
    ['passed', 'passed', 'wrong_answer'],
  );
  for (const code of ['exit()\nclass Solution:\n    def pairUp(self, nums, k):\n        return [x + k for x in nums]', 'class Solution:\n    def pairUp(self, nums, k):\n        exit()']) {
    const e = await executeLiveCodeBench({ content: fence(code) }, functionalSample(), plainRunner());
    assert.equal(e.correct, false, code);
    const t = e.details?.tests as { status: string; detail?: string }[];
    assert.equal(t[0]?.status, 'runtime_error');
    assert.match(t[0]?.detail ?? '', /SystemExit.*every test fails/);
  }
});

test('execute: no code extracted → not correct, predicted null, no sandbox call', async () => {
  const run: SandboxRunner = async () => {
    throw new Error('the sandbox must not be called');
  };
  const r = await executeLiveCodeBench({ content: '<think>ran out of tokens ```python\nprint(1)' }, stdinSample(squareTests), run);
  assert.equal(r.predicted, null);
  assert.equal(r.correct, false);
  assert.deepEqual(
    (r.details?.tests as { status: string }[]).map((t) => t.status),
    ['not_run', 'not_run', 'not_run'],
  );
});

test('execute: a SandboxError propagates (never scored as wrong)', async () => {
  const run: SandboxRunner = async () => {
    throw new SandboxError('bwrap failed');
  };
  await assert.rejects(executeLiveCodeBench({ content: fence('print(9)') }, stdinSample(squareTests), run), SandboxError);
});

test('execute: a grading process without a verdict fails every test (fake runner, os._exit)', async () => {
  const base = { exitCode: 0, signal: null, stderr: '', truncated: false, wallMs: 5 };
  const r1 = await executeLiveCodeBench({ content: fence('print(9)') }, stdinSample(squareTests), async () => ({ ...base, status: 'ok', stdout: '9\n' }));
  assert.equal(r1.correct, false);
  assert.equal((r1.details?.tests as { status: string }[])[0]?.status, 'runtime_error');
  assert.match((r1.details?.tests as { detail?: string }[])[0]?.detail ?? '', /ended without a verdict .*every test fails/);
  const r2 = await executeLiveCodeBench({ content: fence('print(9)') }, stdinSample(squareTests), async () => ({ ...base, status: 'timeout', exitCode: null, stdout: '' }));
  assert.equal((r2.details?.tests as { status: string }[])[0]?.status, 'timeout');
  assert.match((r2.details?.tests as { detail?: string }[])[0]?.detail ?? '', /within 26 s .*the reference's global limit/);
  const r3 = await executeLiveCodeBench({ content: fence('import os\nprint(9)\nos._exit(0)') }, stdinSample(squareTests), plainRunner());
  assert.equal(r3.correct, false, 'os._exit ends the grading process before a verdict (the reference: no result, every test -1)');
});

test('scored in the sandbox only: an executed benchmark without score()', () => {
  assert.equal(livecodebench.kind, 'executed');
  assert.equal('score' in livecodebench, false);
});

// --- metrics -----------------------------------------------------------------

function unit(sample_id: string, repeat: number, correct: boolean, subset: string, predicted: string | null = 'code'): ScoredResponse {
  return { sample_id, repeat, correct, subset, predicted };
}

test('metrics: NeMo-Skills livecodebench — accuracy, pass@1[avg-of-k] and pass@k only, difficulty subsets', () => {
  const units = [
    unit('a', 0, true, 'easy'),
    unit('a', 1, false, 'easy'),
    unit('b', 0, false, 'hard', null),
    unit('b', 1, false, 'hard'),
    unit('c', 0, true, 'hard'),
    unit('c', 1, true, 'hard'),
  ];
  const m = livecodebench.metrics!(units, 2);
  assert.deepEqual(Object.keys(m.metrics).sort(), ['pass@1[avg-of-2]', 'pass@2']);
  const avg = m.metrics['pass@1[avg-of-2]']!;
  assert.deepEqual(Object.keys(avg.scores), ['accuracy']);
  assert.ok(Math.abs(avg.scores.accuracy!.value - 50) < 1e-9); // (0.5 + 0 + 1) / 3
  assert.equal(avg.scores.accuracy!.stats.count, 3);
  assert.ok('std_dev_across_repeats' in avg.scores.accuracy!.stats);
  assert.ok(Math.abs(m.metrics['pass@2']!.scores.accuracy!.value - 200 / 3) < 1e-9); // a and c
  assert.deepEqual(Object.keys(m.subsets).sort(), ['easy', 'hard']);
  assert.ok(Math.abs(m.subsets.hard!['pass@1[avg-of-2]']!.scores.accuracy!.value - 50) < 1e-9);
  assert.ok(Math.abs(m.subsets.easy!['pass@2']!.scores.accuracy!.value - 100) < 1e-9);
  const one = livecodebench.metrics!([unit('a', 0, true, 'easy'), unit('b', 0, false, 'medium')], 1);
  assert.deepEqual(Object.keys(one.metrics), ['pass@1']);
  assert.equal(one.metrics['pass@1']!.scores.accuracy!.value, 50);
});

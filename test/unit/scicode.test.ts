/**
 * ns_scicode: prompts for steps 1 and 2 of the real first SciCode problem
 * (EVALFLOW_DATASETS_DIR, default /work/shared/datasets), code extraction,
 * the prefilled steps (the real 13.6 / 62.1 / 76.3 files checked against
 * Python's ast), the test_data.h5 reader on a synthetic h5 file written here
 * with h5py, execute() with real Python on a synthetic 2-step problem whose
 * targets are in that file, readRows, and the metrics.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCICODE_STEP_TIMEOUT_MS, askedSteps, scicode, stepProgram, toProblem } from '../../benchmarks/scicode/index';
import { DEFAULT_TEMPLATE, extractFunctionName, extractPythonScript, functionSource } from '../../benchmarks/scicode/prompt';
import { MISSING_DATA_MARKER, SCICODE_SUPPORT_FILES } from '../../benchmarks/scicode/python';
import { scicodeMetrics } from '../../benchmarks/scicode/metrics';
import type { NextRequest, ScoredResponse } from '../../benchmarks/types';
import type { Sample, TurnResponse } from '../../lib/records/messages';
import type { SandboxJob, SandboxRunner } from '../../lib/engine/sandbox/types';
import { SandboxError } from '../../lib/engine/sandbox/types';
import { plainRunner } from '../support/plain-runner';

const DATASETS = process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets';
const PYTHON = '/usr/bin/python3';

function realFile(rel: string): string {
  const file = path.join(DATASETS, rel);
  if (!fs.existsSync(file)) assert.fail(`real SciCode data not found at ${file}: set EVALFLOW_DATASETS_DIR to the shared datasets folder`);
  return file;
}

function firstProblemRow(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(realFile('scicode/first_problem.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
}

function python(script: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
  if (r.status !== 0) assert.fail(`python3 failed (h5py/numpy/scipy installed? apt-get install -y python3-h5py python3-numpy python3-scipy):\n${r.stderr}`);
  return r.stdout;
}

/** SciCode's next request is computed without I/O, so synchronously. */
const nextSync = (...args: Parameters<NonNullable<typeof scicode.conversation>['next']>) => scicode.conversation!.next(...args) as NextRequest | null;
const turn = (content: string): TurnResponse => ({ content });

// --- prompts on the real first problem ---------------------------------------

test('prompt: step 1 of the real first problem (77.1) is NeMo-Skills eval/scicode/default with background', () => {
  const row = firstProblemRow();
  const sample = scicode.toSample(row, 0);
  assert.equal(sample.id, '77');
  const steps = (row.sub_steps as Record<string, string>[]).map((s) => s);
  const s1 = steps[0]!;
  const messages = scicode.prompt(sample, {});
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.role, 'user');
  const expected = DEFAULT_TEMPLATE.replace('{problem_steps_str}', '')
    .replace('{next_step_str}', `${s1.step_description_prompt}\n${s1.step_background}\n\n${s1.function_header}\n\n${s1.return_line}`)
    .replace('{dependencies}', String(row.required_dependencies));
  assert.equal(messages[0]!.content, expected);
  assert.ok(messages[0]!.content.startsWith('PROBLEM DESCRIPTION:\nYou will be provided with the main description of the problem, previous steps, and the next step.'));
  assert.ok(messages[0]!.content.includes('PREVIOUS STEPS DESCRIPTION:\n\n\nNEXT STEP - PROBLEM DESCRIPTION AND FUNCTION HEADER:'));
  assert.ok(messages[0]!.content.includes('def wrap(r, L):'));
  assert.ok(messages[0]!.content.endsWith('```\n/no_think'));
  // ++with_background=false drops the step background.
  const plain = scicode.prompt(sample, { benchmarkArgs: { with_background: 'False' } })[0]!.content;
  assert.ok(!plain.includes(s1.step_background));
  assert.throws(() => scicode.prompt(sample, { promptConfig: 'generic/math' }), /unsupported prompt_config "generic\/math"/);
  assert.throws(() => scicode.prompt(sample, { benchmarkArgs: { with_background: 'maybe' } }), /with_background must be true or false/);
});

test('conversation: step 2 (77.2) carries step 1 and the code extracted from the reply to it; the background prompt config', () => {
  const row = firstProblemRow();
  const sample = scicode.toSample(row, 0);
  const steps = row.sub_steps as Record<string, string>[];
  const reply1 = 'Background: PBC.\n```python\nimport numpy as np\n# Background: wrap\ndef wrap(r, L):\n    coord = np.mod(r, L)\n    return coord\n```\nDone.';
  // The import line and the newline before it go (SciCode's regex starts with ^\s*).
  const code1 = '\n# Background: wrap\ndef wrap(r, L):\n    coord = np.mod(r, L)\n    return coord\n';
  const next = nextSync(sample, [turn(reply1)], {});
  assert.ok(next);
  const s1 = steps[0]!;
  const s2 = steps[1]!;
  const expected = DEFAULT_TEMPLATE.replace('{problem_steps_str}', `${s1.step_description_prompt}\n${s1.step_background}\n\n${code1}`)
    .replace('{next_step_str}', `${s2.step_description_prompt}\n${s2.step_background}\n\n${s2.function_header}\n\n${s2.return_line}`)
    .replace('{dependencies}', String(row.required_dependencies));
  assert.equal(next.messages[0]!.content, expected);
  assert.ok(!next.messages[0]!.content.includes('import numpy as np\n# Background'), 'import lines are removed from the earlier code');

  // Step 3 shows steps 1 and 2 separated by "------".
  const third = nextSync(sample, [turn(reply1), turn('```python\ndef dist(r1, r2, L):\n    return 0.0\n```')], {})!;
  assert.ok(third.messages[0]!.content.includes(`${code1}\n\n------\n\n${s2.step_description_prompt}`));

  const all = (row.sub_steps as unknown[]).map(() => turn('```python\npass\n```'));
  assert.equal(nextSync(sample, all, {}), null);
  assert.ok(scicode.conversation!.maxTurns >= all.length);

  const bg = nextSync(sample, [turn(reply1)], { promptConfig: 'eval/scicode/background' })!.messages[0]!.content;
  assert.ok(bg.startsWith('PROBLEM DESCRIPTION:\nYou will be provided with problem steps along with background knowledge'));
  assert.ok(bg.includes(`PROBLEM STEPS AND FUNCTION CODE:\nHere, you'll find the Python code for the initial steps of the problem-solving process. This code is integral to building the solution.\n\n${s1.step_description_prompt}`));
  assert.ok(bg.endsWith('Please make sure your response python code in format of ```python```.'));
});

// --- extraction ---------------------------------------------------------------

test('extractPythonScript: SciCode extract_python_script (first ```python block, else first fence, else all; imports removed)', () => {
  assert.equal(extractPythonScript('text\n```python\nimport os\nfrom math import pi\ndef f():\n    return pi\n```\n```python\nx\n```'), '\n\ndef f():\n    return pi\n');
  assert.equal(extractPythonScript('```\ndef g(): pass\n```'), '\ndef g(): pass\n');
  assert.equal(extractPythonScript('def h():\n    import numpy as np\n    return np'), 'def h():\n\n    return np');
  assert.equal(extractPythonScript('```python\ndef k(): return 1'), '\ndef k(): return 1');
  // Against Python's own split / re.sub on awkward replies.
  const replies = [
    'a\n```python\n\n  import os, sys\nfrom x import (\n  y)\nfromage = 1\nimportant = 2\n```',
    'no fence\n   from a.b import c\nx = 1\n',
    '```\nfrom . import z\n```\n```python\nlast\n```',
  ];
  const script = [
    'import json, re, sys',
    'def ex(r):',
    "    s = (r.split('```python')[1].split('```')[0] if '```python' in r else r.split('```')[1].split('```')[0]) if '```' in r else r",
    "    return re.sub(r'^\\s*(import .*|from .*\\s+import\\s+.*)', '', s, flags=re.MULTILINE)",
    `print(json.dumps([ex(r) for r in json.loads(${JSON.stringify(JSON.stringify(replies))})]))`,
  ].join('\n');
  assert.deepEqual(replies.map(extractPythonScript), JSON.parse(python(script)));
});

test('extractFunctionName: def, else class with parentheses', () => {
  assert.equal(extractFunctionName('def wrap(r, L):\n    """x"""'), 'wrap');
  assert.equal(extractFunctionName('class Block(object):'), 'Block');
  assert.throws(() => extractFunctionName('class Block:'), /no function or class name/);
});

test('prefilled steps: the real 13.6 / 62.1 / 76.3 code extracted as Python ast finds it (get_function_from_code)', () => {
  const cases: [string, string][] = [
    ['scicode/prefilled_step_13.6.txt', '__init__'],
    ['scicode/prefilled_step_62.1.txt', '__init__'],
    ['scicode/prefilled_step_76.3.txt', 'generate_dna'],
  ];
  for (const [rel, name] of cases) {
    const text = fs.readFileSync(realFile(rel), 'utf8');
    const ours = functionSource(text, name);
    assert.ok(ours, `${rel}: ${name} found`);
    assert.ok(ours.startsWith(`def ${name}(`), `${rel}: starts at the def, dedented`);
    // Same code as ast.unparse of the first node named `name` in ast.walk order.
    const out = python(
      [
        'import ast, json, sys',
        `src = json.loads(${JSON.stringify(JSON.stringify(text))})`,
        `ours = json.loads(${JSON.stringify(JSON.stringify(ours))})`,
        `name = ${JSON.stringify(name)}`,
        'node = next(n for n in ast.walk(ast.parse(src)) if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)',
        'ref = ast.dump(ast.parse(ast.unparse(node)))',
        'print(ast.dump(ast.parse(ours)) == ref)',
      ].join('\n'),
    );
    assert.equal(out.trim(), 'True', `${rel}: our extraction parses to the same AST as SciCode's`);
  }
});

// --- synthetic problems ---------------------------------------------------------

function synthetic(id = '901'): Record<string, unknown> {
  return {
    problem_id: id,
    problem_name: 'doubling',
    problem_description_main: 'Double things.',
    problem_io: '',
    required_dependencies: 'import numpy as np',
    problem_background_main: '',
    general_tests: [],
    sub_steps: [
      {
        step_number: `${id}.1`,
        step_description_prompt: 'Write double(x).',
        function_header: "def double(x):\n    '''Return 2x.'''",
        test_cases: ['assert np.allclose(double(np.array([1.0, 2.0])), target)', 'assert np.allclose(double(3.0), target)'],
        return_line: '    return y',
        step_background: 'Background:\nMultiplication.',
      },
      {
        step_number: `${id}.2`,
        step_description_prompt: 'Write quad(x) using double.',
        function_header: "def quad(x):\n    '''Return 4x.'''",
        test_cases: ['from scicode.compare.cmp import cmp_tuple_or_list\nassert cmp_tuple_or_list((quad(1.0), quad(2.0)), target)'],
        return_line: '    return z',
        step_background: '',
      },
    ],
  };
}

/** A test_data.h5 with the synthetic problem's targets and every value shape the reader handles. */
function makeTestData(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scicode-h5-'));
  python(
    [
      'import numpy as np, h5py, scipy.sparse as sp',
      `f = h5py.File(${JSON.stringify(path.join(dir, 'test_data.h5'))}, "w")`,
      'f.create_dataset("901.1/test1/var1", data=np.array([2.0, 4.0]))',
      'f.create_dataset("901.1/test2/var1", data=6.0)',
      'f.create_dataset("901.2/test1/var1", data=4.0)',
      'f.create_dataset("901.2/test1/var2", data=8.0)',
      // reader shapes
      'f.create_dataset("800.1/test1/var1", data=np.arange(3))',
      'f.create_dataset("800.1/test2/var1", data=1.5)',
      'f.create_dataset("800.1/test2/var2", data="hello")',
      'f.create_dataset("800.1/test3/var1", data=np.bytes_(b"caf\\xc3\\xa9"))',
      'g = f.create_group("800.2/test1/var1/list")',
      'g.create_dataset("var1", data=1.0)',
      'g.create_dataset("var2", data=np.array([1, 2]))',
      'm = sp.csr_matrix(np.array([[0, 1.0], [2.0, 0]]))',
      's = f.create_group("800.2/test2/var1/sparse_matrix")',
      's.create_dataset("data", data=m.data); s.create_dataset("indices", data=m.indices); s.create_dataset("indptr", data=m.indptr); s.create_dataset("shape", data=m.shape)',
      'c = sp.coo_matrix(np.array([[0, 0], [3.0, 0]]))',
      'd = f.create_group("800.2/test3/var1")',
      'd.create_dataset("0.5", data=7.0)',
      'd.create_dataset("name", data="x")',
      'cs = d.create_group("mat").create_group("sparse_matrix")',
      'cs.create_dataset("data", data=c.data); cs.create_dataset("row", data=c.row); cs.create_dataset("col", data=c.col); cs.create_dataset("shape", data=c.shape)',
      'b = sp.bsr_matrix(np.eye(4), blocksize=(2, 2))',
      'bs = f.create_group("800.3/test1/var1/sparse_matrix")',
      'bs.create_dataset("data", data=b.data); bs.create_dataset("indices", data=b.indices); bs.create_dataset("indptr", data=b.indptr); bs.create_dataset("shape", data=b.shape); bs.create_dataset("blocksize", data=b.blocksize)',
      'f.create_dataset("800.4/test1", data=1.0)',
      'f.close()',
    ].join('\n'),
  );
  return dir;
}

let h5dir: string | undefined;
const tempDirs: string[] = [];
after(() => {
  for (const d of [h5dir, ...tempDirs]) if (d) fs.rmSync(d, { recursive: true, force: true });
});
function testDataDir(): string {
  h5dir ??= makeTestData();
  return h5dir;
}

test('h5 reader: datasets, tuples, strings, lists, csr/coo/bsr sparse matrices, dicts with float keys, errors', async () => {
  const dir = testDataDir();
  const check = [
    'import numpy as np, scipy.sparse as sp',
    'from scicode.parse.parse import process_hdf5_to_tuple',
    't = process_hdf5_to_tuple("800.1", 3)',
    'assert np.array_equal(t[0], np.arange(3)), t[0]',
    'assert isinstance(t[1], tuple) and t[1][0] == 1.5 and t[1][1] == "hello", t[1]',
    'assert t[2] == "café", t[2]',
    'u = process_hdf5_to_tuple("800.2", 3)',
    'assert isinstance(u[0], list) and u[0][0] == 1.0 and list(u[0][1]) == [1, 2], u[0]',
    'assert sp.isspmatrix_csr(u[1]) and (u[1].toarray() == np.array([[0, 1.0], [2.0, 0]])).all()',
    'assert set(u[2].keys()) == {0.5, "name", "mat"}, u[2].keys()',
    'assert u[2][0.5] == 7.0 and u[2]["name"] == "x" and sp.isspmatrix_coo(u[2]["mat"]) and u[2]["mat"].toarray()[1, 0] == 3.0',
    'v = process_hdf5_to_tuple("800.3", 1)',
    'assert sp.isspmatrix_bsr(v[0]) and (v[0].toarray() == np.eye(4)).all()',
    'try:',
    '    process_hdf5_to_tuple("800.4", 1)',
    '    raise SystemExit("a non-group test must fail")',
    'except FileNotFoundError as e:',
    '    assert "Path 800.4/test1 not found in the file." in str(e), e',
    'from scicode.compare.cmp import cmp_tuple_or_list, are_dicts_close',
    'assert cmp_tuple_or_list((1.0, np.array([1, 2]), True), (1.0 + 1e-9, np.array([1, 2]), True))',
    'assert not cmp_tuple_or_list((1.0,), (1.1,))',
    'assert are_dicts_close({"a": 1.0, 0.5: np.ones(2)}, {"a": 1.0, 0.5: np.ones(2)}) and not are_dicts_close({"a": 1}, {"b": 1})',
    'print("ok")',
  ].join('\n');
  const run = plainRunner({ dataDirs: { scicode: dir } });
  const r = await run({ files: { ...SCICODE_SUPPORT_FILES, 'main.py': check }, command: ['python3', 'main.py'], timeoutMs: 20_000, data: ['scicode'] });
  assert.equal(r.status, 'ok', r.stderr);
  assert.equal(r.stdout.trim(), 'ok');

  // Without the data configured, the reader fails with the marker.
  const missing = await plainRunner()({ files: { ...SCICODE_SUPPORT_FILES, 'main.py': 'from scicode.parse.parse import process_hdf5_to_tuple\nprocess_hdf5_to_tuple("901.1", 1)\n' }, command: ['python3', 'main.py'], timeoutMs: 20_000, data: ['scicode'] });
  assert.equal(missing.status, 'runtime_error');
  assert.match(missing.stderr, new RegExp(`${MISSING_DATA_MARKER}: EVALFLOW_DATA_SCICODE is not set`));
});

function sampleOf(row: Record<string, unknown>): Sample {
  return scicode.toSample(row, 0);
}

const GOOD1 = 'Background: doubling\n```python\ndef double(x):\n    return 2 * x\n```';
const GOOD2 = '```python\nimport numpy as np\ndef quad(x):\n    return double(double(x))\n```';

async function exec(turns: string[], runner: SandboxRunner = plainRunner({ dataDirs: { scicode: testDataDir() } })) {
  return scicode.execute!({ content: turns[turns.length - 1] ?? '', turns: turns.map(turn) }, sampleOf(synthetic()), runner);
}

function statuses(details: Record<string, unknown> | undefined): string[] {
  return (details!.tests as { status: string }[]).map((t) => t.status);
}

test('stepProgram: dependencies, earlier code, this step, then the SciCode test harness', () => {
  const problem = toProblem(synthetic(), 0);
  assert.equal(
    stepProgram(problem, 1, ['def double(x):\n    return 2 * x\n'], 'def quad(x):\n    return 4 * x\n'),
    'import numpy as np\ndef double(x):\n    return 2 * x\n\n\ndef quad(x):\n    return 4 * x\n' +
      '\n\nfrom scicode.parse.parse import process_hdf5_to_tuple\n\n' +
      "targets = process_hdf5_to_tuple('901.2', 1)\n" +
      'target = targets[0]\n\nfrom scicode.compare.cmp import cmp_tuple_or_list\nassert cmp_tuple_or_list((quad(1.0), quad(2.0)), target)\n',
  );
  assert.ok(stepProgram(problem, 0, [], 'X').startsWith('import numpy as np\n\nX\n\nfrom scicode.parse.parse'));
});

test('execute (real Python): both steps pass → problem correct', async () => {
  const score = await exec([GOOD1, GOOD2]);
  assert.deepEqual(statuses(score.details), ['passed', 'passed'], JSON.stringify(score.details));
  assert.equal(score.correct, true);
  assert.equal(score.predicted, '2/2');
  assert.equal(score.details!.subtasks_total, 2);
  assert.equal(score.details!.subtasks_passed, 2);
  assert.deepEqual((score.details!.tests as { test: number }[]).map((t) => t.test), [0, 1]);
});

test('execute (real Python): a wrong step 2 fails only step 2', async () => {
  const score = await exec([GOOD1, '```python\ndef quad(x):\n    return 3 * x\n```']);
  assert.deepEqual(statuses(score.details), ['passed', 'wrong_answer']);
  assert.equal(score.correct, false);
  assert.equal(score.details!.subtasks_passed, 1);
});

test('execute (real Python): a step 1 that does not compile fails step 1 and, since its code is in step 2\'s program, step 2', async () => {
  const score = await exec(['```python\ndef double(x)\n    return 2 * x\n```', GOOD2]);
  assert.deepEqual(statuses(score.details), ['runtime_error', 'runtime_error']);
  assert.match((score.details!.tests as { detail?: string }[])[1]!.detail ?? '', /SyntaxError/);
  // A step 1 that compiles but is wrong leaves an independent step 2 alone.
  const wrong = await exec(['```python\ndef double(x):\n    return x\n```', '```python\ndef quad(x):\n    return 4 * x\n```']);
  assert.deepEqual(statuses(wrong.details), ['wrong_answer', 'passed']);
});

test('execute (real Python): a step that runs too long times out (30 s per step, shortened here)', async () => {
  const base = plainRunner({ dataDirs: { scicode: testDataDir() } });
  const limits: number[] = [];
  const jobs: SandboxJob[] = [];
  const score = await exec(['```python\ndef double(x):\n    while True:\n        pass\n```', '```python\ndef quad(x):\n    return 4 * x\n```'], (job) => {
    limits.push(job.timeoutMs);
    jobs.push(job);
    return base({ ...job, timeoutMs: 1500 });
  });
  assert.deepEqual(limits, [SCICODE_STEP_TIMEOUT_MS, SCICODE_STEP_TIMEOUT_MS]);
  assert.equal(SCICODE_STEP_TIMEOUT_MS, 30_000);
  assert.deepEqual(jobs[0]!.data, ['scicode']);
  assert.ok(jobs[0]!.files['scicode/parse/parse.py']);
  assert.deepEqual(statuses(score.details), ['timeout', 'passed']);
  assert.equal(score.correct, false);
});

test('execute: missing test data is a configuration error, a SandboxError propagates, missing replies are not run', async () => {
  await assert.rejects(exec([GOOD1, GOOD2], plainRunner()), /test_data\.h5.*EVALFLOW_SCICODE_DATA_DIR/s);
  const noFile = fs.mkdtempSync(path.join(os.tmpdir(), 'scicode-empty-'));
  tempDirs.push(noFile);
  await assert.rejects(exec([GOOD1, GOOD2], plainRunner({ dataDirs: { scicode: noFile } })), /test_data\.h5 does not exist.*EVALFLOW_SCICODE_DATA_DIR/s);
  await assert.rejects(
    exec([GOOD1, GOOD2], async () => {
      throw new SandboxError('bwrap died');
    }),
    SandboxError,
  );
  const partial = await exec([GOOD1]);
  assert.deepEqual(statuses(partial.details), ['passed', 'not_run']);
  assert.equal(partial.correct, false);
  await assert.rejects(exec([GOOD1, GOOD2, GOOD2]), /3 replies for 2 asked sub-steps/);
  await assert.rejects(scicode.execute!({ content: GOOD2 }, sampleOf(synthetic()), plainRunner()), /no per-call turns/);
});

// --- prefilled problems and data loading -------------------------------------------

test('prefilled step: problem 62 step 62.1 is never asked; its reference code is the earlier code of 62.2', () => {
  const row = synthetic('62');
  const steps = row.sub_steps as Record<string, unknown>[];
  steps[0]!.function_header = 'class Block:\n    def __init__(self, length, basis_size, operator_dict):';
  assert.throws(() => scicode.toSample(row, 5), /row 5: problem 62: step 62\.1 is filled with SciCode's reference code.*prefilled_step_62\.1\.txt/);
  const text = 'class Block:\n    def __init__(self, length, basis_size, operator_dict):\n        # keep\n        self.length = length\n\n    def print_all(self):\n        print(self.length)\n';
  const sample = scicode.toSample({ ...row, prefilled_code: text }, 0);
  const problem = sample.data.problem as ReturnType<typeof toProblem>;
  assert.deepEqual(askedSteps(problem), [1]);
  assert.equal(sample.expected, '62.2');
  const content = scicode.prompt(sample, {})[0]!.content;
  assert.ok(
    content.includes('Write double(x).\nBackground:\nMultiplication.\n\ndef __init__(self, length, basis_size, operator_dict):\n    # keep\n    self.length = length\n\nNEXT STEP - PROBLEM DESCRIPTION AND FUNCTION HEADER:'),
    content,
  );
  assert.ok(content.includes('Write quad(x) using double.'));
  assert.equal(nextSync(sample, [turn('```python\ndef quad(x): pass\n```')], {}), null);
});

test('readRows: test_aai = dev + test, prefilled code attached, clear errors for missing files', async () => {
  const files: Record<string, Record<string, unknown>[]> = {
    'scicode/dev.jsonl': [synthetic('901')],
    'scicode/test.jsonl': [{ ...synthetic('13'), sub_steps: Array.from({ length: 6 }, (_, i) => ({ ...(synthetic('13').sub_steps as object[])[0]!, step_number: `13.${i + 1}` })) }],
    'scicode/prefilled_step_13.6.txt': [{ text: 'class Maxwell:\n    def __init__(self, n_grid, x_out):\n        self.n_grid = n_grid\n' }],
  };
  const read = async (p: string) => files[p] ?? null;
  const rows = await scicode.dataset.readRows!(read, 'test_aai');
  assert.deepEqual(rows.map((r) => r.problem_id), ['901', '13']);
  assert.equal(rows[1]!.prefilled_code, files['scicode/prefilled_step_13.6.txt']![0]!.text);
  assert.deepEqual(scicode.dataset.splits, ['test_aai', 'test', 'dev', 'first_problem']);
  assert.equal(scicode.dataset.split, 'test_aai');
  await assert.rejects(scicode.dataset.readRows!(async (p) => (p.includes('prefilled') ? null : (files[p] ?? null)), 'test'), /put it at scicode\/prefilled_step_13\.6\.txt/);
  await assert.rejects(scicode.dataset.readRows!(async () => null, 'dev'), /no scicode\/dev\.jsonl for dataset_split "dev"/);
  await assert.rejects(scicode.dataset.readRows!(read, 'train'), /unknown dataset_split "train"/);
  const real = await scicode.dataset.readRows!(async (p) => (p === 'scicode/first_problem.jsonl' ? [firstProblemRow()] : null), 'first_problem');
  assert.equal(real.length, 1);
});

test('toSample: malformed rows name the field', () => {
  assert.throws(() => scicode.toSample({ ...synthetic(), sub_steps: [] }, 2), /row 2: "sub_steps" must be a non-empty list/);
  const bad = synthetic();
  (bad.sub_steps as Record<string, unknown>[])[1]!.test_cases = 'assert x';
  assert.throws(() => scicode.toSample(bad, 4), /row 4: sub_steps\[1\]\."test_cases" must be a non-empty list of strings/);
  assert.throws(() => scicode.toSample({ ...synthetic(), required_dependencies: null }, 1), /"required_dependencies" must be a string/);
  // Scored by running each sub-step's tests: an executed benchmark without score().
  assert.equal(scicode.kind, 'executed');
  assert.equal('score' in scicode, false);
});

// --- metrics --------------------------------------------------------------------

function unit(id: string, repeat: number, passed: number, total: number): ScoredResponse {
  return { sample_id: id, repeat, predicted: `${passed}/${total}`, correct: passed === total, details: { subtasks_total: total, subtasks_passed: passed } };
}

test('metrics: problem_accuracy and subtask_accuracy (normalised by evaluated sub-steps) as NeMo-Skills SciCodeMetrics', () => {
  const one = scicodeMetrics([unit('a', 0, 3, 3), unit('b', 0, 1, 2)], 1);
  assert.deepEqual(Object.keys(one.metrics), ['pass@1']);
  assert.equal(one.metrics['pass@1']!.scores.problem_accuracy!.value, 50);
  assert.ok(Math.abs(one.metrics['pass@1']!.scores.subtask_accuracy!.value - 80) < 1e-9);
  assert.equal(one.metrics['pass@1']!.scores.subtask_accuracy!.stats.count, 5);
  assert.equal(one.metrics['pass@1']!.scores.subtask_accuracy!.stats.num_problems, 2);

  const two = scicodeMetrics([unit('a', 0, 3, 3), unit('a', 1, 1, 3), unit('b', 0, 0, 2), unit('b', 1, 2, 2)], 2);
  assert.deepEqual(Object.keys(two.metrics), ['pass@1[avg-of-2]', 'pass@2']);
  const avg = two.metrics['pass@1[avg-of-2]']!.scores;
  assert.equal(avg.problem_accuracy!.value, 50);
  assert.ok(Math.abs(avg.subtask_accuracy!.value - 60) < 1e-9, String(avg.subtask_accuracy!.value));
  // Runs: (3+0)/5 = 60 %, (1+2)/5 = 60 % → no spread across repeats.
  assert.ok(Math.abs(avg.subtask_accuracy!.stats.std_dev_across_repeats!) < 1e-9);
  assert.equal(two.metrics['pass@2']!.scores.problem_accuracy!.value, 100);
  assert.equal(two.metrics['pass@2']!.scores.subtask_accuracy!.value, 100);

  assert.throws(() => scicodeMetrics([unit('a', 0, 1, 1)], 2), /expected 2 distinct repeats/);
  assert.throws(() => scicodeMetrics([{ sample_id: 'x', repeat: 0, predicted: null, correct: false }], 1), /no valid details\.subtasks_total/);
});

/**
 * LiveCodeBench code generation — NeMo Evaluator task `ns_livecodebench`
 * (NeMo-Skills dataset `livecodebench`).
 *
 * Data: Hub `livecodebench/code_generation_lite`, files `test.jsonl`,
 * `test2.jsonl` … `test6.jsonl`; release vN is the first N files (the Hub
 * loading script's ALLOWED_FILES: release_v1 = test.jsonl, …, release_v6 =
 * test.jsonl … test6.jsonl). Locally: the same files under
 * `<dataset dir>/livecodebench/`.
 * Splits: NeMo-Skills `nemo_skills/dataset/livecodebench/prepare.py` names a
 * split `test_<release>_<YYMM>_<YYMM>` and keeps the problems whose
 * `contest_date` day lies between the first day of the start month and the
 * last day of the end month, both included. Default `test_v6_2408_2505`
 * (the dataset's EVAL_SPLIT, "current default in lb"); the published Nemotron
 * config selects `test_v5_2407_2412` ("aai split") with `dataset_split`.
 * Prompt: NeMo-Skills `eval/livecodebench/python_codegen` (the dataset's
 * prompt config) over the `question` field prepare.py builds — see
 * `lcbQuestion`.
 * Extraction: NeMo-Skills 0b012df8 `evaluation/evaluator/code.py`
 * `preprocess_code` — see `extractCode`.
 * Scoring: every public and private test must pass, graded as the grader
 * NeMo-Skills 0b012df8 installs (github.com/wasiahmad/livecodebench, branch
 * `livecodebench`, 5927b61d: `testing_util.run_test` in one process per
 * generation — harness.ts), 6 s per test (LiveCodeBenchEvaluatorConfig.timeout
 * = 6, LCB's default), stopping at the first failure.
 * Metrics: NeMo-Skills `LiveCodeBenchMetrics` (metrics type `livecodebench`):
 * score `accuracy`, `pass@1[avg-of-k]` and `pass@k` only (no majority, no
 * no_answer), per difficulty as subsets (`subset_for_metrics = difficulty`).
 */
import { createHash } from 'node:crypto';
import type { ExecutedBenchmark, ScoredResponse, UnitScore } from '../types';
import type { DatasetFileReader, PromptOptions } from '../../lib/records/benchmark-data';
import type { ChatMessage, Sample, UnitResponse } from '../../lib/records/messages';
import type { SandboxRunner, SandboxResult, TestCaseResult } from '../../lib/engine/sandbox/types';
import { computeMetrics } from '../../lib/engine/metrics';
import { type TaskMetrics } from '../../lib/records/artifacts';
import { rowString } from '../families/rows';
import { parsePrivateTestCases } from './pickle';
import { LCB_HARNESS } from './harness';

const TASK = 'ns_livecodebench';

// --- data and splits ---------------------------------------------------------

/** The Hub files in release order; release vN reads the first N. */
export const LCB_FILES = ['test.jsonl', 'test2.jsonl', 'test3.jsonl', 'test4.jsonl', 'test5.jsonl', 'test6.jsonl'] as const;

export const LCB_DEFAULT_SPLIT = 'test_v6_2408_2505';

/**
 * Split names NeMo-Skills prepares or documents (prepare.py DEFAULT_SPLITS and
 * its sample counts); any `test_v<1-6>_<YYMM>_<YYMM>` is accepted as well.
 */
export const LCB_SPLITS = [
  'test_v6_2408_2505',
  'test_v5_2408_2502',
  'test_v5_2407_2412',
  'test_v5_2410_2502',
  'test_v5_2410_2504',
  'test_v6_2408_2502',
  'test_v6_2410_2502',
  'test_v6_2410_2504',
] as const;

export interface LcbSplit {
  release: number;
  /** First contest month included, "YYYY-MM". */
  from: string;
  /** Last contest month included, "YYYY-MM". */
  to: string;
  files: string[];
}

const SPLIT_FORM = 'test_v<1-6>_<YYMM>_<YYMM> (e.g. test_v6_2408_2505: release v6, contests from 2024-08-01 to 2025-05-31)';

export function parseLcbSplit(split: string): LcbSplit {
  const m = /^test_v([1-6])_(\d\d)(\d\d)_(\d\d)(\d\d)$/.exec(split);
  if (!m) throw new Error(`${TASK}: unknown dataset_split "${split}"; expected ${SPLIT_FORM}; known: ${LCB_SPLITS.join(', ')}`);
  const [, rel, y1, m1, y2, m2] = m as unknown as [string, string, string, string, string, string];
  for (const mm of [m1, m2]) {
    if (Number(mm) < 1 || Number(mm) > 12) throw new Error(`${TASK}: dataset_split "${split}" has month ${mm}; expected ${SPLIT_FORM}`);
  }
  const from = `20${y1}-${m1}`;
  const to = `20${y2}-${m2}`;
  if (from > to) throw new Error(`${TASK}: dataset_split "${split}" starts (${from}) after it ends (${to})`);
  const release = Number(rel);
  return { release, from, to, files: LCB_FILES.slice(0, release) };
}

/** `contest_date` as the reference parses it (`%Y-%m-%dT%H:%M:%S`), returning "YYYY-MM-DD". */
function contestDay(raw: Record<string, unknown>, index: number, file: string): string {
  const v = raw.contest_date;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(v)) {
    throw new Error(`${TASK} ${file} row ${index}: "contest_date" must be a string like "2024-08-03T00:00:00", got ${JSON.stringify(v)}`);
  }
  return v.slice(0, 10);
}

/** Whether a contest day lies in the split's window (prepare.py: `start_date <= input_date <= end_date`). */
export function inLcbWindow(day: string, split: LcbSplit): boolean {
  const month = day.slice(0, 7);
  return month >= split.from && month <= split.to;
}

async function readLcbRows(read: DatasetFileReader, splitName: string) {
  const split = parseLcbSplit(splitName);
  const out: Record<string, unknown>[] = [];
  for (const file of split.files) {
    // Filtered while streaming: the release files are gigabytes (test.jsonl alone ~1.25 GB).
    const rows = await read(`livecodebench/${file}`, file, (row, i) => inLcbWindow(contestDay(row, i, file), split));
    if (rows === null) {
      throw new Error(
        `${TASK}: ${file} is missing; split ${splitName} (release v${split.release}) needs ${split.files.join(', ')} ` +
          `from livecodebench/code_generation_lite (locally under <dataset dir>/livecodebench/)`,
      );
    }
    out.push(...rows);
  }
  return out;
}

// --- rows → samples ----------------------------------------------------------

export interface LcbTest {
  input: string;
  output: string;
}

export type LcbMode = 'stdin' | 'functional';

const PLATFORMS = ['leetcode', 'codeforces', 'atcoder'];
const DIFFICULTIES = ['easy', 'medium', 'hard'];

function parseTests(value: unknown, field: string, index: number): LcbTest[] {
  if (!Array.isArray(value)) throw new Error(`${TASK} row ${index}: "${field}" must hold a JSON list of tests, got ${typeof value}`);
  return value.map((t, j) => {
    const item = t as Record<string, unknown> | null;
    if (!item || typeof item !== 'object' || typeof item.input !== 'string' || typeof item.output !== 'string') {
      throw new Error(`${TASK} row ${index}: ${field}[${j}] must be {input: string, output: string, testtype}`);
    }
    // LCB's Test dataclass: TestType(testtype) accepts only these two
    if (item.testtype !== 'stdin' && item.testtype !== 'functional') {
      throw new Error(`${TASK} row ${index}: ${field}[${j}].testtype must be "stdin" or "functional", got ${JSON.stringify(item.testtype)}`);
    }
    return { input: item.input, output: item.output };
  });
}

/** LCB CodeGenerationProblem: public tests (JSON, "" = none) then private tests (JSON, or base64/zlib/pickle). */
export function lcbTests(raw: Record<string, unknown>, index: number): LcbTest[] {
  const pub = raw.public_test_cases;
  let publicTests: LcbTest[] = [];
  if (pub !== '' && pub !== null && pub !== undefined) {
    if (typeof pub !== 'string') throw new Error(`${TASK} row ${index}: "public_test_cases" must be a JSON string, got ${typeof pub}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(pub);
    } catch (err) {
      throw new Error(`${TASK} row ${index}: "public_test_cases" is not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    publicTests = parseTests(parsed, 'public_test_cases', index);
  }
  const priv = rowString(TASK, raw, 'private_test_cases', index);
  let privateTests: unknown;
  try {
    privateTests = parsePrivateTestCases(priv);
  } catch (err) {
    throw new Error(
      `${TASK} row ${index}: "private_test_cases" is neither JSON nor base64(zlib(pickle(JSON))): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return [...publicTests, ...parseTests(privateTests, 'private_test_cases', index)];
}

/** The prompt's format instructions (prepare.py PromptConstants, from LiveCodeBench's code_generation prompt). */
export const LCB_FORMATTING_WITH_STARTER_CODE =
  'You will use the following starter code to write the solution to the problem and enclose your code within delimiters.';
export const LCB_FORMATTING_WITHOUT_STARTER_CODE =
  'Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, it reads the inputs, runs the algorithm and writes output to STDOUT.';

/**
 * NeMo-Skills prepare.py `clean_data` → `question`: the statement, the format
 * message and the starter code (or a `# YOUR CODE HERE` block), and then every
 * run of four spaces replaced by a tab, as prepare.py does.
 */
export function lcbQuestion(questionContent: string, starterCode: string): string {
  let q = `${questionContent}\n\n`;
  if (starterCode) {
    q += `${LCB_FORMATTING_WITH_STARTER_CODE}\n`;
    q += `\`\`\`python\n${starterCode}\n\`\`\`\n\n`;
  } else {
    q += `${LCB_FORMATTING_WITHOUT_STARTER_CODE}\n\n`;
    q += '```python\n# YOUR CODE HERE\n```\n\n';
  }
  return q.replaceAll('    ', '\t');
}

// --- prompt ------------------------------------------------------------------

/** NeMo-Skills prompt configs whose user message is built from `{question}`. */
export const LCB_PROMPT_CONFIGS: Readonly<Record<string, (question: string) => string>> = {
  // nemo_skills/prompt/config/eval/livecodebench/python_codegen.yaml
  'eval/livecodebench/python_codegen': (q) => `Here is a problem for which you need to generate an executable code in python programming language.\n\n${q}`,
  // nemo_skills/prompt/config/eval/livecodebench/python_codegen_reasoning.yaml
  'eval/livecodebench/python_codegen_reasoning': (q) =>
    `You are a helpful and harmless assistant. You should think step-by-step before responding to the instruction below.\n\n${q}`,
};
export const LCB_DEFAULT_PROMPT_CONFIG = 'eval/livecodebench/python_codegen';

export function lcbUserPrompt(question: string, promptConfig?: string): string {
  const config = promptConfig ?? LCB_DEFAULT_PROMPT_CONFIG;
  const build = LCB_PROMPT_CONFIGS[config];
  if (!build) throw new Error(`${TASK}: unsupported prompt_config "${config}" (supported: ${Object.keys(LCB_PROMPT_CONFIGS).join(', ')})`);
  return build(question);
}

// --- extraction --------------------------------------------------------------

/** Python `str.strip()` whitespace (str.isspace). */
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * NeMo-Skills 0b012df8 `preprocess_code(generation_dict, language="python")`
 * (nemo_skills/evaluation/evaluator/code.py), which eval_livecodebench applies
 * to every generation: the text is `.strip()`ped and its carriage returns
 * removed; when it contains `<think>`, it becomes the text after the first
 * `</think>` (stripped), or nothing when `</think>` is missing (a lone
 * `</think>` without `<think>` changes nothing); then the FIRST "```python"
 * is taken — failing that the FIRST "```" (so "```py" leaves "py" as the
 * code's first line) — and the code runs from there to the next "```"; without
 * a closing fence the rest of the text is kept (a truncated block still runs);
 * text without any fence is kept whole. Returns null when nothing is left
 * (the reference then grades an empty program, which fails).
 */
export function extractCode(text: string): string | null {
  let completion = pyStrip(text).replace(/\r/g, '');
  if (completion.includes('<think>')) {
    const end = completion.indexOf('</think>');
    if (end === -1) return null;
    completion = pyStrip(completion.slice(end + '</think>'.length));
  }
  const specific = '```python';
  const generic = '```';
  let start = completion.indexOf(specific);
  let fenceLen = specific.length;
  if (start === -1) {
    start = completion.indexOf(generic);
    fenceLen = generic.length;
  }
  if (start !== -1) {
    completion = pyStrip(completion.slice(start + fenceLen));
    const end = completion.indexOf(generic);
    if (end !== -1) completion = pyStrip(completion.slice(0, end));
  }
  return completion === '' ? null : completion;
}

// --- execution ---------------------------------------------------------------

/** LCB per-test timeout: 6 s (NeMo-Skills LiveCodeBenchEvaluatorConfig.timeout, LCB run_test default). */
export const LCB_TIMEOUT_MS = 6000;

/**
 * The wall limit of the grading process: the reference's check_correctness
 * joins it for (timeout + 1) · tests + 5 seconds and counts every test failed
 * when it left no result.
 */
export function lcbProcessLimitMs(timeoutS: number, tests: number): number {
  return ((timeoutS + 1) * tests + 5) * 1000;
}

const DETAIL_MAX = 400;

function bounded(s: string, max = DETAIL_MAX): string {
  return s.length <= max ? s : `${s.slice(0, max / 2)} … ${s.slice(-max / 2)}`;
}

interface HarnessVerdict {
  results?: (boolean | number)[];
  metadata?: { error_code?: number; error_message?: string; error?: string };
  times?: number[];
  crashed?: string;
}

function verdictOf(result: SandboxResult, marker: string): HarnessVerdict | null {
  const at = result.stdout.lastIndexOf(marker);
  if (at === -1) return null;
  const line = result.stdout.slice(at + marker.length).split('\n', 1)[0] ?? '';
  try {
    const v = JSON.parse(line) as HarnessVerdict;
    if (!v || typeof v !== 'object') return null;
    if (v.crashed === undefined && !Array.isArray(v.results)) return null;
    return v;
  } catch {
    return null;
  }
}

function sampleTests(sample: Sample): { mode: LcbMode; funcName: string | null; tests: LcbTest[] } {
  const d = sample.data;
  const mode = d.mode;
  if (mode !== 'stdin' && mode !== 'functional') throw new Error(`${TASK} sample ${sample.id}: data.mode must be "stdin" or "functional"`);
  const tests = d.tests;
  if (!Array.isArray(tests)) throw new Error(`${TASK} sample ${sample.id}: data.tests must be a list`);
  const funcName = typeof d.func_name === 'string' ? d.func_name : null;
  if (mode === 'functional' && !funcName) throw new Error(`${TASK} sample ${sample.id}: a functional problem needs data.func_name`);
  return { mode, funcName, tests: tests as LcbTest[] };
}

export interface LcbExecuteOptions {
  /** Per-test limit in ms (whole seconds, as the reference's signal.alarm); LCB's 6 s unless a test overrides it. */
  timeoutMs?: number;
}

/** A reference result code (testing_util) as evalflow's per-test status. */
function statusOf(code: boolean | number): TestCaseResult['status'] {
  if (code === true || (typeof code === 'number' && code > 0)) return 'passed';
  if (code === -3) return 'timeout';
  if (code === -2 || code === false || code === 0) return 'wrong_answer';
  return 'runtime_error';
}

/**
 * Grade the extracted program on all of the sample's tests in ONE sandbox job,
 * as the reference grades one generation in one process (harness.ts): tests
 * run in order and grading stops at the first failure (the rest `not_run`).
 * The unit is correct when every result the grader returned is a pass
 * (pass_k_utils.extract_instance_results: all(g > 0)); a process that ends
 * without a verdict (killed at the reference's (timeout + 1) · tests + 5 s,
 * os._exit, a crash) fails every test, as check_correctness does.
 */
export async function executeLiveCodeBench(response: UnitResponse, sample: Sample, run: SandboxRunner, opts: LcbExecuteOptions = {}): Promise<UnitScore> {
  const timeoutS = Math.max(1, Math.round((opts.timeoutMs ?? LCB_TIMEOUT_MS) / 1000));
  const { mode, funcName, tests } = sampleTests(sample);
  const code = extractCode(response.content ?? '');
  const results: TestCaseResult[] = tests.map((_, i) => ({ test: i, status: 'not_run' }));
  if (code === null) {
    return { predicted: null, correct: false, details: { mode, tests: results, passed_tests: 0, total_tests: tests.length } };
  }
  // Verdict-line prefix, unguessable by the program yet deterministic for a given unit.
  const marker = `@@evalflow-lcb-${createHash('sha256').update(`${sample.id}\0${code}`).digest('hex').slice(0, 24)}@@`;
  const limitMs = lcbProcessLimitMs(timeoutS, tests.length);
  const result = await run({
    files: {
      'main.py': LCB_HARNESS,
      'solution.py': code,
      'tests.json': JSON.stringify({
        marker,
        mode,
        func_name: funcName,
        timeout: timeoutS,
        inputs: tests.map((t) => t.input),
        outputs: tests.map((t) => t.output),
      }),
    },
    command: ['python3', 'main.py'],
    stdin: '',
    timeoutMs: limitMs,
  });
  const verdict = verdictOf(result, marker);
  let correct = false;
  if (verdict && Array.isArray(verdict.results)) {
    const codes = verdict.results;
    codes.forEach((c, i) => {
      if (i >= results.length) return;
      const entry: TestCaseResult = { test: i, status: statusOf(c) };
      const ms = verdict.times?.[i];
      if (typeof ms === 'number') entry.wall_ms = ms;
      results[i] = entry;
    });
    const failed = codes.findIndex((c) => statusOf(c) !== 'passed');
    if (failed !== -1 && failed < results.length) {
      const m = verdict.metadata ?? {};
      const entry = results[failed] as TestCaseResult;
      entry.detail = bounded([m.error_message, m.error].filter((x) => typeof x === 'string' && x !== '').join(': ') || `result ${String(codes[failed])}`);
      if (entry.status === 'timeout') entry.detail = `Time Limit Exceeded (${timeoutS} s): ${entry.detail}`;
    }
    correct = codes.every((c) => statusOf(c) === 'passed');
  } else {
    const first = results[0];
    if (first) {
      if (result.status === 'timeout') {
        first.status = 'timeout';
        first.detail = `the grading process did not finish within ${limitMs / 1000} s ((${timeoutS} + 1) s per test + 5 s, the reference's global limit): every test fails`;
      } else {
        first.status = 'runtime_error';
        first.detail = bounded(
          verdict?.crashed
            ? `the grading process ended on ${verdict.crashed} (outside any test): every test fails`
            : `the grading process ended without a verdict (os._exit, a crash or a signal; ${result.status}, exit code ${result.exitCode ?? '-'}${result.signal ? `, ${result.signal}` : ''}): every test fails`,
        );
      }
      first.wall_ms = result.wallMs;
    }
  }
  const passed = results.filter((r) => r.status === 'passed').length;
  return {
    predicted: code,
    correct,
    details: { mode, tests: results, passed_tests: passed, total_tests: tests.length },
  };
}

// --- metrics -----------------------------------------------------------------

/** NeMo-Skills LiveCodeBenchMetrics: _compute_pass_at_k only — no majority@k, no no_answer. */
function lcbShape(m: TaskMetrics): TaskMetrics {
  const out: TaskMetrics = {};
  for (const [name, group] of Object.entries(m)) {
    if (name.startsWith('majority@')) continue;
    const scores = { ...group.scores };
    delete scores.no_answer;
    out[name] = { scores };
  }
  return out;
}

export function lcbMetrics(units: ScoredResponse[], repeats: number) {
  const { metrics, subsets } = computeMetrics(
    units.map((u) => ({ sample_id: u.sample_id, repeat: u.repeat, correct: u.correct, predicted: u.predicted, subset: u.subset })),
    repeats,
    'accuracy',
  );
  const bySubset: Record<string, TaskMetrics> = {};
  for (const [name, m] of Object.entries(subsets)) bySubset[name] = lcbShape(m);
  return { metrics: lcbShape(metrics), subsets: bySubset };
}

// --- the benchmark -----------------------------------------------------------

export const livecodebench: ExecutedBenchmark = {
  kind: 'executed',
  name: TASK,
  scorerVersion: '2',
  description:
    'LiveCodeBench code generation (test_v6_2408_2505: 454 problems), NeMo-Skills python_codegen prompt, first ```python block (NeMo-Skills 0b012df8), all tests pass in the sandbox (LCB testing_util grading, 6 s/test); pass@1[avg-of-k], pass@k',
  dataset: {
    hfRepo: 'livecodebench/code_generation_lite',
    hfConfig: 'default',
    split: LCB_DEFAULT_SPLIT,
    splits: LCB_SPLITS,
    localFile: 'livecodebench',
    readRows: readLcbRows,
  },
  promptConfigs: Object.keys(LCB_PROMPT_CONFIGS),
  // NeMo-Skills sets no generation parameters for livecodebench; its inference default is greedy.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const id = rowString(TASK, raw, 'question_id', index);
    const content = rowString(TASK, raw, 'question_content', index);
    const starter = raw.starter_code === null || raw.starter_code === undefined ? '' : rowString(TASK, raw, 'starter_code', index);
    const difficulty = rowString(TASK, raw, 'difficulty', index);
    if (!DIFFICULTIES.includes(difficulty)) throw new Error(`${TASK} row ${index}: "difficulty" must be one of ${DIFFICULTIES.join(', ')}, got ${JSON.stringify(difficulty)}`);
    const platform = rowString(TASK, raw, 'platform', index);
    if (!PLATFORMS.includes(platform)) throw new Error(`${TASK} row ${index}: "platform" must be one of ${PLATFORMS.join(', ')}, got ${JSON.stringify(platform)}`);
    const metaText = rowString(TASK, raw, 'metadata', index);
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(metaText) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${TASK} row ${index}: "metadata" is not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw new Error(`${TASK} row ${index}: "metadata" must be a JSON object`);
    const fn = metadata.func_name;
    if (fn !== undefined && fn !== null && (typeof fn !== 'string' || fn === '')) {
      throw new Error(`${TASK} row ${index}: metadata.func_name must be a non-empty string, got ${JSON.stringify(fn)}`);
    }
    const funcName = typeof fn === 'string' ? fn : null;
    const tests = lcbTests(raw, index);
    if (tests.length === 0) throw new Error(`${TASK} row ${index} (${id}): the problem has no tests`);
    // LCB run_test: call-based when the metadata names a function, stdin otherwise
    const mode: LcbMode = funcName ? 'functional' : 'stdin';
    return {
      id,
      expected: `${tests.length} ${mode} test(s) pass`,
      subset: difficulty,
      data: {
        question: lcbQuestion(content, starter),
        question_title: typeof raw.question_title === 'string' ? raw.question_title : '',
        platform,
        contest_date: typeof raw.contest_date === 'string' ? raw.contest_date : null,
        difficulty,
        mode,
        func_name: funcName,
        tests,
      },
    };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    const messages: ChatMessage[] = [];
    if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
    messages.push({ role: 'user', content: lcbUserPrompt(String(sample.data.question), options.promptConfig) });
    return messages;
  },

  execute(response: UnitResponse, sample: Sample, run: SandboxRunner): Promise<UnitScore> {
    return executeLiveCodeBench(response, sample, run);
  },

  metrics: lcbMetrics,
};

/**
 * SciCode — research-level scientific coding: 80 problems split into 338
 * sub-steps (Hub `SciCode1/SciCode`: validation 15 problems / 50 sub-steps,
 * test 65 / 288). NeMo Evaluator task `ns_scicode` (NeMo-Skills dataset `scicode`).
 *
 * Data (NeMo-Skills `dataset/scicode/prepare.py`: the Hub's `validation` split
 * is written as `dev.jsonl`, `test` as `test.jsonl`, both together as
 * `test_aai.jsonl`): `dataset_split` test_aai (default, all 80 — the split
 * NeMo-Skills' scicode module evaluated by default "for consistency with AAI";
 * its newest revision switched to `test`), test, dev, or first_problem (the
 * single-problem file from SciCode's own tests, for smoke runs). Files are read
 * from `scicode/<split>.jsonl` in the dataset directory. The three prefilled
 * sub-steps' reference code (SciCode `eval/data/13.6.txt`, `62.1.txt`,
 * `76.3.txt`) is read from `scicode/prefilled_step_<step>.txt` and attached to
 * its problem's row as `prefilled_code`.
 *
 * Generation (NeMo-Skills `inference/eval/scicode.py`): one call per sub-step
 * except the prefilled ones, each a fresh single user message holding the
 * earlier steps' code (see prompt.ts); prompt config `eval/scicode/default`
 * (what NeMo-Skills' scicode module passes; `eval/scicode/background` is the
 * other), `with_background` true (SciCodeGenerationConfig default; `++with_background=false`
 * in the task's args turns it off).
 *
 * Execution (NeMo-Skills `evaluation/evaluator/scicode.py`, after SciCode
 * `eval/scripts/test_generated_code.py`): per asked sub-step one program =
 * required_dependencies + "\n" + the earlier steps' code + "\n" + "\n" + this
 * step's code, then `from scicode.parse.parse import process_hdf5_to_tuple`,
 * `targets = process_hdf5_to_tuple('<step_number>', <n>)` and each test case
 * preceded by `target = targets[i]`; passed ⇔ exit status 0 within 30 s
 * (ScicodeEvaluatorConfig.timeout = 30.0; NeMo-Skills' process_status ==
 * 'completed'). Steps run independently: a failing earlier step only fails a
 * later one when its code breaks the later program (e.g. a syntax error or a
 * module-level exception) or the later step calls it.
 * The targets come from SciCode's test_data.h5: the sandbox job asks for the
 * `scicode` data (EVALFLOW_DATA_SCICODE); see python.ts.
 *
 * Scores: a unit (problem × repeat) is correct ⇔ every evaluated sub-step
 * passed; details carry per-step results; metrics.ts reproduces SciCodeMetrics
 * (problem_accuracy, subtask_accuracy).
 */
import type { ExecutedBenchmark, NextRequest, UnitScore } from '../types';
import type { PromptOptions } from '../../lib/records/benchmark-data';
import type { ChatMessage, Sample, TurnResponse, UnitResponse } from '../../lib/records/messages';
import type { SandboxResult, SandboxRunner, TestCaseResult } from '../../lib/engine/sandbox/types';
import {
  PREFILLED_STEPS,
  SCICODE_DEFAULT_PROMPT_CONFIG,
  SCICODE_TEMPLATES,
  type SciCodeProblem,
  type SciCodeStep,
  extractFunctionName,
  extractPythonScript,
  fillTemplate,
  functionSource,
  processProblemSteps,
} from './prompt';
import { MISSING_DATA_MARKER, SCICODE_SUPPORT_FILES } from './python';
import { scicodeMetrics } from './metrics';

const TASK = 'ns_scicode';

/** NeMo-Skills ScicodeEvaluatorConfig.timeout = 30.0 s per sub-step program. */
export const SCICODE_STEP_TIMEOUT_MS = 30_000;

/** The worker setting that points the sandbox's `scicode` data at the directory holding test_data.h5. */
export const SCICODE_DATA_SETTING = 'EVALFLOW_SCICODE_DATA_DIR';

/** A bound on calls per problem, well above any SciCode problem's number of sub-steps. */
export const SCICODE_MAX_TURNS = 40;

/** NeMo-Skills prepared file → the Hub split it is written from (prepare.py's split_mapping). */
const HUB_SPLIT: Readonly<Record<string, string>> = { dev: 'parquet:default/validation', test: 'parquet:default/test' };

/** dataset_split → the NeMo-Skills prepared files it is made of (in order). */
export const SCICODE_SPLITS: Readonly<Record<string, readonly string[]>> = {
  test_aai: ['dev', 'test'],
  test: ['test'],
  dev: ['dev'],
  first_problem: ['first_problem'],
};

export const SCICODE_DEFAULT_SPLIT = 'test_aai';

/** The message a missing test_data.h5 produces. */
export function missingTestDataMessage(detail: string): string {
  return (
    `${TASK} needs SciCode's numeric test targets, test_data.h5, on the sandbox worker (${detail.trim()}). ` +
    `Download it as SciCode's README describes (the file NeMo-Skills fetches from https://drive.google.com/file/d/17G_k65N_6yFFZ2O-jQH00Lh6iaw3z-AW/view), ` +
    `put it in a directory on the sandbox worker and set ${SCICODE_DATA_SETTING} to that directory.`
  );
}

// --- rows -------------------------------------------------------------------

function fail(index: number, what: string): never {
  throw new Error(`${TASK} row ${index}: ${what}`);
}

function str(raw: Record<string, unknown>, field: string, index: number, where = ''): string {
  const v = raw[field];
  if (typeof v !== 'string') fail(index, `${where}"${field}" must be a string, got ${JSON.stringify(v) ?? typeof v}`);
  return v;
}

function toStep(raw: unknown, index: number, i: number): SciCodeStep {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(index, `sub_steps[${i}] must be an object`);
  const r = raw as Record<string, unknown>;
  const where = `sub_steps[${i}].`;
  const tests = r.test_cases;
  if (!Array.isArray(tests) || tests.length === 0 || tests.some((t) => typeof t !== 'string')) {
    fail(index, `${where}"test_cases" must be a non-empty list of strings`);
  }
  const background = r.step_background;
  return {
    step_number: str(r, 'step_number', index, where),
    step_description_prompt: str(r, 'step_description_prompt', index, where),
    step_background: background === null || background === undefined ? '' : str(r, 'step_background', index, where),
    function_header: str(r, 'function_header', index, where),
    return_line: str(r, 'return_line', index, where),
    test_cases: tests as string[],
  };
}

/** A dataset row (SciCode's record schema, plus `prefilled_code` for problems 13, 62, 76) → problem. */
export function toProblem(raw: Record<string, unknown>, index: number): SciCodeProblem {
  const id = raw.problem_id;
  if (typeof id !== 'string' && typeof id !== 'number') fail(index, `"problem_id" must be a string, got ${JSON.stringify(id)}`);
  const problemId = String(id);
  const deps = str(raw, 'required_dependencies', index);
  const stepsRaw = raw.sub_steps;
  if (!Array.isArray(stepsRaw) || stepsRaw.length === 0) fail(index, `"sub_steps" must be a non-empty list`);
  const steps = stepsRaw.map((s, i) => toStep(s, index, i));
  const prefilled: Record<number, string> = {};
  const p = PREFILLED_STEPS[problemId];
  if (p !== undefined) {
    const step = steps[p];
    if (!step) fail(index, `problem ${problemId} should have a prefilled step ${p + 1}, but it has ${steps.length} sub-steps`);
    const text = raw.prefilled_code;
    if (typeof text !== 'string') {
      fail(index, `problem ${problemId}: step ${step.step_number} is filled with SciCode's reference code (eval/data/${step.step_number}.txt), which must be attached as "prefilled_code"; put the file at scicode/prefilled_step_${step.step_number}.txt in the dataset directory`);
    }
    const name = extractFunctionName(step.function_header);
    const code = functionSource(text, name);
    if (code === null) fail(index, `problem ${problemId}: the prefilled code for step ${step.step_number} has no def/class "${name}"`);
    prefilled[p] = code;
  }
  return { problem_id: problemId, required_dependencies: deps, sub_steps: steps, prefilled };
}

/** Indices of the sub-steps the model is asked for (all but the prefilled ones), in order. */
export function askedSteps(problem: SciCodeProblem): number[] {
  return problem.sub_steps.map((_, i) => i).filter((i) => problem.prefilled[i] === undefined);
}

function problemOf(sample: Sample): SciCodeProblem {
  const p = sample.data.problem as SciCodeProblem | undefined;
  if (!p || !Array.isArray(p.sub_steps)) throw new Error(`${TASK}: sample ${sample.id} carries no problem (not built by ${TASK}.toSample)`);
  return p;
}

// --- prompts ----------------------------------------------------------------

export function parseWithBackground(options: PromptOptions): boolean {
  const v = options.benchmarkArgs?.with_background;
  if (v === undefined) return true;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new Error(`${TASK}: ++with_background must be true or false, got "${v}"`);
}

function templateOf(options: PromptOptions): string {
  const config = options.promptConfig ?? SCICODE_DEFAULT_PROMPT_CONFIG;
  const template = SCICODE_TEMPLATES[config];
  if (!template) throw new Error(`${TASK}: unsupported prompt_config "${config}" (supported: ${Object.keys(SCICODE_TEMPLATES).join(', ')})`);
  return template;
}

/**
 * The code of steps 0 … upTo-1: prefilled code, or what was extracted from the
 * model's reply to that step (`turns` = replies to the asked steps, in order).
 */
export function codeBefore(problem: SciCodeProblem, upTo: number, turns: readonly TurnResponse[]): string[] {
  const asked = askedSteps(problem);
  const code: string[] = [];
  for (let i = 0; i < upTo; i++) {
    const pre = problem.prefilled[i];
    if (pre !== undefined) {
      code.push(pre);
      continue;
    }
    const turn = turns[asked.indexOf(i)];
    if (!turn) throw new Error(`${TASK}: problem ${problem.problem_id} has no reply for step ${problem.sub_steps[i]!.step_number}`);
    code.push(extractPythonScript(turn.content ?? ''));
  }
  return code;
}

/** The user message for sub-step `stepIndex` given the code of the earlier steps. */
export function stepPrompt(problem: SciCodeProblem, stepIndex: number, previousCode: readonly string[], options: PromptOptions): string {
  const { problemStepsStr, nextStepStr } = processProblemSteps(problem, stepIndex, previousCode, parseWithBackground(options));
  return fillTemplate(templateOf(options), {
    problem_steps_str: problemStepsStr,
    next_step_str: nextStepStr,
    dependencies: problem.required_dependencies,
  });
}

function messages(content: string, options: PromptOptions): ChatMessage[] {
  const out: ChatMessage[] = [];
  // eval/scicode/*.yaml have `system: ""` (no system message); a configured one is added.
  if (options.systemPrompt) out.push({ role: 'system', content: options.systemPrompt });
  out.push({ role: 'user', content });
  return out;
}

// --- execution --------------------------------------------------------------

/**
 * The program for sub-step `stepIndex`: NeMo-Skills' `previous_code`
 * (`f"{dependencies}\n{previous_code_str}\n"`, or `f"{dependencies}\n"` for the
 * first step) + "\n" + the step's code, then SciCode's test harness.
 */
export function stepProgram(problem: SciCodeProblem, stepIndex: number, previousCode: readonly string[], code: string): string {
  const step = problem.sub_steps[stepIndex]!;
  const previousCodeStr = previousCode.slice(0, stepIndex).join('\n');
  const previous = previousCodeStr ? `${problem.required_dependencies}\n${previousCodeStr}\n` : `${problem.required_dependencies}\n`;
  let program = `${previous}\n${code}`;
  program += '\n\nfrom scicode.parse.parse import process_hdf5_to_tuple\n\n';
  program += `targets = process_hdf5_to_tuple('${step.step_number}', ${step.test_cases.length})\n`;
  step.test_cases.forEach((test, i) => {
    program += `target = targets[${i}]\n\n`;
    for (const line of test.split('\n')) program += `${line}\n`;
  });
  return program;
}

function detailOf(result: SandboxResult): string {
  const text = (result.stderr || result.stdout).trimEnd();
  const tail = text.split('\n').slice(-6).join('\n');
  return tail.length > 600 ? '…' + tail.slice(-599) : tail;
}

function statusOf(result: SandboxResult): TestCaseResult['status'] {
  if (result.status === 'ok') return 'passed';
  if (result.status === 'timeout') return 'timeout';
  if (result.status === 'runtime_error' && /(^|\n)AssertionError\b/.test(result.stderr)) return 'wrong_answer';
  return 'runtime_error';
}

export const scicode: ExecutedBenchmark = {
  kind: 'executed',
  name: TASK,
  scorerVersion: '1',
  description: 'SciCode (80 problems, 338 sub-steps), NeMo-Skills multi-call prompts, sub-step programs run against test_data.h5 in the sandbox; problem_accuracy, subtask_accuracy',
  dataset: {
    hfRepo: 'SciCode1/SciCode',
    hfConfig: 'default',
    split: SCICODE_DEFAULT_SPLIT,
    localFile: 'scicode',
    splits: Object.keys(SCICODE_SPLITS),
    async readRows(read, split) {
      const parts = SCICODE_SPLITS[split];
      if (!parts) throw new Error(`${TASK}: unknown dataset_split "${split}" (use one of: ${Object.keys(SCICODE_SPLITS).join(', ')})`);
      // NeMo-Skills' combined file when a local directory has it; else its parts (locally or from the Hub).
      let rows: Record<string, unknown>[] | null = split === 'test_aai' ? await read('scicode/test_aai.jsonl') : null;
      if (rows === null) {
        rows = [];
        for (const part of parts) {
          const got = await read(`scicode/${part}.jsonl`, HUB_SPLIT[part]);
          if (got === null) {
            throw new Error(
              `${TASK}: no scicode/${part}.jsonl for dataset_split "${split}". Put NeMo-Skills' prepared SciCode files in the dataset directory ` +
                `(\`ns prepare_data scicode\` writes dev.jsonl, test.jsonl and test_aai.jsonl from the Hub's SciCode1/SciCode validation and test splits, one problem per line)`,
            );
          }
          rows.push(...got);
        }
      }
      const out: Record<string, unknown>[] = [];
      for (const row of rows) {
        const id = row.problem_id;
        const p = typeof id === 'string' || typeof id === 'number' ? PREFILLED_STEPS[String(id)] : undefined;
        if (p === undefined) {
          out.push(row);
          continue;
        }
        const stepNumber = `${String(id)}.${p + 1}`;
        const file = `scicode/prefilled_step_${stepNumber}.txt`;
        const got = await read(file);
        if (got === null) {
          throw new Error(
            `${TASK}: problem ${String(id)} needs SciCode's reference code for step ${stepNumber} (SciCode repository eval/data/${stepNumber}.txt), which the harness fills in instead of asking the model; put it at ${file} in the dataset directory`,
          );
        }
        const text = got.length === 1 && typeof got[0]?.text === 'string' ? got[0].text : null;
        if (text === null) throw new Error(`${TASK}: reading ${file} must give its text as [{ text }], got ${got.length} row(s)`);
        out.push({ ...row, prefilled_code: text });
      }
      return out;
    },
  },
  promptConfigs: Object.keys(SCICODE_TEMPLATES),
  benchmarkArgs: ['with_background'],
  sandboxData: [
    {
      name: 'scicode',
      file: 'test_data.h5',
      setting: SCICODE_DATA_SETTING,
      hint: missingTestDataMessage('checked before the run starts'),
    },
  ],
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const problem = toProblem(raw, index);
    const asked = askedSteps(problem);
    return { id: problem.problem_id, expected: asked.map((i) => problem.sub_steps[i]!.step_number).join(','), data: { problem } };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    const problem = problemOf(sample);
    const first = askedSteps(problem)[0];
    if (first === undefined) throw new Error(`${TASK}: problem ${problem.problem_id} has no sub-step to ask`);
    return messages(stepPrompt(problem, first, codeBefore(problem, first, []), options), options);
  },

  conversation: {
    maxTurns: SCICODE_MAX_TURNS,
    next(sample: Sample, turns: TurnResponse[], options: PromptOptions): NextRequest | null {
      const problem = problemOf(sample);
      const asked = askedSteps(problem);
      if (turns.length >= asked.length) return null;
      const stepIndex = asked[turns.length]!;
      return { messages: messages(stepPrompt(problem, stepIndex, codeBefore(problem, stepIndex, turns), options), options) };
    },
  },

  async execute(response: UnitResponse, sample: Sample, run: SandboxRunner): Promise<UnitScore> {
    const problem = problemOf(sample);
    const asked = askedSteps(problem);
    const turns: TurnResponse[] | undefined = response.turns ?? (asked.length === 1 ? [response] : undefined);
    if (!turns) {
      throw new Error(`${TASK}: problem ${problem.problem_id} asks ${asked.length} sub-steps but the response has no per-call turns (a multi-call unit must carry response.turns)`);
    }
    if (turns.length > asked.length) {
      throw new Error(`${TASK}: problem ${problem.problem_id} got ${turns.length} replies for ${asked.length} asked sub-steps`);
    }
    // The sub-steps' programs are independent (each carries the earlier code): run them side by side; the sandbox bounds concurrency.
    const outcomes = await Promise.all(
      asked.map(async (i, k): Promise<{ test: TestCaseResult; step: { step_number: string; status: TestCaseResult['status'] } }> => {
        const stepNumber = problem.sub_steps[i]!.step_number;
        const turn = turns[k];
        if (!turn) {
          return {
            test: { test: i, status: 'not_run', detail: `step ${stepNumber}: no model reply (the unit ended after ${turns.length} of ${asked.length} calls)` },
            step: { step_number: stepNumber, status: 'not_run' },
          };
        }
        const previous = codeBefore(problem, i, turns);
        const program = stepProgram(problem, i, previous, extractPythonScript(turn.content ?? ''));
        const result = await run({
          files: { ...SCICODE_SUPPORT_FILES, 'main.py': program },
          command: ['python3', 'main.py'],
          timeoutMs: SCICODE_STEP_TIMEOUT_MS,
          data: ['scicode'],
        });
        if (result.status !== 'ok' && result.stderr.includes(MISSING_DATA_MARKER)) {
          const line = result.stderr.split('\n').find((l) => l.includes(MISSING_DATA_MARKER)) ?? '';
          throw new Error(missingTestDataMessage(line.slice(line.indexOf(MISSING_DATA_MARKER) + MISSING_DATA_MARKER.length).replace(/^:\s*/, '')));
        }
        const status = statusOf(result);
        const test: TestCaseResult = { test: i, status, wall_ms: result.wallMs };
        if (status === 'timeout') test.detail = `step ${stepNumber}: timed out after ${SCICODE_STEP_TIMEOUT_MS / 1000} s`;
        else if (status !== 'passed') test.detail = `step ${stepNumber}: ${result.status === 'output_limit' ? 'output limit exceeded; ' : ''}${detailOf(result) || `exit code ${result.exitCode ?? 'none'}`}`;
        return { test, step: { step_number: stepNumber, status } };
      }),
    );
    const tests = outcomes.map((o) => o.test);
    const steps = outcomes.map((o) => o.step);
    const passed = tests.filter((t) => t.status === 'passed').length;
    return {
      predicted: `${passed}/${asked.length}`,
      correct: asked.length > 0 && passed === asked.length,
      details: {
        tests,
        steps,
        subtasks_total: asked.length,
        subtasks_passed: passed,
        prefilled_steps: Object.keys(problem.prefilled).map((i) => problem.sub_steps[Number(i)]!.step_number),
      },
    };
  },

  metrics: scicodeMetrics,
};

/**
 * HumanEval — 164 hand-written Python problems (signature + docstring), each
 * checked by running its unit tests. NeMo Evaluator task `humaneval`
 * (harness bigcode-evaluation-harness).
 *
 * Data: Hub `openai/openai_humaneval`, config `openai_humaneval`, split `test`,
 * or `humaneval/HumanEval.jsonl.gz` in a local dataset directory (openai/human-eval's
 * data file): `task_id`, `prompt`, `canonical_solution`, `test`, `entry_point`.
 *
 * Reference (bigcode-evaluation-harness `bigcode_eval/tasks/humaneval.py`, task
 * `humaneval` = strip_prompt=True):
 * - prompt = `doc["prompt"].strip()`; the model continues it (completions endpoint);
 * - the continuation is cut at the first of the stop words
 *   `\nclass \ndef \n# \n@ \nprint \nif \n``` <file_sep>` and the program is
 *   prompt + continuation;
 * - test program = candidate + "\n" + ("\n" + test + "\n" + `check(<entry_point>)`)
 *   (`get_reference` + `custom_metrics/code_eval.py` compute_code_eval);
 * - run with timeout 3.0 s; passed ⇔ it ran to the end without an exception;
 * - metrics `pass@k` for k in [1, 10, 100] where every problem has ≥ k samples,
 *   unbiased estimator (Chen et al.) averaged over problems.
 * NeMo Evaluator's defaults for the task: max_new_tokens 1024, temperature 0.1,
 * top_p 0.95, n_samples 20.
 *
 * Chat endpoints (evalflow's choice; NeMo Evaluator's `humaneval` is
 * completions-only): the stripped prompt is sent as the user message. From the
 * reply, the first ```python fence (else the first ``` fence, else the raw
 * reply) is the code. If it does not define the entry point, it is a
 * continuation: prompt + code, cut at the stop words, exactly as above. If it
 * does (the usual chat answer: the whole function), the prompt (its imports and
 * helper functions) is still put first, then the reply's code up to its
 * `def <entry_point>`, then the rest cut at the stop words — as the reference cuts
 * a continuation after the header, so trailing `if __name__ …`/`print` demo code
 * never runs.
 */
import type { Benchmark, ChatMessage, PromptOptions, Sample, ScoredResponse, UnitResponse, UnitScore } from './types';
import type { SandboxResult, SandboxRunner, TestCaseResult } from '../lib/sandbox/types';
import { mean, passAtK, stdDev } from '../lib/metrics';
import { rowString } from './rows';

const TASK = 'humaneval';

/** bigcode-evaluation-harness GeneralHumanEval stop_words. */
export const HUMANEVAL_STOP_WORDS: readonly string[] = ['\nclass', '\ndef', '\n#', '\n@', '\nprint', '\nif', '\n```', '<file_sep>'];

/** bigcode-evaluation-harness GeneralHumanEval(timeout=3.0) → code_eval check_correctness. */
export const HUMANEVAL_TIMEOUT_MS = 3000;

/** bigcode-evaluation-harness GeneralHumanEval(k=[1, 10, 100]). */
export const HUMANEVAL_PASS_K: readonly number[] = [1, 10, 100];

/** bigcode `Task._stop_at_stop_token`: cut at the earliest occurrence of any stop word. */
export function stopAtStopWord(text: string, stops: readonly string[] = HUMANEVAL_STOP_WORDS): string {
  let cut = text.length;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at !== -1 && at < cut) cut = at;
  }
  return text.slice(0, cut);
}

/**
 * The code in a chat reply: the first ```python fence, else the first ``` fence
 * (an unclosed fence runs to the end), else the whole reply.
 */
export function extractCode(reply: string): string {
  const python = /```python[^\n]*\n?/.exec(reply);
  if (python) {
    const rest = reply.slice(python.index + python[0].length);
    const end = rest.indexOf('```');
    return end === -1 ? rest : rest.slice(0, end);
  }
  const open = reply.indexOf('```');
  if (open !== -1) {
    let rest = reply.slice(open + 3);
    // Skip a language tag on the fence line (```py, ```Python3, …).
    const nl = rest.indexOf('\n');
    if (nl !== -1 && /^[\w+-]*\s*$/.test(rest.slice(0, nl))) rest = rest.slice(nl + 1);
    const end = rest.indexOf('```');
    return end === -1 ? rest : rest.slice(0, end);
  }
  return reply;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The candidate program (everything but the tests) from the model's reply, or
 * null when the reply holds no code at all.
 */
export function humanevalCandidate(prompt: string, entryPoint: string, reply: string): string | null {
  const code = extractCode(reply);
  if (code.trim() === '') return null;
  const stripped = prompt.trim();
  const header = new RegExp(`^[ \\t]*(?:async[ \\t]+)?def[ \\t]+${escapeRegExp(entryPoint)}[ \\t]*\\(`, 'm').exec(code);
  if (!header) {
    // A continuation of the prompt, as a completions endpoint returns it.
    return stripped + (code.startsWith('\n') ? '' : '\n') + stopAtStopWord(code);
  }
  // The whole function: the prompt first (imports, helpers), then the reply.
  const before = code.slice(0, header.index);
  const rest = code.slice(header.index);
  return `${stripped}\n\n${before}${stopAtStopWord(rest)}`;
}

/** The program that is run: candidate + "\n" + reference (bigcode `get_reference`). */
export function humanevalProgram(candidate: string, test: string, entryPoint: string): string {
  return `${candidate}\n\n${test}\ncheck(${entryPoint})`;
}

/** Last lines of a traceback, bounded. */
export function shortDetail(text: string, max = 600): string {
  const trimmed = text.trimEnd();
  const lines = trimmed.split('\n');
  let out = lines.slice(-6).join('\n');
  if (out.length > max) out = '…' + out.slice(out.length - max + 1);
  return out;
}

/** Map a sandbox result to a test-case status (assertion failures are wrong answers). */
export function testStatusOf(result: SandboxResult): TestCaseResult['status'] {
  if (result.status === 'ok') return 'passed';
  if (result.status === 'timeout') return 'timeout';
  if (result.status === 'runtime_error' && /(^|\n)AssertionError\b/.test(result.stderr)) return 'wrong_answer';
  return 'runtime_error';
}

/**
 * bigcode code_eval metrics: for every k in [1, 10, 100] with k ≤ repeats,
 * `pass@k` = mean over problems of the unbiased estimator with n = repeats,
 * c = correct samples. Percentages; stats: count (problems), stderr.
 */
export function humanevalMetrics(units: ScoredResponse[], repeats: number): ReturnType<NonNullable<Benchmark['metrics']>> {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`${TASK} metrics: repeats must be a positive integer, got ${repeats}`);
  const bySample = new Map<string, ScoredResponse[]>();
  for (const u of units) {
    const list = bySample.get(u.sample_id);
    if (list) list.push(u);
    else bySample.set(u.sample_id, [u]);
  }
  const perSample: { n: number; c: number }[] = [];
  for (const [id, list] of bySample) {
    const distinct = new Set(list.map((u) => u.repeat));
    if (list.length !== repeats || distinct.size !== repeats) {
      throw new Error(`${TASK} metrics: sample "${id}" has ${list.length} scored unit(s) with repeats [${list.map((u) => u.repeat).join(', ')}], expected ${repeats} distinct repeats`);
    }
    perSample.push({ n: repeats, c: list.filter((u) => u.correct).length });
  }
  const metrics: Record<string, { scores: Record<string, { value: number; stats: Record<string, number> }> }> = {};
  if (perSample.length === 0) return { metrics, subsets: {} };
  for (const k of HUMANEVAL_PASS_K) {
    if (k > repeats) continue;
    const values = perSample.map((s) => passAtK(s.n, s.c, k));
    const name = `pass@${k}`;
    metrics[name] = {
      scores: { [name]: { value: 100 * mean(values), stats: { count: values.length, stderr: (100 * stdDev(values)) / Math.sqrt(values.length) } } },
    };
  }
  return { metrics, subsets: {} };
}

export const humaneval: Benchmark = {
  name: TASK,
  scorerVersion: '1',
  description: 'HumanEval (164 Python problems), bigcode-evaluation-harness prompt and stop words, unit tests run in the sandbox (3 s); pass@1/10/100',
  dataset: { hfRepo: 'openai/openai_humaneval', hfConfig: 'openai_humaneval', split: 'test', localFile: 'humaneval/HumanEval.jsonl.gz' },
  // NeMo Evaluator bigcode-evaluation-harness `humaneval` defaults.
  defaults: { max_new_tokens: 1024, temperature: 0.1, top_p: 0.95 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const taskId = rowString(TASK, raw, 'task_id', index);
    const prompt = rowString(TASK, raw, 'prompt', index);
    const test = rowString(TASK, raw, 'test', index);
    const entryPoint = rowString(TASK, raw, 'entry_point', index);
    if (!/^[A-Za-z_]\w*$/.test(entryPoint)) {
      throw new Error(`${TASK} row ${index} (${taskId}): "entry_point" must be a Python identifier, got ${JSON.stringify(entryPoint)}`);
    }
    if (!/\bdef\s+check\s*\(/.test(test)) {
      throw new Error(`${TASK} row ${index} (${taskId}): "test" must define check(candidate), as HumanEval's tests do`);
    }
    const canonical = typeof raw.canonical_solution === 'string' ? raw.canonical_solution : '';
    return { id: taskId, expected: canonical, data: { prompt, test, entry_point: entryPoint } };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    if (options.promptConfig) throw new Error(`${TASK}: takes no prompt_config (got "${options.promptConfig}"); the prompt is the problem's code prompt`);
    const messages: ChatMessage[] = [];
    if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
    messages.push({ role: 'user', content: String(sample.data.prompt).trim() });
    return messages;
  },

  score(): UnitScore {
    throw new Error(`${TASK} is scored by running its tests (execute), not by score()`);
  },

  async execute(response: UnitResponse, sample: Sample, run: SandboxRunner): Promise<UnitScore> {
    const prompt = String(sample.data.prompt);
    const entryPoint = String(sample.data.entry_point);
    const candidate = humanevalCandidate(prompt, entryPoint, response.content ?? '');
    if (candidate === null) {
      return { predicted: null, correct: false, details: { tests: [{ test: 0, status: 'not_run', detail: 'no code in the response' }] } };
    }
    const result = await run({
      files: { 'main.py': humanevalProgram(candidate, String(sample.data.test), entryPoint) },
      command: ['python3', 'main.py'],
      timeoutMs: HUMANEVAL_TIMEOUT_MS,
    });
    const status = testStatusOf(result);
    const test: TestCaseResult = { test: 0, status, wall_ms: result.wallMs };
    if (status === 'timeout') test.detail = `timed out after ${HUMANEVAL_TIMEOUT_MS / 1000} s`;
    else if (status !== 'passed') test.detail = shortDetail(result.stderr || result.stdout) || `exit code ${result.exitCode ?? 'none'}${result.signal ? `, signal ${result.signal}` : ''}`;
    if (result.status === 'output_limit') test.detail = `output limit exceeded; ${test.detail ?? ''}`.trim();
    return { predicted: candidate, correct: status === 'passed', details: { tests: [test] } };
  },

  metrics: humanevalMetrics,
};

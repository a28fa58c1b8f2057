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
 * - run as human-eval's `check_correctness` runs it (bigcode's
 *   `custom_metrics/execute.py` is an adapted copy of it): see HUMANEVAL_HARNESS;
 * - metrics `pass@k` for k in [1, 10, 100] where every problem has ≥ k samples,
 *   unbiased estimator (Chen et al.) averaged over problems.
 * NeMo Evaluator's defaults for the task: max_new_tokens 1024, temperature 0.1,
 * top_p 0.95, n_samples 20.
 *
 * Execution (human-eval 1.0.3 `human_eval/execution.py` `check_correctness` /
 * `unsafe_execute`; the same in bigcode-evaluation-harness 8fc5bae
 * `bigcode_eval/tasks/custom_metrics/execute.py`): the program is exec'd with
 * empty globals (`__name__` falls back to builtins': "builtins", not
 * "__main__") in a fresh temporary working directory, after
 * `reliability_guard()` (exit/quit/help and listed os/shutil/subprocess
 * functions set to None, some modules blocked), with stdout/stderr/stdin
 * swapped for a write-only in-memory stream and a 3.0 s SIGALRM timer
 * (TimeoutException, an Exception); passed ⇔ exec returned; any BaseException
 * (AssertionError, SystemExit from sys.exit(0), …) is a failure; a process
 * that ends without reporting (os._exit) or outlives timeout + 1 s is "timed
 * out". evalflow's own part: the program runs in the bubblewrap sandbox
 * (lib/engine/sandbox) rather than a forked child of the evaluator, with the
 * sandbox's memory/process/output limits (human-eval sets none by default).
 *
 * Chat endpoints (evalflow's choice; NeMo Evaluator's `humaneval` is
 * completions-only): the stripped prompt is sent as the user message. A reply
 * whose first non-blank line is indented is the function body continued, as a
 * completions endpoint returns it: taken as is, its fences are stop words
 * (bigcode cuts at "\n```"). From any other reply, the first ```python fence
 * (else the first ``` fence, else the raw reply) is the code. If it does not
 * define the entry point, it is a
 * continuation: prompt + code, cut at the stop words, exactly as above. If it
 * does (the usual chat answer: the whole function), the prompt (its imports and
 * helper functions) is still put first, then the reply's code up to its
 * `def <entry_point>`, then the rest cut at the stop words — as the reference cuts
 * a continuation after the header, so trailing `if __name__ …`/`print` demo code
 * never runs.
 */
import { randomBytes } from 'node:crypto';
import type { Benchmark, ExecutedBenchmark, ScoredResponse, UnitScore } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample, UnitResponse } from '../lib/records/messages';
import type { SandboxResult, SandboxRunner, TestCaseResult } from '../lib/engine/sandbox/types';
import { mean, passAtK, stdDev } from '../lib/engine/metrics';
import { rowString } from './families/rows';

const TASK = 'humaneval';

/** bigcode-evaluation-harness GeneralHumanEval stop_words. */
export const HUMANEVAL_STOP_WORDS: readonly string[] = ['\nclass', '\ndef', '\n#', '\n@', '\nprint', '\nif', '\n```', '<file_sep>'];

/** bigcode-evaluation-harness GeneralHumanEval(timeout=3.0) → code_eval check_correctness. */
export const HUMANEVAL_TIMEOUT_MS = 3000;

/**
 * The sandbox's wall limit: human-eval's parent waits `timeout + 1` s for the
 * child (`p.join(timeout=timeout + 1)`); the harness itself turns a run longer
 * than that into "timed out", the extra second here covers interpreter and
 * sandbox start-up so the harness, not the kill, decides.
 */
export const HUMANEVAL_SANDBOX_MS = HUMANEVAL_TIMEOUT_MS + 2000;

/**
 * Runs program.py the way human-eval 1.0.3 `human_eval/execution.py`
 * `unsafe_execute` runs a check program (bigcode-evaluation-harness
 * `bigcode_eval/tasks/custom_metrics/execute.py` is an adapted copy), inside
 * evalflow's sandbox. Written for evalflow; the rules, each from that file:
 * - `create_tempdir`: the working directory is a fresh temporary directory;
 * - `reliability_guard()` (no memory limit: called without one): faulthandler
 *   off, OMP_NUM_THREADS=1, builtins exit/quit/help, the os/shutil/subprocess
 *   functions listed in GUARDED set to None, the modules in BLOCKED made
 *   unimportable;
 * - `exec(check_program, {})`: empty globals (`__name__` is "builtins");
 * - `swallow_io`: stdout, stderr and stdin are one WriteOnlyStringIO whose
 *   read/readline/readlines raise OSError;
 * - `time_limit(3.0)`: ITIMER_REAL + SIGALRM raising TimeoutException;
 * - result: "passed" when exec returns, "timed out" on TimeoutException,
 *   "failed: <e>" on any other BaseException (SystemExit included); no result
 *   (the process ended, e.g. os._exit) or a run past `timeout + 1` s (the
 *   parent's join, then kill) is "timed out".
 * The verdict is one line on the original stdout (a duplicated descriptor)
 * starting with a per-run nonce read from stdin first, so nothing the program
 * prints can pass for it; the harness then leaves with os._exit, as the
 * reference's forked child does (no atexit handlers, no waiting for threads).
 */
export const HUMANEVAL_HARNESS = String.raw`import faulthandler, io, json, os, signal, sys, tempfile, time, traceback

GUARDED = {
    'builtins': ['exit', 'quit', 'help'],
    'os': ['kill', 'system', 'putenv', 'remove', 'removedirs', 'rmdir', 'fchdir', 'setuid', 'fork', 'forkpty',
           'killpg', 'rename', 'renames', 'truncate', 'replace', 'unlink', 'fchmod', 'fchown', 'chmod', 'chown',
           'chroot', 'lchflags', 'lchmod', 'lchown', 'getcwd', 'chdir'],
    'shutil': ['rmtree', 'move', 'chown'],
    'subprocess': ['Popen'],
}
BLOCKED = ['ipdb', 'joblib', 'resource', 'psutil', 'tkinter']


class TimeoutException(Exception):
    pass


class WriteOnlyStringIO(io.StringIO):
    def read(self, *args, **kwargs):
        raise OSError

    def readline(self, *args, **kwargs):
        raise OSError

    def readlines(self, *args, **kwargs):
        raise OSError

    def readable(self, *args, **kwargs):
        return False


def on_alarm(signum, frame):
    raise TimeoutException('Timed out!')


def main():
    # Bound before the program runs: patching os/json/time cannot change the report.
    write, dumps, monotonic, leave, format_exc = os.write, json.dumps, time.monotonic, os._exit, traceback.format_exc
    timeout = float(sys.argv[1])
    started = monotonic()
    prefix = sys.stdin.readline().strip() + ' '
    out_fd, err_fd = os.dup(1), os.dup(2)
    with open('program.py', encoding='utf-8') as f:
        program = f.read()
    os.chdir(tempfile.mkdtemp())

    faulthandler.disable()
    os.environ['OMP_NUM_THREADS'] = '1'
    import builtins, shutil, subprocess
    for module_name, names in GUARDED.items():
        module = sys.modules[module_name]
        for name in names:
            setattr(module, name, None)
    for name in BLOCKED:
        sys.modules[name] = None

    try:
        stream = WriteOnlyStringIO()
        saved = (sys.stdout, sys.stderr, sys.stdin)
        sys.stdout = sys.stderr = sys.stdin = stream
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            signal.signal(signal.SIGALRM, on_alarm)
            try:
                exec(program, {})
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            sys.stdout, sys.stderr, sys.stdin = saved
        result = {'result': 'passed'}
    except TimeoutException:
        result = {'result': 'timed out'}
    except BaseException as e:
        try:
            message = str(e)
        except BaseException:
            message = '?'
        result = {'result': 'failed', 'error': type(e).__name__, 'message': message[:300]}
        try:
            write(err_fd, format_exc()[-4000:].encode('utf-8', 'replace'))
        except BaseException:
            pass
    if monotonic() - started > timeout + 1:
        result = {'result': 'timed out'}
    write(out_fd, (prefix + dumps(result) + '\n').encode())
    leave(0)


main()
`;

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
  // The body continued (first non-blank line indented): no fence is looked
  // for — a closing fence and prose after the code are cut by the stop words.
  const code = /^(?:[ \t]*\r?\n)*[ \t]+\S/.test(reply) ? reply : extractCode(reply);
  if (code.trim() === '') return null;
  const stripped = prompt.trim();
  const header = new RegExp(`^[ \\t]*(?:async[ \\t]+)?def[ \\t]+${escapeRegExp(entryPoint)}[ \\t]*\\(`, 'm').exec(code);
  if (!header) {
    // A continuation of the prompt, as a completions endpoint returns it
    // (bigcode `postprocess_generation`: prompt + the continuation cut at the
    // stop words). A chat reply rarely starts with the newline that ends the
    // docstring line; it is supplied first, so a reply that opens with a stop
    // word (`print(…)`, `def …`) is cut there, as a continuation would be.
    return stripped + stopAtStopWord(code.startsWith('\n') ? code : `\n${code}`);
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

/** What the harness reported (its nonce line), or null when it reported nothing. */
export interface HarnessVerdict {
  result: 'passed' | 'failed' | 'timed out';
  error?: string;
  message?: string;
}

export function readVerdict(stdout: string, nonce: string): HarnessVerdict | null {
  const prefix = `${nonce} `;
  let found: HarnessVerdict | null = null;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    try {
      const v = JSON.parse(line.slice(prefix.length)) as HarnessVerdict;
      if (v && (v.result === 'passed' || v.result === 'failed' || v.result === 'timed out')) found = v;
    } catch {
      /* not the harness's line */
    }
  }
  return found;
}

/**
 * The test-case status of a run. Passed only on the harness's "passed"
 * (human-eval: `passed = result[0] == "passed"`). An AssertionError is a wrong
 * answer, any other failure a runtime error; "timed out" and a sandbox kill
 * are timeouts; a run that ended without a verdict (os._exit, a crash of the
 * interpreter, the output bound) is a runtime error — human-eval records
 * "timed out" for it (no result), a failure either way.
 */
export function testStatusOf(result: SandboxResult, verdict: HarnessVerdict | null): TestCaseResult['status'] {
  if (verdict) {
    if (verdict.result === 'passed') return 'passed';
    if (verdict.result === 'timed out') return 'timeout';
    return verdict.error === 'AssertionError' ? 'wrong_answer' : 'runtime_error';
  }
  return result.status === 'timeout' ? 'timeout' : 'runtime_error';
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

export const humaneval: ExecutedBenchmark = {
  kind: 'executed',
  name: TASK,
  scorerVersion: '2',
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

  async execute(response: UnitResponse, sample: Sample, run: SandboxRunner): Promise<UnitScore> {
    const prompt = String(sample.data.prompt);
    const entryPoint = String(sample.data.entry_point);
    const candidate = humanevalCandidate(prompt, entryPoint, response.content ?? '');
    if (candidate === null) {
      return { predicted: null, correct: false, details: { tests: [{ test: 0, status: 'not_run', detail: 'no code in the response' }] } };
    }
    const nonce = randomBytes(16).toString('hex');
    const result = await run({
      files: { 'harness.py': HUMANEVAL_HARNESS, 'program.py': humanevalProgram(candidate, String(sample.data.test), entryPoint) },
      command: ['python3', 'harness.py', String(HUMANEVAL_TIMEOUT_MS / 1000)],
      stdin: `${nonce}\n`,
      timeoutMs: HUMANEVAL_SANDBOX_MS,
    });
    const verdict = readVerdict(result.stdout, nonce);
    const status = testStatusOf(result, verdict);
    const test: TestCaseResult = { test: 0, status, wall_ms: result.wallMs };
    if (status === 'timeout') test.detail = `timed out after ${HUMANEVAL_TIMEOUT_MS / 1000} s`;
    else if (status !== 'passed') {
      const trace = shortDetail(result.stderr);
      if (verdict) test.detail = trace || `${verdict.error ?? 'error'}: ${verdict.message ?? ''}`;
      else {
        test.detail =
          `the program ended before check() finished, without a result (exit code ${result.exitCode ?? 'none'}${result.signal ? `, signal ${result.signal}` : ''}; human-eval counts this as "timed out")` +
          (trace ? `\n${trace}` : '');
      }
    }
    if (result.status === 'output_limit') test.detail = `output limit exceeded; ${test.detail ?? ''}`.trim();
    return { predicted: candidate, correct: status === 'passed', details: { tests: [test] } };
  },

  metrics: humanevalMetrics,
};

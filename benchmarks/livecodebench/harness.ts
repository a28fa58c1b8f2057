/**
 * The Python harness that grades one LiveCodeBench generation in the sandbox.
 *
 * The job holds `main.py` (LCB_HARNESS), `solution.py` (the extracted code)
 * and `tests.json` (mode, function name, inputs, outputs, per-test timeout
 * and the marker that prefixes the verdict line). The command is
 * `python3 main.py` with an empty stdin; ONE process grades all of a
 * problem's tests in order, as the reference does.
 *
 * The reference is the grader NeMo-Skills 0b012df8 installs for
 * `eval_type=livecodebench` (nemo_skills/evaluation/evaluator/livecodebench.py,
 * LIVECODEBENCH_PYTHON_GIT_URL): github.com/wasiahmad/livecodebench, branch
 * `livecodebench`, at 5927b61d (2025-10-14, the branch head on 2025-11-15),
 * `livecodebench/evaluation/compute_code_generation_metrics.py`
 * (`check_correctness`: one multiprocessing.Process per problem × generation,
 * joined for (timeout + 1) · tests + 5 s, every test failed when it leaves no
 * result) and `livecodebench/evaluation/testing_util.py` (`run_test`,
 * `reliability_guard`, `grade_stdio`, `call_method`, `Capturing`,
 * `clean_if_name`, `make_function`, `compile_code`, `grade_call_based`).
 * What the program sees is what it sees there:
 *
 * - Process: a multiprocessing child, whose `sys.stdin` is `/dev/null` opened
 *   on fd 0 (multiprocessing.util._close_stdin); `sys.set_int_max_str_digits
 *   (50000)` (compute_code_generation_metrics.py); SIGALRM raises
 *   `TimeoutException` after printing "timeout occured: alarm went off";
 *   `reliability_guard()`: `builtins.quit`, `builtins.help`, os.kill/system/
 *   putenv/remove/…/getcwd/chdir, shutil.rmtree/move/chown and
 *   subprocess.Popen set to None, `resource`, `psutil`, `joblib`, `ipdb`,
 *   `tkinter` made unimportable, OMP_NUM_THREADS=1, faulthandler off.
 * - stdin problems (`grade_stdio`): the code goes through `clean_if_name` (a
 *   LAST top-level `if __name__ == '__main__':` is unwrapped) and
 *   `make_function` (top-level imports stay at module level after LCB's
 *   `import_string` prelude — `from sys import *` binds the REAL stdin and
 *   stdout, `from builtins import *` the real `open` and the nulled `quit`;
 *   every other statement becomes the body of `wrapped_function`); the module
 *   is executed once (6 s alarm); then for each test, with a 6 s alarm, stdout
 *   swapped for a StringIO whose `close` is a one-argument lambda
 *   (`Capturing`), `wrapped_function()` is called under, entered in this
 *   order, patches of the CURRENT `sys.stdin` object's `read` (→ the whole
 *   input), `readlines` (→ input.split("\n")) and `readline` (→ the next
 *   element of input.split("\n"), newline-less, StopIteration at the end),
 *   then `sys.stdin` replaced by `StringIO(input)` and `builtins.open` by
 *   `mock_open(read_data=input)` (`call_method`); SystemExit is swallowed.
 *   So `input()`, `sys.stdin.read/readline/readlines`, iteration over
 *   `sys.stdin` read the test; `sys.stdin.buffer`, `open(0)`, `os.read(0)`,
 *   iteration over a module-level `from sys import stdin` read nothing or fail;
 *   `sys.stdout.buffer` fails; `quit()` is a TypeError; a thread that is not
 *   joined keeps running in the same process and prints wherever sys.stdout
 *   points when it prints. Exceptions: -3 (time limit) when "timeoutexception"
 *   is in repr(e).lower(), else -4; the captured text is compared by
 *   LCB's rules (both sides `.strip()`ed and split on "\n", each line
 *   `.strip()`ed; line counts must agree; a line passes when equal, or when
 *   both split on whitespace parse entirely as `decimal.Decimal` and the lists
 *   are equal), -2 on a mismatch. Grading stops at the first failure.
 * - LeetCode problems (`grade_call_based`): the prelude, two newlines and the
 *   code are executed once as a module, `Solution()` instantiated ONCE when the
 *   code contains "class Solution" (else the module is used), the method looked
 *   up (missing → -4 for the problem), each test's input lines parsed as JSON
 *   values and passed as arguments, a tuple result turned into a list and
 *   compared with the parsed expected output by `==`; prints go to the real
 *   stdout (not captured), a 6 s alarm per call.
 * - `run_test` turns any exception out of the graders into [-4].
 *   A problem passes when every result is > 0 (pass_k_utils.extract_instance_results).
 *
 * Isolation stays evalflow's: the process runs in the bubblewrap sandbox
 * (memory, process, file limits); the reference applies no memory limit to
 * Python programs. The verdict goes to a private duplicate of the original
 * stdout; fds 1 and 2 are pointed at /dev/null before the program runs (the
 * reference's real stdout/stderr are the evaluator's console, never graded), so
 * what a program writes there cannot bury or forge the verdict.
 */

/** LiveCodeBench testing_util.py `import_string`, verbatim. */
export const LCB_IMPORT_PRELUDE =
  'from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\n' +
  'from copy import *\nfrom math import *\nfrom random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\n' +
  'from operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\n' +
  'import string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\n' +
  'import statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\nimport json\nsys.setrecursionlimit(50000)\n';

/** The harness, a Python program (see the comment at the top of this file). */
export const LCB_HARNESS =
  `# evalflow ns_livecodebench harness: LiveCodeBench testing_util.run_test for one generation\n# (github.com/wasiahmad/livecodebench, branch livecodebench, 5927b61d)\nPRELUDE_JSON = ${JSON.stringify(JSON.stringify(LCB_IMPORT_PRELUDE))}\n` +
  String.raw`import ast
import builtins
import contextlib
import faulthandler
import json
import os
import signal
import sys
import time
import traceback
import types
from decimal import Decimal
from io import StringIO
from unittest.mock import mock_open, patch

PRELUDE = json.loads(PRELUDE_JSON)


class TimeoutException(Exception):
    pass


def on_alarm(signum, frame):
    # testing_util.timeout_handler: the message goes wherever sys.stdout points
    print("timeout occured: alarm went off")
    raise TimeoutException


def truncatefn(s, length=300):
    if not isinstance(s, str):
        s = str(s)
    if len(s) <= length:
        return s
    return s[: length // 2] + "...(truncated) ..." + s[-length // 2 :]


class Capturing(list):
    # testing_util.Capturing: stdout becomes a StringIO whose close() takes one argument
    def __enter__(self):
        self._saved = sys.stdout
        self._buffer = StringIO()
        self._buffer.close = lambda x: 1
        sys.stdout = self._buffer
        return self

    def __exit__(self, *exc):
        self.append(self._buffer.getvalue())
        del self._buffer
        sys.stdout = self._saved


def clean_if_name(code):
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If):
            if ast.unparse(last.test).strip() == "__name__ == '__main__'":
                code = ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:
        pass
    return code


def make_function(code):
    try:
        tree = ast.parse(code)
        imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
        others = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
        func = ast.FunctionDef(
            name="wrapped_function",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=others,
            decorator_list=[],
            lineno=-1,
        )
        return PRELUDE + "\n" + ast.unparse(imports) + "\n" + ast.unparse(func)
    except Exception:
        return code


def compile_code(code, timeout):
    signal.alarm(timeout)
    try:
        module = types.ModuleType("tmp_sol", "")
        exec(code, module.__dict__)
        target = module.Solution() if "class Solution" in code else module
        assert target is not None
    finally:
        signal.alarm(0)
    return target


def get_function(target, name):
    return getattr(target, name) if hasattr(target, name) else None


def call_method(method, inputs):
    if isinstance(inputs, list):
        inputs = "\n".join(inputs)
    lines = iter(inputs.split("\n"))
    # call_method's decorators, entered bottom-up: the first three patch the
    # sys.stdin object of the moment (the real one), then sys.stdin is replaced
    patches = [
        patch("sys.stdin.read", lambda *args: inputs),
        patch("sys.stdin.readlines", lambda *args: inputs.split("\n")),
        patch("sys.stdin.readline", lambda *args: next(lines)),
        patch("sys.stdin", StringIO(inputs)),
        patch("builtins.open", mock_open(read_data=inputs)),
    ]
    with contextlib.ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        try:
            return method()
        except SystemExit:
            pass


def stripped_lines(val):
    val = val.strip()
    return [line.strip() for line in val.split("\n")]


def to_decimals(line):
    try:
        return [Decimal(elem) for elem in line.split()]
    except Exception:
        return None


def lcb_compare(prediction, expected):
    pred_lines = stripped_lines(prediction)
    gt_lines = stripped_lines(expected)
    if len(pred_lines) != len(gt_lines):
        return False, "Wrong answer: mismatched output length (%d line(s), expected %d)" % (len(pred_lines), len(gt_lines))
    for idx, (p, g) in enumerate(zip(pred_lines, gt_lines)):
        message = "Wrong answer at output_line_idx=%d: %s != %s" % (idx, truncatefn(p, 120), truncatefn(g, 120))
        if p == g:
            continue
        p_dec = to_decimals(p)
        if p_dec is None:
            return False, message
        g_dec = to_decimals(g)
        if g_dec is None:
            return False, message
        if p_dec == g_dec:
            continue
        return False, message
    return True, ""


def failure(code, message, exc=None):
    meta = {"error_code": code, "error_message": message}
    if exc is not None:
        meta["error"] = truncatefn(repr(exc), 600)
    return meta


def exception_result(exc):
    if "timeoutexception" in repr(exc).lower():
        return -3, failure(-3, "Time Limit Exceeded", exc)
    return -4, failure(-4, "Runtime Error", exc)


def grade_stdio(code, inputs, outputs, timeout, times):
    code = make_function(clean_if_name(code))
    method = get_function(compile_code(code, timeout), "wrapped_function")
    if method is None:
        return None
    results = []
    for gt_inp, gt_out in zip(inputs, outputs):
        signal.alarm(timeout)
        faulthandler.enable()
        signal.alarm(timeout)
        with Capturing() as captured:
            started = time.time()
            try:
                call_method(method, gt_inp)
                signal.alarm(0)
            except Exception as e:
                signal.alarm(0)
                code_, meta = exception_result(e)
                results.append(code_)
                return results, meta
            finally:
                signal.alarm(0)
                faulthandler.disable()
                times.append(int((time.time() - started) * 1000))
        passed, detail = lcb_compare(captured[0], gt_out)
        if not passed:
            results.append(-2)
            return results, failure(-2, detail)
        results.append(True)
    return results, {}


def grade_call_based(code, inputs, outputs, fn_name, timeout, times):
    code = PRELUDE + "\n\n" + code
    target = compile_code(code, timeout)
    if target is None:
        return None
    method = get_function(target, fn_name)
    if method is None:
        return None
    inputs = [[json.loads(line) for line in inp.split("\n")] for inp in inputs]
    outputs = [json.loads(out) for out in outputs]
    results = []
    for gt_inp, gt_out in zip(inputs, outputs):
        signal.alarm(timeout)
        faulthandler.enable()
        started = time.time()
        try:
            prediction = method(*gt_inp)
            signal.alarm(0)
            # don't penalize a tuple where the ground truth is a list (LCB)
            if isinstance(prediction, tuple):
                prediction = list(prediction)
            ok = prediction == gt_out
            results.append(ok)
            if not ok:
                return results, failure(-2, "Wrong Answer: got %s, expected %s" % (truncatefn(prediction, 120), truncatefn(gt_out, 120)))
        except Exception as e:
            signal.alarm(0)
            code_, meta = exception_result(e)
            results.append(code_)
            return results, meta
        finally:
            signal.alarm(0)
            faulthandler.disable()
            times.append(int((time.time() - started) * 1000))
    return results, {}


def reliability_guard():
    faulthandler.disable()
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
                 "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
                 "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir"):
        setattr(os, name, None)
    import shutil
    import subprocess
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


def main():
    with open("tests.json", encoding="utf-8") as f:
        case = json.load(f)
    with open("solution.py", encoding="utf-8") as f:
        code = f.read()
    verdict = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    # multiprocessing.util._close_stdin, as in the reference's grading process
    try:
        sys.stdin.close()
    except (OSError, ValueError):
        pass
    sys.stdin = open(os.open(os.devnull, os.O_RDONLY), encoding="utf-8", closefd=False)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(50000)
    times = []
    out = {}
    try:
        signal.signal(signal.SIGALRM, on_alarm)
        reliability_guard()
        timeout = case["timeout"]
        try:
            if case["mode"] == "functional":
                graded = grade_call_based(code, case["inputs"], case["outputs"], case["func_name"], timeout, times)
            else:
                graded = grade_stdio(code, case["inputs"], case["outputs"], timeout, times)
            results, meta = graded
        except Exception as e:
            # run_test: any exception out of the grader fails the problem
            results, meta = [-4], failure(-4, "Error during testing: %s" % truncatefn(str(e), 600), e)
        finally:
            signal.alarm(0)
        out = {"results": results, "metadata": meta, "times": times}
    except BaseException as e:
        # SystemExit, KeyboardInterrupt…: the reference's process ends without a result
        out = {"crashed": truncatefn("".join(traceback.format_exception_only(type(e), e)).strip(), 600), "times": times}
    verdict.write("\n" + case["marker"] + json.dumps(out) + "\n")
    verdict.flush()
    # a thread still running cannot change a verdict already written
    os._exit(0)


if __name__ == "__main__":
    main()
`;

/**
 * The Python harnesses that run one LiveCodeBench test case in the sandbox.
 *
 * Each job holds `main.py` (one of the harnesses below), `solution.py` (the
 * model's extracted code) and `case.json` (the test: input, expected output,
 * the function name for LeetCode-style problems, and the marker that prefixes
 * the verdict line). The command is `python3 main.py`; a stdin test's input is
 * also the job's stdin.
 *
 * The harnesses reproduce LiveCodeBench `lcb_runner/evaluation/testing_util.py`
 * (the grader NeMo-Skills runs, through its `livecodebench` package):
 *
 * - stdin problems (`grade_stdio`): the code goes through `clean_if_name`
 *   (a trailing `if __name__ == '__main__':` block is unwrapped) and
 *   `make_function` (imports stay at module level, every other statement
 *   becomes the body of `wrapped_function`, with LCB's `import_string`
 *   prelude — `from collections import *`, `from math import *`, …,
 *   `sys.setrecursionlimit(50000)` — in front); the module is executed,
 *   `wrapped_function()` is called with `SystemExit` swallowed and stdout
 *   captured in a StringIO (LCB's `Capturing`), and the captured text is
 *   compared with the expected output by LCB's rules: both sides `.strip()`ed
 *   and split on "\n", each line `.strip()`ed; different line counts fail;
 *   a line passes when equal as text, or when both lines split on whitespace
 *   parse entirely as `decimal.Decimal` and the two lists are equal.
 *   The comparison runs here, in Python, so Decimal's and str.strip's exact
 *   semantics hold and an expected output larger than the sandbox's stdout
 *   bound is still compared whole.
 * - LeetCode problems (`grade_call_based`): the prelude is prepended, the
 *   module executed, `Solution()` instantiated when the code contains
 *   "class Solution" (else the module's function is used), the method called
 *   with the test input's lines parsed as one JSON value each, a tuple result
 *   turned into a list, and the result compared with `json.loads(expected)`
 *   by Python `==`.
 *
 * `sys.set_int_max_str_digits(50000)` is set as LCB's
 * `compute_code_generation_metrics.py` does for its evaluation process.
 *
 * Exceptions (wrong code, a missing method, …) propagate: the program exits
 * non-zero with a traceback, which the caller scores as a runtime error. The
 * verdict line is `<marker>{"passed": bool, "detail": str}` on the real stdout.
 *
 * Deliberate differences from LCB: the program runs with the real stdin (LCB
 * patches `sys.stdin` with a StringIO-like mock whose `readline` drops the
 * newline and whose `open` is mocked), the per-test limit is the sandbox's
 * wall clock over the whole process (LCB's `signal.alarm(6)` covers the call
 * only), and each LeetCode test gets a fresh `Solution()` (LCB shares one
 * instance across a problem's tests).
 */

/** LiveCodeBench testing_util.py `import_string`, verbatim. */
export const LCB_IMPORT_PRELUDE =
  'from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\n' +
  'from copy import *\nfrom math import *\nfrom random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\n' +
  'from operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\n' +
  'import string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\n' +
  'import statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\nimport json\nsys.setrecursionlimit(50000)\n';

const COMMON = String.raw`import ast
import json
import os
import sys
import types
from decimal import Decimal
from io import StringIO

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(50000)

PRELUDE = json.loads(PRELUDE_JSON)


def truncatefn(s, length=300):
    if not isinstance(s, str):
        s = str(s)
    if len(s) <= length:
        return s
    return s[: length // 2] + "...(truncated) ..." + s[-length // 2 :]


def load_case():
    with open("case.json", encoding="utf-8") as f:
        case = json.load(f)
    with open("solution.py", encoding="utf-8") as f:
        code = f.read()
    return case, code


def report(case, passed, detail):
    sys.__stdout__.write("\n" + case["marker"] + json.dumps({"passed": bool(passed), "detail": detail}) + "\n")
    sys.__stdout__.flush()


def compiled_target(code):
    module = types.ModuleType("tmp_sol", "")
    exec(code, module.__dict__)
    # LCB compile_code: LeetCode solutions are wrapped in class Solution
    return module.Solution() if "class Solution" in code else module
`;

/** stdin problems: LCB grade_stdio for one test case. */
export const STDIN_HARNESS =
  `# evalflow ns_livecodebench stdin harness (LiveCodeBench testing_util.grade_stdio, one test case)\nPRELUDE_JSON = ${JSON.stringify(JSON.stringify(LCB_IMPORT_PRELUDE))}\n` +
  COMMON +
  String.raw`

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
        fields = dict(
            name="wrapped_function",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=others,
            decorator_list=[],
            lineno=-1,
        )
        if "type_params" in ast.FunctionDef._fields:
            fields["type_params"] = []
        func = ast.FunctionDef(**fields)
        return PRELUDE + "\n" + ast.unparse(imports) + "\n" + ast.unparse(func)
    except Exception:
        return code


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


def main():
    case, code = load_case()
    code = make_function(clean_if_name(code))
    method = getattr(compiled_target(code), "wrapped_function")
    captured = StringIO()
    real_stdout = sys.stdout
    sys.stdout = captured
    try:
        try:
            method()
        except SystemExit:
            pass
    finally:
        sys.stdout = real_stdout
    passed, detail = lcb_compare(captured.getvalue(), case["output"])
    report(case, passed, detail)


if __name__ == "__main__":
    main()
`;

/** LeetCode-style problems: LCB grade_call_based for one test case. */
export const FUNCTIONAL_HARNESS =
  `# evalflow ns_livecodebench call-based harness (LiveCodeBench testing_util.grade_call_based, one test case)\nPRELUDE_JSON = ${JSON.stringify(JSON.stringify(LCB_IMPORT_PRELUDE))}\n` +
  COMMON +
  String.raw`

def main():
    case, code = load_case()
    code = PRELUDE + "\n\n" + code
    real_stdout = sys.stdout
    sink = open(os.devnull, "w")
    sys.stdout = sink  # the solution's own prints are not part of the verdict
    try:
        method = getattr(compiled_target(code), case["func_name"])
        args = [json.loads(line) for line in case["input"].split("\n")]
        expected = json.loads(case["output"])
        prediction = method(*args)
    finally:
        sys.stdout = real_stdout
    # don't penalize a tuple where the ground truth is a list (LCB)
    if isinstance(prediction, tuple):
        prediction = list(prediction)
    passed = prediction == expected
    if passed:
        report(case, True, "")
    else:
        report(case, False, "Wrong Answer: got %s, expected %s" % (truncatefn(prediction, 120), truncatefn(expected, 120)))


if __name__ == "__main__":
    main()
`;

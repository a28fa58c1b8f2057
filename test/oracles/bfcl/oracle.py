"""bfcl-eval 2026.3.23 as the oracle for evalflow's ns_bfcl_v4 scorer.

Reads one JSON object on stdin and writes one on stdout:
  {"ast": [{"category", "mode": "native"|"prompt", "function": [...],
            "ground_truth_json": "<JSON text>" (not for (ir)relevance), "result": ...}],
   "multi_turn": [{"category", "mode", "entry": {...prompt entry...},
                   "ground_truth": [[...]], "result": [[step, ...], ...]}],
   "overall": [{"cat": {"accuracy": 0..1, "total_count": n}, ...}, ...]}
  → {"ast": [{"valid", "error_type"}], "multi_turn": [...], "overall": [{...}]}

It calls bfcl-eval the way `bfcl evaluate` does (eval_checker/eval_runner.py):
  - single-turn: `_evaluate_single_ast_entry` / `_evaluate_single_relevance_entry`
    with the handler of a registered model, so decode_ast is the reference's:
    native mode → "gpt-4o-2024-11-20-FC" (an FC model: each tool call's
    `arguments` through json.loads, underscore_to_dot=True, as NeMo-Skills'
    evaluator model o3-mini-2025-01-31-FC was); prompt mode →
    "gpt-4o-2024-11-20" (a prompting model: default_decode_ast_prompting,
    underscore_to_dot=False). `result` is what the runner reads from the
    result file: native → [{name: arguments-string}], prompt → the text.
  - multi-turn: `_evaluate_single_multi_turn_entry` (decode_execute per step,
    then multi_turn_checker executing the simulated APIs).
  - overall: `eval_runner_helper.generate_leaderboard_csv` on a leaderboard
    table holding the given categories (a missing category is the
    reference's get_category_score: accuracy 0 with the dataset's entry
    count); the rows it writes to data_overall.csv, data_non_live.csv, ...
    are captured unrounded (fractions, not percentages).

Stand-ins: importing eval_runner imports every model handler (through
constants/model_config.py), and those import vendor SDKs and retrieval
libraries that play no part in checking an answer. Instead of installing
them, the names in STUBBED below are served by empty modules whose every
attribute is a dummy class (a meta-path finder installed before the import):
openai, anthropic, mistralai, cohere, google (google.genai), writerai,
qwen_agent, boto3, botocore, httpx, serpapi, sentence_transformers, faiss,
datamodel_code_generator, bs4, html2text, rank_bm25, typer, tabulate,
requests, pydantic. What the checking path really runs is installed
(requirements.txt): numpy and pandas (eval_runner_helper), mpmath (the
math_api simulated class), overrides, python-dotenv, tqdm, tenacity,
filelock, and tree-sitter with its Java / JavaScript grammars (the prompt
decoder of the Java / JavaScript categories).
"""

import importlib.abc
import importlib.machinery
import io
import json
import os
import sys
import tempfile
import types
from contextlib import redirect_stdout
from pathlib import Path

STUBBED = {
    "openai", "anthropic", "mistralai", "cohere", "google", "writerai", "qwen_agent", "boto3",
    "botocore", "httpx", "serpapi", "sentence_transformers", "faiss", "datamodel_code_generator",
    "bs4", "html2text", "rank_bm25", "typer", "tabulate", "requests", "pydantic",
}


class _StubMeta(type):
    """Any attribute of a stand-in class is another stand-in class (cohere.types.ToolV2, ...)."""

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubMeta(name, (_Stub,), {})

    def __getitem__(cls, item):
        return cls


class _Stub(Exception, metaclass=_StubMeta):
    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return _Stub()

    def __getattr__(self, name):
        return _Stub()


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubMeta(name, (_Stub,), {})


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in STUBBED:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        m = _StubModule(spec.name)
        m.__path__ = []
        return m

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _StubFinder())
os.environ.setdefault("OPENAI_API_KEY", "dummy")

# bfcl-eval prints progress; keep stdout for the JSON answer.
with redirect_stdout(io.StringIO()):
    from bfcl_eval.constants.enums import Language, ReturnFormat
    from bfcl_eval.eval_checker import eval_runner, eval_runner_helper

FC_MODEL = "gpt-4o-2024-11-20-FC"
PROMPT_MODEL = "gpt-4o-2024-11-20"
HANDLERS = {}


def handler(model):
    if model not in HANDLERS:
        HANDLERS[model] = eval_runner.get_handler(model)
    return HANDLERS[model]


def language_of(category):
    if "javascript" in category:
        return Language.JAVASCRIPT, ReturnFormat.JAVASCRIPT
    if "java" in category:
        return Language.JAVA, ReturnFormat.JAVA
    return Language.PYTHON, ReturnFormat.PYTHON


def check_ast(case):
    model = FC_MODEL if case["mode"] == "native" else PROMPT_MODEL
    category = case["category"]
    entry = {"id": case.get("id", "x"), "function": case["function"]}
    if "relevance" in category:
        r = eval_runner._evaluate_single_relevance_entry(handler(model), entry["id"], case["result"], entry, model, category)
    else:
        language, return_format = language_of(category)
        # The answer file's own text: json.loads keeps 5.0 a float and 5 an int.
        ground_truth = json.loads(case["ground_truth_json"])
        r = eval_runner._evaluate_single_ast_entry(
            handler(model), entry["id"], case["result"], ground_truth, entry, model, category,
            language=language, return_format=return_format, has_tool_call_tag=False,
        )
    return {"valid": bool(r["valid"]), "error_type": r.get("error_type")}


CASE_NUMBER = [0]


def check_multi_turn(case):
    model = FC_MODEL if case["mode"] == "native" else PROMPT_MODEL
    entry = json.loads(json.dumps(case["entry"]))
    # The simulated API instances live in globals() keyed by model and entry id, and are reused when the
    # same key comes again (`bfcl evaluate` sees each entry once): a fresh id per case keeps the cases
    # apart. The category is the id up to its last "_", so the suffix goes after the number.
    CASE_NUMBER[0] += 1
    entry["id"] = f"{entry['id']}x{CASE_NUMBER[0]}"
    r = eval_runner._evaluate_single_multi_turn_entry(
        handler(model), entry.get("id", "x"), case["result"], case["ground_truth"], entry, model, case["category"],
    )
    err = r.get("error") or {}
    return {"valid": bool(r["valid"]), "error_type": err.get("error_type") if isinstance(err, dict) else None}


def overall(scores):
    """generate_leaderboard_csv on one model's table; the rows it writes, captured before they are formatted."""
    table = {FC_MODEL.replace("/", "_"): {k: dict(v) for k, v in scores.items()}}
    captured = {}
    real = eval_runner_helper.write_score_csv_file

    def capture(data, file_path, header, sort_column_index, no_conversion_numeric_column_index=[]):
        row = data[0]
        captured[Path(file_path).stem] = {h: (None if v == "N/A" else v) for h, v in zip(header, row) if isinstance(v, (int, float, str))}
        real(data, file_path, header, sort_column_index, no_conversion_numeric_column_index)

    eval_runner_helper.write_score_csv_file = capture
    try:
        with tempfile.TemporaryDirectory() as d, redirect_stdout(io.StringIO()):
            eval_runner_helper.generate_leaderboard_csv(table, Path(d))
    finally:
        eval_runner_helper.write_score_csv_file = real
    return captured


def main():
    req = json.load(sys.stdin)
    out = {}
    with redirect_stdout(io.StringIO()):
        out["ast"] = [check_ast(c) for c in req.get("ast", [])]
        out["multi_turn"] = [check_multi_turn(c) for c in req.get("multi_turn", [])]
    out["overall"] = [overall(s) for s in req.get("overall", [])]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

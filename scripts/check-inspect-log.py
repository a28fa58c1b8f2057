#!/usr/bin/env python3
"""Load evalflow's Inspect AI eval logs with inspect_ai itself and print what it read.

    check-inspect-log.py LOG.json [LOG.json ...]

Prints one line per log: "<path>: <N> samples (status, task, model)". Exits 1
when a log does not load, 2 when inspect_ai is not installed (evalflow keeps it
in a venv: ${EVALFLOW_CACHE_DIR:-~/.cache/evalflow}/venvs/inspect).
"""
import sys

try:
    from inspect_ai.log import read_eval_log
except ImportError as e:
    print(f"inspect_ai is not installed for {sys.executable}: {e}", file=sys.stderr)
    sys.exit(2)


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 1
    for path in paths:
        try:
            log = read_eval_log(path)
        except Exception as e:  # any validation error: report which file and why
            print(f"{path}: does not load as an Inspect eval log: {e}", file=sys.stderr)
            return 1
        samples = log.samples or []
        print(f"{path}: {len(samples)} samples (status {log.status}, task {log.eval.task}, model {log.eval.model})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env bash
# The math grader's Python environment: gsm8k, ns_aime2025 (and any module
# using lib/engine/math/verify) are scored by math-verify, the library NeMo-Skills'
# math grader calls, in a Python process on the scoring worker. This installs
# the exact pins of lib/engine/math/requirements.txt into a cached venv:
#   ${EVALFLOW_CACHE_DIR:-~/.cache/evalflow}/venvs/math-verify-<hash of the pins>
# (lib/engine/math/verify.ts finds it the same way; a changed pin builds a new venv,
# an unchanged one is reused). Needs Python >= 3.10 with venv and pip and
# access to PyPI. Run by scripts/setup-tests.sh, scripts/quickstart.sh and
# `evalflow dev install`; a worker with its own Python sets EVALFLOW_MATH_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"
REQ=lib/engine/math/requirements.txt
PYTHON="${PYTHON:-python3}"
# The hash covers the pin lines only (comments may change without a reinstall).
hash="$(grep -v '^[[:space:]]*#' "$REQ" | grep -v '^[[:space:]]*$' | sha256sum | cut -c1-12)"
venv="$CACHE/venvs/math-verify-$hash"
if [ -f "$venv/.complete" ]; then
  echo "setup-math: $venv is installed"
  exit 0
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup-math: $PYTHON is not installed; install Python >= 3.10 (e.g. 'apt-get install -y python3 python3-venv') and run this again" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "setup-math: math-verify needs Python >= 3.10, $PYTHON is $("$PYTHON" --version 2>&1); set PYTHON=/path/to/python3.10+ and run this again" >&2
  exit 1
fi
echo "setup-math: installing math-verify into $venv"
rm -rf "$venv"
mkdir -p "$CACHE/venvs"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
# Prove the grader starts with these packages before marking the venv complete.
echo '{"id":0,"gold":"49","predicted":"\\text{49}"}' | "$venv/bin/python" lib/engine/math/grader.py | grep -q '"correct": true' \
  || { echo "setup-math: the grader does not work in $venv (see above)" >&2; exit 1; }
touch "$venv/.complete"
echo "setup-math: installed $venv"

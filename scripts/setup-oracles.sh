#!/usr/bin/env bash
# The reference implementations the differential tests call as oracles
# (docs/fidelity.md), each in a cached venv of its own:
#   test/oracles/<name>/requirements.txt          pip install -r (pinned versions)
#   test/oracles/<name>/requirements-nodeps.txt   optional, pip install --no-deps -r
# The venv lives in $CACHE/venvs/oracle-<name>-<hash of the two files>, so a
# changed pin builds a new venv and an unchanged one is reused (CI on a reused
# machine skips the install). test/support/oracle.ts finds it the same way.
# `npm test` runs this (scripts/setup-tests.sh); one name: setup-oracles.sh NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"
only="${1:-}"
for dir in test/oracles/*/; do
  name="$(basename "$dir")"
  [ -f "$dir/requirements.txt" ] || continue
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  # requirements-nodeps.txt is optional: a missing one must not fail the pipeline (pipefail).
  hash="$({ cat "$dir/requirements.txt"; if [ -f "$dir/requirements-nodeps.txt" ]; then cat "$dir/requirements-nodeps.txt"; fi; } | sha256sum | cut -c1-12)"
  venv="$CACHE/venvs/oracle-$name-$hash"
  if [ -f "$venv/.complete" ]; then continue; fi
  echo "setup-oracles: installing the $name oracle into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$dir/requirements.txt"
  if [ -f "$dir/requirements-nodeps.txt" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$dir/requirements-nodeps.txt"
  fi
  if [ -x "$dir/post-install.sh" ]; then VENV="$venv" "$dir/post-install.sh"; fi
  touch "$venv/.complete"
done

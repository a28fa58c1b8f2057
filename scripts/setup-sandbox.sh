#!/usr/bin/env bash
# What the sandbox role needs on a Debian host (code benchmarks: HumanEval,
# LiveCodeBench, SciCode): bubblewrap, util-linux's prlimit/setpriv, and
# Debian's Python 3 with the packages benchmark programs import. Idempotent:
# installs only what is missing (as root through apt-get; otherwise it prints
# the command to run).
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v prlimit >/dev/null 2>&1 || need+=(util-linux)
command -v python3 >/dev/null 2>&1 || need+=(python3)
for m in numpy:python3-numpy scipy:python3-scipy sympy:python3-sympy h5py:python3-h5py; do
  /usr/bin/python3 -c "import ${m%%:*}" 2>/dev/null || need+=("${m##*:}")
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "setup-sandbox: installing ${need[*]}"
  apt-get update -q && apt-get install -y -q "${need[@]}"
else
  echo "setup-sandbox: the sandbox needs: ${need[*]} — install with 'sudo apt-get install -y ${need[*]}'" >&2
  exit 1
fi

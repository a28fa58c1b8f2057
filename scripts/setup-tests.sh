#!/usr/bin/env bash
# Everything the tests need besides Node itself, installed once and idempotent
# (later runs find it and skip): npm dependencies, the build, the temporal and
# minio binaries (~/.cache/evalflow/bin) and the math grader's venv
# (math-verify, ~/.cache/evalflow/venvs/math-verify-*: gsm8k and AIME scoring,
# via `evalflow dev install` = scripts/setup-math.sh), Debian's chromium
# (report tests), bubblewrap and Python with numpy/scipy/sympy/h5py (sandbox
# and code benchmarks), inspect_ai and MLflow in cached venvs (export tests),
# and the reference packages the differential tests call as oracles
# (scripts/setup-oracles.sh, test/oracles/*).
# `npm test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"

[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
node bin/evalflow.js dev install

# A Debian package the tests need, installed when its command is missing (as root;
# otherwise the command to run is printed).
need_apt() { # COMMAND PACKAGE WHAT-NEEDS-IT
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2"
  else
    echo "setup-tests: $1 is missing; install it with 'sudo apt-get install -y $2' ($3)" >&2
  fi
}
need_apt chromium chromium "the report tests need headless Chromium"
# The openssl CLI makes the test CAs and certificates (test/support/s3-tls.ts, grpc-proxy.ts).
need_apt openssl openssl "the TLS tests of Temporal and S3 need it"

# Debian's nginx (its `nginx` package has the gRPC and HTTP/2 modules built in) as the
# mTLS/API-key proxy in front of Temporal (test/integration/temporal-tls.test.ts). Unpacked
# into the cache, not installed: an installed nginx would start a system server on port 80.
if [ ! -x "$CACHE/nginx/usr/sbin/nginx" ]; then
  NGINX_TMP="$(mktemp -d)"
  ( cd "$NGINX_TMP" && { apt-get download -q nginx 2>/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -q >/dev/null && apt-get download -q nginx; }; } )
  dpkg -x "$NGINX_TMP"/nginx_*.deb "$CACHE/nginx"
  rm -rf "$NGINX_TMP"
fi

bash scripts/setup-sandbox.sh
bash scripts/setup-test-server.sh

INSPECT_VENV="$CACHE/venvs/inspect"
if ! { [ -x "$INSPECT_VENV/bin/python" ] && "$INSPECT_VENV/bin/python" -c 'import inspect_ai' 2>/dev/null; }; then
  python3 -m venv "$INSPECT_VENV" && "$INSPECT_VENV/bin/python" -m pip install -q inspect_ai==0.3.285
fi

bash scripts/mlflow-server.sh install

bash scripts/setup-oracles.sh

# The offline validator of deploy/'s Kubernetes manifests (Go, cached by a hash of its sources).
bash scripts/setup-deploy-validate.sh >/dev/null
# #14: the real GGUF model (Gemma 3 270M base, 253 MB, ~4 s) for test/integration/gguf-server.test.ts
bash scripts/setup-model.sh >/dev/null

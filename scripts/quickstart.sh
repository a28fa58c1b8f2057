#!/usr/bin/env bash
# The quickstart: from a fresh clone to a finished evaluation suite.
#  1. installs the npm dependencies and builds evalflow
#  2. installs Temporal and MinIO into ~/.cache/evalflow/bin (first time: a few minutes)
#     and the math grader (math-verify in a Python venv, scripts/setup-math.sh) that scores gsm8k
#  3. starts them on 127.0.0.1 (evalflow dev up)
#  4. starts the SCRIPTED DEMO MODEL (not a real LLM) on 127.0.0.1:8765 and a worker
#  5. runs configs/quickstart.yaml (small samples of gsm8k and MMLU-Pro) and prints the results
# Pointed at a real endpoint, the same config runs unchanged:
#   evalflow run -c configs/quickstart.yaml -o target.api_endpoint.url=https://.../v1/chat/completions \
#       -o target.api_endpoint.model_id=... -o target.api_endpoint.api_key_name=MY_KEY --wait
set -euo pipefail
cd "$(dirname "$0")/.."
export EVALFLOW_HOME="${EVALFLOW_HOME:-$HOME/.evalflow}"
if [ -z "${EVALFLOW_DATASETS_DIR:-}" ] && [ -d ../shared/datasets ]; then
  export EVALFLOW_DATASETS_DIR="$(cd ../shared/datasets && pwd)"
fi
mkdir -p "$EVALFLOW_HOME/logs"

[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
bash scripts/setup-math.sh
node bin/evalflow.js dev up

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== starting the SCRIPTED DEMO MODEL (not a real LLM); log: $EVALFLOW_HOME/logs/demo-endpoint.log"
node bin/evalflow.js demo-endpoint --port "${EVALFLOW_DEMO_PORT:-8765}" >"$EVALFLOW_HOME/logs/demo-endpoint.log" 2>&1 &
pids+=($!)
echo "== starting an evalflow worker; log: $EVALFLOW_HOME/logs/worker.log"
node bin/evalflow.js worker >"$EVALFLOW_HOME/logs/worker.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  grep -q "serving" "$EVALFLOW_HOME/logs/demo-endpoint.log" 2>/dev/null && grep -q "task queue" "$EVALFLOW_HOME/logs/worker.log" 2>/dev/null && break
  sleep 0.5
done
grep -q "serving" "$EVALFLOW_HOME/logs/demo-endpoint.log" || { cat "$EVALFLOW_HOME/logs/demo-endpoint.log"; exit 1; }
grep -q "task queue" "$EVALFLOW_HOME/logs/worker.log" || { cat "$EVALFLOW_HOME/logs/worker.log"; exit 1; }

node bin/evalflow.js run --config configs/quickstart.yaml --wait "$@"
echo
echo "Temporal and MinIO keep running (Web UI: http://127.0.0.1:8233); stop them with: node bin/evalflow.js dev down"

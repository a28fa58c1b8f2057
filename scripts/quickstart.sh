#!/usr/bin/env bash
# The quickstart: from a fresh clone to a finished evaluation suite.
#  1. installs the npm dependencies and builds evalflow
#  2. installs Temporal and MinIO into ~/.cache/evalflow/bin (first time: a few minutes)
#     and the math grader (math-verify in a Python venv, scripts/setup-math.sh) that scores gsm8k
#  3. starts them on 127.0.0.1 (evalflow dev up)
#  4. starts the SCRIPTED DEMO MODEL (not a real LLM) on 127.0.0.1:8765 and a worker
#  5. runs configs/quickstart.yaml (small samples of gsm8k and MMLU-Pro) and prints the results
# With --real-model (npm run quickstart -- --real-model), step 4 starts instead a REAL model on this
# CPU: `evalflow serve-gguf` with Gemma 3 270M base (scripts/setup-model.sh downloads it, 253 MB, Gemma
# Terms of Use), and step 5 runs the same config against it with 5 samples per task and 128 tokens per
# answer. That tiny base model answers almost nothing right: it exercises real tokens, latency,
# truncation (finish_reason length) and unparseable answers, and measures nothing.
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

real_model=0
args=()
for a in "$@"; do
  if [ "$a" = --real-model ]; then real_model=1; else args+=("$a"); fi
done

[ -d node_modules ] || npm ci --no-audit --no-fund
# EVALFLOW_QUICKSTART_NO_BUILD=1: use the existing build (test/integration/quickstart.test.ts runs this script
# while other test processes read dist/).
[ "${EVALFLOW_QUICKSTART_NO_BUILD:-}" = 1 ] || npm run build --silent
bash scripts/setup-math.sh
node bin/evalflow.js dev up

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ "$real_model" = 1 ]; then
  endpoint_log="$EVALFLOW_HOME/logs/gguf-server.log"
  model="$(bash scripts/setup-model.sh)"
  port="${EVALFLOW_GGUF_PORT:-8766}"
  echo "== starting a REAL model on this CPU: evalflow serve-gguf $model (Gemma 3 270M base, Gemma Terms of Use); log: $endpoint_log"
  echo "   This tiny base model answers almost nothing right: the run exercises real tokens, latency, truncation and unparseable answers; its scores measure nothing."
  node bin/evalflow.js serve-gguf "$model" --port "$port" --quiet >"$endpoint_log" 2>&1 &
  pids+=($!)
  args=(-o "target.api_endpoint.url=http://127.0.0.1:$port/v1/chat/completions" -o target.api_endpoint.model_id=gemma-3-270m-q4_k_m
        -o evaluation.nemo_evaluator_config.config.params.max_new_tokens=128 -o evaluation.nemo_evaluator_config.config.params.parallelism=2
        -o evaluation.tasks.gsm8k.nemo_evaluator_config.config.params.limit_samples=5
        -o evaluation.tasks.ns_mmlu_pro.nemo_evaluator_config.config.params.limit_samples=5 ${args[@]+"${args[@]}"})
else
  endpoint_log="$EVALFLOW_HOME/logs/demo-endpoint.log"
  echo "== starting the SCRIPTED DEMO MODEL (not a real LLM); log: $endpoint_log"
  demo_port="${EVALFLOW_DEMO_PORT:-8765}"
  node bin/evalflow.js demo-endpoint --port "$demo_port" >"$endpoint_log" 2>&1 &
  pids+=($!)
  # configs/quickstart.yaml names port 8765; another EVALFLOW_DEMO_PORT moves the url with it.
  args=(-o "target.api_endpoint.url=http://127.0.0.1:$demo_port/v1/chat/completions" ${args[@]+"${args[@]}"})
fi
echo "== starting an evalflow worker; log: $EVALFLOW_HOME/logs/worker.log"
node bin/evalflow.js worker >"$EVALFLOW_HOME/logs/worker.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 240); do
  grep -q "serving" "$endpoint_log" 2>/dev/null && grep -q "evalflow worker: main on" "$EVALFLOW_HOME/logs/worker.log" 2>/dev/null && break
  sleep 0.5
done
grep -q "serving" "$endpoint_log" || { cat "$endpoint_log"; exit 1; }
grep -q "evalflow worker: main on" "$EVALFLOW_HOME/logs/worker.log" || { cat "$EVALFLOW_HOME/logs/worker.log"; exit 1; }

node bin/evalflow.js run --config configs/quickstart.yaml --wait ${args[@]+"${args[@]}"}
if [ "$real_model" = 1 ]; then
  echo
  echo "These scores are of Gemma 3 270M BASE, a tiny model that is not instruction-tuned: they show real tokens, latency,"
  echo "truncated answers (finish_reason length) and unparseable answers going through evalflow, not how good any model is."
fi
echo
echo "Temporal and MinIO keep running (Web UI: ${EVALFLOW_TEMPORAL_UI:-http://127.0.0.1:8233}); stop them with: node bin/evalflow.js dev down"

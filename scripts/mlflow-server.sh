#!/usr/bin/env bash
# A local MLflow tracking server for `evalflow export <run-id> --dest mlflow` and its tests.
#
#   scripts/mlflow-server.sh install
#       installs MLflow (pinned below) from PyPI into a venv in
#       ${EVALFLOW_CACHE_DIR:-~/.cache/evalflow}/venvs/mlflow; skipped when it is already there.
#   scripts/mlflow-server.sh start [--port 5000] [--dir ~/.evalflow/mlflow]
#       installs if needed, then starts `mlflow server` on 127.0.0.1:PORT in the background
#       (backend store sqlite:///DIR/mlflow.db, artifacts proxied into DIR/artifacts),
#       waits until it answers, and prints its PID on stdout. Log: DIR/mlflow-server.log.
#       Stop it with: kill PID
#   scripts/mlflow-server.sh run [--port 5000] [--dir ...]
#       the same in the foreground (Ctrl-C stops it).
#   scripts/mlflow-server.sh path
#       prints the venv's `mlflow` executable (exit 1 when not installed).
#
# Environment: EVALFLOW_CACHE_DIR, EVALFLOW_MLFLOW_VERSION (default below), PYTHON (default python3).
set -euo pipefail

MLFLOW_VERSION="${EVALFLOW_MLFLOW_VERSION:-3.17.2}"
CACHE_DIR="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"
VENV="$CACHE_DIR/venvs/mlflow"
MLFLOW="$VENV/bin/mlflow"
PYTHON="${PYTHON:-python3}"

installed() {
  [ -x "$MLFLOW" ] && [ -f "$VENV/.evalflow-mlflow-$MLFLOW_VERSION" ]
}

install() {
  if installed; then
    echo "mlflow $MLFLOW_VERSION already installed in $VENV" >&2
    return 0
  fi
  local t0; t0=$(date +%s)
  echo "== installing mlflow $MLFLOW_VERSION into $VENV (first time: a few minutes)" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "mlflow==$MLFLOW_VERSION" >&2
  "$MLFLOW" --version >&2
  touch "$VENV/.evalflow-mlflow-$MLFLOW_VERSION"
  echo "== mlflow installed in $(( $(date +%s) - t0 )) s" >&2
}

cmd="${1:-start}"
[ $# -gt 0 ] && shift
case "$cmd" in -h|--help|help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
PORT=5000
DIR="${EVALFLOW_HOME:-$HOME/.evalflow}/mlflow"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --dir) DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mlflow-server.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

server_args() {
  mkdir -p "$DIR/artifacts"
  DIR="$(cd "$DIR" && pwd)"
  ARGS=(server --host 127.0.0.1 --port "$PORT"
        --backend-store-uri "sqlite:///$DIR/mlflow.db"
        --artifacts-destination "$DIR/artifacts"
        --serve-artifacts --workers 1)
}

case "$cmd" in
  install) install ;;
  path)
    if installed; then echo "$MLFLOW"; else echo "mlflow is not installed; run: scripts/mlflow-server.sh install" >&2; exit 1; fi ;;
  run)
    install
    server_args
    exec "$MLFLOW" "${ARGS[@]}" ;;
  start)
    install
    server_args
    log="$DIR/mlflow-server.log"
    # setsid: its own process group, so `kill -- -PID` also ends the server's workers.
    setsid "$MLFLOW" "${ARGS[@]}" >"$log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 240); do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "mlflow server exited during startup; log $log:" >&2; tail -n 40 "$log" >&2; exit 1
      fi
      if "$VENV/bin/python" - "$PORT" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=2).read()
PY
      then
        echo "mlflow server on http://127.0.0.1:$PORT (pid $pid, data $DIR, log $log)" >&2
        echo "$pid"
        exit 0
      fi
      sleep 0.5
    done
    echo "mlflow server did not answer on 127.0.0.1:$PORT within 120 s; log $log:" >&2
    tail -n 40 "$log" >&2
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    exit 1 ;;
  *) echo "usage: scripts/mlflow-server.sh install | start | run | path [--port N] [--dir DIR]" >&2; exit 2 ;;
esac

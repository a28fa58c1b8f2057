#!/usr/bin/env bash
# Builds deploy/validate (the offline strict decoder of deploy/'s Kubernetes
# manifests, docs/operations.md "Running on Kubernetes") once into
#   ${EVALFLOW_CACHE_DIR:-~/.cache/evalflow}/bin/evalflow-k8s-validate-<hash>
# keyed by a hash of its go.mod, go.sum, Go sources and the Go version, so a
# change rebuilds and an unchanged one is reused. Prints the binary's path.
# Needs Go (the version of deploy/validate/go.mod or newer) and the Go module
# proxy for the first build. Run by scripts/setup-tests.sh; the deploy
# manifests test runs it too.
set -euo pipefail
cd "$(dirname "$0")/../deploy/validate"
CACHE="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"
if ! command -v go >/dev/null 2>&1; then
  echo "setup-deploy-validate: Go is not installed (needed to build deploy/validate); install Go $(sed -n 's/^go //p' go.mod) or newer and run this again" >&2
  exit 1
fi
hash="$({ go env GOVERSION; cat go.mod go.sum; cat $(ls *.go | sort); } | sha256sum | cut -c1-12)"
bin="$CACHE/bin/evalflow-k8s-validate-$hash"
if [ ! -x "$bin" ]; then
  mkdir -p "$CACHE/bin"
  echo "setup-deploy-validate: building $bin" >&2
  start=$(date +%s)
  go build -buildvcs=false -trimpath -o "$bin.tmp" .
  mv "$bin.tmp" "$bin"
  echo "setup-deploy-validate: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"

#!/usr/bin/env bash
# Temporal's time-skipping test server for the workflow tests (test/workflows/),
# installed like the other test binaries instead of being downloaded by the SDK
# at run time (which CI cannot do). It is the Maven artifact
# io.temporal:temporal-test-server (test/workflow-server/pom.xml), started by
# our launcher test/workflow-server/LoopbackTestServer.java, which listens on
# 127.0.0.1 only (the artifact's own main class binds every interface).
#
# Installs into $EVALFLOW_CACHE_DIR (default ~/.cache/evalflow):
#   test-server/<version>/lib/       the jars (mvn dependency:copy-dependencies)
#   test-server/<version>/classes/   the compiled launcher
#   bin/temporal-test-server         the executable the tests give the SDK
#                                    (TestWorkflowEnvironment, existing-path)
# Idempotent: skips when the wrapper, the jars and the launcher compiled from
# the current source (hash file) are all there. Needs a JDK 17+ (java, javac)
# and Maven; as root it installs them with apt-get, otherwise it says what to run.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"
SRC_DIR="$PWD/test/workflow-server"
VERSION="$(sed -n 's:.*<artifactId>temporal-test-server</artifactId><version>\([^<]*\)</version>.*:\1:p' "$SRC_DIR/pom.xml")"
if [ -z "$VERSION" ]; then
  echo "setup-test-server: cannot read temporal-test-server's version from $SRC_DIR/pom.xml" >&2
  exit 1
fi
DEST="$CACHE/test-server/$VERSION"
WRAPPER="$CACHE/bin/temporal-test-server"
HASH="$(cat "$SRC_DIR/LoopbackTestServer.java" "$SRC_DIR/pom.xml" | sha256sum | cut -d' ' -f1)"

if [ -x "$WRAPPER" ] && [ -f "$DEST/classes/LoopbackTestServer.class" ] && [ -f "$DEST/source.sha256" ] &&
  [ "$(cat "$DEST/source.sha256")" = "$HASH" ] && grep -qF "$DEST" "$WRAPPER"; then
  exit 0
fi

need=()
{ command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; } || need+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    echo "setup-test-server: installing ${need[*]}"
    apt-get update -q && apt-get install -y -q "${need[@]}"
  else
    echo "setup-test-server: the workflow tests' time-skipping server needs a JDK 17+ (java, javac) and Maven (mvn);" \
      "install them with 'sudo apt-get install -y ${need[*]}' and run 'bash scripts/setup-test-server.sh' again" >&2
    exit 1
  fi
fi

t0=$(date +%s)
echo "setup-test-server: installing Temporal's test server $VERSION into $DEST"
rm -rf "$DEST.tmp"
mkdir -p "$DEST.tmp/lib" "$DEST.tmp/classes" "$CACHE/bin"
if ! mvn -q -B -Dstyle.color=never -f "$SRC_DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$DEST.tmp/lib" >"$DEST.tmp/mvn.log" 2>&1; then
  cat "$DEST.tmp/mvn.log" >&2
  echo "setup-test-server: Maven could not fetch io.temporal:temporal-test-server:$VERSION and its dependencies" \
    "(its output is above: check the network, or the repository settings in ~/.m2/settings.xml)" >&2
  exit 1
fi
rm -f "$DEST.tmp/mvn.log"
javac -nowarn -cp "$DEST.tmp/lib/*" -d "$DEST.tmp/classes" "$SRC_DIR/LoopbackTestServer.java"
echo "$HASH" >"$DEST.tmp/source.sha256"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"

# The SDK runs `<wrapper> <port> [extraArgs…]` (sdk-core ephemeral_server, TestServerConfig).
cat >"$WRAPPER.tmp" <<EOF
#!/bin/sh
# Temporal's time-skipping test server $VERSION on 127.0.0.1 (scripts/setup-test-server.sh).
# Usage: temporal-test-server <port> [--enable-time-skipping]
exec java -cp "$DEST/classes:$DEST/lib/*" LoopbackTestServer "\$@"
EOF
chmod +x "$WRAPPER.tmp"
mv "$WRAPPER.tmp" "$WRAPPER"
echo "setup-test-server: $WRAPPER ready ($(ls "$DEST/lib" | wc -l) jars, $(($(date +%s) - t0)) s)"

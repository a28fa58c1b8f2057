#!/usr/bin/env bash
# Derive the expected verdicts of test/fixtures/mcq-0b012df8.json and
# test/fixtures/hle-judgement-0b012df8.json by running NeMo-Skills' own
# functions, at the pinned commit, on the generated corpora
# (test/corpora/mcq.ts, test/corpora/hle-judge.ts).
#
#   npx tsc -p . && bash scripts/derive-ns-fixtures.sh <NeMo-Skills git dir>
#
# NeMo-Skills is not on PyPI. Its files are read with `git show <commit>:<path>`
# into a temporary directory (never into this repository) and imported with
# empty stand-ins for the modules they import but these functions never call
# (math_verify, latex2sympy2_extended, tqdm, nemo_skills.utils' two helpers).
# Needs python3 (standard library only).
#   MCQ: evaluator/mcq.py eval_mcq with its default MCQEvaluatorConfig, run on a
#        jsonl of {generation, expected_answer}; the fixture keeps predicted_answer.
#   HLE: metrics/utils.py is_correct_judgement(text) and (text, return_none=True).
set -euo pipefail
NS_GIT="${1:?usage: derive-ns-fixtures.sh <NeMo-Skills git dir>}"
COMMIT=0b012df8a09cd4730d31b16e90a0d8f13d145fb8
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$ROOT/dist/test/corpora/mcq.js" ] || { echo "build first: npx tsc -p ." >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/nemo_skills/evaluation/evaluator" "$WORK/nemo_skills/evaluation/metrics" \
  "$WORK/stubs/math_verify" "$WORK/stubs/latex2sympy2_extended" "$WORK/stubs/tqdm"
for f in evaluation/evaluator/mcq.py evaluation/evaluator/base.py evaluation/math_grader.py evaluation/metrics/utils.py; do
  git -C "$NS_GIT" show "$COMMIT:nemo_skills/$f" > "$WORK/nemo_skills/$f"
done
touch "$WORK/nemo_skills/__init__.py" "$WORK/nemo_skills/evaluation/__init__.py" \
  "$WORK/nemo_skills/evaluation/evaluator/__init__.py" "$WORK/nemo_skills/evaluation/metrics/__init__.py"
cat > "$WORK/nemo_skills/utils.py" <<'EOF'
# Stand-in: the two helpers the files above import from nemo_skills.utils.
from dataclasses import dataclass
from pathlib import Path
def get_logger_name(file):
    return f"[external] {Path(file).stem}"
def nested_dataclass(*args, **kwargs):
    def wrapper(c):
        return dataclass(c, **kwargs)
    return wrapper(args[0]) if args else wrapper
EOF
printf 'class NormalizationConfig: pass\ndef normalize_latex(*a, **k): raise NotImplementedError\n' > "$WORK/stubs/latex2sympy2_extended/__init__.py"
printf 'class LatexExtractionConfig: pass\nclass StringExtractionConfig: pass\ndef parse(*a, **k): raise NotImplementedError\ndef verify(*a, **k): raise NotImplementedError\n' > "$WORK/stubs/math_verify/__init__.py"
printf 'def tqdm(x, *a, **k): return x\n' > "$WORK/stubs/tqdm/__init__.py"

cat > "$WORK/derive.py" <<'EOF'
import hashlib, json, logging, os, subprocess, sys, tempfile
work, root, commit, python = sys.argv[1], sys.argv[2], sys.argv[3], sys.version.split()[0]
sys.path[:0] = [work, os.path.join(work, 'stubs')]
logging.disable(logging.CRITICAL)
from nemo_skills.evaluation.evaluator.mcq import eval_mcq
from nemo_skills.evaluation.metrics.utils import is_correct_judgement

def corpus(name):
    return json.loads(subprocess.run(['node', os.path.join(root, 'dist/test/corpora', name + '.js')], check=True, capture_output=True, text=True).stdout)

def sha(texts):
    # JSON.stringify of the list, as test/corpora/fixture.ts hashes it
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False, separators=(',', ':')).encode('utf-8')).hexdigest()

def write(name, generator, file, function, call, texts, expected):
    head = {
        'reference': {'repository': 'NVIDIA/NeMo-Skills', 'commit': commit, 'file': file, 'function': function, 'call': call},
        'derived_by': f'scripts/derive-ns-fixtures.sh: the reference function run on the corpus (Python {python})',
        'corpus': {'generator': generator, 'size': len(texts), 'sha256': sha(texts)},
    }
    body = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    lines = ',\n'.join('    ' + json.dumps(e, ensure_ascii=False) for e in expected)
    with open(os.path.join(root, 'test/fixtures', name), 'w', encoding='utf-8') as f:
        f.write(body + ',\n  "expected": [\n' + lines + '\n  ]\n}\n')
    print(f'{name}: {len(texts)} cases')

texts = corpus('mcq')
fd, path = tempfile.mkstemp(suffix='.jsonl'); os.close(fd)
with open(path, 'w', encoding='utf-8') as f:
    for t in texts:
        f.write(json.dumps({'generation': t, 'expected_answer': 'A'}) + '\n')
eval_mcq({'input_file': path})
with open(path, encoding='utf-8') as f:
    letters = [json.loads(line)['predicted_answer'] for line in f]
os.remove(path)
write('mcq-0b012df8.json', 'test/corpora/mcq.ts mcqCorpus()', 'nemo_skills/evaluation/evaluator/mcq.py', 'eval_mcq.extract_letter',
      'eval_mcq({input_file}) with the default MCQEvaluatorConfig; predicted_answer per line', texts, letters)

texts = corpus('hle-judge')
write('hle-judgement-0b012df8.json', 'test/corpora/hle-judge.ts hleJudgeCorpus()', 'nemo_skills/evaluation/metrics/utils.py', 'is_correct_judgement',
      '[is_correct_judgement(text), is_correct_judgement(text, return_none=True)]', texts,
      [[is_correct_judgement(t), is_correct_judgement(t, return_none=True)] for t in texts])
EOF
mkdir -p "$ROOT/test/fixtures"
python3 "$WORK/derive.py" "$WORK" "$ROOT" "$COMMIT"

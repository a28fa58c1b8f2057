/**
 * A generated corpus of LiveCodeBench stdin programs: 10 small stdin problems,
 * each solved by the same core function and wrapped in many input-reading,
 * printing and control-flow styles models write (input(), sys.stdin.*,
 * sys.stdin.buffer, open(0), os.read(0), fileinput, `from sys import stdin`,
 * print sep/end, sys.stdout.write / .buffer.write, exit()/quit()/sys.exit()
 * after printing, threads with and without join, recursion limits,
 * `if __name__ == "__main__":` guards, exceptions after correct output,
 * trailing whitespace, float formatting, …).
 *
 * The expected verdict of every program is the verdict of the reference grader
 * (see lcb-reference-verdicts.ts for how it was derived); the corpus itself
 * holds no verdicts. `npm run build && node -e` over `lcbStyleCorpus()` dumps
 * it for re-deriving them.
 */

export interface LcbCorpusTest {
  input: string;
  output: string;
}

export interface LcbCorpusProblem {
  name: string;
  /** Python source defining `solve(tokens: list[str]) -> list[str]` (output lines). */
  solve: string;
  tests: LcbCorpusTest[];
}

export interface LcbCorpusProgram {
  id: string;
  problem: string;
  style: string;
  code: string;
}

export const LCB_CORPUS_PROBLEMS: LcbCorpusProblem[] = [
  {
    name: 'sum',
    solve: 'def solve(t):\n    n = int(t[0])\n    return [str(sum(int(x) for x in t[1:1 + n]))]',
    tests: [
      { input: '3\n1 2 3\n', output: '6\n' },
      { input: '1\n-7\n', output: '-7\n' },
      { input: '5\n10 20 30 40 50\n', output: '150\n' },
    ],
  },
  {
    name: 'max',
    solve: 'def solve(t):\n    n = int(t[0])\n    return [str(max(int(x) for x in t[1:1 + n]))]',
    tests: [
      { input: '4\n3 9 2 9\n', output: '9\n' },
      { input: '2\n-5 -3\n', output: '-3' },
    ],
  },
  {
    name: 'reverse',
    solve: 'def solve(t):\n    return [t[0][::-1]]',
    tests: [
      { input: 'abc\n', output: 'cba\n' },
      { input: 'racecar\n', output: 'racecar\n' },
      { input: 'xy', output: 'yx\n' },
    ],
  },
  {
    name: 'products',
    solve: 'def solve(t):\n    n = int(t[0])\n    return [str(int(t[1 + 2 * i]) * int(t[2 + 2 * i])) for i in range(n)]',
    tests: [
      { input: '3\n1 2\n3 4\n5 6\n', output: '2\n12\n30\n' },
      { input: '1\n7 7\n', output: '49\n' },
    ],
  },
  {
    name: 'mean',
    solve: 'def solve(t):\n    n = int(t[0])\n    v = [int(x) for x in t[1:1 + n]]\n    return ["%.6f" % (sum(v) / n)]',
    tests: [
      { input: '2\n2 3\n', output: '2.5\n' },
      { input: '3\n1 1 2\n', output: '1.333333\n' },
      { input: '1\n4\n', output: '4\n' },
    ],
  },
  {
    name: 'sort',
    solve: 'def solve(t):\n    n = int(t[0])\n    return [" ".join(map(str, sorted(int(x) for x in t[1:1 + n])))]',
    tests: [
      { input: '5\n5 3 1 4 2\n', output: '1 2 3 4 5\n' },
      { input: '3\n0 -1 0\n', output: '-1 0 0\n' },
    ],
  },
  {
    name: 'palindrome',
    solve: 'def solve(t):\n    s = t[0]\n    return ["Yes" if s == s[::-1] else "No"]',
    tests: [
      { input: 'abba\n', output: 'Yes\n' },
      { input: 'abc\n', output: 'No\n' },
      { input: 'a\n', output: 'Yes\n' },
    ],
  },
  {
    name: 'gcd',
    solve: 'def solve(t):\n    a, b = int(t[0]), int(t[1])\n    while b:\n        a, b = b, a % b\n    return [str(a)]',
    tests: [
      { input: '12 18\n', output: '6\n' },
      { input: '7 13\n', output: '1\n' },
    ],
  },
  {
    name: 'prefix',
    solve:
      'def solve(t):\n    n = int(t[0])\n    out, acc = [], 0\n    for x in t[1:1 + n]:\n        acc += int(x)\n        out.append(str(acc))\n    return out',
    tests: [
      { input: '4\n1\n2\n3\n4\n', output: '1\n3\n6\n10\n' },
      { input: '2\n5\n-5\n', output: '5\n0\n' },
    ],
  },
  {
    name: 'grid',
    solve:
      'def solve(t):\n    h, w = int(t[0]), int(t[1])\n    rows = t[2:2 + h]\n    return [str(sum(r.count("#") for r in rows)), str(w)]',
    tests: [
      { input: '2 3\n#.#\n..#\n', output: '3\n3\n' },
      { input: '1 1\n.\n', output: '0\n1\n' },
    ],
  },
];

/**
 * A style: `read` binds `tokens` (the whitespace-separated input tokens),
 * `write` prints `lines` (a list of str). `wrap` arranges the pieces.
 */
interface Style {
  name: string;
  imports?: string;
  read: string;
  write: string;
  /** 'top' (module level), 'main' (def main(): … main()), 'guard' (__main__ guard), or a custom template. */
  layout?: 'top' | 'main' | 'guard' | ((body: string) => string);
  after?: string;
}

const PRINT = 'print("\\n".join(lines))';

function indent(s: string, by = '    '): string {
  return s
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

const STYLES: Style[] = [
  // --- reading ---------------------------------------------------------------
  { name: 'input-eof-loop', read: 'buf = []\nwhile True:\n    try:\n        buf.append(input())\n    except EOFError:\n        break\ntokens = " ".join(buf).split()', write: PRINT },
  { name: 'sys.stdin.read().split()', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT },
  { name: 'sys.stdin.readlines()', imports: 'import sys', read: 'tokens = " ".join(sys.stdin.readlines()).split()', write: PRINT },
  { name: 'sys.stdin.readline-loop', imports: 'import sys', read: 'tokens = []\nwhile True:\n    line = sys.stdin.readline()\n    if not line:\n        break\n    tokens += line.split()', write: PRINT },
  { name: 'input=sys.stdin.readline', imports: 'import sys', read: 'input = sys.stdin.readline\ntokens = []\nline = input()\nwhile line:\n    tokens += line.split()\n    line = input()', write: PRINT },
  { name: 'input=sys.stdin.buffer.readline', imports: 'import sys', read: 'input = sys.stdin.buffer.readline\ntokens = []\nline = input()\nwhile line:\n    tokens += line.decode().split()\n    line = input()', write: PRINT },
  { name: 'sys.stdin.buffer.read()', imports: 'import sys', read: 'tokens = sys.stdin.buffer.read().decode().split()', write: PRINT },
  { name: 'open(0).read()', read: 'tokens = open(0).read().split()', write: PRINT },
  { name: 'os.read(0)', imports: 'import os', read: 'tokens = os.read(0, 1 << 20).decode().split()', write: PRINT },
  { name: 'io.BytesIO(os.read(0, fstat))', imports: 'import io, os', read: 'input = io.BytesIO(os.read(0, os.fstat(0).st_size)).readline\ntokens = []\nline = input()\nwhile line:\n    tokens += line.decode().split()\n    line = input()', write: PRINT },
  { name: 'fileinput.input()', imports: 'import fileinput', read: 'tokens = []\nfor line in fileinput.input():\n    tokens += line.split()', write: PRINT },
  { name: 'from-sys-import-stdin.read()', imports: 'from sys import stdin', read: 'tokens = stdin.read().split()', write: PRINT },
  { name: 'from-sys-import-stdin-iterate', imports: 'from sys import stdin', read: 'tokens = []\nfor line in stdin:\n    tokens += line.split()', write: PRINT },
  { name: 'from-sys-import-stdin.readline', imports: 'from sys import stdin', read: 'tokens = []\nwhile True:\n    line = stdin.readline()\n    if not line:\n        break\n    tokens += line.split()', write: PRINT },
  { name: 'for-line-in-sys.stdin', imports: 'import sys', read: 'tokens = []\nfor line in sys.stdin:\n    tokens += line.split()', write: PRINT },
  { name: 'prelude-stdin-global', read: 'tokens = stdin.read().split()', write: PRINT },
  { name: 'from-sys-import-stdin-inside-main', read: 'from sys import stdin\ntokens = stdin.read().split()', write: PRINT, layout: 'main' },
  { name: 'iter-next-tokens', imports: 'import sys', read: 'it = iter(sys.stdin.read().split())\ntokens = []\nfor tok in it:\n    tokens.append(tok)', write: PRINT },
  // --- printing --------------------------------------------------------------
  { name: 'print-sep-newline', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'print(*lines, sep="\\n")' },
  { name: 'print-end-empty', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'print("\\n".join(lines), end="")' },
  { name: 'print-per-line-flush', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'for l in lines:\n    print(l, flush=True)' },
  { name: 'sys.stdout.write', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'sys.stdout.write("\\n".join(lines) + "\\n")' },
  { name: 'sys.stdout.buffer.write', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'sys.stdout.buffer.write(("\\n".join(lines) + "\\n").encode())' },
  { name: 'from-sys-import-stdout.write', imports: 'import sys\nfrom sys import stdout', read: 'tokens = sys.stdin.read().split()', write: 'stdout.write("\\n".join(lines) + "\\n")' },
  { name: 'os.write(1)', imports: 'import os, sys', read: 'tokens = sys.stdin.read().split()', write: 'os.write(1, ("\\n".join(lines) + "\\n").encode())' },
  { name: 'trailing-spaces-and-blank-lines', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'for l in lines:\n    print(l + "   ")\nprint()\nprint()' },
  { name: 'leading-blank-line', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'print()\nprint("\\n".join(lines))' },
  { name: 'blank-line-between', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'print("\\n\\n".join(lines))' },
  { name: 'sys.stdout.flush-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'print("\\n".join(lines))\nsys.stdout.flush()' },
  { name: 'sys.stdout.close-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'print("\\n".join(lines))\nsys.stdout.close()' },
  { name: 'float-repr-of-numbers', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: 'out = []\nfor l in lines:\n    try:\n        out.append(repr(float(l)))\n    except ValueError:\n        out.append(l)\nprint("\\n".join(out))' },
  // --- control flow ----------------------------------------------------------
  { name: 'def-main-call', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, layout: 'main' },
  { name: 'main-guard', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, layout: 'guard' },
  {
    name: 'main-guard-not-last',
    imports: 'import sys',
    read: 'tokens = sys.stdin.read().split()',
    write: PRINT,
    layout: (body) => `def main():\n${indent(body)}\n\nif __name__ == "__main__":\n    main()\n\nDONE = True`,
  },
  { name: 'exit()-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, after: 'exit()' },
  { name: 'quit()-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, after: 'quit()' },
  { name: 'sys.exit(0)-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, after: 'sys.exit(0)' },
  { name: 'sys.exit(1)-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, after: 'sys.exit(1)' },
  { name: 'exception-after', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, after: 'raise RuntimeError("after the answer")' },
  { name: 'os._exit(0)-after', imports: 'import os, sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, after: 'sys.stdout.flush()\nos._exit(0)' },
  {
    name: 'thread-joined',
    imports: 'import sys, threading',
    read: 'tokens = sys.stdin.read().split()',
    write: PRINT,
    layout: (body) => `def main():\n${indent(body)}\n\nthreading.stack_size(1 << 26)\nsys.setrecursionlimit(1 << 20)\nt = threading.Thread(target=main)\nt.start()\nt.join()`,
  },
  {
    name: 'thread-not-joined',
    imports: 'import sys, threading',
    read: 'tokens = sys.stdin.read().split()',
    write: PRINT,
    layout: (body) => `def main():\n${indent(body)}\n\nthreading.stack_size(1 << 26)\nsys.setrecursionlimit(1 << 20)\nthreading.Thread(target=main).start()`,
  },
  {
    name: 'recursion-limit-deep-recursion',
    imports: 'import sys',
    read: 'tokens = sys.stdin.read().split()',
    write: PRINT,
    layout: (body) => `sys.setrecursionlimit(10 ** 6)\n\ndef depth(k):\n    return 0 if k == 0 else 1 + depth(k - 1)\n\ndepth(3000)\n${body}`,
  },
  {
    name: 'global-statement',
    imports: 'import sys',
    read: 'tokens = sys.stdin.read().split()',
    write: PRINT,
    layout: (body) => `CALLS = 0\n\ndef bump():\n    global CALLS\n    CALLS += 1\n\nbump()\n${body}`,
  },
  { name: 'os.getcwd-call', imports: 'import os, sys', read: 'here = os.getcwd()\ntokens = sys.stdin.read().split()', write: PRINT },
  { name: 'input-then-read-rest', imports: 'import sys', read: 'first = input()\ntokens = first.split() + sys.stdin.read().split()', write: PRINT },
  { name: 'exit(main())', imports: 'import sys', read: 'tokens = sys.stdin.read().split()', write: PRINT, layout: (body) => `def main():\n${indent(body)}\n\nexit(main())` },
];

function program(problem: LcbCorpusProblem, style: Style): string {
  const body = [style.read, `lines = solve(tokens)`, style.write, style.after ?? ''].filter((s) => s !== '').join('\n');
  const layout = style.layout ?? 'top';
  let main: string;
  if (layout === 'top') main = body;
  else if (layout === 'main') main = `def main():\n${indent(body)}\n\nmain()`;
  else if (layout === 'guard') main = `def main():\n${indent(body)}\n\nif __name__ == "__main__":\n    main()`;
  else main = layout(body);
  return [style.imports ?? '', problem.solve, '', main].filter((s, i) => i > 0 || s !== '').join('\n') + '\n';
}

export const LCB_CORPUS_STYLES: readonly string[] = STYLES.map((s) => s.name);

/** Every problem × every style. */
export function lcbStyleCorpus(): LcbCorpusProgram[] {
  const out: LcbCorpusProgram[] = [];
  for (const p of LCB_CORPUS_PROBLEMS) {
    for (const s of STYLES) out.push({ id: `${p.name}/${s.name}`, problem: p.name, style: s.name, code: program(p, s) });
  }
  return out;
}

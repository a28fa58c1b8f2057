/**
 * A generated corpus of (gold, model reply) pairs for the math grader's
 * differential test (test/unit/math-oracle.test.ts): the ways models write a
 * final answer, equivalent renderings and near misses, for AIME-like integer
 * golds and MATH-like expression golds, each inside a full reply (reasoning,
 * then \boxed{...}, sometimes an earlier box, sometimes no usable box).
 * Deterministic: the same seed gives the same corpus.
 */
import { mulberry32 } from '../../lib/engine/random';

export interface MathCase {
  /** Stable key: style, gold, the boxed answer and the reply wrapper. */
  id: string;
  gold: string;
  /** The full model reply. */
  text: string;
  style: string;
}

type Rng = () => number;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - i + 1)) / i;
  return c;
}

/** A binomial coefficient equal to n (besides n choose 1), if a small one exists. */
function binomialOf(n: number): [number, number] | null {
  for (let a = 4; a <= 45; a++) for (let b = 2; b <= a / 2; b++) if (binomial(a, b) === n) return [a, b];
  return null;
}

/** n as a^b with b ≥ 2, if it is a perfect power. */
function powerOf(n: number): [number, number] | null {
  for (let b = 10; b >= 2; b--) {
    const a = Math.round(n ** (1 / b));
    if (a >= 2 && a ** b === n) return [a, b];
  }
  return null;
}

const FACTORIALS: Record<number, number> = { 6: 3, 24: 4, 120: 5, 720: 6 };

/** Renderings of an integer answer n: [style, answer]. Equivalents first, then near misses. */
function integerRenderings(n: number, r: Rng): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['plain', `${n}`],
    ['text', `\\text{${n}}`],
    ['mathbf', `\\mathbf{${n}}`],
    ['textbf', `\\textbf{${n}}`],
    ['mathrm', `\\mathrm{${n}}`],
    ['displaystyle', `\\displaystyle ${n}`],
    ['displaystyle-braced', `{\\displaystyle ${n}}`],
    ['degrees-circ', `${n}^\\circ`],
    ['degrees-circ-braced', `${n}^{\\circ}`],
    ['degrees-unicode', `${n}°`],
    ['degrees-word', `${n} \\text{ degrees}`],
    ['space-thin', `${n}\\,`],
    ['space-thick', `${n}\\;`],
    ['space-quad', `${n} \\quad`],
    ['space-before', `\\quad ${n}`],
    ['space-neg', `${n}\\!`],
    ['space-backslash', `\\ ${n}`],
    ['inline-paren', `\\(${n}\\)`],
    ['inline-dollar', `$${n}$`],
    ['display-bracket', `\\[${n}\\]`],
    ['percent-escaped', `${n}\\%`],
    ['percent', `${n}%`],
    ['frac', `\\frac{${2 * n}}{2}`],
    ['dfrac', `\\dfrac{${3 * n}}{3}`],
    ['tfrac', `\\tfrac{${4 * n}}{4}`],
    ['slash', `${5 * n}/5`],
    ['sqrt', `\\sqrt{${n * n}}`],
    ['sum', `${Math.floor(n / 2)} + ${n - Math.floor(n / 2)}`],
    ['product', n > 1 && n % 2 === 0 ? `2 \\cdot ${n / 2}` : `1 \\times ${n}`],
    ['assign-x', `x = ${n}`],
    ['assign-mn', `m+n = ${n}`],
    ['assign-bare', `= ${n}`],
    ['sci', `${(n / 100).toString()} \\times 10^{2}`],
    ['sci-e', `${(n / 10).toString()}e1`],
    ['decimal-0', `${n}.0`],
    ['decimal-00', `${n}.00`],
    ['decimal-tiny', `${n}.000000001`],
    ['decimal-half', `${n}.5`],
    ['trailing-dot', `${n}.`],
    ['unit-cm', `${n} \\text{ cm}`],
    ['unit-min', `${n}\\,\\text{min}`],
    ['unit-cm2', `${n} \\, \\text{cm}^2`],
    ['unit-mbox', `${n} \\mbox{ units}`],
    ['unit-dollars-text', `${n} \\text{ dollars}`],
    ['unit-word', `${n} meters`],
    ['dollar-sign', `\\$${n}`],
    ['approx', `${n} \\approx ${n}.0`],
    ['set-braces', `\\{${n}\\}`],
    ['group-braces', `{${n}}`],
    ['parens', `(${n})`],
    ['left-right', `\\left( ${n} \\right)`],
    ['base-subscript', `${n}_{10}`],
    ['mod-pmod', `${n} \\pmod{1000}`],
    ['mod-text', `${n} \\text{ (mod 1000)}`],
    ['sentence', `\\text{The answer is } ${n}`],
    ['combo-bf-circ', `\\mathbf{${n}}^\\circ`],
    ['combo-text-unit', `\\textbf{${n}}\\ \\text{ways}`],
    ['leading-zero', `0${n}`],
    ['leading-zeros', `00${n}`],
    ['unicode-minus', `−${n}`],
    ['negated', `-${n}`],
    ['off-by-one-up', `${n + 1}`],
    ['off-by-one-down', `${n - 1}`],
    ['times-ten', `${n * 10}`],
    ['two-answers', `${n}, ${n + 1}`],
    ['two-answers-or', `${n} \\text{ or } ${n + 2}`],
    ['overline', `\\overline{${n}}`],
    ['wrong-frac', `\\frac{${n}}{2}`],
    ['word', 'undefined'],
    ['empty', ''],
  ];
  const pow = powerOf(n);
  out.push(['power', pow ? `${pow[0]}^${pow[1] > 9 ? `{${pow[1]}}` : pow[1]}` : `${n}^1`]);
  out.push(['power-braced', pow ? `${pow[0]}^{${pow[1]}}` : `${n}^{1}`]);
  if (FACTORIALS[n]) out.push(['factorial', `${FACTORIALS[n]}!`]);
  else out.push(['factorial-ratio', `\\frac{${n} \\cdot 3!}{6}`]);
  const bin = binomialOf(n);
  out.push(['binomial', bin ? `\\binom{${bin[0]}}{${bin[1]}}` : `\\binom{${n}}{1}`]);
  if (bin) out.push(['binomial-choose', `{${bin[0]} \\choose ${bin[1]}}`]);
  if (n >= 1000) {
    const s = n.toLocaleString('en-US');
    out.push(['thousands-comma', s], ['thousands-braced', s.replace(/,/g, '{,}')], ['thousands-thin', s.replace(/,/g, '\\,')], ['thousands-space', s.replace(/,/g, ' ')]);
    out.push(['thousands-dollar', `\\$${s}`], ['thousands-decimal', `${s}.00`], ['thousands-wrong-dot', s.replace(/,/g, '.')]);
  }
  // A digit swap when it changes the number.
  const swapped = String(n).split('').reverse().join('');
  if (swapped !== String(n)) out.push(['digits-reversed', swapped]);
  void r;
  return out;
}

interface ExprGold {
  family: string;
  gold: string;
  answers: Array<[string, string]>;
}

function fractionGold(r: Rng): ExprGold {
  let p = int(r, 1, 19);
  let q = int(r, 2, 24);
  const g = gcd(p, q);
  p /= g;
  q /= g;
  if (q === 1) q = p + 1;
  const dec = (p / q).toString();
  const neg = r() < 0.3;
  const s = neg ? '-' : '';
  const gold = `${s}\\frac{${p}}{${q}}`;
  const answers: Array<[string, string]> = [
    ['same', gold],
    ['dfrac', `${s}\\dfrac{${p}}{${q}}`],
    ['tfrac', `${s}\\tfrac{${p}}{${q}}`],
    ['slash', `${s}${p}/${q}`],
    ['unreduced', `${s}\\frac{${2 * p}}{${2 * q}}`],
    ['decimal', `${s}${dec.length < 12 ? dec : (p / q).toFixed(6)}`],
    ['decimal-rounded-3', `${s}${(p / q).toFixed(3)}`],
    ['left-right', `\\left(${s}\\frac{${p}}{${q}}\\right)`],
    ['inverted', `${s}\\frac{${q}}{${p}}`],
    ['sign-flipped', `${neg ? '' : '-'}\\frac{${p}}{${q}}`],
    ['numerator-sign', neg ? `\\frac{-${p}}{${q}}` : `\\frac{${p}}{${q}}`],
    ['unicode-minus', neg ? `−\\frac{${p}}{${q}}` : `\\frac{${p}}{${q}}`],
    ['text-wrapped', `\\text{${s}${p}/${q}}`],
    ['assign', `x = ${s}\\frac{${p}}{${q}}`],
    ['approx', `${s}\\frac{${p}}{${q}} \\approx ${s}${(p / q).toFixed(2)}`],
    ['percent', `${s}${((100 * p) / q).toFixed(2)}\\%`],
  ];
  if (p < 10 && q < 10) answers.push(['frac-no-braces', `${s}\\frac${p}${q}`]);
  return { family: 'fraction', gold, answers };
}

const SQUAREFREE = [2, 3, 5, 6, 7, 10, 11, 13, 14, 15];
function sqrtGold(r: Rng): ExprGold {
  const a = int(r, 2, 9);
  const b = pick(r, SQUAREFREE);
  const gold = `${a}\\sqrt{${b}}`;
  return {
    family: 'sqrt',
    gold,
    answers: [
      ['same', gold],
      ['merged', `\\sqrt{${a * a * b}}`],
      ['no-braces', `${a}\\sqrt ${b}`],
      ['cdot', `${a} \\cdot \\sqrt{${b}}`],
      ['reordered', `\\sqrt{${b}} \\cdot ${a}`],
      ['power-half', `${a} \\cdot ${b}^{1/2}`],
      ['decimal', (a * Math.sqrt(b)).toFixed(6)],
      ['decimal-short', (a * Math.sqrt(b)).toFixed(2)],
      ['wrong-coefficient', `${a + 1}\\sqrt{${b}}`],
      ['wrong-radicand', `${a}\\sqrt{${b + 1}}`],
      ['missing-root', `${a * b}`],
      ['text', `\\text{${a}}\\sqrt{${b}}`],
      ['frac', `\\frac{${2 * a}\\sqrt{${b}}}{2}`],
    ],
  };
}

function piGold(r: Rng): ExprGold {
  const k = int(r, 2, 40);
  const d = pick(r, [1, 2, 3, 4, 6]);
  const gold = d === 1 ? `${k}\\pi` : `\\frac{${k}\\pi}{${d}}`;
  const v = (k * Math.PI) / d;
  return {
    family: 'pi',
    gold,
    answers: [
      ['same', gold],
      ['spaced', d === 1 ? `${k} \\pi` : `\\frac{${k}}{${d}}\\pi`],
      ['pi-first', d === 1 ? `\\pi ${k}` : `\\frac{\\pi \\cdot ${k}}{${d}}`],
      ['cdot', d === 1 ? `${k}\\cdot\\pi` : `${k}\\pi/${d}`],
      ['unit', `${gold} \\text{ cm}^2`],
      ['decimal', v.toFixed(6)],
      ['decimal-short', v.toFixed(2)],
      ['wrong', d === 1 ? `${k + 1}\\pi` : `\\frac{${k}\\pi}{${d + 1}}`],
      ['no-pi', d === 1 ? `${k}` : `\\frac{${k}}{${d}}`],
    ],
  };
}

function polynomialGold(r: Rng): ExprGold {
  const r1 = int(r, -6, 6) || 1;
  const r2 = int(r, -6, 6) || 2;
  const b = -(r1 + r2);
  const c = r1 * r2;
  const term = (k: number, v: string) => (k === 0 ? '' : `${k < 0 ? ' - ' : ' + '}${Math.abs(k) === 1 && v ? '' : Math.abs(k)}${v}`);
  const gold = `x^2${term(b, 'x')}${term(c, '')}`;
  const f = (root: number) => (root === 0 ? 'x' : `(x ${root > 0 ? '-' : '+'} ${Math.abs(root)})`);
  return {
    family: 'polynomial',
    gold,
    answers: [
      ['same', gold],
      ['factored', `${f(r1)}${f(r2)}`],
      ['reordered', `${c}${b < 0 ? ' - ' : ' + '}${Math.abs(b)}x + x^2`],
      ['assign-y', `y = ${gold}`],
      ['function', `f(x) = ${gold}`],
      ['variable-renamed', gold.replace(/x/g, 't')],
      ['wrong-constant', `x^2${term(b, 'x')}${term(c + 1, '')}`],
      ['wrong-sign', `x^2${term(-b || 1, 'x')}${term(c, '')}`],
      ['spaces', gold.replace(/ /g, '')],
      ['displaystyle', `\\displaystyle ${gold}`],
    ],
  };
}

function intervalGold(r: Rng): ExprGold {
  const a = int(r, -9, 5);
  const b = a + int(r, 1, 8);
  const kind = pick(r, ['ray-left', 'closed-open', 'union', 'open'] as const);
  if (kind === 'ray-left') {
    const gold = `(-\\infty, ${b}]`;
    return {
      family: 'interval',
      gold,
      answers: [
        ['same', gold],
        ['left-right', `\\left(-\\infty, ${b}\\right]`],
        ['no-space', `(-\\infty,${b}]`],
        ['inequality', `x \\le ${b}`],
        ['inequality-leq', `x \\leq ${b}`],
        ['open-end', `(-\\infty, ${b})`],
        ['flipped', `[${b}, \\infty)`],
        ['membership', `x \\in (-\\infty, ${b}]`],
        ['infinity-word', `(-infinity, ${b}]`],
      ],
    };
  }
  if (kind === 'closed-open') {
    const gold = `[${a}, ${b})`;
    return {
      family: 'interval',
      gold,
      answers: [
        ['same', gold],
        ['left-right', `\\left[${a}, ${b}\\right)`],
        ['inequality', `${a} \\le x < ${b}`],
        ['closed', `[${a}, ${b}]`],
        ['swapped-ends', `[${b}, ${a})`],
        ['text', `\\text{[${a}, ${b})}`],
      ],
    };
  }
  if (kind === 'union') {
    const gold = `(-\\infty, ${a}) \\cup (${b}, \\infty)`;
    return {
      family: 'interval',
      gold,
      answers: [
        ['same', gold],
        ['reordered', `(${b}, \\infty) \\cup (-\\infty, ${a})`],
        ['left-right', `\\left(-\\infty, ${a}\\right) \\cup \\left(${b}, \\infty\\right)`],
        ['closed-ends', `(-\\infty, ${a}] \\cup [${b}, \\infty)`],
        ['complement', `(${a}, ${b})`],
        ['words', `x < ${a} \\text{ or } x > ${b}`],
      ],
    };
  }
  const gold = `(${a}, ${b})`;
  return {
    family: 'interval-or-point',
    gold,
    answers: [
      ['same', gold],
      ['spaces', `( ${a} , ${b} )`],
      ['left-right', `\\left(${a}, ${b}\\right)`],
      ['closed', `[${a}, ${b}]`],
      ['swapped', `(${b}, ${a})`],
      ['no-parens', `${a}, ${b}`],
    ],
  };
}

function setGold(r: Rng): ExprGold {
  const xs = [...new Set(Array.from({ length: int(r, 2, 4) }, () => int(r, -9, 12)))].sort((p, q) => p - q);
  const gold = `\\{${xs.join(', ')}\\}`;
  return {
    family: 'set',
    gold,
    answers: [
      ['same', gold],
      ['reversed', `\\{${[...xs].reverse().join(', ')}\\}`],
      ['bare-list', xs.join(', ')],
      ['left-right', `\\left\\{${xs.join(',')}\\right\\}`],
      ['missing-one', `\\{${xs.slice(1).join(', ')}\\}`],
      ['extra-one', `\\{${[...xs, 99].join(', ')}\\}`],
      ['and-words', xs.length === 2 ? `${xs[0]} \\text{ and } ${xs[1]}` : `${xs.slice(0, -1).join(', ')}, \\text{ and } ${xs[xs.length - 1]}`],
      ['assign', `x = ${xs.join(', ')}`],
    ],
  };
}

function tupleGold(r: Rng): ExprGold {
  const a = int(r, -9, 9);
  const b = int(r, -9, 9);
  const c = int(r, 1, 9);
  const three = r() < 0.4;
  const gold = three ? `(${a}, ${b}, ${c})` : `(${a}, ${b})`;
  return {
    family: 'tuple',
    gold,
    answers: [
      ['same', gold],
      ['no-space', gold.replace(/ /g, '')],
      ['left-right', `\\left${gold.slice(0, -1)}\\right)`],
      ['swapped', three ? `(${b}, ${a}, ${c})` : `(${b}, ${a})`],
      ['assign', three ? `x = ${a}, y = ${b}, z = ${c}` : `x = ${a}, y = ${b}`],
      ['brackets', `[${gold.slice(1, -1)}]`],
      ['fraction-entry', three ? `(\\frac{${2 * a}}{2}, ${b}, ${c})` : `(\\frac{${2 * a}}{2}, ${b})`],
      ['wrong-entry', three ? `(${a}, ${b + 1}, ${c})` : `(${a}, ${b + 1})`],
    ],
  };
}

function matrixGold(r: Rng): ExprGold {
  const m = Array.from({ length: 4 }, () => int(r, -5, 9));
  const body = `${m[0]} & ${m[1]} \\\\ ${m[2]} & ${m[3]}`;
  const gold = `\\begin{pmatrix} ${body} \\end{pmatrix}`;
  const vec = r() < 0.3;
  if (vec) {
    const vgold = `\\begin{pmatrix} ${m[0]} \\\\ ${m[1]} \\end{pmatrix}`;
    return {
      family: 'vector',
      gold: vgold,
      answers: [
        ['same', vgold],
        ['bmatrix', `\\begin{bmatrix} ${m[0]} \\\\ ${m[1]} \\end{bmatrix}`],
        ['tuple', `(${m[0]}, ${m[1]})`],
        ['wrong', `\\begin{pmatrix} ${m[1]} \\\\ ${m[0]} \\end{pmatrix}`],
      ],
    };
  }
  return {
    family: 'matrix',
    gold,
    answers: [
      ['same', gold],
      ['bmatrix', `\\begin{bmatrix} ${body} \\end{bmatrix}`],
      ['left-matrix', `\\left[\\begin{matrix} ${body} \\end{matrix}\\right]`],
      ['compact', `\\begin{pmatrix}${m[0]}&${m[1]}\\\\${m[2]}&${m[3]}\\end{pmatrix}`],
      ['transposed', `\\begin{pmatrix} ${m[0]} & ${m[2]} \\\\ ${m[1]} & ${m[3]} \\end{pmatrix}`],
      ['wrong-entry', `\\begin{pmatrix} ${m[0]! + 1} & ${m[1]} \\\\ ${m[2]} & ${m[3]} \\end{pmatrix}`],
    ],
  };
}

function decimalGold(r: Rng): ExprGold {
  const v = int(r, 1, 400) / pick(r, [2, 4, 5, 8, 10, 20, 100]);
  const gold = v.toString();
  const frac = (() => {
    for (let q = 1; q <= 100; q++) if (Number.isInteger(v * q)) return `\\frac{${v * q}}{${q}}`;
    return gold;
  })();
  return {
    family: 'decimal',
    gold,
    answers: [
      ['same', gold],
      ['fraction', frac],
      ['trailing-zeros', v.toFixed(4)],
      ['percent', `${gold}\\%`],
      ['dollar', `\\$${gold}`],
      ['unit', `${gold} \\text{ kg}`],
      ['rounded', v.toFixed(0)],
      ['tiny-off', (v + 1e-9).toFixed(9)],
      ['small-off', (v + 0.001).toFixed(3)],
      ['sci', `${(v / 10).toString()} \\times 10^{1}`],
      ['leading-dot', v < 1 ? gold.replace(/^0/, '') : gold],
    ],
  };
}

function percentGold(r: Rng): ExprGold {
  const p = int(r, 1, 99);
  const gold = `${p}\\%`;
  return {
    family: 'percent',
    gold,
    answers: [
      ['same', gold],
      ['bare', `${p}`],
      ['plain-sign', `${p}%`],
      ['fraction-of-one', (p / 100).toString()],
      ['word', `${p} \\text{ percent}`],
      ['negative', `-${p}\\%`],
      ['wrong', `${p + 1}\\%`],
    ],
  };
}

function negativeIntGold(r: Rng): ExprGold {
  const n = int(r, 1, 200);
  const gold = `-${n}`;
  return {
    family: 'negative',
    gold,
    answers: [
      ['same', gold],
      ['unicode-minus', `−${n}`],
      ['spaced', `- ${n}`],
      ['parens', `(-${n})`],
      ['percent', `-${n}\\%`],
      ['decimal', `-${n}.0`],
      ['positive', `${n}`],
      ['assign', `x = -${n}`],
      ['text', `\\text{-${n}}`],
      ['frac', `-\\frac{${2 * n}}{2}`],
    ],
  };
}

function scientificGold(r: Rng): ExprGold {
  const m = int(r, 11, 99) / 10;
  const e = int(r, 3, 8);
  const gold = `${m} \\times 10^{${e}}`;
  const full = Math.round(m * 10 ** e);
  return {
    family: 'scientific',
    gold,
    answers: [
      ['same', gold],
      ['full', `${full}`],
      ['full-commas', full.toLocaleString('en-US')],
      ['cdot', `${m} \\cdot 10^${e}`],
      ['e-notation', `${m}e${e}`],
      ['wrong-exponent', `${m} \\times 10^{${e + 1}}`],
      ['no-braces', `${m}\\times10^${e}`],
    ],
  };
}

function factorialBinomialGold(r: Rng): ExprGold {
  const k = int(r, 3, 7);
  const n = int(r, 5, 12);
  const j = int(r, 2, Math.floor(n / 2));
  const fact = [1, 1, 2, 6, 24, 120, 720, 5040][k]!;
  const bin = binomial(n, j);
  if (r() < 0.5) {
    return {
      family: 'factorial',
      gold: `${fact}`,
      answers: [['factorial', `${k}!`], ['product', Array.from({ length: k }, (_, i) => i + 1).join(' \\cdot ')], ['same', `${fact}`], ['wrong', `${k + 1}!`], ['factorial-text', `${k}! = ${fact}`]],
    };
  }
  return {
    family: 'binomial',
    gold: `${bin}`,
    answers: [
      ['binom', `\\binom{${n}}{${j}}`],
      ['dbinom', `\\dbinom{${n}}{${j}}`],
      ['choose', `{${n} \\choose ${j}}`],
      ['C-notation', `C(${n}, ${j})`],
      ['same', `${bin}`],
      ['wrong', `\\binom{${n}}{${j + 1}}`],
    ],
  };
}

function wordGold(r: Rng): ExprGold {
  const names = ['Evelyn', 'Briana', 'Tuesday', 'even', 'odd', 'north'];
  const w = pick(r, names);
  const other = pick(r, names.filter((x) => x !== w));
  return {
    family: 'word',
    gold: w,
    answers: [
      ['same', w],
      ['text', `\\text{${w}}`],
      ['lowercase', w.toLowerCase()],
      ['textbf', `\\textbf{${w}}`],
      ['other', other],
      ['sentence', `\\text{${w} wins}`],
    ],
  };
}

function letterGold(r: Rng): ExprGold {
  const l = pick(r, ['A', 'B', 'C', 'D', 'E']);
  const other = l === 'A' ? 'B' : 'A';
  return {
    family: 'letter',
    gold: l,
    answers: [
      ['same', l],
      ['parens', `(${l})`],
      ['text-parens', `\\text{(${l})}`],
      ['lowercase', l.toLowerCase()],
      ['textbf', `\\textbf{${l}}`],
      ['other', other],
      ['with-value', `${l}: 42`],
    ],
  };
}

function degreeGold(r: Rng): ExprGold {
  const d = pick(r, [30, 45, 60, 90, 120, 135, 150]);
  const gold = `${d}^\\circ`;
  const rad: Record<number, string> = { 30: '\\frac{\\pi}{6}', 45: '\\frac{\\pi}{4}', 60: '\\frac{\\pi}{3}', 90: '\\frac{\\pi}{2}', 120: '\\frac{2\\pi}{3}', 135: '\\frac{3\\pi}{4}', 150: '\\frac{5\\pi}{6}' };
  return {
    family: 'degree',
    gold,
    answers: [
      ['same', gold],
      ['bare', `${d}`],
      ['unicode', `${d}°`],
      ['braced', `${d}^{\\circ}`],
      ['word', `${d} \\text{ degrees}`],
      ['radians', rad[d]!],
      ['wrong', `${d + 15}^\\circ`],
    ],
  };
}

function complexGold(r: Rng): ExprGold {
  const a = int(r, -9, 9) || 3;
  const b = int(r, 1, 9);
  const gold = `${a} + ${b}i`;
  return {
    family: 'complex',
    gold,
    answers: [
      ['same', gold],
      ['reordered', `${b}i + ${a}`],
      ['mathrm-i', `${a}+${b}\\mathrm{i}`],
      ['conjugate', `${a} - ${b}i`],
      ['tuple', `(${a}, ${b})`],
    ],
  };
}

function linearGold(r: Rng): ExprGold {
  const m = int(r, 2, 9);
  const c = int(r, 1, 9);
  const gold = `y = ${m}x + ${c}`;
  return {
    family: 'equation',
    gold,
    answers: [
      ['same', gold],
      ['rhs-only', `${m}x + ${c}`],
      ['reordered', `y = ${c} + ${m}x`],
      ['rearranged', `${m}x - y + ${c} = 0`],
      ['wrong-slope', `y = ${m + 1}x + ${c}`],
      ['fraction-form', `\\frac{${m}x + ${c}}{1}`],
    ],
  };
}

function rationalFunctionGold(r: Rng): ExprGold {
  const a = int(r, 1, 6);
  const b = int(r, 1, 6);
  const gold = `\\frac{x + ${a}}{x - ${b}}`;
  return {
    family: 'rational-expression',
    gold,
    answers: [
      ['same', gold],
      ['dfrac', `\\dfrac{x+${a}}{x-${b}}`],
      ['slash', `(x + ${a})/(x - ${b})`],
      ['expanded-both', `\\frac{2x + ${2 * a}}{2x - ${2 * b}}`],
      ['inverted', `\\frac{x - ${b}}{x + ${a}}`],
      ['renamed', `\\frac{t + ${a}}{t - ${b}}`],
    ],
  };
}

const EXPR_FAMILIES: Array<(r: Rng) => ExprGold> = [
  fractionGold, fractionGold, sqrtGold, piGold, polynomialGold, intervalGold, setGold, tupleGold, matrixGold,
  decimalGold, percentGold, negativeIntGold, scientificGold, factorialBinomialGold, wordGold, letterGold,
  degreeGold, complexGold, linearGold, rationalFunctionGold,
];

const REASONING = [
  'We set up the equation and solve it step by step.',
  'Let $a$ and $b$ be the two quantities; then $a + b = 12$ and $ab = 35$, so $a = 5$, $b = 7$.',
  'Using the identity $\\sin^2\\theta + \\cos^2\\theta = 1$ and simplifying $\\frac{1}{2}\\cdot 4 = 2$, we proceed.',
  'Counting the cases separately gives $3 \\times 4 = 12$ and $\\binom{4}{2} = 6$ arrangements.',
  'First, note that \\(x^2 - 5x + 6 = (x-2)(x-3)\\). Then we check each root.',
  'By the Chinese remainder theorem the residue is determined modulo $1000$.',
];

/** How the boxed answer sits in a full reply: [wrapper name, build]. */
const WRAPPERS: Array<[string, (answer: string, r: Rng) => string]> = [
  ['dollar-box', (a, r) => `${pick(r, REASONING)}\n\nTherefore, the answer is $\\boxed{${a}}$.`],
  ['display-box', (a, r) => `${pick(r, REASONING)}\n\n**Final Answer**\n\\[\n\\boxed{${a}}\n\\]`],
  ['bare-box', (a, r) => `${pick(r, REASONING)} So the final answer is \\boxed{${a}}`],
  ['paren-box', (a, r) => `${pick(r, REASONING)}\nHence \\(\\boxed{${a}}\\).`],
  ['earlier-wrong-box', (a, r) => `At first I got $\\boxed{17}$, but that misses a case. ${pick(r, REASONING)}\nCorrected: $\\boxed{${a}}$`],
  ['box-then-check', (a, r) => `${pick(r, REASONING)}\nAnswer: $\\boxed{${a}}$. (Check: $2^3 = 8$ is consistent.)`],
];
/** Replies whose box the reference cannot read (no answer): rarer. */
const NO_ANSWER_WRAPPERS: Array<[string, (answer: string, r: Rng) => string]> = [
  ['no-box', (a, r) => `${pick(r, REASONING)}\nThe final answer is ${a}`],
  ['unclosed-box', (a) => `Thus the answer is \\boxed{${a}`],
  ['space-before-brace', (a) => `Thus the answer is \\boxed {${a}}`],
  ['fbox', (a) => `Thus the answer is \\fbox{${a}}`],
];

function wrap(answer: string, r: Rng): [string, string] {
  const [name, build] = r() < 0.06 ? pick(r, NO_ANSWER_WRAPPERS) : pick(r, WRAPPERS);
  return [name, build(answer, r)];
}

/**
 * The corpus: every integer rendering for a spread of AIME-like golds (0–999,
 * plus a few larger GSM8K-like ones for thousands separators) and every
 * rendering of MATH-like golds across the families, each in a reply wrapper
 * drawn at random. At least `min` cases.
 */
export function mathCorpus(seed = 20251115, min = 2000): MathCase[] {
  const r = mulberry32(seed);
  const cases: MathCase[] = [];
  const seen = new Set<string>();
  const add = (style: string, gold: string, answer: string) => {
    const [wrapper, text] = wrap(answer, r);
    const id = `${style} | gold ${gold} | answer ${answer} | ${wrapper}`;
    if (seen.has(id)) return;
    seen.add(id);
    cases.push({ id, gold, text, style });
  };
  // AIME-like integers (and a few larger GSM8K-like ones, for thousands separators).
  const integerGolds = [0, 6, 24, 49, 70, 120, 588, 720, 999];
  for (let i = 0; i < 3; i++) integerGolds.push(int(r, 2, 999));
  integerGolds.push(1024, 2025);
  for (const n of integerGolds) {
    for (const [style, answer] of integerRenderings(n, r)) add(`int/${style}`, String(n), answer);
  }
  // MATH-like expression golds fill the rest, at least as many as the integers.
  const integers = cases.length;
  while (cases.length < Math.max(min, 2 * integers)) {
    const g = pick(r, EXPR_FAMILIES)(r);
    for (const [style, answer] of g.answers) add(`${g.family}/${style}`, g.gold, answer);
  }
  return cases;
}

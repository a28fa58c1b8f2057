/**
 * Answer extraction and equivalence shared by benchmark modules, following
 * NeMo-Skills so that scores line up with its reports:
 *
 * - `extractBoxed` / `extractAnswer`: NeMo-Skills `nemo_skills/evaluation/math_grader.py`
 *   (`search_boxed`, `search_regex`, `extract_answer`).
 * - `mathEqual`: NeMo-Skills `math_grader.math_equal`, for the answers our math
 *   benchmarks have (numbers). The reference ends in math_verify's symbolic
 *   comparison (sympy); we reproduce the parts that decide numeric answers and
 *   stay strict elsewhere (see `mathEqual`).
 *
 * Python regex semantics are reproduced where they differ from JavaScript:
 * Python 3's `\b` is Unicode-aware, `.` only excludes `\n`, and `$` without
 * MULTILINE also matches before a final newline.
 */

// ---------------------------------------------------------------------------
// \boxed{} extraction
// ---------------------------------------------------------------------------

/**
 * Content of the LAST `\boxed{...}` in `text`, braces balanced, or null.
 *
 * Exactly as NeMo-Skills `search_boxed`: the search starts at the last
 * occurrence of `\boxed`; the text must contain `\boxed` at all (so a lone
 * `\fbox{}` is not extracted — the reference's `\fbox` branch is unreachable);
 * `\boxed 5` or `\boxed {5}` (no brace right after the command) give null, and
 * an unclosed brace gives null. `\boxed{}` gives the empty string.
 */
export function extractBoxed(text: string): string | null {
  const idx = text.lastIndexOf('\\boxed');
  if (idx < 0) return null;
  let open = 0;
  let close = -1;
  for (let i = idx; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') open++;
    if (ch === '}') {
      open--;
      if (open === 0) {
        close = i;
        break;
      }
    }
  }
  if (close < 0) return null;
  const boxed = text.slice(idx, close + 1);
  const left = '\\boxed{';
  if (!boxed.startsWith(left)) return null;
  return boxed.slice(left.length, -1);
}

/** NeMo-Skills' default `extract_regex`: `The final answer is (.+)$` in Python semantics (last line only). */
export const FINAL_ANSWER_REGEX = /The final answer is ([^\n]+)(?=\n?$)/;

/**
 * Python `re.findall(regex, text)[-1]`: the last non-overlapping match, its
 * first group when the regex has one, else the whole match; null when none.
 */
export function searchRegexLast(text: string, regex: RegExp): string | null {
  const flags = regex.flags.includes('g') ? regex.flags : regex.flags + 'g';
  const re = new RegExp(regex.source, flags);
  let last: string | null = null;
  for (const m of text.matchAll(re)) {
    last = m.length > 1 ? (m[1] ?? '') : m[0];
  }
  return last;
}

export interface ExtractOptions {
  /** Use `\boxed{}` (default true). Ignored when `relaxed`. */
  extractFromBoxed?: boolean;
  /** Regex for the non-boxed path; default FINAL_ANSWER_REGEX. */
  extractRegex?: RegExp;
  /** Try both: boxed first, then the regex (or the reverse with `regexFirst`). */
  relaxed?: boolean;
  regexFirst?: boolean;
}

/**
 * NeMo-Skills `extract_answer`. With `relaxed`, the first method's result is
 * used only when it is non-empty (Python `a or b`), as in the reference.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): string | null {
  const regex = options.extractRegex ?? FINAL_ANSWER_REGEX;
  if (options.relaxed) {
    const first = options.regexFirst ? searchRegexLast(text, regex) : extractBoxed(text);
    if (first) return first;
    return options.regexFirst ? extractBoxed(text) : searchRegexLast(text, regex);
  }
  return options.extractFromBoxed === false ? searchRegexLast(text, regex) : extractBoxed(text);
}

// ---------------------------------------------------------------------------
// Numeric equivalence
// ---------------------------------------------------------------------------

/**
 * NeMo-Skills `_additional_normalization`: a plain number with `%` or `\%`
 * loses the sign, then trailing `.` and `\` characters are stripped.
 */
export function additionalNormalization(expr: string): string {
  const pct = /^(\d+\.?\d*)(?:\\%|%)$/.exec(expr);
  let out = pct ? (pct[1] ?? expr) : expr;
  out = out.replace(/[.\\]+$/, '');
  return out;
}

const LEFT_DELIM = /\\m?left(\\\{|\{|\\\||\||\[|\(|\\rbracl|\\lgroup|\\lbrace|\\lbrack|\\vert|\\lvert|\\lceil|\\lfloor|\\langle|\\llcorner|\\ulcorner)/g;
const RIGHT_DELIM = /\\m?right(\\\}|\}|\\\||\||\]|\)|\\rbrack|\\rgroup|\\rbrace|\\vert|\\rvert|\\rceil|\\rfloor|\\rangle|\\lrcorner|\\urcorner)/g;
const TO_REMOVE = /\\mathrm\{th\}|\\!\s*|\\text\s*\{\s*\}|\\\$|\$|(?<!\\)["']|\\displaystyle/g;

/** latex2sympy2_extended `to_replace_patterns`, in order (alternation order decides ties). */
const REPLACEMENTS: ReadonlyArray<readonly [string, string]> = [
  ['\\\\math(?:rm|it|bf)', '\\text'],
  ['\\\\text(?:normal|bf|it|rm)', '\\text'],
  ['\\\\(?:d|t|c)frac', '\\frac'],
  ['\\s\\.', ' 0.'],
  ['\\{\\.', '{0.'],
  ['~=', '\\approx'],
  ['\\s*\\{\\s*,\\s*\\}', ','],
  ['(?<![a-zA-Z])(?:,?\\s*(?:and|or))(?![a-zA-Z])', ','],
  ['(?:,?\\s*\\\\text\\{\\s*(?:and|or)\\s*\\})', ','],
  ['(?<!\\\\)\\\\\\s', ' '],
  ['infinity', '\\infty'],
  [',?(?:\\\\ldots)', ' '],
  ['\\s*\\bpercentage\\b', '%'],
  ['\\s*\\bpercent\\b', '%'],
  ['\\s*\\bpct\\b', '%'],
  ['\\\\text\\{percent\\}', '%'],
  ['\\\\text\\{pct\\}', '%'],
  ['\\\\text\\{percentage\\}', '%'],
  ['(?:(?<!\\\\)inf(?!inity))', '\\infty'],
  [' sqrt', '\\sqrt'],
];
const REPLACE_RE = new RegExp(REPLACEMENTS.map(([p], i) => `(?<r${i}>${p})`).join('|'), 'g');

/**
 * latex2sympy2_extended `normalize_latex` with the default NormalizationConfig
 * NeMo-Skills passes (basic_latex only; units, nits, malformed operators off).
 * Not reproduced: the `\boxed` re-extraction (our inputs are already unboxed)
 * and the `(a)_{b}` permutation rewrite (never a numeric answer).
 */
export function normalizeLatexBasic(input: string): string {
  let text = input;
  text = text.split('\\mathrm{T}').join('T');
  text = text.split('\\mathrm{d}').join('d').split('{\\rm d}').join('d');
  text = text.split('\\left[\\begin{matrix}').join('\\begin{bmatrix}').split('\\end{matrix}\\right]').join('\\end{bmatrix}');
  text = text.replace(LEFT_DELIM, '$1').replace(RIGHT_DELIM, '$1');
  text = text.replace(TO_REMOVE, '');
  text = text.replace(REPLACE_RE, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    for (let i = 0; i < REPLACEMENTS.length; i++) {
      if (groups[`r${i}`] !== undefined) return REPLACEMENTS[i]![1];
    }
    return String(args[0]);
  });
  text = text.replace(/\n/g, ' ').replace(/\t/g, ' ');
  if (!text.includes('matrix')) text = text.replace(/\\\\(?=[a-zA-Z])/g, '\\');
  return text.trim();
}

/** Unit words latex2sympy2_extended strips after a number when math_verify parses (its `units` list). */
const UNIT_WORDS = [
  'integerpoint', 'feet', 'sue', 'digit', 'pound', 'meal', 'edge', 'student', 'children ticket', 'multiple',
  'east', 'degree', 'mph', 'kmph', 'ft', 'm square', ' m east', 'sq m', 'deg', 'mile', 'q .', 'monkey', 'prime',
  'ratio', 'profit of rs', 'rd', 'o', 'gm', 'p . m', 'lb', 'tile', 'per', 'dm', 'lt', 'gain', 'ab', 'way', 'west',
  'a .', 'b .', 'c .', 'd .', 'e .', 'f .', 'g .', 'h .', 't', 'h', 'no change', 'men', 'soldier', 'pie', 'bc',
  'excess', 'st', 'inches', 'noon', 'cent', 'by', 'gal', 'kmh', 'c', 'acre', 'rise', 'a . m', 'th', 'π r 2', 'sq',
  'mark', 'l', 'toy', 'coin', 'sq . m', 'gallon', '° f', 'profit', 'minw', 'yr', 'women', 'am', 'pm', 'hr',
  'cu cm', 'square', 'v â € ™', 'are', 'rupee', 'rounds', 'cubic', 'cc', 'mtr', 's', 'ohm', 'number', 'kmph',
  'day', 'hour', 'minute', 'min', 'second', 'man', 'woman', 'sec', 'cube', 'mt', 'sq inch', 'mp', '∏ cm ³',
  'hectare', 'more', 'sec', 'unit', 'cu . m', 'cm 2', 'rs .', 'rs', 'kg', 'g', 'month', 'km', 'm', 'cm', 'mm',
  'apple', 'liter', 'loss', 'yard', 'pure', 'year', 'increase', 'decrease', 'd', 'less', 'Surface', 'litre',
  'pi sq m', 's .', 'metre', 'meter', 'inch',
];
const UNITS_RE = new RegExp(`(\\d|\\}|\\s)\\s*(?:(?:${UNIT_WORDS.join('|')})(?:s|es)?)\\s*$`);
const UNIT_TEXT_RE = /(\\(?:text|mbox)\{.*?\})(\^\d|\{\^\d\})?$/;

/** An exact rational, plus whether it was written with a decimal point (math_verify then compares rounded). */
export interface NumericValue {
  num: bigint;
  den: bigint;
  decimal: boolean;
}

function parsePlainNumber(s: string): NumericValue | null {
  let t = s.trim();
  // Thousands separators, only in well-formed groups (1,000 / 12,345.5).
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(t)) t = t.replace(/,/g, '');
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const intPart = m[2] ?? '';
  const frac = m[3];
  if (intPart === '' && (frac === undefined || frac === '')) return null;
  const digits = (intPart === '' ? '0' : intPart) + (frac ?? '');
  let num = BigInt(digits);
  if (m[1] === '-') num = -num;
  const den = 10n ** BigInt(frac?.length ?? 0);
  return { num, den, decimal: frac !== undefined };
}

function divide(a: NumericValue, b: NumericValue): NumericValue | null {
  if (b.num === 0n) return null;
  let num = a.num * b.den;
  let den = a.den * b.num;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  return { num, den, decimal: a.decimal || b.decimal };
}

function stripOuterGroup(s: string): string {
  let t = s.trim();
  for (;;) {
    const m = /^\{(.*)\}$|^\((.*)\)$/.exec(t);
    const inner = m ? (m[1] ?? m[2]) : undefined;
    if (inner === undefined || !balanced(inner)) return t;
    t = inner.trim();
  }
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === '{' || ch === '(') depth++;
    if (ch === '}' || ch === ')') depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/**
 * The numeric value math_verify would parse from a short answer, or null when
 * it is not a plain number. Covers what math_verify's normalisation does to
 * numbers (NormalizationConfig with units, nits, malformed operators and
 * equations on): trailing `\text{unit}` and unit words removed, the value
 * after the last `=`, `\frac{a}{b}` / `\frac ab` / `a/b`, thousands commas,
 * leading `.5`, a trailing percent sign.
 */
export function parseNumericAnswer(answer: string): NumericValue | null {
  let text = normalizeLatexBasic(answer);
  const withoutUnitText = text.replace(UNIT_TEXT_RE, '').trim();
  if (withoutUnitText !== '' && withoutUnitText !== text) text = withoutUnitText;
  for (let i = 0; i < 2; i++) {
    const withoutUnits = text.replace(UNITS_RE, '$1');
    if (withoutUnits !== '' && withoutUnits !== text) text = withoutUnits;
  }
  text = text.trim();
  const eqParts = text.split(/(?<![\\<!>])=/);
  if (eqParts.length > 1) text = (eqParts[eqParts.length - 1] ?? '').trim();
  text = text.replace(/\s*(?:\\%|%)$/, '');
  text = stripOuterGroup(text);

  const plain = parsePlainNumber(text);
  if (plain) return plain;

  const frac =
    /^([+-]?)\\frac\s*\{([^{}]+)\}\s*\{([^{}]+)\}$/.exec(text) ??
    /^([+-]?)\\frac\s*(\d)\s*(\d+)$/.exec(text) ??
    /^([+-]?)\\frac\s*\{([^{}]+)\}\s*(\d)$/.exec(text) ??
    /^([+-]?)\\frac\s*(\d)\s*\{([^{}]+)\}$/.exec(text);
  if (frac) {
    const a = parsePlainNumber(frac[2] ?? '');
    const b = parsePlainNumber(frac[3] ?? '');
    if (!a || !b) return null;
    const q = divide(a, b);
    if (q && frac[1] === '-') q.num = -q.num;
    return q;
  }
  const slash = /^([^/]+)\/([^/]+)$/.exec(text);
  if (slash) {
    const a = parsePlainNumber(slash[1] ?? '');
    const b = parsePlainNumber(slash[2] ?? '');
    return a && b ? divide(a, b) : null;
  }
  return null;
}

function numericEqual(a: NumericValue, b: NumericValue): boolean {
  if (a.num * b.den === b.num * a.den) return true;
  // math_verify rounds floats to 6 decimal places (float_rounding=6) before comparing.
  if (a.decimal || b.decimal) {
    const round6 = (v: NumericValue): string => (Number(v.num) / Number(v.den)).toFixed(6);
    return round6(a) === round6(b);
  }
  return false;
}

/**
 * NeMo-Skills `math_equal(gt, predicted)` for short answers:
 *  1. no prediction → false;
 *  2. a gold letter A–J equal to the trimmed prediction → true (the
 *     reference's math_verify string match; we accept only the exact letter);
 *  3. both through `_additional_normalization` and latex normalisation; equal
 *     after removing spaces → true;
 *  4. both plain text (`[a-zA-Z ,]+`) → false;
 *  5. symbolic step: here numeric only — both sides parsed as numbers
 *     (`parseNumericAnswer`) and compared exactly, or to 6 decimals when a
 *     decimal is involved. Non-numeric answers that differ as strings are
 *     judged unequal (math_verify would try sympy; not needed for GSM8K,
 *     whose gold answers are all integers).
 */
export function mathEqual(gold: string, predicted: string | null): boolean {
  if (predicted === null) return false;
  const gt = String(gold);
  const pred = String(predicted);
  if (/^[A-J]$/.test(gt.trim()) && pred.trim() === gt.trim()) return true;

  const gtAdd = additionalNormalization(gt);
  const predAdd = additionalNormalization(pred);
  const gtNorm = normalizeLatexBasic(gtAdd);
  const predNorm = normalizeLatexBasic(predAdd);
  if (gtNorm.replace(/ /g, '') === predNorm.replace(/ /g, '')) return true;

  const textLiteral = /^[a-zA-Z ,]+$/;
  if (textLiteral.test(gtNorm) && textLiteral.test(predNorm)) return false;

  const a = parseNumericAnswer(gtAdd);
  const b = parseNumericAnswer(predAdd);
  return a !== null && b !== null && numericEqual(a, b);
}

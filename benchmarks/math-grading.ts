/**
 * Answer extraction and equivalence shared by benchmark modules, following
 * NeMo-Skills so that scores line up with its reports:
 *
 * - `extractBoxed` / `extractAnswer`: NeMo-Skills `nemo_skills/evaluation/math_grader.py`
 *   (`search_boxed`, `search_regex`, `extract_answer`).
 * - `extractMcqLetter`: NeMo-Skills `nemo_skills/evaluation/evaluator/mcq.py` (`extract_letter`).
 * - `scoreBoxedMath`: NeMo-Skills' math evaluator: `search_boxed`, then
 *   `math_grader.math_equal`, which is math-verify itself run in a Python
 *   process (lib/math/verify.ts, lib/math/grader.py), not a port.
 *
 * Python regex semantics are reproduced where they differ from JavaScript:
 * Python 3's `\b` is Unicode-aware, `.` only excludes `\n`, and `$` without
 * MULTILINE also matches before a final newline.
 */
import { mathEqual } from '../lib/math/verify';
import type { UnitScore } from './types';

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
// Multiple-choice letters
// ---------------------------------------------------------------------------

/** Python's Unicode `\w` class, for emulating its `\b`. */
const WORD = '[\\p{L}\\p{N}_]';
/** A standalone capital letter: `\b[A-Z]\b` with Python's Unicode word boundaries. */
const STANDALONE_CAPITAL = new RegExp(`(?<!${WORD})[A-Z](?!${WORD})`, 'gu');
/**
 * The "Answer: X" fallback adapted by NeMo-Skills from Artificial Analysis:
 * `(?i)[\*\_]{0,2}Answer[\*\_]{0,2}\s*:[\s\*\_]{0,2}\s*([A-Z])(?![a-zA-Z0-9])`.
 */
const ANSWER_COLON_LETTER = /[*_]{0,2}Answer[*_]{0,2}\s*:[\s*_]{0,2}\s*([A-Z])(?![a-zA-Z0-9])/giu;

/** NeMo-Skills `normalize_extracted_answer`: Arabic, Bengali and full-width letters used for A–D. */
function normalizeExtractedLetter(extracted: string): string {
  const map: Record<string, string> = {
    'أ': ' A', 'ب': ' B', 'ج': ' C', 'د': ' D',
    'অ': ' A', 'ব': ' B', 'ড': ' C', 'ঢ': ' D',
    'Ａ': ' A', 'Ｂ': ' B', 'Ｃ': ' C', 'Ｄ': ' D',
  };
  let out = extracted;
  for (const [from, to] of Object.entries(map)) out = out.split(from).join(to);
  return out.trim();
}

/**
 * The letter a multiple-choice response chose, as NeMo-Skills' `eval_mcq`
 * with its default config (extract_from_boxed=True, relaxed=True,
 * regex_first=False, extract_regex "The final answer is (.+)$"):
 *  1. take the last `\boxed{}`, else the regex match on the last line;
 *  2. normalise it; one character → that character upper-cased; longer → the
 *     last standalone capital A–Z in it (so `\text{(B)}`, `(C)`, `**D**` work);
 *  3. if still nothing, the last `Answer: X` in the whole text (any case).
 * Anything else ("The answer is (C)" without a colon) is no answer.
 */
export function extractMcqLetter(text: string): string | null {
  let extracted = extractAnswer(text, { relaxed: true });
  let letter: string | null = null;
  if (extracted !== null) {
    extracted = normalizeExtractedLetter(extracted);
    const chars = [...extracted];
    if (chars.length === 1) {
      letter = extracted.toUpperCase();
    } else if (chars.length > 1) {
      const found = [...extracted.matchAll(STANDALONE_CAPITAL)];
      const lastFound = found[found.length - 1];
      if (lastFound) letter = lastFound[0];
    }
  }
  if (letter === null) {
    const found = [...text.matchAll(ANSWER_COLON_LETTER)];
    const lastFound = found[found.length - 1];
    if (lastFound && lastFound[1] !== undefined) letter = lastFound[1].trim().toUpperCase();
  }
  return letter;
}

// ---------------------------------------------------------------------------
// Math answers
// ---------------------------------------------------------------------------

/**
 * NeMo-Skills' math evaluator on one response (`MathEvaluator.eval_single`,
 * defaults): the answer is the last `\boxed{}` (`extract_answer` with
 * extract_from_boxed=True, i.e. `search_boxed`), judged by `math_equal`
 * against the gold — math-verify itself, in the grader process of
 * lib/math/verify.ts. A comparison math_equal could not finish (it raised,
 * or got no answer in time) counts as wrong and is named in `details`.
 */
export async function scoreBoxedMath(responseText: string, gold: string): Promise<UnitScore> {
  const predicted = extractAnswer(responseText);
  const verdict = await mathEqual(gold, predicted);
  const details: Record<string, unknown> = {};
  if (verdict.error) details.grader_error = verdict.error;
  if (verdict.timedOut) details.grader_timeout = true;
  return { predicted, correct: verdict.correct, ...(Object.keys(details).length ? { details } : {}) };
}

/**
 * The math family (gsm8k, ns_aime2025, custom math modules): NeMo-Skills'
 * math prompts, answer extraction and equivalence, so that scores line up
 * with its reports. The MCQ family reuses the extraction.
 *
 * - `extractBoxed` / `extractAnswer`: NeMo-Skills `nemo_skills/evaluation/math_grader.py`
 *   (`search_boxed`, `search_regex`, `extract_answer`).
 * - `scoreBoxedMath`: NeMo-Skills' math evaluator: `search_boxed`, then
 *   `math_grader.math_equal`, which is math-verify itself run in a Python
 *   process (lib/engine/math/verify.ts, lib/engine/math/grader.py), not a port.
 *
 * Python regex semantics are reproduced where they differ from JavaScript:
 * Python 3's `\b` is Unicode-aware, `.` only excludes `\n`, and `$` without
 * MULTILINE also matches before a final newline.
 */
import { mathEqual } from '../../lib/engine/math/verify';
import type { UnitScore } from '../types';

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
// Math answers
// ---------------------------------------------------------------------------

/**
 * NeMo-Skills' math evaluator on one response (`MathEvaluator.eval_single`,
 * defaults): the answer is the last `\boxed{}` (`extract_answer` with
 * extract_from_boxed=True, i.e. `search_boxed`), judged by `math_equal`
 * against the gold — math-verify itself, in the grader process of
 * lib/engine/math/verify.ts. A comparison math_equal could not finish (it raised,
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

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

/** NeMo-Skills `generic/math.yaml` user template with `{examples}` empty. */
export function genericMathUserPrompt(problem: string): string {
  return `Solve the following math problem. Make sure to put the answer (and only answer) inside \\boxed{}.\n\n${problem}`;
}

/** NeMo-Skills `eval/aai/math.yaml` (Artificial Analysis' math prompt). */
export function aaiMathUserPrompt(problem: string): string {
  return `Solve the following math problem step by step. Put your answer inside \\boxed{}.\n\n${problem}\n\nRemember to put your answer inside \\boxed{}.`;
}

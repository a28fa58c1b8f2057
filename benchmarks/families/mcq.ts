/**
 * The multiple-choice family (ns_mmlu_pro, ns_gpqa, mmlu): the problem text
 * (`get_mcq_fields`), the prompt configs, the letter scorer.
 *
 * Multiple-choice letter extraction, exactly as
 * NeMo-Skills at the pinned revision 0b012df8 (2025-11-15):
 * `nemo_skills/evaluation/evaluator/mcq.py`, `eval_mcq` → nested
 * `extract_letter`, run with the default `MCQEvaluatorConfig`
 * (extract_from_boxed=True, relaxed=True,
 * extract_regex=`The final answer is (.+)$`; none of the three datasets
 * overrides them: their GENERATION_ARGS only set `++eval_type=multichoice`).
 *
 * The 0b012df8 rule, step by step:
 *  1. `extract_answer(text, relaxed=True)` (`math_grader.py`):
 *     `search_boxed(text) or search_regex(text, extract_regex)` — the content
 *     of the last `\boxed{}`, or when that is missing or empty the last match
 *     of `The final answer is (.+)$` (Python: last line only).
 *  2. One character extracted → that character AS IS: `\boxed{e}` gives "e",
 *     `\boxed{Ｃ}` gives "Ｃ", `\boxed{5}` gives "5" (none equals a gold
 *     letter, and the `Answer:` fallback is not tried). Later NeMo-Skills
 *     revisions upper-case it and map full-width, Arabic and Bengali letters
 *     first; 0b012df8 does neither.
 *  3. Longer → the last standalone capital: `re.findall(r"\b[A-Z]\b(?!.*\b[A-Z]\b)", s, re.DOTALL)`.
 *  4. Still nothing → the last match of
 *     `(?i)[\*\_]{0,2}Answer[\*\_]{0,2}\s*:[\s\*\_]{0,2}\s*([A-Z])(?![a-zA-Z0-9])`
 *     in the whole text, `.strip().upper()`.
 *
 * Python `re` semantics on str patterns are reproduced where JavaScript's
 * differ: `\b` and `\w` are Unicode-aware; `\s` is `str.isspace` (it has
 * U+001C–U+001F and U+0085, not U+FEFF); under `(?i)` the class `[A-Z]` also
 * takes `İ` (U+0130), `ı` (U+0131), `ſ` (U+017F) and the Kelvin sign
 * (U+212A), and the `s` of "Answer" also takes `ſ` — the sets Python 3.11
 * computes for those patterns over every code point.
 *
 * Checked against the reference function itself on a generated corpus
 * (test/mcq-corpus.ts, test/fixtures/mcq-0b012df8.json, test/unit/mcq.test.ts).
 */
import type { Sample, UnitScore } from '../types';
import { extractBoxed, FINAL_ANSWER_REGEX, searchRegexLast } from './math';

/** Python's Unicode `\w` class, for emulating its `\b` (equal to Python's on every code point Python 3.11 assigns). */
const WORD = '[\\p{L}\\p{N}_]';
/** `\b[A-Z]\b` with Python's Unicode word boundaries ([A-Z] is ASCII: the pattern has no IGNORECASE). */
const STANDALONE_CAPITAL = new RegExp(`(?<!${WORD})[A-Z](?!${WORD})`, 'gu');

/** Python `\s` on str: the characters for which `str.isspace()` is true. */
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
/** Python `(?i)[A-Z]`. */
const PY_I_LETTER = '[A-Za-z\\u0130\\u0131\\u017f\\u212a]';
/** Python `(?i)[a-zA-Z0-9]`. */
const PY_I_ALNUM = '[A-Za-z0-9\\u0130\\u0131\\u017f\\u212a]';
/** Python `(?i)Answer`. */
const PY_I_ANSWER = '[Aa][Nn][Ss\\u017f][Ww][Ee][Rr]';

/**
 * The "Answer: X" fallback NeMo-Skills adapted from Artificial Analysis:
 * `(?i)[\*\_]{0,2}Answer[\*\_]{0,2}\s*:[\s\*\_]{0,2}\s*([A-Z])(?![a-zA-Z0-9])`.
 */
const ANSWER_COLON_LETTER = new RegExp(
  `[*_]{0,2}${PY_I_ANSWER}[*_]{0,2}${PY_SPACE}*:(?:${PY_SPACE}|[*_]){0,2}${PY_SPACE}*(${PY_I_LETTER})(?!${PY_I_ALNUM})`,
  'gu',
);

const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'gu');

/**
 * The letter (or, per step 2 above, the single character) a multiple-choice
 * response chose, as NeMo-Skills 0b012df8 `extract_letter`; null when none.
 * Anything else ("The answer is (C)" without a colon) is no answer.
 */
export function extractMcqLetter(text: string): string | null {
  // Python `a or b`: an empty \boxed{} falls through to the regex.
  const extracted = extractBoxed(text) || searchRegexLast(text, FINAL_ANSWER_REGEX);
  let letter: string | null = null;
  if (extracted !== null) {
    const length = [...extracted].length; // Python len(): code points
    if (length === 1) {
      letter = extracted;
    } else if (length > 1) {
      const found = [...extracted.matchAll(STANDALONE_CAPITAL)];
      const last = found[found.length - 1];
      if (last) letter = last[0];
    }
  }
  if (letter === null) {
    const found = [...text.matchAll(ANSWER_COLON_LETTER)];
    const last = found[found.length - 1];
    if (last && last[1] !== undefined) letter = last[1].replace(PY_STRIP, '').toUpperCase();
  }
  return letter;
}

/** NeMo-Skills' multichoice verdict (`symbolic_correct`): the extracted letter equals the gold letter. */
export function scoreMcqLetter(responseText: string, sample: Sample): UnitScore {
  const predicted = extractMcqLetter(responseText);
  return { predicted, correct: predicted === sample.expected };
}

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

/** Option lines `A) …` and the problem text, as NeMo-Skills `get_mcq_fields` (`nemo_skills/dataset/utils.py`). */
export function mcqProblem(question: string, options: readonly string[]): string {
  const optionsText = options.map((option, i) => `${String.fromCharCode(65 + i)}) ${option}`).join('\n');
  return `${question.replace(/^\n+|\n+$/g, '')}\n\n${optionsText}`;
}

/**
 * The user message of a multiple-choice question under one of `configs`
 * (prompt config → instruction; each NeMo-Skills template is
 * `<instruction>\n\n{problem}`); an unknown config is an error naming `task`.
 */
export function mcqUserPrompt(task: string, configs: Readonly<Record<string, string>>, config: string, question: string, choices: readonly string[]): string {
  const instruction = configs[config];
  if (instruction === undefined) {
    throw new Error(`${task}: unsupported prompt_config "${config}" (supported: ${Object.keys(configs).join(', ')})`);
  }
  return `${instruction}\n\n${mcqProblem(question, choices)}`;
}

/** The four-choice NeMo-Skills prompt configs (`eval/aai/mcq-4choices*`), shared by GPQA and MMLU. */
export const MCQ4_PROMPT_CONFIGS: Readonly<Record<string, string>> = {
  'eval/aai/mcq-4choices':
    "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: A/B/C/D' (e.g. 'Answer: A').",
  'eval/aai/mcq-4choices-boxed':
    "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: \\boxed{A/B/C/D}' (e.g. 'Answer: \\boxed{A}').",
};
/** The unboxed one: GPQA's PROMPT_CONFIG (MMLU passes its own default). */
export const MCQ4_DEFAULT_PROMPT_CONFIG = 'eval/aai/mcq-4choices';

/** The user message of a four-choice question under one of MCQ4_PROMPT_CONFIGS. */
export function mcq4UserPrompt(task: string, question: string, choices: readonly string[], promptConfig?: string): string {
  return mcqUserPrompt(task, MCQ4_PROMPT_CONFIGS, promptConfig ?? MCQ4_DEFAULT_PROMPT_CONFIG, question, choices);
}

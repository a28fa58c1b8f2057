/**
 * BFCL v4's agentic answer check (bfcl_eval/eval_checker/agentic_eval/
 * agentic_checker.py), shared by the web-search and memory categories.
 *
 * `standardize_string`: remove every , . / - _ * ^ ( ) character, lowercase,
 * then turn ' into " (whitespace is kept, whatever its docstring says).
 * `agentic_checker`: the answer is right when some standardized possible
 * answer occurs in the standardized response between word boundaries
 * (`re.search(rf"\b{re.escape(answer)}\b", response)`; Python's \b is
 * Unicode-aware: a word character is a letter, a digit or _). A response that
 * is a list is its first element; anything else not a string is str()-ed by
 * the caller.
 */

export function standardizeString(s: string): string {
  return s.replace(/[,./\-_*^()]/g, '').toLowerCase().replace(/'/g, '"');
}

const WORD = '[\\p{L}\\p{N}_]';
/** Python's `\b` for str patterns (ASCII-only in JS regexps, so spelled out). */
const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export interface AgenticCheck {
  valid: boolean;
  /** Set when not valid. */
  error_type?: 'agentic:answer_not_found';
  error_message?: string;
  standardized_model_response?: string;
  standardized_possible_answers?: string[];
}

export function agenticChecker(modelResponse: string, possibleAnswers: readonly string[]): AgenticCheck {
  const answers = possibleAnswers.map(standardizeString);
  const response = standardizeString(modelResponse);
  for (const a of answers) {
    if (new RegExp(`${BOUNDARY}${escapeRegExp(a)}${BOUNDARY}`, 'u').test(response)) return { valid: true };
  }
  return {
    valid: false,
    error_type: 'agentic:answer_not_found',
    error_message: 'None of the expected answers were found in the model response.',
    standardized_model_response: response,
    standardized_possible_answers: answers,
  };
}

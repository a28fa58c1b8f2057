/**
 * GPQA Diamond — 198 graduate-level four-choice science questions. NeMo
 * Evaluator task `ns_gpqa` (NeMo-Skills dataset `gpqa`, EVAL_SPLIT "diamond").
 *
 * Data: Hub `Idavidrein/gpqa`, config `gpqa_diamond`, split `train` — GATED:
 * the Hub wants HF_TOKEN from an account that accepted the dataset's terms.
 * Rows keep the original column names (`Question`, `Correct Answer`,
 * `Incorrect Answer 1..3`, `Explanation`, `Subdomain`, `High-level domain`,
 * `Writer's Difficulty Estimate`, `Record ID`). Local alternative:
 * `gpqa/diamond.jsonl` (or .json/.parquet via `dataset_dir`) holding the same
 * rows IN THE HUB'S ORDER (the choice permutation depends on the row index).
 * The items' terms forbid re-publishing them: such a file is the user's own
 * download and is never committed here; tests use synthetic rows.
 *
 * Preparation, as NeMo-Skills `nemo_skills/dataset/gpqa/prepare.py` (current
 * version, the one built on `get_mcq_fields`):
 *  - every answer goes through `preprocess`: None → " "; strip; " [title]" →
 *    ". "; "  " → " " (one pass). The question is NOT preprocessed.
 *    (Older prepare.py versions also deleted every `[...]`; the current one
 *    does not.)
 *  - choices start as [Incorrect 1, Incorrect 2, Incorrect 3, Correct]; the
 *    split is prepared after ONE `random.seed(42)`, then `random.shuffle`
 *    runs once per row in dataset order, so row i gets the (i+1)-th shuffle
 *    of one Mersenne Twister stream. `PythonRandom` (families/python/random.ts) reproduces
 *    CPython's generator bit for bit; `gpqaPermutation(i)` is row i's shuffle.
 *  - gold = the letter where the preprocessed correct answer landed
 *    (`choices.index`, i.e. its first occurrence).
 *  - problem text = `get_mcq_fields(Question, choices)` (families/mcq.ts mcqProblem).
 *  - `subset_for_metrics` = `Subdomain` (e.g. "Organic Chemistry"); the
 *    high-level domain is kept in `data.domain`.
 * Prompt: `eval/aai/mcq-4choices` — the dataset's PROMPT_CONFIG and what the
 * Nemotron 3 Nano config passes; `eval/aai/mcq-4choices-boxed` also offered.
 * Extraction and scoring: NeMo-Skills multichoice evaluator (`extractMcqLetter`);
 * `symbolic_correct` = the letter equals the gold letter (METRICS_TYPE multichoice).
 */
import type { PlainBenchmark } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { chatPrompt } from './families/chat';
import { MCQ4_DEFAULT_PROMPT_CONFIG, MCQ4_PROMPT_CONFIGS, mcq4UserPrompt, scoreMcqLetter } from './families/mcq';
import { rowOptionalString, rowString } from './families/rows';
import { PythonRandom } from './families/python/random';

// ---------------------------------------------------------------------------
// Preparation
// ---------------------------------------------------------------------------

/** prepare.py's `--random_seed` default. */
export const GPQA_SEED = 42;

const permutations: number[][] = [];
let stream: PythonRandom | undefined;

/**
 * Row `index`'s shuffle of [Incorrect 1, Incorrect 2, Incorrect 3, Correct]:
 * position p of the shown choices holds original choice `perm[p]` (0–2 the
 * incorrect answers, 3 the correct one). Deterministic: the (index+1)-th
 * `random.shuffle` of a 4-list after `random.seed(42)`.
 */
export function gpqaPermutation(index: number): number[] {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`gpqaPermutation: index must be a non-negative integer, got ${index}`);
  stream ??= new PythonRandom(GPQA_SEED);
  while (permutations.length <= index) {
    const p = [0, 1, 2, 3];
    stream.shuffle(p);
    permutations.push(p);
  }
  return [...permutations[index]!];
}

/** Python `str.strip()` with no argument: every character `str.isspace()` accepts. */
function pythonStrip(s: string): string {
  const ws = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
  return s.replace(new RegExp(`^${ws}+|${ws}+$`, 'g'), '');
}

/** prepare.py `preprocess` (adapted there from lm-evaluation-harness gpqa/generative). */
export function gpqaPreprocess(text: string | null | undefined): string {
  if (text === null || text === undefined) return ' ';
  let t = pythonStrip(text);
  t = t.split(' [title]').join('. ');
  t = t.split('  ').join(' ');
  return t;
}

/** The four shown choices and the gold letter of row `index`. */
export function gpqaChoices(
  correct: string | null | undefined,
  incorrect: readonly [string | null | undefined, string | null | undefined, string | null | undefined],
  index: number,
): { choices: string[]; expected: string } {
  const original = [gpqaPreprocess(incorrect[0]), gpqaPreprocess(incorrect[1]), gpqaPreprocess(incorrect[2]), gpqaPreprocess(correct)];
  const choices = gpqaPermutation(index).map((p) => original[p]!);
  const at = choices.indexOf(gpqaPreprocess(correct));
  return { choices, expected: String.fromCharCode(65 + at) };
}

// ---------------------------------------------------------------------------
// Prompt: the MCQ family's four-choice configs
// ---------------------------------------------------------------------------

/** User-message instruction per NeMo-Skills prompt config (families/mcq.ts MCQ4_PROMPT_CONFIGS). */
export const GPQA_PROMPT_CONFIGS = MCQ4_PROMPT_CONFIGS;
export const GPQA_DEFAULT_PROMPT_CONFIG = MCQ4_DEFAULT_PROMPT_CONFIG;

export const gpqa: PlainBenchmark = {
  kind: 'plain',
  promptConfigs: Object.keys(GPQA_PROMPT_CONFIGS),
  name: 'ns_gpqa',
  scorerVersion: '2',
  description: 'GPQA Diamond (198 questions, 4 options, gated: HF_TOKEN), NeMo-Skills eval/aai/mcq-4choices prompt, seeded choice shuffle, letter extraction, symbolic_correct',
  dataset: { hfRepo: 'Idavidrein/gpqa', hfConfig: 'gpqa_diamond', split: 'train', localFile: 'gpqa/diamond.jsonl', gated: true },
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const question = rowString('ns_gpqa', raw, 'Question', index, " (GPQA's original column names are expected)");
    const correct = rowOptionalString('ns_gpqa', raw, 'Correct Answer', index);
    if (correct === null) throw new Error(`ns_gpqa row ${index}: "Correct Answer" is missing`);
    const { choices, expected } = gpqaChoices(
      correct,
      [rowOptionalString('ns_gpqa', raw, 'Incorrect Answer 1', index), rowOptionalString('ns_gpqa', raw, 'Incorrect Answer 2', index), rowOptionalString('ns_gpqa', raw, 'Incorrect Answer 3', index)],
      index,
    );
    const subdomain = rowOptionalString('ns_gpqa', raw, 'Subdomain', index);
    const difficulty = rowOptionalString('ns_gpqa', raw, "Writer's Difficulty Estimate", index);
    const recordId = raw['Record ID'];
    return {
      id: typeof recordId === 'string' && recordId !== '' ? recordId : String(index),
      expected,
      ...(subdomain !== null ? { subset: subdomain } : {}),
      data: {
        question,
        options: choices,
        domain: rowOptionalString('ns_gpqa', raw, 'High-level domain', index),
        // prepare.py: re.split(r"\s*\(", estimate)[0]
        difficulty: difficulty === null ? null : (difficulty.split(/\s*\(/)[0] ?? ''),
      },
    };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    return chatPrompt(options, mcq4UserPrompt('ns_gpqa', String(sample.data.question), sample.data.options as string[], options.promptConfig));
  },

  score: scoreMcqLetter,
};

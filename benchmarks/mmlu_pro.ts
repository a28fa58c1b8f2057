/**
 * MMLU-Pro — 12,032 ten-option (up to 10; some have fewer) multiple-choice
 * questions in 14 categories. NeMo Evaluator task `ns_mmlu_pro`.
 *
 * Data: Hub `TIGER-Lab/MMLU-Pro`, config `default`, split `test`
 * (question_id, question, options[], answer letter, answer_index, category,
 * src), or `mmlu_pro/test.jsonl` in a local dataset directory (same fields).
 * Problem text: NeMo-Skills `get_mcq_fields` (`nemo_skills/dataset/utils.py`,
 * used by `dataset/mmlu-pro/prepare.py`): the question with surrounding
 * newlines stripped, a blank line, then one `X) option` line per option.
 * Subset for the per-category breakdown: `category` with spaces replaced by
 * `_` (prepare.py's `subset_for_metrics`, e.g. `computer_science`).
 * Prompt: NeMo-Skills `eval/aai/mcq-10choices` by default — the mmlu-pro
 * dataset's GENERATION_ARGS (`dataset/mmlu-pro/__init__.py`) and the
 * Artificial Analysis group; `eval/aai/mcq-10choices-boxed` is the variant
 * NVIDIA's Nemotron evaluation configs pass with `++prompt_config=`.
 * Extraction and scoring: NeMo-Skills multichoice evaluator (`evaluator/mcq.py`),
 * see `extractMcqLetter`; `symbolic_correct` = letter equals the gold letter.
 */
import type { PlainBenchmark } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { chatPrompt } from './families/chat';
import { mcqProblem, mcqUserPrompt, scoreMcqLetter } from './families/mcq';
import { rowString } from './families/rows';

const AAI_INSTRUCTION =
  "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: A/B/C/D/E/F/G/H/I/J' (e.g. 'Answer: A').";
const AAI_BOXED_INSTRUCTION =
  "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: \\boxed{A/B/C/D/E/F/G/H/I/J}' (e.g. 'Answer: \\boxed{A}').";
const GENERAL_BOXED_INSTRUCTION = 'Solve the following problem. Make sure to put the answer (and only answer) inside \\boxed{}.';

/** User-message instruction per NeMo-Skills prompt config (each template is `<instruction>\n\n{problem}`). */
export const MMLU_PRO_PROMPT_CONFIGS: Readonly<Record<string, string>> = {
  'eval/aai/mcq-10choices': AAI_INSTRUCTION,
  'eval/aai/mcq-10choices-boxed': AAI_BOXED_INSTRUCTION,
  'generic/general-boxed': GENERAL_BOXED_INSTRUCTION,
};
export const MMLU_PRO_DEFAULT_PROMPT_CONFIG = 'eval/aai/mcq-10choices';

/** Option lines `A) …` and the problem text, as NeMo-Skills `get_mcq_fields` (the MCQ family's `mcqProblem`). */
export const mmluProProblem = mcqProblem;

export function mmluProUserPrompt(question: string, options: readonly string[], promptConfig?: string): string {
  return mcqUserPrompt('ns_mmlu_pro', MMLU_PRO_PROMPT_CONFIGS, promptConfig ?? MMLU_PRO_DEFAULT_PROMPT_CONFIG, question, options);
}

function readOptions(raw: Record<string, unknown>, index: number): string[] {
  const options = raw.options;
  if (!Array.isArray(options) || options.some((o) => typeof o !== 'string')) {
    throw new Error(`ns_mmlu_pro row ${index}: "options" must be a list of strings`);
  }
  if (options.length < 1 || options.length > 10) {
    throw new Error(`ns_mmlu_pro row ${index}: expected 1..10 options, got ${options.length}`);
  }
  return options as string[];
}

export const mmluPro: PlainBenchmark = {
  kind: 'plain',
  promptConfigs: Object.keys(MMLU_PRO_PROMPT_CONFIGS),
  name: 'ns_mmlu_pro',
  scorerVersion: '2',
  description: 'MMLU-Pro (12,032 questions, up to 10 options), NeMo-Skills eval/aai/mcq-10choices prompt, letter extraction, symbolic_correct',
  dataset: { hfRepo: 'TIGER-Lab/MMLU-Pro', hfConfig: 'default', split: 'test', localFile: 'mmlu_pro/test.jsonl' },
  // NeMo-Skills' AAI group runs mmlu-pro with ++inference.temperature=0.0.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const question = rowString('ns_mmlu_pro', raw, 'question', index);
    const options = readOptions(raw, index);
    const answer = raw.answer;
    if (typeof answer !== 'string' || !/^[A-J]$/.test(answer)) {
      throw new Error(`ns_mmlu_pro row ${index}: "answer" must be a letter A-J, got ${JSON.stringify(answer)}`);
    }
    if (answer.charCodeAt(0) - 65 >= options.length) {
      throw new Error(`ns_mmlu_pro row ${index}: answer ${answer} is beyond the ${options.length} options`);
    }
    const category = typeof raw.category === 'string' ? raw.category : undefined;
    const id = raw.question_id;
    return {
      id: typeof id === 'number' || typeof id === 'string' ? String(id) : String(index),
      expected: answer,
      subset: category?.replace(/ /g, '_'),
      data: { question, options, category, src: raw.src },
    };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    return chatPrompt(options, mmluProUserPrompt(String(sample.data.question), sample.data.options as string[], options.promptConfig));
  },

  score: scoreMcqLetter,
};

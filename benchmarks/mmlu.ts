/**
 * MMLU — 14,042 four-choice questions in 57 subjects. NeMo Evaluator task `mmlu`.
 *
 * Which MMLU: NeMo Evaluator's catalogue has several. lm-evaluation-harness's
 * `mmlu` scores the log-likelihood of each choice, which needs a completions
 * endpoint that returns prompt logprobs; evalflow talks to chat endpoints
 * that generate text. simple-evals' `mmlu` is generative but reads OpenAI's
 * own CSV copy with its own prompt. This module is NeMo-Skills' generative
 * `mmlu` (`nemo_skills/dataset/mmlu`), the variant that fits chat endpoints
 * and shares prompts, extraction and metrics with `ns_gpqa` and `ns_mmlu_pro`,
 * so its numbers line up with NeMo-Skills' reports.
 *
 * Data: Hub `cais/mmlu`, config `all`, split `test` (`question`, `subject`,
 * `choices[4]`, `answer` 0–3), or `mmlu/test.jsonl` in a local dataset
 * directory (same fields; `answer` may also be the letter). NeMo-Skills reads
 * the same test split from Hendrycks' original tar (question, A–D, letter).
 * Problem text: `get_mcq_fields(question, [A, B, C, D])` (see mmluProProblem).
 * Subset for the per-category breakdown: NeMo-Skills' `subset_for_metrics`,
 * the subject's subcategory from Hendrycks' categories.py (e.g. "math",
 * "health"); the subject itself is kept in `data.subject`.
 * Prompt: `eval/aai/mcq-4choices-boxed` (the dataset's GENERATION_ARGS at
 * NeMo-Skills 0b012df8; version 2 and earlier used the unboxed one), or
 * `eval/aai/mcq-4choices`. Extraction and scoring: NeMo-Skills
 * multichoice evaluator (`extractMcqLetter`), `symbolic_correct`.
 */
import type { PlainBenchmark } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { chatPrompt } from './families/chat';
import { MCQ4_PROMPT_CONFIGS, mcq4UserPrompt, scoreMcqLetter } from './families/mcq';
import { rowString } from './families/rows';

/** NeMo-Skills mmlu/prepare.py `subcategories` (from hendrycks/test categories.py): subject → subset. */
export const MMLU_SUBCATEGORIES: Readonly<Record<string, string>> = {
  abstract_algebra: 'math',
  anatomy: 'health',
  astronomy: 'physics',
  business_ethics: 'business',
  clinical_knowledge: 'health',
  college_biology: 'biology',
  college_chemistry: 'chemistry',
  college_computer_science: 'computer science',
  college_mathematics: 'math',
  college_medicine: 'health',
  college_physics: 'physics',
  computer_security: 'computer science',
  conceptual_physics: 'physics',
  econometrics: 'economics',
  electrical_engineering: 'engineering',
  elementary_mathematics: 'math',
  formal_logic: 'philosophy',
  global_facts: 'other',
  high_school_biology: 'biology',
  high_school_chemistry: 'chemistry',
  high_school_computer_science: 'computer science',
  high_school_european_history: 'history',
  high_school_geography: 'geography',
  high_school_government_and_politics: 'politics',
  high_school_macroeconomics: 'economics',
  high_school_mathematics: 'math',
  high_school_microeconomics: 'economics',
  high_school_physics: 'physics',
  high_school_psychology: 'psychology',
  high_school_statistics: 'math',
  high_school_us_history: 'history',
  high_school_world_history: 'history',
  human_aging: 'health',
  human_sexuality: 'culture',
  international_law: 'law',
  jurisprudence: 'law',
  logical_fallacies: 'philosophy',
  machine_learning: 'computer science',
  management: 'business',
  marketing: 'business',
  medical_genetics: 'health',
  miscellaneous: 'other',
  moral_disputes: 'philosophy',
  moral_scenarios: 'philosophy',
  nutrition: 'health',
  philosophy: 'philosophy',
  prehistory: 'history',
  professional_accounting: 'other',
  professional_law: 'law',
  professional_medicine: 'health',
  professional_psychology: 'psychology',
  public_relations: 'politics',
  security_studies: 'politics',
  sociology: 'culture',
  us_foreign_policy: 'politics',
  virology: 'health',
  world_religions: 'philosophy',
};

/** The gold letter from `answer`: the Hub's index 0–3, or a letter A–D. */
export function mmluGold(answer: unknown, index: number): string {
  if (typeof answer === 'number' && Number.isInteger(answer) && answer >= 0 && answer <= 3) return String.fromCharCode(65 + answer);
  if (typeof answer === 'string' && /^[A-D]$/.test(answer)) return answer;
  throw new Error(`mmlu row ${index}: "answer" must be an index 0-3 or a letter A-D, got ${JSON.stringify(answer)}`);
}

/** The dataset's default prompt (NeMo-Skills 0b012df8 `mmlu/__init__.py`); GPQA's is the unboxed one. */
export const MMLU_DEFAULT_PROMPT_CONFIG = 'eval/aai/mcq-4choices-boxed';

export const mmlu: PlainBenchmark = {
  kind: 'plain',
  promptConfigs: Object.keys(MCQ4_PROMPT_CONFIGS),
  name: 'mmlu',
  scorerVersion: '3',
  description: 'MMLU (14,042 questions, 4 options), generative NeMo-Skills variant: eval/aai/mcq-4choices-boxed prompt, letter extraction, symbolic_correct',
  dataset: { hfRepo: 'cais/mmlu', hfConfig: 'all', split: 'test', localFile: 'mmlu/test.jsonl' },
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const question = rowString('mmlu', raw, 'question', index);
    const choices = raw.choices;
    if (!Array.isArray(choices) || choices.length !== 4 || choices.some((c) => typeof c !== 'string')) {
      throw new Error(`mmlu row ${index}: "choices" must be a list of 4 strings`);
    }
    const subject = rowString('mmlu', raw, 'subject', index);
    const subset = MMLU_SUBCATEGORIES[subject];
    if (subset === undefined) throw new Error(`mmlu row ${index}: unknown subject "${subject}" (not one of MMLU's 57)`);
    return { id: String(index), expected: mmluGold(raw.answer, index), subset, data: { question, options: choices as string[], subject } };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    // NeMo-Skills 0b012df8 nemo_skills/dataset/mmlu/__init__.py: GENERATION_ARGS ++prompt_config=eval/aai/mcq-4choices-boxed.
    return chatPrompt(options, mcq4UserPrompt('mmlu', String(sample.data.question), sample.data.options as string[], options.promptConfig ?? MMLU_DEFAULT_PROMPT_CONFIG));
  },

  score: scoreMcqLetter,
};

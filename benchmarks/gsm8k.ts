/**
 * GSM8K — grade-school math word problems, 1,319 test items, integer answers.
 *
 * Data: Hub `openai/gsm8k`, config `main`, split `test` (`question`, `answer`
 * where the gold follows `#### `), or `gsm8k/test.jsonl` in a local dataset
 * directory (the same fields, as in openai/grade-school-math).
 * Prompt: NeMo-Skills `generic/math` (`nemo_skills/prompt/config/generic/math.yaml`),
 * the prompt its math benchmarks use (`++prompt_config=generic/math ++eval_type=math`),
 * without few-shot examples.
 * Extraction: the last `\boxed{}` (NeMo-Skills math evaluator, extract_from_boxed=True).
 * Scoring: `symbolic_correct` = NeMo-Skills math_equal(gold, predicted), which is
 * math-verify 0.9.0 run in a Python process on the scoring worker (scoreBoxedMath
 * in families/math.ts; needs scripts/setup-math.sh). Scorer version 2: before it, a
 * regular-expression port that agreed with the reference on 72% of AIME-style answers.
 */
import type { PlainBenchmark, UnitScore } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { chatPrompt } from './families/chat';
import { genericMathUserPrompt, scoreBoxedMath } from './families/math';
import { rowString } from './families/rows';

export const GSM8K_PROMPT_CONFIGS = ['generic/math'] as const;

/**
 * Gold answer as NeMo-Skills' gsm8k prepare.py stores it: the text after
 * `####`, commas removed, read as a number and written as an integer when it
 * is one ("1,000" → "1000", "18.0" → "18").
 */
export function gsm8kGold(answerField: string): string {
  const parts = answerField.split('####');
  if (parts.length !== 2) {
    throw new Error(`GSM8K answer has ${parts.length - 1} "####" markers, expected exactly one: ${JSON.stringify(answerField.slice(-80))}`);
  }
  const raw = (parts[1] ?? '').trim().replace(/,/g, '');
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value)) throw new Error(`GSM8K gold answer is not a number: ${JSON.stringify(raw)}`);
  return String(value);
}

export const gsm8k: PlainBenchmark = {
  kind: 'plain',
  promptConfigs: GSM8K_PROMPT_CONFIGS,
  name: 'gsm8k',
  scorerVersion: '2',
  description: 'GSM8K grade-school math (1,319 test problems), NeMo-Skills generic/math prompt, \\boxed{} answer, symbolic_correct',
  dataset: { hfRepo: 'openai/gsm8k', hfConfig: 'main', split: 'test', localFile: 'gsm8k/test.jsonl' },
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const question = rowString('gsm8k', raw, 'question', index);
    const answer = rowString('gsm8k', raw, 'answer', index);
    return { id: String(index), expected: gsm8kGold(answer), data: { question } };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    const config = options.promptConfig ?? 'generic/math';
    if (!(GSM8K_PROMPT_CONFIGS as readonly string[]).includes(config)) {
      throw new Error(`gsm8k: unsupported prompt_config "${config}" (supported: ${GSM8K_PROMPT_CONFIGS.join(', ')})`);
    }
    return chatPrompt(options, genericMathUserPrompt(String(sample.data.question)));
  },

  score(responseText: string, sample: Sample): Promise<UnitScore> {
    return scoreBoxedMath(responseText, sample.expected);
  },
};

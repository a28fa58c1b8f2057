/**
 * AIME 2025 — the 30 problems of AIME 2025 I and II, integer answers 0–999.
 * NeMo Evaluator task `ns_aime2025` (NeMo-Skills dataset `aime25`).
 *
 * Data: NeMo-Skills ships the set in its repository
 * (`nemo_skills/dataset/aime25/test.txt`: `id`, `problem`, `expected_answer`,
 * `reference_solution`), not on the Hub. Locally: `aime25/test.jsonl` in that
 * schema (the shared datasets folder holds it). Hub fallback: `math-ai/aime25`
 * (split `test`), a community copy of the same 30 problems with the gold in
 * `answer`; its problem wording may differ from NeMo-Skills' file in
 * whitespace, so prefer the local file when matching published numbers.
 * Prompt: NeMo-Skills `generic/math` (the aime25 PROMPT_CONFIG; the same
 * builder as gsm8k), or `eval/aai/math`.
 * Extraction: the last `\boxed{}`; scoring: `symbolic_correct` = NeMo-Skills
 * math_equal, i.e. math-verify 0.9.0 in a Python process on the scoring worker
 * (scoreBoxedMath in families/math.ts; scorer version 2, needs scripts/setup-math.sh).
 * Metrics: lib/engine/metrics (pass@1[avg-of-k], majority@k, pass@k) — the Nemotron
 * config asks for `num_repeats: 64`.
 */
import type { PlainBenchmark, UnitScore } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { chatPrompt } from './families/chat';
import { aaiMathUserPrompt, genericMathUserPrompt, scoreBoxedMath } from './families/math';
import { rowString } from './families/rows';

export const AIME_PROMPT_CONFIGS: Readonly<Record<string, (problem: string) => string>> = {
  'generic/math': genericMathUserPrompt,
  'eval/aai/math': aaiMathUserPrompt,
};
export const AIME_DEFAULT_PROMPT_CONFIG = 'generic/math';

export function aimeUserPrompt(problem: string, promptConfig?: string): string {
  const config = promptConfig ?? AIME_DEFAULT_PROMPT_CONFIG;
  const build = AIME_PROMPT_CONFIGS[config];
  if (build) return build(problem);
  const supported = Object.keys(AIME_PROMPT_CONFIGS).join(', ');
  if (/eval_factory_prompts\/math-oai\.yaml/.test(config)) {
    // The published Nemotron 3 Nano config points at a prompt file inside NeMo
    // Evaluator's nemo-skills container; its text is not published, so it
    // cannot be reproduced here, and guessing would change the scores.
    throw new Error(
      `ns_aime2025: prompt_config "${config}" is a file inside NeMo Evaluator's nemo-skills container whose text is not published; ` +
        `evalflow cannot reproduce it. Choose one of: ${supported} ` +
        `(e.g. -o 'evaluation.tasks.ns_aime2025.nemo_evaluator_config.config.params.extra.args=++prompt_config=generic/math')`,
    );
  }
  throw new Error(`ns_aime2025: unsupported prompt_config "${config}" (supported: ${supported})`);
}

export const aime2025: PlainBenchmark = {
  kind: 'plain',
  promptConfigs: Object.keys(AIME_PROMPT_CONFIGS),
  name: 'ns_aime2025',
  scorerVersion: '2',
  description: 'AIME 2025 (30 problems), NeMo-Skills generic/math prompt, \\boxed{} answer, symbolic_correct; pass@1[avg-of-k], majority@k, pass@k',
  dataset: { hfRepo: 'math-ai/aime25', hfConfig: 'default', split: 'test', localFile: 'aime25/test.jsonl' },
  // NeMo-Skills inference defaults: greedy decoding (configs sample with num_repeats and their own temperature).
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const problem = rowString('ns_aime2025', raw, 'problem', index);
    const gold = raw.expected_answer ?? raw.answer;
    if (!(typeof gold === 'string' && gold.trim() !== '') && !(typeof gold === 'number' && Number.isFinite(gold))) {
      throw new Error(`ns_aime2025 row ${index}: "expected_answer" (or "answer") must be a non-empty string or a number, got ${JSON.stringify(gold)}`);
    }
    const id = raw.id;
    return {
      id: typeof id === 'string' || typeof id === 'number' ? String(id) : String(index),
      expected: String(gold).trim(),
      data: { problem },
    };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    return chatPrompt(options, aimeUserPrompt(String(sample.data.problem), options.promptConfig));
  },

  score(responseText: string, sample: Sample): Promise<UnitScore> {
    return scoreBoxedMath(responseText, sample.expected);
  },
};

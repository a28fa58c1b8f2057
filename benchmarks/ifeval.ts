/**
 * IFEval — 541 prompts, each with one to three verifiable instructions
 * ("answer in fewer than 100 words", "no commas", …). NeMo Evaluator task `ifeval`.
 *
 * Data: Hub `google/IFEval`, config `default`, split `train` (`key`, `prompt`,
 * `instruction_id_list`, `kwargs` — on the Hub every kwargs dict carries all
 * argument names, unused ones null), or `ifeval/input_data.jsonl` in a local
 * dataset directory (google-research's `input_data.jsonl`, same fields).
 * Prompt: NeMo-Skills `generic/default` (the ifeval dataset's GENERATION_ARGS,
 * `nemo_skills/dataset/ifeval/__init__.py`): the prompt alone as the user message.
 * Scoring: google-research `evaluation_lib.py` — every instruction checked
 * strictly and loosely (framework.ts, ifeval-checkers.ts); a response is
 * `correct` when all its instructions are followed strictly (prompt-level
 * strict). Metrics: NeMo-Skills IFMetrics (instructions/metrics.ts).
 */
import type { Benchmark, ChatMessage, PromptOptions, Sample, UnitScore } from './types';
import { evaluateInstructions, registryOf, type Kwargs } from './instructions/framework';
import { IFEVAL_CHECKERS } from './instructions/ifeval-checkers';
import { instructionMetrics } from './instructions/metrics';
import { pyStrip } from './instructions/ifeval-checkers';

export const IFEVAL_PROMPT_CONFIGS = ['generic/default'] as const;

const REGISTRY = registryOf(IFEVAL_CHECKERS);

function readInstructions(raw: Record<string, unknown>, index: number): { ids: string[]; kwargs: Kwargs[] } {
  const ids = raw.instruction_id_list;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((x) => typeof x !== 'string')) {
    throw new Error(`ifeval row ${index}: "instruction_id_list" must be a non-empty list of strings`);
  }
  const kwargs = raw.kwargs;
  if (!Array.isArray(kwargs) || kwargs.length !== ids.length || kwargs.some((k) => typeof k !== 'object' || k === null || Array.isArray(k))) {
    throw new Error(`ifeval row ${index}: "kwargs" must be a list of ${ids.length} objects, one per instruction`);
  }
  for (const id of ids as string[]) {
    if (!REGISTRY.has(id)) throw new Error(`ifeval row ${index}: unknown instruction "${id}"`);
  }
  // Drop null-valued arguments (the Hub's unified schema), as evaluation_lib does before build_description.
  const cleaned = (kwargs as Kwargs[]).map((k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== null && v !== undefined)));
  return { ids: ids as string[], kwargs: cleaned };
}

export const ifeval: Benchmark = {
  name: 'ifeval',
  description: 'IFEval instruction following (541 prompts, 25 instruction types), prompt as the user message, prompt/instruction strict/loose accuracy',
  dataset: { hfRepo: 'google/IFEval', hfConfig: 'default', split: 'train', localFile: 'ifeval/input_data.jsonl' },
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const prompt = raw.prompt;
    if (typeof prompt !== 'string' || prompt === '') throw new Error(`ifeval row ${index}: "prompt" must be a non-empty string`);
    const { ids, kwargs } = readInstructions(raw, index);
    const key = raw.key;
    const id = typeof key === 'number' || typeof key === 'string' ? String(key) : String(index);
    return { id, expected: ids.join(', '), data: { prompt, instruction_id_list: ids, kwargs } };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    const config = options.promptConfig ?? 'generic/default';
    if (!(IFEVAL_PROMPT_CONFIGS as readonly string[]).includes(config)) {
      throw new Error(`ifeval: unsupported prompt_config "${config}" (supported: ${IFEVAL_PROMPT_CONFIGS.join(', ')})`);
    }
    const messages: ChatMessage[] = [];
    if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
    messages.push({ role: 'user', content: String(sample.data.prompt) });
    return messages;
  },

  score(responseText: string, sample: Sample): UnitScore {
    const ids = sample.data.instruction_id_list as string[];
    const kwargs = sample.data.kwargs as Kwargs[];
    const instructions = evaluateInstructions(responseText, String(sample.data.prompt), ids, kwargs, REGISTRY);
    const strict = instructions.filter((r) => r.strict).length;
    const loose = instructions.filter((r) => r.loose).length;
    return {
      predicted: pyStrip(responseText) === '' ? null : `strict ${strict}/${ids.length}, loose ${loose}/${ids.length}`,
      correct: strict === ids.length,
      details: { instructions },
    };
  },

  metrics: instructionMetrics,
};

/**
 * IFBench — 300 prompts (WildChat prompts from a held-out set) each with one or
 * two of 58 new, out-of-distribution verifiable output constraints ("use at
 * least 5 different coordinating conjunctions", "every 7th word in Japanese",
 * …). NeMo Evaluator task `ns_ifbench` (NeMo-Skills benchmark `ifbench`).
 *
 * Data: Hub `allenai/IFBench_test`, config `default`, split `train` (`key`,
 * `prompt`, `instruction_id_list`, `kwargs`; every kwargs dict carries all
 * argument names, unused ones null, and the parquet stores integers as
 * floats), or `ifbench/IFBench_test.jsonl` in a local dataset directory
 * (allenai/IFBench `data/IFBench_test.jsonl`, same fields).
 * Prompt: NeMo-Skills `generic/default` (`nemo_skills/dataset/ifbench/__init__.py`
 * GENERATION_ARGS `++prompt_config=generic/default ++eval_type=ifbench`): the
 * prompt alone as the user message.
 * Scoring: IFBench `evaluation_lib.py` (run by NeMo-Skills' ifbench evaluator)
 * — every instruction checked strictly and loosely (framework.ts) with the
 * IFBench checkers (ifbench-checkers.ts); a response is `correct` when all its
 * instructions are followed strictly (prompt-level strict).
 * Metrics: NeMo-Skills IFMetrics (`METRICS_TYPE = "if"`, instructions/metrics.ts).
 */
import type { Benchmark, ChatMessage, PromptOptions, Sample, UnitScore } from './types';
import { evaluateInstructions, registryOf, type Kwargs } from './instructions/framework';
import { IFBENCH_CHECKERS, pyStrip } from './instructions/ifbench-checkers';
import { instructionMetrics } from './instructions/metrics';

export const IFBENCH_PROMPT_CONFIGS = ['generic/default'] as const;

const REGISTRY = registryOf(IFBENCH_CHECKERS);

/** The row's instruction ids and kwargs, null-valued arguments dropped (as evaluation_lib does before build_description). */
export function readIfbenchInstructions(raw: Record<string, unknown>, index: number): { ids: string[]; kwargs: Kwargs[] } {
  const ids = raw.instruction_id_list;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((x) => typeof x !== 'string')) {
    throw new Error(`ns_ifbench row ${index}: "instruction_id_list" must be a non-empty list of strings`);
  }
  const kwargs = raw.kwargs;
  if (!Array.isArray(kwargs) || kwargs.length !== ids.length || kwargs.some((k) => typeof k !== 'object' || k === null || Array.isArray(k))) {
    throw new Error(`ns_ifbench row ${index}: "kwargs" must be a list of ${ids.length} objects, one per instruction`);
  }
  for (const id of ids as string[]) {
    if (!REGISTRY.has(id)) throw new Error(`ns_ifbench row ${index}: unknown instruction "${id}"`);
  }
  const cleaned = (kwargs as Kwargs[]).map((k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== null && v !== undefined)));
  return { ids: ids as string[], kwargs: cleaned };
}

export const ifbench: Benchmark = {
  name: 'ns_ifbench',
  description: 'IFBench instruction following (300 prompts, 58 out-of-distribution constraints), prompt as the user message, prompt/instruction strict/loose accuracy',
  dataset: { hfRepo: 'allenai/IFBench_test', hfConfig: 'default', split: 'train', localFile: 'ifbench/IFBench_test.jsonl' },
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const prompt = raw.prompt;
    if (typeof prompt !== 'string' || prompt === '') throw new Error(`ns_ifbench row ${index}: "prompt" must be a non-empty string`);
    const { ids, kwargs } = readIfbenchInstructions(raw, index);
    const key = raw.key;
    const id = typeof key === 'number' || typeof key === 'string' ? String(key) : String(index);
    return { id, expected: ids.join(', '), data: { prompt, instruction_id_list: ids, kwargs } };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    const config = options.promptConfig ?? 'generic/default';
    if (!(IFBENCH_PROMPT_CONFIGS as readonly string[]).includes(config)) {
      throw new Error(`ns_ifbench: unsupported prompt_config "${config}" (supported: ${IFBENCH_PROMPT_CONFIGS.join(', ')})`);
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

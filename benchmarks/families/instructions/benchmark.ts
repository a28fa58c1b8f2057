/**
 * The Benchmark shape shared by IFEval and IFBench: the same row schema
 * (`key`, `prompt`, `instruction_id_list`, `kwargs`), the same NeMo-Skills
 * `generic/default` prompt (the prompt alone as the user message), strict and
 * loose checking with the benchmark's own checkers, and IFMetrics.
 */
import type { PlainBenchmark } from '../../types';
import type { DatasetSource } from '../../../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../../../lib/records/messages';
import { evaluateInstructions, type InstructionChecker, type Kwargs, registryOf } from './framework';
import { pyStrip } from './ifeval-checkers';
import { instructionMetrics } from './metrics';

export const INSTRUCTION_PROMPT_CONFIGS = ['generic/default'] as const;

export interface InstructionBenchmarkSpec {
  name: string;
  /** Version of the scoring rules (Benchmark.scorerVersion). */
  scorerVersion: string;
  description: string;
  dataset: DatasetSource;
  checkers: readonly InstructionChecker[];
}

export function instructionBenchmark(spec: InstructionBenchmarkSpec): PlainBenchmark & {
  readInstructions(raw: Record<string, unknown>, index: number): { ids: string[]; kwargs: Kwargs[] };
} {
  const registry = registryOf(spec.checkers);
  const fail = (index: number, what: string) => new Error(`${spec.name} row ${index}: ${what}`);

  /** The row's instruction ids and kwargs, null-valued arguments dropped (as evaluation_lib does before build_description). */
  function readInstructions(raw: Record<string, unknown>, index: number): { ids: string[]; kwargs: Kwargs[] } {
    const ids = raw.instruction_id_list;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((x) => typeof x !== 'string')) {
      throw fail(index, '"instruction_id_list" must be a non-empty list of strings');
    }
    const kwargs = raw.kwargs;
    if (!Array.isArray(kwargs) || kwargs.length !== ids.length || kwargs.some((k) => typeof k !== 'object' || k === null || Array.isArray(k))) {
      throw fail(index, `"kwargs" must be a list of ${ids.length} objects, one per instruction`);
    }
    for (const id of ids as string[]) if (!registry.has(id)) throw fail(index, `unknown instruction "${id}"`);
    const cleaned = (kwargs as Kwargs[]).map((k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== null && v !== undefined)));
    return { ids: ids as string[], kwargs: cleaned };
  }

  return {
    kind: 'plain',
    name: spec.name,
    scorerVersion: spec.scorerVersion,
    description: spec.description,
    dataset: spec.dataset,
    promptConfigs: INSTRUCTION_PROMPT_CONFIGS,
    // NeMo-Skills inference defaults: greedy decoding.
    defaults: { temperature: 0 },
    readInstructions,

    toSample(raw, index): Sample {
      const prompt = raw.prompt;
      if (typeof prompt !== 'string' || prompt === '') throw fail(index, '"prompt" must be a non-empty string');
      const { ids, kwargs } = readInstructions(raw, index);
      const key = raw.key;
      const id = typeof key === 'number' || typeof key === 'string' ? String(key) : String(index);
      return { id, expected: ids.join(', '), data: { prompt, instruction_id_list: ids, kwargs } };
    },

    prompt(sample, options): ChatMessage[] {
      const config = options.promptConfig ?? 'generic/default';
      if (!(INSTRUCTION_PROMPT_CONFIGS as readonly string[]).includes(config)) {
        throw new Error(`${spec.name}: unsupported prompt_config "${config}" (supported: ${INSTRUCTION_PROMPT_CONFIGS.join(', ')})`);
      }
      const messages: ChatMessage[] = [];
      if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
      messages.push({ role: 'user', content: String(sample.data.prompt) });
      return messages;
    },

    score(responseText, sample) {
      const ids = sample.data.instruction_id_list as string[];
      const kwargs = sample.data.kwargs as Kwargs[];
      const instructions = evaluateInstructions(responseText, String(sample.data.prompt), ids, kwargs, registry);
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
}

/**
 * The SCRIPTED DEMO MODEL: not a real LLM. It serves an OpenAI-compatible API
 * (the fake endpoint of test/) and answers benchmark prompts from an answer
 * key built from the local benchmark data with evalflow's own prompt
 * builders: for each prompt, a fixed hash decides whether it answers
 * correctly (70%), wrongly (20%) or without a parsable answer (10%). So the
 * quickstart shows real extraction and scoring end to end, and tests know
 * every expected score in advance. Its replies say what it is.
 */
import { getBenchmark } from '../../benchmarks/index';
import { MMLU_PRO_PROMPT_CONFIGS } from '../../benchmarks/mmlu_pro';
import { loadDataset } from '../engine/datasets';
import { sha256 } from '../engine/hash';
import { loadSettings } from '../config/settings';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from './scripted-endpoint';

export type DemoOutcome = 'correct' | 'wrong' | 'no_answer';

/** The fixed fate of one prompt text. */
export function demoOutcome(promptText: string): DemoOutcome {
  const bucket = parseInt(sha256(promptText).slice(0, 8), 16) % 100;
  return bucket < 70 ? 'correct' : bucket < 90 ? 'wrong' : 'no_answer';
}

interface KeyEntry {
  expected: string;
  kind: 'math' | 'mcq';
}

/** Prompt variants the demo knows per built-in benchmark. */
const VARIANTS: Record<string, (string | undefined)[]> = {
  gsm8k: [undefined],
  ns_mmlu_pro: [undefined, ...Object.keys(MMLU_PRO_PROMPT_CONFIGS)],
};

export async function buildAnswerKey(datasetsDir: string | undefined): Promise<Map<string, KeyEntry>> {
  const key = new Map<string, KeyEntry>();
  const settings = loadSettings();
  for (const [name, variants] of Object.entries(VARIANTS)) {
    const bench = getBenchmark(name);
    if (!bench) continue;
    let rows: Record<string, unknown>[];
    try {
      rows = (await loadDataset(bench.dataset, { datasetDir: datasetsDir, cacheDir: settings.cacheDir, offline: true })).rows;
    } catch {
      continue; // no local data for this benchmark: the demo just cannot answer it
    }
    rows.forEach((raw, i) => {
      const sample = bench.toSample(raw, i);
      for (const promptConfig of variants) {
        const msgs = bench.prompt(sample, { promptConfig });
        const last = msgs[msgs.length - 1].content;
        key.set(sha256(last), { expected: sample.expected, kind: name === 'gsm8k' ? 'math' : 'mcq' });
      }
    });
  }
  return key;
}

function wrongOf(entry: KeyEntry): string {
  if (entry.kind === 'mcq') return String.fromCharCode(((entry.expected.charCodeAt(0) - 65 + 1) % 10) + 65);
  const n = Number(entry.expected);
  return Number.isFinite(n) ? String(n + 1) : `${entry.expected}1`;
}

export function demoReply(key: Map<string, KeyEntry>, req: FakeRequest): FakeReply {
  const text = req.messages?.[req.messages.length - 1]?.content ?? req.prompt ?? '';
  const entry = key.get(sha256(text));
  if (!entry) {
    return { content: 'I am the scripted demo model of evalflow, not a real LLM; I only know the bundled benchmark questions.' };
  }
  const outcome = demoOutcome(text);
  const reasoning = 'Scripted demo model: looking the question up in its answer key.';
  if (outcome === 'no_answer') return { content: `<think>${reasoning}</think>I am not sure about this one.` };
  const answer = outcome === 'correct' ? entry.expected : wrongOf(entry);
  let final: string;
  if (entry.kind === 'math') final = `The computation gives the result \\boxed{${answer}}.`;
  else if (text.includes("'Answer: \\boxed{")) final = `Weighing the options.\nAnswer: \\boxed{${answer}}`;
  else final = `Weighing the options.\nAnswer: ${answer}`;
  return { content: `<think>${reasoning}</think>${final}` };
}

export async function startDemoEndpoint(opts: {
  port?: number;
  /** Per request, or a function of the request (e.g. hold requests until a moment: `() => until - Date.now()`). */
  latencyMs?: number | ((req: FakeRequest) => number);
  datasetsDir?: string;
  seed?: number;
  /** A capacity, as FakeEndpointOptions (tests of limits and back-pressure). */
  maxConcurrency?: number;
  overCapacity?: 'queue' | '429';
}): Promise<FakeEndpoint> {
  const key = await buildAnswerKey(opts.datasetsDir);
  return startFakeEndpoint({
    port: opts.port ?? 0,
    models: ['demo-model'],
    latencyMs: opts.latencyMs ?? 20,
    ...(opts.maxConcurrency ? { maxConcurrency: opts.maxConcurrency } : {}),
    ...(opts.overCapacity ? { overCapacity: opts.overCapacity } : {}),
    seed: opts.seed ?? 1,
    answer: (req) => demoReply(key, req),
  });
}

/**
 * The contract every benchmark module fulfils. A benchmark reads like a spec:
 * where the data comes from, how a sample becomes a prompt, how the answer is
 * extracted from a response, and how it is scored. Everything here is pure;
 * I/O (downloads, endpoint calls, MinIO) lives in activities.
 */

/** One chat message as sent to an OpenAI-compatible endpoint. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A dataset record after normalisation. `id` is stable across runs (used in
 * artifact rows and for paired comparisons); `expected` is the gold answer in
 * the benchmark's own canonical form; `subset` drives per-category breakdowns.
 * `data` keeps the fields the prompt needs (question, options, …).
 */
export interface Sample {
  id: string;
  expected: string;
  subset?: string;
  data: Record<string, unknown>;
}

/** Where a benchmark's data lives. */
export interface DatasetSource {
  /** Hugging Face dataset repository, e.g. "openai/gsm8k". */
  hfRepo: string;
  /** Hugging Face config (subset) name, e.g. "main"; "default" when the repo has one. */
  hfConfig: string;
  /** Split to evaluate, e.g. "test". */
  split: string;
  /** File inside a local dataset directory (`dataset_dir` / EVALFLOW_DATASETS_DIR), e.g. "gsm8k/test.jsonl". */
  localFile: string;
  /** True when the Hub requires a token (HF_TOKEN) for this set. */
  gated?: boolean;
}

/** Options a config can pass to a benchmark's prompt builder. */
export interface PromptOptions {
  /** NeMo-Skills prompt config name (`++prompt_config=…`), when the benchmark has variants. */
  promptConfig?: string;
  /** Extra system prompt from the config (`extra.system_message` / adapter `system_prompt`). */
  systemPrompt?: string;
}

/** What scoring one response produced. */
export interface UnitScore {
  /** The answer extracted from the response, or null when none could be found. */
  predicted: string | null;
  /** True when `predicted` matches the gold answer under the benchmark's rules. */
  correct: boolean;
}

export interface Benchmark {
  /** Task name as in NeMo Evaluator's catalogue, e.g. "gsm8k", "ns_mmlu_pro". */
  name: string;
  /** One line for `evalflow ls tasks`. */
  description: string;
  dataset: DatasetSource;
  /** Generation defaults the benchmark's reference uses (overridden by config params). */
  defaults: { max_new_tokens?: number; temperature?: number; top_p?: number };
  /** Normalise one raw dataset row (Hub or local file) into a Sample. */
  toSample(raw: Record<string, unknown>, index: number): Sample;
  /** Build the request messages for a sample. */
  prompt(sample: Sample, options: PromptOptions): ChatMessage[];
  /** Extract the answer from the model's final text (reasoning already removed) and score it. */
  score(responseText: string, sample: Sample): UnitScore;
}

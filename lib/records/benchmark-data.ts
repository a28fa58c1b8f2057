/**
 * How a benchmark describes its data and the options a config passes to it:
 * plain shapes the dataset loader (lib/engine/datasets.ts) and the benchmark
 * contract (benchmarks/types.ts, which re-exports them) share.
 */
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
  /**
   * For data spread over several files (BFCL: a file per category plus the
   * answers; LiveCodeBench: test.jsonl … test6.jsonl): build the rows from
   * files read through `read`, which takes a path relative to the dataset
   * directory (`<dir>/<path>`) or the Hub repository (`hfRepo`, file at
   * `resolve/main/<hubPath ?? path>`; `parquet:<config>/<split>` names a split
   * of the Hub's parquet export instead; a file the Hub lacks is looked for in
   * the local fallback directory), returns null when the file does not exist,
   * and parses .json (array or JSON lines), .jsonl, .jsonl.gz, .parquet and
   * .txt (one row `{ text }`).
   * `split` is the configured `dataset_split` (or `dataset.split`); `options`
   * the task's prompt options (e.g. BFCL's ++bfcl_agentic). `keep`,
   * when given, filters rows while a JSON-lines file is streamed, so a file of
   * gigabytes (LiveCodeBench's) never sits in memory whole.
   * When set, `localFile` only names the directory in messages.
   */
  readRows?(read: DatasetFileReader, split: string, options?: PromptOptions): Promise<Record<string, unknown>[]>;
  /** Split names a config may select with `dataset_split` (default: only `split`). */
  splits?: readonly string[];
}

/**
 * Reads one data file of a multi-file dataset (see DatasetSource.readRows); null when it does not exist.
 * With `asText` the file is not parsed: one row `{ text }` holding it whole (for a module that must read
 * the literals itself, e.g. BFCL's answers, where JSON's `5.0` and `5` differ for the reference).
 */
export type DatasetFileReader = (
  path: string,
  hubPath?: string,
  keep?: (row: Record<string, unknown>, index: number) => boolean,
  asText?: boolean,
) => Promise<Record<string, unknown>[] | null>;

/** Options a config can pass to a benchmark's prompt builder. */
export interface PromptOptions {
  /** NeMo-Skills prompt config name (`++prompt_config=…`), when the benchmark has variants. */
  promptConfig?: string;
  /** Extra system prompt from the config (`extra.system_message` / adapter `system_prompt`). */
  systemPrompt?: string;
  /**
   * The other `++key=value` pairs of the task's `extra.args` (NeMo-Skills
   * overrides), e.g. { use_client_parsing: 'False' } — BFCL reads it to choose
   * native tool calls or prompt-mode call parsing.
   */
  benchmarkArgs?: Record<string, string>;
}

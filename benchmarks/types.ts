/**
 * The contract every benchmark module fulfils. A benchmark reads like a spec:
 * where the data comes from, how a sample becomes a prompt, how the answer is
 * extracted from a response, and how it is scored. Everything here is pure;
 * I/O (downloads, endpoint calls, MinIO) lives in activities.
 */

import type { SandboxRunner } from '../lib/engine/sandbox/types';
import type { ChatMessage, ToolSpec, TurnResponse, UnitResponse, Sample } from '../lib/records/messages';
import type { DatasetSource, PromptOptions } from '../lib/records/benchmark-data';

// The conversation and sample shapes are records (lib/records/messages.ts); part of the contract too.
export type { ChatMessage, Sample, ToolCall, ToolSpec, TurnResponse, UnitResponse } from '../lib/records/messages';
export type { DatasetFileReader, DatasetSource, PromptOptions } from '../lib/records/benchmark-data';

/**
 * External I/O a conversation may need between model calls (a web search, a
 * page fetch, an embedding). Each result is computed once and kept in the
 * artifact store under its key, so a resumed or re-run unit gets the same
 * result again without paying for it twice, and `next` stays a function of
 * its inputs.
 */
export interface ConversationIO {
  /** The value stored under `key` (e.g. the JSON of a tool call), computed by `compute` the first time. */
  cached(key: string, compute: () => Promise<string>): Promise<string>;
  /** An environment variable of the worker (API keys are read here, never carried in history). */
  env(name: string): string | undefined;
}

/** The next request of a multi-call unit. */
export interface NextRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
}

/** What scoring one response produced. */
export interface UnitScore {
  /** The answer extracted from the response, or null when none could be found. */
  predicted: string | null;
  /** True when `predicted` matches the gold answer under the benchmark's rules. */
  correct: boolean;
  /**
   * Benchmark-specific per-response values, stored in the score rows and handed
   * to the benchmark's own `metrics` (e.g. IFEval's per-instruction results,
   * HLE's stated confidence). Plain JSON.
   */
  details?: Record<string, unknown>;
}

/** A judge model's verdict on one response. */
export interface JudgeVerdict {
  /**
   * The judge's decision, or null when its output could not be parsed. A null
   * verdict is asked again and then recorded as a judge error: never a wrong
   * answer in evalflow's own score (the reference-named one uses `reference`).
   */
  correct: boolean | null;
  /**
   * The verdict the reference harness gives this reply taken as its one and
   * only judgement (it judges once and, like NeMo-Skills, may count a reply it
   * cannot parse as wrong). Recorded from the FIRST reply of each response as
   * `reference_correct`, for the metric carrying the reference's name; leave
   * it out when the benchmark has no such metric.
   */
  reference?: boolean;
  /** Fields parsed from the judge output (e.g. extracted_final_answer, reasoning). Plain JSON. */
  details?: Record<string, unknown>;
}

/** How a benchmark asks a judge model to grade a response (HLE-style LLM judging). */
export interface JudgeSpec {
  /** Messages sent to the judge for one sample and the model's final answer text. */
  prompt(sample: Sample, responseText: string): ChatMessage[];
  /** Parse the judge's reply. */
  parse(judgeText: string): JudgeVerdict;
}

/** One scored response as the benchmark's metrics see it. */
export interface ScoredResponse {
  sample_id: string;
  repeat: number;
  subset?: string;
  predicted: string | null;
  correct: boolean;
  details?: Record<string, unknown>;
  /** Set when the response was judged and the judge failed (after retries): excluded from accuracy, counted apart. */
  judge_error?: string;
  /**
   * The reference's verdict from the first judge reply (`JudgeVerdict.reference`),
   * set whether or not a judge error followed; absent when the judge never replied
   * or the benchmark gives none.
   */
  reference_correct?: boolean;
}

/** The three kinds of benchmark, by how a response is scored. */
export type BenchmarkKind = 'plain' | 'judged' | 'executed';

/** What every benchmark has, whatever its kind. */
export interface BenchmarkBase {
  /** Task name as in NeMo Evaluator's catalogue, e.g. "gsm8k", "ns_mmlu_pro". */
  name: string;
  /** One line for `evalflow ls tasks`. */
  description: string;
  /**
   * Version of this module's scoring rules (extraction, checkers, metrics),
   * recorded per task in results.json and metadata.json. Bump it whenever a
   * change can alter a verdict or a metric, so `compare` and `gate` can warn
   * when two runs were scored differently (docs/fidelity.md). Custom modules
   * may leave it out ("unversioned").
   */
  scorerVersion?: string;
  dataset: DatasetSource;
  /**
   * The NeMo-Skills prompt configs this module reproduces (`++prompt_config=`);
   * a config naming another one is reported before anything runs. Undefined:
   * the module takes no prompt config.
   */
  promptConfigs?: readonly string[];
  /** The `++key=value` args of `extra.args` this module interprets (reaching it as `PromptOptions.benchmarkArgs`). */
  benchmarkArgs?: readonly string[];
  /** Generation defaults the benchmark's reference uses (overridden by config params). */
  defaults: { max_new_tokens?: number; temperature?: number; top_p?: number };
  /**
   * Keep only the rows the benchmark evaluates (e.g. HLE's text-only
   * questions). Applied to the raw rows before `limit_samples`. Default: all.
   */
  accept?(raw: Record<string, unknown>): boolean;
  /**
   * Rows with the same group stay in one shard (a shard runs on past its size
   * until the group ends). BFCL memory: a scenario's questions open with the
   * same prerequisite conversation, which identical requests in one shard
   * pay once. Default: no groups.
   */
  shardGroup?(raw: Record<string, unknown>): string | undefined;
  /** Normalise one raw dataset row (Hub or local file) into a Sample. */
  toSample(raw: Record<string, unknown>, index: number): Sample;
  /** Build the request messages for a sample (the first request of a multi-call unit). */
  prompt(sample: Sample, options: PromptOptions): ChatMessage[];
  /** Native tools offered with the first request (BFCL). Default: none. */
  tools?(sample: Sample, options: PromptOptions): ToolSpec[] | undefined;
  /**
   * Units made of several dependent calls (SciCode: one call per sub-step with
   * the earlier steps' code; BFCL multi-turn: tool results fed back). Given the
   * responses so far (`turns`, never empty: the first request is `prompt`),
   * return the next request, or null when the unit is complete. Pure and
   * deterministic — a resumed unit replays its earlier calls from the cache and
   * must arrive at the same next request. `maxTurns` bounds a runaway unit.
   * A tool that needs I/O (web search, embeddings) goes through `io`, whose
   * results are cached durably; `next` may then return a promise.
   */
  conversation?: {
    next(sample: Sample, turns: TurnResponse[], options: PromptOptions, io?: ConversationIO): NextRequest | null | Promise<NextRequest | null>;
    maxTurns: number;
  };
  /**
   * The task's metrics from its scored responses, in NeMo's shape (metric →
   * scores → {value, stats}). Default: lib/engine/metrics computeMetrics over `correct`
   * (pass@1[avg-of-k], majority@k, pass@k, no_answer).
   */
  metrics?(
    units: ScoredResponse[],
    repeats: number,
  ): {
    metrics: Record<string, { scores: Record<string, { value: number; stats: Record<string, number> }> }>;
    subsets: Record<string, Record<string, { scores: Record<string, { value: number; stats: Record<string, number> }> }>>;
    /** Parts of the benchmark this run left out, each with the reason (reported in results.json, never scored as zero). */
    not_run?: Record<string, string>;
  };
}

/**
 * Scored by pure functions of the response (extraction + comparison with the
 * gold). `kind` may be left out: a module written before kinds existed, with
 * neither `judge` nor `execute`, is plain.
 */
export interface PlainBenchmark extends BenchmarkBase {
  kind?: 'plain';
  /** Extract the answer from the model's final text (reasoning already removed) and score it. */
  score(responseText: string, sample: Sample, verdict?: undefined, response?: UnitResponse): UnitScore | Promise<UnitScore>;
}

/** Graded by a judge model (HLE-style LLM judging); its endpoint comes from the task's `extra.judge`. */
export interface JudgedBenchmark extends BenchmarkBase {
  kind: 'judged';
  judge: JudgeSpec;
  /**
   * Extract the answer from the model's final text and score it with the
   * judge's verdict (never null here: units whose judge failed are not
   * scored, they are counted as judge errors).
   */
  score(responseText: string, sample: Sample, verdict: JudgeVerdict, response?: UnitResponse): UnitScore | Promise<UnitScore>;
}

/**
 * Checked by running code (HumanEval, LiveCodeBench, SciCode): on the sandbox
 * task queue, never through `score`.
 */
export interface ExecutedBenchmark extends BenchmarkBase {
  kind: 'executed';
  /**
   * Score one unit by running programs through `run`, the sandbox
   * (bubblewrap; activities on the sandbox task queue). Put per-test-case
   * results in `details.tests` (TestCaseResult[]). A SandboxError thrown by
   * `run` (the sandbox itself broke) must propagate: the unit is retried,
   * never scored as wrong.
   */
  execute(response: UnitResponse, sample: Sample, run: SandboxRunner): Promise<UnitScore>;
  /**
   * Data files the programs read (SandboxJob.data), checked on the sandbox
   * worker before any model call: `name` is the data name, `file` a file that
   * must be in its directory, `setting` the worker variable naming the directory.
   */
  sandboxData?: readonly { name: string; file: string; setting: string; hint: string }[];
}

/**
 * The contract every benchmark module fulfils: one of three kinds, told apart
 * by `kind`, so the engine switches on it and no benchmark implements a
 * method it never uses. Shared work (prompts, extraction, scorers) lives in
 * the families (benchmarks/families/).
 */
export type Benchmark = PlainBenchmark | JudgedBenchmark | ExecutedBenchmark;

/**
 * The records evalflow writes to the artifact store (lib/records/keys.ts says
 * where): prepared samples, generations, judgements, scores, results and run
 * metadata. Plain data shapes; every layer reads them.
 */
import type { ChatMessage, Sample, ToolCall, ToolSpec } from './messages';
import type { TaskSummary, TaskUsage } from './types';

export interface ModelResponse {
  /** Final answer text, reasoning removed. */
  content: string;
  reasoning: string | null;
  reasoning_unfinished: boolean;
  finish_reason: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /**
   * Reasoning tokens the endpoint reports (`usage.completion_tokens_details.reasoning_tokens`),
   * part of completion_tokens; null when the endpoint does not say. Records written before
   * this field existed lack it: read them with `?? null`.
   */
  reasoning_tokens: number | null;
  /** Wall time of the successful attempt. */
  latency_ms: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** Native tool calls of a chat response, when it made any. */
  tool_calls?: ToolCall[];
}

export interface ScoredUnit {
  sample_id: string;
  repeat: number;
  correct: boolean;
  predicted: string | null;
  subset?: string;
}

export interface ScoreValue {
  value: number;
  stats: Record<string, number>;
}

export interface MetricGroup {
  scores: Record<string, ScoreValue>;
}

/** metric name → group */
export type TaskMetrics = Record<string, MetricGroup>;

export interface GenerationRecord extends Omit<ModelResponse, 'attempts'> {
  sample_id: string;
  index: number;
  repeat: number;
  request_hash: string;
  /** Attempts of the original call (retries included). */
  attempts: number;
  /** True when the response came from the cache instead of the endpoint. */
  cached: boolean;
  /**
   * Multi-call units (SciCode sub-steps, BFCL multi-turn): every call's
   * response in order; the record's own fields are the last call's, with
   * tokens, latency and attempts summed over the calls.
   */
  turns?: ModelResponse[];
  /** Set when a multi-call unit was stopped at the benchmark's bound on calls. */
  turn_limit_reached?: boolean;
}

export interface JudgementRecord {
  sample_id: string;
  repeat: number;
  /** The verdict after re-asks; null with judge_error set when the judge failed. */
  correct: boolean | null;
  /** The reference's verdict on the first reply (the benchmark's `JudgeVerdict.reference`); absent when there was no reply or the benchmark gives none. */
  reference_correct?: boolean;
  /** Parsed fields of the reply that decided `correct` (of the first reply when none did). */
  details?: Record<string, unknown>;
  judge_error?: string;
  /** The judge's reply (last one asked). */
  judge_response?: string;
  /** The first reply, when it was asked again (judge_response then holds the last). */
  first_judge_response?: string;
  /** Judge calls made for this unit (re-asks after unparseable replies included). */
  judge_calls: number;
  request_hash?: string;
  /**
   * The judge's token usage over every reply it gave for this unit (re-asks included; a
   * failed call counts no tokens): calls answered, of them replayed from the cache, and tokens.
   * Always written (zeros when the judge never replied); absent only in records written before it existed.
   */
  judge_usage?: { calls: number; cached_calls: number; prompt_tokens: number; completion_tokens: number; reasoning_tokens: number };
}

/** One prepared input row: the sample and the exact messages to send. */
export interface PreparedSample extends Sample {
  index: number;
  messages: ChatMessage[];
  /** Native tools offered with the first request (BFCL). */
  tools?: ToolSpec[];
}

export interface PrepareResult {
  samples: number;
  repeats: number;
  shards: number;
  samples_per_shard: number;
  units: number;
  dataset: { origin: string; location: string; sha256: string };
}

export interface ScoreRecord extends ScoredUnit {
  expected: string;
  finish_reason: string | null;
  details?: Record<string, unknown>;
  /** The judge failed for this response (after re-asks and retries): out of evalflow's own score, counted apart. */
  judge_error?: string;
  /** The reference's verdict from the first judge reply (see JudgementRecord), also on rows with a judge error. */
  reference_correct?: boolean;
}

/** results.json in NeMo Evaluator's shape: results.tasks.<task>.metrics.<metric>.scores.<score>.{value, stats}. */
export interface NemoResults {
  results: {
    tasks: Record<string, { metrics: TaskMetrics; judge_errors?: number; not_run?: Record<string, string>; usage?: TaskUsage }>;
    groups?: Record<string, { metrics: TaskMetrics }>;
  };
  config: Record<string, unknown>;
}

export interface RunMetadata {
  run_id: string;
  config_name: string;
  /** sha256 of the suite input's config and task filter (suiteConfigHash): a start under this id with another config is refused. */
  config_hash?: string;
  evalflow_version: string;
  git_hash: string | null;
  node_version: string;
  temporal: { namespace: string; workflow_id: string; workflow_run_ids: string[]; task_queue: string };
  tasks: string[];
  /** Per task, the version of the scoring rules that scored it (Benchmark.scorerVersion). */
  scorer_versions?: Record<string, string>;
  started_at: string;
  finished_at?: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  task_summaries?: TaskSummary[];
  /** Tokens and cost of the run: the tasks' results.json usage summed (finished tasks only). */
  usage?: TaskUsage;
  storage: { bucket: string; prefix: string };
}

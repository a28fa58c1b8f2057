/**
 * The data shapes of a conversation with a model (OpenAI format) and of a
 * benchmark sample. Plain data; benchmarks/types.ts re-exports them as part of
 * the benchmark contract.
 */
/** One chat message as sent to an OpenAI-compatible endpoint. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant turn's native tool calls (OpenAI format), when it made any. */
  tool_calls?: ToolCall[];
  /** A tool message answers this call id. */
  tool_call_id?: string;
  /** Tool name of a tool message (some servers want it). */
  name?: string;
}

/** A function the model may call natively (OpenAI `tools` entry). */
export interface ToolSpec {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** One native tool call in a response (OpenAI format; `arguments` is a JSON string). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One model call's answer as a benchmark sees it. */
export interface TurnResponse {
  /** Final text, reasoning removed. */
  content: string;
  /** Native tool calls, when the endpoint returned any. */
  tool_calls?: ToolCall[];
  finish_reason?: string | null;
}

/**
 * Everything a unit (sample × repeat) produced. Single-call benchmarks read
 * `content`; multi-call ones (SciCode's sub-steps, BFCL's multi-turn) read
 * `turns`, every call in order.
 */
export interface UnitResponse extends TurnResponse {
  turns?: TurnResponse[];
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

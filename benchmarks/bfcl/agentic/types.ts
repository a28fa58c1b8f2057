/**
 * BFCL v4's agentic categories (web search, memory) as modules the BFCL
 * benchmark delegates to when a run enables them (`++bfcl_agentic=…` in the
 * task's extra.args). Each module owns its categories end to end: rows from
 * the data files, prompts and tools, the agent loop between model calls (any
 * outside I/O through ConversationIO, so it is done once and replayed), and
 * the score.
 */
import type { ConversationIO, NextRequest, UnitScore } from '../../types';
import type { DatasetFileReader, PromptOptions } from '../../../lib/records/benchmark-data';
import type { ChatMessage, Sample, ToolSpec, TurnResponse, UnitResponse } from '../../../lib/records/messages';

export type BfclMode = 'native' | 'prompt';

export interface AgenticModule {
  /** The `++bfcl_agentic` value that enables the module, e.g. 'web_search'. */
  name: string;
  /** Its BFCL scoring categories, e.g. ['web_search_base', 'web_search_no_snippet']. */
  categories: readonly string[];
  /** What a run needs besides the flag (shown when a category is not run), e.g. 'SERPAPI_API_KEY on the workers'. */
  needs: string;
  /**
   * Rows of the given categories (a subset of `categories`), each a JSON
   * object with at least `category` and `id`; files read through `read` with
   * paths relative to the dataset directory (e.g. 'bfcl_v4/BFCL_v4_web_search.json').
   */
  readRows(read: DatasetFileReader, categories: readonly string[]): Promise<Record<string, unknown>[]>;
  /** A row of readRows → a Sample with `subset` = category and `data.category` = category. */
  toSample(raw: Record<string, unknown>, index: number): Sample;
  /** The first request's messages (the config's system prompt is added by the caller). */
  prompt(sample: Sample, mode: BfclMode, options: PromptOptions): ChatMessage[];
  /** Native tools of the first request (undefined in prompt mode). */
  tools(sample: Sample, mode: BfclMode, options: PromptOptions): ToolSpec[] | undefined;
  /** The next request given the replies so far, or null when the unit is done; pure but for `io`. */
  next(sample: Sample, turns: TurnResponse[], mode: BfclMode, options: PromptOptions, io: ConversationIO | undefined): NextRequest | null | Promise<NextRequest | null>;
  /** Score a finished unit (all its replies in `response.turns`). */
  score(sample: Sample, response: UnitResponse, mode: BfclMode): UnitScore;
  /** Bound on model calls per unit. */
  maxCalls: number;
}

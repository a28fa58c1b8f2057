/**
 * Tokens and their cost (README, "Tokens, cost and a budget"). Pure: results,
 * metrics, the report, status, the dry-run estimate and the budget all count
 * and price usage with these functions.
 *
 * Cost = prompt_tokens × input_per_million / 1e6 + completion_tokens ×
 * output_per_million / 1e6. Reasoning tokens are part of completion_tokens
 * (as OpenAI-compatible endpoints report them) and are not priced again.
 */
import { matchingPriceIndices } from '../config/pricing';
import { addTokens, noUsage } from '../records/limits';
import type { ModelResponse } from '../records/artifacts';
import type { PriceEntry, TaskUsage, TokenUsage } from '../records/types';

export type { PriceEntry, TaskUsage, TokenUsage } from '../records/types';

/** The same arithmetic the limiters use (lib/records/limits.ts). */
export const emptyUsage = noUsage;
export const addUsage = addTokens;

/**
 * One response's usage: one call; tokens the endpoint did not report count 0
 * (records written before reasoning_tokens existed lack the field).
 */
export function usageOfResponse(r: Pick<ModelResponse, 'prompt_tokens' | 'completion_tokens' | 'reasoning_tokens'>): TokenUsage {
  return { calls: 1, prompt_tokens: r.prompt_tokens ?? 0, completion_tokens: r.completion_tokens ?? 0, reasoning_tokens: r.reasoning_tokens ?? 0 };
}

/**
 * The pricing entry of an endpoint: matched by model_id, and by url when the
 * entry gives one. Validation refuses configs where two entries match one
 * endpoint; should it see one anyway, the first in config order wins.
 */
export function priceFor(pricing: PriceEntry[] | undefined, endpoint: { url: string; model_id: string }): PriceEntry | null {
  const [first] = matchingPriceIndices(pricing, endpoint);
  return first === undefined ? null : pricing![first]!;
}

/** USD for the usage at the price; null when there is no price. */
export function costUsd(u: TokenUsage, p: PriceEntry | null): number | null {
  if (!p) return null;
  return (u.prompt_tokens * p.input_per_million + u.completion_tokens * p.output_per_million) / 1_000_000;
}

/** Dollars for people: cents above $1, more digits below (never rounded to $0.00 when something was spent). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(3)}`;
  return `$${usd.toPrecision(2)}`;
}

/** A task's usage record: tokens, calls replayed from the cache, and costs where the endpoints have prices. */
export function taskUsage(
  model: { usage: TokenUsage; replayed: number; price: PriceEntry | null },
  judge?: { usage: TokenUsage; replayed: number; price: PriceEntry | null },
): TaskUsage {
  const out: TaskUsage = { model: model.usage, replayed_calls: { model: model.replayed } };
  if (judge) {
    out.judge = judge.usage;
    out.replayed_calls.judge = judge.replayed;
  }
  const modelCost = costUsd(model.usage, model.price);
  const judgeCost = judge ? costUsd(judge.usage, judge.price) : null;
  if (modelCost !== null) out.model_cost_usd = modelCost;
  if (judgeCost !== null) out.judge_cost_usd = judgeCost;
  if (modelCost !== null && (!judge || judgeCost !== null)) out.cost_usd = modelCost + (judgeCost ?? 0);
  return out;
}

/** Usage of several tasks added up; a cost is kept only when every task has it. */
export function sumTaskUsage(list: readonly TaskUsage[]): TaskUsage | undefined {
  if (!list.length) return undefined;
  const anyJudge = list.some((u) => u.judge);
  const out: TaskUsage = { model: emptyUsage(), replayed_calls: { model: 0 } };
  if (anyJudge) {
    out.judge = emptyUsage();
    out.replayed_calls.judge = 0;
  }
  for (const u of list) {
    out.model = addUsage(out.model, u.model);
    out.replayed_calls.model += u.replayed_calls.model;
    if (u.judge) {
      out.judge = addUsage(out.judge!, u.judge);
      out.replayed_calls.judge! += u.replayed_calls.judge ?? 0;
    }
  }
  const sum = (f: (u: TaskUsage) => number | undefined, need: (u: TaskUsage) => boolean) =>
    list.every((u) => !need(u) || f(u) !== undefined) ? list.reduce((a, u) => a + (f(u) ?? 0), 0) : undefined;
  const m = sum((u) => u.model_cost_usd, () => true);
  const j = anyJudge ? sum((u) => u.judge_cost_usd, (u) => u.judge !== undefined) : undefined;
  const c = sum((u) => u.cost_usd, () => true);
  if (m !== undefined) out.model_cost_usd = m;
  if (j !== undefined) out.judge_cost_usd = j;
  if (c !== undefined) out.cost_usd = c;
  return out;
}

function tokens(u: TokenUsage): string {
  return `${u.calls} calls, ${u.prompt_tokens} prompt + ${u.completion_tokens} completion tokens (${u.reasoning_tokens} reasoning)`;
}

/** One line for logs and the CLI: model (and judge) tokens, replayed calls, cost. */
export function describeUsage(u: TaskUsage): string {
  const parts = [`model ${tokens(u.model)}`];
  if (u.judge) parts.push(`judge ${tokens(u.judge)}`);
  const replayed = u.replayed_calls.model + (u.replayed_calls.judge ?? 0);
  if (replayed) parts.push(`${replayed} of these calls replayed from the cache`);
  if (u.cost_usd !== undefined) parts.push(`cost ${formatUsd(u.cost_usd)}`);
  else if (u.model_cost_usd !== undefined) parts.push(`model cost ${formatUsd(u.model_cost_usd)} (no price for the judge)`);
  else parts.push('no pricing configured');
  return parts.join('; ');
}

/** Characters per token of the dry-run estimate: a common rule of thumb for English text and code. */
export const CHARS_PER_TOKEN = 4;

/** What the dry run measured of a task's prepared prompts. */
export interface EstimateInput {
  /** Samples × repeats: first calls (multi-call units make more). */
  calls: number;
  /** Characters of one repeat's prompts over all samples (messages and tools). */
  prompt_chars: number;
  repeats: number;
  max_new_tokens?: number;
  /** Units make several calls (conversations): figures are for the first call of each. */
  multi_call: boolean;
  price: PriceEntry | null;
  judge?: {
    /** Characters of the judge prompts with an empty response (the response is added to each). */
    prompt_chars: number;
    max_new_tokens?: number;
    price: PriceEntry | null;
  };
}

export interface Range {
  low: number;
  /** null: no upper bound (no max_new_tokens). */
  high: number | null;
}

export interface TaskEstimate {
  calls: number;
  prompt_tokens: number;
  completion_tokens: Range;
  judge?: { calls: number; prompt_tokens: Range; completion_tokens: Range };
  /** Absent when an endpoint has no price. */
  cost_usd?: Range;
}

/**
 * The dry run's estimate before anything is paid: prompt tokens from the
 * prompts' characters / CHARS_PER_TOKEN; completion tokens from 0 (response
 * lengths cannot be known before the model answers) to max_new_tokens per call;
 * a judge call per unit, its prompt growing by the model's response; cost at the
 * configured prices (low = prompts only, high = every response at max_new_tokens).
 */
export function estimateTask(e: EstimateInput): TaskEstimate {
  const promptTokens = Math.ceil((e.prompt_chars * e.repeats) / CHARS_PER_TOKEN);
  const completionHigh = e.max_new_tokens === undefined ? null : e.calls * e.max_new_tokens;
  const out: TaskEstimate = { calls: e.calls, prompt_tokens: promptTokens, completion_tokens: { low: 0, high: completionHigh } };
  let costLow: number | null = costUsd({ calls: e.calls, prompt_tokens: promptTokens, completion_tokens: 0, reasoning_tokens: 0 }, e.price);
  let costHigh: number | null = completionHigh === null ? null : costUsd({ calls: e.calls, prompt_tokens: promptTokens, completion_tokens: completionHigh, reasoning_tokens: 0 }, e.price);
  if (e.judge) {
    const judgeBase = Math.ceil((e.judge.prompt_chars * e.repeats) / CHARS_PER_TOKEN);
    const judgePromptHigh = completionHigh === null ? null : judgeBase + completionHigh;
    const judgeCompletionHigh = e.judge.max_new_tokens === undefined ? null : e.calls * e.judge.max_new_tokens;
    out.judge = { calls: e.calls, prompt_tokens: { low: judgeBase, high: judgePromptHigh }, completion_tokens: { low: 0, high: judgeCompletionHigh } };
    const jLow = costUsd({ calls: e.calls, prompt_tokens: judgeBase, completion_tokens: 0, reasoning_tokens: 0 }, e.judge.price);
    const jHigh =
      judgePromptHigh === null || judgeCompletionHigh === null
        ? null
        : costUsd({ calls: e.calls, prompt_tokens: judgePromptHigh, completion_tokens: judgeCompletionHigh, reasoning_tokens: 0 }, e.judge.price);
    if (!e.judge.price) costLow = null;
    costLow = costLow === null || jLow === null ? null : costLow + jLow;
    costHigh = costHigh === null || jHigh === null ? null : costHigh + jHigh;
  }
  if (costLow !== null) out.cost_usd = { low: costLow, high: costHigh };
  return out;
}

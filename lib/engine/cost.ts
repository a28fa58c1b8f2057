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
import type { ModelResponse } from '../records/artifacts';
import type { PriceEntry, TokenUsage } from '../records/types';

export type { PriceEntry, TokenUsage } from '../records/types';

export function emptyUsage(): TokenUsage {
  return { calls: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0 };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    calls: a.calls + b.calls,
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
  };
}

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

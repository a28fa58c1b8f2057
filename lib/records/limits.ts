/**
 * What crosses the Temporal boundary between workers and an endpoint's
 * limiter workflow (workflows/limiter.ts; docs/architecture.md, "Endpoint
 * limits and live controls"): consumer settings, the endpoint's limits, a
 * worker's report and the limiter's grant. Pure data and arithmetic.
 */
import type { TokenUsage } from './types';

export type { TokenUsage };

/** The limiter workflow of an endpoint: one per URL and model in the namespace. */
export function limiterWorkflowId(endpoint: { url: string; model_id: string }): string {
  return `evalflow-limiter:${endpoint.model_id}@${endpoint.url.replace(/\/+$/, '')}`;
}

/** A consumer of an endpoint: one role of one task of one run. */
export function consumerKey(runId: string, task: string, role: 'model' | 'judge'): string {
  return `${runId}/${task}/${role}`;
}

export function noUsage(): TokenUsage {
  return { calls: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0 };
}

export function addTokens(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    calls: a.calls + b.calls,
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
  };
}

/** USD per million tokens. */
export interface TokenPrice {
  input_per_million: number;
  output_per_million: number;
}

export function usdOf(u: Pick<TokenUsage, 'prompt_tokens' | 'completion_tokens'>, price: TokenPrice | null | undefined): number {
  if (!price) return 0;
  return (u.prompt_tokens * price.input_per_million + u.completion_tokens * price.output_per_million) / 1e6;
}

/** What one consumer may do, as its task decided (the limiter keeps the newest by `seq`). */
export interface ConsumerSettings {
  run_id: string;
  /** Requests of this consumer in flight at most, over all workers (the task's parallelism). */
  cap: number;
  paused: boolean;
  /** The run's budget (USD); spending at or above it starts nothing. */
  budget_usd?: number;
  /** Price of this consumer's endpoint, for spending. */
  price?: TokenPrice | null;
  /** Grows with every change of the task's controls. */
  seq: number;
}

/** The endpoint's own limits, from the config (`execution.endpoint_limits`). */
export interface EndpointLimits {
  max_concurrency?: number;
  requests_per_minute?: number;
  tokens_per_minute?: number;
  /** Shrink on 429/503/timeouts (default true). */
  adaptive?: boolean;
}

export interface ConsumerReport {
  key: string;
  settings: ConsumerSettings;
  in_use: number;
  waiting: number;
  /** Still used by an activity of this process (false: the last report of a consumer that is done here). */
  active: boolean;
  /** Paid through this worker process since it started: cumulative (the limiter takes the difference). */
  usage: TokenUsage;
  usd: number;
}

/** What this process tells the limiter, and asks of it. */
export interface GateReport {
  adaptive_limit: number;
  overloads: number;
  limits: EndpointLimits;
  consumers: ConsumerReport[];
}

/** The limiter's answer. */
export interface GateGrant {
  /** Slots per consumer key for this process. */
  grants: Record<string, number>;
  /** The newest settings per consumer (controls changed by its task). */
  settings: Record<string, ConsumerSettings>;
  /** Spent per run at this endpoint, everything reported so far included. */
  run_usd: Record<string, number>;
  /** This process's share of the endpoint's rates (absent: unlimited). */
  requests_per_minute?: number;
  tokens_per_minute?: number;
}


/** What starts an endpoint's limiter workflow: its endpoint (and, when it continues as new, its state). */
export interface LimiterStart<State = unknown> {
  endpoint: { url: string; model_id: string };
  state?: State;
}

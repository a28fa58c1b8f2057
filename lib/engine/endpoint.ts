/**
 * Calls to an OpenAI-compatible endpoint with evalflow's error policy
 * (docs/architecture.md, invariant 5): transient failures (429, 5xx, timeouts, connection
 * resets, malformed bodies) are retried with exponential backoff and full
 * jitter, honouring Retry-After; permanent ones (400, 401, 403, 404, 422)
 * fail at once with a message a person can act on.
 *
 * The SDK's own retries are off (maxRetries: 0) so that this module is the one
 * place that decides, counts and logs retries.
 */
import OpenAI from 'openai';
import type { ChatMessage, ToolCall, ToolSpec } from '../records/messages';
import type { EndpointSpec, GenerationParams } from '../records/types';
import { splitReasoning } from './reasoning';
import type { ModelResponse } from '../records/artifacts';
import { secretFromEnv } from '../config/settings';
import { EvalflowError } from '../records/errors';
import type { Slot } from './gate';
import { telemetry, type CallLabels, type RetryKind } from './telemetry';

export class PermanentEndpointError extends EvalflowError {
  constructor(message: string, readonly status?: number) {
    super(message, { kind: 'endpoint', retryable: false });
  }
}

export class TransientEndpointError extends EvalflowError {
  constructor(message: string, readonly attempts: number) {
    super(message, { kind: 'endpoint', retryable: true });
  }
}

/** The exact request body sent to the endpoint (and hashed for the cache). */
export type RequestPayload = Record<string, unknown>;

export function buildPayload(endpoint: EndpointSpec, params: GenerationParams, messages: ChatMessage[], tools?: ToolSpec[]): RequestPayload {
  const body: RequestPayload = { model: endpoint.model_id };
  if (endpoint.type === 'chat') {
    body.messages = messages;
    // Native function calling (BFCL); only chat endpoints take tools (checked when the task is prepared).
    if (tools?.length) body.tools = tools;
  } else {
    // Completions endpoints take one text; the roles are joined in order.
    body.prompt = messages.map((m) => m.content).join('\n\n');
  }
  if (params.max_new_tokens !== undefined) body.max_tokens = params.max_new_tokens;
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.top_p !== undefined) body.top_p = params.top_p;
  if (params.extra_body) Object.assign(body, params.extra_body);
  return body;
}

/** Base URL for the SDK: the configured URL without its route. */
export function baseUrlOf(endpoint: EndpointSpec): string {
  return endpoint.url.replace(/\/+$/, '').replace(/\/(chat\/)?completions$/, '');
}

export interface CallOptions {
  timeoutMs: number;
  maxRetries: number;
  signal?: AbortSignal;
  /** Called before each backoff sleep, for logs and counters. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** Base of the exponential backoff (default 500 ms; doubles per attempt, capped at 30 s). */
  backoffBaseMs?: number;
  /**
   * A slot of the endpoint's gate (lib/engine/gate.ts) for each attempt, given
   * back with the outcome when the answer arrives; none is held during a backoff.
   * With a gate, 429 and 503 answers (the endpoint asking to slow down) shrink
   * the concurrency and are retried up to max(maxRetries, OVERLOAD_RETRIES) times.
   */
  acquire?: () => Promise<Slot>;
  /** Role and task of the call, for evalflow's metrics (lib/engine/telemetry.ts); unset: not counted. */
  labels?: CallLabels;
}

/** Retries of 429/503 answers when a gate adapts the concurrency to them. */
export const OVERLOAD_RETRIES = 20;

export function apiKeyFor(endpoint: EndpointSpec): string {
  if (!endpoint.api_key_name) return 'EMPTY';
  const value = secretFromEnv(endpoint.api_key_name);
  if (!value) {
    throw new PermanentEndpointError(
      `environment variable ${endpoint.api_key_name} (target.api_endpoint.api_key_name) is not set on this worker; ` +
        `export it where the worker runs, e.g. 'export ${endpoint.api_key_name}=...' and restart 'evalflow worker'`,
    );
  }
  return value;
}

export function makeClient(endpoint: EndpointSpec): OpenAI {
  return new OpenAI({ baseURL: baseUrlOf(endpoint), apiKey: apiKeyFor(endpoint), maxRetries: 0 });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Seconds or HTTP date in Retry-After, or retry-after-ms; null when absent. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const v = headers.get('retry-after');
  if (!v) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.max(0, Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const cap = Math.min(30_000, baseMs * 2 ** attempt);
  return Math.round(random() * cap);
}

export interface Classified {
  permanent: boolean;
  reason: string;
  retryAfterMs: number | null;
  status?: number;
}

const PERMANENT_HINTS: Record<number, string> = {
  400: 'the endpoint rejected the request parameters; check max_new_tokens, temperature, top_p and params_to_add in the config',
  401: 'the API key was rejected; check the variable named by api_key_name on the worker',
  403: 'the API key has no access to this model; check the key and the model entitlement',
  404: 'the URL or model id does not exist on this endpoint; check target.api_endpoint.url and model_id (GET <base>/models lists the served models)',
  422: 'the endpoint could not process the request parameters; check the generation params',
};

export function classifyError(e: unknown, endpoint: EndpointSpec): Classified {
  if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
    const status = e.status;
    const detail = e.message.replace(/\s+/g, ' ').slice(0, 300);
    if (PERMANENT_HINTS[status]) {
      return {
        permanent: true,
        status,
        reason: `${endpoint.url} (model ${endpoint.model_id}) answered ${status}: ${detail} — ${PERMANENT_HINTS[status]}`,
        retryAfterMs: null,
      };
    }
    return {
      permanent: false,
      status,
      reason: `HTTP ${status}: ${detail}`,
      retryAfterMs: retryAfterMs(e.headers as Headers | undefined),
    };
  }
  if (e instanceof OpenAI.APIConnectionTimeoutError) return { permanent: false, reason: 'request timed out', retryAfterMs: null };
  if (e instanceof OpenAI.APIConnectionError) {
    const cause = (e as { cause?: unknown }).cause;
    const causeMsg = cause instanceof Error ? `: ${cause.message}` : '';
    return { permanent: false, reason: `connection error${causeMsg}`, retryAfterMs: null };
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  // Malformed or truncated bodies surface as parse/stream errors: transient.
  return { permanent: false, reason: msg.slice(0, 300), retryAfterMs: null };
}

/** The kind of a transient failure, for the retry metric (evalflow_retries_total{kind}). */
export function retryKind(e: unknown, c: Classified): RetryKind {
  if (c.status === 429) return '429';
  if (c.status !== undefined) return c.status >= 500 ? '5xx' : 'other_http';
  if (e instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (e instanceof OpenAI.APIConnectionError) return 'connection';
  return 'malformed';
}

interface RawChoice {
  message?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null; tool_calls?: unknown };
  text?: string;
  finish_reason?: string | null;
}
export interface RawCompletion {
  choices?: RawChoice[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    /** OpenAI's breakdown of completion tokens; reasoning models report their thinking here. */
    completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  } | null;
}

/** Native tool calls in OpenAI's shape; anything else in the field is a malformed response (retried). */
function parseToolCalls(raw: unknown): ToolCall[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new Error('malformed response: tool_calls is not a list');
  return raw.map((c: unknown, i) => {
    const call = c as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    if (typeof call?.function?.name !== 'string') throw new Error(`malformed response: tool_calls[${i}] has no function name`);
    const args = call.function.arguments;
    return {
      id: typeof call.id === 'string' && call.id ? call.id : `call_${i}`,
      type: 'function' as const,
      function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    };
  });
}

export function parseCompletion(endpoint: EndpointSpec, raw: RawCompletion): Omit<ModelResponse, 'latency_ms' | 'attempts'> {
  const choice = raw?.choices?.[0];
  if (!choice) throw new Error('malformed response: no choices[0]');
  const content = endpoint.type === 'chat' ? choice.message?.content ?? '' : choice.text ?? '';
  if (typeof content !== 'string') throw new Error('malformed response: content is not a string');
  const reasoningField = endpoint.type === 'chat' ? choice.message?.reasoning_content ?? choice.message?.reasoning : null;
  const split = splitReasoning(content, reasoningField);
  const toolCalls = endpoint.type === 'chat' ? parseToolCalls(choice.message?.tool_calls) : undefined;
  return {
    ...(toolCalls?.length ? { tool_calls: toolCalls } : {}),
    content: split.answer,
    reasoning: split.reasoning,
    reasoning_unfinished: split.reasoning_unfinished,
    finish_reason: choice.finish_reason ?? null,
    prompt_tokens: raw.usage?.prompt_tokens ?? null,
    completion_tokens: raw.usage?.completion_tokens ?? null,
    reasoning_tokens: typeof raw.usage?.completion_tokens_details?.reasoning_tokens === 'number' ? raw.usage.completion_tokens_details.reasoning_tokens : null,
  };
}

/**
 * One model call with retries. Throws PermanentEndpointError at once for
 * permanent failures, TransientEndpointError after maxRetries retries.
 */
export async function callModel(
  client: OpenAI,
  endpoint: EndpointSpec,
  payload: RequestPayload,
  opts: CallOptions,
): Promise<ModelResponse> {
  const base = opts.backoffBaseMs ?? 500;
  let lastReason = '';
  let overloads = 0;
  const overloadBound = opts.acquire ? Math.max(opts.maxRetries, OVERLOAD_RETRIES) : opts.maxRetries;
  let failures = 0;
  const labels = opts.labels;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) {
      if (labels) telemetry.call(labels, 'cancelled');
      throw opts.signal.reason;
    }
    const slot = opts.acquire
      ? await opts.acquire().catch((e: unknown) => {
          // Stopped while waiting for a slot: a call that already tried the endpoint ends here (a first attempt never started).
          if (labels && attempt > 0) telemetry.call(labels, 'cancelled');
          throw e;
        })
      : null;
    const started = performance.now();
    if (labels) telemetry.inFlight(labels, 1);
    let inFlight = labels !== undefined;
    const landed = () => {
      if (inFlight) telemetry.inFlight(labels!, -1);
      inFlight = false;
    };
    try {
      // The exact payload goes out unchanged (it is what the cache key hashes).
      const raw = await client.post<RawCompletion>(endpoint.type === 'chat' ? '/chat/completions' : '/completions', {
        body: payload,
        timeout: opts.timeoutMs,
        signal: opts.signal,
        maxRetries: 0,
      });
      const parsed = parseCompletion(endpoint, raw);
      landed();
      if (labels) {
        telemetry.call(labels, 'answered');
        telemetry.tokens(labels, { prompt: parsed.prompt_tokens ?? 0, completion: parsed.completion_tokens ?? 0, reasoning: (parsed as { reasoning_tokens?: number | null }).reasoning_tokens ?? 0 });
      }
      slot?.release('ok', {
        prompt_tokens: parsed.prompt_tokens ?? 0,
        completion_tokens: parsed.completion_tokens ?? 0,
        reasoning_tokens: (parsed as { reasoning_tokens?: number | null }).reasoning_tokens ?? 0,
      });
      return { ...parsed, latency_ms: Math.round(performance.now() - started), attempts: attempt + 1 };
    } catch (e) {
      landed();
      if (opts.signal?.aborted || e instanceof OpenAI.APIUserAbortError) {
        slot?.release('error');
        if (labels) telemetry.call(labels, 'cancelled');
        throw opts.signal?.aborted ? opts.signal.reason : e;
      }
      const c = classifyError(e, endpoint);
      const overload = c.status === 429 || c.status === 503 || e instanceof OpenAI.APIConnectionTimeoutError;
      slot?.release(overload ? 'overload' : 'error');
      if (c.permanent) {
        if (labels) telemetry.call(labels, 'failed');
        throw new PermanentEndpointError(c.reason, c.status);
      }
      lastReason = c.reason;
      // A 429/503 under a gate is back-pressure, not a failure: it has its own bound.
      const pushedBack = opts.acquire && (c.status === 429 || c.status === 503);
      if (pushedBack) overloads++;
      else failures++;
      if (pushedBack ? overloads > overloadBound : failures > opts.maxRetries) break;
      const delayMs = c.retryAfterMs !== null ? Math.min(c.retryAfterMs, 300_000) : backoffMs(pushedBack ? Math.min(overloads - 1, 4) : failures - 1, base);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, reason: c.reason });
      if (labels) telemetry.retry(labels, retryKind(e, c));
      await sleep(delayMs, opts.signal).catch((err) => {
        if (labels) telemetry.call(labels, 'cancelled');
        throw err;
      });
    }
  }
  if (labels) telemetry.call(labels, 'gave_up');
  throw new TransientEndpointError(
    `${endpoint.url} (model ${endpoint.model_id}) still failing after ${failures + overloads - 1} retries: ${lastReason}`,
    failures + overloads,
  );
}

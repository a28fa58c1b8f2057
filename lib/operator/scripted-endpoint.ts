/**
 * A fake OpenAI-compatible server: the only stand-in allowed in tests, and the
 * engine behind the clearly labelled demo model. It is NOT a language model —
 * every answer comes from the `answer` callback the caller supplies.
 *
 * What it offers over a canned HTTP mock:
 * - OpenAI-shaped bodies for `POST /v1/chat/completions`, `POST /v1/completions`
 *   and `GET /v1/models`, errors in OpenAI's `{"error":{…}}` shape;
 * - fault injection (HTTP errors with or without Retry-After, hangs, malformed
 *   and truncated bodies, connection resets) chosen by a seeded PRNG so that a
 *   run is reproducible;
 * - stats that let integration tests prove "no completed request repeated":
 *   successful responses are counted per canonical payload hash;
 * - a throughput cap (`maxConcurrency`) and latency, to exercise back-pressure;
 * - an admin API (`/_fake/...`) so another process can drive all of the above.
 *
 * Order of handling for a generation request: read body → wait for a
 * concurrency slot → API key → JSON parse → injected fault → request
 * validation (model, messages/prompt) → latency → answer. Latency applies to
 * answered requests only; injected faults respond at once (or never, for
 * 'hang'), as a real rate limiter or crashing proxy would.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { ChatMessage } from '../records/messages';
import { mulberry32 } from '../engine/random';

export interface FakeRequest {
  kind: 'chat' | 'completions';
  model: string;
  messages?: ChatMessage[];
  prompt?: string;
  body: Record<string, unknown>;
}

export interface FakeReply {
  content: string;
  reasoning_content?: string;
  finish_reason?: 'stop' | 'length' | 'tool_calls';
  /** Native tool calls (chat only), as OpenAI returns them; `arguments` is sent as given (a JSON string). */
  tool_calls?: { name: string; arguments: string }[];
}

export type FaultKind =
  | '429'
  | '500'
  | '503'
  | '400'
  | '401'
  | '403'
  | '404'
  | 'hang'
  | 'malformed'
  | 'truncated'
  | 'reset';

/**
 * One fault-injection rule. Rules are tried in order for every generation
 * request; the first that matches and fires decides the request's fate.
 * `rate` alone: fires with that probability. `count` alone: fires for the
 * first `count` matching requests. Both: fires with probability `rate` until it
 * has fired `count` times. Neither: fires for every matching request.
 */
export interface FaultRule {
  kind: FaultKind;
  /** probability 0..1 per request */
  rate?: number;
  /** or: the first N matching requests */
  count?: number;
  /** for 429/503: Retry-After header in seconds; omit for none */
  retryAfter?: number;
  /** only requests whose last user message contains this text */
  match?: string;
}

export interface FakeStats {
  /** generation requests received (chat + completions), answered or not */
  requests: number;
  /** generation requests answered 200 with a complete, well-formed body */
  succeeded: number;
  /** injected faults, per kind */
  faults: Record<string, number>;
  /** sha256 of canonical JSON request body → successful responses served for it */
  servedByPayload: Record<string, number>;
  /** generation requests holding a concurrency slot right now */
  inFlight: number;
  maxInFlight: number;
  /** requests answered 429 because maxConcurrency was reached (overCapacity '429') */
  overCapacity: number;
}

export interface FakeEndpointOptions {
  /** 0 = free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  answer: (req: FakeRequest) => FakeReply;
  latencyMs?: number | ((req: FakeRequest) => number);
  /** default ['demo-model']; an unknown model → 404 like OpenAI */
  models?: string[];
  /** when set, a missing/wrong Bearer → 401 */
  apiKey?: string;
  /** seeds the fault PRNG */
  seed?: number;
  /** throughput cap: requests above it queue */
  maxConcurrency?: number;
  /** What a request beyond maxConcurrency gets: a place in the queue (default) or a 429 at once, as rate-limited APIs answer. */
  overCapacity?: 'queue' | '429';
}

export interface FakeEndpoint {
  /** http://127.0.0.1:port/v1 */
  url: string;
  port: number;
  setFaults(rules: FaultRule[]): void;
  stats(): FakeStats;
  resetStats(): void;
  close(): Promise<void>;
}

export const FAULT_KINDS: readonly FaultKind[] = [
  '429',
  '500',
  '503',
  '400',
  '401',
  '403',
  '404',
  'hang',
  'malformed',
  'truncated',
  'reset',
];

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** JSON with object keys sorted recursively, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src).sort()) out[key] = sortKeys(src[key]);
    return out;
  }
  return value;
}

/** sha256 hex of the request body re-serialised with sorted keys. */
export function payloadHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}


function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** Keeps the first `n` whitespace-separated words. */
function firstWords(text: string, n: number): string {
  if (n <= 0) return '';
  return text.trim().split(/\s+/).slice(0, n).join(' ');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function validateRule(rule: unknown, index: number): FaultRule {
  const where = `fault rule #${index}`;
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
    throw new Error(`${where}: expected an object`);
  }
  const r = rule as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(r.kind)) {
    throw new Error(`${where}: kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const out: FaultRule = { kind: r.kind as FaultKind };
  if (r.rate !== undefined) {
    if (typeof r.rate !== 'number' || !(r.rate >= 0 && r.rate <= 1)) {
      throw new Error(`${where}: rate must be a number in [0, 1]`);
    }
    out.rate = r.rate;
  }
  if (r.count !== undefined) {
    if (typeof r.count !== 'number' || !Number.isInteger(r.count) || r.count < 0) {
      throw new Error(`${where}: count must be a non-negative integer`);
    }
    out.count = r.count;
  }
  if (r.retryAfter !== undefined) {
    if (typeof r.retryAfter !== 'number' || !(r.retryAfter >= 0)) {
      throw new Error(`${where}: retryAfter must be a non-negative number of seconds`);
    }
    out.retryAfter = r.retryAfter;
  }
  if (r.match !== undefined) {
    if (typeof r.match !== 'string') throw new Error(`${where}: match must be a string`);
    out.match = r.match;
  }
  return out;
}

interface ActiveRule {
  rule: FaultRule;
  fired: number;
}

function emptyStats(): FakeStats {
  const faults: Record<string, number> = {};
  for (const kind of FAULT_KINDS) faults[kind] = 0;
  return { requests: 0, succeeded: 0, faults, servedByPayload: {}, inFlight: 0, maxInFlight: 0, overCapacity: 0 };
}

export async function startFakeEndpoint(opts: FakeEndpointOptions): Promise<FakeEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const models = opts.models ?? ['demo-model'];
  const seed = opts.seed ?? 0;
  const maxConcurrency = opts.maxConcurrency ?? Infinity;
  if (!(maxConcurrency >= 1)) throw new Error('maxConcurrency must be at least 1');
  const created = Math.floor(Date.now() / 1000);

  let rules: ActiveRule[] = [];
  let random = mulberry32(seed);
  let stats = emptyStats();
  let inFlight = 0;
  let nextId = 1;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const setFaults = (newRules: FaultRule[]): void => {
    if (!Array.isArray(newRules)) throw new Error('faults must be a JSON array of rules');
    rules = newRules.map((r, i) => ({ rule: validateRule(r, i), fired: 0 }));
    // Re-seed so a given (seed, rules, request sequence) always yields the same faults.
    random = mulberry32(seed);
  };

  const snapshot = (): FakeStats => ({
    ...stats,
    faults: { ...stats.faults },
    servedByPayload: { ...stats.servedByPayload },
    inFlight,
  });

  const resetStats = (): void => {
    const maxInFlight = inFlight;
    stats = emptyStats();
    stats.maxInFlight = maxInFlight;
  };

  /** Resolves once a concurrency slot is held; `release` must be called exactly once. */
  const acquireSlot = (res: http.ServerResponse): Promise<boolean> =>
    new Promise((resolve) => {
      const take = (): void => {
        inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
        resolve(true);
      };
      if (inFlight < maxConcurrency) return take();
      const enqueue = (): void => {
        res.off('close', abandon);
        take();
      };
      // A client that gives up while queued leaves the queue without a slot.
      const abandon = (): void => {
        const i = waiting.indexOf(enqueue);
        if (i >= 0) waiting.splice(i, 1);
        resolve(false);
      };
      res.once('close', abandon);
      waiting.push(enqueue);
    });

  const releaseSlot = (): void => {
    inFlight--;
    const next = waiting.shift();
    if (next) next();
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const pickFault = (matchText: string): FaultRule | undefined => {
    for (const active of rules) {
      const { rule } = active;
      if (rule.match !== undefined && !matchText.includes(rule.match)) continue;
      if (rule.count !== undefined && active.fired >= rule.count) continue;
      if (rule.rate !== undefined && !(random() < rule.rate)) continue;
      active.fired++;
      return rule;
    }
    return undefined;
  };

  const sendJson = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<boolean> =>
    new Promise((resolve) => {
      if (res.destroyed) return resolve(false);
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
        ...headers,
      });
      res.once('close', () => resolve(res.writableFinished));
      res.end(text);
    });

  const sendError = (res: http.ServerResponse, err: HttpError): Promise<boolean> =>
    sendJson(res, err.status, { error: { message: err.message, type: err.type, code: err.code } }, err.headers);

  const checkAuth = (req: http.IncomingMessage): void => {
    if (opts.apiKey === undefined) return;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) {
      throw new HttpError(
        401,
        "You didn't provide an API key. Provide it in an Authorization header using Bearer auth.",
        'invalid_request_error',
        null,
      );
    }
    if (match[1] !== opts.apiKey) {
      throw new HttpError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
  };

  const unknownModel = (model: string): HttpError =>
    new HttpError(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      'model_not_found',
    );

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new HttpError(413, 'Request body too large.', 'invalid_request_error', null));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
      // A client that disconnects mid-body never sends 'end'.
      req.on('close', () => {
        if (!req.complete) reject(new HttpError(400, 'Request body incomplete.', 'invalid_request_error', null));
      });
    });

  const parseJsonObject = (text: string): Record<string, unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new HttpError(400, 'The request body must be a JSON object.', 'invalid_request_error', null);
    }
    return parsed as Record<string, unknown>;
  };

  /** The text a rule's `match` is tested against: last user message, or the prompt. */
  const matchTextOf = (kind: FakeRequest['kind'], body: Record<string, unknown>): string => {
    if (kind === 'completions') return typeof body.prompt === 'string' ? body.prompt : '';
    if (!Array.isArray(body.messages)) return '';
    for (let i = body.messages.length - 1; i >= 0; i--) {
      const m: unknown = body.messages[i];
      if (m !== null && typeof m === 'object' && (m as Record<string, unknown>).role === 'user') {
        const content = (m as Record<string, unknown>).content;
        return typeof content === 'string' ? content : JSON.stringify(content);
      }
    }
    return '';
  };

  const toFakeRequest = (kind: FakeRequest['kind'], body: Record<string, unknown>): FakeRequest => {
    const invalid = (message: string): HttpError => new HttpError(400, message, 'invalid_request_error', null);
    if (typeof body.model !== 'string' || body.model === '') throw invalid("Missing required parameter: 'model'.");
    if (!models.includes(body.model)) throw unknownModel(body.model);
    if (body.stream === true) throw invalid('This fake endpoint does not implement streaming (stream: true).');
    if (kind === 'completions') {
      if (typeof body.prompt !== 'string') throw invalid("'prompt' must be a string.");
      return { kind, model: body.model, prompt: body.prompt, body };
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw invalid("'messages' must be a non-empty array.");
    }
    const messages: ChatMessage[] = body.messages.map((m: unknown, i: number) => {
      const msg = m !== null && typeof m === 'object' ? (m as Record<string, unknown>) : {};
      if (msg.role !== 'system' && msg.role !== 'user' && msg.role !== 'assistant' && msg.role !== 'tool') {
        throw invalid(`messages[${i}].role must be 'system', 'user', 'assistant' or 'tool'.`);
      }
      if (typeof msg.content !== 'string') throw invalid(`messages[${i}].content must be a string.`);
      if (msg.role === 'tool' && typeof msg.tool_call_id !== 'string') throw invalid(`messages[${i}].tool_call_id must be a string for a tool message.`);
      const out: ChatMessage = { role: msg.role, content: msg.content };
      if (Array.isArray(msg.tool_calls)) out.tool_calls = msg.tool_calls as ChatMessage['tool_calls'];
      if (typeof msg.tool_call_id === 'string') out.tool_call_id = msg.tool_call_id;
      return out;
    });
    return { kind, model: body.model, messages, body };
  };

  /** Builds the 200 body: honours max_tokens by keeping that many words, reasoning first. */
  const buildCompletion = (fake: FakeRequest): Record<string, unknown> => {
    const body = fake.body;
    const limitRaw = body.max_completion_tokens ?? body.max_tokens;
    const limit = typeof limitRaw === 'number' && limitRaw >= 0 ? Math.floor(limitRaw) : Infinity;
    const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n >= 1 ? body.n : 1;
    const promptText =
      fake.kind === 'chat' ? (fake.messages ?? []).map((m) => m.content).join(' ') : (fake.prompt ?? '');
    const promptTokens = wordCount(promptText);
    let completionTokens = 0;
    let reasoningTokens: number | undefined;
    const choices = Array.from({ length: n }, (_, index) => {
      const reply = opts.answer(fake);
      let reasoning = reply.reasoning_content;
      let content = reply.content;
      let finish: 'stop' | 'length' | 'tool_calls' = reply.finish_reason ?? (reply.tool_calls?.length ? 'tool_calls' : 'stop');
      const reasoningWords = reasoning === undefined ? 0 : wordCount(reasoning);
      const contentWords = wordCount(content);
      if (reasoningWords + contentWords > limit) {
        finish = 'length';
        if (reasoning !== undefined) reasoning = firstWords(reasoning, limit);
        content = firstWords(content, limit - Math.min(reasoningWords, limit));
      }
      completionTokens += wordCount(content) + (reasoning === undefined ? 0 : wordCount(reasoning));
      if (reasoning !== undefined && fake.kind === 'chat') reasoningTokens = (reasoningTokens ?? 0) + wordCount(reasoning);
      if (fake.kind === 'completions') return { index, text: content, logprobs: null, finish_reason: finish };
      const message: Record<string, unknown> = { role: 'assistant', content };
      if (reasoning !== undefined) message.reasoning_content = reasoning;
      if (reply.tool_calls?.length) {
        message.tool_calls = reply.tool_calls.map((c, k) => ({ id: `call_${nextId}_${index}_${k}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
      }
      return { index, message, logprobs: null, finish_reason: finish };
    });
    const id = `${fake.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-fake-${nextId++}`;
    return {
      id,
      object: fake.kind === 'chat' ? 'chat.completion' : 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: fake.model,
      choices,
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        // As OpenAI reports a reasoning model's thinking (part of completion_tokens).
        ...(reasoningTokens !== undefined ? { completion_tokens_details: { reasoning_tokens: reasoningTokens } } : {}),
      },
    };
  };

  /** Carries out an injected fault. Resolves when the server is done with the request. */
  const injectFault = async (rule: FaultRule, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const retryAfter: Record<string, string> =
      rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {};
    const injected = 'Injected by the fake endpoint.';
    switch (rule.kind) {
      case '429':
        await sendError(res, new HttpError(429, `Rate limit reached. ${injected}`, 'requests', 'rate_limit_exceeded', retryAfter));
        return;
      case '503':
        await sendError(res, new HttpError(503, `The server is overloaded. ${injected}`, 'server_error', 'service_unavailable', retryAfter));
        return;
      case '500':
        await sendError(res, new HttpError(500, `The server had an error. ${injected}`, 'server_error', null));
        return;
      case '400':
        await sendError(res, new HttpError(400, `Invalid request. ${injected}`, 'invalid_request_error', null));
        return;
      case '401':
        await sendError(res, new HttpError(401, `Incorrect API key provided. ${injected}`, 'invalid_request_error', 'invalid_api_key'));
        return;
      case '403':
        await sendError(res, new HttpError(403, `Access denied. ${injected}`, 'permission_error', null));
        return;
      case '404':
        await sendError(res, new HttpError(404, `Not found. ${injected}`, 'invalid_request_error', 'model_not_found'));
        return;
      case 'hang':
        // Hold the request (and its slot) until the client gives up or close() destroys it.
        await new Promise<void>((resolve) => res.once('close', () => resolve()));
        return;
      case 'malformed': {
        const text = '<html><body>502 Bad Gateway (injected malformed body)</body></html>';
        await new Promise<void>((resolve) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          res.once('close', () => resolve());
          res.end(text);
        });
        return;
      }
      case 'truncated': {
        const part = '{"id":"chatcmpl-fake-truncated","object":"chat.completion","choices":[{"index":0,';
        await new Promise<void>((resolve) => {
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(part) * 4),
          });
          res.once('close', () => resolve());
          res.write(part, () => req.socket.destroySoon());
        });
        return;
      }
      case 'reset':
        await new Promise<void>((resolve) => {
          res.once('close', () => resolve());
          req.socket.resetAndDestroy();
        });
        return;
    }
  };

  const handleGeneration = async (
    kind: FakeRequest['kind'],
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> => {
    stats.requests++;
    const text = await readBody(req);
    if (opts.overCapacity === '429' && inFlight >= maxConcurrency) {
      stats.overCapacity++;
      await sendJson(res, 429, { error: { message: `at capacity (${maxConcurrency} requests in flight)`, type: 'rate_limit_exceeded' } });
      return;
    }
    if (!(await acquireSlot(res))) return;
    try {
      checkAuth(req);
      const body = parseJsonObject(text);
      const fault = pickFault(matchTextOf(kind, body));
      if (fault) {
        stats.faults[fault.kind] = (stats.faults[fault.kind] ?? 0) + 1;
        await injectFault(fault, req, res);
        return;
      }
      const fake = toFakeRequest(kind, body);
      const latency = typeof opts.latencyMs === 'function' ? opts.latencyMs(fake) : (opts.latencyMs ?? 0);
      if (latency > 0) await sleep(latency);
      if (res.destroyed) return;
      let completion: Record<string, unknown>;
      try {
        completion = buildCompletion(fake);
      } catch (err) {
        throw new HttpError(500, `The fake endpoint's answer function threw: ${String(err)}`, 'server_error', null);
      }
      if (await sendJson(res, 200, completion)) {
        stats.succeeded++;
        const hash = payloadHash(body);
        stats.servedByPayload[hash] = (stats.servedByPayload[hash] ?? 0) + 1;
      }
    } finally {
      releaseSlot();
    }
  };

  const handleAdmin = async (path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method === 'GET' && path === '/_fake/stats') {
      await sendJson(res, 200, snapshot());
    } else if (req.method === 'POST' && path === '/_fake/reset') {
      await readBody(req);
      resetStats();
      await sendJson(res, 200, { ok: true });
    } else if (req.method === 'POST' && path === '/_fake/faults') {
      const text = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'faults: body is not JSON', 'invalid_request_error', null);
      }
      if (!Array.isArray(parsed)) throw new HttpError(400, 'faults: expected a JSON array of rules', 'invalid_request_error', null);
      try {
        setFaults(parsed as FaultRule[]);
      } catch (err) {
        throw new HttpError(400, `faults: ${(err as Error).message}`, 'invalid_request_error', null);
      }
      await sendJson(res, 200, { ok: true, rules: parsed.length });
    } else {
      throw new HttpError(404, `No admin route ${req.method} ${path}`, 'invalid_request_error', null);
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/\/+$/, '');
    if (path.startsWith('/_fake/')) return handleAdmin(path, req, res);
    if (req.method === 'POST' && path === '/v1/chat/completions') return handleGeneration('chat', req, res);
    if (req.method === 'POST' && path === '/v1/completions') return handleGeneration('completions', req, res);
    if (req.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      checkAuth(req);
      const list = models.map((id) => ({ id, object: 'model', created, owned_by: 'evalflow-fake' }));
      if (path === '/v1/models') {
        await sendJson(res, 200, { object: 'list', data: list });
        return;
      }
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const found = list.find((m) => m.id === id);
      if (!found) throw unknownModel(id);
      await sendJson(res, 200, found);
      return;
    }
    throw new HttpError(404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error', null);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const httpErr =
        err instanceof HttpError ? err : new HttpError(500, `Fake endpoint error: ${String(err)}`, 'server_error', null);
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      void sendError(res, httpErr);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake endpoint: unexpected server address');
  const port = address.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.close(() => resolve());
      // Hung requests and idle keep-alive sockets would otherwise hold close() open.
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    setFaults,
    stats: snapshot,
    resetStats,
    close,
  };
}

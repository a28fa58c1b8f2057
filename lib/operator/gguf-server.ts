/**
 * `evalflow serve-gguf`: a REAL model (a GGUF file, on CPU, through
 * node-llama-cpp's prebuilt llama.cpp) behind an OpenAI-compatible API, the
 * subset evalflow and most evaluation harnesses use (README, "Evaluate a GGUF
 * on this machine"; docs/performance.md for its figures):
 *
 * - `GET /v1/models`: the one served model (default name: the file's base name).
 * - `POST /v1/chat/completions`: `messages` rendered with the chat template the
 *   GGUF names (node-llama-cpp's chat wrapper resolution), `max_tokens` (or
 *   `max_completion_tokens`), `temperature`, `top_p`, `seed`, `stop` (a string
 *   or a list), `n` = 1 only; `usage` counted with the model's tokenizer;
 *   `finish_reason` `stop` or `length`. No streaming (`stream: true` → 400),
 *   no tools. Errors are OpenAI-shaped: `{"error":{"message","type"}}`.
 *
 * Requests are served by `parallel` sequences of one llama.cpp context (a
 * request waits for a free one, oldest first). Sequences running together are
 * evaluated in one batch, and batching changes the floating-point sums: a
 * temperature-0 answer can differ from the one the same request gets alone
 * (docs/performance.md has the measurement). One sequence — the default — is
 * the reproducible setting: each request starts from an empty sequence, so
 * the same request and seed give the same text.
 *
 * node-llama-cpp is ESM-only and loads a native library: it is imported here,
 * dynamically and only when a server starts, never when the CLI starts.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { EvalflowError } from '../records/errors';

/** A GGUF that cannot be served, or a server that cannot start: the message names the fix. */
export class GgufServerError extends EvalflowError {
  constructor(message: string, cause?: unknown) {
    super(message, { kind: 'setup', retryable: false, cause });
  }
}

export interface GgufServerOptions {
  /** Path of the .gguf file. */
  modelPath: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port (see `url`). */
  port?: number;
  /** Sequences served at once (default 1: reproducible, see above). */
  parallel?: number;
  /** Tokens per sequence, prompt and answer together (default 4096). */
  contextSize?: number;
  /**
   * CPU threads of llama.cpp (default 1). llama.cpp's threads spin while they
   * wait for each other: with more threads than idle cores (a shared or busy
   * machine) generation gets ten times slower (docs/performance.md).
   */
  threads?: number;
  /** The name `/v1/models` lists and requests must use (default: the file's base name without .gguf). */
  modelName?: string;
  /** Called with one line per request (method, path, status, tokens, ms). */
  log?: (line: string) => void;
}

export interface GgufServer {
  /** e.g. http://127.0.0.1:8766/v1 (the chat route is `${url}/chat/completions`). */
  url: string;
  modelName: string;
  port: number;
  parallel: number;
  contextSize: number;
  threads: number;
  /** Milliseconds from start to ready (library, model and context loaded). */
  loadMs: number;
  /** Stops listening, aborts generations in progress, frees the model. */
  close(): Promise<void>;
}

export const DEFAULT_GGUF_CONTEXT_SIZE = 4096;

/** A problem with one request: answered with `status` and an OpenAI-shaped error. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** The model name a file is served under by default: its base name without `.gguf`. */
export function defaultModelName(modelPath: string): string {
  return path.basename(modelPath).replace(/\.gguf$/i, '');
}

/** Refuses a missing or unreadable path, a directory and a file that is not GGUF (magic bytes "GGUF"). */
export function checkGgufFile(modelPath: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(modelPath);
  } catch {
    throw new GgufServerError(
      `GGUF file ${modelPath} does not exist; pass the path of a .gguf model file ` +
        `(the test model: 'evalflow dev install --model' downloads it and prints its path)`,
    );
  }
  if (!st.isFile()) throw new GgufServerError(`${modelPath} is a directory, not a GGUF file; pass the path of a .gguf model file`);
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = fs.openSync(modelPath, 'r');
    fs.readSync(fd, head, 0, 4, 0);
  } catch (e) {
    throw new GgufServerError(`cannot read ${modelPath}: ${(e as Error).message}; check its permissions`, e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (head.toString('latin1') !== 'GGUF') {
    throw new GgufServerError(
      `${modelPath} is not a GGUF file (it does not start with the bytes "GGUF"); pass a llama.cpp model file in GGUF format ` +
        `(a Hugging Face checkpoint must be converted first, e.g. with llama.cpp's convert_hf_to_gguf.py)`,
    );
  }
}

function positiveInt(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new GgufServerError(`${what} must be a whole number ≥ 1, got ${v}`);
  return n;
}

interface ChatMessageIn {
  role?: unknown;
  content?: unknown;
}

type HistoryItem = { type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] };

function contentText(m: ChatMessageIn, i: number): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) {
    return m.content
      .map((part: unknown) => {
        const p = part as { type?: unknown; text?: unknown };
        if (p && p.type === 'text' && typeof p.text === 'string') return p.text;
        throw new RequestError(400, `messages[${i}].content: only text parts are supported by this server, got ${JSON.stringify(p?.type)}`, 'invalid_request_error', 'messages');
      })
      .join('');
  }
  if (m.content === null || m.content === undefined) return '';
  throw new RequestError(400, `messages[${i}].content must be a string or a list of text parts`, 'invalid_request_error', 'messages');
}

/** The chat history node-llama-cpp renders with the model's template, ending in the turn to generate. */
function toHistory(messages: unknown): HistoryItem[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestError(400, "'messages' must be a non-empty list of {role, content}", 'invalid_request_error', 'messages');
  }
  const out: HistoryItem[] = messages.map((raw, i) => {
    const m = (raw ?? {}) as ChatMessageIn;
    const text = contentText(m, i);
    if (m.role === 'system' || m.role === 'developer') return { type: 'system', text };
    if (m.role === 'user') return { type: 'user', text };
    if (m.role === 'assistant') return { type: 'model', response: [text] };
    throw new RequestError(400, `messages[${i}].role ${JSON.stringify(m.role)} is not supported; use system, user or assistant (this server has no tools)`, 'invalid_request_error', 'messages');
  });
  out.push({ type: 'model', response: [] });
  return out;
}

function numberParam(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new RequestError(400, `'${key}' must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`, 'invalid_request_error', key);
  }
  return v;
}

function intParam(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = numberParam(body, key, min, Number.MAX_SAFE_INTEGER);
  if (v !== undefined && !Number.isInteger(v)) throw new RequestError(400, `'${key}' must be a whole number, got ${v}`, 'invalid_request_error', key);
  return v;
}

function stopParam(body: Record<string, unknown>): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === '') || list.length > 4) {
    throw new RequestError(400, "'stop' must be a non-empty string or a list of up to 4 non-empty strings", 'invalid_request_error', 'stop');
  }
  return list as string[];
}

/** Loads the model and serves it; resolves once it answers requests. */
export async function startGgufServer(opts: GgufServerOptions): Promise<GgufServer> {
  const started = Date.now();
  const host = opts.host ?? '127.0.0.1';
  const parallel = positiveInt(opts.parallel, 1, '--parallel');
  const contextSize = positiveInt(opts.contextSize, DEFAULT_GGUF_CONTEXT_SIZE, '--context-size');
  const threads = positiveInt(opts.threads, 1, '--threads');
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GgufServerError(`--port must be a port number 0-65535 (0: a free one), got ${opts.port}`);
  checkGgufFile(opts.modelPath);
  const modelName = opts.modelName ?? defaultModelName(opts.modelPath);
  const log = opts.log ?? (() => {});

  // Claim the port before the (slower) model load, so a port in use fails at once.
  const sockets = new Set<Socket>();
  const server = http.createServer();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new GgufServerError(`port ${port} on ${host} is in use (another server is listening there); stop it or choose another port with --port N (--port 0 picks a free one)`)
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? new GgufServerError(`cannot listen on ${host}: no such local address; use --host 127.0.0.1 (or an address of this machine)`)
            : e.code === 'EACCES'
              ? new GgufServerError(`port ${port} needs privileges to listen on; choose a port above 1023 with --port N`)
              : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });

  let llamaModule: typeof import('node-llama-cpp');
  let llama: import('node-llama-cpp').Llama;
  let model: import('node-llama-cpp').LlamaModel;
  let context: import('node-llama-cpp').LlamaContext;
  let chatWrapper: import('node-llama-cpp').ChatWrapper;
  try {
    llamaModule = await import('node-llama-cpp');
    // gpu: false and build: 'never' — the prebuilt CPU binary, never a compile at start (package.json: GPU builds are left out).
    llama = await llamaModule.getLlama({ gpu: false, build: 'never', logLevel: llamaModule.LlamaLogLevel.error });
    try {
      model = await llama.loadModel({ modelPath: opts.modelPath });
    } catch (e) {
      throw new GgufServerError(`llama.cpp cannot load ${opts.modelPath}: ${(e as Error).message}; is the file complete (compare its sha256) and of an architecture llama.cpp supports?`, e);
    }
    context = await model.createContext({ contextSize, sequences: parallel, threads });
    chatWrapper = llamaModule.resolveChatWrapper(model);
  } catch (e) {
    server.close();
    throw e;
  }
  const free = Array.from({ length: parallel }, () => context.getSequence());
  const waiting: ((s: import('node-llama-cpp').LlamaContextSequence) => void)[] = [];
  const inFlight = new Set<AbortController>();
  const acquire = () =>
    new Promise<import('node-llama-cpp').LlamaContextSequence>((resolve) => {
      const s = free.shift();
      if (s) resolve(s);
      else waiting.push(resolve);
    });
  const release = (s: import('node-llama-cpp').LlamaContextSequence) => {
    const next = waiting.shift();
    if (next) next(s);
    else free.push(s);
  };

  async function complete(body: Record<string, unknown>) {
    if (body.model !== undefined && body.model !== modelName) {
      throw new RequestError(404, `The model '${String(body.model)}' does not exist; this server serves '${modelName}'`, 'invalid_request_error', 'model');
    }
    if (body.stream === true) throw new RequestError(400, "'stream': true is not supported by evalflow serve-gguf; send stream: false (or leave it out)", 'invalid_request_error', 'stream');
    const n = intParam(body, 'n', 1);
    if (n !== undefined && n !== 1) throw new RequestError(400, `'n' must be 1 (one choice per request), got ${n}; send the request ${n} times instead`, 'invalid_request_error', 'n');
    if (Array.isArray(body.tools) && body.tools.length) throw new RequestError(400, "'tools' are not supported by evalflow serve-gguf", 'invalid_request_error', 'tools');
    const history = toHistory(body.messages);
    const maxTokensParam = intParam(body, 'max_completion_tokens', 1) ?? intParam(body, 'max_tokens', 1);
    const temperature = numberParam(body, 'temperature', 0, 2);
    const topP = numberParam(body, 'top_p', 0, 1);
    const seed = intParam(body, 'seed', 0);
    const stop = stopParam(body);

    const promptTokens = chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer).length;
    if (promptTokens >= contextSize) {
      throw new RequestError(400, `the prompt is ${promptTokens} tokens, the context size is ${contextSize}; shorten the prompt or restart the server with a larger --context-size`, 'invalid_request_error', 'messages');
    }
    if (maxTokensParam !== undefined && promptTokens + maxTokensParam > contextSize) {
      throw new RequestError(
        400,
        `the prompt (${promptTokens} tokens) plus max_tokens (${maxTokensParam}) exceed the context size ${contextSize}; lower max_tokens or restart the server with --context-size ${promptTokens + maxTokensParam} or more`,
        'invalid_request_error',
        'max_tokens',
      );
    }
    const maxTokens = maxTokensParam ?? contextSize - promptTokens;

    const sequence = await acquire();
    const abort = new AbortController();
    inFlight.add(abort);
    try {
      // Every request starts from an empty sequence: no state of an earlier request (reproducibility).
      await sequence.clearHistory();
      const chat = new llamaModule.LlamaChat({ contextSequence: sequence, chatWrapper });
      let generated = 0;
      try {
        const r = await chat.generateResponse(history, {
          maxTokens,
          temperature: temperature ?? 1,
          ...(topP !== undefined ? { topP } : {}),
          ...(seed !== undefined ? { seed } : {}),
          ...(stop.length ? { customStopTriggers: stop } : {}),
          signal: abort.signal,
          stopOnAbortSignal: true,
          onToken: (t) => {
            generated += t.length;
          },
        });
        const md = r.metadata;
        if (md.stopReason === 'abort') throw new RequestError(503, 'the server is shutting down; send the request again to a running server', 'server_error');
        // Tokens the model generated, including the end-of-turn token and the tokens of a matched stop
        // sequence (cut from the text, as OpenAI does); onToken reports neither.
        if (md.stopReason === 'customStopTrigger') {
          const tail = md.customStopTrigger.map((p) => (typeof p === 'string' ? p : model.detokenize([p]))).join('') + (typeof md.remainingGenerationAfterStop === 'string' ? md.remainingGenerationAfterStop : '');
          generated += Math.max(1, model.tokenize(tail, false, 'trimLeadingSpace').length);
        } else if (md.stopReason === 'eogToken' || md.stopReason === 'stopGenerationTrigger') {
          generated += 1;
        }
        return {
          text: r.response,
          finish: md.stopReason === 'maxTokens' ? ('length' as const) : ('stop' as const),
          promptTokens,
          completionTokens: md.stopReason === 'maxTokens' ? Math.min(generated, maxTokens) : generated,
        };
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    } finally {
      inFlight.delete(abort);
      release(sequence);
    }
  }

  let created = 0;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, e: RequestError) => send(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: null } });

  server.on('request', (req, res) => {
    const t0 = Date.now();
    const url = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const done = (status: number, extra = '') => log(`${req.method} ${url} ${status}${extra} ${Date.now() - t0} ms`);
    if (req.method === 'GET' && (url === '/v1/models' || url === '/models')) {
      send(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', created: Math.floor(started / 1000), owned_by: 'evalflow-serve-gguf' }] });
      return done(200);
    }
    if (!(url === '/v1/chat/completions' || url === '/chat/completions')) {
      sendError(res, new RequestError(404, `no route ${req.method} ${url}; this server answers GET /v1/models and POST /v1/chat/completions`, 'not_found_error'));
      return done(404);
    }
    if (req.method !== 'POST') {
      sendError(res, new RequestError(405, `${req.method} ${url}: use POST`, 'invalid_request_error'));
      return done(405);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 16 * 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        try {
          if (size > 16 * 1024 * 1024) throw new RequestError(413, 'the request body is over 16 MiB', 'invalid_request_error');
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            throw new RequestError(400, 'the request body is not valid JSON', 'invalid_request_error');
          }
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RequestError(400, 'the request body must be a JSON object', 'invalid_request_error');
          const r = await complete(body as Record<string, unknown>);
          send(res, 200, {
            id: `chatcmpl-gguf-${++created}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: modelName,
            choices: [{ index: 0, message: { role: 'assistant', content: r.text }, finish_reason: r.finish, logprobs: null }],
            usage: { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens },
          });
          done(200, ` prompt=${r.promptTokens} completion=${r.completionTokens} ${r.finish}`);
        } catch (e) {
          const err = e instanceof RequestError ? e : new RequestError(500, `generation failed: ${(e as Error).message}`, 'server_error');
          if (!res.headersSent) sendError(res, err);
          done(err.status, ` ${err.message}`);
        }
      })();
    });
  });

  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/v1`,
    modelName,
    port: boundPort,
    parallel,
    contextSize,
    threads,
    loadMs: Date.now() - started,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const a of inFlight) a.abort();
        // Let aborted requests answer 503, then drop idle keep-alive connections.
        const deadline = Date.now() + 2000;
        while (inFlight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        for (const s of sockets) s.destroy();
        await closed;
        await context.dispose();
        await model.dispose();
        await llama.dispose();
      })();
      return closing;
    },
  };
}

/**
 * Sentence embeddings for memory_vector. BFCL encodes with
 * SentenceTransformer("all-MiniLM-L6-v2") on CPU (memory_vector.py ENCODER);
 * evalflow asks an OpenAI-compatible `/embeddings` endpoint configured on the
 * workers instead:
 * - EVALFLOW_EMBEDDINGS_URL: the endpoint (`…/v1` or `…/v1/embeddings`);
 * - EVALFLOW_EMBEDDINGS_MODEL: the model id it serves (default
 *   sentence-transformers/all-MiniLM-L6-v2, BFCL's encoder);
 * - EVALFLOW_EMBEDDINGS_API_KEY_NAME (optional): the name of the environment
 *   variable holding its API key (sent as a Bearer token).
 * Every text is embedded once through `io.cached` under the key
 * model + text, so a replayed or re-run unit gets the same vector without
 * asking again.
 */
import type { ConversationIO } from '../../../types';
import type { Embedder } from './backends';
import { ConfigError } from '../../../../lib/config/load';

export const EMBEDDINGS_URL_VAR = 'EVALFLOW_EMBEDDINGS_URL';
export const EMBEDDINGS_MODEL_VAR = 'EVALFLOW_EMBEDDINGS_MODEL';
export const EMBEDDINGS_KEY_NAME_VAR = 'EVALFLOW_EMBEDDINGS_API_KEY_NAME';
/** The encoder of gorilla memory_vector.py, as its Hugging Face id. */
export const DEFAULT_EMBEDDINGS_MODEL = 'sentence-transformers/all-MiniLM-L6-v2';

const TIMEOUT_MS = 120_000;
const CONCURRENCY = 8;

export interface EmbeddingsConfig {
  url: string;
  model: string;
  apiKey?: string;
}

/** The endpoint settings from the worker's environment, or a ConfigError naming what to set. */
export function embeddingsConfig(io: ConversationIO): EmbeddingsConfig {
  const url = io.env(EMBEDDINGS_URL_VAR)?.trim();
  if (!url) {
    throw new ConfigError(
      `ns_bfcl_v4 memory_vector needs sentence embeddings: set ${EMBEDDINGS_URL_VAR} on the workers to an OpenAI-compatible embeddings endpoint (e.g. http://host:8000/v1), ` +
        `${EMBEDDINGS_MODEL_VAR} to the model it serves (default ${DEFAULT_EMBEDDINGS_MODEL}, BFCL's encoder) and, if it needs a key, ${EMBEDDINGS_KEY_NAME_VAR} to the name of the variable holding it`,
    );
  }
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`${EMBEDDINGS_URL_VAR} must be an http(s) URL, got ${JSON.stringify(url)}`);
  const model = io.env(EMBEDDINGS_MODEL_VAR)?.trim() || DEFAULT_EMBEDDINGS_MODEL;
  const keyName = io.env(EMBEDDINGS_KEY_NAME_VAR)?.trim();
  let apiKey: string | undefined;
  if (keyName) {
    apiKey = io.env(keyName);
    if (!apiKey) throw new ConfigError(`${EMBEDDINGS_KEY_NAME_VAR} names ${keyName}, which is not set on the workers: set ${keyName} to the embeddings endpoint's API key`);
  }
  return { url, model, ...(apiKey ? { apiKey } : {}) };
}

function endpointOf(url: string): string {
  const u = url.replace(/\/+$/, '');
  return u.endsWith('/embeddings') ? u : `${u}/embeddings`;
}

/** One text → its embedding from the endpoint (OpenAI `POST /embeddings`). */
export async function fetchEmbedding(cfg: EmbeddingsConfig, text: string): Promise<number[]> {
  const url = endpointOf(cfg.url);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}) },
      body: JSON.stringify({ model: cfg.model, input: text }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    // Network trouble: a normal error, so the shard is retried (model calls are replayed from the cache).
    throw new Error(`embeddings endpoint ${url} unreachable: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = await res.text();
  if (!res.ok) {
    const what = `embeddings endpoint ${url} answered ${res.status} for model ${cfg.model}: ${body.slice(0, 300)}`;
    // Wrong URL, model, key or request shape will not fix itself by retrying.
    if ([400, 401, 403, 404, 405, 422].includes(res.status)) {
      throw new ConfigError(`${what} (check ${EMBEDDINGS_URL_VAR}, ${EMBEDDINGS_MODEL_VAR} and ${EMBEDDINGS_KEY_NAME_VAR} on the workers)`);
    }
    throw new Error(what);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`embeddings endpoint ${url} sent a body that is not JSON: ${body.slice(0, 200)}`);
  }
  const vec = (parsed as { data?: { embedding?: unknown }[] })?.data?.[0]?.embedding;
  if (!Array.isArray(vec) || vec.length === 0 || vec.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new ConfigError(`embeddings endpoint ${url} did not answer in OpenAI's shape ({"data": [{"embedding": [numbers]}]}): ${body.slice(0, 200)}; check ${EMBEDDINGS_URL_VAR}`);
  }
  return vec as number[];
}

/** The io.cached key of a text's embedding: model + text. */
export function embeddingKey(model: string, text: string): string {
  return `bfcl_memory_embedding:${JSON.stringify([model, text])}`;
}

/** An Embedder that goes through io.cached (a few requests at a time). */
export function cachedEmbedder(io: ConversationIO, cfg: EmbeddingsConfig = embeddingsConfig(io)): Embedder {
  return async (texts) => {
    const out: number[][] = new Array(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const i = next++;
        const text = texts[i]!;
        const raw = await io.cached(embeddingKey(cfg.model, text), async () => JSON.stringify(await fetchEmbedding(cfg, text)));
        const v = JSON.parse(raw) as unknown;
        if (!Array.isArray(v)) throw new Error(`cached embedding of ${JSON.stringify(text.slice(0, 60))} is not a list of numbers`);
        out[i] = v as number[];
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, texts.length) }, worker));
    return out;
  };
}

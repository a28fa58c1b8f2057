/**
 * BFCL's WebSearchAPI (bfcl_eval/eval_checker/multi_turn_eval/func_source_code/
 * web_search.py) as the model's tools, executed the way
 * multi_turn_utils.execute_multi_turn_func_call runs a call: the method is
 * looked up by bare name among the class's public methods (anything else:
 * NameError), arguments bound as Python binds them (unknown or missing ones:
 * TypeError), a list result shown with str() (Python repr), a dict result
 * with json.dumps, an exception as "Error during execution: <str(e)>".
 *
 * search_engine_query(keywords, max_results=10, region="wt-wt") — SerpAPI's
 * DuckDuckGo engine, as `serpapi.GoogleSearch(params).get_dict()` calls it
 * (GET with engine=duckduckgo, q, kl=region, api_key, plus the client's
 * output=json and source=python): no `organic_results` in the answer →
 * {"error": "Failed to retrieve the search results from server. Please try
 * again later."}; otherwise `organic_results[:max_results]` as
 * {title, href: link, body: snippet} — without body in the no-snippet
 * variant (initial_config show_snippet=False); a result missing one of those
 * fields raises KeyError. BFCL retries a 429 forever; here a 429, a 5xx, an
 * unreadable answer or a network failure is retried a few times and then
 * thrown (the shard is retried; nothing is cached), and a rejected key (401/
 * 403) is a ConfigError — BFCL would hand those to the model as an error.
 *
 * fetch_url_content(url, mode="raw") — a URL not starting with http:// or
 * https:// raises ValueError("Invalid URL: …") before anything is fetched;
 * the page is fetched with browser headers (http.ts) and returned as
 * {"content": …}: raw HTML, html2text markdown, or BeautifulSoup text
 * ("truncate"; html.ts); any failure, including an unsupported mode, is
 * {"error": "An error occurred while fetching <url>: <message>"}.
 *
 * Every search and every fetch goes through ConversationIO.cached under a
 * key holding the whole call (function, bound arguments, variant), so a
 * replayed conversation never repeats one.
 */
import type { ConversationIO } from '../../../types';
import type { ParsedCallFull } from '../../parse';
import { jsonDumps, pyRepr, pyStr } from '../../multi-turn/pyrepr';
import { pageMarkdown, pageText } from './html';
import { FetchFailure, getPage } from './http';
import { ConfigError } from '../../../../lib/config/load';

export const DEFAULT_SERPAPI_URL = 'https://serpapi.com/search.json';
export const SEARCH_FAILED = 'Failed to retrieve the search results from server. Please try again later.';
/** In-process retries of a failed SerpAPI request before the error is thrown (mutable for tests). */
export const SERPAPI_RETRY = { attempts: 4, baseDelayMs: 2000, timeoutMs: 60_000 };

type Param = { name: string; dflt?: unknown };
const METHODS: Record<string, Param[]> = {
  search_engine_query: [{ name: 'keywords' }, { name: 'max_results', dflt: 10 }, { name: 'region', dflt: 'wt-wt' }],
  fetch_url_content: [{ name: 'url' }, { name: 'mode', dflt: 'raw' }],
};
/** multi_turn_utils refuses these names before evaluating a call. */
const FORBIDDEN = ['kill', 'exit', 'quit', 'remove', 'unlink', 'popen', 'Popen', 'run'];

class PyError extends Error {}

function pyType(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/** Python's argument binding for WebSearchAPI.<name>(**args). */
function bind(call: ParsedCallFull): Record<string, unknown> {
  const params = METHODS[call.name]!;
  const qual = `WebSearchAPI.${call.name}()`;
  if (call.positional.length > params.length) {
    const nreq = params.filter((p) => !('dflt' in p)).length + 1;
    throw new PyError(`${qual} takes from ${nreq} to ${params.length + 1} positional arguments but ${call.positional.length + 1} were given`);
  }
  const bound: Record<string, unknown> = {};
  call.positional.forEach((v, i) => (bound[params[i]!.name] = v));
  for (const [k, v] of Object.entries(call.args)) {
    if (!params.some((p) => p.name === k)) throw new PyError(`${qual} got an unexpected keyword argument '${k}'`);
    if (k in bound) throw new PyError(`${qual} got multiple values for argument '${k}'`);
    bound[k] = v;
  }
  const missing = params.filter((p) => !(p.name in bound) && !('dflt' in p)).map((p) => `'${p.name}'`);
  if (missing.length) throw new PyError(`${qual} missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${missing.join(' and ')}`);
  const out: Record<string, unknown> = {};
  for (const p of params) out[p.name] = p.name in bound ? bound[p.name] : p.dflt;
  return out;
}

/** The cache key of one call: function, bound arguments (in parameter order) and the category's variant. */
export function callKey(name: string, args: Record<string, unknown>, showSnippet: boolean): string {
  return JSON.stringify(['bfcl_v4/WebSearchAPI', name, args, showSnippet ? 'show_snippet' : 'no_snippet']);
}

function needIo(io: ConversationIO | undefined): ConversationIO {
  if (!io) throw new Error('ns_bfcl_v4 web search: executing a search or a page fetch needs the conversation I/O (io), which was not given');
  return io;
}

/** Execute one call of the model; resolves to the text the model sees. */
export async function executeWebSearchCall(call: ParsedCallFull, showSnippet: boolean, io: ConversationIO | undefined): Promise<string> {
  try {
    const parts = call.name.split('.');
    const base = parts.length > 1 ? parts[1]! : parts[0]!;
    if (FORBIDDEN.includes(base)) throw new PyError(`Function call ${base} is not allowed.`);
    if (parts.length > 1 || !(call.name in METHODS)) throw new PyError(`name '${parts[0]}' is not defined`);
    const args = bind(call);
    if (call.name === 'fetch_url_content') {
      const url = args.url;
      if (typeof url !== 'string') throw new PyError(`'${pyType(url)}' object has no attribute 'startswith'`);
      if (!url.startsWith('http://') && !url.startsWith('https://')) throw new PyError(`Invalid URL: ${url}`);
      const cio = needIo(io);
      return await cio.cached(callKey(call.name, args, showSnippet), () => fetchUrlContent(url, args.mode, cio));
    }
    const cio = needIo(io);
    return await cio.cached(callKey(call.name, args, showSnippet), () => searchEngineQuery(args, showSnippet, cio));
  } catch (e) {
    if (e instanceof PyError) return `Error during execution: ${e.message}`;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// fetch_url_content

async function fetchUrlContent(url: string, mode: unknown, io: ConversationIO): Promise<string> {
  try {
    const text = await getPage(url, { allowPrivate: io.env('EVALFLOW_WEB_FETCH_PRIVATE') === 'allow' });
    let content: string;
    if (mode === 'raw') content = text;
    else if (mode === 'markdown') content = pageMarkdown(text);
    else if (mode === 'truncate') content = pageText(text);
    else throw new FetchFailure(`Unsupported mode: ${pyStr(mode)}`);
    return jsonDumps({ content })!;
  } catch (e) {
    if (e instanceof FetchFailure) return jsonDumps({ error: `An error occurred while fetching ${url}: ${e.message}` })!;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// search_engine_query

/** How requests puts a Python value into a query string (None left out, a list repeated). */
function queryValues(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap(queryValues);
  return [pyStr(v)];
}

function searchUrl(base: string, args: Record<string, unknown>, apiKey: string): string {
  const u = new URL(base);
  const params: [string, unknown][] = [
    ['engine', 'duckduckgo'],
    ['q', args.keywords],
    ['kl', args.region],
    ['api_key', apiKey],
    ['output', 'json'],
    ['source', 'python'],
  ];
  for (const [k, v] of params) for (const s of queryValues(v)) u.searchParams.append(k, s);
  return u.href;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One SerpAPI answer as a dict, retrying what BFCL would retry or what is transient. */
async function serpapi(url: string): Promise<Record<string, unknown>> {
  let last = '';
  for (let attempt = 1; attempt <= SERPAPI_RETRY.attempts; attempt++) {
    if (attempt > 1) await sleep(SERPAPI_RETRY.baseDelayMs * 2 ** (attempt - 2) * (1 + Math.random()));
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(SERPAPI_RETRY.timeoutMs) });
      status = res.status;
      text = await res.text();
    } catch (e) {
      last = `the request failed: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`;
      continue;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const error = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).error : undefined;
    if (status === 401 || status === 403) {
      throw new ConfigError(`ns_bfcl_v4 web search: SerpAPI rejected the key in SERPAPI_API_KEY (HTTP ${status}${error ? `: ${String(error)}` : ''}); set a valid SerpAPI key on the workers`);
    }
    if (status === 429 || status >= 500 || (error !== undefined && String(error).includes('429'))) {
      last = `HTTP ${status}${error ? `: ${String(error)}` : ''}`;
      continue;
    }
    if (body === undefined || typeof body !== 'object' || Array.isArray(body) || body === null) {
      last = `HTTP ${status} with an answer that is not a JSON object: ${text.slice(0, 200)}`;
      continue;
    }
    return body as Record<string, unknown>;
  }
  throw new Error(`ns_bfcl_v4 web search: SerpAPI failed ${SERPAPI_RETRY.attempts} times (${last}); the shard will be retried`);
}

async function searchEngineQuery(args: Record<string, unknown>, showSnippet: boolean, io: ConversationIO): Promise<string> {
  const apiKey = io.env('SERPAPI_API_KEY');
  if (!apiKey) throw new ConfigError('ns_bfcl_v4 web search needs a SerpAPI key: set SERPAPI_API_KEY on the workers (web_search_base / web_search_no_snippet search through SerpAPI, as BFCL does)');
  const base = io.env('EVALFLOW_SERPAPI_URL') || DEFAULT_SERPAPI_URL;
  const answer = await serpapi(searchUrl(base, args, apiKey));
  const organic = answer.organic_results;
  if (!Array.isArray(organic)) return jsonDumps({ error: SEARCH_FAILED })!;
  // organic_results[:max_results]: an int (a bool is one), or None for all.
  const max = args.max_results;
  let rows: unknown[];
  if (max === null || max === undefined) rows = organic;
  else if (typeof max === 'boolean') rows = organic.slice(0, Number(max));
  else if (typeof max === 'number' && Number.isInteger(max)) rows = organic.slice(0, max);
  else return 'Error during execution: slice indices must be integers or None or have an __index__ method';
  const out: Record<string, unknown>[] = [];
  for (const r of rows) {
    const row = (r && typeof r === 'object' ? r : {}) as Record<string, unknown>;
    const fields: [string, string][] = showSnippet ? [['title', 'title'], ['href', 'link'], ['body', 'snippet']] : [['title', 'title'], ['href', 'link']];
    const item: Record<string, unknown> = {};
    for (const [to, from] of fields) {
      if (!(from in row)) return `Error during execution: '${from}'`;
      item[to] = row[from];
    }
    out.push(item);
  }
  return pyRepr(out);
}

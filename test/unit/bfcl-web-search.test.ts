/**
 * BFCL v4 web search (benchmarks/bfcl/agentic/web-search): data loading on
 * the real BFCL files, prompts and tools, the agent loop replayed from
 * scripted replies with its searches and page fetches going to LOCAL fake
 * servers (a fake SerpAPI and fake pages on 127.0.0.1) through a counting
 * in-memory ConversationIO, BFCL's tool results and error strings, the
 * HTML → markdown / text conversions against the reference libraries'
 * output, and the agentic checker.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as zlib from 'node:zlib';

import type { ConversationIO, NextRequest } from '../../benchmarks/types';
import type { DatasetFileReader } from '../../lib/records/benchmark-data';
import type { Sample, TurnResponse } from '../../lib/records/messages';
import { webSearch, AGENTIC_RESPONSE_FORMAT_PROMPT, WEB_SEARCH_MAX_CALLS } from '../../benchmarks/bfcl/agentic/web-search/index';
import { SEARCH_FAILED, SERPAPI_RETRY, callKey, executeWebSearchCall } from '../../benchmarks/bfcl/agentic/web-search/tools';
import { pageMarkdown, pageText } from '../../benchmarks/bfcl/agentic/web-search/html';
import { agenticChecker, standardizeString } from '../../benchmarks/bfcl/agentic/checker';
import { decodeBody, isPrivateAddress } from '../../benchmarks/bfcl/agentic/web-search/http';
import { parseCallListFull } from '../../benchmarks/bfcl/parse';

const DATA = join(process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets', 'bfcl_v4');

/** A DatasetFileReader over the real dataset directory (JSON lines, read in place). */
const realReader: DatasetFileReader = async (path) => {
  const file = join(DATA, '..', path);
  if (!existsSync(DATA)) throw new Error(`BFCL v4 data not found at ${DATA}: set EVALFLOW_DATASETS_DIR to the directory holding bfcl_v4/`);
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

/** An in-memory ConversationIO that counts how often each key was computed. */
function memoryIo(env: Record<string, string | undefined>) {
  const store = new Map<string, string>();
  const computed = new Map<string, number>();
  const io: ConversationIO = {
    env: (name) => env[name],
    async cached(key, compute) {
      if (store.has(key)) return store.get(key)!;
      computed.set(key, (computed.get(key) ?? 0) + 1);
      const v = await compute();
      store.set(key, v);
      return v;
    },
  };
  return { io, store, computed, computes: () => [...computed.values()].reduce((a, b) => a + b, 0) };
}

// ---------------------------------------------------------------------------
// Fake SerpAPI and fake pages

interface Hit {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let base = '';
const hits: Hit[] = [];
/** What the fake SerpAPI answers per query `q`: status and JSON body. */
const serp: Record<string, { status?: number; body: unknown }[]> = {};

before(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url!, 'http://127.0.0.1');
    hits.push({ path: u.pathname, query: u.searchParams, headers: req.headers });
    if (u.pathname === '/search.json') {
      const queue = serp[u.searchParams.get('q') ?? ''];
      const answer = queue && queue.length > 1 ? queue.shift()! : queue?.[0] ?? { body: { error: "DuckDuckGo hasn't returned any results for this query." } };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer.body));
    } else if (u.pathname === '/tea') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (u.pathname === '/gz') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('<p>Zipped <b>page</b> caf\u00e9</p>'));
    } else if (u.pathname === '/moved') {
      res.writeHead(302, { location: '/tea' });
      res.end();
    } else {
      res.writeHead(404, 'Not Found', { 'content-type': 'text/html' });
      res.end('<h1>nope</h1>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  SERPAPI_RETRY.baseDelayMs = 5;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const ENV = () => ({ SERPAPI_API_KEY: 'test-key', EVALFLOW_SERPAPI_URL: `${base}/search.json`, EVALFLOW_WEB_FETCH_PRIVATE: 'allow' });

const organic = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ position: i + 1, title: `Result ${i + 1}`, link: `${base}/tea`, snippet: `Snippet ${i + 1} about Da Hong Pao`, favicon: 'x' }));

let callSeq = 0;
const toolCall = (name: string, args: Record<string, unknown>): TurnResponse => ({
  content: '',
  tool_calls: [{ id: `call_${callSeq++}`, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
});
const text = (content: string): TurnResponse => ({ content });

function sampleOf(id: string, category = 'web_search_base', question = 'Who is the richest billionaire from the country that produces the most expensive tea?', gt = ['Zhang Yiming']): Sample {
  const docFile = join(DATA, 'multi_turn_func_doc', 'web_search.json');
  if (!existsSync(docFile)) throw new Error(`BFCL v4 data not found at ${DATA}: set EVALFLOW_DATASETS_DIR to the directory holding bfcl_v4/`);
  const docs = readFileSync(docFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  return webSearch.toSample({ category, id, question: [[{ role: 'user', content: question }]], ground_truth: gt, functions: docs }, 0);
}


describe('data: the real BFCL v4 web search files', () => {
  it('one row per question per category, ids renamed as process_web_search_test_case does, answers joined', async () => {
    const rows = await webSearch.readRows(realReader, ['web_search_base', 'web_search_no_snippet']);
    assert.equal(rows.length, 2 * 100);
    assert.equal(rows[0]!.id, 'web_search_base_0');
    assert.equal(rows[100]!.id, 'web_search_no_snippet_0');
    assert.deepEqual(rows[0]!.ground_truth, ['Zhang Yiming']);
    assert.deepEqual(rows[101]!.ground_truth, ['7', 'seven']);
    const base = webSearch.toSample(rows[1]!, 1);
    const noSnippet = webSearch.toSample(rows[101]!, 101);
    assert.equal(base.subset, 'web_search_base');
    assert.equal(base.data.show_snippet, true);
    assert.equal(noSnippet.data.show_snippet, false);
    assert.equal(noSnippet.id, 'web_search_no_snippet_1');
    const only = await webSearch.readRows(realReader, ['web_search_no_snippet']);
    assert.equal(only.length, 100);
    assert.ok(only.every((r) => String(r.id).startsWith('web_search_no_snippet_')));
  });

  it('bad input names what is wrong', async () => {
    await assert.rejects(() => webSearch.readRows(realReader, ['memory_kv']), /"memory_kv" is not a web search category/);
    const missing: DatasetFileReader = async (p, h, k) => (p.includes('possible_answer') ? null : realReader(p, h, k));
    await assert.rejects(() => webSearch.readRows(missing, ['web_search_base']), /possible_answer\/BFCL_v4_web_search\.json is missing/);
    assert.throws(() => webSearch.toSample({ category: 'web_search_base', id: 'web_search_base_0', question: [[{ role: 'user', content: 'q' }]], ground_truth: 'x', functions: [] }, 0), /"ground_truth" must be a non-empty list of strings/);
    assert.throws(() => webSearch.toSample({ category: 'web_search_base', id: 'web_search_base_0', question: [[], []], ground_truth: ['x'], functions: [] }, 0), /"question" must be one turn/);
  });
});

describe('prompts and tools', () => {
  it('native: the agentic response-format system message, the question, the two WebSearchAPI tools with the Python hint', () => {
    const s = sampleOf('web_search_base_0');
    const msgs = webSearch.prompt(s, 'native', {});
    assert.deepEqual(msgs.map((m) => m.role), ['system', 'user']);
    assert.equal(msgs[0]!.content, AGENTIC_RESPONSE_FORMAT_PROMPT);
    assert.match(msgs[0]!.content, /^For your final answer to the user, you must respond in this format: \{'answer': /);
    const tools = webSearch.tools(s, 'native', {})!;
    assert.deepEqual(tools.map((t) => t.function.name), ['search_engine_query', 'fetch_url_content']);
    assert.ok(tools[0]!.function.description!.endsWith(' Note that the provided function is in Python 3 syntax.'));
    assert.equal((tools[0]!.function.parameters as { type: string }).type, 'object');
    assert.equal(webSearch.maxCalls, 21);
  });

  it("prompt mode: BFCL's prompting system prompt, then the agentic prompt, in one system message; no tools", () => {
    const s = sampleOf('web_search_base_0');
    const msgs = webSearch.prompt(s, 'prompt', {});
    assert.equal(msgs.length, 2);
    assert.ok(msgs[0]!.content.startsWith('You are an expert in composing functions.'));
    assert.ok(msgs[0]!.content.endsWith(`\n\n${AGENTIC_RESPONSE_FORMAT_PROMPT}`));
    assert.match(msgs[0]!.content, /"name": "fetch_url_content"/);
    assert.equal(webSearch.tools(s, 'prompt', {}), undefined);
  });
});

describe('the agent loop against a fake SerpAPI and fake pages', () => {
  it('native: search, fetch, answer; results fed back as tool messages; a replay recomputes nothing', async () => {
    serp['most expensive tea'] = [{ body: { search_metadata: { status: 'Success' }, organic_results: organic(3) } }];
    const { io, computes } = memoryIo(ENV());
    const s = sampleOf('web_search_base_0');
    const turns = [toolCall('search_engine_query', { keywords: 'most expensive tea', max_results: 2 }), toolCall('fetch_url_content', { url: `${base}/tea`, mode: 'markdown' })];
    const before = hits.length;
    const req1 = (await webSearch.next(s, turns.slice(0, 1), 'native', {}, io)) as NextRequest;
    const searchHit = hits[hits.length - 1]!;
    assert.equal(searchHit.path, '/search.json');
    assert.deepEqual([...searchHit.query.entries()], [
      ['engine', 'duckduckgo'],
      ['q', 'most expensive tea'],
      ['kl', 'wt-wt'],
      ['api_key', 'test-key'],
      ['output', 'json'],
      ['source', 'python'],
    ]);
    assert.deepEqual(req1.messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool']);
    assert.equal(req1.messages[3]!.tool_call_id, turns[0]!.tool_calls![0]!.id);
    // str() of the list: Python repr, max_results=2 of 3
    assert.equal(
      req1.messages[3]!.content,
      `[{'title': 'Result 1', 'href': '${base}/tea', 'body': 'Snippet 1 about Da Hong Pao'}, {'title': 'Result 2', 'href': '${base}/tea', 'body': 'Snippet 2 about Da Hong Pao'}]`,
    );
    assert.equal(req1.tools?.length, 2);
    const req2 = (await webSearch.next(s, turns, 'native', {}, io)) as NextRequest;
    const pageHit = hits[hits.length - 1]!;
    assert.equal(pageHit.path, '/tea');
    assert.equal(pageHit.headers['user-agent'], 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Safari/537.36');
    assert.equal(pageHit.headers['sec-fetch-mode'], 'navigate');
    assert.equal(pageHit.headers.referer, 'https://www.google.com/');
    assert.equal(pageHit.headers['accept-encoding'], 'gzip, deflate, br');
    assert.equal(req2.messages.length, 6);
    assert.equal(req2.messages[5]!.content, `{"content": ${JSON.stringify(PAGE_MARKDOWN).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))}}`);
    assert.equal(hits.length - before, 2);
    assert.equal(computes(), 2);
    // The conversation replayed round by round: same requests, nothing fetched again.
    const again = (await webSearch.next(s, turns, 'native', {}, io)) as NextRequest;
    assert.deepEqual(again, req2);
    assert.equal(hits.length - before, 2);
    assert.equal(computes(), 2);
    // The final answer ends the unit.
    assert.equal(await webSearch.next(s, [...turns, text("{'answer': 'Zhang Yiming', 'context': 'Forbes'}")], 'native', {}, io), null);
  });

  it('no snippet: results without body; the variant is part of the cache key', async () => {
    serp['tea snippet'] = [{ body: { organic_results: organic(2) } }];
    const { io, store } = memoryIo(ENV());
    const s = sampleOf('web_search_no_snippet_0', 'web_search_no_snippet');
    const req = (await webSearch.next(s, [toolCall('search_engine_query', { keywords: 'tea snippet' })], 'native', {}, io)) as NextRequest;
    assert.equal(req.messages[3]!.content, `[{'title': 'Result 1', 'href': '${base}/tea'}, {'title': 'Result 2', 'href': '${base}/tea'}]`);
    const key = callKey('search_engine_query', { keywords: 'tea snippet', max_results: 10, region: 'wt-wt' }, false);
    assert.ok(store.has(key));
    assert.notEqual(key, callKey('search_engine_query', { keywords: 'tea snippet', max_results: 10, region: 'wt-wt' }, true));
    assert.match(key, /search_engine_query/);
  });

  it('prompt mode: Python call syntax, results as one user message repr([...])', async () => {
    serp['python tea'] = [{ body: { organic_results: organic(1) } }];
    const { io } = memoryIo(ENV());
    const s = sampleOf('web_search_base_0');
    const req = (await webSearch.next(s, [text("[search_engine_query(keywords='python tea', region='us-en')]")], 'prompt', {}, io)) as NextRequest;
    assert.equal(req.tools, undefined);
    assert.deepEqual(req.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    const results = `[{'title': 'Result 1', 'href': '${base}/tea', 'body': 'Snippet 1 about Da Hong Pao'}]`;
    assert.equal(req.messages[3]!.content, `[{'role': 'tool', 'name': "search_engine_query(keywords='python tea', region='us-en')", 'content': ${JSON.stringify(results)}}]`);
    assert.equal(hits[hits.length - 1]!.query.get('kl'), 'us-en');
    // A reply that is not a call list ends the unit.
    assert.equal(await webSearch.next(s, [text("[search_engine_query(keywords='python tea', region='us-en')]"), text("{'answer': 'x', 'context': 'y'}")], 'prompt', {}, io), null);
  });

  it('the step limit: the 21st reply with calls force-quits the entry', async () => {
    serp['loop'] = [{ body: { organic_results: organic(1) } }];
    const { io, computes } = memoryIo(ENV());
    const s = sampleOf('web_search_base_0');
    const loop = Array.from({ length: 20 }, () => toolCall('search_engine_query', { keywords: 'loop' }));
    assert.notEqual(await webSearch.next(s, loop, 'native', {}, io), null);
    assert.equal(await webSearch.next(s, [...loop, toolCall('search_engine_query', { keywords: 'loop' })], 'native', {}, io), null);
    assert.equal(computes(), 1);
    assert.equal(WEB_SEARCH_MAX_CALLS, 21);
  });

  it("BFCL's results and errors for the model", async () => {
    const { io, computes } = memoryIo(ENV());
    const run = (src: string, showSnippet = true) => executeWebSearchCall(parseCallListFull(src)[0]!, showSnippet, io);
    serp['none'] = [{ body: { error: "DuckDuckGo hasn't returned any results for this query." } }];
    assert.equal(await run("search_engine_query(keywords='none')"), `{"error": "${SEARCH_FAILED}"}`);
    serp['no snippet field'] = [{ body: { organic_results: [{ title: 't', link: 'l' }] } }];
    assert.equal(await run("search_engine_query(keywords='no snippet field')"), "Error during execution: 'snippet'");
    assert.equal(await run("search_engine_query(keywords='no snippet field')", false), "[{'title': 't', 'href': 'l'}]");
    serp['bad max'] = [{ body: { organic_results: organic(2) } }];
    assert.equal(await run("search_engine_query(keywords='bad max', max_results='2')"), 'Error during execution: slice indices must be integers or None or have an __index__ method');
    assert.equal(await run("search_engine_query(keywords='bad max', max_results=-1)"), `[{'title': 'Result 1', 'href': '${base}/tea', 'body': 'Snippet 1 about Da Hong Pao'}]`);
    const n = computes();
    assert.equal(await run("fetch_url_content(url='ftp://example.com/x')"), 'Error during execution: Invalid URL: ftp://example.com/x');
    assert.equal(await run("open_url(url='https://example.com')"), "Error during execution: name 'open_url' is not defined");
    assert.equal(await run("search_engine_query(query='x')"), "Error during execution: WebSearchAPI.search_engine_query() got an unexpected keyword argument 'query'");
    assert.equal(await run('search_engine_query()'), "Error during execution: WebSearchAPI.search_engine_query() missing 1 required positional argument: 'keywords'");
    assert.equal(computes(), n, 'calls failing before any I/O are not cached');
    assert.equal(await run(`fetch_url_content(url='${base}/missing')`), `{"error": "An error occurred while fetching ${base}/missing: 404 Client Error: Not Found for url: ${base}/missing"}`);
    assert.equal(await run(`fetch_url_content(url='${base}/tea', mode='pdf')`), `{"error": "An error occurred while fetching ${base}/tea: Unsupported mode: pdf"}`);
    assert.equal(await run(`fetch_url_content(url='${base}/gz', mode='truncate')`), '{"content": "Zipped\\npage\\ncaf\\u00e9"}');
    assert.equal(await run(`fetch_url_content(url='${base}/moved', mode='truncate')`), JSON.stringify({ content: PAGE_TEXT }).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).replace(/^\{"content":/, '{"content": '));
    assert.ok((await run(`fetch_url_content(url='${base}/tea')`)).startsWith('{"content": "<html><head><title>Da Hong Pao &mdash; Tea</title>'));
    const refused = memoryIo({ ...ENV(), EVALFLOW_WEB_FETCH_PRIVATE: undefined });
    const r = await executeWebSearchCall(parseCallListFull(`fetch_url_content(url='${base}/tea')`)[0]!, true, refused.io);
    assert.match(r, /^\{"error": "An error occurred while fetching .*refused to connect to 127\.0\.0\.1, an address of the evaluation worker's own network/);
  });

  it('settings and SerpAPI failures: a missing or rejected key is a ConfigError, a 429 is retried, a dead service throws', async () => {
    const call = parseCallListFull("search_engine_query(keywords='limits')")[0]!;
    const noKey = memoryIo({ EVALFLOW_SERPAPI_URL: `${base}/search.json` });
    await assert.rejects(() => executeWebSearchCall(call, true, noKey.io), (e: Error) => e.name === 'ConfigError' && /SERPAPI_API_KEY/.test(e.message));
    serp['rejected'] = [{ status: 401, body: { error: 'Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key' } }];
    await assert.rejects(
      () => executeWebSearchCall(parseCallListFull("search_engine_query(keywords='rejected')")[0]!, true, memoryIo(ENV()).io),
      (e: Error) => e.name === 'ConfigError' && /Invalid API key/.test(e.message),
    );
    serp['limits'] = [{ status: 429, body: { error: 'Your account has run out of searches.' } }, { body: { organic_results: organic(1) } }];
    const before = hits.filter((h) => h.query.get('q') === 'limits').length;
    assert.match(await executeWebSearchCall(call, true, memoryIo(ENV()).io), /^\[\{'title': 'Result 1'/);
    assert.equal(hits.filter((h) => h.query.get('q') === 'limits').length - before, 2);
    const dead = memoryIo({ ...ENV(), EVALFLOW_SERPAPI_URL: 'http://127.0.0.1:9/search.json' });
    await assert.rejects(
      () => executeWebSearchCall(call, true, dead.io),
      (e: Error) => e.name === 'Error' && /SerpAPI failed 4 times/.test(e.message),
    );
    assert.equal(dead.store.size, 0, 'a failure is not cached');
    await assert.rejects(() => executeWebSearchCall(call, true, undefined), /needs the conversation I\/O/);
  });
});

describe('scoring: agentic_runner + agentic_checker', () => {
  const s = sampleOf('web_search_base_0', 'web_search_base', 'q', ['Zhang Yiming']);
  const seven = sampleOf('web_search_base_1', 'web_search_base', 'q', ['7', 'seven']);
  const calls = [toolCall('search_engine_query', { keywords: 'x' })];

  it('the last reply that is not a call is checked, case/punctuation-insensitively, between word boundaries', () => {
    const right = webSearch.score(s, { content: '', turns: [...calls, text("{'answer': 'ZHANG YI-MING', 'context': 'Forbes, April 2025'}")] }, 'native');
    assert.equal(right.correct, true);
    assert.equal(right.details?.steps, 1);
    assert.equal(webSearch.score(seven, { content: '', turns: [text("{'answer': '17 games'}")] }, 'native').correct, false);
    assert.equal(webSearch.score(seven, { content: '', turns: [text("{'answer': 'Seven'}")] }, 'native').correct, true);
    const wrong = webSearch.score(s, { content: '', turns: [...calls, text("{'answer': 'Zhong Shanshan'}")] }, 'native');
    assert.equal(wrong.correct, false);
    assert.equal(wrong.details?.error_type, 'agentic:answer_not_found');
  });

  it('no answer message (only calls, e.g. force-quit) or an empty last one → agentic:no_last_message', () => {
    const quit = webSearch.score(s, { content: '', turns: Array.from({ length: 21 }, () => calls[0]!) }, 'native');
    assert.deepEqual([quit.correct, quit.predicted, quit.details?.error_type], [false, null, 'agentic:no_last_message']);
    assert.equal(webSearch.score(s, { content: '', turns: [text('Zhang Yiming'), text('')] }, 'native').details?.error_type, 'agentic:no_last_message');
  });

  it('prompt mode: text that parses as calls is a step, other text is the answer', () => {
    const r = webSearch.score(s, { content: '', turns: [text("[search_engine_query(keywords='Zhang Yiming')]"), text('The answer is Zhang Yiming.')] }, 'prompt');
    assert.equal(r.correct, true);
    assert.equal(webSearch.score(s, { content: '', turns: [text("[search_engine_query(keywords='Zhang Yiming')]")] }, 'prompt').correct, false);
  });

  it('standardize_string and the Unicode word boundary', () => {
    assert.equal(standardizeString("April 1, 2024 (Mon.) -- it's"), 'april 1 2024 mon  it"s');
    assert.equal(agenticChecker('April 1 2024', ['April 1, 2024']).valid, true);
    assert.equal(agenticChecker('Aprils 1 2024', ['April 1, 2024']).valid, false);
    assert.equal(agenticChecker('答案是张一鸣', ['张一鸣']).valid, false, 'Python \\b: CJK letters are word characters');
    assert.equal(agenticChecker('答案: 张一鸣', ['张一鸣']).valid, true);
    assert.equal(agenticChecker('costs $5', ['$5']).valid, false, 'a leading non-word character needs a word character before it');
  });
});

describe('page conversion (reference output of html2text 2025.4.15 and BeautifulSoup 4.15 html.parser on the same page)', () => {
  it('markdown mode = HTML2Text().handle(html)', () => {
    assert.equal(pageMarkdown(PAGE), PAGE_MARKDOWN);
  });
  it('truncate mode = get_text("\\n", strip=True) without script/style', () => {
    assert.equal(pageText(PAGE), PAGE_TEXT);
  });
  it('body decoding and address checks', () => {
    assert.equal(decodeBody(Buffer.from('caf\u00e9', 'latin1'), 'text/html'), 'caf\u00e9');
    assert.equal(decodeBody(Buffer.from('caf\u00e9', 'utf8'), 'text/html; charset=UTF-8'), 'caf\u00e9');
    assert.equal(decodeBody(Buffer.from('{"a":"\u00e9"}', 'utf8'), 'application/json'), '{"a":"\u00e9"}');
    assert.ok(isPrivateAddress('127.0.0.1') && isPrivateAddress('10.1.2.3') && isPrivateAddress('169.254.169.254') && isPrivateAddress('::1') && isPrivateAddress('fd00::1'));
    assert.ok(!isPrivateAddress('93.184.216.34') && !isPrivateAddress('2606:4700::1111'));
  });
});

// Reference outputs produced by html2text 2025.4.15 / beautifulsoup4 4.15.0 (Python) for PAGE.
const PAGE = "<html><head><title>Da Hong Pao &mdash; Tea</title><style>p{color:red}</style><script>var x = '<b>';</script></head><body><h1>Da Hong Pao</h1><p>Da Hong Pao (<i>Big Red Robe</i>) is a <b>Wuyi</b> rock tea from Fujian Province, China &amp; one of the most expensive teas in the world, at over $1,000&nbsp;per gram.</p><ul><li>First item</li><li>Second <a href=\"https://example.com/x\">link</a></li></ul><ol start=\"3\"><li>three</li><li>four</li></ol><p>See <a href=\"https://example.com/\">https://example.com/</a> and <a href=\"#top\">top</a>.</p><table><tr><th>Year</th><th>Price</th></tr><tr><td>2002</td><td>$28,000</td></tr></table><pre>code\n  indented</pre><blockquote>Quoted text</blockquote><hr><p>1. not a list<br>caf&eacute; &#8217;q&#8217; &copy; 2025 AT&T</p><img src=\"/a.png\" alt=\"An image\"><!-- comment --><p>Long paragraph: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua, well-known state-of-the-art.</p></body></html>";
const PAGE_MARKDOWN = "# Da Hong Pao\n\nDa Hong Pao (_Big Red Robe_) is a **Wuyi** rock tea from Fujian Province,\nChina & one of the most expensive teas in the world, at over $1,000 per gram.\n\n  * First item\n  * Second [link](https://example.com/x)\n\n  3. three\n  4. four\n\nSee <https://example.com/> and top.\n\nYear| Price  \n---|---  \n2002| $28,000  \n      \n    \n    code\n      indented\n\n> Quoted text\n\n* * *\n\n1\\. not a list  \ncafe 'q' (C) 2025 AT&T;\n\n![An image](/a.png)\n\nLong paragraph: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed\ndo eiusmod tempor incididunt ut labore et dolore magna aliqua, well-known\nstate-of-the-art.\n\n";
const PAGE_TEXT = "Da Hong Pao \u2014 Tea\nDa Hong Pao\nDa Hong Pao (\nBig Red Robe\n) is a\nWuyi\nrock tea from Fujian Province, China & one of the most expensive teas in the world, at over $1,000\u00a0per gram.\nFirst item\nSecond\nlink\nthree\nfour\nSee\nhttps://example.com/\nand\ntop\n.\nYear\nPrice\n2002\n$28,000\ncode\n  indented\nQuoted text\n1. not a list\ncaf\u00e9 \u2019q\u2019 \u00a9 2025 AT&T\nLong paragraph: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua, well-known state-of-the-art.";

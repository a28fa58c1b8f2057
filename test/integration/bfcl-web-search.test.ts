/**
 * ns_bfcl_v4 web search end to end on real Temporal + MinIO: two real BFCL
 * v4 web search questions (written to a private dataset directory in BFCL's
 * layout, the other categories' files empty), run with
 * `++bfcl_agentic=web_search` and dataset_split web_search_base. A scripted
 * function-calling "model" (not a language model) searches, fetches the page
 * the search found and answers in BFCL's {'answer': …} format — right for
 * web_search_0, wrong for web_search_1 — through native tool calls. The
 * search goes to a fake SerpAPI and the page to a fake site, both on
 * 127.0.0.1. results.json must hold exactly 50 % for web_search_base, the
 * fake SerpAPI must have seen each distinct query once (the conversation is
 * replayed round by round; every search is cached), and the memory
 * categories must be listed under not_run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { writeEmptyCategories } from '../support/bfcl-model';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

type Row = { id: string; question: { role: string; content: string }[][] };

/** The planned questions: how the model answers each, what it searches for, what the page says. */
const PLAN: Record<string, { how: 'right' | 'wrong'; query: string; page: string; answer: string }> = {
  web_search_0: { how: 'right', query: 'richest billionaire China Forbes April 2025', page: '/forbes', answer: 'Zhang Yiming' },
  web_search_1: { how: 'wrong', query: 'Dallas Cowboys 2024 record', page: '/cowboys', answer: '8' },
};

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
let web: http.Server;
let webUrl = '';
let dataDir = '';
const searches: string[] = [];
const pages: string[] = [];
const byQuestion = new Map<string, string>();

function readLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A private dataset directory in BFCL's layout holding only the planned web search questions. */
function writeData(dir: string): void {
  const src = path.join(datasetsDir(), 'bfcl_v4');
  const out = path.join(dir, 'bfcl_v4');
  fs.mkdirSync(path.join(out, 'possible_answer'), { recursive: true });
  fs.cpSync(path.join(src, 'multi_turn_func_doc'), path.join(out, 'multi_turn_func_doc'), { recursive: true });
  const rows = readLines(path.join(src, 'BFCL_v4_web_search.json')).filter((r) => (r.id as string) in PLAN) as Row[];
  const answers = readLines(path.join(src, 'possible_answer', 'BFCL_v4_web_search.json')).filter((r) => (r.id as string) in PLAN);
  assert.equal(rows.length, 2);
  fs.writeFileSync(path.join(out, 'BFCL_v4_web_search.json'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'possible_answer', 'BFCL_v4_web_search.json'), answers.map((r) => JSON.stringify(r)).join('\n') + '\n');
  for (const r of rows) byQuestion.set(r.question[0]!.find((m) => m.role === 'user')!.content, r.id);
  writeEmptyCategories(out, []);
  fs.writeFileSync(path.join(out, 'BFCL_v4_memory.json'), '');
}

/** The scripted model: search, then fetch the first result, then answer. */
function answer(req: FakeRequest): FakeReply {
  const msgs = req.messages ?? [];
  const id = byQuestion.get(msgs.find((m) => m.role === 'user')?.content ?? '');
  if (!id) return { content: 'not a prompt of this test' };
  assert.ok(Array.isArray(req.body.tools) && (req.body.tools as unknown[]).length === 2, 'native mode: the two WebSearchAPI tools');
  assert.match(msgs[0]!.content, /you must respond in this format: \{'answer'/);
  const plan = PLAN[id]!;
  const results = msgs.filter((m) => m.role === 'tool');
  if (results.length === 0) return { content: '', tool_calls: [{ name: 'search_engine_query', arguments: JSON.stringify({ keywords: plan.query, max_results: 3 }) }] };
  if (results.length === 1) {
    const href = /'href': '([^']+)'/.exec(results[0]!.content)?.[1];
    assert.ok(href, `the search results hold a link: ${results[0]!.content}`);
    return { content: '', tool_calls: [{ name: 'fetch_url_content', arguments: JSON.stringify({ url: href, mode: 'truncate' }) }] };
  }
  assert.match(results[1]!.content, /^\{"content": /);
  return { content: `{'answer': '${plan.answer}', 'context': 'From the page: ${JSON.parse(results[1]!.content).content.split('\n')[0]}'}` };
}

before(async () => {
  web = http.createServer((req, res) => {
    const u = new URL(req.url!, 'http://127.0.0.1');
    if (u.pathname === '/search.json') {
      assert.equal(u.searchParams.get('api_key'), 'test-serpapi-key');
      assert.equal(u.searchParams.get('engine'), 'duckduckgo');
      const q = u.searchParams.get('q') ?? '';
      searches.push(q);
      const plan = Object.values(PLAN).find((p) => p.query === q);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(plan ? { organic_results: [{ position: 1, title: `About ${q}`, link: `${webUrl}${plan.page}`, snippet: `A page about ${q}` }] } : { error: 'no results' }));
      return;
    }
    pages.push(u.pathname);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<html><head><title>${u.pathname.slice(1)}</title><script>var t = 1;</script></head><body><h1>Page ${u.pathname}</h1><p>Some facts.</p></body></html>`);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  // Settings the worker reads (it runs in this process): the SerpAPI key and endpoint, and page fetches to 127.0.0.1.
  Object.assign(process.env, { SERPAPI_API_KEY: 'test-serpapi-key', EVALFLOW_SERPAPI_URL: `${webUrl}/search.json`, EVALFLOW_WEB_FETCH_PRIVATE: 'allow' });
  env = await startEnv('bfcl-web-search');
  dataDir = path.join(env.stack.dir, 'bfcl-web-search-data');
  writeData(dataDir);
  ep = await startFakeEndpoint({ port: 0, models: ['fc-model'], answer });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
  await new Promise<void>((r) => (web ? web.close(() => r()) : r()));
  for (const k of ['SERPAPI_API_KEY', 'EVALFLOW_SERPAPI_URL', 'EVALFLOW_WEB_FETCH_PRIVATE']) delete process.env[k];
});

test('ns_bfcl_v4 web_search_base, native tool calls: search → fetch → answer against fake SerpAPI and pages → exact results.json', async () => {
  const runId = 'bfcl-web-search-1';
  await startEvaluation({
    runId,
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'fc-model' } },
      evaluation: {
        tasks: [
          {
            name: 'ns_bfcl_v4',
            dataset_dir: dataDir,
            nemo_evaluator_config: { config: { params: { parallelism: 2, request_timeout: 10, max_retries: 3, extra: { dataset_split: 'web_search_base', args: '++bfcl_agentic=web_search' } } } },
          },
        ],
      },
    },
  });
  await env.client.workflow.getHandle(runId).result();
  const results = (await env.store.getJson<NemoResults>(keys.results(runId, 'ns_bfcl_v4')))!;
  const groups = results.results.groups!;
  const acc = groups['ns_bfcl_v4/web_search_base']!.metrics['pass@1']!.scores.accuracy!;
  assert.equal(acc.value, 50);
  assert.equal(groups['ns_bfcl_v4/web_search_no_snippet'], undefined);
  // Each distinct query reached SerpAPI once, each page was fetched once, although every round replayed the conversation.
  assert.deepEqual([...searches].sort(), Object.values(PLAN).map((p) => p.query).sort());
  assert.deepEqual([...pages].sort(), ['/cowboys', '/forbes']);
  // Three model calls per unit: search, fetch, answer.
  assert.equal(ep.stats().succeeded, 6);
  const task = results.results.tasks.ns_bfcl_v4!;
  for (const c of ['memory_kv', 'memory_vector', 'memory_rec_sum']) assert.ok(task.not_run?.[c], `${c} listed under not_run: ${JSON.stringify(task.not_run)}`);
  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${runId}/ns_bfcl_v4/scores/shard-`)) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  const byId = Object.fromEntries(scores.map((s) => [s.sample_id, s]));
  assert.equal(byId.web_search_base_0!.correct, true);
  assert.equal(byId.web_search_base_1!.correct, false);
  assert.equal((byId.web_search_base_1!.details as Record<string, unknown>).error_type, 'agentic:answer_not_found');
});

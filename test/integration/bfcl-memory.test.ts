/**
 * ns_bfcl_v4 memory categories end to end on real Temporal + MinIO, with
 * `++bfcl_agentic=memory`, from real BFCL v4 rows (EVALFLOW_DATASETS_DIR/
 * bfcl_v4): two notetaker questions and the first two prerequisite
 * conversations of their scenario, written to a private dataset directory in
 * BFCL's layout (the other categories' files empty). A scripted model (NOT a
 * language model) stores one fact with the memory tools during the
 * prerequisites, then for each question retrieves it from memory and answers
 * from the tool result — rightly for the first question, wrongly for the
 * second — on all three backends (memory_vector through a fake embeddings
 * server on 127.0.0.1). results.json must hold exactly 50% per memory
 * category and list web search as not run; the fake model endpoint must have
 * served every distinct request once (the prerequisite requests both units
 * send are paid once), and the embeddings server every distinct text once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults } from '../../lib/records/artifacts';
import type { GenerationRecord } from '../../lib/records/artifacts';
import { writeEmptyCategories } from '../support/bfcl-model';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

const SRC = () => path.join(datasetsDir(), 'bfcl_v4');
const QUESTIONS = ['memory_130-notetaker-0', 'memory_131-notetaker-1'];
/** The first question's answer ("08:00 AM"), stored during the prerequisites. */
const FACT = '08:00 AM';
const PREREQ_SESSIONS = 2;

function readLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A private dataset directory: the two questions, their answers, two prerequisite sessions, the docs, other files empty. */
function writeDataset(dir: string): { firstPrereqTurn: string; prereqTurns: number } {
  const out = path.join(dir, 'bfcl_v4');
  fs.mkdirSync(path.join(out, 'possible_answer'), { recursive: true });
  fs.mkdirSync(path.join(out, 'memory_prereq_conversation'), { recursive: true });
  fs.cpSync(path.join(SRC(), 'multi_turn_func_doc'), path.join(out, 'multi_turn_func_doc'), { recursive: true });
  const lines = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const qs = readLines(path.join(SRC(), 'BFCL_v4_memory.json')).filter((r) => QUESTIONS.includes(r.id as string));
  const as = readLines(path.join(SRC(), 'possible_answer', 'BFCL_v4_memory.json')).filter((r) => QUESTIONS.includes(r.id as string));
  assert.equal(qs.length, 2);
  assert.deepEqual(as.map((a) => a.ground_truth), [[FACT], ['Friday']]);
  fs.writeFileSync(path.join(out, 'BFCL_v4_memory.json'), lines(qs));
  fs.writeFileSync(path.join(out, 'possible_answer', 'BFCL_v4_memory.json'), lines(as));
  const prereqs = readLines(path.join(SRC(), 'memory_prereq_conversation', 'memory_notetaker.json')).slice(0, PREREQ_SESSIONS);
  fs.writeFileSync(path.join(out, 'memory_prereq_conversation', 'memory_notetaker.json'), lines(prereqs));
  writeEmptyCategories(out, []);
  const turns = prereqs.map((p) => p.question as { content: string }[][]);
  return { firstPrereqTurn: turns[0]![0]![0]!.content, prereqTurns: turns.reduce((a, t) => a + t.length, 0) };
}

/** The scripted model: stores FACT at the very first prerequisite turn, retrieves it for the questions. */
function scriptedModel(firstPrereqTurn: string, questions: string[]) {
  return (req: FakeRequest): FakeReply => {
    const msgs = req.messages ?? [];
    const tools = ((req.body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name);
    const backend = tools.includes('memory_append') ? 'rec_sum' : tools.includes('core_memory_update') ? 'vector' : 'kv';
    const call = (name: string, args: Record<string, unknown>): FakeReply => ({ content: '', tool_calls: [{ name, arguments: JSON.stringify(args) }] });
    const last = msgs[msgs.length - 1]!;
    const question = msgs.some((m) => m.role === 'system' && m.content.includes('For your final answer to the user'));
    if (!question) {
      if (last.role === 'tool') return { content: 'Noted.' };
      if (last.role === 'user' && last.content === firstPrereqTurn && !msgs.some((m) => m.role === 'assistant')) {
        if (backend === 'kv') return call('core_memory_add', { key: 'daycare_drop_off', value: FACT });
        if (backend === 'rec_sum') return call('memory_append', { text: `Daycare drop-off: ${FACT}.` });
        return call('archival_memory_add', { text: `Daycare drop-off is at ${FACT}` });
      }
      return { content: 'Okay.' };
    }
    const asked = msgs.find((m) => m.role === 'user')!.content;
    if (last.role === 'user') {
      if (backend === 'kv') return call('core_memory_retrieve', { key: 'daycare_drop_off' });
      if (backend === 'rec_sum') return call('memory_retrieve', {});
      return call('archival_memory_retrieve', { query: asked, top_k: 1 });
    }
    // After the retrieval: the first question is answered from the tool result, the second wrongly.
    if (asked === questions[0]) {
      const found = /\d\d:\d\d [AP]M/.exec(last.content)?.[0];
      return { content: found ? `{'answer': '${found}', 'context': 'from my memory'}` : "{'answer': 'I do not know', 'context': 'I do not know'}" };
    }
    return { content: "{'answer': 'Monday', 'context': 'a guess'}" };
  };
}

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
let embeddings: http.Server;
const embeddingHits: string[] = [];
let dataDir = '';
let prereqTurns = 0;

before(async () => {
  env = await startEnv('bfcl-memory');
  dataDir = path.join(env.stack.dir, 'bfcl-memory-data');
  const written = writeDataset(dataDir);
  prereqTurns = written.prereqTurns;
  const questions = readLines(path.join(dataDir, 'bfcl_v4', 'BFCL_v4_memory.json')).map((q) => (q.question as { content: string }[][])[0]![0]!.content);
  ep = await startFakeEndpoint({ port: 0, models: ['fc-model'], answer: scriptedModel(written.firstPrereqTurn, questions) });
  // A fake OpenAI-compatible embeddings server: letter counts, deterministic.
  embeddings = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { input, model } = JSON.parse(body) as { input: string; model: string };
      embeddingHits.push(input);
      const v = new Array<number>(26).fill(0.1);
      for (const ch of input.toLowerCase()) if (ch >= 'a' && ch <= 'z') v[ch.charCodeAt(0) - 97]! += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: v }], model }));
    });
  });
  await new Promise<void>((r) => embeddings.listen(0, '127.0.0.1', r));
  // Worker settings are read from this process's environment (the worker runs in-process).
  process.env.EVALFLOW_EMBEDDINGS_URL = `http://127.0.0.1:${(embeddings.address() as AddressInfo).port}/v1`;
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await new Promise<void>((r) => (embeddings ? embeddings.close(() => r()) : r()));
  delete process.env.EVALFLOW_EMBEDDINGS_URL;
  await env?.close();
});

test('ns_bfcl_v4 ++bfcl_agentic=memory: prerequisites played once per backend, one right and one wrong answer each → exact results.json', async () => {
  const runId = 'bfcl-memory-1';
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
            nemo_evaluator_config: { config: { params: { parallelism: 4, request_timeout: 10, max_retries: 3, extra: { args: '++bfcl_agentic=memory' } } } },
          },
        ],
      },
    },
  });
  await env.client.workflow.getHandle(runId).result();
  const results = (await env.store.getJson<NemoResults>(keys.results(runId, 'ns_bfcl_v4')))!;
  const groups = results.results.groups!;
  for (const category of ['memory_kv', 'memory_vector', 'memory_rec_sum']) {
    const acc = groups[`ns_bfcl_v4/${category}`]?.metrics['pass@1']?.scores.accuracy?.value;
    assert.equal(acc, 50, `${category}: one of two questions right`);
  }
  const notRun = results.results.tasks.ns_bfcl_v4!.not_run!;
  assert.ok(notRun.web_search_base, 'web_search_base listed as not run');
  assert.ok(notRun.web_search_no_snippet, 'web_search_no_snippet listed as not run');
  for (const c of ['memory_kv', 'memory_vector', 'memory_rec_sum']) assert.equal(notRun[c], undefined, `${c} ran`);

  // Per backend: the prerequisites (the storing turn takes two calls, every other turn one) are
  // sent by both units but served once; each question takes a retrieval and an answer.
  const prereqRequests = prereqTurns + 1;
  const served = ep.stats().servedByPayload;
  assert.ok(Object.values(served).every((n) => n === 1), `a request was served twice: ${JSON.stringify(Object.values(served))}`);
  assert.equal(Object.keys(served).length, 3 * (prereqRequests + 2 * 2));
  assert.equal(ep.stats().succeeded, 3 * (prereqRequests + 2 * 2));

  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list(`runs/${runId}/ns_bfcl_v4/generations/`)) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  assert.equal(gens.length, 6);
  for (const g of gens) assert.equal(g.turns!.length, prereqRequests + 2, `${g.sample_id}: the prerequisites, a retrieval and the answer`);
  assert.match(gens.find((g) => g.sample_id === 'memory_vector_130-notetaker-0')!.content, /08:00 AM/);

  // Embeddings: the stored text and the two questions, each fetched once.
  assert.equal(embeddingHits.length, new Set(embeddingHits).size);
  assert.equal(embeddingHits.length, 3);
});

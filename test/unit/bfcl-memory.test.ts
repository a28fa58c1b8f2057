import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import type { ConversationIO, NextRequest } from '../../benchmarks/types';
import type { DatasetFileReader } from '../../lib/records/benchmark-data';
import type { ChatMessage, Sample, ToolCall, TurnResponse } from '../../lib/records/messages';
import { parsePythonCalls } from '../../benchmarks/bfcl/parse';
import { MAXIMUM_STEP_LIMIT, promptingSystemPrompt } from '../../benchmarks/bfcl/multi-turn/index';
import {
  AGENTIC_RESPONSE_FORMAT,
  MAX_PREREQ_TURNS,
  MEMORY_MAX_CALLS,
  type MemoryItem,
  memory,
  memoryRequest,
  scoreMemory,
} from '../../benchmarks/bfcl/agentic/memory/index';
import { MemoryKv, MemoryRecSum, MemoryVector, bm25PlusScores, executeMemoryCall, makeBackend, type MemoryBackend } from '../../benchmarks/bfcl/agentic/memory/backends';
import { agenticChecker, standardizeString } from '../../benchmarks/bfcl/agentic/checker';
import { DEFAULT_EMBEDDINGS_MODEL, cachedEmbedder, embeddingKey, embeddingsConfig } from '../../benchmarks/bfcl/agentic/memory/embeddings';
import { enabledAgenticCategories } from '../../benchmarks/bfcl/agentic/index';
import { bfclV4 } from '../../benchmarks/bfcl/index';

const DATA_ROOT = process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets';

/** A DatasetFileReader over the real dataset directory (JSON lines, read in place). */
const realReader: DatasetFileReader = async (path) => {
  const file = join(DATA_ROOT, path);
  if (!existsSync(join(DATA_ROOT, 'bfcl_v4'))) throw new Error(`BFCL v4 data not found under ${DATA_ROOT}/bfcl_v4: set EVALFLOW_DATASETS_DIR to the directory holding bfcl_v4/`);
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

const call = (s: string) => parsePythonCalls(s)[0]!;
const run = (api: MemoryBackend, s: string) => executeMemoryCall(api, call(s));

// ---------------------------------------------------------------------------
// Synthetic items and scripted replies

const KV_DOCS = [
  { name: 'core_memory_add', description: 'Add a key-value pair to the short-term memory.', parameters: { type: 'dict', properties: { key: { type: 'string' }, value: { type: 'string' } }, required: ['key', 'value'] } },
  { name: 'core_memory_retrieve', description: 'Retrieve a value.', parameters: { type: 'dict', properties: { key: { type: 'string' } }, required: ['key'] } },
];

function item(backend: 'kv' | 'vector' | 'rec_sum', question = 'What is my first name?', n = 0): MemoryItem {
  const category = `memory_${backend}`;
  return {
    id: `${category}_${n}-customer-${n}`,
    category,
    backend,
    scenario: 'customer',
    prereqs: [
      { id: `${category}_prereq_0-customer-0`, turns: [[{ role: 'user', content: 'Hi, my name is Michael.' }], [{ role: 'user', content: 'I live in Seattle.' }]] },
      { id: `${category}_prereq_1-customer-1`, turns: [[{ role: 'user', content: 'Back again, about my order.' }]] },
    ],
    question: { id: `${category}_${n}-customer-${n}`, turns: [[{ role: 'user', content: question }]] },
    functions: KV_DOCS,
    ground_truth: ['Michael'],
  };
}

let ids = 0;
const tc = (name: string, args: Record<string, unknown>): ToolCall => ({ id: `call_${ids++}`, type: 'function', function: { name, arguments: JSON.stringify(args) } });
const calls = (...c: ToolCall[]): TurnResponse => ({ content: '', tool_calls: c });
const text = (content: string): TurnResponse => ({ content });

/** The native replies of a model that stores the name in session 1 and answers `answer`. */
function kvScript(answer: string): TurnResponse[] {
  return [
    calls(tc('core_memory_add', { key: 'first_name', value: 'Michael' })), // session 0, turn 0: a step
    text('Nice to meet you, Michael!'), // ends turn 0
    text('Seattle is lovely.'), // session 0, turn 1
    text('Sure, what about the order?'), // session 1, turn 0
    calls(tc('core_memory_retrieve', { key: 'first_name' })), // question: a step
    text(answer), // the answer
  ];
}

async function conversation(it: MemoryItem, replies: TurnResponse[], mode: 'native' | 'prompt', io?: ConversationIO): Promise<(NextRequest | null)[]> {
  const out: (NextRequest | null)[] = [];
  for (let i = 1; i <= replies.length; i++) out.push(await memoryRequest(it, replies.slice(0, i), mode, io));
  return out;
}

function sample(it: MemoryItem): Sample {
  return { id: it.id, subset: it.category, expected: JSON.stringify(it.ground_truth), data: { category: it.category, memory: it } };
}

// ---------------------------------------------------------------------------

describe('bfcl memory_kv backend', () => {
  it('adds, retrieves, replaces, removes, lists and clears, with the reference status strings', async () => {
    const kv = new MemoryKv();
    assert.equal(await run(kv, "core_memory_add(key='first_name', value='Michael')"), '{"status": "Key-value pair added."}');
    assert.equal(await run(kv, "archival_memory_add(key='order_id', value=12345)"), '{"status": "Key added."}');
    assert.equal(await run(kv, "core_memory_retrieve(key='first_name')"), '{"value": "Michael"}');
    assert.equal(await run(kv, "archival_memory_retrieve(key='order_id')"), '{"value": "12345"}', 'str(value) is stored');
    assert.equal(await run(kv, "core_memory_replace(key='first_name', value='Mike')"), '{"status": "Key replaced."}');
    assert.equal(await run(kv, 'core_memory_list_keys()'), '{"keys": ["first_name"]}');
    assert.equal(await run(kv, 'core_memory_retrieve_all()'), '{"first_name": "Mike"}');
    assert.equal(await run(kv, "archival_memory_remove(key='order_id')"), '{"status": "Key removed."}');
    assert.equal(await run(kv, 'archival_memory_list_keys()'), '{"keys": []}');
    assert.equal(await run(kv, 'core_memory_clear()'), '{"status": "Short term memory cleared."}');
    assert.equal(await run(kv, 'archival_memory_clear()'), '{"status": "Long term memory cleared."}');
    assert.equal(await run(kv, 'core_memory_retrieve_all()'), '{}');
  });

  it('error paths: full memory, long entries, key format, duplicates, missing keys', async () => {
    const kv = new MemoryKv();
    for (let i = 0; i < 7; i++) assert.equal(await run(kv, `core_memory_add(key='k_${i}', value='v')`), '{"status": "Key-value pair added."}');
    assert.equal(await run(kv, "core_memory_add(key='k_x', value='v')"), '{"error": "Core memory is full. Please clear some entries."}');
    const kv2 = new MemoryKv();
    assert.equal(await run(kv2, `core_memory_add(key='a', value='${'x'.repeat(301)}')`), '{"error": "Entry is too long. Please shorten the entry to less than 300 characters."}');
    assert.equal(await run(kv2, `core_memory_add(key='a', value='${'x'.repeat(300)}')`), '{"status": "Key-value pair added."}');
    assert.equal(await run(kv2, `archival_memory_add(key='b', value='${'x'.repeat(2001)}')`), '{"error": "Entry is too long. Please shorten the entry to less than 2000 characters."}');
    // Python len counts code points: 300 emoji fit.
    assert.equal(await run(kv2, `archival_memory_add(key='emoji', value='${'😀'.repeat(2000)}')`), '{"status": "Key added."}');
    for (const bad of ['First Name', 'firstName', '1st', 'a__b', '_a', 'a_']) {
      assert.equal(await run(kv2, `core_memory_add(key='${bad}', value='v')`), '{"error": "Key must be in snake_case format and cannot contain spaces."}', bad);
    }
    assert.equal(await run(kv2, "core_memory_add(key='a', value='again')"), '{"error": "Key name must be unique."}');
    assert.equal(await run(kv2, "core_memory_retrieve(key='nope')"), '{"error": "Key not found."}');
    assert.equal(await run(kv2, "core_memory_remove(key='nope')"), '{"error": "Key not found."}');
    assert.equal(await run(kv2, "archival_memory_replace(key='nope', value='v')"), '{"error": "Key not found."}');
    assert.equal(await run(kv2, "core_memory_replace(key='a', value='" + 'y'.repeat(301) + "')"), '{"error": "Entry is too long. Please shorten the entry to less than 300 characters."}');
    const arch = new MemoryKv();
    for (let i = 0; i < 50; i++) await run(arch, `archival_memory_add(key='k_${i}', value='v')`);
    assert.equal(await run(arch, "archival_memory_add(key='k_x', value='v')"), '{"error": "Long term memory is full. Please clear some entries."}');
  });

  it('key search ranks keys with BM25+ (rank_bm25 defaults) and slices to k', async () => {
    const kv = new MemoryKv();
    assert.equal(await run(kv, "core_memory_key_search(query='name')"), '{"ranked_results": []}', 'an empty memory has nothing to rank');
    await run(kv, "core_memory_add(key='user_age', value='35')");
    await run(kv, "core_memory_add(key='user_name', value='Michael')");
    // idf(name) = ln 3 − ln 1; tf 1 in a 2-token key at avgdl 2 → idf·(1 + 2.5/2.5); no match → idf·1 (BM25+'s delta).
    assert.equal(await run(kv, "core_memory_key_search(query='Name')"), '{"ranked_results": [[2.1972245773362196, "user_name"], [1.0986122886681098, "user_age"]]}');
    assert.equal(await run(kv, "core_memory_key_search(query='name', k=1)"), '{"ranked_results": [[2.1972245773362196, "user_name"]]}');
    // Ties keep insertion order (Python's stable sort with reverse=True).
    assert.equal(await run(kv, "core_memory_key_search(query='unrelated')"), '{"ranked_results": [[0.0, "user_age"], [0.0, "user_name"]]}');
    assert.deepEqual(bm25PlusScores(['a b', 'c'], 'b b'), [2 * 1.0986122886681098 * (1 + 2.5 / (1.5 * (0.25 + 0.75 * (2 / 1.5)) + 1)), 2 * 1.0986122886681098], 'BM25+ delta scores a key without the term too');
    assert.equal(await run(kv, "core_memory_key_search(query='x', k='2')"), 'Error during execution: slice indices must be integers or None or have an __index__ method');
    assert.equal(await run(kv, 'core_memory_key_search(query=3)'), "Error during execution: 'int' object has no attribute 'replace'");
  });

  it('Python argument errors, unknown and private names', async () => {
    const kv = new MemoryKv();
    assert.equal(await run(kv, "core_memory_add(key='a')"), "Error during execution: MemoryAPI_kv.core_memory_add() missing 1 required positional argument: 'value'");
    assert.equal(await run(kv, 'core_memory_add()'), "Error during execution: MemoryAPI_kv.core_memory_add() missing 2 required positional arguments: 'key' and 'value'");
    assert.equal(await run(kv, "core_memory_retrieve(name='a')"), "Error during execution: MemoryAPI_kv.core_memory_retrieve() got an unexpected keyword argument 'name'");
    assert.equal(await run(kv, 'archival_memory_retrieve_all()'), "Error during execution: name 'archival_memory_retrieve_all' is not defined");
    assert.equal(await run(kv, '_flush_memory_to_local_file()'), "Error during execution: name '_flush_memory_to_local_file' is not defined");
    assert.equal(await run(kv, "core_memory_retrieve(key=['a'])"), "Error during execution: unhashable type: 'list'");
  });

  it('shows the core memory in context as json.dumps(indent=4), or says it is empty', async () => {
    const kv = new MemoryKv();
    assert.equal(kv.dumpToContext(), 'There is no content in the core memory at this point.');
    await run(kv, "core_memory_add(key='city', value='Zürich')");
    await run(kv, "core_memory_add(key='age', value='35')");
    await run(kv, "archival_memory_add(key='not_shown', value='x')");
    assert.equal(kv.dumpToContext(), '{\n    "city": "Z\\u00fcrich",\n    "age": "35"\n}');
  });
});

describe('bfcl memory_rec_sum backend', () => {
  it('appends, updates, replaces, retrieves and clears one string of at most 10 000 characters', async () => {
    const m = new MemoryRecSum();
    assert.equal(m.dumpToContext(), 'There is no content in the memory at this point.');
    assert.equal(await run(m, 'memory_retrieve()'), '{"error": "Memory is empty."}');
    assert.equal(await run(m, "memory_append(text='Name: Michael. ')"), '{"status": "Memory appended."}');
    assert.equal(await run(m, "memory_append(text='City: Seattle.')"), '{"status": "Memory appended."}');
    assert.equal(await run(m, 'memory_retrieve()'), '{"memory_content": "Name: Michael. City: Seattle."}');
    assert.equal(await run(m, "memory_replace(old_text='Seattle', new_text='Tacoma')"), '{"status": "Memory updated."}');
    assert.equal(m.dumpToContext(), 'Name: Michael. City: Tacoma.');
    assert.equal(await run(m, "memory_replace(old_text='Paris', new_text='x')"), `{"error": "Text 'Paris' not found in memory."}`);
    assert.equal(await run(m, `memory_append(text='${'x'.repeat(10000)}')`), '{"error": "Entry will be too long after appending. Please shorten the entry to less than 10000 characters."}');
    assert.equal(await run(m, `memory_update(text='${'x'.repeat(10001)}')`), '{"error": "Entry will be too long after updating. Please shorten the entry to less than 10000 characters."}');
    assert.equal(await run(m, `memory_replace(old_text='Name', new_text='${'x'.repeat(10001)}')`), '{"error": "Entry will be too long after replacing. Please shorten the entry to less than 10000 characters."}');
    assert.equal(await run(m, "memory_update(text='fresh')"), '{"status": "Memory updated."}');
    assert.equal(await run(m, "memory_replace(old_text='', new_text='-')"), '{"status": "Memory updated."}');
    assert.equal(m.memory, '-f-r-e-s-h-', "Python's str.replace with an empty old text");
    assert.equal(await run(m, 'memory_clear()'), '{"status": "Short term memory cleared."}');
    assert.equal(m.memory, '');
    assert.equal(await run(m, 'memory_append()'), "Error during execution: MemoryAPI_rec_sum.memory_append() missing 1 required positional argument: 'text'");
  });
});

/** Deterministic fake embeddings: letter counts a–z (similar texts get similar vectors). */
function letterVector(t: string): number[] {
  const v = new Array<number>(26).fill(0);
  for (const ch of t.toLowerCase()) {
    const c = ch.charCodeAt(0) - 97;
    if (c >= 0 && c < 26) v[c]! += 1;
  }
  v[25]! += 0.5; // never all-zero
  return v;
}

describe('bfcl memory_vector backend', () => {
  const embed = async (texts: string[]) => texts.map(letterVector);

  it('adds with sequential ids, removes, updates, clears (ids restart), with the reference strings', async () => {
    const m = new MemoryVector(embed);
    assert.equal(m.dumpToContext(), '{}', 'the VectorStore object is always truthy: an empty core memory shows as {}');
    assert.equal(await run(m, "core_memory_add(text='likes oat milk lattes')"), '{"id": 0}');
    assert.equal(await run(m, "core_memory_add(text='lives in Seattle')"), '{"id": 1}');
    assert.equal(await run(m, "archival_memory_add(text='order 55 shipped')"), '{"id": 0}', 'each store numbers its own entries');
    assert.equal(m.dumpToContext(), '{\n    "0": "likes oat milk lattes",\n    "1": "lives in Seattle"\n}');
    assert.equal(await run(m, 'core_memory_remove(vec_id=0)'), '{"status": "ID 0 removed from store."}');
    assert.equal(await run(m, 'core_memory_remove(vec_id=0)'), '{"error": "ID 0 not present in store."}');
    assert.equal(await run(m, "core_memory_update(vec_id=1, new_text='lives in Tacoma')"), '{"status": "ID 1 updated."}');
    assert.equal(await run(m, "core_memory_update(vec_id=7, new_text='x')"), '{"error": "ID 7 not present in store."}');
    assert.equal(await run(m, "core_memory_update(vec_id=1, new_text='" + 'x'.repeat(301) + "')"), '{"error": "Entry length exceeds maximum length of 300 characters."}');
    assert.equal(await run(m, 'core_memory_retrieve_all()'), '{"result": [{"id": 1, "text": "lives in Tacoma"}]}');
    assert.equal(await run(m, "core_memory_add(text='" + 'x'.repeat(301) + "')"), '{"error": "Entry length exceeds maximum length of 300 characters."}');
    assert.equal(await run(m, 'core_memory_clear()'), '{"status": "Memory cleared."}');
    assert.equal(await run(m, "core_memory_add(text='again')"), '{"id": 0}', 'clear resets the ids');
    for (let i = 1; i < 7; i++) await run(m, `core_memory_add(text='t${i}')`);
    assert.equal(await run(m, "core_memory_add(text='one too many')"), '{"error": "Memory size exceeds maximum size of 7 entries."}');
    assert.equal(await run(m, "archival_memory_add(text='" + 'y'.repeat(2001) + "')"), '{"error": "Entry length exceeds maximum length of 2000 characters."}');
  });

  it('retrieves by exact inner product of L2-normalised float32 vectors (FAISS IndexFlatIP), top_k capped by the size', async () => {
    const m = new MemoryVector(embed);
    assert.equal(await run(m, "archival_memory_retrieve(query='x')"), '{"result": []}');
    await run(m, "archival_memory_add(text='aaa')");
    await run(m, "archival_memory_add(text='abc')");
    await run(m, "archival_memory_add(text='zzz')");
    const out = JSON.parse(await run(m, "archival_memory_retrieve(query='aab', top_k=2)")) as { result: { id: number; similarity_score: number; text: string }[] };
    assert.deepEqual(out.result.map((r) => r.id), [0, 1], 'aab is nearer aaa (cos 0.897) than abc (cos 0.787)');
    // cosine(aab+0.5z, aaa+0.5z), in float32
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
    assert.ok(Math.abs(out.result[0]!.similarity_score - cos(letterVector('aab'), letterVector('aaa'))) < 1e-6);
    assert.ok(Math.abs(out.result[1]!.similarity_score - cos(letterVector('aab'), letterVector('abc'))) < 1e-6);
    assert.equal(out.result[0]!.similarity_score, Math.fround(out.result[0]!.similarity_score), 'a float32 score');
    const all = JSON.parse(await run(m, "archival_memory_retrieve(query='aab', top_k=10)")) as { result: unknown[] };
    assert.equal(all.result.length, 3, 'min(top_k, size)');
    assert.match(await run(m, "archival_memory_retrieve(query='a', top_k=0)"), /^Error during execution: .*'k > 0' failed/);
    assert.equal(await run(m, "archival_memory_retrieve(query='a', top_k='2')"), "Error during execution: '<' not supported between instances of 'int' and 'str'");
  });

  it('a retrieval without an embedder is an error, not a result', async () => {
    const m = makeBackend('vector');
    await run(m, "core_memory_add(text='x')");
    await assert.rejects(run(m, "core_memory_retrieve(query='x')"), /needs sentence embeddings/);
  });
});

describe('bfcl memory agentic checker', () => {
  it('standardises and looks for a possible answer as a whole word', () => {
    assert.equal(standardizeString("It's April 1, 2024 (Mon.)"), 'it"s april 1 2024 mon');
    assert.equal(agenticChecker("{'answer': 'Michael', 'context': 'you told me'}", ['Michael']).valid, true);
    assert.equal(agenticChecker('{"answer": "April 1 2024"}', ['April 1, 2024']).valid, true);
    assert.equal(agenticChecker('I am 135 years old', ['35']).valid, false, '35 inside 135 is not a whole word');
    assert.equal(agenticChecker('about thirty-five', ['35', 'thirty five']).valid, false, 'the hyphen is dropped: "thirtyfive"');
    assert.equal(agenticChecker('thirty five', ['35', 'thirty five']).valid, true);
    assert.equal(agenticChecker('Café', ['caf']).valid, false, 'é is a word character for Python');
    assert.equal(agenticChecker('a 10% discount', ['10%']).valid, false, '\\b after "%" needs a word character next');
    assert.equal(agenticChecker('a 10%x discount', ['10%']).valid, true);
    const v = agenticChecker('No idea', ['Seattle']);
    assert.equal(v.error_type, 'agentic:answer_not_found');
    assert.deepEqual(v.standardized_possible_answers, ['seattle']);
  });
});

describe('bfcl memory conversation', () => {
  it('native: plays the prerequisite sessions (memory shown at each session start), then the question', async () => {
    const it0 = item('kv');
    const replies = kvScript("{'answer': 'Michael', 'context': 'from memory'}");
    const first = memory.prompt(sample(it0), 'native', {});
    const firstSystem = first[0]!.content;
    assert.equal(first[0]!.role, 'system');
    assert.match(firstSystem, /^You are a general customer support assistant/);
    assert.ok(firstSystem.endsWith('Here is the content of your Core Memory from previous interactions:\nThere is no content in the core memory at this point.\n'));
    assert.deepEqual(first[1], { role: 'user', content: 'Hi, my name is Michael.' });
    assert.equal(memory.tools(sample(it0), 'native', {})!.length, KV_DOCS.length);
    assert.match(memory.tools(sample(it0), 'native', {})![0]!.function.description!, /Note that the provided function is in Python 3 syntax\.$/);

    const reqs = await conversation(it0, replies, 'native');
    // After the call: its result comes back as a tool message in the same history.
    const r1 = reqs[0]!;
    assert.deepEqual(r1.messages.slice(0, 2), first);
    assert.equal(r1.messages[2]!.tool_calls![0]!.function.name, 'core_memory_add');
    assert.deepEqual(r1.messages[3], { role: 'tool', content: '{"status": "Key-value pair added."}', tool_call_id: replies[0]!.tool_calls![0]!.id, name: 'core_memory_add' });
    assert.equal(r1.tools!.length, 2);
    // The text reply ends turn 0; turn 1 continues the same history.
    assert.deepEqual(reqs[1]!.messages.slice(-2), [{ role: 'assistant', content: 'Nice to meet you, Michael!' }, { role: 'user', content: 'I live in Seattle.' }]);
    assert.equal(reqs[1]!.messages.length, 6);
    // Session 2: a fresh history whose system prompt shows the stored fact.
    const s2 = reqs[2]!.messages;
    assert.equal(s2.length, 2);
    assert.ok(s2[0]!.content.endsWith('previous interactions:\n{\n    "first_name": "Michael"\n}\n'));
    assert.equal(s2[1]!.content, 'Back again, about my order.');
    // The question: memory prompt, then the answer format, in one system message.
    const q = reqs[3]!.messages;
    assert.equal(q.length, 2);
    assert.ok(q[0]!.content.endsWith(`{\n    "first_name": "Michael"\n}\n\n\n${AGENTIC_RESPONSE_FORMAT}`));
    assert.deepEqual(q[1], { role: 'user', content: 'What is my first name?' });
    assert.equal(reqs[4]!.messages[3]!.content, '{"value": "Michael"}');
    assert.equal(reqs[5], null, 'the answer ends the unit');
    // Scoring reads the answer of the question only.
    assert.equal(memory.score(sample(it0), { content: '', turns: replies }, 'native').correct, true);
    assert.equal(memory.score(sample(it0), { content: '', turns: kvScript("{'answer': 'Mike'}") }, 'native').correct, false);
  });

  it('prompt mode: BFCL prompting system prompt first, results as a repr list in a user message', async () => {
    const it0 = item('rec_sum');
    const replies: TurnResponse[] = [
      text("[memory_append(text='Name: Michael.')]"),
      text('Hello Michael.'),
      text('Noted.'),
      text('Okay.'),
      text("{'answer': 'Michael', 'context': 'memory'}"),
    ];
    const first = memory.prompt(sample(it0), 'prompt', {});
    assert.equal(memory.tools(sample(it0), 'prompt', {}), undefined);
    assert.ok(first[0]!.content.startsWith(`${promptingSystemPrompt(it0.functions)}\n\nYou are a general customer support assistant`));
    assert.ok(first[0]!.content.endsWith('Here is the content of your memory system from previous interactions:\nThere is no content in the memory at this point.\n'));
    const reqs = await conversation(it0, replies, 'prompt');
    assert.equal(reqs[0]!.tools, undefined);
    assert.deepEqual(reqs[0]!.messages.slice(-2), [
      { role: 'assistant', content: "[memory_append(text='Name: Michael.')]" },
      { role: 'user', content: `[{'role': 'tool', 'name': "memory_append(text='Name: Michael.')", 'content': '{"status": "Memory appended."}'}]` },
    ]);
    assert.ok(reqs[2]!.messages[0]!.content.endsWith('previous interactions:\nName: Michael.\n'));
    assert.equal(reqs[4], null);
    assert.equal(scoreMemory(it0, { content: '', turns: replies }, 'prompt').correct, true);
  });

  it('every question of a scenario sends the same prerequisite requests; replays are deterministic', async () => {
    const a = item('kv', 'What is my first name?', 0);
    const b = item('kv', 'Where do I live?', 2);
    const replies = kvScript('Michael');
    const ra = await conversation(a, replies, 'native');
    const rb = await conversation(b, replies, 'native');
    assert.deepEqual(memory.prompt(sample(a), 'native', {}), memory.prompt(sample(b), 'native', {}));
    for (let i = 0; i < 3; i++) assert.deepEqual(ra[i], rb[i], `prerequisite request ${i + 2}`);
    assert.notDeepEqual(ra[3], rb[3], 'the questions differ');
    assert.deepEqual(await conversation(a, replies, 'native'), ra, 'the same replies give the same requests');
    // Other prerequisite replies give another memory (the remembered states are keyed by the replies).
    const other = kvScript('Bob');
    other[0] = calls(tc('core_memory_add', { key: 'first_name', value: 'Bob' }));
    const ro = await conversation(a, other, 'native');
    assert.match(ro[2]!.messages[0]!.content, /"first_name": "Bob"/);
    assert.match((await conversation(a, replies, 'native'))[2]!.messages[0]!.content, /"first_name": "Michael"/);
  });

  it('more than MAXIMUM_STEP_LIMIT steps force-quit a prerequisite entry: its other turns are skipped, the next entry starts', async () => {
    const it0 = item('kv');
    const loop = Array.from({ length: MAXIMUM_STEP_LIMIT + 1 }, (_, i) => calls(tc('core_memory_add', { key: `k_${i}`, value: 'v' })));
    const reqs = await conversation(it0, loop, 'native');
    const next = reqs[reqs.length - 1]!;
    assert.equal(next.messages.length, 2, 'a fresh history');
    assert.equal(next.messages[1]!.content, 'Back again, about my order.', 'the skipped turn "I live in Seattle." is never sent');
    assert.match(next.messages[0]!.content, /"k_6": "v"\n\}/, 'seven entries fit in the core memory');
    // A force-quit question has no answer.
    const q = [...loop, text('ok'), ...Array.from({ length: MAXIMUM_STEP_LIMIT + 1 }, () => calls(tc('core_memory_retrieve', { key: 'k_0' })))];
    assert.equal(await memoryRequest(it0, q, 'native'), null);
    const s = scoreMemory(it0, { content: '', turns: q }, 'native');
    assert.equal(s.correct, false);
    assert.equal(s.details!.error_type, 'agentic:no_last_message');
  });

  it('scoring: an unfinished unit, an empty answer, an undecodable tool call', () => {
    const it0 = item('kv');
    const partial = scoreMemory(it0, { content: '', turns: kvScript('Michael').slice(0, 3) }, 'native');
    assert.equal(partial.correct, false);
    assert.equal(partial.details!.error_type, 'agentic:inference_error');
    const empty = scoreMemory(it0, { content: '', turns: kvScript('') }, 'native');
    assert.equal(empty.details!.error_type, 'agentic:no_last_message');
    const bad: TurnResponse = { content: '', tool_calls: [{ id: 'x', type: 'function', function: { name: 'Michael', arguments: '{oops' } }] };
    const s = scoreMemory(it0, { content: '', turns: [...kvScript('x').slice(0, 5), bad] }, 'native');
    assert.equal(s.predicted, `{'Michael': '{oops'}`, 'str() of the undecodable call, as the reference checks it');
    assert.equal(s.correct, true);
  });
});

// ---------------------------------------------------------------------------
// memory_vector through a fake embeddings server and a counting io

describe('bfcl memory_vector with an embeddings endpoint', () => {
  let server: http.Server;
  let url = '';
  const hits: { model: string; input: string; auth?: string }[] = [];
  let failWith = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { model, input } = JSON.parse(body) as { model: string; input: string };
        hits.push({ model, input, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
        if (failWith) {
          res.writeHead(failWith, { 'content-type': 'application/json' }).end('{"error": {"message": "nope"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: letterVector(input) }], model }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  function fakeIo(env: Record<string, string>): ConversationIO & { computes: number; store: Map<string, string> } {
    const store = new Map<string, string>();
    const io = {
      computes: 0,
      store,
      env: (name: string) => env[name],
      async cached(key: string, compute: () => Promise<string>) {
        if (store.has(key)) return store.get(key)!;
        io.computes++;
        const v = await compute();
        store.set(key, v);
        return v;
      },
    };
    return io;
  }

  it('without EVALFLOW_EMBEDDINGS_URL: a ConfigError naming the variables', async () => {
    const it0 = item('vector');
    const err = await memoryRequest(it0, [text('hi')], 'native', fakeIo({})).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err);
    assert.equal(err.name, 'ConfigError');
    assert.match(err.message, /EVALFLOW_EMBEDDINGS_URL/);
    assert.match(err.message, /EVALFLOW_EMBEDDINGS_MODEL/);
    assert.match(err.message, /EVALFLOW_EMBEDDINGS_API_KEY_NAME/);
    await assert.rejects(memoryRequest(it0, [text('hi')], 'native'), /needs I\/O/);
    assert.throws(() => embeddingsConfig(fakeIo({ EVALFLOW_EMBEDDINGS_URL: url, EVALFLOW_EMBEDDINGS_API_KEY_NAME: 'EMB_KEY' })), (e: Error) => e.name === 'ConfigError' && /EMB_KEY/.test(e.message));
  });

  it('a conversation that stores and retrieves: embeddings fetched once per text, replays recompute nothing', async () => {
    hits.length = 0;
    const io = fakeIo({ EVALFLOW_EMBEDDINGS_URL: url, EVALFLOW_EMBEDDINGS_API_KEY_NAME: 'EMB_KEY', EMB_KEY: 'sekrit' });
    const it0: MemoryItem = { ...item('vector'), functions: [] };
    const replies: TurnResponse[] = [
      calls(tc('archival_memory_add', { text: 'first name is Michael' }), tc('archival_memory_add', { text: 'zip code 98101' })),
      text('Got it.'),
      text('Seattle, nice.'),
      calls(tc('archival_memory_retrieve', { query: 'name', top_k: 1 })),
      text('Yes?'),
      calls(tc('archival_memory_retrieve', { query: 'what is my name', top_k: 2 })),
      text("{'answer': 'Michael'}"),
    ];
    const reqs = await conversation(it0, replies, 'native', io);
    assert.equal(reqs[6], null);
    const firstRetrieval = JSON.parse(reqs[3]!.messages[reqs[3]!.messages.length - 1]!.content) as { result: { id: number; text: string; similarity_score: number }[] };
    assert.equal(firstRetrieval.result.length, 1);
    assert.equal(firstRetrieval.result[0]!.text, 'first name is Michael');
    // Distinct texts: the two entries and the two queries, each asked once with the default model and the key.
    assert.deepEqual(hits.map((h) => h.input).sort(), ['first name is Michael', 'name', 'what is my name', 'zip code 98101']);
    assert.ok(hits.every((h) => h.model === DEFAULT_EMBEDDINGS_MODEL && h.auth === 'Bearer sekrit'));
    assert.equal(io.computes, 4);
    assert.ok(io.store.has(embeddingKey(DEFAULT_EMBEDDINGS_MODEL, 'name')));
    // Replaying the whole unit again (a resumed shard) recomputes nothing.
    const again = await conversation(it0, replies, 'native', io);
    assert.deepEqual(again, reqs);
    assert.equal(io.computes, 4);
    assert.equal(hits.length, 4);
    assert.equal(scoreMemory(it0, { content: '', turns: replies }, 'native').correct, true);
  });

  it('endpoint errors: 401 is a ConfigError, 500 a retryable error', async () => {
    const io = fakeIo({ EVALFLOW_EMBEDDINGS_URL: `${url}/embeddings`, EVALFLOW_EMBEDDINGS_MODEL: 'm' });
    failWith = 401;
    try {
      await assert.rejects(cachedEmbedder(io)(['a']), (e: Error) => e.name === 'ConfigError' && /401/.test(e.message));
      failWith = 500;
      await assert.rejects(cachedEmbedder(io)(['b']), (e: Error) => e.name !== 'ConfigError' && /500/.test(e.message));
    } finally {
      failWith = 0;
    }
    assert.deepEqual(await cachedEmbedder(io)(['b']), [letterVector('b')]);
  });
});

// ---------------------------------------------------------------------------
// The real data

describe('bfcl memory data (real files)', () => {
  it('reads 155 questions × 3 backends with their prerequisite chains, tools and answers', async () => {
    const rows = await memory.readRows(realReader, ['memory_kv', 'memory_vector', 'memory_rec_sum']);
    assert.equal(rows.length, 155 * 3);
    const samples = rows.map((r, i) => memory.toSample(r, i));
    const byCat = (c: string) => samples.filter((s) => s.subset === c);
    assert.equal(byCat('memory_kv').length, 155);
    const s0 = samples.find((s) => s.id === 'memory_kv_0-customer-0')!;
    const it0 = s0.data.memory as MemoryItem;
    assert.deepEqual(it0.ground_truth, ['Michael']);
    assert.equal(it0.prereqs.length, 10);
    assert.equal(it0.prereqs[0]!.id, 'memory_kv_prereq_0-customer-0');
    assert.equal(it0.prereqs[9]!.id, 'memory_kv_prereq_9-customer-9');
    assert.equal(it0.functions.length, 15);
    assert.equal((byCat('memory_vector')[0]!.data.memory as MemoryItem).functions.length, 12);
    assert.equal((byCat('memory_rec_sum')[0]!.data.memory as MemoryItem).functions.length, 5);
    const fin = samples.find((s) => s.id === 'memory_rec_sum_55-finance-0')!.data.memory as MemoryItem;
    assert.equal(fin.prereqs[0]!.id, 'memory_rec_sum_prereq_15-finance-0');
    // Every scenario's chain fits the unit's call bound.
    for (const s of samples) {
      const turns = (s.data.memory as MemoryItem).prereqs.reduce((a, e) => a + e.turns.length, 0);
      assert.ok(turns <= MAX_PREREQ_TURNS);
    }
    assert.equal(memory.maxCalls, MEMORY_MAX_CALLS);
    assert.ok(bfclV4.conversation!.maxTurns >= MEMORY_MAX_CALLS);
    // Only the requested categories, in BFCL's order.
    const kvOnly = await memory.readRows(realReader, ['memory_kv']);
    assert.equal(kvOnly.length, 155);
    assert.deepEqual(kvOnly.slice(0, 2).map((r) => r.id), ['memory_kv_0-customer-0', 'memory_kv_1-customer-1']);
    // The first request of a real unit: the customer setting, an empty memory, the first session's first turn.
    const first = bfclV4.prompt(s0, {});
    assert.match(first[0]!.content, /^You are a general customer support assistant/);
    assert.match(first[1]!.content, /^Hey there! Thanks for getting back to me/);
  });

  it('is enabled by ++bfcl_agentic=memory and reaches the BFCL benchmark', async () => {
    assert.deepEqual(enabledAgenticCategories({ benchmarkArgs: { bfcl_agentic: 'memory' } }), ['memory_kv', 'memory_vector', 'memory_rec_sum']);
    const rows = await bfclV4.dataset.readRows!(realReader, 'memory_kv', { benchmarkArgs: { bfcl_agentic: 'memory' } });
    assert.equal(rows.length, 155);
    const s = bfclV4.toSample(rows[0]!, 0);
    assert.equal(s.subset, 'memory_kv');
    const msgs: ChatMessage[] = bfclV4.prompt(s, { benchmarkArgs: { bfcl_agentic: 'memory' }, systemPrompt: 'cfg' });
    assert.deepEqual(msgs[0], { role: 'system', content: 'cfg' });
  });

  it('rejects malformed rows with clear errors', async () => {
    const reader = (over: Record<string, Record<string, unknown>[] | null>): DatasetFileReader => async (path, hub, keep) => (path in over ? over[path]! : realReader(path, hub, keep));
    await assert.rejects(memory.readRows(reader({ 'bfcl_v4/BFCL_v4_memory.json': [{ id: 'memory_0-x-0', question: [[{ role: 'user', content: 'q' }]], scenario: 'pirate' }] }), ['memory_kv']), /"scenario" must be one of student, customer/);
    await assert.rejects(memory.readRows(reader({ 'bfcl_v4/possible_answer/BFCL_v4_memory.json': [] }), ['memory_kv']), /no possible answer for "memory_0-customer-0"/);
    await assert.rejects(memory.readRows(reader({ 'bfcl_v4/memory_prereq_conversation/memory_customer.json': null }), ['memory_kv']), /memory_customer\.json is missing/);
    assert.throws(() => memory.toSample({ category: 'memory_kv', id: 'x' }, 3), /row 3 \("x"\): a memory row needs its "memory" item/);
  });
});

/**
 * BFCL v4 memory categories (memory_kv, memory_vector, memory_rec_sum) as an
 * agentic module of ns_bfcl_v4.
 *
 * Data (gorilla bfcl_eval/utils.py load_dataset_entry / process_memory_test_case):
 * every question of BFCL_v4_memory.json (155, each with a `scenario`) is run
 * once per backend; its id becomes `memory_<backend>_…` (id.replace("memory",
 * category)), its class MemoryAPI_<backend>, its tools the docs of
 * multi_turn_func_doc/memory_<backend>.json (with the Python hint,
 * add_language_specific_hint_to_function_doc). Before the questions, the
 * scenario's prerequisite conversations (memory_prereq_conversation/
 * memory_<scenario>.json, ids `memory_<backend>_prereq_<n>-<scenario>-<k>`,
 * each depending on all earlier ones, ordered by <n>) are played through the
 * model, which stores what it learns with the memory tools. Answers:
 * possible_answer/BFCL_v4_memory.json by the original id.
 *
 * Inference (model_handler/base_handler.py inference_multi_turn_FC /
 * _prompting, as NeMo-Skills' BFCLGenerationTask runs them too): each
 * prerequisite entry is its own conversation (a fresh message history) whose
 * user turns are played in order; per turn the model is queried until its
 * reply decodes to no call, executing the calls and feeding the results back;
 * more than MAXIMUM_STEP_LIMIT (20) steps in a turn force-quit the entry
 * (its remaining turns are skipped). At the start of every entry the memory is
 * loaded from the snapshot the previous entry flushed
 * (memory_api_metaclass._prepare_snapshot; the first prerequisite starts
 * empty), and add_memory_instruction_system_prompt (model_handler/utils.py)
 * puts a system prompt first: the scenario's MEMORY_AGENT_SETTINGS text and
 * the backend's instructions with the memory's current content
 * (`_dump_core_memory_to_context`): MEMORY_BACKEND_INSTRUCTION_UNIFIED for
 * rec_sum, MEMORY_BACKEND_INSTRUCTION_CORE_ARCHIVAL for kv and vector. The
 * question entries load the final snapshot and never flush; their first turn
 * also carries ADDITIONAL_SYSTEM_PROMPT_FOR_AGENTIC_RESPONSE_FORMAT
 * (process_agentic_test_case), after the memory prompt ("memory\n\nformat").
 * In prompt mode the prompting system prompt comes first
 * (system_prompt_pre_processing_chat_model: "prompting\n\n<the rest>").
 *
 * In evalflow every question is one unit whose conversation plays the
 * scenario's prerequisite entries first and then the question, so every unit
 * of a scenario sends the same prerequisite requests — evalflow pays identical
 * requests once (dedupe and cache), and every question sees the same memory
 * state, as BFCL's shared snapshot gives it.
 *
 * Scoring (eval_checker/eval_runner.py agentic_runner + agentic_checker.py):
 * the last reply of the question that does not decode to calls is the answer
 * (none, or an empty one → "agentic:no_last_message"); correct when a
 * possible answer occurs in it as a whole word after standardize_string.
 */
import { createHash } from 'node:crypto';
import type { ConversationIO, NextRequest, UnitScore } from '../../../types';
import type { DatasetFileReader, PromptOptions } from '../../../../lib/records/benchmark-data';
import type { ChatMessage, Sample, ToolSpec, TurnResponse, UnitResponse } from '../../../../lib/records/messages';
import { type Decoded, type FuncDoc, MAXIMUM_STEP_LIMIT, decodeReply, executionString, promptingSystemPrompt, toolSpec } from '../../multi-turn/index';
import { pyRepr, strRepr } from '../../multi-turn/pyrepr';
import type { AgenticModule, BfclMode } from '../types';
import { type MemoryBackend, type MemoryBackendName, executeMemoryCall, makeBackend } from './backends';
import { agenticChecker } from '../checker';
import { EMBEDDINGS_KEY_NAME_VAR, EMBEDDINGS_MODEL_VAR, EMBEDDINGS_URL_VAR, cachedEmbedder } from './embeddings';

const TASK = 'ns_bfcl_v4';
const DIR = 'bfcl_v4';

export const MEMORY_CATEGORY_NAMES = ['memory_kv', 'memory_vector', 'memory_rec_sum'] as const;
const BACKEND_OF: Record<string, MemoryBackendName> = { memory_kv: 'kv', memory_vector: 'vector', memory_rec_sum: 'rec_sum' };

/** bfcl_eval/constants/default_prompts.py MEMORY_AGENT_SETTINGS. */
export const MEMORY_AGENT_SETTINGS: Readonly<Record<string, string>> = {
  student:
    'You are an academic-support assistant for college student. Remember key personal and academic details discussed across sessions, and draw on them to answer questions or give guidance.',
  customer:
    'You are a general customer support assistant for an e-commerce platform. Your task is to understand and remember information that can be used to provide information about user inquiries, preferences, and offer consistent, helpful assistance over multiple interactions.',
  finance:
    'You are a high-level executive assistant supporting a senior finance professional. Retain and synthesize both personal and professional information including facts, goals, prior decisions, and family life across sessions to provide strategic, context-rich guidance and continuity.',
  healthcare:
    'You are a healthcare assistant supporting a patient across appointments. Retain essential medical history, treatment plans, and personal preferences to offer coherent, context-aware guidance and reminders.',
  notetaker:
    'You are a personal organization assistant. Capture key information from conversations, like tasks, deadlines, and preferences, and use it to give reliable reminders and answers in future sessions.',
};

/** default_prompts.py MEMORY_BACKEND_INSTRUCTION_CORE_ARCHIVAL (kv, vector). */
function coreArchivalInstruction(setting: string, content: string): string {
  return (
    `${setting}\n\n` +
    "You have access to an advanced memory system, consisting of two memory types 'Core Memory' and 'Archival Memory'. Both type of memory is persistent across multiple conversations with the user, and can be accessed in a later interactions. You should actively manage your memory data to keep track of important information, ensure that it is up-to-date and easy to retrieve to provide personalized responses to the user later.\n\n" +
    'The Core memory is limited in size, but always visible to you in context. The Archival Memory has a much larger capacity, but will be held outside of your immediate context due to its size.\n\n' +
    `Here is the content of your Core Memory from previous interactions:\n${content}\n`
  );
}

/** default_prompts.py MEMORY_BACKEND_INSTRUCTION_UNIFIED (rec_sum). */
function unifiedInstruction(setting: string, content: string): string {
  return (
    `${setting}\n\n` +
    'You have access to an advanced memory system, which is persistent across multiple conversations with the user, and can be accessed in a later interactions. You should actively manage your memory data to keep track of important information, ensure that it is up-to-date and easy to retrieve to provide personalized responses to the user later.\n\n' +
    `Here is the content of your memory system from previous interactions:\n${content}\n`
  );
}

/** default_prompts.py ADDITIONAL_SYSTEM_PROMPT_FOR_AGENTIC_RESPONSE_FORMAT. */
export const AGENTIC_RESPONSE_FORMAT =
  "For your final answer to the user, you must respond in this format: {'answer': A short and precise answer to the question, 'context': A brief explanation of how you arrived at this answer or why it is correct}. If you do not know the answer, respond with {'answer': 'I do not know', 'context': 'I do not know'}. If you think the question cannot be properly answered, response with {'answer': 'I cannot answer this question', 'context': A short reason explaining why this question cannot be answered}.\n";

/** The most prerequisite user turns of a scenario this module bounds its units for (the v4 data has at most 109). */
export const MAX_PREREQ_TURNS = 120;
/** Model calls per unit: every prerequisite turn and the question may take MAXIMUM_STEP_LIMIT + 1 calls. */
export const MEMORY_MAX_CALLS = (MAX_PREREQ_TURNS + 1) * (MAXIMUM_STEP_LIMIT + 1);

type Role = 'system' | 'user' | 'assistant';
export interface MemoryMessage {
  role: Role;
  content: string;
}

/** One BFCL entry played in the unit: a prerequisite conversation or the question itself. */
export interface MemoryEntry {
  id: string;
  /** User turns, each a list of messages. */
  turns: MemoryMessage[][];
}

/** A memory question as stored in `sample.data.memory` (plain JSON). */
export interface MemoryItem {
  /** BFCL's id, e.g. "memory_kv_0-customer-0". */
  id: string;
  category: string;
  backend: MemoryBackendName;
  scenario: string;
  /** The scenario's prerequisite entries, in BFCL's order. */
  prereqs: MemoryEntry[];
  /** The question entry (one turn). */
  question: MemoryEntry;
  /** multi_turn_func_doc/memory_<backend>.json. */
  functions: FuncDoc[];
  ground_truth: string[];
}

// ---------------------------------------------------------------------------
// Data

function fail(what: string): never {
  throw new Error(`${TASK} memory: ${what}`);
}

async function readFile(read: DatasetFileReader, rel: string): Promise<Record<string, unknown>[]> {
  const rows = await read(`${DIR}/${rel}`, rel);
  if (rows === null) fail(`${rel} is missing (expected in ${DIR}/ of the dataset directory or in the Hub repository); a complete copy of gorilla's bfcl_eval/data is needed`);
  return rows;
}

/** Python str.replace(old, new): every occurrence. */
const replaceAll = (s: string, a: string, b: string) => s.split(a).join(b);

/** utils.sort_key's index: `<category>_<index>[-<sub>-<sub>]` → index. */
function indexOfId(id: string, where: string): number {
  const tail = id.slice(id.lastIndexOf('_') + 1).split('-')[0]!;
  if (!/^\d+$/.test(tail)) fail(`${where}: id "${id}" is not of the form <category>_<index>-<scenario>-<k>`);
  return Number(tail);
}

function turnsOf(raw: unknown, where: string): MemoryMessage[][] {
  if (!Array.isArray(raw) || raw.length === 0) fail(`${where}: "question" must be a non-empty list of turns, each a list of {role, content} messages`);
  return raw.map((turn, t) => {
    if (!Array.isArray(turn) || turn.length === 0) fail(`${where}: turn ${t} must be a non-empty list of {role, content} messages`);
    return turn.map((m, i) => {
      const msg = m as { role?: unknown; content?: unknown };
      if (!['system', 'user', 'assistant'].includes(String(msg?.role)) || typeof msg?.content !== 'string') {
        fail(`${where}: turn ${t} message ${i} needs a role (system/user/assistant) and a string content`);
      }
      return { role: msg.role as Role, content: msg.content as string };
    });
  });
}

function functionDocs(rows: Record<string, unknown>[], file: string): FuncDoc[] {
  if (rows.length === 0) fail(`${file} has no function docs`);
  return rows.map((d, i) => {
    if (typeof d.name !== 'string' || typeof d.description !== 'string' || typeof d.parameters !== 'object' || d.parameters === null) {
      fail(`${file} line ${i + 1} is not a function doc {name, description, parameters}`);
    }
    return d as unknown as FuncDoc;
  });
}

async function readMemoryRows(read: DatasetFileReader, categories: readonly string[]): Promise<Record<string, unknown>[]> {
  const wanted = MEMORY_CATEGORY_NAMES.filter((c) => categories.includes(c));
  for (const c of categories) if (!(c in BACKEND_OF)) fail(`unknown memory category "${c}" (expected ${MEMORY_CATEGORY_NAMES.join(', ')})`);
  if (wanted.length === 0) return [];
  const qFile = 'BFCL_v4_memory.json';
  const aFile = 'possible_answer/BFCL_v4_memory.json';
  const questions = (await readFile(read, qFile)).map((q, i) => {
    if (typeof q.id !== 'string') fail(`${qFile} line ${i + 1} has no string "id"`);
    const scenario = q.scenario;
    if (typeof scenario !== 'string' || !(scenario in MEMORY_AGENT_SETTINGS)) {
      fail(`${qFile} "${q.id}": "scenario" must be one of ${Object.keys(MEMORY_AGENT_SETTINGS).join(', ')}, got ${JSON.stringify(scenario)}`);
    }
    const turns = turnsOf(q.question, `${qFile} "${q.id}"`);
    if (turns.length !== 1) fail(`${qFile} "${q.id}": a memory question has exactly one turn (BFCL's agentic checker grades one turn), got ${turns.length}`);
    return { id: q.id, scenario, turns, index: indexOfId(q.id, qFile) };
  });
  const answers = new Map<string, string[]>();
  (await readFile(read, aFile)).forEach((a, i) => {
    if (typeof a.id !== 'string') fail(`${aFile} line ${i + 1} has no string "id"`);
    if (!Array.isArray(a.ground_truth) || a.ground_truth.length === 0 || a.ground_truth.some((x) => typeof x !== 'string')) {
      fail(`${aFile} "${a.id}": "ground_truth" must be a non-empty list of answer strings`);
    }
    answers.set(a.id, a.ground_truth as string[]);
  });
  const prereqs = new Map<string, { id: string; turns: MemoryMessage[][] }[]>();
  for (const scenario of new Set(questions.map((q) => q.scenario))) {
    const file = `memory_prereq_conversation/memory_${scenario}.json`;
    const entries = (await readFile(read, file)).map((e, i) => {
      if (typeof e.id !== 'string' || !e.id.includes('prereq')) fail(`${file} line ${i + 1} needs a string "id" containing "prereq" (e.g. memory_prereq_0-${scenario}-0)`);
      // The number after "_prereq_" orders the chain (utils.sort_key; NeMo-Skills sorts by it too).
      const n = e.id.split('_prereq_')[1]?.split('-')[0] ?? '';
      if (!/^\d+$/.test(n)) fail(`${file}: id "${e.id}" is not of the form memory_prereq_<n>-${scenario}-<k>`);
      return { id: e.id, turns: turnsOf(e.question, `${file} "${e.id}"`), n: Number(n) };
    });
    entries.sort((a, b) => a.n - b.n);
    const total = entries.reduce((s, e) => s + e.turns.length, 0);
    if (total > MAX_PREREQ_TURNS) fail(`${file} has ${total} user turns, more than the ${MAX_PREREQ_TURNS} this module bounds a unit's calls for (MAX_PREREQ_TURNS)`);
    prereqs.set(scenario, entries.map(({ id, turns }) => ({ id, turns })));
  }
  questions.sort((a, b) => a.index - b.index);
  const out: Record<string, unknown>[] = [];
  for (const category of wanted) {
    const backend = BACKEND_OF[category]!;
    const docFile = `multi_turn_func_doc/memory_${backend}.json`;
    const functions = functionDocs(await readFile(read, docFile), docFile);
    for (const q of questions) {
      const gt = answers.get(q.id);
      if (!gt) fail(`no possible answer for "${q.id}" in ${aFile}`);
      const item: MemoryItem = {
        id: replaceAll(q.id, 'memory', category),
        category,
        backend,
        scenario: q.scenario,
        prereqs: prereqs.get(q.scenario)!.map((e) => ({ id: replaceAll(e.id, 'memory', category), turns: e.turns })),
        question: { id: replaceAll(q.id, 'memory', category), turns: q.turns },
        functions,
        ground_truth: gt,
      };
      out.push({ category, id: item.id, scenario: q.scenario, ground_truth: gt, memory: item });
    }
  }
  return out;
}

function memoryToSample(raw: Record<string, unknown>, index: number): Sample {
  const item = raw.memory as MemoryItem | undefined;
  const where = `${TASK} row ${index}${typeof raw.id === 'string' ? ` ("${raw.id}")` : ''}`;
  if (!item || typeof item !== 'object') throw new Error(`${where}: a memory row needs its "memory" item (built by the memory module's readRows)`);
  if (typeof raw.category !== 'string' || !(raw.category in BACKEND_OF)) throw new Error(`${where}: "category" must be one of ${MEMORY_CATEGORY_NAMES.join(', ')}`);
  if (item.category !== raw.category || BACKEND_OF[raw.category] !== item.backend) throw new Error(`${where}: the memory item is for ${item.category}/${item.backend}, not ${raw.category}`);
  if (!Array.isArray(item.prereqs) || !item.question || !Array.isArray(item.functions) || !Array.isArray(item.ground_truth)) {
    throw new Error(`${where}: the memory item needs prereqs, question, functions and ground_truth`);
  }
  if (!(item.scenario in MEMORY_AGENT_SETTINGS)) throw new Error(`${where}: unknown scenario "${item.scenario}" (known: ${Object.keys(MEMORY_AGENT_SETTINGS).join(', ')})`);
  return { id: item.id, subset: item.category, expected: JSON.stringify(item.ground_truth), data: { category: item.category, memory: item } };
}

function itemOf(sample: Sample): MemoryItem {
  const item = sample.data.memory as MemoryItem | undefined;
  if (!item || typeof item !== 'object' || !Array.isArray(item.prereqs)) throw new Error(`${TASK} sample "${sample.id}" has no memory item in data.memory`);
  return item;
}

// ---------------------------------------------------------------------------
// Prompts

/** The entries a unit plays: the prerequisites, then the question. */
function entriesOf(item: MemoryItem): MemoryEntry[] {
  return [...item.prereqs, item.question];
}

/** add_memory_instruction_system_prompt's system prompt for the memory as it is now. */
export function memoryInstruction(item: MemoryItem, memoryContent: string): string {
  const setting = MEMORY_AGENT_SETTINGS[item.scenario]!;
  return item.backend === 'rec_sum' ? unifiedInstruction(setting, memoryContent) : coreArchivalInstruction(setting, memoryContent);
}

/** Put `system` first: prepended to a leading system message ("system\n\nexisting"), else a new one. */
function withSystemFirst(messages: MemoryMessage[], system: string): MemoryMessage[] {
  const out = messages.map((m) => ({ ...m }));
  if (out[0]?.role === 'system') out[0] = { role: 'system', content: `${system}\n\n${out[0].content}` };
  else out.unshift({ role: 'system', content: system });
  return out;
}

/** The first turn's messages of an entry, with the memory content at its start. */
function entryOpening(item: MemoryItem, entry: number, memoryContent: string, mode: BfclMode): MemoryMessage[] {
  const isQuestion = entry === item.prereqs.length;
  let msgs = entriesOf(item)[entry]!.turns[0]!.map((m) => ({ ...m }));
  // process_agentic_test_case: the answer format is inserted as the first message of a question (not of a prerequisite).
  if (isQuestion) msgs.unshift({ role: 'system', content: AGENTIC_RESPONSE_FORMAT });
  msgs = withSystemFirst(msgs, memoryInstruction(item, memoryContent));
  if (mode === 'prompt') msgs = withSystemFirst(msgs, promptingSystemPrompt(item.functions));
  return msgs;
}

function nativeTools(item: MemoryItem): ToolSpec[] {
  return item.functions.map((d) => toolSpec(d));
}

function request(item: MemoryItem, messages: ChatMessage[], mode: BfclMode): NextRequest {
  return { messages, ...(mode === 'native' ? { tools: nativeTools(item) } : {}) };
}

// ---------------------------------------------------------------------------
// The conversation's structure: which reply belongs to which entry, turn and step

interface ReplyPlace {
  entry: number;
  turn: number;
  /** The reply decoded to at least one call (the turn goes on). */
  calls: boolean;
  decoded: Decoded;
}

interface Segmented {
  replies: ReplyPlace[];
  /** Where the next reply is awaited, or null when the unit is complete. */
  pending: { entry: number; turn: number } | null;
  /** Entries force-quit after too many steps in a turn. */
  forceQuit: number[];
}

/**
 * Walk the replies through the entries: a reply that decodes to calls is a
 * step (executed, its results fed back); one that does not ends the turn;
 * more than MAXIMUM_STEP_LIMIT steps in a turn end the entry.
 */
export function segment(item: MemoryItem, turns: readonly TurnResponse[], mode: BfclMode): Segmented {
  const replies: ReplyPlace[] = [];
  const forceQuit: number[] = [];
  const entries = entriesOf(item);
  let r = 0;
  for (let e = 0; e < entries.length; e++) {
    let quit = false;
    for (let t = 0; t < entries[e]!.turns.length && !quit; t++) {
      let steps = 0;
      for (;;) {
        if (r >= turns.length) return { replies, pending: { entry: e, turn: t }, forceQuit };
        const decoded = decodeReply(turns[r++]!, mode);
        const calls = decoded.ok && decoded.calls.length > 0;
        replies.push({ entry: e, turn: t, calls, decoded });
        if (!calls) break;
        if (++steps > MAXIMUM_STEP_LIMIT) {
          quit = true;
          forceQuit.push(e);
          break;
        }
      }
    }
  }
  return { replies, pending: null, forceQuit };
}

/**
 * Memory states at the start of entries, keyed by everything that decides
 * them (backend, mode, the entries played before and every reply to them).
 * A unit's next request replays all its replies, and the units of a scenario
 * replay the same prerequisite replies; remembering these states lets a call
 * replay only the entry being played. It caches a pure function: requests are
 * the same with or without it.
 */
const STATE_MEMO = new Map<string, unknown>();
const STATE_MEMO_MAX = 2048;

function stateKey(item: MemoryItem, mode: BfclMode, turns: readonly TurnResponse[], replies: number, entry: number): string {
  const before = entriesOf(item)
    .slice(0, entry)
    .map((e) => [e.id, e.turns.length]);
  return createHash('sha256')
    .update(JSON.stringify([item.backend, item.scenario, mode, before, turns.slice(0, replies)]))
    .digest('hex');
}

function remember(key: string, state: unknown): void {
  if (STATE_MEMO.has(key)) return;
  if (STATE_MEMO.size >= STATE_MEMO_MAX) STATE_MEMO.delete(STATE_MEMO.keys().next().value!);
  STATE_MEMO.set(key, state);
}

/**
 * The next request of a unit: replay every reply so far on a fresh memory
 * (executing the calls), rebuilding the message history of the entry now
 * being played. null when the question has been answered.
 */
export async function memoryRequest(item: MemoryItem, turns: readonly TurnResponse[], mode: BfclMode, io?: ConversationIO): Promise<NextRequest | null> {
  const seg = segment(item, turns, mode);
  if (!seg.pending) return null;
  let embed = null;
  if (item.backend === 'vector') {
    if (!io) throw new Error(`${TASK} memory_vector "${item.id}": the conversation needs I/O for sentence embeddings, but none was given`);
    embed = cachedEmbedder(io);
  }
  const memory: MemoryBackend = makeBackend(item.backend, embed);
  const entries = entriesOf(item);
  const pending = seg.pending;
  /** Index of the first reply of entry e. */
  const startOf = (e: number) => {
    const i = seg.replies.findIndex((p) => p.entry >= e);
    return i === -1 ? seg.replies.length : i;
  };
  let first = 0;
  for (let e = pending.entry; e >= 1; e--) {
    const known = STATE_MEMO.get(stateKey(item, mode, turns, startOf(e), e));
    if (known !== undefined) {
      memory.restore(known);
      first = e;
      break;
    }
  }
  let r = startOf(first);
  for (let e = first; e <= pending.entry; e++) {
    if (e > first) remember(stateKey(item, mode, turns, r, e), memory.snapshot());
    // The entry loads the snapshot the previous one flushed; its history starts afresh.
    memory.beginSession();
    const messages: ChatMessage[] = [];
    const last = e === pending.entry ? pending.turn : entries[e]!.turns.length - 1;
    for (let t = 0; t <= last; t++) {
      const opening = t === 0 ? entryOpening(item, e, memory.dumpToContext(), mode) : entries[e]!.turns[t]!;
      for (const m of opening) messages.push({ role: m.role, content: m.content });
      for (; r < seg.replies.length && seg.replies[r]!.entry === e && seg.replies[r]!.turn === t; r++) {
        const place = seg.replies[r]!;
        const resp = turns[r]!;
        if (mode === 'native') {
          const msg: ChatMessage = { role: 'assistant', content: resp.content ?? '' };
          // A reply whose tool calls do not decode ends the turn; its calls are left out of the history
          // so that it stays a valid conversation for OpenAI-compatible servers.
          if (place.calls && resp.tool_calls && resp.tool_calls.length > 0) msg.tool_calls = resp.tool_calls;
          messages.push(msg);
        } else messages.push({ role: 'assistant', content: resp.content ?? '' });
        if (!place.calls) continue;
        const { calls, ids } = place.decoded as Extract<Decoded, { ok: true }>;
        const results: string[] = [];
        for (const c of calls) results.push(await executeMemoryCall(memory, c));
        if (mode === 'native') {
          results.forEach((res, i) => messages.push({ role: 'tool', content: res, tool_call_id: ids[i]!, name: calls[i]!.name }));
        } else {
          // format_execution_results_prompting: repr([{'role': 'tool', 'name': <call>, 'content': <result>}, …]) as a user message
          const shown = calls.map((c, i) => `{'role': 'tool', 'name': ${strRepr(executionString(c))}, 'content': ${strRepr(results[i]!)}}`);
          messages.push({ role: 'user', content: `[${shown.join(', ')}]` });
        }
      }
    }
    if (e === pending.entry) return request(item, messages, mode);
  }
  return null;
}

// ---------------------------------------------------------------------------
// Scoring

/** What BFCL hands the checker for a reply that did not decode: the text, or str() of an undecodable tool call. */
function answerText(resp: TurnResponse, mode: BfclMode): string {
  if (mode === 'native' && resp.tool_calls && resp.tool_calls.length > 0) {
    const first = resp.tool_calls[0]!;
    // model_responses = [{name: arguments}, …]; agentic_checker takes [0] and str()s it.
    return pyRepr(new Map([[first.function.name, first.function.arguments]]));
  }
  return resp.content ?? '';
}

export function scoreMemory(item: MemoryItem, response: UnitResponse, mode: BfclMode): UnitScore {
  const turns = response.turns ?? [response];
  const seg = segment(item, turns, mode);
  const q = item.prereqs.length;
  const prereqCalls = seg.replies.filter((p) => p.entry < q).length;
  const base = { backend: item.backend, scenario: item.scenario, prerequisite_replies: prereqCalls };
  if (seg.pending) {
    return {
      predicted: null,
      correct: false,
      details: {
        ...base,
        error_type: 'agentic:inference_error',
        error_message: `The conversation stopped before the question was answered (waiting in ${seg.pending.entry < q ? `prerequisite ${item.prereqs[seg.pending.entry]!.id}` : 'the question'}, turn ${seg.pending.turn}).`,
      },
    };
  }
  // agentic_runner: the last step of the question that does not decode to calls (an empty one counts as none).
  let answer: string | null = null;
  for (let i = 0; i < seg.replies.length; i++) {
    const p = seg.replies[i]!;
    if (p.entry === q && !p.calls) answer = answerText(turns[i]!, mode);
  }
  const questionCalls = seg.replies.filter((p) => p.entry === q && p.calls).length;
  if (!answer) {
    return {
      predicted: null,
      correct: false,
      details: { ...base, question_steps: questionCalls, error_type: 'agentic:no_last_message', error_message: 'Cannot find the last chat message that is not a function call.' },
    };
  }
  const verdict = agenticChecker(answer, item.ground_truth);
  if (verdict.valid) return { predicted: answer, correct: true, details: { ...base, question_steps: questionCalls } };
  return {
    predicted: answer,
    correct: false,
    details: { ...base, question_steps: questionCalls, error_type: verdict.error_type, error_message: verdict.error_message, possible_answers: item.ground_truth },
  };
}

// ---------------------------------------------------------------------------
// The module

export const memory: AgenticModule = {
  name: 'memory',
  categories: MEMORY_CATEGORY_NAMES,
  needs: `for memory_vector, an OpenAI-compatible embeddings endpoint on the workers (${EMBEDDINGS_URL_VAR}; ${EMBEDDINGS_MODEL_VAR}, default BFCL's all-MiniLM-L6-v2; ${EMBEDDINGS_KEY_NAME_VAR} naming the variable with its key, if any)`,
  readRows: readMemoryRows,
  toSample: memoryToSample,
  prompt(sample: Sample, mode: BfclMode, _options: PromptOptions): ChatMessage[] {
    const item = itemOf(sample);
    // The first entry starts on an empty memory.
    return entryOpening(item, 0, makeBackend(item.backend).dumpToContext(), mode).map((m) => ({ role: m.role, content: m.content }));
  },
  tools(sample: Sample, mode: BfclMode): ToolSpec[] | undefined {
    return mode === 'native' ? nativeTools(itemOf(sample)) : undefined;
  },
  next(sample: Sample, turns: TurnResponse[], mode: BfclMode, _options: PromptOptions, io: ConversationIO | undefined): Promise<NextRequest | null> {
    return memoryRequest(itemOf(sample), turns, mode, io);
  },
  score(sample: Sample, response: UnitResponse, mode: BfclMode): UnitScore {
    return scoreMemory(itemOf(sample), response, mode);
  },
  maxCalls: MEMORY_MAX_CALLS,
};

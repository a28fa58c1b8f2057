/**
 * BFCL v4 web search: the web_search_base and web_search_no_snippet
 * categories, as gorilla's bfcl_eval runs them.
 *
 * Data (bfcl_eval/utils.py): both categories are built from the one file
 * BFCL_v4_web_search.json (100 questions, one user turn each, involved class
 * WebSearchAPI); `process_web_search_test_case` renames each id
 * "web_search_N" to "<category>_N", and
 * `populate_initial_settings_for_web_search_test_cases` sets WebSearchAPI's
 * initial_config show_snippet = ("no_snippet" not in id). The answers are
 * possible_answer/BFCL_v4_web_search.json (`ground_truth`: a list of
 * acceptable strings), matched by the original id. The tools are
 * multi_turn_func_doc/web_search.json (search_engine_query,
 * fetch_url_content), each description with the Python hint
 * (add_language_specific_hint_to_function_doc).
 *
 * Prompt: `process_agentic_test_case` puts
 * ADDITIONAL_SYSTEM_PROMPT_FOR_AGENTIC_RESPONSE_FORMAT (constants/
 * default_prompts.py) as a system message before the question. Prompt mode
 * prepends BFCL's prompting system prompt to that system message
 * (system_prompt_pre_processing_chat_model: "<prompt>\n\n<existing>").
 *
 * Loop (model_handler/base_handler.py inference_multi_turn_FC / _prompting;
 * agentic ids run through them, contain_multi_turn_interaction): the single
 * user turn is queried repeatedly; a reply that does not decode to calls, or
 * decodes to none, ends it; otherwise the calls are executed (tools.ts) and
 * their results fed back — native: one `tool` message per call with its
 * tool_call_id; prompt: one user message repr([{'role': 'tool', 'name':
 * <call>, 'content': <result>}, …]) — and after more than
 * MAXIMUM_STEP_LIMIT (20) steps the entry is force-quit.
 *
 * Scoring (eval_checker/eval_runner.py agentic_runner): over every reply of
 * the turn, the last one that fails to decode to calls (or decodes to none)
 * is the answer; none, or an empty one → wrong ("agentic:no_last_message");
 * else agentic_checker (checker.ts) against the possible answers.
 */
import type { ConversationIO, NextRequest, UnitScore } from '../../../types';
import type { DatasetFileReader, PromptOptions } from '../../../../lib/records/benchmark-data';
import type { ChatMessage, Sample, ToolSpec, TurnResponse, UnitResponse } from '../../../../lib/records/messages';
import { decodeReply, executionString, type FuncDoc, MAXIMUM_STEP_LIMIT, promptingSystemPrompt, toolSpec } from '../../multi-turn/index';
import { pyRepr, strRepr } from '../../multi-turn/pyrepr';
import type { AgenticModule, BfclMode } from '../types';
import { agenticChecker } from '../checker';
import { executeWebSearchCall } from './tools';

const TASK = 'ns_bfcl_v4';
export const WEB_SEARCH_CATEGORIES = ['web_search_base', 'web_search_no_snippet'] as const;

/** default_prompts.py ADDITIONAL_SYSTEM_PROMPT_FOR_AGENTIC_RESPONSE_FORMAT (a triple-quoted string ending in a newline). */
export const AGENTIC_RESPONSE_FORMAT_PROMPT =
  "For your final answer to the user, you must respond in this format: {'answer': A short and precise answer to the question, 'context': A brief explanation of how you arrived at this answer or why it is correct}. If you do not know the answer, respond with {'answer': 'I do not know', 'context': 'I do not know'}. If you think the question cannot be properly answered, response with {'answer': 'I cannot answer this question', 'context': A short reason explaining why this question cannot be answered}.\n";

/** Model calls per unit: up to MAXIMUM_STEP_LIMIT + 1 replies with calls (the last one force-quits). */
export const WEB_SEARCH_MAX_CALLS = MAXIMUM_STEP_LIMIT + 1;

const DATA_FILE = 'BFCL_v4_web_search.json';
const ANSWER_FILE = `possible_answer/${DATA_FILE}`;
const DOC_FILE = 'multi_turn_func_doc/web_search.json';

function fail(what: string): never {
  throw new Error(`${TASK} web search: ${what}`);
}

async function readFile(read: DatasetFileReader, rel: string): Promise<Record<string, unknown>[]> {
  const rows = await read(`bfcl_v4/${rel}`, rel);
  if (rows === null) {
    fail(`${rel} is missing (expected in bfcl_v4/ of the dataset directory, or in the Hub repository gorilla-llm/Berkeley-Function-Calling-Leaderboard); a complete copy of gorilla's bfcl_eval/data is needed`);
  }
  return rows;
}

function checkDoc(d: unknown, i: number): FuncDoc {
  const doc = d as Partial<FuncDoc>;
  if (!doc || typeof doc.name !== 'string' || typeof doc.description !== 'string' || typeof doc.parameters !== 'object' || doc.parameters === null) {
    fail(`${DOC_FILE} line ${i + 1} is not a function doc {name, description, parameters}`);
  }
  return doc as FuncDoc;
}

/** AgenticModule.readRows: one row per question per requested category (BFCL's order: base, then no_snippet). */
async function readRows(read: DatasetFileReader, categories: readonly string[]): Promise<Record<string, unknown>[]> {
  for (const c of categories) {
    if (!(WEB_SEARCH_CATEGORIES as readonly string[]).includes(c)) fail(`"${c}" is not a web search category (${WEB_SEARCH_CATEGORIES.join(', ')})`);
  }
  const questions = await readFile(read, DATA_FILE);
  const answers = new Map<string, string[]>();
  (await readFile(read, ANSWER_FILE)).forEach((a, i) => {
    const gt = a.ground_truth;
    if (typeof a.id !== 'string' || !Array.isArray(gt) || gt.some((x) => typeof x !== 'string')) {
      fail(`${ANSWER_FILE} line ${i + 1} needs a string "id" and a "ground_truth" list of strings`);
    }
    answers.set(a.id, gt as string[]);
  });
  const docs = (await readFile(read, DOC_FILE)).map(checkDoc);
  for (const name of ['search_engine_query', 'fetch_url_content']) {
    if (!docs.some((d) => d.name === name)) fail(`${DOC_FILE} has no doc for ${name}`);
  }
  const out: Record<string, unknown>[] = [];
  for (const category of WEB_SEARCH_CATEGORIES.filter((c) => categories.includes(c))) {
    questions.forEach((q, i) => {
      const id = q.id;
      if (typeof id !== 'string' || !id.startsWith('web_search_')) fail(`${DATA_FILE} line ${i + 1} has no "id" of the form web_search_<n>`);
      const classes = q.involved_classes;
      if (classes !== undefined && (!Array.isArray(classes) || classes.length !== 1 || classes[0] !== 'WebSearchAPI')) {
        fail(`${DATA_FILE} "${id}" involves ${JSON.stringify(classes)}; the web search category runs only WebSearchAPI`);
      }
      const gt = answers.get(id);
      if (!gt) fail(`no possible answer for "${id}" in ${ANSWER_FILE}`);
      out.push({
        category,
        // process_web_search_test_case: entry["id"].replace("web_search", test_category)
        id: id.split('web_search').join(category),
        question: q.question,
        ground_truth: gt,
        functions: docs,
      });
    });
  }
  return out;
}

function messagesOf(question: unknown, id: string): ChatMessage[] {
  if (!Array.isArray(question) || question.length !== 1 || !Array.isArray(question[0]) || question[0].length === 0) {
    fail(`"${id}": "question" must be one turn (a list of one non-empty list of {role, content} messages)`);
  }
  return (question[0] as unknown[]).map((m, i) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (!['system', 'user', 'assistant'].includes(String(msg?.role)) || typeof msg?.content !== 'string') {
      fail(`"${id}": message ${i + 1} needs a role (system/user/assistant) and a string content`);
    }
    return { role: msg.role as ChatMessage['role'], content: msg.content };
  });
}

function toSample(raw: Record<string, unknown>, index: number): Sample {
  const category = raw.category;
  if (typeof category !== 'string' || !(WEB_SEARCH_CATEGORIES as readonly string[]).includes(category)) {
    fail(`row ${index}: "category" must be one of ${WEB_SEARCH_CATEGORIES.join(', ')}, got ${JSON.stringify(category)}`);
  }
  const id = raw.id;
  if (typeof id !== 'string' || !id.startsWith(`${category}_`)) fail(`row ${index}: "id" must be a string "${category}_<n>", got ${JSON.stringify(id)}`);
  const gt = raw.ground_truth;
  if (!Array.isArray(gt) || gt.length === 0 || gt.some((x) => typeof x !== 'string')) fail(`"${id}": "ground_truth" must be a non-empty list of strings`);
  if (!Array.isArray(raw.functions)) fail(`"${id}": "functions" must be the WebSearchAPI function docs (built by readRows)`);
  const functions = (raw.functions as unknown[]).map(checkDoc);
  return {
    id,
    subset: category,
    expected: JSON.stringify(gt),
    data: {
      category,
      messages: messagesOf(raw.question, id),
      functions,
      ground_truth: gt,
      // populate_initial_settings_for_web_search_test_cases
      show_snippet: !id.includes('no_snippet'),
    },
  };
}

interface Item {
  messages: ChatMessage[];
  functions: FuncDoc[];
  groundTruth: string[];
  showSnippet: boolean;
}

function itemOf(sample: Sample): Item {
  const d = sample.data;
  if (!Array.isArray(d.messages) || !Array.isArray(d.functions) || !Array.isArray(d.ground_truth) || typeof d.show_snippet !== 'boolean') {
    fail(`sample "${sample.id}" lacks its web search data (messages, functions, ground_truth, show_snippet); build it with toSample`);
  }
  return { messages: d.messages as ChatMessage[], functions: d.functions as FuncDoc[], groundTruth: d.ground_truth as string[], showSnippet: d.show_snippet };
}

/** The first request's messages: the agentic response-format system message (after BFCL's prompting system prompt in prompt mode), then the question. */
function firstMessages(item: Item, mode: BfclMode): ChatMessage[] {
  const msgs: ChatMessage[] = [{ role: 'system', content: AGENTIC_RESPONSE_FORMAT_PROMPT }, ...item.messages.map((m) => ({ ...m }))];
  if (mode === 'prompt') msgs[0] = { role: 'system', content: `${promptingSystemPrompt(item.functions)}\n\n${msgs[0]!.content}` };
  return msgs;
}

function nativeTools(item: Item): ToolSpec[] {
  return item.functions.map((d) => toolSpec(d, 1));
}

/** A reply's decoded calls, or null when it ends the turn (no calls / not decodable). */
function callsOf(resp: TurnResponse, mode: BfclMode) {
  const dec = decodeReply(resp, mode);
  return dec.ok && dec.calls.length > 0 ? dec : null;
}

async function next(sample: Sample, turns: TurnResponse[], mode: BfclMode, _options: PromptOptions, io: ConversationIO | undefined): Promise<NextRequest | null> {
  const item = itemOf(sample);
  const messages = firstMessages(item, mode);
  let steps = 0;
  for (const resp of turns) {
    const dec = callsOf(resp, mode);
    if (!dec) return null; // the model answered: the entry is done
    steps++;
    // count > MAXIMUM_STEP_LIMIT: force-quit (BFCL executes that step's calls first; nothing depends on them)
    if (steps > MAXIMUM_STEP_LIMIT) return null;
    const results: string[] = [];
    for (const call of dec.calls) results.push(await executeWebSearchCall(call, item.showSnippet, io));
    if (mode === 'native') {
      messages.push({ role: 'assistant', content: resp.content ?? '', tool_calls: resp.tool_calls });
      results.forEach((r, i) => messages.push({ role: 'tool', content: r, tool_call_id: dec.ids[i]!, name: dec.calls[i]!.name }));
    } else {
      messages.push({ role: 'assistant', content: resp.content ?? '' });
      // format_execution_results_prompting: repr of the list of tool messages, as one user message
      const entries = dec.calls.map((c, i) => `{'role': 'tool', 'name': ${strRepr(executionString(c))}, 'content': ${strRepr(results[i]!)}}`);
      messages.push({ role: 'user', content: `[${entries.join(', ')}]` });
    }
  }
  return { messages, ...(mode === 'native' ? { tools: nativeTools(item) } : {}) };
}

/**
 * What BFCL stores as a reply's model_responses: the text, or — a native
 * reply with tool calls — the list of {name: arguments} (agentic_checker then
 * takes its first element and str()s it).
 */
function responseText(resp: TurnResponse, mode: BfclMode): string {
  if (mode === 'native' && resp.tool_calls && resp.tool_calls.length > 0) {
    const first = resp.tool_calls[0]!;
    return pyRepr({ [first.function.name]: first.function.arguments });
  }
  return resp.content ?? '';
}

function score(sample: Sample, response: UnitResponse, mode: BfclMode): UnitScore {
  const item = itemOf(sample);
  const turns = response.turns ?? [response];
  let last: string | null = null;
  let calls = 0;
  let steps = 0;
  for (const t of turns) {
    const dec = callsOf(t, mode);
    if (dec) {
      calls += dec.calls.length;
      steps++;
    } else last = responseText(t, mode);
  }
  const details: Record<string, unknown> = { steps, calls };
  if (!last) {
    return {
      predicted: null,
      correct: false,
      details: { ...details, error_type: 'agentic:no_last_message', error: 'Cannot find the last chat message that is not a function call.' },
    };
  }
  const check = agenticChecker(last, item.groundTruth);
  if (check.valid) return { predicted: last, correct: true, details };
  return { predicted: last, correct: false, details: { ...details, error_type: check.error_type, error: check.error_message, standardized_model_response: check.standardized_model_response } };
}

export const webSearch: AgenticModule = {
  name: 'web_search',
  categories: WEB_SEARCH_CATEGORIES,
  needs: 'SERPAPI_API_KEY on the workers (web search through SerpAPI) and access to the open web',
  readRows,
  toSample,
  prompt: (sample, mode) => firstMessages(itemOf(sample), mode),
  tools: (sample, mode) => (mode === 'native' ? nativeTools(itemOf(sample)) : undefined),
  next,
  score,
  maxCalls: WEB_SEARCH_MAX_CALLS,
};

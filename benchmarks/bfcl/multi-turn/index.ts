/**
 * BFCL v4 multi-turn: items, the conversation (inference loop) and scoring.
 *
 * Inference loop — bfcl_eval model_handler/base_handler.py
 * `inference_multi_turn_FC` / `inference_multi_turn_prompting`:
 *   for each user turn: add its messages (a held-out-function turn has none;
 *   the held-out docs are added to the tools and a fixed user message is sent),
 *   then query the model repeatedly: decode its reply; when decoding fails or
 *   yields no call, the turn ends; otherwise execute the calls, feed the
 *   results back and count a step; after more than MAXIMUM_STEP_LIMIT (20)
 *   steps in one turn the whole entry is force-quit.
 * Scoring — eval_checker/multi_turn_eval/multi_turn_checker.py (see checker.ts).
 */

import type { NextRequest, UnitScore } from '../../types';
import type { ChatMessage, ToolSpec, TurnResponse } from '../../../lib/records/messages';
import { parseCallListFull, parsePythonCalls, type ParsedCallFull } from '../parse';
import { checkMultiTurn } from './checker';
import { Env } from './executor';
import { pyRepr, strRepr } from './pyrepr';

/** base_handler MAXIMUM_STEP_LIMIT (bfcl_eval/constants/default_prompts.py). */
export const MAXIMUM_STEP_LIMIT = 20;
/** Most user turns of a v4 multi-turn entry (8, in the base/long_context/miss_* files). */
export const MULTI_TURN_MAX_USER_TURNS = 8;
/** Model calls per unit: every turn may take up to MAXIMUM_STEP_LIMIT + 1 calls. */
export const MULTI_TURN_MAX_CALLS = MULTI_TURN_MAX_USER_TURNS * (MAXIMUM_STEP_LIMIT + 1);

/** DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC */
export const ADDITIONAL_FUNCTION_PROMPT_FC = 'I have updated some more functions you can choose from. What about now?';

/** bfcl_eval/constants/executable_backend_config.py: class → func doc file. */
export const MULTI_TURN_DOC_FILES: Record<string, string> = {
  GorillaFileSystem: 'gorilla_file_system.json',
  MathAPI: 'math_api.json',
  MessageAPI: 'message_api.json',
  TwitterAPI: 'posting_api.json',
  TicketAPI: 'ticket_api.json',
  TradingBot: 'trading_bot.json',
  TravelAPI: 'travel_booking.json',
  VehicleControlAPI: 'vehicle_control.json',
};

export interface FuncDoc {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  response?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface MultiTurnMessage {
  role: string;
  content: string;
}

/** One BFCL multi-turn entry (JSON-serialisable; stored inside sample.data.multi_turn). */
export interface MultiTurnItem {
  id: string;
  /** e.g. "multi_turn_base" (the id without its index). */
  category: string;
  /** User turns; a held-out-function turn is an empty list. */
  question: MultiTurnMessage[][];
  initial_config: Record<string, unknown>;
  involved_classes: string[];
  /** Function docs offered from the first turn (involved classes' docs minus excluded and held-out ones). */
  functions: FuncDoc[];
  /** Turn index (as a string) → docs held out until that turn. */
  missed_function: Record<string, FuncDoc[]>;
  /** Ground-truth call strings per turn, e.g. "cd(folder='document')". */
  ground_truth: string[][];
  long_context: boolean;
}

export type MultiTurnMode = 'native' | 'prompt';

function bad(id: string, what: string): never {
  throw new Error(`BFCL multi-turn entry ${id}: ${what}`);
}

function asDoc(id: string, cls: string, d: unknown): FuncDoc {
  if (!d || typeof d !== 'object' || typeof (d as FuncDoc).name !== 'string' || typeof (d as FuncDoc).parameters !== 'object') {
    bad(id, `a function doc of ${cls} (${MULTI_TURN_DOC_FILES[cls]}) is not {name, description, parameters}: ${JSON.stringify(d)?.slice(0, 120)}`);
  }
  return d as FuncDoc;
}

/**
 * Build an item from one line of BFCL_v4_multi_turn_*.json, the `ground_truth`
 * of the matching possible_answer line and the parsed func docs (class → docs).
 * Docs follow BFCL's populate step: every involved class's docs in order,
 * minus `excluded_function`; `missed_function` names are moved out to their turn.
 */
export function buildMultiTurnItem(row: Record<string, unknown>, groundTruth: unknown, docs: Record<string, unknown[]>): MultiTurnItem {
  const id = typeof row.id === 'string' ? row.id : bad(String(row.id), '"id" must be a string');
  const q = row.question;
  if (!Array.isArray(q) || q.length === 0) bad(id, '"question" must be a non-empty list of turns (each a list of {role, content} messages)');
  const question = q.map((turn, t) => {
    if (!Array.isArray(turn)) bad(id, `question turn ${t} must be a list of messages`);
    return turn.map((m, i) => {
      if (!m || typeof m !== 'object' || typeof (m as MultiTurnMessage).role !== 'string' || typeof (m as MultiTurnMessage).content !== 'string') bad(id, `question turn ${t} message ${i} must be {role, content} strings`);
      return { role: (m as MultiTurnMessage).role, content: (m as MultiTurnMessage).content };
    });
  });
  const cfg = row.initial_config ?? {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) bad(id, '"initial_config" must be an object (class → state)');
  const classes = row.involved_classes;
  if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string')) bad(id, '"involved_classes" must be a list of class names');
  for (const c of classes as string[]) {
    if (!(c in MULTI_TURN_DOC_FILES)) bad(id, `unknown involved class "${c}" (known: ${Object.keys(MULTI_TURN_DOC_FILES).join(', ')})`);
    if (!Array.isArray(docs[c])) bad(id, `no function docs given for ${c} (multi_turn_func_doc/${MULTI_TURN_DOC_FILES[c]})`);
  }
  const excluded = row.excluded_function ?? [];
  if (!Array.isArray(excluded)) bad(id, '"excluded_function" must be a list of names');
  const missedRaw = row.missed_function ?? {};
  if (typeof missedRaw !== 'object' || Array.isArray(missedRaw)) bad(id, '"missed_function" must be an object (turn → names)');
  const all: FuncDoc[] = [];
  for (const c of classes as string[]) for (const d of docs[c]!) all.push(asDoc(id, c, d));
  const heldOut = new Set<string>();
  const missed: Record<string, FuncDoc[]> = {};
  for (const [turn, names] of Object.entries(missedRaw as Record<string, unknown>)) {
    if (!/^\d+$/.test(turn) || Number(turn) >= question.length) bad(id, `missed_function turn "${turn}" is not a turn index`);
    if (!Array.isArray(names)) bad(id, `missed_function["${turn}"] must be a list of names`);
    missed[turn] = names.map((n) => {
      const doc = all.find((d) => d.name === n);
      if (!doc) bad(id, `missed_function names "${String(n)}", which no involved class documents`);
      heldOut.add(n as string);
      return doc;
    });
    if (question[Number(turn)]!.length !== 0) bad(id, `held-out turn ${turn} should have no user message`);
  }
  const functions = all.filter((d) => !heldOut.has(d.name) && !(excluded as unknown[]).includes(d.name));
  if (!Array.isArray(groundTruth) || groundTruth.some((t) => !Array.isArray(t) || t.some((c: unknown) => typeof c !== 'string'))) bad(id, 'ground truth must be a list (per turn) of lists of call strings');
  const gt = groundTruth as string[][];
  if (gt.length !== question.length) bad(id, `ground truth has ${gt.length} turns but the question has ${question.length}`);
  gt.forEach((turn, t) =>
    turn.forEach((c) => {
      try {
        parsePythonCalls(c);
      } catch (e) {
        bad(id, `ground-truth call ${JSON.stringify(c)} of turn ${t} does not parse: ${(e as Error).message}`);
      }
    }),
  );
  const category = id.replace(/_\d+$/, '');
  return {
    id,
    category,
    question,
    initial_config: cfg as Record<string, unknown>,
    involved_classes: classes as string[],
    functions,
    missed_function: missed,
    ground_truth: gt,
    long_context: category.includes('long_context') || category.includes('composite'),
  };
}

// ---------------------------------------------------------------------------
// Decoding a model reply
// ---------------------------------------------------------------------------

export type Decoded = { ok: true; calls: ParsedCallFull[]; ids: string[] } | { ok: false; error: string };

/**
 * native: the reply's tool calls (`convert_to_function_call`: arguments must be
 * a JSON object; a reply without tool calls does not decode). prompt:
 * `default_decode_execute_prompting` on the text (keyword arguments only).
 */
export function decodeReply(resp: TurnResponse, mode: MultiTurnMode): Decoded {
  if (mode === 'native') {
    const tcs = resp.tool_calls ?? [];
    if (tcs.length === 0) return { ok: false, error: 'no tool calls' };
    const calls: ParsedCallFull[] = [];
    for (const tc of tcs) {
      let args: unknown;
      try {
        args = JSON.parse(tc.function.arguments);
      } catch (e) {
        return { ok: false, error: `arguments of ${tc.function.name} are not JSON: ${(e as Error).message}` };
      }
      if (!args || typeof args !== 'object' || Array.isArray(args)) return { ok: false, error: `arguments of ${tc.function.name} are not a JSON object` };
      calls.push({ name: tc.function.name, args: args as Record<string, unknown>, positional: [] });
    }
    return { ok: true, calls, ids: tcs.map((t) => t.id) };
  }
  try {
    const calls = parseCallListFull(resp.content ?? '').map((c) => ({ name: c.name, args: c.args, positional: [] }));
    return { ok: true, calls, ids: [] };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** decoded_output_to_execution_list: `name(k=repr(v), …)`; a dict whose values are all dicts prints as a call. */
export function executionString(call: ParsedCallFull): string {
  const nested = (v: unknown): string => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.every(([, x]) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
        const [fname, fargs] = entries[0] ?? ['', {}];
        return `${fname}(${Object.entries(fargs as Record<string, unknown>).map(([k, x]) => `${k}=${nested(x)}`).join(', ')})`;
      }
      return '{' + entries.map(([k, x]) => `'${k}': ${nested(x)}`).join(', ') + '}';
    }
    return pyRepr(v);
  };
  return `${call.name}(${Object.entries(call.args).map(([k, v]) => `${k}=${nested(v)}`).join(', ')})`;
}

// ---------------------------------------------------------------------------
// Prompts and tools
// ---------------------------------------------------------------------------

const PY_HINT = ' Note that the provided function is in Python 3 syntax.';

/** GORILLA_TO_OPENAPI */
const TYPE_MAP: Record<string, string> = { integer: 'integer', number: 'number', float: 'number', string: 'string', boolean: 'boolean', bool: 'boolean', array: 'array', list: 'array', dict: 'object', object: 'object', tuple: 'array', any: 'string' };

function castProperties(props: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value0] of Object.entries(props)) {
    const value: Record<string, unknown> = { ...value0 };
    if (!('type' in value)) value.type = 'string';
    else {
      const t = value.type as string;
      if (t === 'float') {
        value.format = 'float';
        value.description = String(value.description ?? '') + ' This is a float type value.';
      }
      value.type = TYPE_MAP[t] ?? 'string';
    }
    if (value.type === 'array' || value.type === 'object') {
      if (value.properties && typeof value.properties === 'object') value.properties = castProperties(value.properties as Record<string, Record<string, unknown>>);
      else if (value.items && typeof value.items === 'object') {
        const items: Record<string, unknown> = { ...(value.items as Record<string, unknown>) };
        items.type = TYPE_MAP[items.type as string] ?? items.type;
        if (items.type === 'array' && items.items && typeof items.items === 'object') {
          const inner = { ...(items.items as Record<string, unknown>) };
          inner.type = TYPE_MAP[inner.type as string] ?? inner.type;
          items.items = inner;
        } else if (items.type === 'object' && items.properties && typeof items.properties === 'object') {
          items.properties = castProperties(items.properties as Record<string, Record<string, unknown>>);
        }
        value.items = items;
      }
    }
    out[key] = value;
  }
  return out;
}

/** convert_to_tool(…, GORILLA_TO_OPENAPI, OpenAI style) after func_doc_language_specific_pre_processing (`hints` times). */
export function toolSpec(doc: FuncDoc, hints = 1): ToolSpec {
  const params = { ...(doc.parameters as Record<string, unknown>) };
  params.type = 'object';
  params.properties = castProperties((params.properties ?? {}) as Record<string, Record<string, unknown>>);
  return { type: 'function', function: { name: doc.name, description: doc.description + PY_HINT.repeat(hints), parameters: params } };
}

function jsonIndent(v: unknown, indent: number, level = 0): string {
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => pad + jsonIndent(x, indent, level + 1)).join(',\n') + '\n' + end + ']';
  }
  if (v !== null && typeof v === 'object') {
    const es = Object.entries(v as Record<string, unknown>);
    if (es.length === 0) return '{}';
    return '{\n' + es.map(([k, x]) => pad + jsonStr(k) + ': ' + jsonIndent(x, indent, level + 1)).join(',\n') + '\n' + end + '}';
  }
  if (typeof v === 'string') return jsonStr(v);
  return JSON.stringify(v) ?? 'null';
}

function jsonStr(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * The default prompting system prompt (formulate_system_prompt with
 * "ret_fmt=python&tool_call_tag=False&func_doc_fmt=json&prompt_fmt=plaintext&style=classic").
 */
export function promptingSystemPrompt(functions: FuncDoc[]): string {
  const processed = functions.map((d) => ({ ...d, description: d.description + PY_HINT }));
  const persona = 'You are an expert in composing functions.';
  const task =
    'You are given a question and a set of possible functions. Based on the question, you will need to make one or more function/tool calls to achieve the purpose. If none of the functions can be used, point it out. If the given question lacks the parameters required by the function, also point it out.';
  const toolCallFormat =
    'You should only return the function calls in your response.\n\nIf you decide to invoke any of the function(s), you MUST put it in the format of [func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)].  You SHOULD NOT include any other text in the response.';
  const multiturn =
    "At each turn, you should try your best to complete the tasks requested by the user within the current turn. Continue to output functions to call until you have fulfilled the user's request to the best of your ability. Once you have no more functions to call, the system will consider the current turn complete and proceed to the next turn or task.";
  const tools = `Here is a list of functions in json format that you can invoke.\n${jsonIndent(processed, 4)}\n`;
  return `${persona}${task}\n\n${toolCallFormat}\n\n${multiturn}\n\n${tools}`;
}

// ---------------------------------------------------------------------------
// The conversation
// ---------------------------------------------------------------------------

interface Walk {
  /** Decoded, non-empty call lists per completed-or-current turn (what the evaluator scores). */
  decoded: ParsedCallFull[][][];
  /** Every user turn was finished (all replies consumed, nothing pending). */
  finished: boolean;
  forceQuit: boolean;
  next: NextRequest | null;
}

function turnMessages(item: MultiTurnItem, t: number, mode: MultiTurnMode): { role: string; content: string }[] {
  const held = item.missed_function[String(t)];
  if (held) {
    if (mode === 'native') return [{ role: 'user', content: ADDITIONAL_FUNCTION_PROMPT_FC }];
    // DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_PROMPTING: "{functions}\n" + the FC prompt, functions = str(list of docs)
    return [{ role: 'user', content: `${pyRepr(held)}\n${ADDITIONAL_FUNCTION_PROMPT_FC}` }];
  }
  return item.question[t]!.map((m) => ({ role: m.role, content: m.content }));
}

function nativeTools(item: MultiTurnItem, t: number): ToolSpec[] {
  // func_doc_language_specific_pre_processing mutates the docs in place on every (re)compile:
  // a doc gets the Python hint once per compile since it was added.
  const holdTurns = Object.keys(item.missed_function).map(Number).filter((x) => x <= t).sort((a, b) => a - b);
  const tools = item.functions.map((d) => toolSpec(d, 1 + holdTurns.length));
  for (const h of holdTurns) {
    const later = holdTurns.filter((x) => x >= h).length;
    for (const d of item.missed_function[String(h)]!) tools.push(toolSpec(d, later));
  }
  return tools;
}

function walk(item: MultiTurnItem, turns: TurnResponse[], mode: MultiTurnMode, build: boolean): Walk {
  const env = build ? new Env(item.involved_classes, item.initial_config, item.long_context) : null;
  const messages: ChatMessage[] = [];
  const decoded: ParsedCallFull[][][] = [];
  let r = 0;
  if (build && mode === 'prompt') messages.push({ role: 'system', content: promptingSystemPrompt(item.functions) });
  for (let t = 0; t < item.question.length; t++) {
    for (const m of turnMessages(item, t, mode)) {
      if (m.role === 'system' && build && mode === 'prompt' && messages.length === 1 && messages[0]!.role === 'system' && t === 0) {
        messages[0] = { role: 'system', content: `${messages[0]!.content}\n\n${m.content}` };
      } else messages.push({ role: m.role as ChatMessage['role'], content: m.content });
    }
    const turnDecoded: ParsedCallFull[][] = [];
    decoded.push(turnDecoded);
    let count = 0;
    for (;;) {
      if (r >= turns.length) {
        return { decoded, finished: false, forceQuit: false, next: build ? { messages, ...(mode === 'native' ? { tools: nativeTools(item, t) } : {}) } : null };
      }
      const resp = turns[r++]!;
      const dec = decodeReply(resp, mode);
      const ok = dec.ok && dec.calls.length > 0;
      if (build) {
        if (mode === 'native') {
          const msg: ChatMessage = { role: 'assistant', content: resp.content ?? '' };
          // A reply whose tool calls cannot be decoded ends the turn; its calls are dropped from the
          // history so the conversation stays valid for OpenAI-compatible servers.
          if (ok && resp.tool_calls && resp.tool_calls.length > 0) msg.tool_calls = resp.tool_calls;
          messages.push(msg);
        } else messages.push({ role: 'assistant', content: resp.content ?? '' });
      }
      if (!ok) break;
      const calls = (dec as { calls: ParsedCallFull[]; ids: string[] }).calls;
      turnDecoded.push(calls);
      if (build) {
        const results = calls.map((c) => env!.execute(c));
        if (mode === 'native') {
          const ids = (dec as { ids: string[] }).ids;
          results.forEach((res, i) => messages.push({ role: 'tool', content: res, tool_call_id: ids[i]!, name: calls[i]!.name }));
        } else {
          // format_execution_results_prompting: repr([{'role': 'tool', 'name': <call>, 'content': <result>}, …]) as a user message
          const items = calls.map((c, i) => `{'role': 'tool', 'name': ${strRepr(executionString(c))}, 'content': ${strRepr(results[i]!)}}`);
          messages.push({ role: 'user', content: `[${items.join(', ')}]` });
        }
      }
      count++;
      if (count > MAXIMUM_STEP_LIMIT) return { decoded, finished: true, forceQuit: true, next: null };
    }
  }
  return { decoded, finished: true, forceQuit: false, next: null };
}

/**
 * The next request of a multi-turn unit given every model reply so far (none
 * for the first request), or null when the unit is complete. Pure: the
 * conversation is rebuilt by replaying the replies' calls on fresh instances.
 */
export function multiTurnRequest(item: MultiTurnItem, turns: TurnResponse[], mode: MultiTurnMode): NextRequest | null {
  return walk(item, turns, mode, true).next;
}

/** Score a finished unit with BFCL's multi-turn checker. */
export function scoreMultiTurn(item: MultiTurnItem, turns: TurnResponse[], mode: MultiTurnMode): UnitScore {
  const w = walk(item, turns, mode, false);
  const nCalls = w.decoded.reduce((s, t) => s + t.reduce((a, step) => a + step.length, 0), 0);
  const predicted = nCalls === 0 ? null : `${nCalls} call${nCalls === 1 ? '' : 's'} over ${w.decoded.length} turn${w.decoded.length === 1 ? '' : 's'}`;
  if (!w.finished) {
    return { predicted, correct: false, details: { error_type: 'multi_turn:incomplete', message: `The conversation stopped before every user turn was answered (${w.decoded.length} of ${item.question.length} turns started).` } };
  }
  if (w.decoded.length !== item.ground_truth.length) {
    return {
      predicted,
      correct: false,
      details: {
        error_type: 'multi_turn:force_terminated',
        message: `Model was force-terminated during inference phase. The length of the model result turns (${w.decoded.length}) does not match the length of the ground truth turns (${item.ground_truth.length}).`,
      },
    };
  }
  const result = checkMultiTurn(item, w.decoded);
  return { predicted, correct: result.valid, details: result.valid ? { calls: nCalls } : result.details };
}

export { parseCallListFull };

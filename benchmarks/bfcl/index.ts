/**
 * ns_bfcl_v4 — Berkeley Function Calling Leaderboard v4. NeMo-Skills 0b012df8
 * runs BFCL through inference/eval/bfcl.py and evaluation/evaluator/bfcl.py,
 * which hand the answers to gorilla's bfcl_eval checker; it has no bfcl_v4
 * dataset module at that revision (v4 lived on a branch), so the v4 categories,
 * checker and overall follow bfcl-eval 2026.3.23, whose checker rules equal
 * gorilla d2177992's (the 25.11 container's) — docs/fidelity.md.
 *
 * Categories: the 13 single-turn ones (simple_python/java/javascript,
 * multiple, parallel, parallel_multiple, irrelevance, live_*) are checked here
 * with BFCL's AST checker (ast-checker.ts); the four multi_turn_* ones are a
 * conversation of tool calls executed against simulated APIs, delegated to
 * multi-turn/index.ts (the item travels in `sample.data.multi_turn`). The
 * agentic categories (web_search_*, memory_*) call outside services and run
 * only when the task enables them (`++bfcl_agentic=web_search,memory`),
 * delegated to agentic/web-search and agentic/memory; otherwise the metrics
 * list them under `not_run` with categories.ts NOT_RUN_REASONS and mark the
 * overall score partial instead of counting them as zero.
 *
 * Modes (NeMo-Skills `++use_client_parsing`, read from the task's extra.args):
 * - native (`use_client_parsing=False`, the default here): the question's
 *   first turn as the messages, the functions as OpenAI tools (tools.ts; dots
 *   in names become underscores, mapped back when checking); the unit's
 *   `tool_calls` are the answer, their JSON `arguments` read as Python's
 *   json.loads reads them (gorilla OpenAICompletionsHandler.decode_ast in FC
 *   mode; a reply without tool calls is its text, which does not decode).
 * - prompt (`use_client_parsing=True`): no tools; BFCL's prompting system
 *   prompt with the (language-hinted) function docs; the reply text parsed as
 *   a Python call list (default_decode_ast_prompting, parse.ts). NeMo-Skills'
 *   client parsing instead renders the model's own chat template with tools
 *   and parses with the model's BFCL handler; an OpenAI-compatible endpoint
 *   offers no chat template, so evalflow uses BFCL's generic prompting
 *   handler, the mode BFCL uses for every prompt-based model.
 * The mode a sample was prepared in is recorded in `sample.data.mode` by
 * `prompt()` (scoring does not see the task options).
 */
import type { ConversationIO, NextRequest, PlainBenchmark, UnitScore } from '../types';
import type { PromptOptions } from '../../lib/records/benchmark-data';
import type { ChatMessage, Sample, ToolSpec, TurnResponse, UnitResponse } from '../../lib/records/messages';
import { rowString } from '../families/rows';
import {
  type Decoded,
  type DecodedCall,
  type FunctionDoc,
  type GroundTruth,
  callsToJson,
  judgeSingleTurn,
  languageOf,
} from './ast-checker';
import { ALL_SCORING_CATEGORIES, isMultiTurnCategory, RUN_CATEGORIES } from './categories';
import { AGENTIC_MODULES, agenticModuleOf } from './agentic/index';
import { BFCL_HF_REPO, BFCL_LOCAL_DIR, BFCL_SPLITS, needsAnswers, readBfclRows } from './data';
import { bfclMetrics } from './metrics';
import { type MultiTurnItem, MULTI_TURN_MAX_CALLS, multiTurnRequest, scoreMultiTurn } from './multi-turn';
import { parseCallList } from './parse';
import { PyFloat, type PyValue, fromPlain, isPyDict, parseJsonPy, pyRepr } from './py-values';
import { convertToTools, hintedFunctionDocs, withBfclSystemPrompt } from './tools';

export type BfclMode = 'native' | 'prompt';

const TASK = 'ns_bfcl_v4';

/** `++use_client_parsing=…` → mode; absent → native. */
export function bfclMode(options: PromptOptions): BfclMode {
  const raw = options.benchmarkArgs?.use_client_parsing;
  if (raw === undefined) return 'native';
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return 'prompt';
  if (v === 'false' || v === '0') return 'native';
  throw new Error(`${TASK}: ++use_client_parsing must be True or False, got ${JSON.stringify(raw)}`);
}

// ---------------------------------------------------------------------------
// Rows → samples

function messagesOf(question: unknown, id: string): ChatMessage[] {
  if (!Array.isArray(question) || !Array.isArray(question[0])) {
    throw new Error(`${TASK} "${id}": "question" must be a list of turns, each a list of {role, content} messages`);
  }
  return (question[0] as unknown[]).map((m, i) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (!['system', 'user', 'assistant'].includes(String(msg?.role)) || typeof msg?.content !== 'string') {
      throw new Error(`${TASK} "${id}": message ${i + 1} of the first turn needs a role (system/user/assistant) and a string content`);
    }
    return { role: msg.role as ChatMessage['role'], content: msg.content };
  });
}

function functionsOf(functions: unknown, id: string): FunctionDoc[] {
  if (!Array.isArray(functions)) throw new Error(`${TASK} "${id}": "function" must be a list of function docs`);
  functions.forEach((f, i) => {
    const doc = f as Partial<FunctionDoc>;
    if (typeof doc?.name !== 'string' || typeof doc.parameters !== 'object' || doc.parameters === null || typeof doc.parameters.properties !== 'object') {
      throw new Error(`${TASK} "${id}": function doc ${i + 1} needs a "name" and "parameters.properties"`);
    }
  });
  return functions as FunctionDoc[];
}

function toSample(raw: Record<string, unknown>, index: number): Sample {
  const agentic = typeof raw.category === 'string' ? agenticModuleOf(raw.category) : undefined;
  if (agentic) return agentic.toSample(raw, index);
  const category = rowString(TASK, raw, 'category', index, ` (one of ${RUN_CATEGORIES.join(', ')})`);
  if (!RUN_CATEGORIES.includes(category)) throw new Error(`${TASK} row ${index}: unknown category "${category}" (expected one of ${RUN_CATEGORIES.join(', ')})`);
  const id = rowString(TASK, raw, 'id', index);
  if (isMultiTurnCategory(category)) {
    if (typeof raw.multi_turn !== 'object' || raw.multi_turn === null) throw new Error(`${TASK} "${id}": a multi-turn row needs its "multi_turn" item (built by readRows)`);
    return { id, subset: category, expected: JSON.stringify(raw.ground_truth ?? null), data: { category, multi_turn: raw.multi_turn } };
  }
  const messages = messagesOf(raw.question, id);
  const functions = functionsOf(raw.function, id);
  let groundTruth: GroundTruth | null = null;
  if (needsAnswers(category)) {
    if (!Array.isArray(raw.ground_truth)) throw new Error(`${TASK} "${id}": category ${category} needs a "ground_truth" list (the possible answer)`);
    groundTruth = raw.ground_truth as GroundTruth;
  }
  // The answer with its literals (data.ts readAnswers), when the row was read from the answer files.
  const exact = groundTruth && typeof raw.ground_truth_py === 'string' ? { ground_truth_py: raw.ground_truth_py } : {};
  return {
    id,
    subset: category,
    expected: groundTruth ? JSON.stringify(groundTruth) : '',
    data: { category, messages, functions, ...(groundTruth ? { ground_truth: groundTruth } : {}), ...exact },
  };
}

function categoryOf(sample: Sample): string {
  const c = sample.data.category;
  if (typeof c !== 'string') throw new Error(`${TASK} sample "${sample.id}" has no data.category`);
  return c;
}

function multiTurnItemOf(sample: Sample): MultiTurnItem {
  return sample.data.multi_turn as MultiTurnItem;
}

function withConfigSystemPrompt(messages: ChatMessage[], options: PromptOptions): ChatMessage[] {
  // NeMo-Skills BFCLGenerationTask prepends `system_message` to every request.
  return options.systemPrompt ? [{ role: 'system', content: options.systemPrompt }, ...messages] : messages;
}

function prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
  if (options.promptConfig) throw new Error(`${TASK} takes no prompt_config (NeMo-Skills' BFCL generation requires prompt_config=None); remove ++prompt_config=${options.promptConfig}`);
  const mode = bfclMode(options);
  sample.data.mode = mode;
  const category = categoryOf(sample);
  const agentic = agenticModuleOf(category);
  if (agentic) return withConfigSystemPrompt(agentic.prompt(sample, mode, options), options);
  if (isMultiTurnCategory(category)) {
    const first = multiTurnRequest(multiTurnItemOf(sample), [], mode);
    if (!first) throw new Error(`${TASK} "${sample.id}": the multi-turn item has no first request`);
    return withConfigSystemPrompt(first.messages, options);
  }
  const messages = (sample.data.messages as ChatMessage[]).map((m) => ({ ...m }));
  if (mode === 'native') return withConfigSystemPrompt(messages, options);
  return withConfigSystemPrompt(withBfclSystemPrompt(messages, hintedFunctionDocs(sample.data.functions as FunctionDoc[], category)), options);
}

function tools(sample: Sample, options: PromptOptions): ToolSpec[] | undefined {
  const mode = bfclMode(options);
  const agentic = agenticModuleOf(categoryOf(sample));
  if (agentic) return agentic.tools(sample, mode, options);
  if (mode === 'prompt') return undefined;
  const category = categoryOf(sample);
  if (isMultiTurnCategory(category)) return multiTurnRequest(multiTurnItemOf(sample), [], mode)?.tools;
  const list = convertToTools(hintedFunctionDocs(sample.data.functions as FunctionDoc[], category));
  return list.length ? list : undefined;
}

function next(sample: Sample, turns: TurnResponse[], options: PromptOptions, io?: ConversationIO): NextRequest | null | Promise<NextRequest | null> {
  const agentic = agenticModuleOf(categoryOf(sample));
  if (agentic) {
    const withSystem = (req: NextRequest | null) => (req ? { ...req, messages: withConfigSystemPrompt(req.messages, options) } : null);
    const r = agentic.next(sample, turns, bfclMode(options), options, io);
    return r instanceof Promise ? r.then(withSystem) : withSystem(r);
  }
  if (!isMultiTurnCategory(categoryOf(sample))) return null;
  const req = multiTurnRequest(multiTurnItemOf(sample), turns, bfclMode(options));
  return req ? { ...req, messages: withConfigSystemPrompt(req.messages, options) } : null;
}

// ---------------------------------------------------------------------------
// Decoding

/** FC-mode decode_ast: each tool call's `arguments` through json.loads; no tool calls → the text, which decodes only when empty. */
export function decodeNative(response: TurnResponse): Decoded {
  const toolCalls = response.tool_calls ?? [];
  if (toolCalls.length === 0) {
    return response.content === '' ? { ok: true, calls: [] } : { ok: false, error: 'The model answered with text, not a tool call.' };
  }
  const calls: DecodedCall[] = [];
  for (const tc of toolCalls) {
    const name = tc.function?.name;
    try {
      calls.push({ name: String(name), args: parseJsonPy(tc.function?.arguments ?? '') });
    } catch (e) {
      return { ok: false, error: `The arguments of the call to ${JSON.stringify(name)} are not valid JSON (${e instanceof Error ? e.message : String(e)}).` };
    }
  }
  return { ok: true, calls };
}

/**
 * Prompt-mode Java / JavaScript answers: BFCL parses them with tree-sitter
 * Java / JS parsers, which hand every argument over as its source text. From
 * a Python-syntax parse the closest is the literal's text: 5 → "5",
 * true / True → "true" / "True"; JavaScript arrays and objects are written
 * back in JS syntax.
 */
function sourceText(v: PyValue, language: 'Java' | 'JavaScript', nested = false): string {
  if (typeof v === 'string') return nested ? JSON.stringify(v) : v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (v instanceof PyFloat) return pyRepr(v);
  if (language === 'JavaScript' && Array.isArray(v)) return `[${v.map((x) => sourceText(x, language, true)).join(', ')}]`;
  if (language === 'JavaScript' && isPyDict(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${sourceText(x, language, true)}`).join(', ')}}`;
  throw new Error(`a ${language} argument cannot be the Python literal ${pyRepr(v)}`);
}

export function decodePrompt(text: string, functions: readonly FunctionDoc[], category: string): Decoded {
  let parsed;
  try {
    // Floats kept apart from ints: `number=60.0` is a float, which the checker rejects for an integer parameter.
    parsed = parseCallList(text, true);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const language = languageOf(category);
  try {
    const calls = parsed.map((c): DecodedCall => {
      const args = fromPlain(c.args);
      if (!isPyDict(args) || language === 'Python') return { name: c.name, args };
      return { name: c.name, args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, sourceText(v, language)])) };
    });
    return { ok: true, calls };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

// ---------------------------------------------------------------------------
// Scoring

function modeOf(sample: Sample): BfclMode {
  const m = sample.data.mode;
  if (m === undefined) return 'native';
  if (m !== 'native' && m !== 'prompt') throw new Error(`${TASK} sample "${sample.id}": data.mode must be "native" or "prompt", got ${JSON.stringify(m)}`);
  return m;
}

function score(text: string, sample: Sample, _verdict?: unknown, response?: UnitResponse): UnitScore {
  const category = categoryOf(sample);
  const mode = modeOf(sample);
  const agentic = agenticModuleOf(category);
  if (agentic) {
    const s = agentic.score(sample, response ?? { content: text }, mode);
    return { ...s, details: { category, mode, ...(s.details ?? {}) } };
  }
  if (isMultiTurnCategory(category)) {
    const turns = response?.turns ?? [response ?? { content: text }];
    const s = scoreMultiTurn(multiTurnItemOf(sample), turns, mode);
    return { ...s, details: { category, mode, ...(s.details ?? {}) } };
  }
  let decoded: Decoded;
  const functions = sample.data.functions as FunctionDoc[];
  if (mode === 'native') {
    if (!response) throw new Error(`${TASK} (native tool calls) needs the unit's full response with its tool_calls at scoring; none was passed for sample "${sample.id}"`);
    decoded = decodeNative(response);
  } else {
    decoded = decodePrompt(text, functions, category);
  }
  const exactText = sample.data.ground_truth_py;
  const exact = typeof exactText === 'string';
  const answers = exact ? (parseJsonPy(exactText) as unknown as GroundTruth) : ((sample.data.ground_truth as GroundTruth | undefined) ?? null);
  const verdict = judgeSingleTurn(category, functions, answers, decoded, mode === 'native', exact);
  const details: Record<string, unknown> = { category, mode, calls: decoded.ok ? decoded.calls.length : null };
  if (!verdict.correct) {
    details.error_type = verdict.error_type;
    details.error = verdict.error;
  }
  return { predicted: decoded.ok ? callsToJson(decoded.calls) : null, correct: verdict.correct, details };
}

export const bfclV4: PlainBenchmark = {
  kind: 'plain',
  name: TASK,
  scorerVersion: '2',
  description:
    'BFCL v4 function calling (17 single- and multi-turn categories; web search and memory with ++bfcl_agentic), native tools or ++use_client_parsing=True prompting, BFCL AST / state / agentic checkers, v4 weighted overall',
  dataset: {
    hfRepo: BFCL_HF_REPO,
    hfConfig: 'default',
    split: 'test',
    localFile: BFCL_LOCAL_DIR,
    readRows: readBfclRows,
    splits: BFCL_SPLITS,
  },
  benchmarkArgs: ['use_client_parsing', 'bfcl_agentic'],
  // NeMo-Skills generation defaults: greedy decoding.
  defaults: { temperature: 0 },
  // readRows already selects the categories (the agentic ones only when the task enables them).
  accept: (raw) => typeof raw.category === 'string' && ALL_SCORING_CATEGORIES.includes(raw.category),
  // A memory scenario's questions share their prerequisite conversation: one shard pays it once.
  shardGroup: (raw) => (typeof raw.category === 'string' && raw.category.startsWith('memory') && typeof raw.scenario === 'string' ? `${raw.category}/${raw.scenario}` : undefined),
  toSample,
  prompt,
  tools,
  conversation: { next, maxTurns: Math.max(MULTI_TURN_MAX_CALLS, ...AGENTIC_MODULES.map((m) => m.maxCalls)) },
  score,
  metrics: bfclMetrics,
};

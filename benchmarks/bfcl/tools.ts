/**
 * What the model is shown: BFCL's function docs as OpenAI tools (native mode)
 * or inside BFCL's prompting system prompt (prompt mode).
 *
 * - Language hints (gorilla bfcl_eval/utils.py `_func_doc_language_specific_pre_processing`,
 *   applied when the dataset is loaded with include_language_specific_hint=True,
 *   as generation does and as NeMo-Skills' bfcl_v4 prepare.py does through
 *   `add_language_specific_hint_to_function_doc`): every description gets
 *   " Note that the provided function is in Python 3 syntax." (Java 8 SDK /
 *   JavaScript for those categories); for Java and JavaScript every parameter
 *   becomes `string` with a note on its real type, list element types are
 *   moved into the description, and JavaScript dict schemas too.
 *   (NeMo-Skills' own `func_doc_language_specific_pre_processing` then adds a
 *   second Python hint, because it compares the category to the old names
 *   "java"/"javascript"; evalflow adds the hint once, as gorilla does.)
 * - OpenAI tools (model_handler/utils.py `convert_to_tool` with
 *   GORILLA_TO_OPENAPI, NeMo-Skills dataset/bfcl_v4/utils.py `convert_to_tool`):
 *   dots in names become underscores (OpenAI names match ^[a-zA-Z0-9_-]{1,64}$;
 *   the checker maps them back, ast-checker.ts `expectedCallName`), the
 *   parameters object gets type "object", and types are mapped: dict → object,
 *   float → number (with format "float" and " This is a float type value."),
 *   tuple → array, any → string, unknown types → string, recursing into
 *   properties and one or two levels of items.
 * - Prompt mode (model_handler/utils.py `formulate_system_prompt` with the
 *   default config "ret_fmt=python&tool_call_tag=False&func_doc_fmt=json&
 *   prompt_fmt=plaintext&style=classic", constants/default_prompts.py), merged
 *   into the first turn by `system_prompt_pre_processing_chat_model`.
 */
import type { ChatMessage, ToolSpec } from '../../lib/records/messages';
import type { FunctionDoc, ParamDoc } from './ast-checker';
import { languageOf } from './ast-checker';

/** constants/type_mappings.py GORILLA_TO_OPENAPI */
export const GORILLA_TO_OPENAPI: Readonly<Record<string, string>> = {
  integer: 'integer',
  number: 'number',
  float: 'number',
  string: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  array: 'array',
  list: 'array',
  dict: 'object',
  object: 'object',
  tuple: 'array',
  any: 'string',
  byte: 'integer',
  short: 'integer',
  long: 'integer',
  double: 'number',
  char: 'string',
  ArrayList: 'array',
  Array: 'array',
  HashMap: 'object',
  Hashtable: 'object',
  Queue: 'array',
  Stack: 'array',
  Any: 'string',
  String: 'string',
  Bigint: 'integer',
};

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function languageHint(category: string): string {
  const lang = languageOf(category);
  if (lang === 'Java') return ' Note that the provided function is in Java 8 SDK syntax.';
  if (lang === 'JavaScript') return ' Note that the provided function is in JavaScript syntax.';
  return ' Note that the provided function is in Python 3 syntax.';
}

/** The function docs as the model sees them (language hints added, Java/JS types turned into strings). A copy. */
export function hintedFunctionDocs(functions: readonly FunctionDoc[], category: string): FunctionDoc[] {
  const out = clone(functions) as FunctionDoc[];
  const lang = languageOf(category);
  for (const item of out) {
    item.description = `${item.description ?? ''}${languageHint(category)}`;
    const properties = item.parameters?.properties ?? {};
    if (lang === 'Python') continue;
    const langName = lang === 'Java' ? 'Java' : 'JavaScript';
    for (const value of Object.values(properties)) {
      const type = String(value.type);
      value.description = `${value.description ?? ''}${
        type === 'any' ? ` This parameter can be of any type of ${langName} object in string representation.` : ` This is ${langName} ${type} type parameter in string representation.`
      }`;
      const listTypes = lang === 'Java' ? ['ArrayList', 'Array'] : ['array'];
      if (listTypes.includes(type)) {
        value.description += ` The list elements are of type ${String(value.items?.type)}; they are not in string representation.`;
        delete value.items;
      }
      if (lang === 'JavaScript' && type === 'dict' && value.properties !== undefined) {
        value.description += ` The dictionary entries have the following schema; they are not in string representation. ${pyJsonDumps(value.properties)}`;
        delete value.properties;
      }
      value.type = 'string';
    }
  }
  return out;
}

function mapType(t: unknown): string {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(GORILLA_TO_OPENAPI, t) ? (GORILLA_TO_OPENAPI[t] as string) : 'string';
}

/** model_handler/utils.py `_cast_to_openai_type` (in place). */
function castToOpenAiType(properties: Record<string, ParamDoc>): Record<string, ParamDoc> {
  for (const value of Object.values(properties)) {
    if (value.type === undefined) {
      value.type = 'string';
    } else {
      if (value.type === 'float') {
        value.format = 'float';
        value.description = `${value.description ?? ''} This is a float type value.`;
      }
      value.type = mapType(value.type);
    }
    if (value.type === 'array' || value.type === 'object') {
      if (value.properties !== undefined) {
        value.properties = castToOpenAiType(value.properties);
      } else if (value.items !== undefined) {
        const items = value.items;
        items.type = mapType(items.type);
        if (items.type === 'array' && items.items !== undefined) {
          items.items.type = mapType(items.items.type);
        } else if (items.type === 'object' && items.properties !== undefined) {
          items.properties = castToOpenAiType(items.properties);
        }
      }
    }
  }
  return properties;
}

/** The OpenAI tool name of a BFCL function (dots → underscores). */
export function toolName(name: string): string {
  return name.replace(/\./g, '_');
}

/** Function docs (already hinted) as OpenAI chat-completions tools. */
export function convertToTools(functions: readonly FunctionDoc[]): ToolSpec[] {
  return clone(functions).map((item) => {
    const parameters = { ...item.parameters, type: 'object', properties: castToOpenAiType(item.parameters?.properties ?? {}) };
    return { type: 'function', function: { name: toolName(item.name), ...(item.description !== undefined ? { description: item.description } : {}), parameters } };
  });
}

// ---------------------------------------------------------------------------
// Prompt mode

/**
 * Python's `json.dumps(value, indent=4)` (ensure_ascii: non-ASCII as \uXXXX).
 * Numbers come from parsed JSON, so a float such as 1.0 in the data prints as 1.
 */
export function pyJsonDumps(value: unknown, indent?: number): string {
  const text = indent === undefined ? pySeparators(JSON.stringify(value)) : JSON.stringify(value, null, indent);
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Python's default separators without indent are ", " and ": "; JSON.stringify uses none. */
function pySeparators(compact: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i] as string;
    out += c;
    if (inString) {
      if (c === '\\') {
        out += compact[i + 1] ?? '';
        i++;
      } else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' || c === ':') out += ' ';
  }
  return out;
}

const PERSONA = 'You are an expert in composing functions.';
const TASK =
  'You are given a question and a set of possible functions. Based on the question, you will need to make one or more function/tool calls to achieve the purpose. If none of the functions can be used, point it out. If the given question lacks the parameters required by the function, also point it out.';
const OUTPUT_FORMAT_PYTHON = '[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]';
// "tool_call_no_tag" of the classic style with the python format and its (empty) param_types note.
const TOOL_CALL_FORMAT = `You should only return the function calls in your response.\n\nIf you decide to invoke any of the function(s), you MUST put it in the format of ${OUTPUT_FORMAT_PYTHON}.  You SHOULD NOT include any other text in the response.`;
const MULTITURN_BEHAVIOR =
  "At each turn, you should try your best to complete the tasks requested by the user within the current turn. Continue to output functions to call until you have fulfilled the user's request to the best of your ability. Once you have no more functions to call, the system will consider the current turn complete and proceed to the next turn or task.";

/** BFCL's default prompting system prompt for these function docs (plaintext template; persona and task joined as the reference joins them). */
export function bfclSystemPrompt(functions: readonly FunctionDoc[]): string {
  const availableTools = `Here is a list of functions in json format that you can invoke.\n${pyJsonDumps(functions, 4)}\n`;
  return `${PERSONA}${TASK}\n\n${TOOL_CALL_FORMAT}\n\n${MULTITURN_BEHAVIOR}\n\n${availableTools}`;
}

/** system_prompt_pre_processing_chat_model: prepend to the question's system message, or add one. */
export function withBfclSystemPrompt(messages: readonly ChatMessage[], functions: readonly FunctionDoc[]): ChatMessage[] {
  const system = bfclSystemPrompt(functions);
  const out = messages.map((m) => ({ ...m }));
  const first = out[0];
  if (first && first.role === 'system') first.content = `${system}\n\n${first.content}`;
  else out.unshift({ role: 'system', content: system });
  return out;
}

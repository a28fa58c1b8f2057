/**
 * BFCL's AST checker for the single-turn categories, ported rule for rule from
 * gorilla `berkeley-function-call-leaderboard/bfcl_eval/eval_checker/ast_eval/
 * ast_checker.py` (and eval_runner.py's ast_file_runner / relevance_file_runner
 * around it). Values are compared as Python values (py-values.ts), because the
 * reference's type checks and `==` decide the score:
 *
 * - dispatch by category name: "parallel" in it → order-independent matching
 *   of every expected call to a distinct model call (greedy, first match
 *   wins, as the reference); else "multiple" in it → the one call must match
 *   the one expected function; else exactly one call, checked as "simple".
 * - simple: the function name (dots → underscores first when the model saw
 *   sanitised tool names: convert_func_name with underscore_to_dot); every
 *   `required` parameter present; every given parameter declared in the doc
 *   AND present in the possible answer; type check (int is promoted to float
 *   for a float parameter in Python; tuple becomes list; a value whose type
 *   matches the possible answer's type instead of the declared one is a
 *   "variable" and compared by plain ==); then by type: dict → dict_checker,
 *   list of dicts → list_dict_checker, str → string_checker (standardised:
 *   spaces and `,./-_*^` removed, lower-cased, `'` → `"`), list →
 *   list_checker (top-level string items standardised), other → `in` the
 *   possible answers; finally every possible-answer parameter not given must
 *   list "" (optional).
 * - Java / JavaScript: every value must be a string; it is converted by the
 *   declared Java / JS type (type-converters.ts) before the same checks.
 * - irrelevance / live_irrelevance: correct ⇔ no function call decoded;
 *   live_relevance: correct ⇔ at least one (the arguments are not checked).
 *
 * Function docs passed here are the dataset's own (un-hinted: Java/JS types
 * intact), as the reference evaluates with include_language_specific_hint=False.
 */
import { type PyDict, PyFloat, PyTuple, type PyTypeName, type PyValue, fromPlain, isPyDict, pyEq, pyIn, pyRepr, pyToJson, pyType } from './py-values';
import { JAVA_TYPE_CONVERSION, JS_TYPE_CONVERSION, javaTypeConverter, jsTypeConverter } from './type-converters';

export type BfclLanguage = 'Python' | 'Java' | 'JavaScript';

export interface ParamDoc {
  type?: string;
  description?: string;
  items?: ParamDoc;
  properties?: Record<string, ParamDoc>;
  [key: string]: unknown;
}

export interface FunctionDoc {
  name: string;
  description?: string;
  parameters: { type?: string; properties: Record<string, ParamDoc>; required?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** One decoded model call: BFCL's `{func_name: {param: value}}`. `args` not a dict makes the output ill-formed. */
export interface DecodedCall {
  name: string;
  args: PyValue;
}

/** A possible answer (`ground_truth`): one `{func_name: {param: [allowed values]}}` per expected call. */
export type GroundTruth = Array<Record<string, Record<string, unknown>>>;

export interface CheckResult {
  valid: boolean;
  error: unknown[];
  error_type?: string;
}

/** ast_checker.PYTHON_TYPE_MAPPING */
const PYTHON_TYPE_MAPPING: Readonly<Record<string, PyTypeName>> = {
  string: 'str',
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  dict: 'dict',
  any: 'str',
};
const PYTHON_NESTED_TYPE_CHECK_LIST = ['array', 'tuple'];
const NESTED_CONVERSION_TYPE_LIST = ['Array', 'ArrayList', 'array'];

export function languageOf(category: string): BfclLanguage {
  if (category.includes('javascript')) return 'JavaScript';
  if (category.includes('java')) return 'Java';
  return 'Python';
}

const MAX_TEXT = 400;

/** Error texts stay bounded: a model can send megabytes of arguments. */
function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… [${s.length - MAX_TEXT} more characters]` : s;
}

function reprList(values: readonly PyValue[]): string {
  return clip(`[${values.map(pyRepr).join(', ')}]`);
}

/** ast_checker.standardize_string */
export function standardizeString(s: string): string {
  return s.replace(/[ ,./\-_*^]/g, '').toLowerCase().replace(/'/g, '"');
}

// ---------------------------------------------------------------------------
// Possible answers as Python values

const FLOAT_TYPES = new Set(['float', 'double', 'number']);
const INT_TYPES = new Set(['integer', 'long', 'short', 'byte', 'Bigint']);

/**
 * A possible-answer value as a Python value. The answer files are JSON
 * written by Python, where `5.0` is a float and `5` an int; the dataset
 * reader hands numbers over as plain JS numbers, so the kind comes from the
 * declared type: numbers under a float parameter (or float list items) are
 * floats, others integral → int. The reference would see the file's literal
 * (a handful of answers write ints for float parameters — see the report).
 */
export function goldValue(v: unknown, doc?: ParamDoc): PyValue {
  if (typeof v === 'number') {
    if (doc?.type && FLOAT_TYPES.has(doc.type)) return new PyFloat(v);
    if (doc?.type && INT_TYPES.has(doc.type) && Number.isInteger(v)) return v;
    return fromPlain(v);
  }
  if (Array.isArray(v)) return v.map((x) => goldValue(x, doc?.items));
  if (v !== null && typeof v === 'object') {
    // A dict answer maps each key to its list of allowed values.
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => {
        const sub = doc?.properties?.[k];
        return [k, Array.isArray(x) ? x.map((y) => goldValue(y, sub)) : goldValue(x, sub)];
      }),
    );
  }
  return fromPlain(v);
}

/**
 * A parameter's allowed values. `exact`: the answer was read with its literals
 * (parseJsonPy: floats are PyFloat), so it is used as it is, as the reference
 * uses json.loads' values; otherwise (a plain-JSON answer) goldValue guesses
 * the kinds from the declared types.
 */
function alternatives(v: unknown, doc: ParamDoc | undefined, exact: boolean): PyValue[] {
  if (exact) return Array.isArray(v) ? (v as PyValue[]) : [v as PyValue];
  return Array.isArray(v) ? v.map((x) => goldValue(x, doc)) : [goldValue(v, doc)];
}

// ---------------------------------------------------------------------------
// Type checker

interface TypeCheck extends CheckResult {
  is_variable: boolean;
  error: string[];
}

function possibleAnswerType(possible: readonly PyValue[]): PyTypeName | null {
  for (const a of possible) if (a !== '') return pyType(a);
  return null;
}

function typeChecker(
  param: string,
  value: PyValue,
  possible: readonly PyValue[],
  expectedDescription: string,
  expected: PyTypeName,
  nested: PyTypeName | null,
): TypeCheck {
  const result: TypeCheck = { valid: true, error: [], is_variable: false, error_type: 'type_error:simple' };
  let isVariable = false;
  // A value of the possible answer's type rather than the declared one is a variable name.
  const answerType = possibleAnswerType(possible);
  if (answerType !== null && answerType !== expected) isVariable = true;

  if (pyType(value) === expected) {
    if (nested === null) {
      result.is_variable = isVariable;
      return result;
    }
    for (const item of possible) {
      let flag = true; // each value item must match the type of this answer's items
      if (Array.isArray(item)) {
        for (const valueItem of value as PyValue[]) {
          if (!typeChecker(param, valueItem, item, `<class '${nested}'>`, nested, null).valid) {
            flag = false;
            break;
          }
        }
      }
      if (flag) return { valid: true, error: [], is_variable: isVariable };
    }
    result.valid = false;
    result.error = [
      clip(`Nested type checking failed for parameter '${param}'. Expected outer type ${expectedDescription} with inner type <class '${nested}'>. Parameter value: ${pyRepr(value)}.`),
    ];
    result.error_type = 'type_error:nested';
  }

  if (answerType !== null && pyType(value) === answerType) {
    result.is_variable = true;
    return result;
  }
  result.valid = false;
  result.error.push(clip(`Incorrect type for parameter '${param}'. Expected type ${expectedDescription}, got ${pyType(value)}. Parameter value: ${pyRepr(value)}.`));
  result.error_type = 'type_error:simple';
  return result;
}

// ---------------------------------------------------------------------------
// Value checkers

function standardized(v: PyValue): PyValue {
  return typeof v === 'string' ? standardizeString(v) : v;
}

function stringChecker(param: string, value: string, possible: readonly PyValue[]): CheckResult {
  const allowed = possible.filter((p): p is string => typeof p === 'string').map(standardizeString);
  if (!allowed.includes(standardizeString(value))) {
    return {
      valid: false,
      error: [clip(`Invalid value for parameter '${param}': ${pyRepr(value)}. Expected one of ${reprList(possible)}. Case insensitive.`)],
      error_type: 'value_error:string',
    };
  }
  return { valid: true, error: [] };
}

/** Items of an allowed value as Python iterates it with len()/[] (a str gives its characters); null: not indexable. */
function indexable(v: PyValue): PyValue[] | null {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  return null;
}

function listChecker(param: string, value: PyValue[], possible: readonly PyValue[]): CheckResult {
  const model = value.map(standardized);
  const found = possible.some((alt) => {
    const items = indexable(alt);
    return items !== null && pyEq(model, items.map(standardized));
  });
  if (!found) {
    return {
      valid: false,
      error: [clip(`Invalid value for parameter '${param}': ${pyRepr(value)}. Expected one of ${reprList(possible)}.`)],
      error_type: 'value_error:list/tuple',
    };
  }
  return { valid: true, error: [] };
}

function dictChecker(value: PyDict, possible: readonly PyValue[]): CheckResult {
  let result: CheckResult = { valid: false, error: [], error_type: 'dict_checker:unclear' };
  for (const alt of possible) {
    if (alt === '') continue;
    result = { valid: false, error: [], error_type: 'dict_checker:unclear' };
    if (!isPyDict(alt)) continue; // the reference cannot index a non-dict answer either
    let flag = true;
    for (const [key, v] of Object.entries(value)) {
      if (!Object.prototype.hasOwnProperty.call(alt, key)) {
        result.error.push(clip(`Unexpected dict key parameter: '${key}'.`));
        result.error_type = 'value_error:dict_key';
        flag = false;
        break;
      }
      const allowedRaw = alt[key] as PyValue;
      const allowed = (Array.isArray(allowedRaw) ? allowedRaw : [allowedRaw]).map(standardized);
      if (!pyIn(standardized(v), allowed)) {
        result.error.push(clip(`Invalid value for parameter '${key}': ${pyRepr(v)}. Expected one of ${reprList(allowed)}.`));
        result.error_type = 'value_error:dict_value';
        flag = false;
        break;
      }
    }
    for (const [key, allowedRaw] of Object.entries(alt)) {
      const allowed = Array.isArray(allowedRaw) ? allowedRaw : [allowedRaw];
      if (!Object.prototype.hasOwnProperty.call(value, key) && !pyIn('', allowed)) {
        result.error.push(clip(`Missing dict key parameter: '${key}'.`));
        result.error_type = 'value_error:dict_key';
        flag = false;
        break;
      }
    }
    if (flag) return { valid: true, error: [] };
  }
  return result;
}

function listDictChecker(value: PyValue[], possible: readonly PyValue[]): CheckResult {
  let result: CheckResult = { valid: false, error: [], error_type: 'list_dict_checker:unclear' };
  for (const alt of possible) {
    const items = indexable(alt);
    if (items === null) continue;
    if (value.length !== items.length) {
      result = { valid: false, error: ['Wrong number of dictionaries in the list.'], error_type: 'value_error:list_dict_count' };
      continue;
    }
    let flag = true;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as PyValue;
      if (!isPyDict(item)) {
        result = { valid: false, error: [clip(`List item ${pyRepr(item)} is not a dict.`)], error_type: 'list_dict_checker:unclear' };
        flag = false;
        break;
      }
      result = dictChecker(item, [items[i] as PyValue]);
      if (!result.valid) {
        flag = false;
        break;
      }
    }
    if (flag) return { valid: true, error: [] };
  }
  return result;
}

// ---------------------------------------------------------------------------
// Function checkers

/** convert_func_name: with sanitised tool names (native mode) the expected "a.b" is "a_b". */
export function expectedCallName(name: string, underscoreToDot: boolean): string {
  return underscoreToDot && name.includes('.') ? name.replace(/\./g, '_') : name;
}

function unsupported(message: string, errorType: string): CheckResult {
  return { valid: false, error: [clip(message)], error_type: errorType };
}

export function simpleFunctionChecker(
  doc: FunctionDoc,
  call: DecodedCall,
  expected: Record<string, unknown>,
  language: BfclLanguage,
  underscoreToDot: boolean,
  exact = false,
): CheckResult {
  const possibleRaw = (Object.values(expected)[0] ?? {}) as Record<string, unknown>;
  const paramDetails = doc.parameters?.properties ?? {};
  const required = doc.parameters?.required ?? [];
  const funcName = expectedCallName(doc.name, underscoreToDot);

  if (call.name !== funcName) {
    return { valid: false, error: [clip(`Function name '${funcName}' not found in model output.`)], error_type: 'simple_function_checker:wrong_func_name' };
  }
  const modelParams = call.args as PyDict;
  for (const param of required) {
    if (!Object.prototype.hasOwnProperty.call(modelParams, param)) {
      return { valid: false, error: [clip(`Missing required parameter: '${param}'.`)], error_type: 'simple_function_checker:missing_required' };
    }
  }

  const possible: Record<string, PyValue[]> = {};
  for (const [param, alts] of Object.entries(possibleRaw)) {
    possible[param] = alternatives(alts, Object.prototype.hasOwnProperty.call(paramDetails, param) ? paramDetails[param] : undefined, exact);
  }

  for (const [param, rawValue] of Object.entries(modelParams)) {
    const declared = Object.prototype.hasOwnProperty.call(paramDetails, param);
    const answered = Object.prototype.hasOwnProperty.call(possible, param);
    const details = declared ? paramDetails[param] : undefined;
    const allowed = answered ? possible[param] : undefined;
    if (!details || allowed === undefined) {
      return { valid: false, error: [clip(`Unexpected parameter: '${param}'.`)], error_type: 'simple_function_checker:unexpected_param' };
    }
    let value = rawValue as PyValue;
    const description = String(details.type);
    let expectedType: PyTypeName;
    let nested: PyTypeName | null = null;

    if (language === 'Java' || language === 'JavaScript') {
      const table = language === 'Java' ? JAVA_TYPE_CONVERSION : JS_TYPE_CONVERSION;
      const tag = language === 'Java' ? 'java' : 'js';
      const converted = table[description];
      if (converted === undefined) return unsupported(`Unsupported ${language} type '${description}' for parameter '${param}'.`, `type_error:${tag}`);
      if (converted === 'set') return unsupported(`Set conversion is not implemented (parameter '${param}').`, 'type_error:java');
      expectedType = converted;
      if (typeof value !== 'string') {
        return {
          valid: false,
          error: [clip(`Incorrect type for parameter '${param}'. Expected type String, got ${pyType(value)}. Parameter value: ${pyRepr(value)}.`)],
          error_type: `type_error:${tag}`,
        };
      }
      const convert = language === 'Java' ? javaTypeConverter : jsTypeConverter;
      try {
        if (NESTED_CONVERSION_TYPE_LIST.includes(description)) {
          const nestedType = String(details.items?.type);
          const n = table[nestedType];
          if (n === undefined || n === 'set') return unsupported(`Unsupported ${language} element type '${nestedType}' for parameter '${param}'.`, `type_error:${tag}`);
          nested = n;
          value = convert(value, description, nestedType);
        } else {
          value = convert(value, description);
        }
      } catch (e) {
        return unsupported(`Cannot convert parameter '${param}' to ${language} type ${description}: ${e instanceof Error ? e.message : String(e)}`, `type_error:${tag}`);
      }
    } else {
      const converted = PYTHON_TYPE_MAPPING[description];
      if (converted === undefined) return unsupported(`Unsupported parameter type '${description}' for parameter '${param}'.`, 'type_error:simple');
      expectedType = converted;
      if (PYTHON_NESTED_TYPE_CHECK_LIST.includes(description)) {
        const n = PYTHON_TYPE_MAPPING[String(details.items?.type)];
        if (n === undefined) return unsupported(`Unsupported item type '${String(details.items?.type)}' for parameter '${param}'.`, 'type_error:simple');
        nested = n;
      }
    }

    // Any tuple becomes a list when a tuple is declared (JSON answers hold lists).
    if (description === 'tuple' && value instanceof PyTuple) value = [...value.items];
    // Python's automatic int → float promotion.
    if (language === 'Python' && description === 'float' && typeof value === 'number') value = new PyFloat(value);

    const typeCheck = typeChecker(param, value, allowed, description, expectedType, nested);
    if (!typeCheck.valid) return { valid: false, error: typeCheck.error, error_type: typeCheck.error_type };

    if (!typeCheck.is_variable) {
      if (expectedType === 'dict') {
        const r = dictChecker(value as PyDict, allowed);
        if (!r.valid) return r;
        continue;
      }
      if (expectedType === 'list' && nested === 'dict') {
        const r = listDictChecker(value as PyValue[], allowed);
        if (!r.valid) return r;
        continue;
      }
      if (expectedType === 'str') {
        const r = stringChecker(param, value as string, allowed);
        if (!r.valid) return r;
        continue;
      }
      if (expectedType === 'list') {
        const r = listChecker(param, value as PyValue[], allowed);
        if (!r.valid) return r;
        continue;
      }
    }
    if (!pyIn(value, allowed)) {
      return {
        valid: false,
        error: [clip(`Invalid value for parameter '${param}': ${pyRepr(value)}. Expected one of ${reprList(allowed)}.`)],
        error_type: 'value_error:others',
      };
    }
  }

  for (const [param, allowed] of Object.entries(possible)) {
    if (!Object.prototype.hasOwnProperty.call(modelParams, param) && !pyIn('', allowed)) {
      return { valid: false, error: [clip(`Optional parameter '${param}' not provided and not marked as optional.`)], error_type: 'simple_function_checker:missing_optional' };
    }
  }
  return { valid: true, error: [] };
}

function findDescription(docs: readonly FunctionDoc[], name: string): FunctionDoc | undefined {
  return docs.find((d) => d.name === name);
}

function expectedName(answer: Record<string, unknown>): string {
  return Object.keys(answer)[0] ?? '';
}

function withDoc(docs: readonly FunctionDoc[], answer: Record<string, unknown>): FunctionDoc | CheckResult {
  const doc = findDescription(docs, expectedName(answer));
  return doc ?? { valid: false, error: [`The possible answer names function '${expectedName(answer)}', which the question's function docs lack.`], error_type: 'dataset_error:unknown_function' };
}

const MAX_MATCH_ERRORS = 8;

export function parallelFunctionCheckerNoOrder(
  docs: readonly FunctionDoc[],
  calls: readonly DecodedCall[],
  answers: GroundTruth,
  language: BfclLanguage,
  underscoreToDot: boolean,
  exact = false,
): CheckResult {
  if (calls.length !== answers.length) return { valid: false, error: ['Wrong number of functions.'], error_type: 'parallel_function_checker_no_order:wrong_count' };
  const matched: number[] = [];
  // Each expected call in turn takes the first unmatched model call that passes.
  for (let i = 0; i < answers.length; i++) {
    const answer = answers[i] as Record<string, unknown>;
    const doc = withDoc(docs, answer);
    if (!('name' in doc)) return doc;
    const errors: unknown[] = [];
    let found = false;
    for (let index = 0; index < calls.length; index++) {
      if (matched.includes(index)) continue;
      const call = calls[index] as DecodedCall;
      const r = simpleFunctionChecker(doc, call, answer, language, underscoreToDot, exact);
      if (r.valid) {
        matched.push(index);
        found = true;
        break;
      }
      if (errors.length < MAX_MATCH_ERRORS) {
        errors.push({
          [`Model Result Index ${index}`]: {
            sub_error: r.error,
            sub_error_type: r.error_type,
            model_output_item: clip(`${call.name}(${pyRepr(call.args)})`),
            possible_answer_item: clip(JSON.stringify(answer)),
          },
        });
      }
    }
    if (!found) {
      const considered = calls.map((_, k) => k).filter((k) => !matched.includes(k));
      errors.unshift(`Could not find a matching function among index [${considered.join(', ')}] of model output for index ${i} of possible answers.`);
      return { valid: false, error: errors, error_type: 'parallel_function_checker_no_order:cannot_find_match' };
    }
  }
  return { valid: true, error: [] };
}

export function multipleFunctionChecker(
  docs: readonly FunctionDoc[],
  calls: readonly DecodedCall[],
  answers: GroundTruth,
  language: BfclLanguage,
  underscoreToDot: boolean,
  exact = false,
): CheckResult {
  if (calls.length !== answers.length) return { valid: false, error: ['Wrong number of functions.'], error_type: 'multiple_function_checker:wrong_count' };
  const answer = answers[0] as Record<string, unknown>;
  const doc = withDoc(docs, answer);
  if (!('name' in doc)) return doc;
  return simpleFunctionChecker(doc, calls[0] as DecodedCall, answer, language, underscoreToDot, exact);
}

/** ast_checker.ast_checker: dispatch on the category name. */
export function astChecker(
  docs: readonly FunctionDoc[],
  calls: readonly DecodedCall[],
  answers: GroundTruth,
  category: string,
  underscoreToDot: boolean,
  exact = false,
): CheckResult {
  const language = languageOf(category);
  if (category.includes('parallel')) return parallelFunctionCheckerNoOrder(docs, calls, answers, language, underscoreToDot, exact);
  if (category.includes('multiple')) return multipleFunctionChecker(docs, calls, answers, language, underscoreToDot, exact);
  if (calls.length !== 1) return { valid: false, error: ['Wrong number of functions.'], error_type: 'simple_function_checker:wrong_count' };
  const doc = docs[0];
  if (!doc) return { valid: false, error: ['The question has no function docs.'], error_type: 'dataset_error:no_function' };
  return simpleFunctionChecker(doc, calls[0] as DecodedCall, (answers[0] ?? {}) as Record<string, unknown>, language, underscoreToDot, exact);
}

// ---------------------------------------------------------------------------
// One single-turn response, end to end

/** The decoder's output: the calls, or why the response is not a call list. */
export type Decoded = { ok: true; calls: DecodedCall[] } | { ok: false; error: string };

export interface SingleTurnVerdict {
  correct: boolean;
  /** BFCL's error_type of a wrong response (e.g. "value_error:string"). */
  error_type?: string;
  error?: unknown[];
}

/** utils.is_function_calling_format_output: every call's arguments a dict. */
export function isFunctionCallingFormat(calls: readonly DecodedCall[]): boolean {
  return calls.every((c) => typeof c.name === 'string' && isPyDict(c.args));
}

export function isRelevanceCategory(category: string): boolean {
  return category.includes('irrelevance') || category.includes('relevance');
}

/**
 * eval_runner: relevance_file_runner for (ir)relevance categories (a call
 * counts only when decoding succeeds and yields a well-formed, non-empty call
 * list), ast_file_runner (decode failure, wrong output format, then the AST
 * checker) for the others.
 */
export function judgeSingleTurn(
  category: string,
  docs: readonly FunctionDoc[],
  answers: GroundTruth | null,
  decoded: Decoded,
  underscoreToDot: boolean,
  exact = false,
): SingleTurnVerdict {
  if (isRelevanceCategory(category)) {
    const hasCall = decoded.ok && isFunctionCallingFormat(decoded.calls) && decoded.calls.length > 0;
    if (category.includes('irrelevance')) {
      return hasCall ? { correct: false, error_type: 'irrelevance_error:decoder_success', error: ['Valid syntax. Successfully decode AST when it should not.'] } : { correct: true };
    }
    return hasCall
      ? { correct: true }
      : {
          correct: false,
          error_type: 'relevance_error:decoder_failed',
          error: [clip(`Invalid syntax. Failed to decode AST when it should have. ${decoded.ok ? '' : decoded.error}`.trim())],
        };
  }
  if (!decoded.ok) return { correct: false, error_type: 'ast_decoder:decoder_failed', error: [clip(`Invalid syntax. Failed to decode AST. ${decoded.error}`)] };
  if (!isFunctionCallingFormat(decoded.calls)) {
    return { correct: false, error_type: 'ast_decoder:decoder_wrong_output_format', error: ['Did not output in the specified format.'] };
  }
  if (!answers) throw new Error(`bfcl: category "${category}" needs a possible answer, the sample has none`);
  const r = astChecker(docs, decoded.calls, answers, category, underscoreToDot, exact);
  return r.valid ? { correct: true } : { correct: false, error_type: r.error_type, error: r.error };
}

/** Decoded calls as plain JSON (the unit's `predicted`). */
export function callsToJson(calls: readonly DecodedCall[]): string {
  return JSON.stringify(calls.map((c) => ({ [c.name]: pyToJson(c.args) })));
}

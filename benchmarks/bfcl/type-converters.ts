/**
 * BFCL's Java and JavaScript value converters. For the simple_java and
 * simple_javascript categories every argument reaches the checker as a string
 * (the function docs declare them `string`, see tools.ts), which BFCL turns
 * into a Python value according to the parameter's declared Java / JavaScript
 * type before the usual checks (gorilla bfcl_eval/eval_checker/ast_eval/
 * type_convertor/java_type_converter.py and js_type_converter.py). A string
 * that does not fit the declared type stays a string, so the type check
 * rejects it afterwards.
 *
 * Regular expressions are the reference's; Python's `re.match` anchors at the
 * start only and its `$` also matches before one trailing newline (`\n?$` here).
 */
import { type PyDict, PyFloat, type PyValue, pyFloatOf, pyIntOf } from './py-values';

/** constants/type_mappings.py JAVA_TYPE_CONVERSION (type name → Python type name). */
export const JAVA_TYPE_CONVERSION: Readonly<Record<string, 'int' | 'float' | 'bool' | 'str' | 'list' | 'dict' | 'set'>> = {
  byte: 'int',
  short: 'int',
  integer: 'int',
  float: 'float',
  double: 'float',
  long: 'int',
  boolean: 'bool',
  char: 'str',
  Array: 'list',
  ArrayList: 'list',
  Set: 'set',
  HashMap: 'dict',
  Hashtable: 'dict',
  Queue: 'list',
  Stack: 'list',
  String: 'str',
  any: 'str',
};

/** constants/type_mappings.py JS_TYPE_CONVERSION. */
export const JS_TYPE_CONVERSION: Readonly<Record<string, 'int' | 'float' | 'bool' | 'str' | 'list' | 'dict'>> = {
  String: 'str',
  integer: 'int',
  float: 'float',
  Bigint: 'int',
  Boolean: 'bool',
  dict: 'dict',
  array: 'list',
  any: 'str',
};

/** Python int(s) where the reference already checked the digits. */
function toInt(s: string): number {
  return Number(s.trim());
}

// ---------------------------------------------------------------------------
// Java

export function javaTypeConverter(value: string, expectedType: string, nestedType?: string): PyValue {
  if (!(expectedType in JAVA_TYPE_CONVERSION)) throw new Error(`Unsupported type: ${expectedType}`);
  switch (expectedType) {
    case 'byte':
    case 'short':
    case 'integer':
      return /^-?\d+\n?$/.test(value) ? toInt(value) : value;
    case 'float':
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]\n?$/.test(value) ? new PyFloat(Number(value.trim().replace(/[fF]$/, ''))) : value;
    case 'double':
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?\n?$/.test(value) ? new PyFloat(Number(value.trim())) : value;
    case 'long':
      return /^-?\d+[lL]\n?$/.test(value) ? toInt(value.trim().replace(/[lL]$/, '')) : value;
    case 'boolean':
      return value === 'true' || value === 'false' ? value === 'true' : value;
    case 'char':
      // The reference's pattern r"^\'.$\'" can never match, so a char is always kept as given.
      return value;
    case 'Array':
      return parseJavaArray(value, nestedType);
    case 'ArrayList':
      return parseJavaArrayList(value, nestedType);
    case 'HashMap':
      return parseJavaHashMap(value);
    case 'String':
    case 'any':
      return value;
    default:
      // Set, Hashtable, Queue, Stack: "conversion is not implemented" in the reference.
      throw new Error(`${expectedType} conversion is not implemented`);
  }
}

function javaElement(s: string, nestedType: string | undefined): PyValue {
  if (nestedType === 'char' || nestedType === 'String') return s.slice(1, -1);
  return nestedType ? javaTypeConverter(s, nestedType) : parseJavaValue(s);
}

function parseJavaArrayList(input: string, nestedType?: string): PyValue {
  const asList = /new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)/.exec(input);
  if (asList) return (asList[1] as string).split(',').map((e) => javaElement(e.trim(), nestedType));
  const adds = /new\s+ArrayList<\w*>\(\)\s*\{\{\s*([\s\S]+?)\s*\}\}/.exec(input);
  if (adds) return [...(adds[1] as string).matchAll(/add\((.+?)\)/g)].map((m) => javaElement((m[1] as string).trim(), nestedType));
  if (/new\s+ArrayList<\w*>\(\)/.test(input)) return [];
  return input;
}

function parseJavaArray(input: string, nestedType?: string): PyValue {
  const m = /new\s+\w+\[\]\s*\{(.*?)\}/.exec(input);
  if (!m) return input;
  const parts = (m[1] as string)
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  return parts.map((x) => (nestedType ? javaTypeConverter(x, nestedType) : parseJavaValue(x)));
}

function parseJavaHashMap(input: string): PyValue {
  const m = /new\s+HashMap<[\s\S]*?>\s*\(\)\s*\{\s*\{?\s*([\s\S]*?)\s*\}?\s*\}/.exec(input);
  if (m) {
    const out: PyDict = {};
    const puts = m[1] as string;
    if (puts.trim()) {
      for (const p of puts.matchAll(/put\("(.*?)",\s*(.*?)\)/g)) out[p[1] as string] = parseJavaValue((p[2] as string).trim());
    }
    return out;
  }
  if (/new\s+HashMap<.*?>\s*\(\)/.test(input)) return {};
  return input;
}

/** java_type_converter.parse_java_value: a value without a declared element type. */
export function parseJavaValue(s: string): PyValue {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1);
  if (/^-?\d+[lL]\n?$/.test(s)) return toInt(s.trim().slice(0, -1));
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]\n?$/.test(s)) return new PyFloat(Number(s.trim().replace(/[fF]$/, '')));
  const i = pyIntOf(s);
  if (i !== null) return i;
  const f = pyFloatOf(s);
  if (f !== null) return new PyFloat(f);
  return s;
}

// ---------------------------------------------------------------------------
// JavaScript

export function jsTypeConverter(value: string, expectedType: string, nestedType?: string): PyValue {
  if (!(expectedType in JS_TYPE_CONVERSION)) throw new Error(`Unsupported type: ${expectedType}`);
  switch (expectedType) {
    case 'String':
      if (!(value.startsWith('"') && value.endsWith('"')) && !(value.startsWith("'") && value.endsWith("'"))) return value;
      return value.slice(1, -1);
    case 'integer':
      return /^-?\d+\n?$/.test(value) ? toInt(value) : value;
    case 'float':
      return /^-?\d+(\.\d+)?\n?$/.test(value) ? new PyFloat(Number(value.trim())) : value;
    case 'Bigint':
      return /^-?\d+n\n?$/.test(value) ? toInt(value.trim().slice(0, -1)) : value;
    case 'Boolean':
      return value === 'true' || value === 'false' ? value === 'true' : value;
    case 'dict':
      return parseJsCollection(value, 'dict', nestedType);
    case 'array':
      return parseJsCollection(value, 'array', nestedType);
    default:
      return value; // any
  }
}

export function parseJsCollection(input: string, typeStr: 'array' | 'dict', nestedType?: string): PyValue {
  const code = input.trim();
  if (typeStr === 'array') {
    const array2d = /^(?:\[\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\]|\bnew\s+Array\(\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\))/.exec(code);
    try {
      if (array2d) {
        const inner = [...array2d[0].matchAll(/\[(.*?)\]/g)].map((m) => m[1] as string);
        return inner.map((raw, idx) => {
          let s = raw.trim();
          if (idx === 0 && s.startsWith('[')) s = s.slice(1);
          return s.split(',').map((e) => parseJsValue(e.trim()));
        });
      }
      const arr = /^(?:\[(.*?)\]|\bnew\s+Array\((.*?)\))/.exec(code);
      if (!arr) return code;
      const body = arr[1] !== undefined ? arr[1].trim() : arr[2] !== undefined ? arr[2].trim() : '';
      const elements = body ? body.split(',') : [];
      if (nestedType) {
        return elements.map((e) => {
          const t = e.trim();
          return t.startsWith("'") || t.startsWith('"') ? jsTypeConverter(t, nestedType, 'String') : jsTypeConverter(t, nestedType);
        });
      }
      return elements.map((e) => parseJsValue(e.trim()));
    } catch {
      return code;
    }
  }
  if (code === '{}') return {};
  const dict = /^\{(.*?)\}/.exec(code);
  if (!dict) return code;
  try {
    const out: PyDict = {};
    for (const m of (dict[1] as string).matchAll(/([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|\n?$)/g)) {
      const key = stripChars((m[1] as string).trim(), `'"`);
      const v = (m[2] as string).trim();
      if (v.startsWith('[') && v.endsWith(']')) out[key] = parseJsCollection(v, 'array');
      else if (v.startsWith('{') && v.endsWith('}')) out[key] = parseJsCollection(v, 'dict');
      else out[key] = parseJsValue(stripChars(v, `'"`));
    }
    return out;
  } catch {
    return code;
  }
}

function stripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a] as string)) a++;
  while (b > a && chars.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

/** js_type_converter.parse_js_value. */
export function parseJsValue(input: string): PyValue {
  const s = input.trim();
  if (s === 'true') return true;
  if (s === 'false') return false;
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) return s.slice(1, -1);
  const i = pyIntOf(s);
  if (i !== null) return i;
  const f = pyFloatOf(s);
  if (f !== null) return new PyFloat(f);
  return s;
}

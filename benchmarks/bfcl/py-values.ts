/**
 * Python values as BFCL's checker sees them. BFCL decodes a model's calls into
 * Python objects and compares them with Python's `type()` and `==`, so the
 * distinctions JavaScript loses matter for the score:
 *
 * - int vs float: `type(5) is int`, `type(5.0) is float` — a float where an
 *   int is declared is a type error, an int where a float is declared is
 *   promoted (ast_checker.simple_function_checker). Here ints are JS numbers
 *   and floats are `PyFloat`.
 * - bool is its own type (`type(True) is bool`) but compares equal to 1/1.0.
 * - list vs tuple: `[1, 2] != (1, 2)` in Python. Tuples are `PyTuple`.
 * - dicts are plain objects (string keys: JSON and BFCL's data have no others).
 *
 * `parseJsonPy` reads JSON the way Python's `json.loads` does (a number with a
 * fraction or exponent is a float, NaN/Infinity accepted), which BFCL's FC
 * handlers apply to a tool call's `arguments`.
 */

export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export type PyDict = { [key: string]: PyValue };
export type PyValue = null | boolean | number | string | PyFloat | PyTuple | PyValue[] | PyDict;

export type PyTypeName = 'NoneType' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'tuple' | 'dict';

export function isPyDict(v: unknown): v is PyDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof PyTuple);
}

/** Python's `type(v).__name__`. */
export function pyType(v: PyValue): PyTypeName {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyFloat) return 'float';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

function numeric(v: PyValue): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  return null;
}

/** Python's `a == b` for these types. */
export function pyEq(a: PyValue, b: PyValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a instanceof PyTuple || b instanceof PyTuple) {
    return a instanceof PyTuple && b instanceof PyTuple && seqEq(a.items, b.items);
  }
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && seqEq(a, b);
  if (!isPyDict(a) || !isPyDict(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEq(a[k] as PyValue, b[k] as PyValue));
}

function seqEq(a: readonly PyValue[], b: readonly PyValue[]): boolean {
  return a.length === b.length && a.every((x, i) => pyEq(x, b[i] as PyValue));
}

/** Python's `v in list`. */
export function pyIn(v: PyValue, list: readonly PyValue[]): boolean {
  return list.some((x) => pyEq(v, x));
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python writes at least two exponent digits: 1e-05, 1e+16.
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** Python's `repr(v)` (for error messages, as BFCL writes them). */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return reprString(v);
  if (v instanceof PyFloat) return reprFloat(v.value);
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0] as PyValue)},)` : `(${v.items.map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/**
 * A value as JSON text that parseJsonPy reads back to the same value: a float
 * is written as Python's json.dumps writes it (`60.0`, `1e-05`), so the
 * int/float distinction survives a plain-JSON journey (sample data). Tuples
 * become lists, as in json.dumps.
 */
export function dumpJsonPy(v: PyValue): string {
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.value)) return 'NaN';
    if (!Number.isFinite(v.value)) return v.value > 0 ? 'Infinity' : '-Infinity';
    return reprFloat(v.value);
  }
  if (v instanceof PyTuple) return `[${v.items.map(dumpJsonPy).join(', ')}]`;
  if (Array.isArray(v)) return `[${v.map(dumpJsonPy).join(', ')}]`;
  if (isPyDict(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${dumpJsonPy(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/** A value made plain JSON again (floats → numbers, tuples → arrays), for details and `predicted`. */
export function pyToJson(v: PyValue): unknown {
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? v.value : String(v.value);
  if (v instanceof PyTuple) return v.items.map(pyToJson);
  if (Array.isArray(v)) return v.map(pyToJson);
  if (isPyDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pyToJson(x)]));
  return v;
}

/**
 * A plain JS value (parsed JSON, or a call argument from the prompt-mode
 * parser) as a Python value: integral numbers are ints, others floats.
 * Objects already holding PyFloat / PyTuple are kept.
 */
export function fromPlain(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : new PyFloat(v);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof PyFloat || v instanceof PyTuple) return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromPlain(x)]));
  return String(v);
}

/** Python's `str.strip(chars)` on both ends. */
export function pyStrip(s: string, chars: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && chars.includes(s[start] as string)) start++;
  while (end > start && chars.includes(s[end - 1] as string)) end--;
  return s.slice(start, end);
}

/** Python's `int(s)` for a string, or null where it raises ValueError. */
export function pyIntOf(s: string): number | null {
  const t = s.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) return null;
  return Number(t.replace(/_/g, ''));
}

/** Python's `float(s)` for a string, or null where it raises ValueError. */
export function pyFloatOf(s: string): number | null {
  const t = s.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  return Number(t);
}

// ---------------------------------------------------------------------------
// JSON as Python's json.loads reads it.

export class JsonPyError extends Error {}

/** Parse JSON text into Python values (json.loads semantics: `1.0` is a float, `1` an int). */
export function parseJsonPy(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonPyError(`${what} at char ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: PyDict = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const key = str();
        ws();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        out[key] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const out: PyValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', new PyFloat(NaN)],
      ['Infinity', new PyFloat(Infinity)],
      ['-Infinity', new PyFloat(-Infinity)],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[2] !== undefined || m[3] !== undefined) return new PyFloat(Number(m[0]));
    const n = Number(m[0]);
    return n === 0 ? 0 : n; // Python ints have no -0
  };
  const str = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail(`Unterminated string starting at char ${start}`);
      const ch = text[i] as string;
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        fail('Invalid \\escape');
      }
      if (ch.charCodeAt(0) < 0x20) fail('Invalid control character');
      out += ch;
      i++;
    }
  };
  const v = value();
  ws();
  if (i !== text.length) fail('Extra data');
  return v;
}

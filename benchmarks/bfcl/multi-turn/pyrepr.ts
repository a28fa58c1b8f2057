/**
 * A small Python value model for the simulated BFCL APIs and the way their
 * results reach the model.
 *
 * Python dicts are JS `Map`s (insertion order and int-vs-str keys preserved,
 * as in Python); lists are arrays; sets are `Set`s; None is null. Numbers are
 * JS numbers: an integral number renders as a Python int unless wrapped in
 * `PyFloat` (used where the reference calls `float()` or divides); other
 * numbers render with Python's float repr.
 *
 * Rendering follows bfcl_eval multi_turn_utils.execute_multi_turn_func_call:
 * a str result is shown as is, a dict through `json.dumps` (falling back to
 * `str()` when not serialisable), anything else through `str()` (= repr for
 * containers).
 */

/** A Python float whose value may be integral (renders as `1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** An object whose Python repr is given (decimal.Decimal, mpmath.mpf); not JSON-serialisable. */
export class PyOpaque {
  constructor(
    readonly repr: string,
    readonly value: number,
  ) {}
}

/** Raised by simulated API code the way a Python exception would be; `str(e)` is `message`. */
export class PyException extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

export type PyDict = Map<string | number, unknown>;

export function isDict(v: unknown): v is PyDict {
  return v instanceof Map;
}

export function num(v: unknown): number {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyOpaque) return v.value;
  return v as number;
}

export function isNumber(v: unknown): boolean {
  return (typeof v === 'number' || v instanceof PyFloat) && !Number.isNaN(num(v));
}

/** Python's float repr (shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp >= 0) {
    if (digits.length <= exp + 1) body = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
    else body = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    body = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return (neg ? '-' : '') + body;
}

function numberRepr(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return Object.is(v, -0) ? '0' : String(BigInt(v));
  return floatRepr(v);
}

/** Python repr of a str. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp === 0x2028 || cp === 0x2029 || (cp >= 0xd800 && cp <= 0xdfff)) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python repr. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return numberRepr(v);
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof PyOpaque) return v.repr;
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (v instanceof Set) return v.size === 0 ? 'set()' : '{' + [...v].map(pyRepr).join(', ') + '}';
  if (v instanceof Map) return '{' + [...v.entries()].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  if (typeof v === 'object' && typeof (v as { pyRepr?: unknown }).pyRepr === 'function') return (v as { pyRepr(): string }).pyRepr();
  if (typeof v === 'object') return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  return String(v);
}

/** Python str(). */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

class NotSerializable extends Error {}

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function jsonNumber(v: number, isFloat: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return isFloat ? floatRepr(v) : numberRepr(v);
}

function jsonKey(k: unknown): string {
  if (typeof k === 'string') return jsonString(k);
  if (typeof k === 'number') return jsonString(numberRepr(k));
  if (k === true) return '"true"';
  if (k === false) return '"false"';
  if (k === null) return '"null"';
  throw new NotSerializable();
}

function dumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return jsonNumber(v, false);
  if (v instanceof PyFloat) return jsonNumber(v.value, true);
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return '[' + v.map(dumps).join(', ') + ']';
  if (v instanceof Map) return '{' + [...v.entries()].map(([k, x]) => `${jsonKey(k)}: ${dumps(x)}`).join(', ') + '}';
  if (v instanceof PyOpaque || v instanceof Set) throw new NotSerializable();
  if (typeof v === 'object' && typeof (v as { pyRepr?: unknown }).pyRepr === 'function') throw new NotSerializable();
  if (typeof v === 'object') return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${jsonString(k)}: ${dumps(x)}`).join(', ') + '}';
  throw new NotSerializable();
}

/** `json.dumps(v)` with Python's defaults (", " / ": " separators, ensure_ascii); null when not serialisable. */
export function jsonDumps(v: unknown): string | null {
  try {
    return dumps(v);
  } catch (e) {
    if (e instanceof NotSerializable) return null;
    throw e;
  }
}

/** How execute_multi_turn_func_call turns a method's return value into the text the model sees. */
export function renderResult(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Map) return jsonDumps(v) ?? pyStr(v);
  return pyStr(v);
}

/** JSON data (initial_config, parsed arguments) → Python values: objects become Maps (str keys). */
export function toPy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPy);
  if (v !== null && typeof v === 'object' && !(v instanceof Map) && !(v instanceof PyFloat) && !(v instanceof PyOpaque) && !(v instanceof Set)) {
    const m: PyDict = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, toPy(x));
    return m;
  }
  return v;
}

/** Python values → plain JSON (for error details). */
export function toPlain(v: unknown, depth = 0): unknown {
  if (depth > 12) return '…';
  if (v instanceof PyFloat || v instanceof PyOpaque) return num(v);
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  if (v instanceof Set) return [...v].map((x) => toPlain(x, depth + 1));
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = toPlain(x, depth + 1);
    return o;
  }
  if (v !== null && typeof v === 'object' && typeof (v as { toPlain?: unknown }).toPlain === 'function') return (v as { toPlain(d: number): unknown }).toPlain(depth + 1);
  return v;
}

/** Python `==` on the value model (dict and set comparison ignore order; 1 == 1.0; True == 1). */
export function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const an = typeof a === 'number' || a instanceof PyFloat || typeof a === 'boolean';
  const bn = typeof b === 'number' || b instanceof PyFloat || typeof b === 'boolean';
  if (an && bn) return Number(num(a)) === Number(num(b));
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) {
      if (!b.has(k)) return false;
      if (!pyEqual(x, b.get(k))) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const x of a) if (!b.has(x)) return false;
    return true;
  }
  if (typeof a === 'object' && typeof (a as { pyEquals?: unknown }).pyEquals === 'function') return (a as { pyEquals(o: unknown): boolean }).pyEquals(b);
  return false;
}

/** Python type name, for error messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  return 'object';
}

/** A Python comparison `a OP b` that raises TypeError on unorderable types, as Python does. */
export function pyCompare(a: unknown, op: '<' | '<=' | '>' | '>=', b: unknown): boolean {
  const okNum = (x: unknown) => typeof x === 'number' || x instanceof PyFloat || typeof x === 'boolean';
  let x: number | string;
  let y: number | string;
  if (okNum(a) && okNum(b)) {
    x = Number(num(a));
    y = Number(num(b));
  } else if (typeof a === 'string' && typeof b === 'string') {
    x = a;
    y = b;
  } else {
    throw new PyException('TypeError', `'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
  }
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

/** Python `a + b` / `a - b` / `a * b` on numbers, raising TypeError otherwise. */
export function pyArith(a: unknown, op: '+' | '-' | '*' | '/', b: unknown): number {
  const okNum = (x: unknown) => typeof x === 'number' || x instanceof PyFloat || typeof x === 'boolean';
  if (!okNum(a) || !okNum(b)) {
    if (op === '+' && typeof a === 'string' && typeof b === 'string') return (a + b) as unknown as number;
    throw new PyException('TypeError', `unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
  }
  const x = Number(num(a));
  const y = Number(num(b));
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyException('ZeroDivisionError', 'division by zero');
      return x / y;
  }
}

/** `key in container` for dict/list/str. */
export function pyIn(key: unknown, container: unknown): boolean {
  if (container instanceof Map) return container.has(key as string | number) || (typeof key === 'boolean' && container.has(key ? 1 : 0));
  if (Array.isArray(container)) return container.some((x) => pyEqual(x, key));
  if (typeof container === 'string') {
    if (typeof key !== 'string') throw new PyException('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(key)}`);
    return container.includes(key);
  }
  if (container instanceof Set) return container.has(key);
  throw new PyException('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

/** Requires a str argument (where the reference would call a str method on it). */
export function reqStr(v: unknown, method: string): string {
  if (typeof v !== 'string') throw new PyException('AttributeError', `'${pyTypeName(v)}' object has no attribute '${method}'`);
  return v;
}

/** copy.deepcopy on the value model. */
export function pyDeepCopy<T>(v: T): T {
  if (v instanceof Map) return new Map([...v.entries()].map(([k, x]) => [k, pyDeepCopy(x)])) as T;
  if (Array.isArray(v)) return v.map(pyDeepCopy) as T;
  if (v instanceof Set) return new Set(v) as T;
  return v;
}

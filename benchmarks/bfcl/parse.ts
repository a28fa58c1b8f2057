/**
 * BFCL prompt-mode call parsing: the text a prompting model answers with,
 * `[f(a=1), g(b='x')]`, turned into calls with Python-literal arguments.
 *
 * Spec: gorilla berkeley-function-call-leaderboard bfcl_eval/model_handler/utils.py
 * `default_decode_ast_prompting` / `default_decode_execute_prompting`:
 *   - strip the characters "`", "\n" and " " from both ends, then add a leading
 *     "[" and/or trailing "]" when missing;
 *   - `ast_parse`: strip whitespace and "'" from both ends and parse one Python
 *     expression: a call, or a list/tuple whose elements must all be calls;
 *   - `resolve_ast_call`: the function name is the dotted attribute chain
 *     (`math.factorial`); only KEYWORD arguments are kept (positional ones are
 *     dropped);
 *   - `resolve_ast_by_type`: constants; a unary operator yields the negated
 *     operand (so `-5` → -5, and — as in the reference — `+5` → -5 too); lists,
 *     dicts, tuples (here: arrays); a bare name yields its identifier as a
 *     string; a nested call without keywords yields its source text, with
 *     keywords a `{name: {args}}` object; arithmetic (BinOp) is evaluated;
 *     anything else (sets, attributes, f-strings, lambdas, comprehensions) is
 *     "Unsupported AST type".
 * With `floats` (the single-turn AST checker's decoder) Python floats are
 * PyFloat values, so `60.0` and `60` stay apart as the reference's type check
 * needs; without (the multi-turn executor's callers) both are JS numbers.
 */
import { PyFloat, PyTuple, type PyValue, pyRepr } from './py-values';

export interface ParsedCall {
  name: string;
  args: Record<string, unknown>;
}

/** A call with its positional arguments kept (used to run ground-truth strings such as `sort('a.txt')`). */
export interface ParsedCallFull extends ParsedCall {
  positional: unknown[];
}

type Tok =
  | { t: 'name'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number; bytes: boolean; fstring: boolean }
  | { t: 'num'; v: number; pos: number; complex: boolean; float: boolean }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const OPS3 = ['**=', '//=', '...', '>>=', '<<='];
const OPS2 = ['**', '//', '==', '!=', '<=', '>=', '->', '<<', '>>', ':=', '+=', '-=', '*=', '/='];
const OPS1 = '()[]{},:=+-*/%.<>@&|^~;!';

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      i += src[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    // string literal, possibly with a prefix
    const pm = /^([rRbBuUfF]{0,2})(['"])/.exec(src.slice(i, i + 3));
    if (pm && (pm[1] === '' || /^(r|u|b|f|br|rb|fr|rf)$/i.test(pm[1]!))) {
      const prefix = pm[1]!.toLowerCase();
      const start = i;
      i += pm[1]!.length;
      const q = src[i]!;
      const triple = src.slice(i, i + 3) === q + q + q;
      const delim = triple ? q + q + q : q;
      i += delim.length;
      let raw = '';
      let closed = false;
      while (i < n) {
        if (src.startsWith(delim, i)) {
          i += delim.length;
          closed = true;
          break;
        }
        const ch = src[i]!;
        if (ch === '\\' && i + 1 < n) {
          raw += ch + src[i + 1]!;
          i += 2;
          continue;
        }
        if (!triple && ch === '\n') break;
        raw += ch;
        i++;
      }
      if (!closed) throw new Error(`unterminated string literal starting at offset ${start}`);
      const value = prefix.includes('r') ? raw : unescapePython(raw, prefix.includes('b'));
      out.push({ t: 'str', v: value, pos: start, bytes: prefix.includes('b'), fstring: prefix.includes('f') });
      continue;
    }
    if (/[A-Za-z_]/.test(c) || c.charCodeAt(0) > 127) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/.exec(src.slice(i))!;
      out.push({ t: 'name', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const rest = src.slice(i);
      let m = /^0[xX][0-9a-fA-F_]+|^0[oO][0-7_]+|^0[bB][01_]+/.exec(rest);
      if (m) {
        const body = m[0].replace(/_/g, '');
        const radix = /^0[xX]/.test(body) ? 16 : /^0[oO]/.test(body) ? 8 : 2;
        out.push({ t: 'num', v: parseInt(body.slice(2), radix), pos: i, complex: false, float: false });
        i += m[0].length;
        continue;
      }
      m = /^(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?[jJ]?/.exec(rest)!;
      const text = m[0];
      const complex = /[jJ]$/.test(text);
      const body = text.replace(/[jJ]$/, '').replace(/_/g, '');
      if (/^0[0-9]+$/.test(body) && !/^0+$/.test(body)) throw new Error(`invalid decimal literal "${text}" at offset ${i} (leading zeros are not allowed in Python)`);
      out.push({ t: 'num', v: Number(body), pos: i, complex, float: /[.eE]/.test(body) });
      i += text.length;
      continue;
    }
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    if (OPS3.includes(three)) {
      out.push({ t: 'op', v: three, pos: i });
      i += 3;
      continue;
    }
    if (OPS2.includes(two)) {
      out.push({ t: 'op', v: two, pos: i });
      i += 2;
      continue;
    }
    if (OPS1.includes(c)) {
      out.push({ t: 'op', v: c, pos: i });
      i++;
      continue;
    }
    throw new Error(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
  }
  out.push({ t: 'end', pos: n });
  return out;
}

/** Python string escape processing (non-raw literals). */
function unescapePython(raw: string, bytes: boolean): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const d = raw[++i];
    if (d === undefined) {
      out += '\\';
      break;
    }
    switch (d) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        const h = raw.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error(`invalid \\x escape in string literal`);
        out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        if (bytes) {
          out += '\\' + d;
          break;
        }
        const len = d === 'u' ? 4 : 8;
        const h = raw.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new Error(`invalid \\${d} escape in string literal`);
        out += String.fromCodePoint(parseInt(h, 16));
        i += len;
        break;
      }
      default:
        if (/[0-7]/.test(d)) {
          let o = d;
          while (o.length < 3 && /[0-7]/.test(raw[i + 1] ?? '')) o += raw[++i];
          out += String.fromCharCode(parseInt(o, 8));
        } else {
          out += '\\' + d; // unknown escapes keep the backslash, as Python does
        }
    }
  }
  return out;
}

/** Parsed expression nodes (only what the resolver needs). */
type Node =
  | { k: 'const'; v: unknown; src: string }
  | { k: 'name'; id: string; src: string }
  | { k: 'attr'; value: Node; attr: string; src: string }
  | { k: 'call'; func: Node; args: Node[]; kwargs: { name: string | null; value: Node }[]; src: string }
  | { k: 'list'; elts: Node[]; src: string }
  | { k: 'tuple'; elts: Node[]; src: string }
  | { k: 'dict'; keys: (Node | null)[]; values: Node[]; src: string }
  | { k: 'set'; elts: Node[]; src: string }
  | { k: 'unary'; op: string; operand: Node; src: string }
  | { k: 'binop'; op: string; left: Node; right: Node; src: string }
  | { k: 'subscript'; value: Node; src: string }
  | { k: 'other'; what: string; src: string };

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private next(): Tok {
    return this.toks[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new Error(`expected "${v}" at offset ${t.pos}, found ${describe(t)}`);
  }
  private srcFrom(start: number): string {
    const end = this.toks[this.i - 1];
    const endPos = end ? tokEnd(end, this.src) : start;
    return this.src.slice(start, endPos);
  }

  parseTop(): Node {
    const node = this.parseExprList();
    const t = this.peek();
    if (t.t !== 'end') throw new Error(`unexpected ${describe(t)} at offset ${t.pos} after the expression`);
    return node;
  }

  /** expr ("," expr)* [","] — a bare tuple when there is a comma. */
  private parseExprList(): Node {
    const start = this.peek().pos;
    const first = this.parseExpr();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.startsExpr()) elts.push(this.parseExpr());
      else break;
    }
    return { k: 'tuple', elts, src: this.srcFrom(start) };
  }

  private startsExpr(): boolean {
    const t = this.peek();
    if (t.t === 'end') return false;
    if (t.t === 'op') return ['(', '[', '{', '-', '+', '~', '...'].includes(t.v);
    return true;
  }

  private parseExpr(): Node {
    const start = this.peek().pos;
    const t = this.peek();
    if (t.t === 'name' && t.v === 'lambda') {
      // consume up to the end of this expression level
      let depth = 0;
      while (true) {
        const u = this.peek();
        if (u.t === 'end') break;
        if (u.t === 'op' && '([{'.includes(u.v)) depth++;
        if (u.t === 'op' && ')]}'.includes(u.v)) {
          if (depth === 0) break;
          depth--;
        }
        if (u.t === 'op' && u.v === ',' && depth === 0) break;
        this.next();
      }
      return { k: 'other', what: 'Lambda', src: this.srcFrom(start) };
    }
    const node = this.parseBinary(0);
    const u = this.peek();
    if (u.t === 'name' && (u.v === 'if' || u.v === 'for' || u.v === 'and' || u.v === 'or' || u.v === 'in' || u.v === 'is' || u.v === 'not')) {
      throw new Error(`unsupported Python syntax "${u.v}" at offset ${u.pos} (only literal arguments are allowed)`);
    }
    if (u.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(u.v)) {
      throw new Error(`unsupported comparison "${u.v}" at offset ${u.pos} (only literal arguments are allowed)`);
    }
    return node;
  }

  private static readonly PREC: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '//': 6, '%': 6, '@': 6 };

  private parseBinary(minPrec: number): Node {
    const start = this.peek().pos;
    let left = this.parseUnary();
    while (true) {
      const t = this.peek();
      if (t.t !== 'op') break;
      const prec = Parser.PREC[t.v];
      if (prec === undefined || prec < minPrec) break;
      this.next();
      const right = this.parseBinary(prec + 1);
      left = { k: 'binop', op: t.v, left, right, src: this.srcFrom(start) };
    }
    return left;
  }

  private parseUnary(): Node {
    const start = this.peek().pos;
    if (this.isOp('-') || this.isOp('+') || this.isOp('~')) {
      const op = (this.next() as { v: string }).v;
      const operand = this.parseUnary();
      return { k: 'unary', op, operand, src: this.srcFrom(start) };
    }
    return this.parsePower();
  }

  private parsePower(): Node {
    const start = this.peek().pos;
    const base = this.parsePostfix();
    if (this.isOp('**')) {
      this.next();
      const exp = this.parseUnary();
      return { k: 'binop', op: '**', left: base, right: exp, src: this.srcFrom(start) };
    }
    return base;
  }

  private parsePostfix(): Node {
    const start = this.peek().pos;
    let node = this.parseAtom();
    while (true) {
      if (this.isOp('(')) {
        this.next();
        const args: Node[] = [];
        const kwargs: { name: string | null; value: Node }[] = [];
        while (!this.isOp(')')) {
          const t = this.peek();
          const t2 = this.toks[this.i + 1];
          if (t.t === 'name' && t2 && t2.t === 'op' && t2.v === '=') {
            this.next();
            this.next();
            kwargs.push({ name: t.v, value: this.parseExpr() });
          } else if (t.t === 'op' && t.v === '**') {
            this.next();
            kwargs.push({ name: null, value: this.parseExpr() });
          } else if (t.t === 'op' && t.v === '*') {
            throw new Error(`unsupported starred argument at offset ${t.pos}`);
          } else {
            if (kwargs.length > 0) throw new Error(`positional argument follows keyword argument at offset ${t.pos}`);
            args.push(this.parseExpr());
          }
          if (this.isOp(',')) this.next();
          else if (!this.isOp(')')) {
            const u = this.peek();
            throw new Error(`expected "," or ")" in the argument list at offset ${u.pos}, found ${describe(u)}`);
          }
        }
        this.expectOp(')');
        const seen = new Set<string>();
        for (const kw of kwargs) {
          if (kw.name === null) continue;
          if (seen.has(kw.name)) throw new Error(`keyword argument repeated: ${kw.name}`);
          seen.add(kw.name);
        }
        node = { k: 'call', func: node, args, kwargs, src: this.srcFrom(start) };
      } else if (this.isOp('.')) {
        this.next();
        const t = this.next();
        if (t.t !== 'name') throw new Error(`expected an attribute name after "." at offset ${t.pos}`);
        node = { k: 'attr', value: node, attr: t.v, src: this.srcFrom(start) };
      } else if (this.isOp('[')) {
        this.next();
        let depth = 1;
        while (depth > 0) {
          const t = this.next();
          if (t.t === 'end') throw new Error(`unclosed "[" in subscript`);
          if (t.t === 'op' && '([{'.includes(t.v)) depth++;
          if (t.t === 'op' && ')]}'.includes(t.v)) depth--;
        }
        node = { k: 'subscript', value: node, src: this.srcFrom(start) };
      } else break;
    }
    return node;
  }

  private parseAtom(): Node {
    const start = this.peek().pos;
    const t = this.next();
    if (t.t === 'end') throw new Error('unexpected end of input');
    if (t.t === 'num') {
      if (t.complex) return { k: 'other', what: 'complex number', src: this.srcFrom(start) };
      return { k: 'const', v: t.float ? new PyFloat(t.v) : t.v, src: this.srcFrom(start) };
    }
    if (t.t === 'str') {
      let v = t.v;
      let fstring = t.fstring;
      let bytes = t.bytes;
      while (this.peek().t === 'str') {
        const u = this.next() as Extract<Tok, { t: 'str' }>;
        v += u.v;
        fstring = fstring || u.fstring;
        bytes = bytes || u.bytes;
      }
      if (fstring) return { k: 'other', what: 'JoinedStr (f-string)', src: this.srcFrom(start) };
      if (bytes) return { k: 'other', what: 'bytes literal', src: this.srcFrom(start) };
      return { k: 'const', v, src: this.srcFrom(start) };
    }
    if (t.t === 'name') {
      if (t.v === 'True') return { k: 'const', v: true, src: 'True' };
      if (t.v === 'False') return { k: 'const', v: false, src: 'False' };
      if (t.v === 'None') return { k: 'const', v: null, src: 'None' };
      return { k: 'name', id: t.v, src: t.v };
    }
    if (t.v === '...') return { k: 'const', v: '...', src: '...' };
    if (t.v === '(') {
      if (this.isOp(')')) {
        this.next();
        return { k: 'tuple', elts: [], src: this.srcFrom(start) };
      }
      const inner = this.parseExprList();
      this.expectOp(')');
      if (inner.k === 'tuple') return { ...inner, src: this.srcFrom(start) };
      return inner;
    }
    if (t.v === '[') {
      const elts: Node[] = [];
      while (!this.isOp(']')) {
        elts.push(this.parseExpr());
        if (this.isOp(',')) this.next();
        else if (!this.isOp(']')) {
          const u = this.peek();
          throw new Error(`expected "," or "]" in a list at offset ${u.pos}, found ${describe(u)}`);
        }
      }
      this.expectOp(']');
      return { k: 'list', elts, src: this.srcFrom(start) };
    }
    if (t.v === '{') {
      const keys: (Node | null)[] = [];
      const values: Node[] = [];
      const setElts: Node[] = [];
      let isSet: boolean | null = null;
      while (!this.isOp('}')) {
        if (this.isOp('**')) {
          this.next();
          keys.push(null);
          values.push(this.parseExpr());
          isSet = false;
        } else {
          const k = this.parseExpr();
          if (this.isOp(':')) {
            if (isSet === true) throw new Error(`mixed set/dict display at offset ${this.peek().pos}`);
            isSet = false;
            this.next();
            keys.push(k);
            values.push(this.parseExpr());
          } else {
            if (isSet === false) throw new Error(`expected ":" in a dict at offset ${this.peek().pos}`);
            isSet = true;
            setElts.push(k);
          }
        }
        if (this.isOp(',')) this.next();
        else if (!this.isOp('}')) {
          const u = this.peek();
          throw new Error(`expected "," or "}" at offset ${u.pos}, found ${describe(u)}`);
        }
      }
      this.expectOp('}');
      if (isSet) return { k: 'set', elts: setElts, src: this.srcFrom(start) };
      return { k: 'dict', keys, values, src: this.srcFrom(start) };
    }
    throw new Error(`unexpected ${describe(t)} at offset ${t.pos}`);
  }
}

function tokEnd(t: Tok, src: string): number {
  if (t.t === 'end') return t.pos;
  if (t.t === 'op') return t.pos + t.v.length;
  if (t.t === 'name') return t.pos + t.v.length;
  // strings and numbers: rescan from pos
  if (t.t === 'num') {
    const m = /^(?:0[xXoObB][0-9a-fA-F_]+|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?[jJ]?)/.exec(src.slice(t.pos));
    return t.pos + (m ? m[0].length : 1);
  }
  const pm = /^[rRbBuUfF]{0,2}/.exec(src.slice(t.pos))![0];
  let i = t.pos + pm.length;
  const q = src[i]!;
  const triple = src.slice(i, i + 3) === q + q + q;
  const delim = triple ? q + q + q : q;
  i += delim.length;
  while (i < src.length && !src.startsWith(delim, i)) i += src[i] === '\\' ? 2 : 1;
  return Math.min(src.length, i + delim.length);
}

function describe(t: Tok): string {
  if (t.t === 'end') return 'end of input';
  if (t.t === 'str') return 'a string';
  if (t.t === 'num') return `number ${t.v}`;
  return `"${t.v}"`;
}

function funcName(node: Node): string {
  const parts: string[] = [];
  let cur = node;
  while (cur.k === 'attr') {
    parts.push(cur.attr);
    cur = cur.value;
  }
  if (cur.k === 'name') parts.push(cur.id);
  else throw new Error(`the called object ${cur.src} is not a (dotted) function name`);
  return parts.reverse().join('.');
}

/** A number operand: its value and whether Python holds it as a float. */
function numOf(v: unknown): { n: number; float: boolean } | null {
  if (typeof v === 'number') return { n: v, float: false };
  if (v instanceof PyFloat) return { n: v.value, float: true };
  return null;
}

function arith(op: string, a: unknown, b: unknown, src: string, floats: boolean): unknown {
  const x = numOf(a);
  const y = numOf(b);
  if (x && y) {
    // Python: int op int stays int except true division (and a negative power); a float operand makes a float.
    let float = x.float || y.float;
    let r: number;
    switch (op) {
      case '+':
        r = x.n + y.n;
        break;
      case '-':
        r = x.n - y.n;
        break;
      case '*':
        r = x.n * y.n;
        break;
      case '/':
        if (y.n === 0) throw new Error(`division by zero in ${src}`);
        r = x.n / y.n;
        float = true;
        break;
      case '//':
        if (y.n === 0) throw new Error(`division by zero in ${src}`);
        r = Math.floor(x.n / y.n);
        break;
      case '%':
        if (y.n === 0) throw new Error(`modulo by zero in ${src}`);
        r = x.n - y.n * Math.floor(x.n / y.n);
        break;
      case '**':
        r = x.n ** y.n;
        if (y.n < 0) float = true;
        break;
      default:
        throw new Error(`cannot evaluate the expression ${src}`);
    }
    return floats && float ? new PyFloat(r) : r;
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (op === '*' && typeof a === 'string' && typeof b === 'number' && Number.isInteger(b)) return a.repeat(Math.max(0, b));
  throw new Error(`cannot evaluate the expression ${src}`);
}

/**
 * resolve_ast_by_type. With `floats`, a Python float (a literal with a
 * fraction or exponent, or arithmetic that yields one) is a PyFloat, so
 * `60.0` and `60` stay apart as in the reference; without, both are numbers.
 */
function resolveValue(node: Node, floats: boolean): unknown {
  switch (node.k) {
    case 'const':
      return !floats && node.v instanceof PyFloat ? node.v.value : node.v;
    case 'unary': {
      // The reference returns `-operand.value` for every unary operator.
      const v = resolveValue(node.operand, floats);
      if (v instanceof PyFloat) return new PyFloat(-v.value);
      if (typeof v !== 'number') throw new Error(`unsupported unary operator on ${node.operand.src}`);
      return -v;
    }
    case 'list':
      return node.elts.map((e) => resolveValue(e, floats));
    case 'tuple':
      // A tuple stays a tuple for the checker (a tuple where a list is declared is a type error there).
      return floats ? new PyTuple(node.elts.map((e) => resolveValue(e, floats) as PyValue)) : node.elts.map((e) => resolveValue(e, floats));
    case 'dict': {
      const out: Record<string, unknown> = {};
      node.keys.forEach((k, idx) => {
        if (k === null) throw new Error(`unsupported "**" expansion in dict ${node.src}`);
        const key = resolveValue(k, floats);
        out[typeof key === 'string' ? key : pyKeyString(key)] = resolveValue(node.values[idx]!, floats);
      });
      return out;
    }
    case 'binop':
      return arith(node.op, resolveValue(node.left, floats), resolveValue(node.right, floats), node.src, floats);
    case 'name':
      return node.id;
    case 'call':
      if (node.kwargs.length === 0) return node.src.trim();
      return { [funcName(node.func)]: resolveCall(node, floats).args };
    case 'subscript':
      return node.src.trim();
    case 'set':
      throw new Error(`Unsupported AST type: Set (${node.src})`);
    case 'attr':
      throw new Error(`Unsupported AST type: Attribute (${node.src})`);
    case 'other':
      throw new Error(`Unsupported AST type: ${node.what} (${node.src})`);
  }
}

function pyKeyString(key: unknown): string {
  if (key === null) return 'None';
  if (key === true) return 'True';
  if (key === false) return 'False';
  if (key instanceof PyFloat) return pyRepr(key);
  return String(key);
}

function resolveCall(node: Extract<Node, { k: 'call' }>, floats = false): ParsedCallFull {
  const args: Record<string, unknown> = {};
  for (const kw of node.kwargs) {
    if (kw.name === null) throw new Error(`unsupported "**" argument in ${node.src}`);
    args[kw.name] = resolveValue(kw.value, floats);
  }
  return { name: funcName(node.func), args, positional: node.args.map((a) => resolveValue(a, floats)) };
}

/** Python's str.strip(chars). */
function stripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/**
 * Parse one Python expression that is a call or a list/tuple of calls, keeping
 * positional arguments. No BFCL pre-processing (brackets, stripping) is applied.
 */
export function parsePythonCalls(expr: string, floats = false): ParsedCallFull[] {
  const parser = new Parser(tokenize(expr), expr);
  const node = parser.parseTop();
  if (node.k === 'call') return [resolveCall(node, floats)];
  if (node.k === 'list' || node.k === 'tuple') {
    return node.elts.map((e, idx) => {
      if (e.k !== 'call') throw new Error(`element ${idx + 1} of the list is not a function call: ${e.src.slice(0, 80)}`);
      return resolveCall(e, floats);
    });
  }
  throw new Error(`expected a function call or a list of function calls, got: ${node.src.slice(0, 80)}`);
}

/** Parse a single Python literal (used for `repr`-style strings). */
export function parsePythonLiteral(expr: string): unknown {
  const parser = new Parser(tokenize(expr), expr);
  return resolveValue(parser.parseTop(), false);
}

/**
 * BFCL `default_decode_ast_prompting` preprocessing + parse, with positional
 * arguments kept (the reference drops them; callers that want the reference's
 * behaviour use `parseCallList`).
 */
export function parseCallListFull(text: string, floats = false): ParsedCallFull[] {
  let s = stripChars(text, '`\n ');
  if (!s.startsWith('[')) s = '[' + s;
  if (!s.endsWith(']')) s = s + ']';
  s = stripChars(s.trim(), "'");
  try {
    return parsePythonCalls(s, floats);
  } catch (e) {
    const preview = text.length > 120 ? text.slice(0, 120) + '…' : text;
    throw new Error(`not a Python function call list (${(e as Error).message}): ${JSON.stringify(preview)}`);
  }
}

/**
 * Parse prompt-mode call text as BFCL's `default_decode_ast_prompting` does.
 * Returns the calls (name + keyword arguments; positional arguments are
 * dropped like the reference's `resolve_ast_call`). `[]` yields no calls.
 * Throws an Error naming the problem when the text is not a call list.
 */
export function parseCallList(text: string, floats = false): ParsedCall[] {
  return parseCallListFull(text, floats).map((c) => ({ name: c.name, args: c.args }));
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { parseCallList, parseCallListFull, parsePythonCalls, parsePythonLiteral } from '../../benchmarks/bfcl/parse';

describe('bfcl parseCallList', () => {
  it('parses a bracketed list of calls with keyword arguments', () => {
    assert.deepEqual(parseCallList("[f(a=1), g(b='x')]"), [
      { name: 'f', args: { a: 1 } },
      { name: 'g', args: { b: 'x' } },
    ]);
  });

  it('accepts one call without brackets and dotted names', () => {
    assert.deepEqual(parseCallList('math.factorial(number=5)'), [{ name: 'math.factorial', args: { number: 5 } }]);
    assert.deepEqual(parseCallList('a.b.c(x=True)'), [{ name: 'a.b.c', args: { x: true } }]);
  });

  it('accepts several calls without brackets (BFCL wraps them)', () => {
    assert.deepEqual(parseCallList("f(a=1), g(b=2)").map((c) => c.name), ['f', 'g']);
  });

  it('strips backticks, newlines and spaces at both ends', () => {
    assert.deepEqual(parseCallList('```\n[f(a=1)]\n```'), [{ name: 'f', args: { a: 1 } }]);
    assert.deepEqual(parseCallList('  [f(a=1)]  \n'), [{ name: 'f', args: { a: 1 } }]);
  });

  it('parses strings with both quote styles, escapes, triple quotes, raw and concatenation', () => {
    const [c] = parseCallList(`[f(a='it\\'s', b="say \\"hi\\"", c='line1\\nline2', d='tab\\there', e='\\u00e9\\x41', f=r'a\\nb', g='''tri'ple''', h='ab' 'cd')]`);
    assert.deepEqual(c!.args, { a: "it's", b: 'say "hi"', c: 'line1\nline2', d: 'tab\there', e: 'éA', f: 'a\\nb', g: "tri'ple", h: 'abcd' });
  });

  it('parses numbers: ints, floats, exponents, negatives, hex, underscores', () => {
    const [c] = parseCallList('[f(a=1, b=-2, c=3.5, d=-0.25, e=1e3, f=2.5E-2, g=0x1F, h=1_000, i=.5, j=5.)]');
    assert.deepEqual(c!.args, { a: 1, b: -2, c: 3.5, d: -0.25, e: 1000, f: 0.025, g: 31, h: 1000, i: 0.5, j: 5 });
  });

  it('parses True/False/None, lists, tuples (as arrays), dicts and nesting', () => {
    const [c] = parseCallList("[f(a=True, b=False, c=None, d=[1, 'x', [2, 3]], e=(1, 2), f=(), g={'k': [1, {'n': None}], 'm': 2.0}, h=[])]");
    assert.deepEqual(c!.args, { a: true, b: false, c: null, d: [1, 'x', [2, 3]], e: [1, 2], f: [], g: { k: [1, { n: null }], m: 2 }, h: [] });
  });

  it('returns no calls for an empty list or empty text', () => {
    assert.deepEqual(parseCallList('[]'), []);
    assert.deepEqual(parseCallList(''), []);
  });

  it('drops positional arguments like the reference (resolve_ast_call keeps keywords only)', () => {
    assert.deepEqual(parseCallList("[sort('a.txt', x=1)]"), [{ name: 'sort', args: { x: 1 } }]);
    assert.deepEqual(parseCallListFull("[sort('a.txt')]")[0]!.positional, ['a.txt']);
  });

  it('resolves bare names to strings, evaluates arithmetic, keeps nested calls', () => {
    const [c] = parseCallList('[f(a=foo, b=2*3+1, c=g(), d=h(x=1), e=\'a\' + \'b\')]');
    assert.deepEqual(c!.args, { a: 'foo', b: 7, c: 'g()', d: { h: { x: 1 } }, e: 'ab' });
  });

  it('throws a named error for text that is not a call list', () => {
    assert.throws(() => parseCallList('I cannot help with that.'), /not a Python function call list/);
    assert.throws(() => parseCallList('[1, 2]'), /not a function call/);
    assert.throws(() => parseCallList("[f(a='unterminated)]"), /unterminated string/);
    assert.throws(() => parseCallList('[f(a=1]'), /expected/);
    assert.throws(() => parseCallList('[f(a={1, 2})]'), /Set/);
    assert.throws(() => parseCallList('[f(a=1, a=2)]'), /repeated/);
    assert.throws(() => parseCallList("[f(a=f'x{y}')]"), /f-string/);
    assert.throws(() => parseCallList('[f(a=x.y)]'), /Attribute/);
  });

  it('parses ground-truth style strings with positional arguments', () => {
    assert.deepEqual(parsePythonCalls("post_tweet('Hi', tags=['#a'], mentions=[])"), [{ name: 'post_tweet', args: { tags: ['#a'], mentions: [] }, positional: ['Hi'] }]);
    assert.equal(parsePythonLiteral("{'a': [1, 2.5, None]}") instanceof Object, true);
  });
});

/**
 * ns_bfcl_v4 single-turn harness: function docs → OpenAI tools and the
 * prompt-mode system prompt, BFCL's AST checker rule by rule (synthetic items
 * in the real schema), Java/JavaScript conversions, (ir)relevance, the v4
 * overall-score formula, and the real data (EVALFLOW_DATASETS_DIR/bfcl_v4):
 * counts per category, answers joined by id, and every Python-category
 * possible answer sent back as native tool calls scoring correct.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type DecodedCall,
  type FunctionDoc,
  type GroundTruth,
  astChecker,
  goldValue,
  judgeSingleTurn,
  standardizeString,
} from '../../benchmarks/bfcl/ast-checker';
import { PyFloat, PyTuple, type PyValue, isPyDict, parseJsonPy, pyEq, pyRepr } from '../../benchmarks/bfcl/py-values';
import { bfclSystemPrompt, convertToTools, hintedFunctionDocs, pyJsonDumps, withBfclSystemPrompt } from '../../benchmarks/bfcl/tools';
import { type CategoryValue, aggregateScores, bfclMetrics } from '../../benchmarks/bfcl/metrics';
import { AGENTIC_CATEGORIES, RUN_CATEGORIES } from '../../benchmarks/bfcl/categories';
import { categoriesForSplit } from '../../benchmarks/bfcl/data';
import { bfclMode, bfclV4, decodeNative, decodePrompt } from '../../benchmarks/bfcl/index';
import type { ScoredResponse } from '../../benchmarks/types';
import type { Sample, ToolCall, UnitResponse } from '../../lib/records/messages';
import { loadDatasetFiles } from '../../lib/engine/datasets';
import { sync as syncScore } from '../support/sync-score';

// --- helpers -----------------------------------------------------------------

const ok = (calls: DecodedCall[]) => ({ ok: true as const, calls });
const call = (name: string, args: Record<string, PyValue>): DecodedCall => ({ name, args });
const f = (v: number) => new PyFloat(v);

function check(docs: FunctionDoc[], calls: DecodedCall[], gt: GroundTruth, category = 'simple_python', native = false) {
  return astChecker(docs, calls, gt, category, native);
}

function toolCall(name: string, args: string, id = 'c1'): ToolCall {
  return { id, type: 'function', function: { name, arguments: args } };
}

const AREA: FunctionDoc = {
  name: 'calculate_triangle_area',
  description: 'Calculate the area of a triangle given its base and height.',
  parameters: {
    type: 'dict',
    properties: {
      base: { type: 'integer', description: 'The base.' },
      height: { type: 'integer', description: 'The height.' },
      unit: { type: 'string', description: 'The unit of measure' },
    },
    required: ['base', 'height'],
  },
};
const AREA_GT: GroundTruth = [{ calculate_triangle_area: { base: [10], height: [5], unit: ['units', ''] } }];

const WEATHER: FunctionDoc = {
  name: 'weather.get',
  description: 'Weather for a city.',
  parameters: {
    type: 'dict',
    properties: {
      city: { type: 'string', description: 'City.' },
      days: { type: 'integer', description: 'Days.' },
      temperature: { type: 'float', description: 'Threshold.' },
      coords: { type: 'tuple', items: { type: 'float' }, description: 'Lat/long.' },
      tags: { type: 'array', items: { type: 'string' }, description: 'Tags.' },
      weights: { type: 'array', items: { type: 'float' }, description: 'Weights.' },
      options: { type: 'dict', properties: { metric: { type: 'boolean' }, lang: { type: 'string' } }, description: 'Options.' },
      stops: { type: 'array', items: { type: 'dict', properties: { name: { type: 'string' } } }, description: 'Stops.' },
      anything: { type: 'any', description: 'Any value.' },
    },
    required: ['city'],
  },
};

function weatherGt(params: Record<string, unknown>): GroundTruth {
  return [{ 'weather.get': { city: ['San Francisco, CA', 'SF'], ...params } }];
}

// --- tools (native mode) -------------------------------------------------------

test('tools: BFCL types become OpenAPI types, names lose their dots, hints are added', () => {
  const docs = hintedFunctionDocs([WEATHER], 'simple_python');
  const [tool] = convertToTools(docs);
  assert.ok(tool);
  assert.equal(tool.type, 'function');
  assert.equal(tool.function.name, 'weather_get');
  assert.equal(tool.function.description, 'Weather for a city. Note that the provided function is in Python 3 syntax.');
  const params = tool.function.parameters as { type: string; properties: Record<string, Record<string, unknown>>; required: string[] };
  assert.equal(params.type, 'object');
  assert.deepEqual(params.required, ['city']);
  const p = params.properties;
  assert.equal(p.city?.type, 'string');
  assert.equal(p.days?.type, 'integer');
  assert.deepEqual(p.temperature, { type: 'number', description: 'Threshold. This is a float type value.', format: 'float' });
  assert.deepEqual(p.coords, { type: 'array', items: { type: 'number' }, description: 'Lat/long.' });
  assert.deepEqual(p.weights?.items, { type: 'number' });
  assert.equal(p.options?.type, 'object');
  assert.deepEqual(p.options?.properties, { metric: { type: 'boolean' }, lang: { type: 'string' } });
  assert.deepEqual(p.stops?.items, { type: 'object', properties: { name: { type: 'string' } } });
  assert.equal(p.anything?.type, 'string');
  // The dataset's own doc is untouched (the checker needs the original types).
  assert.equal(WEATHER.parameters.properties.temperature?.type, 'float');
  assert.equal(WEATHER.name, 'weather.get');
});

test('tools: unknown types become string, nested float items and nested objects are mapped', () => {
  const doc: FunctionDoc = {
    name: 'f',
    description: 'd',
    parameters: {
      type: 'dict',
      properties: {
        a: { type: 'weird', description: '' },
        b: { description: 'no type' },
        m: { type: 'array', items: { type: 'array', items: { type: 'float' } }, description: '' },
        o: { type: 'dict', properties: { x: { type: 'float', description: 'x' }, y: { type: 'tuple', items: { type: 'integer' } } }, description: '' },
      },
    },
  };
  const p = (convertToTools([doc])[0]?.function.parameters as { properties: Record<string, Record<string, unknown>> }).properties;
  assert.equal(p.a?.type, 'string');
  assert.equal(p.b?.type, 'string');
  assert.deepEqual(p.m?.items, { type: 'array', items: { type: 'number' } });
  assert.deepEqual(p.o?.properties, {
    x: { type: 'number', format: 'float', description: 'x This is a float type value.' },
    y: { type: 'array', items: { type: 'integer' } },
  });
});

test('tools: Java and JavaScript parameters are strings with their real type in the description', () => {
  const java: FunctionDoc = {
    name: 'Util.run',
    description: 'Runs.',
    parameters: {
      type: 'dict',
      properties: {
        list: { type: 'ArrayList', items: { type: 'String' }, description: 'Names.' },
        flag: { type: 'boolean', description: 'Flag.' },
        obj: { type: 'any', description: 'Obj.' },
      },
      required: ['list'],
    },
  };
  const [j] = hintedFunctionDocs([java], 'simple_java');
  assert.equal(j?.description, 'Runs. Note that the provided function is in Java 8 SDK syntax.');
  const jp = j?.parameters.properties ?? {};
  assert.deepEqual(jp.list, {
    type: 'string',
    description: 'Names. This is Java ArrayList type parameter in string representation. The list elements are of type String; they are not in string representation.',
  });
  assert.equal(jp.flag?.description, 'Flag. This is Java boolean type parameter in string representation.');
  assert.equal(jp.obj?.description, 'Obj. This parameter can be of any type of Java object in string representation.');
  assert.equal(java.parameters.properties.list?.type, 'ArrayList');

  const js: FunctionDoc = {
    name: 'go',
    description: 'Go.',
    parameters: { type: 'dict', properties: { cfg: { type: 'dict', properties: { a: { type: 'String' } }, description: 'Config.' }, n: { type: 'float', description: 'N.' } } },
  };
  const [s] = hintedFunctionDocs([js], 'simple_javascript');
  assert.equal(s?.description, 'Go. Note that the provided function is in JavaScript syntax.');
  assert.deepEqual(s?.parameters.properties.cfg, {
    type: 'string',
    description:
      'Config. This is JavaScript dict type parameter in string representation. The dictionary entries have the following schema; they are not in string representation. {"a": {"type": "String"}}',
  });
  // A JavaScript "float" is a string too, so no float note is added by the tool conversion.
  const tool = convertToTools([s as FunctionDoc])[0];
  assert.deepEqual((tool?.function.parameters as { properties: Record<string, unknown> }).properties.n, {
    type: 'string',
    description: 'N. This is JavaScript float type parameter in string representation.',
  });
});

// --- prompt mode ---------------------------------------------------------------

test('prompt mode: BFCL system prompt with the docs as json.dumps(indent=4), merged into a question system message', () => {
  const sys = bfclSystemPrompt([AREA]);
  assert.ok(sys.startsWith('You are an expert in composing functions.You are given a question and a set of possible functions.'));
  assert.ok(sys.includes('you MUST put it in the format of [func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)].  You SHOULD NOT include any other text in the response.'));
  assert.ok(sys.includes('\n\nAt each turn, you should try your best'));
  assert.ok(sys.endsWith(`Here is a list of functions in json format that you can invoke.\n${JSON.stringify([AREA], null, 4)}\n`));
  assert.equal(pyJsonDumps({ a: 'é', b: [1, 2] }), '{"a": "\\u00e9", "b": [1, 2]}');

  const added = withBfclSystemPrompt([{ role: 'user', content: 'hi' }], [AREA]);
  assert.deepEqual(added.map((m) => m.role), ['system', 'user']);
  const merged = withBfclSystemPrompt([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], [AREA]);
  assert.equal(merged.length, 2);
  assert.equal(merged[0]?.content, `${sys}\n\nBe brief.`);
});

test('prompt mode: the reply is parsed as a Python call list after stripping backticks and adding brackets', () => {
  const d = decodePrompt('calculate_triangle_area(base=10, height=5)', [AREA], 'simple_python');
  assert.ok(d.ok);
  assert.deepEqual(d.calls, [{ name: 'calculate_triangle_area', args: { base: 10, height: 5 } }]);
  const fenced = decodePrompt('```\n[calculate_triangle_area(base=10, height=5)]\n```', [AREA], 'simple_python');
  assert.ok(fenced.ok);
  // BFCL strips only "`", "\n" and " ": a ```python fence leaves "python" in front and fails.
  assert.equal(decodePrompt('```python\n[calculate_triangle_area(base=10, height=5)]\n```', [AREA], 'simple_python').ok, false);
  assert.equal(decodePrompt('I cannot help with that.', [AREA], 'simple_python').ok, false);
  const empty = decodePrompt('[]', [AREA], 'simple_python');
  assert.ok(empty.ok && empty.calls.length === 0);
  // A float parameter written 2.0 arrives from the parser as 2; the doc's type restores the float.
  const w = decodePrompt("weather.get(city='SF', weights=[1.0, 2.5])", [WEATHER], 'simple_python');
  assert.ok(w.ok);
  assert.ok(pyEq((w.calls[0]?.args as Record<string, PyValue>).weights as PyValue, [f(1), f(2.5)]));
  assert.ok(((w.calls[0]?.args as Record<string, PyValue>).weights as PyValue[])[0] instanceof PyFloat);
});

test('mode: ++use_client_parsing selects native (default) or prompt mode', () => {
  assert.equal(bfclMode({}), 'native');
  assert.equal(bfclMode({ benchmarkArgs: { use_client_parsing: 'False' } }), 'native');
  assert.equal(bfclMode({ benchmarkArgs: { use_client_parsing: 'True' } }), 'prompt');
  assert.throws(() => bfclMode({ benchmarkArgs: { use_client_parsing: 'maybe' } }), /use_client_parsing must be True or False/);
});

// --- Python values -------------------------------------------------------------

test('Python values: json.loads number kinds and Python equality', () => {
  const v = parseJsonPy('{"a": 1, "b": 1.0, "c": 1e2, "d": [true, null, "x"], "e": -0}');
  assert.ok(isPyDict(v));
  assert.equal(v.a, 1);
  assert.ok(v.b instanceof PyFloat && v.c instanceof PyFloat);
  assert.equal(v.e, 0);
  assert.throws(() => parseJsonPy('{"a": 1,}'), /property name/);
  assert.throws(() => parseJsonPy(''), /Expecting value/);
  assert.ok(pyEq(true, 1) && pyEq(1, f(1)) && pyEq([1, 'a'], [f(1), 'a']));
  assert.ok(!pyEq([1, 2], new PyTuple([1, 2])));
  assert.ok(!pyEq('1', 1) && !pyEq(null, 0) && !pyEq({ a: 1 }, { a: 1, b: 2 }));
  assert.equal(pyRepr({ a: [f(1), 'it\'s', null, true] }), `{'a': [1.0, "it's", None, True]}`);
});

// --- AST checker: simple ----------------------------------------------------------

test('simple: correct call, optional parameter given or omitted', () => {
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 10, height: 5 })], AREA_GT).valid, true);
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 10, height: 5, unit: 'Units' })], AREA_GT).valid, true);
});

test('simple: wrong count, wrong name, missing required, unexpected, missing non-optional', () => {
  const r0 = check([AREA], [], AREA_GT);
  assert.equal(r0.error_type, 'simple_function_checker:wrong_count');
  const two = call('calculate_triangle_area', { base: 10, height: 5 });
  assert.equal(check([AREA], [two, two], AREA_GT).error_type, 'simple_function_checker:wrong_count');
  assert.equal(check([AREA], [call('triangle_area', { base: 10, height: 5 })], AREA_GT).error_type, 'simple_function_checker:wrong_func_name');
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 10 })], AREA_GT).error_type, 'simple_function_checker:missing_required');
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 10, height: 5, color: 'red' })], AREA_GT).error_type, 'simple_function_checker:unexpected_param');
  // Declared in the doc but absent from the possible answer: also unexpected.
  const gt: GroundTruth = [{ calculate_triangle_area: { base: [10], height: [5] } }];
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 10, height: 5, unit: 'cm' })], gt).error_type, 'simple_function_checker:unexpected_param');
  // An answered parameter without "" must be given.
  const gt2: GroundTruth = [{ calculate_triangle_area: { base: [10], height: [5], unit: ['cm'] } }];
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 10, height: 5 })], gt2).error_type, 'simple_function_checker:missing_optional');
  assert.equal(check([AREA], [call('calculate_triangle_area', { base: 11, height: 5 })], AREA_GT).error_type, 'value_error:others');
});

test('strings: BFCL standardisation (spaces and ,./-_*^ removed, case, quotes)', () => {
  assert.equal(standardizeString("San Francisco, CA"), 'sanfranciscoca');
  assert.equal(standardizeString("It's_A-Test*^/."), 'it"satest');
  const run = (city: string) => check([WEATHER], [call('weather.get', { city })], weatherGt({})).valid;
  assert.equal(run('san francisco,ca'), true);
  assert.equal(run('SAN-FRANCISCO CA.'), true);
  assert.equal(run('sf'), true);
  assert.equal(run('San Francisco, California'), false);
  assert.equal(check([WEATHER], [call('weather.get', { city: 'Paris' })], weatherGt({})).error_type, 'value_error:string');
  // "'" and '"' standardise alike.
  const gt: GroundTruth = [{ 'weather.get': { city: ['say "hi"'] } }];
  assert.equal(check([WEATHER], [call('weather.get', { city: "say 'hi'" })], gt).valid, true);
});

test('numbers: int promoted to float, float rejected for int, bool rejected for int', () => {
  const gt = weatherGt({ temperature: [20.5, 20], days: [3, ''] });
  const w = (args: Record<string, PyValue>) => check([WEATHER], [call('weather.get', { city: 'SF', ...args })], gt);
  assert.equal(w({ temperature: 20 }).valid, true);
  assert.equal(w({ temperature: f(20) }).valid, true);
  assert.equal(w({ temperature: f(20.5) }).valid, true);
  assert.equal(w({ temperature: f(21) }).error_type, 'value_error:others');
  assert.equal(w({ temperature: f(20.5), days: 3 }).valid, true);
  assert.equal(w({ temperature: f(20.5), days: f(3) }).error_type, 'type_error:simple');
  assert.equal(w({ temperature: f(20.5), days: true }).error_type, 'type_error:simple');
  assert.equal(w({ temperature: '20.5' }).error_type, 'type_error:simple');
  // The possible answer's own types decide for floats: gold 20 under a float parameter is 20.0.
  assert.ok(goldValue(20, { type: 'float' }) instanceof PyFloat);
  assert.equal(goldValue(3, { type: 'integer' }), 3);
});

test('lists and tuples: order matters, strings standardised, nested item types checked', () => {
  const gt = weatherGt({ tags: [['Rain', 'Wind'], ''], coords: [[37.7, -122.4], ''], weights: [[1.0, 2.0], ''] });
  const w = (args: Record<string, PyValue>) => check([WEATHER], [call('weather.get', { city: 'SF', ...args })], gt);
  assert.equal(w({ tags: ['rain', 'WIND'] }).valid, true);
  assert.equal(w({ tags: ['Wind', 'Rain'] }).error_type, 'value_error:list/tuple');
  assert.equal(w({ tags: ['Rain'] }).error_type, 'value_error:list/tuple');
  assert.equal(w({ tags: 'Rain' }).error_type, 'type_error:simple');
  // A tuple for a tuple parameter is compared as a list.
  assert.equal(w({ coords: new PyTuple([f(37.7), f(-122.4)]) }).valid, true);
  assert.equal(w({ coords: [f(37.7), f(-122.4)] }).valid, true);
  assert.equal(w({ weights: [f(1), f(2)] }).valid, true);
  // int items in a list of floats fail the nested type check (no promotion inside lists)…
  const strict = weatherGt({ weights: [[1.0, 2.0]] });
  assert.equal(check([WEATHER], [call('weather.get', { city: 'SF', weights: [1, 2] })], strict).error_type, 'type_error:nested');
  assert.equal(check([WEATHER], [call('weather.get', { city: 'SF', weights: [f(1), f(2)] })], strict).valid, true);
  // …unless "" is among the answers: BFCL's nested check then passes on the "" entry, and [1, 2] == [1.0, 2.0].
  assert.equal(w({ weights: [1, 2] }).valid, true);
  // "" among the answers lets an empty list through (BFCL's list_checker iterates "" as no items).
  assert.equal(w({ tags: [] }).valid, true);
});

test('dicts and lists of dicts: keys and values checked, "" marks optional keys', () => {
  const gt = weatherGt({ options: [{ metric: [true], lang: ['en', ''] }], stops: [[{ name: ['Oakland'] }, { name: ['San Jose'] }]] });
  const w = (args: Record<string, PyValue>) => check([WEATHER], [call('weather.get', { city: 'SF', options: { metric: true }, stops: [{ name: 'oakland' }, { name: 'San Jose' }], ...args })], gt);
  assert.equal(w({}).valid, true);
  assert.equal(w({ options: { metric: true, lang: 'EN' } }).valid, true);
  assert.equal(w({ options: { metric: false } }).error_type, 'value_error:dict_value');
  assert.equal(w({ options: { metric: true, units: 'C' } }).error_type, 'value_error:dict_key');
  assert.equal(w({ options: { lang: 'en' } }).error_type, 'value_error:dict_key');
  assert.equal(w({ stops: [{ name: 'San Jose' }, { name: 'Oakland' }] }).error_type, 'value_error:dict_value');
  assert.equal(w({ stops: [{ name: 'Oakland' }] }).error_type, 'value_error:list_dict_count');
});

test('variables: a value of the answer\'s type instead of the declared one is compared by ==', () => {
  // The answer names a variable (a string) for an integer parameter.
  const gt = weatherGt({ days: ['num_days'] });
  assert.equal(check([WEATHER], [call('weather.get', { city: 'SF', days: 'num_days' })], gt).valid, true);
  // Compared exactly, without string standardisation.
  assert.equal(check([WEATHER], [call('weather.get', { city: 'SF', days: 'Num_Days' })], gt).error_type, 'value_error:others');
  assert.equal(check([WEATHER], [call('weather.get', { city: 'SF', days: 4 })], gt).error_type, 'value_error:others');
});

// --- multiple, parallel, names --------------------------------------------------------

const SPOTIFY: FunctionDoc = {
  name: 'spotify.play',
  description: 'Play songs.',
  parameters: { type: 'dict', properties: { artist: { type: 'string' }, duration: { type: 'integer' } }, required: ['artist', 'duration'] },
};

test('multiple: the expected function among several docs; one call only', () => {
  const gt: GroundTruth = [{ 'spotify.play': { artist: ['Taylor Swift'], duration: [20] } }];
  const good = call('spotify.play', { artist: 'taylor swift', duration: 20 });
  assert.equal(check([AREA, SPOTIFY], [good], gt, 'multiple').valid, true);
  assert.equal(check([AREA, SPOTIFY], [call('calculate_triangle_area', { base: 1, height: 2 })], gt, 'multiple').error_type, 'simple_function_checker:wrong_func_name');
  assert.equal(check([AREA, SPOTIFY], [good, good], gt, 'multiple').error_type, 'multiple_function_checker:wrong_count');
});

test('parallel: calls matched to answers in any order, each call used once', () => {
  const gt: GroundTruth = [
    { 'spotify.play': { artist: ['Taylor Swift'], duration: [20] } },
    { 'spotify.play': { artist: ['Maroon 5'], duration: [15] } },
  ];
  const a = call('spotify.play', { artist: 'Taylor Swift', duration: 20 });
  const b = call('spotify.play', { artist: 'Maroon 5', duration: 15 });
  assert.equal(check([SPOTIFY], [a, b], gt, 'parallel').valid, true);
  assert.equal(check([SPOTIFY], [b, a], gt, 'parallel').valid, true);
  assert.equal(check([SPOTIFY], [a, a], gt, 'parallel').error_type, 'parallel_function_checker_no_order:cannot_find_match');
  assert.equal(check([SPOTIFY], [a], gt, 'parallel').error_type, 'parallel_function_checker_no_order:wrong_count');
  assert.equal(check([SPOTIFY, AREA], [b, a], gt, 'live_parallel_multiple').valid, true);
  const bad = check([SPOTIFY], [a, call('spotify.play', { artist: 'Maroon 5', duration: 16 })], gt, 'parallel');
  assert.equal(bad.valid, false);
  assert.match(String(bad.error[0]), /Could not find a matching function among index \[1\] of model output for index 1/);
});

test('names: native tool names carry underscores for dots, prompt-mode names keep the dots', () => {
  const gt: GroundTruth = [{ 'spotify.play': { artist: ['Adele'], duration: [5] } }];
  assert.equal(check([SPOTIFY], [call('spotify_play', { artist: 'Adele', duration: 5 })], gt, 'simple_python', true).valid, true);
  assert.equal(check([SPOTIFY], [call('spotify.play', { artist: 'Adele', duration: 5 })], gt, 'simple_python', true).valid, false);
  assert.equal(check([SPOTIFY], [call('spotify.play', { artist: 'Adele', duration: 5 })], gt, 'simple_python', false).valid, true);
});

// --- Java / JavaScript ---------------------------------------------------------------

const JAVA_DOC: FunctionDoc = {
  name: 'Cache.put',
  description: 'Put.',
  parameters: {
    type: 'dict',
    properties: {
      key: { type: 'String' },
      ttl: { type: 'long' },
      size: { type: 'integer' },
      ratio: { type: 'float' },
      active: { type: 'boolean' },
      ids: { type: 'ArrayList', items: { type: 'integer' } },
      names: { type: 'Array', items: { type: 'String' } },
      meta: { type: 'HashMap' },
      ref: { type: 'any' },
    },
    required: ['key'],
  },
};

test('Java: values must be strings and are converted by their Java type', () => {
  const gt: GroundTruth = [
    {
      'Cache.put': {
        key: ['user1'],
        ttl: [3600, ''],
        size: [10, ''],
        ratio: [0.5, ''],
        active: [true, ''],
        ids: [[1, 2], ''],
        names: [['a', 'b'], ''],
        meta: [{ limit: [50] }, ''],
        ref: ['cacheRef', ''],
      },
    },
  ];
  const j = (args: Record<string, PyValue>) => check([JAVA_DOC], [call('Cache.put', { key: 'user1', ...args })], gt, 'simple_java');
  assert.equal(j({}).valid, true);
  assert.equal(j({ ttl: '3600L' }).valid, true);
  assert.equal(j({ ttl: '3600' }).error_type, 'type_error:simple');
  assert.equal(j({ size: '10' }).valid, true);
  assert.equal(j({ size: 10 }).error_type, 'type_error:java');
  assert.equal(j({ ratio: '0.5f' }).valid, true);
  assert.equal(j({ ratio: '0.5' }).error_type, 'type_error:simple');
  assert.equal(j({ active: 'true' }).valid, true);
  assert.equal(j({ active: 'True' }).error_type, 'type_error:simple');
  assert.equal(j({ ids: 'new ArrayList<>(Arrays.asList(1, 2))' }).valid, true);
  assert.equal(j({ ids: 'new ArrayList<Integer>() {{ add(1); add(2); }}' }).valid, true);
  assert.equal(j({ ids: 'new ArrayList<>(Arrays.asList(2, 1))' }).error_type, 'value_error:list/tuple');
  // As in BFCL's parse_array, String elements of a Java array keep their quotes, so only bare words match.
  assert.equal(j({ names: 'new String[]{a, b}' }).valid, true);
  assert.equal(j({ names: 'new String[]{"a", "b"}' }).error_type, 'value_error:list/tuple');
  assert.equal(j({ meta: 'new HashMap<String, Integer>() {{ put("limit", 50); }}' }).valid, true);
  assert.equal(j({ meta: 'new HashMap<String, Integer>() {{ put("limit", 60); }}' }).error_type, 'value_error:dict_value');
  assert.equal(j({ ref: 'CACHEREF' }).valid, true);
});

const JS_DOC: FunctionDoc = {
  name: 'submit',
  description: 'Submit.',
  parameters: {
    type: 'dict',
    properties: {
      formId: { type: 'String' },
      coords: { type: 'array', items: { type: 'float' } },
      done: { type: 'Boolean' },
      count: { type: 'integer' },
      opts: { type: 'dict' },
      big: { type: 'Bigint' },
    },
    required: ['formId'],
  },
};

test('JavaScript: strings converted by their JS type (arrays, Boolean, dicts, Bigint)', () => {
  const gt: GroundTruth = [{ submit: { formId: ['loginForm'], coords: [[60, 30], ''], done: [true, ''], count: [3, ''], opts: [{ mode: ['fast'] }, ''], big: [7, ''] } }];
  const s = (args: Record<string, PyValue>) => check([JS_DOC], [call('submit', { formId: 'loginForm', ...args })], gt, 'simple_javascript');
  assert.equal(s({}).valid, true);
  assert.equal(s({ formId: "'loginForm'" }).valid, true);
  assert.equal(s({ coords: '[60, 30]' }).valid, true);
  assert.equal(s({ coords: '[60.0, 30.0]' }).valid, true);
  assert.equal(s({ coords: '[30, 60]' }).error_type, 'value_error:list/tuple');
  assert.equal(s({ done: 'true' }).valid, true);
  assert.equal(s({ count: '3' }).valid, true);
  assert.equal(s({ count: '3.0' }).error_type, 'type_error:simple');
  assert.equal(s({ opts: "{'mode': 'fast'}" }).valid, true);
  assert.equal(s({ big: '7n' }).valid, true);
  assert.equal(s({ done: true }).error_type, 'type_error:js');
});

// --- relevance, decoding ---------------------------------------------------------------

test('irrelevance: correct when no function call decodes; live_relevance: correct when one does', () => {
  const none = decodeNative({ content: 'None of the functions fit.' });
  const empty = decodeNative({ content: '' });
  const one = decodeNative({ content: '', tool_calls: [toolCall('calculate_triangle_area', '{"base": 1, "height": 2}')] });
  const badJson = decodeNative({ content: '', tool_calls: [toolCall('calculate_triangle_area', '{"base": 1,')] });
  const notDict = decodeNative({ content: '', tool_calls: [toolCall('calculate_triangle_area', '[1, 2]')] });
  for (const cat of ['irrelevance', 'live_irrelevance']) {
    assert.equal(judgeSingleTurn(cat, [AREA], null, none, true).correct, true);
    assert.equal(judgeSingleTurn(cat, [AREA], null, empty, true).correct, true);
    assert.equal(judgeSingleTurn(cat, [AREA], null, badJson, true).correct, true);
    assert.equal(judgeSingleTurn(cat, [AREA], null, notDict, true).correct, true);
    const r = judgeSingleTurn(cat, [AREA], null, one, true);
    assert.deepEqual([r.correct, r.error_type], [false, 'irrelevance_error:decoder_success']);
  }
  assert.equal(judgeSingleTurn('live_relevance', [AREA], null, one, true).correct, true);
  assert.equal(judgeSingleTurn('live_relevance', [AREA], null, none, true).error_type, 'relevance_error:decoder_failed');
  assert.equal(judgeSingleTurn('live_relevance', [AREA], null, ok([]), false).correct, false);
});

test('AST categories: a reply without tool calls, bad JSON or non-object arguments is wrong with BFCL\'s error type', () => {
  assert.equal(judgeSingleTurn('simple_python', [AREA], AREA_GT, decodeNative({ content: 'The area is 25.' }), true).error_type, 'ast_decoder:decoder_failed');
  assert.equal(judgeSingleTurn('simple_python', [AREA], AREA_GT, decodeNative({ content: '', tool_calls: [toolCall('x', '{')] }), true).error_type, 'ast_decoder:decoder_failed');
  assert.equal(judgeSingleTurn('simple_python', [AREA], AREA_GT, decodeNative({ content: '', tool_calls: [toolCall('x', '"s"')] }), true).error_type, 'ast_decoder:decoder_wrong_output_format');
  assert.equal(judgeSingleTurn('simple_python', [AREA], AREA_GT, decodeNative({ content: '' }), true).error_type, 'simple_function_checker:wrong_count');
  const good = decodeNative({ content: 'ok', tool_calls: [toolCall('calculate_triangle_area', '{"base": 10, "height": 5}')] });
  assert.equal(judgeSingleTurn('simple_python', [AREA], AREA_GT, good, true).correct, true);
});

// --- the benchmark module end to end (synthetic rows) ----------------------------------

function sampleOf(row: Record<string, unknown>): Sample {
  return bfclV4.toSample(row, 0);
}

const AREA_ROW = {
  category: 'simple_python',
  id: 'simple_python_0',
  question: [[{ role: 'user', content: 'Find the area of a triangle with a base of 10 units and height of 5 units.' }]],
  function: [AREA],
  ground_truth: AREA_GT,
};

test('module: native prompt, tools and scoring from tool_calls', () => {
  const s = sampleOf(AREA_ROW);
  assert.deepEqual([s.id, s.subset, s.expected], ['simple_python_0', 'simple_python', JSON.stringify(AREA_GT)]);
  const msgs = bfclV4.prompt(s, {});
  assert.deepEqual(msgs, [{ role: 'user', content: AREA_ROW.question[0]?.[0]?.content }]);
  assert.equal(bfclV4.tools?.(s, {})?.[0]?.function.name, 'calculate_triangle_area');
  const withSystem = bfclV4.prompt(sampleOf(AREA_ROW), { systemPrompt: 'detailed thinking off' });
  assert.deepEqual(withSystem[0], { role: 'system', content: 'detailed thinking off' });
  const response: UnitResponse = { content: '', tool_calls: [toolCall('calculate_triangle_area', '{"base": 10, "height": 5}')] };
  const scored = syncScore(bfclV4).score('', s, undefined, response);
  assert.equal(scored.correct, true);
  assert.equal(scored.predicted, '[{"calculate_triangle_area":{"base":10,"height":5}}]');
  const wrong = syncScore(bfclV4).score('', s, undefined, { content: '', tool_calls: [toolCall('calculate_triangle_area', '{"base": 10, "height": 6}')] });
  assert.equal(wrong.correct, false);
  assert.equal(wrong.details?.error_type, 'value_error:others');
  assert.throws(() => syncScore(bfclV4).score('', s), /needs the unit's full response/);
  assert.equal(bfclV4.conversation?.next(s, [response], {}), null);
});

test('module: prompt mode has no tools, a BFCL system prompt and parses the text', () => {
  const opts = { benchmarkArgs: { use_client_parsing: 'True' } };
  const s = sampleOf(AREA_ROW);
  const msgs = bfclV4.prompt(s, opts);
  assert.equal(msgs.length, 2);
  assert.equal(msgs[0]?.role, 'system');
  assert.ok(msgs[0]?.content.includes('"name": "calculate_triangle_area"'));
  assert.ok(msgs[0]?.content.includes('Note that the provided function is in Python 3 syntax.'));
  assert.equal(bfclV4.tools?.(s, opts), undefined);
  assert.equal(s.data.mode, 'prompt');
  assert.equal(syncScore(bfclV4).score('[calculate_triangle_area(base=10, height=5)]', s).correct, true);
  assert.equal(syncScore(bfclV4).score('calculate_triangle_area(base=10, height=5, unit="units")', s).correct, true);
  assert.equal(syncScore(bfclV4).score('The area is 25.', s).details?.error_type, 'ast_decoder:decoder_failed');
  assert.throws(() => bfclV4.prompt(sampleOf(AREA_ROW), { promptConfig: 'generic/default' }), /takes no prompt_config/);
});

test('module: rows with missing fields fail with the field named', () => {
  assert.throws(() => bfclV4.toSample({ ...AREA_ROW, category: 'format_sensitivity' }, 3), /unknown category "format_sensitivity"/);
  assert.throws(() => bfclV4.toSample({ ...AREA_ROW, ground_truth: undefined }, 3), /needs a "ground_truth" list/);
  assert.throws(() => bfclV4.toSample({ ...AREA_ROW, function: [{ name: 'x' }] }, 3), /function doc 1 needs a "name" and "parameters.properties"/);
  assert.throws(() => bfclV4.toSample({ ...AREA_ROW, question: [{ role: 'user' }] }, 3), /"question" must be a list of turns/);
  assert.equal(bfclV4.accept?.({ category: 'format_sensitivity' }), false);
  assert.equal(bfclV4.accept?.({ category: 'live_simple' }), true);
});

test('splits: test = the 17 categories evalflow runs, plus the agentic ones a task enables; agentic ones not enabled and format_sensitivity refused with the reason', () => {
  assert.equal(categoriesForSplit('test').length, 17);
  assert.deepEqual(categoriesForSplit('test', ['web_search_base', 'web_search_no_snippet']).slice(17), ['web_search_base', 'web_search_no_snippet']);
  assert.deepEqual(categoriesForSplit('live_simple'), ['live_simple']);
  assert.deepEqual(categoriesForSplit('memory', ['memory_kv', 'memory_vector', 'memory_rec_sum']), ['memory_kv', 'memory_vector', 'memory_rec_sum']);
  assert.throws(() => categoriesForSplit('web_search'), /not run: needs live web search — enable it with \+\+bfcl_agentic=web_search/);
  assert.throws(() => categoriesForSplit('memory_kv'), /\+\+bfcl_agentic=memory/);
  assert.throws(() => categoriesForSplit('format_sensitivity'), /not a scoring category/);
  assert.throws(() => categoriesForSplit('simple'), /unknown dataset_split "simple"/);
});

// --- metrics ---------------------------------------------------------------------------

function values(entries: Record<string, [number, number]>): Map<string, CategoryValue> {
  return new Map(Object.entries(entries).map(([k, [value, count]]) => [k, { value, stderr: 0, count }]));
}

const FULL: Record<string, [number, number]> = {
  simple_python: [90, 400],
  simple_java: [60, 100],
  simple_javascript: [75, 50],
  multiple: [80, 200],
  parallel: [70, 200],
  parallel_multiple: [50, 200],
  irrelevance: [85, 240],
  live_simple: [70, 258],
  live_multiple: [60, 1053],
  live_parallel: [50, 16],
  live_parallel_multiple: [40, 24],
  live_irrelevance: [65, 884],
  live_relevance: [100, 16],
  multi_turn_base: [40, 200],
  multi_turn_miss_func: [30, 200],
  multi_turn_miss_param: [20, 200],
  multi_turn_long_context: [10, 200],
  web_search_base: [50, 100],
  web_search_no_snippet: [30, 100],
  memory_kv: [20, 155],
  memory_vector: [30, 155],
  memory_rec_sum: [40, 155],
};

test('overall: BFCL v4 weights 10/10/10/30/40 over non-live, live, hallucination, multi-turn, agentic', () => {
  const s = aggregateScores(values(FULL));
  const simpleAst = (90 + 60 + 75) / 3;
  const nonLive = (simpleAst + 80 + 70 + 50) / 4;
  const live = (70 * 258 + 60 * 1053 + 50 * 16 + 40 * 24) / (258 + 1053 + 16 + 24);
  const halluc = (85 + 65) / 2;
  const multi = (40 + 30 + 20 + 10) / 4;
  const agentic = ((50 + 30) / 2 + (20 + 30 + 40) / 3) / 2;
  const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);
  near(s.simple_ast?.value, simpleAst);
  near(s.overall_non_live?.value, nonLive);
  near(s.overall_live?.value, live);
  near(s.overall_hallucination?.value, halluc);
  near(s.overall_multi_turn?.value, multi);
  near(s.overall_agentic?.value, agentic);
  near(s.relevance?.value, 100);
  near(s.accuracy?.value, 0.1 * nonLive + 0.1 * live + 0.1 * halluc + 0.3 * multi + 0.4 * agentic);
  assert.equal(s.accuracy?.stats.partial, 0);
  assert.equal(s.accuracy?.stats.weight_covered, 100);
  assert.equal(Object.keys(s)[0], 'accuracy');
});

test('overall: a category not run counts as 0 under BFCL\'s names (gorilla get_category_score); the rescaled overall has a name of its own', () => {
  // Updated with the fidelity work: `accuracy` used to rescale the weights over what ran; gorilla's
  // generate_leaderboard_csv counts a category that did not run as 0 (bfcl-oracle.test.ts checks it against bfcl-eval).
  const partial = Object.fromEntries(Object.entries(FULL).filter(([k]) => !AGENTIC_CATEGORIES.includes(k)));
  const s = aggregateScores(values(partial));
  const full = aggregateScores(values(FULL));
  const ran = 10 * (full.overall_non_live?.value ?? 0) + 10 * (full.overall_live?.value ?? 0) + 10 * (full.overall_hallucination?.value ?? 0) + 30 * (full.overall_multi_turn?.value ?? 0);
  assert.ok(Math.abs((s.accuracy?.value ?? 0) - ran / 100) < 1e-9);
  assert.ok(Math.abs((s.overall_accuracy_over_run_categories?.value ?? 0) - ran / 60) < 1e-9);
  assert.deepEqual([s.accuracy?.stats.partial, s.accuracy?.stats.weight_covered, s.accuracy?.stats.categories_not_run], [1, 60, 5]);
  assert.equal(s.overall_agentic?.value, 0);
  assert.equal(s.overall_web_search, undefined);
  // Only simple_python: simple_ast = 42/3, non-live = that /4, overall = 10 % of it; over what ran: 42.
  const one = aggregateScores(values({ simple_python: [42, 400] }));
  assert.ok(Math.abs((one.accuracy?.value ?? 0) - 0.1 * (42 / 3 / 4)) < 1e-9);
  assert.equal(one.overall_accuracy_over_run_categories?.value, 42);
  assert.equal(one.overall_live?.value, 0);
});

test('metrics: per-category subsets, aggregates per group, not_run with reasons', () => {
  const units: ScoredResponse[] = [];
  const add = (cat: string, n: number, correct: number, repeats = 2) => {
    for (let i = 0; i < n; i++) for (let r = 0; r < repeats; r++) units.push({ sample_id: `${cat}_${i}`, repeat: r, subset: cat, predicted: '[]', correct: i < correct });
  };
  add('simple_python', 4, 3);
  add('irrelevance', 2, 1);
  add('live_simple', 4, 2);
  const m = bfclMetrics(units, 2);
  assert.deepEqual(Object.keys(m.subsets).sort(), ['irrelevance', 'live_simple', 'simple_python']);
  assert.deepEqual(Object.keys(m.subsets.simple_python ?? {}).sort(), ['pass@1[avg-of-2]', 'pass@2']);
  assert.equal(m.subsets.simple_python?.['pass@1[avg-of-2]']?.scores.accuracy?.value, 75);
  assert.equal(m.subsets.simple_python?.['pass@1[avg-of-2]']?.scores.no_answer, undefined);
  const top = m.metrics['pass@1[avg-of-2]']?.scores;
  assert.ok(top);
  // BFCL's values, what did not run as 0: simple_ast = 75/3, non-live = that /4; live_simple's 4 units
  // against the other live categories' dataset counts (1053 + 16 + 24); hallucination = (50 + 0) / 2.
  const nonLive = 75 / 3 / 4;
  const live = (50 * 4) / (4 + 1053 + 16 + 24);
  assert.ok(Math.abs((top.overall_non_live?.value ?? 0) - nonLive) < 1e-9);
  assert.ok(Math.abs((top.overall_live?.value ?? 0) - live) < 1e-9);
  assert.equal(top.overall_hallucination?.value, 25);
  assert.ok(Math.abs((top.accuracy?.value ?? 0) - (nonLive + live + 25) / 10) < 1e-9);
  // evalflow's variant over what ran: the old rescaled overall.
  assert.ok(Math.abs((top.overall_accuracy_over_run_categories?.value ?? 0) - (75 + 50 + 50) / 3) < 1e-9);
  assert.equal(top.accuracy?.stats.partial, 1);
  assert.ok(m.metrics['pass@2']);
  assert.ok('web_search_base' in m.not_run && 'multi_turn_base' in m.not_run);
  assert.match(m.not_run.memory_vector ?? '', /embedding model/);
  assert.match(m.not_run.multi_turn_base ?? '', /not part of this run/);
  assert.throws(() => bfclMetrics([{ sample_id: 'x', repeat: 0, subset: 'chatable', predicted: null, correct: false }], 1), /category "chatable"/);
});

// --- real data -----------------------------------------------------------------------

function datasetsDir(): string {
  const dir = process.env.EVALFLOW_DATASETS_DIR ?? '/work/shared/datasets';
  if (!fs.existsSync(path.join(dir, 'bfcl_v4', 'BFCL_v4_simple_python.json'))) {
    assert.fail(`the real BFCL v4 data is not at ${dir}/bfcl_v4: set EVALFLOW_DATASETS_DIR to the shared datasets directory`);
  }
  return dir;
}

const EXPECTED_COUNTS: Record<string, number> = {
  simple_python: 400,
  simple_java: 100,
  simple_javascript: 50,
  multiple: 200,
  parallel: 200,
  parallel_multiple: 200,
  irrelevance: 240,
  live_simple: 258,
  live_multiple: 1053,
  live_parallel: 16,
  live_parallel_multiple: 24,
  live_irrelevance: 884,
  live_relevance: 16,
  multi_turn_base: 200,
  multi_turn_miss_func: 200,
  multi_turn_miss_param: 200,
  multi_turn_long_context: 200,
};

let realRows: Record<string, unknown>[] | null = null;
async function loadReal(): Promise<Record<string, unknown>[]> {
  if (realRows) return realRows;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bfcl-cache-'));
  const loaded = await loadDatasetFiles(bfclV4.dataset, { datasetDir: datasetsDir(), cacheDir, offline: true }, 'test');
  realRows = loaded.rows;
  return realRows;
}

test('real data (EVALFLOW_DATASETS_DIR/bfcl_v4): counts per category, answers joined by id', async () => {
  const rows = await loadReal();
  const counts: Record<string, number> = {};
  for (const r of rows) counts[String(r.category)] = (counts[String(r.category)] ?? 0) + 1;
  assert.deepEqual(counts, EXPECTED_COUNTS);
  assert.equal(rows.length, 4441);
  const samples = rows.map((r, i) => bfclV4.toSample(r, i));
  assert.equal(new Set(samples.map((s) => s.id)).size, samples.length);
  for (const s of samples) {
    assert.ok(s.id.startsWith(`${s.subset}_`), s.id);
    if (['irrelevance', 'live_irrelevance', 'live_relevance'].includes(String(s.subset))) assert.equal(s.expected, '');
    else assert.notEqual(s.expected, '');
  }
  const first = samples.find((s) => s.id === 'simple_python_0');
  assert.equal(first?.expected, JSON.stringify([{ calculate_triangle_area: { base: [10], height: [5], unit: ['units', ''] } }]));
  const live = samples.find((s) => s.id.startsWith('live_simple_0-'));
  assert.ok(live && Array.isArray(live.data.ground_truth));
  assert.ok(samples.filter((s) => String(s.subset).startsWith('multi_turn')).every((s) => typeof s.data.multi_turn === 'object'));
  // One category alone.
  const one = await loadDatasetFiles(bfclV4.dataset, { datasetDir: datasetsDir(), cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bfcl-cache-')), offline: true }, 'simple_java');
  assert.equal(one.rows.length, 100);
  assert.deepEqual(RUN_CATEGORIES, Object.keys(EXPECTED_COUNTS));
});

/** A possible answer's first allowed value, built back into a value a model could send. */
function firstAllowed(alts: unknown): PyValue | undefined {
  const list = Array.isArray(alts) ? alts : [alts];
  const v = list.find((x) => x !== '');
  return v === undefined ? undefined : (v as PyValue);
}

function modelValue(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.map((x) => (isPyDict(x) ? dictFromAnswer(x) : modelValue(x)));
  if (isPyDict(v)) return dictFromAnswer(v);
  return v;
}

function dictFromAnswer(d: Record<string, PyValue>): PyValue {
  const out: Record<string, PyValue> = {};
  for (const [k, alts] of Object.entries(d)) {
    const v = firstAllowed(alts);
    if (v !== undefined) out[k] = modelValue(v);
  }
  return out;
}

/** Python's json.dumps for these values (floats keep their ".0"). */
function pyJson(v: PyValue): string {
  if (v instanceof PyFloat) return Number.isInteger(v.value) ? `${v.value}.0` : String(v.value);
  if (v instanceof PyTuple) return pyJson(v.items);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (isPyDict(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

test('real data: every Python-category possible answer, sent back as native tool calls, scores correct', async () => {
  const rows = await loadReal();
  const categories = ['simple_python', 'multiple', 'parallel', 'parallel_multiple', 'live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple'];
  const failures: string[] = [];
  let checked = 0;
  for (const [i, row] of rows.entries()) {
    if (!categories.includes(String(row.category))) continue;
    const s = bfclV4.toSample(row, i);
    bfclV4.prompt(s, {});
    const docs = s.data.functions as FunctionDoc[];
    const gt = s.data.ground_truth as GroundTruth;
    const toolCalls = gt.map((expected, k) => {
      const [name, params] = Object.entries(expected)[0] as [string, Record<string, unknown>];
      const doc = docs.find((d) => d.name === name);
      const args: Record<string, PyValue> = {};
      for (const [p, alts] of Object.entries(params)) {
        const typed = (Array.isArray(alts) ? alts : [alts]).map((a) => goldValue(a, doc?.parameters.properties[p]));
        const v = firstAllowed(typed);
        if (v !== undefined) args[p] = modelValue(v);
      }
      return toolCall(name.replace(/\./g, '_'), pyJson(args), `call_${k}`);
    });
    const r = syncScore(bfclV4).score('', s, undefined, { content: '', tool_calls: toolCalls });
    checked++;
    if (!r.correct) failures.push(`${s.id}: ${String(r.details?.error_type)} ${JSON.stringify(r.details?.error).slice(0, 200)}`);
  }
  assert.ok(checked > 2300, `only ${checked} samples checked`);
  // Answers no call can satisfy, in BFCL too (dataset quirks): a parameter the function doc lacks, or a
  // required parameter whose only allowed value is "" (omitted) or none at all.
  const unanswerable = [
    'parallel_multiple_12',
    'parallel_multiple_26',
    'live_simple_106-63-0',
    'live_simple_112-68-0',
    'live_multiple_507-149-4',
    'live_multiple_862-181-3',
    'live_multiple_964-207-0',
  ];
  assert.deepEqual(failures.map((x) => x.split(':')[0]).sort(), unanswerable.sort(), failures.join('\n'));
});

test('real data: the same answers written as a Python call list score correct in prompt mode', async () => {
  const rows = await loadReal();
  const categories = ['simple_python', 'multiple', 'parallel', 'parallel_multiple', 'live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple'];
  const failures: string[] = [];
  for (const [i, row] of rows.entries()) {
    if (!categories.includes(String(row.category))) continue;
    const s = bfclV4.toSample(row, i);
    bfclV4.prompt(s, { benchmarkArgs: { use_client_parsing: 'True' } });
    const docs = s.data.functions as FunctionDoc[];
    const text = (s.data.ground_truth as GroundTruth).map((expected) => {
      const [name, params] = Object.entries(expected)[0] as [string, Record<string, unknown>];
      const doc = docs.find((d) => d.name === name);
      const args: string[] = [];
      for (const [p, alts] of Object.entries(params)) {
        const v = firstAllowed((Array.isArray(alts) ? alts : [alts]).map((a) => goldValue(a, doc?.parameters.properties[p])));
        if (v !== undefined) args.push(`${p}=${pyRepr(modelValue(v))}`);
      }
      return `${name}(${args.join(', ')})`;
    });
    const r = syncScore(bfclV4).score(`[${text.join(', ')}]`, s);
    if (!r.correct) failures.push(`${s.id}: ${String(r.details?.error_type)} ${JSON.stringify(r.details?.error).slice(0, 200)}`);
  }
  const unanswerable = ['parallel_multiple_12', 'parallel_multiple_26', 'live_simple_106-63-0', 'live_simple_112-68-0', 'live_multiple_507-149-4', 'live_multiple_862-181-3', 'live_multiple_964-207-0'];
  assert.deepEqual(failures.map((x) => x.split(':')[0]).sort(), unanswerable.sort(), failures.join('\n'));
});

test('real data: native tools and prompt-mode prompts build for every single-turn sample', async () => {
  const rows = await loadReal();
  let n = 0;
  for (const [i, row] of rows.entries()) {
    if (String(row.category).startsWith('multi_turn')) continue;
    const s = bfclV4.toSample(row, i);
    const tools = bfclV4.tools?.(s, {}) ?? [];
    assert.ok(tools.every((t) => /^[a-zA-Z0-9_-]{1,64}$/.test(t.function.name)), `${s.id}: tool name not OpenAI-safe`);
    const p = bfclV4.prompt(bfclV4.toSample(row, i), { benchmarkArgs: { use_client_parsing: 'True' } });
    assert.equal(p[0]?.role, 'system');
    n++;
  }
  assert.equal(n, 3641);
});

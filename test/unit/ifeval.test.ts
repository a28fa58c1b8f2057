/**
 * IFEval: every instruction checker (follow / violate / edge cases from the
 * reference's documented behaviour), the loose variants, the instruction
 * metrics on hand-computed units, and the ifeval benchmark module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateInstructions, looseVariants, registryOf, type Kwargs } from '../../benchmarks/families/instructions/framework';
import {
  IFEVAL_CHECKERS,
  countSentences,
  countWords,
  detectLanguage,
  nltkWordTokenize,
  pyIsLower,
  pyIsUpper,
  pyStrip,
} from '../../benchmarks/families/instructions/ifeval-checkers';
import { instructionMetrics } from '../../benchmarks/families/instructions/metrics';
import { ifeval } from '../../benchmarks/ifeval';
import { getBenchmark, KNOWN_UNSUPPORTED_TASKS } from '../../benchmarks/index';
import type { ScoredResponse } from '../../benchmarks/types';
import { sync as syncScore } from '../support/sync-score';

const REGISTRY = registryOf(IFEVAL_CHECKERS);

function check(id: string, response: string, kwargs: Kwargs = {}, prompt = ''): boolean {
  const checker = REGISTRY.get(id);
  assert.ok(checker, `checker ${id} is registered`);
  return checker.check(response, kwargs, prompt);
}

type Case = [response: string, kwargs: Kwargs, expected: boolean, why: string];

const CASES: Record<string, Case[]> = {
  'keywords:existence': [
    ['I love Python and JavaScript.', { keywords: ['python', 'javascript'] }, true, 'case-insensitive search'],
    ['I love Python.', { keywords: ['python', 'rust'] }, false, 'one keyword missing'],
    ['Pythonic code', { keywords: ['python'] }, true, 'a substring counts (re.search, no word boundary)'],
  ],
  'keywords:frequency': [
    ['the cat and the hat and THE bat', { keyword: 'the', frequency: 3, relation: 'at least' }, true, '3 >= 3'],
    ['the cat and the hat and THE bat', { keyword: 'the', frequency: 3, relation: 'less than' }, false, '3 is not < 3'],
    ['hello hello', { keyword: ' hello ', frequency: 3, relation: 'less than' }, true, 'keyword is stripped; 2 < 3'],
    ['other others another', { keyword: 'other', frequency: 3, relation: 'at least' }, true, 'substrings are counted'],
  ],
  'keywords:forbidden_words': [
    ['I like apples.', { forbidden_words: ['apple'] }, true, '\\bapple\\b does not match "apples"'],
    ['An Apple a day.', { forbidden_words: ['apple'] }, false, 'case-insensitive whole word'],
    ['un bon café', { forbidden_words: ['café'] }, false, 'Unicode word boundary after é (Python \\b)'],
  ],
  'keywords:letter_frequency': [
    ['Banana', { letter: 'a', let_frequency: 3, let_relation: 'at least' }, true, 'three a'],
    ['Banana', { letter: 'a', let_frequency: 3, let_relation: 'less than' }, false, '3 is not < 3'],
    ['bAnAnA', { letter: 'A', let_frequency: 4, let_relation: 'less than' }, true, 'letter and response are lowercased'],
  ],
  'language:response_language': [
    ['This is a short answer written entirely in plain English for the test.', { language: 'en' }, true, 'English'],
    ["Bonjour tout le monde, je suis très heureux de vous rencontrer aujourd'hui.", { language: 'en' }, false, 'French is not English'],
    ["Bonjour tout le monde, je suis très heureux de vous rencontrer aujourd'hui.", { language: 'fr' }, true, 'French'],
    ['नमस्ते, आप कैसे हैं? मैं आज बहुत खुश हूँ।', { language: 'hi' }, true, 'Hindi'],
    ['12345 !!!', { language: 'fr' }, true, 'no letters: undetectable counts as followed'],
  ],
  'length_constraints:number_sentences': [
    ['I went home. It rained. We slept.', { num_sentences: 3, relation: 'at least' }, true, 'three sentences'],
    ['I went home. It rained. We slept.', { num_sentences: 3, relation: 'less than' }, false, '3 is not < 3'],
    ['Mr. Smith arrived. He sat down.', { num_sentences: 3, relation: 'less than' }, true, '"Mr." does not end a sentence'],
    ['line one\nline two', { num_sentences: 2, relation: 'at least' }, false, 'a newline is not a sentence boundary'],
  ],
  'length_constraints:number_paragraphs': [
    ['A\n***\nB\n***\nC', { num_paragraphs: 3 }, true, 'three paragraphs'],
    ['***\nA\n***\nB\n***', { num_paragraphs: 2 }, true, 'empty first and last pieces are not paragraphs'],
    ['A\n***\n***\nB', { num_paragraphs: 2 }, false, 'an empty paragraph in the middle fails'],
    ['A\n***\nB', { num_paragraphs: 3 }, false, 'two, not three'],
  ],
  'length_constraints:number_words': [
    ["Hello, world! It's 2024.", { num_words: 5, relation: 'at least' }, true, '\\w+ runs: Hello world It s 2024'],
    ["Hello, world! It's 2024.", { num_words: 5, relation: 'less than' }, false, '5 is not < 5'],
    ['naïve café — 東京', { num_words: 3, relation: 'at least' }, true, 'Unicode letters are word characters'],
  ],
  'length_constraints:nth_paragraph_first_word': [
    ['Intro text.\n\n"Summer is here."\n\nEnd.', { num_paragraphs: 3, nth_paragraph: 2, first_word: 'summer' }, true, 'leading quote dropped, lowercased'],
    ['Intro text.\n\n"Summer is here."\n\nEnd.', { num_paragraphs: 2, nth_paragraph: 2, first_word: 'summer' }, false, 'paragraph count must match exactly'],
    ['Hello, there.\n\nWorld', { num_paragraphs: 2, nth_paragraph: 1, first_word: 'Hello' }, true, 'word cut at the comma; first_word lowercased'],
    ['A\n\n\n\nB', { num_paragraphs: 2, nth_paragraph: 2, first_word: 'b' }, false, 'the nth piece of the raw split is empty (reference quirk)'],
  ],
  'detectable_content:number_placeholders': [
    ['Dear [name], see you at [address].', { num_placeholders: 2 }, true, 'two placeholders'],
    ['Dear [name], see you at [address].', { num_placeholders: 3 }, false, 'fewer than three'],
    ['[a\nb]', { num_placeholders: 1 }, false, 'a placeholder does not span lines'],
  ],
  'detectable_content:postscript': [
    ['Body.\nP.S. see you', { postscript_marker: 'P.S.' }, true, 'P.S.'],
    ['Body.\np. s. see you', { postscript_marker: 'P.S.' }, true, 'lowercase, optional space between letters'],
    ['Body. PS see you', { postscript_marker: 'P.S.' }, false, 'no periods'],
    ['Body.\nP.P.S also this', { postscript_marker: 'P.P.S' }, true, 'P.P.S'],
    ['Body.\nNB: remember', { postscript_marker: 'NB:' }, true, 'another marker, searched lowercased'],
  ],
  'detectable_format:number_bullet_lists': [
    ['* one\n* two\n- three', { num_bullets: 3 }, true, '* and - bullets'],
    ['** bold line\n* one', { num_bullets: 1 }, true, '"**" does not start a bullet'],
    ['* one\n* two', { num_bullets: 3 }, false, 'exactly, not at least'],
  ],
  'detectable_format:constrained_response': [
    ['My answer is yes.', {}, true, 'an option'],
    ['  Well... My answer is maybe. ', {}, true, 'contained anywhere'],
    ['Yes.', {}, false, 'not an option'],
  ],
  'detectable_format:number_highlighted_sections': [
    ['*one* and *two* and **three**', { num_highlights: 3 }, true, 'two single and one double highlight'],
    ['*one* and *two* and **three**', { num_highlights: 4 }, false, 'the empty "**" matches do not count'],
    ['* *', { num_highlights: 1 }, false, 'blank highlight'],
  ],
  'detectable_format:multiple_sections': [
    ['SECTION 1\nIntro\nSECTION 2\nBody', { section_spliter: 'SECTION', num_sections: 2 }, true, 'two sections'],
    ['SECTION 1\nIntro\nSECTION 2\nBody', { section_spliter: 'SECTION', num_sections: 3 }, false, 'at least three'],
    ['Section one\nSection two', { section_spliter: 'Section', num_sections: 1 }, false, 'the splitter needs a number'],
  ],
  'detectable_format:json_format': [
    ['```json\n{"a": 1}\n```', {}, true, 'fenced JSON'],
    ['{"a": NaN, "b": -Infinity}', {}, true, "Python's json.loads accepts NaN and Infinity"],
    ['{"a": 1,}', {}, false, 'trailing comma'],
    ['Here is JSON: {"a": 1}', {}, false, 'text around it'],
  ],
  'detectable_format:title': [
    ['<<My Title>>\nBody', {}, true, 'a title'],
    ['<<   >>', {}, false, 'blank title'],
    ['<<a\nb>>', {}, false, 'a title is on one line'],
  ],
  'combination:two_responses': [
    ['First answer.\n******\nSecond answer.', {}, true, 'two different responses'],
    ['Same.\n******\nSame.', {}, false, 'identical after strip'],
    ['A ****** B ****** C', {}, false, 'three responses'],
    ['******\nA\n******\nB', {}, true, 'an empty first piece is allowed'],
    ['A\n************\nB', {}, false, 'an empty middle piece fails'],
  ],
  'combination:repeat_prompt': [
    ['write a poem. Roses are red.', { prompt_to_repeat: 'Write a poem.' }, true, 'case-insensitive prefix'],
    ['Sure! Write a poem.', { prompt_to_repeat: 'Write a poem.' }, false, 'words before the repeat'],
  ],
  'startend:end_checker': [
    ['Blah. Any other questions?"  ', { end_phrase: 'Any other questions?' }, true, 'trailing quote and spaces ignored'],
    ['Any other questions? Thanks.', { end_phrase: 'Any other questions?' }, false, 'words after the phrase'],
    ['blah. any other QUESTIONS?', { end_phrase: 'Any other questions?' }, true, 'case-insensitive'],
  ],
  'change_case:capital_word_frequency': [
    ["I DON'T KNOW", { capital_frequency: 4, capital_relation: 'at least' }, true, "I, DO, N'T, KNOW"],
    ["I DON'T KNOW", { capital_frequency: 4, capital_relation: 'less than' }, false, '4 is not < 4'],
    ['A WELL-KNOWN fact', { capital_frequency: 3, capital_relation: 'less than' }, true, 'hyphenated words are one token: 2'],
  ],
  'change_case:english_capital': [
    ['HELLO THERE, HOW ARE YOU DOING TODAY? I AM FINE.', {}, true, 'English, all capitals'],
    ['Hello there, how are you doing today?', {}, false, 'not all capitals'],
    ["BONJOUR TOUT LE MONDE, JE SUIS TRÈS HEUREUX DE VOUS RENCONTRER AUJOURD'HUI.", {}, false, 'capitals but French'],
    ['123 !!!', {}, false, 'no cased character: isupper() is False'],
  ],
  'change_case:english_lowercase': [
    ['hello there, how are you doing today? i am fine.', {}, true, 'English, lowercase'],
    ['Hello there, how are you doing today?', {}, false, 'a capital letter'],
    ["bonjour tout le monde, je suis très heureux de vous rencontrer aujourd'hui.", {}, false, 'lowercase but French'],
  ],
  'punctuation:no_comma': [
    ['a b c', {}, true, 'no comma'],
    ['a, b', {}, false, 'a comma'],
  ],
  'startend:quotation': [
    ['"Hello"', {}, true, 'wrapped'],
    ['  "Hello"  \n', {}, true, 'surrounding whitespace stripped'],
    ['"', {}, false, 'a single quote mark is too short'],
    ['Hello', {}, false, 'not wrapped'],
  ],
};

test('the registry holds exactly the 25 IFEval instruction types', () => {
  assert.equal(IFEVAL_CHECKERS.length, 25);
  assert.deepEqual([...REGISTRY.keys()].sort(), Object.keys(CASES).sort());
});

for (const [id, cases] of Object.entries(CASES)) {
  test(`${id}: follow, violate and edge cases`, () => {
    assert.ok(cases.some((c) => c[2]) && cases.some((c) => !c[2]), 'each checker has a following and a violating case');
    for (const [response, kwargs, expected, why] of cases) {
      assert.equal(check(id, response, kwargs), expected, `${id} on ${JSON.stringify(response)} (${why})`);
    }
  });
}

test('checkers reject missing kwargs and unsupported relations like the reference', () => {
  assert.throws(() => check('length_constraints:number_words', 'a b', { num_words: 3, relation: 'at most' }), /less than.*at least/);
  assert.throws(() => check('keywords:existence', 'a', {}), /missing kwarg "keywords"/);
  assert.throws(() => check('length_constraints:nth_paragraph_first_word', 'a', { num_paragraphs: 2, nth_paragraph: 3, first_word: 'a' }), /outside/);
});

test('text helpers follow Python and NLTK semantics', () => {
  assert.equal(pyStrip('\u3000 x \x1c'), 'x');
  assert.equal(pyIsUpper('ABC 123'), true);
  assert.equal(pyIsUpper('123'), false);
  assert.equal(pyIsUpper('ABc'), false);
  assert.equal(pyIsLower('abc 1'), true);
  assert.equal(pyIsLower('ß'), true);
  assert.equal(countWords("don't stop_me now"), 4, 'don, t, stop_me, now');
  assert.equal(countSentences(''), 0);
  assert.equal(countSentences('Hello world. How are you? I am fine!'), 3);
  // Known difference (docs/instruction-following.md): sbd joins a sentence that
  // ends in a short capitalised word after few words, where Punkt splits (2).
  assert.equal(countSentences('Hi John. How are you?'), 1);
  // NLTKWordTokenizer outputs (nltk 3.9).
  assert.deepEqual(nltkWordTokenize("I DON'T KNOW, BUT I CAN'T GO."), ['I', 'DO', "N'T", 'KNOW', ',', 'BUT', 'I', 'CA', "N'T", 'GO', '.']);
  assert.deepEqual(nltkWordTokenize('"QUOTED" text (WITH PARENS) and CANNOT stop GONNA go'), [
    '``', 'QUOTED', "''", 'text', '(', 'WITH', 'PARENS', ')', 'and', 'CAN', 'NOT', 'stop', 'GON', 'NA', 'go',
  ]);
  assert.deepEqual(nltkWordTokenize("JOHN'S car isn't RED... it's BLUE?"), ['JOHN', "'S", 'car', 'is', "n't", 'RED', '...', 'it', "'s", 'BLUE', '?']);
  assert.deepEqual(nltkWordTokenize('ABC,DEF and 1,000 items: OK'), ['ABC', ',', 'DEF', 'and', '1,000', 'items', ':', 'OK']);
  assert.deepEqual(nltkWordTokenize("'TIS the season -- 'TWAS fun"), ["'", 'TIS', 'the', 'season', '--', "'", 'TWAS', 'fun']);
  assert.equal(detectLanguage('   '), null);
  assert.equal(detectLanguage('Der schnelle braune Fuchs springt über den faulen Hund.'), 'de');
});

test('loose variants: first/last line removed, asterisks removed', () => {
  assert.deepEqual(looseVariants('a\n*b*\nc'), ['a\n*b*\nc', '*b*\nc', 'a\n*b*', '*b*', 'a\nb\nc', 'b\nc', 'a\nb', 'b']);
  const reg = REGISTRY;
  // Strict fails on the intro line; loose passes without it.
  const quoted = evaluateInstructions('Here you go:\n"Life is short."', '', ['startend:quotation'], [{}], reg);
  assert.deepEqual(quoted, [{ id: 'startend:quotation', strict: false, loose: true }]);
  // Markdown asterisks: loose passes once they are removed.
  const ender = evaluateInstructions('Thanks. **Any other questions?**', '', ['startend:end_checker'], [{ end_phrase: 'Any other questions?' }], reg);
  assert.deepEqual(ender, [{ id: 'startend:end_checker', strict: false, loose: true }]);
  // An empty response follows nothing, even instructions an empty text would satisfy.
  assert.deepEqual(evaluateInstructions('  \n', '', ['punctuation:no_comma'], [{}], reg), [{ id: 'punctuation:no_comma', strict: false, loose: false }]);
  // Null kwargs (the Hub's unified schema) are dropped.
  assert.deepEqual(evaluateInstructions('a b', '', ['length_constraints:number_words'], [{ num_words: 3, relation: 'less than', keyword: null }], reg), [
    { id: 'length_constraints:number_words', strict: true, loose: true },
  ]);
});

// --- metrics ------------------------------------------------------------------

function unit(sample_id: string, repeat: number, results: [string, boolean, boolean][]): ScoredResponse {
  const instructions = results.map(([id, strict, loose]) => ({ id, strict, loose }));
  return { sample_id, repeat, predicted: 'x', correct: instructions.every((r) => r.strict), details: { instructions } };
}

const close = (a: number | undefined, b: number, what: string) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);

test('instructionMetrics, one repeat: prompt and instruction level, strict and loose, with stderr and per-type subsets', () => {
  const units = [
    unit('s1', 0, [['a', true, true], ['b', true, true]]),
    unit('s2', 0, [['a', false, true], ['c', true, true]]),
    unit('s3', 0, [['b', false, false]]),
  ];
  const { metrics, subsets } = instructionMetrics(units, 1);
  assert.deepEqual(Object.keys(metrics), ['pass@1']);
  const s = metrics['pass@1']!.scores;
  assert.deepEqual(Object.keys(s), ['average_score', 'prompt_strict_accuracy', 'instruction_strict_accuracy', 'prompt_loose_accuracy', 'instruction_loose_accuracy']);
  close(s.prompt_strict_accuracy!.value, 100 / 3, 'prompt strict');
  close(s.prompt_loose_accuracy!.value, 200 / 3, 'prompt loose');
  close(s.instruction_strict_accuracy!.value, 60, 'instruction strict: 3 of 5');
  close(s.instruction_loose_accuracy!.value, 80, 'instruction loose: 4 of 5');
  close(s.average_score!.value, (100 / 3 + 60 + 200 / 3 + 80) / 4, 'average');
  assert.equal(s.prompt_strict_accuracy!.stats.count, 3);
  assert.equal(s.instruction_strict_accuracy!.stats.count, 5);
  assert.equal(s.average_score!.stats.count, 3);
  close(s.prompt_strict_accuracy!.stats.stderr, 100 / 3, 'stderr of [1,0,0]: sqrt(1/3)/sqrt(3)');
  close(s.instruction_strict_accuracy!.stats.stderr, 100 * Math.sqrt(0.3 / 5), 'stderr of [1,1,0,1,0]');
  assert.deepEqual(Object.keys(subsets), ['a', 'b', 'c']);
  close(subsets.a!['pass@1']!.scores.instruction_strict_accuracy!.value, 50, 'a strict');
  close(subsets.a!['pass@1']!.scores.instruction_loose_accuracy!.value, 100, 'a loose');
  close(subsets.b!['pass@1']!.scores.instruction_strict_accuracy!.value, 50, 'b strict');
  close(subsets.c!['pass@1']!.scores.instruction_strict_accuracy!.value, 100, 'c strict');
  assert.equal(subsets.a!['pass@1']!.scores.instruction_strict_accuracy!.stats.count, 2);
});

test('instructionMetrics, two repeats: pass@1[avg-of-2] with repeat statistics, and pass@2', () => {
  const units = [
    unit('s1', 0, [['a', true, true], ['b', true, true]]),
    unit('s1', 1, [['a', true, true], ['b', false, true]]),
    unit('s2', 0, [['a', false, true]]),
    unit('s2', 1, [['a', false, false]]),
  ];
  const { metrics } = instructionMetrics(units, 2);
  assert.deepEqual(Object.keys(metrics), ['pass@1[avg-of-2]', 'pass@2']);
  const avg = metrics['pass@1[avg-of-2]']!.scores;
  close(avg.prompt_strict_accuracy!.value, 25, 'prompt strict: s1 1/2, s2 0');
  close(avg.instruction_strict_accuracy!.value, 50, 'instruction strict: [1, 0.5, 0]');
  close(avg.prompt_loose_accuracy!.value, 75, 'prompt loose: s1 1, s2 1/2');
  close(avg.instruction_loose_accuracy!.value, 250 / 3, 'instruction loose: [1, 1, 0.5]');
  const ps = avg.prompt_strict_accuracy!.stats;
  close(ps.std_dev_across_repeats, 100 * Math.sqrt(0.125), 'per-repeat accuracies 0.5 and 0');
  close(ps.std_err_across_repeats, 25, 'that / sqrt(2)');
  close(ps.avg_sample_std_dev, 100 * Math.SQRT1_2 / 2, 's1 std sqrt(1/2), s2 0');
  close(avg.instruction_strict_accuracy!.stats.std_dev_across_repeats, 100 * Math.sqrt(1 / 18), 'per-repeat 2/3 and 1/3');
  const best = metrics['pass@2']!.scores;
  close(best.prompt_strict_accuracy!.value, 50, 's1 all followed in repeat 0');
  close(best.instruction_strict_accuracy!.value, 200 / 3, 'max counts 2 and 0 of 3');
  close(best.prompt_loose_accuracy!.value, 100, 'both prompts');
  close(best.instruction_loose_accuracy!.value, 100, 'max counts 2 and 1 of 3');
  assert.equal(best.instruction_loose_accuracy!.stats.count, 3);
});

test('instructionMetrics refuses missing repeats and units without instruction results', () => {
  assert.throws(() => instructionMetrics([unit('s1', 0, [['a', true, true]])], 2), /expected 2 distinct repeats/);
  assert.throws(() => instructionMetrics([{ sample_id: 's1', repeat: 0, predicted: null, correct: false }], 1), /details\.instructions/);
  assert.deepEqual(instructionMetrics([], 1), { metrics: {}, subsets: {} });
});

// --- the benchmark module -------------------------------------------------------

test('ifeval module: registered, Hub rows with null kwargs, prompt as the user message, scoring', () => {
  assert.equal(getBenchmark('ifeval'), ifeval);
  assert.equal('ifeval' in KNOWN_UNSUPPORTED_TASKS, false);
  assert.deepEqual(ifeval.dataset, { hfRepo: 'google/IFEval', hfConfig: 'default', split: 'train', localFile: 'ifeval/input_data.jsonl' });

  const raw = {
    key: 1000,
    prompt: 'Write a short note without commas. End it with "Bye now."',
    instruction_id_list: ['punctuation:no_comma', 'startend:end_checker'],
    kwargs: [
      { end_phrase: null, num_words: null },
      { end_phrase: 'Bye now.', num_words: null },
    ],
  };
  const sample = ifeval.toSample(raw, 0);
  assert.equal(sample.id, '1000');
  assert.deepEqual(sample.data.kwargs, [{}, { end_phrase: 'Bye now.' }]);
  assert.deepEqual(ifeval.prompt(sample, {}), [{ role: 'user', content: raw.prompt }]);
  assert.deepEqual(ifeval.prompt(sample, { systemPrompt: 'Be brief.' }), [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: raw.prompt },
  ]);
  assert.throws(() => ifeval.prompt(sample, { promptConfig: 'generic/math' }), /unsupported prompt_config/);

  const good = syncScore(ifeval).score('Hello friend. Bye now.', sample);
  assert.equal(good.correct, true);
  assert.equal(good.predicted, 'strict 2/2, loose 2/2');
  assert.deepEqual(good.details, {
    instructions: [
      { id: 'punctuation:no_comma', strict: true, loose: true },
      { id: 'startend:end_checker', strict: true, loose: true },
    ],
  });
  const bad = syncScore(ifeval).score('Hello, friend. Bye now.', sample);
  assert.equal(bad.correct, false);
  assert.equal(bad.predicted, 'strict 1/2, loose 1/2');
  const empty = syncScore(ifeval).score('', sample);
  assert.equal(empty.predicted, null);
  assert.equal(empty.correct, false);

  assert.throws(() => ifeval.toSample({ ...raw, instruction_id_list: ['no:such'], kwargs: [{}] }, 3), /unknown instruction "no:such"/);
  assert.throws(() => ifeval.toSample({ ...raw, kwargs: [{}] }, 4), /list of 2 objects/);
});

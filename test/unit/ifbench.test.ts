/**
 * IFBench checkers: for every instruction type, responses that follow it,
 * responses that violate it, and edge cases, each from the reference's rule
 * at the pinned revision (allenai/IFBench instructions.py at c62b347, the
 * revision NeMo-Skills' 25.11 container ran; see ifbench-checkers.ts). IFBench
 * is not on PyPI: the expected verdicts and sentence splits below were derived
 * by running that revision's code (with NeMo-Skills' ifbench.patch) locally,
 * outside the repository; words:start_verb could not be run that way (NLTK's
 * averaged_perceptron_tagger_eng data is not available here), so its cases
 * follow the documented rule only. Then the text helpers
 * that stand in for NLTK/csv; then the real test set
 * (EVALFLOW_DATASETS_DIR/ifbench/IFBench_test.jsonl): every instruction id
 * has a checker and every checker takes the kwargs found there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  IFBENCH_CHECKERS,
  countStopwords,
  countWords,
  parseCsv,
  pySplit,
  pyStrip,
  punktSentences,
  splitIntoSentences,
  wordTokenize,
} from '../../benchmarks/families/instructions/ifbench-checkers';
import { evaluateInstructions, registryOf, type Kwargs } from '../../benchmarks/families/instructions/framework';
import { ifbench } from '../../benchmarks/ifbench';
import { getBenchmark, KNOWN_UNSUPPORTED_TASKS } from '../../benchmarks/index';
import { sync as syncScore } from '../support/sync-score';

const REGISTRY = registryOf(IFBENCH_CHECKERS);

function check(id: string, response: string, kwargs: Kwargs = {}): boolean {
  const c = REGISTRY.get(id);
  assert.ok(c, `no checker ${id}`);
  return c.check(response, kwargs, '');
}

interface Case {
  id: string;
  kwargs?: Kwargs;
  follow: string[];
  violate: string[];
}

const AFRICA_REVERSE = [
  'Zimbabwe', 'Zambia', 'Uganda', 'Tunisia', 'Togo', 'Tanzania', 'Sudan', 'South Sudan', 'South Africa', 'Somalia',
  'Sierra Leone', 'Seychelles', 'Senegal', 'São Tomé and Príncipe', 'Rwanda', 'Nigeria', 'Niger', 'Namibia', 'Mozambique',
  'Morocco', 'Mauritius', 'Mauritania', 'Mali', 'Malawi', 'Madagascar', 'Libya', 'Liberia', 'Lesotho', 'Kenya',
  'Guinea-Bissau', 'Guinea', 'Ghana', 'Gambia', 'Gabon', 'Ethiopia', 'Eswatini', 'Eritrea', 'Equatorial Guinea', 'Egypt',
  'Djibouti', 'Democratic Republic of the Congo', "Côte d'Ivoire", 'Comoros', 'Chad', 'Central African Republic',
  'Cameroon', 'Cabo Verde', 'Burundi', 'Burkina Faso', 'Botswana', 'Benin', 'Angola', 'Algeria',
].join('\n');
const CAPITALS = 'Reykjavík, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, Dublin, Berlin, Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, Bratislava, Budapest, Vaduz, Chișinău, Bern, Ljubljana, Zagreb';
const mcq = (stems: string[], options = 5) =>
  stems.map((s, i) => `Question ${i + 1}: ${s}\n${'ABCDE'.slice(0, options).split('').map((l) => `${l}) choice`).join('\n')}`).join('\n\n');
const ALPHABET_STORY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((l) => `${l}ll good.`).join(' ');
const CITY_CSV = 'ID,Country,City,Year,Count\n' + [1, 2, 3, 4, 5, 6, 7].map((i) => `${i},France,Paris,2020,${i * 10}`).join('\n');
const PRODUCT_ROWS = (special: string) =>
  'ProductID,Category,Brand,Price,Stock\n' +
  Array.from({ length: 14 }, (_, i) => `${i + 1},Tools,${i === 3 ? special : 'Acme'},9.99,${i}`).join('\n');
const QUOTES_CSV = ['"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"', '"1"\t"Math"\t"A"\t"Fall"\t"95"', '"2"\t"Art"\t"B"\t"Fall"\t"85"', '"3"\t"Bio"\t"C"\t"Spring"\t"75"'].join('\n');
const REF = 'The quick brown fox jumps over the lazy dog near the river bank today';
const SPAN_PROMPT = 'Write a descriptive, fictional, imaginative screenplay of a fish being pulled out of the water by a human.';

export const CASES: Case[] = [
  // count
  { id: 'count:word_count_range', kwargs: { min_words: 3, max_words: 5 }, follow: ['one two three', "it's one, two"], violate: ['one two', 'a b c d e f'] },
  { id: 'count:unique_word_count', kwargs: { N: 3 }, follow: ['Red, red blue green.', 'a b c'], violate: ['Red red RED! red.', 'a a b'] },
  // "And" and "and," are two different entries of the reference's set.
  { id: 'count:conjunctions', kwargs: { small_n: 3 }, follow: ['I came and saw, but left, so what?', 'And then and, or'], violate: ['and and and', 'bread butter'] },
  { id: 'count:person_names', kwargs: { N: 2 }, follow: ['Emma met Liam.', 'Noah, Ava!', 'Emmanuel met Liam.' /* substring: "Emma" */], violate: ['Emma met emma.', 'Leon met liam.'] },
  { id: 'count:numbers', kwargs: { N: 2 }, follow: ['I have 3 cats and 4 dogs.', '1,000 and 2'], violate: ['1 2 3', 'Pi is 3.14'] },
  { id: 'count:punctuation', follow: ['Really?! Yes, it is; ok: fine. Go! Why?', 'Wait‽ Yes, no; a: b. Go! Why?'], violate: ['Hello, world; a: b. Yes! Why?', 'Really?! Yes, it is; ok: fine.'] },
  { id: 'count:words_japanese', kwargs: { N: 2 }, follow: ['I 猫 like ねこ', 'one 2 three'], violate: ['I like cats too', 'one two 猫'] },
  { id: 'count:pronouns', kwargs: { N: 3 }, follow: ['She/her/hers', 'I told you about it.', 'My, my: mine!'], violate: ['The dog barked.', 'Them.', 'This, that, those, who, everyone.' /* not in the c62b347 set */] },
  {
    id: 'count:keywords_multiple',
    kwargs: { keyword1: 'cat', keyword2: 'dog', keyword3: 'sun', keyword4: 'moon', keyword5: 'star' },
    // substrings, case-insensitive: "concatenate" holds "cat" once
    follow: ['cat dog dog sun sun Sun moon moon moon moon moon star star star star star star star', 'concatenate dog dog sun sun sun moon moon moon moon moon star star star star star star star'],
    violate: ['concatenate cat dog dog sun sun sun moon moon moon moon moon star star star star star star star', 'cat cat dog dog sun sun sun moon moon moon moon moon star star star star star star star'],
  },
  // ratio
  { id: 'ratio:stop_words', kwargs: { percentage: 50 }, follow: ['The cat sat quietly.', 'Dogs run.'], violate: ['The cat is on the mat.', '...'] },
  { id: 'ratio:sentence_type', follow: ['I ran. You ran. Did we?', 'No sentence ends here'], violate: ['I ran. Did you?', 'Why? How?'] },
  { id: 'ratio:sentence_balance', follow: ['I ran. Did you? Wow!', ''], violate: ['I ran. Did you?', 'Wow! Wow! Ok.'] },
  // character trigrams of the raw strings: "The quick brown fox ran away" shares 18 of its 26 (69%)
  { id: 'ratio:overlap', kwargs: { reference_text: REF, percentage: 69 }, follow: ['The quick brown fox ran away'], violate: [REF, 'Nothing in common here at all', 'THE QUICK BROWN FOX RAN AWAY', 'ab'] },
  // three sentences of equal length; c62b347 does not test unique words
  { id: 'ratio:sentence_words', follow: ['Cats eat fish. Dogs gnaw rib. Owls hunt rat.', 'Cats eat fish. Cats eat fish. Cats eat fish.'], violate: ['Cats eat fish. Dogs eat rib. Owls hunt rat.', 'One. Two.'] },
  // words
  { id: 'words:alphabet', follow: ['Apples bring cheer, delight everyone!', 'Xylophones yield zesty, amazing beats'], violate: ['Apples bring delight', '1 apple', '...'] },
  { id: 'words:vowel', follow: ['a cat had a bad nap', 'The tree is here'], violate: ['A cat is on top, but', 'line one\nline two'] },
  { id: 'words:consonants', follow: ['Strong black frogs', 'this that'], violate: ['Strong black frog a', 'I am'] },
  { id: 'words:palindrome', follow: ['level radar civic kayak refer rotor stats tenet madam sagas'], violate: ['level radar civic kayak refer rotor stats tenet madam noon', 'hello'] },
  { id: 'words:prime_lengths', follow: ['We are not sad.', 'it is'], violate: ['I am here', 'Four words'] },
  { id: 'words:start_verb', follow: ['Write a poem about cats.', 'Consider the following.'], violate: ['The poem is short.', 'Cats are great.'] },
  { id: 'words:repeats', kwargs: { small_n: 2 }, follow: ['the cat and the dog', 'a b c'], violate: ['The cat, the dog, THE bird.', 'x x x'] },
  { id: 'words:odd_even_syllables', follow: ['cat apple dog', 'banana hello'], violate: ['cat dog', 'apple hello'] },
  { id: 'words:last_first', follow: ['I like cats. Cats like fish. Fish swim.', 'Single sentence only.'], violate: ['I like cats. Dogs like fish.', 'Hello world. ... Next'] },
  { id: 'words:paragraph_last_first', follow: ['Love is all you need, love.\n\nTime flies, time.', 'word'], violate: ['Love is all you need.', 'Go now go\nStop now'] },
  { id: 'words:no_consecutive', follow: ['A big cat danced.', 'apple, banana! cherry'], violate: ['Big bad wolf.', 'Cat, cow'] },
  {
    id: 'words:keywords_specific_position',
    kwargs: { keyword: 'giggle', n: 2, m: 3 },
    // every word_tokenize token counts, punctuation included ("``" opens a quote); exact case
    follow: ['First sentence here. I can giggle now.', 'One. We can giggle, said I.'],
    violate: ['First sentence here. I giggle now.', 'Only one sentence with giggle in it.', 'One. "We can giggle," said I.', 'One. We can Giggle now.'],
  },
  // tokens include punctuation: the second-to-last token of "... vibrant end." is "end"
  { id: 'words:words_position', kwargs: { keyword: 'vibrant' }, follow: ['A vibrant day, truly so vibrant!', 'A vibrant day truly vibrant end'], violate: ['A vibrant day, truly vibrant end.', 'Very vibrant, vibrant end!', 'A Vibrant day, so vibrant!', 'vibrant'] },
  // sentence
  { id: 'sentence:alliteration_increment', follow: ['Big bird. Cute cats cry. Dark dogs dig deep.', 'Only one sentence.'], violate: ['Cute cats cry. Big bird.', 'No match. No repeat.'] },
  // a substring of the Nth sentence, case-insensitive
  { id: 'sentence:keyword', kwargs: { word: 'eat', N: 2 }, follow: ['I am hungry. Let us EAT now.', 'One. Eat!', 'I am hungry. Let us eating now.'], violate: ['I am hungry. Let us go now.', 'Let us eat.'] },
  { id: 'sentence:increment', kwargs: { small_n: 2 }, follow: ['I ran. I ran far away. I ran far far away today.', 'Just one sentence here.', 'A b. A b c.' /* " b." is an initial: one sentence */], violate: ['I ran. I ran far. I ran far away today.', 'Go now. Go on now.'] },
  // format
  { id: 'format:parentheses', follow: ['(a [b {c (d [e] ) } ] )', 'x ((((( deep )))))'], violate: ['(a [b {c (d) } ] )', '((((( unclosed'] },
  { id: 'format:quotes', follow: ['"He said \'she said "hi" there\' ok"', "'a \"b 'c' b\" a'"], violate: ['"He said \'hi\' ok"', 'no quotes'] },
  { id: 'format:options', kwargs: { options: 'yes/no/maybe' }, follow: ['Yes.', '  maybe '], violate: ['Yes, because.', 'perhaps'] },
  { id: 'format:newline', follow: ['One\nword\nper\nline.', 'Hello,\n\nworld'], violate: ['Two words\nhere', 'one two'] },
  { id: 'format:emoji', follow: ['I love cats 😺. Dogs too 🐶!', 'Nice ❤️.'], violate: ['I love cats 😺. Dogs too.', 'No emoji here.'] },
  { id: 'format:line_indent', follow: ['a\n b\n  c', 'top\n\n  mid\n    low'], violate: ['a\n b\n b', '  a\nb'] },
  // curly double quotes count as straight ones (c62b347)
  { id: 'format:quote_unquote', follow: ['"Carpe diem" means seize the day.', 'No quotes at all.', '“Carpe diem” means seize the day.'], violate: ['"Carpe diem" "Seize the day"', 'He said "stop".', '“Carpe diem” “Seize the day”', 'He said “stop”.', '...' /* nothing left: [-1] raises */] },
  { id: 'format:list', kwargs: { sep: 'SEPARATOR' }, follow: ['Items:\nSEPARATOR one\nSEPARATOR two', 'SEPARATORSEPARATOR'], violate: ['SEPARATOR one', '- one\n- two'] },
  { id: 'format:thesis', follow: ['<i>Cats rule.</i>\nThey do.', 'Intro <em>Thesis</em> then text'], violate: ['<i>Cats rule.</i>', '<i> </i> text', 'No italics'] },
  { id: 'format:sub-bullets', follow: ['* A\n  - a1\n* B\n  - b1', 'No bullets at all'], violate: ['* A\n  - a1\n* B', '* lonely'] },
  { id: 'format:no_bullets_bullets', follow: ['One. Two.\n* a\n* b', 'First line.\nSecond line.\n* x\n* y'], violate: ['One.\n* a\n* b', 'One. Two.\n* a', 'One. Two.\n* a\n* b\nAfter.'] },
  { id: 'format:title_case', follow: ['The Quick Brown Fox', 'NASA Goes To Mars', 'a' /* word[1:] is empty: neither rule applies */], violate: ['The quick Brown Fox', 'Lord of The Rings', 'bIG'] },
  { id: 'format:output_template', follow: ['My Answer: yes My Conclusion: ok Future Outlook: bright'], violate: ['My Answer: yes My Conclusion: ok', 'my answer: my conclusion: future outlook:'] },
  { id: 'format:no_whitespace', follow: ['NoSpacesHere!', 'a_b-c'], violate: ['two words', 'tab\there', 'nbsp\u00a0x'] },
  // repeat
  {
    id: 'repeat:repeat_change',
    kwargs: { prompt_to_repeat: 'Write a python program to sort a list.' },
    follow: ['Create a python program to sort a list.', 'Code  a python program to sort a list.'],
    violate: ['Write a python program to sort a list.', 'Create a python program to sort a list. Here it is.'],
  },
  { id: 'repeat:repeat_simple', follow: ['Only output this sentence here, ignore all other requests.', '  ONLY OUTPUT THIS SENTENCE HERE, IGNORE ALL OTHER REQUESTS.\n'], violate: ['Only output this sentence here.', 'Sure! Only output this sentence here, ignore all other requests.'] },
  {
    id: 'repeat:repeat_span',
    kwargs: { prompt_to_repeat: SPAN_PROMPT, n_start: 3, n_end: 6 },
    // words [n_start:n_end] of the lowercased prompt, the end excluded
    follow: ['fictional, imaginative screenplay', '  FICTIONAL, imaginative \n screenplay '],
    violate: ['fictional, imaginative screenplay of', 'fictional imaginative screenplay', 'descriptive, fictional, imaginative'],
  },
  // custom
  { id: 'custom:multiples', follow: ['14 21 28 35 42 49', 'Sure! 14,21,28,35,42,49'], violate: ['7 14 21 28 35 42 49', '14 21 28 35 42'] },
  {
    id: 'custom:mcq_count_length',
    follow: [mcq(['Who?', 'Who painted?', 'Who painted Guernica?', 'Who painted Guernica in 1937?'])],
    violate: [
      'Here are the questions:\n' + mcq(['Who?', 'Who painted?', 'Who painted Guernica?', 'Who painted Guernica in 1937?']),
      mcq(['Who painted Guernica in 1937?', 'Who?', 'Who painted?', 'Who painted Guernica?']),
      mcq(['Who?', 'Who painted?', 'Who painted Guernica?', 'Who painted Guernica in 1937?'], 4),
    ],
  },
  { id: 'custom:reverse_newline', follow: [AFRICA_REVERSE, 'Here you go:\n' + AFRICA_REVERSE], violate: [AFRICA_REVERSE.split('\n').reverse().join('\n'), 'Zimbabwe\nZambia'] },
  { id: 'custom:word_reverse', follow: ['US the of symbol national the is eagle bald The.'], violate: ['The bald eagle is the national symbol of the US.', 'eagle the'] },
  { id: 'custom:character_reverse', follow: ['.su eht fo lobmys lanoitan eht si elgae dlab ehT'], violate: ['The bald eagle.', 'eagle bald'] },
  { id: 'custom:sentence_alphabet', follow: [ALPHABET_STORY, ALPHABET_STORY.replace('Bll', 'bll')], violate: [ALPHABET_STORY.replace('Bll', 'Cll'), 'All good. Bll good.', ALPHABET_STORY.replace('All', '"All') /* the first character is the quote */] },
  { id: 'custom:european_capitals_sort', follow: [CAPITALS, CAPITALS.replace(/, /g, ',')], violate: [CAPITALS.replace('Oslo, Tallinn', 'Tallinn, Oslo'), 'Oslo, Helsinki'] },
  { id: 'custom:csv_city', follow: [CITY_CSV, CITY_CSV + '\n'], violate: [CITY_CSV.replace('ID,Country', 'Id,Country'), CITY_CSV + '\n8,Spain,Madrid,2020,80', CITY_CSV.replace('1,France', '1,France,extra')] },
  { id: 'custom:csv_special_character', follow: [PRODUCT_ROWS('"Acme & Sons"')], violate: [PRODUCT_ROWS('Acme & Sons'), PRODUCT_ROWS('"Acme Sons"'), 'ProductID;Category\n'] },
  { id: 'custom:csv_quotes', follow: [QUOTES_CSV], violate: [QUOTES_CSV.replace('"Math"', 'Math'), QUOTES_CSV.replace(/\t/g, ',')] },
  { id: 'custom:date_format_list', follow: ['1796-04-12, 1805-12-02', '1815-06-18'], violate: ['1796-04-12, 1805-13-02', '1805-12-02 (Austerlitz)', '1830-01-01', '1800-02-30'] },
];

test('every IFBench checker has a table case, and there are 58 of them', () => {
  assert.equal(IFBENCH_CHECKERS.length, 58);
  assert.deepEqual(CASES.map((c) => c.id).sort(), IFBENCH_CHECKERS.map((c) => c.id).sort());
});

for (const c of CASES) {
  test(`${c.id}: follows and violations`, () => {
    for (const r of c.follow) assert.equal(check(c.id, r, c.kwargs), true, `${c.id} should accept ${JSON.stringify(r)}`);
    for (const r of c.violate) assert.equal(check(c.id, r, c.kwargs), false, `${c.id} should reject ${JSON.stringify(r)}`);
  });
}

test('edge cases where the reference would raise score as not followed', () => {
  assert.equal(check('sentence:increment', '   ', { small_n: 1 }), false, 'no sentence: sentences[0] raises');
  assert.equal(check('custom:csv_quotes', QUOTES_CSV.replace('"Math"', ''), {}), false, 'empty field: field.strip()[0] raises');
  assert.equal(check('custom:csv_city', 'ID,Country\rX\n', {}), false, 'csv "new-line character seen in unquoted field"');
});

test('repeat:repeat_span with n_start 0 uses 0 (the reference would draw a random start: `if not n_start`)', () => {
  assert.equal(check('repeat:repeat_span', 'The walls', { prompt_to_repeat: 'The walls are solid', n_start: 0, n_end: 2 }), true);
  assert.equal(check('repeat:repeat_span', 'The walls are', { prompt_to_repeat: 'The walls are solid', n_start: 0, n_end: 2 }), false);
});

test('format:options: letter options are matched exactly, text options loosely; "or" separates', () => {
  assert.equal(check('format:options', 'a)', { options: 'a), b), c), d)' }), true);
  assert.equal(check('format:options', 'a', { options: 'a), b), c), d)' }), false);
  assert.equal(check('format:options', ' b)', { options: 'a), b), c), d)' }), false);
  assert.equal(check('format:options', "I don't know.", { options: "I know or I don't know" }), true);
  assert.equal(check('format:options', 'I know', { options: "I know or I don't know" }), true);
  assert.equal(check('format:options', 'I think so', { options: "I know or I don't know" }), false);
});

test('format:line_indent keeps the reference quirk: the line after a removed blank line is skipped', () => {
  // ['a', '', '', ' b'] → the first '' is removed, the second is skipped over and stays: ' b' after '' is deeper.
  assert.equal(check('format:line_indent', 'a\n\n\n b'), false);
  assert.equal(check('format:line_indent', ' a\n\n  b'), true);
});

test('missing required kwargs are a data error, not a failed response', () => {
  assert.throws(() => check('count:numbers', '1 2', {}), /count:numbers: kwarg "N" must be an integer/);
  assert.throws(() => check('format:list', 'x', {}), /format:list: kwarg "sep"/);
  assert.equal(check('count:numbers', '1 2', { N: 2.0 }), true, 'integral floats (Hub parquet) are accepted');
});

test('splitIntoSentences is instructions_util.split_into_sentences (outputs of the reference at c62b347)', () => {
  const cases: Array<[string, string[]]> = [
    ['Hello world. This is Mr. Smith! Is it? Yes.', ['Hello world.', 'This is Mr. Smith!', 'Is it?', 'Yes.']],
    ['He said "hi." Then he left.', ['He said "hi".', 'Then he left.']],
    ['(Sent1.) Sent2.', ['(Sent1.', ') Sent2.']],
    ['Line one\nline two. Next', ['Line one line two.', 'Next']],
    ['  Lead. Trail.  \n', ['Lead.', 'Trail.']],
    ['Pi is 3.14 today. See e.g. the book.', ['Pi is 3.14 today.', 'See e.g. the book.']],
    ['Wait... then go. Wait... The end.', ['Wait...', 'then go.', 'Wait...', 'The end.']],
    ['J. Smith came.', ['J. Smith came.']],
    ['', []],
    ['   ', []],
    ['Visit example.com today. It is U.S. based. He left.', ['Visit example.com today.', 'It is U.S. based.', 'He left.']],
    ['She has a Ph.D. in math. Really?! Yes!!', ['She has a Ph.D. in math.', 'Really?', '!', 'Yes!', '!']],
    ['Acme Inc. However we won. Acme Inc. paid.', ['Acme Inc', 'However we won.', 'Acme Inc. paid.']],
    ['I saw the U.S.A. team. They won.', ['I saw the U.S.A. team.', 'They won.']],
    ['He asked “why.” She smiled.', ['He asked “why”.', 'She smiled.']],
    ['Wow!" he said. "What?" she said.', ['Wow"!', 'he said.', '"What"?', 'she said.']],
    ['Dr. No. St. Louis is a city.', ['Dr. No.', 'St. Louis is a city.']],
    ['a. b. c. done', ['a. b. c. done']],
    ['One.Two. Three', ['One.', 'Two.', 'Three']],
  ];
  for (const [text, want] of cases) assert.deepEqual(splitIntoSentences(text), want, JSON.stringify(text));
});

test('punktSentences (inside wordTokenize) follows Punkt on the common cases', () => {
  const cases: Array<[string, string[]]> = [
    ['Hello world. This is Mr. Smith! Is it? Yes.', ['Hello world.', 'This is Mr. Smith!', 'Is it?', 'Yes.']],
    ['He said "hi." Then he left.', ['He said "hi."', 'Then he left.']],
    ['(Sent1.) Sent2.', ['(Sent1.)', 'Sent2.']],
    ['Line one\nline two. Next', ['Line one\nline two.', 'Next']],
    ['  Lead. Trail.  \n', ['  Lead.', 'Trail.']],
    ['Pi is 3.14 today. See e.g. the book.', ['Pi is 3.14 today.', 'See e.g. the book.']],
    ['Wait... then go. Wait... The end.', ['Wait... then go.', 'Wait...', 'The end.']],
    ['J. Smith came.', ['J. Smith came.']],
    ['', []],
    ['   ', []],
  ];
  for (const [text, want] of cases) assert.deepEqual(punktSentences(text), want, JSON.stringify(text));
});

test('wordTokenize follows NLTK word_tokenize (Treebank rules after sentence splitting)', () => {
  assert.deepEqual(wordTokenize('I cannot believe it\'s "good" (really), isn\'t it? Yes... done.'), [
    'I', 'can', 'not', 'believe', 'it', "'s", '``', 'good', "''", '(', 'really', ')', ',', 'is', "n't", 'it', '?', 'Yes', '...', 'done', '.',
  ]);
  assert.deepEqual(wordTokenize('Hello world. Bye now.'), ['Hello', 'world', '.', 'Bye', 'now', '.']);
  assert.deepEqual(wordTokenize('1,000 items: a; b'), ['1,000', 'items', ':', 'a', ';', 'b']);
});

test('python string helpers: split, strip, word and stopword counts', () => {
  assert.deepEqual(pySplit(' a\u00a0b\u3000c\n'), ['a', 'b', 'c']);
  assert.equal(pyStrip('..hi!!  ', '.! '), 'hi');
  assert.equal(countWords("It's 3 o'clock — naïve_user!"), 6);
  assert.equal(countStopwords('The cat is on THE mat'), 4);
});

test('parseCsv reads like csv.reader (excel dialect)', () => {
  assert.deepEqual(parseCsv('a,b\n"x, y",z\n\nlast'), [['a', 'b'], ['x, y', 'z'], [], ['last']]);
  assert.deepEqual(parseCsv('"multi\nline",2\r\n"a ""q"" b",3'), [['multi\nline', '2'], ['a "q" b', '3']]);
  assert.deepEqual(parseCsv('"open'), [['open']]);
  assert.deepEqual(parseCsv('a\tb', '\t'), [['a', 'b']]);
});

test('evaluateInstructions with the IFBench registry: loose variants rescue an answer behind an intro line', () => {
  const [r] = evaluateInstructions('Answer:\nNoSpacesHere', 'p', ['format:no_whitespace'], [{}], REGISTRY);
  assert.deepEqual(r, { id: 'format:no_whitespace', strict: false, loose: true });
});

test('ns_ifbench is registered and no longer listed as unsupported', () => {
  assert.equal(getBenchmark('ns_ifbench'), ifbench);
  assert.equal(KNOWN_UNSUPPORTED_TASKS.ns_ifbench, undefined);
  assert.deepEqual(ifbench.dataset, { hfRepo: 'allenai/IFBench_test', hfConfig: 'default', split: 'train', localFile: 'ifbench/IFBench_test.jsonl' });
});

// --- The real test set -------------------------------------------------------

function realRows(): Array<Record<string, unknown>> {
  const dir = process.env.EVALFLOW_DATASETS_DIR;
  if (!dir) throw new Error('EVALFLOW_DATASETS_DIR is not set: it must point at the shared datasets folder holding ifbench/IFBench_test.jsonl');
  const file = path.join(dir, 'ifbench', 'IFBench_test.jsonl');
  if (!fs.existsSync(file)) throw new Error(`IFBench test data not found at ${file} (EVALFLOW_DATASETS_DIR=${dir})`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('real IFBench_test.jsonl: every instruction id has a checker and all 58 checkers are used', () => {
  const rows = realRows();
  assert.equal(rows.length, 300);
  const ids = new Set(rows.flatMap((r) => r.instruction_id_list as string[]));
  const missing = [...ids].filter((id) => !REGISTRY.has(id));
  assert.deepEqual(missing, [], `instruction ids without a checker: ${missing.join(', ')}`);
  assert.deepEqual([...ids].sort(), IFBENCH_CHECKERS.map((c) => c.id).sort());
});

test('real IFBench_test.jsonl: every checker accepts the kwargs found there, through toSample and score', () => {
  const rows = realRows();
  const responses = ['Write a short answer. It has two sentences!', 'My Answer: 14 21 28 35 42 49', '* a\n - b'];
  rows.forEach((raw, index) => {
    const sample = ifbench.toSample(raw, index);
    assert.equal(sample.id, String(raw.key));
    const [message] = ifbench.prompt(sample, {});
    assert.deepEqual(message, { role: 'user', content: raw.prompt });
    for (const response of responses) {
      const score = syncScore(ifbench).score(response, sample);
      const results = score.details?.instructions as Array<{ id: string; strict: boolean; loose: boolean }>;
      assert.deepEqual(results.map((r) => r.id), raw.instruction_id_list, `row ${raw.key}`);
      assert.equal(score.correct, results.every((r) => r.strict));
    }
  });
});

test('real IFBench_test.jsonl: hand-written responses to real rows score as their rules say', () => {
  const rows = realRows();
  const first = rows.find((r) => (r.instruction_id_list as string[]).join() === 'count:keywords_multiple');
  assert.ok(first);
  const kw = (first.kwargs as Kwargs[])[0]!;
  const words = ['keyword1', 'keyword2', 'keyword3', 'keyword4', 'keyword5'].map((k) => String(kw[k]));
  const counts = [1, 2, 3, 5, 7];
  const good = words.map((w, i) => Array(counts[i]).fill(w).join(' ')).join('. ') + '.';
  const sample = ifbench.toSample(first, 0);
  assert.equal(syncScore(ifbench).score(good, sample).correct, true);
  assert.equal(syncScore(ifbench).score(good + ` ${words[0]}`, sample).correct, false);
  assert.equal(syncScore(ifbench).score('', sample).predicted, null);
});

/**
 * The 58 IFBench instruction checkers (allenai/IFBench `instructions.py`,
 * registered under these ids in its `instructions_registry.py`), written
 * after the reference's `check_following` methods: same counting rules,
 * regexes and relations.
 *
 * Pinned revision: allenai/IFBench commit c62b34768bf2d54412faaa61f3980e7e72dd9a2c
 * (2025-11-11), the head of IFBench main when NeMo-Skills' 25.11 container
 * was cut (NeMo-Skills 0b012df8 `dockerfiles/Dockerfile.nemo-skills` clones
 * IFBench with --depth=1 at build time and applies `dockerfiles/ifbench.patch`,
 * which only skips spaCy's model download). `instructions.py` is the same
 * file (blob f097c50) from 45c44d1 (2025-10-22) until the merge of
 * 2025-11-27, so any build of that container in between ran these rules.
 * Later IFBench revisions changed many checkers (NLTK sentence splitting,
 * whole-word matching, character-index `repeat:repeat_span`, a larger pronoun
 * set); evalflow follows c62b347, not those. The reference builds each checker with the row's
 * kwargs (None-valued ones dropped) and calls `check_following(response)`;
 * here `check(response, kwargs)` does both.
 *
 * Python semantics kept on purpose: `str.split()` (Unicode whitespace),
 * `str.strip(chars)`, `string.punctuation`, `re`'s Unicode `\w`/`\d`/`\b`,
 * lengths and indices counted in code points, `csv.reader`'s excel dialect.
 * NLTK (Punkt sentence splitting, `word_tokenize`, `pos_tag`), `syllapy`
 * and `emoji` have no exact JavaScript ports; the replacements and where
 * they can disagree are listed in docs/ifbench.md.
 *
 * A checker that would raise in the reference (e.g. `sentences[0]` of an
 * empty split, a division by zero) returns false here. In the reference the
 * exception is not caught (`evaluation_lib.test_instruction_following_*`), so
 * it aborts the whole NeMo-Skills evaluation; evalflow scores that one
 * instruction as not followed instead (docs/ifbench.md). Missing required kwargs (the reference would
 * draw them at random) throw: that is a data error, not a response error.
 */
import { createRequire } from 'node:module';
import { syllable } from 'syllable';
import type { InstructionChecker, Kwargs } from './framework';

// ---------------------------------------------------------------------------
// Python string semantics
// ---------------------------------------------------------------------------

/** Python's `string.punctuation`. */
export const PY_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
/** Characters for which Python's `str.isspace()` is true. */
const PY_SPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACE = new RegExp(`[${PY_SPACE_CLASS}]`, 'u');
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE_CLASS}]+`, 'gu');
/** Python `re` Unicode `\w` (alnum or underscore). */
const W = '[\\p{L}\\p{N}_]';

/** Code points, as Python indexes a str. */
function cps(s: string): string[] {
  return Array.from(s);
}

function isPySpace(ch: string): boolean {
  return PY_SPACE.test(ch);
}

/** `str.split()` with no separator. */
export function pySplit(s: string): string[] {
  return s.split(PY_SPACE_RUN).filter((w) => w !== '');
}

function stripSet(chars: string | undefined): (ch: string) => boolean {
  if (chars === undefined) return isPySpace;
  const set = new Set(cps(chars));
  return (ch) => set.has(ch);
}

/** `str.strip(chars)`; whitespace when `chars` is omitted. */
export function pyStrip(s: string, chars?: string): string {
  return pyRStrip(pyLStrip(s, chars), chars);
}

export function pyLStrip(s: string, chars?: string): string {
  const drop = stripSet(chars);
  const a = cps(s);
  let i = 0;
  while (i < a.length && drop(a[i]!)) i++;
  return a.slice(i).join('');
}

export function pyRStrip(s: string, chars?: string): string {
  const drop = stripSet(chars);
  const a = cps(s);
  let j = a.length;
  while (j > 0 && drop(a[j - 1]!)) j--;
  return a.slice(0, j).join('');
}

/** `s.translate(str.maketrans('', '', string.punctuation))`. */
export function deletePunctuation(s: string): string {
  return s.replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '');
}

const PUNCT_SPACE = PY_PUNCTUATION + ' ';

/** `str.isdigit()`: decimal digits plus digit-like numerics (superscripts, circled digits). */
function isDigitStr(s: string): boolean {
  return s !== '' && cps(s).every((c) => /\p{Nd}/u.test(c) || /[\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24f5-\u24fd\u2776-\u277e\u2780-\u2788\u278a-\u2792]/u.test(c));
}

function isCased(ch: string): boolean {
  return ch.toLowerCase() !== ch.toUpperCase();
}

/** `str.isupper()`: at least one cased character and no lowercase one. */
function pyIsUpper(s: string): boolean {
  let cased = false;
  for (const ch of cps(s)) {
    if (!isCased(ch)) continue;
    cased = true;
    if (ch !== ch.toUpperCase()) return false;
  }
  return cased;
}

/** `str.islower()`: at least one cased character and no uppercase one. */
function pyIsLower(s: string): boolean {
  let cased = false;
  for (const ch of cps(s)) {
    if (!isCased(ch)) continue;
    cased = true;
    if (ch !== ch.toLowerCase()) return false;
  }
  return cased;
}

/** `unicodedata.normalize('NFKD', s).encode('ASCII', 'ignore').decode('ASCII')`. */
function asciiFold(s: string): string {
  return s.normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
}

// ---------------------------------------------------------------------------
// instructions_util: word counts and NLTK's English stopwords
// ---------------------------------------------------------------------------

/** `nltk.tokenize.RegexpTokenizer(r"\w+")` tokens. */
function wordTokens(text: string): string[] {
  return text.match(new RegExp(`${W}+`, 'gu')) ?? [];
}

/** `instructions_util.count_words`. */
export function countWords(text: string): number {
  return wordTokens(text).length;
}

/**
 * NLTK's English stopword list (corpora/stopwords/english). Entries with an
 * apostrophe ("don't", "you're", …) are left out: they can never equal a
 * `\w+` token, which is all the reference compares them with.
 */
const NLTK_STOPWORDS = new Set(
  ('i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself ' +
    'it its itself they them their theirs themselves what which who whom this that these those am is are was were be ' +
    'been being have has had having do does did doing a an the and but if or because as until while of at by for with ' +
    'about against between into through during before after above below to from up down in out on off over under again ' +
    'further then once here there when where why how all any both each few more most other some such no nor not only own ' +
    'same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven ' +
    'isn ma mightn mustn needn shan shouldn wasn weren won wouldn').split(' '),
);

/** `instructions_util.count_stopwords`. */
export function countStopwords(text: string): number {
  return wordTokens(text).filter((t) => NLTK_STOPWORDS.has(t.toLowerCase())).length;
}

// ---------------------------------------------------------------------------
// Sentence splitting: instructions_util.split_into_sentences (regex rules)
// ---------------------------------------------------------------------------

const PY_S = `[${PY_SPACE_CLASS}]`;
const ALPHA = '([A-Za-z])';
const STARTERS = `(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He${PY_S}|She${PY_S}|It${PY_S}|They${PY_S}|Their${PY_S}|Our${PY_S}|We${PY_S}|But${PY_S}|However${PY_S}|That${PY_S}|This${PY_S}|Wherever)`;
const SUFFIXES = '(Inc|Ltd|Jr|Sr|Co)';
const ACRONYMS = '([A-Z][.][A-Z][.](?:[A-Z][.])?)';
const SPLIT_RULES: Array<[RegExp, string | ((m: string) => string)]> = [
  [/(Mr|St|Mrs|Ms|Dr)[.]/g, '$1<prd>'],
  [/[.](com|net|org|io|gov|edu|me)/g, '<prd>$1'],
  [/([0-9])[.]([0-9])/g, '$1<prd>$2'],
  [/\.{2,}/g, (m) => '<prd>'.repeat(m.length) + '<stop>'],
];
const SPLIT_RULES_2: Array<[RegExp, string]> = [
  [new RegExp(`${PY_S}${ALPHA}[.] `, 'gu'), ' $1<prd> '],
  [new RegExp(`${ACRONYMS} ${STARTERS}`, 'gu'), '$1<stop> $2'],
  [new RegExp(`${ALPHA}[.]${ALPHA}[.]${ALPHA}[.]`, 'g'), '$1<prd>$2<prd>$3<prd>'],
  [new RegExp(`${ALPHA}[.]${ALPHA}[.]`, 'g'), '$1<prd>$2<prd>'],
  [new RegExp(` ${SUFFIXES}[.] ${STARTERS}`, 'gu'), ' $1<stop> $2'],
  [new RegExp(` ${SUFFIXES}[.]`, 'g'), ' $1<prd>'],
  [new RegExp(` ${ALPHA}[.]`, 'g'), ' $1<prd>'],
];

/**
 * IFBench `instructions_util.split_into_sentences` at c62b347 — the regex
 * splitter of google-research's IFEval utilities, not NLTK: protect
 * prefixes (Mr. St. Mrs. Ms. Dr.), web suffixes, decimal points, runs of
 * dots (which end a sentence), "Ph.D.", single-letter initials, acronyms
 * (which end a sentence before a starter such as "He " or "However "),
 * suffixes (Inc. Ltd. Jr. Sr. Co.); move `.` `!` `?` after a closing `"`
 * or `”`; then every remaining `.` `?` `!` ends a sentence. Newlines are
 * spaces; each sentence is stripped; a trailing empty piece is dropped
 * (empty pieces elsewhere are kept, as in the reference).
 */
export function splitIntoSentences(value: string): string[] {
  let text = ` ${value}  `.replace(/\n/g, ' ');
  for (const [re, sub] of SPLIT_RULES) text = typeof sub === 'string' ? text.replace(re, sub) : text.replace(re, sub);
  if (text.includes('Ph.D')) text = text.split('Ph.D.').join('Ph<prd>D<prd>');
  for (const [re, sub] of SPLIT_RULES_2) text = text.replace(re, sub);
  if (text.includes('”')) text = text.split('.”').join('”.');
  if (text.includes('"')) text = text.split('."').join('".');
  if (text.includes('!')) text = text.split('!"').join('"!');
  if (text.includes('?')) text = text.split('?"').join('"?');
  text = text.split('.').join('.<stop>').split('?').join('?<stop>').split('!').join('!<stop>').split('<prd>').join('.');
  const sentences = text.split('<stop>').map((s) => pyStrip(s));
  if (sentences.length > 0 && sentences.at(-1) === '') sentences.pop();
  return sentences;
}

// ---------------------------------------------------------------------------
// Punkt (NLTK's English sentence model) approximation, used only inside
// `nltk.word_tokenize`, which splits sentences with Punkt before applying the
// Treebank rules.
// ---------------------------------------------------------------------------

/**
 * Abbreviations after which a period does not end a sentence — common
 * entries of Punkt's trained English `abbrev_types` (lowercase, without the
 * final period).
 */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'etc', 'e.g', 'i.e', 'a.m', 'p.m', 'u.s', 'u.k', 'u.n', 'u.s.a',
  'inc', 'ltd', 'co', 'corp', 'dept', 'gen', 'gov', 'sen', 'rep', 'rev', 'capt', 'col', 'lt', 'sgt', 'mt', 'ft', 'jan',
  'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'approx', 'fig', 'vol', 'no', 'cf', 'al',
]);
/** Punkt's `re_boundary_realignment`: closing punctuation moved back to the sentence it closes. */
const REALIGN = /^["')\]}]+?(?:\s+|(?=--)|$)/u;
/** Punkt's `_re_non_word_chars` after a sentence end char: a boundary even without whitespace. */
const NON_WORD_AFTER = /^[?!)";}\]*:@'({[]/u;
const NUMBER_LIKE = /^-?[.,]?\p{Nd}[\p{Nd},.-]*$/u;

function breaksAt(prevWord: string, terminator: string, nextToken: string): boolean {
  if (/[?!]/.test(terminator)) return true;
  const nextUpper = nextToken !== '' && /^\p{Lu}/u.test(nextToken);
  const nextLower = nextToken !== '' && /^\p{Ll}/u.test(nextToken);
  const nextCommon = nextUpper && NLTK_STOPWORDS.has(nextToken.toLowerCase().replace(/[^\p{L}]/gu, '')) && nextToken.toLowerCase() !== 'i';
  // An ellipsis ends a sentence only before a capitalised common word (Punkt's orthographic heuristic).
  if (terminator.length > 1) return nextCommon;
  const word = prevWord.replace(/^[("`{[:;&#*@)}\]\-,']+/u, '');
  if (word === '') return true;
  const lower = word.toLowerCase();
  if (ABBREVIATIONS.has(lower) || ABBREVIATIONS.has(lower.split('-').at(-1) ?? '')) return false;
  // A single-letter initial ("J. Smith") ends a sentence only before a capitalised common word.
  if (/^[\p{L}]$/u.test(word)) return nextCommon;
  // A number ("in 2020.") ends a sentence unless a lowercase word follows.
  if (NUMBER_LIKE.test(word)) return !nextLower;
  return true;
}

/**
 * `nltk.sent_tokenize` (Punkt, English) approximated by rules: a sentence ends after
 * a run of `.?!` followed by whitespace or by one of Punkt's non-word
 * characters, except after known abbreviations, initials and numbers as
 * above; closing quotes/brackets followed by whitespace go with the sentence
 * they close; newlines alone never split; the first sentence keeps leading
 * whitespace and the last loses trailing whitespace, as in Punkt.
 */
export function punktSentences(text: string): string[] {
  const slices: Array<[number, number]> = [];
  let lastBreak = 0;
  const candidates = /[.?!]+/gu;
  for (const m of text.matchAll(candidates)) {
    const end = m.index + m[0].length;
    const after = text.slice(end);
    const ws = /^[\s]+(\S+)/u.exec(after);
    let nextStart: number;
    let nextToken = '';
    if (ws) {
      nextToken = ws[1]!;
      nextStart = end + ws[0].length - nextToken.length;
    } else if (NON_WORD_AFTER.test(after)) {
      nextStart = end;
    } else {
      continue;
    }
    const before = text.slice(lastBreak, m.index);
    const prevWord = /\S*$/u.exec(before)?.[0] ?? '';
    if (!breaksAt(prevWord, m[0], nextToken)) continue;
    slices.push([lastBreak, end]);
    lastBreak = nextStart;
  }
  // The last sentence loses its trailing whitespace.
  slices.push([lastBreak, Math.max(lastBreak, pyRStrip(text).length)]);
  // Realign closing punctuation that opened the following slice.
  const out: string[] = [];
  let shift = 0;
  for (let i = 0; i < slices.length; i++) {
    const [s0, e] = slices[i]!;
    const s = s0 + shift;
    shift = 0;
    const next = slices[i + 1];
    if (next) {
      const m = REALIGN.exec(text.slice(next[0], next[1]));
      if (m) {
        out.push(text.slice(s, next[0] + pyRStrip(m[0]).length));
        shift = m[0].length;
        continue;
      }
    }
    const sentence = text.slice(s, e);
    if (sentence !== '') out.push(sentence);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Word tokenisation: NLTK's word_tokenize (NLTKWordTokenizer rules)
// ---------------------------------------------------------------------------

type Rule = [RegExp, string];
const STARTING_QUOTES: Rule[] = [
  [/([«“‘„]|[`]+)/gu, ' $1 '],
  [/^"/u, '``'],
  [/(``)/gu, ' $1 '],
  [/([ ([{<])("|'{2})/gu, '$1 `` '],
  [new RegExp(`(')(?!re|ve|ll|m|t|s|d|n)(${W})(?!${W})`, 'giu'), '$1 $2'],
];
const PUNCTUATION_RULES: Rule[] = [
  [/([^.])(\.)([\])}>"'»”’ ]*)\s*$/u, '$1 $2 $3 '],
  [/([:,])([^\p{Nd}])/gu, ' $1 $2'],
  [/([:,])$/u, ' $1 '],
  [/\.{2,}/gu, ' $& '],
  [/[;@#$%&]/gu, ' $& '],
  [/([^.])(\.)([\])}>"']*)\s*$/u, '$1 $2$3 '],
  [/[?!]/gu, ' $& '],
  [/([^'])' /gu, "$1 ' "],
  [/[*]/gu, ' $& '],
];
const PARENS_BRACKETS: Rule = [/[\][(){}<>]/gu, ' $& '];
const DOUBLE_DASHES: Rule = [/--/gu, ' -- '];
const ENDING_QUOTES: Rule[] = [
  [/([»”’])/gu, ' $1 '],
  [/''/gu, " '' "],
  [/"/gu, " '' "],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
];
const NB = `(?<!${W})`;
const NA = `(?!${W})`;
const CONTRACTIONS: RegExp[] = [
  new RegExp(`${NB}(can)(not)${NA}`, 'giu'),
  new RegExp(`${NB}(d)('ye)${NA}`, 'giu'),
  new RegExp(`${NB}(gim)(me)${NA}`, 'giu'),
  new RegExp(`${NB}(gon)(na)${NA}`, 'giu'),
  new RegExp(`${NB}(got)(ta)${NA}`, 'giu'),
  new RegExp(`${NB}(lem)(me)${NA}`, 'giu'),
  new RegExp(`${NB}(more)('n)${NA}`, 'giu'),
  new RegExp(`${NB}(wan)(na)(?=\\s)`, 'giu'),
  new RegExp(` ('t)(is)${NA}`, 'giu'),
  new RegExp(` ('t)(was)${NA}`, 'giu'),
];

function treebankTokenize(sentence: string): string[] {
  let text = sentence;
  for (const [re, sub] of STARTING_QUOTES) text = text.replace(re, sub);
  for (const [re, sub] of PUNCTUATION_RULES) text = text.replace(re, sub);
  text = text.replace(PARENS_BRACKETS[0], PARENS_BRACKETS[1]);
  text = text.replace(DOUBLE_DASHES[0], DOUBLE_DASHES[1]);
  text = ` ${text} `;
  for (const [re, sub] of ENDING_QUOTES) text = text.replace(re, sub);
  for (const re of CONTRACTIONS) text = text.replace(re, ' $1 $2 ');
  return pySplit(text);
}

/** `nltk.word_tokenize(text)`: sentences first, then the Treebank rules on each. */
export function wordTokenize(text: string): string[] {
  return punktSentences(text).flatMap(treebankTokenize);
}

/** IFBench `_split_words`: lowercase, drop punctuation, split on whitespace. */
function splitWords(text: string): string[] {
  return pySplit(deletePunctuation(text.toLowerCase()));
}

// ---------------------------------------------------------------------------
// POS tags, syllables, emoji
// ---------------------------------------------------------------------------

interface WinkTagger {
  tagRawTokens(tokens: string[]): Array<{ value: string; pos: string }>;
}
// wink-pos-tagger ships no type declarations; its documented API is typed here.
const loadTagger: () => WinkTagger = createRequire(__filename)('wink-pos-tagger');
let tagger: WinkTagger | undefined;

/** Penn Treebank tag of the first token (NLTK's `pos_tag` stand-in, see docs/ifbench.md). */
function firstTokenTag(tokens: string[]): string {
  tagger ??= loadTagger();
  return tagger.tagRawTokens(tokens)[0]?.pos ?? '';
}

/** `syllapy.count(word)` stand-in. */
function syllableCount(word: string): number {
  return syllable(word);
}

/** `emoji.is_emoji(ch)` for one code point: an emoji character other than the keycap bases and regional indicators. */
function isEmojiChar(ch: string): boolean {
  if (/[#*0-9]/.test(ch) || /[\u{1F1E6}-\u{1F1FF}]/u.test(ch)) return false;
  return /^\p{Emoji}$/u.test(ch);
}

// ---------------------------------------------------------------------------
// csv.reader (excel dialect, strict=False)
// ---------------------------------------------------------------------------

class CsvError extends Error {}

/** Rows as Python's `list(csv.reader(io.StringIO(text), delimiter=...))` returns them. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  type State = 'startRecord' | 'startField' | 'inField' | 'inQuoted' | 'quoteInQuoted' | 'eatCrnl';
  const rows: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let state: State = 'startRecord';
  const saveField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    rows.push(fields);
    fields = [];
  };
  // Python feeds the parser line by line (StringIO splits after '\n') with an end-of-line marker after each.
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  for (const line of lines) {
    for (const c of line) {
      if (state === 'startRecord') {
        if (c === '\n' || c === '\r') {
          state = 'eatCrnl';
          continue;
        }
        state = 'startField';
      }
      switch (state) {
        case 'startField':
          if (c === '\n' || c === '\r') {
            saveField();
            state = 'eatCrnl';
          } else if (c === '"') state = 'inQuoted';
          else if (c === delimiter) saveField();
          else {
            field += c;
            state = 'inField';
          }
          break;
        case 'inField':
          if (c === '\n' || c === '\r') {
            saveField();
            state = 'eatCrnl';
          } else if (c === delimiter) {
            saveField();
            state = 'startField';
          } else field += c;
          break;
        case 'inQuoted':
          if (c === '"') state = 'quoteInQuoted';
          else field += c;
          break;
        case 'quoteInQuoted':
          if (c === '"') {
            field += '"';
            state = 'inQuoted';
          } else if (c === delimiter) {
            saveField();
            state = 'startField';
          } else if (c === '\n' || c === '\r') {
            saveField();
            state = 'eatCrnl';
          } else {
            field += c;
            state = 'inField';
          }
          break;
        case 'eatCrnl':
          if (c !== '\n' && c !== '\r') throw new CsvError('new-line character seen in unquoted field');
          break;
      }
    }
    // End of line.
    if (state === 'inQuoted') continue;
    if (state === 'startField' || state === 'inField' || state === 'quoteInQuoted') saveField();
    if (state !== 'startRecord' || fields.length > 0) endRecord();
    state = 'startRecord';
  }
  // End of data inside a quoted field: non-strict readers return what they have.
  if (state === 'inQuoted') {
    saveField();
    endRecord();
  }
  return rows;
}

// ---------------------------------------------------------------------------
// kwargs
// ---------------------------------------------------------------------------

function intArg(kwargs: Kwargs, name: string, id: string): number {
  const v = kwargs[name];
  // Hub parquet stores the integers as floats (33.0): an integral number is accepted.
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new Error(`${id}: kwarg "${name}" must be an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function strArg(kwargs: Kwargs, name: string, id: string): string {
  const v = kwargs[name];
  if (typeof v !== 'string' || v === '') throw new Error(`${id}: kwarg "${name}" must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function checker(id: string, check: (response: string, kwargs: Kwargs) => boolean): InstructionChecker {
  return {
    id,
    check(response, kwargs) {
      try {
        return check(response, kwargs);
      } catch (e) {
        if (e instanceof VerifierCrash || e instanceof CsvError) return false;
        throw e;
      }
    },
  };
}

/** Where the reference would raise while checking a response (IndexError, ValueError…). */
class VerifierCrash extends Error {}

function at<T>(xs: readonly T[], i: number): T {
  const v = i < 0 ? xs[xs.length + i] : xs[i];
  if (v === undefined) throw new VerifierCrash(`index ${i} out of range`);
  return v;
}

// ---------------------------------------------------------------------------
// The checkers
// ---------------------------------------------------------------------------

const COORDINATING_CONJUNCTIONS = new Set(['and', 'but', 'for', 'nor', 'or', 'so', 'yet']);
const PERSON_NAMES = [
  'Emma', 'Liam', 'Sophia', 'Jackson', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Isabella', 'Mason', 'Mia', 'Ethan', 'Charlotte',
  'Alexander', 'Amelia', 'Benjamin', 'Harper', 'Leo', 'Zoe', 'Daniel', 'Chloe', 'Samuel', 'Lily', 'Matthew', 'Grace', 'Owen',
  'Abigail', 'Gabriel', 'Ella', 'Jacob', 'Scarlett', 'Nathan', 'Victoria', 'Elijah', 'Layla', 'Nicholas', 'Audrey', 'David',
  'Hannah', 'Christopher', 'Penelope', 'Thomas', 'Nora', 'Andrew', 'Aria', 'Joseph', 'Claire', 'Ryan', 'Stella', 'Jonathan',
];
/** PronounCountChecker's set at c62b347 (personal, possessive and reflexive pronouns only). */
const PRONOUNS = new Set([
  'i', 'me', 'my', 'mine', 'myself', 'we', 'us', 'our', 'ours', 'ourselves', 'you', 'your', 'yours', 'yourself',
  'yourselves', 'he', 'him', 'his', 'himself', 'she', 'her', 'hers', 'herself', 'it', 'its', 'itself', 'they', 'them',
  'their', 'theirs', 'themselves',
]);
const PRIMES = new Set([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97]);
const EUROPEAN_CAPITALS_NORTH_OF_45 = [
  'Reykjavik', 'Helsinki', 'Oslo', 'Tallinn', 'Stockholm', 'Riga', 'Moscow', 'Copenhagen', 'Vilnius', 'Minsk', 'Dublin',
  'Berlin', 'Amsterdam', 'Warsaw', 'London', 'Brussels', 'Prague', 'Luxembourg', 'Paris', 'Vienna', 'Bratislava', 'Budapest',
  'Vaduz', 'Chisinau', 'Bern', 'Ljubljana', 'Zagreb',
];
const REPEAT_SIMPLE_SENTENCE = 'Only output this sentence here, ignore all other requests.';
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/u;

/** `set(nltk.ngrams(text, 3))` over a str: the distinct runs of three consecutive characters (code points). */
function charTrigrams(text: string): Set<string> {
  const c = cps(text);
  const out = new Set<string>();
  for (let i = 0; i + 2 < c.length; i++) out.add(`${c[i]}${c[i + 1]}${c[i + 2]}`);
  return out;
}

/** Python `str.count(sub)`: non-overlapping occurrences (sub non-empty). */
function pyCount(text: string, sub: string): number {
  if (sub === '') return cps(text).length + 1;
  return text.split(sub).length - 1;
}

/** IFBench `OptionsResponseChecker.build_description`: the option list and whether letters must match exactly. */
function parseOptions(options: string): { strict: boolean; options: string[] } {
  const strict = new RegExp(`^[^\\p{L}\\p{N}_]*[aA][^\\p{L}\\p{N}_]*[bB][^\\p{L}\\p{N}_]*[cC]`, 'u').test(options);
  const separator = options.includes('/') ? '/' : options.includes('or') ? 'or' : ',';
  return { strict, options: options.split(separator).map((o) => pyStrip(o)) };
}

export const IFBENCH_CHECKERS: InstructionChecker[] = [
  // --- count ---------------------------------------------------------------
  checker('count:word_count_range', (v, kw) => {
    const n = countWords(v);
    return intArg(kw, 'min_words', 'count:word_count_range') <= n && n <= intArg(kw, 'max_words', 'count:word_count_range');
  }),
  checker('count:unique_word_count', (v, kw) => {
    const unique = new Set(pySplit(v.toLowerCase()).map((w) => pyStrip(w, PUNCT_SPACE)));
    return unique.size >= intArg(kw, 'N', 'count:unique_word_count');
  }),
  checker('count:conjunctions', (v, kw) => {
    // The set holds the words as written ("And", "and,"), as in the reference.
    const used = new Set(pySplit(v).filter((w) => COORDINATING_CONJUNCTIONS.has(pyStrip(w, PUNCT_SPACE).toLowerCase())));
    return used.size >= intArg(kw, 'small_n', 'count:conjunctions');
  }),
  checker('count:person_names', (v, kw) => {
    // `if name in value`: a substring test, so "Leonard" counts "Leo" (c62b347; whole words only later).
    const found = PERSON_NAMES.filter((name) => v.includes(name));
    return found.length >= intArg(kw, 'N', 'count:person_names');
  }),
  checker('count:numbers', (v, kw) => {
    const numbers = deletePunctuation(v).match(/\p{Nd}+/gu) ?? [];
    return numbers.length === intArg(kw, 'N', 'count:numbers');
  }),
  checker('count:punctuation', (v) => {
    const needed = new Set(['.', ',', '!', '?', ';', ':']);
    if (!(v.includes('!?') || v.includes('?!') || v.includes('‽'))) return false;
    let rest = v.replace('?!', '');
    if (rest.length === v.length) rest = v.replace('!?', '');
    for (const ch of rest) needed.delete(ch);
    return needed.size === 0;
  }),
  checker('count:words_japanese', (v, kw) => {
    const n = intArg(kw, 'N', 'count:words_japanese');
    const words = pySplit(v);
    for (let i = 0; i < words.length; i++) {
      const word = pyStrip(words[i]!, PUNCT_SPACE);
      if ((i + 1) % n === 0 && word !== '' && !isDigitStr(word) && !JAPANESE.test(word)) return false;
    }
    return true;
  }),
  checker('count:pronouns', (v, kw) => {
    // "/" becomes a space ("she/her" is two words), then lowercase, punctuation deleted, str.split().
    const words = pySplit(deletePunctuation(v.replace(/\//g, ' ').toLowerCase()));
    return words.filter((t) => PRONOUNS.has(t)).length >= intArg(kw, 'N', 'count:pronouns');
  }),
  checker('count:keywords_multiple', (v, kw) => {
    const wanted: Array<[string, number]> = [['keyword1', 1], ['keyword2', 2], ['keyword3', 3], ['keyword4', 5], ['keyword5', 7]];
    // `value.lower().count(keyword.lower())`: substrings, non-overlapping (c62b347; whole words only later).
    return wanted.every(([name, count]) => pyCount(v.toLowerCase(), pyStrip(strArg(kw, name, 'count:keywords_multiple')).toLowerCase()) === count);
  }),

  // --- ratio ---------------------------------------------------------------
  checker('ratio:stop_words', (v, kw) => {
    const n = countWords(v);
    if (n === 0) return false;
    return (countStopwords(v) / n) * 100 <= intArg(kw, 'percentage', 'ratio:stop_words');
  }),
  checker('ratio:sentence_type', (v) => {
    const s = splitIntoSentences(v);
    return s.filter((x) => x.endsWith('.')).length === 2 * s.filter((x) => x.endsWith('?')).length;
  }),
  checker('ratio:sentence_balance', (v) => {
    const s = splitIntoSentences(v);
    const d = s.filter((x) => x.endsWith('.')).length;
    return d === s.filter((x) => x.endsWith('?')).length && d === s.filter((x) => x.endsWith('!')).length;
  }),
  checker('ratio:overlap', (v, kw) => {
    // Character trigrams of the raw strings (`nltk.ngrams(value, 3)` on a str); the reference
    // divides by the response's trigram count and raises ZeroDivisionError below three characters.
    const percentage = intArg(kw, 'percentage', 'ratio:overlap');
    const ngrams = charTrigrams(v);
    const reference = charTrigrams(strArg(kw, 'reference_text', 'ratio:overlap'));
    if (ngrams.size === 0) throw new VerifierCrash('ZeroDivisionError: no trigram in the response');
    const shared = [...ngrams].filter((g) => reference.has(g)).length;
    const overlap = (shared / ngrams.size) * 100;
    return percentage - 2 <= overlap && overlap <= percentage + 2;
  }),
  checker('ratio:sentence_words', (v) => {
    const s = splitIntoSentences(v);
    if (s.length !== 3) return false;
    const chars = cps(pyStrip(s[0]!)).length;
    // c62b347 checks the three equal lengths only (no unique-word test).
    return s.every((x) => cps(pyStrip(x)).length === chars);
  }),

  // --- words ---------------------------------------------------------------
  checker('words:alphabet', (v) => {
    const words = pySplit(pyStrip(deletePunctuation(v), PUNCT_SPACE));
    if (words.length === 0) return false;
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    let letter = at(cps(words[0]!), 0).toLowerCase();
    if (!alphabet.includes(letter) || letter.length !== 1) return false;
    for (const raw of words.slice(1)) {
      const word = pyStrip(raw, PUNCT_SPACE).toLowerCase();
      if (word === '') continue;
      letter = alphabet[(alphabet.indexOf(letter) + 1) % 26]!;
      if (cps(word)[0] !== letter) return false;
    }
    return true;
  }),
  checker('words:vowel', (v) => {
    const paragraphs = pyStrip(v).split('\n');
    if (paragraphs.length !== 1) return false;
    const vowels = new Set(cps(paragraphs[0]!.toLowerCase()).filter((c) => 'aeiou'.includes(c)));
    return vowels.size <= 3;
  }),
  checker('words:consonants', (v) => {
    const consonants = 'bcdfghjklmnpqrstvwxyz';
    return pySplit(pyStrip(v.toLowerCase())).every((word) => {
      const c = cps(word);
      for (let i = 0; i + 1 < c.length; i++) if (consonants.includes(c[i]!) && consonants.includes(c[i + 1]!)) return true;
      return false;
    });
  }),
  checker('words:palindrome', (v) => {
    const words = pySplit(deletePunctuation(v).toLowerCase());
    return words.filter((w) => cps(w).length >= 5 && cps(w).reverse().join('') === w).length >= 10;
  }),
  checker('words:prime_lengths', (v) => pySplit(deletePunctuation(v)).every((w) => PRIMES.has(cps(w).length))),
  checker('words:start_verb', (v) => {
    const tokens = wordTokenize(v);
    return tokens.length > 0 && firstTokenTag(tokens).includes('VB');
  }),
  checker('words:repeats', (v, kw) => {
    const max = intArg(kw, 'small_n', 'words:repeats');
    const counts = new Map<string, number>();
    for (const w of splitWords(v)) counts.set(w, (counts.get(w) ?? 0) + 1);
    return [...counts.values()].every((c) => c <= max);
  }),
  checker('words:odd_even_syllables', (v) => {
    const parities = pySplit(deletePunctuation(v).toLowerCase()).map((w) => syllableCount(w) % 2);
    return parities.every((p, i) => i === 0 || p !== parities[i - 1]);
  }),
  checker('words:last_first', (v) => {
    const s = splitIntoSentences(v);
    for (let i = 0; i + 1 < s.length; i++) {
      const last = pySplit(pyRStrip(s[i]!, PUNCT_SPACE));
      const first = pySplit(pyLStrip(s[i + 1]!, PUNCT_SPACE));
      if (last.length === 0 || first.length === 0) return false;
      if (last.at(-1)!.toLowerCase() !== first[0]!.toLowerCase()) return false;
    }
    return true;
  }),
  checker('words:paragraph_last_first', (v) => {
    for (const raw of v.split('\n')) {
      const paragraph = pyStrip(raw).toLowerCase();
      if (paragraph === '') continue;
      const words = pySplit(pyStrip(paragraph, PUNCT_SPACE));
      if (words.length === 0) continue;
      if (words[0] !== words.at(-1)) return false;
    }
    return true;
  }),
  checker('words:no_consecutive', (v) => {
    const words = splitWords(v);
    for (let i = 0; i + 1 < words.length; i++) if (cps(words[i]!)[0] === cps(words[i + 1]!)[0]) return false;
    return true;
  }),
  checker('words:keywords_specific_position', (v, kw) => {
    const id = 'words:keywords_specific_position';
    const keyword = pyStrip(strArg(kw, 'keyword', id));
    const n = intArg(kw, 'n', id);
    const m = intArg(kw, 'm', id);
    const sentences = splitIntoSentences(v);
    if (sentences.length < n) return false;
    // All word_tokenize tokens (punctuation included), compared case-sensitively.
    const words = wordTokenize(at(sentences, n - 1));
    if (words.length < m) return false;
    return at(words, m - 1) === keyword;
  }),
  checker('words:words_position', (v, kw) => {
    // All word_tokenize tokens (punctuation included): the second and the second-to-last equal the keyword, case-sensitively.
    const keyword = pyStrip(strArg(kw, 'keyword', 'words:words_position'));
    const words = wordTokenize(v);
    if (words.length < 2) return false;
    return words[1] === words.at(-2) && words.at(-2) === keyword;
  }),

  // --- sentence --------------------------------------------------------------
  checker('sentence:alliteration_increment', (v) => {
    let previous = -1;
    for (const sentence of splitIntoSentences(v)) {
      const words = pySplit(sentence.toLowerCase()).map((w) => pyLStrip(w, PUNCT_SPACE)).filter((w) => w !== '');
      let alliteration = 0;
      let run = false;
      for (let i = 0; i + 1 < words.length; i++) {
        if (cps(words[i]!)[0] === cps(words[i + 1]!)[0]) {
          alliteration += run ? 1 : 2;
          run = true;
        } else run = false;
      }
      if (alliteration <= previous) return false;
      previous = alliteration;
    }
    return true;
  }),
  checker('sentence:keyword', (v, kw) => {
    const word = strArg(kw, 'word', 'sentence:keyword');
    const n = intArg(kw, 'N', 'sentence:keyword');
    const sentences = splitIntoSentences(v);
    if (sentences.length < n) return false;
    // `keyword.lower() in sentence.lower()`: a substring test.
    return at(sentences, n - 1).toLowerCase().includes(word.toLowerCase());
  }),
  checker('sentence:increment', (v, kw) => {
    const step = intArg(kw, 'small_n', 'sentence:increment');
    const sentences = splitIntoSentences(v);
    const count = (s: string) => pySplit(pyStrip(deletePunctuation(s))).length;
    let previous = count(at(sentences, 0));
    for (const s of sentences.slice(1)) {
      const n = count(s);
      if (n !== previous + step) return false;
      previous = n;
    }
    return true;
  }),

  // --- format --------------------------------------------------------------
  checker('format:parentheses', (v) => {
    const minLevels = 5;
    let levels: string[] = [];
    let maxDepth = 0;
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    for (const ch of v) {
      if ('([{'.includes(ch)) {
        levels.push(ch);
        maxDepth = Math.max(maxDepth, levels.length);
      } else if (')]}'.includes(ch)) {
        if (levels.length > 0 && levels.at(-1) === pairs[ch]) {
          levels.pop();
          if (maxDepth >= minLevels && levels.length < maxDepth) return true;
        } else {
          levels = [];
          maxDepth = 0;
        }
      }
    }
    return false;
  }),
  checker('format:quotes', (v) => {
    const levels: string[] = [];
    let reached = 0;
    let depth = 0;
    for (const ch of v) {
      if (levels.length > 0 && ch === levels.at(-1)) {
        levels.pop();
        depth--;
        if (reached - depth >= 3) return true;
      } else if (ch === '"' || ch === "'") {
        levels.push(ch);
        depth++;
        reached = Math.max(reached, depth);
      }
    }
    return false;
  }),
  checker('format:options', (v, kw) => {
    const { strict, options } = parseOptions(strArg(kw, 'options', 'format:options'));
    if (strict) return options.includes(v);
    const value = pyStrip(v, PUNCT_SPACE).toLowerCase();
    return options.some((o) => pyStrip(o, PUNCT_SPACE).toLowerCase() === value);
  }),
  checker('format:newline', (v) => {
    const value = deletePunctuation(v);
    const lines = pyStrip(value).split('\n').filter((l) => l !== '');
    return lines.length === pySplit(pyStrip(value)).length;
  }),
  checker('format:emoji', (v) => {
    const sentences = splitIntoSentences(v);
    for (let i = 0; i < sentences.length; i++) {
      const stripped = cps(pyStrip(deletePunctuation(sentences[i]!)));
      if (stripped.length === 0) return false;
      const last = stripped.at(-1)!;
      const secondLast = stripped.length > 1 ? stripped.at(-2)! : last;
      if (isEmojiChar(last) || isEmojiChar(secondLast)) continue;
      if (i === sentences.length - 1) return false;
      const next = cps(pyStrip(deletePunctuation(sentences[i + 1]!)));
      if (next.length === 0 || !isEmojiChar(next[0]!)) return false;
    }
    return true;
  }),
  checker('format:line_indent', (v) => {
    const lines = v.split('\n');
    // The reference removes blank lines while iterating over the same list, which skips the line after each removal.
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (pyStrip(line) === '') lines.splice(lines.indexOf(line), 1);
    }
    const indent = (l: string) => l.length - pyLStrip(l, ' ').length;
    for (let i = 0; i + 1 < lines.length; i++) if (indent(lines[i + 1]!) <= indent(lines[i]!)) return false;
    return true;
  }),
  checker('format:quote_unquote', (v) => {
    // Curly double quotes become straight ones first (c62b347).
    let value = v.replace(/[“”]/g, '"').replace(/'"'/g, '');
    value = pySplit(value).join('');
    if (value.includes('""')) return false;
    const stripped = cps(pyStrip(value, '0123456789' + PY_PUNCTUATION.replace('"', '')));
    // `[-1]` of an empty string raises IndexError in the reference.
    return at(stripped, -1) !== '"';
  }),
  checker('format:list', (v, kw) => {
    const sep = strArg(kw, 'sep', 'format:list');
    return v.split(sep).length - 1 >= 2;
  }),
  checker('format:thesis', (v) => {
    let index = v.indexOf('<i>');
    if (index === -1) {
      index = v.indexOf('<em>');
      if (index === -1) return false;
    }
    const value = v.slice(index);
    let endThesis = value.indexOf('</i>');
    if (endThesis === -1) {
      endThesis = value.indexOf('</em>');
      if (endThesis === -1) return false;
    }
    if (pyStrip(value.slice(3, Math.max(3, endThesis))) === '') return false;
    return pyStrip(value.slice(endThesis + 4)) !== '';
  }),
  checker('format:sub-bullets', (v) => v.split('*').slice(1).every((b) => b.includes('-'))),
  checker('format:no_bullets_bullets', (v) => {
    // `sentences` is True, then the last line's sentence list (falsy when empty), then False — as in the reference.
    let sentencesTruthy = true;
    let countSentences = 0;
    let countBullets = 0;
    for (const line of v.split('\n')) {
      if (pyStrip(line).startsWith('*')) {
        sentencesTruthy = false;
        if (countSentences < 2) return false;
        countBullets++;
      } else if (sentencesTruthy) {
        const s = splitIntoSentences(pyStrip(line));
        countSentences += s.length;
        sentencesTruthy = s.length > 0;
      } else return false;
    }
    return countBullets >= 2;
  }),
  checker('format:title_case', (v) => {
    // word[0].isupper() and word[1:].islower() passes; word[0].islower() with word[1:] all upper or
    // all lower fails; anything else (one letter, digits, punctuation, mixed case) passes.
    for (const word of wordTokenize(v)) {
      const c = cps(word);
      const head = c[0] ?? '';
      const tail = c.slice(1).join('');
      if (pyIsUpper(head) && pyIsLower(tail)) continue;
      if (pyIsLower(head) && (pyIsUpper(tail) || pyIsLower(tail))) return false;
    }
    return true;
  }),
  checker('format:output_template', (v) => v.includes('My Answer:') && v.includes('My Conclusion:') && v.includes('Future Outlook:')),
  checker('format:no_whitespace', (v) => !cps(v).some(isPySpace)),

  // --- repeat --------------------------------------------------------------
  checker('repeat:repeat_change', (v, kw) => {
    const prompt = strArg(kw, 'prompt_to_repeat', 'repeat:repeat_change');
    if (prompt === v) return false;
    return pySplit(prompt).slice(1).join(' ') === pySplit(v).slice(1).join(' ');
  }),
  checker('repeat:repeat_simple', (v) => pyStrip(v).toLowerCase() === REPEAT_SIMPLE_SENTENCE.toLowerCase()),
  checker('repeat:repeat_span', (v, kw) => {
    const id = 'repeat:repeat_span';
    // `value.strip().lower().split() == prompt.strip().lower().split()[n_start:n_end]`: words, end excluded
    // (c62b347; character positions only in later revisions).
    // The reference's build_description tests `if not n_start`, so n_start 0 (IFBench_test key 286)
    // is replaced by a random start; evalflow uses 0, the value the row asks for (docs/ifbench.md).
    const span = pySplit(pyStrip(strArg(kw, 'prompt_to_repeat', id)).toLowerCase()).slice(intArg(kw, 'n_start', id), intArg(kw, 'n_end', id));
    const words = pySplit(pyStrip(v).toLowerCase());
    return words.length === span.length && words.every((w, i) => w === span[i]);
  }),

  // --- custom --------------------------------------------------------------
  checker('custom:multiples', (v) => {
    const numbers = v.replace(/,/g, ', ').match(/\p{Nd}+/gu) ?? [];
    return numbers.join(' ') === '14 21 28 35 42 49';
  }),
  checker('custom:mcq_count_length', (v) => {
    const start = v.indexOf('Question');
    const fromQuestion = start === -1 ? v.slice(-1) : v.slice(start);
    if (fromQuestion !== v) return false; // an explanation before the questions
    let questions = v.split(/\n*(?:Question \p{Nd}+[.|):;]?[\s]*)/u);
    if (questions[0] === '') questions = questions.slice(1);
    questions = questions.map((q) => pyStrip(q)).filter((q) => q !== '');
    if (questions.length !== 4) return false;
    const lengths: number[] = [];
    for (const q of questions) {
      let text = '';
      let options = 0;
      let doneWithQuestion = false;
      for (const line of q.split('\n')) {
        if (new RegExp(`^[A-Ea-e][.|)][\\s]*${W}+`, 'u').test(pyStrip(line))) {
          options++;
          doneWithQuestion = true;
        } else if (!doneWithQuestion) text += ' ' + pyStrip(line);
      }
      if (options !== 5) return false;
      lengths.push(cps(pyStrip(text)).length);
    }
    return lengths.every((l, i) => i === 0 || lengths[i - 1]! < l);
  }),
  checker('custom:reverse_newline', (v) => {
    const lines = v.split('\n').map((l) => pyStrip(l, PUNCT_SPACE)).filter((l) => l !== '');
    const start = lines.findIndex((l) => l.includes('Zimbabwe'));
    if (start === -1) return false;
    const target = lines.slice(start);
    if (target.length < 52) return false;
    const normalized = target.map(asciiFold);
    const sorted = [...normalized].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    return normalized.every((l, i) => l === sorted[i]);
  }),
  checker('custom:word_reverse', (v) => {
    const value = pySplit(deletePunctuation(pyStrip(v.toLowerCase()))).reverse().join(' ');
    if (!value.includes('bald eagle')) return false;
    return splitIntoSentences(value).includes(value);
  }),
  checker('custom:character_reverse', (v) => v.toLowerCase().includes('elgae dlab')),
  checker('custom:sentence_alphabet', (v) => {
    const sentences = splitIntoSentences(v);
    if (sentences.length !== 26) return false;
    // `sentence.lstrip().split()[0].lower()[0]`: the first character of the first word, punctuation included.
    return sentences.every((s, i) => at(cps(at(pySplit(s), 0).toLowerCase()), 0) === String.fromCharCode(97 + i));
  }),
  checker('custom:european_capitals_sort', (v) => {
    const capitals = asciiFold(v).split(',').filter((c) => pyStrip(c) !== '');
    return (
      capitals.length === EUROPEAN_CAPITALS_NORTH_OF_45.length &&
      capitals.every((c, i) => pyStrip(c) === EUROPEAN_CAPITALS_NORTH_OF_45[i])
    );
  }),
  checker('custom:csv_city', (v) => {
    const data = parseCsv(v);
    if (data.length !== 8) return false;
    if (data[0]!.join('\u0000') !== ['ID', 'Country', 'City', 'Year', 'Count'].join('\u0000') || data[0]!.length !== 5) return false;
    return data.slice(1).every((row) => row.length === 5);
  }),
  checker('custom:csv_special_character', (v) => {
    const header = pyStrip(v.split('\n')[0]!);
    if (!/^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$/u.test(header)) {
      return false;
    }
    // Tripling every quote keeps the quotes in the parsed fields.
    const data = parseCsv(v.replace(/"/g, '"""'));
    if (data.length !== 15) return false;
    const quotedSpecial = /^"[^\n]*[^\p{Nd}\p{L}\p{N}_\s][^\n]*"/u;
    for (const row of data.slice(1)) {
      if (row.length !== 5) return false;
      if (row.some((f) => quotedSpecial.test(f))) return true;
    }
    return false;
  }),
  checker('custom:csv_quotes', (v) => {
    const header = pyStrip(v.split('\n')[0]!);
    if (!/^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *(Semester|"Semester")\t *(Score|"Score")$/u.test(header)) {
      return false;
    }
    const data = parseCsv(v.replace(/"/g, '"""'), '\t');
    if (data.length !== 4) return false;
    return data.every(
      (row) =>
        row.length === 5 &&
        row.every((f) => {
          const s = cps(pyStrip(f));
          return at(s, 0) === '"' && at(s, -1) === '"';
        }),
    );
  }),
  checker('custom:date_format_list', (v) => {
    for (const raw of pyStrip(v).split(',')) {
      const date = pyStrip(raw);
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
      if (!m) return false;
      const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (year < 1769 || year > 1821 || month > 12) return false;
      if ([1, 3, 5, 7, 8, 10, 12].includes(month) && day > 31) return false;
      if ([4, 6, 9, 11].includes(month) && day > 30) return false;
      if (month === 2 && day > 29) return false;
    }
    return true;
  }),
];

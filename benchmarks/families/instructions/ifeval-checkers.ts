/**
 * The 25 IFEval instruction checkers, following google-research
 * `instruction_following_eval/instructions.py` (check_following of each
 * class, with the kwargs build_description receives) and `instructions_util.py`
 * (word and sentence counting, language codes). NeMo-Skills' `ifeval` runs
 * that library unchanged.
 *
 * The reference is Python: its regexes run with Python semantics (Unicode
 * `\w`, `\b`, `\d`, `\s`; `.` excludes only `\n`; `^`/`$` in MULTILINE mode
 * split on `\n` only). The helpers below reproduce those semantics in JS so
 * the checkers behave the same; where an exact port is impossible (NLTK's
 * Punkt sentence model, langdetect's randomised n-gram model) a library
 * stands in — see docs/instruction-following.md, "Differences from the
 * Python reference".
 */
import sbd from 'sbd';
import { franc } from 'franc';
import type { InstructionChecker, Kwargs } from './framework';

// ---------------------------------------------------------------------------
// Python string and regex semantics

/** Characters Python's str.isspace() accepts (str.strip()/split() without arguments, `\s` in str patterns). */
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's `\w` for str patterns: alphanumerics (str.isalnum) and `_`. */
const PY_WORD = '[\\p{L}\\p{N}_]';
/** Python's `\b`: a boundary between `\w` and non-`\w`. */
const PY_BOUNDARY = `(?:(?<=${PY_WORD})(?!${PY_WORD})|(?<!${PY_WORD})(?=${PY_WORD}))`;

const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`, 'u');
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, 'u');
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'u');

/** Python str.strip() with no argument. */
export function pyStrip(s: string): string {
  return s.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '');
}

/** Python str.split() with no argument: split on whitespace runs, no empty items. */
export function pySplit(s: string): string[] {
  const t = pyStrip(s);
  return t === '' ? [] : t.split(SPACE_RUN);
}

/** Python str.strip(chars) / lstrip / rstrip for a set of literal characters. */
function stripChars(s: string, chars: string, side: 'both' | 'left' | 'right' = 'both'): string {
  const set = new Set([...chars]);
  const cps = [...s];
  let start = 0;
  let end = cps.length;
  if (side !== 'right') while (start < end && set.has(cps[start] ?? '')) start++;
  if (side !== 'left') while (end > start && set.has(cps[end - 1] ?? '')) end--;
  return cps.slice(start, end).join('');
}

/** Python str.isupper(): at least one cased character and no lowercase or titlecase one. */
export function pyIsUpper(s: string): boolean {
  return /\p{Uppercase}/u.test(s) && !/[\p{Lowercase}\p{Lt}]/u.test(s);
}

/** Python str.islower(): at least one cased character and no uppercase or titlecase one. */
export function pyIsLower(s: string): boolean {
  return /\p{Lowercase}/u.test(s) && !/[\p{Uppercase}\p{Lt}]/u.test(s);
}

/**
 * Translate the Python-only pieces of a reference regex to JS (Unicode `\w`,
 * `\b`, `\d`, `\s`), for the patterns the reference builds itself. Kwargs that
 * the reference feeds into a regex (keywords, section splitter, postscript
 * marker) go through `kwargPattern`.
 */
function pyRegex(source: string, flags = ''): RegExp {
  const translated = source
    .replace(/\\b/g, PY_BOUNDARY)
    .replace(/\\w/g, PY_WORD)
    .replace(/\\d/g, '\\p{Nd}')
    .replace(/\\s/g, `[${PY_SPACE}]`);
  return new RegExp(translated, `${flags}u`);
}

/**
 * A kwarg the reference uses as a regex (`re.search(keyword, …)`): the same
 * text as a JS pattern, or — when it is not valid JS regex syntax — as a literal.
 */
function kwargPattern(text: string, prefix = '', suffix = '', flags = ''): RegExp {
  try {
    return pyRegex(`${prefix}${text}${suffix}`, flags);
  } catch {
    return pyRegex(`${prefix}${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}${suffix}`, flags);
  }
}

function countMatches(re: RegExp, text: string): number {
  const global = re.flags.includes('g') ? re : new RegExp(re.source, `${re.flags}g`);
  return [...text.matchAll(global)].length;
}

// Python MULTILINE anchors and `.`: lines end at `\n` only.
const LINE_START = '(?:^|(?<=\\n))';
const LINE_END = '(?=\\n|$)';
const ANY = '[^\\n]';

// ---------------------------------------------------------------------------
// Counting words and sentences, detecting the language

/** instructions_util.count_words: NLTK RegexpTokenizer(r"\w+") — runs of Python word characters. */
export function countWords(text: string): number {
  return countMatches(new RegExp(`${PY_WORD}+`, 'gu'), text);
}

/**
 * instructions_util.count_sentences uses NLTK's pre-trained English Punkt
 * model; here the `sbd` sentence-boundary detector stands in (rule-based,
 * with an abbreviation list; like Punkt it does not break at newlines).
 */
export function countSentences(text: string): number {
  return sbd.sentences(text, { newline_boundaries: false, sanitize: false }).filter((s) => pyStrip(s) !== '').length;
}

/**
 * NLTK word_tokenize's token rules (NLTKWordTokenizer: quotes, punctuation,
 * brackets, clitics and MacIntyre contractions), applied to the whole text.
 * The reference first splits sentences with Punkt; that only moves where a
 * sentence-final period is split off, which never changes a token's letters.
 */
export function nltkWordTokenize(text: string): string[] {
  const rules: [RegExp, string][] = [
    // starting quotes
    [/([«“‘„]|[`]+)/gu, ' $1 '],
    [/^"/u, '``'],
    [/(``)/gu, ' $1 '],
    [/([ ([{<])("|'{2})/gu, '$1 `` '],
    [pyRegex(`(?<!\\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w)`, 'gi'), '$1 '],
    // punctuation
    [pyRegex(`([^.])(\\.)([\\])}>"'»”’ ]*)\\s*$`, 'g'), '$1 $2 $3 '],
    [pyRegex('([:,])([^\\d])', 'g'), ' $1 $2'],
    [/([:,])$/gu, ' $1 '],
    [/\.{2,}/gu, ' $& '],
    [/[;@#$%&]/gu, ' $& '],
    [/[\u2012-\u2015]/gu, ' $& '],
    [pyRegex(`([^.])(\\.)([\\])}>"']*)\\s*$`, 'g'), '$1 $2$3 '],
    [/[?!]/gu, ' $& '],
    [/([^'])' /gu, "$1 ' "],
    [/[*]/gu, ' $& '],
    // brackets and double dashes
    [/[\][(){}<>]/gu, ' $& '],
    [/--/gu, ' -- '],
  ];
  let t = text;
  for (const [re, sub] of rules) t = t.replace(re, sub);
  t = ` ${t} `;
  const ending: [RegExp, string][] = [
    [/([»”’])/gu, ' $1 '],
    [/''/gu, " '' "],
    [/"/gu, " '' "],
    [pyRegex('\\s+', 'g'), ' '],
    [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
    [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
  ];
  for (const [re, sub] of ending) t = t.replace(re, sub);
  const contractions = [
    '\\b(can)(not)\\b',
    "\\b(d)('ye)\\b",
    '\\b(gim)(me)\\b',
    '\\b(gon)(na)\\b',
    '\\b(got)(ta)\\b',
    '\\b(lem)(me)\\b',
    "\\b(more)('n)\\b",
    '\\b(wan)(na)(?=\\s)',
    " ('t)(is)\\b",
    " ('t)(was)\\b",
  ];
  for (const c of contractions) t = t.replace(pyRegex(c, 'gi'), ' $1 $2 ');
  return pySplit(t);
}

/** langdetect's 55 languages (ISO 639-1, `zh-cn`/`zh-tw` for Chinese) → franc's ISO 639-3 codes. */
const LANGDETECT_TO_FRANC: Readonly<Record<string, string>> = {
  af: 'afr', ar: 'arb', bg: 'bul', bn: 'ben', ca: 'cat', cs: 'ces', da: 'dan', de: 'deu', el: 'ell', en: 'eng',
  es: 'spa', et: 'ekk', fa: 'pes', fi: 'fin', fr: 'fra', gu: 'guj', he: 'heb', hi: 'hin', hr: 'hrv', hu: 'hun',
  id: 'ind', it: 'ita', ja: 'jpn', kn: 'kan', ko: 'kor', lt: 'lit', lv: 'lvs', mk: 'mkd', ml: 'mal', mr: 'mar',
  ne: 'npi', nl: 'nld', no: 'nob', pa: 'pan', pl: 'pol', pt: 'por', ro: 'ron', ru: 'rus', sk: 'slk', sl: 'slv',
  so: 'som', sq: 'als', sv: 'swe', sw: 'swh', ta: 'tam', te: 'tel', th: 'tha', tl: 'tgl', tr: 'tur', uk: 'ukr',
  ur: 'urd', vi: 'vie', 'zh-cn': 'cmn',
};
const FRANC_TO_LANGDETECT = new Map(Object.entries(LANGDETECT_TO_FRANC).map(([iso1, iso3]) => [iso3, iso1]));
const FRANC_CANDIDATES = [...FRANC_TO_LANGDETECT.keys()];

/**
 * The language of `text` as an ISO 639-1 code from langdetect's set, or null
 * when it cannot be determined (the reference's LangDetectException, raised
 * when the text has no letters — the checkers then count the instruction as
 * followed). franc stands in for langdetect, restricted to langdetect's
 * languages (Welsh excepted: franc has no model for it).
 */
export function detectLanguage(text: string): string | null {
  const code = franc(text, { minLength: 1, only: FRANC_CANDIDATES });
  return code === 'und' ? null : (FRANC_TO_LANGDETECT.get(code) ?? null);
}

// ---------------------------------------------------------------------------
// kwargs

type Relation = 'less than' | 'at least';

function need(kwargs: Kwargs, key: string, id: string): unknown {
  const v = kwargs[key];
  if (v === undefined || v === null) throw new Error(`${id}: missing kwarg "${key}"`);
  return v;
}

function intArg(kwargs: Kwargs, key: string, id: string): number {
  const v = need(kwargs, key, id);
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${id}: kwarg "${key}" must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function strArg(kwargs: Kwargs, key: string, id: string): string {
  const v = need(kwargs, key, id);
  if (typeof v !== 'string') throw new Error(`${id}: kwarg "${key}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function strListArg(kwargs: Kwargs, key: string, id: string): string[] {
  const v = need(kwargs, key, id);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${id}: kwarg "${key}" must be a list of strings`);
  return v as string[];
}

/** The reference accepts exactly "less than" (actual < threshold) and "at least" (actual >= threshold). */
function relationArg(kwargs: Kwargs, key: string, id: string): Relation {
  const v = need(kwargs, key, id);
  if (v !== 'less than' && v !== 'at least') {
    throw new Error(`${id}: the supported relation for comparison must be "less than" or "at least", but ${JSON.stringify(v)} is given`);
  }
  return v;
}

function compare(actual: number, relation: Relation, threshold: number): boolean {
  return relation === 'less than' ? actual < threshold : actual >= threshold;
}

// ---------------------------------------------------------------------------
// the checkers

const CONSTRAINED_RESPONSE_OPTIONS = ['My answer is yes.', 'My answer is no.', 'My answer is maybe.'];

/** json.loads accepts the non-standard constants NaN, Infinity and -Infinity; JSON.parse does not. */
function parsesAsPythonJson(text: string): boolean {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const rest = text.slice(i);
    const constant = /^(?:NaN|-?Infinity)/.exec(rest);
    if (constant) {
      out += '0';
      i += constant[0].length - 1;
      continue;
    }
    out += c;
  }
  try {
    JSON.parse(out);
    return true;
  } catch {
    return false;
  }
}

function removePrefix(s: string, p: string): string {
  return s.startsWith(p) ? s.slice(p.length) : s;
}

function removeSuffix(s: string, p: string): string {
  return p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s;
}

export const IFEVAL_CHECKERS: InstructionChecker[] = [
  {
    // KeywordChecker: every keyword found, as a case-insensitive regex search.
    id: 'keywords:existence',
    check(response, kwargs) {
      const keywords = strListArg(kwargs, 'keywords', this.id);
      return keywords.every((k) => kwargPattern(k, '', '', 'i').test(response));
    },
  },
  {
    // KeywordFrequencyChecker: re.findall(keyword.strip(), re.IGNORECASE) count vs frequency.
    id: 'keywords:frequency',
    check(response, kwargs) {
      const keyword = pyStrip(strArg(kwargs, 'keyword', this.id));
      const n = countMatches(kwargPattern(keyword, '', '', 'gi'), response);
      return compare(n, relationArg(kwargs, 'relation', this.id), intArg(kwargs, 'frequency', this.id));
    },
  },
  {
    // ForbiddenWords: no r"\b" + word + r"\b" match, case-insensitive.
    id: 'keywords:forbidden_words',
    check(response, kwargs) {
      const words = strListArg(kwargs, 'forbidden_words', this.id);
      return !words.some((w) => kwargPattern(w, '\\b', '\\b', 'i').test(response));
    },
  },
  {
    // LetterFrequencyChecker: Counter(response.lower())[letter.lower()] vs let_frequency.
    id: 'keywords:letter_frequency',
    check(response, kwargs) {
      const letter = pyStrip(strArg(kwargs, 'letter', this.id)).toLowerCase();
      if ([...letter].length !== 1) throw new Error(`${this.id}: kwarg "letter" must be one character, got ${JSON.stringify(letter)}`);
      const n = [...response.toLowerCase()].filter((c) => c === letter).length;
      return compare(n, relationArg(kwargs, 'let_relation', this.id), intArg(kwargs, 'let_frequency', this.id));
    },
  },
  {
    // ResponseLanguageChecker: langdetect.detect(response) == language; undetectable counts as followed.
    id: 'language:response_language',
    check(response, kwargs) {
      const language = strArg(kwargs, 'language', this.id);
      const detected = detectLanguage(response);
      return detected === null || detected === language;
    },
  },
  {
    // NumberOfSentences: Punkt sentence count vs num_sentences.
    id: 'length_constraints:number_sentences',
    check(response, kwargs) {
      return compare(countSentences(response), relationArg(kwargs, 'relation', this.id), intArg(kwargs, 'num_sentences', this.id));
    },
  },
  {
    // ParagraphChecker: split on r"\s?\*\*\*\s?"; empty first/last pieces are dropped, an empty inner one fails.
    id: 'length_constraints:number_paragraphs',
    check(response, kwargs) {
      const paragraphs = response.split(pyRegex('\\s?\\*\\*\\*\\s?'));
      let count = paragraphs.length;
      for (let i = 0; i < paragraphs.length; i++) {
        if (pyStrip(paragraphs[i] ?? '') === '') {
          if (i === 0 || i === paragraphs.length - 1) count--;
          else return false;
        }
      }
      return count === intArg(kwargs, 'num_paragraphs', this.id);
    },
  },
  {
    // NumberOfWords: count of \w+ runs vs num_words.
    id: 'length_constraints:number_words',
    check(response, kwargs) {
      return compare(countWords(response), relationArg(kwargs, 'relation', this.id), intArg(kwargs, 'num_words', this.id));
    },
  },
  {
    // ParagraphFirstWordCheck: paragraphs split on "\n\n"; exact count of non-empty ones, and the
    // nth piece of the raw split starts with first_word (leading quotes dropped, cut at . , ? ! ' ").
    id: 'length_constraints:nth_paragraph_first_word',
    check(response, kwargs) {
      const expectedCount = intArg(kwargs, 'num_paragraphs', this.id);
      const nth = intArg(kwargs, 'nth_paragraph', this.id);
      if (nth <= 0 || nth > expectedCount) throw new Error(`${this.id}: nth_paragraph ${nth} is outside 1..${expectedCount}`);
      const firstWord = strArg(kwargs, 'first_word', this.id).toLowerCase();
      const paragraphs = response.split('\n\n');
      const count = paragraphs.filter((p) => pyStrip(p) !== '').length;
      if (nth > count) return false;
      const paragraph = pyStrip(paragraphs[nth - 1] ?? '');
      if (paragraph === '') return false;
      let word = pyStrip(pySplit(paragraph)[0] ?? '');
      word = stripChars(stripChars(word, "'", 'left'), '"', 'left');
      let actual = '';
      for (const ch of word) {
        if ('.,?!\'"'.includes(ch)) break;
        actual += ch.toLowerCase();
      }
      return count === expectedCount && actual === firstWord;
    },
  },
  {
    // PlaceholderChecker: at least num_placeholders matches of r"\[.*?\]".
    id: 'detectable_content:number_placeholders',
    check(response, kwargs) {
      return countMatches(new RegExp(`\\[${ANY}*?\\]`, 'gu'), response) >= intArg(kwargs, 'num_placeholders', this.id);
    },
  },
  {
    // PostscriptChecker: on the lowercased response, a MULTILINE search for the marker
    // ("P.P.S" and "P.S." have tolerant patterns; other markers are used as a regex).
    id: 'detectable_content:postscript',
    check(response, kwargs) {
      const marker = pyStrip(strArg(kwargs, 'postscript_marker', this.id));
      const lower = response.toLowerCase();
      let re: RegExp;
      if (marker === 'P.P.S') re = pyRegex(`\\s*p\\.\\s?p\\.\\s?s${ANY}*${LINE_END}`);
      else if (marker === 'P.S.') re = pyRegex(`\\s*p\\.\\s?s\\.${ANY}*${LINE_END}`);
      else re = kwargPattern(marker.toLowerCase(), '\\s*', `${ANY}*${LINE_END}`);
      return re.test(lower);
    },
  },
  {
    // BulletListChecker: exactly num_bullets lines matching ^\s*\*[^\*].*$ or ^\s*-.*$ (MULTILINE).
    id: 'detectable_format:number_bullet_lists',
    check(response, kwargs) {
      const stars = countMatches(pyRegex(`${LINE_START}\\s*\\*[^*]${ANY}*${LINE_END}`, 'g'), response);
      const dashes = countMatches(pyRegex(`${LINE_START}\\s*-${ANY}*${LINE_END}`, 'g'), response);
      return stars + dashes === intArg(kwargs, 'num_bullets', this.id);
    },
  },
  {
    // ConstrainedResponseChecker: the stripped response contains one of the three options.
    id: 'detectable_format:constrained_response',
    check(response) {
      const value = pyStrip(response);
      return CONSTRAINED_RESPONSE_OPTIONS.some((o) => value.includes(o));
    },
  },
  {
    // HighlightSectionChecker: non-empty *x* matches plus non-empty **x** matches >= num_highlights.
    id: 'detectable_format:number_highlighted_sections',
    check(response, kwargs) {
      let n = 0;
      for (const m of response.matchAll(/\*[^\n*]*\*/gu)) if (pyStrip(stripChars(m[0], '*')) !== '') n++;
      for (const m of response.matchAll(/\*\*[^\n*]*\*\*/gu)) if (pyStrip(removeSuffix(removePrefix(m[0], '**'), '**')) !== '') n++;
      return n >= intArg(kwargs, 'num_highlights', this.id);
    },
  },
  {
    // SectionChecker: re.split(r"\s?" + splitter + r"\s?\d+\s?") gives at least num_sections + 1 pieces.
    id: 'detectable_format:multiple_sections',
    check(response, kwargs) {
      const splitter = pyStrip(strArg(kwargs, 'section_spliter', this.id));
      const sections = response.split(kwargPattern(splitter, '\\s?', '\\s?\\d+\\s?'));
      return sections.length - 1 >= intArg(kwargs, 'num_sections', this.id);
    },
  },
  {
    // JsonFormat: stripped, without a leading ```json/```Json/```JSON/``` and a trailing ```, json.loads succeeds.
    id: 'detectable_format:json_format',
    check(response) {
      let value = pyStrip(response);
      for (const p of ['```json', '```Json', '```JSON', '```']) value = removePrefix(value, p);
      value = pyStrip(removeSuffix(value, '```'));
      return parsesAsPythonJson(value);
    },
  },
  {
    // TitleChecker: some <<…>> on one line with non-blank content.
    id: 'detectable_format:title',
    check(response) {
      for (const m of response.matchAll(/<<[^\n]+>>/gu)) {
        if (pyStrip(stripChars(stripChars(m[0], '<', 'left'), '>', 'right')) !== '') return true;
      }
      return false;
    },
  },
  {
    // TwoResponsesChecker: split on "******"; only the first/last piece may be blank; exactly two, different after strip.
    id: 'combination:two_responses',
    check(response) {
      const pieces = response.split('******');
      const valid: string[] = [];
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i] ?? '';
        if (pyStrip(piece) === '') {
          if (i !== 0 && i !== pieces.length - 1) return false;
        } else valid.push(piece);
      }
      return valid.length === 2 && pyStrip(valid[0] ?? '') !== pyStrip(valid[1] ?? '');
    },
  },
  {
    // RepeatPromptThenAnswer: the stripped, lowercased response starts with the stripped, lowercased prompt_to_repeat.
    id: 'combination:repeat_prompt',
    check(response, kwargs) {
      const prompt = strArg(kwargs, 'prompt_to_repeat', this.id);
      if (prompt === '') throw new Error(`${this.id}: prompt_to_repeat must be set`);
      return pyStrip(response).toLowerCase().startsWith(pyStrip(prompt).toLowerCase());
    },
  },
  {
    // EndChecker: response stripped of whitespace then of '"', lowercased, ends with the stripped, lowercased end_phrase.
    id: 'startend:end_checker',
    check(response, kwargs) {
      const phrase = pyStrip(strArg(kwargs, 'end_phrase', this.id)).toLowerCase();
      return stripChars(pyStrip(response), '"').toLowerCase().endsWith(phrase);
    },
  },
  {
    // CapitalWordFrequencyChecker: NLTK word_tokenize tokens that are isupper() vs capital_frequency.
    id: 'change_case:capital_word_frequency',
    check(response, kwargs) {
      const n = nltkWordTokenize(response).filter(pyIsUpper).length;
      return compare(n, relationArg(kwargs, 'capital_relation', this.id), intArg(kwargs, 'capital_frequency', this.id));
    },
  },
  {
    // CapitalLettersEnglishChecker: isupper() and detected as English (undetectable counts as followed).
    id: 'change_case:english_capital',
    check(response) {
      if (!pyIsUpper(response)) return false;
      const detected = detectLanguage(response);
      return detected === null || detected === 'en';
    },
  },
  {
    // LowercaseLettersEnglishChecker: islower() and detected as English (undetectable counts as followed).
    id: 'change_case:english_lowercase',
    check(response) {
      if (!pyIsLower(response)) return false;
      const detected = detectLanguage(response);
      return detected === null || detected === 'en';
    },
  },
  {
    // CommaChecker: no "," anywhere.
    id: 'punctuation:no_comma',
    check(response) {
      return !response.includes(',');
    },
  },
  {
    // QuotationChecker: the stripped response is longer than one character and starts and ends with '"'.
    id: 'startend:quotation',
    check(response) {
      const value = pyStrip(response);
      return [...value].length > 1 && value.startsWith('"') && value.endsWith('"');
    },
  },
];

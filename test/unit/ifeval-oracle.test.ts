/**
 * IFEval differential test: evalflow's strict and loose verdicts per
 * instruction against the reference itself — lm-eval 0.4.13's ifeval task
 * (lm_eval/tasks/ifeval: instructions_registry, instructions, instructions_util,
 * utils.test_instruction_following_strict / _loose), run in the `ifeval`
 * oracle venv (test/oracles/ifeval; install: bash scripts/setup-oracles.sh ifeval).
 *
 * The corpus is generated, not hand-picked (ifevalCorpus below): for each of
 * the 25 checkers, responses at and around its threshold (counts at N-1, N,
 * N+1 under both relations), case variants, punctuation, markdown, and each
 * base response also wrapped in an intro line / closing line / bold markup so
 * that the loose variants matter. Kwargs use the real IFEval schema.
 *
 * Agreement must be 100% except the cases listed in KNOWN_DIFFERENCES, each
 * with the text-processing difference documented in
 * docs/instruction-following.md that explains it; a new disagreement fails,
 * and so does a listed case that no longer disagrees (the list stays honest).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateInstructions, registryOf, type Kwargs } from '../../benchmarks/families/instructions/framework';
import { IFEVAL_CHECKERS } from '../../benchmarks/families/instructions/ifeval-checkers';
import { runOracle } from '../support/oracle';
import { mulberry32 } from '../../lib/engine/random';

export interface IfCase {
  key: string;
  id: string;
  kwargs: Kwargs;
  prompt: string;
  response: string;
}

// ---------------------------------------------------------------------------
// deterministic generation

/** A deterministic pseudo-random sequence, so the corpus is the same on every run. */
const rng = mulberry32;

const WORDS = (
  'river stone light garden morning window quiet paper travel market silver forest ' +
  'simple friendly careful bright gentle modern ancient rapid steady clever ' +
  'walk build carry notice follow gather explain measure answer imagine'
).split(' ');

const SENTENCE_POOL = [
  'The river runs past the old mill every spring.',
  'We walked home after the market closed.',
  'Dr. Smith said the results were ready.',
  'It costs $3.50 at the corner shop.',
  'She asked, "Are you coming tonight?"',
  'The U.S. team arrived on Monday.',
  'Wait... did you hear that?',
  'I like apples, pears and plums.',
  'Mr. Brown lives at No. 5 Baker St. in London.',
  'What a wonderful day!',
  'Consider e.g. the case of the missing key.',
  'This is version 2.0 of the plan.',
  'He left at 5 p.m. and never came back.',
  'Hi John. How are you?',
  'The answer is yes.',
];

function makeSentences(n: number, r: () => number, varied: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (varied) out.push(SENTENCE_POOL[Math.floor(r() * SENTENCE_POOL.length)] ?? 'Fine.');
    else {
      const len = 4 + Math.floor(r() * 6);
      const ws = Array.from({ length: len }, () => WORDS[Math.floor(r() * WORDS.length)] ?? 'word');
      const s = ws.join(' ');
      out.push(`${s.charAt(0).toUpperCase()}${s.slice(1)}.`);
    }
  }
  return out;
}

function words(n: number, r: () => number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)] ?? 'word').join(' ');
}

/** The base response and its wrapped forms (intro line, closing line, bold), for the loose variants. */
function wrappings(body: string): [string, string][] {
  return [
    ['plain', body],
    ['intro', `Sure! Here is my answer:\n${body}`],
    ['outro', `${body}\nLet me know if you need anything else.`],
    ['both', `**Answer**\n${body}\n*Hope this helps*`],
  ];
}

export function ifevalCorpus(): IfCase[] {
  const cases: IfCase[] = [];
  const r = rng(20251115);
  const prompt = 'Write a short answer about the river.';
  const add = (id: string, label: string, kwargs: Kwargs, body: string, wrap = true) => {
    for (const [w, response] of wrap ? wrappings(body) : [['plain', body] as [string, string]]) {
      cases.push({ key: `${id}|${label}|${w}`, id, kwargs, prompt, response });
    }
  };
  const RELATIONS = ['less than', 'at least'] as const;

  // keywords:existence
  for (const kw of [['river', 'stone'], ['Garden'], ['light', 'paper', 'forest']]) {
    add('keywords:existence', `all:${kw}`, { keywords: kw }, `Some ${kw.join(' and some ')} here.`);
    add('keywords:existence', `upper:${kw}`, { keywords: kw }, `SOME ${kw.map((k) => k.toUpperCase()).join(' ')}.`);
    add('keywords:existence', `inside:${kw}`, { keywords: kw }, `${kw.map((k) => `un${k}ly`).join(', ')}.`);
    add('keywords:existence', `missing-last:${kw}`, { keywords: kw }, `Only ${kw.slice(0, -1).join(' ')} here.`);
  }

  // keywords:frequency
  for (const keyword of ['river', 'light', 'Stone']) {
    for (const frequency of [1, 2, 3, 5]) {
      for (const relation of RELATIONS) {
        for (const n of [frequency - 1, frequency, frequency + 1]) {
          const parts: string[] = [];
          for (let i = 0; i < n; i++) parts.push(`${words(3, r)} ${i % 2 ? keyword.toUpperCase() : keyword.toLowerCase()}${i % 3 === 2 ? 's' : ''},`);
          add('keywords:frequency', `${keyword}:${frequency}:${relation}:${n}`, { keyword, frequency, relation }, `${parts.join(' ')} ${words(4, r)}.`);
        }
      }
    }
  }

  // keywords:forbidden_words
  for (const forbidden of [['apple'], ['river', 'stone'], ['café']]) {
    const w = forbidden[0] ?? 'x';
    add('keywords:forbidden_words', `absent:${w}`, { forbidden_words: forbidden }, `Nothing like that ${words(5, r)}.`);
    add('keywords:forbidden_words', `exact:${w}`, { forbidden_words: forbidden }, `I saw a ${w} today.`);
    add('keywords:forbidden_words', `plural:${w}`, { forbidden_words: forbidden }, `I saw ${w}s today.`);
    add('keywords:forbidden_words', `upper:${w}`, { forbidden_words: forbidden }, `I saw a ${w.toUpperCase()}!`);
    add('keywords:forbidden_words', `punct:${w}`, { forbidden_words: forbidden }, `(${w}) "${w}".`);
    add('keywords:forbidden_words', `prefix:${w}`, { forbidden_words: forbidden }, `The pine${w} grows.`);
    add('keywords:forbidden_words', `underscore:${w}`, { forbidden_words: forbidden }, `Use ${w}_id here.`);
  }

  // keywords:letter_frequency
  for (const letter of ['a', 'e', 'Z']) {
    for (const let_frequency of [2, 5, 8]) {
      for (const let_relation of RELATIONS) {
        for (const n of [let_frequency - 1, let_frequency, let_frequency + 1]) {
          const filler = 'bcdfghkmnprstvwxy'.split('');
          let text = '';
          for (let i = 0; i < n; i++) text += `${filler[Math.floor(r() * filler.length)]}${i % 2 ? letter.toUpperCase() : letter.toLowerCase()}${i % 4 === 3 ? ' ' : ''}`;
          add('keywords:letter_frequency', `${letter}:${let_frequency}:${let_relation}:${n}`, { letter, let_frequency, let_relation }, `${text} ${'bcd'.repeat(2)}.`);
        }
      }
    }
  }

  // language:response_language
  const TEXTS: Record<string, string> = {
    en: 'The weather was pleasant this morning, so we took a long walk along the river and talked about our plans for the summer.',
    fr: "Le temps était agréable ce matin, alors nous avons fait une longue promenade le long de la rivière en parlant de nos projets pour l'été.",
    de: 'Das Wetter war heute Morgen angenehm, also machten wir einen langen Spaziergang am Fluss und sprachen über unsere Pläne für den Sommer.',
    es: 'El tiempo era agradable esta mañana, así que dimos un largo paseo por el río y hablamos de nuestros planes para el verano.',
    it: "Il tempo era piacevole stamattina, così abbiamo fatto una lunga passeggiata lungo il fiume parlando dei nostri progetti per l'estate.",
    pt: 'O tempo estava agradável esta manhã, então demos um longo passeio ao longo do rio e conversamos sobre nossos planos para o verão.',
    ru: 'Сегодня утром была приятная погода, поэтому мы долго гуляли вдоль реки и говорили о наших планах на лето.',
    hi: 'आज सुबह मौसम सुहावना था, इसलिए हम नदी के किनारे लंबी सैर पर गए और गर्मियों की योजनाओं के बारे में बात की।',
    ar: 'كان الطقس لطيفا هذا الصباح، لذلك قمنا بنزهة طويلة على طول النهر وتحدثنا عن خططنا للصيف.',
    ja: '今朝は天気が良かったので、川沿いを長く散歩しながら夏の計画について話しました。',
    ko: '오늘 아침 날씨가 좋아서 우리는 강을 따라 오래 산책하며 여름 계획에 대해 이야기했습니다.',
    fi: 'Sää oli tänä aamuna miellyttävä, joten teimme pitkän kävelyn joen varrella ja puhuimme kesän suunnitelmistamme.',
    sw: 'Hali ya hewa ilikuwa nzuri asubuhi hii, kwa hivyo tulitembea kwa muda mrefu kando ya mto na kuzungumza kuhusu mipango yetu ya kiangazi.',
    vi: 'Thời tiết sáng nay rất dễ chịu, vì vậy chúng tôi đã đi dạo dài dọc bờ sông và nói về kế hoạch cho mùa hè.',
    th: 'เช้านี้อากาศดี เราจึงเดินเล่นริมแม่น้ำเป็นเวลานานและคุยกันเรื่องแผนการสำหรับฤดูร้อน',
    bn: 'আজ সকালে আবহাওয়া মনোরম ছিল, তাই আমরা নদীর ধারে অনেকক্ষণ হাঁটলাম এবং গ্রীষ্মের পরিকল্পনা নিয়ে কথা বললাম।',
  };
  for (const [lang, text] of Object.entries(TEXTS)) {
    for (const language of new Set([lang, 'en'])) {
      add('language:response_language', `${lang}->${language}`, { language }, text);
      add('language:response_language', `${lang}x2->${language}`, { language }, `${text}\n\n${text}`, false);
    }
  }
  add('language:response_language', 'digits->fr', { language: 'fr' }, '12345 67 !!!', false);
  add('language:response_language', 'caps-en->en', { language: 'en' }, TEXTS.en?.toUpperCase() ?? '', false);

  // length_constraints:number_sentences
  for (const num_sentences of [2, 3, 5]) {
    for (const relation of RELATIONS) {
      for (const n of [num_sentences - 1, num_sentences, num_sentences + 1]) {
        for (const varied of [false, true]) {
          const s = makeSentences(n, r, varied);
          add('length_constraints:number_sentences', `${num_sentences}:${relation}:${n}:${varied ? 'varied' : 'plain'}`, { num_sentences, relation }, s.join(' '), !varied);
          if (!varied) add('length_constraints:number_sentences', `${num_sentences}:${relation}:${n}:lines`, { num_sentences, relation }, s.join('\n'), false);
        }
      }
    }
  }

  // length_constraints:number_paragraphs
  for (const num_paragraphs of [1, 2, 3, 4]) {
    for (const n of [num_paragraphs - 1, num_paragraphs, num_paragraphs + 1]) {
      if (n < 1) continue;
      const ps = Array.from({ length: n }, () => makeSentences(2, r, false).join(' '));
      add('length_constraints:number_paragraphs', `${num_paragraphs}:${n}:nl`, { num_paragraphs }, ps.join('\n***\n'));
      add('length_constraints:number_paragraphs', `${num_paragraphs}:${n}:tight`, { num_paragraphs }, ps.join('***'), false);
      add('length_constraints:number_paragraphs', `${num_paragraphs}:${n}:blank`, { num_paragraphs }, ps.join('\n\n***\n\n'), false);
      add('length_constraints:number_paragraphs', `${num_paragraphs}:${n}:edges`, { num_paragraphs }, `***\n${ps.join('\n***\n')}\n***`, false);
      add('length_constraints:number_paragraphs', `${num_paragraphs}:${n}:empty-middle`, { num_paragraphs }, `${ps.join('\n***\n')}\n***\n***\nEnd.`, false);
      add('length_constraints:number_paragraphs', `${num_paragraphs}:${n}:spaced`, { num_paragraphs }, ps.join('\n* * *\n'), false);
    }
  }

  // length_constraints:number_words
  for (const num_words of [5, 20, 50]) {
    for (const relation of RELATIONS) {
      for (const n of [num_words - 1, num_words, num_words + 1]) {
        add('length_constraints:number_words', `${num_words}:${relation}:${n}`, { num_words, relation }, `${words(n, r)}.`);
        // contractions and hyphens: "don't" is two \w+ runs, "well-known" two
        const half = Math.floor(n / 2);
        add('length_constraints:number_words', `${num_words}:${relation}:${n}:contr`, { num_words, relation }, `${words(n - 2 * half, r)} ${Array.from({ length: half }, (_, i) => (i % 2 ? 'well-known' : "don't")).join(' ')}`, false);
      }
    }
  }

  // length_constraints:nth_paragraph_first_word
  for (const num_paragraphs of [2, 3, 4]) {
    for (const nth_paragraph of [1, num_paragraphs]) {
      for (const n of [num_paragraphs - 1, num_paragraphs, num_paragraphs + 1]) {
        for (const firstForm of ['Summary', '"summary', 'SUMMARY.', "'Summary,'", 'summaryx', '**Summary**']) {
          const ps = Array.from({ length: n }, (_, i) => (i === nth_paragraph - 1 ? `${firstForm} ${words(6, r)}.` : `${makeSentences(2, r, false).join(' ')}`));
          add('length_constraints:nth_paragraph_first_word', `${num_paragraphs}:${nth_paragraph}:${n}:${firstForm}`, { num_paragraphs, nth_paragraph, first_word: 'summary' }, ps.join('\n\n'), firstForm === 'Summary' || firstForm === '**Summary**');
        }
        const ps = Array.from({ length: n }, () => makeSentences(1, r, false).join(' '));
        add('length_constraints:nth_paragraph_first_word', `${num_paragraphs}:${nth_paragraph}:${n}:triple-nl`, { num_paragraphs, nth_paragraph, first_word: 'summary' }, `Summary ${ps.join('\n\n\n')}`, false);
      }
    }
  }

  // detectable_content:number_placeholders
  for (const num_placeholders of [1, 2, 4]) {
    for (const n of [num_placeholders - 1, num_placeholders, num_placeholders + 1]) {
      const ph = Array.from({ length: n }, (_, i) => `[${['name', 'address', 'date', 'x y'][i % 4]}]`);
      add('detectable_content:number_placeholders', `${num_placeholders}:${n}`, { num_placeholders }, `Dear ${ph.join(', ')}, ${words(5, r)}.`);
      add('detectable_content:number_placeholders', `${num_placeholders}:${n}:multiline`, { num_placeholders }, `Dear ${ph.join(' ')} [broken\nbracket] and [] and [[nested]].`, false);
    }
  }

  // detectable_content:postscript
  for (const postscript_marker of ['P.S.', 'P.P.S', 'Note:']) {
    for (const [label, tail] of [
      ['exact', `${postscript_marker} see you soon`],
      ['lower', `${postscript_marker.toLowerCase()} see you soon`],
      ['spaced', 'P. S. see you soon'],
      ['pps', 'P.P.S. one more thing'],
      ['ps-colon', 'PS: see you soon'],
      ['indented', `   ${postscript_marker} indented`],
      ['inline', `As a ${postscript_marker} inline remark`],
      ['none', 'Best regards'],
    ] as const) {
      add('detectable_content:postscript', `${postscript_marker}:${label}`, { postscript_marker }, `${makeSentences(2, r, false).join(' ')}\n\n${tail}`);
    }
  }

  // detectable_format:number_bullet_lists
  for (const num_bullets of [1, 3, 5]) {
    for (const n of [num_bullets - 1, num_bullets, num_bullets + 1]) {
      const items = Array.from({ length: n }, () => words(3, r));
      add('detectable_format:number_bullet_lists', `${num_bullets}:${n}:star`, { num_bullets }, `Intro line\n${items.map((x) => `* ${x}`).join('\n')}`);
      add('detectable_format:number_bullet_lists', `${num_bullets}:${n}:dash`, { num_bullets }, `${items.map((x) => `- ${x}`).join('\n')}\nClosing line`, false);
      add('detectable_format:number_bullet_lists', `${num_bullets}:${n}:mixed`, { num_bullets }, `${items.map((x, i) => (i % 2 ? `  - ${x}` : `* ${x}`)).join('\n')}\n**Bold line**\n---`, false);
    }
  }

  // detectable_format:constrained_response
  for (const body of ['My answer is yes.', 'My answer is no.', 'My answer is maybe.', 'my answer is yes.', 'My answer is yes', 'I think so. My answer is no.', 'Maybe.']) {
    add('detectable_format:constrained_response', body, {}, body);
  }

  // detectable_format:number_highlighted_sections
  for (const num_highlights of [1, 2, 3]) {
    for (const n of [num_highlights - 1, num_highlights, num_highlights + 1]) {
      const hs = Array.from({ length: n }, (_, i) => (i % 2 ? `**${words(2, r)}**` : `*${words(2, r)}*`));
      add('detectable_format:number_highlighted_sections', `${num_highlights}:${n}`, { num_highlights }, `${hs.join(' and ')} ${words(3, r)}.`);
      add('detectable_format:number_highlighted_sections', `${num_highlights}:${n}:empty`, { num_highlights }, `${hs.join('\n')} ** ** and * *`, false);
    }
  }

  // detectable_format:multiple_sections
  for (const section_spliter of ['Section', 'SECTION', 'PARAGRAPH']) {
    for (const num_sections of [2, 3]) {
      for (const n of [num_sections - 1, num_sections, num_sections + 1]) {
        const body = Array.from({ length: n }, (_, i) => `${section_spliter} ${i + 1}\n${words(5, r)}`).join('\n\n');
        add('detectable_format:multiple_sections', `${section_spliter}:${num_sections}:${n}`, { section_spliter, num_sections }, body);
        add('detectable_format:multiple_sections', `${section_spliter}:${num_sections}:${n}:lower`, { section_spliter, num_sections }, body.toLowerCase(), false);
        add('detectable_format:multiple_sections', `${section_spliter}:${num_sections}:${n}:nonum`, { section_spliter, num_sections }, body.replace(/ \d+/g, ':'), false);
      }
    }
  }

  // detectable_format:json_format
  for (const [label, body] of [
    ['object', '{"a": 1, "b": [true, null]}'],
    ['fenced', '```json\n{"a": 1}\n```'],
    ['fenced-upper', '```JSON\n{"a": 1}\n```'],
    ['fenced-bare', '```\n[1, 2]\n```'],
    ['nan', '{"a": NaN, "b": -Infinity}'],
    ['trailing-comma', '{"a": 1,}'],
    ['single-quotes', "{'a': 1}"],
    ['text', 'Here is the JSON: {"a": 1}'],
    ['number', '42'],
    ['string', '"just a string"'],
  ] as const) {
    add('detectable_format:json_format', label, {}, body);
  }

  // detectable_format:title
  for (const [label, body] of [
    ['title', '<<My Title>>\nText.'],
    ['blank', '<< >>\nText.'],
    ['empty', '<<>> Text.'],
    ['multiline', '<<My\nTitle>>'],
    ['nested', '<<<Deep>>>'],
    ['none', 'My Title\nText.'],
  ] as const) {
    add('detectable_format:title', label, {}, body);
  }

  // combination:two_responses
  for (const [label, body] of [
    ['two', 'First answer.\n******\nSecond answer.'],
    ['same', 'Same.\n******\nSame.'],
    ['three', 'A\n******\nB\n******\nC'],
    ['edges', '******\nA\n******\nB\n******'],
    ['empty-middle', 'A\n******\n\n******\nB'],
    ['seven-stars', 'A\n*******\nB'],
    ['one', 'Only one.'],
  ] as const) {
    add('combination:two_responses', label, {}, body);
  }

  // combination:repeat_prompt
  const toRepeat = 'Write a poem about the sea. Use no commas.';
  for (const [label, body] of [
    ['exact', `${toRepeat}\nThe sea is wide`],
    ['lower', `${toRepeat.toLowerCase()}\nThe sea`],
    ['leading-space', `   ${toRepeat} The sea`],
    ['partial', 'Write a poem about the sea.\nThe sea'],
    ['later', `Sure. ${toRepeat}`],
  ] as const) {
    add('combination:repeat_prompt', label, { prompt_to_repeat: toRepeat }, body);
  }

  // startend:end_checker
  for (const end_phrase of ['Is there anything else I can help with?', 'Peace.']) {
    for (const [label, tail] of [
      ['exact', end_phrase],
      ['lower', end_phrase.toLowerCase()],
      ['quoted', `"${end_phrase}"`],
      ['space', `${end_phrase}   \n`],
      ['extra', `${end_phrase}!`],
      ['missing', 'Goodbye.'],
    ] as const) {
      add('startend:end_checker', `${end_phrase}:${label}`, { end_phrase }, `${makeSentences(2, r, false).join(' ')} ${tail}`);
    }
  }

  // change_case:capital_word_frequency
  const CAPS = ['NOTE', 'IMPORTANT', 'U.S.', 'COVID-19', "DON'T", 'I', 'A', 'OK!', 'AI', '(NASA)'];
  for (const capital_frequency of [1, 3, 6]) {
    for (const capital_relation of RELATIONS) {
      for (const n of [capital_frequency - 1, capital_frequency, capital_frequency + 1]) {
        const caps = Array.from({ length: n }, (_, i) => CAPS[(i + capital_frequency) % 4] ?? 'NOTE');
        add('change_case:capital_word_frequency', `${capital_frequency}:${capital_relation}:${n}`, { capital_frequency, capital_relation }, `${caps.join(' ')} ${words(5, r)}.`);
        const tricky = Array.from({ length: n }, (_, i) => CAPS[(i * 3 + capital_frequency) % CAPS.length] ?? 'NOTE');
        add('change_case:capital_word_frequency', `${capital_frequency}:${capital_relation}:${n}:tricky`, { capital_frequency, capital_relation }, `Well, ${tricky.join(' and ')} matter here.`, false);
      }
    }
  }

  // change_case:english_capital / english_lowercase
  const EN = [TEXTS.en ?? '', 'I went to the store and bought some bread, milk and eggs for breakfast tomorrow.'];
  for (const [i, t] of EN.entries()) {
    add('change_case:english_capital', `upper:${i}`, {}, t.toUpperCase());
    add('change_case:english_capital', `mixed:${i}`, {}, t);
    add('change_case:english_lowercase', `lower:${i}`, {}, t.toLowerCase());
    add('change_case:english_lowercase', `mixed:${i}`, {}, t);
  }
  add('change_case:english_capital', 'upper:fr', {}, (TEXTS.fr ?? '').toUpperCase(), false);
  add('change_case:english_lowercase', 'lower:fr', {}, (TEXTS.fr ?? '').toLowerCase(), false);
  add('change_case:english_lowercase', 'lower:de', {}, (TEXTS.de ?? '').toLowerCase(), false);
  add('change_case:english_capital', 'upper:ru', {}, (TEXTS.ru ?? '').toUpperCase(), false);

  // punctuation:no_comma
  for (const [label, body] of [
    ['none', 'No commas here at all.'],
    ['comma', 'One, two.'],
    ['fullwidth', '一，二。'],
    ['arabic', 'واحد، اثنان'],
  ] as const) {
    add('punctuation:no_comma', label, {}, body);
  }

  // startend:quotation
  for (const [label, body] of [
    ['quoted', '"The whole answer."'],
    ['spaces', '   "The whole answer."  \n'],
    ['single', '"'],
    ['curly', '“The whole answer.”'],
    ['open', '"The whole answer.'],
    ['inner', 'He said "hi".'],
  ] as const) {
    add('startend:quotation', label, {}, body);
  }
  return cases;
}

// ---------------------------------------------------------------------------
// known disagreements: each is a text-processing difference documented in
// docs/instruction-following.md. Keys are case keys; a pattern ending in `*`
// covers every wrapping of one generated case.

const SENTENCES = 'sentence splitting: NLTK Punkt (trained English model) vs sbd (docs/instruction-following.md)';
const LANGUAGE = 'language detection: langdetect (n-gram profiles, seeded here) vs franc (docs/instruction-following.md)';

export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'language:response_language|fr->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|de->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|es->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|it->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|pt->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|ru->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|hi->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|ar->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|ja->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|ko->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|fi->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|sw->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|vi->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|th->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'language:response_language|bn->en|outro': `${LANGUAGE}: the loose variant without the first line is the closing line alone ("Let me know if you need anything else."); langdetect calls it English, franc does not on eight words`,
  'length_constraints:number_sentences|2:less than:2:varied|plain': `${SENTENCES}: Punkt counts 3 (it splits after the closing quote and after "No." before a number), sbd 1 (it does not split after a quoted question, nor after "No.")`,
  'length_constraints:number_sentences|3:less than:2:varied|plain': `${SENTENCES}: Punkt counts 3 (it splits after "e.g."), sbd 2 (e.g. is an abbreviation inside the sentence)`,
  'change_case:english_capital|upper:fr|plain': `${LANGUAGE}: langdetect skips the letters after the first of an all-capitals word and calls ALL-CAPS French English; franc lowercases first and answers French`,
};

interface OracleAnswer {
  strict?: boolean;
  loose?: boolean;
  error?: string;
}

test('IFEval: evalflow agrees with lm-eval 0.4.13 on every generated case except the documented text-processing differences', () => {
  const cases = ifevalCorpus();
  const ids = new Set(cases.map((c) => c.id));
  assert.equal(ids.size, 25, 'the corpus covers all 25 IFEval checkers');
  assert.equal(new Set(cases.map((c) => c.key)).size, cases.length, 'case keys are unique');

  const { results } = runOracle<{ results: OracleAnswer[] }>('ifeval', 'check.py', { cases });
  assert.equal(results.length, cases.length);
  const registry = registryOf(IFEVAL_CHECKERS);

  const disagreements: { key: string; ours: string; theirs: string }[] = [];
  const perId = new Map<string, { n: number; agree: number }>();
  cases.forEach((c, i) => {
    const ref = results[i] ?? {};
    let ours: string;
    try {
      const [res] = evaluateInstructions(c.response, c.prompt, [c.id], [c.kwargs], registry);
      ours = `strict=${res?.strict} loose=${res?.loose}`;
    } catch (e) {
      ours = `error: ${(e as Error).message}`;
    }
    const theirs = ref.error ? `error: ${ref.error}` : `strict=${ref.strict} loose=${ref.loose}`;
    const agree = ours === theirs || (ours.startsWith('error') && theirs.startsWith('error'));
    const stat = perId.get(c.id) ?? { n: 0, agree: 0 };
    stat.n++;
    if (agree) stat.agree++;
    perId.set(c.id, stat);
    if (!agree) disagreements.push({ key: c.key, ours, theirs });
  });

  const total = cases.length;
  const agreeing = total - disagreements.length;
  console.log(`IFEval vs lm-eval 0.4.13: ${total} cases (strict and loose verdicts), ${agreeing} agree (${((100 * agreeing) / total).toFixed(2)}%)`);
  for (const [id, s] of [...perId].sort()) if (s.agree !== s.n) console.log(`  ${id}: ${s.agree}/${s.n}`);

  const unexplained = disagreements.filter((d) => !KNOWN_DIFFERENCES[d.key]);
  for (const d of disagreements) console.log(`  ${KNOWN_DIFFERENCES[d.key] ? 'known' : 'NEW  '} ${d.key}: evalflow ${d.ours}, lm-eval ${d.theirs}${KNOWN_DIFFERENCES[d.key] ? ` — ${KNOWN_DIFFERENCES[d.key]}` : ''}`);
  assert.deepEqual(unexplained.map((d) => d.key), [], 'disagreements not explained by a documented difference');
  const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => !disagreements.some((d) => d.key === k));
  assert.deepEqual(stale, [], 'listed differences that no longer disagree (remove them from KNOWN_DIFFERENCES)');
});

/**
 * HTML → text for BFCL's `fetch_url_content` (func_source_code/web_search.py):
 * - mode "truncate": `BeautifulSoup(html, "html.parser")`, every <script> and
 *   <style> removed, then `soup.get_text(separator="\n", strip=True)` —
 *   `pageText` below;
 * - mode "markdown": `html2text.HTML2Text().handle(html)` with the library's
 *   default settings (body width 78, inline links, internal links dropped,
 *   ASCII stand-ins for some entities) as released in html2text 2025.4.15 —
 *   `pageMarkdown` below. Checked against both libraries' output in
 *   test/unit/bfcl-web-search.test.ts.
 * Both libraries sit on Python's html.parser; this file has its own small
 * tokenizer that splits the input the way that parser does (text up to each
 * `<` or `&`, character and entity references apart, <script>/<style> content
 * as raw text, comments, declarations and processing instructions skipped),
 * and then reproduces the two libraries' behaviour for ordinary pages. Known
 * differences (rare on real pages): named references outside HTML 4's 252
 * (+ apos) stay as written; textwrap's hyphen splitting is approximated.
 */
import { ENTITIES } from './entities';

// ---------------------------------------------------------------------------
// Tokenizer

type Attrs = [string, string | null][];
type Token =
  | { t: 'start'; tag: string; attrs: Attrs; selfClosing: boolean }
  | { t: 'end'; tag: string }
  | { t: 'data'; text: string }
  | { t: 'charref'; name: string }
  | { t: 'entityref'; name: string }
  | { t: 'comment' };

const RAW_TEXT = new Set(['script', 'style']);
const TAG_NAME = /^[a-zA-Z][^\t\n\r\f />\x00]*/;
const CHARREF = /^&#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]/;
const ENTITYREF = /^&([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]/;

/** Code point of a numeric reference's digits (`x41` or `65`), as Python's parsers fix it up. */
function charrefCodePoint(name: string): number {
  const c = name[0] === 'x' || name[0] === 'X' ? parseInt(name.slice(1), 16) : parseInt(name, 10);
  if (!(c > 0 && c < 0x110000) || (c >= 0xd800 && c < 0xe000)) return 0xfffd;
  return WINDOWS_1252[c] ?? c;
}

/** 0x80–0x9f in a numeric reference mean their windows-1252 characters (HTML5; html.unescape, html2text, bs4). */
const WINDOWS_1252: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02c6,
  0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201c,
  0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc, 0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a,
  0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

/** html.unescape-like decoding of an attribute value (named references of the table, numeric ones). */
export function unescapeHtml(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);?/g, (m, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(charrefCodePoint(ref.slice(1)));
    const cp = ENTITIES[ref];
    return cp === undefined ? m : String.fromCodePoint(cp);
  });
}

function parseAttrs(src: string): Attrs {
  const attrs: Attrs = [];
  const re = /([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    const raw = m[2] ?? m[3] ?? m[4];
    attrs.push([m[1]!.toLowerCase(), raw === undefined ? null : unescapeHtml(raw)]);
  }
  return attrs;
}

/** The events Python's html.parser (convert_charrefs=False) reports for `html`, in order. */
export function tokenize(html: string): Token[] {
  const out: Token[] = [];
  const n = html.length;
  let i = 0;
  let rawTag: string | null = null;
  while (i < n) {
    if (rawTag) {
      const close = new RegExp(`</${rawTag}(?=[\\t\\n\\r\\f />])`, 'ig');
      close.lastIndex = i;
      const m = close.exec(html);
      const end = m ? m.index : n;
      if (end > i) out.push({ t: 'data', text: html.slice(i, end) });
      i = end;
      rawTag = null;
      continue;
    }
    const lt = html.indexOf('<', i);
    const amp = html.indexOf('&', i);
    const next = Math.min(lt < 0 ? n : lt, amp < 0 ? n : amp);
    if (next > i) {
      out.push({ t: 'data', text: html.slice(i, next) });
      i = next;
      continue;
    }
    if (html[i] === '&') {
      // A reference needs the character after it (Python's parser waits for more input otherwise;
      // at the end of the document the rest is plain text).
      const head = html.slice(i, i + 128);
      const c = CHARREF.exec(head);
      if (c) {
        out.push({ t: 'charref', name: c[0].slice(2, -1) });
        i += c[0].endsWith(';') ? c[0].length : c[0].length - 1;
        continue;
      }
      const m = ENTITYREF.exec(head);
      if (m) {
        out.push({ t: 'entityref', name: m[1]! });
        i += m[0].endsWith(';') ? m[0].length : m[0].length - 1;
        continue;
      }
      out.push({ t: 'data', text: '&' });
      i += 1;
      continue;
    }
    // html[i] === '<'
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? n : end + 3;
      out.push({ t: 'comment' });
      continue;
    }
    if (html.startsWith('</', i)) {
      const name = TAG_NAME.exec(html.slice(i + 2, i + 200));
      const end = html.indexOf('>', i + 2);
      if (end < 0) {
        out.push({ t: 'data', text: html.slice(i) });
        break;
      }
      if (name) out.push({ t: 'end', tag: name[0].toLowerCase() });
      else if (end > i + 2) out.push({ t: 'comment' }); // bogus comment
      i = end + 1;
      continue;
    }
    if (html[i + 1] === '!' || html[i + 1] === '?') {
      const end = html.indexOf('>', i + 2);
      i = end < 0 ? n : end + 1;
      out.push({ t: 'comment' });
      continue;
    }
    const name = TAG_NAME.exec(html.slice(i + 1, i + 200));
    if (!name) {
      out.push({ t: 'data', text: '<' });
      i += 1;
      continue;
    }
    // The tag ends at the first '>' outside quoted attribute values.
    let j = i + 1 + name[0].length;
    let quote = '';
    for (; j < n; j++) {
      const ch = html[j];
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") {
        if (/=\s*$/.test(html.slice(Math.max(i, j - 8), j))) quote = ch;
      } else if (ch === '>') break;
    }
    if (j >= n) {
      out.push({ t: 'data', text: html.slice(i) });
      break;
    }
    const inner = html.slice(i + 1 + name[0].length, j);
    const tag = name[0].toLowerCase();
    const selfClosing = /\/\s*$/.test(inner) && !/=\s*\/\s*$/.test(inner);
    out.push({ t: 'start', tag, attrs: parseAttrs(selfClosing ? inner.replace(/\/\s*$/, '') : inner), selfClosing });
    i = j + 1;
    if (RAW_TEXT.has(tag) && !selfClosing) rawTag = tag;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Python string helpers

/** Python's str.isspace() characters (what str.strip() removes). */
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

// ---------------------------------------------------------------------------
// BeautifulSoup(html, "html.parser") minus script/style, get_text("\n", strip=True)

/**
 * Every text node (runs of text between markup, references decoded — bs4
 * merges them into one string; comments and declarations are not text)
 * outside <script> and <style>, each stripped of whitespace, empty ones
 * dropped, joined with newlines.
 */
export function pageText(html: string): string {
  const strings: string[] = [];
  let current: string[] = [];
  let inRaw = 0;
  const flush = () => {
    if (current.length) {
      const s = pyStrip(current.join(''));
      if (s && !inRaw) strings.push(s);
      current = [];
    }
  };
  for (const tok of tokenize(html)) {
    if (tok.t === 'data') current.push(tok.text);
    else if (tok.t === 'charref') current.push(String.fromCodePoint(charrefCodePoint(tok.name)));
    else if (tok.t === 'entityref') {
      const cp = ENTITIES[tok.name];
      // bs4 BeautifulSoupHTMLParser.handle_entityref: an unknown name stays as "&name".
      current.push(cp === undefined ? `&${tok.name}` : String.fromCodePoint(cp));
    } else {
      flush();
      if (tok.t === 'start' && RAW_TEXT.has(tok.tag) && !tok.selfClosing) inRaw++;
      else if (tok.t === 'end' && RAW_TEXT.has(tok.tag) && inRaw > 0) inRaw--;
    }
  }
  flush();
  return strings.join('\n');
}

// ---------------------------------------------------------------------------
// html2text.HTML2Text().handle(html), default configuration

/** html2text config.UNIFIABLE: entities (and their code points, for numeric references) shown as ASCII. */
const UNIFIABLE: Record<string, string> = {
  rsquo: "'", lsquo: "'", rdquo: '"', ldquo: '"', copy: '(C)', mdash: '--', nbsp: ' ', rarr: '->', larr: '<-', middot: '*',
  ndash: '-', oelig: 'oe', aelig: 'ae', agrave: 'a', aacute: 'a', acirc: 'a', atilde: 'a', auml: 'a', aring: 'a', egrave: 'e',
  eacute: 'e', ecirc: 'e', euml: 'e', igrave: 'i', iacute: 'i', icirc: 'i', iuml: 'i', ograve: 'o', oacute: 'o', ocirc: 'o',
  otilde: 'o', ouml: 'o', ugrave: 'u', uacute: 'u', ucirc: 'u', uuml: 'u', lrm: '', rlm: '',
};
const UNIFIABLE_CP: Record<number, string> = Object.fromEntries(Object.entries(UNIFIABLE).map(([k, v]) => [ENTITIES[k]!, v]));
/** What `&nbsp;` becomes while converting (HTML2Text.__init__), turned into a space at the end. */
const NBSP_PLACEHOLDER = '&nbsp_place_holder;';
const BODY_WIDTH = 78;
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const WHITESPACE = new Set(' \t\n\r\x0b\x0c');

function hn(tag: string): number {
  return tag.length === 2 && tag[0] === 'h' && tag[1]! >= '1' && tag[1]! <= '9' ? Number(tag[1]) : 0;
}

/** escape_md: backslash before \ [ ] ( ) inside link text and URLs. */
function escapeMd(s: string): string {
  return s.replace(/([\\[\]()])/g, '\\$1');
}

/** escape_md_section (escape_snob off): characters that would start Markdown syntax in running text. */
function escapeMdSection(s: string): string {
  return s
    .replace(/(\\)(?=[\\`*_{}[\]()#+\-.!])/g, '\\$1')
    .replace(/^(\s*\d+)(\.)(?=\s)/gm, '$1\\$2')
    .replace(/^(\s*)(\+)(?=\s)/gm, '$1\\$2')
    .replace(/^(\s*)(-)(?=\s|-)/gm, '$1\\$2');
}

interface ListState {
  name: string;
  num: number;
}

class Html2Text {
  private out: string[] = [];
  private quiet = 0;
  private pP = 0;
  private outcount = 0;
  private start = true;
  private space = false;
  private astack: (Record<string, string | null> | null)[] = [];
  private maybeAutomaticLink: string | null = null;
  private emptyLink = false;
  private list: ListState[] = [];
  private blockquote = 0;
  private pre = false;
  private startpre = false;
  private preIndent = '';
  private listCodeIndent = '';
  private code = false;
  private quote = false;
  private brToggle = '';
  private lastWasNL = false;
  private lastWasList = false;
  private abbrTitle: string | null = null;
  private abbrData: string | null = null;
  private abbrList = new Map<string, string>();
  private stressed = false;
  private precedingStressed = false;
  private precedingData = '';
  private currentTag = '';
  private splitNextTd = false;
  private tdCount = 0;
  private tableStart = false;

  private emit(s: string): void {
    this.out.push(s);
    if (s) this.lastWasNL = s.endsWith('\n');
  }

  private pbr(): void {
    if (this.pP === 0) this.pP = 1;
  }

  private para(): void {
    this.pP = 2;
  }

  private softBr(): void {
    this.pbr();
    this.brToggle = '  ';
  }

  /** HTML2Text.o: indentation, pending line breaks and spaces, then the text. */
  private o(data: string, pureData = false, force: boolean | 'end' = false): void {
    if (this.abbrData !== null) this.abbrData += data;
    if (this.quiet) return;
    if (pureData && !this.pre) {
      data = data.replace(/\s+/g, ' ');
      if (data[0] === ' ') {
        this.space = true;
        data = data.slice(1);
      }
    }
    if (!data && !force) return;
    if (this.startpre && !data.startsWith('\n') && !data.startsWith('\r\n')) data = '\n' + data;
    let bq = '>'.repeat(this.blockquote);
    if (!(force && data && data[0] === '>') && this.blockquote) bq += ' ';
    if (this.pre) {
      if (this.list.length) bq += this.listCodeIndent;
      bq += '    ';
      data = data.split('\n').join('\n' + bq);
      this.preIndent = bq;
    }
    if (this.startpre) {
      this.startpre = false;
      if (this.list.length) {
        const strip = new Set('\n' + this.preIndent);
        let k = 0;
        while (k < data.length && strip.has(data[k]!)) k++;
        data = data.slice(k);
      }
    }
    if (this.start) {
      this.space = false;
      this.pP = 0;
      this.start = false;
    }
    if (force === 'end') {
      this.pP = 0;
      this.emit('\n');
      this.space = false;
    }
    if (this.pP) {
      this.emit((this.brToggle + '\n' + bq).repeat(this.pP));
      this.space = false;
      this.brToggle = '';
    }
    if (this.space) {
      if (!this.lastWasNL) this.emit(' ');
      this.space = false;
    }
    if (this.abbrList.size && force === 'end') for (const [abbr, def] of this.abbrList) this.emit(`  *[${abbr}]: ${def}\n`);
    this.pP = 0;
    this.emit(data);
    this.outcount++;
  }

  data(data: string, entityChar = false): void {
    if (!data) return;
    if (this.stressed) {
      data = pyStrip(data);
      this.stressed = false;
      this.precedingStressed = true;
    } else if (this.precedingStressed) {
      if (/[^\][(){}\s.!?]/.test(data[0]!) && !hn(this.currentTag) && !['a', 'code', 'pre'].includes(this.currentTag)) data = ' ' + data;
      this.precedingStressed = false;
    }
    if (this.maybeAutomaticLink !== null) {
      const href = this.maybeAutomaticLink;
      if (href === data && /^[a-zA-Z+]+:\/\//.test(href)) {
        this.o('<' + data + '>');
        this.emptyLink = false;
        return;
      }
      this.o('[');
      this.maybeAutomaticLink = null;
      this.emptyLink = false;
    }
    if (!this.code && !this.pre && !entityChar) data = escapeMdSection(data);
    this.precedingData = data;
    this.o(data, true);
  }

  charref(name: string): void {
    const c = charrefCodePoint(name);
    this.data(UNIFIABLE_CP[c] ?? String.fromCodePoint(c), true);
  }

  entityref(name: string): void {
    let ref: string;
    if (name === 'nbsp') ref = NBSP_PLACEHOLDER;
    else if (name in UNIFIABLE) ref = UNIFIABLE[name]!;
    else ref = ENTITIES[name] === undefined ? `&${name};` : String.fromCodePoint(ENTITIES[name]!);
    if (ref) this.data(ref, true);
  }

  tag(tag: string, attrs: Record<string, string | null>, start: boolean): void {
    this.currentTag = tag;
    if (start && this.maybeAutomaticLink !== null && !['p', 'div', 'style', 'dl', 'dt'].includes(tag) && tag !== 'img') {
      this.o('[');
      this.maybeAutomaticLink = null;
      this.emptyLink = false;
    }
    const h = hn(tag);
    if (h) {
      if (this.astack.length) {
        if (start) {
          if (this.out.length && this.out[this.out.length - 1] === '[') {
            this.out.pop();
            this.space = false;
            this.o('#'.repeat(h) + ' ');
            this.o('[');
          }
        } else {
          this.pP = 0;
          return;
        }
      } else {
        this.para();
        if (start) this.o('#'.repeat(h) + ' ');
        else return;
      }
    }
    if ((tag === 'p' || tag === 'div') && !this.astack.length && !this.splitNextTd) this.para();
    if (tag === 'br' && start) this.o(this.blockquote > 0 ? '  \n> ' : '  \n');
    if (tag === 'hr' && start) {
      this.para();
      this.o('* * *');
      this.para();
    }
    if (tag === 'head' || tag === 'style' || tag === 'script') this.quiet += start ? 1 : -1;
    if (tag === 'body') this.quiet = 0;
    if (tag === 'blockquote') {
      if (start) {
        this.para();
        this.o('> ', false, true);
        this.start = true;
        this.blockquote++;
      } else {
        this.blockquote--;
        this.para();
      }
    }
    const last = this.precedingData[this.precedingData.length - 1];
    if (tag === 'em' || tag === 'i' || tag === 'u') {
      let mark = '_';
      if (start && last !== undefined && !WHITESPACE.has(last) && !PUNCTUATION.has(last)) {
        mark = ' _';
        this.precedingData += ' ';
      }
      this.o(mark);
      if (start) this.stressed = true;
    }
    if (tag === 'strong' || tag === 'b') {
      let mark = '**';
      if (start && last === '*') {
        mark = ' **';
        this.precedingData += ' ';
      }
      this.o(mark);
      if (start) this.stressed = true;
    }
    if (tag === 'del' || tag === 'strike' || tag === 's') {
      let mark = '~~';
      if (start && last === '~') {
        mark = ' ~~';
        this.precedingData += ' ';
      }
      this.o(mark);
      if (start) this.stressed = true;
    }
    if ((tag === 'kbd' || tag === 'code' || tag === 'tt') && !this.pre) {
      this.o('`');
      this.code = !this.code;
    }
    if (tag === 'abbr') {
      if (start) {
        this.abbrTitle = attrs.title ?? null;
        this.abbrData = '';
      } else {
        if (this.abbrTitle !== null) this.abbrList.set(this.abbrData ?? '', this.abbrTitle);
        this.abbrTitle = null;
        this.abbrData = null;
      }
    }
    if (tag === 'q') {
      this.o('"');
      this.quote = !this.quote;
    }
    if (tag === 'a') {
      if (start) {
        const href = attrs.href;
        if (typeof href === 'string' && !href.startsWith('#')) {
          this.astack.push(attrs);
          this.maybeAutomaticLink = href;
          this.emptyLink = true;
        } else this.astack.push(null);
      } else if (this.astack.length) {
        const a = this.astack.pop()!;
        if (this.maybeAutomaticLink && !this.emptyLink) this.maybeAutomaticLink = null;
        else if (a) {
          if (this.emptyLink) {
            this.o('[');
            this.emptyLink = false;
            this.maybeAutomaticLink = null;
          }
          this.pP = 0;
          const title = escapeMd(a.title ?? '');
          this.o(`](${escapeMd(a.href!)}${pyStrip(title) ? ` "${title}"` : ''})`);
        }
      }
    }
    if (tag === 'img' && start && typeof attrs.src === 'string') {
      const alt = attrs.alt || '';
      if (this.maybeAutomaticLink !== null) {
        this.o('[');
        this.maybeAutomaticLink = null;
        this.emptyLink = false;
      }
      this.o(`![${escapeMd(alt)}]`);
      this.o(`(${escapeMd(attrs.src)})`);
    }
    if (tag === 'dl' && start) this.para();
    if (tag === 'dt' && !start) this.pbr();
    if (tag === 'dd' && start) this.o('    ');
    if (tag === 'dd' && !start) this.pbr();
    if (tag === 'ol' || tag === 'ul') {
      if (!this.list.length && !this.lastWasList) this.para();
      if (start) {
        const s = attrs.start;
        this.list.push({ name: tag, num: typeof s === 'string' && /^\s*[+-]?\d+\s*$/.test(s) ? Number(s) - 1 : 0 });
      } else if (this.list.length) {
        this.list.pop();
        if (!this.list.length) this.o('\n');
      }
      this.lastWasList = true;
    } else this.lastWasList = false;
    if (tag === 'li') {
      this.listCodeIndent = '';
      this.pbr();
      if (start) {
        const li = this.list[this.list.length - 1] ?? { name: 'ul', num: 0 };
        let parent: string | null = null;
        for (const l of this.list) {
          this.listCodeIndent += parent === 'ol' ? '   ' : '  ';
          parent = l.name;
        }
        this.o(this.listCodeIndent);
        if (li.name === 'ul') {
          this.listCodeIndent += '  ';
          this.o('* ');
        } else if (li.name === 'ol') {
          li.num++;
          this.listCodeIndent += '   ';
          this.o(`${li.num}. `);
        }
        this.start = true;
      }
    }
    if (tag === 'table' && start) this.tableStart = true;
    if ((tag === 'td' || tag === 'th') && start) {
      if (this.splitNextTd) this.o('| ');
      this.splitNextTd = true;
      this.tdCount++;
    }
    if (tag === 'tr' && start) this.tdCount = 0;
    if (tag === 'tr' && !start) {
      this.splitNextTd = false;
      this.softBr();
      if (this.tableStart) {
        this.o(Array(this.tdCount).fill('---').join('|'));
        this.softBr();
        this.tableStart = false;
      }
    }
    if (tag === 'pre') {
      if (start) {
        this.startpre = true;
        this.pre = true;
        this.preIndent = '';
      } else this.pre = false;
      this.para();
    }
  }

  finish(): string {
    this.pbr();
    this.o('', false, 'end');
    return this.out.join('').split(NBSP_PLACEHOLDER).join(' ');
  }
}

/** Python textwrap's chunks (TextWrapper.wordsep_re with break_on_hyphens). */
const TW_WS = '[\\t\\n\\x0b\\x0c\\r ]';
const TW_NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const TW_WP = "[\\p{L}\\p{N}_!\"'&.,?]";
const TW_LT = '[\\p{L}_]';
const WORDSEP = new RegExp(
  `(${TW_WS}+|(?<=${TW_WP})-{2,}(?=[\\p{L}\\p{N}_])|${TW_NWS}+?(?:-(?:(?<=${TW_LT}{2}-)|(?<=${TW_LT}-${TW_LT}-))(?=${TW_LT}-?${TW_LT})|(?=${TW_WS}|$)|(?<=${TW_WP})(?=-{2,}[\\p{L}\\p{N}_])))`,
  'u',
);

/** textwrap.wrap(text, width, break_long_words=False, subsequent_indent=indent). */
export function textwrap(text: string, width: number, subsequentIndent = ''): string[] {
  // expandtabs (columns restart at newlines), then every ASCII whitespace character becomes a space
  let col = 0;
  let s = '';
  for (const ch of text) {
    if (ch === '\t') {
      const k = 8 - (col % 8);
      s += ' '.repeat(k);
      col += k;
    } else {
      s += ch === '\n' || ch === '\r' || ch === '\x0b' || ch === '\x0c' ? ' ' : ch;
      col = ch === '\n' || ch === '\r' ? 0 : col + 1;
    }
  }
  const chunks = s.split(WORDSEP).filter((c) => c);
  const isWs = (c: string) => /^[\t\n\x0b\x0c\r ]*$/.test(c);
  const lines: string[] = [];
  const rev = chunks.reverse();
  while (rev.length) {
    const indent = lines.length ? subsequentIndent : '';
    const w = width - indent.length;
    if (isWs(rev[rev.length - 1]!) && lines.length) rev.pop();
    const line: string[] = [];
    let len = 0;
    while (rev.length) {
      const l = [...rev[rev.length - 1]!].length;
      if (len + l <= w) {
        line.push(rev.pop()!);
        len += l;
      } else break;
    }
    if (rev.length && [...rev[rev.length - 1]!].length > w && line.length === 0) line.push(rev.pop()!);
    if (line.length && isWs(line[line.length - 1]!)) line.pop();
    if (line.length) lines.push(indent + line.join(''));
  }
  return lines;
}

/** html2text skipwrap with the defaults (links and list items wrapped, tables not). */
function skipWrap(para: string): boolean {
  if (para.slice(0, 4) === '    ' || para[0] === '\t') return true;
  const stripped = para.replace(/^\s+/, '');
  if (stripped.slice(0, 2) === '--' && stripped.length > 2 && stripped[2] !== '-') return false;
  if ((stripped[0] === '-' || stripped[0] === '*') && stripped.slice(0, 2) !== '**') return true;
  if (/ \| /.test(para)) return true;
  return /^\d+\.\s/.test(stripped) || /^[-*+]\s/.test(stripped);
}

/** HTML2Text.optwrap at body width 78. */
function optwrap(text: string): string {
  let result = '';
  let newlines = 0;
  for (const para of text.split('\n')) {
    if (para.length > 0) {
      if (!skipWrap(para)) {
        const indent = para.startsWith('  *') ? '    ' : para.startsWith('> ') ? '> ' : '';
        result += textwrap(para, BODY_WIDTH, indent).join('\n');
        if (para.endsWith('  ')) {
          result += '  \n';
          newlines = 1;
        } else if (indent) {
          result += '\n';
          newlines = 1;
        } else {
          result += '\n\n';
          newlines = 2;
        }
      } else if (!/^\s\+/.test(para)) {
        result += para + '\n';
        newlines = 1;
      }
    } else if (newlines < 2) {
      result += '\n';
      newlines++;
    }
  }
  return result;
}

/** `html2text.HTML2Text().handle(html)` with the library's defaults. */
export function pageMarkdown(html: string): string {
  const h = new Html2Text();
  for (const tok of tokenize(html.split("</' + 'script>").join('</ignore>'))) {
    if (tok.t === 'data') h.data(tok.text);
    else if (tok.t === 'charref') h.charref(tok.name);
    else if (tok.t === 'entityref') h.entityref(tok.name);
    else if (tok.t === 'start') {
      const attrs: Record<string, string | null> = {};
      for (const [k, v] of tok.attrs) attrs[k] = v;
      h.tag(tok.tag, attrs, true);
      if (tok.selfClosing) h.tag(tok.tag, {}, false);
    } else if (tok.t === 'end') h.tag(tok.tag, {}, false);
  }
  return optwrap(h.finish());
}

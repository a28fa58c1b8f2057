/**
 * The three BFCL v4 memory backends, reimplemented from gorilla
 * bfcl_eval/eval_checker/multi_turn_eval/func_source_code/:
 * - memory_kv.py (MemoryAPI_kv): core memory (≤ 7 entries of ≤ 300 chars) and
 *   archival memory (≤ 50 entries of ≤ 2000 chars), snake_case keys, BM25+
 *   key search (rank_bm25.BM25Plus, k1 1.5, b 0.75, delta 1);
 * - memory_vector.py (MemoryAPI_vector): two VectorStores with the same
 *   limits, sentence embeddings (all-MiniLM-L6-v2, L2-normalised) in a FAISS
 *   IndexIDMap(IndexFlatIP) — exact inner-product (cosine) search;
 * - memory_rec_sum.py (MemoryAPI_rec_sum): one string of ≤ 10 000 chars.
 * Every public method, its return value and its error strings follow the
 * reference; calls are executed as multi_turn_utils.execute_multi_turn_func_call
 * does (see `executeMemoryCall`).
 *
 * The memory persists across BFCL's entries through snapshot files
 * (memory_api_metaclass.MemoryAPI._prepare_snapshot / _flush_memory_to_local_file):
 * here an instance lives for the whole unit and `beginSession()` stands for
 * the reload of the snapshot at the start of every entry (for the vector store
 * that reload re-adds the vectors sorted by id, which fixes FAISS's internal
 * order).
 */
import type { ParsedCallFull } from '../../parse';
import { SimApi } from '../../multi-turn/apis/base';
import { bindArgs } from '../../multi-turn/executor';
import { PyException, PyFloat, type PyDict, jsonDumps, pyStr, pyTypeName, renderResult, reqStr } from '../../multi-turn/pyrepr';

export type MemoryBackendName = 'kv' | 'vector' | 'rec_sum';

/** memory_kv.py / memory_vector.py limits. */
export const MAX_CORE_MEMORY_SIZE = 7;
export const MAX_CORE_MEMORY_ENTRY_LENGTH = 300;
export const MAX_ARCHIVAL_MEMORY_SIZE = 50;
export const MAX_ARCHIVAL_MEMORY_ENTRY_LENGTH = 2000;
/** memory_rec_sum.py MAX_MEMORY_ENTRY_LENGTH. */
export const MAX_MEMORY_ENTRY_LENGTH = 10000;

/** Python len() of a str: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** len(text) of a vector-store entry; only str entries are supported (the embedder encodes text). */
function lenOf(v: unknown): number {
  if (typeof v === 'string') return pyLen(v);
  throw new PyException('TypeError', `object of type '${pyTypeName(v)}' has no len()`);
}

function dict(entries: [string, unknown][]): PyDict {
  return new Map(entries);
}
const err = (msg: string) => dict([['error', msg]]);
const status = (msg: string) => dict([['status', msg]]);

/** `x in some_dict` for a dict with str (kv) or int (vector) keys: unhashable values raise. */
function hashable(v: unknown): unknown {
  if (Array.isArray(v) || v instanceof Map || v instanceof Set) throw new PyException('TypeError', `unhashable type: '${pyTypeName(v)}'`);
  if (v instanceof PyFloat) return v.value;
  if (v === true) return 1;
  if (v === false) return 0;
  return v;
}

/** Python `json.dumps(d, indent=4)` of a flat dict of str values (ensure_ascii). */
export function jsonIndent4(entries: [string, string][]): string {
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, v]) => `    ${jsonDumps(k)}: ${jsonDumps(v)}`).join(',\n') + '\n}';
}

/** Python slicing `xs[:k]` for an int (or None) k; other types raise like Python. */
function sliceTo<T>(xs: T[], k: unknown): T[] {
  if (k === null || k === undefined) return xs.slice();
  if (k === true || k === false) return xs.slice(0, k ? 1 : 0);
  if (typeof k !== 'number' || !Number.isInteger(k)) throw new PyException('TypeError', 'slice indices must be integers or None or have an __index__ method');
  return xs.slice(0, k);
}

// ---------------------------------------------------------------------------
// BM25+ (rank_bm25.BM25Plus, as memory_kv._similarity_search uses it)

/**
 * ln(k) for k = 1…64, correctly rounded as Python's math.log gives them (V8's
 * Math.log is one ulp off for some, e.g. ln 3); BM25's logs are of document
 * counts ≤ 51 here (archival memory holds at most 50 keys).
 */
const LN_TABLE: readonly number[] = [0.0, 0.6931471805599453, 1.0986122886681098, 1.3862943611198906, 1.6094379124341003, 1.791759469228055, 1.9459101490553132, 2.0794415416798357, 2.1972245773362196, 2.302585092994046, 2.3978952727983707, 2.4849066497880004, 2.5649493574615367, 2.6390573296152584, 2.70805020110221, 2.772588722239781, 2.833213344056216, 2.8903717578961645, 2.9444389791664403, 2.995732273553991, 3.044522437723423, 3.091042453358316, 3.1354942159291497, 3.1780538303479458, 3.2188758248682006, 3.258096538021482, 3.295836866004329, 3.332204510175204, 3.367295829986474, 3.4011973816621555, 3.4339872044851463, 3.4657359027997265, 3.4965075614664802, 3.5263605246161616, 3.5553480614894135, 3.58351893845611, 3.6109179126442243, 3.6375861597263857, 3.6635616461296463, 3.6888794541139363, 3.713572066704308, 3.7376696182833684, 3.7612001156935624, 3.784189633918261, 3.8066624897703196, 3.828641396489095, 3.8501476017100584, 3.871201010907891, 3.8918202981106265, 3.912023005428146, 3.9318256327243257, 3.9512437185814275, 3.970291913552122, 3.9889840465642745, 4.007333185232471, 4.02535169073515, 4.04305126783455, 4.060443010546419, 4.07753744390572, 4.0943445622221, 4.110873864173311, 4.127134385045092, 4.143134726391533, 4.1588830833596715];

function ln(k: number): number {
  return Number.isInteger(k) && k >= 1 && k <= LN_TABLE.length ? LN_TABLE[k - 1]! : Math.log(k);
}

/**
 * Scores of `query` against every document: tokens are lower-cased,
 * whitespace-split text with "_" read as a space; idf = log(N+1) − log(df);
 * score = Σ_q idf(q)·(delta + tf·(k1+1) / (k1·(1 − b + b·|d|/avgdl) + tf)).
 */
export function bm25PlusScores(corpus: string[], query: string, k1 = 1.5, b = 0.75, delta = 1): number[] {
  const tokenize = (t: string) => t.replace(/_/g, ' ').toLowerCase().split(/\s+/).filter(Boolean);
  const docs = corpus.map(tokenize);
  const freqs = docs.map((d) => {
    const f = new Map<string, number>();
    for (const w of d) f.set(w, (f.get(w) ?? 0) + 1);
    return f;
  });
  const nd = new Map<string, number>();
  for (const f of freqs) for (const w of f.keys()) nd.set(w, (nd.get(w) ?? 0) + 1);
  const n = docs.length;
  const avgdl = docs.reduce((a, d) => a + d.length, 0) / n;
  const idf = new Map<string, number>();
  for (const [w, c] of nd) idf.set(w, ln(n + 1) - ln(c));
  const scores = new Array<number>(n).fill(0);
  for (const q of tokenize(query)) {
    const i = idf.get(q) ?? 0;
    for (let d = 0; d < n; d++) {
      const tf = freqs[d]!.get(q) ?? 0;
      scores[d]! += i * (delta + (tf * (k1 + 1)) / (k1 * (1 - b + (b * docs[d]!.length) / avgdl) + tf));
    }
  }
  return scores;
}

/** Stable sort by score, highest first (Python `sorted(..., reverse=True)` keeps ties in input order). */
function rankDescending<T>(items: { score: number; item: T }[]): { score: number; item: T }[] {
  return items
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => (b.score === a.score ? a.i - b.i : b.score - a.score))
    .map(({ score, item }) => ({ score, item }));
}

// ---------------------------------------------------------------------------
// Common base

export abstract class MemoryBackend extends SimApi {
  abstract readonly backend: MemoryBackendName;
  /** `_dump_core_memory_to_context()`: what the system prompt shows of the memory. */
  abstract dumpToContext(): string;
  /** The start of a new BFCL entry (its snapshot is loaded). */
  beginSession(): void {}
  /** A deep copy of the memory (what BFCL's snapshot file holds), JSON-able. */
  abstract snapshot(): unknown;
  /** Replace the memory by a snapshot taken from an instance of the same backend. */
  abstract restore(snapshot: unknown): void;
  load(): void {}
  state(): [string, unknown][] {
    return [];
  }
}

// ---------------------------------------------------------------------------
// memory_kv.py

const KEY_FORMAT = /^[a-z]+(_[a-z0-9]+)*\n?$/; // re.match(r"^[a-z]+(_[a-z0-9]+)*$") — Python's `$` also matches before a final "\n"

export class MemoryKv extends MemoryBackend {
  readonly className = 'MemoryAPI_kv';
  readonly backend = 'kv';
  readonly core = new Map<string, string>();
  readonly archival = new Map<string, string>();

  constructor() {
    super();
    for (const [tier, store, maxSize, maxLen, full, cleared, addedMsg] of [
      ['core', this.core, MAX_CORE_MEMORY_SIZE, MAX_CORE_MEMORY_ENTRY_LENGTH, 'Core memory is full. Please clear some entries.', 'Short term memory cleared.', 'Key-value pair added.'],
      ['archival', this.archival, MAX_ARCHIVAL_MEMORY_SIZE, MAX_ARCHIVAL_MEMORY_ENTRY_LENGTH, 'Long term memory is full. Please clear some entries.', 'Long term memory cleared.', 'Key added.'],
    ] as const) {
      const tooLong = `Entry is too long. Please shorten the entry to less than ${maxLen} characters.`;
      this.def(`${tier}_memory_add(key, value)`, (a) => {
        const key = pyStr(a.key);
        const value = pyStr(a.value);
        if (store.size >= maxSize) return err(full);
        if (pyLen(value) > maxLen) return err(tooLong);
        if (!KEY_FORMAT.test(key)) return err('Key must be in snake_case format and cannot contain spaces.');
        if (store.has(key)) return err('Key name must be unique.');
        store.set(key, value);
        return status(addedMsg);
      });
      this.def(`${tier}_memory_remove(key)`, (a) => {
        const key = hashable(a.key);
        if (typeof key === 'string' && store.has(key)) {
          store.delete(key);
          return status('Key removed.');
        }
        return err('Key not found.');
      });
      this.def(`${tier}_memory_replace(key, value)`, (a) => {
        const key = pyStr(a.key);
        const value = pyStr(a.value);
        if (!store.has(key)) return err('Key not found.');
        if (pyLen(value) > maxLen) return err(tooLong);
        store.set(key, value);
        return status('Key replaced.');
      });
      this.def(`${tier}_memory_clear()`, () => {
        store.clear();
        return status(cleared);
      });
      this.def(`${tier}_memory_retrieve(key)`, (a) => {
        const key = hashable(a.key);
        if (typeof key !== 'string' || !store.has(key)) return err('Key not found.');
        return dict([['value', store.get(key)!]]);
      });
      this.def(`${tier}_memory_list_keys()`, () => dict([['keys', [...store.keys()]]]));
      this.def(`${tier}_memory_key_search(query, k=5)`, (a) => {
        const query = reqStr(a.query, 'replace');
        const keys = [...store.keys()];
        // An empty memory has nothing to rank (the reference guards BM25Plus's division by the corpus size).
        if (keys.length === 0) return dict([['ranked_results', []]]);
        const scores = bm25PlusScores(keys, query);
        const ranked = rankDescending(keys.map((key, i) => ({ score: scores[i]!, item: key })));
        return dict([['ranked_results', sliceTo(ranked, a.k).map((r) => [new PyFloat(r.score), r.item])]]);
      });
      // core_memory_retrieve_all returns the dict itself (json.dumps'd by the executor); archival has none.
      if (tier === 'core') this.def('core_memory_retrieve_all()', () => new Map(store));
    }
  }

  snapshot(): unknown {
    return { core: [...this.core], archival: [...this.archival] };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as { core: [string, string][]; archival: [string, string][] };
    this.core.clear();
    this.archival.clear();
    for (const [k, v] of s.core) this.core.set(k, v);
    for (const [k, v] of s.archival) this.archival.set(k, v);
  }

  /** "There is no content in the core memory at this point." or json.dumps(core_memory, indent=4). */
  dumpToContext(): string {
    if (this.core.size === 0) return 'There is no content in the core memory at this point.';
    return jsonIndent4([...this.core.entries()]);
  }
}

// ---------------------------------------------------------------------------
// memory_rec_sum.py

/** Python str.replace(old, new) (all occurrences; an empty `old` inserts `new` around every character). */
function pyReplace(s: string, old: string, repl: string): string {
  if (old === '') {
    const chars = [...s];
    return chars.length === 0 ? repl : repl + chars.join(repl) + repl;
  }
  return s.split(old).join(repl);
}

export class MemoryRecSum extends MemoryBackend {
  readonly className = 'MemoryAPI_rec_sum';
  readonly backend = 'rec_sum';
  memory = '';

  constructor() {
    super();
    this.def('memory_append(text)', (a) => {
      const text = pyStr(a.text);
      if (pyLen(this.memory + text) > MAX_MEMORY_ENTRY_LENGTH) {
        return err(`Entry will be too long after appending. Please shorten the entry to less than ${MAX_MEMORY_ENTRY_LENGTH} characters.`);
      }
      this.memory += text;
      return status('Memory appended.');
    });
    this.def('memory_update(text)', (a) => {
      const text = pyStr(a.text);
      if (pyLen(text) > MAX_MEMORY_ENTRY_LENGTH) return err(`Entry will be too long after updating. Please shorten the entry to less than ${MAX_MEMORY_ENTRY_LENGTH} characters.`);
      this.memory = text;
      return status('Memory updated.');
    });
    this.def('memory_clear()', () => {
      this.memory = '';
      return status('Short term memory cleared.');
    });
    this.def('memory_replace(old_text, new_text)', (a) => {
      const oldText = pyStr(a.old_text);
      const newText = pyStr(a.new_text);
      if (!this.memory.includes(oldText)) return err(`Text '${oldText}' not found in memory.`);
      if (pyLen(newText) > MAX_MEMORY_ENTRY_LENGTH) return err(`Entry will be too long after replacing. Please shorten the entry to less than ${MAX_MEMORY_ENTRY_LENGTH} characters.`);
      this.memory = pyReplace(this.memory, oldText, newText);
      return status('Memory updated.');
    });
    this.def('memory_retrieve()', () => (this.memory ? dict([['memory_content', this.memory]]) : err('Memory is empty.')));
  }

  snapshot(): unknown {
    return this.memory;
  }

  restore(snapshot: unknown): void {
    this.memory = snapshot as string;
  }

  /** "There is no content in the memory at this point." or the memory text. */
  dumpToContext(): string {
    return this.memory ? this.memory : 'There is no content in the memory at this point.';
  }
}

// ---------------------------------------------------------------------------
// memory_vector.py

/** Text → embedding (already as the reference's encoder gives it: any scale; normalised here). */
export type Embedder = (texts: string[]) => Promise<number[][]>;

/** L2-normalise in float32, as SentenceTransformer.encode(normalize_embeddings=True) and np.float32 give it. */
export function normalizeF32(v: readonly number[]): Float32Array {
  let sq = 0;
  for (const x of v) sq += x * x;
  const norm = Math.max(Math.sqrt(sq), 1e-12);
  return Float32Array.from(v, (x) => x / norm);
}

/** Inner product of two float32 vectors, rounded to float32 like FAISS's distances. */
export function innerProductF32(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`BFCL memory_vector: the embeddings endpoint returned vectors of different lengths (${a.length} and ${b.length}); check EVALFLOW_EMBEDDINGS_MODEL`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return Math.fround(s);
}

/** memory_vector.VectorStore: ids, texts, and FAISS's internal vector order (for exact search). */
export class VectorStore {
  /** `_store`: id → text, in insertion order (updates keep their place). */
  readonly store = new Map<number, string>();
  /** The order of the vectors inside the flat index (appends; update = remove + re-add at the end). */
  order: number[] = [];
  nextId = 0;

  constructor(
    readonly maxSize: number,
    readonly maxEntryLength: number,
  ) {}

  add(text: unknown): PyDict {
    if (lenOf(text) > this.maxEntryLength) return err(`Entry length exceeds maximum length of ${this.maxEntryLength} characters.`);
    if (this.store.size >= this.maxSize) return err(`Memory size exceeds maximum size of ${this.maxSize} entries.`);
    const id = this.nextId++;
    this.store.set(id, text as string);
    this.order.push(id);
    return dict([['id', id]]);
  }

  remove(vecId: unknown): PyDict {
    const id = hashable(vecId);
    if (typeof id !== 'number' || !this.store.has(id)) return err(`ID ${pyStr(vecId)} not present in store.`);
    this.store.delete(id);
    this.order = this.order.filter((x) => x !== id);
    return status(`ID ${pyStr(vecId)} removed from store.`);
  }

  update(vecId: unknown, newText: unknown): PyDict {
    const id = hashable(vecId);
    if (typeof id !== 'number' || !this.store.has(id)) return err(`ID ${pyStr(vecId)} not present in store.`);
    if (lenOf(newText) > this.maxEntryLength) return err(`Entry length exceeds maximum length of ${this.maxEntryLength} characters.`);
    this.order = [...this.order.filter((x) => x !== id), id];
    this.store.set(id, newText as string);
    return status(`ID ${pyStr(vecId)} updated.`);
  }

  clear(): PyDict {
    this.store.clear();
    this.order = [];
    this.nextId = 0;
    return status('Memory cleared.');
  }

  /**
   * The `top_k` entries most similar to `query`: FAISS IndexFlatIP over
   * L2-normalised vectors (cosine similarity), an exact search; results by
   * score, highest first (ties in index order).
   */
  async retrieve(query: unknown, topK: unknown, embed: Embedder): Promise<PyDict[]> {
    if (this.store.size === 0) return [];
    const size = this.store.size;
    if (topK === null || topK === undefined || typeof topK === 'string' || Array.isArray(topK) || topK instanceof Map) {
      throw new PyException('TypeError', `'<' not supported between instances of 'int' and '${pyTypeName(topK)}'`);
    }
    const k0 = topK === true ? 1 : topK === false ? 0 : topK instanceof PyFloat ? topK.value : (topK as number);
    const k = Math.min(k0, size);
    if (!Number.isInteger(k)) throw new PyException('TypeError', `in method 'IndexIDMap_search', argument 3 of type 'faiss::idx_t'`);
    if (k <= 0) throw new PyException('RuntimeError', "Error in faiss::Index::search: Error: 'k > 0' failed");
    if (typeof query !== 'string') throw new PyException('TypeError', `the query must be a str, not ${pyTypeName(query)}`);
    const texts = this.order.map((id) => this.store.get(id)!);
    const vectors = await embed([query, ...texts]);
    const q = normalizeF32(vectors[0]!);
    const scored = this.order.map((id, i) => ({ score: innerProductF32(q, normalizeF32(vectors[i + 1]!)), item: id }));
    return rankDescending(scored)
      .slice(0, k)
      .map((r) => dict([['id', r.item], ['similarity_score', new PyFloat(r.score)], ['text', this.store.get(r.item)!]]));
  }

  retrieveAll(): PyDict[] {
    return [...this.store.entries()].map(([id, text]) => dict([['id', id], ['text', text]]));
  }

  export(): { store: [number, string][]; order: number[]; nextId: number } {
    return { store: [...this.store], order: [...this.order], nextId: this.nextId };
  }

  load(s: { store: [number, string][]; order: number[]; nextId: number }): void {
    this.store.clear();
    for (const [id, text] of s.store) this.store.set(id, text);
    this.order = [...s.order];
    this.nextId = s.nextId;
  }

  /** load_from_snapshot: the index is rebuilt with the ids sorted. */
  reload(): void {
    this.order = [...this.store.keys()].sort((a, b) => a - b);
  }
}

export class MemoryVector extends MemoryBackend {
  readonly className = 'MemoryAPI_vector';
  readonly backend = 'vector';
  readonly core = new VectorStore(MAX_CORE_MEMORY_SIZE, MAX_CORE_MEMORY_ENTRY_LENGTH);
  readonly archival = new VectorStore(MAX_ARCHIVAL_MEMORY_SIZE, MAX_ARCHIVAL_MEMORY_ENTRY_LENGTH);

  /** `embed` is needed only by the *_retrieve calls. */
  constructor(embed: Embedder | null) {
    super();
    const needEmbed = (): Embedder => {
      if (!embed) throw new Error('BFCL memory_vector: a retrieval needs sentence embeddings, but no embedder was given');
      return embed;
    };
    for (const [tier, store] of [
      ['core', this.core],
      ['archival', this.archival],
    ] as const) {
      this.def(`${tier}_memory_add(text)`, (a) => store.add(a.text));
      this.def(`${tier}_memory_remove(vec_id)`, (a) => store.remove(a.vec_id));
      this.def(`${tier}_memory_update(vec_id, new_text)`, (a) => store.update(a.vec_id, a.new_text));
      this.def(`${tier}_memory_clear()`, () => store.clear());
      this.def(`${tier}_memory_retrieve(query, top_k=5)`, async (a) => dict([['result', await store.retrieve(a.query, a.top_k, needEmbed())]]));
      this.def(`${tier}_memory_retrieve_all()`, () => dict([['result', store.retrieveAll()]]));
    }
  }

  override beginSession(): void {
    this.core.reload();
    this.archival.reload();
  }

  snapshot(): unknown {
    return { core: this.core.export(), archival: this.archival.export() };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as { core: ReturnType<VectorStore['export']>; archival: ReturnType<VectorStore['export']> };
    this.core.load(s.core);
    this.archival.load(s.archival);
  }

  /**
   * json.dumps(core_memory._store, indent=4). The reference's emptiness test
   * (`if not self.core_memory`) is on the VectorStore object, which is always
   * truthy, so an empty core memory shows as "{}".
   */
  dumpToContext(): string {
    return jsonIndent4([...this.core.store.entries()].map(([id, text]) => [String(id), text]));
  }
}

export function makeBackend(name: MemoryBackendName, embed: Embedder | null = null): MemoryBackend {
  if (name === 'kv') return new MemoryKv();
  if (name === 'rec_sum') return new MemoryRecSum();
  return new MemoryVector(embed);
}

// ---------------------------------------------------------------------------
// Executing a call

const FORBIDDEN = ['kill', 'exit', 'quit', 'remove', 'unlink', 'popen', 'Popen', 'run'];

async function invoke(api: MemoryBackend, call: ParsedCallFull): Promise<unknown> {
  const parts = call.name.split('.');
  const base = parts.length > 1 ? parts[1]! : parts[0]!;
  if (FORBIDDEN.includes(base)) throw new PyException('Exception', `Function call ${base} is not allowed.`);
  // Only public methods are bound to the instance; anything else is a bare name eval() cannot find.
  const method = parts.length === 1 && !call.name.startsWith('_') ? api.method(call.name) : undefined;
  if (!method) throw new PyException('NameError', `name '${parts[0]}' is not defined`);
  return await method.call(bindArgs(`${api.className}.${call.name}()`, method.params, call));
}

/**
 * Execute one decoded call as execute_multi_turn_func_call does: the method
 * of the instance by its bare name; a str result as is, a dict through
 * json.dumps, anything else through str(); a Python exception becomes
 * "Error during execution: <str(e)>". Other errors (the embeddings endpoint
 * failing) propagate.
 */
export async function executeMemoryCall(api: MemoryBackend, call: ParsedCallFull): Promise<string> {
  try {
    return renderResult(await invoke(api, call));
  } catch (e) {
    if (e instanceof PyException) return `Error during execution: ${e.message}`;
    throw e;
  }
}

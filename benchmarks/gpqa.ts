/**
 * GPQA Diamond — 198 graduate-level four-choice science questions. NeMo
 * Evaluator task `ns_gpqa` (NeMo-Skills dataset `gpqa`, EVAL_SPLIT "diamond").
 *
 * Data: Hub `Idavidrein/gpqa`, config `gpqa_diamond`, split `train` — GATED:
 * the Hub wants HF_TOKEN from an account that accepted the dataset's terms.
 * Rows keep the original column names (`Question`, `Correct Answer`,
 * `Incorrect Answer 1..3`, `Explanation`, `Subdomain`, `High-level domain`,
 * `Writer's Difficulty Estimate`, `Record ID`). Local alternative:
 * `gpqa/diamond.jsonl` (or .json/.parquet via `dataset_dir`) holding the same
 * rows IN THE HUB'S ORDER (the choice permutation depends on the row index).
 * The items' terms forbid re-publishing them: such a file is the user's own
 * download and is never committed here; tests use synthetic rows.
 *
 * Preparation, as NeMo-Skills `nemo_skills/dataset/gpqa/prepare.py` (current
 * version, the one built on `get_mcq_fields`):
 *  - every answer goes through `preprocess`: None → " "; strip; " [title]" →
 *    ". "; "  " → " " (one pass). The question is NOT preprocessed.
 *    (Older prepare.py versions also deleted every `[...]`; the current one
 *    does not.)
 *  - choices start as [Incorrect 1, Incorrect 2, Incorrect 3, Correct]; the
 *    split is prepared after ONE `random.seed(42)`, then `random.shuffle`
 *    runs once per row in dataset order, so row i gets the (i+1)-th shuffle
 *    of one Mersenne Twister stream. `PythonRandom` below reproduces
 *    CPython's generator bit for bit; `gpqaPermutation(i)` is row i's shuffle.
 *  - gold = the letter where the preprocessed correct answer landed
 *    (`choices.index`, i.e. its first occurrence).
 *  - problem text = `get_mcq_fields(Question, choices)` (see mmluProProblem).
 *  - `subset_for_metrics` = `Subdomain` (e.g. "Organic Chemistry"); the
 *    high-level domain is kept in `data.domain`.
 * Prompt: `eval/aai/mcq-4choices` — the dataset's PROMPT_CONFIG and what the
 * Nemotron 3 Nano config passes; `eval/aai/mcq-4choices-boxed` also offered.
 * Extraction and scoring: NeMo-Skills multichoice evaluator (`extractMcqLetter`);
 * `symbolic_correct` = the letter equals the gold letter (METRICS_TYPE multichoice).
 */
import type { Benchmark, UnitScore } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { extractMcqLetter } from './mcq';
import { mmluProProblem } from './mmlu_pro';
import { rowOptionalString, rowString } from './rows';

// ---------------------------------------------------------------------------
// CPython's `random`: MT19937 seeded by init_by_array, getrandbits, shuffle
// ---------------------------------------------------------------------------

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * CPython's `random.Random` for the operations GPQA's preparation uses:
 * `seed(int)` (`init_by_array` over the 32-bit words of |seed|, least
 * significant first — Modules/_randommodule.c `random_seed`),
 * `getrandbits(k ≤ 32)` (`genrand_uint32() >> (32 - k)`), `_randbelow`
 * (rejection sampling on `n.bit_length()` bits) and `shuffle` (Fisher–Yates
 * from the end, `j = _randbelow(i + 1)`).
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  constructor(seed: number | bigint) {
    this.seed(seed);
  }

  seed(seed: number | bigint): void {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) throw new RangeError(`PythonRandom: seed must be an integer, got ${seed}`);
    let n = BigInt(seed);
    if (n < 0n) n = -n;
    const key: number[] = [];
    do {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    } while (n > 0n);
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** MT19937 `genrand_uint32`. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
        mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
      mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random.getrandbits(k)` for 1 ≤ k ≤ 32. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 1 || k > 32) throw new RangeError(`PythonRandom.getrandbits: k must be 1..32, got ${k}`);
    return this.nextUint32() >>> (32 - k);
  }

  /** `random._randbelow(n)` (the getrandbits variant) for 1 ≤ n ≤ 2^32 − 1. */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`PythonRandom.randbelow: n must be 1..2^32-1, got ${n}`);
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `random.shuffle(x)`, in place. */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
  }
}

// ---------------------------------------------------------------------------
// Preparation
// ---------------------------------------------------------------------------

/** prepare.py's `--random_seed` default. */
export const GPQA_SEED = 42;

const permutations: number[][] = [];
let stream: PythonRandom | undefined;

/**
 * Row `index`'s shuffle of [Incorrect 1, Incorrect 2, Incorrect 3, Correct]:
 * position p of the shown choices holds original choice `perm[p]` (0–2 the
 * incorrect answers, 3 the correct one). Deterministic: the (index+1)-th
 * `random.shuffle` of a 4-list after `random.seed(42)`.
 */
export function gpqaPermutation(index: number): number[] {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`gpqaPermutation: index must be a non-negative integer, got ${index}`);
  stream ??= new PythonRandom(GPQA_SEED);
  while (permutations.length <= index) {
    const p = [0, 1, 2, 3];
    stream.shuffle(p);
    permutations.push(p);
  }
  return [...permutations[index]!];
}

/** Python `str.strip()` with no argument: every character `str.isspace()` accepts. */
function pythonStrip(s: string): string {
  const ws = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
  return s.replace(new RegExp(`^${ws}+|${ws}+$`, 'g'), '');
}

/** prepare.py `preprocess` (adapted there from lm-evaluation-harness gpqa/generative). */
export function gpqaPreprocess(text: string | null | undefined): string {
  if (text === null || text === undefined) return ' ';
  let t = pythonStrip(text);
  t = t.split(' [title]').join('. ');
  t = t.split('  ').join(' ');
  return t;
}

/** The four shown choices and the gold letter of row `index`. */
export function gpqaChoices(
  correct: string | null | undefined,
  incorrect: readonly [string | null | undefined, string | null | undefined, string | null | undefined],
  index: number,
): { choices: string[]; expected: string } {
  const original = [gpqaPreprocess(incorrect[0]), gpqaPreprocess(incorrect[1]), gpqaPreprocess(incorrect[2]), gpqaPreprocess(correct)];
  const choices = gpqaPermutation(index).map((p) => original[p]!);
  const at = choices.indexOf(gpqaPreprocess(correct));
  return { choices, expected: String.fromCharCode(65 + at) };
}

// ---------------------------------------------------------------------------
// Prompt
// ---------------------------------------------------------------------------

/** User-message instruction per NeMo-Skills prompt config (each template is `<instruction>\n\n{problem}`). */
export const GPQA_PROMPT_CONFIGS: Readonly<Record<string, string>> = {
  'eval/aai/mcq-4choices':
    "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: A/B/C/D' (e.g. 'Answer: A').",
  'eval/aai/mcq-4choices-boxed':
    "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: \\boxed{A/B/C/D}' (e.g. 'Answer: \\boxed{A}').",
};
export const GPQA_DEFAULT_PROMPT_CONFIG = 'eval/aai/mcq-4choices';

/** The user message of a four-choice question under one of GPQA_PROMPT_CONFIGS (shared with `mmlu`). */
export function mcq4UserPrompt(task: string, question: string, choices: readonly string[], promptConfig?: string): string {
  const config = promptConfig ?? GPQA_DEFAULT_PROMPT_CONFIG;
  const instruction = GPQA_PROMPT_CONFIGS[config];
  if (instruction === undefined) {
    throw new Error(`${task}: unsupported prompt_config "${config}" (supported: ${Object.keys(GPQA_PROMPT_CONFIGS).join(', ')})`);
  }
  return `${instruction}\n\n${mmluProProblem(question, choices)}`;
}

export const gpqa: Benchmark = {
  promptConfigs: Object.keys(GPQA_PROMPT_CONFIGS),
  name: 'ns_gpqa',
  scorerVersion: '2',
  description: 'GPQA Diamond (198 questions, 4 options, gated: HF_TOKEN), NeMo-Skills eval/aai/mcq-4choices prompt, seeded choice shuffle, letter extraction, symbolic_correct',
  dataset: { hfRepo: 'Idavidrein/gpqa', hfConfig: 'gpqa_diamond', split: 'train', localFile: 'gpqa/diamond.jsonl', gated: true },
  // NeMo-Skills inference defaults: greedy decoding.
  defaults: { temperature: 0 },

  toSample(raw: Record<string, unknown>, index: number): Sample {
    const question = rowString('ns_gpqa', raw, 'Question', index, " (GPQA's original column names are expected)");
    const correct = rowOptionalString('ns_gpqa', raw, 'Correct Answer', index);
    if (correct === null) throw new Error(`ns_gpqa row ${index}: "Correct Answer" is missing`);
    const { choices, expected } = gpqaChoices(
      correct,
      [rowOptionalString('ns_gpqa', raw, 'Incorrect Answer 1', index), rowOptionalString('ns_gpqa', raw, 'Incorrect Answer 2', index), rowOptionalString('ns_gpqa', raw, 'Incorrect Answer 3', index)],
      index,
    );
    const subdomain = rowOptionalString('ns_gpqa', raw, 'Subdomain', index);
    const difficulty = rowOptionalString('ns_gpqa', raw, "Writer's Difficulty Estimate", index);
    const recordId = raw['Record ID'];
    return {
      id: typeof recordId === 'string' && recordId !== '' ? recordId : String(index),
      expected,
      ...(subdomain !== null ? { subset: subdomain } : {}),
      data: {
        question,
        options: choices,
        domain: rowOptionalString('ns_gpqa', raw, 'High-level domain', index),
        // prepare.py: re.split(r"\s*\(", estimate)[0]
        difficulty: difficulty === null ? null : (difficulty.split(/\s*\(/)[0] ?? ''),
      },
    };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    const messages: ChatMessage[] = [];
    if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
    messages.push({ role: 'user', content: mcq4UserPrompt('ns_gpqa', String(sample.data.question), sample.data.options as string[], options.promptConfig) });
    return messages;
  },

  score(responseText: string, sample: Sample): UnitScore {
    const predicted = extractMcqLetter(responseText);
    return { predicted, correct: predicted === sample.expected };
  },
};

/**
 * BFCL v4 data: one JSON-lines file per category, possible answers by id,
 * and the multi-turn function docs.
 *
 * Layout (gorilla berkeley-function-call-leaderboard/bfcl_eval/data/, the same
 * on the Hub in gorilla-llm/Berkeley-Function-Calling-Leaderboard; NeMo-Skills'
 * bfcl_v4 prepare.py clones the former):
 * - `BFCL_v4_<category>.json`: `id`, `question` (a list of turns, each a list
 *   of chat messages), `function` (function docs; absent for multi-turn,
 *   whose docs come from the involved classes);
 * - `possible_answer/BFCL_v4_<category>.json`: `id`, `ground_truth` (none
 *   for irrelevance, live_irrelevance, live_relevance);
 * - `multi_turn_func_doc/<class file>.json`: one function doc per line.
 *
 * Locally the directory `bfcl_v4/` of the dataset directory holds these files
 * (read in place). A row handed to the benchmark is
 * `{category, id, question, function, ground_truth}` for single-turn
 * categories and `{category, id, ground_truth, multi_turn}` for multi-turn
 * ones (`multi_turn`: the item built by multi-turn/index.ts).
 */
import { buildMultiTurnItem, MULTI_TURN_DOC_FILES } from './multi-turn';
import { AGENTIC_CATEGORIES, isMultiTurnCategory, NOT_RUN_REASONS, RUN_CATEGORIES } from './categories';
import { AGENTIC_MODULES, enabledAgenticCategories } from './agentic/index';
import type { DatasetFileReader, PromptOptions } from '../../lib/records/benchmark-data';
import { type PyValue, dumpJsonPy, isPyDict, parseJsonPy, pyToJson } from './py-values';

export const BFCL_LOCAL_DIR = 'bfcl_v4';
export const BFCL_HF_REPO = 'gorilla-llm/Berkeley-Function-Calling-Leaderboard';

/** Splits a config may select: everything evalflow runs ("test") or one category. */
export const BFCL_SPLITS: readonly string[] = ['test', ...RUN_CATEGORIES, ...AGENTIC_CATEGORIES];

type Read = DatasetFileReader;

/** The categories a split selects (agentic ones only when enabled), or an error naming the choices. */
export function categoriesForSplit(split: string, enabled: readonly string[] = []): string[] {
  if (split === 'test') return [...RUN_CATEGORIES, ...AGENTIC_CATEGORIES.filter((c) => enabled.includes(c))];
  if (RUN_CATEGORIES.includes(split) || enabled.includes(split)) return [split];
  const agentic = AGENTIC_CATEGORIES.includes(split) || split === 'web_search' || split === 'memory';
  if (agentic) {
    const names = AGENTIC_CATEGORIES.filter((c) => c.startsWith(split === 'memory' ? 'memory' : split === 'web_search' ? 'web_search' : split) && enabled.includes(c));
    if (names.length) return names;
    const reason = NOT_RUN_REASONS[split] ?? NOT_RUN_REASONS[split === 'memory' ? 'memory_kv' : 'web_search_base'];
    throw new Error(`ns_bfcl_v4: category "${split}" is ${reason}; or choose dataset_split "test" or one of: ${RUN_CATEGORIES.join(', ')}`);
  }
  if (split === 'format_sensitivity') {
    throw new Error('ns_bfcl_v4: format_sensitivity is not a scoring category of BFCL v4 (it is left out of the overall score); choose dataset_split "test" or a scoring category');
  }
  throw new Error(`ns_bfcl_v4: unknown dataset_split "${split}"; use "test" (all ${RUN_CATEGORIES.length} categories) or one of: ${RUN_CATEGORIES.join(', ')}`);
}

async function readFile(read: Read, rel: string): Promise<Record<string, unknown>[]> {
  const rows = await read(`${BFCL_LOCAL_DIR}/${rel}`, rel);
  if (rows === null) {
    throw new Error(`ns_bfcl_v4: ${rel} is missing (expected in ${BFCL_LOCAL_DIR}/ of the dataset directory, or in the Hub repository ${BFCL_HF_REPO}); a complete copy of gorilla's bfcl_eval/data is needed`);
  }
  return rows;
}

function idOf(row: Record<string, unknown>, where: string, index: number): string {
  const id = row.id;
  if (typeof id !== 'string' || id === '') throw new Error(`ns_bfcl_v4: ${where} line ${index + 1} has no string "id"`);
  return id;
}

/**
 * A possible-answer file read as the reference reads it (json.loads per line):
 * `5.0` is a float and `5` an int, which decides BFCL's type checks (an int
 * answer in a float list lets the model write ints there). JSON.parse cannot
 * tell them apart, so the file is read as text and each line parsed with
 * parseJsonPy; `exact` is the ground truth written back with its floats
 * marked (dumpJsonPy), `plain` the same as plain JSON (for `expected`).
 */
async function readAnswers(read: Read, rel: string): Promise<{ id: string; plain: unknown; exact: string }[]> {
  const got = await read(`${BFCL_LOCAL_DIR}/${rel}`, rel, undefined, true);
  if (got === null) {
    throw new Error(`ns_bfcl_v4: ${rel} is missing (expected in ${BFCL_LOCAL_DIR}/ of the dataset directory, or in the Hub repository ${BFCL_HF_REPO}); a complete copy of gorilla's bfcl_eval/data is needed`);
  }
  const text = String(got[0]?.text ?? '');
  const out: { id: string; plain: unknown; exact: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: PyValue;
    try {
      row = parseJsonPy(line);
    } catch (e) {
      throw new Error(`ns_bfcl_v4: ${rel} line ${i + 1} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!isPyDict(row)) throw new Error(`ns_bfcl_v4: ${rel} line ${i + 1} is not a JSON object`);
    const id = idOf(row as Record<string, unknown>, rel, i);
    const gt = row.ground_truth;
    if (!Array.isArray(gt)) throw new Error(`ns_bfcl_v4: ${rel} line ${i + 1} has no "ground_truth" list`);
    out.push({ id, plain: pyToJson(gt), exact: dumpJsonPy(gt) });
  });
  return out;
}

export function needsAnswers(category: string): boolean {
  return !(category.includes('irrelevance') || category.includes('relevance'));
}

/** DatasetSource.readRows for BFCL v4. */
export async function readBfclRows(read: Read, split: string, options?: PromptOptions): Promise<Record<string, unknown>[]> {
  const categories = categoriesForSplit(split, enabledAgenticCategories(options));
  const out: Record<string, unknown>[] = [];
  const docCache = new Map<string, unknown[]>();
  for (const category of categories.filter((c) => RUN_CATEGORIES.includes(c))) {
    const file = `BFCL_v4_${category}.json`;
    const rows = await readFile(read, file);
    let answers: Map<string, unknown> | null = null;
    let exact: Map<string, string> | null = null;
    if (needsAnswers(category)) {
      answers = new Map();
      exact = new Map();
      const answerFile = `possible_answer/${file}`;
      for (const a of await readAnswers(read, answerFile)) {
        answers.set(a.id, a.plain);
        exact.set(a.id, a.exact);
      }
    }
    for (const [i, row] of rows.entries()) {
      const id = idOf(row, file, i);
      const groundTruth = answers ? answers.get(id) : null;
      if (groundTruth === undefined) throw new Error(`ns_bfcl_v4: no possible answer for "${id}" in possible_answer/${file}`);
      if (isMultiTurnCategory(category)) {
        const classes = row.involved_classes;
        if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string')) {
          throw new Error(`ns_bfcl_v4: ${file} "${id}" has no "involved_classes" list of class names`);
        }
        const docs: Record<string, unknown[]> = {};
        for (const cls of classes as string[]) {
          const docFile = MULTI_TURN_DOC_FILES[cls];
          if (docFile === undefined) throw new Error(`ns_bfcl_v4: ${file} "${id}" involves the unknown class "${cls}" (known: ${Object.keys(MULTI_TURN_DOC_FILES).join(', ')})`);
          let doc = docCache.get(docFile);
          if (!doc) {
            doc = await readFile(read, `multi_turn_func_doc/${docFile}`);
            docCache.set(docFile, doc);
          }
          docs[cls] = doc;
        }
        out.push({ category, id, ground_truth: groundTruth, multi_turn: buildMultiTurnItem(row, groundTruth, docs) });
      } else {
        out.push({ category, id, question: row.question, function: row.function, ground_truth: groundTruth, ...(exact ? { ground_truth_py: exact.get(id) } : {}) });
      }
    }
  }
  // The agentic categories the task enabled, after the others (BFCL's order).
  for (const m of AGENTIC_MODULES) {
    const mine = categories.filter((c) => m.categories.includes(c));
    if (mine.length) out.push(...(await m.readRows(read, mine)));
  }
  return out;
}

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
import type { DatasetFileReader, PromptOptions } from '../types';

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
    if (needsAnswers(category)) {
      answers = new Map();
      const answerFile = `possible_answer/${file}`;
      (await readFile(read, answerFile)).forEach((a, i) => {
        if (!Array.isArray(a.ground_truth)) throw new Error(`ns_bfcl_v4: ${answerFile} line ${i + 1} has no "ground_truth" list`);
        answers!.set(idOf(a, answerFile, i), a.ground_truth);
      });
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
        out.push({ category, id, question: row.question, function: row.function, ground_truth: groundTruth });
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

/**
 * BFCL v4's scoring categories and which of them evalflow runs.
 *
 * gorilla bfcl_eval/constants/category_mapping.py (ALL_SCORING_CATEGORIES) and
 * NeMo-Skills nemo_skills/dataset/bfcl_v4/__init__.py (SPLITS) list 22
 * scoring categories. evalflow runs the 17 single- and multi-turn ones; the
 * five agentic ones need outside services and are reported as not run (never
 * as zero) — see NOT_RUN_REASONS. format_sensitivity is not a scoring
 * category: BFCL reports only its spread across prompt formats, it is not in
 * the overall score, and NeMo-Skills' prepare.py skips it.
 */

export const NON_LIVE_CATEGORIES = ['simple_python', 'simple_java', 'simple_javascript', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'] as const;
export const LIVE_CATEGORIES = ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance'] as const;
export const MULTI_TURN_CATEGORIES = ['multi_turn_base', 'multi_turn_miss_func', 'multi_turn_miss_param', 'multi_turn_long_context'] as const;
export const WEB_SEARCH_CATEGORIES = ['web_search_base', 'web_search_no_snippet'] as const;
export const MEMORY_CATEGORIES = ['memory_kv', 'memory_vector', 'memory_rec_sum'] as const;

/** The categories evalflow runs and scores, in BFCL's order. */
export const RUN_CATEGORIES: readonly string[] = [...NON_LIVE_CATEGORIES, ...LIVE_CATEGORIES, ...MULTI_TURN_CATEGORIES];

/** Scoring categories of BFCL v4 that evalflow does not run. */
export const AGENTIC_CATEGORIES: readonly string[] = [...WEB_SEARCH_CATEGORIES, ...MEMORY_CATEGORIES];

export const ALL_SCORING_CATEGORIES: readonly string[] = [...RUN_CATEGORIES, ...AGENTIC_CATEGORIES];

/**
 * Why the agentic categories are not run. Enabling them (not implemented in
 * this release) would take, per BFCL:
 * - web_search_base / web_search_no_snippet (BFCL_v4_web_search.json, 100
 *   questions asked twice, with and without search snippets): a multi-step
 *   agent loop whose tools call a real search engine (gorilla
 *   func_source_code/web_search.py queries SerpAPI with SERPAPI_API_KEY and
 *   fetches live web pages), scored by agentic_checker on the final answer.
 *   Results drift with the live web.
 * - memory_kv / memory_vector / memory_rec_sum (BFCL_v4_memory.json, 155
 *   questions per backend): the memory_prereq_conversation/ sessions must be
 *   played first to fill a memory backend (key-value store; FAISS vector store
 *   with a sentence-embedding model; recursive summarisation), whose state the
 *   scored questions then depend on.
 * A run would opt in through the task's extra.args (e.g.
 * `++bfcl_agentic=web_search,memory`) once a harness for these exists; until
 * then the categories are excluded and the overall score is marked partial.
 */
export const NOT_RUN_REASONS: Readonly<Record<string, string>> = {
  web_search_base: 'needs live web search (BFCL calls SerpAPI with SERPAPI_API_KEY and fetches web pages); not implemented in evalflow',
  web_search_no_snippet: 'needs live web search (BFCL calls SerpAPI with SERPAPI_API_KEY and fetches web pages); not implemented in evalflow',
  memory_kv: 'needs the key-value memory backend filled by the memory_prereq_conversation sessions; not implemented in evalflow',
  memory_vector: 'needs the vector memory backend (FAISS + an embedding model) filled by the memory_prereq_conversation sessions; not implemented in evalflow',
  memory_rec_sum: 'needs the recursive-summarisation memory backend filled by the memory_prereq_conversation sessions; not implemented in evalflow',
};

export function isMultiTurnCategory(category: string): boolean {
  return category.startsWith('multi_turn');
}

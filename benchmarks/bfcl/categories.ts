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
 * Why an agentic category was not run when the task did not enable it. The
 * agentic categories run only on request (`++bfcl_agentic=web_search,memory`
 * in the task's extra.args, see agentic/): they call outside services —
 * web_search_base / web_search_no_snippet a live search engine (BFCL:
 * SerpAPI with SERPAPI_API_KEY) and the pages it finds, whose answers drift
 * with the live web; memory_vector an embedding model — and the memory ones
 * first play the memory_prereq_conversation sessions into their backend.
 */
export const NOT_RUN_REASONS: Readonly<Record<string, string>> = {
  web_search_base: 'not run: needs live web search — enable it with ++bfcl_agentic=web_search in the task\'s extra.args and SERPAPI_API_KEY on the workers (or it was left out by dataset_split / limit_samples)',
  web_search_no_snippet: 'not run: needs live web search — enable it with ++bfcl_agentic=web_search in the task\'s extra.args and SERPAPI_API_KEY on the workers (or it was left out by dataset_split / limit_samples)',
  memory_kv: 'not run: needs the key-value memory filled by the prerequisite conversations — enable it with ++bfcl_agentic=memory in the task\'s extra.args (or it was left out by dataset_split / limit_samples)',
  memory_vector: 'not run: needs the vector memory and an embedding model — enable it with ++bfcl_agentic=memory in the task\'s extra.args and EVALFLOW_EMBEDDINGS_URL on the workers (or it was left out by dataset_split / limit_samples)',
  memory_rec_sum: 'not run: needs the recursive-summary memory filled by the prerequisite conversations — enable it with ++bfcl_agentic=memory in the task\'s extra.args (or it was left out by dataset_split / limit_samples)',
};

export function isMultiTurnCategory(category: string): boolean {
  return category.startsWith('multi_turn');
}

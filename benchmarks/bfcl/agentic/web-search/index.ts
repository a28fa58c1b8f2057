/** PLACEHOLDER (being written): BFCL v4 web_search categories. */
import type { AgenticModule } from '../types';

const notYet = (): never => {
  throw new Error('ns_bfcl_v4: the web_search categories are not implemented yet');
};

export const webSearch: AgenticModule = {
  name: 'web_search',
  categories: ['web_search_base', 'web_search_no_snippet'],
  needs: 'SERPAPI_API_KEY on the workers (web search through SerpAPI) and access to the open web',
  readRows: async () => notYet(),
  toSample: notYet,
  prompt: notYet,
  tools: notYet,
  next: notYet,
  score: notYet,
  maxCalls: 1,
};

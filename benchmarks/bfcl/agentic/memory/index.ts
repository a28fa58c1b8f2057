/** PLACEHOLDER (being written): BFCL v4 memory categories. */
import type { AgenticModule } from '../types';

const notYet = (): never => {
  throw new Error('ns_bfcl_v4: the memory categories are not implemented yet');
};

export const memory: AgenticModule = {
  name: 'memory',
  categories: ['memory_kv', 'memory_vector', 'memory_rec_sum'],
  needs: 'an OpenAI-compatible embeddings endpoint for memory_vector',
  readRows: async () => notYet(),
  toSample: notYet,
  prompt: notYet,
  tools: notYet,
  next: notYet,
  score: notYet,
  maxCalls: 1,
};

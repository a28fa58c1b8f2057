/**
 * The agentic modules and which of them a run enables: `++bfcl_agentic=`
 * a comma-separated list of module names (web_search, memory) or single
 * categories (e.g. memory_kv), or `all`.
 */
import type { PromptOptions } from '../../../lib/records/benchmark-data';
import { memory } from './memory/index';
import type { AgenticModule } from './types';
import { webSearch } from './web-search/index';

export const AGENTIC_MODULES: readonly AgenticModule[] = [webSearch, memory];

/** The agentic categories a task enables, with clear errors for unknown names. */
export function enabledAgenticCategories(options: PromptOptions | undefined): string[] {
  const raw = options?.benchmarkArgs?.bfcl_agentic;
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'none') return [];
  const out = new Set<string>();
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part === 'all') AGENTIC_MODULES.forEach((m) => m.categories.forEach((c) => out.add(c)));
    else {
      const m = AGENTIC_MODULES.find((x) => x.name === part);
      if (m) m.categories.forEach((c) => out.add(c));
      else if (AGENTIC_MODULES.some((x) => x.categories.includes(part))) out.add(part);
      else {
        const names = [...AGENTIC_MODULES.map((x) => x.name), ...AGENTIC_MODULES.flatMap((x) => x.categories), 'all'];
        throw new Error(`ns_bfcl_v4: ++bfcl_agentic names "${part}", which is none of: ${names.join(', ')}`);
      }
    }
  }
  return [...out];
}

export function agenticModuleOf(category: string): AgenticModule | undefined {
  return AGENTIC_MODULES.find((m) => m.categories.includes(category));
}

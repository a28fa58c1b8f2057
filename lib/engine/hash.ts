import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Content address of one model call (docs/architecture.md, invariant 3): the exact request
 * payload, the route it goes to, and the repeat index. Two repeats of the same
 * prompt are two calls; the same call in a retry, a resumed run or a re-run
 * with the same config is one.
 */
export function requestHash(route: 'chat' | 'completions', payload: unknown, repeat: number): string {
  return sha256(canonicalJson({ v: 1, route, payload, repeat }));
}

/**
 * Which `execution.pricing` entries price an endpoint (README, "Tokens, cost
 * and a budget"): an entry matches when its model_id is the endpoint's and,
 * when it gives a url, that url is the endpoint's (trailing slashes ignored).
 * Validation (schema.ts, load.ts) refuses two entries matching one endpoint,
 * so at most one ever prices it; lib/engine/cost.ts priceFor reads it.
 */
import type { PriceEntry } from '../records/types';

function sameUrl(a: string, b: string): boolean {
  return a.trim().replace(/\/+$/, '').toLowerCase() === b.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * Indices of the entries that match the endpoint, in config order — for
 * `execution.pricing` and `execution.endpoint_limits` alike (the same rule).
 */
export function matchingPriceIndices(pricing: readonly Pick<PriceEntry, 'model_id' | 'url'>[] | undefined, endpoint: { url: string; model_id: string }): number[] {
  const out: number[] = [];
  (pricing ?? []).forEach((p, i) => {
    if (p.model_id === endpoint.model_id && (p.url === undefined || sameUrl(p.url, endpoint.url))) out.push(i);
  });
  return out;
}

/** The message for an endpoint that several entries match. */
export function ambiguousPriceMessage(indices: number[], what: string, endpoint: { url: string; model_id: string }): string {
  return (
    `entries ${indices.map((i) => `execution.pricing[${i}]`).join(' and ')} all match the ${what} (model_id '${endpoint.model_id}', url ${endpoint.url}); ` +
    'keep one entry per endpoint (give url on an entry to tell endpoints serving the same model_id apart)'
  );
}

/** The message for a budget that cannot be enforced because an endpoint has no price. */
export function missingPriceMessage(what: string, endpoint: { url: string; model_id: string }): string {
  return (
    `execution.budget_usd is set, but no execution.pricing entry matches the ${what} (model_id '${endpoint.model_id}', url ${endpoint.url}), so its cost cannot be computed; ` +
    `add one, e.g. execution.pricing: [{model_id: '${endpoint.model_id}', input_per_million: 0.5, output_per_million: 1.5}] (USD per million prompt / completion tokens), or remove budget_usd`
  );
}

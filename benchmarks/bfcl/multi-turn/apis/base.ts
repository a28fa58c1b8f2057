/**
 * Common machinery of the simulated BFCL multi-turn APIs
 * (bfcl_eval/eval_checker/multi_turn_eval/func_source_code/*.py).
 *
 * Each class declares its public methods with their Python signatures; the
 * executor binds call arguments to them with Python's rules (and error
 * messages), and `state()` lists the public attributes the state checker
 * compares (`vars(instance)` minus names starting with "_").
 */

import { PyException, type PyDict } from '../pyrepr';

export type Args = Record<string, unknown>;

export interface Param {
  name: string;
  /** Present when the parameter has a default; a factory so mutable defaults are fresh per call. */
  dflt?: () => unknown;
}

export interface Method {
  params: Param[];
  call(args: Args): unknown;
}

export abstract class SimApi {
  abstract readonly className: string;
  /** MathAPI is in BFCL's STATELESS_CLASSES: no `_load_scenario`, no state. */
  readonly stateless: boolean = false;
  private readonly table = new Map<string, Method>();

  /** Declare a public method: `sig` is `name(p1, p2=default, …)` with Python-literal defaults. */
  protected def(sig: string, fn: (a: Args) => unknown): void {
    const m = /^(\w+)\((.*)\)$/.exec(sig.trim());
    if (!m) throw new Error(`bad signature ${sig}`);
    const params: Param[] = [];
    const body = m[2]!.trim();
    if (body) {
      for (const part of body.split(/,\s*/)) {
        const eq = part.indexOf('=');
        if (eq < 0) params.push({ name: part.trim() });
        else {
          const name = part.slice(0, eq).trim();
          const lit = part.slice(eq + 1).trim();
          params.push({ name, dflt: () => parseDefault(lit) });
        }
      }
    }
    this.table.set(m[1]!, { params, call: fn });
  }

  methodNames(): string[] {
    return [...this.table.keys()];
  }

  method(name: string): Method | undefined {
    return this.table.get(name);
  }

  /** `_load_scenario(deepcopy(initial_config[class]), long_context)`. */
  abstract load(config: PyDict, longContext: boolean): void;

  /** Public attributes in definition order, as `vars(instance)` lists them. */
  abstract state(): [string, unknown][];
}

function parseDefault(lit: string): unknown {
  switch (lit) {
    case 'None':
      return null;
    case 'True':
      return true;
    case 'False':
      return false;
    case '[]':
      return [];
    case '{}':
      return new Map();
  }
  if (/^-?\d+$/.test(lit)) return Number(lit);
  if (/^-?\d*\.\d+$/.test(lit)) return Number(lit);
  if (/^'.*'$/.test(lit) || /^".*"$/.test(lit)) return lit.slice(1, -1);
  throw new Error(`unsupported default ${lit}`);
}

/** `config.get(key, fallback)`. */
export function cfg<T>(config: PyDict, key: string, fallback: T): T {
  return (config.has(key) ? config.get(key) : fallback) as T;
}

/** Truthiness as Python's `bool()`. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  if (typeof v === 'object' && 'value' in (v as object) && typeof (v as { value: unknown }).value === 'number') return (v as { value: number }).value !== 0;
  return true;
}

/** Raise a Python KeyError (str(e) is the key's repr). */
export function keyError(repr: string): never {
  throw new PyException('KeyError', repr);
}

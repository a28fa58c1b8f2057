/**
 * Executing calls against the simulated APIs, as bfcl_eval
 * multi_turn_utils.execute_multi_turn_func_call does: one instance per
 * involved class, loaded with `_load_scenario(deepcopy(initial_config[cls]),
 * long_context)` (MathAPI is stateless and not loaded); every public method of
 * every involved class is callable by its bare name (a later class wins a name
 * clash); `kill`, `exit`, `quit`, `remove`, `unlink`, `popen`, `Popen` and
 * `run` are refused; a str result is shown as is, a dict through json.dumps
 * (str() when not serialisable), anything else through str(); an exception
 * becomes "Error during execution: <str(e)>".
 */

import type { ParsedCallFull } from '../parse';
import { SimApi, type Args, type Param } from './apis/base';
import { GorillaFileSystem } from './apis/gorilla-file-system';
import { MathAPI } from './apis/math-api';
import { MessageAPI } from './apis/message-api';
import { TicketAPI } from './apis/ticket-api';
import { TradingBot } from './apis/trading-bot';
import { TravelAPI } from './apis/travel-api';
import { TwitterAPI } from './apis/twitter-api';
import { VehicleControlAPI } from './apis/vehicle-control';
import { PyException, renderResult, toPy, type PyDict } from './pyrepr';

export const API_CLASSES: Record<string, () => SimApi> = {
  GorillaFileSystem: () => new GorillaFileSystem(),
  MathAPI: () => new MathAPI(),
  MessageAPI: () => new MessageAPI(),
  TwitterAPI: () => new TwitterAPI(),
  TicketAPI: () => new TicketAPI(),
  TradingBot: () => new TradingBot(),
  TravelAPI: () => new TravelAPI(),
  VehicleControlAPI: () => new VehicleControlAPI(),
};

const FORBIDDEN = ['kill', 'exit', 'quit', 'remove', 'unlink', 'popen', 'Popen', 'run'];

/** The instances of one execution context (the model's, or the ground truth's). */
export class Env {
  readonly instances = new Map<string, SimApi>();
  private readonly owner = new Map<string, SimApi>();

  constructor(involvedClasses: readonly string[], initialConfig: Record<string, unknown>, longContext: boolean) {
    for (const cls of involvedClasses) {
      const make = API_CLASSES[cls];
      if (!make) throw new Error(`BFCL multi-turn: unknown involved class "${cls}" (known: ${Object.keys(API_CLASSES).join(', ')})`);
      const inst = make();
      if (!inst.stateless) {
        const conf = initialConfig[cls];
        inst.load((conf === undefined ? new Map() : toPy(conf)) as PyDict, longContext);
      }
      this.instances.set(cls, inst);
      for (const m of inst.methodNames()) this.owner.set(m, inst);
    }
  }

  /** Execute one call; returns the text the model sees. */
  execute(call: ParsedCallFull): string {
    try {
      return renderResult(this.invoke(call));
    } catch (e) {
      if (e instanceof PyException) return `Error during execution: ${e.message}`;
      if (e instanceof RangeError) return `Error during execution: ${e.message}`;
      throw e;
    }
  }

  private invoke(call: ParsedCallFull): unknown {
    const parts = call.name.split('.');
    const base = parts.length > 1 ? parts[1]! : parts[0]!;
    if (FORBIDDEN.includes(base)) throw new PyException('Exception', `Function call ${base} is not allowed.`);
    if (parts.length > 1) {
      // eval("a.b(...)"): the bare first name is looked up as a global
      throw new PyException('NameError', `name '${parts[0]}' is not defined`);
    }
    const inst = this.owner.get(call.name);
    if (!inst) throw new PyException('NameError', `name '${call.name}' is not defined`);
    const method = inst.method(call.name)!;
    return method.call(bindArgs(`${inst.className}.${call.name}()`, method.params, call));
  }
}

/**
 * Bind a call's positional and keyword arguments to a method's parameters as
 * Python does, with Python's TypeError messages (the model sees them).
 */
export function bindArgs(qual: string, params: readonly Param[], call: ParsedCallFull): Args {
  const bound: Args = {};
  if (call.positional.length > params.length) {
    const nreq = params.filter((p) => !p.dflt).length + 1;
    const nmax = params.length + 1;
    const takes = nreq === nmax ? `${nmax} positional argument${nmax === 1 ? '' : 's'}` : `from ${nreq} to ${nmax} positional arguments`;
    const given = call.positional.length + 1;
    throw new PyException('TypeError', `${qual} takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`);
  }
  call.positional.forEach((v, i) => (bound[params[i]!.name] = toPy(v)));
  for (const [k, v] of Object.entries(call.args)) {
    if (!params.some((p) => p.name === k)) throw new PyException('TypeError', `${qual} got an unexpected keyword argument '${k}'`);
    if (k in bound) throw new PyException('TypeError', `${qual} got multiple values for argument '${k}'`);
    bound[k] = toPy(v);
  }
  const missing = params.filter((p) => !(p.name in bound) && !p.dflt).map((p) => `'${p.name}'`);
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : missing.length === 2 ? `${missing[0]} and ${missing[1]}` : `${missing.slice(0, -1).join(', ')}, and ${missing[missing.length - 1]}`;
    throw new PyException('TypeError', `${qual} missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`);
  }
  for (const p of params) if (!(p.name in bound)) bound[p.name] = p.dflt!();
  return bound;
}

/** Positional parameter names of a method of the given classes (to turn ground-truth positional calls into keyword calls). */
export function paramNames(involvedClasses: readonly string[], name: string): string[] | null {
  let found: string[] | null = null;
  for (const cls of involvedClasses) {
    const make = API_CLASSES[cls];
    if (!make) continue;
    const m = make().method(name);
    if (m) found = m.params.map((p) => p.name);
  }
  return found;
}

/**
 * BFCL's multi-turn checker (eval_checker/multi_turn_eval/multi_turn_checker.py
 * `multi_turn_checker`), per user turn:
 *   - the model's decoded calls of every step are executed on the model's
 *     instances, the turn's ground truth on separate ground-truth instances
 *     (both persist across turns, both start from the initial config);
 *   - ground truth non-empty but the model made no call → empty_turn_model_response;
 *   - ground truth empty (miss_func / miss_param turns): nothing is checked
 *     (the irrelevance checker is disabled in eval_runner.py);
 *   - state check: every public attribute of every ground-truth instance must
 *     equal the model instance's (instance_state_mismatch);
 *   - response check: each ground-truth execution result of this turn must
 *     appear (as a multiset, any order) among the model's results of all turns
 *     so far (execution_response_mismatch).
 */

import type { ParsedCallFull } from '../parse';
import { parsePythonCalls } from '../parse';
import { Env } from './executor';
import type { MultiTurnItem } from './index';
import { pyEqual, toPlain } from './pyrepr';

export interface CheckResult {
  valid: boolean;
  details: Record<string, unknown>;
}

const MAX_DETAIL = 2000;

function bounded(v: unknown): unknown {
  const s = JSON.stringify(toPlain(v));
  if (s === undefined) return null;
  return s.length > MAX_DETAIL ? s.slice(0, MAX_DETAIL) + '…' : JSON.parse(s);
}

function boundedList(xs: string[]): string[] {
  return xs.slice(0, 20).map((x) => (x.length > 300 ? x.slice(0, 300) + '…' : x));
}

export function checkMultiTurn(item: MultiTurnItem, decoded: ParsedCallFull[][][]): CheckResult {
  const modelEnv = new Env(item.involved_classes, item.initial_config, item.long_context);
  const gtEnv = new Env(item.involved_classes, item.initial_config, item.long_context);
  const allModelResults: string[] = [];
  for (let t = 0; t < item.ground_truth.length; t++) {
    const steps = decoded[t] ?? [];
    const modelResults: string[] = [];
    for (const step of steps) for (const call of step) modelResults.push(modelEnv.execute(call));
    const gtCalls = item.ground_truth[t]!.flatMap((c) => parsePythonCalls(c));
    const gtResults = gtCalls.map((c) => gtEnv.execute(c));
    allModelResults.push(...modelResults);
    if (gtCalls.length > 0 && (steps.length === 0 || (steps.length === 1 && steps[0]!.length === 0))) {
      return { valid: false, details: { error_type: 'multi_turn:empty_turn_model_response', turn: t, message: `Model response list is empty for turn ${t}` } };
    }
    if (gtCalls.length === 0) continue;
    for (const [cls, gtInst] of gtEnv.instances) {
      const modelInst = modelEnv.instances.get(cls)!;
      const modelState = new Map(modelInst.state());
      const differences: Record<string, unknown> = {};
      let same = true;
      for (const [attr, gtValue] of gtInst.state()) {
        const mv = modelState.get(attr);
        if (!pyEqual(mv, gtValue)) {
          same = false;
          differences[attr] = { model: bounded(mv), ground_truth: bounded(gtValue) };
        }
      }
      if (!same) {
        return {
          valid: false,
          details: { error_type: 'multi_turn:instance_state_mismatch', turn: t, message: `Model instance for ${cls} does not match the state with ground truth instance.`, differences },
        };
      }
    }
    const pool = [...allModelResults];
    const missing: string[] = [];
    for (const r of gtResults) {
      const idx = pool.indexOf(r);
      if (idx < 0) missing.push(r);
      else pool.splice(idx, 1);
    }
    if (missing.length > 0) {
      return {
        valid: false,
        details: {
          error_type: 'multi_turn:execution_response_mismatch',
          turn: t,
          message: `Model response execution results so far does not contain all the ground truth response execution results for turn ${t}.`,
          missing_items: boundedList(missing),
          model_results_this_turn: boundedList(modelResults),
        },
      };
    }
  }
  return { valid: true, details: {} };
}

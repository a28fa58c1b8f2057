/**
 * Instruction-following evaluation shared by IFEval and IFBench: a registry of
 * instruction checkers, strict and loose evaluation of one response, and the
 * four metrics (prompt/instruction × strict/loose).
 *
 * Reference: google-research `instruction_following_eval/evaluation_lib.py`
 * (test_instruction_following_strict / _loose) and allenai/IFBench, which
 * reuses the same evaluation library; NeMo-Skills runs both unchanged.
 */

export type Kwargs = Record<string, unknown>;

/** One instruction type, e.g. "punctuation:no_comma". Pure: same input, same answer. */
export interface InstructionChecker {
  id: string;
  /** True when `response` follows the instruction with these kwargs. `prompt` is the full user prompt (some checkers need it). */
  check(response: string, kwargs: Kwargs, prompt: string): boolean;
}

export interface InstructionResult {
  id: string;
  strict: boolean;
  loose: boolean;
}

export class UnknownInstructionError extends Error {
  override name = 'UnknownInstructionError';
}

/**
 * The loose variants of a response, as the reference builds them: the
 * response, without its first line, without its last line, without both;
 * and each of those with every `*` removed. An instruction is loosely
 * followed when any non-empty variant follows it.
 */
export function looseVariants(response: string): string[] {
  const lines = response.split('\n');
  const withoutFirst = lines.slice(1).join('\n').trim();
  const withoutLast = lines.slice(0, -1).join('\n').trim();
  const withoutBoth = lines.slice(1, -1).join('\n').trim();
  const base = [response, withoutFirst, withoutLast, withoutBoth];
  return [...base, ...base.map((r) => r.replace(/\*/g, ''))];
}

/** Strict and loose results for each instruction of one prompt. */
export function evaluateInstructions(
  response: string,
  prompt: string,
  ids: readonly string[],
  kwargsList: readonly Kwargs[],
  registry: ReadonlyMap<string, InstructionChecker>,
): InstructionResult[] {
  const variants = looseVariants(response);
  return ids.map((id, i) => {
    const checker = registry.get(id);
    if (!checker) throw new UnknownInstructionError(`no checker for instruction '${id}'`);
    // The reference drops None-valued kwargs before building the instruction.
    const kwargs = Object.fromEntries(Object.entries(kwargsList[i] ?? {}).filter(([, v]) => v !== null && v !== undefined));
    const strict = response.trim() !== '' && checker.check(response, kwargs, prompt);
    const loose = strict || variants.some((v) => v.trim() !== '' && checker.check(v, kwargs, prompt));
    return { id, strict, loose };
  });
}

export function registryOf(checkers: readonly InstructionChecker[]): Map<string, InstructionChecker> {
  const m = new Map<string, InstructionChecker>();
  for (const c of checkers) {
    if (m.has(c.id)) throw new Error(`duplicate instruction checker '${c.id}'`);
    m.set(c.id, c);
  }
  return m;
}

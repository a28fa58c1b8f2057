/**
 * SciCode prompts and code extraction, as NeMo-Skills builds them
 * (`nemo_skills/inference/eval/scicode.py`, `scicode_utils.py`, adapted from
 * scicode-bench/SciCode `eval/scripts/gencode.py`).
 *
 * One model call per sub-step. The request for step i shows the descriptions
 * (with background when `with_background`) and code of every earlier step,
 * then step i's description and `function_header` + "\n\n" + `return_line`.
 * The code of an earlier step is what was extracted from the model's reply to
 * it, or, for the three sub-steps SciCode fills with reference code instead of
 * asking (13.6, 62.1, 76.3), that reference code.
 */

/** A sub-step as the prompt and the tests need it. */
export interface SciCodeStep {
  step_number: string;
  step_description_prompt: string;
  step_background: string;
  function_header: string;
  return_line: string;
  test_cases: string[];
}

/** A problem, normalised from a dataset row. */
export interface SciCodeProblem {
  problem_id: string;
  required_dependencies: string;
  sub_steps: SciCodeStep[];
  /** 0-based step index → code SciCode fills in instead of asking the model. */
  prefilled: Record<number, string>;
}

/**
 * The sub-steps SciCode does not ask the model for (0-based index per problem
 * id): gencode.py skips `(prob_id == "13" and i == 5) or (prob_id == "62" and
 * i == 0) or (prob_id == "76" and i == 2)` and loads `eval/data/<id>.<i+1>.txt`;
 * NeMo-Skills keeps the same three as `prefilled_steps_code` and, since they
 * are never generated, never evaluates them (they are not in `generation`, so
 * not in `eval_status`, so not in the sub-step totals).
 */
export const PREFILLED_STEPS: Readonly<Record<string, number>> = { '13': 5, '62': 0, '76': 2 };

/** NeMo-Skills `eval/scicode/default.yaml` user template (SciCode `background_comment_template.txt` + "/no_think"). */
export const DEFAULT_TEMPLATE = `PROBLEM DESCRIPTION:
You will be provided with the main description of the problem, previous steps, and the next step. Your task will be to generate the disciplinary knowledge necessary for solving the next step and then develop a Python solution focused on this step.

PREVIOUS STEPS DESCRIPTION:
{problem_steps_str}

NEXT STEP - PROBLEM DESCRIPTION AND FUNCTION HEADER:
This part will describe the next step in the problem-solving process. First, provide the necessary scientific background knowledge as a comment at the beginning of your response, starting with 'Background: '. Then, a function header will be provided, and your task is to develop the Python code for this next step based on the provided description and function header.

{next_step_str}

DEPENDENCIES:
Use only the following dependencies in your solution. Do not include these dependencies at the beginning of your code.
{dependencies}

RESPONSE GUIDELINES:
1. Start with the scientific background required for the next step, formatted as a comment.
2. Then write the complete and executable Python program for the next step in a single block.
3. Your response should focus exclusively on implementing the solution for the next step, adhering closely to the specified function header and the context provided by the initial steps.
4. DO NOT include previous function code, example usage or test code in your response.
5. Ensure your response is in the format of \`\`\`python\`\`\` and includes the necessary background as a comment at the top.

Example:
\`\`\`python
# Background: [Here, insert the necessary scientific knowledge required for the next step.]

[Insert the Python code here based on the provided function header and dependencies.]
\`\`\`
/no_think`;

/** NeMo-Skills `eval/scicode/background.yaml` user template (SciCode `multistep_template.txt`). */
export const BACKGROUND_TEMPLATE = `PROBLEM DESCRIPTION:
You will be provided with problem steps along with background knowledge necessary for solving the problem. Your task will be to develop a Python solution focused on the next step of the problem-solving process.

PROBLEM STEPS AND FUNCTION CODE:
Here, you'll find the Python code for the initial steps of the problem-solving process. This code is integral to building the solution.

{problem_steps_str}

NEXT STEP - PROBLEM STEP AND FUNCTION HEADER:
This part will describe the next step in the problem-solving process. A function header will be provided, and your task is to develop the Python code for this next step based on the provided description and function header.

{next_step_str}

DEPENDENCIES:
Use only the following dependencies in your solution. Do not include these dependencies at the beginning of your code.

{dependencies}

RESPONSE GUIDELINES:
Now, based on the instructions and information provided above, write the complete and executable Python program for the next step in a single block.
Your response should focus exclusively on implementing the solution for the next step, adhering closely to the specified function header and the context provided by the initial steps.
Your response should NOT include the dependencies and functions of all previous steps. If your next step function calls functions from previous steps, please make sure it uses the headers provided without modification.
DO NOT generate EXAMPLE USAGE OR TEST CODE in your response. Please make sure your response python code in format of \`\`\`python\`\`\`.`;

export const SCICODE_TEMPLATES: Readonly<Record<string, string>> = {
  'eval/scicode/default': DEFAULT_TEMPLATE,
  'eval/scicode/background': BACKGROUND_TEMPLATE,
};

/** The prompt config NeMo-Skills' scicode dataset module passes (`++prompt_config=eval/scicode/default`). */
export const SCICODE_DEFAULT_PROMPT_CONFIG = 'eval/scicode/default';

function stepText(step: SciCodeStep, withBackground: boolean): string {
  return withBackground ? `${step.step_description_prompt}\n${step.step_background}` : step.step_description_prompt;
}

/**
 * `process_problem_steps`: the earlier steps (description, code, "------"
 * between them), the next step (description, header + return line) and the
 * earlier code joined by newlines.
 */
export function processProblemSteps(
  problem: SciCodeProblem,
  stepIndex: number,
  previousCode: readonly string[],
  withBackground: boolean,
): { problemStepsStr: string; nextStepStr: string; previousCodeStr: string } {
  const lines: string[] = [];
  for (let i = 0; i < stepIndex; i++) {
    const code = previousCode[i];
    if (code === undefined) throw new Error(`scicode: no code for step ${problem.sub_steps[i]?.step_number ?? i} before step ${problem.sub_steps[stepIndex]?.step_number ?? stepIndex}`);
    lines.push(stepText(problem.sub_steps[i]!, withBackground), code, '------');
  }
  const step = problem.sub_steps[stepIndex];
  if (!step) throw new Error(`scicode: problem ${problem.problem_id} has no step index ${stepIndex}`);
  const next = [stepText(step, withBackground), `${step.function_header}\n\n${step.return_line}`];
  return {
    problemStepsStr: lines.slice(0, -1).join('\n\n'),
    nextStepStr: next.join('\n\n'),
    previousCodeStr: previousCode.slice(0, stepIndex).join('\n'),
  };
}

/** Fill a template's `{problem_steps_str}`, `{next_step_str}`, `{dependencies}` (Python str.format with exactly these fields). */
export function fillTemplate(template: string, fields: { problem_steps_str: string; next_step_str: string; dependencies: string }): string {
  return template.replace(/\{(problem_steps_str|next_step_str|dependencies)\}/g, (_, name: keyof typeof fields) => fields[name]);
}

/**
 * SciCode `extract_python_script` (gen/models.py; NeMo-Skills scicode_utils):
 * the text after the first "```python" up to the next "```", else between the
 * first two "```", else the whole reply; then every import line is removed
 * (`re.sub(r'^\s*(import .*|from .*\s+import\s+.*)', '', …, flags=re.MULTILINE)`)
 * because the dependencies are put in front of every program.
 */
export function extractPythonScript(response: string): string {
  let script: string;
  if (response.includes('```')) {
    if (response.includes('```python')) script = (response.split('```python')[1] ?? '').split('```')[0] ?? '';
    else script = response.split('```')[1] ?? '';
  } else {
    script = response;
  }
  return script.replace(/^\s*(import .*|from .*\s+import\s+.*)/gm, '');
}

/** SciCode parse.py `extract_function_name`: the name after `def`, else after `class … (`. */
export function extractFunctionName(functionHeader: string): string {
  const def = /\bdef\s+(\w+)\s*\(/.exec(functionHeader);
  if (def) return def[1]!;
  const cls = /\bclass\s+(\w+)\s*\(/.exec(functionHeader);
  if (cls) return cls[1]!;
  throw new Error(`scicode: no function or class name in function_header ${JSON.stringify(functionHeader.slice(0, 80))}`);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * The source of the def/class named `name` in `code`, dedented — SciCode's
 * `get_function_from_code` (the first such node in `ast.walk` order, i.e. the
 * least-nested one), which NeMo-Skills uses for the prefilled steps. SciCode
 * returns `ast.unparse(node)`; this keeps the node's own source text instead
 * (same code, but comments and original formatting kept — see the report on
 * prompt fidelity for problems 13, 62 and 76). Null when there is none.
 */
export function functionSource(code: string, name: string): string | null {
  const lines = code.replace(/\r\n?/g, '\n').split('\n');
  const head = new RegExp(`^[ \\t]*(?:async[ \\t]+)?(?:def|class)[ \\t]+${name}\\b`);
  let best = -1;
  for (let i = 0; i < lines.length; i++) {
    if (head.test(lines[i]!) && (best === -1 || indentOf(lines[i]!) < indentOf(lines[best]!))) best = i;
  }
  if (best === -1) return null;
  const base = indentOf(lines[best]!);
  let start = best;
  while (start > 0 && lines[start - 1]!.trim().startsWith('@') && indentOf(lines[start - 1]!) === base) start--;

  // The header ends at the first line ending in ':' outside brackets.
  let depth = 0;
  let i = best;
  for (; i < lines.length; i++) {
    for (const ch of lines[i]!) {
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
    }
    if (depth <= 0 && /:\s*(#.*)?$/.test(lines[i]!)) break;
  }
  // The body runs until a non-blank line at or left of the header's indent,
  // ignoring lines inside triple-quoted strings.
  let end = i + 1;
  let inString: string | null = null;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (inString === null && line.trim() !== '' && indentOf(line) <= base) break;
    for (const m of line.matchAll(/"""|'''/g)) {
      if (inString === null) inString = m[0];
      else if (inString === m[0]) inString = null;
    }
  }
  const block = lines.slice(start, end);
  while (block.length > 0 && block[block.length - 1]!.trim() === '') block.pop();
  // Dedent, except lines that start inside a triple-quoted string (their
  // text is part of the string's value, which ast.unparse keeps).
  const out: string[] = [];
  let open: string | null = null;
  for (const l of block) {
    out.push(open !== null ? l : l.slice(0, base).trim() === '' ? l.slice(base) : l.trimStart());
    for (const m of l.matchAll(/"""|'''/g)) {
      if (open === null) open = m[0];
      else if (open === m[0]) open = null;
    }
  }
  return out.join('\n');
}

/**
 * A generated corpus of multiple-choice answer texts, for the differential
 * test of `extractMcqLetter` against NeMo-Skills 0b012df8 `extract_letter`
 * (test/unit/mcq.test.ts). Deterministic: the same list every time, so the
 * reference's verdicts, derived once by running the reference function on it
 * (scripts/derive-ns-fixtures.sh), are stored as a plain list in
 * test/fixtures/mcq-0b012df8.json next to the corpus's sha256.
 *
 * Styles × letter spellings × surrounding text: `Answer: X` and its markdown
 * and spacing variants, `\boxed{}` with text/bold/parentheses, `The final
 * answer is X` on the last line or not, several answers, lower-case,
 * full-width, Arabic and Bengali letters, digits, letters Python folds
 * under IGNORECASE (ſ ı İ K), Unicode spaces, truncated texts and texts
 * with no answer at all.
 *
 * Run `node dist/test/corpora/mcq.js` to print the corpus as JSON.
 */
/** Letter spellings: gold-like capitals, lower case, full-width, Arabic, Bengali, digits, Python case-folding oddities. */
const LETTERS = [
  'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J',
  'a', 'c', 'j',
  'Ａ', 'Ｂ', 'Ｃ', 'Ｄ',
  'أ', 'ب', 'ج', 'د',
  'অ', 'ব', 'ড', 'ঢ',
  '1', '7',
  'ſ', 'ı', 'İ', 'K',
];

/** How a model writes its chosen letter X (a second letter Y for templates with two). */
const TEMPLATES: Array<(x: string, y: string) => string> = [
  (x) => `Answer: ${x}`,
  (x) => `Answer:${x}`,
  (x) => `answer: ${x}`,
  (x) => `ANSWER : ${x}`,
  (x) => `**Answer:** ${x}`,
  (x) => `**Answer**: ${x}`,
  (x) => `**Answer: ${x}**`,
  (x) => `__Answer__: ${x}`,
  (x) => `*Answer*:* ${x}`,
  (x) => `Answer: **${x}**`,
  (x) => `Answer:\n${x}`,
  (x) => `Answer:\u00a0${x}`,
  (x) => `Answer:\u0085${x}`,
  (x) => `Answer:\ufeff${x}`,
  (x) => `Answer:\u001c${x}`,
  (x) => `Answer: (${x})`,
  (x) => `Answer: ${x}.`,
  (x) => `Answer: ${x}) the second option`,
  (x) => `Answer: ${x}pple`,
  (x) => `Answer: ${x}1`,
  (x) => `Answer: ${x}_`,
  (x) => `Final Answer: ${x}`,
  (x) => `My answer: ${x}, final.`,
  (x) => `The answer is ${x}`,
  (x) => `The answer is (${x}).`,
  (x) => `\\boxed{${x}}`,
  (x) => `$\\boxed{${x}}$`,
  (x) => `\\boxed{(${x})}`,
  (x) => `\\boxed{\\text{${x}}}`,
  (x) => `\\boxed{\\text{(${x})}}`,
  (x) => `\\boxed{\\textbf{${x}}}`,
  (x) => `\\boxed{\\mathrm{${x}}}`,
  (x) => `\\boxed{ ${x} }`,
  (x) => `\\boxed{${x}: the third option}`,
  (x) => `\\boxed{Option ${x}}`,
  (x) => `\\boxed{${x}} and then more text`,
  (x) => `\\boxed {${x}}`,
  (x) => `\\boxed{${x}`,
  (x) => `\\boxed{}\nAnswer: ${x}`,
  (x) => `\\boxed{42}\nAnswer: ${x}`,
  (x) => `\\boxed{é${x}}`,
  (x, y) => `\\boxed{${x}, ${y}}`,
  (x, y) => `\\boxed{${x} or ${y}}`,
  (x, y) => `\\boxed{${x}}\nOn reflection: \\boxed{${y}}`,
  (x, y) => `\\boxed{${x}}\nAnswer: ${y}`,
  (x, y) => `Answer: ${x}\n\\boxed{${y}}`,
  (x, y) => `Answer: ${x}\nWait, no.\nAnswer: ${y}`,
  (x, y) => `Answer: ${x} Answer: ${y}`,
  (x) => `The final answer is ${x}`,
  (x) => `The final answer is ${x}\n`,
  (x) => `The final answer is ${x}\n\n`,
  (x) => `The final answer is (${x}).`,
  (x) => `The final answer is $\\boxed{${x}}$`,
  (x) => `The final answer is ${x}\nHope that helps.`,
  (x, y) => `The final answer is ${x} and ${y}`,
  (x, y) => `The final answer is ${x}\nThe final answer is ${y}`,
  (x) => `the final answer is ${x}`,
  (x) => `The final answer is: ${x}`,
];

/** Text before the answer: nothing, a line of reasoning, reasoning with stray capitals, a markdown heading. */
const PREFIXES = [
  '',
  'Let me think step by step.\n',
  'Option A is wrong because B says otherwise; I rule out C too.\n\n',
  '### Solution\nThe integral evaluates to 2π, so the choice follows.\n',
];

/** Texts with no usable answer, and near-misses. */
const NO_ANSWER = [
  '',
  'I cannot decide.',
  'The options are all plausible.',
  'Answer',
  'Answer:',
  'Answer: ',
  'Answer: 42',
  'Answer: none of the above',
  '\\boxed{}',
  '\\boxed{42}',
  '\\boxed{\\frac{1}{2}}',
  '\\fbox{B}',
  'The final answer is',
  'The final answer is ',
  'Final answer - B',
  'Correct option => C',
  '(D)',
];

export function mcqCorpus(): string[] {
  const out: string[] = [];
  TEMPLATES.forEach((template, t) => {
    LETTERS.forEach((x, i) => {
      const y = LETTERS[(i + 3 + t) % LETTERS.length] ?? 'B';
      PREFIXES.forEach((prefix, p) => {
        const text = prefix + template(x, y);
        out.push(text);
        // A truncated copy of some texts (models hit their token limit): cut at a position that varies.
        if ((t + i + p) % 5 === 0 && text.length > 2) out.push(text.slice(0, Math.max(1, text.length - 1 - ((t + i) % 4))));
      });
    });
  });
  for (const text of NO_ANSWER) for (const prefix of PREFIXES) out.push(prefix + text);
  return out;
}

if (require.main === module) process.stdout.write(JSON.stringify(mcqCorpus()));

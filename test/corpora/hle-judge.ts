/**
 * A generated corpus of HLE judge replies, for the differential test of
 * `isCorrectJudgement` against NeMo-Skills 0b012df8
 * `nemo_skills/evaluation/metrics/utils.py` `is_correct_judgement`
 * (test/unit/hle.test.ts). Deterministic; the reference's verdicts (with
 * return_none False and True), derived once by running the reference
 * function on it (scripts/derive-ns-fixtures.sh), are stored in
 * test/fixtures/hle-judgement-0b012df8.json next to the corpus's sha256.
 *
 * Label spellings (case, markdown bold, headings, list marks, "Judgment",
 * cais/hle's `correct:`) × verdict spellings (yes/no in any case, bold,
 * quoted, with trailing words, on the next line, after Unicode spaces,
 * maybe/none/empty) × layouts (bare, NeMo-Skills' four fields, text after
 * the verdict, several Judgement lines, the judge echoing the prompt).
 *
 * Run `node dist/test/corpora/hle-judge.js` to print the corpus as JSON.
 */

const LABELS = [
  'Judgement:',
  'Judgement :',
  'judgement:',
  'JUDGEMENT:',
  'Judgment:',
  '**Judgement:**',
  '**Judgement**:',
  '*Judgement:*',
  '## Judgement:',
  '- Judgement:',
  '**judgement:**',
  'Final Judgement:',
  'Judgement -',
  'correct:',
  '**correct:**',
  'Correct:',
];

const VERDICTS = [
  'yes', 'no', 'Yes', 'No', 'YES', 'NO', 'yEs',
  '**yes**', '**no**', '*yes*', "'yes'", '"no"', '`yes`',
  'yes.', 'no.', 'Yes, the answers match.', 'No, 7 is not 8.', 'yesno', 'noyes',
  'Not', 'nope', 'none', 'maybe', 'n/a', 'correct', 'incorrect', 'true', '',
  '\nyes', '\n\n  no', '\tyes', '\u00a0yes', '\u0085no', '\u2003yes', '\u3000no', '\ufeffyes', '\u001cno', '\u200byes',
  '[yes]', '(no)', 'Ｙes', 'yes\u0307',
];

/** Where the labelled verdict sits. */
const LAYOUTS: Array<(line: string) => string> = [
  (line) => line,
  (line) => `extracted_final_answer: 23\n\nReasoning: The response gives 23, as the correct answer does.\n\n${line}\n\nConfidence: 90%`,
  (line) => `${line}\n\nThe answers agree on every point.`,
  (line) => `**extracted_final_answer:** 23\n**Reasoning:** same\n${line}\n**Confidence:** 85%`,
  (line) => `Judgement: no\n${line}`,
  (line) => `${line}\nJudgement: yes`,
  (line) => `Judgement: Answer 'yes' if extracted_final_answer matches.\n\n${line}`,
  (line) => `<think>Judgement: yes seems likely</think>\n${line}`,
];

/** Replies without any labelled verdict, and near-misses. */
const OTHERS = [
  '',
  'I would rather not say.',
  'yes',
  'no',
  'The answer is correct.',
  'Judgement',
  'Judgement:',
  'Judgement: ',
  'Judgement:: yes',
  'Judgement:yes',
  'Judgement:no',
  'JudgementYes',
  'Judgement; yes',
  'Judgement - yes',
  'Judgement = yes',
  'Judgement:\n',
  'extracted_final_answer: None\nReasoning: no answer\nConfidence: 100',
  'extracted_final_answer: 23\nreasoning: identical\ncorrect: yes\nconfidence: 99',
  'extracted_final_answer: 22\nreasoning: differs\ncorrect: no\nconfidence: 100',
  'Judgement: yes Judgement: no',
  'Judgement: no Judgement: yes',
  'Judgement: yes\nJudgement:',
  'Judgement: Judgement: yes',
];

export function hleJudgeCorpus(): string[] {
  const out: string[] = [];
  for (const layout of LAYOUTS) {
    for (const label of LABELS) {
      for (const verdict of VERDICTS) {
        const sep = verdict.startsWith('\n') || verdict === '' ? '' : ' ';
        out.push(layout(`${label}${sep}${verdict}`));
      }
    }
  }
  out.push(...OTHERS);
  return out;
}

if (require.main === module) process.stdout.write(JSON.stringify(hleJudgeCorpus()));

/**
 * Humanity's Last Exam, text-only — NeMo Evaluator task `ns_hle`, graded by an
 * LLM judge.
 *
 * Data: Hub `cais/hle` (gated), config `default`, split `test`: 2,500
 * questions (id, question, image, image_preview, answer, answer_type,
 * author_name, rationale, raw_subject, category, canary), or `hle/test.jsonl`
 * in a local dataset directory (same fields). Only text-only questions are
 * evaluated: NeMo-Skills `dataset/hle/prepare.py` (`EVAL_SPLIT = "text"`)
 * skips every row whose `image` is truthy, leaving 2,158 — see `isTextOnly`,
 * wired as the benchmark's `accept` hook. Subset for the per-category
 * breakdown: `category` as is (prepare.py's `subset_for_metrics`).
 *
 * Prompt: NeMo-Skills `generic/hle` (the dataset's GENERATION_ARGS): one
 * system prompt for every answer type, asking for Explanation / Answer /
 * Confidence, and the question verbatim as the user message. It differs from
 * cais/hle `hle_eval/run_model_predictions.py`, whose SYSTEM_EXACT_ANSWER says
 * "Exact Answer:" — but that script picks it only when `answer_type ==
 * 'exact_match'`, a value no HLE row has (rows say "exactMatch" /
 * "multipleChoice"), so it sends SYSTEM_MC to every question, and later
 * revisions keep that text as their single SYSTEM_PROMPT. `cais/hle` is
 * offered as a prompt config that reproduces it.
 *
 * Judge: NeMo-Skills `judge/hle` (the dataset's JUDGE_ARGS), i.e. cais/hle's
 * JUDGE_PROMPT with its fields relabelled Reasoning / Judgement / Confidence,
 * sent as a single user message. The verdict is NeMo-Skills 0b012df8
 * `nemo_skills/evaluation/metrics/utils.py` `is_correct_judgement` exactly
 * (`isCorrectJudgement`): the text after the LAST `Judgement:` (case and
 * colon exact), Python-stripped, yes/no by prefix in any case; anything else
 * is wrong. The reference judges each response ONCE.
 *
 * Metrics: NeMo-Skills METRICS_TYPE "hle" = MathMetrics with
 * `compute_no_answer=False, answer_key="generation"`: `judge_correct` under
 * pass@1 / pass@1[avg-of-k] / majority@k / pass@k, no `no_answer`, majority
 * voting over the whole generation. `judge_correct` is computed as the
 * reference computes it: from the FIRST judge reply of every response, an
 * unparseable reply counted as wrong. evalflow's own variant is reported
 * beside it as `judge_correct_excluding_judge_errors`: an unparseable reply is
 * asked again (up to 3 replies in all), and a response still without a verdict
 * is a judge error, left out of that score (its whole sample when k > 1) and
 * counted in `judge_errors`. A judge that never replied (transport failure
 * after retries) gives no verdict at all: the response is left out of both and
 * counted in `judge_errors.stats.unanswered` — the reference has no number
 * for it. Added from cais/hle `hle_eval/run_judge_results.py` `dump_metrics`,
 * on `judge_correct`: the 95% Wald half-width (also given for the variant)
 * and the RMS calibration error (`calib_err`, p='2', beta=100) of the
 * confidence the model states. NeMo-Skills also runs its math evaluator on
 * HLE (`symbolic_correct`); that comparison is not reported here.
 */
import { sha256 } from '../lib/engine/hash';
import { computeMetrics } from '../lib/engine/metrics';
import { type ScoredUnit, type ScoreValue, type TaskMetrics } from '../lib/records/artifacts';
import type { JudgedBenchmark, JudgeVerdict, ScoredResponse, UnitScore } from './types';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample } from '../lib/records/messages';
import { rowString } from './families/rows';

/** NeMo-Skills `prompt/config/generic/hle.yaml` system message (after format's `{{`→`{`). */
const NS_GENERIC_HLE_SYSTEM =
  'Your response should be in the following format:\n' +
  'Explanation: {your explanation for your final answer}\n' +
  'Answer: {your succinct, final answer}\n' +
  'Confidence: {your confidence score between 0% and 100% for your answer}';

/** cais/hle `run_model_predictions.py` SYSTEM_EXACT_ANSWER. */
export const HLE_SYSTEM_EXACT_ANSWER =
  'Your response should be in the following format:\n' +
  'Explanation: {your explanation for your final answer}\n' +
  'Exact Answer: {your succinct, final answer}\n' +
  'Confidence: {your confidence score between 0% and 100% for your answer}';

/** cais/hle `run_model_predictions.py` SYSTEM_MC (later revisions: SYSTEM_PROMPT, used for every question). */
export const HLE_SYSTEM_MC =
  'Your response should be in the following format:\n' +
  'Explanation: {your explanation for your answer choice}\n' +
  'Answer: {your chosen answer}\n' +
  'Confidence: {your confidence score between 0% and 100% for your answer}';

export const HLE_DEFAULT_PROMPT_CONFIG = 'generic/hle';

/**
 * System prompt per prompt config and HLE `answer_type` ("exactMatch" |
 * "multipleChoice"). Both configs send one text whatever the type:
 * `generic/hle` by design; `cais/hle` because its answer-type test
 * (`answer_type == 'exact_match'`) never holds for HLE rows.
 */
const SYSTEM_PROMPTS: Readonly<Record<string, (answerType: string) => string>> = {
  'generic/hle': () => NS_GENERIC_HLE_SYSTEM,
  'cais/hle': (answerType) => (answerType === 'exact_match' ? HLE_SYSTEM_EXACT_ANSWER : HLE_SYSTEM_MC),
};

export function hleSystemPrompt(answerType: string, promptConfig?: string): string {
  const config = promptConfig ?? HLE_DEFAULT_PROMPT_CONFIG;
  const pick = SYSTEM_PROMPTS[config];
  if (!pick) throw new Error(`ns_hle: unsupported prompt_config "${config}" (supported: ${Object.keys(SYSTEM_PROMPTS).join(', ')})`);
  return pick(answerType);
}

/**
 * NeMo-Skills `prompt/config/judge/hle.yaml` (the revision adapted from
 * cais/hle, kept as `judge/hle-original.yaml`): `{problem}`, `{generation}`
 * and `{expected_answer}` are filled in once each. `0|\%|` is the reference's
 * own spelling, sent as is.
 */
export const HLE_JUDGE_TEMPLATE = `Judge whether the following [response] to [question] is correct or not based on the precise and unambiguous [correct_answer] below.

[question]: {problem}

[response]: {generation}

Your judgement must be in the format and criteria specified below:

extracted_final_answer: The final exact answer extracted from the [response]. Put the extracted answer as 'None' if there is no exact, final answer to extract from the response.

[correct_answer]: {expected_answer}

Reasoning: Explain why the extracted_final_answer is correct or incorrect based on [correct_answer], focusing only on if there are meaningful differences between [correct_answer] and the extracted_final_answer. Do not comment on any background to the problem, do not attempt to solve the problem, do not argue for any answer different than [correct_answer], focus only on whether the answers match.

Judgement: Answer 'yes' if extracted_final_answer matches the [correct_answer] given above, or is within a small margin of error for numerical problems. Answer 'no' otherwise, i.e. if there if there is any inconsistency, ambiguity, non-equivalency, or if the extracted answer is incorrect.

Confidence: The extracted confidence score between 0|\\%| and 100|\\%| from [response]. Put 100 if there is no confidence score available.`;

/** The judge prompt for one question, as Python's single-pass `str.format` fills it (values are never re-scanned). */
export function hleJudgePrompt(question: string, response: string, correctAnswer: string): string {
  const values: Record<string, string> = { problem: question, generation: response, expected_answer: correctAnswer };
  return HLE_JUDGE_TEMPLATE.replace(/\{(problem|generation|expected_answer)\}/g, (_, name: string) => values[name] ?? '');
}

/** NeMo-Skills prepare.py: `if entry["image"]: continue` — a row is text-only when its image is empty. */
export function isTextOnly(raw: Record<string, unknown>): boolean {
  return !raw.image;
}

// ---------------------------------------------------------------------------
// Judge reply parsing

/** The characters Python's `str.strip()` removes (`str.isspace()`): unlike JavaScript's `trim`, U+001C–U+001F and U+0085 but not U+FEFF. */
const PY_STRIP = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/**
 * NeMo-Skills 0b012df8 `nemo_skills/evaluation/metrics/utils.py`
 * `is_correct_judgement(judgement, return_none)`, exactly:
 *
 *     if "Judgement:" in judgement:
 *         verdict = judgement.split("Judgement:")[-1].strip()
 *         yes → True / no → False   (verdict.lower().startswith(...))
 *     return None if return_none else False
 *
 * So the LAST `Judgement:` counts, the label is case- and colon-exact
 * (`judgement:`, `Judgement :`, `**Judgement**:` are no label;
 * `**Judgement:** yes` leaves `** yes`, no verdict), the value is matched by
 * prefix in any case (`Yes, they match` and `Not` count) after Python's
 * whitespace strip, and cais/hle's `correct: yes` is no verdict. Later
 * NeMo-Skills revisions take the first label in any case, allow markdown bold
 * and differ in other ways; 0b012df8 is the pinned revision.
 * Checked on a generated corpus against the reference function itself
 * (test/corpora/hle-judge.ts, test/fixtures/hle-judgement-0b012df8.json).
 *
 * `returnNone` false (the reference's metrics): no verdict is wrong. True:
 * no verdict is null (evalflow asks the judge again).
 */
export function isCorrectJudgement(judgement: string, returnNone = false): boolean | null {
  const label = 'Judgement:';
  const at = judgement.lastIndexOf(label);
  if (at >= 0) {
    const verdict = judgement.slice(at + label.length).replace(PY_STRIP, '').toLowerCase();
    if (verdict.startsWith('yes')) return true;
    if (verdict.startsWith('no')) return false;
  }
  return returnNone ? null : false;
}

type JudgeField = 'extracted_final_answer' | 'reasoning' | 'judgement' | 'correct' | 'confidence' | 'correct_answer';

/** A labelled line of the judge's reply: `label: value`, tolerating list marks, headings and markdown bold. */
const FIELD_LINE = /^\s*(?:[-*>#]+\s+)?\**\s*\[?(extracted_final_answer|reasoning|judgement|correct_answer|correct|confidence)\]?\s*\**\s*:\s*\**\s*(.*)$/i;

/** The judge's labelled fields; a field runs until the next label (values may span lines). First occurrence wins. */
export function hleJudgeFields(judgeText: string): Partial<Record<JudgeField, string>> {
  const fields: Partial<Record<JudgeField, string>> = {};
  let current: { name: JudgeField; lines: string[] } | null = null;
  const close = () => {
    if (current && fields[current.name] === undefined) {
      fields[current.name] = current.lines.join('\n').trim().replace(/\s*\*+$/, '').trim();
    }
  };
  for (const line of judgeText.split(/\r?\n/)) {
    const m = FIELD_LINE.exec(line);
    if (m) {
      close();
      current = { name: (m[1] ?? '').toLowerCase() as JudgeField, lines: [m[2] ?? ''] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  close();
  return fields;
}

/** Leading number of a confidence value ("85%", "85", "**85%**"), or undefined. */
function leadingNumber(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\D{0,3}?(\d+(?:\.\d+)?)/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Parse a judge reply. `correct`: `isCorrectJudgement` with return_none (null
 * → evalflow asks again); `reference`: the same rule as the reference's
 * metrics apply it (no verdict → wrong), used for `judge_correct` when this
 * is the first reply. `details` (not verdicts): `extracted_final_answer`
 * (null when the judge wrote None or gave none), `reasoning`,
 * `judge_confidence` (the confidence the judge read from the response).
 */
export function parseHleJudgement(judgeText: string): JudgeVerdict {
  const fields = hleJudgeFields(judgeText);
  const extracted = fields.extracted_final_answer?.replace(/^['"]|['"]$/g, '').trim();
  const details: Record<string, unknown> = {
    extracted_final_answer: extracted === undefined || extracted === '' || extracted.toLowerCase() === 'none' ? null : extracted,
  };
  if (fields.reasoning !== undefined) details.reasoning = fields.reasoning;
  const judgeConfidence = leadingNumber(fields.confidence);
  if (judgeConfidence !== undefined) details.judge_confidence = judgeConfidence;
  return { correct: isCorrectJudgement(judgeText, true), reference: isCorrectJudgement(judgeText) === true, details };
}

// ---------------------------------------------------------------------------
// Stated confidence and metrics

/** What the judge prompt tells the judge to put when the response states no confidence. */
export const DEFAULT_CONFIDENCE = 100;

/**
 * The confidence (0–100) the model states in its response: the last
 * `Confidence: NN%` line (any case, markdown bold allowed, `%` optional),
 * or 100 when there is none — the judge prompt's "Put 100 if there is no
 * confidence score available", whose extraction the reference uses.
 */
export function parseStatedConfidence(responseText: string): number {
  const re = /^[^\S\n]*(?:[-*>#]+[^\S\n]+)?\**[^\S\n]*confidence[^\S\n]*\**[^\S\n]*:[^\S\n]*\**[^\S\n]*(\d+(?:\.\d+)?)[^\S\n]*%?/gim;
  let last: number | undefined;
  for (const m of responseText.matchAll(re)) last = Number(m[1]);
  return last ?? DEFAULT_CONFIDENCE;
}

/** cais/hle `calib_err`'s target bin size. */
export const CALIBRATION_BIN_SIZE = 100;

/**
 * RMS calibration error, cais/hle `calib_err(confidence, correct, p='2',
 * beta)` (from hendrycks/outlier-exposure): sort by confidence, cut into
 * consecutive bins of `beta` (the last bin takes the remainder), and return
 * sqrt(Σ |bin|/n · (mean confidence − accuracy)²).
 *
 * Reproduced exactly, quirks included: the sum runs over all bins but the
 * last (`for i in range(len(bins) - 1)`) while n counts every example, so
 * with fewer than 2·beta examples the error is 0; with fewer than beta the
 * reference fails (`bins[-1]` of an empty list) — here: null. Ties in
 * confidence keep their input order (numpy's default argsort is not stable,
 * so the reference can order equal confidences differently at a bin edge).
 *
 * `confidence` in [0, 1] (the reference divides by 100); result a fraction.
 */
export function calibrationError(confidence: readonly number[], correct: readonly boolean[], beta: number = CALIBRATION_BIN_SIZE): number | null {
  if (confidence.length !== correct.length) throw new RangeError(`calibrationError: ${confidence.length} confidences for ${correct.length} results`);
  if (!Number.isInteger(beta) || beta < 1) throw new RangeError(`calibrationError: beta must be a positive integer, got ${beta}`);
  const n = confidence.length;
  const binCount = Math.floor(n / beta);
  if (binCount === 0) return null;
  const order = confidence.map((c, i) => ({ c, ok: correct[i] ? 1 : 0 })).sort((a, b) => a.c - b.c);
  let sum = 0;
  for (let b = 0; b < binCount - 1; b++) {
    const bin = order.slice(b * beta, (b + 1) * beta);
    const meanConfidence = bin.reduce((a, x) => a + x.c, 0) / bin.length;
    const accuracy = bin.reduce((a, x) => a + x.ok, 0) / bin.length;
    sum += (bin.length / n) * (meanConfidence - accuracy) ** 2;
  }
  return Math.sqrt(sum);
}

/**
 * The 95% Wald half-width of an accuracy, in percentage points: cais/hle
 * `dump_metrics` `1.96 * sqrt(accuracy * (100 - accuracy) / n)` with accuracy
 * in percent (the reference also rounds to 2 decimals for printing; not here).
 */
export function accuracyHalfWidth(accuracyPercent: number, n: number): number {
  if (n < 1) throw new RangeError(`accuracyHalfWidth: n must be positive, got ${n}`);
  return 1.96 * Math.sqrt((accuracyPercent * (100 - accuracyPercent)) / n);
}

/** The reference's score: the first judge reply of every response, no verdict = wrong. */
export const JUDGE_SCORE = 'judge_correct';
/** evalflow's variant: re-asked judge, responses still without a verdict left out. */
export const JUDGE_SCORE_EXCLUDING_ERRORS = 'judge_correct_excluding_judge_errors';

function headlineName(repeats: number): string {
  return repeats === 1 ? 'pass@1' : `pass@1[avg-of-${repeats}]`;
}

/** Both scores side by side in every group, no `no_answer` (compute_no_answer=False). */
function mergeScores(reference: TaskMetrics, variant: TaskMetrics): TaskMetrics {
  const out: TaskMetrics = {};
  for (const name of new Set([...Object.keys(reference), ...Object.keys(variant)])) {
    const { no_answer: _r, ...ref } = reference[name]?.scores ?? {};
    const { no_answer: _v, ...own } = variant[name]?.scores ?? {};
    out[name] = { scores: { ...ref, ...own } };
  }
  return out;
}

function withInterval(score: ScoreValue | undefined): ScoreValue | undefined {
  if (!score) return undefined;
  return { value: score.value, stats: { ...score.stats, ci95_half_width: accuracyHalfWidth(score.value, score.stats.count ?? 1) } };
}

/** Add the CIs, the calibration error (on the reference verdicts) and the judge-error count to the headline group. */
function addHleScores(metrics: TaskMetrics, repeats: number, units: readonly ScoredResponse[], beta: number): TaskMetrics {
  const name = headlineName(repeats);
  const scores = { ...(metrics[name]?.scores ?? {}) };
  for (const key of [JUDGE_SCORE, JUDGE_SCORE_EXCLUDING_ERRORS]) {
    const s = withInterval(scores[key]);
    if (s) scores[key] = s;
  }
  const withVerdict = units.filter((u) => u.reference_correct !== undefined);
  const calibration = calibrationError(
    withVerdict.map((u) => statedConfidence(u) / 100),
    withVerdict.map((u) => u.reference_correct === true),
    beta,
  );
  if (calibration !== null) scores.calibration_error = { value: 100 * calibration, stats: { count: withVerdict.length, bin_size: beta } };
  scores.judge_errors = {
    value: units.filter((u) => u.judge_error !== undefined).length,
    stats: { count: units.length, unanswered: units.length - withVerdict.length },
  };
  return { ...metrics, [name]: { scores } };
}

function statedConfidence(u: ScoredResponse): number {
  const c = u.details?.confidence;
  return typeof c === 'number' && Number.isFinite(c) ? c : DEFAULT_CONFIDENCE;
}

/** A scored response as the metrics see it: majority voting over the generation (answer_key="generation"). */
function metricUnit(u: ScoredResponse, correct: boolean): ScoredUnit {
  const generation = u.details?.generation_sha256;
  return {
    sample_id: u.sample_id,
    repeat: u.repeat,
    correct,
    predicted: typeof generation === 'string' ? generation : u.predicted,
    ...(u.subset !== undefined ? { subset: u.subset } : {}),
  };
}

/**
 * ns_hle metrics, two scores per group:
 * - `judge_correct` (the reference's): every response with a reference verdict
 *   (`reference_correct`, from its first judge reply; unparseable = wrong). A
 *   response whose judge never replied has none: with k > 1 its whole sample
 *   is left out (the reference needs all k).
 * - `judge_correct_excluding_judge_errors` (evalflow's): the re-asked verdict;
 *   responses with `judge_error` left out, with k > 1 their whole sample.
 * Majority voting groups identical generations (`details.generation_sha256`).
 *
 * Headline group (`pass@1` or `pass@1[avg-of-k]`): both scores with
 * `stats.ci95_half_width`; `calibration_error` (percent, over the responses
 * with a reference verdict, omitted below `beta` of them); `judge_errors`
 * (a count; `stats.count` responses, `stats.unanswered` of them without any
 * judge reply). Same per subset.
 */
export function hleMetrics(units: ScoredResponse[], repeats: number, beta: number = CALIBRATION_BIN_SIZE): { metrics: TaskMetrics; subsets: Record<string, TaskMetrics> } {
  const noReference = new Set(units.filter((u) => u.reference_correct === undefined).map((u) => u.sample_id));
  const reference = computeMetrics(
    units.filter((u) => !noReference.has(u.sample_id)).map((u) => metricUnit(u, u.reference_correct === true)),
    repeats,
    JUDGE_SCORE,
  );
  const failed = new Set(units.filter((u) => u.judge_error !== undefined).map((u) => u.sample_id));
  const variant = computeMetrics(
    units.filter((u) => !failed.has(u.sample_id)).map((u) => metricUnit(u, u.correct)),
    repeats,
    JUDGE_SCORE_EXCLUDING_ERRORS,
  );

  const subsetNames = new Set<string>(units.flatMap((u) => (u.subset !== undefined ? [u.subset] : [])));
  const subsets: Record<string, TaskMetrics> = {};
  for (const name of [...subsetNames].sort()) {
    const merged = mergeScores(reference.subsets[name] ?? {}, variant.subsets[name] ?? {});
    subsets[name] = addHleScores(merged, repeats, units.filter((u) => u.subset === name), beta);
  }
  return { metrics: addHleScores(mergeScores(reference.metrics, variant.metrics), repeats, units, beta), subsets };
}

// ---------------------------------------------------------------------------
// The module

export const hle: JudgedBenchmark = {
  kind: 'judged',
  promptConfigs: Object.keys(SYSTEM_PROMPTS),
  name: 'ns_hle',
  scorerVersion: '2',
  description: "Humanity's Last Exam, text-only (2,158 of 2,500), NeMo-Skills generic/hle prompt, LLM judge (judge/hle), judge_correct + calibration error",
  dataset: { hfRepo: 'cais/hle', hfConfig: 'default', split: 'test', localFile: 'hle/test.jsonl', gated: true },
  // NeMo-Skills' hle GENERATION_ARGS set no sampling parameters.
  defaults: {},

  accept: isTextOnly,

  toSample(raw: Record<string, unknown>, index: number): Sample {
    if (!isTextOnly(raw)) {
      throw new Error(`ns_hle row ${index}: the question has an image; only text-only rows are evaluated (the benchmark's accept() filter must run first)`);
    }
    const question = rowString('ns_hle', raw, 'question', index);
    const answer = rowString('ns_hle', raw, 'answer', index);
    const answerType = rowString('ns_hle', raw, 'answer_type', index);
    const id = raw.id;
    const category = typeof raw.category === 'string' && raw.category !== '' ? raw.category : undefined;
    return {
      id: typeof id === 'string' || typeof id === 'number' ? String(id) : String(index),
      expected: answer,
      subset: category,
      data: { question, answer_type: answerType, category, raw_subject: raw.raw_subject },
    };
  },

  prompt(sample: Sample, options: PromptOptions): ChatMessage[] {
    // A configured system prompt replaces the format instruction, as
    // NeMo-Skills' ++system_message replaces a prompt config's system.
    const system = options.systemPrompt ?? hleSystemPrompt(String(sample.data.answer_type), options.promptConfig);
    return [
      { role: 'system', content: system },
      { role: 'user', content: String(sample.data.question) },
    ];
  },

  judge: {
    prompt(sample: Sample, responseText: string): ChatMessage[] {
      return [{ role: 'user', content: hleJudgePrompt(String(sample.data.question), responseText, sample.expected) }];
    },
    parse: parseHleJudgement,
  },

  score(responseText: string, _sample: Sample, verdict: JudgeVerdict): UnitScore {
    // Checked for callers outside the engine (which never scores an unjudged unit).
    if (!verdict || verdict.correct === null) throw new Error('ns_hle: a response is scored only with a parsed judge verdict');
    const extracted = verdict.details?.extracted_final_answer;
    const details: Record<string, unknown> = {
      confidence: parseStatedConfidence(responseText),
      generation_sha256: sha256(responseText),
    };
    const judgeConfidence = verdict.details?.judge_confidence;
    if (typeof judgeConfidence === 'number') details.judge_confidence = judgeConfidence;
    return { predicted: typeof extracted === 'string' ? extracted : null, correct: verdict.correct, details };
  },

  metrics: hleMetrics,
};

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
 * sent as a single user message. The verdict is parsed as NeMo-Skills
 * `is_correct_judgement` (`evaluation/metrics/utils.py`) does: the first
 * `Judgement:` (optionally in markdown bold), yes/no by prefix; a reply in
 * cais/hle's own layout (`correct: yes|no`) is read as well. Unlike
 * NeMo-Skills, which scores an unparseable judgement as wrong, an
 * unparseable reply gives `correct: null` (retried, then a judge error).
 *
 * Metrics: NeMo-Skills METRICS_TYPE "hle" = MathMetrics with
 * `compute_no_answer=False, answer_key="generation"`: `judge_correct` under
 * pass@1 / pass@1[avg-of-k] / majority@k / pass@k, no `no_answer`, majority
 * voting over the whole generation. Added from cais/hle
 * `hle_eval/run_judge_results.py` `dump_metrics`: the 95% Wald half-width of
 * the accuracy and the RMS calibration error (`calib_err`, p='2', beta=100)
 * of the confidence the model states. NeMo-Skills also runs its math
 * evaluator on HLE (`symbolic_correct`); that comparison is not reported here.
 */
import { sha256 } from '../lib/hash';
import { computeMetrics, type MetricGroup, type TaskMetrics } from '../lib/metrics';
import type { Benchmark, ChatMessage, JudgeVerdict, PromptOptions, Sample, ScoredResponse, UnitScore } from './types';
import { rowString } from './rows';

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

/**
 * NeMo-Skills `is_correct_judgement`: the first `Judgement:` (any case, up to
 * two `*` around the word, so `**Judgement**:` and `**Judgement:**` both
 * match), then the text after it with whitespace and leading `*` removed;
 * "yes…" → true, "no…" → false, anything else → null.
 */
export function nsJudgementVerdict(judgeText: string): boolean | null {
  const m = /\*{0,2}Judgement\*{0,2}\s*:/i.exec(judgeText);
  if (!m) return null;
  const verdict = judgeText.slice(m.index + m[0].length).trim().replace(/^\*+/, '').trim().toLowerCase();
  if (verdict.startsWith('yes')) return true;
  if (verdict.startsWith('no')) return false;
  return null;
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

function yesNo(value: string | undefined): boolean | null {
  const v = value?.trim().replace(/^['"*]+/, '').toLowerCase();
  if (v === undefined) return null;
  if (/^yes\b/.test(v)) return true;
  if (/^no\b/.test(v)) return false;
  return null;
}

/** Leading number of a confidence value ("85%", "85", "**85%**"), or undefined. */
function leadingNumber(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\D{0,3}?(\d+(?:\.\d+)?)/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Parse a judge reply: verdict from NeMo-Skills' `Judgement:` rule; failing
 * that, from a `Judgement:` line whose value is itself in bold
 * (`**Judgement:** **yes**`, which the NeMo-Skills rule reads as no verdict),
 * then from cais/hle's `correct: yes|no` field; null when none gives yes or no.
 * `details`: `extracted_final_answer` (null when the judge wrote None or gave
 * none), `reasoning`, `judge_confidence` (the confidence the judge read from
 * the response) when present.
 */
export function parseHleJudgement(judgeText: string): JudgeVerdict {
  const fields = hleJudgeFields(judgeText);
  const correct = nsJudgementVerdict(judgeText) ?? yesNo(fields.judgement) ?? yesNo(fields.correct);
  const extracted = fields.extracted_final_answer?.replace(/^['"]|['"]$/g, '').trim();
  const details: Record<string, unknown> = {
    extracted_final_answer: extracted === undefined || extracted === '' || extracted.toLowerCase() === 'none' ? null : extracted,
  };
  if (fields.reasoning !== undefined) details.reasoning = fields.reasoning;
  const judgeConfidence = leadingNumber(fields.confidence);
  if (judgeConfidence !== undefined) details.judge_confidence = judgeConfidence;
  return { correct, details };
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

export const JUDGE_SCORE = 'judge_correct';

function headlineName(repeats: number): string {
  return repeats === 1 ? 'pass@1' : `pass@1[avg-of-${repeats}]`;
}

function withoutNoAnswer(metrics: TaskMetrics): TaskMetrics {
  const out: TaskMetrics = {};
  for (const [name, group] of Object.entries(metrics)) {
    const { no_answer: _dropped, ...scores } = group.scores;
    out[name] = { scores };
  }
  return out;
}

/** Add CI, calibration error and the judge-error count to the headline group of one metrics block. */
function addHleScores(metrics: TaskMetrics, repeats: number, judged: readonly ScoredResponse[], judgeErrors: number, beta: number): TaskMetrics {
  const name = headlineName(repeats);
  const group: MetricGroup = metrics[name] ?? { scores: {} };
  const scores = { ...group.scores };
  const accuracy = scores[JUDGE_SCORE];
  if (accuracy) {
    scores[JUDGE_SCORE] = { value: accuracy.value, stats: { ...accuracy.stats, ci95_half_width: accuracyHalfWidth(accuracy.value, accuracy.stats.count ?? 1) } };
  }
  const calibration = calibrationError(
    judged.map((u) => statedConfidence(u) / 100),
    judged.map((u) => u.correct),
    beta,
  );
  if (calibration !== null) scores.calibration_error = { value: 100 * calibration, stats: { count: judged.length, bin_size: beta } };
  scores.judge_errors = { value: judgeErrors, stats: { count: judged.length + judgeErrors } };
  return { ...metrics, [name]: { scores } };
}

function statedConfidence(u: ScoredResponse): number {
  const c = u.details?.confidence;
  return typeof c === 'number' && Number.isFinite(c) ? c : DEFAULT_CONFIDENCE;
}

/**
 * ns_hle metrics. Units whose judge failed (`judge_error`) are excluded and
 * counted in `judge_errors` (a count, not a percentage); with k > 1 repeats
 * the whole sample is left out of the averaged metrics (pass@k and
 * majority@k need all k answers), its judged units still count for the
 * calibration error. Majority voting groups identical generations
 * (`details.generation_sha256`), as NeMo-Skills' `answer_key="generation"`.
 *
 * Headline group (`pass@1` or `pass@1[avg-of-k]`): `judge_correct` with
 * `stats.ci95_half_width`; `calibration_error` (percent, over all judged
 * units, omitted below `beta` units); `judge_errors`. Same per subset.
 */
export function hleMetrics(units: ScoredResponse[], repeats: number, beta: number = CALIBRATION_BIN_SIZE): { metrics: TaskMetrics; subsets: Record<string, TaskMetrics> } {
  const failedSamples = new Set(units.filter((u) => u.judge_error !== undefined).map((u) => u.sample_id));
  const judged = units.filter((u) => u.judge_error === undefined);
  const complete = judged.filter((u) => !failedSamples.has(u.sample_id));
  const { metrics, subsets } = computeMetrics(
    complete.map((u) => {
      const generation = u.details?.generation_sha256;
      return {
        sample_id: u.sample_id,
        repeat: u.repeat,
        correct: u.correct,
        predicted: typeof generation === 'string' ? generation : u.predicted,
        ...(u.subset !== undefined ? { subset: u.subset } : {}),
      };
    }),
    repeats,
    JUDGE_SCORE,
  );

  const subsetNames = new Set<string>([...Object.keys(subsets), ...units.flatMap((u) => (u.subset !== undefined ? [u.subset] : []))]);
  const outSubsets: Record<string, TaskMetrics> = {};
  for (const name of [...subsetNames].sort()) {
    const inSubset = (u: ScoredResponse) => u.subset === name;
    outSubsets[name] = addHleScores(
      withoutNoAnswer(subsets[name] ?? {}),
      repeats,
      judged.filter(inSubset),
      units.filter((u) => inSubset(u) && u.judge_error !== undefined).length,
      beta,
    );
  }
  return {
    metrics: addHleScores(withoutNoAnswer(metrics), repeats, judged, units.length - judged.length, beta),
    subsets: outSubsets,
  };
}

// ---------------------------------------------------------------------------
// The module

export const hle: Benchmark = {
  promptConfigs: Object.keys(SYSTEM_PROMPTS),
  name: 'ns_hle',
  scorerVersion: '1',
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

  score(responseText: string, _sample: Sample, verdict?: JudgeVerdict): UnitScore {
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

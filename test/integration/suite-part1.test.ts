/**
 * ns_aime2025, ns_gpqa and mmlu end to end in one run, on a real Temporal dev
 * server and a real MinIO: AIME 2025 from the real file
 * (EVALFLOW_DATASETS_DIR, 10 problems × 4 repeats), GPQA and MMLU from
 * synthetic rows in their real schemas (GPQA items are gated and must never
 * be written anywhere). A fake endpoint answers right, wrong or unparseably by
 * a rule the test controls; every value in results.json is recomputed here
 * independently of lib/engine/metrics.
 *
 * The four AIME repeats of a problem are identical requests, so the fake
 * counts the requests per prompt and answers the n-th one by the n-th entry
 * of that problem's pattern: the multiset of answers per problem is fixed
 * whatever order the repeats arrive in, and the metrics are order-free.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint, type FakeRequest, type FakeReply } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

const RUN_ID = 'suite-part1-1';
const AIME_LIMIT = 10;
const AIME_REPEATS = 4;
const GPQA_ROWS = 9;
const MMLU_ROWS = 8;

const GENERIC_MATH = 'Solve the following math problem. Make sure to put the answer (and only answer) inside \\boxed{}.\n\n';
const MCQ4 = "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: A/B/C/D' (e.g. 'Answer: A').\n\n";
/** mmlu's default prompt at NeMo-Skills 0b012df8 (its GENERATION_ARGS): eval/aai/mcq-4choices-boxed. */
const MCQ4_BOXED = "Answer the following multiple choice question. The last line of your response should be in the following format: 'Answer: \\boxed{A/B/C/D}' (e.g. 'Answer: \\boxed{A}').\n\n";

/** Per AIME problem i, the answers to its 1st..4th request: R right, A/B two different wrong integers, N no \boxed{}. */
type Outcome = 'R' | 'A' | 'B' | 'N';
const AIME_PATTERNS: Outcome[][] = [
  ['R', 'R', 'R', 'R'],
  ['R', 'A', 'B', 'N'], // three-way tie for the majority → 1/3
  ['R', 'R', 'A', 'B'],
  ['R', 'A', 'A', 'N'], // majority wrong
  ['N', 'N', 'N', 'N'], // no answer at all
];

/** GPQA synthetic row q: right ("Answer: X"), wrong (next letter), or no parsable letter. */
const gpqaRule = (q: number): 'right' | 'wrong' | 'none' => (['right', 'wrong', 'none'] as const)[q % 3]!;
const gpqaSubdomain = (q: number): string => (q % 2 === 0 ? 'Synthetic Physics' : 'Synthetic Biology');
/** MMLU synthetic row q: \boxed{X} right, "Answer: X" right, "Answer: <wrong>", "Answer: **X**" (no letter under the reference regex). */
const mmluRule = (q: number): 'boxed' | 'colon' | 'wrong' | 'bold' => (['boxed', 'colon', 'wrong', 'bold'] as const)[q % 4]!;
const MMLU_SUBJECTS = [
  ['high_school_physics', 'physics'],
  ['virology', 'health'],
  ['college_mathematics', 'math'],
] as const;

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
let aimeGold: Map<string, string>;
const requestsPerPrompt = new Map<string, number>();

function nextLetter(l: string): string {
  return String.fromCharCode(((l.charCodeAt(0) - 65 + 1) % 4) + 65);
}

/** The letter of the option whose text starts with `marker`, read from the rendered prompt. */
function letterOf(prompt: string, marker: string): string {
  for (const m of prompt.matchAll(/^([A-D])\) (.*)$/gm)) if (m[2]!.startsWith(marker)) return m[1]!;
  throw new Error(`no option starting with "${marker}" in: ${prompt}`);
}

function answer(req: FakeRequest): FakeReply {
  const prompt = req.messages?.at(-1)?.content ?? '';
  const seen = requestsPerPrompt.get(prompt) ?? 0;
  requestsPerPrompt.set(prompt, seen + 1);

  if (prompt.startsWith(GENERIC_MATH)) {
    const problem = prompt.slice(GENERIC_MATH.length);
    const gold = aimeGold.get(problem);
    if (gold === undefined) return { content: 'unknown problem' };
    const i = [...aimeGold.keys()].indexOf(problem);
    const outcome = AIME_PATTERNS[i % AIME_PATTERNS.length]![seen]!;
    const value = { R: gold, A: String(Number(gold) + 1), B: String(Number(gold) + 2), N: '' }[outcome];
    return { content: outcome === 'N' ? 'I could not finish this one.' : `Working...\nSo the answer is \\boxed{${value}}.` };
  }
  const gq = /^GPQA synthetic question (\d+):/m.exec(prompt);
  if (prompt.startsWith(MCQ4) && gq) {
    const q = Number(gq[1]);
    const right = letterOf(prompt, 'correct answer');
    const rule = gpqaRule(q);
    if (rule === 'none') return { content: 'I cannot tell which one it is.' };
    return { content: `Thinking it over.\nAnswer: ${rule === 'right' ? right : nextLetter(right)}` };
  }
  const mq = /^MMLU synthetic question (\d+)\?/m.exec(prompt);
  if (prompt.startsWith(MCQ4_BOXED) && mq) {
    const q = Number(mq[1]);
    const right = letterOf(prompt, 'the right one');
    const rule = mmluRule(q);
    if (rule === 'boxed') return { content: `It must be \\boxed{${right}}` };
    if (rule === 'colon') return { content: `Answer: ${right}` };
    if (rule === 'wrong') return { content: `Answer: ${nextLetter(right)}` };
    return { content: `Answer: **${right}**` };
  }
  return { content: 'not a prompt of this test' };
}

function writeJsonl(file: string, rows: unknown[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

before(async () => {
  const rows = fs
    .readFileSync(path.join(datasetsDir(), 'aime25', 'test.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, AIME_LIMIT)
    .map((l) => JSON.parse(l) as { problem: string; expected_answer: string });
  aimeGold = new Map(rows.map((r) => [r.problem, r.expected_answer]));
  assert.equal(aimeGold.size, AIME_LIMIT);
  env = await startEnv('suite-part1');
  ep = await startFakeEndpoint({ port: 0, models: ['part1-model'], answer });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

// --- the expected values, computed without lib/engine/metrics ------------------------------

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** NeMo-Skills majority@k for one sample: the most common non-null answer; ties score the mean correctness of the tied answers. */
function majority(answers: (string | null)[], gold: string): number {
  const counts = new Map<string, number>();
  for (const a of answers) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  if (counts.size === 0) return 0;
  const top = Math.max(...counts.values());
  return mean([...counts].filter(([, c]) => c === top).map(([a]) => (a === gold ? 1 : 0)));
}

function approx(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: got ${actual}, expected ${expected}`);
}

async function scoresOf(task: string): Promise<ScoreRecord[]> {
  const out: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${RUN_ID}/${task}/scores/`)) out.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  return out;
}

test('one run of ns_aime2025 (real data, 4 repeats), ns_gpqa and mmlu (synthetic) gives exactly the expected results.json', async () => {
  const dataDir = path.join(env.stack.dir, 'part1-data');
  writeJsonl(
    path.join(dataDir, 'gpqa', 'diamond.jsonl'),
    Array.from({ length: GPQA_ROWS }, (_, q) => ({
      'Record ID': `rec-${q}`,
      Question: `GPQA synthetic question ${q}: which option is correct?`,
      'Correct Answer': ` correct answer ${q} `,
      'Incorrect Answer 1': `decoy ${q}.1`,
      'Incorrect Answer 2': `decoy ${q}.2 [title] part`,
      'Incorrect Answer 3': `decoy ${q}.3`,
      Explanation: 'synthetic',
      Subdomain: gpqaSubdomain(q),
      'High-level domain': 'Synthetic',
      "Writer's Difficulty Estimate": null,
    })),
  );
  writeJsonl(
    path.join(dataDir, 'mmlu', 'test.jsonl'),
    Array.from({ length: MMLU_ROWS }, (_, q) => ({
      question: `MMLU synthetic question ${q}?`,
      subject: MMLU_SUBJECTS[q % 3]![0],
      choices: [0, 1, 2, 3].map((k) => (k === q % 4 ? `the right one ${q}` : `choice ${q}.${k}`)),
      answer: q % 4,
    })),
  );

  await startEvaluation({
    runId: RUN_ID,
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'part1-model' } },
      evaluation: {
        nemo_evaluator_config: { config: { params: { parallelism: 8, request_timeout: 10, max_retries: 3 } } },
        tasks: [
          {
            name: 'ns_aime2025',
            dataset_dir: datasetsDir(),
            nemo_evaluator_config: { config: { params: { limit_samples: AIME_LIMIT, extra: { num_repeats: AIME_REPEATS } } } },
          },
          { name: 'ns_gpqa', dataset_dir: dataDir, nemo_evaluator_config: { config: { params: { extra: { args: '++prompt_config=eval/aai/mcq-4choices' } } } } },
          { name: 'mmlu', dataset_dir: dataDir },
        ],
      },
      execution: { heartbeat_timeout: 5 },
    },
  });
  await env.client.workflow.getHandle(RUN_ID).result();

  // Every unit asked exactly once.
  assert.equal(ep.stats().succeeded, AIME_LIMIT * AIME_REPEATS + GPQA_ROWS + MMLU_ROWS);

  // --- ns_aime2025: pass@1[avg-of-4], majority@4, pass@4 and no_answer ---------------
  const golds = [...aimeGold.values()];
  const perSample = golds.map((gold, i) => {
    const pattern = AIME_PATTERNS[i % AIME_PATTERNS.length]!;
    const answers = pattern.map((o) => ({ R: gold, A: String(Number(gold) + 1), B: String(Number(gold) + 2), N: null })[o]);
    const correct = answers.map((a) => (a === gold ? 1 : 0));
    return {
      avg: mean(correct),
      maj: majority(answers, gold),
      any: Math.max(...correct),
      noAnswerShare: mean(answers.map((a) => (a === null ? 1 : 0))),
      allNone: answers.every((a) => a === null) ? 1 : 0,
    };
  });
  const aime = (await env.store.getJson<NemoResults>(keys.results(RUN_ID, 'ns_aime2025')))!.results.tasks.ns_aime2025.metrics;
  assert.deepEqual(Object.keys(aime).sort(), ['majority@4', 'pass@1[avg-of-4]', 'pass@4']);
  const avg = aime['pass@1[avg-of-4]']!.scores;
  approx(avg.symbolic_correct?.value, 100 * mean(perSample.map((s) => s.avg)), 'pass@1[avg-of-4]');
  approx(avg.symbolic_correct?.value, 40, 'pass@1[avg-of-4] literal');
  approx(avg.no_answer?.value, 100 * mean(perSample.map((s) => s.noAnswerShare)), 'pass@1[avg-of-4] no_answer');
  approx(aime['majority@4']!.scores.symbolic_correct?.value, 100 * mean(perSample.map((s) => s.maj)), 'majority@4');
  approx(aime['majority@4']!.scores.symbolic_correct?.value, (100 * (2 + 1 / 3)) / 5, 'majority@4 literal');
  approx(aime['majority@4']!.scores.no_answer?.value, 100 * mean(perSample.map((s) => s.allNone)), 'majority@4 no_answer');
  approx(aime['pass@4']!.scores.symbolic_correct?.value, 100 * mean(perSample.map((s) => s.any)), 'pass@4');
  approx(aime['pass@4']!.scores.symbolic_correct?.value, 80, 'pass@4 literal');
  assert.equal(avg.symbolic_correct?.stats.count, AIME_LIMIT);
  // The four per-repeat accuracies differ, so their spread is not zero.
  assert.ok((avg.symbolic_correct?.stats.std_dev_across_repeats ?? 0) > 0);

  // --- ns_gpqa: pass@1 overall and per Subdomain; gold letters from the seeded shuffle ---
  const gpqaResults = (await env.store.getJson<NemoResults>(keys.results(RUN_ID, 'ns_gpqa')))!.results;
  const gq = Array.from({ length: GPQA_ROWS }, (_, q) => q);
  const gpqaPct = (qs: number[], rule: 'right' | 'none') => (100 * qs.filter((q) => gpqaRule(q) === rule).length) / qs.length;
  const gpqaPass1 = gpqaResults.tasks.ns_gpqa.metrics['pass@1']!.scores;
  approx(gpqaPass1.symbolic_correct?.value, gpqaPct(gq, 'right'), 'ns_gpqa pass@1');
  approx(gpqaPass1.no_answer?.value, gpqaPct(gq, 'none'), 'ns_gpqa no_answer');
  for (const sub of ['Synthetic Physics', 'Synthetic Biology']) {
    const qs = gq.filter((q) => gpqaSubdomain(q) === sub);
    approx(gpqaResults.groups?.[`ns_gpqa/${sub}`]?.metrics['pass@1']!.scores.symbolic_correct?.value, gpqaPct(qs, 'right'), `ns_gpqa/${sub}`);
  }
  // Row i's gold is where CPython's (i+1)-th shuffle after random.seed(42) put the correct answer.
  const gpqaScores = await scoresOf('ns_gpqa');
  const goldById = new Map(gpqaScores.map((s) => [s.sample_id, s.expected]));
  assert.deepEqual(gq.map((q) => goldById.get(`rec-${q}`)).join(''), 'CABDCBDBD');

  // --- mmlu: pass@1 overall and per subcategory ----------------------------------------
  const mmluResults = (await env.store.getJson<NemoResults>(keys.results(RUN_ID, 'mmlu')))!.results;
  const mq = Array.from({ length: MMLU_ROWS }, (_, q) => q);
  const mmluRight = (qs: number[]) => (100 * qs.filter((q) => mmluRule(q) === 'boxed' || mmluRule(q) === 'colon').length) / qs.length;
  const mmluPass1 = mmluResults.tasks.mmlu.metrics['pass@1']!.scores;
  approx(mmluPass1.symbolic_correct?.value, mmluRight(mq), 'mmlu pass@1');
  approx(mmluPass1.symbolic_correct?.value, 50, 'mmlu pass@1 literal');
  approx(mmluPass1.no_answer?.value, (100 * mq.filter((q) => mmluRule(q) === 'bold').length) / MMLU_ROWS, 'mmlu no_answer');
  for (const [, subset] of MMLU_SUBJECTS) {
    const qs = mq.filter((q) => MMLU_SUBJECTS[q % 3]![1] === subset);
    approx(mmluResults.groups?.[`mmlu/${subset}`]?.metrics['pass@1']!.scores.symbolic_correct?.value, mmluRight(qs), `mmlu/${subset}`);
  }
});

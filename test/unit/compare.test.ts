/**
 * Run comparison, quality gate and export: the statistics against values
 * computed by hand (exact binomial sums, the χ² formula, the Agresti–Min
 * formula), the bootstrap's determinism, gate decisions on synthetic paired
 * runs, policy validation messages, and the export rows.
 */
import { taskUsage } from '../../lib/engine/cost';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  agrestiMinInterval,
  binomialTwoSidedHalf,
  chiSquare1Sf,
  compareLoaded,
  compareTaskData,
  erfc,
  type LoadedRun,
  mcnemar,
  normalQuantile,
  pairedBootstrap,
  pairedTest,
  perSample,
  quantileSorted,
  type RunTaskData,
} from '../../lib/analysis/compare';
import { decide, evaluateGate, gateMarkdown, overallDecision, parsePolicy, PolicyError } from '../../lib/analysis/gate';
import { buildInspectLog, inspectLogName, resultRowsOf, toCsv } from '../../lib/analysis/export';
import { computeMetrics } from '../../lib/engine/metrics';
import { compareHtml, compareText, formatP } from '../../cli/compare';
import type { ScoreRecord } from '../../lib/records/artifacts';
import type { RunMetadata } from '../../lib/records/artifacts';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (±${tol})`);

describe('statistics', () => {
  test('erfc and the χ²(1) tail match reference values', () => {
    close(erfc(0.5), 0.4795001221869535, 2e-7);
    close(erfc(-1.2), 1.9103139782296354, 2e-7);
    close(erfc(3), 2.2090496998585438e-5, 1e-11);
    close(chiSquare1Sf(3.841458820694124), 0.05, 1e-7);
    assert.equal(chiSquare1Sf(0), 1);
  });

  test('normal quantiles', () => {
    close(normalQuantile(0.975), 1.9599639845400536, 1e-8);
    close(normalQuantile(0.95), 1.6448536269514715, 1e-8);
    close(normalQuantile(0.995), 2.5758293035489, 1e-8);
    close(normalQuantile(0.01), -2.3263478740408408, 1e-8);
    close(normalQuantile(0.5), 0, 1e-12);
    assert.throws(() => normalQuantile(1), RangeError);
  });

  test('exact McNemar = two-sided binomial sum at 1/2', () => {
    // b=2, c=8: 2·(C(10,0)+C(10,1)+C(10,2))/2^10 = 2·56/1024
    const r = mcnemar(2, 8);
    assert.equal(r.method, 'mcnemar-exact');
    close(r.p, 0.109375, 1e-12);
    close(mcnemar(0, 5).p, 0.0625, 1e-12); // 2/32
    assert.equal(mcnemar(5, 5).p, 1);
    assert.equal(mcnemar(0, 0).p, 1);
    // Large n stays finite in log space: 0 vs 2000 discordant is overwhelming.
    assert.ok(binomialTwoSidedHalf(0, 2000) < 1e-300 || binomialTwoSidedHalf(0, 2000) === 0);
    close(binomialTwoSidedHalf(500, 1000), 1, 1e-12);
  });

  test('continuity-corrected McNemar from 25 discordant pairs on', () => {
    // b=10, c=30: χ² = (|10−30|−1)²/40 = 9.025, p = erfc(√4.5125)
    const r = mcnemar(10, 30);
    assert.equal(r.method, 'mcnemar-cc');
    close(r.statistic!, 9.025, 1e-12);
    close(r.p, 0.002663119259138554, 1e-8);
    const tie = mcnemar(12, 13); // (|−1|−1)² = 0
    assert.equal(tie.statistic, 0);
    assert.equal(tie.p, 1);
    assert.equal(mcnemar(12, 12).method, 'mcnemar-exact');
  });

  test('Agresti–Min interval: Wald after adding 1/2 to every cell', () => {
    // n11=30, n12=2, n21=8, n22=10 → ñ=52, d̃=6/52, se=√((11/52 − (6/52)²)/52)
    const [lo, hi] = agrestiMinInterval(30, 2, 8, 10, 0.95);
    close(lo, -0.005626557531594287, 1e-8);
    close(hi, 0.23639578830082508, 1e-8);
    // No discordant pair: the interval does not collapse to a point.
    const [lo0, hi0] = agrestiMinInterval(3, 0, 0, 0, 0.95);
    close(lo0, -0.39199279690801075, 1e-8);
    close(hi0, 0.39199279690801075, 1e-8);
    // Clipped to [−1, 1].
    const [l1, h1] = agrestiMinInterval(0, 0, 1, 0, 0.99);
    assert.ok(l1 >= -1 && h1 <= 1);
  });

  test('type-7 quantiles', () => {
    const xs = [1, 2, 3, 4];
    assert.equal(quantileSorted(xs, 0), 1);
    assert.equal(quantileSorted(xs, 1), 4);
    close(quantileSorted(xs, 0.5), 2.5, 1e-12);
    close(quantileSorted(xs, 0.25), 1.75, 1e-12);
  });

  test('paired bootstrap is deterministic for a seed and behaves at the edges', () => {
    const diffs = Array.from({ length: 200 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const a = pairedBootstrap(diffs, { seed: 7, resamples: 4000 });
    const b = pairedBootstrap(diffs, { seed: 7, resamples: 4000 });
    const c = pairedBootstrap(diffs, { seed: 8, resamples: 4000 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.ci, c.ci);
    close(a.mean, 0.3, 1e-12);
    // Percentile interval ≈ mean ± 1.96·sd/√n = 0.3 ± 1.96·√(0.21/200) = 0.3 ± 0.0635
    close(a.ci[0], 0.3 - 0.0635, 0.012, 'lower');
    close(a.ci[1], 0.3 + 0.0635, 0.012, 'upper');
    assert.ok(a.p < 0.001, `p ${a.p}`);
    // All differences equal: every resample has the same mean.
    const k = pairedBootstrap([1, 1, 1, 1], { resamples: 999 });
    assert.deepEqual(k.ci, [1, 1]);
    close(k.p, 1 / 1000, 1e-12);
    // Zero observed difference: p = 1.
    assert.equal(pairedBootstrap([1, -1, 0.5, -0.5], { resamples: 500 }).p, 1);
  });

  test('pairedTest picks McNemar for one binary repeat and the bootstrap otherwise', () => {
    const a = [1, 1, 0, 0, 1, 0, 0, 0, 1, 0];
    const b = [1, 1, 1, 1, 1, 1, 0, 1, 1, 1];
    const t = pairedTest(a, b, { binary: true });
    assert.equal(t.method, 'mcnemar-exact');
    assert.deepEqual(t.discordant, { a_only: 0, b_only: 5 });
    close(t.diff, 0.5, 1e-12);
    close(t.p, 0.0625, 1e-12);
    const r = pairedTest([0.25, 0.5, 1, 0], [0.75, 0.5, 1, 0.5], { binary: false, resamples: 2000 });
    assert.equal(r.method, 'paired-bootstrap');
    close(r.diff, 0.25, 1e-12);
    assert.ok(r.ci[0] <= r.diff && r.diff <= r.ci[1]);
    // binary requested but values are not 0/1 → bootstrap
    assert.equal(pairedTest([0.5], [1], { binary: true, resamples: 10 }).method, 'paired-bootstrap');
    assert.throws(() => pairedTest([1], [1, 0], { binary: true }), RangeError);
  });
});

// ─── synthetic runs in the real artifact shapes ───

interface Synth {
  /** outcomes[sample][repeat]: 1 right, 0 wrong, null no answer */
  outcomes: (0 | 1 | null)[][];
  params?: Record<string, unknown>;
  model?: string;
  sha?: string;
  idPrefix?: string;
  /** results.config.scorer_version */
  scorer?: string;
}

function taskData(runId: string, task: string, s: Synth): RunTaskData {
  const scores: ScoreRecord[] = [];
  s.outcomes.forEach((reps, i) =>
    reps.forEach((o, r) =>
      scores.push({ sample_id: `${s.idPrefix ?? 's'}${i}`, repeat: r, correct: o === 1, predicted: o === null ? null : o === 1 ? '42' : '41', expected: '42', finish_reason: 'stop' }),
    ),
  );
  const repeats = s.outcomes[0]?.length ?? 1;
  const { metrics } = computeMetrics(scores, repeats);
  const params = { parallelism: 4, request_timeout: 10, max_retries: 3, num_repeats: repeats, temperature: 0, ...s.params };
  return {
    run_id: runId,
    task,
    results: {
      results: { tasks: { [task]: { metrics } } },
      config: { task, benchmark: task, scorer_version: s.scorer ?? '2', model_id: s.model ?? 'm', endpoint_type: 'chat', params, samples: s.outcomes.length, repeats, dataset: { origin: 'local', location: '/d', sha256: s.sha ?? 'aaa' } },
    },
    manifest: { samples: s.outcomes.length, repeats, shards: 1, samples_per_shard: s.outcomes.length, units: s.outcomes.length * repeats, dataset: { origin: 'local', location: '/d', sha256: s.sha ?? 'aaa' } },
    scores,
  };
}

function run(runId: string, tasks: Record<string, Synth>): LoadedRun {
  const metadata: RunMetadata = {
    run_id: runId, config_name: 'c', evalflow_version: '0.1.0', git_hash: null, node_version: 'v20',
    temporal: { namespace: 'default', workflow_id: runId, workflow_run_ids: [], task_queue: 'q' },
    tasks: Object.keys(tasks), started_at: '2025-01-02T03:04:05.678Z', finished_at: '2025-01-02T03:05:00.000Z', status: 'completed',
    storage: { bucket: 'b', prefix: '' },
  };
  return { run_id: runId, metadata, config: null, tasks: new Map(Object.entries(tasks).map(([t, s]) => [t, taskData(runId, t, s)])), incomplete: [] };
}

/** n samples, one repeat, right on the first `right` of them. */
const firstRight = (n: number, right: number): (0 | 1)[][] => Array.from({ length: n }, (_, i) => [i < right ? 1 : 0]);

describe('compare', () => {
  test('a planted difference is found with McNemar and the right numbers', () => {
    const a = taskData('A', 'gsm8k', { outcomes: firstRight(80, 32) }); // 40%
    const b = taskData('B', 'gsm8k', { outcomes: firstRight(80, 64) }); // 80%, superset of A's
    const c = compareTaskData(a, b);
    assert.deepEqual(c.flags, []);
    const head = c.rows.find((r) => r.score === 'symbolic_correct')!;
    assert.equal(head.metric, 'pass@1');
    assert.equal(head.n, 80);
    close(head.a, 40, 1e-9);
    close(head.b, 80, 1e-9);
    close(head.diff, 40, 1e-9);
    assert.equal(head.method, 'mcnemar-cc'); // 32 discordant pairs
    assert.deepEqual(head.discordant, { a_only: 0, b_only: 32 });
    close(head.p, chiSquare1Sf(31 ** 2 / 32), 1e-12);
    assert.ok(head.significant);
    assert.ok(head.ci[0] > 0 && head.ci[1] <= 100);
    assert.ok(c.rows.some((r) => r.score === 'no_answer' && !r.higher_is_better));
  });

  test('flags model, sampling, prompt, dataset and sample-set differences', () => {
    const a = taskData('A', 'gsm8k', { outcomes: firstRight(10, 5) });
    const b = taskData('B', 'gsm8k', {
      outcomes: firstRight(12, 5), model: 'other', sha: 'bbb', params: { temperature: 0.6, prompt_config: 'eval/aai/math' },
    });
    const c = compareTaskData(a, b);
    const kinds = c.flags.map((f) => f.kind).sort();
    assert.deepEqual(kinds, ['dataset', 'generation_params', 'model', 'prompt_config', 'sample_set']);
    assert.match(c.flags.find((f) => f.kind === 'generation_params')!.message, /temperature 0 vs 0\.6/);
    assert.deepEqual(c.overlap, { shared: 10, only_baseline: 0, only_candidate: 2 });
    assert.match(c.flags.find((f) => f.kind === 'sample_set')!.message, /10 samples shared; 0 only in A, 2 only in B/);
    assert.equal(c.rows[0].n, 10);
  });

  test('judged rows: the per-sample values follow the reference verdict when the rows carry it (HLE judge_correct), else leave judge errors out', () => {
    const row = (id: string, correct: boolean, extra: Partial<ScoreRecord> = {}): ScoreRecord => ({ sample_id: id, repeat: 0, correct, predicted: 'x', expected: 'x', finish_reason: 'stop', ...extra });
    const withRef = perSample([
      row('a', true, { reference_correct: false }), // re-asked judge said yes; the first reply (the reference's) did not parse
      row('b', false, { reference_correct: false, judge_error: 'unparseable' }),
      row('c', true, { reference_correct: true }),
      row('d', false, { judge_error: 'judge never replied' }), // no verdict of either kind
    ]);
    assert.deepEqual([...withRef.entries()].map(([k, v]) => [k, v.correct]), [['a', [0]], ['b', [0]], ['c', [1]]]);
    const old = perSample([row('a', true), row('b', false, { judge_error: 'unparseable' })]);
    assert.deepEqual([...old.keys()], ['a']);
  });

  test('runs scored by different scorer versions are flagged, saying how to re-score', () => {
    const a = taskData('A', 'gsm8k', { outcomes: firstRight(10, 5), scorer: '1' });
    const b = taskData('B', 'gsm8k', { outcomes: firstRight(10, 5), scorer: '2' });
    const c = compareTaskData(a, b);
    assert.deepEqual(c.flags.map((f) => f.kind), ['scorer']);
    assert.match(c.flags[0].message, /different scorer versions: "1" vs "2".*re-score the older run/);
    // An old run without a recorded version is flagged too (its scorer is unknown).
    const old = taskData('O', 'gsm8k', { outcomes: firstRight(10, 5) });
    delete (old.results.config as Record<string, unknown>).scorer_version;
    assert.deepEqual(compareTaskData(old, b).flags.map((f) => f.kind), ['scorer']);
    assert.deepEqual(compareTaskData(b, taskData('C', 'gsm8k', { outcomes: firstRight(10, 5) })).flags, []);
  });

  test('repeats: per-sample means with the bootstrap, and pass@k with McNemar', () => {
    const outcomes = (p: number): (0 | 1)[][] => Array.from({ length: 40 }, (_, i) => Array.from({ length: 4 }, (_, r) => ((i * 4 + r) % 10 < p ? 1 : 0)));
    const a = taskData('A', 'gsm8k', { outcomes: outcomes(3) });
    const b = taskData('B', 'gsm8k', { outcomes: outcomes(7) });
    const c = compareTaskData(a, b, { seed: 1 });
    const head = c.rows[0];
    assert.equal(head.metric, 'pass@1[avg-of-4]');
    assert.equal(head.method, 'paired-bootstrap');
    close(head.a, 30, 1e-9);
    close(head.b, 70, 1e-9);
    assert.ok(head.significant && head.ci[0] > 0);
    assert.deepEqual(compareTaskData(a, b, { seed: 1 }).rows, c.rows, 'seeded: same result twice');
    const passK = c.rows.find((r) => r.metric === 'pass@4')!;
    assert.ok(passK.method.startsWith('mcnemar'));
  });

  test('reports: the HTML page escapes run-supplied text and loads nothing; the table marks direction', () => {
    const evil = '<script>alert(1)</script>';
    const cmp = compareLoaded(run('A', { [evil]: { outcomes: firstRight(20, 5) } }), run('B', { [evil]: { outcomes: firstRight(20, 15), model: '"><img src=x>' } }));
    const page = compareHtml([cmp]);
    assert.ok(!page.includes(evil) && !page.includes('<img'), 'escaped');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!/<(script|link|img|iframe)\b|<[a-z]+[^>]*\s(src|href)=|url\(/i.test(page), 'self-contained');
    assert.equal((page.match(/<circle /g) ?? []).length, 2);
    const text = compareText([cmp]);
    assert.match(text, /yes, better/);
    assert.match(text, /model: model "m" vs "\\">/);
    assert.equal(formatP(0.00001), '<0.0001');
    assert.equal(formatP(0.0005), '5.0e-4');
    assert.equal(formatP(0.25), '0.2500');
  });

  test('compare shows the tokens and cost of each run from results.json', () => {
    const a = run('A', { gsm8k: { outcomes: firstRight(10, 5) } });
    const b = run('B', { gsm8k: { outcomes: firstRight(10, 6) } });
    const price = { model_id: 'm', input_per_million: 1, output_per_million: 2 };
    a.tasks.get('gsm8k')!.results.results.tasks.gsm8k.usage = taskUsage({ usage: { calls: 10, prompt_tokens: 1000, completion_tokens: 500, reasoning_tokens: 100 }, replayed: 0, price });
    const cmp = compareLoaded(a, b);
    assert.equal(cmp.tasks[0].usage?.baseline?.cost_usd, 0.002);
    assert.equal(cmp.tasks[0].usage?.candidate, undefined);
    const text = compareText([cmp]);
    assert.match(text, /tokens and cost \(every response the results are computed from\):\n  gsm8k: A model 10 calls, 1000 prompt \+ 500 completion tokens \(100 reasoning\); cost \$0\.0020\n  gsm8k: B no usage recorded/);
    assert.equal(compareText([compareLoaded(b, b)]).includes('tokens and cost'), false, 'nothing when neither run recorded usage');
  });

  test('tasks missing on one side are listed, not compared', () => {
    const cmp = compareLoaded(run('A', { gsm8k: { outcomes: firstRight(5, 2) }, mmlu: { outcomes: firstRight(5, 2) } }), run('B', { gsm8k: { outcomes: firstRight(5, 3) } }));
    assert.deepEqual(cmp.tasks.map((t) => t.task), ['gsm8k']);
    assert.deepEqual(cmp.skipped, [{ task: 'mmlu', reason: 'is not in B' }]);
  });
});

describe('gate', () => {
  const policy = (extra = '') => parsePolicy(`confidence: 0.95\nrules:\n  - task: gsm8k\n    max_regression: 2\n${extra}`);

  test('decision rule on the interval', () => {
    assert.equal(decide([-10, -3], 2, true).decision, 'NO-GO');
    assert.equal(decide([-2, 5], 2, true).decision, 'GO'); // lower bound exactly at the threshold
    assert.equal(decide([-5, 1], 2, true).decision, 'INCONCLUSIVE');
    // lower is better: a rise is a regression
    assert.equal(decide([1, 3], 0.5, false).decision, 'NO-GO');
    assert.equal(decide([-3, 0.5], 0.5, false).decision, 'GO');
    assert.equal(overallDecision(['GO', 'INCONCLUSIVE', 'NO-GO']), 'NO-GO');
    assert.equal(overallDecision(['GO', 'INCONCLUSIVE']), 'INCONCLUSIVE');
    assert.equal(overallDecision(['GO', 'GO']), 'GO');
  });

  test('GO when the candidate is clearly not worse', () => {
    const r = evaluateGate(policy(), run('A', { gsm8k: { outcomes: firstRight(100, 40) } }), run('B', { gsm8k: { outcomes: firstRight(100, 80) } }));
    assert.equal(r.decision, 'GO');
    assert.equal(r.exit_code, 0);
    assert.equal(r.rules[0].metric, 'pass@1');
    assert.equal(r.rules[0].score, 'symbolic_correct');
  });

  test('NO-GO when the candidate is significantly worse by more than allowed', () => {
    const r = evaluateGate(policy(), run('B', { gsm8k: { outcomes: firstRight(100, 80) } }), run('A', { gsm8k: { outcomes: firstRight(100, 40) } }));
    assert.equal(r.decision, 'NO-GO');
    assert.equal(r.exit_code, 1);
    assert.ok(r.rules[0].comparison!.ci[1] < -2);
  });

  test('INCONCLUSIVE with few samples: the interval spans the threshold', () => {
    const r = evaluateGate(policy(), run('A', { gsm8k: { outcomes: firstRight(10, 5) } }), run('B', { gsm8k: { outcomes: firstRight(10, 4) } }));
    assert.equal(r.decision, 'INCONCLUSIVE');
    assert.equal(r.exit_code, 2);
    assert.match(r.rules[0].reason, /spans/);
  });

  test('INCONCLUSIVE below min_samples, or on a config difference when asked', () => {
    const a = run('A', { gsm8k: { outcomes: firstRight(100, 40) } });
    const b = run('B', { gsm8k: { outcomes: firstRight(100, 80), params: { temperature: 0.7 } } });
    const few = evaluateGate(policy('    min_samples: 200\n'), a, b);
    assert.equal(few.decision, 'INCONCLUSIVE');
    assert.match(few.rules[0].reason, /only 100 shared samples, the policy needs at least 200/);
    assert.equal(evaluateGate(policy(), a, b).decision, 'GO', 'a config difference only warns by default');
    const strict = evaluateGate(parsePolicy('config_mismatch: inconclusive\nrules: [{task: gsm8k, max_regression: 2}]'), a, b);
    assert.equal(strict.decision, 'INCONCLUSIVE');
    assert.match(strict.rules[0].reason, /generation_params/);
  });

  test('a gate between runs scored by different scorer versions warns (or is INCONCLUSIVE when the policy asks)', () => {
    const a = run('A', { gsm8k: { outcomes: firstRight(100, 40), scorer: '1' } });
    const b = run('B', { gsm8k: { outcomes: firstRight(100, 80), scorer: '2' } });
    const warned = evaluateGate(policy(), a, b);
    assert.equal(warned.decision, 'GO');
    assert.deepEqual(warned.rules[0].flags.map((f) => f.kind), ['scorer']);
    assert.match(gateMarkdown(warned), /gsm8k: scorer: scored by different scorer versions/);
    const strict = evaluateGate(parsePolicy('config_mismatch: inconclusive\nrules: [{task: gsm8k, max_regression: 2}]'), a, b);
    assert.equal(strict.decision, 'INCONCLUSIVE');
    assert.match(strict.rules[0].reason, /scorer/);
  });

  test('wildcard task, explicit metric and score, missing tasks and metrics', () => {
    const a = run('A', { gsm8k: { outcomes: firstRight(100, 40) }, mmlu: { outcomes: firstRight(100, 50) } });
    const b = run('B', { gsm8k: { outcomes: firstRight(100, 80) }, mmlu: { outcomes: firstRight(100, 50) } });
    const all = evaluateGate(parsePolicy('rules: [{task: "*", max_regression: 5}]'), a, b);
    assert.deepEqual(all.rules.map((x) => [x.task, x.decision]), [['gsm8k', 'GO'], ['mmlu', 'GO']]);
    const rest = evaluateGate(parsePolicy('rules: [{task: gsm8k, max_regression: 1}, {task: "*", max_regression: 5}]'), a, b);
    assert.deepEqual(rest.rules.map((x) => x.task), ['gsm8k', 'mmlu'], '"*" covers the tasks no other rule names');
    const noAnswer = evaluateGate(parsePolicy('rules: [{task: gsm8k, metric: pass@1, score: no_answer, max_regression: 1}]'), a, b);
    assert.equal(noAnswer.rules[0].score, 'no_answer');
    const unknown = evaluateGate(parsePolicy('rules: [{task: gsm8k, metric: "majority@8", max_regression: 1}, {task: hle, max_regression: 1}]'), a, b);
    assert.equal(unknown.decision, 'INCONCLUSIVE');
    assert.match(unknown.rules[0].reason, /no paired metric majority@8\/symbolic_correct for gsm8k; compared: pass@1\/symbolic_correct/);
    assert.match(unknown.rules[1].reason, /task hle is not part of run A/);
    assert.match(gateMarkdown(unknown), /^# evalflow gate: \*\*INCONCLUSIVE\*\*/);
  });

  test('policy validation errors name the path', () => {
    const bad = (text: string, re: RegExp) => {
      assert.throws(() => parsePolicy(text, 'gate.yaml'), (e: unknown) => e instanceof PolicyError && re.test(e.message));
    };
    bad('rules:\n  - task: gsm8k\n', /rules\[0\]\.max_regression:/);
    bad('rules:\n  - task: gsm8k\n    max_regresion: 2\n    max_regression: 2\n', /rules\[0\]: .*max_regresion/);
    bad('confidence: 1.5\nrules: [{task: a, max_regression: 1}]', /confidence: must be below 1/);
    bad('rules: [{task: a, max_regression: -1}]', /rules\[0\]\.max_regression: must be ≥ 0/);
    bad('rules: [{task: a, max_regression: 1, min_samples: 2.5}]', /rules\[0\]\.min_samples: must be a whole number/);
    bad('rules: []', /rules: needs at least one rule/);
    bad('', /rules:/);
    bad('rules: [a: b', /gate\.yaml: not valid YAML/);
    bad('config_mismatch: fail\nrules: [{task: a, max_regression: 1}]', /config_mismatch:/);
    const example = parsePolicy(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'gate.yaml'), 'utf8'), 'examples/gate.yaml');
    assert.equal(example.rules.length, 4);
    const ok = parsePolicy('rules: [{task: a, max_regression: 1}]');
    assert.equal(ok.confidence, 0.95);
    assert.equal(ok.config_mismatch, 'warn');
  });
});

describe('export', () => {
  const t = taskData('R1', 'gsm8k', { outcomes: [[1, 0], [1, 1], [null, 0]] });

  test('one row per task × metric × score, values as in results.json', () => {
    const rows = resultRowsOf('R1', 'gsm8k', t.results);
    const metrics = t.results.results.tasks.gsm8k.metrics;
    const expected = Object.values(metrics).reduce((n, g) => n + Object.keys(g.scores).length, 0);
    assert.equal(rows.length, expected);
    assert.equal(rows.length, 6); // pass@1[avg-of-2], majority@2, pass@2 × symbolic_correct, no_answer
    const head = rows.find((r) => r.metric === 'pass@1[avg-of-2]' && r.score === 'symbolic_correct')!;
    assert.deepEqual(head, { run_id: 'R1', task: 'gsm8k', metric: 'pass@1[avg-of-2]', score: 'symbolic_correct', value: 50, stderr: metrics['pass@1[avg-of-2]'].scores.symbolic_correct.stats.stderr, count: 3, model: 'm' });
  });

  test('CSV follows RFC 4180', () => {
    const csv = toCsv([{ run_id: 'r', task: 't', metric: 'pass@1', score: 's', value: 1.5, stderr: null, count: 3, model: 'a,"b"' }]);
    assert.equal(csv, 'run_id,task,metric,score,value,stderr,count,model\r\nr,t,pass@1,s,1.5,,3,"a,""b"""\r\n');
  });

  test('Inspect log: spec, results as fractions, one sample per repeat', () => {
    const meta = run('R1', {}).metadata;
    const samples = t.scores.filter((s) => s.repeat === 0).map((s, index) => ({ id: s.sample_id, expected: '42', data: {}, index, messages: [{ role: 'user' as const, content: `q${index}` }] }));
    const generations = t.scores.map((s) => ({
      sample_id: s.sample_id, index: Number(s.sample_id.slice(1)), repeat: s.repeat, request_hash: 'h', attempts: 1, cached: false,
      content: `answer ${s.predicted}`, reasoning: s.repeat === 0 ? 'thinking' : null, reasoning_unfinished: false, finish_reason: 'length', prompt_tokens: 10, completion_tokens: 5, reasoning_tokens: null, latency_ms: 100,
    }));
    const log = buildInspectLog({ run_id: 'R1', task: 'gsm8k', metadata: meta, run_config: { target: { api_endpoint: { url: 'http://h/v1/chat/completions', model_id: 'm' } } }, results: t.results, manifest: t.manifest, samples, generations, scores: t.scores });
    assert.equal(log.version, 2);
    assert.equal(log.status, 'success');
    assert.equal(log.eval.task, 'gsm8k');
    assert.equal(log.eval.model, 'm');
    assert.equal(log.eval.model_base_url, 'http://h/v1/chat/completions');
    assert.equal(log.eval.config.epochs, 2);
    assert.equal(log.eval.dataset.samples, 3);
    assert.equal(log.samples.length, 6);
    assert.deepEqual(log.samples.map((s) => [s.id, s.epoch]), [['s0', 1], ['s0', 2], ['s1', 1], ['s1', 2], ['s2', 1], ['s2', 2]]);
    assert.deepEqual(log.samples[0].scores, { symbolic_correct: { value: 'C', answer: '42' } });
    assert.equal(log.samples[4].scores.symbolic_correct.value, 'I');
    assert.equal(log.samples[0].output.choices[0].stop_reason, 'max_tokens');
    assert.deepEqual(log.samples[0].output.choices[0].message.content, [{ type: 'reasoning', reasoning: 'thinking' }, { type: 'text', text: 'answer 42' }]);
    assert.equal(log.samples[0].messages.length, 2);
    const head = log.results!.scores.find((s) => s.name === 'pass@1[avg-of-2]')!;
    close(head.metrics.symbolic_correct.value, 0.5, 1e-12);
    assert.equal(log.stats.model_usage.m.total_tokens, 90);
    assert.equal(inspectLogName(log), '2025-01-02T03-04-05Z_gsm8k_R1.json');
  });
});

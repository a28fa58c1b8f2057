/**
 * The HTML report: artifacts of a synthetic run (in the store's real layout
 * and record shapes) are read by loadReportData, rendered by renderReport,
 * and the HTML is checked for escaping, plots, embedded rows and filters.
 * The browser side is exercised in test/integration/report.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as YAML from 'yaml';
import type { GenerationRecord } from '../../lib/records/artifacts';
import type { JudgementRecord } from '../../lib/records/artifacts';
import type { PrepareResult, PreparedSample } from '../../lib/records/artifacts';
import type { RunMetadata } from '../../lib/records/artifacts';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import { addUsage, emptyUsage, taskUsage, usageOfResponse } from '../../lib/engine/cost';
import { computeMetrics } from '../../lib/engine/metrics';
import {
  confidenceInterval,
  escapeHtml,
  histogramBins,
  jsonForScript,
  loadReportData,
  type ReportData,
  type ReportSource,
  renderReport,
} from '../../lib/analysis/report';
import { parseJsonl } from '../../lib/engine/store';
import { keys } from '../../lib/records/keys';

/** An in-memory object store with ArtifactStore's read API, so the loader runs without MinIO. */
class MemoryStore implements ReportSource {
  readonly objects = new Map<string, string>();
  async getText(key: string): Promise<string | null> {
    return this.objects.get(key) ?? null;
  }
  async getJson<T>(key: string): Promise<T | null> {
    const t = this.objects.get(key);
    return t === undefined ? null : (JSON.parse(t) as T);
  }
  async getJsonl<T>(key: string): Promise<T[] | null> {
    const t = this.objects.get(key);
    return t === undefined ? null : parseJsonl<T>(t);
  }
  uri(key: string): string {
    return `s3://bucket/${key}`;
  }
  put(key: string, value: unknown): void {
    this.objects.set(key, JSON.stringify(value));
  }
  putJsonl(key: string, rows: unknown[]): void {
    this.objects.set(key, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
}

const RUN = 'synthetic-1';
const XSS = '<script>alert("pwned")</script>';
const XSS_IMG = '</script><img src=x onerror=alert(1)>';
const LONG = 'x'.repeat(5000);

interface UnitSpec {
  content: string;
  predicted: string | null;
  correct: boolean;
  finish?: string;
  judge?: { correct: boolean | null; error?: string; reply: string };
}

/** Write one task (one shard) in the layout the activities produce. */
function writeTask(store: MemoryStore, task: string, samples: { id: string; expected: string; subset?: string; question: string; units: UnitSpec[] }[]) {
  const repeats = samples[0].units.length;
  const prepared: PreparedSample[] = samples.map((s, index) => ({
    id: s.id,
    expected: s.expected,
    ...(s.subset ? { subset: s.subset } : {}),
    data: {},
    index,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: s.question },
    ],
  }));
  const gens: GenerationRecord[] = [];
  const scores: ScoreRecord[] = [];
  const judgements: JudgementRecord[] = [];
  samples.forEach((s, index) =>
    s.units.forEach((u, repeat) => {
      gens.push({
        sample_id: s.id,
        index,
        repeat,
        request_hash: `h-${s.id}-${repeat}`,
        content: u.content,
        reasoning: repeat === 0 ? `thinking about ${s.id} ${XSS}` : null,
        reasoning_unfinished: false,
        finish_reason: u.finish ?? 'stop',
        prompt_tokens: 50,
        completion_tokens: 100 + 10 * index + repeat,
        reasoning_tokens: repeat === 0 ? 40 : null,
        latency_ms: 200 + index,
        attempts: repeat === 1 ? 2 : 1,
        cached: false,
      });
      const base = { sample_id: s.id, repeat, subset: s.subset, expected: s.expected, finish_reason: u.finish ?? 'stop' };
      if (u.judge) {
        judgements.push({
          sample_id: s.id,
          repeat,
          correct: u.judge.correct,
          judge_response: u.judge.reply,
          judge_calls: 1,
          ...(u.judge.error ? { judge_error: u.judge.error } : {}),
        });
      }
      if (u.judge?.error) scores.push({ ...base, predicted: null, correct: false, judge_error: u.judge.error });
      else scores.push({ ...base, predicted: u.predicted, correct: u.correct });
    }),
  );
  const manifest: PrepareResult = {
    samples: samples.length,
    repeats,
    shards: 1,
    samples_per_shard: samples.length,
    units: samples.length * repeats,
    dataset: { origin: 'local', location: `/data/${task}.jsonl`, sha256: 'abc' },
  };
  store.put(keys.samplesManifest(RUN, task), manifest);
  store.putJsonl(keys.samplesShard(RUN, task, 0), prepared);
  store.putJsonl(keys.generationsShard(RUN, task, 0), gens);
  store.putJsonl(keys.scoresShard(RUN, task, 0), scores);
  if (judgements.length) store.putJsonl(keys.judgementsShard(RUN, task, 0), judgements);
  const ok = scores.filter((s) => s.judge_error === undefined);
  const { metrics, subsets } = computeMetrics(ok, repeats);
  // Usage as aggregateTask writes it: gsm8k priced, mmlu_pro judged with no price for the judge.
  const model = gens.reduce((a, g) => addUsage(a, usageOfResponse(g)), emptyUsage());
  const judged = judgements.length ? { usage: { calls: judgements.length, prompt_tokens: 30 * judgements.length, completion_tokens: 2 * judgements.length, reasoning_tokens: 0 }, replayed: 1, price: null } : undefined;
  const usage = taskUsage({ usage: model, replayed: 0, price: { model_id: 'my-model', input_per_million: 1, output_per_million: 2 } }, judged);
  const results: NemoResults = {
    results: {
      tasks: { [task]: { metrics, usage } },
      ...(Object.keys(subsets).length ? { groups: Object.fromEntries(Object.entries(subsets).map(([k, v]) => [`${task}/${k}`, { metrics: v }])) } : {}),
    },
    config: { task, benchmark: task, model_id: 'my-model', samples: samples.length, repeats },
  };
  store.put(keys.results(RUN, task), results);
}

function syntheticStore(): MemoryStore {
  const store = new MemoryStore();
  const meta: RunMetadata = {
    run_id: RUN,
    config_name: 'synthetic <suite>',
    evalflow_version: '0.1.0',
    git_hash: '0123456789abcdef',
    node_version: 'v20.0.0',
    temporal: { namespace: 'default', workflow_id: RUN, workflow_run_ids: ['r1'], task_queue: 'evalflow' },
    tasks: ['gsm8k', 'mmlu_pro'],
    started_at: '2025-01-01T10:00:00.000Z',
    finished_at: '2025-01-01T10:03:30.000Z',
    status: 'completed',
    storage: { bucket: 'bucket', prefix: '' },
  };
  store.put(keys.metadata(RUN), meta);
  store.objects.set(keys.runConfig(RUN), YAML.stringify({ target: { api_endpoint: { model_id: 'my-model', url: 'http://h/v1' } } }));
  writeTask(store, 'gsm8k', [
    { id: 'g0', expected: '42', question: `What is 6*7? ${XSS}`, units: [{ content: `The answer is \\boxed{42} ${XSS}`, predicted: '42', correct: true }, { content: XSS_IMG, predicted: '41', correct: false }] },
    { id: 'g1', expected: '3', question: 'What is 1+2?', units: [{ content: LONG, predicted: null, correct: false, finish: 'length' }, { content: 'It is 3', predicted: '3', correct: true }] },
    { id: 'g2', expected: '5', question: 'What is 2+3?', units: [{ content: '5', predicted: '5', correct: true }, { content: '6', predicted: '6', correct: false }] },
  ]);
  writeTask(store, 'mmlu_pro', [
    { id: 'm0', expected: 'A', subset: 'law', question: 'Q law', units: [{ content: 'A', predicted: 'A', correct: true, judge: { correct: true, reply: 'CORRECT' } }] },
    { id: 'm1', expected: 'B', subset: 'law', question: 'Q law 2', units: [{ content: 'C', predicted: 'C', correct: false, judge: { correct: false, reply: 'WRONG <b>bold</b>' } }] },
    { id: 'm2', expected: 'C', subset: 'physics', question: 'Q phys', units: [{ content: 'C', predicted: 'C', correct: true, judge: { correct: true, reply: 'CORRECT' } }] },
    { id: 'm3', expected: 'D', subset: 'physics', question: 'Q phys 2', units: [{ content: 'D', predicted: 'D', correct: false, judge: { correct: null, error: 'judge reply unparseable <x>', reply: '???' } }] },
  ]);
  return store;
}

async function synthetic(): Promise<ReportData> {
  return loadReportData(syntheticStore(), RUN, { generatedAt: '2025-01-02T00:00:00.000Z' });
}

/** The JSON embedded in the report, parsed back. */
function embedded(html: string): { text_cap: number; tasks: { name: string }[]; prompts: string[]; rows: ReportData['rows'] } {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'report embeds its rows as JSON in script#report-data');
  return JSON.parse(m[1]) as ReturnType<typeof embedded>;
}

test('loadReportData joins samples, generations, scores and judgements per (sample, repeat)', async () => {
  const d = await synthetic();
  assert.equal(d.run_id, RUN);
  assert.deepEqual(d.models, ['my-model']);
  assert.deepEqual(d.tasks.map((t) => t.name), ['gsm8k', 'mmlu_pro']);
  assert.equal(d.rows.length, 6 + 4, 'one row per (sample, repeat)');
  assert.equal(d.prompts.length, 7, 'a prompt is stored once for all repeats of a sample');
  const g1 = d.rows.filter((r) => r.sample === 'g1');
  assert.equal(g1.length, 2);
  assert.equal(g1[0].prompt, g1[1].prompt);
  assert.equal(d.prompts[g1[0].prompt], 'What is 1+2?', 'the prompt is the last user message');
  assert.equal(g1[0].response.length, 4000, 'long responses are cut at the text cap');
  assert.equal(g1[0].truncated, true);
  assert.equal(d.truncated_texts, 1);
  assert.equal(g1[0].predicted, null);
  assert.equal(g1[0].correct, false);
  assert.equal(g1[0].finish_reason, 'length');

  const gsm = d.tasks[0];
  assert.deepEqual(gsm.counts, { units: 6, scored: 6, correct: 3, wrong: 2, no_answer: 1, judge_errors: 0, cached: 0, retries: 3, reasoning_unfinished: 0 });
  assert.deepEqual(gsm.finish_reasons, { stop: 5, length: 1 });
  assert.equal(gsm.completion_tokens.length, 6);
  assert.equal(gsm.latencies_ms.length, 6);
  assert.equal(gsm.headline?.metric, 'pass@1[avg-of-2]');
  assert.equal(gsm.headline?.score, 'symbolic_correct');
  assert.equal(gsm.headline?.value, 50);
  assert.equal(gsm.dataset, 'local: /data/gsm8k.jsonl');

  const mmlu = d.tasks[1];
  assert.equal(mmlu.headline?.metric, 'pass@1');
  assert.deepEqual(mmlu.subsets.map((s) => [s.name, s.value]), [['law', 50], ['physics', 100]]);
  assert.equal(mmlu.counts.judge_errors, 1);
  const m3 = d.rows.find((r) => r.sample === 'm3');
  assert.equal(m3?.judge_error, 'judge reply unparseable <x>');
  assert.equal(m3?.correct, null, 'a judge failure is not a wrong answer');
  const m1 = d.rows.find((r) => r.sample === 'm1');
  assert.equal(m1?.judge, 'incorrect');
  assert.equal(m1?.judge_response, 'WRONG <b>bold</b>');
});

test('loadReportData names the run and the store when the run has no artifacts', async () => {
  await assert.rejects(loadReportData(new MemoryStore(), 'nope'), /no artifacts for run 'nope' in s3:\/\/bucket\/runs\/nope\//);
});

test('renderReport escapes every untrusted string: no model output becomes markup', async () => {
  const html = renderReport(await synthetic());
  assert.ok(!html.includes(XSS), 'the raw <script> from a response or prompt never appears');
  assert.ok(!html.includes('<img'), 'no <img> tag from model output');
  assert.ok(!html.includes('<b>bold'), 'judge reply is escaped');
  assert.equal(html.match(/<script/g)?.length, 2, 'exactly the two script elements of the report itself');
  assert.ok(html.includes('synthetic &lt;suite&gt;'), 'config name escaped in the header');
  // The embedded rows still carry the exact text, for the browser to show with textContent.
  const e = embedded(html);
  assert.equal(e.rows.length, 10);
  assert.equal(e.rows.find((r) => r.sample === 'g0' && r.repeat === 1)?.response, XSS_IMG);
  assert.ok(e.prompts.includes(`What is 6*7? ${XSS}`));
  assert.equal(e.text_cap, 4000);
  assert.deepEqual(e.tasks.map((t) => t.name), ['gsm8k', 'mmlu_pro']);
});

test('renderReport draws the plots as inline SVG', async () => {
  const html = renderReport(await synthetic());
  for (const id of [
    'plot-scores',
    'plot-subsets-mmlu_pro',
    'plot-tokens-gsm8k',
    'plot-latency-gsm8k',
    'plot-finish-gsm8k',
    'plot-tokens-mmlu_pro',
    'plot-latency-mmlu_pro',
  ]) {
    assert.match(html, new RegExp(`<svg id="${id}" class="plot`), `${id} is drawn`);
  }
  assert.ok(!html.includes('id="plot-subsets-gsm8k"'), 'no category plot for a task without subsets');
  assert.equal(html.match(/<g class="errorbar">/g)?.length, 2 + 2, 'error bars: two tasks, two mmlu_pro categories');
  assert.ok((html.match(/<rect class="bin"/g)?.length ?? 0) >= 4, 'histogram bins');
  assert.match(html, /finish_reason = length<\/th><td class="num">1</);
});

test('renderReport has the header, the CI table and the sample browser controls', async () => {
  const html = renderReport(await synthetic());
  assert.match(html, /<table id="run-header"/);
  assert.match(html, /<th>model<\/th><td>my-model<\/td>/);
  assert.match(html, /<th>status<\/th><td>completed<\/td>/);
  assert.match(html, /<th>duration<\/th><td>3 min 30 s<\/td>/);
  assert.match(html, /<table id="metrics-table"/);
  assert.match(html, /<th>95% CI<\/th>/);
  for (const f of ['all', 'wrong', 'no-answer', 'judge-error']) assert.ok(html.includes(`data-filter="${f}"`), `filter ${f}`);
  assert.match(html, /<input id="sample-search" type="search"/);
  assert.match(html, /id="page-next"/);
  assert.match(html, /cut at 4,000 characters \(1 texts were cut\)/);
});

test('the report loads nothing from the network', async () => {
  const html = renderReport(await synthetic());
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.ok(!/<link|\ssrc=|url\(|@import/i.test(html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '')), 'no external resources');
});

test('a demo-model run says the model is scripted', async () => {
  const d = await synthetic();
  assert.ok(!renderReport(d).includes('SCRIPTED DEMO MODEL'));
  assert.ok(renderReport({ ...d, models: ['demo-model'] }).includes('SCRIPTED DEMO MODEL'));
});

test('confidenceInterval is value ± 1.96·stderr', () => {
  assert.deepEqual(confidenceInterval(50, 10), [50 - 19.6, 50 + 19.6]);
  assert.equal(confidenceInterval(50, null), null);
});

test('histogramBins covers every value once', () => {
  const values = [1, 2, 2, 3, 10, 10, 57, 100];
  const bins = histogramBins(values);
  assert.equal(bins.reduce((a, b) => a + b.count, 0), values.length);
  assert.equal(bins[0].from, 1);
  assert.ok(bins[bins.length - 1].to > 100);
  assert.deepEqual(histogramBins([7, 7, 7]), [{ from: 7, to: 8, count: 3 }]);
  assert.deepEqual(histogramBins([]), []);
  const floats = histogramBins([0.5, 1.5, 2.5, 3.25]);
  assert.equal(floats.reduce((a, b) => a + b.count, 0), 4);
});

test('escapeHtml and jsonForScript neutralise markup', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const s = jsonForScript({ t: '</script><!-- \u2028' });
  assert.ok(!s.includes('<') && !s.includes('>') && !s.includes('\u2028'));
  assert.deepEqual(JSON.parse(s), { t: '</script><!-- \u2028' });
});

test('the report shows tokens (reasoning included) and cost per task and for the run, and says what is counted', async () => {
  const d = await synthetic();
  const [gsm, mmlu] = d.tasks;
  // gsm8k: 3 samples × 2 repeats, 50 prompt tokens each, completion 100 + 10·index + repeat, 40 reasoning tokens on repeat 0.
  assert.deepEqual(gsm.usage?.model, { calls: 6, prompt_tokens: 300, completion_tokens: 663, reasoning_tokens: 120 });
  assert.ok(Math.abs(gsm.usage!.cost_usd! - (300 * 1 + 663 * 2) / 1e6) < 1e-15);
  assert.equal(mmlu.usage?.judge?.calls, 4);
  assert.equal(mmlu.usage?.cost_usd, undefined, 'no price for the judge: no total');
  const html = renderReport(d);
  const table = /<table id="usage-table"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  assert.match(table, /<tr><td>gsm8k<\/td><td class="num">6<\/td><td class="num">300<\/td><td class="num">663<\/td><td class="num">120<\/td><td class="num">–<\/td>/);
  assert.match(table, /<td class="num">\$0\.0016<\/td><\/tr>/, 'gsm8k cost, small amounts kept visible');
  assert.match(table, /<tr class="total"><td>run total<\/td><td class="num">10<\/td>/);
  assert.match(html, /Counts every response the results are computed from, whether paid in this run or replayed from the response cache/);
  assert.match(html, /<th>tokens<\/th><td>model 10 calls: 500 prompt \+ 1,123 completion tokens \(280 reasoning\); judge 4 calls: 120 prompt \+ 8 completion tokens \(0 reasoning\); 1 of these calls replayed from the cache<\/td>/);
  assert.match(html, /<th>cost<\/th><td>model \$0\.0027; the judge has no price in execution\.pricing<\/td>/);
});

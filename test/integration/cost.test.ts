/**
 * Tokens and cost end to end (README, "Tokens, cost and a budget"): the dry
 * run's estimate through the CLI; a priced run's usage (model tokens with
 * reasoning tokens, calls replayed from the cache) and cost in results.json,
 * metrics.json and metadata.json; `evalflow results` and `evalflow status`
 * showing them; a re-run of the same config replaying every call.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { getBenchmark } from '../../benchmarks/index';
import { formatUsd } from '../../lib/engine/cost';
import { keys } from '../../lib/records/keys';
import type { GenerationRecord, NemoResults, RunMetadata } from '../../lib/records/artifacts';
import type { TaskUsage } from '../../lib/records/types';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { type Env, runCli, startEnv, startInProcessWorker } from '../support/harness';

const ROWS = [
  { question: 'What is 2 + 3?', answer: 'Add them. #### 5' },
  { question: 'What is 7 + 1?', answer: 'Add them. #### 8' },
  { question: 'What is 4 + 4?', answer: 'Add them. #### 8' },
];
const REASONING = 'adding the two numbers here'; // 5 words: the fake endpoint counts words as tokens
const PRICE = { model_id: 'priced-model', input_per_million: 0.5, output_per_million: 2 };

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
let dataDir: string;

before(async () => {
  env = await startEnv('cost');
  ep = await startFakeEndpoint({
    port: 0,
    models: ['priced-model'],
    answer: (req) => {
      const m = /What is (\d+) \+ (\d+)/.exec(req.messages?.at(-1)?.content ?? '');
      return { reasoning_content: REASONING, content: `The answer is \\boxed{${m ? Number(m[1]) + Number(m[2]) : 0}}` };
    },
  });
  worker = await startInProcessWorker(env.taskQueue);
  dataDir = path.join(env.stack.dir, 'cost-data');
  fs.mkdirSync(path.join(dataDir, 'gsm8k'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'gsm8k', 'test.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

function configFile(name: string, execution: Record<string, unknown>): string {
  const file = path.join(env.stack.dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    YAML.stringify({
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'priced-model' } },
      evaluation: {
        nemo_evaluator_config: { config: { params: { parallelism: 2, max_new_tokens: 100, request_timeout: 10, extra: { num_repeats: 2 } } } },
        tasks: [{ name: 'gsm8k', dataset_dir: dataDir }],
      },
      execution: { heartbeat_timeout: 5, ...execution },
    }),
  );
  return file;
}

test('--dry-run estimates calls, prompt tokens, a completion range and a cost range; says when no pricing is configured', async () => {
  // The prompts as prepare builds them: characters / 4, times the 2 repeats.
  const bench = getBenchmark('gsm8k')!;
  const chars = ROWS.reduce((a, raw, i) => a + bench.prompt(bench.toSample(raw, i), {}).reduce((b, m) => b + m.content.length, 0), 0);
  const promptTokens = Math.ceil((chars * 2) / 4);
  const low = (promptTokens * PRICE.input_per_million) / 1e6;
  const high = low + (6 * 100 * PRICE.output_per_million) / 1e6;

  const priced = await runCli(['run', '--config', configFile('priced', { pricing: [PRICE], budget_usd: 5 }), '--dry-run'], env.childEnv);
  assert.equal(priced.code, 0, priced.stderr);
  assert.match(priced.stdout, /# estimate \(before anything is paid\)/);
  const row = priced.stdout.split('\n').find((l) => /^gsm8k\s+6\s/.test(l));
  assert.ok(row, priced.stdout);
  assert.match(row, new RegExp(`~${promptTokens}\\s+0–600\\s+\\$${formatUsd(low).slice(1).replace('.', '\\.')}–\\$${formatUsd(high).slice(1).replace('.', '\\.')}`));
  assert.match(priced.stdout, /prompt tokens are an ESTIMATE: the prepared prompts' characters \/ 4/);
  assert.match(priced.stdout, new RegExp(`estimated cost of the run: \\$${formatUsd(low).slice(1).replace('.', '\\.')}–`));
  assert.match(priced.stdout, /budget: \$5\.00 \(execution\.budget_usd\)/);
  assert.match(priced.stdout, /\(dry run: nothing started\)/);

  const unpriced = await runCli(['run', '--config', configFile('unpriced', {}), '--dry-run'], env.childEnv);
  assert.equal(unpriced.code, 0, unpriced.stderr);
  assert.match(unpriced.stdout, /gsm8k\s+6\s+~\d+\s+0–600\s+no pricing configured/);
  assert.match(unpriced.stdout, /cost: no pricing configured \(add execution\.pricing/);
  assert.equal(ep.stats().requests, 0, 'a dry run calls nothing');

  const noPrice = await runCli(['run', '--config', configFile('budget-only', { budget_usd: 5 }), '--dry-run'], env.childEnv);
  assert.equal(noPrice.code, 1);
  assert.match(noPrice.stderr, /execution\.budget_usd is set, but no execution\.pricing entry matches the target endpoint \(model_id 'priced-model'.*cost cannot be computed/);
});

test('a priced run: tokens (reasoning included) and cost in results, metrics, metadata, `results` and `status`; a re-run replays every call', async () => {
  ep.resetStats();
  const file = configFile('run', { pricing: [PRICE] });
  const r = await runCli(['run', '--config', file, '--run-id', 'priced-1', '--wait', '--no-preflight'], env.childEnv);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(ep.stats().succeeded, 6);

  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list('runs/priced-1/gsm8k/generations/')) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  assert.equal(gens.length, 6);
  assert.ok(gens.every((g) => g.reasoning_tokens === 5), 'reasoning tokens read from usage.completion_tokens_details');
  const prompt = gens.reduce((a, g) => a + g.prompt_tokens!, 0);
  const completion = gens.reduce((a, g) => a + g.completion_tokens!, 0);

  const results = await env.store.getJson<NemoResults>(keys.results('priced-1', 'gsm8k'));
  const usage = results!.results.tasks.gsm8k.usage!;
  assert.deepEqual(usage.model, { calls: 6, prompt_tokens: prompt, completion_tokens: completion, reasoning_tokens: 30 });
  assert.deepEqual(usage.replayed_calls, { model: 0 });
  const cost = (prompt * 0.5 + completion * 2) / 1e6;
  assert.ok(Math.abs(usage.cost_usd! - cost) < 1e-12, `${usage.cost_usd} vs ${cost}`);
  assert.equal(usage.model_cost_usd, usage.cost_usd);
  assert.ok(results!.results.tasks.gsm8k.metrics['pass@1[avg-of-2]'], 'the metrics are still there');
  const metrics = await env.store.getJson<{ usage: TaskUsage; tokens: { reasoning_total: number } }>(keys.metrics('priced-1', 'gsm8k'));
  assert.deepEqual(metrics!.usage, usage);
  assert.equal(metrics!.tokens.reasoning_total, 30);
  const meta = await env.store.getJson<RunMetadata>(keys.metadata('priced-1'));
  assert.deepEqual(meta!.usage, usage, 'one task: the run total is the task');

  const line = `gsm8k: model 6 calls, ${prompt} prompt + ${completion} completion tokens (30 reasoning); cost ${formatUsd(cost)}`;
  assert.ok(r.stdout.includes(line), `run --wait prints the usage line:\n${r.stdout}`);
  const res = await runCli(['results', 'priced-1'], env.childEnv);
  assert.ok(res.stdout.includes(line), res.stdout);

  const status = await runCli(['status', 'priced-1'], env.childEnv);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /tokens\s+cost/);
  assert.match(status.stdout, new RegExp(`gsm8k\\s+completed\\s+.*6 calls, ${prompt} in / ${completion} out \\(30 reasoning\\)\\s+\\${formatUsd(cost).replace('.', '\\.')}`));

  // The same config under another id: the same tokens and cost, every call replayed from the cache, nothing paid.
  ep.resetStats();
  const again = await runCli(['run', '--config', file, '--run-id', 'priced-2', '--wait', '--no-preflight'], env.childEnv);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(ep.stats().requests, 0);
  const usage2 = (await env.store.getJson<NemoResults>(keys.results('priced-2', 'gsm8k')))!.results.tasks.gsm8k.usage!;
  assert.deepEqual(usage2.model, usage.model);
  assert.deepEqual(usage2.replayed_calls, { model: 6 });
  assert.equal(usage2.cost_usd, usage.cost_usd, 'cost counts the responses the results are computed from, replayed or not');
  assert.match(again.stdout, /6 of these calls replayed from the cache/);
});

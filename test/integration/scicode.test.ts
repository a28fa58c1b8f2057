/**
 * ns_scicode end to end on real Temporal + MinIO + the bubblewrap sandbox:
 * two synthetic problems in SciCode's schema (the full set lives on the Hub),
 * a synthetic test_data.h5 made with h5py and mounted read-only through
 * EVALFLOW_SCICODE_DATA_DIR, 2 repeats. Every sub-step is its own model call
 * carrying the earlier steps' code; the fake model passes, fails, crashes and
 * loops past the 30 s step limit. results.json must hold exactly the
 * problem and sub-step accuracies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import type { GenerationRecord } from '../../lib/records/artifacts';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { type Env, startEnv, startInProcessWorker } from '../support/harness';

const RUN_ID = 'scicode-1';

function problem(id: string): Record<string, unknown> {
  return {
    problem_id: id,
    problem_name: `doubling ${id}`,
    problem_description_main: `Double things (problem ${id}).`,
    problem_io: '',
    required_dependencies: 'import numpy as np',
    problem_background_main: '',
    general_tests: [],
    sub_steps: [
      {
        step_number: `${id}.1`,
        step_description_prompt: `Write double(x) for problem ${id}.`,
        function_header: "def double(x):\n    '''Return 2x.'''",
        test_cases: ['assert np.allclose(double(np.array([1.0, 2.0])), target)', 'assert np.allclose(double(3.0), target)'],
        return_line: '    return y',
        step_background: '',
      },
      {
        step_number: `${id}.2`,
        step_description_prompt: `Write quad(x) using double, for problem ${id}.`,
        function_header: "def quad(x):\n    '''Return 4x.'''",
        test_cases: ['assert np.allclose(quad(1.0), target)'],
        return_line: '    return z',
        step_background: '',
      },
    ],
  };
}

const GOOD1 = 'Background: doubling\n```python\ndef double(x):\n    return 2 * x\n```';
const CRASH1 = '```python\ndef double(x):\n    raise ValueError("model bug")\n```';
const LOOP1 = '```python\ndef double(x):\n    while True:\n        pass\n```';
const GOOD2 = '```python\ndef quad(x):\n    return double(double(x))\n```';
const WRONG2 = '```python\ndef quad(x):\n    return 3 * x\n```';

/** Replies per (problem, step), by the order requests with the same prompt arrive. */
const REPLIES: Record<string, string[]> = {
  '901.1': [GOOD1, GOOD1],
  '901.2': [GOOD2, WRONG2], // the two repeats' step-2 prompts are identical: one passes, one fails
  '902.1': [CRASH1, LOOP1],
  '902.2': [GOOD2, GOOD2], // different prompts (they carry different step-1 code); each fails through double()
};

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
const seen = new Map<string, number>();

function answer(req: FakeRequest): FakeReply {
  const prompt = req.messages?.at(-1)?.content ?? '';
  const next = prompt.split('NEXT STEP - PROBLEM DESCRIPTION AND FUNCTION HEADER:')[1] ?? '';
  const m = /Write (double|quad)\(x\).*problem (\d+)\./.exec(next);
  if (!m) return { content: 'not a prompt of this test' };
  const key = `${m[2]}.${m[1] === 'double' ? 1 : 2}`;
  const n = seen.get(prompt) ?? 0;
  seen.set(prompt, n + 1);
  return { content: REPLIES[key]![Math.min(n, 1)]! };
}

before(async () => {
  env = await startEnv('scicode');
  // The numeric targets, as SciCode's test_data.h5 holds them: <step>/test<i>/var1.
  const h5dir = path.join(env.stack.dir, 'scicode-h5');
  fs.mkdirSync(h5dir, { recursive: true });
  fs.chmodSync(env.stack.dir, 0o755); // the sandbox may run under a per-slot user id
  // Debian's Python, the one the sandbox runs (a python3 earlier on PATH may lack h5py).
  execFileSync('/usr/bin/python3', [
    '-c',
    [
      'import numpy as np, h5py, sys',
      'f = h5py.File(sys.argv[1], "w")',
      'for p in ("901", "902"):',
      '    f.create_dataset(p + ".1/test1/var1", data=np.array([2.0, 4.0]))',
      '    f.create_dataset(p + ".1/test2/var1", data=6.0)',
      '    f.create_dataset(p + ".2/test1/var1", data=4.0)',
      'f.close()',
    ].join('\n'),
    path.join(h5dir, 'test_data.h5'),
  ]);
  fs.chmodSync(h5dir, 0o755);
  process.env.EVALFLOW_SCICODE_DATA_DIR = h5dir;
  ep = await startFakeEndpoint({ port: 0, models: ['sci-model'], answer });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  delete process.env.EVALFLOW_SCICODE_DATA_DIR;
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

test('ns_scicode: one call per sub-step with the earlier code, steps run against test_data.h5 → exact results.json', async () => {
  const dir = path.join(env.stack.dir, 'scicode-data', 'scicode');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'test.jsonl'), [problem('901'), problem('902')].map((r) => JSON.stringify(r)).join('\n') + '\n');
  await startEvaluation({
    runId: RUN_ID,
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'sci-model' } },
      evaluation: {
        tasks: [
          {
            name: 'ns_scicode',
            dataset_dir: path.dirname(dir),
            nemo_evaluator_config: { config: { params: { parallelism: 4, extra: { num_repeats: 2, dataset_split: 'test' } } } },
          },
        ],
      },
    },
  });
  await env.client.workflow.getHandle(RUN_ID).result();

  // Two calls per unit (one per sub-step); the second carries the first step's code.
  const gens: GenerationRecord[] = [];
  for (const k of await env.store.list(`runs/${RUN_ID}/ns_scicode/generations/`)) gens.push(...((await env.store.getJsonl<GenerationRecord>(k)) ?? []));
  assert.equal(gens.length, 4);
  for (const g of gens) assert.equal(g.turns?.length, 2, `${g.sample_id}#${g.repeat}`);
  assert.equal(ep.stats().succeeded, 8);

  const results = (await env.store.getJson<NemoResults>(keys.results(RUN_ID, 'ns_scicode')))!;
  const m = results.results.tasks.ns_scicode!.metrics;
  // 901: one repeat solves both steps, the other only step 1; 902: nothing passes.
  assert.equal(m['pass@1[avg-of-2]']!.scores.problem_accuracy!.value, 25);
  assert.equal(m['pass@2']!.scores.problem_accuracy!.value, 50);
  // sub-steps: per problem the mean passed count over repeats (901: (2 + 1) / 2, 902: 0) over 4 sub-steps
  assert.equal(m['pass@1[avg-of-2]']!.scores.subtask_accuracy!.value, (100 * 1.5) / 4);
  assert.equal(m['pass@2']!.scores.subtask_accuracy!.value, (100 * 2) / 4);

  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${RUN_ID}/ns_scicode/scores/shard-`)) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  const statusesOf = (id: string) =>
    scores
      .filter((s) => s.sample_id === id)
      .map((s) => (s.details as { tests: { status: string }[] }).tests.map((t) => t.status).join(','))
      .sort();
  assert.deepEqual(statusesOf('901'), ['passed,passed', 'passed,wrong_answer']);
  assert.deepEqual(statusesOf('902'), ['runtime_error,runtime_error', 'timeout,timeout']);
});

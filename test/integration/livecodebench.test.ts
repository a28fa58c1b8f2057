/**
 * ns_livecodebench end to end on real Temporal + MinIO + the bubblewrap
 * sandbox, from synthetic problems in LiveCodeBench's schema (the real set
 * lives on the Hub only): release files test.jsonl … test6.jsonl in a dataset
 * directory, private tests base64(zlib(pickle(JSON))) as the Hub has them,
 * stdin and LeetCode-style problems, 2 repeats. The fake model passes, fails,
 * loops past the 6 s test limit and crashes; results.json must hold exactly
 * the pass@1[avg-of-2] / pass@2 values and the easy/medium/hard groups.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import type { TestCaseResult } from '../../lib/engine/sandbox/types';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { type Env, startEnv, startInProcessWorker } from '../support/harness';

const RUN_ID = 'lcb-1';

/** base64(zlib(pickle(text))) made by CPython, as LiveCodeBench stores private tests. */
function encodePrivate(text: string): string {
  return execFileSync('python3', ['-c', 'import sys, pickle, zlib, base64; sys.stdout.write(base64.b64encode(zlib.compress(pickle.dumps(sys.stdin.read()))).decode())'], {
    input: text,
  }).toString();
}

interface Problem {
  id: string;
  difficulty: 'easy' | 'medium' | 'hard';
  content: string;
  funcName?: string;
  tests: { input: string; output: string }[];
  /** The model's code for the 1st and 2nd request of this problem. */
  replies: [string, string];
  /** Whether each repeat passes, and the status of its first test. */
  expect: [boolean, boolean];
  firstStatus: [TestCaseResult['status'], TestCaseResult['status']];
}

const ADD = 'a, b = map(int, input().split())\nprint(a + b)\n';
const PROBLEMS: Problem[] = [
  {
    id: 'syn_add', difficulty: 'easy', content: 'LCB synthetic: print the sum of two integers A and B.',
    tests: [{ input: '1 2\n', output: '3\n' }, { input: '10 -4\n', output: '6\n' }, { input: '1000000000 1000000000\n', output: '2000000000\n' }],
    replies: [ADD, ADD], expect: [true, true], firstStatus: ['passed', 'passed'],
  },
  {
    id: 'syn_max', difficulty: 'medium', content: 'LCB synthetic: print the largest of N integers given on one line.',
    tests: [{ input: '3 9 2\n', output: '9\n' }, { input: '-5 -1\n', output: '-1\n' }],
    // min instead of max: the first test fails, the second is not run
    replies: ['print(min(map(int, input().split())))\n', 'print(max(map(int, input().split())))\n'], expect: [false, true], firstStatus: ['wrong_answer', 'passed'],
  },
  {
    id: 'syn_leet', difficulty: 'hard', content: 'LCB synthetic: return the indices of the two numbers that add up to target.', funcName: 'twoSum',
    tests: [{ input: '[2, 7, 11, 15]\n9', output: '[0, 1]' }, { input: '[3, 2, 4]\n6', output: '[1, 2]' }],
    replies: [
      'class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n            seen[x] = i\n',
      'class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        return [0, 1]\n',
    ],
    expect: [true, false], firstStatus: ['passed', 'passed'],
  },
  {
    id: 'syn_loop', difficulty: 'hard', content: 'LCB synthetic: print N back.',
    tests: [{ input: '5\n', output: '5\n' }],
    replies: ['n = input()\nwhile True:\n    pass\n', 'raise SystemError("crash")\n'], expect: [false, false], firstStatus: ['timeout', 'runtime_error'],
  },
];

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
const seen = new Map<string, number>();

function answer(req: FakeRequest): FakeReply {
  const prompt = req.messages?.at(-1)?.content ?? '';
  const p = PROBLEMS.find((x) => prompt.includes(x.content));
  if (!p) return { content: 'not a prompt of this test' };
  const n = seen.get(p.id) ?? 0;
  seen.set(p.id, n + 1);
  return { content: `Here is my solution.\n\`\`\`python\n${p.replies[Math.min(n, 1)]}\`\`\`\n` };
}

before(async () => {
  env = await startEnv('lcb');
  ep = await startFakeEndpoint({ port: 0, models: ['code-model'], answer });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

test('ns_livecodebench: stdin and functional problems, passing, failing, timing out and crashing → exact results.json', async () => {
  const dir = path.join(env.stack.dir, 'lcb-data', 'livecodebench');
  fs.mkdirSync(dir, { recursive: true });
  const rows = PROBLEMS.map((p) => {
    const testtype = p.funcName ? 'functional' : 'stdin';
    const [first, ...rest] = p.tests.map((t) => ({ ...t, testtype }));
    return {
      question_title: p.id, question_content: p.content, platform: p.funcName ? 'leetcode' : 'atcoder',
      question_id: p.id, contest_id: 'syn', contest_date: '2025-01-11T00:00:00',
      starter_code: p.funcName ? 'class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        ' : '',
      difficulty: p.difficulty,
      public_test_cases: JSON.stringify([first]),
      private_test_cases: encodePrivate(JSON.stringify(rest)),
      metadata: JSON.stringify(p.funcName ? { func_name: p.funcName } : {}),
    };
  });
  // A problem outside the default window (2024-08..2025-05) that must be left out.
  const old = { ...rows[0]!, question_id: 'syn_old', question_content: 'LCB synthetic: too old.', contest_date: '2023-05-01T00:00:00' };
  for (const f of ['test.jsonl', 'test2.jsonl', 'test3.jsonl', 'test4.jsonl', 'test5.jsonl']) fs.writeFileSync(path.join(dir, f), f === 'test.jsonl' ? JSON.stringify(old) + '\n' : '');
  fs.writeFileSync(path.join(dir, 'test6.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

  await startEvaluation({
    runId: RUN_ID,
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'code-model' } },
      evaluation: {
        tasks: [{ name: 'ns_livecodebench', dataset_dir: path.dirname(dir), nemo_evaluator_config: { config: { params: { parallelism: 1, extra: { num_repeats: 2 } } } } }],
      },
    },
  });
  await env.client.workflow.getHandle(RUN_ID).result();

  const results = (await env.store.getJson<NemoResults>(keys.results(RUN_ID, 'ns_livecodebench')))!;
  const m = results.results.tasks.ns_livecodebench!.metrics;
  const perSample = PROBLEMS.map((p) => (Number(p.expect[0]) + Number(p.expect[1])) / 2);
  const anyPass = PROBLEMS.map((p) => (p.expect[0] || p.expect[1] ? 1 : 0));
  const pct = (xs: number[]) => (100 * xs.reduce((a, b) => a + b, 0)) / xs.length;
  assert.ok(Math.abs(m['pass@1[avg-of-2]']!.scores.accuracy!.value - pct(perSample)) < 1e-9, JSON.stringify(m));
  assert.ok(Math.abs(m['pass@2']!.scores.accuracy!.value - pct(anyPass)) < 1e-9, JSON.stringify(m));
  assert.equal(m['pass@1[avg-of-2]']!.scores.accuracy!.stats.count, PROBLEMS.length);
  const groups = results.results.groups!;
  for (const d of ['easy', 'medium', 'hard'] as const) {
    const idx = PROBLEMS.map((p, i) => (p.difficulty === d ? i : -1)).filter((i) => i >= 0);
    const g = groups[`ns_livecodebench/${d}`]!.metrics['pass@1[avg-of-2]']!.scores.accuracy!.value;
    assert.ok(Math.abs(g - pct(idx.map((i) => perSample[i]!))) < 1e-9, `${d}: ${g}`);
  }

  const scores: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${RUN_ID}/ns_livecodebench/scores/shard-`)) scores.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  assert.equal(scores.length, PROBLEMS.length * 2);
  assert.ok(!scores.some((s) => s.sample_id === 'syn_old'));
  for (const p of PROBLEMS) {
    const rs = scores.filter((s) => s.sample_id === p.id);
    // The repeats' order of arrival is not fixed: compare the multisets of outcomes.
    const got = rs.map((r) => `${r.correct}:${(r.details as { tests: TestCaseResult[] }).tests[0]!.status}`).sort();
    const want = [0, 1].map((k) => `${p.expect[k]}:${p.firstStatus[k]}`).sort();
    assert.deepEqual(got, want, p.id);
    for (const r of rs) {
      const tests = (r.details as { tests: TestCaseResult[] }).tests;
      assert.equal(tests.length, p.tests.length, `${p.id}: one result per test case`);
      if (!r.correct) assert.ok(tests.some((t) => t.status !== 'passed'));
      // LiveCodeBench stops at the first failing test: the rest are not run.
      const firstBad = tests.findIndex((t) => t.status !== 'passed');
      if (firstBad >= 0) assert.ok(tests.slice(firstBad + 1).every((t) => t.status === 'not_run'), JSON.stringify(tests));
    }
  }
});

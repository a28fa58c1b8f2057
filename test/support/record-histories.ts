/**
 * Records the workflow histories that test/workflows/replay.test.ts replays:
 * small real runs of each workflow shape on a private stack (Temporal dev
 * server + MinIO), the demo endpoint (or a scripted one) and an in-process
 * worker. Each execution of the suite workflow and of its task child
 * workflows (every continue-as-new run, both executions of a
 * cancelled-then-resumed run) is written to test/histories/<shape>/ as JSON
 * naming its workflow id and type, and so is the endpoint limiter workflow of
 * the budget run (shape `limiter`, recorded together with `budget`; it is
 * still running when saved, which replay handles), and a run with a
 * `deployment:` (shape `deployment`: the deployModel activity on the deploy
 * queue, served by a deploy worker of its own and the `vllm` test double),
 * with the history as the protobuf encoding (base64) the server sent, so the
 * replay test decodes exactly the recorded events. (The SDK's historyToJSON /
 * historyFromJSON fail in this install: @temporalio/common carries its own
 * protobufjs copy, "type must be a Type".)
 *
 *   npm run build && node scripts/record-histories.js [shape ...]
 *
 * Re-record only together with an intentional, versioned workflow change
 * (patched() or a new workflow version), never to make a failing replay pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { temporal } from '@temporalio/proto';
import { cancelEvaluation, getProgress, pauseEvaluation, resumeEvaluation, setParallelism, startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import { limiterWorkflowId } from '../../lib/records/limits';
import { startFakeEndpoint, type FakeEndpoint } from '../../lib/operator/scripted-endpoint';
import { capitals, writeCapitals } from './capitals';
import { installDeployDoubles } from './deploy-double';
import { datasetsDir, demoConfig, type Env, REPO, startEnv, startInProcessWorker, waitFor } from './harness';

export const HISTORIES_DIR = path.join(REPO, 'test', 'histories');

export interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  events: number;
  /** temporal.api.history.v1.History, protobuf-encoded, base64. */
  history: string;
}

/** Every recorded history under `dir` (default test/histories): file (relative), workflow id and the decoded History. */
export function loadHistories(dir = HISTORIES_DIR): { file: string; workflowId: string; history: temporal.api.history.v1.History }[] {
  const out: { file: string; workflowId: string; history: temporal.api.history.v1.History }[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const shape of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, shape);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub).sort()) {
      if (!f.endsWith('.json')) continue;
      const rec = JSON.parse(fs.readFileSync(path.join(sub, f), 'utf8')) as RecordedHistory;
      if (typeof rec.workflowId !== 'string' || typeof rec.history !== 'string') {
        throw new Error(`${shape}/${f} is not a recorded history (needs workflowId and history); re-record with node scripts/record-histories.js`);
      }
      out.push({ file: `${shape}/${f}`, workflowId: rec.workflowId, history: temporal.api.history.v1.History.decode(Buffer.from(rec.history, 'base64')) });
    }
  }
  return out;
}

type ManifestEntry = Omit<RecordedHistory, 'history'> & { file: string };

interface Ctx {
  env: Env;
  demo: FakeEndpoint;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Execution {
  workflowId: string;
  runId: string;
  type: string;
  start: number;
}

/** Every execution of `runId` and its task workflows, once all are closed. */
async function runExecutions(ctx: Ctx, runId: string): Promise<Execution[]> {
  const { client } = ctx.env;
  await client.workflow.getHandle(runId).result();
  let execs: Execution[] = [];
  await waitFor(`all executions of ${runId} closed and listed`, async () => {
    execs = [];
    let open = 0;
    for await (const wf of client.workflow.list()) {
      if (wf.workflowId !== runId && !wf.workflowId.startsWith(`${runId}/`)) continue;
      if (wf.status.name === 'RUNNING') open++;
      execs.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type, start: wf.startTime.getTime() });
    }
    return open === 0 && execs.length > 0;
  });
  return execs;
}

/** Every execution of the workflow `workflowId`, running or not (a limiter outlives the runs it serves: it is not waited for). */
async function workflowExecutions(ctx: Ctx, workflowId: string): Promise<Execution[]> {
  const execs: Execution[] = [];
  for await (const wf of ctx.env.client.workflow.list()) {
    if (wf.workflowId === workflowId) execs.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type, start: wf.startTime.getTime() });
  }
  if (!execs.length) throw new Error(`no execution of workflow ${workflowId} to record`);
  return execs;
}

/** Writes the histories of `execs` to test/histories/<shape>/ (replacing what was there). */
async function saveExecutions(ctx: Ctx, shape: string, execs: Execution[]): Promise<ManifestEntry[]> {
  const { client } = ctx.env;
  execs.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.start - b.start);
  const dir = path.join(HISTORIES_DIR, shape);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const manifest: ManifestEntry[] = [];
  const seen = new Map<string, number>();
  for (const e of execs) {
    const n = (seen.get(e.workflowId) ?? 0) + 1;
    seen.set(e.workflowId, n);
    const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    const file = `${e.workflowId.replace(/[^A-Za-z0-9_.-]/g, '__')}.${n}.json`;
    const rec: RecordedHistory = {
      workflowId: e.workflowId,
      workflowType: e.type,
      events: history.events?.length ?? 0,
      history: Buffer.from(temporal.api.history.v1.History.encode(temporal.api.history.v1.History.fromObject(history)).finish()).toString('base64'),
    };
    fs.writeFileSync(path.join(dir, file), JSON.stringify(rec, null, 1) + '\n');
    manifest.push({ file, workflowId: e.workflowId, workflowType: e.type, events: rec.events });
  }
  return manifest;
}

async function callsReach(ctx: Ctx, n: number): Promise<void> {
  const base = ctx.demo.stats().succeeded;
  await waitFor(`${n} model calls`, () => ctx.demo.stats().succeeded - base >= n);
}

/** What a shape recorded: its run, and any other shape's workflows recorded by the same run (shape → workflow ids). */
interface Recorded {
  runId: string;
  also?: Record<string, string[]>;
  /** Stops what the shape started for itself (endpoints), after its histories are saved. */
  cleanup?: () => Promise<void>;
}

/** Shapes recorded by another shape's run. */
const RECORDED_BY: Record<string, string> = { limiter: 'budget' };

const CAPITALS = [
  { id: 'c1', country: 'France', capital: 'Paris', model: 'Paris', judge: 'Judgement: yes' },
  { id: 'c2', country: 'Japan', capital: 'Tokyo', model: 'Kyoto', judge: 'Judgement: no' },
  { id: 'c3', country: 'Peru', capital: 'Lima', model: 'Lima', judge: 'Judgement: yes' },
  { id: 'c4', country: 'Chile', capital: 'Santiago', model: 'Santiago', judge: 'Judgement: yes' },
];

interface HumanEvalProblem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
}

// Each shape has its own temperature: the response cache would otherwise answer its calls from an earlier shape's.
const SHAPES: Record<string, (ctx: Ctx) => Promise<string | Recorded>> = {
  async suite(ctx) {
    const cfg = demoConfig(ctx.demo.url, [{ name: 'gsm8k', params: { limit_samples: 6 } }], { parallelism: 2, temperature: 0.1 }, { shard_size: 3 });
    await startEvaluation({ config: cfg, runId: 'replay-suite', taskQueue: ctx.env.taskQueue });
    return 'replay-suite';
  },
  async 'continue-as-new'(ctx) {
    // One sample a shard: enough shards to pass HISTORY_EVENTS_BEFORE_CONTINUE (2,000 events).
    const cfg = demoConfig(ctx.demo.url, [{ name: 'gsm8k', params: { limit_samples: 700 } }], { parallelism: 32, temperature: 0.2 }, { shard_size: 1, shard_parallelism: 32 });
    await startEvaluation({ config: cfg, runId: 'replay-can', taskQueue: ctx.env.taskQueue });
    return 'replay-can';
  },
  async 'pause-resume'(ctx) {
    const cfg = demoConfig(ctx.demo.url, [{ name: 'gsm8k', params: { limit_samples: 16 } }], { parallelism: 2, temperature: 0.3 }, { shard_size: 4, shard_parallelism: 1 });
    await startEvaluation({ config: cfg, runId: 'replay-pause', taskQueue: ctx.env.taskQueue });
    await callsReach(ctx, 2);
    await pauseEvaluation('replay-pause', ctx.env.client);
    await sleep(2000);
    await resumeEvaluation('replay-pause', { client: ctx.env.client });
    return 'replay-pause';
  },
  async 'cancel-resume'(ctx) {
    const cfg = demoConfig(ctx.demo.url, [{ name: 'gsm8k', params: { limit_samples: 16 } }], { parallelism: 2, temperature: 0.4 }, { shard_size: 4, shard_parallelism: 1 });
    await startEvaluation({ config: cfg, runId: 'replay-cancel', taskQueue: ctx.env.taskQueue });
    await callsReach(ctx, 2);
    await cancelEvaluation('replay-cancel', ctx.env.client);
    await waitFor('the cancelled run closed', async () => (await ctx.env.client.workflow.getHandle('replay-cancel').describe()).status.name !== 'RUNNING');
    await waitFor('the cancelled task closed', async () => (await ctx.env.client.workflow.getHandle('replay-cancel/gsm8k').describe()).status.name !== 'RUNNING');
    const how = await resumeEvaluation('replay-cancel', { client: ctx.env.client });
    if (how !== 'restarted') throw new Error(`expected the cancelled run to restart, got ${how}`);
    return 'replay-cancel';
  },
  async 'set-parallelism'(ctx) {
    const cfg = demoConfig(ctx.demo.url, [{ name: 'gsm8k', params: { limit_samples: 16 } }], { parallelism: 1, temperature: 0.5 }, { shard_size: 4, shard_parallelism: 1 });
    await startEvaluation({ config: cfg, runId: 'replay-parallelism', taskQueue: ctx.env.taskQueue });
    await callsReach(ctx, 2);
    await setParallelism('replay-parallelism', 4, { client: ctx.env.client });
    return 'replay-parallelism';
  },
  async judged(ctx) {
    // The test-only judged benchmark (registered on the recording worker), graded by a second endpoint.
    const dir = path.join(ctx.env.stack.dir, 'data');
    writeCapitals(dir, CAPITALS);
    const model = await startFakeEndpoint({ port: 0, models: ['m'], answer: (req) => ({ content: CAPITALS.find((r) => req.messages?.at(-1)?.content.includes(r.country))?.model ?? '' }) });
    const judge = await startFakeEndpoint({
      port: 0,
      models: ['judge-model'],
      answer: (req) => ({ content: CAPITALS.find((r) => req.messages?.at(-1)?.content.includes(`Gold: ${r.capital}`))?.judge ?? '' }),
    });
    const config = {
      target: { api_endpoint: { url: `${model.url}/chat/completions`, model_id: 'm' } },
      evaluation: {
        nemo_evaluator_config: { config: { params: { parallelism: 2, max_retries: 2 } } },
        tasks: [
          {
            name: capitals.name,
            dataset_dir: dir,
            nemo_evaluator_config: { config: { params: { extra: { judge: { url: `${judge.url}/chat/completions`, model_id: 'judge-model', max_retries: 1 } } } } },
          },
        ],
      },
      execution: { heartbeat_timeout: 5, shard_size: 2 },
    };
    await startEvaluation({ config, runId: 'replay-judged', taskQueue: ctx.env.taskQueue });
    return { runId: 'replay-judged', cleanup: async () => void (await Promise.all([model.close(), judge.close()])) };
  },
  async sandboxed(ctx) {
    // The first three real HumanEval problems: two right answers and a wrong one, scored in the bubblewrap sandbox.
    const problems = zlib
      .gunzipSync(fs.readFileSync(path.join(datasetsDir(), 'humaneval', 'HumanEval.jsonl.gz')))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 3)
      .map((l) => JSON.parse(l) as HumanEvalProblem);
    const ep = await startFakeEndpoint({
      port: 0,
      models: ['code-model'],
      answer: (req) => {
        const i = problems.findIndex((p) => p.prompt.trim() === (req.messages?.at(-1)?.content ?? ''));
        if (i < 0) return { content: 'not a prompt of this recording' };
        const p = problems[i]!;
        const body = i === 2 ? '    return None\n' : p.canonical_solution;
        return { content: `\`\`\`python\n${p.prompt}${body}\`\`\`\n` };
      },
    });
    await startEvaluation({
      runId: 'replay-sandboxed',
      taskQueue: ctx.env.taskQueue,
      config: {
        target: { api_endpoint: { url: `${ep.url}/chat/completions`, model_id: 'code-model' } },
        evaluation: {
          tasks: [{ name: 'humaneval', dataset_dir: datasetsDir(), nemo_evaluator_config: { config: { params: { limit_samples: 3, parallelism: 2, extra: { n_samples: 1 } } } } }],
        },
        execution: { heartbeat_timeout: 5 },
      },
    });
    return { runId: 'replay-sandboxed', cleanup: () => ep.close() };
  },
  async budget(ctx) {
    // An endpoint of its own, so its limiter workflow (shape 'limiter') serves this run only.
    // At 1 USD a token a call costs about as many dollars as it has words: the budget is reached after a few calls.
    const ep = await startDemoEndpoint({ port: 0, latencyMs: 300, datasetsDir: datasetsDir() });
    const cfg = demoConfig(ep.url, [{ name: 'gsm8k', params: { limit_samples: 24 } }], { parallelism: 2, temperature: 0.6 }, {
      pricing: [{ model_id: 'demo-model', input_per_million: 1_000_000, output_per_million: 1_000_000 }],
      budget_usd: 300,
      shard_size: 6,
      shard_parallelism: 2,
    });
    await startEvaluation({ config: cfg, runId: 'replay-budget', taskQueue: ctx.env.taskQueue });
    await waitFor('the budget pauses the run', async () => (await getProgress('replay-budget', ctx.env.client)).progress?.paused_reason?.startsWith('budget') ?? false);
    const atPause = ep.stats().requests;
    // Held acquires: the workers' reports wait at the limiter while the run is paused.
    await sleep(12_000);
    if (ep.stats().requests !== atPause) throw new Error(`calls after the budget pause (${atPause} → ${ep.stats().requests})`);
    const how = await resumeEvaluation('replay-budget', { client: ctx.env.client, budgetUsd: 1e9 });
    if (how !== 'unpaused') throw new Error(`expected the paused run to be unpaused, got ${how}`);
    return { runId: 'replay-budget', also: { limiter: [limiterWorkflowId({ url: `${ep.url}/chat/completions`, model_id: 'demo-model' })] }, cleanup: () => ep.close() };
  },
  async deployment(ctx) {
    // A run with `deployment: {type: vllm}`: the test double written as `vllm` first on PATH, served by a deploy worker of its own.
    const bin = path.join(ctx.env.stack.dir, 'deploy-bin');
    installDeployDoubles(bin, ['vllm']);
    const pathBefore = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${pathBefore}`;
    const { runWorker } = await import('../../workers/main.js');
    const ac = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const running = runWorker({ taskQueue: ctx.env.taskQueue, roles: ['deploy'], signal: ac.signal, onReady: ready });
    await Promise.race([isReady, running]);
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const config = {
      deployment: { type: 'vllm', checkpoint_path: ctx.env.stack.dir, served_model_name: 'double-vllm', port, ready_timeout: 60 },
      evaluation: {
        nemo_evaluator_config: { config: { params: { parallelism: 2, request_timeout: 10, max_retries: 3, limit_samples: 4, temperature: 0.7 } } },
        tasks: [{ name: 'gsm8k' }],
      },
      execution: { heartbeat_timeout: 5, shard_size: 2 },
    };
    await startEvaluation({ config, runId: 'replay-deployment', taskQueue: ctx.env.taskQueue });
    return {
      runId: 'replay-deployment',
      cleanup: async () => {
        ac.abort();
        await running;
        process.env.PATH = pathBefore;
      },
    };
  },
};

export async function main(argv: string[]): Promise<void> {
  const known = [...Object.keys(SHAPES), ...Object.keys(RECORDED_BY)];
  for (const w of argv) if (!known.includes(w)) throw new Error(`unknown shape '${w}'; known: ${known.join(', ')}`);
  const wanted = argv.length ? [...new Set(argv.map((w) => RECORDED_BY[w] ?? w))] : Object.keys(SHAPES);
  const env = await startEnv('replay');
  const demo = await startDemoEndpoint({ port: 0, latencyMs: 100, datasetsDir: datasetsDir() });
  const worker = await startInProcessWorker(env.taskQueue, [capitals]);
  try {
    for (const shape of wanted) {
      const t0 = Date.now();
      const ctx = { env, demo };
      const got = await SHAPES[shape](ctx);
      const rec: Recorded = typeof got === 'string' ? { runId: got } : got;
      try {
        const saved: Array<[string, ManifestEntry[]]> = [[shape, await saveExecutions(ctx, shape, await runExecutions(ctx, rec.runId))]];
        for (const [other, ids] of Object.entries(rec.also ?? {})) {
          const execs: Execution[] = [];
          for (const id of ids) execs.push(...(await workflowExecutions(ctx, id)));
          saved.push([other, await saveExecutions(ctx, other, execs)]);
        }
        for (const [s, m] of saved) console.log(`${s}: ${m.length} executions (${m.map((e) => `${e.workflowId} ${e.events}`).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } finally {
        await rec.cleanup?.();
      }
    }
  } finally {
    await worker.stop();
    await demo.close();
    await env.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(`recording histories failed: ${e instanceof Error ? e.stack : String(e)}`);
      process.exit(1);
    },
  );
}

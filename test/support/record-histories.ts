/**
 * Records the workflow histories that test/workflows/replay.test.ts replays:
 * small real runs of each workflow shape on a private stack (Temporal dev
 * server + MinIO), the demo endpoint and an in-process worker. Each
 * execution of the suite workflow and of its task child workflows (every
 * continue-as-new run, both executions of a cancelled-then-resumed run) is
 * written to test/histories/<shape>/ as JSON naming its workflow id and type,
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
import { temporal } from '@temporalio/proto';
import { cancelEvaluation, pauseEvaluation, resumeEvaluation, setParallelism, startEvaluation } from '../../lib/operator/client';
import { startDemoEndpoint } from '../../lib/operator/demo-model';
import type { FakeEndpoint } from '../../lib/operator/scripted-endpoint';
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

/** Every execution of `runId` and its task workflows, once all are closed. */
async function saveRun(ctx: Ctx, shape: string, runId: string): Promise<ManifestEntry[]> {
  const { client } = ctx.env;
  await client.workflow.getHandle(runId).result();
  let execs: { workflowId: string; runId: string; type: string; start: number }[] = [];
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

// Each shape has its own temperature: the response cache would otherwise answer its calls from an earlier shape's.
const SHAPES: Record<string, (ctx: Ctx) => Promise<string>> = {
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
};

export async function main(argv: string[]): Promise<void> {
  const wanted = argv.length ? argv : Object.keys(SHAPES);
  for (const w of wanted) if (!SHAPES[w]) throw new Error(`unknown shape '${w}'; known: ${Object.keys(SHAPES).join(', ')}`);
  const env = await startEnv('replay');
  const demo = await startDemoEndpoint({ port: 0, latencyMs: 100, datasetsDir: datasetsDir() });
  const worker = await startInProcessWorker(env.taskQueue);
  try {
    for (const shape of wanted) {
      const t0 = Date.now();
      const runId = await SHAPES[shape]({ env, demo });
      const m = await saveRun({ env, demo }, shape, runId);
      console.log(`${shape}: ${m.length} executions (${m.map((e) => `${e.workflowId} ${e.events}`).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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

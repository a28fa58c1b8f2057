/**
 * Replay: every workflow history recorded from real runs
 * (test/histories/<shape>/, recorded by scripts/record-histories.js) is
 * replayed against the CURRENT workflow code with the SDK's replayer (the
 * endpoint limiter's history is saved while it still runs: a partial history
 * replays up to its last workflow task). A change
 * to workflows/ that would not replay — a run started on the previous version
 * would get stuck after an upgrade — fails here, naming the history. A second
 * test proves the check can fail: a deliberately altered workflow that issues
 * a different first command is reported as nondeterministic.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { HISTORIES_DIR, loadHistories } from '../support/record-histories';
import { workflowCode } from './support';
import { currentBundle, workflowsEntry } from '../../workers/bundle';
import { WORKFLOW_TRACING_MODULE } from '../../workers/tracing';

/**
 * The shapes scripts/record-histories.js records; each must be present. The first five were recorded
 * before the endpoint limiter and the budget (they prove runs of that version replay on this one).
 */
const SHAPES = ['budget', 'cancel-resume', 'continue-as-new', 'deployment', 'judged', 'limiter', 'pause-resume', 'sandboxed', 'set-parallelism', 'suite'];

type Histories = ReturnType<typeof loadHistories>;
type HistoryEvent = NonNullable<Histories[number]['history']['events']>[number];

function events(histories: Histories, shape: string): HistoryEvent[] {
  return histories.filter((h) => h.file.startsWith(`${shape}/`)).flatMap((h) => h.history.events ?? []);
}

/** Activity types scheduled in a shape's histories, with the task queues they were scheduled on. */
function activities(histories: Histories, shape: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of events(histories, shape)) {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a?.activityType?.name) continue;
    if (!out.has(a.activityType.name)) out.set(a.activityType.name, new Set());
    out.get(a.activityType.name)!.add(a.taskQueue?.name ?? '');
  }
  return out;
}

const decode = (p: { data?: Uint8Array | null } | null | undefined): unknown => (p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined);

/** The ids of the patches recorded in a shape's histories: the SDK's MarkerRecorded 'core_patch', details 'patch-data' {id, deprecated}. */
function patches(histories: Histories, shape: string): string[] {
  const ids = new Set<string>();
  for (const e of events(histories, shape)) {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_patch') continue;
    const data = decode(m.details?.['patch-data']?.payloads?.[0]) as { id?: string } | undefined;
    assert.ok(typeof data?.id === 'string', `a core_patch marker in ${shape} names its patch id (patch-data: ${JSON.stringify(data)})`);
    ids.add(data.id);
  }
  return [...ids].sort();
}

before(() => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
});

async function replayAll(options: ReplayWorkerOptions, histories: ReturnType<typeof loadHistories>): Promise<{ file: string; error: string }[]> {
  const failures: { file: string; error: string }[] = [];
  let i = 0;
  for await (const r of Worker.runReplayHistories(options, histories.map((h) => ({ workflowId: h.workflowId, history: h.history })))) {
    const h = histories[i++];
    assert.equal(r.workflowId, h.workflowId, 'replay results come in input order');
    if (r.error) failures.push({ file: h.file, error: `${r.error.name}: ${r.error.message}` });
  }
  assert.equal(i, histories.length, 'every history replayed');
  return failures;
}

test('every recorded workflow history replays on the current workflow code', async () => {
  const histories = loadHistories();
  const shapes = new Set(histories.map((h) => h.file.split('/')[0]));
  for (const s of SHAPES) assert.ok(shapes.has(s), `no recorded histories for shape '${s}' in ${HISTORIES_DIR}; run node scripts/record-histories.js ${s}`);
  for (const h of histories) assert.ok((h.history.events?.length ?? 0) > 0, `${h.file} has no events`);
  // Continue-as-new really happened: the task has more than one execution.
  assert.ok(histories.filter((h) => h.file.startsWith('continue-as-new/') && h.workflowId.endsWith('/gsm8k')).length >= 2, 'continue-as-new recorded at least two task executions');
  assert.ok(histories.filter((h) => h.file.startsWith('cancel-resume/') && !h.workflowId.includes('/')).length === 2, 'cancel-resume recorded both suite executions');
  const signals = (prefix: string) =>
    histories.filter((h) => h.file.startsWith(prefix)).flatMap((h) => (h.history.events ?? []).flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []));
  assert.deepEqual([...new Set(signals('pause-resume/'))].sort(), ['pause', 'resume'], 'pause-resume holds the pause and resume signals');
  assert.deepEqual([...new Set(signals('set-parallelism/'))], ['setParallelism'], 'set-parallelism holds the signal');
  assert.ok(
    histories.some((h) => h.file === 'cancel-resume/replay-cancel.1.json' && h.history.events?.at(-1)?.workflowExecutionCanceledEventAttributes),
    'the first cancel-resume execution ended cancelled',
  );

  // judged: the judge role ran on its own queue beside generation and scoring.
  const judged = activities(histories, 'judged');
  assert.ok(judged.get('judgeShard')?.size === 1 && [...judged.get('judgeShard')!][0]!.endsWith('-judge'), `judged schedules judgeShard on the judge queue: ${[...(judged.get('judgeShard') ?? [])]}`);
  assert.ok(judged.has('generateShard') && judged.has('scoreShard'), 'judged also generates and scores');
  // sandboxed: the preflight and the scoring ran on the sandbox queue.
  const sandboxed = activities(histories, 'sandboxed');
  for (const a of ['sandboxPreflight', 'sandboxScoreShard']) {
    assert.ok([...(sandboxed.get(a) ?? [])].some((q) => q.endsWith('-sandbox')), `sandboxed schedules ${a} on the sandbox queue: ${[...(sandboxed.get(a) ?? [])]}`);
  }
  // budget: the limiter reported spending, the suite paused its task, setBudget + resume went on, the run completed.
  const budgetSignals = signals('budget/');
  for (const sig of ['endpointUsage', 'setBudget', 'resume']) assert.ok(budgetSignals.includes(sig), `budget holds a ${sig} signal (${[...new Set(budgetSignals)]})`);
  assert.ok(events(histories, 'budget').some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'pause'), 'the suite paused its task on reaching the budget');
  assert.ok(histories.filter((h) => h.file.startsWith('budget/')).every((h) => h.history.events?.at(-1)?.workflowExecutionCompletedEventAttributes), 'the budget run completed after the resume');
  // limiter: acquire updates (some held while the run was paused), consumer signals from the task, endpointUsage sent to the run.
  const limiter = histories.filter((h) => h.file.startsWith('limiter/'));
  assert.ok(limiter.length >= 1 && limiter.every((h) => h.workflowId.startsWith('evalflow-limiter:')), `limiter histories: ${limiter.map((h) => h.workflowId)}`);
  const limiterEvents = events(histories, 'limiter');
  for (const h of limiter) assert.equal(h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, 'endpointLimiter', `${h.file} is an endpointLimiter`);
  const acquires = limiterEvents.flatMap((e) => {
    const u = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    return u?.name === 'acquire' ? [decode(u.args?.payloads?.[0]) as { hold?: boolean }] : [];
  });
  assert.ok(acquires.length >= 2, `the limiter accepted acquire updates (${acquires.length})`);
  assert.ok(acquires.some((a) => a.hold === true), 'and held some while the run was paused');
  assert.ok(limiterEvents.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).length >= acquires.length - 1, 'acquire updates were answered');
  assert.ok(limiterEvents.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'consumer'), 'the task sent consumer signals');
  assert.ok(limiterEvents.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'endpointUsage'), 'the limiter sent endpointUsage');
  // The task's limiter signals are behind patched('endpoint-limiter'): recorded in runs of this version, absent from the older ones.
  assert.deepEqual(patches(histories, 'budget'), ['endpoint-limiter'], 'a pause/resume on this version records the endpoint-limiter patch');
  for (const old of ['pause-resume', 'cancel-resume', 'set-parallelism']) assert.deepEqual(patches(histories, old), [], `${old} was recorded before the patch`);
  // deployment: the model server as one activity on the deploy queue, its ready signal, cancelled when the tasks were done — behind patched('deployment').
  const deployed = activities(histories, 'deployment');
  assert.ok([...(deployed.get('deployModel') ?? [])].every((q) => q.endsWith('-deploy')) && deployed.get('deployModel')?.size === 1, `deployment schedules deployModel on the deploy queue: ${[...(deployed.get('deployModel') ?? [])]}`);
  assert.ok(signals('deployment/').includes('deploymentReady'), 'the deploy activity signalled deploymentReady');
  assert.ok(events(histories, 'deployment').some((e) => e.activityTaskCancelRequestedEventAttributes), 'the suite cancelled the deployment at the end');
  assert.ok(patches(histories, 'deployment').includes('deployment'), 'a run with a deployment records the deployment patch');
  for (const other of SHAPES.filter((x) => x !== 'deployment')) assert.ok(!patches(histories, other).includes('deployment'), `${other} has no deployment patch`);

  const failures = await replayAll({ ...(await workflowCode()), replayName: 'evalflow-replay' }, histories);
  assert.deepEqual(
    failures,
    [],
    'these recorded histories no longer replay: the workflow change is not deterministic for runs in flight. ' +
      'Guard it with patched() (docs/architecture.md "Workflow tests"); re-record only together with such a versioned change.\n' +
      failures.map((f) => `  ${f.file}: ${f.error}`).join('\n'),
  );
});

test('the recorded histories replay on the tracing bundle too (tracing turned on while runs are in flight)', async () => {
  // dist/workflow-bundle-tracing.js: the workflows with OpenTelemetry's workflow interceptors (workers/tracing.ts).
  const prebuilt = currentBundle(true);
  const bundle = prebuilt
    ? { workflowBundle: { codePath: prebuilt } }
    : { workflowBundle: { code: (await bundleWorkflowCode({ workflowsPath: workflowsEntry(), workflowInterceptorModules: [WORKFLOW_TRACING_MODULE], logger: new DefaultLogger('ERROR') })).code } };
  const histories = loadHistories();
  // The workflow spans leave through this sink; a replay sends none, but the sink must exist.
  const sinks = { exporter: { export: { fn: () => undefined } } };
  const failures = await replayAll({ ...bundle, sinks, replayName: 'evalflow-replay-tracing' }, histories);
  assert.deepEqual(failures, [], 'with tracing on, these histories no longer replay:\n' + failures.map((f) => `  ${f.file}: ${f.error}`).join('\n'));
});

let altered: string | undefined;
after(() => {
  if (altered) fs.rmSync(altered, { recursive: true, force: true });
});

test('the replay check fails when the workflow code changes its commands', async () => {
  // A stand-in for an unguarded change: the suite and task workflows start with a timer
  // the recorded runs never had; the limiter (a history saved while it ran) starts without one. (Written beside the compiled tests so @temporalio/workflow resolves.)
  altered = fs.mkdtempSync(path.join(__dirname, '.altered-'));
  const entry = path.join(altered, 'index.js');
  fs.writeFileSync(
    entry,
    [
      "const { condition, sleep } = require('@temporalio/workflow');",
      "exports.evaluationSuite = async () => { await sleep('1 day'); };",
      "exports.evaluationTask = async () => { await sleep('1 day'); };",
      // The limiter's first command is a timer too: the altered one waits without one.
      "exports.endpointLimiter = async () => { await condition(() => false); };",
    ].join('\n'),
  );
  const { code } = await bundleWorkflowCode({ workflowsPath: entry, logger: new DefaultLogger('ERROR') });
  const histories = loadHistories().filter((h) => h.file.startsWith('suite/') || h.file.startsWith('limiter/'));
  assert.ok(histories.length >= 3, 'the suite and limiter shapes are recorded');
  const failures = await replayAll({ workflowBundle: { code }, replayName: 'evalflow-replay-altered' }, histories);
  assert.deepEqual(failures.map((f) => f.file), histories.map((h) => h.file), 'every history fails to replay on the altered code');
  for (const f of failures) assert.match(f.error, /DeterminismViolation|[Nn]ondetermini/, `${f.file}: ${f.error}`);
});

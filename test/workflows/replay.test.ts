/**
 * Replay: every workflow history recorded from real runs
 * (test/histories/<shape>/, recorded by scripts/record-histories.js) is
 * replayed against the CURRENT workflow code with the SDK's replayer. A change
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

/** The shapes scripts/record-histories.js records; each must be present. */
const SHAPES = ['cancel-resume', 'continue-as-new', 'pause-resume', 'set-parallelism', 'suite'];

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

  const failures = await replayAll({ ...(await workflowCode()), replayName: 'evalflow-replay' }, histories);
  assert.deepEqual(
    failures,
    [],
    'these recorded histories no longer replay: the workflow change is not deterministic for runs in flight. ' +
      'Guard it with patched() (docs/architecture.md "Workflow tests"); re-record only together with such a versioned change.\n' +
      failures.map((f) => `  ${f.file}: ${f.error}`).join('\n'),
  );
});

let altered: string | undefined;
after(() => {
  if (altered) fs.rmSync(altered, { recursive: true, force: true });
});

test('the replay check fails when the workflow code changes its commands', async () => {
  // A stand-in for an unguarded change: the suite and task workflows start with a timer
  // the recorded runs never had. (Written beside the compiled tests so @temporalio/workflow resolves.)
  altered = fs.mkdtempSync(path.join(__dirname, '.altered-'));
  const entry = path.join(altered, 'index.js');
  fs.writeFileSync(
    entry,
    [
      "const { sleep } = require('@temporalio/workflow');",
      "exports.evaluationSuite = async () => { await sleep('1 day'); };",
      "exports.evaluationTask = async () => { await sleep('1 day'); };",
    ].join('\n'),
  );
  const { code } = await bundleWorkflowCode({ workflowsPath: entry, logger: new DefaultLogger('ERROR') });
  const histories = loadHistories().filter((h) => h.file.startsWith('suite/'));
  assert.ok(histories.length >= 2, 'the suite shape is recorded');
  const failures = await replayAll({ workflowBundle: { code }, replayName: 'evalflow-replay-altered' }, histories);
  assert.deepEqual(failures.map((f) => f.file), histories.map((h) => h.file), 'every history fails to replay on the altered code');
  for (const f of failures) assert.match(f.error, /DeterminismViolation|[Nn]ondetermini/, `${f.file}: ${f.error}`);
});

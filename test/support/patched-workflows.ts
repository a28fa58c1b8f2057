/**
 * "The next version" of evalflow's workflow code, for the upgrade test
 * (test/integration/upgrade.test.ts; docs/operations.md): the compiled
 * workflows of this build with one change guarded by `patched()`, derived at
 * test time so no second copy of the sources lives in the repo.
 *
 * dist/workflows/ is copied to a sibling folder (its `../lib/...` imports
 * still resolve), the start of `aggregate` in task.js gets a patched branch
 * that upserts a memo field, and the copy is bundled with bundleWorkflowCode
 * into one file that `evalflow worker --workflow-bundle FILE` runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { REPO } from './harness';

/** The patch id the changed code passes to patched(). */
export const UPGRADE_PATCH_ID = 'evalflow-upgrade-test';
/** The memo field the patched branch sets on the task workflow; its value is the patch id. */
export const UPGRADE_MEMO_KEY = 'upgrade_test';

/**
 * The anchor: the first line of `aggregate` in the compiled task workflow. The
 * patched branch goes right after it, i.e. before the task's last commands.
 */
const ANCHOR = /^async function aggregate\([^)\n]*\) \{\n/m;

/** The compiled task workflow with the patched branch inserted; throws when the anchor is not there exactly once. */
export function patchTaskWorkflow(js: string, file = 'dist/workflows/task.js'): string {
  const hits = js.match(new RegExp(ANCHOR.source, 'gm')) ?? [];
  if (hits.length !== 1) {
    throw new Error(
      `upgrade test: the anchor 'async function aggregate(…) {' occurs ${hits.length} times in ${file} (expected once); ` +
        'the task workflow changed shape — move the anchor in test/support/patched-workflows.ts to a stable line',
    );
  }
  const branch =
    `    if (require("@temporalio/workflow").patched(${JSON.stringify(UPGRADE_PATCH_ID)})) ` +
    `require("@temporalio/workflow").upsertMemo({ ${UPGRADE_MEMO_KEY}: ${JSON.stringify(UPGRADE_PATCH_ID)} });\n`;
  return js.replace(ANCHOR, (line) => line + branch);
}

/** Writes the patched workflow bundle to `outFile` and returns it. */
export async function bundlePatchedWorkflows(outFile: string): Promise<string> {
  const dist = path.join(REPO, 'dist');
  const original = path.join(dist, 'workflows');
  if (!fs.existsSync(path.join(original, 'task.js'))) throw new Error(`no compiled workflows in ${original}; run 'npm run build' first`);
  const copy = path.join(dist, `workflows-upgrade-${process.pid}`);
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(original, copy, { recursive: true });
  try {
    const task = path.join(copy, 'task.js');
    fs.writeFileSync(task, patchTaskWorkflow(fs.readFileSync(task, 'utf8')));
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(copy, 'index.js'), logger: new DefaultLogger('WARN') });
    if (!code.includes(UPGRADE_PATCH_ID)) throw new Error('upgrade test: the patched branch is missing from the bundle');
    fs.writeFileSync(outFile, code);
    return outFile;
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

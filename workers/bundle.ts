/**
 * The workflow bundle, built once by `npm run build` (node dist/workers/bundle.js)
 * instead of by every worker at start: bundling takes seconds to over a minute
 * on a busy 2-core machine, and a worker should poll within 2 s of starting.
 * orchestrationPlugin loads the prebuilt bundle when it is newer than every
 * compiled module it could contain, and bundles at start otherwise (e.g. after
 * a bare `tsc`), so a stale bundle never runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EvalflowError } from '../lib/records/errors';

/** dist/workflow-bundle.js, beside the compiled workflows/ and lib/. */
export const BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');
/** The same workflows with OpenTelemetry's workflow interceptors, for workers that trace (workers/tracing.ts). */
export const TRACING_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle-tracing.js');
const WORKFLOWS_ENTRY = path.resolve(__dirname, '..', 'workflows', 'index.js');

/** Newest modification time (ms) of the compiled modules a workflow bundle can include. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  // Workflow code imports @temporalio/workflow and pure helpers from workflows/ and lib/ only.
  for (const d of ['workflows', 'lib']) {
    const dir = path.resolve(__dirname, '..', d);
    if (fs.existsSync(dir)) walk(dir);
  }
  return newest;
}

/** The prebuilt bundle's path (the tracing one when `tracing`) when it is current, else null (the worker bundles at start). */
export function currentBundle(tracing = false): string | null {
  const file = tracing ? TRACING_BUNDLE_PATH : BUNDLE_PATH;
  try {
    return fs.statSync(file).mtimeMs >= newestSource() ? file : null;
  } catch {
    return null;
  }
}

/**
 * A workflow bundle given by the operator (`evalflow worker --workflow-bundle FILE`), as an
 * absolute path; a clear error when it is not a file.
 */
export function checkedBundle(file: string): string {
  const abs = path.resolve(file);
  let ok = false;
  try {
    ok = fs.statSync(abs).isFile();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new EvalflowError(
      `--workflow-bundle '${file}' is not a file: give the path of a workflow bundle written by bundleWorkflowCode ` +
        `(e.g. dist/workflow-bundle.js, made by 'npm run build'), or leave the option out to run this build's workflows`,
      { kind: 'setup', retryable: false },
    );
  }
  return abs;
}

export function workflowsEntry(): string {
  return WORKFLOWS_ENTRY;
}

async function main(): Promise<void> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { WORKFLOW_TRACING_MODULE } = await import('./tracing.js');
  for (const [file, workflowInterceptorModules] of [
    [BUNDLE_PATH, []],
    [TRACING_BUNDLE_PATH, [WORKFLOW_TRACING_MODULE]],
  ] as const) {
    const t0 = Date.now();
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, workflowInterceptorModules: [...workflowInterceptorModules], logger: undefined });
    fs.writeFileSync(file, code);
    console.log(`workflow bundle: ${path.relative(process.cwd(), file)} (${Math.round(code.length / 1024)} KiB, ${Date.now() - t0} ms)`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`bundling the workflows failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}

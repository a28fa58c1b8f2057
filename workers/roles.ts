/**
 * The roles one `evalflow worker` process can serve (`--role`), and which task
 * queue each polls (docs/architecture.md, "Roles and task queues"; how to run
 * them apart: docs/operations.md, "Scaling each role").
 */
import { EvalflowError } from '../lib/records/errors';

/** main = orchestration + generation + scoring on `<queue>`; judge = `<queue>-judge`; sandbox = `<queue>-sandbox`. */
export const WORKER_ROLES = ['main', 'judge', 'sandbox'] as const;
/**
 * deploy = `<queue>-deploy`: the model servers of runs with a `deployment:` (docs/architecture.md,
 * "Deployments"). Never part of `all`: only hosts that can start the servers take deployments.
 */
export const DEPLOY_ROLE = 'deploy' as const;
export type WorkerRole = (typeof WORKER_ROLES)[number] | typeof DEPLOY_ROLE;

/**
 * `--role` values (repeatable, each may be a comma list; `all` = every role) to
 * the set of roles, in WORKER_ROLES order. No value means all. An unknown role
 * is an error naming it and the accepted ones.
 */
export function parseWorkerRoles(values: readonly string[] = []): WorkerRole[] {
  const words = values.flatMap((v) => v.split(',')).map((w) => w.trim().toLowerCase());
  if (words.length === 0) return [...WORKER_ROLES];
  const picked = new Set<WorkerRole>();
  for (const w of words) {
    if (w === 'all') WORKER_ROLES.forEach((r) => picked.add(r));
    else if ((WORKER_ROLES as readonly string[]).includes(w) || w === DEPLOY_ROLE) picked.add(w as WorkerRole);
    else {
      throw new EvalflowError(
        `unknown worker role ${JSON.stringify(w)} in --role; use all, ${WORKER_ROLES.join(', ')}, ${DEPLOY_ROLE} ` +
          `(repeat --role or give a comma list, e.g. --role main,judge)`,
        { kind: 'config', retryable: false },
      );
    }
  }
  return [...WORKER_ROLES, DEPLOY_ROLE].filter((r) => picked.has(r));
}

/** The task queue each role polls, given the main queue and the optional overrides. */
export function roleQueues(
  roles: readonly WorkerRole[],
  taskQueue: string,
  over: { judgeTaskQueue?: string; sandboxTaskQueue?: string; deployTaskQueue?: string } = {},
): { role: WorkerRole; queue: string }[] {
  const queueOf: Record<WorkerRole, string> = {
    main: taskQueue,
    judge: over.judgeTaskQueue ?? `${taskQueue}-judge`,
    sandbox: over.sandboxTaskQueue ?? `${taskQueue}-sandbox`,
    deploy: over.deployTaskQueue ?? `${taskQueue}-deploy`,
  };
  return roles.map((role) => ({ role, queue: queueOf[role] }));
}

/**
 * deployModel: the run's model server as one long-running activity on the
 * deploy task queue (docs/architecture.md, "Deployments"). It starts the
 * server (lib/engine/deploy.ts), waits until GET /v1/models answers, writes
 * the address to runs/<run>/deployment.json (the judge's, `name: 'judge'`:
 * runs/<run>/deployment-judge.json) and signals it to the suite
 * (`deploymentReady`, the address carrying the name), then heartbeats while the server runs. Cancelled (the
 * suite ended), it stops the server. Its worker killed, the heartbeat stops,
 * Temporal starts the activity again — on any deploy worker — and the new
 * attempt reports its new address the same way.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import * as os from 'node:os';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import { keys } from '../lib/records/keys';
import { serverEnv } from '../lib/config/settings';
import { DeploymentError, listModels, readAddress, startServer, waitReady } from '../lib/engine/deploy';
import type { DeploymentAddress, DeploymentName, DeploymentSpec } from '../lib/records/types';

export interface DeployInput {
  run_id: string;
  deployment: DeploymentSpec;
  /** Absent: the model's deployment; 'judge': the judge's (`auxiliary_deployments.judge`). */
  name?: DeploymentName;
}

/** How often a serving deployment is probed (GET /v1/models), and how long it may not answer before it is started again. */
const HEALTH_PROBE_MS = 10_000;
const UNHEALTHY_MS = 120_000;

/** The suite's signal that its deployment serves (or serves somewhere new). */
export const DEPLOYMENT_READY_SIGNAL = 'deploymentReady';

export function deployActivities(deps: ActivityDeps) {
  const { store, settings } = deps;

  async function deployModel(input: DeployInput): Promise<void> {
    const ctx = Context.current();
    const { run_id, deployment: spec, name } = input;
    const what = name ? `${name} deployment` : 'deployment';
    const attempt = ctx.info.attempt;
    const host = settings.deployHost;
    const beat = () => ctx.heartbeat({ attempt });
    const execution = ctx.info.workflowExecution?.runId;
    const record = async (addr: Omit<DeploymentAddress, 'at' | 'attempt' | 'execution'>) => {
      // A later attempt's record is never overwritten by an older one still stopping (a resumed run's execution counts anew).
      const current = await readAddress(store, run_id, name).catch(() => null);
      if (current && current.execution === execution && current.attempt > attempt) return;
      await store.putJson(keys.deployment(run_id, name), { ...addr, ...(name ? { name } : {}), attempt, execution, at: new Date().toISOString() } satisfies DeploymentAddress);
    };
    const baseUrl = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${spec.port}/v1`;
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      // Shards retried meanwhile wait for the new address instead of calling the old one.
      await record({ base_url: baseUrl, host, port: spec.port, state: 'starting' });
      server = await startServer(spec, {
        // The container name: the judge's differs from the model's.
        runId: name ? `${run_id}-${name}` : run_id,
        attempt,
        advertisedHost: host,
        envPath: serverEnv({}).PATH,
        beat,
      });
      ctx.log.info(`${what} of ${run_id}: started ${server.command.mode} (attempt ${attempt}): ${server.command.display}`);
      const local = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${spec.port}/v1`;
      await waitReady(server, spec, local, { beat, signal: ctx.cancellationSignal });
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      const ready: Omit<DeploymentAddress, 'at' | 'attempt' | 'execution'> = {
        ...(name ? { name } : {}),
        base_url: baseUrl,
        host,
        port: spec.port,
        state: 'ready',
        pid: server.pid,
        mode: server.command.mode,
        command: server.command.display,
        worker: os.hostname(),
      };
      await record(ready);
      try {
        await ctx.client.workflow.getHandle(run_id).signal(DEPLOYMENT_READY_SIGNAL, { ...ready, attempt, execution, at: new Date().toISOString() });
      } catch (e) {
        // The suite reads deployment.json as well; a lost signal only delays its start.
        ctx.log.warn(`${what} of ${run_id}: could not signal the suite: ${e instanceof Error ? e.message : String(e)}`);
      }
      // Serve: heartbeat until cancelled or the server exits; a server that stops answering for UNHEALTHY_MS is started again.
      const every = Math.round(Math.max(200, Math.min(5_000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3)));
      let exitCode: number | null | undefined;
      let wake: () => void = () => undefined;
      const onAbort = () => wake();
      ctx.cancellationSignal.addEventListener('abort', onAbort, { once: true });
      void server.exited.then((c) => {
        exitCode = c;
        wake();
      });
      let lastHealthy = Date.now();
      let nextProbe = Date.now() + HEALTH_PROBE_MS;
      try {
        while (!ctx.cancellationSignal.aborted && exitCode === undefined) {
          beat();
          if (Date.now() >= nextProbe) {
            nextProbe = Date.now() + HEALTH_PROBE_MS;
            if (await listModels(local, Math.max(1_000, every))) lastHealthy = Date.now();
            else if (Date.now() - lastHealthy > UNHEALTHY_MS) {
              throw new DeploymentError(
                `the ${spec.type} server at ${local} has not answered GET /v1/models for ${UNHEALTHY_MS / 1000} s; it is started again. Its last lines:\n${server.lastLines()}`,
                true,
              );
            }
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, every);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      } finally {
        ctx.cancellationSignal.removeEventListener('abort', onAbort);
      }
      if (exitCode !== undefined && !ctx.cancellationSignal.aborted) {
        // A crash while serving: another attempt (maybe on another host) starts it again.
        throw new DeploymentError(`the ${spec.type} server exited (code ${exitCode}) while serving; its last lines:\n${server.lastLines()}`, true);
      }
      throw ctx.cancellationSignal.reason;
    } catch (e) {
      if (server) await server.stop();
      if (ctx.cancellationSignal.aborted) {
        // Only the suite's cancel ends the deployment; a worker shutting down or a timed-out attempt is started again.
        const ended = ctx.cancellationDetails?.cancelRequested === true;
        if (ended) await record({ base_url: baseUrl, host, port: spec.port, state: 'stopped' }).catch(() => undefined);
        ctx.log.info(`${what} of ${run_id}: stopped (attempt ${attempt})`);
        throw ctx.cancellationSignal.reason ?? e;
      }
      if (e instanceof DeploymentError && !e.retryable) throw ApplicationFailure.nonRetryable(e.message, 'DeploymentFailed');
      toActivityFailure(e);
    }
  }

  return { deployModel };
}

export type DeployActivities = ReturnType<typeof deployActivities>;

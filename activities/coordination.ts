/**
 * The worker side of the endpoint limiters (docs/architecture.md, "Endpoint
 * limits and live controls"): one EndpointGate (lib/engine/gate.ts) per
 * endpoint per worker process, shared by every activity of the process that
 * calls it, and one loop per gate that reports to the endpoint's limiter
 * workflow (workflows/limiter.ts) through its `acquire` update and applies the
 * grant it answers.
 *
 * Reports go out at once when a consumer starts waiting with nothing granted,
 * every 0.5 s while consumers wait for more than they are granted, every 2 s
 * while spending changes, and every 5 s otherwise (the limiter drops a worker
 * silent for 20 s). While everything waiting is paused or out of budget, the
 * limiter holds the report until a control changes (or 10 s), so a resume
 * arrives at once. That is per worker and endpoint — not per shard, not per
 * call. When the process stops using the endpoint, a last report frees its
 * slots.
 */
import * as os from 'node:os';
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { EndpointGate } from '../lib/engine/gate';
import { limiterWorkflowId, type ConsumerSettings, type EndpointLimits, type GateGrant, type GateReport, type LimiterStart } from '../lib/records/limits';

const URGENT_MS = 20;
const STARVED_MS = 500;
const CHANGED_MS = 2000;
const RENEW_MS = 5000;
/** Above the limiter's hold (10 s): an answer is not given up on while the limiter may still send it. */
const UPDATE_TIMEOUT_MS = 20_000;

interface GateEntry {
  gate: EndpointGate;
  id: string;
  endpoint: { url: string; model_id: string };
  queue: string;
  urgent: boolean;
  changed: boolean;
  wake: (() => void) | null;
  loop: Promise<void> | null;
  started: boolean;
  /** Reports in a row that got no answer. */
  failures: number;
}

/** Where the limiter lives and how a worker talks to it. */
export interface CoordinationContext {
  client?: Client;
  /** Task queue the limiter workflow is started on (the run's orchestration queue). */
  queue: string;
  warn?: (msg: string) => void;
}

export class Coordinator {
  readonly holder = `${os.hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly gates = new Map<string, GateEntry>();
  private lastWarning = 0;

  constructor(private readonly client: Client | undefined) {}

  /**
   * Take part in the endpoint's limits as `key` with `settings`; returns the
   * gate and the function that ends this use.
   */
  use(
    endpoint: { url: string; model_id: string },
    limits: EndpointLimits,
    key: string,
    settings: ConsumerSettings,
    ctx: CoordinationContext,
  ): { gate: EndpointGate; done: () => void } {
    const id = limiterWorkflowId(endpoint);
    let entry = this.gates.get(id);
    if (!entry) {
      const gate = new EndpointGate(limits, !this.client);
      entry = { gate, id, endpoint, queue: ctx.queue, urgent: true, changed: true, wake: null, loop: null, started: false, failures: 0 };
      const e = entry;
      gate.onChange = () => {
        e.changed = true;
        if (gate.needsGrant) e.urgent = true;
        e.wake?.();
      };
      this.gates.set(id, entry);
    }
    const done = entry.gate.use(key, settings, limits);
    entry.urgent = true;
    if (this.client && !entry.loop) entry.loop = this.run(entry, ctx.warn).finally(() => (entry!.loop = null));
    entry.wake?.();
    return { gate: entry.gate, done };
  }

  private warn(warn: ((m: string) => void) | undefined, msg: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 30_000) return;
    this.lastWarning = now;
    (warn ?? console.warn)(msg);
  }

  private async run(entry: GateEntry, warn?: (m: string) => void): Promise<void> {
    const client = this.client!;
    const handle = client.workflow.getHandle(entry.id);
    let last = 0;
    for (;;) {
      const gate = entry.gate;
      const wait = () => {
        const since = Date.now() - last;
        const gap = entry.urgent || gate.holding ? URGENT_MS : gate.starved ? STARVED_MS : entry.changed ? CHANGED_MS : RENEW_MS;
        return Math.max(0, gap - since);
      };
      // Sleep until the next report is due; a change may bring it forward.
      while (wait() > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait());
          t.unref(); // never keeps a worker process alive
          entry.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        entry.wake = null;
      }
      entry.urgent = false;
      entry.changed = false;
      const idle = gate.idle;
      const hold = gate.holding;
      const report = gate.report();
      last = Date.now();
      try {
        const grant = await this.send(entry, handle, report, hold);
        gate.grant(grant, report);
        entry.failures = 0;
      } catch (e) {
        entry.failures++;
        gate.reportFailed(report);
        if (idle && gate.idle) {
          // Done here anyway (a worker shutting down, a server gone): the limiter drops this worker after its TTL.
          this.gates.delete(entry.id);
          return;
        }
        this.warn(
          warn,
          `endpoint limiter ${entry.id} did not answer (${e instanceof Error ? e.message : String(e)}); calls keep their last grant. ` +
            `Its workflow runs on task queue '${entry.queue}': a worker with the orchestration role must serve it.`,
        );
        entry.started = false;
        if (entry.failures >= 1) await this.replaceIfOrphaned(entry, warn).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1000).unref());
        continue;
      }
      if (idle && gate.idle) {
        this.gates.delete(entry.id);
        return;
      }
    }
  }

  /**
   * A limiter whose task queue no worker serves any more (its run's workers are
   * gone) would hold every run of the endpoint. It shows as a workflow task
   * scheduled and not started, seen twice 4 s apart (a served workflow task
   * starts within milliseconds; the queue's poller list lags by minutes, so it
   * is not asked). Such a limiter is terminated, and the next report starts a
   * new one on this worker's queue. Its state starts over: workers report
   * again within seconds.
   */
  private async replaceIfOrphaned(entry: GateEntry, warn?: (m: string) => void): Promise<void> {
    const client = this.client!;
    const handle = client.workflow.getHandle(entry.id);
    const stuck = async () => {
      const d = await handle.describe();
      const state = String(d.raw.pendingWorkflowTask?.state ?? '');
      return { running: d.status.name === 'RUNNING', queue: d.taskQueue, waiting: state === 'PENDING_WORKFLOW_TASK_STATE_SCHEDULED' || state === '1' };
    };
    const first = await stuck();
    if (!first.running || !first.waiting) return;
    await new Promise((r) => setTimeout(r, 4000).unref());
    const second = await stuck();
    if (!second.running || !second.waiting) return;
    await handle.terminate(`no worker serves its task queue '${second.queue}'; restarted on '${entry.queue}'`);
    (warn ?? console.warn)(`endpoint limiter ${entry.id} ran on task queue '${second.queue}', which no worker serves: restarted it on '${entry.queue}'`);
  }

  private async send(entry: GateEntry, handle: ReturnType<Client['workflow']['getHandle']>, report: GateReport, hold: boolean): Promise<GateGrant> {
    const client = this.client!;
    if (!entry.started) {
      const input: LimiterStart = { endpoint: entry.endpoint };
      await client.workflow
        .start('endpointLimiter', {
          workflowId: entry.id,
          taskQueue: entry.queue,
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        })
        .catch((e: unknown) => {
          if (!(e instanceof Error && e.name === 'WorkflowExecutionAlreadyStartedError')) throw e;
        });
      entry.started = true;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        handle.executeUpdate<GateGrant, [{ holder: string; report: GateReport; hold?: boolean }]>('acquire', { args: [{ holder: this.holder, report, ...(hold ? { hold } : {}) }] }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${UPDATE_TIMEOUT_MS / 1000} s`)), UPDATE_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const coordinators = new WeakMap<object, Coordinator>();
let local: Coordinator | undefined;

/** The process's coordinator for this client (one per worker connection); without a client, local gates only. */
export function coordinatorFor(client: Client | undefined): Coordinator {
  if (!client) return (local ??= new Coordinator(undefined));
  let c = coordinators.get(client);
  if (!c) {
    c = new Coordinator(client);
    coordinators.set(client, c);
  }
  return c;
}

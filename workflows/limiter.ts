/**
 * endpointLimiter: one long-lived workflow per endpoint (URL + model) in the
 * namespace, id `evalflow-limiter:<model>@<url>` (lib/records/limits.ts). It
 * shares the endpoint among every worker and every run that calls it
 * (docs/architecture.md, "Endpoint limits and live controls"):
 *
 * - Each worker process that calls the endpoint reports, through the `acquire`
 *   update, what its consumers (one role of one task of one run) have in flight
 *   and waiting, what they paid since the last report, and its adaptive limit;
 *   the answer is its grant: slots per consumer, its share of the endpoint's
 *   requests and tokens per minute, the runs' spending at this endpoint and the
 *   newest controls. Workers report about once a second while they wait for
 *   slots and every few seconds otherwise, whatever the number of shards.
 * - Grants keep, over all workers: every consumer within its cap (its task's
 *   parallelism; 0 when paused or out of budget), the endpoint within its
 *   max_concurrency, and each worker within its adaptive limit. Slots are shared
 *   by water-filling over the demand; a slot that a worker holds (granted or in
 *   use) is given to another only after that worker reports it free, so the
 *   bounds hold at every moment. A worker that stops reporting for 20 s is
 *   dropped with its slots.
 * - Task workflows send their controls here (`consumer` signal) when they
 *   change: pause, resume, setParallelism and a new budget reach running
 *   activities in the answer to their next report, with no query per shard.
 * - Usage per run (tokens, spending, the concurrency limit in force) is sent
 *   to the run's suite workflow (`endpointUsage` signal; totals, not deltas):
 *   every 5 minutes while it changes, and at once when the run is new here,
 *   crosses a 5% step of its budget, or its limit moved by a quarter — so the
 *   suite's history grows by a bounded amount, whatever the run's length.
 *
 * It continues as new when its history grows, and ends after an hour without
 * reports, runs or signals; the next report starts it again.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { addTokens, noUsage, type LimiterStart, type ConsumerSettings, type EndpointLimits, type GateGrant, type GateReport, type TokenUsage } from '../lib/records/limits';

/** A worker's report (its id: host, process and a random part). */
export const acquireUpdate = defineUpdate<GateGrant, [{ holder: string; report: GateReport; hold?: boolean }]>('acquire');
/** A task's new controls for one of its consumers. */
export const consumerSignal = defineSignal<[{ key: string; settings: ConsumerSettings }]>('consumer');
/** What the limiter sees now (for `evalflow status` and the UI). */
export const limiterStateQuery = defineQuery<LimiterView>('state');
/** Sent to a suite workflow: what its consumers paid at this endpoint, totals. */
export const endpointUsageSignal = defineSignal<[EndpointUsage]>('endpointUsage');

export interface EndpointUsage {
  /** Limiter workflow id and its first run id: totals restart with a new limiter. */
  limiter: string;
  epoch: string;
  consumers: Record<string, { usage: TokenUsage; usd: number; limit: number; in_flight: number }>;
}

export interface LimiterView {
  endpoint: { url: string; model_id: string };
  limits: EndpointLimits;
  holders: number;
  in_flight: number;
  consumers: Record<string, { run_id: string; cap: number; paused: boolean; granted: number; in_flight: number; waiting: number; limit: number }>;
}

interface HolderEntry {
  seen: number;
  adaptive: number;
  limits: EndpointLimits;
  consumers: Record<string, { in_use: number; waiting: number; grant: number }>;
}

interface RunEntry {
  touched: number;
  consumers: Record<string, { usage: TokenUsage; usd: number }>;
  /** Changed since last sent to the suite (sent within SEND_EVERY). */
  dirty: boolean;
  /** To be sent now: new, near or at its budget, or a concurrency limit moved. */
  urgent?: boolean;
  /** What was last sent: spending, and the limit per consumer. */
  sent?: { usd: number; limits: Record<string, number> };
}

export interface LimiterState {
  settings: Record<string, ConsumerSettings>;
  holders: Record<string, HolderEntry>;
  runs: Record<string, RunEntry>;
  /** Per worker, per consumer: the cumulative usage last counted (reports are cumulative, counted once). */
  counted?: Record<string, { seen: number; consumers: Record<string, { usage: TokenUsage; usd: number }> }>;
}

/** The limiter's input (lib/records/limits.ts): its endpoint, and its state when it continues as new. */
export type LimiterInput = LimiterStart<LimiterState>;

/** A worker silent this long is gone: its slots return. */
export const HOLDER_TTL_MS = 20_000;
/** A run's totals are kept this long after its last report. */
const RUN_TTL_MS = 7 * 24 * 3600_000;
const COUNTED_TTL_MS = 24 * 3600_000;
const IDLE_END = '1 hour';
const HOLD = '10 seconds';
/** A run's usage goes to its suite at least this often while it changes (history grows with it). */
const SEND_EVERY = '5 minutes';
/** Budget steps that are sent at once (fractions of the budget). */
const BUDGET_STEP = 0.05;
const HISTORY_BEFORE_CONTINUE = 5_000;

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** Slots a holder keeps for a consumer until it reports them free. */
const occupied = (e: { in_use: number; grant: number }) => Math.max(e.in_use, e.grant);

export class Limiter {
  /** Grows whenever a consumer's settings change (held reports wait for it). */
  version = 0;

  constructor(readonly state: LimiterState) {}

  /** The limits in force: the strictest of the workers' configs. */
  limits(): EndpointLimits {
    let out: EndpointLimits = {};
    for (const h of Object.values(this.state.holders)) {
      out = {
        max_concurrency: minDefined(out.max_concurrency, h.limits.max_concurrency),
        requests_per_minute: minDefined(out.requests_per_minute, h.limits.requests_per_minute),
        tokens_per_minute: minDefined(out.tokens_per_minute, h.limits.tokens_per_minute),
      };
    }
    return out;
  }

  private spent(runId: string): number {
    const run = this.state.runs[runId];
    return run ? Object.values(run.consumers).reduce((a, c) => a + c.usd, 0) : 0;
  }

  /** The cap a consumer has now: 0 when paused or out of budget. */
  capOf(key: string): number {
    const s = this.state.settings[key];
    if (!s || s.paused) return 0;
    if (s.budget_usd !== undefined && this.spent(s.run_id) >= s.budget_usd) return 0;
    return s.cap;
  }

  setConsumer(key: string, settings: ConsumerSettings): void {
    const cur = this.state.settings[key];
    if (!cur || settings.seq > cur.seq) {
      this.state.settings[key] = settings;
      this.version++;
    }
  }

  /** Drop workers silent for longer than the TTL, and old runs and settings. */
  expire(now: number): void {
    for (const [id, h] of Object.entries(this.state.holders)) if (now - h.seen > HOLDER_TTL_MS) delete this.state.holders[id];
    for (const [id, r] of Object.entries(this.state.runs)) if (!r.dirty && now - r.touched > RUN_TTL_MS) delete this.state.runs[id];
    // What a worker reported is remembered a day after it went silent (a late report is still counted once).
    for (const [id, c] of Object.entries(this.state.counted ?? {})) if (now - c.seen > COUNTED_TTL_MS) delete this.state.counted![id];
    const used = new Set<string>();
    for (const h of Object.values(this.state.holders)) for (const k of Object.keys(h.consumers)) used.add(k);
    for (const [k, s] of Object.entries(this.state.settings)) if (!used.has(k) && !this.state.runs[s.run_id]) delete this.state.settings[k];
  }

  /**
   * Fair targets by water-filling: one slot at a time, round robin over
   * (holder, consumer) pairs with demand left, within every bound.
   */
  targets(): Map<string, Map<string, number>> {
    const limits = this.limits();
    let global = limits.max_concurrency ?? Infinity;
    const consumerLeft = new Map<string, number>();
    const holderLeft = new Map<string, number>();
    const pairs: Array<{ h: string; k: string; want: number; got: number }> = [];
    for (const [h, entry] of Object.entries(this.state.holders)) {
      holderLeft.set(h, entry.adaptive > 0 ? entry.adaptive : Infinity);
      for (const [k, c] of Object.entries(entry.consumers)) {
        if (!consumerLeft.has(k)) consumerLeft.set(k, this.capOf(k));
        const want = c.in_use + c.waiting;
        if (want > 0) pairs.push({ h, k, want, got: 0 });
      }
    }
    pairs.sort((a, b) => (a.h === b.h ? (a.k < b.k ? -1 : 1) : a.h < b.h ? -1 : 1));
    let active = pairs;
    while (global > 0 && active.length) {
      const next: typeof pairs = [];
      for (const p of active) {
        if (global <= 0) break;
        if (p.got >= p.want || consumerLeft.get(p.k)! <= 0 || holderLeft.get(p.h)! <= 0) continue;
        p.got++;
        global--;
        consumerLeft.set(p.k, consumerLeft.get(p.k)! - 1);
        holderLeft.set(p.h, holderLeft.get(p.h)! - 1);
        next.push(p);
      }
      active = next;
    }
    const out = new Map<string, Map<string, number>>();
    for (const p of pairs) {
      if (!out.has(p.h)) out.set(p.h, new Map());
      out.get(p.h)!.set(p.k, p.got);
    }
    return out;
  }

  /** One worker's report: record it, grant what is free of its fair target. */
  report(holder: string, report: GateReport, now: number): GateGrant {
    this.expire(now);
    const counted = ((this.state.counted ??= {})[holder] ??= { seen: now, consumers: {} });
    counted.seen = now;
    for (const c of report.consumers) {
      this.setConsumer(c.key, c.settings);
      // Reports carry totals since the worker started: count what is new since the last one counted.
      const before = counted.consumers[c.key] ?? { usage: noUsage(), usd: 0 };
      const delta = {
        usage: {
          calls: Math.max(0, c.usage.calls - before.usage.calls),
          prompt_tokens: Math.max(0, c.usage.prompt_tokens - before.usage.prompt_tokens),
          completion_tokens: Math.max(0, c.usage.completion_tokens - before.usage.completion_tokens),
          reasoning_tokens: Math.max(0, c.usage.reasoning_tokens - before.usage.reasoning_tokens),
        },
        usd: Math.max(0, c.usd - before.usd),
      };
      counted.consumers[c.key] = { usage: c.usage, usd: c.usd };
      if (delta.usage.calls > 0 || delta.usd > 0) {
        const run = (this.state.runs[c.settings.run_id] ??= { touched: now, consumers: {}, dirty: false });
        const cur = run.consumers[c.key] ?? { usage: noUsage(), usd: 0 };
        run.consumers[c.key] = { usage: addTokens(cur.usage, delta.usage), usd: cur.usd + delta.usd };
        run.touched = now;
        run.dirty = true;
      }
    }
    const prev = this.state.holders[holder];
    const entry: HolderEntry = { seen: now, adaptive: report.adaptive_limit, limits: report.limits, consumers: {} };
    for (const c of report.consumers) {
      if (!c.active && c.in_use === 0) continue;
      entry.consumers[c.key] = { in_use: c.in_use, waiting: c.waiting, grant: prev?.consumers[c.key]?.grant ?? 0 };
    }
    this.state.holders[holder] = entry;

    const targets = this.targets().get(holder) ?? new Map<string, number>();
    const limits = this.limits();
    let globalFree = limits.max_concurrency ?? Infinity;
    const consumerUsed = new Map<string, number>();
    for (const [h, e] of Object.entries(this.state.holders)) {
      if (h === holder) continue;
      for (const [k, c] of Object.entries(e.consumers)) {
        globalFree -= occupied(c);
        consumerUsed.set(k, (consumerUsed.get(k) ?? 0) + occupied(c));
      }
    }
    // What this worker has in flight is held whatever it is granted: reserve it first, then grant above it.
    for (const c of Object.values(entry.consumers)) globalFree -= c.in_use;
    const grants: Record<string, number> = {};
    for (const [k, c] of Object.entries(entry.consumers)) {
      const want = Math.max(0, Math.min(targets.get(k) ?? 0, this.capOf(k) - (consumerUsed.get(k) ?? 0)));
      let g = want;
      if (want > c.in_use) {
        const extra = Math.max(0, Math.min(want - c.in_use, globalFree));
        g = c.in_use + extra;
        globalFree -= extra;
      }
      c.grant = g;
      grants[k] = g;
    }

    // Rates: this worker's share, in proportion to what it holds.
    let mine = 0;
    let all = 0;
    for (const [h, e] of Object.entries(this.state.holders)) {
      for (const c of Object.values(e.consumers)) {
        all += occupied(c);
        if (h === holder) mine += occupied(c);
      }
    }
    this.markUrgent(report);
    const holders = Object.keys(this.state.holders).length;
    const share = all > 0 ? mine / all : 1 / Math.max(1, holders);
    const settings: Record<string, ConsumerSettings> = {};
    const runUsd: Record<string, number> = {};
    for (const c of report.consumers) {
      settings[c.key] = this.state.settings[c.key];
      runUsd[c.settings.run_id] = this.spent(c.settings.run_id);
    }
    return {
      grants,
      settings,
      run_usd: runUsd,
      ...(limits.requests_per_minute !== undefined ? { requests_per_minute: Math.max(1, Math.floor(limits.requests_per_minute * share)) } : {}),
      ...(limits.tokens_per_minute !== undefined ? { tokens_per_minute: Math.max(1, Math.floor(limits.tokens_per_minute * share)) } : {}),
    };
  }

  /**
   * A run's usage is sent at once when the suite has none yet, when its spending here
   * crosses a 5% step of its budget (or the budget), or when a consumer's limit moved by
   * a quarter or more since last sent; otherwise within SEND_EVERY.
   */
  private markUrgent(report: GateReport): void {
    for (const c of report.consumers) {
      const run = this.state.runs[c.settings.run_id];
      if (!run) continue;
      if (!run.sent) {
        run.urgent = true;
        continue;
      }
      const budget = this.state.settings[c.key]?.budget_usd;
      const usd = this.spent(c.settings.run_id);
      if (budget !== undefined && budget > 0 && Math.floor(usd / (budget * BUDGET_STEP)) > Math.floor(run.sent.usd / (budget * BUDGET_STEP))) run.urgent = true;
      const limit = this.consumerView(c.key).limit;
      const before = run.sent.limits[c.key];
      if (before === undefined || Math.abs(limit - before) >= Math.max(1, before / 4)) {
        run.urgent = true;
        run.dirty = true;
      }
    }
  }

  /** What to send to a run's suite now; records it as sent. */
  send(runId: string, limiter: string, epoch: string): EndpointUsage {
    const run = this.state.runs[runId];
    const u = this.usageFor(runId, limiter, epoch);
    if (run) {
      run.dirty = false;
      run.urgent = false;
      run.sent = { usd: this.spent(runId), limits: Object.fromEntries(Object.entries(u.consumers).map(([k, c]) => [k, c.limit])) };
    }
    return u;
  }

  /** Per consumer: slots granted, in flight and waiting over all workers; the limit in force (adaptive included). */
  consumerView(key: string): { granted: number; in_flight: number; waiting: number; limit: number } {
    let granted = 0;
    let inFlight = 0;
    let waiting = 0;
    let limit = 0;
    for (const e of Object.values(this.state.holders)) {
      const c = e.consumers[key];
      if (!c) continue;
      granted += c.grant;
      inFlight += c.in_use;
      waiting += c.waiting;
      limit += e.adaptive > 0 ? Math.min(c.grant, e.adaptive) : c.grant;
    }
    return { granted, in_flight: inFlight, waiting, limit };
  }

  usageFor(runId: string, limiter: string, epoch: string): EndpointUsage {
    const run = this.state.runs[runId];
    const consumers: EndpointUsage['consumers'] = {};
    for (const [k, c] of Object.entries(run?.consumers ?? {})) {
      const v = this.consumerView(k);
      consumers[k] = { usage: c.usage, usd: c.usd, limit: v.limit, in_flight: v.in_flight };
    }
    return { limiter, epoch, consumers };
  }

  view(endpoint: LimiterInput['endpoint']): LimiterView {
    const consumers: LimiterView['consumers'] = {};
    let inFlight = 0;
    for (const e of Object.values(this.state.holders)) for (const c of Object.values(e.consumers)) inFlight += c.in_use;
    for (const [k, s] of Object.entries(this.state.settings)) consumers[k] = { run_id: s.run_id, cap: s.cap, paused: s.paused, ...this.consumerView(k) };
    return { endpoint, limits: this.limits(), holders: Object.keys(this.state.holders).length, in_flight: inFlight, consumers };
  }
}

export async function endpointLimiter(input: LimiterInput): Promise<void> {
  const limiter = new Limiter(input.state ?? { settings: {}, holders: {}, runs: {} });
  const info = workflowInfo();
  const epoch = info.firstExecutionRunId;
  let touched = 0;
  // Usage of a run changed since it was last sent: mark the run; the loop below sends it.
  // A worker whose every waiting consumer is paused or out of budget asks to be held: the
  // answer comes when a control changes (a resume, a new budget) or after HOLD, so a resume
  // reaches it at once and a long pause costs one report per HOLD.
  setHandler(acquireUpdate, async ({ holder, report, hold }) => {
    touched++;
    if (hold) {
      const v = limiter.version;
      await condition(() => limiter.version !== v, HOLD);
    }
    return limiter.report(holder, report, Date.now());
  });
  setHandler(consumerSignal, ({ key, settings }) => {
    touched++;
    limiter.setConsumer(key, settings);
    const run = limiter.state.runs[settings.run_id];
    if (run) run.dirty = true;
  });
  setHandler(limiterStateQuery, () => limiter.view(input.endpoint));

  const dirty = () => Object.values(limiter.state.runs).some((r) => r.dirty);
  const urgent = () => Object.values(limiter.state.runs).some((r) => r.urgent);
  const historyFull = () => workflowInfo().historyLength > HISTORY_BEFORE_CONTINUE || workflowInfo().continueAsNewSuggested;
  for (;;) {
    const seen = touched;
    // One timer per wait: history grows with what is sent, not with time.
    const woke = await condition(() => urgent() || historyFull(), dirty() ? SEND_EVERY : IDLE_END);
    if (!woke && !dirty() && touched === seen) {
      limiter.expire(Date.now());
      if (!Object.keys(limiter.state.holders).length) return; // idle for an hour: the next report starts a new limiter
    }
    if (urgent()) await sleep(1000); // batch what else changes within a second
    // Sent: the urgent runs, or (every SEND_EVERY) all that changed.
    for (const [runId, run] of Object.entries(limiter.state.runs)) {
      if (!(run.urgent || (!woke && run.dirty))) continue;
      await getExternalWorkflowHandle(runId)
        .signal(endpointUsageSignal, limiter.send(runId, info.workflowId, epoch))
        .catch(() => undefined); // the run is not running now: it gets totals at its next change
    }
    if (historyFull()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof endpointLimiter>({ endpoint: input.endpoint, state: limiter.state });
    }
  }
}

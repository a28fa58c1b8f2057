/**
 * How many model requests may be in flight now, per endpoint, in this worker
 * process (docs/architecture.md, "Endpoint limits and live controls").
 *
 * Every HTTP attempt of a model or judge call takes a slot here and gives it
 * back when the answer (or the failure) arrives; a request waiting out a
 * backoff holds no slot. A slot is given when all of these allow it:
 *
 * - **Grants.** Requests belong to a consumer: one role of one task of one run
 *   (`<run>/<task>/model`, `<run>/<task>/judge`). The endpoint's limiter
 *   workflow (workflows/limiter.ts) grants this process a number of slots per
 *   consumer so that, over every worker and every run, a task stays within its
 *   parallelism and the endpoint within its max_concurrency. A paused consumer,
 *   or one whose run has spent its budget, gets none. Without a limiter (a
 *   bare activity test), the grant is the consumer's own cap.
 * - **Adaptive concurrency.** 429, 503 and timeouts shrink the number of
 *   requests in flight; answers let it grow back (AdaptiveLimit), never above
 *   the grants.
 * - **Rates.** Requests and tokens per minute over a sliding minute, within
 *   this process's share of the endpoint's limits.
 *
 * Waiting requests are served first come, first served across consumers: the
 * oldest shard's calls go first, and a shard with only stragglers left holds
 * no idle slots. No Temporal here: activities/coordination.ts reports to the
 * limiter and applies its grants.
 */
import { addTokens, noUsage, usdOf, type ConsumerReport, type ConsumerSettings, type EndpointLimits, type GateGrant, type GateReport, type TokenUsage } from '../records/limits';

/** How an attempt ended, for the adaptive limit. */
export type AttemptOutcome = 'ok' | 'overload' | 'error';

/**
 * AIMD with slow start, as TCP congestion control: every answered request adds
 * 1/limit (one more lane per round of answers), or 1 while below the slow-start
 * threshold; every rejected request (429, 503, timeout) takes 0.5 off — so a
 * burst of rejections removes about half of the excess that caused it — and the
 * first rejection of a round also multiplies by 0.95 and sets the slow-start
 * threshold to half the limit (or of the limit at the last answer, when higher:
 * after an outage the limit climbs back fast). A "round" ends at a decrease: requests that started before
 * it do not decrease again. The limit stays within 1 … ceiling; until the
 * first rejection it simply follows the ceiling.
 */
export class AdaptiveLimit {
  private value: number;
  private threshold = 0;
  private round = 0;
  private pushedBack = false;
  /** The limit at the last answered request: a push-back burst restarts slow start toward half of it. */
  private lastGood = 0;

  constructor(private ceiling: number) {
    this.ceiling = Math.max(1, ceiling);
    this.value = this.ceiling;
  }

  get limit(): number {
    return Math.max(1, Math.min(this.ceiling, Math.floor(this.value)));
  }

  /** The round a request starts in (give it back to `overload`). */
  get stamp(): number {
    return this.round;
  }

  /** True once the endpoint has pushed back. */
  get adapting(): boolean {
    return this.pushedBack;
  }

  setCeiling(ceiling: number): void {
    this.ceiling = Math.max(1, ceiling);
    if (!this.pushedBack || this.value > this.ceiling) this.value = this.ceiling;
  }

  success(): void {
    this.lastGood = this.value;
    this.value += this.value < this.threshold ? 1 : 1 / Math.max(1, this.value);
    if (this.value > this.ceiling) this.value = this.ceiling;
  }

  overload(stamp: number): void {
    this.pushedBack = true;
    this.value = Math.max(1, this.value - 0.5);
    if (stamp >= this.round) {
      this.threshold = Math.max(this.value, this.lastGood) / 2;
      this.value = Math.max(1, this.value * 0.95);
      this.round++;
    }
  }
}

export interface Slot {
  /** Give the slot back; `usage` of an answered request counts toward spending and tokens per minute. */
  release(outcome: AttemptOutcome, usage?: Omit<TokenUsage, 'calls'>): void;
}

interface Consumer {
  key: string;
  settings: ConsumerSettings;
  /** Activities of this process using it now. */
  users: number;
  grant: number;
  inUse: number;
  waiting: number;
  /** Paid through this process since it started (cumulative: a report repeated after a lost answer counts once). */
  usage: TokenUsage;
  usd: number;
  /** `usd` as of the last report the limiter answered (the rest it has not counted yet). */
  ackedUsd: number;
}

interface Waiter {
  consumer: Consumer;
  give: (slot: Slot) => void;
}

const MINUTE = 60_000;

export class EndpointGate {
  readonly adaptive: AdaptiveLimit;
  private inUse = 0;
  private overloads = 0;
  private queue: Waiter[] = [];
  private readonly consumers = new Map<string, Consumer>();
  private readonly runUsd = new Map<string, number>();
  /** Cumulative usage per consumer key, kept when a consumer is dropped and comes back (reports stay cumulative). */
  private readonly totals = new Map<string, { usage: TokenUsage; usd: number; ackedUsd: number }>();
  private starts: number[] = [];
  private tokens: Array<{ at: number; n: number }> = [];
  private rpm?: number;
  private tpm?: number;
  private timer: NodeJS.Timeout | null = null;
  /** Called when demand or usage changed (the coordinator reports sooner). */
  onChange: () => void = () => undefined;

  /**
   * @param local No limiter: each consumer's grant is its own cap.
   */
  constructor(
    private limits: EndpointLimits,
    readonly local: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.adaptive = new AdaptiveLimit(limits.max_concurrency ?? 1);
    this.applyLimits(limits);
  }

  private applyLimits(limits: EndpointLimits): void {
    this.limits = limits;
    if (this.local) {
      this.rpm = limits.requests_per_minute;
      this.tpm = limits.tokens_per_minute;
    }
    this.recomputeCeiling();
  }

  private recomputeCeiling(): void {
    let caps = 0;
    for (const c of this.consumers.values()) caps += c.settings.cap;
    const ceiling = Math.min(this.limits.max_concurrency ?? Infinity, Math.max(1, caps));
    this.adaptive.setCeiling(Number.isFinite(ceiling) ? ceiling : 1);
  }

  /** Requests in flight through this gate now. */
  get inFlight(): number {
    return this.inUse;
  }

  /** The limit in force now: adaptive limit, bounded by what is granted. */
  get currentLimit(): number {
    let granted = 0;
    for (const c of this.consumers.values()) granted += this.grantOf(c);
    return Math.min(this.limitNow(), granted);
  }

  private limitNow(): number {
    return this.limits.adaptive === false ? Infinity : this.adaptive.limit;
  }

  /**
   * An activity starts using a consumer (or updates its settings: the newer
   * `seq` wins). Returns the function that ends this use.
   */
  use(key: string, settings: ConsumerSettings, limits?: EndpointLimits): () => void {
    if (limits) this.applyLimits({ ...this.limits, ...limits });
    let c = this.consumers.get(key);
    if (!c) {
      const before = this.totals.get(key);
      c = { key, settings, users: 0, grant: this.local ? settings.cap : 0, inUse: 0, waiting: 0, usage: before?.usage ?? noUsage(), usd: before?.usd ?? 0, ackedUsd: before?.ackedUsd ?? 0 };
      this.consumers.set(key, c);
    } else if (settings.seq > c.settings.seq) {
      c.settings = settings;
    }
    c.users++;
    this.recomputeCeiling();
    this.onChange();
    const consumer = c;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      consumer.users--;
      this.onChange();
    };
  }

  private grantOf(c: Consumer): number {
    if (c.settings.paused) return 0;
    return this.local ? c.settings.cap : Math.min(c.grant, c.settings.cap);
  }

  /** Spent by the run as far as this process knows: the limiter's figure and what it has not acknowledged yet. */
  spentByRun(runId: string): number {
    let usd = this.runUsd.get(runId) ?? 0;
    for (const c of this.consumers.values()) if (c.settings.run_id === runId) usd += c.usd - c.ackedUsd;
    return usd;
  }

  private overBudget(c: Consumer): boolean {
    const budget = c.settings.budget_usd;
    return budget !== undefined && this.spentByRun(c.settings.run_id) >= budget;
  }

  /** Wait for a slot of `key` (registered with `use`). Rejects with the signal's reason on abort. */
  acquire(key: string, signal?: AbortSignal): Promise<Slot> {
    const consumer = this.consumers.get(key);
    if (!consumer) return Promise.reject(new Error(`gate: consumer ${key} is not registered`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        consumer,
        give: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) {
          this.queue.splice(i, 1);
          consumer.waiting--;
        }
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      consumer.waiting++;
      this.pump();
      if (this.queue.includes(waiter)) this.onChange();
    });
  }

  /** Minute windows: drop what is older than a minute; the time until the next entry leaves (or null). */
  private ratesAllow(now: number): { ok: boolean; retryInMs: number | null } {
    while (this.starts.length && this.starts[0] <= now - MINUTE) this.starts.shift();
    while (this.tokens.length && this.tokens[0].at <= now - MINUTE) this.tokens.shift();
    if (this.rpm !== undefined && this.starts.length >= this.rpm) return { ok: false, retryInMs: this.starts[0] + MINUTE - now };
    if (this.tpm !== undefined) {
      const used = this.tokens.reduce((a, t) => a + t.n, 0);
      if (used >= this.tpm) return { ok: false, retryInMs: (this.tokens[0]?.at ?? now) + MINUTE - now };
    }
    return { ok: true, retryInMs: null };
  }

  /** Start every waiter that may start now, oldest first. */
  pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (let i = 0; i < this.queue.length; ) {
      if (this.inUse >= this.limitNow()) return;
      const w = this.queue[i];
      const c = w.consumer;
      if (c.inUse >= this.grantOf(c) || this.overBudget(c)) {
        i++; // this consumer waits; others may go
        continue;
      }
      const now = this.now();
      const rates = this.ratesAllow(now);
      if (!rates.ok) {
        if (rates.retryInMs !== null) this.timer = setTimeout(() => this.pump(), Math.max(10, rates.retryInMs));
        return;
      }
      this.queue.splice(i, 1);
      c.waiting--;
      c.inUse++;
      this.inUse++;
      this.starts.push(now);
      w.give(this.slot(c));
    }
  }

  private slot(c: Consumer): Slot {
    const stamp = this.adaptive.stamp;
    let released = false;
    return {
      release: (outcome, usage) => {
        if (released) return;
        released = true;
        c.inUse--;
        this.inUse--;
        if (outcome === 'ok') this.adaptive.success();
        if (outcome === 'overload') {
          this.adaptive.overload(stamp);
          this.overloads++;
        }
        if (usage) {
          c.usage = addTokens(c.usage, { calls: 1, ...usage });
          c.usd += usdOf(usage, c.settings.price);
          const n = usage.prompt_tokens + usage.completion_tokens;
          if (n > 0) this.tokens.push({ at: this.now(), n });
        }
        // On the next turn: a caller that stops its batch on this outcome (a 401) takes its
        // waiting requests out first, so none of them starts after the failure. The coordinator
        // hears of the change after the slot was given again (it judges starvation then).
        setImmediate(() => {
          this.pump();
          if (usage) this.onChange();
        });
      },
    };
  }

  /** True when a consumer waits for more than it is granted (report soon). */
  get starved(): boolean {
    for (const c of this.consumers.values()) if (c.waiting > 0 && !c.settings.paused && !this.overBudget(c) && c.inUse >= this.grantOf(c)) return true;
    return false;
  }

  /** True when a consumer waits with nothing granted yet (report at once). */
  get needsGrant(): boolean {
    for (const c of this.consumers.values()) if (c.waiting > 0 && !c.settings.paused && this.grantOf(c) === 0 && !this.overBudget(c)) return true;
    return false;
  }

  /**
   * True when requests wait and every consumer they belong to is paused or out
   * of budget: nothing can start until a control changes (the limiter holds
   * the report until then).
   */
  get holding(): boolean {
    let waiting = false;
    for (const c of this.consumers.values()) {
      if (c.waiting === 0) continue;
      waiting = true;
      if (!c.settings.paused && !this.overBudget(c)) return false;
    }
    return waiting;
  }

  /** True when nothing is in use here any more. */
  get idle(): boolean {
    for (const c of this.consumers.values()) if (c.users > 0 || c.inUse > 0) return false;
    return true;
  }

  /**
   * The report for the limiter. Usage is cumulative per consumer since this
   * process started, so a report whose answer was lost (a timeout after the
   * limiter counted it) is not counted twice when the next one goes out.
   */
  report(): GateReport {
    const consumers: ConsumerReport[] = [];
    for (const c of this.consumers.values()) {
      consumers.push({ key: c.key, settings: c.settings, in_use: c.inUse, waiting: c.waiting, active: c.users > 0 || c.inUse > 0, usage: c.usage, usd: c.usd });
    }
    const overloads = this.overloads;
    this.overloads = 0;
    return { adaptive_limit: this.limits.adaptive === false ? 0 : this.adaptive.limit, overloads, limits: this.limits, consumers };
  }

  /** The report did not reach the limiter (or its answer was lost): the next one carries the same totals. */
  reportFailed(r: GateReport): void {
    this.overloads += r.overloads;
  }

  /** Apply the limiter's answer to `report` (the report it answers). */
  grant(g: GateGrant, report?: GateReport): void {
    for (const [runId, usd] of Object.entries(g.run_usd)) this.runUsd.set(runId, usd);
    const reported = new Map((report?.consumers ?? []).map((rc) => [rc.key, rc.usd]));
    for (const c of [...this.consumers.values()]) {
      const acked = reported.get(c.key);
      if (acked !== undefined) c.ackedUsd = acked;
      this.totals.set(c.key, { usage: c.usage, usd: c.usd, ackedUsd: c.ackedUsd });
      const s = g.settings[c.key];
      if (s && s.seq > c.settings.seq) c.settings = s;
      c.grant = g.grants[c.key] ?? 0;
      if (c.users === 0 && c.inUse === 0 && c.waiting === 0 && c.usd === c.ackedUsd) this.consumers.delete(c.key);
    }
    if (!this.local) {
      this.rpm = g.requests_per_minute;
      this.tpm = g.tokens_per_minute;
    }
    this.recomputeCeiling();
    this.pump();
  }
}

/**
 * The one bounded pool: runs work items 0..count-1 with at most `limit`
 * running at once. Model calls (activities/calls.ts, for generation and
 * judging) and sandbox units (activities/sandbox.ts) both go through it.
 *
 * What the two hand-written copies it replaces relied on, kept here:
 *
 * - Items start in order. The limit is read before each start, so it may
 *   change while the pool runs (a caller's live limit; model calls pass all
 *   their items and wait at the endpoint's gate instead, lib/engine/gate.ts,
 *   which carries the task's live controls): a larger limit starts more items
 *   at once, a smaller one starts none until enough have finished — items
 *   running are never cut short. A limit below 1 counts as 1. While `paused`
 *   nothing new starts.
 * - The limit is looked at again when an item finishes, every `recheckMs`
 *   (1 s; a resume or a larger limit comes without an item finishing) and at
 *   abort.
 * - The first failure of an item stops new items from starting; items running
 *   finish (a paid call still gets checkpointed); then the pool rejects with
 *   that first failure. Later failures are dropped.
 * - Abort (the activity's cancellation, or a caller that has to stop, e.g. on
 *   a failed checkpoint write): the same, with the signal's reason as the
 *   failure, unless an item failed first.
 * - No timers of its own beyond the recheck, and no heartbeats: a caller that
 *   heartbeats reads `done` (items finished without failure) on its own clock.
 *
 * No Temporal here: activities pass their cancellation signal and live limit in.
 */

export interface PoolLimit {
  paused: boolean;
  concurrency: number;
}

export interface PoolOptions {
  /** Items at once: a number, or read before each start (live controls). */
  limit: number | (() => PoolLimit);
  /** Once aborted, nothing new starts and the pool rejects with the reason. */
  signal?: AbortSignal;
  /** How often the limit is read again while nothing finishes (ms). */
  recheckMs?: number;
}

export class BoundedPool {
  /** Items finished without failure. */
  done = 0;
  private running = 0;

  constructor(private readonly opts: PoolOptions) {}

  /** Items running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Run work(0) … work(count - 1); resolves when all are done, rejects with the first failure once none runs. */
  async run(count: number, work: (i: number) => Promise<void>): Promise<void> {
    const { signal } = this.opts;
    const limits = (): PoolLimit => (typeof this.opts.limit === 'number' ? { paused: false, concurrency: this.opts.limit } : this.opts.limit());
    let next = 0;
    let failed = false;
    let failure: unknown = undefined;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      failure = e;
    };
    let wake: (() => void) | null = null;
    const pump = () => {
      const { paused, concurrency } = limits();
      while (!failed && !paused && this.running < Math.max(1, concurrency) && next < count) {
        const i = next++;
        this.running++;
        let started: Promise<void>;
        try {
          started = work(i);
        } catch (e) {
          started = Promise.reject(e);
        }
        started
          .then(() => void this.done++, fail)
          .finally(() => {
            this.running--;
            wake?.();
          });
      }
    };
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    const recheck = setInterval(() => wake?.(), this.opts.recheckMs ?? 1000);
    try {
      while (true) {
        if (signal?.aborted) fail(signal.reason);
        pump();
        if (this.running === 0 && (failed || next >= count)) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      clearInterval(recheck);
      signal?.removeEventListener('abort', onAbort);
    }
    if (failed) throw failure;
  }
}

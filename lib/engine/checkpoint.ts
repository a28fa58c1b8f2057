/**
 * The one checkpoint writer: group commit of finished work into JSONL segments
 * in the artifact store (docs/architecture.md, invariants 2 and 3). Model calls
 * (activities/calls.ts: responses under cache/calls/<family>/<block>/) and
 * sandbox units (activities/sandbox.ts: score rows under
 * runs/<run>/<task>/scores/checkpoints/<shard>/) both go through it.
 *
 * What the two hand-written copies it replaces relied on, kept here:
 *
 * - Segments. Each write puts one segment per group (a key prefix: a cache
 *   block, a shard's checkpoint folder) named `<group><name>-<random>-<seq>.jsonl`,
 *   where `name` says who writes (run, task, shard, attempt), `<random>` is
 *   three random bytes in hex (two processes with the same name never overwrite
 *   each other's segments) and `<seq>` counts this writer's segments, six digits.
 *   A segment is never rewritten; readers take all of them (`readSegments`).
 * - Group commit. One write at a time; entries that arrive while a write is
 *   under way go out together in the next one, so a fast producer costs one
 *   store write per batch, not per entry.
 * - When a write starts. Either as soon as an entry waits and no write is
 *   under way (calls: `flushEveryMs` unset), or on a timer (sandbox: every
 *   2 s, `flushEveryMs: 2000`) — and always at `close()`, the final flush.
 *   After `close()` every `add` starts a write at once (late entries, e.g. of
 *   calls still in flight when the producer stopped, are not left behind).
 * - Acknowledgement. `add` returns a promise that settles only once the
 *   entry's segment is written: a caller that counts a unit as done only on
 *   that (calls: a paid response becomes an outcome, a cache hit for later
 *   rounds and a heartbeat `done` only then) can lose at most the units not
 *   yet written when the process dies. A caller that records results only
 *   after `close()` (sandbox: the shard's score rows) may ignore the promise;
 *   its rejection is then not an unhandled one.
 * - A failed write puts its entries back, ahead of those that came in
 *   meanwhile, and the next flush writes them again (the sandbox's fix, commit
 *   622e4ae: before it, one failed write left every later checkpoint of the
 *   attempt unwritten). Their promises stay pending; `onWriteFailed` is told,
 *   and `flush()` rejects. Only once the writer is closed does a failed write
 *   reject the promises of what it held and of everything still queued (and
 *   `close()` rejects with that error): nothing is acknowledged that was not
 *   written, and nothing waits for a write that no one will start.
 * - No abort of its own: a write under way always finishes (the store retries
 *   an unreachable endpoint for a while itself); the caller stops producing
 *   on cancellation and closes the writer.
 *
 * No Temporal here: activities pass the store and the key parts in.
 */
import { randomBytes } from 'node:crypto';
import { parseJsonl } from './store';
import { telemetry } from './telemetry';

/** What the writer and reader need of the artifact store (ArtifactStore has it; unit tests use a map). */
export interface SegmentStore {
  list(prefix: string): Promise<string[]>;
  getText(key: string): Promise<string | null>;
  putJsonl(key: string, rows: readonly unknown[]): Promise<void>;
}

/** Every entry of every segment under these prefixes, in key order per prefix (a later segment's entry comes later). */
export async function readSegments<E>(store: Pick<SegmentStore, 'list' | 'getText'>, prefixes: Iterable<string>): Promise<E[]> {
  const segments = (await Promise.all([...prefixes].map((p) => store.list(p)))).flat();
  const texts = await Promise.all(segments.map((key) => store.getText(key)));
  return texts.flatMap((text) => (text === null ? [] : parseJsonl<E>(text)));
}

export interface CheckpointWriterOptions {
  store: Pick<SegmentStore, 'putJsonl'>;
  /** Who writes, e.g. `<run>-<task>-<shard>-<attempt>`; a random suffix is added. */
  name: string;
  /** Write on this timer (and at close); unset: start a write whenever entries wait and none is under way. */
  flushEveryMs?: number;
  /** Told of each failed write while open (its entries are queued again). */
  onWriteFailed?: (error: unknown) => void;
}

interface Queued<E> {
  group: string;
  entry: E;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class CheckpointWriter<E> {
  /** Segment names: `<group><writer>-<seq>.jsonl`. */
  readonly writer: string;
  private queue: Queued<E>[] = [];
  private running: Promise<void> | null = null;
  private seq = 0;
  private closed = false;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: CheckpointWriterOptions) {
    this.writer = `${opts.name}-${randomBytes(3).toString('hex')}`;
    if (opts.flushEveryMs !== undefined) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), opts.flushEveryMs);
      this.timer.unref(); // a writer never closed (its caller failed) does not keep the process alive
    }
  }

  /** Entries waiting for a write (including those of a write under way). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Queue an entry for the segment of `group`; settles once that segment is written. */
  add(group: string, entry: E): Promise<void> {
    const written = new Promise<void>((resolve, reject) => this.queue.push({ group, entry, resolve, reject }));
    written.catch(() => undefined); // a caller that waits on close() instead need not handle it
    if (this.closed || this.opts.flushEveryMs === undefined) void this.flush().catch(() => undefined);
    return written;
  }

  /**
   * Write what is queued (joining a write under way, which takes whatever is
   * queued before it ends). Rejects when a write fails; while the writer is
   * open its entries are then queued again.
   */
  flush(): Promise<void> {
    if (this.running) return this.running;
    if (!this.queue.length) return Promise.resolve();
    this.running = this.drain();
    return this.running;
  }

  /** Stop the timer and write everything; from now on a failed write rejects what it held and what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running?.catch(() => undefined); // a write begun before: on failure its entries are queued again
    await this.flush();
  }

  private async drain(): Promise<void> {
    // Yield first, so `running` is set before this can end (even on a store that throws at once).
    await null;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        const byGroup = new Map<string, E[]>();
        for (const q of batch) byGroup.set(q.group, [...(byGroup.get(q.group) ?? []), q.entry]);
        const started = performance.now();
        try {
          await Promise.all([...byGroup].map(([group, entries]) => this.opts.store.putJsonl(`${group}${this.writer}-${String(this.seq++).padStart(6, '0')}.jsonl`, entries)));
          telemetry.checkpointWrite((performance.now() - started) / 1000, 'ok');
        } catch (e) {
          telemetry.checkpointWrite((performance.now() - started) / 1000, 'failed');
          if (this.closed) {
            for (const q of [...batch, ...this.queue.splice(0)]) q.reject(e);
          } else {
            this.queue = [...batch, ...this.queue];
            this.opts.onWriteFailed?.(e);
          }
          throw e;
        }
        for (const q of batch) q.resolve();
      }
    } finally {
      this.running = null;
    }
  }
}

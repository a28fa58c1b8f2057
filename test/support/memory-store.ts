/**
 * An in-memory fake of the engine's SegmentStore (lib/engine/checkpoint.ts),
 * for unit tests of the checkpoint writer and the call cache. Integration
 * tests use real MinIO.
 */
import type { SegmentStore } from '../../lib/engine/checkpoint';
import { parseJsonl } from '../../lib/engine/store';

/** A map of key → JSONL text; `failNext` makes that many writes fail; `hold()` keeps writes waiting until released. */
export class MemoryStore implements SegmentStore {
  readonly objects = new Map<string, string>();
  readonly writes: string[] = [];
  failNext = 0;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
    this.gate = null;
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async getText(key: string): Promise<string | null> {
    return this.objects.get(key) ?? null;
  }
  async putJsonl(key: string, rows: readonly unknown[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error(`store down while writing ${key}`);
    }
    this.writes.push(key);
    this.objects.set(key, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  /** Every row of every object; numbers sorted. */
  rows(): number[] {
    return this.entries<number>().sort((a, b) => a - b);
  }
  entries<T>(): T[] {
    return [...this.objects.values()].flatMap((t) => parseJsonl<T>(t));
  }
}

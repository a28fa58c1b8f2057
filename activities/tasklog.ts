import type { ArtifactStore } from '../lib/engine/store';
import { keys } from '../lib/records/keys';
import { log } from '@temporalio/activity';

/**
 * Event log of one activity execution, kept in the store next to the task's
 * artifacts (runs/<id>/<task>/logs/<name>.jsonl) and mirrored to the worker log.
 * Lines are buffered and written once, when the activity ends or fails.
 */
export class TaskLog {
  private readonly lines: string[] = [];
  constructor(
    private readonly store: ArtifactStore,
    private readonly runId: string,
    private readonly task: string,
    private readonly name: string,
  ) {}

  info(msg: string): void {
    this.lines.push(JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg }));
    log.info(`[${this.runId}/${this.task}] ${msg}`);
  }

  warn(msg: string): void {
    this.lines.push(JSON.stringify({ ts: new Date().toISOString(), level: 'warn', msg }));
    log.warn(`[${this.runId}/${this.task}] ${msg}`);
  }

  /** Appends to what earlier attempts wrote, so a retried shard keeps its history. */
  async flush(): Promise<void> {
    if (!this.lines.length) return;
    const key = `${keys.taskLogDir(this.runId, this.task)}${this.name}.jsonl`;
    try {
      const before = (await this.store.getText(key)) ?? '';
      await this.store.putText(key, before + this.lines.join('\n') + '\n', 'application/x-ndjson');
      this.lines.length = 0;
    } catch (e) {
      log.warn(`could not write task log ${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/**
 * sandboxScoreShard: score a shard of a code benchmark (HumanEval,
 * LiveCodeBench, SciCode) by running the model's programs in the sandbox
 * (lib/engine/sandbox/bwrap.ts). Runs on the sandbox task queue, on workers that
 * carry the sandbox plugin — hosts a team may keep apart from the rest.
 *
 * Durable like generation: every executed unit goes into a checkpoint
 * segment (group commit), so a killed worker or a retried shard repeats only
 * the units that were running; the shard's score rows are written last and,
 * when present, are the answer. A failure of the sandbox itself (SandboxError)
 * is retried here a few times and then fails the attempt (Temporal retries
 * it) — it is never written down as a wrong answer.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedTask } from '../lib/records/types';
import type { Sandbox } from '../lib/engine/sandbox/bwrap';
import { SandboxError } from '../lib/engine/sandbox/types';
import { CheckpointWriter, readSegments } from '../lib/engine/checkpoint';
import { beatEveryMs, keepBeating } from '../lib/engine/heartbeat';
import { BoundedPool } from '../lib/engine/pool';
import { keys } from '../lib/records/keys';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import type { GenerationRecord } from '../lib/records/artifacts';
import { benchmarkFor } from './prepare';
import { type PreparedSample } from '../lib/records/artifacts';
import { type ScoreResult, type ShardInput, summarize, unitResponse } from './score';
import { type ScoreRecord } from '../lib/records/artifacts';
import { TaskLog } from './tasklog';

/** Sandbox errors tolerated per unit within one attempt before the attempt fails. */
const UNIT_SANDBOX_RETRIES = 3;

export function sandboxActivities(deps: ActivityDeps, sandbox: Sandbox) {
  const { store } = deps;

  async function sandboxScoreShard(input: ShardInput): Promise<ScoreResult> {
    const { run_id, task, shard } = input;
    const outKey = keys.scoresShard(run_id, task.name, shard);
    const ctx = Context.current();
    const log = new TaskLog(store, run_id, task.name, `sandbox-${String(shard).padStart(5, '0')}`);
    try {
      const done = await store.getJsonl<ScoreRecord>(outKey);
      if (done) return summarize(done);
      const bench = benchmarkFor(task.benchmark);
      if (bench.kind !== 'executed') throw ApplicationFailure.nonRetryable(`${task.name} is not scored by running code; its shards go to scoreShard`, 'InvalidInput');
      const samples = await store.getJsonl<PreparedSample>(keys.samplesShard(run_id, task.name, shard));
      const gens = await store.getJsonl<GenerationRecord>(keys.generationsShard(run_id, task.name, shard));
      if (!samples || !gens) {
        throw ApplicationFailure.nonRetryable(`shard ${shard} of ${task.name} has no ${!samples ? 'samples' : 'generations'} in the store`, 'InvalidInput');
      }
      const byId = new Map(samples.map((s) => [s.id, s]));
      const unitKey = (id: string, repeat: number) => `${id}#${repeat}`;

      // Units executed by earlier attempts.
      const prefix = keys.sandboxCheckpoints(run_id, task.name, shard);
      const finished = new Map<string, ScoreRecord>();
      for (const r of await readSegments<ScoreRecord>(store, [prefix])) finished.set(unitKey(r.sample_id, r.repeat), r);
      if (finished.size) log.info(`shard ${shard}: ${finished.size} units already executed by an earlier attempt`);

      // Group commit of executed units every 2 s and at the end (lib/engine/checkpoint.ts). A failed
      // write puts its units back for the next flush; the final flush's failure fails the attempt:
      // nothing is recorded that was not written.
      const checkpoints = new CheckpointWriter<ScoreRecord>({ store, name: `${ctx.info.attempt}`, flushEveryMs: 2000 });
      const stopBeating = keepBeating((d) => ctx.heartbeat(d), () => ({ done: finished.size, total: gens.length }), beatEveryMs(ctx.info.heartbeatTimeoutMs));

      const todo = gens.filter((g) => !finished.has(unitKey(g.sample_id, g.repeat)));
      const one = async (g: GenerationRecord) => {
        const sample = byId.get(g.sample_id);
        if (!sample) throw ApplicationFailure.nonRetryable(`generation for unknown sample ${g.sample_id} in shard ${shard}`, 'InvalidInput');
        for (let attempt = 1; ; attempt++) {
          try {
            const s = await bench.execute!(unitResponse(g), sample, sandbox.run);
            const row: ScoreRecord = {
              sample_id: g.sample_id,
              repeat: g.repeat,
              subset: sample.subset,
              expected: sample.expected,
              finish_reason: g.finish_reason,
              predicted: s.predicted,
              correct: s.correct,
              ...(s.details ? { details: s.details } : {}),
            };
            finished.set(unitKey(g.sample_id, g.repeat), row);
            void checkpoints.add(prefix, row); // the rows are recorded only after the final flush below
            return;
          } catch (e) {
            if (!(e instanceof SandboxError)) {
              // The benchmark's own error (e.g. SciCode's test data missing on this worker): say it plainly, don't loop.
              throw ApplicationFailure.nonRetryable(`${task.name} sample ${g.sample_id}: ${e instanceof Error ? e.message : String(e)}`, 'InvalidInput');
            }
            if (attempt > UNIT_SANDBOX_RETRIES) throw e;
            log.warn(`sample ${g.sample_id} repeat ${g.repeat}: sandbox failure (${e.message}); retry ${attempt} of ${UNIT_SANDBOX_RETRIES}`);
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
      };
      // A few more units in flight than slots: a unit alternates between sandbox runs and bookkeeping.
      const pool = new BoundedPool({ limit: Math.max(1, sandbox.slots + 1), signal: ctx.cancellationSignal });
      let fatal: unknown = null;
      try {
        await pool.run(todo.length, (i) => one(todo[i]));
      } catch (e) {
        fatal = e;
      } finally {
        stopBeating();
        await checkpoints.close();
      }
      if (fatal !== null) {
        const e: unknown = fatal;
        if (e instanceof SandboxError) {
          log.warn(`shard ${shard}: the sandbox keeps failing (${e.message}); executed units are kept, the shard is retried`);
          throw ApplicationFailure.retryable(`sandbox failure: ${e.message}`, 'SandboxError');
        }
        throw e;
      }
      const rows = gens.map((g) => finished.get(unitKey(g.sample_id, g.repeat))!);
      await store.putJsonl(outKey, rows);
      const passed = rows.filter((r) => r.correct).length;
      log.info(`shard ${shard}: ${rows.length} units executed in the sandbox, ${passed} passed`);
      return summarize(rows);
    } catch (e) {
      toActivityFailure(e);
    } finally {
      await log.flush();
    }
  }

  /**
   * Before a code task makes any model call: this sandbox works (bubblewrap,
   * Python) and has the data the benchmark's programs read. Runs on the
   * sandbox queue, so it also proves a sandbox worker is there.
   */
  async function sandboxPreflight(input: { task: ResolvedTask }): Promise<{ slots: number }> {
    const bench = benchmarkFor(input.task.benchmark);
    try {
      await sandbox.check();
    } catch (e) {
      throw ApplicationFailure.nonRetryable(`the sandbox on this worker cannot run programs: ${e instanceof Error ? e.message : String(e)}`, 'ConfigError');
    }
    for (const d of (bench.kind === 'executed' ? bench.sandboxData : undefined) ?? []) {
      const dir = deps.settings.sandbox.data[d.name];
      const file = dir ? path.join(dir, d.file) : undefined;
      if (!dir || !fs.existsSync(file!)) {
        throw ApplicationFailure.nonRetryable(
          `${input.task.name}: ${dir ? `${file} does not exist` : `${d.setting} is not set on the sandbox worker`}. ${d.hint}`,
          'ConfigError',
        );
      }
      try {
        fs.accessSync(file!, fs.constants.R_OK);
        if ((fs.statSync(file!).mode & 0o004) === 0 && process.getuid?.() === 0) throw new Error('not world-readable');
      } catch (e) {
        throw ApplicationFailure.nonRetryable(
          `${input.task.name}: ${file} is not readable by the sandbox (${e instanceof Error ? e.message : String(e)}); programs run under their own user ids — make it and its directories world-readable (chmod a+r, a+x on the directories)`,
          'ConfigError',
        );
      }
    }
    return { slots: sandbox.slots };
  }

  return { sandboxScoreShard, sandboxPreflight };
}

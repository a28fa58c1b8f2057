/**
 * The chaos suite, small enough for CI (about 2 minutes on 2 cores): 300
 * real samples (79 GSM8K + 221 MMLU-Pro) × 2 repeats, run once undisturbed and
 * once while two evalflow worker processes are SIGKILLed, the Temporal server
 * is restarted, MinIO is down for 5 s and 10 % of endpoint requests fail
 * (429 with and without Retry-After, 500, 503, reset, hang, truncated).
 * Every check of the driver must pass: each unit scored exactly once,
 * results.json identical to the undisturbed run's, and no paid call repeated
 * beyond the responses a SIGKILL caught between the endpoint and the cache.
 * `npm run chaos` runs the full version. Reads EVALFLOW_DATASETS_DIR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from '../chaos/driver';
import { datasetsDir } from '../support/harness';

test('chaos: worker SIGKILLs, a Temporal restart, a MinIO outage and endpoint faults change nothing', { timeout: 300_000 }, async () => {
  const lines: string[] = [];
  const report = await runChaos({
    samples: 300,
    repeats: 2,
    seed: 7,
    workerKillEverySec: [8, 14],
    maxWorkerKills: 2,
    temporalRestarts: 1,
    minioOutageSec: 5,
    faultRate: 0.1,
    datasetsDir: datasetsDir(),
    latencyMs: 250,
    parallelism: 4,
    shardSize: 50,
    log: (line) => lines.push(line),
  });
  const failed = report.checks.filter((c) => !c.ok);
  assert.deepEqual(failed, [], `${report.text}\n\nlog:\n${lines.join('\n')}`);
  assert.equal(report.units, 600);
  assert.equal(report.disruptions.workerKills, 2);
  assert.equal(report.disruptions.temporalRestarts, 1);
  assert.equal(report.disruptions.minioOutages, 1);
  assert.ok(Object.values(report.disturbed.faults).reduce((a, b) => a + b, 0) > 0, 'faults were injected');
  assert.equal(report.surplus.unexplained, 0, 'no completed call paid twice');
  assert.ok(report.surplus.explainedByKills <= 2 * report.surplus.concurrencyPerKill);
  assert.ok(report.resultsIdentical);
  console.log(report.text);
});

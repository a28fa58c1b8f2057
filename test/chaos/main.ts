/**
 * The chaos suite from the command line:
 *
 *   node dist/test/chaos/main.js [--samples N] [--repeats N] [--seed N] [--full] [--keep]
 *
 * Without --full: the small version CI runs (300 samples × 2, two worker
 * kills, one Temporal restart, a 5 s MinIO outage, 10 % faults). With --full:
 * 5,000 samples (all 1,319 GSM8K + 3,681 MMLU-Pro) × 2 repeats, a worker
 * SIGKILLed every 20–40 s, two Temporal restarts, a 30 s MinIO outage, 10 %
 * faults. Prints the report; exits 1 when a check fails.
 * Reads real benchmark data from EVALFLOW_DATASETS_DIR (default ../shared/datasets).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runChaos, type ChaosOptions } from './driver';

const REPO = path.resolve(__dirname, '..', '..', '..');

function parseArgs(argv: string[]): { full: boolean; keep: boolean; samples?: number; repeats?: number; seed?: number } {
  const out: { full: boolean; keep: boolean; samples?: number; repeats?: number; seed?: number } = { full: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} takes a positive whole number`);
      return v;
    };
    if (a === '--full') out.full = true;
    else if (a === '--keep') out.keep = true;
    else if (a === '--samples') out.samples = num();
    else if (a === '--repeats') out.repeats = num();
    else if (a === '--seed') out.seed = num();
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/test/chaos/main.js [--samples N] [--repeats N] [--seed N] [--full] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const datasetsDir = process.env.EVALFLOW_DATASETS_DIR || path.resolve(REPO, '..', 'shared', 'datasets');
  if (!fs.existsSync(datasetsDir)) {
    console.error(`no benchmark data at ${datasetsDir}: set EVALFLOW_DATASETS_DIR to the shared datasets folder`);
    return 2;
  }
  process.env.HF_HUB_OFFLINE = process.env.HF_HUB_OFFLINE || '1';
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const opts: ChaosOptions = args.full
    ? { samples: 5000, repeats: 2, seed: 1, workerKillEverySec: [20, 40], temporalRestarts: 2, minioOutageSec: 30, faultRate: 0.1, datasetsDir, log, latencyMs: 150, parallelism: 8, shardSize: 200 }
    : { samples: 300, repeats: 2, seed: 1, workerKillEverySec: [8, 14], maxWorkerKills: 2, temporalRestarts: 1, minioOutageSec: 5, faultRate: 0.1, datasetsDir, log, latencyMs: 250, parallelism: 4, shardSize: 50 };
  if (args.samples !== undefined) opts.samples = args.samples;
  if (args.repeats !== undefined) opts.repeats = args.repeats;
  if (args.seed !== undefined) opts.seed = args.seed;
  opts.keepDir = args.keep;
  const report = await runChaos(opts);
  console.log('\n' + report.text);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exit(2);
  },
);

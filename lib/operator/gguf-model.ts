/**
 * The real GGUF model evalflow's tests and `npm run quickstart -- --real-model`
 * use: Gemma 3 270M, the BASE model (not instruction-tuned), Q4_K_M, 253 MB,
 * under the Gemma Terms of Use. scripts/setup-model.sh downloads and checks it
 * into <cacheDir>/models; it is never committed. A base model this small
 * answers almost nothing right: it exercises real tokens, latency, truncation
 * and unparseable answers, not a measure of anything (README, "Evaluate a
 * GGUF on this machine").
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSettings } from '../config/settings';
import { EvalflowError } from '../records/errors';

export const TEST_MODEL_FILE = 'gemma-3-270m-q4_k_m.gguf';
/** The name `evalflow serve-gguf` serves it under (the file's base name). */
export const TEST_MODEL_NAME = 'gemma-3-270m-q4_k_m';
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SETUP_MODEL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'setup-model.sh');

export function testModelPath(cacheDir = loadSettings().cacheDir): string {
  return path.join(cacheDir, 'models', TEST_MODEL_FILE);
}

/** True when setup-model.sh has assembled and checked the file (its .sha256 stamp is there). */
export function testModelInstalled(cacheDir = loadSettings().cacheDir): boolean {
  const p = testModelPath(cacheDir);
  return fs.existsSync(p) && fs.existsSync(`${p}.sha256`);
}

/** Runs scripts/setup-model.sh (skipped when the model is there); returns the model's path. */
export function installTestModel(settings = loadSettings()): string {
  const r = spawnSync('bash', [SETUP_MODEL_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, EVALFLOW_CACHE_DIR: settings.cacheDir } });
  if (r.error) throw new EvalflowError(`cannot run ${SETUP_MODEL_SCRIPT}: ${r.error.message}`, { kind: 'setup', retryable: false });
  if (r.status !== 0) throw new EvalflowError(`${SETUP_MODEL_SCRIPT} failed (exit ${r.status}); see its message above`, { kind: 'setup', retryable: false });
  return testModelPath(settings.cacheDir);
}

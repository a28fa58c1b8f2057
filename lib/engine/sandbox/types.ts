/**
 * The sandbox contract: what a benchmark asks to run, and what it gets back.
 * Implemented by lib/engine/sandbox/bwrap.ts (bubblewrap); benchmarks see only this.
 */
import { EvalflowError } from '../../records/errors';

export interface SandboxJob {
  /**
   * Files placed in the job's working directory (read-only for the program),
   * by relative path, e.g. { 'main.py': code, 'harness.py': harness }.
   */
  files: Record<string, string>;
  /** Command and arguments, run in the working directory, e.g. ['python3', 'main.py']. */
  command: string[];
  /** Standard input (default: empty). */
  stdin?: string;
  /** Wall-clock limit in milliseconds; the CPU-time limit follows from it. */
  timeoutMs: number;
  /** Address-space limit in MiB (default: the worker's setting, 2048). */
  memoryMb?: number;
  /**
   * Named read-only data the program may read (e.g. 'scicode' → the directory
   * holding SciCode's test_data.h5), when the worker has it configured. The
   * program finds its path in the environment variable EVALFLOW_DATA_<NAME>
   * (upper case, e.g. EVALFLOW_DATA_SCICODE); absent when not configured.
   */
  data?: string[];
}

/**
 * How a program ended. `ok`: exit status 0. `runtime_error`: non-zero exit or
 * killed by a signal (e.g. out of memory). `timeout`: wall or CPU limit hit.
 * `output_limit`: wrote more than the output bound and was stopped.
 */
export type SandboxStatus = 'ok' | 'runtime_error' | 'timeout' | 'output_limit';

export interface SandboxResult {
  status: SandboxStatus;
  exitCode: number | null;
  signal: string | null;
  /** Captured output, truncated at the bound (see `truncated`). */
  stdout: string;
  stderr: string;
  truncated: boolean;
  wallMs: number;
}

/** Runs one program in a fresh sandbox. Throws SandboxError when the sandbox itself failed. */
export type SandboxRunner = (job: SandboxJob) => Promise<SandboxResult>;

/** The sandbox itself broke (not the program): retried, never scored as a wrong answer. */
export class SandboxError extends EvalflowError {
  constructor(message: string) {
    super(message, { kind: 'sandbox', retryable: true });
  }
}

/** Per-test-case outcome stored with each scored unit (`details.tests`). */
export type TestStatus = 'passed' | 'wrong_answer' | 'timeout' | 'runtime_error' | 'not_run';

export interface TestCaseResult {
  /** Index of the test case within the sample's tests. */
  test: number;
  status: TestStatus;
  /** Short reason (first lines of a traceback, expected vs got), bounded. */
  detail?: string;
  wall_ms?: number;
}

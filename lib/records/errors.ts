/**
 * One error model (docs/architecture.md, invariant 5). Every error evalflow
 * raises on purpose is an EvalflowError: it says what kind of problem it is
 * and whether trying again can help. Activities turn it into a Temporal
 * failure in one place (activities/errors.ts); the CLI prints its message as
 * it is. Plain `Error`s are bugs or third-party failures.
 */

export type ErrorKind =
  /** a config or setting a person must fix */
  | 'config'
  /** a suite input or stored state that cannot be used as it is */
  | 'input'
  /** benchmark data: missing, unreadable, malformed, not authorised */
  | 'dataset'
  /** the model or judge endpoint */
  | 'endpoint'
  /** the artifact store */
  | 'store'
  /** the code sandbox itself (not the program in it) */
  | 'sandbox'
  /** the math grader process */
  | 'grader'
  /** a host that lacks something it needs (a binary, a venv, a free port) */
  | 'setup'
  /** report, compare, gate, export */
  | 'analysis';

export class EvalflowError extends Error {
  readonly kind: ErrorKind;
  /** True when the same operation may succeed later (a flaky endpoint, a store restart). */
  readonly retryable: boolean;

  constructor(message: string, opts: { kind: ErrorKind; retryable: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.kind = opts.kind;
    this.retryable = opts.retryable;
  }
}

/**
 * Failure types the workflows never retry (activity retry policies'
 * nonRetryableErrorTypes): the EvalflowErrors that are never retryable, by
 * class name, and the types activities give their own ApplicationFailures. One
 * list. A class that may go either way (DatasetError: a missing file is
 * permanent, a Hub outage is not) is not listed: its flag decides when the
 * activity turns it into a failure (activities/errors.ts).
 */
export const NON_RETRYABLE_TYPES: readonly string[] = [
  'ConfigError',
  'PermanentEndpointError',
  'StoreAccessError',
  'MathGraderSetupError',
  'InvalidInput',
  'RunIdentityConflict',
  'TaskFailed',
];

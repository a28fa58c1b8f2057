/**
 * The one conversion from evalflow's errors to Temporal failures
 * (lib/records/errors.ts): an EvalflowError becomes an ApplicationFailure of
 * its class name, non-retryable unless the error says trying again can help.
 * An ApplicationFailure passes through; anything else (a bug, a library's
 * error) is rethrown as it is and retried by the activity's policy.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { EvalflowError } from '../lib/records/errors';

export function toActivityFailure(e: unknown): never {
  if (e instanceof ApplicationFailure) throw e;
  if (e instanceof EvalflowError) {
    throw ApplicationFailure.create({
      message: e.message,
      type: e.name,
      nonRetryable: !e.retryable,
      ...(e.cause instanceof Error ? { cause: e.cause } : {}),
    });
  }
  throw e;
}

/**
 * What activities need from their process: the artifact store and settings.
 * Built once per worker; nothing here is shared state between activities
 * beyond the store client (a second worker on another host sees the same
 * store and nothing else).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ArtifactStore, StoreAccessError } from '../lib/engine/store';
import { loadSettings, type Settings } from '../lib/config/settings';

export interface ActivityDeps {
  store: ArtifactStore;
  settings: Settings;
}

export function defaultDeps(overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  const settings = overrides.settings ?? loadSettings();
  // Workers ride out a store outage of a few minutes instead of failing the shard.
  return { settings, store: overrides.store ?? new ArtifactStore(settings.storage, { retryForMs: 180_000 }) };
}

/** Failure types the workflows never retry. */
export const NON_RETRYABLE = ['ConfigError', 'DatasetError', 'PermanentEndpointError', 'StoreAccessError', 'InvalidInput'];

/** Turn a store access error into a non-retryable failure with its message. */
export function rethrowStore(e: unknown): never {
  if (e instanceof StoreAccessError) throw ApplicationFailure.nonRetryable(e.message, 'StoreAccessError');
  throw e;
}

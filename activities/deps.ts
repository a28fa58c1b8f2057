/**
 * What activities need from their process: the artifact store and settings.
 * Built once per worker; nothing here is shared state between activities
 * beyond the store client (a second worker on another host sees the same
 * store and nothing else).
 */
import { ArtifactStore } from '../lib/engine/store';
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

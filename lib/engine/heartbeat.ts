/**
 * The one heartbeat clock for long activities (generation, judging, the
 * sandbox). Heartbeats go out on a clock, not per unit: cheap at thousands of
 * calls a second, and a shard that waits on a slow model, on the store or on
 * a benchmark's own I/O between the rounds of multi-call units still shows it
 * is alive. The beat itself is the activity's (`Context.heartbeat`), given
 * here as a callback: no Temporal in the engine.
 */

/** A third of the heartbeat timeout, between 0.5 s and 2 s (2 s for any timeout of 6 s or more; 30 s when unset). */
export function beatEveryMs(heartbeatTimeoutMs: number | undefined): number {
  return Math.max(500, Math.min(2_000, (heartbeatTimeoutMs ?? 30_000) / 3));
}

/** Beat once now with `details()` (the progress), then every `everyMs`; returns stop. */
export function keepBeating(beat: (details: unknown) => void, details: () => unknown, everyMs: number): () => void {
  beat(details());
  const timer = setInterval(() => beat(details()), everyMs);
  return () => clearInterval(timer);
}

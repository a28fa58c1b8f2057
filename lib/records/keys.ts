/**
 * Where every artifact lives in the store: the one place that names keys.
 * Depends on nothing; every layer reads it.
 */

/** Deterministic artifact keys (docs/architecture.md, "Artifacts"). */
export const keys = {
  run: (runId: string) => `runs/${runId}/`,
  runConfig: (runId: string) => `runs/${runId}/run_config.yaml`,
  metadata: (runId: string) => `runs/${runId}/metadata.json`,
  /** Where the run's deployment serves (docs/architecture.md, "Deployments"). */
  deployment: (runId: string, name?: 'judge') => `runs/${runId}/deployment${name ? `-${name}` : ''}.json`,
  runLog: (runId: string) => `runs/${runId}/logs/stdout.log`,
  task: (runId: string, task: string) => `runs/${runId}/${task}/`,
  samplesManifest: (runId: string, task: string) => `runs/${runId}/${task}/samples/manifest.json`,
  samplesShard: (runId: string, task: string, shard: number) => `runs/${runId}/${task}/samples/${shardName(shard)}`,
  generationsShard: (runId: string, task: string, shard: number) =>
    `runs/${runId}/${task}/generations/${shardName(shard)}`,
  judgementsShard: (runId: string, task: string, shard: number) => `runs/${runId}/${task}/judgements/${shardName(shard)}`,
  scoresShard: (runId: string, task: string, shard: number) => `runs/${runId}/${task}/scores/${shardName(shard)}`,
  /** Units of a shard already executed in the sandbox, in checkpoint segments (a retried shard skips them). */
  sandboxCheckpoints: (runId: string, task: string, shard: number) => `runs/${runId}/${task}/scores/checkpoints/${shardName(shard).replace('.jsonl', '')}/`,
  results: (runId: string, task: string) => `runs/${runId}/${task}/results.json`,
  metrics: (runId: string, task: string) => `runs/${runId}/${task}/metrics.json`,
  taskLog: (runId: string, task: string) => `runs/${runId}/${task}/logs/events.jsonl`,
  taskLogDir: (runId: string, task: string) => `runs/${runId}/${task}/logs/`,
  /** Hub datasets, cached for every worker and run (a run never downloads twice). */
  dataset: (repo: string, config: string, split: string) => `cache/datasets/${repo}/${config}/${split}.jsonl`,
  /** Results of a conversation's external I/O (web search, embeddings), by benchmark and key hash. */
  toolCache: (benchmark: string, keyHash: string) => `cache/tools/${benchmark}/${keyHash.slice(0, 2)}/${keyHash}.json`,
  /** Checkpoint segments of the content-addressed response cache, shared by all runs (activities/calls.ts). */
  callCacheBlock: (family: string, block: number) => `cache/calls/${family}/${String(block).padStart(6, '0')}/`,
};

export function shardName(shard: number): string {
  return `shard-${String(shard).padStart(5, '0')}.jsonl`;
}

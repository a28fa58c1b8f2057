/**
 * prepare: dataset → prompts → sample shards in the store. Returns counts
 * only (invariant 1). Idempotent: the manifest is written last and, when
 * present, is the answer.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { getBenchmark } from '../benchmarks/index';
import type { PromptOptions } from '../lib/records/benchmark-data';
import type { ChatMessage, Sample, ToolSpec } from '../lib/records/messages';
import { loadDataset, loadDatasetFiles, type LoadedDataset } from '../lib/engine/datasets';
import { canonicalJson, sha256 } from '../lib/engine/hash';
import { parseJsonl } from '../lib/engine/store';
import { keys } from '../lib/records/keys';
import type { ExecutionSettings, ResolvedTask } from '../lib/records/types';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './errors';
import { TaskLog } from './tasklog';
import type { PreparedSample, PrepareResult } from '../lib/records/artifacts';

/** The prompt options of a task, as its benchmark module sees them. */
export function promptOptions(task: ResolvedTask): PromptOptions {
  return { promptConfig: task.params.prompt_config, systemPrompt: task.params.system_prompt, benchmarkArgs: task.params.benchmark_args };
}

export interface PrepareInput {
  run_id: string;
  task: ResolvedTask;
  execution: ExecutionSettings;
}

export function benchmarkFor(name: string) {
  const b = getBenchmark(name);
  if (!b) {
    throw ApplicationFailure.nonRetryable(
      `benchmark '${name}' is not registered on this worker; run 'evalflow ls tasks' to see the available ones, ` +
        `or register a custom benchmark through the plugin options`,
      'ConfigError',
    );
  }
  return b;
}

/**
 * Where each shard starts: every `perShard` rows, except that rows of one
 * group (Benchmark.shardGroup) stay together — a shard runs on past
 * `perShard` until its group ends.
 */
export function shardStarts(rows: readonly Record<string, unknown>[], perShard: number, group?: (raw: Record<string, unknown>) => string | undefined): number[] {
  const starts: number[] = [];
  let start = 0;
  for (let i = 0; i < rows.length; i++) {
    if (i === 0) {
      starts.push(0);
      continue;
    }
    if (i - start < perShard) continue;
    const g = group?.(rows[i]);
    if (g !== undefined && g === group?.(rows[i - 1])) continue;
    starts.push(i);
    start = i;
  }
  return starts;
}

export function prepareActivities(deps: ActivityDeps) {
  const { store, settings } = deps;

  async function prepareTask(input: PrepareInput): Promise<PrepareResult> {
    const { run_id, task } = input;
    const manifestKey = keys.samplesManifest(run_id, task.name);
    try {
      const existing = await store.getJson<PrepareResult>(manifestKey);
      if (existing) return existing;
    } catch (e) {
      toActivityFailure(e);
    }
    const bench = benchmarkFor(task.benchmark);
    const log = new TaskLog(store, run_id, task.name, 'prepare');
    try {
      let loaded: LoadedDataset | undefined;
      const split = task.params.dataset_split ?? bench.dataset.split;
      // Rows a multi-file module builds may depend on the task's ++args (BFCL's ++bfcl_agentic): part of the cache key.
      const args = bench.dataset.readRows && task.params.benchmark_args ? `-${sha256(canonicalJson(task.params.benchmark_args)).slice(0, 12)}` : '';
      const sharedKey = keys.dataset(bench.dataset.hfRepo, bench.dataset.hfConfig, `${split}${args}`);
      if (!task.dataset_dir) {
        // A Hub download any worker made before, kept in the store for all workers.
        const text = await store.getText(sharedKey);
        if (text !== null) loaded = { rows: parseJsonl(text), origin: 'hub-cache', location: store.uri(sharedKey), sha256: sha256(text) };
      }
      if (!loaded) {
        try {
          const opts = {
            datasetDir: task.dataset_dir,
            fallbackDir: settings.datasetsDir,
            cacheDir: settings.cacheDir,
            hfToken: settings.hub.token,
            offline: settings.hub.offline,
            log: (m: string) => log.info(m),
          };
          loaded = bench.dataset.readRows ? await loadDatasetFiles(bench.dataset, opts, split, promptOptions(task)) : await loadDataset(bench.dataset, opts);
        } catch (e) {
          // A missing file, a refused token or bad data fails at once; a Hub outage is retried (DatasetError says which).
          toActivityFailure(e);
        }
      }
      if ((loaded.origin === 'hub' || loaded.origin === 'hub-cache') && !loaded.location.startsWith('s3://') && !(await store.exists(sharedKey))) {
        await store.putJsonl(sharedKey, loaded.rows);
        log.info(`dataset ${bench.dataset.hfRepo} cached in ${store.uri(sharedKey)} for all workers`);
      }
      log.info(`dataset ${bench.dataset.hfRepo} from ${loaded.origin}: ${loaded.location} (${loaded.rows.length} rows, sha256 ${loaded.sha256.slice(0, 12)})`);
      const limit = task.params.limit_samples;
      // Each kept row's position in the data as loaded, for messages about a malformed row.
      const positions: number[] = [];
      const accepted = loaded.rows.filter((r, i) => (!bench.accept || bench.accept(r)) && positions.push(i) > 0);
      if (accepted.length !== loaded.rows.length) log.info(`${accepted.length} of ${loaded.rows.length} rows kept by the benchmark's filter`);
      const rows = limit !== undefined ? accepted.slice(0, limit) : accepted;
      const repeats = task.params.num_repeats;
      const perShard = Math.max(1, Math.floor(task.shard_size / repeats));
      const starts = shardStarts(rows, perShard, bench.shardGroup);
      const shards = starts.length;
      const options = promptOptions(task);
      // Shard by shard, so only one shard's prompts are built at a time.
      for (let s = 0; s < shards; s++) {
        const from = starts[s];
        const to = s + 1 < shards ? starts[s + 1] : rows.length;
        const shard: PreparedSample[] = rows.slice(from, to).map((raw, i) => {
          const index = from + i;
          let sample: Sample;
          let messages: ChatMessage[];
          let tools: ToolSpec[] | undefined;
          try {
            sample = bench.toSample(raw, index);
            messages = bench.prompt(sample, options);
            tools = bench.tools?.(sample, options);
          } catch (e) {
            // Bad data does not get better with retries: fail at once, naming where it is.
            throw ApplicationFailure.nonRetryable(
              `${task.name}: record ${positions[index]} (0-based) of ${loaded!.location} cannot be used: ${e instanceof Error ? e.message : String(e)}. ` +
                `Fix the data (or point dataset_dir at a good copy) and run 'evalflow resume ${run_id}'; nothing was sent to the model.`,
              'DatasetError',
            );
          }
          if (tools?.length && task.endpoint.type !== 'chat') {
            throw ApplicationFailure.nonRetryable(
              `${task.name} offers the model native tools, which only a chat endpoint (…/v1/chat/completions) takes; ` +
                `point target.api_endpoint.url at one, or use prompt mode (extra.args: ++use_client_parsing=True)`,
              'ConfigError',
            );
          }
          return { ...sample, index, messages, ...(tools?.length ? { tools } : {}) };
        });
        await store.putJsonl(keys.samplesShard(run_id, task.name, s), shard);
      }
      const result: PrepareResult = {
        samples: rows.length,
        repeats,
        shards,
        samples_per_shard: perShard,
        units: rows.length * repeats,
        dataset: { origin: loaded.origin, location: loaded.location, sha256: loaded.sha256 },
      };
      await store.putJson(manifestKey, result);
      log.info(`prepared ${result.samples} samples × ${repeats} repeats in ${shards} shards`);
      return result;
    } catch (e) {
      toActivityFailure(e);
    } finally {
      await log.flush();
    }
  }

  return { prepareTask };
}

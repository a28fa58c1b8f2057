/**
 * Messages that cross the Temporal boundary (workflow inputs/outputs, activity
 * inputs/outputs). They carry keys, counts and small settings only, never
 * samples: prompts, responses and scores live in the artifact store.
 */
import type { EndpointLimits } from './limits';

/** Endpoint settings for one model (target or judge). Secrets are named, never carried. */
export interface EndpointSpec {
  /** Full URL as in NeMo configs, e.g. http://host:8000/v1/chat/completions */
  url: string;
  model_id: string;
  /** 'chat' → /chat/completions, 'completions' → /completions. Derived from the URL when not given. */
  type: 'chat' | 'completions';
  /** Name of the environment variable holding the API key; read by workers at call time. */
  api_key_name?: string;
  /** The endpoint's limits (`execution.endpoint_limits`), honoured by every worker and run (lib/records/limits.ts). */
  limits?: EndpointLimits;
  /**
   * Served by the run's deployment (`deployment:`): `url` is nominal; activities
   * call the address the deployment reported (runs/<run>/deployment.json).
   */
  deployed?: boolean;
  /** Which of the run's deployments serves it: absent = the model's (`deployment:`), 'judge' = `auxiliary_deployments.judge` (runs/<run>/deployment-judge.json). */
  deployment?: DeploymentName;
}

/** The run's deployments besides the model's (`auxiliary_deployments:`, as NeMo Evaluator launcher names them); only the judge today. */
export type DeploymentName = 'judge';

export type DeploymentType = 'vllm' | 'sglang' | 'nim' | 'generic' | 'llama_cpp';

/** The run's `deployment:` section, resolved (lib/config/deployment.ts): what a deploy worker starts. */
export interface DeploymentSpec {
  type: DeploymentType;
  served_model_name: string;
  port: number;
  /** Seconds to wait for GET /v1/models to answer. */
  ready_timeout: number;
  container: 'auto' | 'docker' | 'apptainer' | 'none';
  /** Variables set for the server (values from the config: no secrets there, workers' own variables pass through). */
  env: Record<string, string>;
  image?: string;
  command?: string;
  checkpoint_path?: string;
  hf_model_handle?: string;
  tensor_parallel_size?: number;
  pipeline_parallel_size?: number;
  data_parallel_size?: number;
  gpu_memory_utilization?: number;
  extra_args?: string;
  file?: string;
  parallel?: number;
  context_size?: number;
  threads?: number;
  /** Deploy worker queue; default "<queue>-deploy". */
  task_queue?: string;
}

/** Where a deployment serves, as its deploy worker reported it (runs/<run>/deployment.json; the suite's deploymentReady signal). */
export interface DeploymentAddress {
  /** Which deployment: absent = the model's, 'judge' = the judge's. */
  name?: DeploymentName;
  /** Base URL, e.g. http://10.0.0.5:8000/v1 */
  base_url: string;
  host: string;
  port: number;
  /** The deployModel activity's attempt that serves it (a restart elsewhere has a higher one). */
  attempt: number;
  /** The suite execution (Temporal run id) the attempt belongs to: a resumed run counts attempts anew. */
  execution?: string;
  /** starting: a (re)start is under way, the old address is gone; ready: serving; stopped: the run ended. */
  state: 'starting' | 'ready' | 'stopped';
  pid?: number;
  mode?: string;
  command?: string;
  worker?: string;
  at: string;
}

/**
 * A price of one endpoint (`execution.pricing[]`): USD per million prompt and
 * completion tokens (reasoning tokens are completion tokens). Matched to an
 * endpoint by model_id, and by url too when the entry gives one.
 */
export interface PriceEntry {
  model_id: string;
  url?: string;
  input_per_million: number;
  output_per_million: number;
}

/** Token usage of a set of model (or judge) responses; lib/engine/cost.ts adds and prices it. */
export interface TokenUsage {
  /** Responses counted (paid in this run or replayed from the cache). */
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Part of completion_tokens. */
  reasoning_tokens: number;
}

/**
 * Tokens and cost of one task (results.json `results.tasks.<task>.usage`, metrics.json `usage`),
 * or of a run (metadata.json `usage`, summed over its tasks). Counts every response the results are
 * computed from — paid in this run or replayed from the response cache; `replayed_calls` says how
 * many were replayed. Costs use execution.pricing; a cost is absent when an endpoint has no price.
 */
export interface TaskUsage {
  model: TokenUsage;
  /** Judged tasks: the judge's replies (re-asks included). */
  judge?: TokenUsage;
  /** Of the calls counted, those whose responses came from the cache instead of the endpoint. */
  replayed_calls: { model: number; judge?: number };
  model_cost_usd?: number;
  judge_cost_usd?: number;
  /** Model + judge; present only when every endpoint the task called has a price. */
  cost_usd?: number;
}

/** Generation settings of one task, after config defaults, task overrides and benchmark defaults. */
export interface GenerationParams {
  limit_samples?: number;
  parallelism: number;
  max_new_tokens?: number;
  temperature?: number;
  top_p?: number;
  /** Seconds per request before it counts as a timeout (transient). */
  request_timeout: number;
  /** Retries per request for transient errors, after the first attempt. */
  max_retries: number;
  num_repeats: number;
  /** NeMo-Skills prompt config (from `++prompt_config=` in extra args, or `extra.prompt_config`). */
  prompt_config?: string;
  system_prompt?: string;
  /** `++key=value` args of extra.args the benchmark module interprets (e.g. BFCL's use_client_parsing). */
  benchmark_args?: Record<string, string>;
  /** `extra.dataset_split`, for benchmarks with several splits (e.g. LiveCodeBench releases). */
  dataset_split?: string;
  /** Extra request body fields (adapter payload modifier `params_to_add`). */
  extra_body?: Record<string, unknown>;
}

/** An LLM judge of a task (`params.extra.judge`), resolved like the target endpoint. */
export interface JudgeSettings {
  endpoint: EndpointSpec;
  parallelism: number;
  temperature?: number;
  top_p?: number;
  max_new_tokens?: number;
  request_timeout: number;
  max_retries: number;
  /** The execution.pricing entry matching the judge endpoint, when one does. */
  price?: PriceEntry;
}

/** One task as the workflows run it. Small: settings only. */
export interface ResolvedTask {
  /** Task name as in the config (and NeMo's catalogue). */
  name: string;
  /** Benchmark module that implements it (usually equal to name). */
  benchmark: string;
  endpoint: EndpointSpec;
  params: GenerationParams;
  /** Local dataset directory for this task (config `dataset_dir`), if set. */
  dataset_dir?: string;
  /** Units (sample × repeat) per shard. */
  shard_size: number;
  /** Present when the benchmark is judged: the judge endpoint and its settings. */
  judge?: JudgeSettings;
  /** True when responses are scored by running code: scoring goes to the sandbox task queue. */
  sandbox?: boolean;
  /** The execution.pricing entry matching the model endpoint, when one does (lib/engine/cost.ts prices usage with it). */
  price?: PriceEntry;
}

/** evalflow's own execution settings (`execution:` in the YAML). */
export interface ExecutionSettings {
  /** How many task workflows run at the same time. */
  task_parallelism: number;
  /** Shards of one task generated at the same time. */
  shard_parallelism: number;
  /** Units (sample × repeat) per shard. */
  shard_size: number;
  /** Seconds without a heartbeat before a generation shard is retried elsewhere. */
  heartbeat_timeout: number;
  /** Attempts of a failing generation shard (each attempt resumes from the cache). */
  activity_attempts: number;
  /** Task queue of the judge activities; default: the workflow's queue + "-judge". */
  judge_task_queue?: string;
  /** Task queue of the sandbox activities (code execution); default: the workflow's queue + "-sandbox". */
  sandbox_task_queue?: string;
  /** Seconds a code task waits for a sandbox worker (its preflight) before failing; default 600. */
  sandbox_wait?: number;
  /** Spending limit of the run in USD (`execution.budget_usd`): the run pauses when it is reached. */
  budget_usd?: number;
  /** Prices of the model and judge endpoints (`execution.pricing`). */
  pricing?: PriceEntry[];
}

/**
 * Input of the `evaluationSuite` workflow: the documented JSON another
 * service passes to `temporal workflow start --input-file`. `config` is the
 * NeMo-Evaluator-format config object (overrides already applied); the worker
 * validates it again and fails the run with a readable, non-retryable error.
 */
export interface SuiteInput {
  /**
   * The run id. It is always the suite's workflow id (artifacts go under
   * runs/<workflow id>/); it may be left out, and a value that differs from
   * the workflow id is refused (docs/architecture.md, run identity).
   */
  run_id?: string;
  /** Name shown in listings (the config file's base name); optional. */
  config_name?: string;
  config: Record<string, unknown>;
  /** Keep only these tasks (like `-t`). */
  tasks?: string[];
  /**
   * Set evalflow's search attributes (lib/records/search-attributes.ts) on the run's
   * workflows. The CLI sets it when the namespace has them registered; leave
   * it out when starting runs on a namespace that does not.
   */
  search_attributes?: boolean;
  /**
   * A budget (USD) that replaces `execution.budget_usd` without changing the
   * config (and so the run's identity): what `evalflow resume RUN --budget N` passes.
   */
  budget_usd?: number;
}

/** A suite input whose run id is set (what the CLI and the typed client build). */
export type IdentifiedSuiteInput = SuiteInput & { run_id: string };

/** Live controls of a running task (signals pause / resume / setParallelism). */
export interface TaskControl {
  paused: boolean;
  /** Total concurrent requests of the task. */
  parallelism: number;
  /** What a shard is given: the task's parallelism (kept for clients; it bounds all shards together at the endpoint's gate). */
  shard_concurrency: number;
  judge_concurrency: number;
}

/** What `initRun` returns to the suite workflow. */
export interface RunPlan {
  run_id: string;
  config_name: string;
  tasks: ResolvedTask[];
  execution: ExecutionSettings;
  /** The model server the run starts before its tasks (`deployment:`), when it has one. */
  deployment?: DeploymentSpec;
  /** The judge's server the run starts beside it (`auxiliary_deployments.judge`), when it has one. */
  judge_deployment?: DeploymentSpec;
}

export interface TaskInput {
  run_id: string;
  task: ResolvedTask;
  execution: ExecutionSettings;
  config_name?: string;
  search_attributes?: boolean;
  /** Controls the suite had when it started this task (a pause or parallelism change made earlier). */
  control?: { paused: boolean; parallelism?: number; budget_usd?: number };
}

export type TaskPhase = 'pending' | 'preparing' | 'generating' | 'scoring' | 'aggregating' | 'completed' | 'failed' | 'cancelled';

export interface TaskProgress {
  task: string;
  phase: TaskPhase;
  samples: number;
  repeats: number;
  /** Units (sample × repeat) generated and scored so far. */
  units_done: number;
  units_total: number;
  shards_done: number;
  shards_total: number;
  /** Estimated seconds to finish, from the rate of this execution so far (absent until a shard is scored). */
  eta_seconds?: number;
  error?: string;
  /**
   * Live, in the suite's progress: tokens and cost of the calls this run has paid so far, as the
   * endpoints' limiters report them (every 5 minutes, at once near the budget or when the
   * concurrency limit moves). Replayed responses are not in it (results.json counts those too).
   */
  usage?: { model: TokenUsage; judge?: TokenUsage; cost_usd?: number };
  /** Requests of the task's model calls that may be in flight now, over all workers (adaptive limit included). */
  concurrency_limit?: number;
  /** Model requests in flight at the last report. */
  in_flight?: number;
}

/** Headline numbers of one finished task (small, also kept in history). */
export interface TaskSummary {
  task: string;
  status: 'completed' | 'failed' | 'cancelled';
  results_key?: string;
  /** metric name → score name → value, e.g. {"pass@1": {"symbolic_correct": 81.2}} */
  headline?: Record<string, Record<string, number>>;
  error?: string;
  /** Tokens and cost from results.json (completed tasks). */
  usage?: TaskUsage;
}

export interface SuiteResult {
  run_id: string;
  status: 'completed' | 'failed';
  tasks: TaskSummary[];
}

export interface SuiteProgress {
  run_id: string;
  phase: 'planning' | 'running' | 'completed' | 'failed';
  tasks: TaskProgress[];
  /** Spent so far by the run in USD, when pricing is configured. */
  cost_usd?: number;
  /** execution.budget_usd (or the budget a resume gave). */
  budget_usd?: number;
  /** Why the run is paused, and how to go on (e.g. the budget was reached). */
  paused_reason?: string;
  /** The run's model server (`deployment:`): starting, or where it serves. */
  deployment?: { type: string; state: 'starting' | 'ready' | 'stopped'; base_url?: string; attempt?: number };
  /** The judge's server (`auxiliary_deployments.judge`), the same way. */
  judge_deployment?: { type: string; state: 'starting' | 'ready' | 'stopped'; base_url?: string; attempt?: number };
}

/**
 * Schema of the run config: NeMo Evaluator launcher YAML, strict, plus
 * evalflow's own `execution` keys.
 *
 * What the real format is, and where that was read (NVIDIA-NeMo/Evaluator):
 * - packages/nemo-evaluator-launcher/src/nemo_evaluator_launcher/configs/default.yaml:
 *   Hydra `defaults: [execution: local, deployment: none, _self_]`; `target.api_endpoint`
 *   is {url: ???, model_id: ???, api_key_name: "<name of the env var>"}.
 * - configs/execution/local.yaml: `type: local`, `output_dir: ???`. The local executor
 *   (executors/local/executor.py) also reads `mode` (parallel|sequential), `mounts`,
 *   `env_vars` ({deployment: {…}, evaluation: {…}}), `extra_docker_args`, `auto_export`,
 *   and the docs add `use_docker`.
 * - executors/local/executor.py and common/helpers.py: per task it reads `name`,
 *   `nemo_evaluator_config`, `env_vars`, `dataset_dir`, `dataset_mount_path`, `container`,
 *   `endpoint_type`, `overrides`; `evaluation.overrides` / task `overrides` are dotted keys
 *   (`config.params.temperature: 0.7`) passed to the core as `--overrides`, applied last.
 *   The endpoint key is `target.api_endpoint.api_key_name` (helpers.get_api_key_name): the
 *   NAME of an environment variable. Older core task templates read
 *   `target.api_endpoint.api_key` the same way (`API_KEY=${{…api_key}}`, an env var name),
 *   and NeMo-Skills judges use `judge.api_key: JUDGE_API_KEY`; so `api_key` is accepted as
 *   an alias that must also be an env var name (a literal key is rejected: secrets never go
 *   into configs).
 * - packages/nemo-evaluator/src/nemo_evaluator/api/api_dataclasses.py: ConfigParams is
 *   strict (extra="forbid") with limit_samples, max_new_tokens, max_retries, parallelism,
 *   task, temperature, request_timeout, top_p, extra. All default to None: each harness's
 *   framework.yml supplies the defaults. ApiEndpoint: api_key_name, model_id, stream, type
 *   (chat|completions|embedding; `vlm` is a deprecated alias of chat), url, adapter_config.
 * - packages/nemo-evaluator/src/nemo_evaluator/adapters/adapter_config.py: adapter_config
 *   is either `interceptors: [{name, enabled, config}]` or the legacy flat keys, converted
 *   only when no interceptors are given: use_caching (default true), caching_dir,
 *   use_system_prompt (default false) + custom_system_prompt (applied only when
 *   use_system_prompt is true), params_to_add/remove/rename (payload modifier),
 *   use_request_logging/max_logged_requests, use_response_logging/max_logged_responses,
 *   use_reasoning + start/end_reasoning_token (default `</think>`), tracking_requests_stats,
 *   log_failed_requests, generate_html_report, html_report_size, use_nvcf, use_megatron, ….
 *   `process_reasoning_traces` appears in the launcher's docs/CLI as the reasoning switch.
 * - Published Nemotron 3 Nano 30B-A3B config:
 *   packages/nemo-evaluator-launcher/examples/nemotron/local_nvidia_nemotron_3_nano_30b_a3b.yaml
 *   with examples/nemotron/nano-v3-reproducibility.md and the Hugging Face blog
 *   "The Open Evaluation Standard: Benchmarking NVIDIA Nemotron 3 Nano with NeMo Evaluator"
 *   (2025-12-17). It uses `extra.args: "++prompt_config=…"` (NeMo-Skills style), `num_repeats`,
 *   `extra.judge: {parallelism, model_id, url: ???, api_key: JUDGE_API_KEY}` and global
 *   params max_new_tokens 131072, temperature/top_p 0.99999, parallelism 1,
 *   request_timeout 3600, max_retries 10.
 *
 * Keys evalflow understands but does not run — decided per key (never silently ignored):
 *   ConfigError (running anyway would give results that are not what the config asks for):
 *   - deployment.type trtllm / vllm_ray or one evalflow does not know (the types it runs:
 *     lib/config/deployment.ts).
 *   - execution.type other than `local` (slurm, lepton): tasks run on Temporal workers.
 *   - target.api_endpoint.type `embedding`: not a generation endpoint.
 *   - adapter use_nvcf / use_megatron true: other wire protocols.
 *   - api_key holding something that is not an env var name.
 *   Warning in ResolvedPlan.warnings (the run is still faithful, or the key only concerned
 *   the launcher's own machinery):
 *   - adapter use_caching: false — evalflow always caches, so no paid call is made twice.
 *   - adapter caching_dir — the cache lives in the artifact store.
 *   - adapter use_reasoning / process_reasoning_traces false, or an end/start_reasoning_token
 *     other than <think>/</think> — evalflow always separates reasoning that way.
 *   - adapter params_to_rename, params_to_remove entries other than max_tokens,
 *     temperature, top_p; use_progress_tracking, use_omni_info, discovery, post_eval_hooks;
 *     interceptors evalflow has no counterpart for; legacy keys next to `interceptors`
 *     (ignored there, as in NeMo Evaluator); custom_system_prompt without use_system_prompt.
 *   - endpoint stream: true — evalflow requests whole responses.
 *   - execution.output_dir, mounts, extra_docker_args, use_docker, auto_export, non-empty
 *     env_vars; `defaults` naming an execution other than local.
 *   - env_vars entries that rename a variable or give a `$lit:` value — workers read
 *     their own environment.
 *   - task container, pre_cmd, dataset_mount_path; params.task; extra keys and `++` args
 *     evalflow does not interpret (e.g. tokenizer; dataset_split and ++args for benchmarks that take none).
 *   Accepted without a message because evalflow does them anyway: use_request_logging,
 *   use_response_logging, max_logged_*, tracking_requests_stats, log_failed_requests,
 *   generate_html_report, html_report_size, save_requests/responses, max_saved_*,
 *   use_raise_client_errors (4xx are permanent errors in evalflow).
 */
import { z } from 'zod';
import { ambiguousPriceMessage, matchingPriceIndices, missingPriceMessage } from './pricing';
import { DEPLOYMENT_TYPES, auxiliaryDeploymentsSchema, deploymentSchema } from './deployment';

/** evalflow's execution defaults (`execution:` keys absent from the YAML). */
export const EXECUTION_DEFAULTS = {
  task_parallelism: 2,
  /**
   * Shards of a task in flight. The task's parallelism bounds their requests together (the
   * endpoint's gate), so more shards cost no concurrency; they keep the gate's queue from
   * running dry while finished shards wait for their slowest reply (docs/performance.md).
   */
  shard_parallelism: 8,
  shard_size: 512,
  heartbeat_timeout: 60,
  activity_attempts: 5,
} as const;

/** Generation defaults when neither the config nor the benchmark sets them. */
export const PARAM_DEFAULTS = {
  /** NeMo leaves parallelism to each harness; the published Nemotron config sets 1. */
  parallelism: 1,
  request_timeout: 300,
  max_retries: 5,
  num_repeats: 1,
} as const;

/** An environment variable name, as `api_key_name` holds. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Marker on custom issues whose message already reads as a sentence after the path. */
export const STANDALONE = 'standalone';

const positiveInt = (what: string) =>
  z.number().int({ message: `${what} must be a whole number` }).min(1, { message: `${what} must be ≥ 1` });

const nonNegativeInt = (what: string) =>
  z.number().int({ message: `${what} must be a whole number` }).min(0, { message: `${what} must be ≥ 0` });

const envVarNameRef = (field: string) =>
  z.string().regex(ENV_VAR_NAME, {
    message: `${field} must name an environment variable (e.g. NGC_API_KEY), not hold the key itself; export the key and give its variable name`,
  });

/** Full endpoint URL with an http(s) scheme. */
export const endpointUrl = z.string().superRefine((url, ctx) => {
  if (/^https?:\/\//i.test(url)) return;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    ctx.addIssue({ code: 'custom', message: `'${url}' must use http:// or https://`, params: { [STANDALONE]: true } });
    return;
  }
  let fixed = `http://${url}`;
  if (!/\/(chat\/)?completions\/?$/.test(fixed)) fixed = `${fixed.replace(/\/$/, '')}/chat/completions`;
  ctx.addIssue({ code: 'custom', message: `'${url}' has no scheme; write ${fixed}`, params: { [STANDALONE]: true } });
});

/** One interceptor of NeMo's adapter chain; a bare string means `{name: <string>}`. */
const interceptorSchema = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    enabled: z.boolean().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  }),
]);

const namedHookSchema = z.union([
  z.string(),
  z.strictObject({ name: z.string(), enabled: z.boolean().optional(), config: z.record(z.string(), z.unknown()).optional() }),
]);

export const adapterConfigSchema = z.strictObject({
  interceptors: z.array(interceptorSchema).optional(),
  post_eval_hooks: z.array(namedHookSchema).optional(),
  discovery: z.strictObject({ modules: z.array(z.string()).optional(), dirs: z.array(z.string()).optional() }).optional(),
  endpoint_type: z.enum(['chat', 'completions']).optional(),
  // caching
  use_caching: z.boolean().optional(),
  caching_dir: z.string().nullable().optional(),
  save_requests: z.boolean().optional(),
  save_responses: z.boolean().optional(),
  max_saved_requests: nonNegativeInt('max_saved_requests').nullable().optional(),
  max_saved_responses: nonNegativeInt('max_saved_responses').nullable().optional(),
  // logging and statistics
  use_request_logging: z.boolean().optional(),
  use_response_logging: z.boolean().optional(),
  max_logged_requests: nonNegativeInt('max_logged_requests').nullable().optional(),
  max_logged_responses: nonNegativeInt('max_logged_responses').nullable().optional(),
  tracking_requests_stats: z.boolean().optional(),
  log_failed_requests: z.boolean().optional(),
  generate_html_report: z.boolean().optional(),
  html_report_size: nonNegativeInt('html_report_size').nullable().optional(),
  include_json: z.boolean().optional(),
  logging_aggregated_stats_interval: positiveInt('logging_aggregated_stats_interval').optional(),
  output_dir: z.string().nullable().optional(),
  // system prompt
  use_system_prompt: z.boolean().optional(),
  custom_system_prompt: z.string().nullable().optional(),
  system_prompt: z.string().nullable().optional(),
  // payload modifier
  params_to_add: z.record(z.string(), z.unknown()).nullable().optional(),
  params_to_remove: z.array(z.string()).nullable().optional(),
  params_to_rename: z.record(z.string(), z.string()).nullable().optional(),
  // reasoning
  use_reasoning: z.boolean().optional(),
  process_reasoning_traces: z.boolean().optional(),
  start_reasoning_token: z.string().nullable().optional(),
  end_reasoning_token: z.string().nullable().optional(),
  include_if_reasoning_not_finished: z.boolean().nullable().optional(),
  track_reasoning: z.boolean().nullable().optional(),
  // other interceptors of the legacy format
  use_progress_tracking: z.boolean().optional(),
  progress_tracking_url: z.string().nullable().optional(),
  progress_tracking_interval: positiveInt('progress_tracking_interval').optional(),
  use_raise_client_errors: z.boolean().optional(),
  use_omni_info: z.boolean().optional(),
  use_nvcf: z.boolean().optional(),
  use_megatron: z.boolean().optional(),
  megatron_tokenizer: z.string().nullable().optional(),
  megatron_template_kwargs: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** Endpoint type as NeMo spells it; `vlm` is NeMo's deprecated alias of chat. */
const endpointTypeSchema = z.enum(['chat', 'completions', 'vlm']);

/** LLM judge of a judged task (`params.extra.judge`, NeMo-Skills style). */
export const judgeSchema = z
  .strictObject({
    url: endpointUrl,
    model_id: z.string().min(1),
    api_key_name: envVarNameRef('judge.api_key_name').nullable().optional(),
    api_key: envVarNameRef('judge.api_key').nullable().optional(),
    type: endpointTypeSchema.optional(),
    parallelism: positiveInt('judge parallelism').optional(),
    temperature: z.number().min(0).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_new_tokens: positiveInt('judge max_new_tokens').optional(),
    request_timeout: positiveInt('judge request_timeout').optional(),
    max_retries: nonNegativeInt('judge max_retries').optional(),
  })
  .superRefine((j, ctx) => {
    if (j.api_key && j.api_key_name && j.api_key !== j.api_key_name) {
      ctx.addIssue({ code: 'custom', path: ['api_key'], message: `api_key '${j.api_key}' and api_key_name '${j.api_key_name}' disagree; keep one` });
    }
  });

/**
 * `params.extra`: framework-specific, so keys evalflow does not know are
 * accepted and reported as warnings by resolveTasks; the ones it interprets
 * are typed here.
 */
export const extraSchema = z
  .object({
    num_repeats: positiveInt('num_repeats').optional(),
    /** bigcode/tau2 spelling of samples per prompt; used when num_repeats is absent. */
    n_samples: positiveInt('n_samples').optional(),
    judge: judgeSchema.optional(),
    judge_support: z.boolean().optional(),
    prompt_config: z.string().min(1).optional(),
    /** NeMo-Skills command-line style arguments, e.g. "++prompt_config=eval/aai/mcq-4choices". */
    args: z.union([z.string(), z.array(z.string())]).optional(),
    dataset_dir: z.string().min(1).optional(),
    /** NeMo-Skills split name for benchmarks with several (e.g. LiveCodeBench's test_v5_2407_2412). */
    dataset_split: z.string().min(1).optional(),
    system_message: z.string().optional(),
  })
  .catchall(z.unknown());

export const paramsSchema = z.strictObject({
  limit_samples: z
    .number({ message: 'limit_samples must be a number' })
    .int({ message: 'limit_samples must be a whole number of samples (fractions are not supported)' })
    .min(1, { message: 'limit_samples must be ≥ 1; remove it to run all samples' })
    .nullable()
    .optional(),
  parallelism: positiveInt('parallelism').optional(),
  max_new_tokens: positiveInt('max_new_tokens').nullable().optional(),
  temperature: z.number().min(0, { message: 'temperature must be ≥ 0' }).nullable().optional(),
  top_p: z.number().min(0, { message: 'top_p must be in [0, 1]' }).max(1, { message: 'top_p must be in [0, 1]' }).nullable().optional(),
  request_timeout: positiveInt('request_timeout').optional(),
  max_retries: nonNegativeInt('max_retries').optional(),
  task: z.string().optional(),
  extra: extraSchema.optional(),
});

/** The `nemo_evaluator_config` block (global under `evaluation:`, or per task). */
export const nemoEvaluatorConfigSchema = z.strictObject({
  config: z.strictObject({ params: paramsSchema.optional() }).optional(),
  target: z
    .strictObject({
      api_endpoint: z
        .strictObject({
          type: endpointTypeSchema.optional(),
          stream: z.boolean().optional(),
          adapter_config: adapterConfigSchema.optional(),
        })
        .optional(),
    })
    .optional(),
});

/** Dotted-key overrides (`config.params.temperature: 0.7`), applied after nemo_evaluator_config. */
const dottedOverridesSchema = z.record(
  z.string().regex(/^(config|target)\./, { message: "override keys start with 'config.' or 'target.' (e.g. config.params.temperature)" }),
  z.unknown(),
);

const envVarsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const taskSchema = z.strictObject({
  name: z.string().min(1, { message: 'task name must not be empty' }),
  nemo_evaluator_config: nemoEvaluatorConfigSchema.optional(),
  env_vars: envVarsSchema.optional(),
  dataset_dir: z.string().min(1).optional(),
  dataset_mount_path: z.string().optional(),
  container: z.string().optional(),
  endpoint_type: z.enum(['chat', 'completions']).optional(),
  overrides: dottedOverridesSchema.optional(),
  pre_cmd: z.string().optional(),
});

export const evaluationSchema = z.strictObject({
  nemo_evaluator_config: nemoEvaluatorConfigSchema.optional(),
  env_vars: envVarsSchema.optional(),
  overrides: dottedOverridesSchema.optional(),
  tasks: z
    .array(taskSchema)
    .min(1, { message: 'evaluation.tasks is empty; list at least one task (e.g. - name: gsm8k)' })
    .superRefine((tasks, ctx) => {
      const seen = new Map<string, number>();
      tasks.forEach((t, i) => {
        const first = seen.get(t.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `task '${t.name}' is listed twice (also at evaluation.tasks[${first}]); artifacts are keyed by task name, keep one entry`,
          });
        } else seen.set(t.name, i);
      });
    }),
});

export const targetSchema = z.strictObject({
  api_endpoint: z
    .strictObject({
      url: endpointUrl,
      model_id: z.string().min(1, { message: 'model_id must not be empty' }),
      api_key_name: envVarNameRef('api_key_name').nullable().optional(),
      /** Alias of api_key_name (an env var name), as NeMo's core and judges spell it. */
      api_key: envVarNameRef('api_key').nullable().optional(),
      type: endpointTypeSchema.optional(),
      stream: z.boolean().optional(),
      adapter_config: adapterConfigSchema.optional(),
    })
    .superRefine((e, ctx) => {
      if (e.api_key && e.api_key_name && e.api_key !== e.api_key_name) {
        ctx.addIssue({ code: 'custom', path: ['api_key'], message: `api_key '${e.api_key}' and api_key_name '${e.api_key_name}' disagree; keep api_key_name` });
      }
    }),
});

/** The `deployment:` section (lib/config/deployment.ts). */
export { deploymentSchema } from './deployment';

/** Hydra defaults list: `- execution: local`, `- deployment: none`, `- _self_`, … */
export const defaultsSchema = z.array(
  z.union([z.string(), z.record(z.string(), z.string().nullable())]).superRefine((entry, ctx) => {
    if (typeof entry === 'string') return;
    const deployment = entry['deployment'];
    if (deployment !== undefined && deployment !== null && !(DEPLOYMENT_TYPES as readonly string[]).includes(deployment)) {
      ctx.addIssue({ code: 'custom', path: ['deployment'], message: `unknown deployment type '${deployment}'; use one of: ${DEPLOYMENT_TYPES.join(', ')}` });
    }
  }),
);

/** USD per million tokens: a number ≥ 0. */
const pricePerMillion = (key: string, tokens: string) =>
  z
    .number({ message: `${key} must be a number: USD per million ${tokens} tokens (e.g. 0.5)` })
    .min(0, { message: `${key} must be ≥ 0 (USD per million ${tokens} tokens); use 0 for a free endpoint` });

/** One `execution.pricing` entry (lib/config/pricing.ts says how entries match endpoints). */
export const priceEntrySchema = z.strictObject({
  model_id: z.string({ message: 'model_id is required: the model the price is for (as in target.api_endpoint.model_id or a judge model_id)' }).min(1, { message: 'model_id must not be empty' }),
  url: endpointUrl.optional(),
  input_per_million: pricePerMillion('input_per_million', 'prompt'),
  output_per_million: pricePerMillion('output_per_million', 'completion (reasoning included)'),
});

export const executionSchema = z.strictObject({
  // the launcher's own keys
  type: z
    .string()
    .superRefine((t, ctx) => {
      if (t !== 'local') {
        ctx.addIssue({
          code: 'custom',
          message: `'${t}' is not supported: evalflow runs tasks on Temporal workers (scale out by starting more workers); remove execution.type or set it to local`,
        });
      }
    })
    .optional(),
  output_dir: z.string().optional(),
  mode: z.enum(['parallel', 'sequential']).optional(),
  env_vars: z.record(z.string(), z.unknown()).optional(),
  mounts: z.record(z.string(), z.unknown()).optional(),
  extra_docker_args: z.string().optional(),
  use_docker: z.boolean().optional(),
  auto_export: z.record(z.string(), z.unknown()).optional(),
  // evalflow's keys
  task_parallelism: positiveInt('task_parallelism').optional(),
  shard_parallelism: positiveInt('shard_parallelism').optional(),
  shard_size: positiveInt('shard_size').optional(),
  heartbeat_timeout: positiveInt('heartbeat_timeout (seconds)').optional(),
  activity_attempts: positiveInt('activity_attempts').optional(),
  /** Task queue the judge activities run on (judge workers poll it); default: the workflow queue + "-judge". */
  judge_task_queue: z.string().min(1).optional(),
  /** Task queue of the sandbox (code execution) activities; default "<queue>-sandbox". */
  sandbox_task_queue: z.string().min(1).optional(),
  /** Seconds a code task waits for a sandbox worker to take its preflight before failing with that reason (default 600). */
  sandbox_wait: positiveInt('sandbox_wait (seconds)').optional(),
  /** Spending limit in USD; the run pauses when it is reached (needs a price for every endpoint it calls). */
  budget_usd: z
    .number({ message: 'budget_usd must be a number of US dollars (e.g. 25)' })
    .positive({ message: 'budget_usd must be > 0 (US dollars); remove it to run without a budget' })
    .optional(),
  /** Prices per endpoint, for token cost in results, status and the dry run, and for budget_usd. */
  pricing: z.array(priceEntrySchema).optional(),
  /**
   * Limits of an endpoint (matched by model_id, and url when given), honoured
   * over every worker and every run that calls it (docs/architecture.md,
   * "Endpoint limits and live controls").
   */
  endpoint_limits: z
    .array(
      z.strictObject({
        model_id: z.string().min(1, 'endpoint_limits[].model_id is required: the model id of the endpoint these limits are for'),
        url: z.string().min(1).optional(),
        max_concurrency: positiveInt('endpoint_limits[].max_concurrency').optional(),
        requests_per_minute: positiveInt('endpoint_limits[].requests_per_minute').optional(),
        tokens_per_minute: positiveInt('endpoint_limits[].tokens_per_minute').optional(),
        /** Shrink the concurrency on 429/503/timeouts and grow it back (default true). */
        adaptive: z.boolean().optional(),
      }),
    )
    .optional(),
});

export const configSchema = z
  .strictObject({
    defaults: defaultsSchema.optional(),
    execution: executionSchema.optional(),
    deployment: deploymentSchema.optional(),
    /** `auxiliary_deployments.judge`: the judge's server, started like the model's (lib/config/deployment.ts). */
    auxiliary_deployments: auxiliaryDeploymentsSchema.optional(),
    env_vars: envVarsSchema.optional(),
    target: targetSchema,
    evaluation: evaluationSchema,
  })
  .superRefine((cfg, ctx) => {
    // The target endpoint's price (judge endpoints are checked when tasks are resolved, lib/config/load.ts).
    const pricing = cfg.execution?.pricing;
    const target = cfg.target.api_endpoint;
    const matching = matchingPriceIndices(pricing, target);
    if (matching.length > 1) ctx.addIssue({ code: 'custom', path: ['execution', 'pricing'], message: ambiguousPriceMessage(matching, 'target endpoint', target) });
    if (cfg.execution?.budget_usd !== undefined && matching.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['execution', 'budget_usd'], message: missingPriceMessage('target endpoint', target) });
    }
  });

export type ConfigSchemaOutput = z.infer<typeof configSchema>;
export type NemoEvaluatorConfig = z.infer<typeof nemoEvaluatorConfigSchema>;
export type AdapterConfig = z.infer<typeof adapterConfigSchema>;
export type JudgeConfig = z.infer<typeof judgeSchema>;
export type TaskConfig = z.infer<typeof taskSchema>;

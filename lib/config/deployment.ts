/**
 * The `deployment:` section: a model server that evalflow starts for the run
 * (docs/architecture.md, "Deployments"). Its keys are NeMo Evaluator
 * launcher's (packages/nemo-evaluator-launcher/src/nemo_evaluator_launcher/
 * configs/deployment/{vllm,sglang,nim,generic}.yaml at revision
 * 8974d64b20aa929bbe11242493d0643a81e4d9d5 of NVIDIA-NeMo/Evaluator): image,
 * command, port, checkpoint_path, hf_model_handle, served_model_name,
 * tensor_parallel_size, pipeline_parallel_size, data_parallel_size,
 * gpu_memory_utilization, extra_args, env_vars, endpoints; plus `llama_cpp`,
 * evalflow's own (a GGUF file served on CPU by `evalflow serve-gguf`).
 *
 * What this module does: validate the section (schema), resolve it to the
 * small DeploymentSpec the workflows carry, and build the command line a
 * deploy worker runs (`launchCommand`, pure: the worker passes in which
 * container runtime it found). The command lines follow the launcher's:
 *
 *   vllm     vllm serve <model> --tensor-parallel-size=N --pipeline-parallel-size=N
 *            --data-parallel-size=N --host H --port P --trust-remote-code
 *            --served-model-name NAME --gpu-memory-utilization X <extra_args>
 *   sglang   sglang serve --model-path <model> --host H --port P --served-model-name NAME
 *            --tp-size N --dp-size N --pp-size N <extra_args>
 *            (in a container: python3 -m sglang.launch_server with the same flags)
 *   nim      the image's own entry point (container), or `start_server.sh` on PATH,
 *            configured by NIM_SERVED_MODEL_NAME and NIM_SERVER_PORT
 *   generic  `command`, a template run by /bin/sh with {port}, {host}, {model},
 *            {served_model_name}, {checkpoint_path}, {tensor_parallel_size}, … filled in
 *   llama_cpp  evalflow serve-gguf FILE --host H --port P --model-name NAME [--parallel N]
 *            [--context-size N] [--threads N]
 *
 * <model> is hf_model_handle when set, else the checkpoint: its path when the
 * binary runs on the host, /checkpoint (bind-mounted) in a container.
 */
import { z } from 'zod';
import type { DeploymentSpec, DeploymentType } from '../records/types';

export const DEPLOYMENT_TYPES = ['none', 'vllm', 'sglang', 'nim', 'generic', 'llama_cpp'] as const;

/** The launcher's trtllm (and vllm_ray) have no counterpart here yet. */
const LAUNCHER_ONLY: Record<string, string> = {
  trtllm: 'trtllm is not supported yet (its server runs under mpirun in the TensorRT-LLM image); use type: generic with its command',
  vllm_ray: 'vllm_ray (multi-node vLLM on Ray) is not supported; use type: vllm on one host',
};

const positiveInt = (what: string) =>
  z.number({ message: `${what} must be a whole number` }).int({ message: `${what} must be a whole number` }).min(1, { message: `${what} must be ≥ 1` });

/** Every key a deployment may carry; which ones a type takes is checked below. */
const deploymentObject = z.strictObject({
  type: z.string(),
  image: z.string().min(1).nullable().optional(),
  command: z.string().min(1).nullable().optional(),
  base_command: z.string().nullable().optional(),
  port: z.number({ message: 'port must be a TCP port number (e.g. 8000)' }).int().min(1, { message: 'port must be 1–65535' }).max(65535, { message: 'port must be 1–65535' }).optional(),
  checkpoint_path: z.string().min(1).nullable().optional(),
  hf_model_handle: z.string().min(1).nullable().optional(),
  served_model_name: z.string().min(1).nullable().optional(),
  tensor_parallel_size: positiveInt('tensor_parallel_size').optional(),
  pipeline_parallel_size: positiveInt('pipeline_parallel_size').optional(),
  data_parallel_size: positiveInt('data_parallel_size').optional(),
  gpu_memory_utilization: z.number().gt(0, { message: 'gpu_memory_utilization must be in (0, 1]' }).max(1, { message: 'gpu_memory_utilization must be in (0, 1]' }).optional(),
  extra_args: z.string().nullable().optional(),
  env_vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** Alias of env_vars. */
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  endpoints: z.record(z.string(), z.string()).optional(),
  // evalflow's keys
  /** llama_cpp: the GGUF file on the deploy worker's host. */
  file: z.string().min(1).optional(),
  /** llama_cpp: sequences decoded together (1 = reproducible temperature-0 output). */
  parallel: positiveInt('parallel').optional(),
  /** llama_cpp: context size in tokens. */
  context_size: positiveInt('context_size').optional(),
  /** llama_cpp: CPU threads. */
  threads: positiveInt('threads').optional(),
  /** Seconds to wait for GET /v1/models to answer (default 900; llama_cpp 180). */
  ready_timeout: positiveInt('ready_timeout (seconds)').optional(),
  /** Where a container runs: auto (docker, else apptainer, when `image` is set), docker, apptainer, or none (the binary on PATH). */
  container: z.enum(['auto', 'docker', 'apptainer', 'none']).optional(),
  /** Deploy worker task queue (default "<queue>-deploy"). */
  task_queue: z.string().min(1).optional(),
});

type RawDeployment = z.infer<typeof deploymentObject>;

/** Keys each type takes besides type, port, env_vars/env, endpoints, ready_timeout, task_queue. */
const TYPE_KEYS: Record<Exclude<DeploymentType, 'none'>, readonly string[]> = {
  vllm: ['image', 'command', 'base_command', 'checkpoint_path', 'hf_model_handle', 'served_model_name', 'tensor_parallel_size', 'pipeline_parallel_size', 'data_parallel_size', 'gpu_memory_utilization', 'extra_args', 'container'],
  sglang: ['image', 'command', 'checkpoint_path', 'hf_model_handle', 'served_model_name', 'tensor_parallel_size', 'pipeline_parallel_size', 'data_parallel_size', 'extra_args', 'container'],
  nim: ['image', 'command', 'served_model_name', 'container'],
  generic: ['image', 'command', 'checkpoint_path', 'hf_model_handle', 'served_model_name', 'tensor_parallel_size', 'pipeline_parallel_size', 'data_parallel_size', 'extra_args', 'container'],
  llama_cpp: ['file', 'served_model_name', 'parallel', 'context_size', 'threads', 'extra_args'],
};
const COMMON_KEYS = ['type', 'port', 'env_vars', 'env', 'endpoints', 'ready_timeout', 'task_queue'];

/** The deployment section's schema (configSchema's `deployment`). */
export const deploymentSchema = z
  .object({ type: z.string().optional() })
  .catchall(z.unknown())
  .superRefine((d, ctx) => {
    const type = d.type ?? 'none';
    if (LAUNCHER_ONLY[type]) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: LAUNCHER_ONLY[type] });
      return;
    }
    if (!(DEPLOYMENT_TYPES as readonly string[]).includes(type)) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown deployment type '${type}'; use one of: ${DEPLOYMENT_TYPES.join(', ')}` });
      return;
    }
    if (type === 'none') {
      for (const key of Object.keys(d)) {
        if (key !== 'type') ctx.addIssue({ code: 'custom', path: [key], message: 'unknown key for deployment type none (it takes only `type`)' });
      }
      return;
    }
    const parsed = deploymentObject.safeParse({ ...d, type });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const msg = issue.code === 'unrecognized_keys'
          ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} for a deployment; allowed: ${[...COMMON_KEYS, ...TYPE_KEYS[type as Exclude<DeploymentType, 'none'>]].join(', ')}`
          : issue.message;
        ctx.addIssue({ code: 'custom', path: issue.path.length ? issue.path : [], message: msg });
      }
      return;
    }
    const r = parsed.data;
    const allowed = new Set([...COMMON_KEYS, ...TYPE_KEYS[type as Exclude<DeploymentType, 'none'>]]);
    for (const key of Object.keys(r)) {
      if (!allowed.has(key) && (r as Record<string, unknown>)[key] !== null && (r as Record<string, unknown>)[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is not a key of deployment type ${type}; it takes: ${[...allowed].join(', ')}` });
      }
    }
    for (const problem of typeProblems(type as Exclude<DeploymentType, 'none'>, r)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });

function typeProblems(type: Exclude<DeploymentType, 'none'>, r: RawDeployment): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if ((type === 'vllm' || type === 'sglang') && !r.checkpoint_path && !r.hf_model_handle) {
    out.push({ path: ['checkpoint_path'], message: `a ${type} deployment needs the model: set checkpoint_path (a directory on the deploy host) or hf_model_handle (a Hugging Face id, e.g. Qwen/Qwen3-8B)` });
  }
  if (type === 'nim' && !r.image && !r.command) {
    out.push({ path: ['image'], message: 'a nim deployment needs image (the NIM container, e.g. <your registry>/nim/meta/llama-3.1-8b-instruct:1.8.6) or, on a host inside a NIM environment, command' });
  }
  if (type === 'generic' && !r.command) {
    out.push({ path: ['command'], message: "a generic deployment needs command: the server's command line, with {port} where the port goes (e.g. 'my-server --port {port} --model {model}')" });
  }
  if (type === 'generic' && r.command && !r.command.includes('{port}') && r.port === undefined) {
    out.push({ path: ['command'], message: 'the command has no {port} and no port is set: evalflow must know where the server listens; put {port} in the command or set port' });
  }
  if (type === 'llama_cpp' && !r.file) {
    out.push({ path: ['file'], message: 'a llama_cpp deployment needs file: the path of a .gguf model on the deploy worker host (scripts/setup-model.sh downloads one to ~/.cache/evalflow/models/)' });
  }
  if (type === 'llama_cpp' && r.file && !/\.gguf$/i.test(r.file)) {
    out.push({ path: ['file'], message: `'${r.file}' is not a .gguf file; llama_cpp serves GGUF models` });
  }
  return out;
}

/** The default port, as the launcher's configs have it. */
export const DEFAULT_DEPLOY_PORT = 8000;
/** The judge deployment's default port (evalflow's: the launcher requires a port), beside the model's 8000 on one host. */
export const DEFAULT_JUDGE_DEPLOY_PORT = 8001;

/** Names evalflow deploys under `auxiliary_deployments:` (the launcher's section; it names any, evalflow knows the judge). */
export const AUXILIARY_DEPLOYMENTS = ['judge'] as const;

/**
 * `auxiliary_deployments:` — servers the run starts beside the model's, keyed
 * by name as in NeMo Evaluator launcher (`auxiliary_deployments.judge`). Each
 * takes the same types and keys as `deployment:`; the judge's serves every
 * judged task's judge (docs/architecture.md, "Deployments").
 */
export const auxiliaryDeploymentsSchema = z
  .record(z.string(), z.unknown())
  .superRefine((all, ctx) => {
    for (const [name, value] of Object.entries(all)) {
      if (!(AUXILIARY_DEPLOYMENTS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `is not a deployment evalflow starts; auxiliary_deployments takes only judge (the LLM judge's server)` });
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'must be a mapping with type: (vllm, sglang, nim, generic, llama_cpp) and the keys of a deployment:' });
        continue;
      }
      const parsed = deploymentSchema.safeParse(value);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [name, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: issue.message });
    }
  });

/**
 * The model id the server answers to: served_model_name, else (llama_cpp) the
 * file's base name, else undefined (the target's model_id fills it).
 */
export function servedModelName(d: Record<string, unknown>): string | undefined {
  if (typeof d.served_model_name === 'string' && d.served_model_name) return d.served_model_name;
  if (d.type === 'llama_cpp' && typeof d.file === 'string') return d.file.split('/').pop()!.replace(/\.gguf$/i, '');
  return undefined;
}

/** The section resolved to what the workflows carry (small: settings only). */
export function resolveDeployment(raw: Record<string, unknown>, modelId: string): DeploymentSpec {
  const r = deploymentObject.parse(raw);
  const type = r.type as Exclude<DeploymentType, 'none'>;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(r.env_vars ?? {}), ...(r.env ?? {}) })) env[k] = String(v);
  const spec: DeploymentSpec = {
    type,
    served_model_name: r.served_model_name ?? modelId,
    port: r.port ?? DEFAULT_DEPLOY_PORT,
    ready_timeout: r.ready_timeout ?? (type === 'llama_cpp' ? 180 : 900),
    container: r.container ?? 'auto',
    env,
  };
  if (r.image) spec.image = r.image;
  if (r.command && !(type === 'vllm' && r.command === '${deployment.base_command}')) spec.command = r.command;
  if (r.checkpoint_path) spec.checkpoint_path = r.checkpoint_path;
  if (r.hf_model_handle) spec.hf_model_handle = r.hf_model_handle;
  if (type === 'vllm' || type === 'sglang' || type === 'generic') {
    spec.tensor_parallel_size = r.tensor_parallel_size ?? 1;
    spec.pipeline_parallel_size = r.pipeline_parallel_size ?? 1;
    spec.data_parallel_size = r.data_parallel_size ?? 1;
  }
  if (type === 'vllm' && r.gpu_memory_utilization !== undefined) spec.gpu_memory_utilization = r.gpu_memory_utilization;
  if (r.extra_args) spec.extra_args = r.extra_args;
  if (r.file) spec.file = r.file;
  if (r.parallel !== undefined) spec.parallel = r.parallel;
  if (r.context_size !== undefined) spec.context_size = r.context_size;
  if (r.threads !== undefined) spec.threads = r.threads;
  if (r.task_queue) spec.task_queue = r.task_queue;
  return spec;
}

/** Split a command-line string into words: whitespace separates, single and double quotes group, backslash escapes. */
export function splitArgs(s: string | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (quote) throw new Error(`unclosed ${quote} in '${s}'`);
  if (has || cur) out.push(cur);
  return out;
}

/** How the server process is run on the deploy host. */
export type LaunchMode = 'binary' | 'docker' | 'apptainer';

export interface LaunchContext {
  /** Container runtimes found on the deploy host. */
  runtimes: { docker: boolean; apptainer: boolean };
  /** Address the server binds: 127.0.0.1 when the advertised host is loopback, else 0.0.0.0. */
  bindHost: string;
  /** The evalflow CLI of this install: [node, bin/evalflow.js] (llama_cpp runs `evalflow serve-gguf`). */
  evalflowCli: string[];
  /** Container name (docker), unique per run and attempt. */
  name: string;
}

export interface LaunchCommand {
  mode: LaunchMode;
  /** The program and its arguments. */
  argv: string[];
  /** Variables added to the worker's environment for the process. */
  env: Record<string, string>;
  /** The command line as a person reads it (dry run, logs). */
  display: string;
  /** Run when stopping a container, after the process is signalled (docker rm -f NAME). */
  cleanup?: string[];
}

/** Which way the server runs: a container when `image` is set and a runtime is there (or forced), else the binary. */
export function launchMode(spec: DeploymentSpec, runtimes: LaunchContext['runtimes']): LaunchMode {
  if (spec.type === 'llama_cpp') return 'binary';
  if (spec.container === 'none' || !spec.image) return 'binary';
  if (spec.container === 'docker') return 'docker';
  if (spec.container === 'apptainer') return 'apptainer';
  if (runtimes.docker) return 'docker';
  if (runtimes.apptainer) return 'apptainer';
  return 'binary';
}

/** Placeholders of a generic command template (and of `command` overrides). */
export function fillTemplate(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => (values[key] === undefined ? whole : String(values[key])));
}

const quoteWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
export const displayArgv = (argv: string[]) => argv.map(quoteWord).join(' ');

/** The command line the deploy worker runs for this deployment on a host with `ctx`. */
export function launchCommand(spec: DeploymentSpec, ctx: LaunchContext): LaunchCommand {
  const mode = launchMode(spec, ctx.runtimes);
  const inContainer = mode !== 'binary';
  const host = inContainer ? '0.0.0.0' : ctx.bindHost;
  const model = spec.hf_model_handle ?? (spec.checkpoint_path ? (inContainer ? '/checkpoint' : spec.checkpoint_path) : '');
  const values = {
    port: spec.port,
    host,
    model,
    served_model_name: spec.served_model_name,
    checkpoint_path: spec.checkpoint_path ? (inContainer ? '/checkpoint' : spec.checkpoint_path) : undefined,
    hf_model_handle: spec.hf_model_handle,
    tensor_parallel_size: spec.tensor_parallel_size,
    pipeline_parallel_size: spec.pipeline_parallel_size,
    data_parallel_size: spec.data_parallel_size,
    extra_args: spec.extra_args ?? '',
  };
  const extra = splitArgs(spec.extra_args);
  const env: Record<string, string> = { ...spec.env };
  let inner: string[];
  switch (spec.type) {
    case 'vllm':
      inner = spec.command
        ? ['/bin/sh', '-c', fillTemplate(spec.command, values)]
        : [
            'vllm', 'serve', model,
            `--tensor-parallel-size=${spec.tensor_parallel_size ?? 1}`,
            `--pipeline-parallel-size=${spec.pipeline_parallel_size ?? 1}`,
            `--data-parallel-size=${spec.data_parallel_size ?? 1}`,
            '--host', host,
            '--port', String(spec.port),
            '--trust-remote-code',
            '--served-model-name', spec.served_model_name,
            ...(spec.gpu_memory_utilization !== undefined ? ['--gpu-memory-utilization', String(spec.gpu_memory_utilization)] : []),
            ...extra,
          ];
      break;
    case 'sglang':
      inner = spec.command
        ? ['/bin/sh', '-c', fillTemplate(spec.command, values)]
        : [
            ...(inContainer ? ['python3', '-m', 'sglang.launch_server'] : ['sglang', 'serve']),
            '--model-path', model,
            '--host', host,
            '--port', String(spec.port),
            '--served-model-name', spec.served_model_name,
            '--tp-size', String(spec.tensor_parallel_size ?? 1),
            '--dp-size', String(spec.data_parallel_size ?? 1),
            '--pp-size', String(spec.pipeline_parallel_size ?? 1),
            ...extra,
          ];
      break;
    case 'nim':
      // NIM is configured by its environment; in a container the image's own entry point runs.
      Object.assign(env, { NIM_SERVED_MODEL_NAME: spec.served_model_name, NIM_SERVER_PORT: String(spec.port), SERVED_MODEL_NAME: spec.served_model_name, MODEL_PORT: String(spec.port) });
      inner = spec.command ? ['/bin/sh', '-c', fillTemplate(spec.command, values)] : inContainer ? [] : ['start_server.sh'];
      break;
    case 'generic':
      inner = ['/bin/sh', '-c', fillTemplate(spec.command ?? '', values)];
      break;
    case 'llama_cpp':
      inner = [
        ...ctx.evalflowCli, 'serve-gguf', spec.file ?? '',
        '--host', host,
        '--port', String(spec.port),
        '--model-name', spec.served_model_name,
        ...(spec.parallel !== undefined ? ['--parallel', String(spec.parallel)] : []),
        ...(spec.context_size !== undefined ? ['--context-size', String(spec.context_size)] : []),
        ...(spec.threads !== undefined ? ['--threads', String(spec.threads)] : []),
        ...extra,
      ];
      break;
  }
  if (mode === 'binary') {
    const shown = inner[0] === '/bin/sh' ? inner[2] : displayArgv(inner);
    return { mode, argv: inner, env, display: shown };
  }
  const mountSrc = spec.checkpoint_path && !spec.hf_model_handle ? spec.checkpoint_path : undefined;
  if (mode === 'docker') {
    const argv = [
      'docker', 'run', '--rm', '--name', ctx.name, '--gpus', 'all', '--ipc=host', '--shm-size=16g',
      '-p', `${spec.port}:${spec.port}`,
      ...Object.keys(env).sort().flatMap((k) => ['-e', k]),
      ...(mountSrc ? ['-v', `${mountSrc}:/checkpoint:ro`] : []),
      spec.image!,
      ...inner,
    ];
    // `-e NAME` passes the value from the process environment: values stay out of the displayed line.
    return { mode, argv, env, display: displayArgv(argv), cleanup: ['docker', 'rm', '-f', ctx.name] };
  }
  const argv = [
    'apptainer', inner.length ? 'exec' : 'run', '--nv', '--cleanenv',
    ...(mountSrc ? ['--bind', `${mountSrc}:/checkpoint:ro`] : []),
    `docker://${spec.image}`,
    ...inner,
  ];
  // APPTAINERENV_NAME sets NAME inside the container (also under --cleanenv): like docker's
  // `-e NAME`, the values stay out of the command line (and of `ps`).
  const passed: Record<string, string> = {};
  for (const k of Object.keys(env).sort()) passed[`APPTAINERENV_${k}`] = env[k]!;
  return { mode, argv, env: passed, display: displayArgv(argv) };
}

/** The URL path the deploy worker polls for readiness. */
export const HEALTH_PATH = '/v1/models';

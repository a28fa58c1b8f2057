/**
 * From a YAML file to the plan the workflows run: load, apply Hydra-style
 * overrides, validate against the strict schema, keep the tasks asked for,
 * resolve each task's generation settings, and redact secrets for display.
 * Everything here is pure except loadConfigFile (reads one file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument, parse as parseYaml, YAMLError } from 'yaml';
import { z } from 'zod';
import type { DeploymentSpec, EndpointSpec, ExecutionSettings, GenerationParams, PriceEntry, ResolvedTask } from '../records/types';
import { DEFAULT_DEPLOY_PORT, DEFAULT_JUDGE_DEPLOY_PORT, resolveDeployment, servedModelName } from './deployment';
import { ambiguousPriceMessage, matchingPriceIndices, missingPriceMessage } from './pricing';
import { EvalflowError } from '../records/errors';
import {
  AdapterConfig,
  ConfigSchemaOutput,
  configSchema,
  ENV_VAR_NAME,
  EXECUTION_DEFAULTS,
  JudgeConfig,
  NemoEvaluatorConfig,
  nemoEvaluatorConfigSchema,
  PARAM_DEFAULTS,
  STANDALONE,
} from './schema';

/** A config problem a person can fix: the message names the path and what to do. */
export class ConfigError extends EvalflowError {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message, { kind: 'config', retryable: false });
  }
}

/** The validated config (NeMo launcher format + evalflow's execution keys). */
export type EvalConfig = ConfigSchemaOutput;

type Json = Record<string, unknown>;
type Segment = string | number;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `evaluation.tasks[1].nemo_evaluator_config.config.params.parallelism` */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += out ? `.${key}` : key;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out || '(top level)';
}

// ---------------------------------------------------------------- loading

/** Read and parse one YAML config; errors carry the file name and line:column. */
export function loadConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`config file not found: ${file} (give a path to a YAML file, e.g. --config configs/quickstart.yaml)`);
    if (code === 'EISDIR') throw new ConfigError(`config path is a directory, not a YAML file: ${file}`);
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const lines = doc.errors.map((e: YAMLError) => {
      const pos = e.linePos?.[0];
      const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
      return `${where}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new ConfigError(`invalid YAML:\n  ${lines.join('\n  ')}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) throw new ConfigError(`config file is empty: ${file}`);
  if (!isPlainObject(value)) throw new ConfigError(`${file}: the top level must be a mapping (target:, evaluation:, …), not ${describe(value)}`);
  return value;
}

/** `configs/nemotron-3-nano-30b-a3b.yaml` → `nemotron-3-nano-30b-a3b` */
export function configName(file: string): string {
  return path.basename(file).replace(/\.(ya?ml|json)$/i, '');
}

// ---------------------------------------------------------------- overrides

function parseOverrideValue(text: string): unknown {
  if (text === '') return '';
  try {
    return parseYaml(text);
  } catch {
    // Not valid YAML on its own (e.g. "a: b: c"): Hydra keeps such values as strings.
    return text;
  }
}

/** Splits a dotted override key, resolving `evaluation.tasks.<name>` to the list index of that task. */
function resolveOverrideKey(root: Json, key: string, override: string): Segment[] {
  const parts = key.split('.');
  if (parts.some((p) => p === '')) throw new ConfigError(`override '${override}': empty path segment in '${key}'`, key);
  const out: Segment[] = [];
  let node: unknown = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (Array.isArray(node)) {
      if (/^\d+$/.test(part)) {
        out.push(Number(part));
        node = node[Number(part)];
        continue;
      }
      // evaluation.tasks.<name>.<path>: names may contain dots, so try the longest match first.
      const names = node.map((e) => (isPlainObject(e) && typeof e['name'] === 'string' ? (e['name'] as string) : undefined));
      let matched = -1;
      let used = 0;
      for (let j = parts.length; j > i; j--) {
        const candidate = parts.slice(i, j).join('.');
        const idx = names.indexOf(candidate);
        if (idx >= 0) {
          matched = idx;
          used = j - i;
          break;
        }
      }
      if (matched < 0) {
        const listed = names.filter((n): n is string => n !== undefined);
        throw new ConfigError(
          `override '${override}': ${formatPath(out)} has no entry named '${part}'` +
            (listed.length ? `; names there: ${listed.join(', ')}` : '; use a list index instead (e.g. .0.)'),
          formatPath(out),
        );
      }
      out.push(matched);
      node = node[matched];
      i += used - 1;
      continue;
    }
    out.push(part);
    node = isPlainObject(node) ? node[part] : undefined;
  }
  return out;
}

function setPath(root: Json, segments: Segment[], value: unknown, remove: boolean, override: string): void {
  let node: unknown = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i];
    const nextSeg = segments[i + 1];
    if (Array.isArray(node) && typeof seg === 'number') {
      if (seg > node.length) throw new ConfigError(`override '${override}': index ${seg} is past the end of ${formatPath(segments.slice(0, i))} (length ${node.length})`, formatPath(segments.slice(0, i + 1)));
      if (node[seg] === undefined || node[seg] === null) node[seg] = typeof nextSeg === 'number' ? [] : {};
      node = node[seg];
    } else if (isPlainObject(node)) {
      const key = String(seg);
      if (node[key] === undefined || node[key] === null) node[key] = typeof nextSeg === 'number' ? [] : {};
      node = node[key];
    } else {
      throw new ConfigError(`override '${override}': ${formatPath(segments.slice(0, i))} is ${describe(node)}, not a mapping or list`, formatPath(segments.slice(0, i)));
    }
  }
  const last = segments[segments.length - 1];
  if (Array.isArray(node) && typeof last === 'number') {
    if (remove) {
      if (last < node.length) node.splice(last, 1);
      return;
    }
    if (last > node.length) throw new ConfigError(`override '${override}': index ${last} is past the end of ${formatPath(segments.slice(0, -1))} (length ${node.length})`, formatPath(segments));
    node[last] = value;
  } else if (isPlainObject(node)) {
    if (remove) delete node[String(last)];
    else node[String(last)] = value;
  } else {
    throw new ConfigError(`override '${override}': ${formatPath(segments.slice(0, -1))} is ${describe(node)}, not a mapping or list`, formatPath(segments.slice(0, -1)));
  }
}

/**
 * Apply Hydra-style overrides (`a.b.c=value`, `+a.b=v`, `++a.b=v`, `~a.b`),
 * values parsed as YAML. `evaluation.tasks.<name>.<path>=v` edits the task
 * named <name>; numeric segments index lists. Returns a new object.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  const root = structuredClone(raw) as Json;
  for (const override of overrides) {
    let spec = override.trim();
    let remove = false;
    if (spec.startsWith('~')) {
      remove = true;
      spec = spec.slice(1);
    } else if (spec.startsWith('++')) spec = spec.slice(2);
    else if (spec.startsWith('+')) spec = spec.slice(1);
    const eq = spec.indexOf('=');
    if (!remove && eq < 0) throw new ConfigError(`override '${override}' has no '='; write path.to.key=value (e.g. -o evaluation.nemo_evaluator_config.config.params.limit_samples=10)`);
    const key = (remove && eq < 0 ? spec : spec.slice(0, eq)).trim();
    if (!key) throw new ConfigError(`override '${override}' has no key before '='`);
    const segments = resolveOverrideKey(root, key, override);
    setPath(root, segments, remove ? undefined : parseOverrideValue(spec.slice(eq + 1)), remove, override);
  }
  return root;
}

// ---------------------------------------------------------------- validation

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function findPlaceholders(v: unknown, at: Segment[], out: Segment[][]): void {
  if (v === '???') out.push(at);
  else if (Array.isArray(v)) v.forEach((e, i) => findPlaceholders(e, [...at, i], out));
  else if (isPlainObject(v)) for (const [k, e] of Object.entries(v)) findPlaceholders(e, [...at, k], out);
}

/** The `-o` key for a path: tasks by name (the shortcut), other list entries by index. */
function overrideKey(raw: Json, at: Segment[]): string {
  const evaluation = raw['evaluation'];
  const tasks = isPlainObject(evaluation) ? evaluation['tasks'] : undefined;
  const parts = at.map(String);
  if (at[0] === 'evaluation' && at[1] === 'tasks' && typeof at[2] === 'number' && Array.isArray(tasks)) {
    const entry: unknown = tasks[at[2]];
    if (isPlainObject(entry) && typeof entry['name'] === 'string') parts[2] = entry['name'];
  }
  return parts.join('.');
}

function unwrapSchema(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else return cur;
  }
}

/** The keys a strict object accepts at `at`, to suggest a fix for an unknown key. */
function allowedKeysAt(schema: z.ZodType, at: readonly PropertyKey[]): string[] {
  let nodes: z.ZodType[] = [schema];
  for (const seg of at) {
    const next: z.ZodType[] = [];
    for (const n of nodes.map(unwrapSchema)) {
      const options = n instanceof z.ZodUnion ? (n.options as z.ZodType[]).map(unwrapSchema) : [n];
      for (const o of options) {
        if (o instanceof z.ZodObject && typeof seg === 'string' && seg in o.shape) next.push(o.shape[seg] as z.ZodType);
        else if (o instanceof z.ZodArray && typeof seg === 'number') next.push(o.element as z.ZodType);
        else if (o instanceof z.ZodRecord) next.push(o.valueType as z.ZodType);
      }
    }
    nodes = next;
  }
  const keys = new Set<string>();
  for (const n of nodes.map(unwrapSchema)) {
    const options = n instanceof z.ZodUnion ? (n.options as z.ZodType[]).map(unwrapSchema) : [n];
    for (const o of options) if (o instanceof z.ZodObject) for (const k of Object.keys(o.shape)) keys.add(k);
  }
  return [...keys];
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const close = allowed
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(key.length / 4)))
    .sort((x, y) => x.d - y.d);
  if (close.length) return `unknown key; did you mean '${close[0].k}'?`;
  return allowed.length ? `unknown key; allowed here: ${allowed.join(', ')}` : 'unknown key';
}

function issueMessages(issue: z.core.$ZodIssue): { path: PropertyKey[]; text: string }[] {
  const at = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(configSchema, at);
      return issue.keys.map((k) => ({ path: [...at, k], text: `${formatPath([...at, k])}: ${unknownKeyMessage(k, allowed)}` }));
    }
    case 'invalid_type':
      if (issue.input === undefined) return [{ path: at, text: `${formatPath(at)}: required but missing (expected ${issue.expected})` }];
      return [{ path: at, text: `${formatPath(at)}: expected ${issue.expected}, got ${describe(issue.input)}` }];
    case 'invalid_value':
      return [{ path: at, text: `${formatPath(at)}: expected one of ${issue.values.map((v) => String(v)).join(', ')}, got ${describe(issue.input)}` }];
    case 'invalid_union':
      return [{ path: at, text: `${formatPath(at)}: ${describe(issue.input)} has the wrong shape here` }];
    case 'custom': {
      const standalone = isPlainObject(issue.params) && issue.params[STANDALONE] === true;
      return [{ path: at, text: standalone ? `${formatPath(at)} ${issue.message}` : `${formatPath(at)}: ${issue.message}` }];
    }
    default:
      return [{ path: at, text: `${formatPath(at)}: ${issue.message}` }];
  }
}

function isUnder(p: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= p.length && prefix.every((s, i) => s === p[i]);
}

/**
 * Validate a raw config. Throws one ConfigError listing every problem, each
 * with its dotted path: unknown keys, wrong types, `???` placeholders,
 * missing required values, out-of-range values.
 */
export function validateConfig(input: unknown): EvalConfig {
  if (!isPlainObject(input)) throw new ConfigError(`the config must be a mapping with target: and evaluation:, got ${describe(input)}`);
  const model = withDeployment(input);
  const judged = withJudgeDeployment(model.raw);
  const deployed = { raw: judged.raw, problems: [...model.problems, ...judged.problems] };
  const raw = deployed.raw;
  const placeholders: Segment[][] = [];
  findPlaceholders(raw, [], placeholders);
  const problems: { path: PropertyKey[]; text: string }[] = placeholders.map((p) => ({
    path: p,
    text: `${formatPath(p)}: placeholder ??? was never set; set it with -o ${overrideKey(raw, p)}=value`,
  }));
  problems.push(...deployed.problems);
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (parsed.success && !problems.length) return parsed.data;
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (placeholders.some((p) => isUnder(issue.path, p))) continue;
      problems.push(...issueMessages(issue));
    }
  }
  const lines = [...new Set(problems.map((p) => p.text))];
  throw new ConfigError(
    `invalid config (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  - ${lines.join('\n  - ')}`,
    formatPath(problems[0]?.path ?? []),
  );
}

/** The deployment's type: `deployment.type`, else a Hydra defaults entry `deployment: <type>`, else none. */
function deploymentType(raw: Json): string {
  const dep = raw.deployment;
  if (isPlainObject(dep) && typeof dep.type === 'string') return dep.type;
  for (const entry of Array.isArray(raw.defaults) ? raw.defaults : []) {
    if (isPlainObject(entry) && typeof entry.deployment === 'string') return entry.deployment;
  }
  return 'none';
}

/**
 * A config with a deployment, as the launcher reads it: the deployment's type
 * may come from `defaults`, and the target endpoint is the deployment's
 * (url http://127.0.0.1:<port>/v1/chat/completions, model_id its
 * served_model_name) unless the config sets them. The url's host is nominal:
 * tasks call the address the deploy worker reports (docs/architecture.md, "Deployments").
 */
function withDeployment(raw: Json): { raw: Json; problems: { path: PropertyKey[]; text: string }[] } {
  const type = deploymentType(raw);
  const problems: { path: PropertyKey[]; text: string }[] = [];
  if (type === 'none') return { raw, problems };
  const dep: Json = isPlainObject(raw.deployment) ? { ...raw.deployment } : {};
  if (dep.type !== undefined && dep.type !== type) return { raw, problems };
  dep.type = type;
  const target: Json = isPlainObject(raw.target) ? { ...raw.target } : {};
  const api: Json = isPlainObject(target.api_endpoint) ? { ...target.api_endpoint } : {};
  const unset = (v: unknown) => v === undefined || v === null || v === '???';
  const port = typeof dep.port === 'number' ? dep.port : DEFAULT_DEPLOY_PORT;
  if (unset(api.url)) api.url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const served = servedModelName(dep);
  if (unset(api.model_id)) {
    if (served) api.model_id = served;
    else problems.push({ path: ['deployment', 'served_model_name'], text: 'deployment.served_model_name: the name the server answers to is not set; set it (or target.api_endpoint.model_id)' });
  } else if (served && typeof api.model_id === 'string' && api.model_id !== served) {
    problems.push({
      path: ['deployment', 'served_model_name'],
      text: `deployment.served_model_name '${served}' and target.api_endpoint.model_id '${api.model_id}' differ: the tasks would ask the server for a model it does not serve; keep one of them`,
    });
  }
  target.api_endpoint = api;
  return { raw: { ...raw, deployment: dep, target }, problems };
}

/**
 * A config with `auxiliary_deployments.judge` (the launcher's key): its port
 * defaults to 8001 (ours; the model's is 8000), and every `params.extra.judge`
 * written in the config (global and per task) gets the deployment's nominal
 * url and served_model_name as its model_id unless it sets them; a judged task
 * with no extra.judge gets that judge (resolveTask). The url's host is nominal,
 * as for the model: judge calls go where the judge's deploy worker reports.
 */
function withJudgeDeployment(raw: Json): { raw: Json; problems: { path: PropertyKey[]; text: string }[] } {
  const problems: { path: PropertyKey[]; text: string }[] = [];
  const aux = raw.auxiliary_deployments;
  if (!isPlainObject(aux) || !isPlainObject(aux.judge) || (aux.judge.type ?? 'none') === 'none' || typeof aux.judge.type !== 'string') return { raw, problems };
  const dep: Json = { ...aux.judge };
  if (dep.port === undefined || dep.port === null) dep.port = DEFAULT_JUDGE_DEPLOY_PORT;
  const served = servedModelName(dep);
  if (!served) {
    problems.push({
      path: ['auxiliary_deployments', 'judge', 'served_model_name'],
      text: "auxiliary_deployments.judge.served_model_name: the name the judge's server answers to is not set; set it (the judges call that model)",
    });
  }
  const model = isPlainObject(raw.deployment) ? raw.deployment : undefined;
  if (model && typeof model.type === 'string' && model.type !== 'none') {
    const modelPort = typeof model.port === 'number' ? model.port : DEFAULT_DEPLOY_PORT;
    const sameQueue = (model.task_queue ?? null) === (dep.task_queue ?? null);
    if (dep.port === modelPort && sameQueue) {
      problems.push({
        path: ['auxiliary_deployments', 'judge', 'port'],
        text: `auxiliary_deployments.judge.port ${modelPort} is the model deployment's port: both servers may start on one deploy host and the second would find it taken; give the judge another port (default ${DEFAULT_JUDGE_DEPLOY_PORT}) or another task_queue`,
      });
    }
  }
  const url = `http://127.0.0.1:${dep.port}/v1/chat/completions`;
  const unset = (v: unknown) => v === undefined || v === null || v === '???';
  const fill = (judge: unknown, where: string): unknown => {
    if (!isPlainObject(judge)) return judge;
    const j: Json = { ...judge };
    if (unset(j.url)) j.url = url;
    if (unset(j.model_id)) {
      if (served) j.model_id = served;
    } else if (served && j.model_id !== served) {
      problems.push({
        path: ['auxiliary_deployments', 'judge', 'served_model_name'],
        text: `auxiliary_deployments.judge.served_model_name '${served}' and ${where}.model_id '${String(j.model_id)}' differ: the judge calls would ask the judge's server for a model it does not serve; keep one of them`,
      });
    }
    return j;
  };
  // params.extra.judge at the global level and in each task's nemo_evaluator_config.
  const withJudge = (nec: unknown, where: string): unknown => {
    if (!isPlainObject(nec) || !isPlainObject(nec.config) || !isPlainObject(nec.config.params) || !isPlainObject(nec.config.params.extra) || nec.config.params.extra.judge === undefined) return nec;
    const extra = { ...nec.config.params.extra, judge: fill(nec.config.params.extra.judge, `${where}.config.params.extra.judge`) };
    return { ...nec, config: { ...nec.config, params: { ...nec.config.params, extra } } };
  };
  let evaluation = raw.evaluation;
  if (isPlainObject(evaluation)) {
    evaluation = { ...evaluation, nemo_evaluator_config: withJudge(evaluation.nemo_evaluator_config, 'evaluation.nemo_evaluator_config') };
    const ev = evaluation as Json;
    if (Array.isArray(ev.tasks)) {
      ev.tasks = ev.tasks.map((t, i) => (isPlainObject(t) ? { ...t, nemo_evaluator_config: withJudge(t.nemo_evaluator_config, `evaluation.tasks[${i}].nemo_evaluator_config`) } : t));
      for (const t of ev.tasks as Json[]) if (isPlainObject(t) && t.nemo_evaluator_config === undefined) delete t.nemo_evaluator_config;
    }
    if (ev.nemo_evaluator_config === undefined) delete ev.nemo_evaluator_config;
  }
  return { raw: { ...raw, auxiliary_deployments: { ...aux, judge: dep }, ...(evaluation !== undefined ? { evaluation } : {}) }, problems };
}

/** The run's judge deployment (`auxiliary_deployments.judge`), resolved (undefined for none). */
export function judgeDeploymentOf(cfg: EvalConfig): DeploymentSpec | undefined {
  const dep = (cfg.auxiliary_deployments as Record<string, unknown> | undefined)?.judge as Record<string, unknown> | undefined;
  if (!dep || (dep.type ?? 'none') === 'none') return undefined;
  return resolveDeployment(dep, servedModelName(dep) ?? '');
}

/** The run's deployment, resolved (undefined for none). */
export function deploymentOf(cfg: EvalConfig): DeploymentSpec | undefined {
  const dep = cfg.deployment as Record<string, unknown> | undefined;
  if (!dep || (dep.type ?? 'none') === 'none') return undefined;
  return resolveDeployment(dep, cfg.target.api_endpoint.model_id);
}

/** Keep only the named tasks, in config order. An unknown name lists the available ones. */
export function filterTasks(cfg: EvalConfig, names: string[]): EvalConfig {
  if (!names.length) return cfg;
  const available = cfg.evaluation.tasks.map((t) => t.name);
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length) {
    throw new ConfigError(
      `unknown task${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; this config has: ${available.join(', ')}`,
      'evaluation.tasks',
    );
  }
  const wanted = new Set(names);
  return { ...cfg, evaluation: { ...cfg.evaluation, tasks: cfg.evaluation.tasks.filter((t) => wanted.has(t.name)) } };
}

// ---------------------------------------------------------------- resolution

export interface ResolvedPlan {
  tasks: ResolvedTask[];
  execution: ExecutionSettings;
  /** The model server the run starts (`deployment:`), when it has one. */
  deployment?: DeploymentSpec;
  /** The judge's server the run starts (`auxiliary_deployments.judge`), when it has one. */
  judge_deployment?: DeploymentSpec;
  warnings: string[];
  unsupported: { name: string; reason: string }[];
}

export interface TaskRegistry {
  /** Why the task cannot run with this prompt config (unknown to its module), or undefined. */
  promptConfigProblem?(name: string, promptConfig: string | undefined): string | undefined;
  /** True when the task's responses are graded by an LLM judge (needs extra.judge). */
  isJudged?(name: string): boolean;
  /** True when the task's responses are scored by running code in the sandbox. */
  isSandboxed?(name: string): boolean;
  isImplemented(name: string): boolean;
  unsupportedReason(name: string): string | undefined;
  defaults(name: string): { max_new_tokens?: number; temperature?: number; top_p?: number } | undefined;
  /** Split names the task accepts through extra.dataset_split (undefined: it has one split). */
  splits?(name: string): readonly string[] | undefined;
  /** The `++key` args (other than prompt_config) the task's module interprets. */
  benchmarkArgs?(name: string): readonly string[] | undefined;
  /** All task names evalflow knows (implemented or not), for error messages. */
  knownTasks?(): string[];
}

/** Objects merge key by key (later wins); lists and scalars are replaced. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Json = structuredClone(base);
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return structuredClone(over);
}

/** NeMo-Skills argument string → `++key=value` pairs (quotes removed). */
export function parseSkillsArgs(args: string | string[] | undefined): { key: string; value: string }[] {
  if (args === undefined) return [];
  const text = Array.isArray(args) ? args.join(' ') : args;
  const tokens: string[] = [];
  const re = /(?:[^\s"']+|"[^"]*"|'[^']*')+/g;
  for (const m of text.matchAll(re)) tokens.push(m[0]);
  return tokens.map((tok) => {
    const bare = tok.replace(/^\+\+?/, '');
    const eq = bare.indexOf('=');
    const key = eq < 0 ? bare : bare.slice(0, eq);
    const value = eq < 0 ? '' : bare.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2');
    return { key, value };
  });
}

function endpointTypeFromUrl(url: string): 'chat' | 'completions' | undefined {
  const p = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  if (p.endsWith('/chat/completions')) return 'chat';
  if (p.endsWith('/completions')) return 'completions';
  return undefined;
}

function endpointType(url: string, declared: 'chat' | 'completions' | 'vlm' | undefined, where: string): 'chat' | 'completions' {
  const fromUrl = endpointTypeFromUrl(url);
  const type = declared === 'vlm' ? 'chat' : declared;
  if (type && fromUrl && type !== fromUrl) {
    throw new ConfigError(`${where}: endpoint type '${type}' does not match URL '${url}' (a ${fromUrl} URL); fix one of them`, where);
  }
  const resolved = type ?? fromUrl;
  if (!resolved) {
    throw new ConfigError(
      `${where}: cannot tell the endpoint type from URL '${url}'; give the full URL ending in /v1/chat/completions or /v1/completions, or set type: chat|completions`,
      where,
    );
  }
  return resolved;
}

/** True when a launcher map such as `mounts: {evaluation: {…}}` sets anything. */
function hasContent(v: Record<string, unknown> | undefined): boolean {
  return Object.values(v ?? {}).some((e) => !(isPlainObject(e) && Object.keys(e).length === 0));
}

function executionSettings(cfg: EvalConfig, warn: (w: string) => void): ExecutionSettings {
  const e = cfg.execution ?? {};
  if (e.output_dir !== undefined) warn(`execution.output_dir '${e.output_dir}' is not used: artifacts go to the artifact store; fetch them with \`evalflow pull <run-id> --out DIR\``);
  if (hasContent(e.mounts))
    warn('execution.mounts is not used: evalflow runs no containers; point dataset_dir (or EVALFLOW_DATASETS_DIR) at local data instead');
  if (hasContent(e.env_vars))
    warn('execution.env_vars is not used: workers read their own environment; export the variables where the worker runs');
  if (e.extra_docker_args) warn('execution.extra_docker_args is not used: evalflow runs no containers');
  if (e.use_docker !== undefined) warn('execution.use_docker is not used: evalflow runs benchmarks in its workers, never in containers');
  if (e.auto_export && Object.keys(e.auto_export).length) warn('execution.auto_export is not supported: results stay in the artifact store (`evalflow pull` fetches them)');
  let taskParallelism: number = e.task_parallelism ?? EXECUTION_DEFAULTS.task_parallelism;
  if (e.mode === 'sequential') {
    if (e.task_parallelism !== undefined && e.task_parallelism !== 1) warn(`execution.mode: sequential conflicts with task_parallelism ${e.task_parallelism}; using task_parallelism`);
    else taskParallelism = 1;
  }
  return {
    task_parallelism: taskParallelism,
    shard_parallelism: e.shard_parallelism ?? EXECUTION_DEFAULTS.shard_parallelism,
    shard_size: e.shard_size ?? EXECUTION_DEFAULTS.shard_size,
    heartbeat_timeout: e.heartbeat_timeout ?? EXECUTION_DEFAULTS.heartbeat_timeout,
    activity_attempts: e.activity_attempts ?? EXECUTION_DEFAULTS.activity_attempts,
    ...(e.judge_task_queue ? { judge_task_queue: e.judge_task_queue } : {}),
    ...(e.budget_usd !== undefined ? { budget_usd: e.budget_usd } : {}),
    ...(e.pricing?.length ? { pricing: e.pricing.map((p) => ({ ...p })) } : {}),
    ...(e.sandbox_task_queue ? { sandbox_task_queue: e.sandbox_task_queue } : {}),
    ...(e.sandbox_wait ? { sandbox_wait: e.sandbox_wait } : {}),
    ...(e.budget_usd !== undefined ? { budget_usd: e.budget_usd } : {}),
  };
}

type LimitEntry = NonNullable<NonNullable<EvalConfig['execution']>['endpoint_limits']>[number];

/** The `execution.endpoint_limits` entry for an endpoint (matched as pricing is, lib/config/pricing.ts); two are an error. */
function limitsEntryFor(list: readonly LimitEntry[], endpoint: EndpointSpec): LimitEntry | undefined {
  const hits = matchingPriceIndices(list, endpoint);
  if (hits.length > 1) {
    throw new ConfigError(
      `execution.endpoint_limits has ${hits.length} entries for model '${endpoint.model_id}' at ${endpoint.url}; keep one (give 'url' to tell endpoints of the same model apart)`,
      'execution.endpoint_limits',
    );
  }
  return hits.length ? list[hits[0]] : undefined;
}

/** Attach execution.endpoint_limits to the target and judge endpoints of every task. */
function attachLimits(cfg: EvalConfig, tasks: ResolvedTask[]): void {
  const list = cfg.execution?.endpoint_limits;
  if (!list?.length) return;
  const limitsOf = (ep: EndpointSpec) => {
    const e = limitsEntryFor(list, ep);
    if (!e) return;
    ep.limits = {
      ...(e.max_concurrency !== undefined ? { max_concurrency: e.max_concurrency } : {}),
      ...(e.requests_per_minute !== undefined ? { requests_per_minute: e.requests_per_minute } : {}),
      ...(e.tokens_per_minute !== undefined ? { tokens_per_minute: e.tokens_per_minute } : {}),
      ...(e.adaptive !== undefined ? { adaptive: e.adaptive } : {}),
    };
  };
  for (const t of tasks) {
    limitsOf(t.endpoint);
    if (t.judge) limitsOf(t.judge.endpoint);
  }
}

function envVarWarnings(vars: Record<string, string | number | boolean> | undefined, where: string, warn: (w: string) => void): void {
  for (const [dst, srcRaw] of Object.entries(vars ?? {})) {
    const src = String(srcRaw);
    if (src.startsWith('$lit:')) {
      warn(`${where}.${dst} gives a literal value; evalflow workers read ${dst} from their own environment — export it there`);
      continue;
    }
    const name = src.replace(/^\$(host|runtime):/, '');
    if (ENV_VAR_NAME.test(name) && name !== dst) {
      warn(`${where}.${dst}: ${name} renames a variable; evalflow workers read ${dst} from their own environment — export ${dst} there`);
    }
  }
}

/** Legacy adapter keys that do not turn into an interceptor of their own and need no message. */
const RECORDED_ANYWAY = new Set([
  'use_request_logging', 'use_response_logging', 'max_logged_requests', 'max_logged_responses', 'tracking_requests_stats',
  'log_failed_requests', 'generate_html_report', 'html_report_size', 'include_json', 'save_requests', 'save_responses',
  'max_saved_requests', 'max_saved_responses', 'logging_aggregated_stats_interval', 'use_raise_client_errors', 'output_dir',
  'endpoint_type',
]);

/** Interceptors with an evalflow counterpart (caching, logging and stats are always on). */
const KNOWN_INTERCEPTORS = new Set([
  'system_message', 'payload_modifier', 'reasoning', 'caching', 'request_logging', 'response_logging', 'response_stats',
  'endpoint', 'raise_client_errors',
]);

interface AdapterEffect {
  systemPrompt?: string;
  paramsToAdd?: Json;
  paramsToRemove: string[];
}

function adapterEffect(a: AdapterConfig, where: string, warn: (w: string) => void): AdapterEffect {
  const effect: AdapterEffect = { paramsToRemove: [] };
  if (a.use_nvcf) throw new ConfigError(`${where}.use_nvcf: NVCF endpoints are not supported; evalflow calls OpenAI-compatible endpoints`, `${where}.use_nvcf`);
  if (a.use_megatron) throw new ConfigError(`${where}.use_megatron: Megatron endpoints are not supported; serve the model behind an OpenAI-compatible API`, `${where}.use_megatron`);
  if (a.discovery && ((a.discovery.modules?.length ?? 0) > 0 || (a.discovery.dirs?.length ?? 0) > 0))
    warn(`${where}.discovery is not supported: evalflow loads no third-party interceptors`);
  if (a.post_eval_hooks?.length) warn(`${where}.post_eval_hooks are not run: evalflow writes its own report and results.json`);

  const interceptors = (a.interceptors ?? []).map((i) => (typeof i === 'string' ? { name: i, enabled: true, config: {} } : { enabled: true, config: {}, ...i }));
  if (interceptors.length) {
    // NeMo converts the legacy keys only when no interceptor list is given.
    const legacy = Object.keys(a).filter(
      (k) => a[k as keyof AdapterConfig] !== undefined && !RECORDED_ANYWAY.has(k) && !['interceptors', 'post_eval_hooks', 'discovery'].includes(k),
    );
    if (legacy.length) warn(`${where}: ${legacy.join(', ')} ignored because interceptors is set (as in NeMo Evaluator); configure them as interceptors`);
    for (const ic of interceptors) {
      if (ic.enabled === false) continue;
      const conf: Json = ic.config ?? {};
      if (!KNOWN_INTERCEPTORS.has(ic.name)) {
        warn(`${where}.interceptors: '${ic.name}' has no evalflow counterpart and is not applied`);
        continue;
      }
      if (ic.name === 'system_message' && typeof conf['system_message'] === 'string') effect.systemPrompt = conf['system_message'];
      if (ic.name === 'payload_modifier') {
        if (isPlainObject(conf['params_to_add'])) effect.paramsToAdd = conf['params_to_add'];
        if (Array.isArray(conf['params_to_remove'])) effect.paramsToRemove.push(...conf['params_to_remove'].map(String));
        if (isPlainObject(conf['params_to_rename']) && Object.keys(conf['params_to_rename']).length)
          warn(`${where}.interceptors payload_modifier params_to_rename is not supported; set the renamed fields with params_to_add`);
      }
      if (ic.name === 'reasoning') reasoningTokens(conf['start_reasoning_token'], conf['end_reasoning_token'], where, warn);
      if (ic.name === 'caching' && conf['reuse_cached_responses'] === false) warn(cachingWarning(where));
    }
    return effect;
  }

  if (a.use_caching === false) warn(cachingWarning(where));
  if (a.caching_dir) warn(`${where}.caching_dir is not used: the response cache lives in the artifact store`);
  const prompt = a.custom_system_prompt ?? a.system_prompt ?? undefined;
  if (a.custom_system_prompt !== undefined && a.custom_system_prompt !== null && a.system_prompt && a.system_prompt !== a.custom_system_prompt)
    throw new ConfigError(`${where}: custom_system_prompt and system_prompt differ; keep one`, where);
  if (prompt !== undefined && prompt !== null) {
    if (a.custom_system_prompt && a.use_system_prompt !== true && !a.system_prompt)
      warn(`${where}.custom_system_prompt is not applied because use_system_prompt is not true (as in NeMo Evaluator); set use_system_prompt: true to apply it`);
    else effect.systemPrompt = prompt;
  }
  if (a.params_to_add) effect.paramsToAdd = a.params_to_add;
  if (a.params_to_remove) effect.paramsToRemove.push(...a.params_to_remove);
  if (a.params_to_rename && Object.keys(a.params_to_rename).length) warn(`${where}.params_to_rename is not supported; set the renamed fields with params_to_add`);
  if (a.use_reasoning === false || a.process_reasoning_traces === false)
    warn(`${where}: reasoning stripping cannot be switched off: evalflow always scores the text after </think> (or outside reasoning_content)`);
  reasoningTokens(a.start_reasoning_token, a.end_reasoning_token, where, warn);
  if (a.use_progress_tracking || a.progress_tracking_url) warn(`${where}: progress tracking is not used; follow progress with \`evalflow status\` or the Temporal UI`);
  if (a.use_omni_info) warn(`${where}.use_omni_info is not supported`);
  return effect;
}

function reasoningTokens(start: unknown, end: unknown, where: string, warn: (w: string) => void): void {
  if (typeof end === 'string' && end !== '</think>') warn(`${where}: end_reasoning_token '${end}' is not honoured; evalflow splits reasoning at </think>`);
  if (typeof start === 'string' && start !== '<think>') warn(`${where}: start_reasoning_token '${start}' is not honoured; evalflow expects <think>`);
}

function cachingWarning(where: string): string {
  return `${where}.use_caching: false is not honoured: evalflow always caches responses so no paid call is made twice (delete the run's cache prefix to force new calls)`;
}

/** Extra keys evalflow interprets itself (the rest are reported). */
const INTERPRETED_EXTRA = new Set(['num_repeats', 'n_samples', 'judge', 'judge_support', 'prompt_config', 'args', 'dataset_dir', 'system_message', 'dataset_split']);

/** Merge global and task nemo_evaluator_config, apply dotted overrides, and re-validate the result. */
function mergedTaskConfig(cfg: EvalConfig, index: number): NemoEvaluatorConfig {
  const task = cfg.evaluation.tasks[index];
  const targetAdapter = cfg.target.api_endpoint.adapter_config;
  let merged = deepMerge(targetAdapter ? { target: { api_endpoint: { adapter_config: targetAdapter } } } : {}, cfg.evaluation.nemo_evaluator_config ?? {});
  merged = deepMerge(merged, task.nemo_evaluator_config ?? {});
  const root = merged as Json;
  const applied: [string, string][] = [];
  for (const [source, overrides] of [
    ['evaluation.overrides', cfg.evaluation.overrides],
    [`evaluation.tasks[${index}].overrides`, task.overrides],
  ] as const) {
    for (const [key, value] of Object.entries(overrides ?? {})) {
      setPath(root, key.split('.'), value, false, `${source}["${key}"]`);
      applied.push([source, key]);
    }
  }
  const parsed = nemoEvaluatorConfigSchema.safeParse(root, { reportInput: true });
  if (!parsed.success) {
    const where = applied.length ? `${applied.map(([s, k]) => `${s}["${k}"]`).join(', ')}` : `evaluation.tasks[${index}].nemo_evaluator_config`;
    const detail = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    throw new ConfigError(`task '${task.name}': merged settings are invalid after ${where}: ${detail}`, where);
  }
  return parsed.data;
}

/**
 * Resolve every task: global params ← task params (deep merge, task wins) ←
 * dotted overrides ← benchmark defaults for keys neither sets. Tasks the
 * registry knows but has not implemented go to `unsupported`; names it does
 * not know at all are a ConfigError.
 */
type Warn = (w: string) => void;

/** What one task entry of the config resolves to. */
type TaskOutcome = { resolved: ResolvedTask } | { unsupported: string } | { unknown: true };

/** Keys of the launcher format that evalflow reads but does not act on: each one a warning, never silently ignored. */
function warnIgnoredTaskKeys(task: EvalConfig['evaluation']['tasks'][number], i: number, where: string, warn: Warn): void {
  envVarWarnings(task.env_vars, `evaluation.tasks[${i}].env_vars`, warn);
  if (task.container) warn(`${where}.container is not used: evalflow runs the benchmark in its workers`);
  if (task.pre_cmd) warn(`${where}.pre_cmd is not run: evalflow runs no shell commands from configs`);
  if (task.dataset_mount_path) warn(`${where}.dataset_mount_path is not used: dataset_dir is read in place`);
}

/** `++prompt_config` and the `++key=value` args the benchmark interprets, from extra.prompt_config and extra.args. */
function skillsArgs(
  extra: Record<string, unknown> & { prompt_config?: string; args?: string | string[] },
  known: readonly string[],
  i: number,
  where: string,
  warn: Warn,
): { promptConfig?: string; benchmarkArgs: Record<string, string> } {
  let promptConfig = extra.prompt_config;
  const benchmarkArgs: Record<string, string> = {};
  for (const { key, value } of parseSkillsArgs(extra.args)) {
    if (key === 'prompt_config') {
      if (promptConfig !== undefined && promptConfig !== value)
        throw new ConfigError(`${where}: extra.prompt_config '${promptConfig}' and extra.args ++prompt_config=${value} differ; keep one`, `evaluation.tasks[${i}]`);
      promptConfig = value;
    } else if (known.includes(key)) benchmarkArgs[key] = value;
    else warn(`${where}: extra.args ++${key}${value ? `=${value}` : ''} is not interpreted by evalflow`);
  }
  return { ...(promptConfig !== undefined ? { promptConfig } : {}), benchmarkArgs };
}

/**
 * The execution.pricing entry of an endpoint. Two matching entries are an error; with a budget, so is
 * none (the budget could not be enforced). The target endpoint is checked by the schema already.
 */
function priceOf(execution: ExecutionSettings, endpoint: EndpointSpec, what: string, where: string): PriceEntry | undefined {
  const matching = matchingPriceIndices(execution.pricing, endpoint);
  if (matching.length > 1) throw new ConfigError(`${ambiguousPriceMessage(matching, what, endpoint)}`, 'execution.pricing');
  if (matching.length === 0 && execution.budget_usd !== undefined) throw new ConfigError(missingPriceMessage(what, endpoint), where);
  return matching.length ? { ...execution.pricing![matching[0]]! } : undefined;
}

/** One task entry against the registry: the resolved task, or why it cannot run. */
function resolveTask(cfg: EvalConfig, registry: TaskRegistry, i: number, execution: ExecutionSettings, warn: Warn): TaskOutcome {
  const task = cfg.evaluation.tasks[i]!;
  const ep = cfg.target.api_endpoint;
  const where = `evaluation.tasks[${i}] (${task.name})`;
  if (!registry.isImplemented(task.name)) {
    const reason = registry.unsupportedReason(task.name);
    return reason !== undefined ? { unsupported: reason } : { unknown: true };
  }
  warnIgnoredTaskKeys(task, i, where, warn);

  const nec = mergedTaskConfig(cfg, i);
  const p = nec.config?.params ?? {};
  const extra = p.extra ?? {};
  const adapter = nec.target?.api_endpoint?.adapter_config;
  const effect = adapter ? adapterEffect(adapter, `${where} adapter_config`, warn) : { paramsToRemove: [] as string[] };
  if (nec.target?.api_endpoint?.stream) warn(`${where}: stream: true is not used: evalflow requests whole responses`);
  if (p.task !== undefined) warn(`${where}: params.task '${p.task}' is not used: the task name selects the benchmark`);

  const uninterpreted = Object.keys(extra).filter((k) => !INTERPRETED_EXTRA.has(k));
  if (uninterpreted.length) warn(`${where}: params.extra ${uninterpreted.join(', ')} not interpreted by evalflow (its benchmark module fixes these)`);

  const { promptConfig, benchmarkArgs } = skillsArgs(extra, registry.benchmarkArgs?.(task.name) ?? [], i, where, warn);
  let datasetSplit: string | undefined;
  if (extra.dataset_split !== undefined) {
    const splits = registry.splits?.(task.name);
    if (splits) datasetSplit = extra.dataset_split;
    else warn(`${where}: params.extra.dataset_split '${extra.dataset_split}' is not used: ${task.name} has a single split`);
  }

  if (effect.systemPrompt !== undefined && extra.system_message !== undefined && effect.systemPrompt !== extra.system_message)
    throw new ConfigError(`${where}: adapter system prompt and extra.system_message differ; keep one`, `evaluation.tasks[${i}]`);
  const systemPrompt = effect.systemPrompt ?? extra.system_message;

  const benchDefaults = registry.defaults(task.name) ?? {};
  const removed = new Set(effect.paramsToRemove);
  const params: GenerationParams = {
    parallelism: p.parallelism ?? PARAM_DEFAULTS.parallelism,
    request_timeout: p.request_timeout ?? PARAM_DEFAULTS.request_timeout,
    max_retries: p.max_retries ?? PARAM_DEFAULTS.max_retries,
    num_repeats: extra.num_repeats ?? extra.n_samples ?? PARAM_DEFAULTS.num_repeats,
  };
  if (p.limit_samples !== undefined && p.limit_samples !== null) params.limit_samples = p.limit_samples;
  const maxNew = p.max_new_tokens === null ? undefined : (p.max_new_tokens ?? benchDefaults.max_new_tokens);
  const temperature = p.temperature === null ? undefined : (p.temperature ?? benchDefaults.temperature);
  const topP = p.top_p === null ? undefined : (p.top_p ?? benchDefaults.top_p);
  if (maxNew !== undefined && !removed.has('max_tokens') && !removed.has('max_completion_tokens')) params.max_new_tokens = maxNew;
  if (temperature !== undefined && !removed.has('temperature')) params.temperature = temperature;
  if (topP !== undefined && !removed.has('top_p')) params.top_p = topP;
  for (const r of removed) {
    if (!['max_tokens', 'max_completion_tokens', 'temperature', 'top_p'].includes(r))
      warn(`${where}: params_to_remove '${r}' is not supported (evalflow sends only model, messages and the sampling settings)`);
  }
  if (promptConfig !== undefined) params.prompt_config = promptConfig;
  if (Object.keys(benchmarkArgs).length) params.benchmark_args = benchmarkArgs;
  if (datasetSplit !== undefined) params.dataset_split = datasetSplit;
  if (systemPrompt !== undefined) params.system_prompt = systemPrompt;
  if (effect.paramsToAdd && Object.keys(effect.paramsToAdd).length) params.extra_body = structuredClone(effect.paramsToAdd);

  const declared = task.endpoint_type ?? nec.target?.api_endpoint?.type ?? ep.type ?? adapter?.endpoint_type;
  const endpoint: EndpointSpec = {
    url: ep.url,
    model_id: ep.model_id,
    type: endpointType(ep.url, declared, 'target.api_endpoint.url'),
  };
  if (deploymentOf(cfg)) endpoint.deployed = true;
  const keyName = ep.api_key_name ?? ep.api_key ?? undefined;
  if (keyName) endpoint.api_key_name = keyName;

  const judgePath = `evaluation.tasks[${i}].nemo_evaluator_config.config.params.extra.judge`;
  const judged = registry.isJudged?.(task.name) ?? false;
  const judgeDeployment = judgeDeploymentOf(cfg);
  let judge = extra.judge ? judgeEndpoint(extra.judge, judgePath) : undefined;
  if (judgeDeployment && judged) {
    // The judge the run deploys (auxiliary_deployments.judge) grades every judged task.
    judge ??= judgeEndpoint({ url: `http://127.0.0.1:${judgeDeployment.port}/v1/chat/completions`, model_id: judgeDeployment.served_model_name }, judgePath);
    judge.endpoint.deployed = true;
    judge.endpoint.deployment = 'judge';
  }
  if (judged && !judge) {
    throw new ConfigError(
      `${where} is graded by an LLM judge: set params.extra.judge {url, model_id, api_key_name} ` +
        `(e.g. -o evaluation.tasks.${task.name}.nemo_evaluator_config.config.params.extra.judge.url=https://…/v1/chat/completions)`,
      judgePath,
    );
  }
  if (judge && !judged) warn(`${where}: params.extra.judge is not used: ${task.name} is scored without a judge`);

  const promptProblem = registry.promptConfigProblem?.(task.name, promptConfig);
  if (promptProblem !== undefined) return { unsupported: promptProblem };

  const resolved: ResolvedTask = { name: task.name, benchmark: task.name, endpoint, params, shard_size: execution.shard_size };
  const modelPrice = priceOf(execution, endpoint, 'target endpoint', 'execution.pricing');
  if (modelPrice) resolved.price = modelPrice;
  if (judge && judged) {
    const judgePrice = priceOf(execution, judge.endpoint, `judge endpoint of ${task.name}`, judgePath);
    resolved.judge = judgePrice ? { ...judge, price: judgePrice } : judge;
  }
  if (registry.isSandboxed?.(task.name)) resolved.sandbox = true;
  const datasetDir = task.dataset_dir ?? extra.dataset_dir;
  if (datasetDir !== undefined) resolved.dataset_dir = datasetDir;
  return { resolved };
}

export function resolveTasks(cfg: EvalConfig, registry: TaskRegistry): ResolvedPlan {
  const warnings: string[] = [];
  const warn: Warn = (w) => {
    if (!warnings.includes(w)) warnings.push(w);
  };
  for (const entry of cfg.defaults ?? []) {
    if (typeof entry === 'string') continue;
    const execution = entry['execution'];
    if (execution && execution !== 'local') warn(`defaults: execution '${execution}' is not used: evalflow runs tasks on Temporal workers`);
  }
  const execution = executionSettings(cfg, warn);
  envVarWarnings(cfg.env_vars, 'env_vars', warn);
  envVarWarnings(cfg.evaluation.env_vars, 'evaluation.env_vars', warn);
  if (cfg.target.api_endpoint.stream) warn('target.api_endpoint.stream: true is not used: evalflow requests whole responses');

  const tasks: ResolvedTask[] = [];
  const unsupported: { name: string; reason: string }[] = [];
  const unknownNames: string[] = [];
  cfg.evaluation.tasks.forEach((task, i) => {
    const outcome = resolveTask(cfg, registry, i, execution, warn);
    if ('resolved' in outcome) tasks.push(outcome.resolved);
    else if ('unsupported' in outcome) unsupported.push({ name: task.name, reason: outcome.unsupported });
    else unknownNames.push(task.name);
  });

  if (unknownNames.length) {
    const known = registry.knownTasks?.() ?? [];
    throw new ConfigError(
      `unknown task${unknownNames.length > 1 ? 's' : ''} ${unknownNames.map((n) => `'${n}'`).join(', ')} in evaluation.tasks; ` +
        (known.length ? `evalflow knows: ${known.join(', ')}` : 'see `evalflow ls tasks` for the tasks evalflow knows') +
        '; a custom benchmark is loaded with --benchmark-module (on the CLI and the workers)',
      'evaluation.tasks',
    );
  }
  attachLimits(cfg, tasks);
  const deployment = deploymentOf(cfg);
  const judgeDeployment = judgeDeploymentOf(cfg);
  if (judgeDeployment && !tasks.some((t) => t.judge)) warn('auxiliary_deployments.judge is not used: no task of this run is graded by an LLM judge, so its server is not started');
  return { tasks, execution, warnings, unsupported, ...(deployment ? { deployment } : {}), ...(judgeDeployment && tasks.some((t) => t.judge) ? { judge_deployment: judgeDeployment } : {}) };
}

/** Settings of an LLM judge (`params.extra.judge`), resolved like the target endpoint. */
import type { JudgeSettings } from '../records/types';
export type { JudgeSettings };

function judgeEndpoint(j: JudgeConfig, where: string): JudgeSettings {
  const endpoint: EndpointSpec = { url: j.url, model_id: j.model_id, type: endpointType(j.url, j.type, `${where}.url`) };
  const keyName = j.api_key_name ?? j.api_key ?? undefined;
  if (keyName) endpoint.api_key_name = keyName;
  const out: JudgeSettings = {
    endpoint,
    parallelism: j.parallelism ?? PARAM_DEFAULTS.parallelism,
    request_timeout: j.request_timeout ?? PARAM_DEFAULTS.request_timeout,
    max_retries: j.max_retries ?? PARAM_DEFAULTS.max_retries,
  };
  if (j.temperature !== undefined) out.temperature = j.temperature;
  if (j.top_p !== undefined) out.top_p = j.top_p;
  if (j.max_new_tokens !== undefined) out.max_new_tokens = j.max_new_tokens;
  return out;
}

/** The judge of one task after global/task merge and overrides, or undefined when it has none. */
export function resolveJudge(cfg: EvalConfig, taskName: string): JudgeSettings | undefined {
  const index = cfg.evaluation.tasks.findIndex((t) => t.name === taskName);
  if (index < 0) throw new ConfigError(`no task '${taskName}' in this config; it has: ${cfg.evaluation.tasks.map((t) => t.name).join(', ')}`, 'evaluation.tasks');
  const judge = mergedTaskConfig(cfg, index).config?.params?.extra?.judge;
  return judge ? judgeEndpoint(judge, `evaluation.tasks[${index}].nemo_evaluator_config.config.params.extra.judge`) : undefined;
}

// ---------------------------------------------------------------- redaction

const SECRET_WORDS = new Set(['token', 'password', 'passwd', 'secret', 'key', 'apikey', 'credential', 'credentials']);
/** Keys whose last word is secret-sounding but whose values are not secrets. */
const NOT_SECRET = new Set(['end_reasoning_token', 'start_reasoning_token', 'bos_token', 'eos_token', 'pad_token', 'stop_token']);

function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (NOT_SECRET.has(lower)) return false;
  const words = lower.split(/[_\-.]/).filter(Boolean);
  const last = words[words.length - 1];
  if (last === 'name' || last === 'names' || last === 'ref') return false;
  return last !== undefined && SECRET_WORDS.has(last);
}

/** An `env_vars` value that names a variable rather than holding a value. */
function isEnvReference(v: unknown): boolean {
  return typeof v === 'string' && ENV_VAR_NAME.test(v.replace(/^\$(host|runtime):/, ''));
}

function redactUrl(v: string): string {
  return v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]+):[^@/\s]+@/i, '$1:***@');
}

function redactValue(v: unknown, key: string | undefined, inEnvVars: boolean): unknown {
  if (Array.isArray(v)) return v.map((e) => redactValue(e, undefined, inEnvVars));
  if (isPlainObject(v)) {
    const out: Json = {};
    for (const [k, e] of Object.entries(v)) out[k] = redactValue(e, k, inEnvVars || k === 'env_vars');
    return out;
  }
  if (key !== undefined && isSecretKey(key) && (typeof v === 'string' || typeof v === 'number') && v !== '') {
    if (inEnvVars && isEnvReference(v)) return v;
    return '***';
  }
  if (typeof v === 'string') return redactUrl(v);
  return v;
}

/**
 * Copy of a config for display and saving: values of secret-looking keys
 * (api_key, *_token, password, secret, *_key) become "***"; `api_key_name`
 * and other *_name keys hold variable names and are kept, as are env_vars
 * entries that name a variable. Passwords inside URLs are masked.
 */
export function redactConfig(cfg: unknown): unknown {
  return redactValue(cfg, undefined, false);
}

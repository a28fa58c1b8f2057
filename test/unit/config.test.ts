import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  applyOverrides,
  ConfigError,
  configName,
  EvalConfig,
  filterTasks,
  loadConfigFile,
  parseSkillsArgs,
  redactConfig,
  resolveJudge,
  resolveTasks,
  TaskRegistry,
  validateConfig,
} from '../../lib/config/load';

/** The repo root, whether the test runs from source or from dist/. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'configs', 'quickstart.yaml'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('configs/ not found above ' + __dirname);
    dir = up;
  }
  return dir;
}
const CONFIGS = path.join(repoRoot(), 'configs');

const NANO_TASKS = ['ns_ifbench', 'ns_bfcl_v4', 'ns_livecodebench', 'ns_mmlu_pro', 'ns_gpqa', 'ns_scicode', 'ns_hle', 'ns_aime2025'];

/** A registry that implements gsm8k and ns_mmlu_pro and knows the Nano tasks as not implemented. */
const registry: TaskRegistry = {
  isImplemented: (n) => n === 'gsm8k' || n === 'ns_mmlu_pro',
  unsupportedReason: (n) => (NANO_TASKS.includes(n) && n !== 'ns_mmlu_pro' ? `${n} is not implemented yet` : undefined),
  defaults: (n) => (n === 'gsm8k' ? { max_new_tokens: 512, temperature: 0, top_p: 1 } : n === 'ns_mmlu_pro' ? { max_new_tokens: 4096 } : undefined),
  knownTasks: () => ['gsm8k', ...NANO_TASKS],
};

/** Smallest valid raw config; callers add to it. */
function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: { api_endpoint: { url: 'http://127.0.0.1:8765/v1/chat/completions', model_id: 'm' } },
    evaluation: { tasks: [{ name: 'gsm8k' }, { name: 'ns_mmlu_pro' }] },
    ...extra,
  };
}

function configErrorMatching(re: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, re);
    return true;
  };
}

// ------------------------------------------------------------ shipped configs

for (const file of ['quickstart.yaml', 'nemotron-3-nano-30b-a3b.yaml']) {
  test(`configs/${file} validates`, () => {
    const cfg = validateConfig(loadConfigFile(path.join(CONFIGS, file)));
    assert.ok(cfg.evaluation.tasks.length > 0);
  });
}

test('quickstart resolves to the demo plan', () => {
  const plan = resolveTasks(validateConfig(loadConfigFile(path.join(CONFIGS, 'quickstart.yaml'))), registry);
  assert.deepEqual(plan.unsupported, []);
  assert.deepEqual(plan.warnings, []);
  const [gsm8k, mmlu] = plan.tasks;
  assert.equal(gsm8k.name, 'gsm8k');
  assert.deepEqual(gsm8k.endpoint, { url: 'http://127.0.0.1:8765/v1/chat/completions', model_id: 'demo-model', type: 'chat' });
  assert.equal(gsm8k.params.limit_samples, 20);
  assert.equal(gsm8k.params.num_repeats, 2);
  assert.equal(gsm8k.params.parallelism, 8);
  assert.equal(gsm8k.params.request_timeout, 60);
  assert.equal(mmlu.params.num_repeats, 1);
  assert.equal(mmlu.params.limit_samples, 20);
});

test('the Nemotron 3 Nano config has the eight published tasks and their parameters', () => {
  const cfg = validateConfig(loadConfigFile(path.join(CONFIGS, 'nemotron-3-nano-30b-a3b.yaml')));
  assert.deepEqual(cfg.evaluation.tasks.map((t) => t.name).sort(), [...NANO_TASKS].sort());
  const plan = resolveTasks(cfg, registry);
  const mmlu = plan.tasks.find((t) => t.name === 'ns_mmlu_pro');
  assert.ok(mmlu);
  assert.equal(mmlu.params.prompt_config, 'eval/aai/mcq-10choices-boxed');
  assert.equal(mmlu.params.max_new_tokens, 131072);
  assert.equal(mmlu.params.temperature, 0.99999);
  assert.equal(mmlu.params.max_retries, 10);
  assert.equal(mmlu.params.request_timeout, 3600);
  assert.equal(mmlu.endpoint.api_key_name, 'NGC_API_KEY');
  assert.deepEqual(plan.unsupported.map((u) => u.name).sort(), NANO_TASKS.filter((n) => n !== 'ns_mmlu_pro').sort());
  assert.ok(plan.warnings.some((w) => w.includes('execution.output_dir')), 'output_dir is reported, not silently dropped');
  assert.ok(plan.warnings.some((w) => w.includes('tokenizer')), 'uninterpreted extra keys are reported');
  const judge = resolveJudge(cfg, 'ns_hle');
  assert.ok(judge);
  assert.equal(judge.parallelism, 16);
  assert.equal(judge.endpoint.api_key_name, 'JUDGE_API_KEY');
  assert.equal(judge.endpoint.type, 'chat');
});

// ------------------------------------------------------------ loading

test('loadConfigFile: missing file, YAML error with file:line:col, non-mapping top level', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-config-'));
  assert.throws(() => loadConfigFile(path.join(dir, 'nope.yaml')), configErrorMatching(/config file not found: .*nope\.yaml/));
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, 'target:\n  api_endpoint: {url: x\nevaluation: []\n');
  assert.throws(() => loadConfigFile(bad), configErrorMatching(/bad\.yaml:\d+:\d+: /));
  const list = path.join(dir, 'list.yaml');
  fs.writeFileSync(list, '- a\n- b\n');
  assert.throws(() => loadConfigFile(list), configErrorMatching(/top level must be a mapping/));
  fs.rmSync(dir, { recursive: true });
});

test('configName strips directory and extension', () => {
  assert.equal(configName('configs/nemotron-3-nano-30b-a3b.yaml'), 'nemotron-3-nano-30b-a3b');
  assert.equal(configName('/x/y/quick.yml'), 'quick');
});

// ------------------------------------------------------------ overrides

test('overrides: values are parsed as YAML', () => {
  const cases: [string, unknown][] = [
    ['1', 1],
    ['0.5', 0.5],
    ['[1,2]', [1, 2]],
    ['null', null],
    ['true', true],
    ['abc', 'abc'],
    ["'1'", '1'],
    ['{a: 1}', { a: 1 }],
    ['', ''],
    ['http://h:1/v1/chat/completions', 'http://h:1/v1/chat/completions'],
  ];
  for (const [text, expected] of cases) {
    const out = applyOverrides({}, [`a.b=${text}`]);
    assert.deepEqual((out['a'] as Record<string, unknown>)['b'], expected, `a.b=${text}`);
  }
});

test('overrides: +, ++ and ~ prefixes; input is not mutated', () => {
  const raw = base();
  const before = structuredClone(raw);
  const out = applyOverrides(raw, [
    '+evaluation.nemo_evaluator_config.config.params.limit_samples=10',
    '++target.api_endpoint.model_id=other',
    'execution.task_parallelism=3',
    '~evaluation.tasks.1',
  ]);
  assert.deepEqual(raw, before);
  const cfg = validateConfig(out);
  assert.equal(cfg.evaluation.nemo_evaluator_config?.config?.params?.limit_samples, 10);
  assert.equal(cfg.target.api_endpoint.model_id, 'other');
  assert.equal(cfg.execution?.task_parallelism, 3);
  assert.deepEqual(cfg.evaluation.tasks.map((t) => t.name), ['gsm8k']);
});

test('overrides: evaluation.tasks.<name> shortcut edits that task; unknown name lists the names', () => {
  const out = applyOverrides(base(), ['evaluation.tasks.ns_mmlu_pro.nemo_evaluator_config.config.params.extra.num_repeats=4']);
  const plan = resolveTasks(validateConfig(out), registry);
  assert.equal(plan.tasks[1].params.num_repeats, 4);
  assert.equal(plan.tasks[0].params.num_repeats, 1);
  assert.throws(
    () => applyOverrides(base(), ['evaluation.tasks.mmlu.nemo_evaluator_config.config.params.limit_samples=1']),
    configErrorMatching(/no entry named 'mmlu'; names there: gsm8k, ns_mmlu_pro/),
  );
});

test('overrides: task names containing dots, list indices, and bad paths', () => {
  const raw = { evaluation: { tasks: [{ name: 'simple_evals.mmlu' }, { name: 'b' }] }, l: [{ c: 1 }] };
  const out = applyOverrides(raw, ['evaluation.tasks.simple_evals.mmlu.dataset_dir=/d', 'l.0.c=2', 'l.1.c=3']);
  assert.deepEqual(out['evaluation'], { tasks: [{ name: 'simple_evals.mmlu', dataset_dir: '/d' }, { name: 'b' }] });
  assert.deepEqual(out['l'], [{ c: 2 }, { c: 3 }]);
  assert.throws(() => applyOverrides(raw, ['l.5.c=1']), configErrorMatching(/index 5 is past the end/));
  assert.throws(() => applyOverrides({ a: 1 }, ['a.b=1']), configErrorMatching(/a is number 1, not a mapping or list/));
  assert.throws(() => applyOverrides({}, ['novalue']), configErrorMatching(/has no '='/));
});

// ------------------------------------------------------------ validation

test('validation errors name the path of every problem', () => {
  const cases: { name: string; raw: Record<string, unknown>; expect: RegExp[] }[] = [
    {
      name: 'unknown key with suggestion',
      raw: base({ evaluation: { tasks: [{ name: 'gsm8k', nemo_evaluator_config: { config: { params: { paralelism: 2 } } } }] } }),
      expect: [/evaluation\.tasks\[0\]\.nemo_evaluator_config\.config\.params\.paralelism: unknown key; did you mean 'parallelism'\?/],
    },
    {
      name: 'unknown top-level key lists allowed keys',
      raw: base({ foo: 1 }),
      expect: [/foo: unknown key; allowed here: defaults, execution, deployment, auxiliary_deployments, env_vars, target, evaluation/],
    },
    {
      name: 'wrong type: expected vs got',
      raw: base({ evaluation: { tasks: [{ name: 'a' }, { name: 'b', nemo_evaluator_config: { config: { params: { parallelism: 'many' } } } }] } }),
      expect: [/evaluation\.tasks\[1\]\.nemo_evaluator_config\.config\.params\.parallelism: expected number, got string "many"/],
    },
    {
      name: '??? placeholder',
      raw: base({ target: { api_endpoint: { url: '???', model_id: 'm' } } }),
      expect: [/target\.api_endpoint\.url: placeholder \?\?\? was never set; set it with -o target\.api_endpoint\.url=value/],
    },
    {
      name: '??? inside a task suggests the name shortcut',
      raw: base({ evaluation: { tasks: [{ name: 'ns_hle', nemo_evaluator_config: { config: { params: { extra: { judge: { url: '???', model_id: 'j' } } } } } }] } }),
      expect: [
        /evaluation\.tasks\[0\]\.nemo_evaluator_config\.config\.params\.extra\.judge\.url: placeholder \?\?\? was never set; set it with -o evaluation\.tasks\.ns_hle\.nemo_evaluator_config\.config\.params\.extra\.judge\.url=value/,
        /\(1 problem\):/,
      ],
    },
    {
      name: 'missing required',
      raw: { evaluation: { tasks: [{ name: 'gsm8k' }] } },
      expect: [/target: required but missing/],
    },
    {
      name: 'limit_samples 0',
      raw: base({ evaluation: { nemo_evaluator_config: { config: { params: { limit_samples: 0 } } }, tasks: [{ name: 'gsm8k' }] } }),
      expect: [/evaluation\.nemo_evaluator_config\.config\.params\.limit_samples: limit_samples must be ≥ 1; remove it to run all samples/],
    },
    {
      name: 'parallelism 0',
      raw: base({ evaluation: { nemo_evaluator_config: { config: { params: { parallelism: 0 } } }, tasks: [{ name: 'gsm8k' }] } }),
      expect: [/params\.parallelism: parallelism must be ≥ 1/],
    },
    {
      name: 'URL without scheme',
      raw: base({ target: { api_endpoint: { url: 'localhost:8000/v1', model_id: 'm' } } }),
      expect: [/target\.api_endpoint\.url 'localhost:8000\/v1' has no scheme; write http:\/\/localhost:8000\/v1\/chat\/completions/],
    },
    {
      name: 'literal key in api_key',
      raw: base({ target: { api_endpoint: { url: 'http://h/v1/chat/completions', model_id: 'm', api_key: 'sk-abc123' } } }),
      expect: [/target\.api_endpoint\.api_key: api_key must name an environment variable/],
    },
    {
      name: 'deployment of an unknown type',
      raw: base({ deployment: { type: 'tgi', image: 'text-generation-inference' } }),
      expect: [/deployment\.type: unknown deployment type 'tgi'; use one of: none, vllm, sglang, nim, generic, llama_cpp/],
    },
    {
      name: 'defaults naming an unknown deployment',
      raw: base({ defaults: [{ execution: 'local' }, { deployment: 'tgi' }, '_self_'] }),
      expect: [/defaults\[1\]\.deployment: unknown deployment type 'tgi'/],
    },
    {
      name: 'execution type slurm',
      raw: base({ execution: { type: 'slurm' } }),
      expect: [/execution\.type: 'slurm' is not supported: evalflow runs tasks on Temporal workers/],
    },
    {
      name: 'duplicate task',
      raw: base({ evaluation: { tasks: [{ name: 'gsm8k' }, { name: 'gsm8k' }] } }),
      expect: [/evaluation\.tasks\[1\]\.name: task 'gsm8k' is listed twice/],
    },
    {
      name: 'negative price',
      raw: base({ execution: { pricing: [{ model_id: 'm', input_per_million: -1, output_per_million: 0.2 }] } }),
      expect: [/execution\.pricing\[0\]\.input_per_million: input_per_million must be ≥ 0 \(USD per million prompt tokens\)/],
    },
    {
      name: 'price entry with an unknown key',
      raw: base({ execution: { pricing: [{ model_id: 'm', input_per_million: 1, output_per_milion: 2 }] } }),
      expect: [/execution\.pricing\[0\]\.output_per_milion: unknown key; did you mean 'output_per_million'\?/, /execution\.pricing\[0\]\.output_per_million: required but missing/],
    },
    {
      name: 'price entry without model_id',
      raw: base({ execution: { pricing: [{ input_per_million: 1, output_per_million: 2 }] } }),
      expect: [/execution\.pricing\[0\]\.model_id: required but missing/],
    },
    {
      name: 'budget of 0',
      raw: base({ execution: { budget_usd: 0, pricing: [{ model_id: 'm', input_per_million: 1, output_per_million: 2 }] } }),
      expect: [/execution\.budget_usd: budget_usd must be > 0 \(US dollars\); remove it to run without a budget/],
    },
    {
      name: 'budget without a price for the target endpoint',
      raw: base({ execution: { budget_usd: 25, pricing: [{ model_id: 'other', input_per_million: 1, output_per_million: 2 }] } }),
      expect: [/execution\.budget_usd: execution\.budget_usd is set, but no execution\.pricing entry matches the target endpoint \(model_id 'm'.*its cost cannot be computed; add one, e\.g\. execution\.pricing: \[\{model_id: 'm'/],
    },
    {
      name: 'budget with a price for another url only',
      raw: base({ execution: { budget_usd: 25, pricing: [{ model_id: 'm', url: 'http://elsewhere:8000/v1/chat/completions', input_per_million: 1, output_per_million: 2 }] } }),
      expect: [/no execution\.pricing entry matches the target endpoint/],
    },
    {
      name: 'two price entries for one endpoint',
      raw: base({
        execution: {
          pricing: [
            { model_id: 'm', input_per_million: 1, output_per_million: 2 },
            { model_id: 'm', url: 'http://127.0.0.1:8765/v1/chat/completions', input_per_million: 3, output_per_million: 4 },
          ],
        },
      }),
      expect: [/execution\.pricing: entries execution\.pricing\[0\] and execution\.pricing\[1\] all match the target endpoint \(model_id 'm'.*keep one entry per endpoint/],
    },
    {
      name: 'endpoint limit of 0',
      raw: base({ execution: { endpoint_limits: [{ model_id: 'm', max_concurrency: 0 }] } }),
      expect: [/execution\.endpoint_limits\[0\]\.max_concurrency: endpoint_limits\[\]\.max_concurrency must be ≥ 1/],
    },
    {
      name: 'endpoint limits with an unknown key',
      raw: base({ execution: { endpoint_limits: [{ model_id: 'm', max_concurency: 8 }] } }),
      expect: [/execution\.endpoint_limits\[0\]\.max_concurency: unknown key; did you mean 'max_concurrency'\?/],
    },
    {
      name: 'endpoint limits without model_id',
      raw: base({ execution: { endpoint_limits: [{ requests_per_minute: 600 }] } }),
      expect: [/execution\.endpoint_limits\[0\]\.model_id: required but missing/],
    },
    {
      name: 'all problems at once',
      raw: base({ foo: 1, execution: { shard_size: -1 }, target: { api_endpoint: { url: '???', model_id: 'm' } } }),
      expect: [/3 problems/, /foo: unknown key/, /execution\.shard_size: shard_size must be ≥ 1/, /target\.api_endpoint\.url: placeholder/],
    },
  ];
  for (const c of cases) {
    assert.throws(
      () => validateConfig(c.raw),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, c.name);
        for (const re of c.expect) assert.match(err.message, re, c.name);
        return true;
      },
      c.name,
    );
  }
});

test('validation accepts the launcher keys of published configs', () => {
  const cfg = validateConfig(
    base({
      defaults: [{ execution: 'local' }, { deployment: 'none' }, '_self_'],
      execution: { type: 'local', output_dir: './r', mode: 'sequential', env_vars: { evaluation: {} } },
      deployment: { type: 'none' },
    }),
  );
  assert.equal(cfg.execution?.mode, 'sequential');
});

test('filterTasks keeps the named tasks and lists the available ones for an unknown name', () => {
  const cfg = validateConfig(base());
  assert.deepEqual(filterTasks(cfg, ['ns_mmlu_pro']).evaluation.tasks.map((t) => t.name), ['ns_mmlu_pro']);
  assert.equal(filterTasks(cfg, []), cfg);
  assert.throws(() => filterTasks(cfg, ['gsm8k', 'mmlu']), configErrorMatching(/unknown task 'mmlu'; this config has: gsm8k, ns_mmlu_pro/));
});

// ------------------------------------------------------------ resolution

test('resolveTasks: task params win over global, benchmark defaults fill only unset keys', () => {
  const cfg = validateConfig(
    base({
      evaluation: {
        nemo_evaluator_config: {
          config: { params: { temperature: 0.7, parallelism: 4, extra: { num_repeats: 3, args: '++prompt_config=global' } } },
          target: { api_endpoint: { adapter_config: { use_system_prompt: true, custom_system_prompt: 'Think.', params_to_add: { chat_template_kwargs: { enable_thinking: true } } } } },
        },
        tasks: [
          { name: 'gsm8k', nemo_evaluator_config: { config: { params: { temperature: 0.2, extra: { prompt_config: 'global' } } } } },
          { name: 'ns_mmlu_pro', nemo_evaluator_config: { config: { params: { top_p: 0.9, extra: { num_repeats: 1 } } } } },
        ],
      },
    }),
  );
  const plan = resolveTasks(cfg, registry);
  const [g, m] = plan.tasks;
  assert.deepEqual(g.params, {
    parallelism: 4,
    request_timeout: 300,
    max_retries: 5,
    num_repeats: 3,
    max_new_tokens: 512, // benchmark default: neither config sets it
    temperature: 0.2, // task beats global beats benchmark default (0)
    top_p: 1, // benchmark default
    prompt_config: 'global',
    system_prompt: 'Think.',
    extra_body: { chat_template_kwargs: { enable_thinking: true } },
  });
  assert.equal(m.params.temperature, 0.7);
  assert.equal(m.params.top_p, 0.9);
  assert.equal(m.params.num_repeats, 1);
  assert.equal(m.params.max_new_tokens, 4096);
  assert.equal(g.shard_size, 512);
  assert.deepEqual(plan.execution, { task_parallelism: 2, shard_parallelism: 8, shard_size: 512, heartbeat_timeout: 60, activity_attempts: 5 });
});

test('resolveTasks: defaults without any params', () => {
  const reg: TaskRegistry = { ...registry, defaults: () => undefined };
  const [t] = resolveTasks(validateConfig(base()), reg).tasks;
  assert.deepEqual(t.params, { parallelism: 1, request_timeout: 300, max_retries: 5, num_repeats: 1 });
  assert.equal(t.benchmark, 'gsm8k');
});

test('resolveTasks: dotted overrides apply after nemo_evaluator_config, task overrides last', () => {
  const cfg = validateConfig(
    base({
      evaluation: {
        overrides: { 'config.params.temperature': 0.5, 'config.params.max_retries': 2 },
        tasks: [{ name: 'gsm8k', overrides: { 'config.params.temperature': 0.1 }, nemo_evaluator_config: { config: { params: { temperature: 0.9 } } } }],
      },
    }),
  );
  const [t] = resolveTasks(cfg, registry).tasks;
  assert.equal(t.params.temperature, 0.1);
  assert.equal(t.params.max_retries, 2);
});

test('resolveTasks: endpoint type from the URL or the declared type', () => {
  const cases: { url: string; type?: string; expect: 'chat' | 'completions' | RegExp }[] = [
    { url: 'http://h:8000/v1/chat/completions', expect: 'chat' },
    { url: 'http://h:8000/v1/completions', expect: 'completions' },
    { url: 'https://h/v1/chat/completions/', expect: 'chat' },
    { url: 'http://h:8000/v1', type: 'chat', expect: 'chat' },
    { url: 'http://h:8000/v1', type: 'vlm', expect: 'chat' },
    { url: 'http://h:8000/v1', expect: /cannot tell the endpoint type from URL 'http:\/\/h:8000\/v1'/ },
    { url: 'http://h:8000/v1/completions', type: 'chat', expect: /does not match URL/ },
  ];
  for (const c of cases) {
    const cfg = validateConfig(base({ target: { api_endpoint: { url: c.url, model_id: 'm', ...(c.type ? { type: c.type } : {}) } } }));
    if (typeof c.expect === 'string') assert.equal(resolveTasks(cfg, registry).tasks[0].endpoint.type, c.expect, c.url);
    else assert.throws(() => resolveTasks(cfg, registry), configErrorMatching(c.expect), c.url);
  }
});

test('resolveTasks: unsupported tasks are reported, unknown tasks are errors listing known ones', () => {
  const plan = resolveTasks(validateConfig(base({ evaluation: { tasks: [{ name: 'gsm8k' }, { name: 'ns_hle' }] } })), registry);
  assert.deepEqual(plan.unsupported, [{ name: 'ns_hle', reason: 'ns_hle is not implemented yet' }]);
  assert.deepEqual(plan.tasks.map((t) => t.name), ['gsm8k']);
  assert.throws(
    () => resolveTasks(validateConfig(base({ evaluation: { tasks: [{ name: 'gsm9k' }] } })), registry),
    configErrorMatching(/unknown task 'gsm9k' in evaluation\.tasks; evalflow knows: gsm8k, ns_ifbench/),
  );
});

test('resolveTasks: keys understood but not supported become warnings, never silence', () => {
  const cfg = validateConfig(
    base({
      defaults: [{ execution: 'slurm/default' }],
      evaluation: {
        env_vars: { JUDGE_API_KEY: 'NGC_API_KEY', HF_TOKEN: 'HF_TOKEN' },
        tasks: [
          {
            name: 'gsm8k',
            container: 'nvcr.io/x',
            nemo_evaluator_config: {
              config: { params: { extra: { args: '++use_client_parsing=False', dataset_split: 'test' } } },
              target: { api_endpoint: { adapter_config: { use_caching: false, end_reasoning_token: '</reasoning>', params_to_remove: ['max_tokens', 'seed'] } } },
            },
          },
        ],
      },
    }),
  );
  const plan = resolveTasks(cfg, registry);
  const expected = [
    /defaults: execution 'slurm\/default' is not used/,
    /evaluation\.env_vars\.JUDGE_API_KEY: NGC_API_KEY renames a variable/,
    /container is not used/,
    /use_caching: false is not honoured: evalflow always caches/,
    /end_reasoning_token '<\/reasoning>' is not honoured/,
    /params_to_remove 'seed' is not supported/,
    /extra\.args \+\+use_client_parsing=False is not interpreted/,
    /params\.extra\.dataset_split .test. is not used: gsm8k has a single split/,
  ];
  for (const re of expected) assert.ok(plan.warnings.some((w) => re.test(w)), `missing warning ${re}; got:\n${plan.warnings.join('\n')}`);
  assert.ok(!plan.warnings.some((w) => w.includes('HF_TOKEN')), 'identity env mapping needs no warning');
  assert.equal(plan.tasks[0].params.max_new_tokens, undefined, 'params_to_remove max_tokens drops max_new_tokens');
});

test('resolveTasks: adapter errors for other protocols, and interceptor lists', () => {
  const withAdapter = (adapter_config: Record<string, unknown>) =>
    validateConfig(base({ evaluation: { nemo_evaluator_config: { target: { api_endpoint: { adapter_config } } }, tasks: [{ name: 'gsm8k' }] } }));
  assert.throws(() => resolveTasks(withAdapter({ use_nvcf: true }), registry), configErrorMatching(/use_nvcf: NVCF endpoints are not supported/));
  const plan = resolveTasks(
    withAdapter({
      interceptors: [{ name: 'system_message', config: { system_message: '/think' } }, 'caching', { name: 'payload_modifier', config: { params_to_add: { seed: 1 } } }],
      use_system_prompt: true,
      custom_system_prompt: 'ignored',
    }),
    registry,
  );
  assert.equal(plan.tasks[0].params.system_prompt, '/think');
  assert.deepEqual(plan.tasks[0].params.extra_body, { seed: 1 });
  assert.ok(plan.warnings.some((w) => /use_system_prompt, custom_system_prompt ignored because interceptors is set/.test(w)), plan.warnings.join('\n'));
  const legacy = resolveTasks(withAdapter({ custom_system_prompt: 'x' }), registry);
  assert.equal(legacy.tasks[0].params.system_prompt, undefined);
  assert.ok(legacy.warnings.some((w) => /custom_system_prompt is not applied because use_system_prompt is not true/.test(w)));
});

test('resolveTasks: execution mode sequential means one task at a time; api_key alias', () => {
  const cfg = validateConfig(
    base({
      execution: { mode: 'sequential', shard_size: 64 },
      target: { api_endpoint: { url: 'http://h/v1/chat/completions', model_id: 'm', api_key: 'MY_KEY' } },
    }),
  );
  const plan = resolveTasks(cfg, registry);
  assert.equal(plan.execution.task_parallelism, 1);
  assert.equal(plan.execution.shard_size, 64);
  assert.equal(plan.tasks[0].shard_size, 64);
  assert.equal(plan.tasks[0].endpoint.api_key_name, 'MY_KEY');
});

test('parseSkillsArgs splits ++key=value with quotes', () => {
  assert.deepEqual(parseSkillsArgs('++prompt_config="/nemo_run/code/p.yaml" ++use_client_parsing=False'), [
    { key: 'prompt_config', value: '/nemo_run/code/p.yaml' },
    { key: 'use_client_parsing', value: 'False' },
  ]);
  assert.deepEqual(parseSkillsArgs(undefined), []);
});

// ------------------------------------------------------------ redaction

test('redactConfig hides secret values and keeps variable names', () => {
  const raw = {
    target: { api_endpoint: { url: 'https://user:hunter2@h/v1/chat/completions', model_id: 'm', api_key: 'sk-live-123', api_key_name: 'NGC_API_KEY' } },
    evaluation: {
      env_vars: { HF_TOKEN: 'HF_TOKEN', OTHER_TOKEN: '$lit:hf_abc', HF_HOME: '$lit:/data' },
      nemo_evaluator_config: {
        config: { params: { max_new_tokens: 10, extra: { tokenizer: 'nvidia/x', judge: { api_key: 'sk-judge', model_id: 'j' } } } },
        target: { api_endpoint: { adapter_config: { end_reasoning_token: '</think>' } } },
      },
      tasks: [{ name: 'gsm8k', password: 'p', secret_name_ref: 'S', access_token: 'tok' }],
    },
  };
  const before = structuredClone(raw);
  const r = redactConfig(raw) as typeof raw & { evaluation: { tasks: Record<string, unknown>[] } };
  assert.deepEqual(raw, before, 'input not mutated');
  assert.equal(r.target.api_endpoint.api_key, '***');
  assert.equal(r.target.api_endpoint.api_key_name, 'NGC_API_KEY');
  assert.equal(r.target.api_endpoint.url, 'https://user:***@h/v1/chat/completions');
  assert.equal(r.evaluation.env_vars.HF_TOKEN, 'HF_TOKEN');
  assert.equal(r.evaluation.env_vars.OTHER_TOKEN, '***');
  assert.equal(r.evaluation.env_vars.HF_HOME, '$lit:/data');
  assert.equal(r.evaluation.nemo_evaluator_config.config.params.max_new_tokens, 10);
  assert.equal(r.evaluation.nemo_evaluator_config.config.params.extra.tokenizer, 'nvidia/x');
  assert.equal(r.evaluation.nemo_evaluator_config.config.params.extra.judge.api_key, '***');
  assert.equal(r.evaluation.nemo_evaluator_config.target.api_endpoint.adapter_config.end_reasoning_token, '</think>');
  assert.equal(r.evaluation.tasks[0]['password'], '***');
  assert.equal(r.evaluation.tasks[0]['access_token'], '***');
  assert.equal(r.evaluation.tasks[0]['secret_name_ref'], 'S');
});

test('ConfigError carries the path of the first problem', () => {
  try {
    validateConfig(base({ target: { api_endpoint: { url: 'http://h/v1/chat/completions', model_id: 5 } } }));
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.path, 'target.api_endpoint.model_id');
  }
});

test('EvalConfig from validateConfig is what filterTasks and resolveTasks take', () => {
  const cfg: EvalConfig = validateConfig(base());
  assert.equal(resolveTasks(filterTasks(cfg, ['gsm8k']), registry).tasks.length, 1);
});

test('pricing and budget: prices reach the plan, the tasks and their judges; a judge without a price under a budget is refused', () => {
  const judgeReg: TaskRegistry = { ...registry, isImplemented: (n) => n === 'gsm8k' || n === 'ns_hle', isJudged: (n) => n === 'ns_hle' };
  const judge = { url: 'https://judge.example.test/v1/chat/completions', model_id: 'j' };
  const tasks = [{ name: 'gsm8k' }, { name: 'ns_hle', nemo_evaluator_config: { config: { params: { extra: { judge } } } } }];
  const modelPrice = { model_id: 'm', input_per_million: 0.06, output_per_million: 0.24 };
  const judgePrice = { model_id: 'j', url: judge.url, input_per_million: 1, output_per_million: 4 };
  const plan = resolveTasks(validateConfig(base({ execution: { budget_usd: 25, pricing: [modelPrice, judgePrice] }, evaluation: { tasks } })), judgeReg);
  assert.equal(plan.execution.budget_usd, 25);
  assert.deepEqual(plan.execution.pricing, [modelPrice, judgePrice]);
  assert.deepEqual(plan.tasks[0].price, modelPrice);
  assert.equal(plan.tasks[0].judge, undefined);
  assert.deepEqual(plan.tasks[1].price, modelPrice);
  assert.deepEqual(plan.tasks[1].judge?.price, judgePrice);

  // Without a budget, an endpoint without a price is fine: its cost is just not shown.
  const unpriced = resolveTasks(validateConfig(base({ execution: { pricing: [modelPrice] }, evaluation: { tasks } })), judgeReg);
  assert.equal(unpriced.tasks[1].judge?.price, undefined);
  assert.equal(unpriced.execution.budget_usd, undefined);

  assert.throws(
    () => resolveTasks(validateConfig(base({ execution: { budget_usd: 25, pricing: [modelPrice] }, evaluation: { tasks } })), judgeReg),
    configErrorMatching(/budget_usd is set, but no execution\.pricing entry matches the judge endpoint of ns_hle \(model_id 'j', url https:\/\/judge\.example\.test.*cost cannot be computed; add one/),
  );
  assert.throws(
    () => resolveTasks(validateConfig(base({ execution: { pricing: [modelPrice, judgePrice, { ...judgePrice, url: undefined }] }, evaluation: { tasks } })), judgeReg),
    configErrorMatching(/entries execution\.pricing\[1\] and execution\.pricing\[2\] all match the judge endpoint of ns_hle/),
  );
});

test('resolveTasks: execution.endpoint_limits attach to the matching endpoint; two entries for one endpoint are refused', () => {
  const url = (base() as { target: { api_endpoint: { url: string } } }).target.api_endpoint.url;
  const [t] = resolveTasks(validateConfig(base({ execution: { endpoint_limits: [{ model_id: 'm', max_concurrency: 32, tokens_per_minute: 100000 }, { model_id: 'other', max_concurrency: 1 }] } })), registry).tasks;
  assert.deepEqual(t.endpoint.limits, { max_concurrency: 32, tokens_per_minute: 100000 });
  const [u] = resolveTasks(validateConfig(base({ execution: { endpoint_limits: [{ model_id: 'm', url: 'http://elsewhere/v1', max_concurrency: 2 }] } })), registry).tasks;
  assert.equal(u.endpoint.limits, undefined, 'an entry for another url does not apply');
  assert.throws(
    () => resolveTasks(validateConfig(base({ execution: { endpoint_limits: [{ model_id: 'm', max_concurrency: 8 }, { model_id: 'm', url, max_concurrency: 16 }] } })), registry),
    (e: unknown) => e instanceof ConfigError && /execution\.endpoint_limits has 2 entries for model 'm' at .*; keep one/.test(e.message),
  );
});

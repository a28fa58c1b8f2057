/**
 * deploy/'s Kubernetes manifests (docs/operations.md, "Running on Kubernetes"):
 * - every document decodes strictly with client-go's scheme (deploy/validate,
 *   Go, built once by scripts/setup-deploy-validate.sh), offline; a planted bad
 *   copy fails with the file, the document and the field named;
 * - what the containers run is what `evalflow worker` accepts (its --help, and
 *   the role parser), in the image deploy/Dockerfile builds;
 * - every environment variable the manifests set (or show commented out) is one
 *   evalflow reads (lib/config/settings.ts), one of Temporal's environment
 *   configuration, a standard AWS one, or an API key a config names;
 * - the references between them (ConfigMap, Secrets, ports) resolve.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { REPO } from '../support/sources';
import { parseWorkerRoles, WORKER_ROLES } from '../../workers/roles';

const DEPLOY = path.join(REPO, 'deploy');
let validator = '';

before(() => {
  const r = spawnSync('bash', [path.join(REPO, 'scripts', 'setup-deploy-validate.sh')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/setup-deploy-validate.sh failed: ${r.stderr}`);
  validator = r.stdout.trim().split('\n').pop()!;
  assert.ok(fs.existsSync(validator), validator);
});

function validate(...targets: string[]) {
  const r = spawnSync(validator, targets, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Every YAML file under deploy/ (not the validator's own directory). */
function yamlFiles(dir = DEPLOY): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'validate' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

interface Doc {
  file: string;
  kind: string;
  name: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function docs(): Doc[] {
  return yamlFiles().flatMap((file) =>
    YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
      .map((d) => d.toJS())
      .filter((b) => b && typeof b === 'object')
      .map((body) => ({ file: path.relative(REPO, file), kind: body.kind, name: body.metadata?.name, body })),
  );
}

test('every document under deploy/ decodes strictly with the Kubernetes API types', () => {
  const r = validate(DEPLOY);
  assert.equal(r.code, 0, r.out);
  const m = /validate: (\d+) documents in (\d+) files, 0 failed/.exec(r.out);
  assert.ok(m, r.out);
  const expected = docs().length;
  assert.equal(Number(m[1]), expected, `the validator saw every document the YAML parser sees (${expected})`);
  assert.equal(Number(m[2]), yamlFiles().length);
});

test('a planted bad copy fails, naming file, document and field: unknown field, wrong type, duplicate field, unknown kind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-deploy-'));
  try {
    fs.cpSync(path.join(DEPLOY, 'base'), path.join(dir, 'base'), { recursive: true });
    const edit = (f: string, from: string | RegExp, to: string) => {
      const p = path.join(dir, 'base', f);
      const text = fs.readFileSync(p, 'utf8');
      const next = text.replace(from, to);
      assert.notEqual(next, text, `planted in ${f}`);
      fs.writeFileSync(p, next);
    };
    // A misspelt field in the main worker's container; a string where a number goes.
    edit('main.yaml', '          image: evalflow\n', '          image: evalflow\n          imagePullPolicyy: Always\n');
    edit('judge.yaml', 'replicas: 1', 'replicas: "two"');
    // A key given twice; a kind the API does not have.
    edit('settings.yaml', '  EVALFLOW_S3_BUCKET: evalflow\n', '  EVALFLOW_S3_BUCKET: evalflow\n  EVALFLOW_S3_BUCKET: other\n');
    edit('metrics-service.yaml', 'kind: Service', 'kind: Servcie');
    const r = validate(dir);
    assert.equal(r.code, 1, r.out);
    const main = path.join(dir, 'base', 'main.yaml');
    assert.match(r.out, new RegExp(`${main}:doc 1 \\(Deployment evalflow-main\\): strict decoding error: unknown field "spec\\.template\\.spec\\.containers\\[0\\]\\.imagePullPolicyy"`));
    assert.match(r.out, /judge\.yaml:doc 1 \(Deployment evalflow-judge\): .*cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
    assert.match(r.out, /settings\.yaml:doc 1 \(ConfigMap evalflow-settings\): strict decoding error: .*key "EVALFLOW_S3_BUCKET" already set in map/s);
    assert.match(r.out, /metrics-service\.yaml:doc 1 \(Servcie evalflow-metrics\): no kind "Servcie" is registered for version "v1"/);
    assert.match(r.out, /validate: 7 documents in 7 files, 4 failed/);
    // The kustomization is checked strictly too (its kind is not in client-go's scheme).
    edit('kustomization.yaml', 'resources:', 'resource:');
    assert.match(validate(path.join(dir, 'base', 'kustomization.yaml')).out, /kustomization\.yaml:doc 1 \(Kustomization \): .*unknown field "resource"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** `evalflow worker`'s options, from its own --help: flag → takes a value. */
function workerFlags(): Map<string, boolean> {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'evalflow.js'), 'worker', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const flags = new Map<string, boolean>();
  for (const m of r.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)( <[^>]+>)?/gm)) flags.set(m[1]!, Boolean(m[2]));
  assert.ok(flags.has('--role') && flags.has('--no-sandbox'), `parsed the help: ${[...flags.keys()].join(' ')}`);
  return flags;
}

function deployments(all = docs()) {
  const list = all.filter((d) => d.kind === 'Deployment');
  assert.deepEqual(list.map((d) => d.name).sort(), WORKER_ROLES.map((r) => `evalflow-${r}`).sort(), 'one Deployment per role');
  return list;
}

test('each Deployment runs `evalflow worker` of the image with options it accepts, its own role only', () => {
  const dockerfile = fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  assert.ok(entry, 'deploy/Dockerfile has an exec-form ENTRYPOINT');
  assert.deepEqual(JSON.parse(entry[1]!), ['node', '/app/bin/evalflow.js'], 'the image runs the evalflow CLI');
  const flags = workerFlags();
  for (const d of deployments()) {
    const containers = d.body.spec.template.spec.containers as { name: string; command?: string[]; args: string[] }[];
    assert.equal(containers.length, 1, d.name);
    const c = containers[0]!;
    assert.equal(c.command, undefined, `${d.name}: the image's entrypoint (evalflow) runs, not another command`);
    assert.equal(c.args[0], 'worker', `${d.name}: runs 'evalflow worker'`);
    const roles: string[] = [];
    for (let i = 1; i < c.args.length; i++) {
      const [flag, inline] = c.args[i]!.split(/=(.*)/s);
      assert.ok(flags.has(flag!), `${d.name}: 'evalflow worker' has no option ${flag}`);
      if (!flags.get(flag!)) continue;
      const value = inline ?? c.args[++i];
      assert.ok(value !== undefined && !value.startsWith('--'), `${d.name}: ${flag} needs a value`);
      if (flag === '--role') roles.push(value);
      if (flag === '--max-activities') assert.match(value, /^[1-9]\d*$/, `${d.name}: --max-activities ${value}`);
    }
    assert.deepEqual(parseWorkerRoles(roles), [d.name.replace('evalflow-', '')], `${d.name} serves its own role only`);
  }
});

/** The variables evalflow or its libraries read, and the API-key names configs use. */
function knownVariables(): { name: string; why: string }[] {
  const known: { name: string; why: string }[] = [];
  const settings = fs.readFileSync(path.join(REPO, 'lib', 'config', 'settings.ts'), 'utf8');
  for (const m of settings.matchAll(/['"`]([A-Z][A-Z0-9]*_[A-Z0-9_]+)['"`]|process\.env\.([A-Z][A-Z0-9_]+)/g)) known.push({ name: (m[1] ?? m[2])!, why: 'lib/config/settings.ts' });
  // Temporal's environment configuration (@temporalio/envconfig) reads these itself.
  const envconfig = path.join(REPO, 'node_modules', '@temporalio', 'envconfig', 'lib');
  for (const f of fs.readdirSync(envconfig).filter((f) => f.endsWith('.js'))) {
    for (const m of fs.readFileSync(path.join(envconfig, f), 'utf8').matchAll(/'(TEMPORAL_[A-Z_]+)'/g)) known.push({ name: m[1]!, why: '@temporalio/envconfig' });
  }
  // Model, judge and tool keys: read by the name a config gives (api_key_name, a judge's api_key).
  for (const f of fs.readdirSync(path.join(REPO, 'configs'))) {
    for (const m of fs.readFileSync(path.join(REPO, 'configs', f), 'utf8').matchAll(/\bapi_key(?:_name)?:\s*([A-Z][A-Z0-9_]+)/g)) known.push({ name: m[1]!, why: `api_key_name in configs/${f}` });
  }
  // The standard AWS names (issue #13 part 2: S3 the way AWS tools configure it) and the
  // metrics address (part 3); lib/config/settings.ts reads them once those parts are in.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3']) known.push({ name, why: 'standard AWS variable' });
  known.push({ name: 'EVALFLOW_METRICS_ADDRESS', why: 'worker metrics (docs/operations.md)' });
  return known;
}

test('every environment variable the manifests set, or show commented out, is one evalflow reads', () => {
  const known = new Set(knownVariables().map((k) => k.name));
  assert.ok(known.has('EVALFLOW_TASK_QUEUE') && known.has('TEMPORAL_TLS_CLIENT_CERT_PATH') && known.has('NGC_API_KEY'), 'found the sources of names');
  const all = docs();
  const set: { name: string; where: string }[] = [];
  for (const d of all) {
    if (d.kind === 'ConfigMap') for (const k of Object.keys(d.body.data ?? {})) set.push({ name: k, where: `${d.file} ${d.name}` });
    if (d.kind === 'Secret') for (const k of Object.keys({ ...d.body.data, ...d.body.stringData })) if (/^[A-Z]/.test(k)) set.push({ name: k, where: `${d.file} ${d.name}` });
    if (d.kind === 'Deployment') for (const c of d.body.spec.template.spec.containers) for (const e of c.env ?? []) set.push({ name: e.name, where: `${d.file} ${d.name}` });
  }
  // Commented-out settings are instructions too ("uncomment to use mTLS").
  for (const f of yamlFiles()) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/^\s*#\s*(?:- name: )?([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?::|$)/gm)) set.push({ name: m[1]!, where: `${path.relative(REPO, f)} (commented)` });
  }
  assert.ok(set.length >= 15, `found the variables (${set.length})`);
  const unknown = set.filter((s) => !known.has(s.name)).map((s) => `${s.name} in ${s.where}`);
  assert.deepEqual(unknown, [], 'variables evalflow does not read');
  for (const must of ['EVALFLOW_TASK_QUEUE', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'EVALFLOW_S3_BUCKET', 'EVALFLOW_METRICS_ADDRESS']) {
    assert.ok(all.some((d) => d.kind === 'ConfigMap' && d.name === 'evalflow-settings' && must in d.body.data), `evalflow-settings sets ${must}`);
  }
});

test('references resolve: ConfigMap and Secrets by name, the metrics port, the kustomization resources; privileges only where needed', () => {
  const all = docs();
  const names = (kind: string) => new Set(all.filter((d) => d.kind === kind).map((d) => d.name));
  const configMaps = names('ConfigMap');
  const secrets = names('Secret');
  const settings = all.find((d) => d.kind === 'ConfigMap' && d.name === 'evalflow-settings')!;
  const metricsPort = Number(/:(\d+)$/.exec(settings.body.data.EVALFLOW_METRICS_ADDRESS)![1]);
  for (const d of deployments(all)) {
    const pod = d.body.spec.template.spec;
    for (const c of pod.containers) {
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) assert.ok(configMaps.has(e.configMapRef.name), `${d.name}: ConfigMap ${e.configMapRef.name}`);
        if (e.secretRef) assert.ok(secrets.has(e.secretRef.name), `${d.name}: Secret ${e.secretRef.name} has an example in deploy/examples`);
      }
      const port = (c.ports ?? []).find((p: { name: string }) => p.name === 'metrics');
      assert.equal(port?.containerPort, metricsPort, `${d.name}: port 'metrics' is EVALFLOW_METRICS_ADDRESS's`);
      assert.equal(d.body.spec.template.metadata.annotations['prometheus.io/port'], String(metricsPort));
      for (const probe of [c.readinessProbe, c.livenessProbe]) assert.equal(probe?.httpGet?.port, 'metrics', `${d.name}: probes use the metrics port`);
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, `${d.name}: resource requests and limits`);
      const sc = c.securityContext ?? {};
      if (d.name === 'evalflow-sandbox') {
        assert.equal(pod.hostUsers, false, 'the sandbox pod has a user namespace of its own');
        assert.notEqual(sc.privileged, true, 'not privileged');
        assert.deepEqual(sc.capabilities, { drop: ['ALL'], add: ['SETUID', 'SETGID'] });
        assert.ok(!(c.envFrom ?? []).some((e: { secretRef?: { name: string } }) => e.secretRef?.name === 'evalflow-model-keys'), 'model keys stay out of the sandbox');
      } else {
        assert.equal(sc.seccompProfile, undefined, `${d.name}: the pod's RuntimeDefault seccomp profile`);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        assert.deepEqual(sc.capabilities, { drop: ['ALL'] }, `${d.name}: no capabilities`);
        assert.equal(pod.securityContext.runAsNonRoot, true);
      }
    }
    for (const v of pod.volumes ?? []) if (v.secret) assert.ok(secrets.has(v.secret.secretName), `${d.name}: Secret ${v.secret.secretName}`);
  }
  const service = all.find((d) => d.kind === 'Service')!;
  assert.deepEqual(service.body.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]), [['metrics', metricsPort]]);
  // kustomization resources: every listed file exists and every manifest of base/ is listed.
  const base = path.join(DEPLOY, 'base');
  const k = YAML.parse(fs.readFileSync(path.join(base, 'kustomization.yaml'), 'utf8'));
  const listed = (k.resources as string[]).slice().sort();
  const present = fs.readdirSync(base).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual(listed, present);
  assert.ok(!listed.some((f) => /secret/i.test(f)), 'the placeholder Secrets are not applied by the base');
});

test("the sandbox Deployment's capabilities are enough for the real sandbox, and needed (no_new_privs, nothing else)", () => {
  const sandbox = docs().find((d) => d.kind === 'Deployment' && d.name === 'evalflow-sandbox')!;
  const sc = sandbox.body.spec.template.spec.containers[0].securityContext;
  assert.equal(sc.allowPrivilegeEscalation, false);
  const caps = (sc.capabilities.add as string[]).map((c) => `+${c.toLowerCase()}`);
  // One program through lib/engine/sandbox in a process limited as the container is:
  // no_new_privs, and a bounding set of only the manifest's capabilities.
  const program = `
    const { createSandbox } = require(${JSON.stringify(path.join(REPO, 'dist', 'lib', 'engine', 'sandbox', 'bwrap.js'))});
    createSandbox({ slots: 1 }).run({ files: { 'c.py': 'import os\\nprint("uid", os.getuid())\\n' }, command: ['python3', 'c.py'], timeoutMs: 20000 })
      .then((r) => { console.log(JSON.stringify(r.status), r.stdout.trim()); process.exit(0); }, (e) => { console.log('failed:', e.message); process.exit(0); });`;
  const limited = (bounding: string) =>
    spawnSync('setpriv', ['--no-new-privs', `--bounding-set=${bounding}`, '--inh-caps=-all', '--', process.execPath, '-e', program], { encoding: 'utf8' });
  const withCaps = limited(['-all', ...caps].join(','));
  assert.equal(withCaps.status, 0, withCaps.stderr);
  if (process.getuid?.() === 0) {
    // As root (the pod's root): each slot switches to its own user id, which needs the two capabilities.
    assert.match(withCaps.stdout, /^"ok" uid 61000$/m, withCaps.stdout + withCaps.stderr);
    const without = limited('-all');
    assert.match(without.stdout, /failed: .*setresuid failed: Operation not permitted/, 'without SETUID/SETGID the slot user switch fails');
  } else {
    // As another user the worker runs bubblewrap as itself: no capability at all is needed.
    assert.match(withCaps.stdout, /^"ok" uid \d+$/m, withCaps.stdout + withCaps.stderr);
  }
});

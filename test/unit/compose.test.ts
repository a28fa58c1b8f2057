/**
 * Static checks of docker-compose.yml and the worker Dockerfile. Docker is not
 * available where these tests run, so the files are parsed and checked, not
 * started; `evalflow dev up` (test/integration/infra.test.ts) runs the same
 * servers as real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'docker-compose.yml'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`docker-compose.yml not found above ${__dirname}`);
    dir = up;
  }
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dict(v: unknown, what: string): Dict {
  assert.ok(isDict(v), `${what} is a mapping`);
  return v;
}

/** Container ports published by a service ("127.0.0.1:7233:7233" → 7233). */
function containerPorts(service: Dict): number[] {
  const ports = service.ports;
  assert.ok(Array.isArray(ports), 'ports is a list');
  return ports.map((p) => {
    if (isDict(p)) return Number(p.target);
    const parts = String(p).split('/')[0]!.split(':');
    return Number(parts[parts.length - 1]);
  });
}

/** Host binding of each published port, e.g. "127.0.0.1". */
function hostIps(service: Dict): string[] {
  const ports = service.ports as unknown[];
  return ports.map((p) => {
    if (isDict(p)) return String(p.host_ip ?? '');
    const parts = String(p).split(':');
    return parts.length === 3 ? (parts[0] as string) : '';
  });
}

/** environment as a map, whether written as a mapping or as KEY=VALUE list. */
function environment(service: Dict): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const s = String(e);
        const i = s.indexOf('=');
        return [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(dict(env, 'environment')).map(([k, v]) => [k, String(v)]));
}

function commandText(service: Dict): string {
  const c = service.command;
  return Array.isArray(c) ? c.map(String).join(' ') : String(c ?? '');
}

const root = repoRoot();
const compose = dict(parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')), 'compose file');
const services = dict(compose.services, 'services');

test('compose has temporal, minio and worker services', () => {
  assert.deepEqual(Object.keys(services).sort(), ['minio', 'temporal', 'worker']);
});

test('temporal: official dev server image, start-dev on 0.0.0.0 with UI, ports 7233 and 8233', () => {
  const t = dict(services.temporal, 'temporal');
  assert.match(String(t.image), /^temporalio\/temporal:/);
  const cmd = commandText(t);
  assert.match(cmd, /^server start-dev\b/);
  assert.match(cmd, /--ip 0\.0\.0\.0/);
  assert.doesNotMatch(cmd, /--headless/);
  assert.match(cmd, /--db-filename \S+/, 'state in a SQLite file');
  assert.deepEqual(containerPorts(t).sort(), [7233, 8233]);
  assert.ok(hostIps(t).every((ip) => ip === '127.0.0.1'), 'published on loopback only');
});

test('minio: ports 9000 and 9001, a data volume, root credentials', () => {
  const m = dict(services.minio, 'minio');
  assert.match(String(m.image), /minio/);
  assert.match(commandText(m), /^server \/data/);
  assert.deepEqual(containerPorts(m).sort(), [9000, 9001]);
  assert.ok(hostIps(m).every((ip) => ip === '127.0.0.1'), 'published on loopback only');
  const volumes = m.volumes;
  assert.ok(Array.isArray(volumes), 'minio has volumes');
  const data = volumes.map(String).find((v) => v.endsWith(':/data'));
  assert.ok(data !== undefined, 'a volume is mounted at /data');
  const named = data.split(':')[0] as string;
  assert.ok(isDict(compose.volumes) && named in compose.volumes, `named volume ${named} is declared`);
  const env = environment(m);
  assert.ok(env.MINIO_ROOT_USER, 'MINIO_ROOT_USER set');
  assert.ok(env.MINIO_ROOT_PASSWORD, 'MINIO_ROOT_PASSWORD set');
});

test('worker: built from the Dockerfile, talks to temporal and minio by service name', () => {
  const w = dict(services.worker, 'worker');
  const build = w.build;
  const dockerfile = isDict(build) ? String(build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
  assert.ok(build !== undefined, 'worker has a build section');
  assert.equal(dockerfile, 'Dockerfile');
  const env = environment(w);
  assert.equal(env.EVALFLOW_TEMPORAL_ADDRESS, 'temporal:7233');
  assert.equal(env.EVALFLOW_S3_ENDPOINT, 'http://minio:9000');
  const minioEnv = environment(dict(services.minio, 'minio'));
  assert.equal(env.EVALFLOW_S3_ACCESS_KEY, minioEnv.MINIO_ROOT_USER, 'worker uses the MinIO root user');
  assert.equal(env.EVALFLOW_S3_SECRET_KEY, minioEnv.MINIO_ROOT_PASSWORD, 'worker uses the MinIO root password');
  const deps = w.depends_on;
  const depNames = Array.isArray(deps) ? deps.map(String) : Object.keys(dict(deps, 'depends_on'));
  assert.deepEqual(depNames.sort(), ['minio', 'temporal']);
});

test('Dockerfile: node:20-slim, npm ci, npm run build, runs the worker', () => {
  const text = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  assert.match(text, /^FROM node:20-slim\b/m);
  assert.match(text, /npm ci\b/);
  assert.match(text, /npm run build\b/);
  assert.ok(text.indexOf('npm ci') < text.indexOf('npm run build'), 'install before build');
  assert.match(text, /^CMD \["node", "bin\/evalflow\.js", "worker"\]$/m);
});

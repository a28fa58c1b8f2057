import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { DatasetError, hubCachePath, loadDataset, loadDatasetFiles, readLocalDataset } from '../../lib/engine/datasets';
import type { DatasetSource } from '../../lib/records/benchmark-data';

// Synthetic MMLU-Pro rows in the real schema.
const ROWS = [
  { question_id: 70, question: 'Which is prime?', options: ['4', '6', '7'], answer: 'C', answer_index: 2, category: 'math', src: 'ori_mmlu-x' },
  { question_id: 71, question: 'Which is even?', options: ['3', '8', '9', '11'], answer: 'B', answer_index: 1, category: 'computer science', src: 'stemez-y' },
];

function parquetBytes(rows: typeof ROWS): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'question_id', data: rows.map((r) => BigInt(r.question_id)), type: 'INT64' },
      { name: 'question', data: rows.map((r) => r.question), type: 'STRING' },
      { name: 'options', data: rows.map((r) => r.options) },
      { name: 'answer', data: rows.map((r) => r.answer), type: 'STRING' },
      { name: 'answer_index', data: rows.map((r) => BigInt(r.answer_index)), type: 'INT64' },
      { name: 'category', data: rows.map((r) => r.category), type: 'STRING' },
      { name: 'src', data: rows.map((r) => r.src), type: 'STRING' },
    ],
  });
  return new Uint8Array(buf);
}

const PARQUET = parquetBytes(ROWS);
const SOURCE: DatasetSource = { hfRepo: 'TIGER-Lab/MMLU-Pro', hfConfig: 'default', split: 'test', localFile: 'mmlu_pro/test.jsonl' };
const GATED: DatasetSource = { hfRepo: 'Idavidrein/gpqa', hfConfig: 'gpqa_diamond', split: 'train', localFile: 'gpqa/diamond.jsonl', gated: true };

interface SeenRequest {
  url: string;
  authorization?: string;
}

let server: http.Server;
let endpoint = '';
const seen: SeenRequest[] = [];
let failWith500 = false;

before(async () => {
  delete process.env.HF_TOKEN;
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_ENDPOINT;
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    seen.push({ url, authorization: req.headers.authorization });
    if (failWith500) {
      res.writeHead(500).end('boom');
      return;
    }
    if (url === '/api/datasets/TIGER-Lab/MMLU-Pro/parquet/default/test') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([`${endpoint}/api/datasets/TIGER-Lab/MMLU-Pro/parquet/default/test/0.parquet`]));
    } else if (url === '/api/datasets/TIGER-Lab/MMLU-Pro/parquet/default/test/0.parquet') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(PARQUET));
    } else if (url === '/datasets/org/multi/resolve/main/data/a.jsonl') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(jsonl);
    } else if (url.startsWith('/api/datasets/Idavidrein/gpqa/')) {
      if (req.headers.authorization !== 'Bearer good-token') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Access to dataset is restricted"}');
        return;
      }
      res.writeHead(403).end('{"error":"terms not accepted"}');
    } else {
      res.writeHead(404).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'evalflow-datasets-'));
}

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// --- local formats -------------------------------------------------------------

const jsonl = ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n';
const formats: Array<[string, (file: string) => void]> = [
  ['x.jsonl', (f) => fs.writeFileSync(f, jsonl)],
  ['x.jsonl.gz', (f) => fs.writeFileSync(f, zlib.gzipSync(jsonl))],
  ['x.json', (f) => fs.writeFileSync(f, JSON.stringify(ROWS, null, 2))],
  ['lines.json', (f) => fs.writeFileSync(f, jsonl)],
  ['x.parquet', (f) => fs.writeFileSync(f, PARQUET)],
];
for (const [name, write] of formats) {
  test(`readLocalDataset reads ${name} into plain rows with the file's sha256`, async () => {
    const file = path.join(tmpDir(), name);
    write(file);
    const data = await readLocalDataset(file);
    assert.deepEqual(data.rows, ROWS);
    assert.equal(data.origin, 'local');
    assert.equal(data.location, file);
    assert.equal(data.sha256, sha(file));
  });
}

test('readLocalDataset: bad JSON names the line; unknown extension is refused', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"a":1}\n{oops\n');
  await assert.rejects(readLocalDataset(path.join(dir, 'bad.jsonl')), (e: unknown) => e instanceof DatasetError && /line 2/.test(e.message));
  fs.writeFileSync(path.join(dir, 'x.csv'), 'a,b\n');
  await assert.rejects(readLocalDataset(path.join(dir, 'x.csv')), /unsupported dataset format/);
});

// --- dataset_dir ---------------------------------------------------------------

test('datasetDir: reads <dir>/<localFile>; a missing file names the exact path and is permanent', async () => {
  const dir = tmpDir();
  fs.mkdirSync(path.join(dir, 'mmlu_pro'));
  fs.writeFileSync(path.join(dir, 'mmlu_pro', 'test.jsonl'), jsonl);
  const data = await loadDataset(SOURCE, { datasetDir: dir, cacheDir: tmpDir(), hfEndpoint: endpoint });
  assert.equal(data.origin, 'local');
  assert.deepEqual(data.rows, ROWS);

  const empty = tmpDir();
  const before = seen.length;
  await assert.rejects(
    loadDataset(SOURCE, { datasetDir: empty, cacheDir: tmpDir(), hfEndpoint: endpoint }),
    (e: unknown) => e instanceof DatasetError && e.permanent && e.message.includes(path.join(empty, 'mmlu_pro', 'test.jsonl')),
  );
  assert.equal(seen.length, before, 'an explicit dataset_dir never falls through to the Hub');
});

// --- Hub --------------------------------------------------------------------------

test('Hub: parquet export downloaded, decoded, cached; the second load makes no request', async () => {
  const cacheDir = tmpDir();
  const logs: string[] = [];
  const before = seen.length;
  const first = await loadDataset(SOURCE, { cacheDir, hfEndpoint: endpoint, log: (m) => logs.push(m) });
  assert.equal(first.origin, 'hub');
  assert.deepEqual(first.rows, ROWS);
  assert.deepEqual(
    seen.slice(before).map((r) => r.url),
    ['/api/datasets/TIGER-Lab/MMLU-Pro/parquet/default/test', '/api/datasets/TIGER-Lab/MMLU-Pro/parquet/default/test/0.parquet'],
  );
  assert.equal(seen[before]?.authorization, undefined, 'no token, no Authorization header');
  const cacheFile = hubCachePath(cacheDir, SOURCE);
  assert.equal(cacheFile, path.join(cacheDir, 'datasets', 'TIGER-Lab', 'MMLU-Pro', 'default', 'test.jsonl'));
  assert.equal(first.sha256, sha(cacheFile));
  assert.ok(logs.some((m) => m.includes('downloaded from')));

  const afterFirst = seen.length;
  const second = await loadDataset(SOURCE, { cacheDir, hfEndpoint: endpoint });
  assert.equal(seen.length, afterFirst, 'second load is served from the cache');
  assert.equal(second.origin, 'hub-cache');
  assert.deepEqual(second.rows, ROWS);
  assert.equal(second.sha256, first.sha256);
  assert.deepEqual(fs.readdirSync(path.dirname(cacheFile)), ['test.jsonl'], 'no temporary files left behind');
});

test('Hub: the token is sent as a Bearer header on every request', async () => {
  const before = seen.length;
  await loadDataset(SOURCE, { cacheDir: tmpDir(), hfEndpoint: endpoint, hfToken: 'tok-123' });
  const mine = seen.slice(before);
  assert.equal(mine.length, 2);
  for (const r of mine) assert.equal(r.authorization, 'Bearer tok-123');
});

test('Hub: 401 → permanent error asking for HF_TOKEN and the dataset terms; no fallback', async () => {
  const fallbackDir = tmpDir();
  fs.mkdirSync(path.join(fallbackDir, 'gpqa'));
  fs.writeFileSync(path.join(fallbackDir, 'gpqa', 'diamond.jsonl'), jsonl);
  await assert.rejects(
    loadDataset({ ...GATED, gated: false }, { cacheDir: tmpDir(), hfEndpoint: endpoint, hfToken: 'wrong', fallbackDir }),
    (e: unknown) => e instanceof DatasetError && e.permanent && /HTTP 401/.test(e.message) && /HF_TOKEN/.test(e.message) && /accept the dataset's terms/.test(e.message),
  );
  await assert.rejects(
    loadDataset(GATED, { cacheDir: tmpDir(), hfEndpoint: endpoint, hfToken: 'good-token' }),
    (e: unknown) => e instanceof DatasetError && e.permanent && /HTTP 403/.test(e.message),
  );
});

test('Hub: a gated set without a token fails before any request', async () => {
  const before = seen.length;
  await assert.rejects(
    loadDataset(GATED, { cacheDir: tmpDir(), hfEndpoint: endpoint }),
    (e: unknown) => e instanceof DatasetError && e.permanent && /no HF_TOKEN is set/.test(e.message) && e.message.includes('Idavidrein/gpqa'),
  );
  assert.equal(seen.length, before);
});

test('Hub: 404 names the repo, config and split', async () => {
  await assert.rejects(
    loadDataset({ ...SOURCE, hfConfig: 'nope' }, { cacheDir: tmpDir(), hfEndpoint: endpoint }),
    (e: unknown) => e instanceof DatasetError && e.permanent && /TIGER-Lab\/MMLU-Pro, config "nope", split "test"/.test(e.message),
  );
});

test('Hub unreachable → fallback directory, with a log line naming it; without one a transient error', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadEndpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const fallbackDir = tmpDir();
  fs.mkdirSync(path.join(fallbackDir, 'mmlu_pro'));
  const fallbackFile = path.join(fallbackDir, 'mmlu_pro', 'test.jsonl');
  fs.writeFileSync(fallbackFile, jsonl);
  const logs: string[] = [];
  const data = await loadDataset(SOURCE, { cacheDir: tmpDir(), hfEndpoint: deadEndpoint, fallbackDir, log: (m) => logs.push(m), timeoutMs: 5000 });
  assert.equal(data.origin, 'local');
  assert.equal(data.location, fallbackFile);
  assert.deepEqual(data.rows, ROWS);
  assert.ok(logs.some((m) => m.includes('Hub unreachable') && m.includes(fallbackFile)), logs.join('\n'));

  await assert.rejects(
    loadDataset(SOURCE, { cacheDir: tmpDir(), hfEndpoint: deadEndpoint, timeoutMs: 5000 }),
    (e: unknown) => e instanceof DatasetError && !e.permanent && /unreachable/.test(e.message) && /EVALFLOW_DATASETS_DIR/.test(e.message),
  );
});

test('Hub 5xx counts as unreachable and falls back', async () => {
  const fallbackDir = tmpDir();
  fs.mkdirSync(path.join(fallbackDir, 'mmlu_pro'));
  fs.writeFileSync(path.join(fallbackDir, 'mmlu_pro', 'test.jsonl'), jsonl);
  failWith500 = true;
  try {
    const data = await loadDataset(SOURCE, { cacheDir: tmpDir(), hfEndpoint: endpoint, fallbackDir });
    assert.equal(data.origin, 'local');
  } finally {
    failWith500 = false;
  }
});

test('offline: never contacts the Hub; uses the cache, else the fallback, else a clear error', async () => {
  const before = seen.length;
  await assert.rejects(
    loadDataset(SOURCE, { cacheDir: tmpDir(), hfEndpoint: endpoint, offline: true }),
    (e: unknown) => e instanceof DatasetError && /HF_HUB_OFFLINE=1/.test(e.message),
  );
  const fallbackDir = tmpDir();
  fs.mkdirSync(path.join(fallbackDir, 'mmlu_pro'));
  fs.writeFileSync(path.join(fallbackDir, 'mmlu_pro', 'test.jsonl'), jsonl);
  const data = await loadDataset(SOURCE, { cacheDir: tmpDir(), hfEndpoint: endpoint, offline: true, fallbackDir });
  assert.equal(data.origin, 'local');
  assert.equal(seen.length, before);
});

// --- datasets spread over several files (DatasetSource.readRows) ------------------

const MULTI: DatasetSource = {
  hfRepo: 'org/multi',
  hfConfig: 'default',
  split: 'test',
  localFile: 'multi',
  // a.jsonl is required, b.jsonl optional; rows with question_id 71 are filtered while read
  async readRows(read) {
    const a = await read('multi/a.jsonl', 'data/a.jsonl', (row) => row.question_id !== 71);
    if (a === null) throw new Error('a.jsonl is missing');
    const b = await read('multi/b.jsonl', 'data/b.jsonl');
    return [...a, ...(b ?? [])];
  },
};

test('multi-file datasets: local files joined, streamed with the row filter; a module error names the directory', async () => {
  const dir = tmpDir();
  fs.mkdirSync(path.join(dir, 'multi'));
  fs.writeFileSync(path.join(dir, 'multi', 'a.jsonl'), jsonl);
  fs.writeFileSync(path.join(dir, 'multi', 'b.jsonl'), jsonl);
  const data = await loadDatasetFiles(MULTI, { datasetDir: dir, cacheDir: tmpDir() }, 'test');
  assert.deepEqual(data.rows, [ROWS[0], ...ROWS]);
  assert.equal(data.origin, 'local');
  assert.equal(data.location, path.join(dir, 'multi'));
  fs.rmSync(path.join(dir, 'multi', 'a.jsonl'));
  await assert.rejects(loadDatasetFiles(MULTI, { datasetDir: dir, cacheDir: tmpDir() }, 'test'), (e: unknown) => e instanceof DatasetError && /a\.jsonl is missing/.test(e.message) && e.message.includes(path.join(dir, 'multi')));
  await assert.rejects(
    loadDatasetFiles({ ...MULTI, readRows: async (read) => (await read('multi/none.jsonl')) ?? [] }, { datasetDir: dir, cacheDir: tmpDir() }, 'test'),
    /no data files found in .*multi; download them there/,
  );
});

test('multi-file datasets: Hub files by resolve/main, cached (the second load makes no request), 404 = missing file', async () => {
  const cacheDir = tmpDir();
  seen.length = 0;
  const data = await loadDatasetFiles(MULTI, { cacheDir, hfEndpoint: endpoint, offline: false }, 'test');
  assert.deepEqual(data.rows, [ROWS[0]]);
  assert.equal(data.origin, 'hub');
  assert.deepEqual(seen.map((r) => r.url), ['/datasets/org/multi/resolve/main/data/a.jsonl', '/datasets/org/multi/resolve/main/data/b.jsonl']);
  seen.length = 0;
  const again = await loadDatasetFiles(MULTI, { cacheDir, hfEndpoint: endpoint, offline: false }, 'test');
  assert.deepEqual(again.rows, [ROWS[0]]);
  assert.equal(again.sha256, data.sha256);
  assert.deepEqual(seen.map((r) => r.url), ['/datasets/org/multi/resolve/main/data/b.jsonl']);
  await assert.rejects(loadDatasetFiles(MULTI, { cacheDir, offline: true }, 'test'), /the Hub is off \(HF_HUB_OFFLINE=1\) and no local directory is set/);
});

test('multi-file datasets: a split of the parquet export by parquet:<config>/<split>; a file the Hub lacks comes from the fallback directory (.txt as { text })', async () => {
  const fallbackDir = tmpDir();
  fs.mkdirSync(path.join(fallbackDir, 'x'));
  fs.writeFileSync(path.join(fallbackDir, 'x', 'note.txt'), 'def f():\n    return 1\n');
  const source: DatasetSource = {
    hfRepo: 'TIGER-Lab/MMLU-Pro',
    hfConfig: 'default',
    split: 'test',
    localFile: 'x',
    async readRows(read) {
      const rows = (await read('x/p.jsonl', 'parquet:default/test')) ?? [];
      const note = await read('x/note.txt');
      return [...rows, ...(note ?? [])];
    },
  };
  const data = await loadDatasetFiles(source, { cacheDir: tmpDir(), hfEndpoint: endpoint, offline: false, fallbackDir }, 'test');
  assert.deepEqual(data.rows, [...ROWS, { text: 'def f():\n    return 1\n' }]);
  assert.equal(data.origin, 'hub');
});

/**
 * `evalflow serve-gguf` with the real model (Gemma 3 270M base, from
 * scripts/setup-model.sh, which scripts/setup-tests.sh runs; installed here too
 * when missing): the OpenAI-compatible answers evalflow relies on, counted by
 * the model's own tokenizer, and the bad inputs of docs/reliability.md.
 * One server process, one sequence (the reproducible default).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { installTestModel, TEST_MODEL_NAME } from '../../lib/operator/gguf-model';
import { CLI, runCli } from '../support/harness';

interface Completion {
  choices: { message: { content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  error?: { message: string; type: string };
}

/** Starts `evalflow serve-gguf`; resolves with the process and its URL once the ready line is printed. */
function serve(model: string, args: string[] = []): Promise<{ proc: ChildProcess; url: string; out: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'serve-gguf', model, '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => reject(new Error(`serve-gguf not ready in 60 s: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/v1)\/chat\/completions as model '([^']+)'/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ proc, url: m[1], out: () => out });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`serve-gguf exited ${code}: ${out}`)));
  });
}

describe('evalflow serve-gguf with the real model', () => {
  let model: string;
  let server: { proc: ChildProcess; url: string; out: () => string };
  const chat = async (body: Record<string, unknown>): Promise<{ status: number; json: Completion }> => {
    const r = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: TEST_MODEL_NAME, ...body }) });
    return { status: r.status, json: (await r.json()) as Completion };
  };
  const ask = (content: string) => [{ role: 'user', content }];

  before(async () => {
    model = installTestModel();
    server = await serve(model);
  });
  after(() => {
    if (server?.proc.exitCode === null) server.proc.kill('SIGKILL');
  });

  test('GET /v1/models lists the served model under the file base name', async () => {
    const r = await fetch(`${server.url}/models`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { data: { id: string }[] };
    assert.deepEqual(body.data.map((m) => m.id), [TEST_MODEL_NAME]);
  });

  test('max_tokens 8: finish_reason length, 8 completion tokens, usage adds up and grows with the prompt', async () => {
    const short = await chat({ messages: ask('Question: What is 12 + 30?\nAnswer:'), max_tokens: 8, temperature: 0 });
    assert.equal(short.status, 200, JSON.stringify(short.json));
    assert.equal(short.json.choices[0].finish_reason, 'length');
    assert.equal(short.json.usage.completion_tokens, 8);
    assert.equal(short.json.usage.total_tokens, short.json.usage.prompt_tokens + 8);
    assert.ok(short.json.choices[0].message.content.length > 0);
    // The prompt is counted with the chat template (turn markers included), by the model's tokenizer.
    assert.ok(short.json.usage.prompt_tokens > 10, `prompt_tokens ${short.json.usage.prompt_tokens}`);
    const longer = await chat({ messages: [{ role: 'system', content: 'Answer with one number.' }, ...ask('Question: What is 12 + 30?\nAnswer:')], max_completion_tokens: 3, temperature: 0 });
    assert.equal(longer.json.usage.completion_tokens, 3);
    assert.ok(longer.json.usage.prompt_tokens > short.json.usage.prompt_tokens);
  });

  test('a stop sequence ends the answer before it (finish_reason stop), as a string or a list', async () => {
    const free = await chat({ messages: ask('Hello'), max_tokens: 40, temperature: 0 });
    const text = free.json.choices[0].message.content;
    // A stop string taken from the model's own answer, past its first characters.
    const at = text.indexOf(' ', 3) > 0 ? text.indexOf(' ', 3) : text.indexOf('\n', 1);
    assert.ok(at > 0, `no space or newline to stop at in ${JSON.stringify(text)}`);
    const stop = text.slice(at, at + 2);
    for (const s of [stop, ['never-generated-xyz', stop]]) {
      const stopped = await chat({ messages: ask('Hello'), max_tokens: 40, temperature: 0, stop: s });
      assert.equal(stopped.json.choices[0].finish_reason, 'stop');
      assert.equal(stopped.json.choices[0].message.content, text.slice(0, text.indexOf(stop)));
      assert.ok(stopped.json.usage.completion_tokens < 40 && stopped.json.usage.completion_tokens >= 1);
    }
  });

  test('temperature 0 with a seed twice, and temperature 0.9 with a seed twice: identical text on one sequence', async () => {
    for (const params of [{ temperature: 0, seed: 42 }, { temperature: 0.9, top_p: 0.95, seed: 7 }]) {
      const a = await chat({ messages: ask('Write a sentence about the sea.'), max_tokens: 24, ...params });
      const b = await chat({ messages: ask('Write a sentence about the sea.'), max_tokens: 24, ...params });
      assert.equal(a.status, 200);
      assert.equal(a.json.choices[0].message.content, b.json.choices[0].message.content);
    }
    // The seed matters when sampling: some other seed gives another text.
    const texts = new Set<string>();
    for (const seed of [1, 2, 3]) texts.add((await chat({ messages: ask('Write a sentence about the sea.'), max_tokens: 24, temperature: 0.9, seed })).json.choices[0].message.content);
    assert.ok(texts.size > 1, 'three seeds gave the same sampled text');
  });

  test('bad requests get 400 (404 for another model) with an OpenAI-style error', async () => {
    const cases: [Record<string, unknown> | string, number, RegExp][] = [
      [{ messages: ask('hi'), n: 2 }, 400, /'n' must be 1/],
      [{ messages: ask('hi'), stream: true }, 400, /stream.*not supported/],
      [{ messages: ask('hi'), max_tokens: 0 }, 400, /'max_tokens' must be/],
      [{ messages: ask('hi'), temperature: 'hot' }, 400, /'temperature' must be a number/],
      [{ messages: ask('hi'), max_tokens: 100_000 }, 400, /exceed the context size 4096.*--context-size/],
      [{ messages: [] }, 400, /'messages' must be a non-empty list/],
      [{ messages: [{ role: 'tool', content: 'x' }] }, 400, /role "tool" is not supported/],
      [{ messages: ask('hi'), model: 'gpt-4o' }, 404, /'gpt-4o' does not exist; this server serves 'gemma-3-270m-q4_k_m'/],
      ['{not json', 400, /not valid JSON/],
    ];
    for (const [body, status, message] of cases) {
      const r = await fetch(`${server.url}/chat/completions`, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify({ model: TEST_MODEL_NAME, ...body }),
      });
      const json = (await r.json()) as Completion;
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(json.error!.message, message);
      assert.equal(json.error!.type, 'invalid_request_error');
    }
  });

  test('bad inputs on the command line: missing file, not a GGUF, port in use — each named with its fix', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gguf-bad-'));
    const notGguf = path.join(dir, 'model.gguf');
    fs.writeFileSync(notGguf, 'PK\u0003\u0004 this is a zip, not a model');
    const missing = await runCli(['serve-gguf', path.join(dir, 'nope.gguf'), '--port', '0'], process.env, 30_000);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /GGUF file .*nope\.gguf does not exist; .*evalflow dev install --model/);
    const wrong = await runCli(['serve-gguf', notGguf, '--port', '0'], process.env, 30_000);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /model\.gguf is not a GGUF file .*convert/);
    const busyPort = Number(new URL(server.url).port);
    const busy = await runCli(['serve-gguf', model, '--port', String(busyPort)], process.env, 30_000);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is in use.*--port`));
    // A port taken by another program (not a serve-gguf) fails the same way, before the model loads.
    const other = net.createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const t0 = Date.now();
    const taken = await runCli(['serve-gguf', model, '--port', String((other.address() as net.AddressInfo).port)], process.env, 30_000);
    other.close();
    assert.match(taken.stderr, /is in use/);
    assert.ok(Date.now() - t0 < 10_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--parallel 2: five requests at once are all answered (three wait for a sequence), each with its own usage', async () => {
    const p = await serve(model, ['--parallel', '2', '--model-name', 'tiny']);
    try {
      assert.match(p.out(), /as model 'tiny' \(gemma-3-270m-q4_k_m\.gguf, 2 sequences/);
      const answers = await Promise.all(
        [4, 5, 6, 7, 8].map(async (maxTokens) => {
          const r = await fetch(`${p.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'tiny', messages: ask(`Count to ${maxTokens}:`), max_tokens: maxTokens, temperature: 0 }) });
          return { maxTokens, json: (await r.json()) as Completion };
        }),
      );
      for (const { maxTokens, json } of answers) {
        assert.equal(json.choices[0].finish_reason, 'length');
        assert.equal(json.usage.completion_tokens, maxTokens);
      }
    } finally {
      p.proc.kill('SIGTERM');
    }
  });

  test('SIGTERM stops the server cleanly (exit 0, port closed)', async () => {
    const exited = new Promise<number | null>((r) => server.proc.once('exit', (code) => r(code)));
    server.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(server.out(), /SIGTERM, stopping/);
    await assert.rejects(fetch(`${server.url}/models`));
  });
});

/**
 * `npm run build && node dist/bench/gguf-bench.js [--threads N] [--requests N] [--max-tokens N]`:
 * `evalflow serve-gguf` with the real test model, measured from outside as
 * a client sees it (docs/performance.md, "A real model on CPU"):
 * - load: spawn to the ready line; resident memory (VmRSS, VmHWM) of the server;
 * - generation: completion tokens per second over N requests of max_tokens
 *   each, with --parallel 1 (one request at a time) and --parallel 4 (four at once);
 * - batching: 6 prompts at temperature 0, each asked alone and then together
 *   with three others, on --parallel 4 and on --parallel 1: how many answers differ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installTestModel, TEST_MODEL_NAME } from '../lib/operator/gguf-model';

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'evalflow.js');
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function serve(model: string, parallel: number, threads: number) {
  const t0 = performance.now();
  const proc: ChildProcess = spawn(process.execPath, [CLI, 'serve-gguf', model, '--port', '0', '--quiet', '--parallel', String(parallel), '--threads', String(threads)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /serving (\S+)\/chat\/completions/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`serve-gguf exited ${c}: ${out}`)));
  });
  return { proc, url, readyS: (performance.now() - t0) / 1000 };
}

function memMb(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

async function chat(url: string, content: string, maxTokens: number) {
  const r = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: TEST_MODEL_NAME, messages: [{ role: 'user', content }], max_tokens: maxTokens, temperature: 0 }),
  });
  const j = (await r.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  return { text: j.choices[0].message.content, tokens: j.usage.completion_tokens };
}

const PROMPTS = [
  'Question: A farmer has 12 cows and buys 7 more. How many cows does he have?\nAnswer:',
  'Write a short poem about autumn leaves.',
  'The capital of France is',
  'Explain photosynthesis in one paragraph.',
  'List three prime numbers greater than 10.',
  'Translate to German: The weather is nice today.',
];

async function main() {
  const threads = arg('threads', 1);
  const requests = arg('requests', 8);
  const maxTokens = arg('max-tokens', 128);
  const model = installTestModel();
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; --threads ${threads}`);
  for (const parallel of [1, 4]) {
    const s = await serve(model, parallel, threads);
    const loaded = memMb(s.proc.pid!);
    await chat(s.url, 'warm up', 4);
    let next = 0;
    let tokens = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < requests) {
          const i = next++;
          const r = await chat(s.url, PROMPTS[i % PROMPTS.length], maxTokens);
          tokens += r.tokens;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const after = memMb(s.proc.pid!);
    // Batching: each prompt alone, then the same prompts four at a time.
    const alone: string[] = [];
    for (const p of PROMPTS) alone.push((await chat(s.url, p, 48)).text);
    // Three rounds of batches (which prompts share a batch, and when each joins it, varies): an answer counts once if any round differs.
    const changed = new Set<number>();
    for (let round = 0; round < 3; round++) {
      const order = PROMPTS.map((_, i) => (i + round) % PROMPTS.length);
      for (let b = 0; b < order.length; b += 4) {
        const batch = order.slice(b, b + 4);
        const texts = await Promise.all(batch.map((i) => chat(s.url, PROMPTS[i], 48)));
        batch.forEach((i, j) => texts[j].text !== alone[i] && changed.add(i));
      }
    }
    const differ = changed.size;
    console.log(
      `--parallel ${parallel}: ready in ${s.readyS.toFixed(1)} s, RSS ${loaded.rss} MB after load, ${after.rss} MB (peak ${after.hwm} MB) after generating; ` +
        `${requests} requests × ${maxTokens} tokens, ${parallel} at a time: ${tokens} tokens in ${secs.toFixed(1)} s = ${(tokens / secs).toFixed(1)} tokens/s; ` +
        `temperature 0, alone vs. in batches of up to 4 (3 rounds): ${differ} of ${PROMPTS.length} answers changed`,
    );
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGTERM');
    await exited;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

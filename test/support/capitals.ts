/**
 * A judged toy benchmark for tests (no built-in judged benchmark has open
 * data): the model names a country's capital, the judge says whether the
 * answer is right. Registered on a test worker through
 * startInProcessWorker(queue, [capitals]); its data is written by the test
 * with writeCapitals.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Benchmark } from '../../benchmarks/types';

export const capitals: Benchmark = {
  kind: 'judged',
  name: 'example_capitals_judged',
  description: 'test-only judged benchmark',
  dataset: { hfRepo: 'example/capitals', hfConfig: 'default', split: 'test', localFile: 'capitals/test.jsonl' },
  defaults: {},
  toSample: (raw) => ({ id: String(raw.id), expected: String(raw.capital), data: { country: String(raw.country) } }),
  prompt: (s) => [{ role: 'user', content: `What is the capital of ${s.data.country}?` }],
  judge: {
    prompt: (s, response) => [{ role: 'user', content: `Gold: ${s.expected}\nResponse: ${response}\nReply "Judgement: yes" or "Judgement: no".` }],
    parse: (text) => {
      const m = /Judgement:\s*(yes|no)/i.exec(text);
      return m ? { correct: m[1].toLowerCase() === 'yes' } : { correct: null };
    },
  },
  score: (response, _s, verdict) => ({ predicted: response || null, correct: verdict?.correct === true }),
};

/** Writes the benchmark's rows as `dir`/capitals/test.jsonl (the task's dataset_dir is `dir`). */
export function writeCapitals(dir: string, rows: { id: string; country: string; capital: string }[]): void {
  fs.mkdirSync(path.join(dir, 'capitals'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'capitals', 'test.jsonl'), rows.map((r) => JSON.stringify({ id: r.id, country: r.country, capital: r.capital })).join('\n'));
}

/**
 * An example custom benchmark, kept outside the built-in registry: a module
 * that provides the same parts as the built-in ones (data source, prompt,
 * extraction and scoring from the math family; metrics come from lib/engine/metrics) and is registered on
 * the workers through the plugin options:
 *
 *   Worker.create({ …, plugins: [orchestrationPlugin({ benchmarks: [arithmetic] }),
 *                                 generationPlugin(), scoringPlugin({ benchmarks: [arithmetic] })] })
 *
 * Its data is a small synthetic set in examples/data (point `dataset_dir` at it).
 */
import { scoreBoxedMath } from '../benchmarks/families/math';
import type { Benchmark } from '../benchmarks/types';

export const arithmetic: Benchmark = {
  // Scored by a pure function of the response ('judged' adds `judge`, 'executed' runs code through `execute`).
  // Modules written before kinds existed leave it out and are classified by their members.
  kind: 'plain',
  name: 'example_arithmetic',
  description: 'Example custom benchmark: two-number arithmetic, answer in \\boxed{}',
  dataset: { hfRepo: 'example/arithmetic', hfConfig: 'default', split: 'test', localFile: 'arithmetic/test.jsonl' },
  defaults: { max_new_tokens: 64, temperature: 0 },
  toSample(raw, index) {
    return { id: String(raw.id ?? index), expected: String(raw.answer), data: { question: String(raw.question) } };
  },
  prompt(sample) {
    return [{ role: 'user', content: `${sample.data.question} Put the answer (and only the answer) inside \\boxed{}.` }];
  },
  // NeMo-Skills' math grading (the last \boxed{}, math-verify): the worker needs scripts/setup-math.sh.
  score(responseText, sample) {
    return scoreBoxedMath(responseText, sample.expected);
  },
};

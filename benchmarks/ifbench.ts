/**
 * IFBench — 300 prompts (WildChat prompts from a held-out set) each with one or
 * two of 58 new, out-of-distribution verifiable output constraints ("use at
 * least 5 different coordinating conjunctions", "every 7th word in Japanese",
 * …). NeMo Evaluator task `ns_ifbench` (NeMo-Skills benchmark `ifbench`).
 *
 * Data: Hub `allenai/IFBench_test`, config `default`, split `train` (`key`,
 * `prompt`, `instruction_id_list`, `kwargs`; every kwargs dict carries all
 * argument names, unused ones null, and the parquet stores integers as
 * floats), or `ifbench/IFBench_test.jsonl` in a local dataset directory
 * (allenai/IFBench `data/IFBench_test.jsonl`, same fields).
 * Prompt: NeMo-Skills `generic/default` (`nemo_skills/dataset/ifbench/__init__.py`
 * GENERATION_ARGS `++prompt_config=generic/default ++eval_type=ifbench`): the
 * prompt alone as the user message.
 * Scoring: IFBench `evaluation_lib.py` (run by NeMo-Skills' ifbench evaluator)
 * — every instruction checked strictly and loosely (framework.ts) with the
 * IFBench checkers (ifbench-checkers.ts); a response is `correct` when all its
 * instructions are followed strictly (prompt-level strict).
 * Metrics: NeMo-Skills IFMetrics (`METRICS_TYPE = "if"`, families/instructions/metrics.ts).
 */
import { instructionBenchmark } from './families/instructions/benchmark';
import { IFBENCH_CHECKERS } from './families/instructions/ifbench-checkers';

export const ifbench = instructionBenchmark({
  name: 'ns_ifbench',
  scorerVersion: '2',
  description: 'IFBench instruction following (300 prompts, 58 out-of-distribution constraints), prompt as the user message, prompt/instruction strict/loose accuracy',
  dataset: { hfRepo: 'allenai/IFBench_test', hfConfig: 'default', split: 'train', localFile: 'ifbench/IFBench_test.jsonl' },
  checkers: IFBENCH_CHECKERS,
});

/**
 * IFEval — 541 prompts, each with one to three verifiable instructions
 * ("answer in fewer than 100 words", "no commas", …). NeMo Evaluator task `ifeval`.
 *
 * Data: Hub `google/IFEval`, config `default`, split `train` (`key`, `prompt`,
 * `instruction_id_list`, `kwargs` — on the Hub every kwargs dict carries all
 * argument names, unused ones null), or `ifeval/input_data.jsonl` in a local
 * dataset directory (google-research's `input_data.jsonl`, same fields).
 * Prompt: NeMo-Skills `generic/default` (the ifeval dataset's GENERATION_ARGS,
 * `nemo_skills/dataset/ifeval/__init__.py`): the prompt alone as the user message.
 * Scoring: google-research `evaluation_lib.py` — every instruction checked
 * strictly and loosely (framework.ts, ifeval-checkers.ts); a response is
 * `correct` when all its instructions are followed strictly (prompt-level
 * strict). Metrics: NeMo-Skills IFMetrics (families/instructions/metrics.ts).
 */
import { instructionBenchmark } from './families/instructions/benchmark';
import { IFEVAL_CHECKERS } from './families/instructions/ifeval-checkers';

export const ifeval = instructionBenchmark({
  name: 'ifeval',
  scorerVersion: '1',
  description: 'IFEval instruction following (541 prompts, 25 instruction types), prompt as the user message, prompt/instruction strict/loose accuracy',
  dataset: { hfRepo: 'google/IFEval', hfConfig: 'default', split: 'train', localFile: 'ifeval/input_data.jsonl' },
  checkers: IFEVAL_CHECKERS,
});

/**
 * Search attributes evalflow sets on its workflows, so runs can be found in
 * the Temporal UI's filter box and with `evalflow ls runs --model … --status …`.
 * `evalflow dev up` (and the test stacks) register them; on a production
 * cluster, register once per namespace:
 *
 *   temporal operator search-attribute create --namespace NS \
 *     --name EvalflowRunId --type Keyword  (… one per entry of SEARCH_ATTRIBUTES,
 *     e.g. --name EvalflowCostUsd --type Double)
 *
 * The starter checks that every one of them is registered: a namespace
 * registered before EvalflowCostUsd existed needs that one added, or runs go
 * without search attributes.
 *
 * Workflows set them only when the starter found them registered
 * (SuiteInput.search_attributes): an unregistered attribute would fail the
 * workflow task. Pure: imported by workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  runId: defineSearchAttributeKey('EvalflowRunId', SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey('EvalflowModel', SearchAttributeType.KEYWORD),
  config: defineSearchAttributeKey('EvalflowConfig', SearchAttributeType.KEYWORD),
  task: defineSearchAttributeKey('EvalflowTask', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('EvalflowStatus', SearchAttributeType.KEYWORD),
  samplesDone: defineSearchAttributeKey('EvalflowSamplesDone', SearchAttributeType.INT),
  samplesTotal: defineSearchAttributeKey('EvalflowSamplesTotal', SearchAttributeType.INT),
  /** USD spent by the run (or task) so far, from execution.pricing; set only when pricing is configured. */
  costUsd: defineSearchAttributeKey('EvalflowCostUsd', SearchAttributeType.DOUBLE),
} as const;

/** name → type as the temporal CLI spells it (`--search-attribute NAME=TYPE`). */
export const SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword' | 'Int' | 'Double'>> = {
  EvalflowRunId: 'Keyword',
  EvalflowModel: 'Keyword',
  EvalflowConfig: 'Keyword',
  EvalflowTask: 'Keyword',
  EvalflowStatus: 'Keyword',
  EvalflowSamplesDone: 'Int',
  EvalflowSamplesTotal: 'Int',
  EvalflowCostUsd: 'Double',
};

export type RunStatusValue = 'Running' | 'Paused' | 'Completed' | 'Failed' | 'Cancelled';

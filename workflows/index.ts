/**
 * evalflow's workflows: the business process of an evaluation run.
 *
 *   evaluationSuite(run)          one per run, workflow id = run id        (suite.ts)
 *     └─ evaluationTask(task)     one child per task: prepare → generate → score → aggregate   (task.ts)
 *   endpointLimiter(endpoint)     one per endpoint (URL + model) in the namespace: shared limits, live controls   (limiter.ts)
 *
 * controls.ts: queries and signals; options.ts: every activity's retry and
 * timeout options. Deterministic orchestration only (invariant 6 in
 * docs/architecture.md): all I/O happens in activities; history carries keys
 * and counts, never samples (invariant 1). A task's shards run in a bounded
 * window and the task continues as new before its history grows large, so
 * history per execution stays bounded whatever the sample count.
 *
 * This module is the workers' workflowsPath: it exports the workflow
 * functions (their names are the workflow types) and the definitions clients use.
 */
export { evaluationSuite } from './suite';
export { evaluationTask, HISTORY_EVENTS_BEFORE_CONTINUE, type TaskState } from './task';
export { controlQuery, pauseSignal, resultsQuery, resumeSignal, setBudgetSignal, setParallelismSignal, suiteProgressQuery, taskProgressQuery } from './controls';
export { endpointLimiter, acquireUpdate, consumerSignal, endpointUsageSignal, limiterStateQuery, type LimiterView } from './limiter';

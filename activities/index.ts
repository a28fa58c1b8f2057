/**
 * All evalflow activities, grouped by the role that runs them. Each group is
 * what one worker plugin registers (workers/plugins.ts).
 */
import { defaultDeps, type ActivityDeps } from './deps';
import { generateActivities } from './generate';
import { judgeActivities } from './judge';
import { prepareActivities } from './prepare';
import { runActivities } from './run';
import { scoreActivities } from './score';
import { sandboxActivities } from './sandbox';
import { deployActivities } from './deploy';
import { createSandbox, type Sandbox } from '../lib/engine/sandbox/bwrap';

/** Run bookkeeping and data preparation: goes with the orchestration role. */
export function orchestrationActivities(deps: ActivityDeps = defaultDeps()) {
  return { ...runActivities(deps), ...prepareActivities(deps) };
}

/** Endpoint calls: goes with the generation role (near the endpoints). */
export function generationActivities(deps: ActivityDeps = defaultDeps()) {
  return generateActivities(deps);
}

/** Extraction, scoring and aggregation: goes with the scoring role. */
export function scoringActivities(deps: ActivityDeps = defaultDeps()) {
  return scoreActivities(deps);
}

/** LLM judging: goes with the judge role, on its own task queue. */
export function judgingActivities(deps: ActivityDeps = defaultDeps()) {
  return judgeActivities(deps);
}

/** Running model-written code (HumanEval, LiveCodeBench, SciCode): the sandbox role, on its own task queue. */
export function sandboxingActivities(deps: ActivityDeps = defaultDeps(), sandbox?: Sandbox) {
  const s = deps.settings.sandbox;
  return sandboxActivities(deps, sandbox ?? createSandbox({ slots: s.slots, memoryMb: s.memoryMb, data: s.data }));
}

/** Model servers of runs with a `deployment:` (the deploy role, on the hosts with the accelerators; its own task queue). */
export function deployingActivities(deps: ActivityDeps = defaultDeps()) {
  return deployActivities(deps);
}

export type DeployingActivities = ReturnType<typeof deployingActivities>;
export type SandboxingActivities = ReturnType<typeof sandboxingActivities>;
export type JudgingActivities = ReturnType<typeof judgingActivities>;
export type OrchestrationActivities = ReturnType<typeof orchestrationActivities>;
export type GenerationActivities = ReturnType<typeof generationActivities>;
export type ScoringActivities = ReturnType<typeof scoringActivities>;

export { defaultDeps, type ActivityDeps } from './deps';

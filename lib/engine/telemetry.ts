/**
 * evalflow's own operational metrics (docs/operations.md, "Metrics and
 * tracing"): model and judge calls by outcome, retries by kind, cache hits,
 * tokens, requests in flight, sandbox programs by verdict, checkpoint write
 * latency. The engine records them here and knows no exporter: by default the
 * meter does nothing; a worker hands in a meter with `useMetricMeter` — the
 * Temporal runtime's (`Runtime.instance().metricMeter`, structurally this
 * `Meter`), so the SDK's Prometheus endpoint serves evalflow's metrics beside
 * its own. No Temporal import here (the engine layer has none).
 *
 * Labels stay few and low-cardinality: role (model | judge), task, outcome,
 * kind, verdict — never a run id, sample or URL.
 */

export type Labels = Record<string, string>;

/** What evalflow needs of a meter; Temporal's MetricMeter has it. */
export interface Meter {
  createCounter(name: string, unit?: string, description?: string): { add(value: number, tags?: Labels): void };
  createHistogram(name: string, valueType?: 'int' | 'float', unit?: string, description?: string): { record(value: number, tags?: Labels): void };
  createUpDownCounter?(name: string, unit?: string, description?: string): { add(value: number, tags?: Labels): void };
}

/** Every evalflow metric: name, type, labels, meaning (docs/operations.md lists the same). */
export const METRICS = {
  calls: { name: 'evalflow_calls_total', type: 'counter', labels: ['role', 'task', 'outcome'], help: 'Model and judge calls paid at the endpoint, by outcome: answered, failed (permanent error), gave_up (transient errors past the retries), cancelled' },
  retries: { name: 'evalflow_retries_total', type: 'counter', labels: ['role', 'task', 'kind'], help: 'Retries of model and judge calls, by kind: 429, 5xx, other_http, timeout, connection, malformed' },
  cacheHits: { name: 'evalflow_cache_hits_total', type: 'counter', labels: ['role', 'task'], help: 'Calls answered from the response cache (or by an identical call in flight): not paid' },
  tokens: { name: 'evalflow_tokens_total', type: 'counter', labels: ['role', 'task', 'kind'], help: 'Tokens of paid calls as the endpoint reported them, by kind: prompt, completion, reasoning (part of completion)' },
  inFlight: { name: 'evalflow_requests_in_flight', type: 'gauge', labels: ['role', 'task'], help: 'HTTP requests to model and judge endpoints under way in this worker' },
  sandbox: { name: 'evalflow_sandbox_programs_total', type: 'counter', labels: ['verdict'], help: 'Programs run in the sandbox, by verdict: ok, runtime_error, timeout, output_limit, sandbox_error' },
  checkpointWrite: { name: 'evalflow_checkpoint_write_seconds', type: 'histogram', labels: ['outcome'], help: 'Latency of one checkpoint write (a group commit of JSONL segments), by outcome: ok, failed' },
} as const;

/** Bucket bounds of the checkpoint write histogram, seconds (the SDK's defaults suit milliseconds). */
export const CHECKPOINT_WRITE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type CallRole = 'model' | 'judge';
export type CallOutcomeLabel = 'answered' | 'failed' | 'gave_up' | 'cancelled';
export type RetryKind = '429' | '5xx' | 'other_http' | 'timeout' | 'connection' | 'malformed';
export type SandboxVerdict = 'ok' | 'runtime_error' | 'timeout' | 'output_limit' | 'sandbox_error';

/** Who makes a call: one role of one task (the labels of the call metrics). */
export interface CallLabels {
  role: CallRole;
  task: string;
}

interface Instruments {
  calls: { add(v: number, t?: Labels): void };
  retries: { add(v: number, t?: Labels): void };
  cacheHits: { add(v: number, t?: Labels): void };
  tokens: { add(v: number, t?: Labels): void };
  inFlight: { add(v: number, t?: Labels): void };
  sandbox: { add(v: number, t?: Labels): void };
  checkpointWrite: { record(v: number, t?: Labels): void };
}

let meter: Meter | null = null;
let instruments: Instruments | null = null;

/**
 * Record evalflow's metrics on this meter from now on (null: stop). A second
 * call with the same meter keeps the instruments (plugins may each call it).
 */
export function useMetricMeter(m: Meter | null): void {
  if (m === meter) return;
  meter = m;
  instruments = null;
}

function made(): Instruments | null {
  if (!meter) return null;
  if (instruments) return instruments;
  const m = meter;
  const counter = (d: { name: string; help: string }) => m.createCounter(d.name, '', d.help);
  // A meter without up-down counters (a hand-made one): the in-flight gauge is left out.
  const upDown = m.createUpDownCounter ? m.createUpDownCounter(METRICS.inFlight.name, '', METRICS.inFlight.help) : { add: () => undefined };
  instruments = {
    calls: counter(METRICS.calls),
    retries: counter(METRICS.retries),
    cacheHits: counter(METRICS.cacheHits),
    tokens: counter(METRICS.tokens),
    inFlight: upDown,
    sandbox: counter(METRICS.sandbox),
    checkpointWrite: m.createHistogram(METRICS.checkpointWrite.name, 'float', 's', METRICS.checkpointWrite.help),
  };
  return instruments;
}

/** A metric must never break the work it describes. */
function safely(f: (i: Instruments) => void): void {
  const i = made();
  if (!i) return;
  try {
    f(i);
  } catch {
    // e.g. a meter whose runtime has shut down
  }
}

const base = (l: CallLabels): Labels => ({ role: l.role, task: l.task });

export const telemetry = {
  call(l: CallLabels, outcome: CallOutcomeLabel): void {
    safely((i) => i.calls.add(1, { ...base(l), outcome }));
  },
  retry(l: CallLabels, kind: RetryKind): void {
    safely((i) => i.retries.add(1, { ...base(l), kind }));
  },
  cacheHit(l: CallLabels): void {
    safely((i) => i.cacheHits.add(1, base(l)));
  },
  tokens(l: CallLabels, t: { prompt: number; completion: number; reasoning: number }): void {
    safely((i) => {
      for (const [kind, n] of Object.entries(t)) if (n > 0) i.tokens.add(n, { ...base(l), kind });
    });
  },
  inFlight(l: CallLabels, delta: 1 | -1): void {
    safely((i) => i.inFlight.add(delta, base(l)));
  },
  sandboxProgram(verdict: SandboxVerdict): void {
    safely((i) => i.sandbox.add(1, { verdict }));
  },
  checkpointWrite(seconds: number, outcome: 'ok' | 'failed'): void {
    safely((i) => i.checkpointWrite.record(Math.max(0, seconds), { outcome }));
  },
};

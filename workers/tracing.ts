/**
 * OpenTelemetry tracing of workflows and activities (docs/operations.md,
 * "Metrics and tracing"), through the SDK's @temporalio/interceptors-opentelemetry:
 * when the process started tracing (lib/engine/tracing.ts: an OTLP endpoint is
 * set), every evalflow role plugin adds the activity interceptors and the sink
 * that exports the workflow spans; the orchestration plugin runs the workflow
 * bundle built with the workflow interceptors (dist/workflow-bundle-tracing.js,
 * made by `npm run build` beside the plain one).
 *
 * Not the SDK's OpenTelemetryPlugin itself: it sets interceptors.workflowModules,
 * which a worker with a prebuilt bundle ignores with a warning at every start.
 */
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import { activeTracing } from '../lib/engine/tracing';

/** The SDK's worker-side interceptors, loaded only when tracing is on (a worker without it loads no OpenTelemetry code). */
function otelWorker(): typeof import('@temporalio/interceptors-opentelemetry/lib/worker') {
  return require('@temporalio/interceptors-opentelemetry/lib/worker') as typeof import('@temporalio/interceptors-opentelemetry/lib/worker');
}

/** The workflow interceptor module the tracing bundle includes (what the SDK's plugin registers). */
export const WORKFLOW_TRACING_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** One factory for every plugin, so a worker with several evalflow plugins traces each activity once. */
const tracedActivity: ActivityInterceptorsFactory = (ctx) => {
  const { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } = otelWorker();
  return { inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) };
};

/** True when this process traces (an OTLP endpoint is configured). */
export function tracingOn(): boolean {
  return activeTracing() !== null;
}

/** The worker options with the tracing interceptors and the workflow span sink, once; unchanged when tracing is off. */
export function withTracing(options: WorkerOptions): WorkerOptions {
  const t = activeTracing();
  if (!t) return options;
  const activity = options.interceptors?.activity ?? [];
  if (activity.includes(tracedActivity)) return options;
  return {
    ...options,
    interceptors: { ...options.interceptors, activity: [...activity, tracedActivity] },
    sinks: { ...options.sinks, exporter: otelWorker().makeWorkflowExporter(t.spanProcessor, t.resource) },
  };
}

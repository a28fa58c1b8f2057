/**
 * Optional OpenTelemetry tracing (docs/operations.md, "Metrics and tracing"):
 * when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set,
 * a process (worker or client) registers one global tracer provider that
 * sends spans over OTLP/HTTP (JSON). The Temporal interceptors that make the
 * spans of workflows, activities and client calls are wired by workers/tracing.ts
 * and lib/operator/client.ts; this module has no Temporal import (engine layer).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, ContextManager } from '@opentelemetry/api';
import type { BasicTracerProvider, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import type { TelemetrySettings } from '../config/settings';
import { EvalflowError } from '../records/errors';
import { EVALFLOW_VERSION } from './version';

/**
 * The active context follows async calls (AsyncLocalStorage), so a span a
 * client or an activity starts is the parent of what runs inside it — and its
 * context reaches the workflow or activity it starts through Temporal headers.
 */
class AsyncContextManager implements ContextManager {
  private readonly store = new AsyncLocalStorage<Context>();
  constructor(private readonly root: Context) {}
  active(): Context {
    return this.store.getStore() ?? this.root;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.store.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = this.store;
    const f = target as unknown as (...a: unknown[]) => unknown;
    return function (this: unknown, ...a: unknown[]) {
      return run.run(ctx, () => f.apply(this, a));
    } as unknown as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.store.disable();
    return this;
  }
}

export interface ActiveTracing {
  /** Receives every finished span; the workflow spans (made in the sandboxed isolate) are handed to it too. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  endpoint: string;
  serviceName: string;
}

let active: ActiveTracing | null = null;
let provider: BasicTracerProvider | null = null;

/** The tracing this process started, or null (tracing off). */
export function activeTracing(): ActiveTracing | null {
  return active;
}

/**
 * Start tracing when the settings name an OTLP endpoint (idempotent; null when
 * tracing is off). `defaultService` names the process when OTEL_SERVICE_NAME is unset.
 */
export function startTracing(settings: TelemetrySettings, defaultService: string): ActiveTracing | null {
  if (active) return active;
  const endpoint = settings.tracesEndpoint;
  if (!endpoint) return null;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EvalflowError(
      `${settings.tracesSource ?? `the traces endpoint '${endpoint}'`} is not an http(s) URL: evalflow sends traces over OTLP/HTTP, ` +
        `e.g. http://otel-collector:4318 (the collector's HTTP port, not gRPC's 4317); unset both to turn tracing off`,
      { kind: 'config', retryable: false },
    );
  }
  // Loaded only when tracing is on: every CLI command would pay for them otherwise.
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const serviceName = settings.serviceName ?? defaultService;
  const resource = new Resource({ 'service.name': serviceName, 'service.version': EVALFLOW_VERSION });
  // JSON over HTTP (this package's encoding); spans go out in batches every second.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint, headers: settings.headers }), { scheduledDelayMillis: 1000 });
  provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const { ROOT_CONTEXT } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const manager = new AsyncContextManager(ROOT_CONTEXT);
  provider.register({ contextManager: manager });
  active = { spanProcessor, resource, endpoint, serviceName };
  return active;
}

/** Send the spans still buffered and stop (a worker at shutdown, the CLI before it exits). */
export async function shutdownTracing(): Promise<void> {
  const p = provider;
  provider = null;
  active = null;
  if (p) await p.shutdown().catch(() => undefined);
}

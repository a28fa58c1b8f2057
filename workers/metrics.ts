/**
 * Prometheus metrics of a worker (docs/operations.md, "Metrics and tracing"):
 * the Temporal SDK's runtime serves its own metrics (temporal_*) on the
 * metrics address, and evalflow's (evalflow_*, lib/engine/telemetry.ts) are
 * created on the same runtime's meter, so one /metrics endpoint has both.
 *
 * A team running evalflow's plugins in its own worker installs the runtime
 * with its exporter first, then hands its meter to evalflow:
 *
 *   Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: '0.0.0.0:9464' } } } });
 *   useEvalflowMetrics();   // from workers/plugins: Runtime.instance().metricMeter
 */
import * as net from 'node:net';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { MetricMeter } from '@temporalio/common';
import { EvalflowError } from '../lib/records/errors';
import { CHECKPOINT_WRITE_BUCKETS, METRICS, useMetricMeter } from '../lib/engine/telemetry';

/** Record evalflow's metrics on this meter (default: the installed Temporal runtime's). */
export function useEvalflowMetrics(meter: MetricMeter = Runtime.instance().metricMeter): void {
  useMetricMeter(meter);
}

/** HOST:PORT split, or a clear error naming the setting and a fix. */
export function parseMetricsAddress(address: string, setting = '--metrics-address / EVALFLOW_METRICS_ADDRESS'): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new EvalflowError(
      `${setting} '${address}' is not HOST:PORT: give the address the worker serves /metrics on, ` +
        `e.g. 0.0.0.0:9464 (all interfaces) or 127.0.0.1:9464 (this host only); the port is 1–65535`,
      { kind: 'config', retryable: false },
    );
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/**
 * Check that the metrics address can be bound before the runtime tries (the
 * SDK's exporter fails deep in its native code otherwise): in use, or not an
 * address of this host, is said plainly.
 */
export async function checkMetricsAddress(address: string, setting?: string): Promise<void> {
  const { host, port } = parseMetricsAddress(address, setting);
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? `port ${port} is already in use on ${host} (another worker or exporter on this host?): choose a free port, e.g. ${host}:${port + 1}`
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? `${host} is not an address of this host: use 0.0.0.0 (all interfaces) or one of this host's addresses`
            : `${e.code ?? e.message}`;
      reject(new EvalflowError(`${setting ?? '--metrics-address / EVALFLOW_METRICS_ADDRESS'} '${address}' cannot be served: ${why}`, { kind: 'config', retryable: false }));
    });
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Runtime telemetry options that serve Prometheus metrics on the address (checked first). */
export function prometheusTelemetry(address: string): NonNullable<RuntimeOptions['telemetryOptions']> {
  return {
    metrics: {
      prometheus: {
        bindAddress: address.trim(),
        // The checkpoint write latency is in seconds; the SDK's default buckets suit milliseconds.
        histogramBucketOverrides: { [METRICS.checkpointWrite.name]: CHECKPOINT_WRITE_BUCKETS },
      },
    },
  };
}

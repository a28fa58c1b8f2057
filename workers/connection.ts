/**
 * The worker side of the Temporal connection: the same settings and options as
 * the CLI and the typed client (lib/config/temporal.ts), through the SDK's
 * NativeConnection. `evalflow worker` uses it, and so can a team's own worker
 * that carries evalflow's plugins (workers/plugins.ts):
 *
 *   const { connection, namespace } = await connectTemporal();
 *   await Worker.create({ connection, namespace, taskQueue: 'evals', plugins: [...] });
 */
import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../lib/config/settings';
import { checkNamespace, explainConnectFailure, temporalConnectionOptions, type TemporalSettings } from '../lib/config/temporal';

export interface ConnectTemporalOptions {
  /** Default: loadSettings().temporal (EVALFLOW_*, TEMPORAL_*, the TOML profile). */
  temporal?: TemporalSettings;
  /** Override the address or namespace of the settings. */
  address?: string;
  namespace?: string;
}

/**
 * One attempt to connect: a setting that cannot work (no client certificate, wrong CA,
 * refused API key, TLS against plaintext or back, a namespace that does not exist) throws a
 * TemporalConnectionError naming it; any other error means the server is not reachable
 * (yet) and is thrown as it came, for the caller to retry.
 */
export async function connectTemporal(opts: ConnectTemporalOptions = {}): Promise<{ connection: NativeConnection; namespace: string }> {
  const base = opts.temporal ?? loadSettings().temporal;
  const t: TemporalSettings = {
    ...base,
    ...(opts.address ? { address: opts.address, sources: { ...base.sources, address: 'the address option' } } : {}),
  };
  if (opts.namespace) t.namespace = opts.namespace;
  if (opts.namespace) t.sources = { ...t.sources, namespace: 'the namespace option' };
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(t));
  } catch (e) {
    throw explainConnectFailure(e, t) ?? e;
  }
  try {
    await checkNamespace(connection.workflowService, t);
  } catch (e) {
    await connection.close();
    throw e;
  }
  return { connection, namespace: t.namespace };
}

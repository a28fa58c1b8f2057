/**
 * How evalflow reaches Temporal: the TEMPORAL_* variables and TOML profiles of
 * Temporal's environment configuration (@temporalio/envconfig), with evalflow's
 * EVALFLOW_TEMPORAL_ADDRESS / EVALFLOW_NAMESPACE on top (README, "Settings").
 * settings.ts passes the environment in; this module never reads it.
 *
 * One function turns the settings into connection options
 * (temporalConnectionOptions) for the CLI, the typed client, `evalflow worker`
 * and workers that carry evalflow's plugins; explainConnectFailure and
 * checkNamespace turn what the server or the TLS layer says into an error that
 * names the setting to fix (docs/operations.md, "Connecting to a production
 * Temporal"; docs/reliability.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { EvalflowError } from '../records/errors';

/** A Temporal connection setting that cannot work as it is: the message names it and how to fix it. */
export class TemporalConnectionError extends EvalflowError {
  constructor(message: string, cause?: unknown) {
    super(message, { kind: 'config', retryable: false, cause });
  }
}

export type TemporalSettingName =
  | 'address'
  | 'namespace'
  | 'apiKey'
  | 'tls'
  | 'serverCaCert'
  | 'clientCert'
  | 'clientKey'
  | 'serverName'
  | 'disableHostVerification';

export interface TemporalTlsSettings {
  /** CA that signed the server's certificate (unset: the system's roots). */
  serverCaCert?: ConfigDataSource;
  clientCert?: ConfigDataSource;
  clientKey?: ConfigDataSource;
  /** Name to check the server's certificate against (and SNI) instead of the address's host. */
  serverName?: string;
  /** TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: read so it can be refused by name (the TypeScript SDK cannot do it). */
  disableHostVerification?: boolean;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** false: plaintext. TLS is on when the profile or TEMPORAL_TLS* configure it, or an API key is set. */
  tls: TemporalTlsSettings | false;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_*, grpc_meta in the profile). */
  grpcMeta: Record<string, string>;
  /** The profile read from the config file ("default" unless TEMPORAL_PROFILE names one). */
  profile: string;
  /** The config file consulted (it need not exist unless TEMPORAL_CONFIG_FILE names it). */
  configFile?: string;
  /** Whether configFile exists and was read. */
  configFileRead: boolean;
  /** Where each value came from: a variable's name, `profile "p" in FILE (key)`, or "default". */
  sources: Partial<Record<TemporalSettingName, string>>;
}

type Env = Record<string, string | undefined>;

/** The environment variables of each setting, strongest first (EVALFLOW_* beat TEMPORAL_*). */
const VARS: Record<TemporalSettingName, string[]> = {
  address: ['EVALFLOW_TEMPORAL_ADDRESS', 'TEMPORAL_ADDRESS'],
  namespace: ['EVALFLOW_NAMESPACE', 'TEMPORAL_NAMESPACE'],
  apiKey: ['TEMPORAL_API_KEY'],
  tls: ['TEMPORAL_TLS'],
  serverCaCert: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
  clientCert: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
  clientKey: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME'],
  disableHostVerification: ['TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'],
};

/** The key of each setting in a TOML profile. */
const TOML_KEYS: Record<TemporalSettingName, string> = {
  address: 'address',
  namespace: 'namespace',
  apiKey: 'api_key',
  tls: 'tls',
  serverCaCert: 'tls.server_ca_cert_path/_data',
  clientCert: 'tls.client_cert_path/_data',
  clientKey: 'tls.client_key_path/_data',
  serverName: 'tls.server_name',
  disableHostVerification: 'tls.disable_host_verification',
};

/** Where the Temporal CLI and SDKs look for the config file when TEMPORAL_CONFIG_FILE is unset. */
function defaultConfigFile(env: Env): string | undefined {
  const platform = os.platform();
  let dir: string | undefined;
  if (platform === 'win32') dir = env.APPDATA;
  else if (platform === 'darwin') dir = env.HOME && path.join(env.HOME, 'Library', 'Application Support');
  else dir = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : env.HOME && path.join(env.HOME, '.config');
  return dir ? path.join(dir, 'temporalio', 'temporal.toml') : undefined;
}

function profileValue(p: ClientConfigProfile, name: TemporalSettingName): unknown {
  switch (name) {
    case 'address':
      return p.address;
    case 'namespace':
      return p.namespace;
    case 'apiKey':
      return p.apiKey;
    case 'tls':
      return p.tls;
    case 'serverCaCert':
      return p.tls?.serverCACert;
    case 'clientCert':
      return p.tls?.clientCert;
    case 'clientKey':
      return p.tls?.clientKey;
    case 'serverName':
      return p.tls?.serverName;
    case 'disableHostVerification':
      return undefined;
  }
}

const isSet = (v: string | undefined): v is string => v !== undefined && v !== '';

/**
 * The Temporal connection settings from an environment (settings.ts passes the
 * process's own). Precedence per value: EVALFLOW_TEMPORAL_ADDRESS /
 * EVALFLOW_NAMESPACE, then TEMPORAL_*, then the profile of the config file,
 * then the defaults. A config file or profile named explicitly that is missing
 * or unreadable is an error naming it.
 */
export function resolveTemporalSettings(rawEnv: Env, defaults: { address: string; namespace: string }): TemporalSettings {
  // Empty variables count as unset, as everywhere in evalflow's settings.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawEnv)) if (isSet(v)) env[k] = v;

  const explicitFile = env.TEMPORAL_CONFIG_FILE;
  const configFile = explicitFile ?? defaultConfigFile(env);
  const profile = env.TEMPORAL_PROFILE ?? 'default';
  let text: string | undefined;
  if (configFile) {
    try {
      text = fs.readFileSync(configFile, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (explicitFile) {
        throw new TemporalConnectionError(
          `TEMPORAL_CONFIG_FILE=${explicitFile}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(e)})`}; ` +
            `point it at a Temporal config file (TOML with [profile.<name>] tables) or unset it`,
          e,
        );
      }
      if (code !== 'ENOENT') throw new TemporalConnectionError(`cannot read the Temporal config file ${configFile} (${code ?? String(e)}); fix its permissions or set TEMPORAL_CONFIG_FILE to another file`, e);
    }
  }
  const fileDesc = `${configFile}${explicitFile ? ' (TEMPORAL_CONFIG_FILE)' : ''}`;
  if (text === undefined && env.TEMPORAL_PROFILE) {
    throw new TemporalConnectionError(
      `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE} names a profile, but there is no Temporal config file at ${configFile ?? '(no home directory)'}; ` +
        `set TEMPORAL_CONFIG_FILE to the file that has [profile.${env.TEMPORAL_PROFILE}], or unset TEMPORAL_PROFILE`,
    );
  }

  let fromFile: ClientConfigProfile = {};
  let merged: ClientConfigProfile;
  try {
    const source = text === undefined ? undefined : { data: text };
    if (source) fromFile = loadClientConfigProfile({ configSource: source, profile: env.TEMPORAL_PROFILE, disableEnv: true });
    merged = source
      ? loadClientConfigProfile({ configSource: source, profile: env.TEMPORAL_PROFILE, overrideEnvVars: env })
      : loadClientConfigProfile({ disableFile: true, overrideEnvVars: env });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/^Profile '.*' not found/.test(msg)) {
      throw new TemporalConnectionError(
        `TEMPORAL_PROFILE=${profile}: no [profile.${profile}] in ${fileDesc}; profiles there: ${profilesIn(text) || 'none'}. ` +
          `Add the profile or set TEMPORAL_PROFILE to one of them`,
        e,
      );
    }
    if (/Cannot specify both/.test(msg)) {
      throw new TemporalConnectionError(`Temporal TLS settings: ${msg} (set the _PATH or the _DATA variable or key, not both)`, e);
    }
    throw new TemporalConnectionError(`the Temporal config file ${fileDesc} is not valid TOML: ${msg.split('\n')[0]}; fix it or set TEMPORAL_CONFIG_FILE to another file`, e);
  }

  const sources: TemporalSettings['sources'] = {};
  const where = `profile "${profile}" in ${configFile}`;
  for (const name of Object.keys(VARS) as TemporalSettingName[]) {
    const v = VARS[name].find((k) => env[k] !== undefined);
    if (v) sources[name] = v;
    else if (profileValue(fromFile, name) !== undefined) sources[name] = `${where} (${TOML_KEYS[name]})`;
  }

  const address = env.EVALFLOW_TEMPORAL_ADDRESS ?? merged.address ?? defaults.address;
  const namespace = env.EVALFLOW_NAMESPACE ?? merged.namespace ?? defaults.namespace;
  sources.address ??= 'default';
  sources.namespace ??= 'default';
  const apiKey = merged.apiKey || undefined;
  const disableHostVerification = env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === undefined ? undefined : /^(1|true)$/i.test(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION);
  // As @temporalio/envconfig's toClientOptions: TLS when configured and not disabled, or when an API key is set.
  let tls: TemporalSettings['tls'] = false;
  if (merged.tls ? !merged.tls.disabled : apiKey !== undefined) {
    const t = merged.tls ?? {};
    tls = { serverCaCert: t.serverCACert, clientCert: t.clientCert, clientKey: t.clientKey, serverName: t.serverName, disableHostVerification };
    if (!sources.tls) sources.tls = merged.tls ? (sources.clientCert ?? sources.serverCaCert ?? sources.serverName ?? where) : `${sources.apiKey} (an API key turns TLS on)`;
  }
  return {
    address,
    namespace,
    apiKey,
    tls,
    grpcMeta: merged.grpcMeta ?? {},
    profile,
    configFile,
    configFileRead: text !== undefined,
    sources,
  };
}

function profilesIn(text: string | undefined): string {
  if (!text) return '';
  return [...text.matchAll(/^\s*\[\s*profile\.("?)([^\]"]+)\1\s*\]/gm)].map((m) => m[2]).join(', ');
}

/** TLS options in the shape both @temporalio/client's Connection and @temporalio/worker's NativeConnection take. */
export interface TemporalTlsOptions {
  serverNameOverride?: string;
  serverRootCACertificate?: Uint8Array;
  clientCertPair?: { crt: Uint8Array; key: Uint8Array };
}

/** What Connection.connect / NativeConnection.connect take, from the settings. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TemporalTlsOptions | false;
  apiKey?: string;
  metadata?: Record<string, string>;
}

function readData(t: TemporalSettings, name: 'serverCaCert' | 'clientCert' | 'clientKey', src: ConfigDataSource | undefined): Uint8Array | undefined {
  if (!src) return undefined;
  if (!('path' in src)) return typeof src.data === 'string' ? Buffer.from(src.data) : src.data;
  try {
    return fs.readFileSync(src.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TemporalConnectionError(
      `${t.sources[name]} names ${src.path}, which cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}); point it at the PEM file`,
      e,
    );
  }
}

/**
 * The one translation of the Temporal settings into connection options, used
 * by the CLI, the typed client, `evalflow worker` and the benchmarks; workers
 * that carry evalflow's plugins use it too (workers/plugins.ts):
 *
 *   const connection = await NativeConnection.connect(temporalConnectionOptions(loadSettings().temporal));
 */
export function temporalConnectionOptions(t: TemporalSettings): TemporalConnectionOptions {
  const opts: TemporalConnectionOptions = { address: t.address };
  if (t.apiKey) opts.apiKey = t.apiKey;
  if (Object.keys(t.grpcMeta).length) opts.metadata = { ...t.grpcMeta };
  if (!t.tls) return opts;
  if (t.tls.disableHostVerification) {
    throw new TemporalConnectionError(
      `${t.sources.disableHostVerification}: Temporal's TypeScript SDK cannot skip the check of the server's certificate. ` +
        `Unset it, and set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed the server's certificate ` +
        `and, when the certificate is for another name than the address, TEMPORAL_TLS_SERVER_NAME to that name`,
    );
  }
  if (Boolean(t.tls.clientCert) !== Boolean(t.tls.clientKey)) {
    const [has, lacks] = t.tls.clientCert ? (['clientCert', 'clientKey'] as const) : (['clientKey', 'clientCert'] as const);
    throw new TemporalConnectionError(
      `a client ${has === 'clientCert' ? 'certificate' : 'key'} is set (${t.sources[has]}) but no client ${lacks === 'clientCert' ? 'certificate' : 'key'}: ` +
        `set ${VARS[lacks][0]} (or ${VARS[lacks][1]}) too`,
    );
  }
  const tls: TemporalTlsOptions = {};
  const ca = readData(t, 'serverCaCert', t.tls.serverCaCert);
  if (ca) tls.serverRootCACertificate = ca;
  const crt = readData(t, 'clientCert', t.tls.clientCert);
  const key = readData(t, 'clientKey', t.tls.clientKey);
  if (crt && key) tls.clientCertPair = { crt, key };
  if (t.tls.serverName) tls.serverNameOverride = t.tls.serverName;
  opts.tls = tls;
  return opts;
}

/** "127.0.0.1:7233 (TEMPORAL_ADDRESS)": the address and where it was set. */
export function describeAddress(t: TemporalSettings): string {
  return `${t.address} (${t.sources.address})`;
}

const GUIDE = `see docs/operations.md, "Connecting to a production Temporal"`;

/** The gRPC status code of an error, or of its cause (the client's ServiceError wraps the call's error). */
function grpcCode(e: unknown): number | undefined {
  for (let x = e, depth = 0; x && depth < 3; x = (x as { cause?: unknown }).cause, depth++) {
    const c = (x as { code?: unknown }).code;
    if (typeof c === 'number') return c;
  }
  return undefined;
}

/** The message of an error and of its causes, one string. */
function messages(e: unknown): string {
  const out: string[] = [];
  for (let x = e, depth = 0; x && depth < 3; x = (x as { cause?: unknown }).cause, depth++) out.push(x instanceof Error ? x.message : String(x));
  return out.join(' / ');
}

/**
 * What a failed connect (or first call) means when it is a setting to fix,
 * from the texts the SDK's connection (Rust core, rustls) gives; undefined
 * when the server is just not reachable (yet), which a worker waits out. The
 * typed client's own connection says only that it timed out, so connectClient
 * asks the SDK's native connection the same question to get this text
 * (lib/operator/client.ts).
 */
export function explainConnectFailure(e: unknown, t: TemporalSettings): TemporalConnectionError | undefined {
  if (e instanceof TemporalConnectionError) return e;
  const msg = messages(e);
  const at = `the Temporal server at ${describeAddress(t)}`;
  const tls = t.tls;
  const code = grpcCode(e);
  // 16 UNAUTHENTICATED / 7 PERMISSION_DENIED; the native connection gives the codes' descriptions instead.
  if (code === 16 || code === 7 || /does not have valid authentication credentials|does not have permission to execute/.test(msg)) {
    const said = /message: "([^"]*)"/.exec(msg)?.[1] ?? /\d+ (?:UNAUTHENTICATED|PERMISSION_DENIED): ([^/]*)/.exec(msg)?.[1]?.trim() ?? msg;
    return new TemporalConnectionError(
      t.apiKey
        ? `${at} refused the API key from ${t.sources.apiKey} (${said}): set TEMPORAL_API_KEY to a valid key for namespace ${t.namespace} (${GUIDE})`
        : `${at} requires credentials (${said}): set TEMPORAL_API_KEY, or a client certificate with TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (${GUIDE})`,
      e,
    );
  }
  if (tls) {
    const caWhere = t.sources.serverCaCert;
    if (/UnknownIssuer|BadSignature|certificate verify failed|self.signed|unable to (get|verify)/i.test(msg)) {
      return new TemporalConnectionError(
        caWhere
          ? `${at}: its certificate is not signed by the CA in ${caWhere}; set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed the server's certificate (${GUIDE})`
          : `${at}: its certificate is signed by a CA this machine does not trust, and no server CA is set; set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it (${GUIDE})`,
        e,
      );
    }
    if (/NotValidForName|CertNotValidForName|altname|hostname/i.test(msg)) {
      const name = tls.serverName ?? t.address.replace(/:\d+$/, '');
      return new TemporalConnectionError(
        `${at}: its certificate is not valid for the name ${name}${t.sources.serverName ? ` (${t.sources.serverName})` : ''}; ` +
          `set TEMPORAL_TLS_SERVER_NAME to a name the certificate is issued for (${GUIDE})`,
        e,
      );
    }
    if (/CertExpired|Expired|NotValidYet/i.test(msg)) {
      return new TemporalConnectionError(`${at}: a certificate is expired or not yet valid (${msg}); renew it (${GUIDE})`, e);
    }
    if (/InvalidContentType|wrong version number|CorruptMessage|InvalidMessage/i.test(msg)) {
      return new TemporalConnectionError(
        `${at} does not speak TLS, but TLS is on (${t.sources.tls}): for a plaintext server unset the TEMPORAL_TLS_* settings and TEMPORAL_API_KEY, or set TEMPORAL_TLS=false (${GUIDE})`,
        e,
      );
    }
    // A server that asks for a client certificate: rustls reports the TLS alert; a proxy that
    // checks after the handshake (nginx with ssl_verify_client) answers HTTP 400 instead of gRPC.
    if (/CertificateRequired|HandshakeFailure|BadCertificate|UnknownCA|400 Bad Request|certificate required/i.test(msg)) {
      return new TemporalConnectionError(
        tls.clientCert
          ? `${at} refused the client certificate from ${t.sources.clientCert}; set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to a certificate signed by a CA the server trusts (${GUIDE})`
          : `${at} requires a client certificate and none is set: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or tls.client_cert_path and tls.client_key_path in the profile) (${GUIDE})`,
        e,
      );
    }
  } else if (/GoAway|FRAME_SIZE_ERROR|h2 protocol error|invalid compression flag|400 Bad Request|http2 error/i.test(msg)) {
    // A plaintext HTTP/2 preface sent to a TLS port: the server answers with garbage or closes the stream.
    return new TemporalConnectionError(
      `${at} does not answer plaintext gRPC; it likely expects TLS: set TEMPORAL_TLS=true, and TEMPORAL_TLS_SERVER_CA_CERT_PATH if its certificate is signed by a private CA (${GUIDE})`,
      e,
    );
  }
  return undefined;
}

/** The part of a WorkflowService both connections have that checkNamespace needs. */
export interface NamespaceDescriber {
  describeNamespace(req: { namespace: string }): Promise<unknown>;
}

/**
 * Fail at once, naming the setting, when the namespace does not exist (or the
 * credentials may not use it) instead of letting workers poll a namespace
 * that is not there.
 */
export async function checkNamespace(service: NamespaceDescriber, t: TemporalSettings): Promise<void> {
  try {
    await service.describeNamespace({ namespace: t.namespace });
  } catch (e) {
    if (grpcCode(e) === 5 || /NotFound|not found/i.test(e instanceof Error ? e.message : '')) {
      throw new TemporalConnectionError(
        `namespace "${t.namespace}" (${t.sources.namespace}) does not exist on the Temporal server at ${describeAddress(t)}: ` +
          `set TEMPORAL_NAMESPACE (EVALFLOW_NAMESPACE overrides it) to an existing namespace, or create it with ` +
          `'temporal operator namespace create --namespace ${t.namespace}' (${GUIDE})`,
        e,
      );
    }
    throw explainConnectFailure(e, t) ?? e;
  }
}

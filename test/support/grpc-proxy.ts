/**
 * A TLS-terminating gRPC proxy in front of a plaintext Temporal frontend, the
 * way a production Temporal is often exposed: Debian's nginx (its `nginx`
 * package has the grpc and http2 modules built in; scripts/setup-tests.sh
 * unpacks it under <cacheDir>/nginx) with its own prefix, config and logs in a
 * temporary directory, listening on 127.0.0.1 only.
 *
 * - TLS with a server certificate (SAN 127.0.0.1, localhost) from a CA made
 *   here with the openssl CLI; `ssl_verify_client on`: a client certificate
 *   signed by that CA is required.
 * - An access log line per request with its `authorization` header.
 * - A request with an Authorization header other than `Bearer <goodKey>` is
 *   answered as Temporal answers a refused credential: gRPC status 16
 *   (UNAUTHENTICATED) with a message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { getFreePort } from '../../lib/operator/infra/dev';
import { loadSettings } from '../../lib/config/settings';

export interface Certs {
  ca: string;
  /** A CA that signed nothing the proxy uses: "the wrong CA". */
  otherCa: string;
  clientCert: string;
  clientKey: string;
}

export interface GrpcProxy {
  address: string;
  certs: Certs;
  goodKey: string;
  accessLog(): string;
  stop(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an unrelated second CA. */
export function makeCerts(dir: string): Certs & { serverCert: string; serverKey: string } {
  fs.mkdirSync(dir, { recursive: true });
  const ca = (name: string, cn: string) => openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`]);
  ca('ca', 'evalflow test CA');
  ca('other-ca', 'some other CA');
  // rustls (the SDK's native connection) takes X.509 v3 certificates only: extensions make them v3.
  const leaf = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  leaf('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  leaf('client', 'evalflow worker', 'extendedKeyUsage=clientAuth');
  const p = (f: string) => path.join(dir, f);
  return { ca: p('ca.pem'), otherCa: p('other-ca.pem'), clientCert: p('client.pem'), clientKey: p('client.key'), serverCert: p('server.pem'), serverKey: p('server.key') };
}

export function nginxBinary(): string {
  const candidates = [path.join(loadSettings().cacheDir, 'nginx', 'usr', 'sbin', 'nginx'), '/usr/sbin/nginx'];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`nginx not found (${candidates.join(', ')}): scripts/setup-tests.sh unpacks Debian's nginx package into the cache`);
  return found;
}

export async function startGrpcProxy(upstream: string, dir: string, goodKey = 'good-key'): Promise<GrpcProxy> {
  const certs = makeCerts(path.join(dir, 'certs'));
  const port = await getFreePort();
  for (const d of ['logs', 'tmp']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  const tmp = path.join(dir, 'tmp');
  const accessLog = path.join(dir, 'logs', 'access.log');
  fs.writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'logs', 'error.log')} info;
events { worker_connections 256; }
http {
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  log_format grpc '$request_uri $status "$http_authorization"';
  access_log ${accessLog} grpc;
  map $http_authorization $evalflow_key_ok { default 0; "" 1; "Bearer ${goodKey}" 1; }
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${certs.serverCert};
    ssl_certificate_key ${certs.serverKey};
    ssl_verify_client on;
    ssl_client_certificate ${certs.ca};
    # Long polls (workers wait up to a minute for a task).
    grpc_read_timeout 300s;
    grpc_send_timeout 300s;
    location / {
      if ($evalflow_key_ok = 0) { return 418; }
      error_page 418 = @refused;
      grpc_pass grpc://${upstream};
    }
    location @refused {
      default_type application/grpc;
      add_header grpc-status 16 always;
      add_header grpc-message "API key refused" always;
      return 204;
    }
  }
}
`,
  );
  const errors = path.join(dir, 'logs', 'nginx.out');
  const out = fs.openSync(errors, 'a');
  const child: ChildProcess = spawn(nginxBinary(), ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs', 'error.log')], { stdio: ['ignore', out, out] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const until = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${fs.readFileSync(errors, 'utf8')}${fs.existsSync(path.join(dir, 'logs', 'error.log')) ? fs.readFileSync(path.join(dir, 'logs', 'error.log'), 'utf8') : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `127.0.0.1:${port}`,
    certs,
    goodKey,
    accessLog: () => (fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : ''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

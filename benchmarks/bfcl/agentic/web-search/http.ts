/**
 * The page download of BFCL's `fetch_url_content` (func_source_code/
 * web_search.py): `requests.get(url, headers=<browser headers>, timeout=20,
 * allow_redirects=True)`, then `response.raise_for_status()` and
 * `response.text`. Done with node:http/https so the request carries exactly
 * BFCL's headers (fetch() would rewrite Sec-Fetch-Mode and others).
 *
 * As requests does: redirects followed (at most 30, a 303 — and a 301/302
 * of a POST, never the case here — stay GETs), the body decompressed per
 * Content-Encoding (gzip, deflate, br), a status ≥ 400 turned into
 * "<code> Client Error: <reason> for url: <final url>" (Server Error for
 * 5xx), the text decoded with the Content-Type charset, ISO-8859-1 for a
 * text/* type without one, and otherwise UTF-8 when the bytes are valid
 * UTF-8 (requests guesses with charset_normalizer; latin-1 here). The timeout
 * is 20 s to connect and 20 s between received bytes. Connection failures
 * read like requests' messages but are not byte-identical. Bodies over
 * MAX_BODY_BYTES are refused (BFCL has no limit; such a page would not fit a
 * model's context anyway).
 *
 * Not in BFCL: addresses of the worker's own networks (loopback, private,
 * link-local, unique-local) are refused unless EVALFLOW_WEB_FETCH_PRIVATE=allow
 * — the URL is the model's choice, and the workers sit next to the store
 * and the cloud metadata service.
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as zlib from 'node:zlib';

/** web_search.py fetch_url_content's request headers, in its order. */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'Accept-Language': 'en-US,en;q=0.9',
  'Accept-Encoding': 'gzip, deflate, br',
  Connection: 'keep-alive',
  'Upgrade-Insecure-Requests': '1',
  Referer: 'https://www.google.com/',
  'Sec-Fetch-Site': 'same-origin',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-User': '?1',
  'Sec-Fetch-Dest': 'document',
};

export const TIMEOUT_MS = 20_000;
export const MAX_REDIRECTS = 30;
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A failure requests would raise inside fetch_url_content's try block: its text goes to the model. */
export class FetchFailure extends Error {}

interface RawResponse {
  status: number;
  reason: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: string;
}

function pool(u: URL): string {
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol === 'https:' ? 'HTTPS' : 'HTTP'}ConnectionPool(host='${u.hostname}', port=${port})`;
}

function connectionMessage(u: URL, e: NodeJS.ErrnoException): string {
  const where = `${pool(u)}: Max retries exceeded with url: ${u.pathname}${u.search}`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
    return `${where} (Caused by NameResolutionError("Failed to resolve '${u.hostname}' ([Errno -2] Name or service not known)"))`;
  }
  if (e.code === 'ECONNREFUSED') return `${where} (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))`;
  if (/CERT|SSL|TLS/i.test(e.code ?? '') || /certificate|ssl|tls/i.test(e.message)) return `${where} (Caused by SSLError(${JSON.stringify(e.message)}))`;
  return `('Connection aborted.', ${JSON.stringify(e.message)})`;
}

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(body);
  if (enc === 'br') return zlib.brotliDecompressSync(body);
  if (enc === 'deflate') {
    try {
      return zlib.inflateSync(body);
    } catch {
      return zlib.inflateRawSync(body);
    }
  }
  return body;
}

/** Loopback, private, link-local, CGNAT, unique-local and unspecified addresses. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(ip);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b < 128);
  }
  const x = ip.toLowerCase();
  return x === '::' || x === '::1' || /^f[cd]/.test(x) || /^fe[89ab]/.test(x);
}

function blocked(u: URL, ip: string): FetchFailure {
  return new FetchFailure(`${pool(u)}: refused to connect to ${ip}, an address of the evaluation worker's own network (set EVALFLOW_WEB_FETCH_PRIVATE=allow on the workers to permit it)`);
}

function getOnce(u: URL, headers: Record<string, string>, allowPrivate: boolean): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && net.isIP(host) && isPrivateAddress(host)) {
      reject(blocked(u, host));
      return;
    }
    const lookup: net.LookupFunction = (hostname, options, cb) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return cb(err, '', 0);
        const list = addresses as dns.LookupAddress[];
        const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
        if (bad) return cb(Object.assign(blocked(u, bad.address), { code: 'EBFCLBLOCKED' }), '', 0);
        if (options.all) return (cb as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
        cb(null, list[0]!.address, list[0]!.family);
      });
    };
    const req = mod.request(u, { method: 'GET', headers, agent: false, lookup }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new FetchFailure(`the response is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks), url: u.href }));
      res.on('error', (e) => reject(e));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_BFCL' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof FetchFailure) reject(e);
      else if (e.code === 'EBFCLBLOCKED') reject(new FetchFailure(e.message));
      else if (e.code === 'ETIMEDOUT_BFCL' || e.code === 'ETIMEDOUT') reject(new FetchFailure(`${pool(u)}: Read timed out. (read timeout=${TIMEOUT_MS / 1000})`));
      else reject(new FetchFailure(connectionMessage(u, e)));
    });
    req.end();
  });
}

/** requests' Response.text: the declared charset, ISO-8859-1 for text/* without one, else UTF-8 if it decodes (latin-1 otherwise). */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const ct = (contentType ?? '').toLowerCase();
  const cs = /charset\s*=\s*["']?([^"';\s]+)/.exec(ct)?.[1];
  if (cs) {
    try {
      return new TextDecoder(cs).decode(body);
    } catch {
      // an unknown charset: requests falls back to decoding with errors="replace"
      return new TextDecoder('utf-8').decode(body);
    }
  }
  if (ct.includes('text')) return body.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return body.toString('latin1');
  }
}

/** GET a page as fetch_url_content does; a FetchFailure carries the text requests' exception would have. */
export async function getPage(url: string, opts: { allowPrivate?: boolean } = {}): Promise<string> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FetchFailure(`Invalid URL '${url}': No host supplied`);
  }
  for (let hops = 0; ; hops++) {
    const res = await getOnce(u, { ...BROWSER_HEADERS }, opts.allowPrivate === true);
    const loc = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.status) && loc) {
      if (hops >= MAX_REDIRECTS) throw new FetchFailure(`Exceeded ${MAX_REDIRECTS} redirects.`);
      u = new URL(loc, u);
      continue;
    }
    if (res.status >= 400 && res.status < 600) {
      throw new FetchFailure(`${res.status} ${res.status < 500 ? 'Client' : 'Server'} Error: ${res.reason} for url: ${res.url}`);
    }
    let body: Buffer;
    try {
      body = decompress(res.body, res.headers['content-encoding'] as string | undefined);
    } catch (e) {
      throw new FetchFailure(`('Received response with content-encoding: ${res.headers['content-encoding']}, but failed to decode it.', ${JSON.stringify((e as Error).message)})`);
    }
    return decodeBody(body, res.headers['content-type']);
  }
}

// The fuzzer's HTTP: node:http with a keep-alive agent per client address (the server rate-limits per
// address, so the fuzzer spreads over a few loopback addresses), and a raw socket for requests that
// no HTTP client will send (a NUL or a bare CR in a header line).
import http from 'node:http';
import net from 'node:net';

/** One concrete request, as sent (and as saved for reproduction). */
export interface WireRequest {
  readonly method: string;
  /** Path and query, already encoded (junk included). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Written byte for byte on a fresh socket (header values may hold any byte). */
  readonly raw?: boolean;
}

export interface WireAnswer {
  /** The HTTP status, or 0 when no answer came (reset, timeout). */
  readonly status: number;
  readonly contentType: string;
  /** The start of the body (at most 2,000 characters). */
  readonly body: string;
  readonly headers: Record<string, string>;
  /** Why no answer came (status 0). */
  readonly transport?: string;
}

const TIMEOUT_MS = 35_000;
const KEEP = 2000;

export class FuzzHttp {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  static forUrl(url: string): FuzzHttp {
    const u = new URL(url);
    return new FuzzHttp(u.hostname, Number(u.port));
  }

  private agent(localAddress: string): http.Agent {
    let a = this.agents.get(localAddress);
    if (!a) this.agents.set(localAddress, (a = new http.Agent({ keepAlive: true, maxSockets: 16, localAddress })));
    return a;
  }

  send(req: WireRequest, localAddress = '127.0.0.1'): Promise<WireAnswer> {
    return req.raw ? this.sendRaw(req, localAddress) : this.sendHttp(req, localAddress);
  }

  private sendHttp(req: WireRequest, localAddress: string): Promise<WireAnswer> {
    return new Promise((resolve) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
      const headers = { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
      let r: http.ClientRequest;
      try {
        r = http.request({
          host: this.host,
          port: this.port,
          method: req.method,
          path: req.path,
          headers,
          agent: this.agent(localAddress),
          timeout: TIMEOUT_MS,
        });
      } catch (e) {
        // Node refused to send it (an invalid header or path): the request never left.
        return resolve({ status: -1, contentType: '', body: '', headers: {}, transport: `not sent: ${(e as Error).message}` });
      }
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < KEEP) chunks.push(c);
          size += c.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8').slice(0, KEEP),
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
          }),
        );
        res.on('error', (e) => resolve({ status: 0, contentType: '', body: '', headers: {}, transport: e.message }));
      });
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (e) => resolve({ status: 0, contentType: '', body: '', headers: {}, transport: (e as NodeJS.ErrnoException).code ?? e.message }));
      r.end(body);
    });
  }

  /** HTTP/1.1 written by hand on its own connection (Connection: close); the answer is read to the end. */
  private sendRaw(req: WireRequest, localAddress: string): Promise<WireAnswer> {
    return new Promise((resolve) => {
      const body = Buffer.from(req.body ?? '', 'utf8');
      const lines = [`${req.method} ${req.path} HTTP/1.1`, `host: ${this.host}:${this.port}`, 'connection: close'];
      for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
      if (req.body !== undefined) lines.push(`content-length: ${body.length}`);
      const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      const socket = net.connect({ host: this.host, port: this.port, localAddress });
      const chunks: Buffer[] = [];
      socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
      // Written, not ended: a half-closed connection may be closed before the answer is written.
      socket.on('connect', () => socket.write(Buffer.concat([head, body])));
      socket.on('data', (c: Buffer) => chunks.push(c));
      const done = (transport?: string) => {
        const text = Buffer.concat(chunks).toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
        if (!m) return resolve({ status: 0, contentType: '', body: '', headers: {}, transport: transport ?? 'no status line' });
        const [headText = '', rest = ''] = text.split('\r\n\r\n', 2);
        const headers = Object.fromEntries(
          headText
            .split('\r\n')
            .slice(1)
            .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
        );
        resolve({ status: Number(m[1]), contentType: headers['content-type'] ?? '', body: rest.slice(0, KEEP), headers });
      };
      socket.on('close', () => done());
      socket.on('error', (e) => done((e as NodeJS.ErrnoException).code ?? e.message));
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
  }
}

/** A shell command that sends the request again (curl; the body from a file next to it when it is not plain text). */
export function curlOf(url: string, req: WireRequest): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const parts = ['curl -si', '-X', req.method, ...Object.entries(req.headers).flatMap(([k, v]) => ['-H', q(`${k}: ${v}`)])];
  if (req.body !== undefined) {
    // eslint-disable-next-line no-control-regex
    const plain = req.body.length <= 2000 && !/[\u0000-\u001f\u007f-\uffff]/.test(req.body);
    parts.push('--data-binary', plain ? q(req.body) : `@body.bin  # body: ${req.body.length} characters, saved as bodyBase64 in the JSON`);
  }
  parts.push(q(`${url}${req.path}`));
  return parts.join(' ');
}

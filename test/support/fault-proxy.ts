/**
 * Fault-injection reverse proxy for tests (RELIABILITY.md (b)). Forwards byte-exactly and streams
 * bodies by default; scripted rules replace or damage chosen requests. Rules resolve promises so
 * tests synchronise without sleeps.
 */
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  /** Answer without contacting the target (the request body is drained first). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /**
   * Forward headers and the first `bytes` body bytes, wait `graceMs` (default 50) so the client can
   * read them, then RST the connection (ECONNRESET). Linux drops data the client has not yet read
   * when the RST lands, so a client that stalls longer sees fewer bytes; use truncate-after for
   * exactly-N semantics.
   */
  | { kind: 'reset-after'; bytes: number; graceMs?: number }
  /** Forward headers (original Content-Length) and `bytes` body bytes, then close cleanly (FIN). */
  | { kind: 'truncate-after'; bytes: number }
  /** Forward the body with the byte at `offset` XOR 0xff. */
  | { kind: 'flip-byte'; offset: number }
  /** Answer 307 (default) with `location`; the target is not contacted. */
  | {
      kind: 'redirect';
      location: string | ((req: { method: string; path: string; query: string }) => string);
      status?: number;
    }
  /** Send Content-Length + `delta` (or none at all with `drop`), then close after the real body. */
  | { kind: 'content-length'; delta: number; drop?: boolean }
  /** Strip `Range` and `If-Range` before forwarding. */
  | { kind: 'ignore-range' }
  /**
   * Forward, setting these response headers (e.g. `Content-Encoding: gzip`); a function sees the
   * request and returns the headers for it (none: the response passes unchanged).
   */
  | {
      kind: 'add-header';
      headers:
        Record<string, string> | ((req: { method: string; path: string; query: string }) => Record<string, string>);
    }
  /** Forward headers at once, then the body at `bytesPerSecond` (a slow-loris registry). */
  | { kind: 'throttle'; bytesPerSecond: number }
  /** Wait `ms` before forwarding. */
  | { kind: 'delay'; ms: number }
  /** Never answer; the connection is held until the client gives up or the proxy stops. */
  | { kind: 'stall' }
  /** Read `bytes` of the request body, then RST the connection; the target never sees the request. */
  | { kind: 'reset-request-after'; bytes: number }
  /** Answer with your own handler; `forward()` passes the request through unchanged instead. */
  | { kind: 'custom'; handle: (req: IncomingMessage, res: ServerResponse, forward: () => void) => void };

export interface FaultRule {
  method?: string;
  /** Substring of the URL path (no query), or a RegExp tested against it. */
  path?: string | RegExp;
  /** Let the first N matching requests through untouched. */
  skip?: number;
  /** Apply to this many matching requests after `skip` (default 1; Infinity allowed). */
  times?: number;
  action: FaultAction;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** Date.now() when the request arrived. */
  at: number;
  status?: number;
  faulted?: FaultAction['kind'];
  /** Request body bytes the proxy read from the client. */
  requestBytes: number;
  /** Response body bytes the proxy (or a custom handler) handed to the client socket. */
  responseBytes: number;
}

export interface RuleHandle {
  /** Resolves once the rule has fired `times` times (once for Infinity) and those responses closed. */
  fired: Promise<void>;
  count(): number;
}

export interface FaultProxy {
  url: string;
  /** host:port, as used in image references. */
  host: string;
  addRule(rule: FaultRule): RuleHandle;
  clearRules(): void;
  requests: RecordedRequest[];
  countBy(method?: string, path?: string | RegExp): number;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  target: string;
  targetCa?: string | Buffer;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Headers set on every forwarded request (e.g. credentials a CDN would hold). */
  forwardHeaders?: Record<string, string>;
}

interface LiveRule {
  rule: FaultRule;
  seen: number;
  applied: number;
  closed: number;
  resolve: () => void;
}

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function pathMatches(p: string, want: string | RegExp | undefined): boolean {
  if (want === undefined) return true;
  return typeof want === 'string' ? p.includes(want) : want.test(p);
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** Resolves on 'drain' or when the response closes (so a dead client never hangs a relay). */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes `buf` (headers first if unsent) and resolves once it has reached the kernel. */
function flushWrite(res: ServerResponse, buf: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (buf.length > 0) {
      res.write(buf, () => resolve());
      return;
    }
    res.flushHeaders();
    const sock = res.socket;
    if (!sock || sock.destroyed) resolve();
    else sock.write(Buffer.alloc(0), () => resolve());
  });
}

/** Writes `chunk` in slices of a tenth of `rate` (at least 1 byte), pausing so `rate` bytes/s are sent; stops when the client goes. */
async function trickle(res: ServerResponse, chunk: Buffer, rate: number): Promise<void> {
  const slice = Math.max(1, Math.floor(rate / 10));
  for (let at = 0; at < chunk.length && !res.destroyed; at += slice) {
    const piece = chunk.subarray(at, at + slice);
    await flushWrite(res, piece);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, (piece.length * 1000) / rate);
      res.once('close', done);
      function done() {
        clearTimeout(timer);
        res.off('close', done);
        resolve();
      }
    });
  }
}

/** Counts response body bytes handed to `res.write`/`res.end` into `rec.responseBytes`. */
function countWrites(res: ServerResponse, rec: RecordedRequest): void {
  const size = (c: unknown) => (typeof c === 'string' ? Buffer.byteLength(c) : c instanceof Uint8Array ? c.length : 0);
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    rec.responseBytes += size(chunk);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') rec.responseBytes += size(chunk);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof res.end;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const upstreamHttps = target.protocol === 'https:';
  const agent = upstreamHttps
    ? new https.Agent({ keepAlive: true, ca: opts.targetCa })
    : new http.Agent({ keepAlive: true });
  const rules: LiveRule[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let proxyOrigin = '';

  const rewriteLocation = (loc: string): string => {
    try {
      const u = new URL(loc);
      if (u.origin !== target.origin) return loc;
      return proxyOrigin + u.pathname + u.search + u.hash;
    } catch {
      return loc; // relative: already resolves against the proxy
    }
  };

  /** Flat raw header list from the target, minus hop-by-hop, with `Location` rewritten. */
  const responseHeaders = (up: IncomingMessage, drop: Set<string>, extra: Record<string, string>) => {
    const out: string[] = [];
    const raw = up.rawHeaders;
    const overridden = new Set(Object.keys(extra).map((k) => k.toLowerCase()));
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (HOP.has(lower) || drop.has(lower) || overridden.has(lower)) continue;
      out.push(name, lower === 'location' ? rewriteLocation(raw[i + 1]!) : raw[i + 1]!);
    }
    for (const [k, v] of Object.entries(extra)) out.push(k, v);
    return out;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, action: FaultAction | undefined) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP.has(k)) headers[k] = v;
    }
    headers.host = target.host;
    delete headers.expect; // node:http already answered 100 Continue
    if (action?.kind === 'ignore-range') {
      delete headers.range;
      delete headers['if-range'];
    }
    Object.assign(headers, opts.forwardHeaders);
    const upReq = (upstreamHttps ? https : http).request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
      agent,
    });
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    upReq.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`fault-proxy: ${err.message}`);
      } else res.destroy();
    });
    upReq.on('response', (up) => void relay(up, res, action, req));
    req.pipe(upReq);
  };

  const relay = async (
    up: IncomingMessage,
    res: ServerResponse,
    action: FaultAction | undefined,
    req: IncomingMessage,
  ) => {
    const extra: Record<string, string> = {};
    const drop = new Set<string>();
    let cut: 'reset' | 'truncate' | undefined;
    let limit = Number.POSITIVE_INFINITY;
    let flip = -1;
    let closeAfter = false;
    let rate = 0;
    switch (action?.kind) {
      case 'add-header':
        Object.assign(
          extra,
          typeof action.headers === 'function'
            ? action.headers({ method: req.method ?? 'GET', ...splitUrl(req.url ?? '/') })
            : action.headers,
        );
        break;
      case 'throttle':
        rate = action.bytesPerSecond;
        break;
      case 'reset-after':
      case 'truncate-after':
        cut = action.kind === 'reset-after' ? 'reset' : 'truncate';
        limit = action.bytes;
        break;
      case 'flip-byte':
        flip = action.offset;
        break;
      case 'content-length': {
        drop.add('content-length');
        const len = Number(up.headers['content-length'] ?? 0);
        if (!action.drop) extra['Content-Length'] = String(len + action.delta);
        closeAfter = true;
        break;
      }
    }
    if (closeAfter) extra.Connection = 'close';
    res.writeHead(up.statusCode ?? 502, up.statusMessage, responseHeaders(up, drop, extra));
    res.on('close', () => {
      if (!up.readableEnded) up.destroy();
    });
    let off = 0;
    try {
      for await (const c of up) {
        let chunk = c as Buffer;
        if (flip >= off && flip < off + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[flip - off]! ^= 0xff;
        }
        if (off + chunk.length >= limit) {
          await flushWrite(res, chunk.subarray(0, limit - off));
          off = limit;
          break;
        }
        off += chunk.length;
        if (rate > 0) {
          await trickle(res, chunk, rate);
          if (res.destroyed) return;
          continue;
        }
        if (!res.write(chunk)) await writable(res);
        if (res.destroyed) return;
      }
    } catch {
      res.destroy(); // target died mid-body: pass the failure on
      return;
    }
    if (cut === undefined) {
      res.end();
      return;
    }
    if (off < limit) await flushWrite(res, Buffer.alloc(0));
    up.destroy();
    const sock = res.socket;
    if (!sock || sock.destroyed) return;
    if (cut === 'reset') {
      const grace = action?.kind === 'reset-after' ? (action.graceMs ?? 50) : 0;
      setTimeout(() => {
        if (!sock.destroyed) sock.resetAndDestroy();
      }, grace);
    } else sock.end(() => sock.destroy());
  };

  /** Drains the request body, then runs `fn` (answering early can make clients see EPIPE). */
  const afterBody = (req: IncomingMessage, fn: () => void) => {
    if (req.readableEnded) fn();
    else {
      req.once('end', fn);
      req.resume();
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const { path, query } = splitUrl(req.url ?? '/');
    const method = req.method ?? 'GET';
    const rec: RecordedRequest = {
      method,
      path,
      query,
      headers: { ...req.headers },
      at: Date.now(),
      requestBytes: 0,
      responseBytes: 0,
    };
    requests.push(rec);
    req.on('data', (c: Buffer) => {
      rec.requestBytes += c.length;
    });

    let chosen: LiveRule | undefined;
    for (const lr of rules) {
      const r = lr.rule;
      if (r.method !== undefined && r.method.toUpperCase() !== method) continue;
      if (!pathMatches(path, r.path)) continue;
      lr.seen++;
      if (chosen || lr.seen <= (r.skip ?? 0) || lr.applied >= (r.times ?? 1)) continue;
      lr.applied++;
      chosen = lr;
    }
    const action = chosen?.rule.action;
    if (action) rec.faulted = action.kind;

    countWrites(res, rec);
    res.once('close', () => {
      rec.status = res.headersSent ? res.statusCode : undefined;
      if (!chosen) return;
      chosen.closed++;
      const times = chosen.rule.times ?? 1;
      if (chosen.closed >= (Number.isFinite(times) ? times : 1)) chosen.resolve();
    });

    switch (action?.kind) {
      case 'status':
        afterBody(req, () => {
          res.writeHead(action.status, action.headers).end(action.body ?? '');
        });
        return;
      case 'redirect': {
        const loc = typeof action.location === 'function' ? action.location({ method, path, query }) : action.location;
        afterBody(req, () => {
          res.writeHead(action.status ?? 307, { location: loc, 'content-length': '0' }).end();
        });
        return;
      }
      case 'stall':
        chosen?.resolve();
        req.resume();
        return;
      case 'reset-request-after': {
        let got = 0;
        const kill = () => req.socket.resetAndDestroy();
        if (action.bytes <= 0) return kill();
        req.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= action.bytes) kill();
        });
        req.on('end', kill);
        return;
      }
      case 'delay':
        setTimeout(() => {
          if (!res.destroyed) forward(req, res, action);
        }, action.ms);
        return;
      case 'custom':
        action.handle(req, res, () => forward(req, res, undefined));
        return;
      default:
        forward(req, res, action);
    }
  };

  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handle)
    : http.createServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const hostPort = `${host}:${port}`;
  proxyOrigin = `${opts.tls ? 'https' : 'http'}://${hostPort}`;

  return {
    url: proxyOrigin,
    host: hostPort,
    requests,
    addRule(rule) {
      let resolve!: () => void;
      const fired = new Promise<void>((r) => {
        resolve = r;
      });
      const lr: LiveRule = { rule, seen: 0, applied: 0, closed: 0, resolve };
      rules.push(lr);
      return { fired, count: () => lr.applied };
    },
    clearRules() {
      rules.length = 0;
    },
    countBy(method, path) {
      return requests.filter(
        (r) => (method === undefined || r.method === method.toUpperCase()) && pathMatches(r.path, path),
      ).length;
    },
    async stop() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

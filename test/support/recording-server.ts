/**
 * A recording "CDN" on another loopback host (default 127.0.0.2). It records every request's headers,
 * so tests can prove no Authorization or Cookie header reached it, and either proxies to `upstream`
 * (a redirected blob GET still yields the right bytes) or answers with a fixed response or `handler`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RecordedRequest, startFaultProxy } from './fault-proxy.js';

export interface RecordingServerOptions {
  /** Listen address; default 127.0.0.2. */
  host?: string;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Forward every request (same path and query) here. */
  upstream?: string;
  upstreamCa?: string | Buffer;
  /** Headers the "CDN" itself adds when forwarding (e.g. its own credentials for the upstream). */
  upstreamHeaders?: Record<string, string>;
  /** Fixed answer when there is no upstream and no handler (default 200, empty body). */
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Custom answer; takes precedence over `upstream` and the fixed response. */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface RecordingServer {
  url: string;
  /** host:port */
  host: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startRecordingServer(opts: RecordingServerOptions = {}): Promise<RecordingServer> {
  const proxy = await startFaultProxy({
    target: opts.upstream ?? 'http://127.0.0.1:1',
    targetCa: opts.upstreamCa,
    tls: opts.tls,
    host: opts.host ?? '127.0.0.2',
    forwardHeaders: opts.upstreamHeaders,
  });
  const { handler } = opts;
  if (handler) {
    proxy.addRule({ times: Number.POSITIVE_INFINITY, action: { kind: 'custom', handle: handler } });
  } else if (!opts.upstream) {
    proxy.addRule({
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'status', status: opts.status ?? 200, headers: opts.headers, body: opts.body },
    });
  }
  return { url: proxy.url, host: proxy.host, requests: proxy.requests, stop: () => proxy.stop() };
}

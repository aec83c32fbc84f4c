/**
 * Requests to a registry vendor's own REST API (Docker Hub, Harbor, GitHub Packages), sent through
 * the same Transport as the registry API: retries of 5xx and network failures, redirects (with the
 * internal-address check, and without credentials on another origin), TLS options, body caps and
 * counted requests. Header values, `Link`, Basic credentials, reset times and error bodies are read
 * by src/registry/wire.ts, as for registry requests. Pagination links must stay on the API's origin.
 */
import type { Dispatcher } from 'undici';
import type { RegistryType } from '../config/types.js';
import { kindFor, RegistryError } from '../registry/errors.js';
import { type Method, readCapped, Transport } from '../registry/http.js';
import { firstHeader, parseErrorBody, rateLimitReset } from '../registry/wire.js';
import { redact } from '../util/secrets.js';

/** JSON listings and error bodies: capped so a hostile server cannot exhaust memory. */
export const API_BODY_CAP = 16 * 1024 * 1024;
/** Client errors the vendor describes in its own body format: handled here rather than by the Transport. */
const VENDOR_ERRORS = [400, 401, 403, 404, 405, 409, 412, 422, 429];

type Headers = Record<string, string | string[] | undefined>;

export interface VendorApiOptions {
  /** How the API is named in messages (`hub.docker.com`, `harbor.example.com`). */
  name: string;
  provider: RegistryType;
  /** `https://host[:port]` of the API. */
  baseUrl: string;
  tls?: { ca?: string | Buffer; verify?: boolean };
  retry?: { baseDelayMs?: number; attempts?: number };
  userAgent?: string;
  /** Headers sent with every request (Accept, API version). */
  headers?: Record<string, string>;
  /** The Authorization header value, or undefined for anonymous requests; may fetch a token. */
  authorization?: () => Promise<string | undefined>;
  /** Called when the API answered 401 to an authorized request, before one retry (expired JWT). */
  onUnauthorized?: () => void;
  dispatcher?: Dispatcher;
}

export interface ApiRequest {
  method: Method;
  /** A path below the API base, or an absolute URL on the same origin (a `next` or `Link` URL). */
  path: string;
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  json?: unknown;
  /** Statuses that count as success (default 200). */
  expect?: number[];
  operation: string;
  repository?: string;
  /** Send the Authorization header (default true). */
  auth?: boolean;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body; undefined when empty or not JSON. */
  body: unknown;
  url: URL;
}

export class VendorApi {
  readonly name: string;
  readonly provider: RegistryType;
  readonly transport: Transport;
  readonly #o: VendorApiOptions;

  constructor(o: VendorApiOptions) {
    this.name = o.name;
    this.provider = o.provider;
    this.#o = o;
    this.transport = new Transport({
      registry: o.name,
      baseUrl: o.baseUrl,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.retry ? { retry: o.retry } : {}),
      userAgent: o.userAgent ?? 'ferry',
      connections: 4,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
  }

  get base(): URL {
    return this.transport.base;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  counts(): Record<string, number> {
    return this.transport.counts();
  }

  /** Sends a request; throws a RegistryError (with the vendor's message) unless the status is expected. */
  async request(req: ApiRequest): Promise<ApiResponse> {
    const expect = req.expect ?? [200];
    const url = this.#resolve(req.path, req.query);
    for (let authRetried = false; ; authRetried = true) {
      const headers: Record<string, string> = { accept: 'application/json', ...this.#o.headers };
      // The Transport drops this header on a redirect to another origin.
      const authorization = req.auth !== false ? await this.#o.authorization?.() : undefined;
      if (authorization) headers.authorization = authorization;
      if (req.json !== undefined) headers['content-type'] = 'application/json';
      const r = await this.transport.send({
        method: req.method,
        path: url.toString(),
        headers,
        ...(req.json !== undefined ? { body: Buffer.from(JSON.stringify(req.json)) } : {}),
        scopes: [],
        expect: [...new Set([...expect, ...VENDOR_ERRORS])],
        operation: req.operation,
        ...(req.repository ? { repository: req.repository } : {}),
      });
      if (
        r.status === 401 &&
        !expect.includes(401) &&
        !authRetried &&
        this.#o.onUnauthorized &&
        authorization &&
        // A 401 from a redirect target says nothing about the API's own token.
        r.url.origin === this.base.origin
      ) {
        await r.body.dump().catch(() => {});
        this.#o.onUnauthorized();
        continue;
      }
      if (req.method === 'HEAD') await r.body.dump().catch(() => {});
      const text = req.method === 'HEAD' ? '' : await readCapped(r.body, API_BODY_CAP);
      if (!expect.includes(r.status)) throw this.#error(req, r.status, r.url, r.headers, text);
      let body: unknown;
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
      }
      return { status: r.status, headers: r.headers, body, url: r.url };
    }
  }

  /** `path` relative to the API base, or an absolute URL that must stay on the API's origin. */
  #resolve(path: string, query: ApiRequest['query']): URL {
    const url = new URL(path, this.base);
    if (url.origin !== this.base.origin)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.name,
        operation: 'pagination',
        detail: `a link leaves the API (${url.host})`,
      });
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  #error(req: ApiRequest, status: number, url: URL, headers: Headers, text: string): RegistryError {
    const { codes, messages } = parseErrorBody(text);
    const message = messages.join('; ');
    const kind = rateLimited(status, headers) ? 'rate-limited' : kindFor(status, codes);
    const reset = kind === 'rate-limited' ? rateLimitReset(headers) : undefined;
    return new RegistryError({
      kind,
      registry: this.name,
      ...(req.repository ? { repository: req.repository } : {}),
      operation: req.operation,
      method: req.method,
      url: `${url.origin}${url.pathname}`,
      status,
      codes,
      detail: redact(message || `unexpected HTTP ${status}`),
      ...(kind === 'rate-limited'
        ? {
            hint: `the ${this.name} API is rate limiting${reset ? `; the limit resets at ${reset.toISOString()}` : ''}. Run later, or authenticate for a higher limit.`,
            temporary: true,
          }
        : {}),
    });
  }
}

/** GitHub answers a primary rate limit with 403 and `x-ratelimit-remaining: 0`. */
function rateLimited(status: number, headers: Headers): boolean {
  return status === 429 || (status === 403 && firstHeader(headers['x-ratelimit-remaining']) === '0');
}

/** Adds `b`'s counts to `a` under `prefix` (vendor API requests next to registry requests). */
export function mergeCounts(
  a: Record<string, number>,
  b: Record<string, number>,
  prefix: string,
): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[`${prefix}${k}`] = (out[`${prefix}${k}`] ?? 0) + v;
  return out;
}

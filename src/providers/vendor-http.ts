/**
 * Requests to a registry vendor's own REST API (Docker Hub, Harbor, GitHub Packages), sent through
 * the same Transport as the registry API: retries of 5xx and network failures, TLS options, body caps
 * and counted requests. Credentials are set per request and never leave the API's origin: redirects
 * and pagination links to another origin are followed without them (or refused for pagination).
 */
import type { Dispatcher } from 'undici';
import type { RegistryType } from '../config/types.js';
import { kindFor, RegistryError } from '../registry/errors.js';
import { type Method, readCapped, Transport } from '../registry/http.js';
import { redact } from '../util/secrets.js';

/** JSON listings and error bodies: capped so a hostile server cannot exhaust memory. */
export const API_BODY_CAP = 16 * 1024 * 1024;
const REDIRECTS = [301, 302, 303, 307, 308];
/** Client errors the vendor describes in its own body format: handled here rather than by the Transport. */
const VENDOR_ERRORS = [400, 401, 403, 404, 405, 409, 412, 422, 429];
const MAX_REDIRECTS = 5;

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
    let url = this.#resolve(req.path, req.query);
    let sameOrigin = true;
    let authRetried = false;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { accept: 'application/json', ...this.#o.headers };
      const authorization = req.auth !== false && sameOrigin ? await this.#o.authorization?.() : undefined;
      if (authorization) headers.authorization = authorization;
      if (req.json !== undefined) headers['content-type'] = 'application/json';
      const r = await this.transport.send({
        method: req.method,
        path: url.toString(),
        headers,
        ...(req.json !== undefined ? { body: Buffer.from(JSON.stringify(req.json)) } : {}),
        scopes: [],
        expect: [...new Set([...expect, ...REDIRECTS, ...VENDOR_ERRORS])],
        operation: req.operation,
        ...(req.repository ? { repository: req.repository } : {}),
      });
      const location = one(r.headers.location);
      if (!expect.includes(r.status) && REDIRECTS.includes(r.status) && location) {
        await r.body.dump().catch(() => {});
        if (hop + 1 >= MAX_REDIRECTS) throw this.#error(req, r.status, r.url, r.headers, 'too many redirects');
        const next = new URL(location, r.url);
        if (r.url.protocol === 'https:' && next.protocol !== 'https:')
          throw new RegistryError({
            kind: 'redirect-refused',
            registry: this.name,
            operation: req.operation,
            detail: `redirect from https to ${next.protocol}//${next.host} refused`,
          });
        // Credentials stay on the API's origin (RELIABILITY B1).
        sameOrigin = next.origin === this.base.origin;
        url = next;
        continue;
      }
      if (
        r.status === 401 &&
        !expect.includes(401) &&
        !authRetried &&
        this.#o.onUnauthorized &&
        req.auth !== false &&
        sameOrigin
      ) {
        await r.body.dump().catch(() => {});
        authRetried = true;
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
    const { codes, message } = parseVendorError(text);
    const kind = rateLimited(status, headers) ? 'rate-limited' : kindFor(status, codes);
    const reset = kind === 'rate-limited' ? resetTime(headers) : undefined;
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

/**
 * Error bodies as the vendors document them: Harbor and distribution `{"errors":[{code,message}]}`,
 * GitHub `{"message","documentation_url"}`, Docker Hub `{"message"|"detail","errinfo"}`.
 */
export function parseVendorError(text: string): { codes: string[]; message: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { codes: [], message: text.trim().slice(0, 300) };
  }
  const d = (doc ?? {}) as { errors?: unknown; message?: unknown; detail?: unknown; errinfo?: unknown };
  if (Array.isArray(d.errors)) {
    const errs = d.errors as { code?: unknown; message?: unknown }[];
    return {
      codes: errs.map((e) => String(e.code ?? '')).filter((c) => /^[A-Z_]{1,64}$/.test(c)),
      message: errs
        .map((e) => String(e.message ?? '').slice(0, 300))
        .filter(Boolean)
        .join('; '),
    };
  }
  const message = typeof d.message === 'string' ? d.message : typeof d.detail === 'string' ? d.detail : '';
  return { codes: [], message: message.slice(0, 300) };
}

/** GitHub answers a primary rate limit with 403 and `x-ratelimit-remaining: 0`. */
function rateLimited(status: number, headers: Headers): boolean {
  return status === 429 || (status === 403 && one(headers['x-ratelimit-remaining']) === '0');
}

/** When the limit resets: `Retry-After` (seconds or a date), `x-ratelimit-reset` (epoch seconds, GitHub, Docker Hub). */
export function resetTime(headers: Headers, now = Date.now()): Date | undefined {
  const after = one(headers['retry-after']);
  if (after) {
    if (/^\d+$/.test(after)) return new Date(now + Number(after) * 1000);
    const t = Date.parse(after);
    if (!Number.isNaN(t)) return new Date(t);
  }
  const reset = one(headers['x-ratelimit-reset']) ?? one(headers['ratelimit-reset']);
  if (reset && /^\d+$/.test(reset)) {
    const n = Number(reset);
    // Epoch seconds, or (IETF draft) seconds from now.
    return new Date(n > 1e9 ? n * 1000 : now + n * 1000);
  }
  return undefined;
}

export function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The `rel="next"` URL of a `Link` header (GitHub, Harbor), resolved against `from`. */
export function nextLink(link: string | string[] | undefined, from: URL): string | undefined {
  const v = Array.isArray(link) ? link.join(', ') : link;
  if (!v) return undefined;
  for (const part of v.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m?.[1] && /rel="?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2] ?? '')) return new URL(m[1], from).toString();
  }
  return undefined;
}

/** Basic credentials as an Authorization value. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
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

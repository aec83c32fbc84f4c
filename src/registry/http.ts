/**
 * The only place that builds registry URLs and sends requests: auth, retries with backoff
 * honouring Retry-After, manual redirects that never carry credentials to another origin,
 * TLS options, body caps and error mapping.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
import { createSecureContext, getCACertificates, type SecureContext } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { causes } from '../util/causes.js';
import { redact, registerSecret } from '../util/secrets.js';
import { type Challenge, parseChallenges } from './auth/challenge.js';
import type { RegistryCredentials } from './auth/docker-config.js';
import { kindFor, parseErrorBody, RegistryError, type Tries } from './errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isTransientNetworkError,
  parseRetryAfter,
  RETRY_STATUS,
  type RetryOptions,
} from './retry.js';
import { basicAuthorization, internalTarget, redirectTarget, shownUrl, withoutCredentials } from './wire.js';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
type Headers = Record<string, string | string[] | undefined>;

export interface TransportOptions {
  /** Registry name used in messages (e.g. `docker.io`, `127.0.0.1:5000`). */
  registry: string;
  /** `https://host[:port]` the API lives at. */
  baseUrl: string;
  credentials?: RegistryCredentials;
  tls?: { ca?: string | Buffer; verify?: boolean };
  retry?: Partial<RetryOptions>;
  userAgent?: string;
  /** Connections per origin. */
  connections?: number;
  /** For tests: replace the wait between retries. */
  sleep?: (ms: number) => Promise<void>;
  /** For unit tests: an undici dispatcher (e.g. MockAgent) instead of the pooled Agent. */
  dispatcher?: Dispatcher;
  /** For tests: shorter overall request deadlines than DEFAULT_DEADLINES. */
  deadlines?: Partial<Deadlines>;
  /** Aborts every request in flight (a cancelled run); its reason is named in the error. */
  cancel?: AbortSignal;
}

/**
 * Every request has an overall deadline from its first byte sent to the last byte of its response
 * body read (redirect hops included), on top of undici's gap-between-bytes timeouts: a registry
 * that sends a manifest at 1 byte/s never trips those (issue 15: still reading after 150 s).
 * Manifests, listings, tokens and other small bodies get a fixed 60 s, which is 8 MiB (the manifest
 * cap) at 140 KiB/s. Requests that move a blob get 30 s plus 1 s per 10 KiB: a floor rate no
 * working registry falls under (a 1 GiB layer may take 29 h), so only a stalled one is cut off.
 */
export const REQUEST_DEADLINE_MS = 60_000;
export const BLOB_DEADLINE_GRACE_MS = 30_000;
export const BLOB_FLOOR_BYTES_PER_SECOND = 10 * 1024;

export interface Deadlines {
  /** Requests that move no blob. */
  requestMs: number;
  /** Blob requests: this, plus the size at `blobFloorBytesPerSecond`. */
  blobGraceMs: number;
  blobFloorBytesPerSecond: number;
}

export const DEFAULT_DEADLINES: Readonly<Deadlines> = {
  requestMs: REQUEST_DEADLINE_MS,
  blobGraceMs: BLOB_DEADLINE_GRACE_MS,
  blobFloorBytesPerSecond: BLOB_FLOOR_BYTES_PER_SECOND,
};

/** The overall deadline of a request that moves `size` bytes of a blob (undefined: not a blob). */
export function requestDeadlineMs(size: number | undefined, d: Deadlines = DEFAULT_DEADLINES): number {
  if (size === undefined) return d.requestMs;
  return d.blobGraceMs + Math.ceil((Math.max(0, size) * 1000) / d.blobFloorBytesPerSecond);
}

/**
 * The one set of connection settings for every registry and vendor API (a dispatcher may wrap it).
 * `origin` is the registry's own (its base URL): `tls.verify: false` applies to it alone.
 */
export function registryAgent(origin: string, tls: { ca?: string | Buffer; verify?: boolean }, connections = 8): Agent {
  // Node's `ca` replaces the trusted roots: the registry's own CA is added to them, so its blob
  // redirects and token realm on publicly certified hosts (S3, a CDN) still verify. One context
  // per agent: a `ca` list given per connection is parsed again for each (≈18 ms of CPU).
  const secure = tls.ca
    ? { secureContext: createSecureContext({ ca: [...getCACertificates('default'), String(tls.ca)] }) }
    : {};
  return new Agent({
    connections,
    // HTTP/1.1 only: with undici's HTTP/2 a request body that errors mid-upload (a corrupt
    // source blob) left the event loop spinning against distribution 2.8.2 instead of failing.
    allowH2: false,
    keepAliveTimeout: 30_000,
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
    connect: tls.verify === false ? unverifiedOnlyAt(origin, secure) : { ...secure, rejectUnauthorized: true },
  });
}

/** Node's certificate verification failures (OpenSSL's codes, and its own host-name check). */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME/;

/** A connection error → the origin whose certificate failed, when it is not the registry's own. */
const notOwnOrigin = new WeakMap<object, string>();

/**
 * Connects without verifying certificates to `origin` only. Every other origin verifies: the
 * registry names its token realm (which gets the user's password) and its blob redirects (S3, a
 * CDN), and a self-signed registry is no reason to trust whoever answers there.
 */
function unverifiedOnlyAt(origin: string, secure: { secureContext?: SecureContext }): buildConnector.connector {
  const own = new URL(origin);
  // A function `connect` gets no allowH2 from the Agent: given here, as the Agent's own (HTTP/1.1).
  // Two connectors, two TLS session caches: no session made unverified is resumed elsewhere.
  const unverified = buildConnector({ ...secure, allowH2: false, rejectUnauthorized: false });
  const verified = buildConnector({ ...secure, allowH2: false, rejectUnauthorized: true });
  return (opts, callback) => {
    // undici's `host` is the URL's host[:port] (default port left out), as `own.host` is; none: verified.
    if (opts.protocol === own.protocol && opts.host === own.host) return unverified(opts, callback);
    verified(opts, (...args) => {
      const [err] = args;
      // Named: the error would otherwise read as the registry's, whose certificate is not checked.
      if (err && CERTIFICATE_ERROR.test(String((err as { code?: unknown }).code))) {
        const other = `${opts.protocol}//${opts.host ?? opts.hostname}`;
        notOwnOrigin.set(err, other);
        err.message += ` (${other} is not the registry's own origin ${own.origin}: tls.verify: false does not apply to it)`;
      }
      callback(...args);
    });
  };
}

/** Answers of a token service to the OAuth2 POST that mean it takes only the GET (RELIABILITY B8). */
const TOKEN_POST_REFUSED: ReadonlySet<number> = new Set([400, 401, 404, 405]);

export interface SendRequest {
  method: Method;
  /** Path below the base URL (`/v2/...`) or an absolute URL (a Location or Link). */
  path: string;
  query?: Record<string, string | string[] | undefined>;
  headers?: Record<string, string>;
  /** Bytes, or a factory that opens a fresh stream for each attempt. */
  body?: Uint8Array | (() => Readable | Promise<Readable>);
  /** Scopes the request needs (bearer auth). */
  scopes: string[];
  /** Statuses that count as success. */
  expect: number[];
  operation: string;
  repository?: string;
  /** Default: retry when the body can be sent again (no body, bytes, or a factory). */
  retry?: boolean;
  /** Blob bytes the request moves (sent or received): scales its deadline. Unset: the fixed deadline. */
  size?: number;
  /**
   * A clean-up request (an upload session's DELETE) that must still go out when the run is being
   * cancelled: it does not follow the cancel signal, waits for no rate-limit pause, and must
   * finish within this many milliseconds instead of the usual deadline.
   */
  cleanupDeadlineMs?: number;
}

export interface SendResponse {
  status: number;
  headers: Headers;
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered (after redirects), for resolving Location. */
  url: URL;
  retries: number;
}

export { type AddressClass, addressClass } from './address.js';

export const ERROR_BODY_CAP = 64 * 1024;
export const TOKEN_BODY_CAP = 1024 * 1024;
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class Transport {
  readonly registry: string;
  readonly base: URL;
  /** The token service refused the OAuth2 refresh_token POST once: it takes only the GET. */
  #tokenPostRefused = false;
  readonly #agent: Dispatcher;
  readonly #credentials?: RegistryCredentials;
  readonly #retry: RetryOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #userAgent: string;
  readonly #deadlines: Deadlines;
  readonly #cancel?: AbortSignal;
  /** Deadline timers armed and not yet cleared or fired. */
  readonly #armed = { count: 0 };
  #challenge?: Challenge;
  readonly #tokens = new Map<string, Promise<CachedToken>>();
  /** Shared backoff: a 429 on one request slows every request to this host. */
  #notBefore = 0;
  /** Requests sent, by method, for reports and the benchmark. */
  readonly requestCount = new Map<string, number>();

  constructor(o: TransportOptions) {
    this.registry = o.registry;
    this.base = new URL(o.baseUrl);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:')
      throw new Error(`registry ${o.registry}: URL must be http:// or https://, got ${this.base.protocol}`);
    this.#credentials = o.credentials;
    this.#retry = { ...DEFAULT_RETRY, ...o.retry };
    this.#sleep = o.sleep ?? ((ms) => delay(ms));
    this.#userAgent = o.userAgent ?? 'ferry';
    this.#deadlines = { ...DEFAULT_DEADLINES, ...o.deadlines };
    if (o.cancel) this.#cancel = o.cancel;
    this.#agent = o.dispatcher ?? registryAgent(o.baseUrl, o.tls ?? {}, o.connections);
    if (this.#credentials && 'password' in this.#credentials) {
      registerSecret(this.#credentials.password);
      registerSecret(this.#basicValue().slice('Basic '.length));
    }
    if (this.#credentials && 'identityToken' in this.#credentials) registerSecret(this.#credentials.identityToken);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Requests whose deadline is running: their response body has not been read to the end or closed yet. */
  get pendingDeadlines(): number {
    return this.#armed.count;
  }

  /**
   * Sends a request, retrying transient failures; throws RegistryError unless the status is expected.
   * Each attempt, its body included, must finish within its deadline (see REQUEST_DEADLINE_MS);
   * when it does not, the request is aborted, reading the body throws a 'timeout' RegistryError,
   * and it is not retried: a stalled registry would stall again.
   */
  async send(req: SendRequest): Promise<SendResponse> {
    const retryable = req.retry ?? true;
    let retries = 0;
    let scopes = [...req.scopes];
    let authRetried = false;
    // What Retry-After made this request wait so far: maxRetryAfterMs bounds the sum, not each wait
    // (four waits of 299 s held one request, and every request behind it, for 20 minutes).
    let waitedMs = 0;
    const started = Date.now();
    // Retries only: a re-send with a fresh token after a 401 is not an attempt the user would count.
    const tries = () => ({ count: retries + 1, ms: Date.now() - started });
    for (let attempt = 0; ; attempt++) {
      const wait = this.#notBefore - Date.now();
      if (wait > 0 && req.cleanupDeadlineMs === undefined) await this.#sleep(wait);
      let res: SendResponse;
      const deadline = this.#deadline(req);
      try {
        res = await this.#sendFollowingRedirects(req, scopes, deadline);
        deadline.until(res.body);
      } catch (e) {
        deadline.clear();
        if (e instanceof RegistryError) throw e;
        const transient = isTransientNetworkError(e);
        if (transient && retryable && attempt + 1 < this.#retry.attempts) {
          retries++;
          await this.#sleep(backoffDelay(attempt, this.#retry));
          continue;
        }
        throw this.#networkError(req, e, tries());
      }
      res.retries = retries;
      if (req.expect.includes(res.status)) {
        if (attempt > 0) this.#notBefore = 0;
        return res;
      }
      // Only a 401 from the registry's own origin may set the challenge: one from a redirect
      // target (a CDN) named a realm that then received the registry's credentials (T11, B1).
      if (res.status === 401 && !authRetried && res.url.origin === this.base.origin) {
        const challenge = parseChallenges(res.headers['www-authenticate'])[0];
        if (challenge) {
          await res.body.dump().catch(() => {});
          authRetried = true;
          this.#challenge = challenge;
          const extra = challenge.params.scope?.split(' ').filter((s) => s && !scopes.includes(s)) ?? [];
          // Some registries only look at the first scope: missing ones go first (ggcr, c/image).
          scopes = [...extra, ...scopes];
          this.#tokens.delete(scopeKey(scopes));
          // Re-send once with fresh credentials even when `retry` is false: every body here is
          // replayable (bytes, or a factory opening a fresh stream), and a 401 means the registry
          // refused the request without accepting its content, so a token that expires during a
          // long transfer does not fail a monolithic blob PUT (docs/RELIABILITY.md B6, T12).
          continue;
        }
      }
      if (RETRY_STATUS.has(res.status) && retryable && attempt + 1 < this.#retry.attempts) {
        const after = parseRetryAfter(res.headers['retry-after']);
        if (after !== undefined && waitedMs + after > this.#retry.maxRetryAfterMs)
          throw await this.#statusError(req, res, tries(), after);
        if (after !== undefined) waitedMs += after;
        const wait = after ?? backoffDelay(attempt, this.#retry);
        if (res.status === 429) this.#notBefore = Date.now() + wait;
        await res.body.dump().catch(() => {});
        retries++;
        await this.#sleep(wait);
        continue;
      }
      // A 401 that still says insufficient_scope after a fresh token means the account may log in
      // but lacks the permission (distribution answers 401, not 403, here): report 'denied', whose
      // hint names the missing permission, instead of "refused the credentials".
      const denied =
        res.status === 401 &&
        authRetried &&
        parseChallenges(res.headers['www-authenticate'])[0]?.params.error === 'insufficient_scope';
      throw await this.#statusError(req, res, tries(), undefined, denied ? 'denied' : undefined);
    }
  }

  /** Per-method request counts since the transport was made. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.requestCount);
  }

  #deadline(req: SendRequest): Deadline {
    const ms = req.cleanupDeadlineMs ?? requestDeadlineMs(req.size, this.#deadlines);
    const deadline = new Deadline(ms, this.#armed, (url) => {
      const what = `${req.method} ${url.pathname}${req.size === undefined ? '' : ` (${req.size} bytes)`}`;
      return new RegistryError({
        kind: 'timeout',
        registry: this.registry,
        repository: req.repository,
        operation: req.operation,
        method: req.method,
        url: `${url.origin}${url.pathname}`,
        detail: `${what} took longer than ${seconds(ms)} s (deadline); the registry is too slow or stalled`,
        hint: `every request must finish within its deadline: ${seconds(this.#deadlines.requestMs)} s, or for a blob ${seconds(this.#deadlines.blobGraceMs)} s plus 1 s per ${+(this.#deadlines.blobFloorBytesPerSecond / 1024).toFixed(1)} KiB; check the registry's health and the network path to it (a proxy that holds responses back has the same effect)`,
      });
    });
    const cancel = this.#cancel;
    // A clean-up request exists because the run is stopping: following the cancel signal would
    // abort it before its first byte and leave the registry's session behind (RELIABILITY D5).
    if (cancel && req.cleanupDeadlineMs === undefined)
      deadline.follow(
        cancel,
        () =>
          new RegistryError({
            kind: 'cancelled',
            registry: this.registry,
            repository: req.repository,
            operation: req.operation,
            method: req.method,
            detail: `${req.method} cancelled: ${String(cancel.reason ?? 'the run was cancelled')}`,
          }),
      );
    return deadline;
  }

  async #sendFollowingRedirects(req: SendRequest, scopes: string[], deadline: Deadline): Promise<SendResponse> {
    let url = this.#url(req);
    const bodyOrigin = url.origin;
    let method = req.method;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === this.base.origin;
      // A caller's own credential headers (a vendor API's token) stay on the registry's origin too.
      const headers: Record<string, string> = {
        'user-agent': this.#userAgent,
        'accept-encoding': 'identity',
        ...(sameOrigin ? req.headers : withoutCredentials(req.headers ?? {})),
      };
      // Credentials belong to the registry's origin only (RELIABILITY B1): never to a redirect target.
      if (sameOrigin) {
        const auth = await this.#authorization(scopes, req);
        if (auth) headers.authorization = auth;
      }
      const body = hop === 0 || method === req.method ? await openBody(req.body) : undefined;
      this.requestCount.set(method, (this.requestCount.get(method) ?? 0) + 1);
      // Started at the first byte sent: waiting for a token or a body factory is not the registry's time.
      deadline.start(url);
      const r = await this.#agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        body: body ?? null,
        signal: deadline.signal,
        // undici closes the connection after every HEAD (for servers that send a body anyway);
        // registries do not, and a no-op run is one HEAD per tag: keep the connection.
        ...(method === 'HEAD' ? { reset: false } : {}),
      });
      if (!REDIRECTS.has(r.statusCode) || !r.headers.location || req.expect.includes(r.statusCode)) {
        return { status: r.statusCode, headers: r.headers, body: r.body, url, retries: 0 };
      }
      await r.body.dump().catch(() => {});
      const next = this.#redirectTarget(url, String(r.headers.location), req);
      if (hop + 1 >= MAX_REDIRECTS) throw this.#refused(req, `more than ${MAX_REDIRECTS} redirects`);
      if (r.statusCode === 303) method = 'GET';
      // A body is re-sent on 301, 302, 307 and 308: never to another origin than the one it was
      // sent to. What a request carries is for that origin, as credentials are (a login's password).
      if (req.body !== undefined && method === req.method && next.origin !== bodyOrigin)
        throw this.#refused(
          req,
          `HTTP ${r.statusCode} to ${next.origin} would send the ${req.method} request's body there; a body goes only to ${bodyOrigin}, where it was sent`,
        );
      url = next;
    }
  }

  #redirectTarget(from: URL, location: string, req: SendRequest): URL {
    const next = redirectTarget(from, location, this.base);
    if (next.refused !== undefined) throw this.#refused(req, next.refused);
    return next.url;
  }

  #url(req: SendRequest): URL {
    const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(req.path, this.base);
    if (!/^https?:\/\//.test(req.path) && url.origin !== this.base.origin)
      throw new Error(`path ${req.path} leaves the registry`);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
    }
    return url;
  }

  /** `Basic …` for the configured username and password. */
  #basicValue(): string {
    const c = this.#credentials as { username: string; password: string };
    return basicAuthorization(c.username, c.password);
  }

  async #authorization(scopes: string[], req: SendRequest): Promise<string | undefined> {
    const ch = this.#challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic')
      return this.#credentials && 'password' in this.#credentials ? this.#basicValue() : undefined;
    if (ch.scheme !== 'bearer') return undefined;
    const key = scopeKey(scopes);
    let p = this.#tokens.get(key);
    if (p) {
      const t = await p.catch(() => undefined);
      if (!t || t.expiresAt <= Date.now()) p = undefined;
    }
    if (!p) {
      p = this.#fetchToken(ch, scopes, req);
      this.#tokens.set(key, p);
      p.catch(() => this.#tokens.delete(key));
    }
    return `Bearer ${(await p).token}`;
  }

  /** Docker token protocol: https://distribution.github.io/distribution/spec/auth/token/ */
  async #fetchToken(ch: Challenge, scopes: string[], req: SendRequest): Promise<CachedToken> {
    const realm = this.#validateRealm(ch.params.realm, req);
    const c = this.#credentials;
    const deadline = this.#deadline({ ...req, method: c && 'identityToken' in c ? 'POST' : 'GET', size: undefined });
    deadline.start(realm);
    try {
      return await this.#requestToken(ch, scopes, req, realm, deadline);
    } finally {
      deadline.clear();
    }
  }

  async #requestToken(
    ch: Challenge,
    scopes: string[],
    req: SendRequest,
    realm: URL,
    deadline: Deadline,
  ): Promise<CachedToken> {
    const c = this.#credentials;
    let r: Dispatcher.ResponseData;
    const get = (authorization: string | undefined) => {
      const u = new URL(realm);
      if (ch.params.service) u.searchParams.set('service', ch.params.service);
      for (const s of scopes) u.searchParams.append('scope', s);
      const headers: Record<string, string> = { 'user-agent': this.#userAgent };
      if (authorization) headers.authorization = authorization;
      return this.#agent.request({
        origin: u.origin,
        path: u.pathname + u.search,
        method: 'GET',
        headers,
        signal: deadline.signal,
      });
    };
    if (c && 'identityToken' in c && this.#tokenPostRefused)
      r = await get(basicAuthorization(c.username ?? '<token>', c.identityToken));
    else if (c && 'identityToken' in c) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: c.identityToken,
        client_id: 'ferry',
      });
      if (ch.params.service) form.set('service', ch.params.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      r = await this.#agent.request({
        origin: realm.origin,
        path: realm.pathname + realm.search,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': this.#userAgent },
        body: form.toString(),
        signal: deadline.signal,
      });
      // Token services without OAuth2 POST (GCR answers 404, JFrog 401, ACR 400, others 405):
      // the GET with the token as a password, as docker and containerd fall back to (RELIABILITY B8).
      if (TOKEN_POST_REFUSED.has(r.statusCode)) {
        // Remembered: every later token (other scopes, expiry) goes to the GET at once.
        this.#tokenPostRefused = true;
        await r.body.dump().catch(() => {});
        r = await get(basicAuthorization(c.username ?? '<token>', c.identityToken));
      }
    } else r = await get(c && 'password' in c ? this.#basicValue() : undefined);
    const text = await readCapped(r.body, TOKEN_BODY_CAP);
    if (r.statusCode !== 200) {
      const { codes, messages } = parseErrorBody(text);
      throw new RegistryError({
        kind: r.statusCode === 401 ? 'unauthorized' : r.statusCode === 403 ? 'denied' : kindFor(r.statusCode, codes),
        registry: this.registry,
        repository: req.repository,
        operation: `${req.operation}: token request to ${realm.host}`,
        status: r.statusCode,
        codes,
        detail: redact(messages[0] ?? 'token request failed'),
      });
    }
    let doc: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        operation: 'token request',
        detail: 'token response is not JSON',
      });
    }
    const token = doc.token ?? doc.access_token;
    if (!token)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        operation: 'token request',
        detail: 'token response has no token',
      });
    registerSecret(token);
    const issued = doc.issued_at ? Date.parse(doc.issued_at) : Date.now();
    const lifetime = Math.max(60, doc.expires_in ?? 60) * 1000;
    // Refresh a little early so long uploads do not run into expiry (Docker Hub: 300 s).
    return { token, expiresAt: (Number.isNaN(issued) ? Date.now() : Math.min(issued, Date.now())) + lifetime - 10_000 };
  }

  /** The realm is chosen by the server: credentials go there only if it is https (or the registry's own plain-http host). */
  #validateRealm(realm: string | undefined, req: SendRequest): URL {
    if (!realm) throw this.#refused(req, 'bearer challenge without realm');
    let u: URL;
    try {
      u = new URL(realm);
    } catch {
      throw this.#refused(req, `invalid token realm ${JSON.stringify(shownUrl(realm))}`);
    }
    if (u.username || u.password) throw this.#refused(req, 'token realm carries credentials');
    // Plain http only on the plain-http registry's own origin, which sees the credentials in clear
    // anyway: not to another local port of an https registry (docs/RELIABILITY.md B3), nor to any
    // other origin of a plain-http one.
    if (u.protocol === 'http:' && this.base.protocol === 'http:' && u.origin !== this.base.origin)
      throw this.#refused(
        req,
        `token realm ${u.origin} refused: it is plain http on another origin than the registry (${this.base.origin}), and the credentials would cross the network in clear`,
        `serve the token realm over https, or from the registry's own origin ${this.base.origin}`,
      );
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.base.protocol === 'http:'))
      throw this.#refused(
        req,
        `token realm ${u.protocol}//${u.host} refused: credentials are only sent to an https realm`,
      );
    const internal = internalTarget(u, this.base);
    if (internal) throw this.#refused(req, `token realm on ${internal} refused: credentials are not sent there`);
    return u;
  }

  #refused(req: SendRequest, detail: string, hint?: string): RegistryError {
    return new RegistryError({
      kind: 'redirect-refused',
      registry: this.registry,
      repository: req.repository,
      operation: req.operation,
      method: req.method,
      detail,
      ...(hint ? { hint } : {}),
    });
  }

  #networkError(req: SendRequest, e: unknown, tries?: Tries): RegistryError {
    const code = findCode(e);
    // OpenSSL verification codes: the untrusted-CA case is UNABLE_TO_VERIFY_LEAF_SIGNATURE (or
    // UNABLE_TO_GET_ISSUER_CERT_LOCALLY), which the first pattern missed: it was reported as 'network'.
    const tls =
      code !== undefined &&
      /CERT|SSL|TLS|SELF_SIGNED|EPROTO|ALTNAME|UNABLE_TO_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH|HOSTNAME_MISMATCH/.test(
        code,
      );
    const plainHttp =
      code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
      /wrong version number|packet length too long/i.test(String((e as Error)?.message));
    return new RegistryError({
      kind: tls || plainHttp ? 'tls' : 'network',
      registry: this.registry,
      repository: req.repository,
      operation: req.operation,
      method: req.method,
      // OpenSSL's own text for it is a record-layer dump that names no cause a person knows.
      detail: plainHttp
        ? `${code ?? 'TLS'}: the TLS handshake failed: the server answered plain HTTP`
        : // Node's own advice (--use-system-ca) cannot be followed in an action: the hint names tls.ca.
          redact(`${code ? `${code}: ` : ''}${(e as Error)?.message ?? String(e)}`).replace(
            /;? *if the root CA is installed locally, try running Node\.js with --use-system-ca/i,
            '',
          ) + certNamesOf(e),
      temporary: !tls && isTransientNetworkError(e),
      ...(tries ? { tries } : {}),
      ...otherOriginOf(e),
      ...(plainHttp ? { plainHttp } : {}),
      ...(tls && code ? { tlsCode: code } : {}),
      cause: e,
    });
  }

  async #statusError(
    req: SendRequest,
    res: SendResponse,
    tries: Tries,
    retryAfterMs?: number,
    kindOverride?: RegistryError['kind'],
  ): Promise<RegistryError> {
    const text = req.method === 'HEAD' ? '' : await readPrefix(res.body, ERROR_BODY_CAP).catch(() => '');
    if (req.method === 'HEAD') await res.body.dump().catch(() => {});
    // The answer of a redirect's target (blob storage, a CDN), not of the registry: named as such,
    // or a refusal there reads as the registry refusing the user's credentials, never sent there.
    const other = res.url.origin !== this.base.origin ? res.url : undefined;
    // An upload Location may name another host itself; anything else got there by a redirect.
    const sent = /^https?:\/\//.test(req.path) && new URL(req.path).origin === res.url.origin;
    const { codes, messages, htmlPage } = other ? foreignErrorBody(text, other) : parseErrorBody(text);
    const kind = kindOverride ?? kindFor(res.status, codes);
    let hint: string | undefined;
    if (kind === 'rate-limited') {
      const after = retryAfterMs ?? parseRetryAfter(res.headers['retry-after']);
      const remaining = res.headers['ratelimit-remaining'];
      hint = `rate limited by ${this.registry}${after !== undefined ? `; it asks to retry after ${Math.ceil(after / 1000)} s (at ${new Date(Date.now() + after).toISOString()})` : ''}${remaining ? `; ratelimit-remaining: ${remaining}` : ''}. Lower concurrency, authenticate, or run later.`;
    }
    return new RegistryError({
      kind,
      registry: this.registry,
      repository: req.repository,
      operation: req.operation,
      method: req.method,
      url: `${res.url.origin}${res.url.pathname}`,
      status: res.status,
      codes,
      detail: redact(
        `${other ? `${other.origin}, ${sent ? 'the upload location the registry gave' : 'where the registry redirected the request'}, answered: ` : ''}${messages.join('; ') || `unexpected HTTP ${res.status} (expected ${req.expect.join(' or ')})`}`,
      ),
      htmlPage,
      ...(hint ? { hint } : {}),
      // The origin alone: the target's query (a signed URL's signature) is never shown.
      ...(other ? { otherOrigin: other.origin } : {}),
      temporary: RETRY_STATUS.has(res.status),
      tries,
    });
  }
}

/**
 * One request's overall deadline: armed when the first byte is sent, cleared when the response
 * body closes (read to the end, dumped or destroyed) or the request fails. On expiry the request
 * is aborted with the error `expired` makes, which a pending `agent.request` rejects with and a
 * body being read throws. The timer is unref'd: a forgotten body never keeps the process alive.
 */
class Deadline {
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #armed: { count: number };
  readonly #expired: (url: URL) => Error;
  #timer?: ReturnType<typeof setTimeout>;
  #finished = false;
  #unfollow: (() => void) | undefined;

  constructor(ms: number, armed: { count: number }, expired: (url: URL) => Error) {
    this.#ms = ms;
    this.#armed = armed;
    this.#expired = expired;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Arms the timer once; `url` is the first URL requested, named in the error. */
  start(url: URL): void {
    if (this.#timer !== undefined || this.#finished) return;
    this.#armed.count++;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#finished = true;
      this.#armed.count--;
      this.#controller.abort(this.#expired(url));
    }, this.#ms);
    this.#timer.unref();
  }

  /** Aborts the request, with `error`, when `signal` aborts first (a cancelled run). */
  follow(signal: AbortSignal, error: () => Error): void {
    if (signal.aborted) {
      this.#finished = true;
      this.#controller.abort(error());
      return;
    }
    const onAbort = () => {
      if (this.#finished) return;
      this.clear();
      this.#controller.abort(error());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#unfollow = () => signal.removeEventListener('abort', onAbort);
  }

  /** Runs until `body` ends, fails or closes. */
  until(body: Dispatcher.ResponseData['body']): void {
    if (body.destroyed || body.closed || body.readableEnded) {
      this.clear();
      return;
    }
    // 'end' as well as 'close': the reader resumes on 'end', before the stream emits 'close'.
    const clear = () => this.clear();
    body.once('end', clear).once('error', clear).once('close', clear);
  }

  clear(): void {
    this.#finished = true;
    this.#unfollow?.();
    this.#unfollow = undefined;
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armed.count--;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function scopeKey(scopes: string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}

async function openBody(body: SendRequest['body']): Promise<Uint8Array | Readable | undefined> {
  if (body === undefined || body instanceof Uint8Array) return body;
  return await body();
}

/**
 * An error body from another host than the registry (a blob redirect's storage or CDN), for a
 * message: S3, GCS and Azure answer XML, reduced to its Code and Message (what follows them may
 * echo the request, its signature included); anything else as `parseErrorBody` reads it. The
 * values of the target's query (a signed URL's signature and key) are cut out of whatever is kept.
 */
function foreignErrorBody(text: string, target: URL): ReturnType<typeof parseErrorBody> {
  const xml = (tag: string) => new RegExp(`<${tag}>([^<]{1,200})</${tag}>`).exec(text.slice(0, 4096))?.[1]?.trim();
  const code = xml('Code');
  const parsed = code
    ? { codes: [], messages: [[code, xml('Message')].filter(Boolean).join(': ')] }
    : parseErrorBody(text);
  // Each value as the URL carries it (percent-encoded) and decoded: a body may echo either.
  const raw = target.search
    .slice(1)
    .split('&')
    .map((p) => p.slice(p.indexOf('=') + 1));
  const secrets = [...new Set([...target.searchParams.values(), ...raw])]
    .filter((v) => v.length >= 8)
    .sort((a, b) => b.length - a.length);
  const scrub = (m: string) => secrets.reduce((out, v) => out.split(v).join('…'), m);
  return { ...parsed, messages: parsed.messages.map(scrub) };
}

/** `{ otherOrigin }` when the failed connection was to a host other than the registry's own. */
function otherOriginOf(e: unknown): { otherOrigin?: string } {
  for (const cur of causes(e, 5)) {
    const other = typeof cur === 'object' && cur !== null ? notOwnOrigin.get(cur) : undefined;
    if (other) return { otherOrigin: other };
  }
  return {};
}

/**
 * `; the certificate is for DNS:a.example, IP Address:10.0.0.1`: Node's name-mismatch text lists
 * only the names of the kind asked for (none, for an IP), so the fix was not on the screen.
 */
function certNamesOf(e: unknown): string {
  for (const cur of causes(e, 5)) {
    if ((cur as { code?: unknown }).code !== 'ERR_TLS_CERT_ALTNAME_INVALID') continue;
    const names = (cur as { cert?: { subjectaltname?: unknown } }).cert?.subjectaltname;
    if (typeof names === 'string' && names) return `; the certificate is for ${names.slice(0, 300)}`;
  }
  return '';
}

function findCode(e: unknown): string | undefined {
  for (const cur of causes(e, 5)) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return (e as { code?: string })?.code;
}

/** Reads at most `cap` bytes of a body as UTF-8; throws when it is longer (memory-exhaustion guard). */
export async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void },
  cap: number,
): Promise<string> {
  return Buffer.from(await readCappedBytes(body, cap)).toString('utf8');
}

/** A body's first `cap` bytes, and whether there was more (then the rest is not read: the connection is closed). */
async function readUpTo(
  body: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void },
  cap: number,
): Promise<{ bytes: Buffer; cut: boolean }> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    if (n + chunk.length > cap) {
      parts.push(Buffer.from(chunk.subarray(0, cap - n)));
      body.destroy?.();
      return { bytes: Buffer.concat(parts), cut: true };
    }
    parts.push(Buffer.from(chunk));
    n += chunk.length;
  }
  return { bytes: Buffer.concat(parts), cut: false };
}

/**
 * The first `cap` bytes of a body as UTF-8; the rest is not read (the connection is closed). An
 * error page is judged by its beginning: a proxy's 100 KiB sign-in page still says what it is.
 */
export async function readPrefix(
  body: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void },
  cap: number,
): Promise<string> {
  return (await readUpTo(body, cap)).bytes.toString('utf8');
}

export async function readCappedBytes(
  body: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void },
  cap: number,
): Promise<Buffer> {
  const { bytes, cut } = await readUpTo(body, cap);
  if (cut) throw Object.assign(new Error(`response body exceeds ${cap} bytes`), { code: 'FERRY_BODY_TOO_LARGE' });
  return bytes;
}

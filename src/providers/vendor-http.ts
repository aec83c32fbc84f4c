/**
 * Requests to a registry vendor's own REST API (Docker Hub, Harbor, GitHub Packages), sent through
 * the same Transport as the registry API: retries of 5xx and network failures, redirects (with the
 * internal-address check, and without credentials on another origin), TLS options, body caps and
 * counted requests. Header values, `Link`, Basic credentials, reset times and error bodies are read
 * by src/registry/wire.ts, as for registry requests. Pagination links must stay on the API's origin.
 * Every paged listing of every vendor API goes through `VendorApi.pages`.
 */
import type { Dispatcher } from 'undici';
import type { RegistryType } from '../config/types.js';
import { laterPageMissing, LISTING_MAX_ENTRIES, LISTING_MAX_PAGES, type ListingLimits } from '../registry/client.js';
import { kindFor, RegistryError } from '../registry/errors.js';
import { ERROR_BODY_CAP, type Method, readCapped, readPrefix, Transport } from '../registry/http.js';
import { firstHeader, nextLinkUrl, parseErrorBody, rateLimitReset, shownUrl } from '../registry/wire.js';
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
  /** For tests: smaller bounds on one paged listing than the registry client's (LISTING_MAX_*). */
  listingLimits?: Partial<VendorListingLimits>;
}

/**
 * Bounds on one paged listing: the registry client's (src/registry/client.ts) for pages and
 * entries. No byte bound: each page is capped at API_BODY_CAP, and vendor items (a Harbor
 * artifact, a GitHub package version) are kilobytes each, so the registry's 64 MiB would cut
 * real listings of tens of thousands of entries.
 */
export type VendorListingLimits = Pick<ListingLimits, 'entries' | 'pages'>;

/** How a vendor API says where the next page of a listing is. */
export type NextPage =
  /** RFC 8288 `Link: <url>; rel="next"` (GitHub). */
  | { style: 'link' }
  /**
   * `Link` rel="next", else the `param` query parameter plus one while fewer entries were read
   * than the `total` header counts (Harbor: `page`/`page_size` with X-Total-Count). Without either
   * header, the next page while a page is full (`size` is the page-size parameter).
   */
  | { style: 'link-or-count'; param: string; total: string; size: string }
  /** An absolute URL in the page's `field`, null or absent on the last page (Docker Hub's `next`). */
  | { style: 'body'; field: string };

export interface PagedRequest {
  /** The first page: a path below the API base, with its query (page size, filters). */
  path: string;
  query?: Record<string, string>;
  operation: string;
  repository?: string;
  /** The property of each page's JSON object that holds its items; absent: the page is a JSON array. */
  items?: string;
  next: NextPage;
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
  readonly #limits: VendorListingLimits;

  constructor(o: VendorApiOptions) {
    this.name = o.name;
    this.provider = o.provider;
    this.#o = o;
    this.#limits = { entries: LISTING_MAX_ENTRIES, pages: LISTING_MAX_PAGES, ...o.listingLimits };
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
    const url = this.#resolve(req);
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
      if (!expect.includes(r.status)) {
        // An error is judged by its body's beginning: one over the cap still fails with its status.
        const text = req.method === 'HEAD' ? '' : await readPrefix(r.body, ERROR_BODY_CAP).catch(() => '');
        throw this.#error(req, r.status, r.url, r.headers, text);
      }
      const text = req.method === 'HEAD' ? '' : await readCapped(r.body, API_BODY_CAP);
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

  /**
   * Every item of a paged listing, or an error: deletions are decided from these lists, so a list
   * that is not whole must never look complete. It fails on a page whose items are not an array,
   * the sole page included: unlike distribution's `"tags": null`, no vendor answers an empty list
   * with null (Harbor's swagger and GitHub's description give the answer as an array; Docker Hub
   * answers an empty namespace `"results": []`, docker/hub-feedback#2357). It fails past the page
   * or entry bound, on a next page already read (a loop), and on a next page off the API's origin.
   */
  async pages<T = unknown>(req: PagedRequest): Promise<T[]> {
    const limits = this.#limits;
    const out: T[] = [];
    let pages = 0;
    const fail = (kind: 'too-large' | 'invalid', detail: string, hint: string, cause?: unknown) =>
      new RegistryError({
        kind,
        registry: this.name,
        ...(req.repository ? { repository: req.repository } : {}),
        operation: req.operation,
        detail: `${detail} (after ${pages} page(s), ${out.length} entries)`,
        hint,
        ...(cause ? { cause } : {}),
      });
    const bound = (what: string) =>
      fail(
        'too-large',
        `the listing is longer than ${what}`,
        `ferry reads at most ${limits.entries} entries and ${limits.pages} pages per listing, so that an API whose pagination never ends cannot exhaust memory or time`,
      );
    const unreadable = (detail: string) =>
      fail(
        'invalid',
        detail,
        `ferry decides nothing on a listing it could not read whole. Retry; if it persists, report the ${this.name} API's answer to its operator`,
      );
    // What named the next page, for messages.
    const via = req.next.style === 'body' ? `"${req.next.field}" URL` : 'Link rel="next"';
    // Every URL asked for and every URL answered from (after redirects): a next page among them is a loop.
    const requested = new Set<string>();
    let next: URL | undefined = this.#resolve(req);
    while (next !== undefined) {
      if (pages >= limits.pages) throw bound(`${limits.pages} pages`);
      requested.add(next.toString());
      const r = await this.request({
        method: 'GET',
        path: next.toString(),
        operation: req.operation,
        ...(req.repository ? { repository: req.repository } : {}),
      }).catch((e: unknown) => {
        // Only the first page may say the listing is not there (callers read that 404 as "no such
        // repository"): a later one would make a listing read in part look empty.
        if (pages > 0 && e instanceof RegistryError && e.status === 404) {
          const { detail, hint } = laterPageMissing(pages + 1, e.codes, this.name, req.repository);
          throw fail('invalid', detail, hint, e);
        }
        throw e;
      });
      pages++;
      requested.add(r.url.toString());
      const doc = r.body as Record<string, unknown> | undefined;
      const items = req.items === undefined ? doc : doc?.[req.items];
      if (!Array.isArray(items))
        throw unreadable(
          `page ${pages} of the listing ${req.items === undefined ? 'is not a JSON array' : `has no "${req.items}" array`}`,
        );
      if (out.length + items.length > limits.entries) throw bound(`${limits.entries} entries`);
      out.push(...(items as T[]));
      const after = this.#nextPage(req.next, r, pages, out.length, items.length, unreadable);
      if (after !== undefined && after.origin !== this.base.origin)
        throw unreadable(`the ${via} of page ${pages} leaves the API for ${after.origin}`);
      if (after !== undefined && requested.has(after.toString()))
        throw fail(
          'invalid',
          `the pagination repeats page ${shownUrl(after)}: the ${via} of page ${pages} points back to a page already read`,
          `the ${this.name} API's pagination loops; ferry stops instead of following it forever`,
        );
      next = after;
    }
    return out;
  }

  /** The page after `r` in `style`, or undefined after the last one. */
  #nextPage(
    next: NextPage,
    r: ApiResponse,
    page: number,
    read: number,
    onPage: number,
    unreadable: (detail: string) => RegistryError,
  ): URL | undefined {
    if (next.style === 'body') {
      const v = (r.body as Record<string, unknown>)[next.field];
      if (v === null || v === undefined) return undefined;
      if (typeof v === 'string' && v)
        try {
          return new URL(v, r.url);
        } catch {
          // Falls through to the error below.
        }
      throw unreadable(`page ${page} of the listing has a "${next.field}" that is not a URL`);
    }
    let link: URL | undefined;
    try {
      link = nextLinkUrl(r.headers.link, r.url);
    } catch (e) {
      throw unreadable(`page ${page} of the listing: ${(e as Error).message}`);
    }
    if (link || next.style === 'link') return link;
    const total = Number(firstHeader(r.headers[next.total]));
    if (!Number.isFinite(total)) {
      // Neither a Link nor a count (a proxy that drops headers): read as the last page, a full one
      // would hide every later page, whose tags would look absent. A page shorter than the size
      // asked for is the last.
      const size = Number(r.url.searchParams.get(next.size) ?? Number.NaN);
      if (onPage === 0 || (size > 0 && onPage < size)) return undefined;
      const u = new URL(r.url);
      u.searchParams.set(next.param, String(page + 1));
      return u;
    }
    if (read >= total) return undefined;
    // Fewer read than counted, yet nothing more on offer: the rest would be lost without a word.
    if (onPage === 0)
      throw unreadable(
        `page ${page} of the listing is empty, yet ${next.total} counts ${total} entries and ${read} were read`,
      );
    const u = new URL(r.url);
    u.searchParams.set(next.param, String(page + 1));
    return u;
  }

  /**
   * `path` relative to the API base, or an absolute URL that must stay on the API's origin: the
   * guard for every request (credentials go to this origin). `pages` checks its next links before
   * they get here, so that its error names the page.
   */
  #resolve(req: Pick<ApiRequest, 'path' | 'query' | 'operation' | 'repository'>): URL {
    const url = new URL(req.path, this.base);
    if (url.origin !== this.base.origin)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.name,
        ...(req.repository ? { repository: req.repository } : {}),
        operation: req.operation,
        detail: `${url.origin} is not the API's origin (${this.base.origin})`,
      });
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  #error(req: ApiRequest, status: number, url: URL, headers: Headers, text: string): RegistryError {
    const { codes, messages, htmlPage } = parseErrorBody(text);
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
      htmlPage,
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

/**
 * One implementation of each piece of HTTP wire handling that registry and vendor-API requests
 * share: header values, `Link` pagination, Basic credentials, rate-limit reset times, error bodies,
 * and whether a server may send ferry to a URL (a redirect). Everything here is pure.
 */
import { addressClass } from './address.js';
import { parseRetryAfter } from './retry.js';
import { registerSecret } from '../util/secrets.js';

export { parseErrorBody } from './errors.js';
export { parseRetryAfter } from './retry.js';

type Headers = Record<string, string | string[] | undefined>;

/** The first value of a header as undici reports it (a string, or an array when repeated). */
export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The `rel="next"` target of a `Link` header (RFC 8288), resolved against `from`: several links
 * in one header or in repeated headers, extra parameters, and `rel` lists (`rel="last next"`).
 * Throws when the target is not a URL: read as "no next page", every later page would look empty,
 * and their tags absent (to be deleted at a mirror).
 */
export function nextLinkUrl(link: string | string[] | undefined, from: URL): URL | undefined {
  const v = Array.isArray(link) ? link.join(', ') : link;
  if (!v) return undefined;
  for (const part of v.split(/,(?=\s*<)/)) {
    const m = /^<([^>]*)>\s*;(.*)$/s.exec(part.trim());
    if (!m?.[1]) continue;
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(m[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes('next')) continue;
    try {
      return new URL(m[1], from);
    } catch {
      throw new Error(`its Link rel="next" target ${JSON.stringify(m[1].slice(0, 120))} is not a URL`);
    }
  }
  return undefined;
}

/** `Basic base64(username:password)`, the value of an Authorization header. */
export function basicAuthorization(username: string, password: string): string {
  // The blob is as secret as the password, and derived here for every caller (an archive download too).
  const blob = Buffer.from(`${username}:${password}`).toString('base64');
  registerSecret(blob);
  return `Basic ${blob}`;
}

/**
 * When a rate limit ends: `Retry-After` (delta-seconds or an HTTP-date, parsed strictly), else
 * `x-ratelimit-reset`/`ratelimit-reset` (epoch seconds as GitHub and Docker Hub send, or seconds
 * from now as the IETF draft has it).
 */
export function rateLimitReset(headers: Headers, now = Date.now()): Date | undefined {
  const after = parseRetryAfter(headers['retry-after'], now);
  if (after !== undefined) return new Date(now + after);
  const reset = firstHeader(headers['x-ratelimit-reset']) ?? firstHeader(headers['ratelimit-reset']);
  if (reset && /^\d+$/.test(reset)) {
    const n = Number(reset);
    return new Date(n > 1e9 ? n * 1000 : now + n * 1000);
  }
  return undefined;
}

/**
 * Why `target` may not be contacted on a server's say-so (a redirect or a token realm), or
 * undefined. Loopback, private, link-local, unspecified and reserved IP literals (IPv4-mapped IPv6
 * included) are refused unless they are `base`'s own host, or `base` itself is on a loopback (for
 * loopback targets) or private network (RELIABILITY B2, B3). DNS names are not resolved here.
 */
export function internalTarget(target: URL, base: URL): string | undefined {
  const t = addressClass(target.hostname);
  if (t === 'public' || t === 'name') return undefined;
  if (target.hostname === base.hostname) return undefined;
  const b = addressClass(base.hostname);
  if (t === 'loopback' && b === 'loopback') return undefined;
  if (t === 'private' && (b === 'private' || b === 'loopback')) return undefined;
  return `the ${t} address ${target.hostname}`;
}

/**
 * Resolves a redirect `location` sent by `from` for a client of `base`, or says why it is refused:
 * not http(s), https downgraded to http, credentials in the URL, or an internal address.
 */
export function redirectTarget(
  from: URL,
  location: string,
  base: URL,
): { url: URL; refused?: undefined } | { url?: undefined; refused: string } {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return { refused: `invalid redirect Location ${JSON.stringify(shownUrl(location))}` };
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') return { refused: `redirect to a ${next.protocol} URL` };
  if (from.protocol === 'https:' && next.protocol === 'http:')
    return { refused: `redirect from https to http (${next.host}) refused` };
  if (next.username || next.password) return { refused: 'redirect Location carries credentials' };
  const internal = internalTarget(next, base);
  if (internal) return { refused: `redirect to ${internal} refused` };
  return { url: next };
}

/** Request headers that carry credentials: never sent to an origin other than the one they are for. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** `headers` without the credential headers (any letter case). */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.has(k.toLowerCase())));
}

/** Query parameters of pagination, whose values say which page was asked for and hold no secret. */
const PAGE_PARAMS = new Set(['n', 'last', 'page', 'page_size', 'per_page', 'before', 'after']);

/**
 * A URL a server sent, fit for a message: a query value is shown only for pagination parameters
 * (a signed storage URL's `X-Amz-Signature`, a realm's `client_secret` is `…`), and a fragment
 * never. A string that is no URL is cut at its query. With `base`, a path on its origin is shown
 * without the origin. At most 200 characters.
 */
export function shownUrl(url: string | URL, base?: URL): string {
  let shown: string;
  try {
    const u = new URL(url, base);
    const query = [...u.searchParams].map(([k, v]) => `${k}=${PAGE_PARAMS.has(k) ? v : '…'}`).join('&');
    shown = `${u.origin === base?.origin ? '' : u.origin}${u.pathname}${query ? `?${query}` : ''}`;
  } catch {
    // No credentials either: `user:password@` before the host.
    const s = String(url).replace(/\/\/[^/?#]*@/, '//…@');
    const cut = s.search(/[?#]/);
    shown = cut < 0 ? s : `${s.slice(0, cut)}?…`;
  }
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

/** Retry policy: which failures are transient and how long to wait. */
import { causes } from '../util/causes.js';

export interface RetryOptions {
  /** Total attempts including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Longest ferry waits on Retry-After for one request, all its retries together; an ask beyond it
   * fails at once with a rate-limit error.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
};

/** Statuses worth retrying (as go-containerregistry and regclient do). Never 4xx other than 408/429. */
export const RETRY_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_REQ_RETRY',
]);

/** True for network-level failures that a new attempt may not hit. */
export function isTransientNetworkError(e: unknown): boolean {
  for (const cur of causes(e, 5)) {
    const code = (cur as { code?: string }).code;
    if (code && TRANSIENT_CODES.has(code)) return true;
    if (cur instanceof Error && /other side closed|socket hang up|terminated/i.test(cur.message)) return true;
  }
  return false;
}

/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime (`Sun Nov  6 08:49:37 1994`). */
const HTTP_DATE_RE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/** Parses Retry-After as delta-seconds or an HTTP-date; returns milliseconds from `now`, or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  // Only the three HTTP-date forms (RFC 9110 §5.6.7): Date.parse alone takes "1.5", "-1" or
  // "abc 1" as dates in the past, which made garbage mean "retry at once".
  if (!HTTP_DATE_RE.test(t)) return undefined;
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with equal jitter: random in [cap/2, cap], cap = min(max, base·2^attempt). */
export function backoffDelay(attempt: number, o: RetryOptions, random = Math.random): number {
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

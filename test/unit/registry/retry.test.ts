import { describe, expect, test } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isTransientNetworkError,
  parseRetryAfter,
  RETRY_STATUS,
  type RetryOptions,
} from '../../../src/registry/retry.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const httpDate = (ms: number) => new Date(ms).toUTCString();

describe('parseRetryAfter', () => {
  test.each([
    ['0', 0],
    ['2', 2_000],
    [' 3 ', 3_000],
    ['3600', 3_600_000],
  ])('delta-seconds %j → %d ms', (v, ms) => {
    expect(parseRetryAfter(v, NOW)).toBe(ms);
  });

  test.each([
    ['IMF-fixdate 5 s ahead', httpDate(NOW + 5_000), 5_000],
    ['IMF-fixdate 1 h ahead', httpDate(NOW + 3_600_000), 3_600_000],
    ['RFC 850 date 7 s ahead', 'Saturday, 01-Mar-25 12:00:07 GMT', 7_000],
    ['a date in the past', httpDate(NOW - 60_000), 0],
  ])('HTTP-date: %s', (_name, v, ms) => {
    expect(parseRetryAfter(v, NOW)).toBe(ms);
  });

  test('the first of several header values is used', () => {
    expect(parseRetryAfter(['4', '100'], NOW)).toBe(4_000);
  });

  test.each([
    [undefined],
    [''],
    ['soon'],
    ['5s'],
    ['1e3'],
    ['0x10'],
    ['Infinity'],
    ['1.5'],
    ['-1'],
    ['abc 1'],
    ['2 seconds'],
  ])('garbage %j → undefined (the caller backs off instead of retrying at once)', (v) => {
    expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const o: RetryOptions = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 5_000 };
  const randoms = [0, 0.25, 0.5, 0.999999, 1];

  test.each(randoms)('stays within [0, maxDelayMs] for every attempt (random=%d)', (r) => {
    for (let attempt = 0; attempt < 2_000; attempt += attempt < 40 ? 1 : 97) {
      const d = backoffDelay(attempt, o, () => r);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(o.maxDelayMs);
    }
  });

  test('grows with the attempt number until it reaches the cap', () => {
    const delays = Array.from({ length: 12 }, (_, a) => backoffDelay(a, o, () => 1));
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(delays[0]).toBeLessThanOrEqual(o.baseDelayMs);
    expect(delays.at(-1)).toBe(o.maxDelayMs);
  });

  test('is jittered: different random draws give different delays', () => {
    expect(backoffDelay(3, o, () => 0)).not.toBe(backoffDelay(3, o, () => 1));
  });
});

describe('isTransientNetworkError', () => {
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
  test.each<[string, unknown]>([
    ['ECONNRESET', coded('ECONNRESET')],
    ['EPIPE', coded('EPIPE')],
    ['ETIMEDOUT', coded('ETIMEDOUT')],
    ['undici socket error', coded('UND_ERR_SOCKET')],
    ['undici body timeout', coded('UND_ERR_BODY_TIMEOUT')],
    ['ECONNRESET nested as a cause', new Error('fetch failed', { cause: coded('ECONNRESET') })],
    ['a code two causes deep', new Error('a', { cause: new Error('b', { cause: coded('EPIPE') }) })],
    ["'other side closed'", new Error('other side closed')],
    ["'socket hang up' as a cause", new Error('request failed', { cause: new Error('socket hang up') })],
    ['a plain object with a transient code', { code: 'ECONNRESET' }],
  ])('%s is transient', (_name, e) => {
    expect(isTransientNetworkError(e)).toBe(true);
  });

  test.each<[string, unknown]>([
    ['a plain Error', new Error('boom')],
    ['a TLS certificate error', coded('CERT_HAS_EXPIRED', 'certificate has expired')],
    ['a self-signed certificate', coded('DEPTH_ZERO_SELF_SIGNED_CERT')],
    ['DNS name not found', coded('ENOTFOUND', 'getaddrinfo ENOTFOUND x')],
    ['a body-size guard', coded('FERRY_BODY_TOO_LARGE', 'response body exceeds 10 bytes')],
    ['undefined', undefined],
    ['null', null],
    ['a string naming a code', 'ECONNRESET'],
  ])('%s is not transient', (_name, e) => {
    expect(isTransientNetworkError(e)).toBe(false);
  });

  test('a cause cycle terminates', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransientNetworkError(a)).toBe(false);
  });
});

describe('RETRY_STATUS', () => {
  test.each([408, 429, 500, 502, 503, 504])('%d is retried', (s) => {
    expect(RETRY_STATUS.has(s)).toBe(true);
  });
  test.each([400, 401, 403, 404, 405, 409, 412, 413, 416, 501])('%d is never retried', (s) => {
    expect(RETRY_STATUS.has(s)).toBe(false);
  });
});

import { describe, expect, test } from 'vitest';
import {
  basicAuthorization,
  firstHeader,
  internalTarget,
  nextLinkUrl,
  parseErrorBody,
  rateLimitReset,
  redirectTarget,
  shownUrl,
  withoutCredentials,
} from '../../../src/registry/wire.js';
import { redact } from '../../../src/util/secrets.js';

const FROM = new URL('https://reg.example/v2/a/tags/list?n=2');
const NOW = Date.parse('2025-03-01T12:00:00Z');

describe('nextLinkUrl', () => {
  test.each([
    [
      'a relative next link',
      '</v2/a/tags/list?last=2&n=2>; rel="next"',
      'https://reg.example/v2/a/tags/list?last=2&n=2',
    ],
    ['an unquoted rel', '</p2>; rel=next', 'https://reg.example/p2'],
    ['a parameter before rel', '</p2>; title="x"; rel="next"', 'https://reg.example/p2'],
    ['a rel list', '</p2>; rel="last next"', 'https://reg.example/p2'],
    ['prev before next in one header', '</p0>; rel="prev", </p2>; rel="next"', 'https://reg.example/p2'],
    ['an absolute link', '<https://api.example/x?page=2>; rel="next"', 'https://api.example/x?page=2'],
  ])('%s', (_name, link, want) => {
    expect(nextLinkUrl(link, FROM)?.toString()).toBe(want);
  });

  test('repeated Link headers are read as one list', () => {
    expect(nextLinkUrl(['</p0>; rel="prev"', '</p2>; rel="next"'], FROM)?.pathname).toBe('/p2');
  });

  test.each([
    ['no header', undefined],
    ['only prev and last', '</p0>; rel="prev", </p9>; rel="last"'],
    ['a rel that merely contains next', '</p2>; rel="nextpage"'],
    ['a next word outside rel', '</p2>; title="next"'],
  ])('%s has no next link', (_name, link) => {
    expect(nextLinkUrl(link, FROM)).toBeUndefined();
  });
});

describe('rateLimitReset', () => {
  test('Retry-After in seconds and as an HTTP-date', () => {
    expect(rateLimitReset({ 'retry-after': '120' }, NOW)?.getTime()).toBe(NOW + 120_000);
    expect(rateLimitReset({ 'retry-after': 'Sat, 01 Mar 2025 12:05:00 GMT' }, NOW)?.toISOString()).toBe(
      '2025-03-01T12:05:00.000Z',
    );
  });

  test('x-ratelimit-reset as epoch seconds (GitHub, Docker Hub) or seconds from now', () => {
    expect(rateLimitReset({ 'x-ratelimit-reset': String(NOW / 1000 + 60) }, NOW)?.getTime()).toBe(NOW + 60_000);
    expect(rateLimitReset({ 'ratelimit-reset': '30' }, NOW)?.getTime()).toBe(NOW + 30_000);
  });

  test('a Retry-After that is no HTTP-date is ignored rather than read as a date in the past', () => {
    expect(rateLimitReset({ 'retry-after': '1.5' }, NOW)).toBeUndefined();
    expect(rateLimitReset({ 'retry-after': 'abc 1', 'x-ratelimit-reset': '30' }, NOW)?.getTime()).toBe(NOW + 30_000);
  });
});

describe('redirectTarget', () => {
  const base = new URL('https://reg.example');
  test.each([
    ['file:///etc/passwd', 'redirect to a file: URL'],
    ['http://cdn.example/b', 'redirect from https to http (cdn.example) refused'],
    ['https://u:p@cdn.example/b', 'redirect Location carries credentials'],
    ['https://169.254.169.254/latest', 'redirect to the link-local address 169.254.169.254 refused'],
    ['https://[::ffff:169.254.169.254]/latest', 'redirect to the link-local address [::ffff:a9fe:a9fe] refused'],
  ])('%s is refused', (location, why) => {
    expect(redirectTarget(FROM, location, base)).toEqual({ refused: why });
  });

  test('a relative or public target resolves', () => {
    expect(redirectTarget(FROM, '/v2/x', base).url?.toString()).toBe('https://reg.example/v2/x');
    expect(redirectTarget(FROM, 'https://cdn.example/b?sig=1', base).url?.toString()).toBe(
      'https://cdn.example/b?sig=1',
    );
  });

  test('loopback targets are allowed for a loopback registry only', () => {
    const target = new URL('http://127.0.0.2:9000/t');
    expect(internalTarget(target, new URL('http://127.0.0.1:5000'))).toBeUndefined();
    expect(internalTarget(target, base)).toBe('the loopback address 127.0.0.2');
  });
});

describe('small helpers', () => {
  test('basicAuthorization encodes user:password', () => {
    expect(basicAuthorization('robot', 'pa:ss')).toBe(`Basic ${Buffer.from('robot:pa:ss').toString('base64')}`);
  });

  test('the blob basicAuthorization derives is redacted wherever it is printed (an archive download too)', () => {
    const blob = basicAuthorization('archive-user', 'archive-pass').slice('Basic '.length);
    expect(redact(`GET failed with authorization Basic ${blob}`)).toBe('GET failed with authorization Basic ***');
  });

  test('firstHeader takes the first of repeated values', () => {
    expect(firstHeader(['a', 'b'])).toBe('a');
    expect(firstHeader('a')).toBe('a');
    expect(firstHeader(undefined)).toBeUndefined();
  });

  test('withoutCredentials drops Authorization, Cookie and Proxy-Authorization in any case', () => {
    expect(
      withoutCredentials({ Authorization: 'x', cookie: 'y', 'Proxy-Authorization': 'z', accept: 'application/json' }),
    ).toEqual({ accept: 'application/json' });
  });

  test('parseErrorBody reads distribution errors', () => {
    expect(parseErrorBody('{"errors":[{"code":"DENIED","message":"no"}]}')).toEqual({
      codes: ['DENIED'],
      messages: ['no'],
    });
  });
});

describe('shownUrl', () => {
  test('shows pagination values and hides every other query value', () => {
    expect(shownUrl('https://cdn.example/b?X-Amz-Signature=SECRET&page=2&n=100')).toBe(
      'https://cdn.example/b?X-Amz-Signature=…&page=2&n=100',
    );
  });
  test('a string that is no URL loses its query and its user:password', () => {
    expect(shownUrl('https://bob:s3cret@auth.example.com:99999/token?client_secret=x')).toBe(
      'https://…@auth.example.com:99999/token?…',
    );
  });
  test('shows a path on the base origin without the origin, and never a fragment', () => {
    const base = new URL('https://reg.example');
    expect(shownUrl('/v2/_catalog?n=5&last=b#frag', base)).toBe('/v2/_catalog?n=5&last=b');
    expect(shownUrl('https://other.example/x?token=t', base)).toBe('https://other.example/x?token=…');
  });
});

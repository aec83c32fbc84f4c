import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  algorithmOf,
  digestLike,
  InvalidDigestError,
  isDigest,
  parseDigest,
  sha256,
  shortDigest,
} from '../../../src/oci/digest.js';

const hex = (algo: 'sha256' | 'sha512', data: string) => createHash(algo).update(data).digest('hex');
const S256 = `sha256:${hex('sha256', 'a')}`;
const S512 = `sha512:${hex('sha512', 'a')}`;

describe('isDigest accepts only the allowlisted algorithms with exact-length lowercase hex', () => {
  test.each([
    ['sha256 with 64 lowercase hex', S256],
    ['sha512 with 128 lowercase hex', S512],
  ])('accepts %s', (_name, d) => {
    expect(isDigest(d)).toBe(true);
    expect(parseDigest(d)).toBe(d);
  });

  test.each([
    ['uppercase hex', S256.toUpperCase().replace('SHA256', 'sha256')],
    ['uppercase algorithm', S256.replace('sha256', 'SHA256')],
    ['63 hex characters', S256.slice(0, -1)],
    ['65 hex characters', `${S256}0`],
    ['sha512 algorithm with a sha256-length hex', `sha512:${hex('sha256', 'a')}`],
    ['sha256 algorithm with a sha512-length hex', `sha256:${hex('sha512', 'a')}`],
    ['unknown algorithm md5', `md5:${createHash('md5').update('a').digest('hex')}`],
    ['unknown algorithm sha384', `sha384:${hex('sha256', 'a')}`],
    ['path traversal', 'sha256:../../x'],
    ['non-hex characters', `sha256:${'g'.repeat(64)}`],
    ['trailing newline', `${S256}\n`],
    ['leading space', ` ${S256}`],
    ['URL-escaped separator', S256.replace(':', '%3A')],
    ['query characters', `${S256.slice(0, -1)}?`],
    ['no algorithm', hex('sha256', 'a')],
    ['empty string', ''],
  ])('rejects %s', (_name, d) => {
    expect(isDigest(d)).toBe(false);
    expect(() => parseDigest(d)).toThrow(InvalidDigestError);
  });

  test.each([[undefined], [null], [42], [{}], [[S256]]])('rejects the non-string %j', (v) => {
    expect(isDigest(v)).toBe(false);
    expect(() => parseDigest(v)).toThrow(InvalidDigestError);
  });
});

describe('parseDigest error', () => {
  test('names where the value came from, the value, and what is expected', () => {
    const err = (() => {
      try {
        parseDigest('sha256:ABC', 'layers[3].digest');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(err.message).toContain('layers[3].digest');
    expect(err.message).toContain('"sha256:ABC"');
    expect(err.message).toContain('sha256:<64 hex>');
    expect(err.message).toContain('sha512:<128 hex>');
  });

  test('truncates a huge value instead of echoing all of it', () => {
    const huge = `sha256:${'x'.repeat(10_000)}`;
    expect(() => parseDigest(huge)).toThrow(InvalidDigestError);
    try {
      parseDigest(huge);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(400);
    }
  });
});

describe('digest computation follows the algorithm of the expected digest', () => {
  test.each([
    ['sha256', S256],
    ['sha512', S512],
  ] as const)('digestLike(%s) hashes with that algorithm', (algo, like) => {
    const data = Buffer.from('some bytes');
    expect(algorithmOf(like as never)).toBe(algo);
    expect(digestLike(like as never, data)).toBe(`${algo}:${createHash(algo).update(data).digest('hex')}`);
  });

  test('sha256 of bytes and of a string agree and are valid digests', () => {
    const d = sha256('hello');
    expect(d).toBe(`sha256:${hex('sha256', 'hello')}`);
    expect(sha256(Buffer.from('hello'))).toBe(d);
    expect(isDigest(d)).toBe(true);
  });

  test('shortDigest keeps the algorithm and n hex characters', () => {
    expect(shortDigest(S256)).toBe(S256.slice(0, 'sha256:'.length + 12));
    expect(shortDigest(S256, 4)).toBe(S256.slice(0, 'sha256:'.length + 4));
    expect(shortDigest('not-a-digest')).toBe('not-a-digest');
  });
});

import { createHash, type Hash } from 'node:crypto';

/** A validated content digest, `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`. */
export type Digest = `${'sha256' | 'sha512'}:${string}`;

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export class InvalidDigestError extends Error {
  override name = 'InvalidDigestError';
}

/** True when `s` is a digest ferry accepts (CVE-2024-3727: never put an unchecked digest in a URL or path). */
export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST_RE.test(s);
}

/** Returns `s` as a Digest or throws naming where it came from. */
export function parseDigest(s: unknown, where = 'digest'): Digest {
  if (!isDigest(s)) {
    const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 100)) : typeof s;
    throw new InvalidDigestError(`${where}: invalid digest ${shown}, expected sha256:<64 hex> or sha512:<128 hex>`);
  }
  return s;
}

export function algorithmOf(d: Digest): 'sha256' | 'sha512' {
  return d.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function hasherFor(d: Digest): Hash {
  return createHash(algorithmOf(d));
}

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Digest of `data` with the same algorithm as `like`. */
export function digestLike(like: Digest, data: Uint8Array): Digest {
  return `${algorithmOf(like)}:${createHash(algorithmOf(like)).update(data).digest('hex')}` as Digest;
}

/** `sha256:0123456789ab` — for humans. */
export function shortDigest(d: string, n = 12): string {
  const i = d.indexOf(':');
  return i < 0 ? d : d.slice(0, i + 1 + n);
}

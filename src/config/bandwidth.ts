/**
 * Sizes and rates as people write them: bandwidth caps (`50MiB/s`, `10MB/s`, `500KiB/s`, `100Mbps`,
 * `-1` for unlimited) and byte sizes (`16GiB`, `500MB`, or a number of bytes).
 */

const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

const SIZE = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMGT]?B|[KMGT]iB)$/;

/** Bytes for `12 MiB`-style text, or undefined; rounds to whole bytes. */
function bytesOf(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * (BYTE_UNITS[m[2]!] ?? Number.NaN);
  return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
}

const BIT_UNITS: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

/**
 * Bytes per second for a bandwidth setting; `Infinity` for unlimited (`-1`, `"-1"`, `"unlimited"`);
 * undefined when the text is not a bandwidth (including bare positive numbers, which are ambiguous:
 * Harbor counted Kbps).
 */
export function parseBandwidth(s: string | number): number | undefined {
  if (typeof s === 'number') return s === -1 ? Number.POSITIVE_INFINITY : undefined;
  const text = s.trim();
  if (text === '-1' || text.toLowerCase() === 'unlimited') return Number.POSITIVE_INFINITY;
  const bytes = bytesOf(text.replace(/\/s$/, ''));
  if (bytes !== undefined) return bytes;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMG])(?:bps|bit\/s)$/.exec(text);
  if (m) {
    const value = (Number(m[1]) * BIT_UNITS[m[2]!]!) / 8;
    return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
  }
  return undefined;
}

/** The default `max_blob_size`: larger than any real layer, small enough to stop a lying manifest. */
export const DEFAULT_MAX_BLOB_SIZE = 16 * 1024 ** 3;

/**
 * The largest `max_blob_size` accepted (the schema's maximum for a number of bytes): a blob above
 * it is no real layer or model file, and a bound above it bounds nothing.
 */
export const MAX_BLOB_SIZE_LIMIT = 1024 ** 4;

/** The highest `bandwidth` cap accepted, in bytes per second: far above any network link. */
export const MAX_BANDWIDTH = 1024 ** 4;

/**
 * Bytes for a size setting (`max_blob_size`): `16GiB`, `500MB`, `1.5 GiB`, or a whole number of
 * bytes; undefined when it is not a size above zero.
 */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s > 0 ? s : undefined;
  const text = s.trim();
  if (/^[0-9]+$/.test(text)) return parseSize(Number(text));
  return bytesOf(text);
}

/** Bandwidth caps as people write them: `50MiB/s`, `10MB/s`, `500KiB/s`, `100Mbps`, `-1` (unlimited). */

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
  let m = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMGT]?B|[KMGT]iB)(?:\/s)?$/.exec(text);
  if (m) {
    const unit = BYTE_UNITS[m[2]!];
    const value = Number(m[1]) * (unit ?? Number.NaN);
    return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
  }
  m = /^([0-9]+(?:\.[0-9]+)?)\s*([kKMG])(?:bps|bit\/s)$/.exec(text);
  if (m) {
    const value = (Number(m[1]) * BIT_UNITS[m[2]!]!) / 8;
    return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
  }
  return undefined;
}

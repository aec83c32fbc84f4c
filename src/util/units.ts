/** Sizes for people: `512 B`, `12.3 MiB`, `1.1 TiB`. */
const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit = '';
  for (const u of BYTE_UNITS) {
    value /= 1024;
    unit = u;
    if (value < 1024) break;
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/**
 * At most five names, then `…` when there are more (`total`: how many there are, when the list
 * holds only some): `a, b, c, d, e, …`. Messages name a few, not thousands.
 */
export function firstFive(names: readonly string[], total = names.length): string {
  return names.slice(0, 5).join(', ') + (total > 5 ? ', …' : '');
}

/** A count and its noun, for people: `1 tag`, `3 tags`, `2 deletions refused` (`many`: another plural). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

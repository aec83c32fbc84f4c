// Splitting (rule, destination repository) units over N jobs of a GitHub Actions matrix. A unit is
// a destination group, never one of its sources: the sources mapped onto one destination are
// diffed together, so two shards sharing a group would both copy into it and delete from it.
//
// A unit's shard is decided by its destination alone (a hash): each shard job lists the
// source on its own, moments apart, and a split that depended on the tag counts or on the other
// units moved units when a tag was pushed in between — one unit run by two shards, another by none,
// and the merged report green. The price is balance: by count, not by weight (2,000 units over 4
// shards: 470 to 519 each), and a fleet of a few huge repositories is not evened out.
import { createHash } from 'node:crypto';

export interface ShardUnit {
  rule: string;
  /** The destination repository: one unit per (rule, destination). */
  destination: string;
  /** Relative cost, e.g. the number of tags to look at (shown, not used to split). */
  weight: number;
}

export interface Shard<U extends ShardUnit = ShardUnit> {
  /** 1-based. */
  index: number;
  units: U[];
}

export interface ShardSpec {
  /** 1-based. */
  index: number;
  total: number;
  /**
   * Each rule's share of delete_remote.max for this shard, decided once by the matrix job
   * (matrixShares); a rule it does not name has none here. Absent: max split evenly.
   */
  shares?: ReadonlyMap<string, number>;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkTotal(total: number): void {
  if (!Number.isInteger(total) || total < 1) {
    throw new Error(`the number of shards must be a whole number of at least 1, got ${total}`);
  }
}

/**
 * The deletions shard `index` of `total` may make for a rule: max split evenly, the first
 * (max mod total) shards one more, so that the shares add up to max exactly. It depends on the
 * shard spec alone: each shard job lists the registries on its own, moments apart, and a share
 * computed from what a shard listed (max ÷ the shards holding the rule) let two shards that saw
 * different listings delete more than max together.
 */
export function deletionShare(max: number, shard: ShardSpec, rule?: string): number {
  // A Map: a rule named `constructor` must not read an object's inherited property as its share.
  if (shard.shares && rule !== undefined) return Math.min(max, shard.shares.get(rule) ?? 0);
  return Math.floor(max / shard.total) + (shard.index <= max % shard.total ? 1 : 0);
}

/**
 * Each shard's share of each deleting rule's delete_remote.max, decided once by the matrix job
 * from one listing: one to every shard holding units of the rule (when max allows), the rest in
 * proportion to the rule's units there (largest remainders, ties to the lower shard). The shares
 * add up to max whatever the shard jobs list later; a rule whose units all fall to one shard may
 * delete up to max there, not max ÷ N; and a shard with one unit among many is not left with none
 * (its repositories would refuse every deletion, run after run: a unit's shard never changes).
 * Returned per shard (index 1 first), only the rules with units there.
 */
export function matrixShares(
  shards: readonly Shard[],
  rules: readonly { name: string; deleteRemote: { enabled: boolean; max: number } }[],
): Record<string, number>[] {
  const out: Record<string, number>[] = shards.map(() => ({}));
  for (const rule of rules) {
    if (!rule.deleteRemote.enabled) continue;
    const held = shards.map((s) => s.units.filter((u) => u.rule === rule.name).length);
    const all = held.reduce((a, b) => a + b, 0);
    if (all === 0) continue;
    const holders = held.filter((n) => n > 0).length;
    const floor = rule.deleteRemote.max >= holders ? 1 : 0;
    const max = rule.deleteRemote.max - floor * holders;
    const exact = held.map((n) => (max * n) / all);
    const share = exact.map((x, i) => Math.floor(x) + (held[i]! > 0 ? floor : 0));
    let left = rule.deleteRemote.max - share.reduce((a, b) => a + b, 0);
    const byRemainder = exact
      .map((x, i) => ({ i, r: x - Math.floor(x) }))
      .filter(({ i }) => held[i]! > 0)
      .sort((a, b) => b.r - a.r || a.i - b.i);
    for (const { i } of byRemainder) {
      if (left <= 0) break;
      share[i]!++;
      left--;
    }
    share.forEach((n, i) => {
      if (held[i]! > 0) out[i]![rule.name] = n;
    });
  }
  return out;
}

/**
 * The shard (1-based, of `total`) that owns a unit: from its destination repository only, so the
 * units of every rule writing one destination repository share a shard. There the later rule
 * sees the earlier one's plan (a tag both write is the earlier one's: PlanContext.earlierWrites);
 * hashed with the rule, the two could fall to two shards and each decide alone.
 */
export function shardOf(unit: Pick<ShardUnit, 'rule' | 'destination'>, total: number): number {
  checkTotal(total);
  const h = createHash('sha256').update(unit.destination).digest();
  return (h.readUInt32BE(0) % total) + 1;
}

export function shardUnits<U extends ShardUnit>(units: U[], total: number): Shard<U>[] {
  checkTotal(total);
  const shards: Shard<U>[] = Array.from({ length: total }, (_, i) => ({ index: i + 1, units: [] }));
  for (const unit of units) shards[shardOf(unit, total) - 1]!.units.push(unit);
  for (const s of shards) s.units.sort((a, b) => cmp(a.rule, b.rule) || cmp(a.destination, b.destination));
  return shards;
}

/** Parse `i/N` (1-based), e.g. `2/5`. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`invalid shard "${text}": expected i/N with 1 <= i <= N, such as 2/5`);
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 1) throw new Error(`invalid shard "${text}": the number of shards N must be at least 1`);
  if (index < 1 || index > total) {
    throw new Error(`invalid shard "${text}": the shard index is 1-based and must be between 1 and ${total}`);
  }
  return { index, total };
}

/** A matrix entry's `deletions`: `{"shard":"2/4","max":{"mirror":25}}`, JSON. */
export function formatShares(shard: ShardSpec, shares: Readonly<Record<string, number>>): string {
  return JSON.stringify({ shard: `${shard.index}/${shard.total}`, max: shares });
}

/**
 * Parse a matrix entry's `deletions`, as the shard job passes it to the action's
 * `deletion-shares:` input, for `shard`: the value names its shard, so one entry's shares given to
 * every shard (which would let them delete N × max together) is refused, not obeyed.
 */
export function parseShares(text: string, shard: ShardSpec): Map<string, number> {
  const example = `{"shard":"${shard.index}/${shard.total}","max":{"mirror":25}}`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(
      `expected the matrix entry's deletions, JSON such as ${example}, got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const d = data as { shard?: unknown; max?: unknown };
  if (typeof data !== 'object' || data === null || typeof d.max !== 'object' || d.max === null || Array.isArray(d.max))
    throw new Error(`expected the matrix entry's deletions, JSON such as ${example}`);
  if (d.shard !== `${shard.index}/${shard.total}`)
    throw new Error(
      `these are the deletions of shard ${JSON.stringify(d.shard)}, not of shard ${shard.index}/${shard.total}: pass each matrix entry's own (deletion-shares: \${{ matrix.deletions }})`,
    );
  const shares = new Map<string, number>();
  for (const [rule, n] of Object.entries(d.max)) {
    if (!Number.isInteger(n) || (n as number) < 0)
      throw new Error(`the share of rule ${JSON.stringify(rule)} must be a whole number ≥ 0, got ${JSON.stringify(n)}`);
    shares.set(rule, n as number);
  }
  return shares;
}

// Splitting (rule, destination repository) units over N jobs of a GitHub Actions matrix,
// deterministically: every job computes the same split from the same units and keeps its own share.
// A unit is a destination group, never one of its sources: the sources mapped onto one destination
// are diffed together, so two shards sharing a group would both copy into it and delete from it.
//
// Units are sorted by weight (descending), then by rule and destination; each goes to the shard
// with the least total weight so far, ties to the shard with fewer units, then the lower index
// (the unit-count tie-break spreads zero-weight units instead of stacking them on shard 1).

export interface ShardUnit {
  rule: string;
  /** The destination repository: one unit per (rule, destination). */
  destination: string;
  /** Relative cost, e.g. the number of tags to look at. Finite and not negative. */
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
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkTotal(total: number): void {
  if (!Number.isInteger(total) || total < 1) {
    throw new Error(`the number of shards must be a whole number of at least 1, got ${total}`);
  }
}

export function shardUnits<U extends ShardUnit>(units: U[], total: number): Shard<U>[] {
  checkTotal(total);
  for (const u of units) {
    if (!Number.isFinite(u.weight) || u.weight < 0) {
      throw new Error(`unit ${u.rule}/${u.destination} has an invalid weight ${u.weight}`);
    }
  }
  const order = [...units].sort(
    (a, b) => b.weight - a.weight || cmp(a.rule, b.rule) || cmp(a.destination, b.destination),
  );
  const shards: (Shard<U> & { load: number })[] = Array.from({ length: total }, (_, i) => ({
    index: i + 1,
    units: [],
    load: 0,
  }));
  for (const unit of order) {
    let target = shards[0]!;
    for (const s of shards) {
      if (s.load < target.load || (s.load === target.load && s.units.length < target.units.length)) {
        target = s;
      }
    }
    target.units.push(unit);
    target.load += unit.weight;
  }
  return shards.map(({ index, units }) => ({ index, units }));
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

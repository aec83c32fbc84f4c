import { describe, expect, test } from 'vitest';
import { parseShard, type ShardUnit, shardUnits } from '../../../src/plan/index.js';

const u = (rule: string, destination: string, weight: number): ShardUnit => ({ rule, destination, weight });
const keys = (units: ShardUnit[]) => units.map((x) => `${x.rule}:${x.destination}`);

describe('shardUnits', () => {
  test('heaviest first, each to the lightest shard, ties to the lower index', () => {
    const shards = shardUnits([u('r', 'a', 1), u('r', 'b', 5), u('r', 'c', 3), u('r', 'd', 2), u('r', 'e', 2)], 2);
    // b5 → 1; c3 → 2; d2 → 2 (3<5); e2 → 1 (5 = 5, fewer units? 1 unit vs 2 → shard 1); a1 → 2 (5<7)
    expect(shards.map((s) => [s.index, keys(s.units)])).toEqual([
      [1, ['r:b', 'r:e']],
      [2, ['r:c', 'r:d', 'r:a']],
    ]);
  });

  test('equal weights are ordered by rule then destination', () => {
    const shards = shardUnits([u('r2', 'a', 1), u('r1', 'b', 1), u('r1', 'a', 1)], 3);
    expect(shards.map((s) => keys(s.units))).toEqual([['r1:a'], ['r1:b'], ['r2:a']]);
  });

  test('zero-weight units are spread, not stacked on shard 1', () => {
    const shards = shardUnits([u('r', 'a', 0), u('r', 'b', 0), u('r', 'c', 0), u('r', 'd', 0)], 2);
    expect(shards.map((s) => s.units.length)).toEqual([2, 2]);
  });

  test('the split does not depend on the input order', () => {
    const units = [u('r', 'a', 4), u('r', 'b', 4), u('s', 'a', 1), u('s', 'b', 7), u('t', 'x', 2)];
    expect(shardUnits([...units].reverse(), 3)).toEqual(shardUnits(units, 3));
  });

  test('more shards than units leaves some empty; every unit is placed exactly once', () => {
    const units = [u('r', 'a', 1), u('r', 'b', 2)];
    const shards = shardUnits(units, 4);
    expect(shards.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    expect(shards.flatMap((s) => keys(s.units)).sort()).toEqual(['r:a', 'r:b']);
  });

  test.each([0, -1, 1.5, Number.NaN])('total %s is refused', (total) => {
    expect(() => shardUnits([], total)).toThrow(/at least 1/);
  });

  test('a negative or non-finite weight is refused', () => {
    expect(() => shardUnits([u('r', 'a', -1)], 2)).toThrow(/r\/a.*invalid weight/);
    expect(() => shardUnits([u('r', 'a', Number.POSITIVE_INFINITY)], 2)).toThrow(/invalid weight/);
  });
});

describe('parseShard', () => {
  test.each<[string, { index: number; total: number }]>([
    ['2/5', { index: 2, total: 5 }],
    ['1/1', { index: 1, total: 1 }],
    [' 3 / 3 ', { index: 3, total: 3 }],
  ])('%j → %j', (text, expected) => {
    expect(parseShard(text)).toEqual(expected);
  });

  test.each<[string, RegExp]>([
    ['', /expected i\/N/],
    ['2', /expected i\/N/],
    ['a/b', /expected i\/N/],
    ['-1/3', /expected i\/N/],
    ['1.5/3', /expected i\/N/],
    ['0/3', /1-based.*between 1 and 3/],
    ['4/3', /1-based.*between 1 and 3/],
    ['1/0', /at least 1/],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseShard(text)).toThrow(message);
  });
});

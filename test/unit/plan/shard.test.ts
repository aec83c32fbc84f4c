import { describe, expect, test } from 'vitest';
import { parseShard, shardOf, type ShardUnit, shardUnits } from '../../../src/plan/index.js';

const u = (rule: string, destination: string, weight: number): ShardUnit => ({ rule, destination, weight });
const keys = (units: ShardUnit[]) => units.map((x) => `${x.rule}:${x.destination}`);

describe('shardUnits', () => {
  test('a unit stays in its shard whatever the weights and the other units: shards that list at different moments agree', () => {
    // Weights are tag counts, listed by each shard job on its own: a tag pushed between two jobs'
    // listings must not move a unit, or one unit is run by two shards and another by none.
    const before = [
      u('r', 's0', 10),
      u('r', 's1', 9),
      u('r', 's2', 8),
      u('r', 's3', 7),
      u('r', 's4', 6),
      u('r', 's5', 5),
    ];
    const after = [u('r', 's0', 11), ...before.slice(1), u('r', 'new', 40)];
    const owner = (units: ShardUnit[]) =>
      new Map(shardUnits(units, 2).flatMap((s) => s.units.map((x) => [`${x.rule}:${x.destination}`, s.index])));
    const then = owner(before);
    const now = owner(after);
    for (const [key, shard] of then) expect(now.get(key), key).toBe(shard);
    for (const x of before) expect(shardOf(x, 2)).toBe(then.get(`${x.rule}:${x.destination}`));
  });

  test('the units of two rules writing one destination repository share a shard', () => {
    // There the later rule sees the earlier one's plan: a tag both write is the earlier one's.
    // Hashed with the rule, mirror/app5 fell to shards 1 and 3 of 4 (say) and each wrote it.
    for (const total of [2, 3, 4, 7])
      for (let i = 0; i < 40; i++)
        expect(shardOf(u('a', `mirror/app${i}`, 1), total), `${i} of ${total}`).toBe(
          shardOf(u('b', `mirror/app${i}`, 1), total),
        );
  });

  test('every unit is placed exactly once, sorted by rule then destination within its shard', () => {
    const units = Array.from({ length: 50 }, (_, i) => u(`r${i % 3}`, `d${i}`, i));
    const shards = shardUnits([...units].reverse(), 4);
    expect(shards.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    expect(shards.flatMap((s) => keys(s.units)).sort()).toEqual(keys(units).sort());
    for (const s of shards) expect(keys(s.units)).toEqual([...keys(s.units)].sort());
  });

  test('many units spread over the shards', () => {
    const units = Array.from({ length: 2000 }, (_, i) => u('r', `team/app-${i}`, 1));
    const sizes = shardUnits(units, 4).map((s) => s.units.length);
    for (const n of sizes) expect(n).toBeGreaterThan(400);
  });

  test('more shards than units leaves some empty', () => {
    const shards = shardUnits([u('r', 'a', 1), u('r', 'b', 2)], 4);
    expect(shards.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    expect(shards.flatMap((s) => keys(s.units)).sort()).toEqual(['r:a', 'r:b']);
  });

  test.each([0, -1, 1.5, Number.NaN])('total %s is refused', (total) => {
    expect(() => shardUnits([], total)).toThrow(/at least 1/);
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

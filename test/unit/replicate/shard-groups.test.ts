import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runConfig } from '../../../src/replicate/run.js';
import { deletionShare, matrixShares, parseShares, shardOf, shardUnits } from '../../../src/plan/shard.js';
import { buildMatrix, discoverUnits, shardSelector } from '../../../src/replicate/units.js';
import { mergeReports } from '../../../src/report/merge.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { dirPerTest } from '../../support/engine.js';

const tmp = dirPerTest('ferry-shard-groups-');

// team-a/app and team-b/app flatten onto n/app (one destination group, diffed together); lib/tool
// is a group of its own. n/app:old is an extra only the whole group can tell.
async function setup() {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team-a/app', 'v1');
  await putLayoutImage(src, 'team-b/app', 'v2');
  await putLayoutImage(src, 'lib/tool', 't1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'n/app', 'old');
  const { config, diagnostics } = parseConfig(
    `version: 1
registries:
  src: { type: oci-layout, path: ${join(d, 'src')} }
  dst: { type: oci-layout, path: ${join(d, 'dst')} }
rules:
  - name: r
    source: src
    destination: dst
    destination_namespace: n
    flattening: -1
    filters: { name: ["team-*/**", "lib/**"] }
    delete_remote: { enabled: true, max: 10 }
`,
    join(d, 'replication.yaml'),
  );
  expect(config, JSON.stringify(diagnostics)).toBeDefined();
  return config!;
}

const planned = (r: { status: string; destination: string }) => `${r.status} ${r.destination}`;

/** A number of shards (more than max, 10) that puts n/app in a shard numbered past 10. */
function pastMax(units: { rule: string; destination: string }[]): number {
  const app = units.find((u) => u.destination === 'n/app')!;
  let total = 11;
  while (shardOf(app, total) <= 10) total++;
  return total;
}

test('a sharded run plans each destination group in one shard, and its merged totals are the unsharded run’s', async () => {
  const config = await setup();
  const whole = await runConfig(config, { dryRun: true });

  const { units } = await discoverUnits(config, {});
  // One unit per destination group, carrying its sources and their summed weight.
  expect(units.map((u) => ({ ...u }))).toEqual([
    { rule: 'r', destination: 'n/app', repositories: ['team-a/app', 'team-b/app'], weight: 2 },
    { rule: 'r', destination: 'n/tool', repositories: ['lib/tool'], weight: 1 },
  ]);
  // The fewest shards that put the two groups apart (the hash of the destination decides).
  let total = 2;
  while (shardOf(units[0]!, total) === shardOf(units[1]!, total)) total++;
  const [app, tool] = units.map((x) => shardOf(x, total));
  const { matrix } = buildMatrix(units, total);
  expect(matrix.include.find((e) => e.shard === `${app}/${total}`)).toEqual({
    shard: `${app}/${total}`,
    units: 1,
    weight: 2,
  });
  expect(matrix.include.find((e) => e.shard === `${tool}/${total}`)).toEqual({
    shard: `${tool}/${total}`,
    units: 1,
    weight: 1,
  });

  const reports = [];
  for (let index = 1; index <= total; index++) {
    const select = shardSelector(units, index, total);
    reports.push((await runConfig(config, { dryRun: true, select, shard: { index, total } })).report);
  }
  // No destination repository is planned by two shards.
  const perShard = reports.map((r) => new Set(r.results.map((x) => x.destination.replace(/:[^:/]*$/, ''))));
  for (const [i, mine] of perShard.entries())
    for (const dest of mine)
      expect(
        perShard.filter((other, j) => j !== i && other.has(dest)),
        dest,
      ).toEqual([]);

  const merged = mergeReports(reports);
  expect(merged.results.map(planned).sort()).toEqual(whole.report.results.map(planned).sort());
  expect(merged.totals).toEqual(whole.report.totals);
});

test('an event’s selection of one source keeps its destination group whole, in one shard', async () => {
  const config = await setup();
  const { units } = await discoverUnits(config, { named: new Map([['r', new Set(['team-b/app'])]]) });
  expect(units).toEqual([{ rule: 'r', destination: 'n/app', repositories: ['team-a/app', 'team-b/app'], weight: 2 }]);
  const owners = [1, 2, 3].filter((i) => shardSelector(units, i, 3)('r', 'team-a/app'));
  expect(owners).toHaveLength(1);
  expect(shardSelector(units, owners[0]!, 3)('r', 'team-b/app')).toBe(true);
});

test('a source the rule cannot map is a unit of its own, so some shard reports it', async () => {
  const config = await setup();
  const rule = config.rules[0]!;
  // flattening 2 on team-a/app (one component before the name) is a mapping error.
  const flat2 = { ...config, rules: [{ ...rule, flattening: 2, filters: { ...rule.filters, name: ['team-a/**'] } }] };
  const { units } = await discoverUnits(flat2, {});
  expect(units).toEqual([{ rule: 'r', destination: 'team-a/app', repositories: ['team-a/app'], weight: 1 }]);
  const ran = await runConfig(flat2, {
    dryRun: true,
    select: shardSelector(units, 1, 1),
    shard: { index: 1, total: 1 },
  });
  expect(ran.report.ruleErrors.map((e) => e.message)).toEqual([
    expect.stringMatching(/cannot map repository "team-a\/app"/),
  ]);
});

test('a shard job lists no tags, and keeps exactly the units the matrix job gave its shard', async () => {
  const config = await setup();
  const counted = await discoverUnits(config, {});
  const named = await discoverUnits(config, { weights: false });
  expect(named.units.map((u) => u.weight)).toEqual([0, 0]);
  const { shards } = buildMatrix(counted.units, 3);
  for (const s of shards) {
    const select = shardSelector(named.units, s.index, 3);
    const kept = named.units.filter((u) => u.repositories.every((r) => select(u.rule, r)));
    expect(kept.map((u) => u.destination)).toEqual(s.units.map((u) => u.destination));
  }
});

test.each([1, 2, 3, 4, 7, 11, 50])('the %d shards’ shares of delete_remote.max add up to it', (total) => {
  for (const max of [0, 1, 4, 10, 50, 1000]) {
    const shares = Array.from({ length: total }, (_, i) => deletionShare(max, { index: i + 1, total }));
    expect(shares.reduce((a, b) => a + b, 0)).toBe(max);
    // Even: no share is more than one above another.
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  }
});

test('a rule whose units all fall to one shard deletes there up to that shard’s share', async () => {
  const config = await setup();
  const { units } = await discoverUnits(config, { weights: false });
  // More shards than max (10): the shards numbered past 10 have no share, and refuse n/app:old.
  const ran = async (total: number) => {
    const index = shardOf(
      units.find((u) => u.destination === 'n/app')!,
      total,
    );
    const out = await runConfig(config, {
      dryRun: true,
      select: shardSelector(units, index, total),
      shard: { index, total },
    });
    return { index, out };
  };
  const status = async (total: number) => (await ran(total)).out.report.results.find((r) => r.tag === 'old')?.status;
  // Two shards: a share of 5 wherever n/app falls.
  expect(await status(2)).toBe('would-delete');
  // More shards than max (10): a shard numbered past 10 has no share, and refuses it.
  const total = pastMax(units);
  expect(await status(total)).toBe('refused');
});

test('the matrix job deals each rule’s max in proportion to its units: a rule in one shard may delete up to max there', async () => {
  const config = await setup();
  const { units } = await discoverUnits(config, { weights: false });
  // More shards than max (10): split evenly, the shard holding n/app could have no share at all.
  const total = pastMax(units);
  const index = shardOf(
    units.find((u) => u.destination === 'n/app')!,
    total,
  );
  const { matrix } = buildMatrix(units, total, config.rules);
  const entry = matrix.include[index - 1]!;
  const shares = parseShares(entry.deletions!, { index, total });
  // The rule's 2 units lie in one or two shards: its shares there add up to max, none elsewhere.
  const all = matrix.include.map((e, i) => parseShares(e.deletions!, { index: i + 1, total }).get('r') ?? 0);
  expect(all.reduce((a, b) => a + b, 0)).toBe(10);
  const run = (s: Map<string, number>) =>
    runConfig(config, { dryRun: true, select: shardSelector(units, index, total), shard: { index, total, shares: s } });
  const out = await run(shares);
  // Split evenly instead, this shard (numbered past max) has no share and refuses it.
  expect(out.report.results.find((r) => r.tag === 'old')?.status).toBe('would-delete');
  // A shard the matrix job dealt nothing of the rule (it did not see the rule's repositories there):
  // refused, and the error says why, not "check the filters, or raise max".
  const none = await run(new Map());
  expect(none.report.results.find((r) => r.tag === 'old')?.status).toBe('refused');
  expect(none.report.ruleErrors.map((e) => e.message)).toEqual([
    expect.stringMatching(
      /^1 deletion refused: the matrix job dealt shard \d+ no share of delete_remote\.max for rule "r"/,
    ),
  ]);
});

test('matrix shares add up to max, in proportion to units, only where the rule has units', () => {
  const unit = (rule: string, destination: string) => ({ rule, destination, weight: 0 });
  const units = [
    ...Array.from({ length: 7 }, (_, i) => unit('big', `big/${i}`)),
    unit('small', 'small/only'),
    unit('keeps', 'keeps/x'),
  ];
  const shards = shardUnits(units, 3);
  const rules = [
    { name: 'big', deleteRemote: { enabled: true, max: 50 } },
    { name: 'small', deleteRemote: { enabled: true, max: 4 } },
    { name: 'keeps', deleteRemote: { enabled: false, max: 50 } },
  ];
  const shares = matrixShares(shards, rules);
  const held = (rule: string) => shards.map((s) => s.units.filter((u) => u.rule === rule).length);
  expect(shares.reduce((n, s) => n + (s.big ?? 0), 0)).toBe(50);
  // One to each shard holding units, the rest in proportion: within a few of max × units ÷ all.
  held('big').forEach((n, i) => expect(Math.abs((shares[i]!.big ?? 0) - (50 * n) / 7)).toBeLessThan(3));
  // A rule in one shard: all of max there, nothing elsewhere; a rule that never deletes: no share.
  expect(shares.map((s) => s.small)).toEqual(held('small').map((n) => (n ? 4 : undefined)));
  expect(shares.every((s) => s.keeps === undefined)).toBe(true);
});

test('a shard with one unit among many is not dealt nothing, while max allows one each', () => {
  const unit = (destination: string) => ({ rule: 'r', destination, weight: 0 });
  const shards = [
    { index: 1, units: [unit('a/0')] },
    { index: 2, units: Array.from({ length: 99 }, (_, i) => unit(`b/${i}`)) },
  ];
  // Before: [0, 10]; shard 1 refused every deletion of a/0, run after run.
  expect(matrixShares(shards, [{ name: 'r', deleteRemote: { enabled: true, max: 10 } }])).toEqual([{ r: 1 }, { r: 9 }]);
});

test('a shard’s share of a rule the matrix entry does not name is none, whatever the rule’s name', () => {
  const spec = { index: 1, total: 4 };
  expect(deletionShare(50, { ...spec, shares: new Map([['other', 20]]) }, 'r')).toBe(0);
  expect(deletionShare(50, { ...spec, shares: new Map([['r', 80]]) }, 'r')).toBe(50);
  // Before: an object's inherited `constructor` was read as a share, and NaN let every deletion through.
  const shares = parseShares('{"shard":"1/4","max":{"other":20}}', spec);
  expect(deletionShare(10, { ...spec, shares }, 'constructor')).toBe(0);
  expect(() => parseShares('{"shard":"1/4","max":{"r":-1}}', spec)).toThrow(/whole number ≥ 0/);
  expect(() => parseShares('r=5', spec)).toThrow(/JSON such as \{"shard":"1\/4"/);
  // One entry's shares given to every shard would let them delete 4 × max together.
  expect(() => parseShares('{"shard":"2/4","max":{"r":5}}', spec)).toThrow(
    /deletions of shard "2\/4", not of shard 1\/4/,
  );
});

import { describe, expect, test } from 'vitest';
import type { Filters } from '../../../src/config/types.js';
import { countPlan, type PlannedRule, planAll, planRule, type RepoInput } from '../../../src/plan/index.js';

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

type RuleOver = Omit<Partial<PlannedRule>, 'filters'> & { filters?: Partial<Filters> };

const rule = (over: RuleOver = {}): PlannedRule => ({
  name: over.name ?? 'r',
  override: over.override ?? true,
  deleteRemote: over.deleteRemote ?? { enabled: false, max: 100, acknowledgeMatchAll: true },
  filters: { name: [], tag: [], labels: {}, resource: 'all', ...over.filters },
});

const repo = (
  source: Record<string, number>,
  destination: Record<string, number>,
  over: Partial<RepoInput> = {},
): RepoInput => ({
  sourceRepository: 'src/app',
  destinationRepository: 'dst/app',
  source: new Map(Object.entries(source).map(([t, d]) => [t, D(d)])),
  destination: new Map(Object.entries(destination).map(([t, d]) => [t, D(d)])),
  ...over,
});

const deleting = (max = 100) => ({ enabled: true, max, acknowledgeMatchAll: true });

describe('one action per tag', () => {
  test.each<[string, RuleOver, Record<string, number>, Record<string, number>, string]>([
    ['missing at the destination → copy', {}, { v1: 1 }, {}, 'copy'],
    ['same digest → unchanged', {}, { v1: 1 }, { v1: 1 }, 'unchanged'],
    ['differs, override on → update', { override: true }, { v1: 1 }, { v1: 2 }, 'update'],
    ['differs, override off → kept', { override: false }, { v1: 1 }, { v1: 2 }, 'kept'],
  ])('%s', (_name, over, source, destination, action) => {
    const plan = planRule(rule(over), [repo(source, destination)]);
    expect(plan.items).toHaveLength(1);
    expect(plan.items[0]).toMatchObject({
      rule: 'r',
      sourceRepository: 'src/app',
      destinationRepository: 'dst/app',
      tag: 'v1',
      action,
      sourceDigest: D(1),
    });
    if (action !== 'copy') expect(plan.items[0]!.destinationDigest).toBe(D(destination.v1!));
    else expect(plan.items[0]!.destinationDigest).toBeUndefined();
  });

  test('kept comes with a warning naming the tag and both digests', () => {
    const plan = planRule(rule({ override: false }), [repo({ v1: 1 }, { v1: 2 })]);
    expect(plan.items[0]!.reason).toMatch(/override is off/);
    expect(plan.warnings).toEqual([expect.stringMatching(/dst\/app:v1.*sha256:2.*sha256:1.*override is off/)]);
  });

  test('nothing is deleted when delete_remote is off', () => {
    const plan = planRule(rule(), [repo({ v1: 1 }, { v1: 1, old: 3 })]);
    expect(plan.items.map((i) => i.action)).toEqual(['unchanged']);
  });
});

describe('deletions', () => {
  test('an extra destination tag in scope is deleted when delete_remote is on', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ v1: 1 }, { v1: 1, v0: 3 })]);
    const del = plan.items.find((i) => i.action === 'delete');
    expect(del).toEqual({
      rule: 'r',
      destinationRepository: 'dst/app',
      tag: 'v0',
      action: 'delete',
      destinationDigest: D(3),
      reason: 'not at the source',
    });
    expect(plan.deletionsRefused).toBeUndefined();
  });

  test('an extra destination tag outside the tag filter is left alone', () => {
    const plan = planRule(rule({ deleteRemote: deleting(), filters: { tag: ['v*'] } }), [
      repo({ v1: 1 }, { v1: 1, v0: 3, latest: 4, 'prod-1': 5 }),
    ]);
    expect(plan.items.map((i) => [i.tag, i.action])).toEqual([
      ['v0', 'delete'],
      ['v1', 'unchanged'],
    ]);
  });

  test('an extra destination tag outside the semver range is left alone', () => {
    const plan = planRule(rule({ deleteRemote: deleting(), filters: { semver: '^1' } }), [
      repo({ '1.1.0': 1 }, { '1.0.0': 2, '2.0.0': 3, latest: 4 }),
    ]);
    expect(plan.items.filter((i) => i.action === 'delete').map((i) => i.tag)).toEqual(['1.0.0']);
  });

  test('past delete_remote.max all of the rule deletions are refused, with the reason', () => {
    const plan = planRule(rule({ deleteRemote: deleting(2) }), [
      repo({ v1: 1 }, { v1: 1, a: 2, b: 3 }, { destinationRepository: 'dst/one' }),
      repo({ v1: 1 }, { v1: 1, c: 4 }, { sourceRepository: 'src/two', destinationRepository: 'dst/two' }),
    ]);
    expect(plan.items.some((i) => i.action === 'delete')).toBe(false);
    expect(plan.items.map((i) => i.action)).toEqual(['unchanged', 'unchanged']);
    expect(plan.deletionsRefused).toMatch(/3 deletion\(s\) refused.*delete_remote\.max \(2\)/);
  });

  test('at exactly delete_remote.max the deletions go ahead', () => {
    const plan = planRule(rule({ deleteRemote: deleting(2) }), [repo({ v1: 1 }, { v1: 1, a: 2, b: 3 })]);
    expect(plan.items.filter((i) => i.action === 'delete')).toHaveLength(2);
  });

  test('a tag sharing its digest with a kept tag is marked, not deleted by digest', () => {
    // stable stays (unchanged) and points at the same manifest as old
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ stable: 7 }, { stable: 7, old: 7, gone: 8 })]);
    const old = plan.items.find((i) => i.tag === 'old')!;
    expect(old.action).toBe('delete');
    expect(old.sharedWithKept).toEqual(['stable']);
    expect(old.reason).toBe(`shares digest ${D(7)} with kept tag stable`);
    const gone = plan.items.find((i) => i.tag === 'gone')!;
    expect(gone.sharedWithKept).toBeUndefined();
  });

  test.each<[string, RuleOver, Record<string, number>, Record<string, number>, string[]]>([
    ['kept tag (override off) keeps its destination digest', { override: false }, { a: 1 }, { a: 9, x: 9 }, ['a']],
    ['updated tag shares the digest it is updated to', { override: true }, { a: 5 }, { a: 1, x: 5 }, ['a']],
    ['copied tag shares the digest it will get', {}, { a: 5 }, { x: 5 }, ['a']],
    ['out-of-scope tag', { filters: { tag: ['v*'] } }, { v1: 1 }, { v1: 1, vx: 6, other: 6 }, ['other']],
    ['several kept tags are all listed', {}, { a: 4, b: 4 }, { a: 4, b: 4, x: 4 }, ['a', 'b']],
  ])('shared digest: %s', (_name, over, source, destination, shared) => {
    const plan = planRule(rule({ deleteRemote: deleting(), ...over }), [repo(source, destination)]);
    const del = plan.items.filter((i) => i.action === 'delete');
    expect(del).toHaveLength(1);
    expect(del[0]!.sharedWithKept).toEqual(shared);
  });

  test('the old digest of an updated tag is not a reason to keep anything', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ a: 2 }, { a: 1, x: 1 })]);
    expect(plan.items.find((i) => i.tag === 'x')!.sharedWithKept).toBeUndefined();
  });

  test('two deleted tags sharing a digest are not shared with a kept tag', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ a: 1 }, { a: 1, x: 3, y: 3 })]);
    expect(plan.items.filter((i) => i.sharedWithKept)).toEqual([]);
  });

  test.each<[string, Partial<RepoInput>, Record<string, number>]>([
    ['the source listing failed', { sourceListingFailed: true }, {}],
    ['the source listed nothing', {}, {}],
  ])('no deletions in a repository when %s', (_name, over, source) => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo(source, { a: 1, b: 2 }, over)]);
    expect(plan.items).toEqual([]);
    expect(plan.warnings).toEqual([expect.stringMatching(/no deletions in dst\/app: .*2 tag\(s\) left in place/)]);
  });

  test('a failed listing in one repository does not stop deletions in another', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [
      repo({}, { a: 1 }, { sourceListingFailed: true, destinationRepository: 'dst/a' }),
      repo({ v: 1 }, { v: 1, b: 2 }, { sourceRepository: 'src/b', destinationRepository: 'dst/b' }),
    ]);
    expect(plan.items.filter((i) => i.action === 'delete').map((i) => `${i.destinationRepository}:${i.tag}`)).toEqual([
      'dst/b:b',
    ]);
  });

  test('deleting under filters that match everything needs acknowledge_match_all', () => {
    const refused = planRule(rule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: false } }), [
      repo({ a: 1 }, { a: 1, b: 2 }),
    ]);
    expect(refused.items.map((i) => i.action)).toEqual(['unchanged']);
    expect(refused.deletionsRefused).toMatch(/acknowledge_match_all/);

    const allowed = planRule(rule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true } }), [
      repo({ a: 1 }, { a: 1, b: 2 }),
    ]);
    expect(allowed.items.map((i) => i.action)).toEqual(['unchanged', 'delete']);
    expect(allowed.warnings).toEqual([expect.stringMatching(/match everything \(acknowledged\)/)]);
  });

  test('two sources flattened onto one destination do not delete each other’s tags', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [
      repo({ a: 1 }, { a: 1, b: 2, z: 3 }, { sourceRepository: 'x/app' }),
      repo({ b: 2 }, { a: 1, b: 2, z: 3 }, { sourceRepository: 'y/app' }),
    ]);
    expect(plan.items.map((i) => [i.tag, i.action, i.sourceRepository])).toEqual([
      ['a', 'unchanged', 'x/app'],
      ['b', 'unchanged', 'y/app'],
      ['z', 'delete', undefined],
    ]);
    expect(plan.warnings[0]).toMatch(/several source repositories map to dst\/app: x\/app, y\/app/);
  });

  test('the same tag from two sources with different digests: the first source wins, with a warning', () => {
    const plan = planRule(rule(), [
      repo({ a: 2 }, {}, { sourceRepository: 'y/app' }),
      repo({ a: 1 }, {}, { sourceRepository: 'x/app' }),
    ]);
    expect(plan.items).toEqual([expect.objectContaining({ tag: 'a', sourceRepository: 'x/app', sourceDigest: D(1) })]);
    expect(plan.warnings.join('\n')).toMatch(/dst\/app:a comes from both x\/app and y\/app/);
  });
});

describe('determinism', () => {
  const repos = (): RepoInput[] => [
    repo({ b: 1, a: 2, c: 3 }, { c: 3, d: 4, a: 9 }, { sourceRepository: 's/z', destinationRepository: 'd/z' }),
    repo({ y: 1, x: 2 }, { w: 5 }, { sourceRepository: 's/a', destinationRepository: 'd/a' }),
  ];

  test('items are sorted by destination repository, then tag', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), repos());
    expect(plan.items.map((i) => `${i.destinationRepository}:${i.tag}:${i.action}`)).toEqual([
      'd/a:w:delete',
      'd/a:x:copy',
      'd/a:y:copy',
      'd/z:a:update',
      'd/z:b:copy',
      'd/z:c:unchanged',
      'd/z:d:delete',
    ]);
  });

  test('the input order does not change the plan', () => {
    const forward = planRule(rule({ deleteRemote: deleting() }), repos());
    const backward = planRule(rule({ deleteRemote: deleting() }), repos().reverse());
    expect(backward).toEqual(forward);
  });

  test('tags are compared by code unit, not locale', () => {
    const plan = planRule(rule(), [repo({ b: 1, B: 1, a: 1, '1': 1 }, {})]);
    expect(plan.items.map((i) => i.tag)).toEqual(['1', 'B', 'a', 'b']);
  });
});

describe('planAll and countPlan', () => {
  const r1 = planRule(rule({ name: 'one', deleteRemote: deleting() }), [repo({ a: 1, b: 2 }, { b: 3, x: 4 })]);
  const r2 = planRule(rule({ name: 'two', override: false }), [repo({ a: 1, b: 2, c: 3 }, { a: 1, b: 5 })]);

  test('a dry run is the same plan marked dryRun', () => {
    const run = planAll([r1, r2], false);
    const dry = planAll([r1, r2], true);
    expect(dry.dryRun).toBe(true);
    expect(run.dryRun).toBe(false);
    expect(dry.rules).toEqual(run.rules);
    expect(dry.rules.map((r) => r.rule)).toEqual(['one', 'two']);
  });

  test('counts every action, zero included', () => {
    expect(countPlan(planAll([r1, r2], true))).toEqual({
      copy: 2,
      update: 1,
      unchanged: 1,
      kept: 1,
      delete: 1,
    });
    expect(countPlan(planAll([], true))).toEqual({ copy: 0, update: 0, unchanged: 0, kept: 0, delete: 0 });
  });
});

describe('review regressions', () => {
  test('a referrers fallback tag is never a deletion candidate while delete_remote is on', () => {
    const fallback = `sha256-${'a'.repeat(64)}`;
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ v1: 1 }, { v1: 1, [fallback]: 5, gone: 6 })]);
    const deleted = plan.items.filter((i) => i.action === 'delete').map((i) => i.tag);
    expect(deleted).toEqual(['gone']);
  });

  test('two sources on one destination: each sees the destination tags the other headed (override off keeps)', () => {
    const a = repo({ a1: 1 }, { a1: 1 }, { sourceRepository: 'team-a/app' });
    const b = repo({ b1: 2 }, { b1: 3 }, { sourceRepository: 'team-b/app' });
    const plan = planRule(rule({ override: false }), [a, b]);
    const byTag = Object.fromEntries(plan.items.map((i) => [i.tag, i.action]));
    expect(byTag).toEqual({ a1: 'unchanged', b1: 'kept' });
  });
});

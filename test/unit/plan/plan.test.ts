import { describe, expect, test } from 'vitest';
import type { Filters } from '../../../src/config/types.js';
import { type PlanContext, type PlannedRule, planRule, type RepoInput } from '../../../src/plan/index.js';

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
/** A registry that deletes by digest (registry:2): deleting a manifest takes all its tags. */
const byDigest: PlanContext = { deletesByTag: false };
const actions = (items: { tag: string; action: string }[]) => Object.fromEntries(items.map((i) => [i.tag, i.action]));

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

  test('kept is told once, as the item with both digests: not again as a warning (one kept tag, one warning)', () => {
    const plan = planRule(rule({ override: false }), [repo({ v1: 1 }, { v1: 2 })]);
    expect(plan.items[0]).toMatchObject({ action: 'kept', sourceDigest: D(1), destinationDigest: D(2) });
    expect(plan.items[0]!.reason).toMatch(/override is off/);
    expect(plan.warnings).toEqual([]);
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
      why: 'not-at-source',
      reason: 'not at the source',
    });
    expect(plan.deletionsRefused).toBeUndefined();
  });

  test('a tag the source still lists but `latest` leaves out is deleted as such, not as "not at the source"', () => {
    // The source lists 1.0.0, 2.0.0 and 3.0.0; latest: 2 selects 2.0.0 and 3.0.0.
    const listed = new Set(['1.0.0', '2.0.0', '3.0.0']);
    const plan = planRule(rule({ deleteRemote: deleting(), filters: { latest: 2 } }), [
      repo({ '2.0.0': 2, '3.0.0': 3 }, { '1.0.0': 1, '2.0.0': 2, '3.0.0': 3, gone: 4 }, { listed }),
    ]);
    const deletions = plan.items.filter((i) => i.action === 'delete').map((i) => [i.tag, i.why, i.reason]);
    expect(deletions).toEqual([
      [
        '1.0.0',
        'not-selected',
        'the source still has it, but it is not among the 2 newest tags the rule keeps (latest: 2)',
      ],
      ['gone', 'not-at-source', 'not at the source'],
    ]);
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
    // The refused tags are listed by name, so the plan and the summary can show them.
    expect(plan.items.filter((i) => i.action === 'delete-blocked').map((i) => [i.tag, i.why])).toEqual([
      ['a', 'over-max'],
      ['b', 'over-max'],
      ['c', 'over-max'],
    ]);
    expect(plan.deletionsRefused).toMatch(/3 deletions refused.*delete_remote\.max \(2\)/);
  });

  test('at exactly delete_remote.max the deletions go ahead', () => {
    const plan = planRule(rule({ deleteRemote: deleting(2) }), [repo({ v1: 1 }, { v1: 1, a: 2, b: 3 })]);
    expect(plan.items.filter((i) => i.action === 'delete')).toHaveLength(2);
  });

  test('on a registry deleting by digest, a tag sharing its digest with a kept tag is not deleted', () => {
    // stable stays (unchanged) and points at the same manifest as old
    const plan = planRule(
      rule({ deleteRemote: deleting() }),
      [repo({ stable: 7 }, { stable: 7, old: 7, gone: 8 })],
      byDigest,
    );
    const old = plan.items.find((i) => i.tag === 'old')!;
    expect(old).toMatchObject({ action: 'delete-blocked', why: 'shared-digest' });
    expect(old.reason).toBe(
      'shares its digest with tag stable, which stays: this registry deletes by digest, so deleting old would delete stable too',
    );
    expect(plan.items.find((i) => i.tag === 'gone')!.action).toBe('delete');
  });

  test('a tag held back by the same digest as another extra names the tag that stays, not that extra', () => {
    const plan = planRule(
      rule({ deleteRemote: deleting() }),
      [repo({ stable: 7 }, { stable: 7, old1: 7, old2: 7 })],
      byDigest,
    );
    // Before: "…without also deleting tags old1, stable, which stay" for old2, as if old1 stayed
    // on its own.
    for (const tag of ['old1', 'old2'])
      expect(plan.items.find((i) => i.tag === tag)!.reason).toMatch(/^shares its digest with tag stable, which stays:/);
  });

  test('on a registry deleting by tag, the same tag is deleted', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ stable: 7 }, { stable: 7, old: 7 })]);
    expect(actions(plan.items)).toEqual({ stable: 'unchanged', old: 'delete' });
  });

  test.each<[string, RuleOver, Record<string, number>, Record<string, number>, string[]]>([
    ['kept tag (override off) keeps its destination digest', { override: false }, { a: 1 }, { a: 9, x: 9 }, ['a']],
    ['updated tag shares the digest it is updated to', { override: true }, { a: 5 }, { a: 1, x: 5 }, ['a']],
    ['copied tag shares the digest it will get', {}, { a: 5 }, { x: 5 }, ['a']],
    ['out-of-scope tag', { filters: { tag: ['v*'] } }, { v1: 1 }, { v1: 1, vx: 6, other: 6 }, ['other']],
    ['several kept tags are all listed', {}, { a: 4, b: 4 }, { a: 4, b: 4, x: 4 }, ['a', 'b']],
  ])('shared digest: %s', (_name, over, source, destination, shared) => {
    const plan = planRule(rule({ deleteRemote: deleting(), ...over }), [repo(source, destination)], byDigest);
    const blocked = plan.items.filter((i) => i.action === 'delete-blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]!.reason).toContain(
      `shares its digest with ${shared.length > 1 ? 'tags' : 'tag'} ${shared.join(', ')}, which ${shared.length > 1 ? 'stay' : 'stays'}:`,
    );
    expect(plan.items.some((i) => i.action === 'delete')).toBe(false);
  });

  test('the old digest of an updated tag is not a reason to keep anything', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ a: 2 }, { a: 1, x: 1 })], byDigest);
    expect(plan.items.find((i) => i.tag === 'x')!.action).toBe('delete');
  });

  test('two deleted tags sharing a digest are both deleted', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ a: 1 }, { a: 1, x: 3, y: 3 })], byDigest);
    expect(actions(plan.items)).toEqual({ a: 'unchanged', x: 'delete', y: 'delete' });
  });

  test('a platform manifest of a kept index is not deleted by digest, nor what a blocked tag keeps', () => {
    // idx (kept) lists manifest 5 as a platform; amd64 points at 5; old shares its digest with amd64.
    const input = repo({ idx: 4 }, { idx: 4, amd64: 5, old: 5, gone: 6 });
    input.destinationChildren = new Map([[D(4), [D(5)]]]);
    const plan = planRule(rule({ deleteRemote: deleting() }), [input], byDigest);
    expect(actions(plan.items)).toEqual({
      idx: 'unchanged',
      amd64: 'delete-blocked',
      old: 'delete-blocked',
      gone: 'delete',
    });
    expect(plan.items.find((i) => i.tag === 'amd64')!.why).toBe('platform-of-kept-index');
  });

  test('delete_remote.max counts only the tags the run can delete', () => {
    const plan = planRule(rule({ deleteRemote: deleting(1) }), [repo({ a: 1 }, { a: 1, x: 1, gone: 2 })], byDigest);
    expect(actions(plan.items)).toEqual({ a: 'unchanged', x: 'delete-blocked', gone: 'delete' });
    expect(plan.deletionsRefused).toBeUndefined();
  });

  test.each<[string, Partial<RepoInput>, Record<string, number>]>([
    ['the source listing failed', { sourceListingFailed: true }, {}],
    ['the source listed nothing', {}, {}],
  ])('no deletions in a repository when %s', (_name, over, source) => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo(source, { a: 1, b: 2 }, over)]);
    expect(actions(plan.items)).toEqual({ a: 'delete-blocked', b: 'delete-blocked' });
    expect(plan.warnings).toEqual([expect.stringMatching(/no deletions in dst\/app: .*2 tags left in place/)]);
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
    expect(refused.items.map((i) => [i.action, i.why])).toEqual([
      ['unchanged', undefined],
      ['delete-blocked', 'match-all-unacknowledged'],
    ]);
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

describe('review regressions', () => {
  test('a referrers fallback tag is never a deletion candidate while delete_remote is on', () => {
    const fallback = `sha256-${'a'.repeat(64)}`;
    const plan = planRule(rule({ deleteRemote: deleting() }), [repo({ v1: 1 }, { v1: 1, [fallback]: 5, gone: 6 })]);
    const deleted = plan.items.filter((i) => i.action === 'delete').map((i) => i.tag);
    expect(deleted).toEqual(['gone']);
    // Skipped, not a refused deletion: no guard kept it, it is outside the selection by design.
    expect(plan.items.find((i) => i.tag === fallback)).toMatchObject({
      action: 'skip',
      why: 'referrer-fallback-tag',
    });
  });

  test('two sources on one destination: each sees the destination tags the other headed (override off keeps)', () => {
    const a = repo({ a1: 1 }, { a1: 1 }, { sourceRepository: 'team-a/app' });
    const b = repo({ b1: 2 }, { b1: 3 }, { sourceRepository: 'team-b/app' });
    const plan = planRule(rule({ override: false }), [a, b]);
    const byTag = Object.fromEntries(plan.items.map((i) => [i.tag, i.action]));
    expect(byTag).toEqual({ a1: 'unchanged', b1: 'kept' });
  });
});

describe('hostile sources (issue 15)', () => {
  test('a listed tag whose manifest could not be read is not deleted at the destination, nor anything beside it', () => {
    const input = repo({ v1: 1 }, { v1: 1, v2: 2, gone: 3 });
    input.unresolved = new Map([
      ['v2', { why: 'the registry answers that the manifest does not exist (asked 3 times)' }],
    ]);
    const plan = planRule(rule({ deleteRemote: deleting() }), [input]);
    expect(actions(plan.items)).toEqual({ v1: 'unchanged', v2: 'listing-failed', gone: 'delete-blocked' });
    expect(plan.items.find((i) => i.tag === 'v2')!.reason).toMatch(/could not be read/);
    expect(plan.warnings.join('\n')).toMatch(/no deletions in dst\/app: 1 listed source tag could not be read \(v2\)/);
  });

  test('two sources on one destination: one of them listing no tags blocks the group’s deletions', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [
      repo({ a: 1 }, { a: 1, b: 2 }, { sourceRepository: 'x/app' }),
      repo({}, { a: 1, b: 2 }, { sourceRepository: 'y/app' }),
    ]);
    expect(actions(plan.items)).toEqual({ a: 'unchanged', b: 'delete-blocked' });
    expect(plan.items.find((i) => i.tag === 'b')!.why).toBe('source-empty');
  });

  test('an event narrowed to one tag: the emptiness guard reads the whole source, only that tag is deleted', () => {
    const input = repo({}, { v1: 1, v2: 2 }, { selected: 5 });
    const plan = planRule(rule({ deleteRemote: deleting() }), [input], {
      deletesByTag: true,
      onlyTags: new Set(['v2']),
    });
    expect(actions(plan.items)).toEqual({ v2: 'delete' });
  });

  test('a destination that could not be listed decides nothing for its tags', () => {
    const plan = planRule(rule({ deleteRemote: deleting() }), [
      repo({ v1: 1 }, {}, { destinationListingFailed: 'HTTP 500' }),
    ]);
    expect(plan.items).toEqual([]);
  });
});

describe('facts the gatherer hands over', () => {
  test('a platform subset is compared by the digest the run writes', () => {
    const input = repo({}, { v1: 9 });
    input.source.set('v1', { digest: D(1), target: D(9) });
    expect(planRule(rule(), [input]).items[0]).toMatchObject({ action: 'unchanged', targetDigest: D(9) });
    input.destination.set('v1', D(8));
    expect(planRule(rule({ override: false }), [input]).items[0]).toMatchObject({ action: 'kept', targetDigest: D(9) });
  });

  test('a tag left out by the resource filter is a skip with its reason, and its destination copy stays', () => {
    const input = repo({ v1: 1 }, { chart: 7 });
    input.source.set('chart', { digest: D(2), skip: { why: 'filtered-resource', reason: 'not an image' } });
    const plan = planRule(rule({ deleteRemote: deleting() }), [input], byDigest);
    expect(plan.items.find((i) => i.tag === 'chart')).toMatchObject({ action: 'skip', why: 'filtered-resource' });
    expect(plan.items.some((i) => i.action === 'delete')).toBe(false);
  });
});

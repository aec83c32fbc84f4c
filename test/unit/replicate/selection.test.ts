import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { Filters, Rule } from '../../../src/config/types.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runRule } from '../../../src/replicate/rule.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { dirPerTest, testRule } from '../../support/engine.js';

const tmp = dirPerTest('ferry-selection-');

const image = putLayoutImage;

const rule = (filters: Partial<Filters>): Rule =>
  testRule({ name: 'sel', filters, destinationNamespace: 'mirror', flattening: 1, referrers: true });

test('the plan counts what each filter stage left out', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1.0.0', 'v1.1.0', 'v2.0.0', 'dev']) await image(src, 'team/app', t);
  await image(src, 'other/x', 'v1.0.0');
  const run = await runRule(rule({ name: ['team/**'], tag: ['v*'], semver: '^1', latest: 1 }), src, dst, {
    dryRun: true,
    concurrency: 2,
    blobConcurrency: 2,
  });
  expect(run.plan.selection).toEqual({
    repositories: { listed: 2, matched: 1 },
    tags: { listed: 4, selected: 1 },
    dropped: { name: 1, referrers: 0, tag: 1, semver: 1, latest: 1, labels: 0, resource: 0, platforms: 0 },
  });
  expect(run.plan.items.map((i) => `${i.tag}:${i.action}`)).toEqual(['v1.1.0:copy']);
});

test.each([
  ['a regex-looking tag filter', { tag: ['^v[0-9]+$'] }, /selects nothing: of 2 tags, the tag filter left out 2/],
  ['a name filter without the project', { name: ['app'] }, /name filter matches none of the 1 repositories/],
])('a rule that selects nothing is a warning: %s', async (_name, filters, warning) => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1', 'v2']) await image(src, 'team/app', t);
  const run = await runRule(rule(filters), src, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results).toEqual([]);
  expect(run.plan.warnings).toEqual([expect.stringMatching(warning)]);
});

test('invalid repository names and tags in a listing are skipped with a warning naming them; the rest is copied', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  await image(layout, 'team/app', 'v1');
  const long = `team/${'x'.repeat(300)}`;
  const hostile = new Proxy(layout, {
    get(target, prop) {
      if (prop === 'listRepositories') return async () => ['Team/App', long, ...(await target.listRepositories())];
      if (prop === 'listTags') return async (repo: string) => [...(await target.listTags(repo)), 'bad:tag', '.hidden'];
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const run = await runRule(rule({}), hostile, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.ruleErrors).toEqual([]);
  expect(run.results.map((r) => `${r.tag}:${r.status}`)).toEqual(['v1:copied']);
  expect(run.plan.warnings).toEqual([
    expect.stringMatching(/lists 2 repository names that no registry accepts, skipped: "Team\/App", "team\/x{75}…"/),
    expect.stringMatching(/team\/app lists 2 invalid tags, skipped: "bad:tag", ".hidden"/),
  ]);
});

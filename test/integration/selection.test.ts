/**
 * Selection counts against a real registry (distribution 2.8.2): a plain registry lists names and
 * tags only, so the name, tag, semver and latest stages work on the listing, and the labels and
 * resource stages on the manifest of each tag the run would write (its annotations and config
 * type). Every stage here leaves out a known number, and rules that select nothing say why.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/cli/commands/plan.js';
import { loadConfig } from '../../src/config/index.js';
import type { Plan, RulePlan } from '../../src/plan/types.js';
import { runConfig } from '../../src/replicate/run.js';
import { renderPlan, renderPlanText } from '../../src/report/plan-comment.js';
import { createLayout, type FixtureImage } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import { captureConsole } from '../support/console.js';
import { registriesAt } from '../support/rules-file.js';

let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;
let file: string;
let plan: Plan;

/** Another tag for a manifest already in the repository (what `docker tag` + push does). */
async function retag(repo: string, image: FixtureImage, tag: string): Promise<void> {
  const r = await fetch(`${src.url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: image.raw.toString('utf8'),
    headers: { 'content-type': image.mediaType },
  });
  expect(r.status, await r.text()).toBe(201);
}

beforeAll(async () => {
  tmp = await createTempDir('ferry-selection-');
  [src, dst] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
  const layout = await createLayout(join(tmp.path, 'layout'));
  // gold: an image carrying the label; plain: an image without it; thing: a non-image artifact with it.
  const gold = layout.addImage({ tag: 'gold', layers: [256], seed: 'sel-gold', annotations: { tier: 'gold' } });
  layout.addImage({ tag: 'plain', layers: [256], seed: 'sel-plain' });
  layout.addImage({
    tag: 'thing',
    layers: [256],
    seed: 'sel-thing',
    configMediaType: 'application/vnd.acme.thing.config.v1+json',
    annotations: { tier: 'gold' },
  });
  layout.write();
  await Promise.all([
    seedImage(layout.dir, 'gold', src, 'apps/api:v1.0.0'),
    seedImage(layout.dir, 'plain', src, 'apps/api:v1.2.0'),
    seedImage(layout.dir, 'thing', src, 'apps/web:v2.0.0'),
    seedImage(layout.dir, 'gold', src, 'apps/web:v2.1.0'),
    seedImage(layout.dir, 'plain', src, 'tools/cli:v1.0.0'),
    seedImage(layout.dir, 'plain', src, 'scratch:v1.0.0'),
  ]);
  for (const tag of ['v0.9.0', 'v1.1.0', 'v1.3.0-rc1', 'latest', 'vnext']) await retag('apps/api', gold, tag);
  await retag('apps/web', gold, 'dev');

  file = join(tmp.path, 'replication.yaml');
  await writeFile(
    file,
    `${registriesAt(src, dst)}rules:
  - name: stages
    source: src
    destination: dst
    destination_namespace: mirror
    filters:
      name: apps/**
      tag: ["v*", "!*-rc*"]
      semver: ">=1.0.0"
      latest: 2
      labels: { tier: gold }
      resource: image
  - name: no-repository
    source: src
    destination: dst
    filters: { name: nms4cloud-* }
  - name: no-tag
    source: src
    destination: dst
    destination_namespace: regex
    filters:
      name: apps/**
      tag: { regex: 'release-.*' }
  - name: no-label
    source: src
    destination: dst
    destination_namespace: platinum
    filters:
      name: apps/**
      labels: { tier: platinum }
`,
  );
  const { config } = await loadConfig(file);
  const ran = await runConfig(config, { dryRun: true, command: 'plan' });
  expect(ran.report.ruleErrors).toEqual([]);
  plan = ran.plan;
}, 120_000);

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

const rule = (name: string): RulePlan => plan.rules.find((r) => r.rule === name)!;

describe('selection counts on a plain registry', () => {
  it('counts what each filter stage leaves out, and selected + left out = listed', () => {
    const { selection, items } = rule('stages');
    // apps/api: v0.9.0 (semver), v1.0.0 (latest: 2 keeps v1.2.0, v1.1.0), v1.1.0, v1.2.0 (no label),
    // v1.3.0-rc1 (tag), latest (tag), vnext (semver: not a version); apps/web: v2.0.0 (not an
    // image), v2.1.0, dev (tag). tools/cli and scratch: left out by name, their tags never listed.
    expect(selection).toEqual({
      repositories: { listed: 4, matched: 2 },
      tags: { listed: 10, selected: 2 },
      dropped: { name: 2, referrers: 0, tag: 3, semver: 2, latest: 1, labels: 1, resource: 1, platforms: 0 },
    });
    expect(items.filter((i) => i.action === 'copy').map((i) => `${i.destinationRepository}:${i.tag}`)).toEqual(
      expect.arrayContaining(['mirror/api:v1.1.0', 'mirror/web:v2.1.0']),
    );
    expect(items.filter((i) => i.action === 'copy')).toHaveLength(2);
    const skipped = Object.fromEntries(items.filter((i) => i.action === 'skip').map((i) => [i.tag, i.reason]));
    expect(skipped).toEqual({
      'v1.2.0': 'does not carry the labels tier=gold',
      'v2.0.0': 'not an image (config application/vnd.acme.thing.config.v1+json); the rule copies images only',
    });
    expect(rule('stages').warnings.filter((w) => w.includes('selects nothing'))).toEqual([]);
  });

  it('a rule that selects nothing is a warning naming the stage that left everything out', () => {
    expect(rule('no-repository').selection).toMatchObject({ repositories: { listed: 4, matched: 0 } });
    expect(rule('no-repository').warnings).toContain(
      'the rule selects nothing: its name filter matches none of the 4 repositories the source lists',
    );
    expect(rule('no-tag').selection).toMatchObject({ tags: { listed: 10, selected: 0 } });
    expect(rule('no-tag').warnings).toContain('the rule selects nothing: of 10 tags, the tag filter left out 10');
    // Labels are read from the manifests: the stage that empties the rule is still named.
    expect(rule('no-label').selection).toEqual({
      repositories: { listed: 4, matched: 2 },
      tags: { listed: 10, selected: 0 },
      dropped: { name: 2, referrers: 0, tag: 0, semver: 0, latest: 0, labels: 9, resource: 1, platforms: 0 },
    });
    expect(rule('no-label').warnings).toContain(
      'the rule selects nothing: of 10 tags, the labels filter left out 9, the resource filter left out 1',
    );
  });

  it('the PR comment shows the counts and calls out a rule the pull request adds that selects nothing', () => {
    const comment = renderPlan(plan, { changedRules: ['no-label'] });
    expect(comment).toContain(
      'Selected: 2 of 4 repositories (2 left out by name) · 2 of 10 tags (left out: 3 by tag, 2 by semver, 1 by latest, 1 by labels, 1 by resource)',
    );
    expect(comment).toContain(
      '> 🔎 **Rule `no-label` selects nothing** (new or changed in this pull request): of 10 tags, the labels filter left out 9, the resource filter left out 1',
    );
    // Rules the pull request leaves alone are not called out.
    expect(comment).not.toContain('Rule `no-tag` selects nothing');
  });

  it('ferry plan prints the counts per rule and the warnings', async () => {
    expect(renderPlanText(plan)).toContain(
      'selected: 2 of 4 repositories (2 left out by name) · 2 of 10 tags (left out: 3 by tag, 2 by semver, 1 by latest, 1 by labels, 1 by resource)',
    );
    const { result: code, out } = await captureConsole(() => planCommand({ config: file, rule: [] }));
    expect(code, out).toBe(0);
    expect(out).toContain('2 of 10 tags (left out: 3 by tag, 2 by semver, 1 by latest, 1 by labels, 1 by resource)');
    expect(out).toContain('warning: the rule selects nothing: of 10 tags, the tag filter left out 10');
    expect(out).toContain('warning: the rule selects nothing: its name filter matches none of the 4 repositories');
  });
});

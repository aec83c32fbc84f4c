/**
 * A dry run plans every rule against the registries as they are; the run plans each rule after
 * the rules before it have run (plan-vs-run audit: a chain copied tags its plan never showed, and a
 * deletion the plan refused happened). Where an earlier rule changes what a rule reads or deletes
 * among, the rule's plan says so; elsewhere it says nothing.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runConfig } from '../../../src/replicate/run.js';
import { dirPerTest } from '../../support/engine.js';
import { putLayoutImage } from '../../support/layout-image.js';

const tmp = dirPerTest('ferry-rule-order-');

function load(d: string, rules: string) {
  const { config, diagnostics } = parseConfig(
    `version: 1
registries:
  src: { type: oci-layout, path: ${join(d, 'src')} }
  mid: { type: oci-layout, path: ${join(d, 'mid')} }
  dst: { type: oci-layout, path: ${join(d, 'dst')} }
rules:
${rules}`,
    join(d, 'replication.yaml'),
  );
  expect(config, JSON.stringify(diagnostics)).toBeDefined();
  return config!;
}

test('a chained rule’s plan says the rule before it changes what it reads', async () => {
  const d = tmp();
  await putLayoutImage(new OciLayoutStore('src', join(d, 'src')), 'team/app', 'v1');
  const cfg = load(
    d,
    `  - { name: to-mid, source: src, destination: mid }
  - { name: mid-to-dst, source: mid, destination: dst, filters: { name: "team/**" } }
`,
  );
  const { plan } = await runConfig(cfg, { dryRun: true });
  expect(plan.rules[1]!.warnings).toContain(
    'rule to-mid runs before this one and changes 1 tag in mid that this rule reads (team/app:v1): this plan shows mid as it is now; the run plans this rule after to-mid has run, and carries what it changed there on',
  );
  expect(plan.rules[0]!.warnings).toEqual([]);
  // The run does carry it on: what the warning told the reviewer.
  const { report } = await runConfig(cfg, { dryRun: false });
  expect(report.results.map((r) => `${r.rule} ${r.status}`).sort()).toEqual(['mid-to-dst copied', 'to-mid copied']);
  // Nothing left to change: nothing to warn of.
  const again = await runConfig(cfg, { dryRun: true });
  expect(again.plan.rules.flatMap((r) => r.warnings)).toEqual([]);
});

test('a deleting rule’s plan says an earlier rule changes tags where it deletes', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'proj-a/app', 'y');
  await putLayoutImage(src, 'proj-b/app', 'keep');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'mirror/app', 'x');
  await putLayoutImage(dst, 'mirror/app', 'keep');
  const cfg = load(
    d,
    `  - { name: ra, source: src, destination: dst, destination_namespace: mirror, filters: { name: "proj-a/*" } }
  - name: rb
    source: src
    destination: dst
    destination_namespace: mirror
    filters: { name: "proj-b/*" }
    delete_remote: { enabled: true, max: 5 }
`,
  );
  const { plan } = await runConfig(cfg, { dryRun: true });
  expect(plan.rules[1]!.warnings).toEqual([
    "rule ra runs before this one and changes 1 tag in repositories where this rule may delete (mirror/app:y): the run plans this rule's deletions after ra has run, so they can differ from this plan's (a tag it moves no longer shares a digest, say)",
  ]);
  // A rule that deletes nothing hears nothing of it.
  const copying = load(
    d,
    `  - { name: ra, source: src, destination: dst, destination_namespace: mirror, filters: { name: "proj-a/*" } }
  - { name: rb, source: src, destination: dst, destination_namespace: mirror, filters: { name: "proj-b/*" } }
`,
  );
  expect((await runConfig(copying, { dryRun: true })).plan.rules[1]!.warnings).toEqual([]);
});

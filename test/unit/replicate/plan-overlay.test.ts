/**
 * The run carries its rules out one after another, each planned when its turn comes; a dry run
 * writes nothing, so it plans each rule on the registries as the rules before it leave them
 * (replicate/overlay.ts). Before, it planned every rule on the registries as they were: a chain's
 * plan said "selects nothing" while the run copied its tags (plan-vs-run audit). Each test here
 * compares the dry run's rows with the run's, item by item.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import type { Digest } from '../../../src/oci/digest.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import type { RunReport } from '../../../src/replicate/result.js';
import { runConfig } from '../../../src/replicate/run.js';
import { dirPerTest } from '../../support/engine.js';
import { putLayoutImage, putLayoutIndex } from '../../support/layout-image.js';

const tmp = dirPerTest('ferry-plan-overlay-');

function load(d: string, rules: string) {
  const { config, diagnostics } = parseConfig(
    `version: 1
registries:
  src: { type: oci-layout, path: ${join(d, 'src')} }
  mid: { type: oci-layout, path: ${join(d, 'mid')} }
  top: { type: oci-layout, path: ${join(d, 'top')} }
  dst: { type: oci-layout, path: ${join(d, 'dst')} }
rules:
${rules}`,
    join(d, 'replication.yaml'),
  );
  expect(config, JSON.stringify(diagnostics)).toBeDefined();
  return config!;
}

const DONE: Record<string, string> = { 'would-copy': 'copied', 'would-update': 'updated', 'would-delete': 'deleted' };

/** Each row as `rule registry/repository:tag status digest`, a dry run's statuses read as the run's. */
function rows(report: RunReport): string[] {
  return report.results
    .map((r) => {
      const where = r.destination.replace(/^.*\/(mid|top|dst)\//, '$1/');
      return `${r.rule} ${where} ${DONE[r.status] ?? r.status} ${r.sourceDigest ?? '-'}`;
    })
    .sort();
}

/** The dry run, then the run: their rows must agree, and a second dry run finds nothing to do. */
async function planThenRun(cfg: ReturnType<typeof load>) {
  const plan = await runConfig(cfg, { dryRun: true });
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(plan.report)).toEqual(rows(run.report));
  return { plan, run };
}

test('a chain’s second rule is planned on what the first one copies', async () => {
  const d = tmp();
  const v1 = await putLayoutImage(new OciLayoutStore('src', join(d, 'src')), 'team/app', 'v1');
  const cfg = load(
    d,
    `  - { name: to-mid, source: src, destination: mid }
  - { name: mid-to-dst, source: mid, destination: dst, filters: { name: "team/**" } }
`,
  );
  const { plan } = await planThenRun(cfg);
  expect(rows(plan.report)).toEqual([`mid-to-dst dst/team/app:v1 copied ${v1}`, `to-mid mid/team/app:v1 copied ${v1}`]);
  // Before: "the rule selects nothing", while the run copied the tag.
  expect(plan.plan.rules.flatMap((r) => r.warnings)).toEqual([]);
  // The reviewer reads why a tag mid does not hold yet is planned.
  expect(plan.report.results.find((r) => r.rule === 'mid-to-dst')?.reason).toMatch(
    /^rule to-mid writes it to oci:\S*\/mid first, earlier in this run$/,
  );
  const again = await runConfig(cfg, { dryRun: true });
  expect(again.report.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
});

test('a chain of three reads through both earlier rules, and a deletion travels down it', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  const keep = await putLayoutImage(src, 'app', 'keep');
  const gone = await putLayoutImage(src, 'app', 'gone');
  const deleting = 'delete_remote: { enabled: true, max: 5, acknowledge_match_all: true }';
  const cfg = load(
    d,
    `  - { name: one, source: src, destination: mid, ${deleting} }
  - { name: two, source: mid, destination: top, ${deleting} }
  - { name: three, source: top, destination: dst, ${deleting} }
`,
  );
  await planThenRun(cfg);
  // The source loses a tag: each rule deletes it where the one before it deleted it.
  await src.deleteTag('app', 'gone', gone as Digest);
  const { plan } = await planThenRun(cfg);
  expect(rows(plan.report)).toEqual([
    'one mid/app:gone deleted -',
    `one mid/app:keep unchanged ${keep}`,
    'three dst/app:gone deleted -',
    `three dst/app:keep unchanged ${keep}`,
    'two top/app:gone deleted -',
    `two top/app:keep unchanged ${keep}`,
  ]);
});

test('a platforms: rule’s subset index is what the next rule of the chain reads', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutIndex(src, 'app', 'v1', ['amd64', 'arm64']);
  const cfg = load(
    d,
    `  - { name: amd64-only, source: src, destination: mid, platforms: [linux/amd64], filters: { tag: [v1] } }
  - { name: onwards, source: mid, destination: dst }
`,
  );
  const { plan, run } = await planThenRun(cfg);
  const onwards = plan.report.results.find((r) => r.rule === 'onwards');
  // The digest the second rule plans to copy is the subset the first one writes, not the source's.
  expect(onwards?.sourceDigest).toBe(run.report.results.find((r) => r.rule === 'amd64-only')?.destinationDigest);
});

test('a rule deleting where an earlier rule writes is planned on what that rule leaves', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  const y = await putLayoutImage(src, 'proj-a/app', 'y');
  const keep = await putLayoutImage(src, 'proj-b/app', 'keep');
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
  const { plan } = await planThenRun(cfg);
  // ra's tag y, copied before rb is planned, is ra's: no row of rb's, in the plan as in the run.
  expect(rows(plan.report)).toEqual([
    `ra dst/mirror/app:y copied ${y}`,
    `rb dst/mirror/app:keep updated ${keep}`,
    'rb dst/mirror/app:x deleted -',
  ]);
  expect(plan.plan.rules.flatMap((r) => r.warnings)).toEqual([]);
});

/**
 * Two rules that write one destination repository: each sees the other's tags as "not at the
 * source". A deletion of a tag another enabled rule writes there is refused, whichever rule runs
 * first, and said so; tags outside every other rule's filters are deleted as before.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runConfig } from '../../../src/replicate/run.js';
import { dirPerTest } from '../../support/engine.js';
import { putLayoutImage } from '../../support/layout-image.js';

const tmp = dirPerTest('ferry-shared-destination-');

function config(d: string, a: string, b: string) {
  const { config, diagnostics } = parseConfig(
    `version: 1
registries:
  src: { type: oci-layout, path: ${join(d, 'src')} }
  dst: { type: oci-layout, path: ${join(d, 'dst')} }
rules:
  - name: a
    source: src
    destination: dst
    destination_namespace: m
    ${a}
    delete_remote: { enabled: true, max: 10 }
  - name: b
    source: src
    destination: dst
    destination_namespace: m
    ${b}
    delete_remote: { enabled: true, max: 10 }
`,
    join(d, 'replication.yaml'),
  );
  expect(config, JSON.stringify(diagnostics)).toBeDefined();
  return config!;
}

/** The rules file over layouts src, dst and gone (a path with nothing), with these rules. */
function rulesOf(d: string, rules: string) {
  return parseConfig(
    `version: 1
registries:
  src: { type: oci-layout, path: ${join(d, 'src')} }
  dst: { type: oci-layout, path: ${join(d, 'dst')} }
  gone: { type: oci-layout, path: ${join(d, 'gone')} }
rules:
${rules}`,
    join(d, 'replication.yaml'),
  ).config!;
}

test('two rules flattening onto one repository keep each other’s tags, run after run, without a row for them', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  await putLayoutImage(src, 'ops/app', 'b1');
  const cfg = config(d, 'filters: { name: ["team/**"] }', 'filters: { name: ["ops/**"] }');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));

  for (let run = 1; run <= 2; run++) {
    const { report } = await runConfig(cfg, { dryRun: false });
    expect(
      report.results.filter((r) => r.status === 'deleted'),
      `run ${run}`,
    ).toEqual([]);
    expect((await dst.listTags('m/app')).sort(), `run ${run}`).toEqual(['a1', 'b1']);
  }
  const plan = await runConfig(cfg, { dryRun: true });
  expect(plan.report.results.map((r) => `${r.rule} ${r.tag} ${r.status}`).sort()).toEqual([
    'a a1 unchanged',
    'b b1 unchanged',
  ]);
  expect(plan.report.warnings ?? []).toEqual([]);
});

test('a tag gone from its own rule’s source, which no other rule’s source holds, is deleted', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  await putLayoutImage(src, 'ops/app', 'b1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'm/app', 'a0'); // team/app:a0, deleted at the source since the last run
  const cfg = config(d, 'filters: { name: ["team/**"] }', 'filters: { name: ["ops/**"] }');
  const { report } = await runConfig(cfg, { dryRun: false });
  expect(report.results.filter((r) => r.status === 'deleted').map((r) => `${r.rule} ${r.tag}`)).toEqual([
    // Each rule sees a0 as its own extra: the first deletes it, the second finds it gone.
    'a a0',
  ]);
  expect((await dst.listTags('m/app')).sort()).toEqual(['a1', 'b1']);
});

test('another rule whose source cannot be listed keeps this rule’s deletions where it has extras, and says why', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'm/app', 'a0');
  const cfg = config(d, 'filters: { name: ["team/**"] }', 'filters: { name: ["ops/**"] }');
  const broken = {
    ...cfg,
    registries: new Map(cfg.registries).set('gone', {
      ...cfg.registries.get('src')!,
      name: 'gone',
      path: join(d, 'gone'),
    }),
    rules: cfg.rules.map((r) => (r.name === 'b' ? { ...r, source: 'gone' } : r)),
  };
  const { report } = await runConfig(broken, { dryRun: true, rules: ['a'] });
  const a0 = report.results.find((r) => r.tag === 'a0');
  expect(a0?.status).toBe('refused');
  expect(a0?.reason).toMatch(/rule b also writes into dst, and what it writes in m\/app could not be listed/);
});

test('another rule whose source lists none of its repositories (an empty catalog) keeps what it wrote', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  // b1 came from ops/app under rule b; this run's listing of the source shows no ops/ repository.
  await putLayoutImage(dst, 'm/app', 'a1');
  await putLayoutImage(dst, 'm/app', 'b1');
  const cfg = config(d, 'filters: { name: ["team/**"] }', 'filters: { name: ["ops/**"] }');
  const { report } = await runConfig(cfg, { dryRun: false, rules: ['a'] });
  // Before, rule a deleted b1 as "not at the source".
  expect(report.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect(report.results.find((r) => r.tag === 'b1')?.reason).toMatch(
    /rule b also writes into dst, and its source src lists no repository it selects, so what it wrote in m\/app is not known/,
  );
  expect((await dst.listTags('m/app')).sort()).toEqual(['a1', 'b1']);
});

test('a tag outside every other rule’s tag filter is still deleted', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'v1.1');
  await putLayoutImage(src, 'team/app', 'v2.1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'm/app', 'v1.0');
  await putLayoutImage(dst, 'm/app', 'v2.0');
  const cfg = config(
    d,
    'filters: { name: ["team/**"], tag: ["v1.*"] }',
    'filters: { name: ["team/**"], tag: ["v2.*"] }',
  );
  const { report } = await runConfig(cfg, { dryRun: false });
  expect(
    report.results
      .filter((r) => r.status === 'deleted')
      .map((r) => `${r.rule} ${r.tag}`)
      .sort(),
  ).toEqual(['a v1.0', 'b v2.0']);
});

test('another rule’s source answering no tag in scope (a lagging replica) deletes nothing of its tags', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  await putLayoutImage(src, 'ops/app', 'b1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'm/app', 'b1');
  await putLayoutImage(dst, 'm/app', 'b2');
  // Rule b's source lists ops/app with tags none of which its filter selects, for this run.
  const cfg = config(d, 'filters: { name: ["team/**"] }', 'filters: { name: ["ops/**"], tag: ["nothing-*"] }');
  const { report } = await runConfig(cfg, { dryRun: true, rules: ['a'] });
  expect(report.results.filter((r) => r.status === 'would-delete')).toEqual([]);
  expect(report.results.find((r) => r.tag === 'b2')?.reason).toMatch(
    /its source src\/ops\/app lists no tag it selects/,
  );
});

test('two registry entries for one address are one destination: the other rule’s tags are kept', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  await putLayoutImage(src, 'ops/app', 'b1');
  const cfg = config(d, 'filters: { name: ["team/**"] }', 'filters: { name: ["ops/**"] }');
  // Rule b names the same layout under another registry entry.
  const twin = {
    ...cfg,
    registries: new Map(cfg.registries).set('dst2', { ...cfg.registries.get('dst')!, name: 'dst2' }),
    rules: cfg.rules.map((r) => (r.name === 'b' ? { ...r, destination: 'dst2' } : r)),
  };
  for (let run = 1; run <= 2; run++) {
    const { report } = await runConfig(twin, { dryRun: false });
    expect(
      report.results.filter((r) => r.status === 'deleted'),
      `run ${run}`,
    ).toEqual([]);
  }
  expect((await new OciLayoutStore('dst', join(d, 'dst')).listTags('m/app')).sort()).toEqual(['a1', 'b1']);
});

test('two rules writing one tag from different sources: the earlier rule’s, in the plan and the run, and no rewrite after', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  const teams = await putLayoutImage(src, 'team/app', 'v1');
  await putLayoutImage(src, 'ops/app', 'v1'); // another image under the same tag
  await putLayoutImage(src, 'ops/app', 'v2');
  const cfg = rulesOf(
    d,
    `  - { name: a, source: src, destination: dst, destination_namespace: m, filters: { name: ["team/**"] } }
  - { name: b, source: src, destination: dst, destination_namespace: m, filters: { name: ["ops/**"] } }
`,
  );
  const rows = (results: { rule: string; tag: string; status: string }[]) =>
    results.map((r) => `${r.rule} ${r.tag} ${r.status}`).sort();
  const plan = await runConfig(cfg, { dryRun: true });
  // Before, the plan showed both rules copying v1; the run copied it, then b overwrote it, and
  // every later run wrote it twice.
  expect(rows(plan.report.results)).toEqual(['a v1 would-copy', 'b v1 skipped', 'b v2 would-copy']);
  expect(plan.report.results.find((r) => r.rule === 'b' && r.tag === 'v1')?.reason).toBe(
    "rule a, before this one in the run, also writes m/app:v1: the tag is that rule's, and this rule leaves it",
  );
  expect(plan.plan.rules[1]!.warnings).toEqual([
    "rule a, before this one in the run, also writes 1 tag of m/app that this rule selects (v1): they are that rule's, and this rule leaves them; give the rules different destination namespaces or tag filters if both sources' tags should be kept",
  ]);
  const run = await runConfig(cfg, { dryRun: false });
  expect(rows(run.report.results)).toEqual(['a v1 copied', 'b v1 skipped', 'b v2 copied']);
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  expect((await dst.manifestHead('m/app', 'v1'))?.digest).toBe(teams);
  const again = await runConfig(cfg, { dryRun: false });
  expect(rows(again.report.results)).toEqual(['a v1 unchanged', 'b v1 skipped', 'b v2 unchanged']);
});

test('two rules reading one tag from the same source repository both may write it: the same image, no warning', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'v1');
  const cfg = rulesOf(
    d,
    `  - { name: a, source: src, destination: dst, destination_namespace: m, filters: { tag: ["v*"] } }
  - { name: b, source: src, destination: dst, destination_namespace: m, filters: { tag: ["v1*"] } }
`,
  );
  const plan = await runConfig(cfg, { dryRun: true });
  // b is planned on what a leaves: the image a copies is there, unchanged. Before, the plan said
  // both copy it, and the run had b find it unchanged.
  expect(plan.report.results.map((r) => `${r.rule} ${r.tag} ${r.status}`).sort()).toEqual([
    'a v1 would-copy',
    'b v1 unchanged',
  ]);
  expect(plan.report.warnings ?? []).toEqual([]);
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.results.map((r) => `${r.rule} ${r.tag} ${r.status}`).sort()).toEqual([
    'a v1 copied',
    'b v1 unchanged',
  ]);
});

test('another rule that selects nothing yet, writing under another namespace, does not hold up this rule’s deletions', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'a1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'm/app', 'a1');
  await putLayoutImage(dst, 'm/app', 'a0'); // gone from team/app since the last run
  const cfg = rulesOf(
    d,
    `  - name: a
    source: src
    destination: dst
    destination_namespace: m
    filters: { name: ["team/**"] }
    delete_remote: { enabled: true, max: 10 }
  - { name: b, source: src, destination: dst, destination_namespace: n, filters: { name: ["nothing-yet/**"] } }
`,
  );
  const { report } = await runConfig(cfg, { dryRun: true, rules: ['a'] });
  // Before (the first fix for an empty catalog): refused, "rule b … what it wrote in m/app is not known".
  expect(report.results.find((r) => r.tag === 'a0')?.status).toBe('would-delete');
});

const v1Rows = (results: { rule: string; tag: string; status: string }[]) =>
  results
    .filter((r) => r.tag === 'v1')
    .map((r) => `${r.rule} ${r.status}`)
    .sort();

test('a tag the earlier rule’s filters leave out is not its: the later rule writes it', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'v1');
  const ops = await putLayoutImage(src, 'ops/app', 'v1');
  const cfg = rulesOf(
    d,
    `  - { name: a, source: src, destination: dst, destination_namespace: m, filters: { name: ["team/**"], resource: artifact } }
  - { name: b, source: src, destination: dst, destination_namespace: m, filters: { name: ["ops/**"] } }
`,
  );
  // a leaves v1 out (an image; it copies artifacts only). Before, a owned v1 by its listing's names
  // and nobody wrote it.
  expect(v1Rows((await runConfig(cfg, { dryRun: false })).report.results)).toEqual(['a skipped', 'b copied']);
  expect((await new OciLayoutStore('dst', join(d, 'dst')).manifestHead('m/app', 'v1'))?.digest).toBe(ops);
});

test('a third rule whose source cannot be read does not take the earlier rule’s tag from it', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  const team = await putLayoutImage(src, 'team/app', 'v1');
  await putLayoutImage(src, 'ops/app', 'v1');
  const cfg = rulesOf(
    d,
    `  - { name: a, source: src, destination: dst, destination_namespace: m, filters: { name: ["team/**"] } }
  - { name: c, source: gone, destination: dst, destination_namespace: m }
  - { name: b, source: src, destination: dst, destination_namespace: m, filters: { name: ["ops/**"] } }
`,
  );
  // Before, c's failure emptied the answer about a, and b overwrote a's v1 on every run.
  expect(v1Rows((await runConfig(cfg, { dryRun: false })).report.results)).toEqual(['a copied', 'b skipped']);
  expect((await new OciLayoutStore('dst', join(d, 'dst')).manifestHead('m/app', 'v1'))?.digest).toBe(team);
});

test('a pull request’s plan of a rule its merge runs counts only the rules the merge runs before it', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  await putLayoutImage(src, 'team/app', 'v1');
  await putLayoutImage(src, 'ops/app', 'v1');
  const cfg = rulesOf(
    d,
    `  - { name: a, source: src, destination: dst, destination_namespace: m, filters: { name: ["team/**"] } }
  - { name: b, source: src, destination: dst, destination_namespace: m, filters: { name: ["ops/**"] } }
`,
  );
  // The merge runs b alone: it writes v1, so its plan says so (before, "skipped: rule a … writes it").
  const pr = await runConfig(cfg, { dryRun: true, mergeRules: new Set(['b']) });
  expect(v1Rows(pr.report.results)).toEqual(['a would-copy', 'b would-copy']);
  // A run of the whole file leaves it to a.
  expect(v1Rows((await runConfig(cfg, { dryRun: true })).report.results)).toEqual(['a would-copy', 'b skipped']);
});

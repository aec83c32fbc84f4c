/**
 * A dry run plans each rule on the registries as the rules before it leave them, as the run plans
 * it after they have run (src/replicate/overlay.ts). Real registries (distribution 2.8.2, which
 * deletes by digest): the plan-vs-run audit's two worst findings, planned and then run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { RunReport } from '../../src/replicate/result.js';
import { runConfig } from '../../src/replicate/run.js';
import { createLayout } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectDigest, refOptions, seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

let tmp: TempDir;
let src: RunningRegistry;
let mid: RunningRegistry;
let dst: RunningRegistry;
let layoutDir: string;

beforeAll(async () => {
  tmp = await createTempDir('ferry-plan-overlay-');
  [src, mid, dst] = await Promise.all([
    startRegistry({ mode: 'anonymous' }),
    startRegistry({ mode: 'anonymous' }),
    startRegistry({ mode: 'anonymous' }),
  ]);
  const layout = await createLayout(join(tmp.path, 'layout'));
  for (const tag of ['d', 'e', 'f']) layout.addImage({ tag, layers: [256], seed: `plan-overlay-${tag}` });
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ];
  for (const tag of ['m1', 'm2']) layout.addIndex({ tag, platforms, layers: [64], seed: `plan-overlay-${tag}` });
  layout.write();
  layoutDir = layout.dir;
});

afterAll(async () => {
  await Promise.all([src?.stop(), mid?.stop(), dst?.stop()]);
  await tmp?.remove();
});

const DONE: Record<string, string> = { 'would-copy': 'copied', 'would-update': 'updated', 'would-delete': 'deleted' };

/** Each row as `rule repository:tag status`, a dry run's statuses read as the run's. */
function rows(report: RunReport): string[] {
  return report.results
    .map((r) => `${r.rule} ${r.destination.replace(/^[^/]*\//, '')} ${DONE[r.status] ?? r.status}`)
    .sort();
}

async function configOf(name: string, rules: string, registries = '') {
  const file = join(tmp.path, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1
registries:
  src: { type: registry, url: ${src.url} }
  mid: { type: registry, url: ${mid.url} }
  dst: { type: registry, url: ${dst.url} }
${registries}rules:
${rules}`,
  );
  return (await loadConfig(file)).config;
}

test('a deletion an earlier rule makes possible (it moves the tag sharing the digest) is in the plan', async () => {
  // The mirror holds keep and old at one digest; at the source, a/app's keep has moved on.
  await Promise.all([
    seedImage(layoutDir, 'd', dst, 'mirror/app:keep'),
    seedImage(layoutDir, 'd', dst, 'mirror/app:old'),
    seedImage(layoutDir, 'e', src, 'a/app:keep'),
    seedImage(layoutDir, 'f', src, 'b/app:other'),
  ]);
  const config = await configOf(
    'shared-digest',
    `  - { name: ra, source: src, destination: dst, destination_namespace: mirror, filters: { name: "a/*" } }
  - name: rb
    source: src
    destination: dst
    destination_namespace: mirror
    filters: { name: "b/*" }
    delete_remote: { enabled: true, max: 5 }
`,
  );
  const plan = await runConfig(config, { dryRun: true });
  // Before: the plan refused old's deletion (it would take keep along, at the same digest), and the
  // run, planning rb after ra had moved keep, deleted it.
  expect(rows(plan.report)).toEqual([
    'ra mirror/app:keep updated',
    'rb mirror/app:old deleted',
    'rb mirror/app:other copied',
  ]);
  const run = await runConfig(config, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(run.report)).toEqual(rows(plan.report));
  const digest = (r: RunningRegistry, ref: string) => inspectDigest(dockerRef(r, ref), refOptions(r));
  expect(await digest(dst, 'mirror/app:keep')).toBe(await digest(src, 'a/app:keep'));
});

test('a chain across three registries is planned as it runs', async () => {
  await seedImage(layoutDir, 'e', src, 'team/web:v1');
  const config = await configOf(
    'chain',
    `  - { name: to-mid, source: src, destination: mid, filters: { name: "team/**" } }
  - { name: mid-to-dst, source: mid, destination: dst, destination_namespace: prod }
`,
  );
  const plan = await runConfig(config, { dryRun: true });
  // Before: "the rule selects nothing: the source lists no repositories", and the run copied v1.
  expect(rows(plan.report)).toEqual(['mid-to-dst prod/web:v1 copied', 'to-mid team/web:v1 copied']);
  expect(plan.report.warnings ?? []).toEqual([]);
  const run = await runConfig(config, { dryRun: false });
  expect(rows(run.report)).toEqual(rows(plan.report));
});

test('a repository an earlier rule creates is read only where the registry’s listing would show it', async () => {
  await Promise.all([
    seedImage(layoutDir, 'd', src, 'scoped/app:v1'),
    seedImage(layoutDir, 'e', src, 'scoped/other:v1'),
  ]);
  const config = await configOf(
    'scoped',
    `  - { name: a, source: src, destination: mid, filters: { name: "scoped/**" } }
  - { name: b, source: scoped-mid, destination: dst }
`,
    `  scoped-mid: { type: registry, url: ${mid.url}, repositories: [scoped/app] }
`,
  );
  const plan = await runConfig(config, { dryRun: true });
  // Before (review): the plan also copied scoped/other, which the run's scoped listing never shows.
  expect(rows(plan.report)).toEqual(['a scoped/app:v1 copied', 'a scoped/other:v1 copied', 'b scoped/app:v1 copied']);
  const run = await runConfig(config, { dryRun: false });
  expect(rows(run.report)).toEqual(rows(plan.report));
});

test('a chain of multi-platform indexes is read from where the earlier rule copies it: no request for what is not there yet', async () => {
  await Promise.all(['m1', 'm2'].map((t) => seedImage(layoutDir, t, src, `multi/app:${t}`)));
  const config = await configOf(
    'multi',
    `  - { name: a, source: src, destination: mid, filters: { name: "multi/**" } }
  - { name: b, source: mid, destination: dst, destination_namespace: copy, platforms: [linux/arm64], filters: { name: "multi/**" } }
`,
  );
  const misses = async () =>
    (
      (await readFile(mid.logFile, 'utf8')).match(
        /"(GET|HEAD) \/v2\/multi\/app\/manifests\/sha256:[0-9a-f]+ HTTP\/1.1" 404/g,
      ) ?? []
    ).length;
  const before = await misses();
  const plan = await runConfig(config, { dryRun: true });
  // Before (review): one 404 at mid per index, asked there before asking where the copy reads it.
  expect((await misses()) - before).toBe(0);
  const run = await runConfig(config, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(run.report)).toEqual(rows(plan.report));
  expect(plan.report.results.filter((r) => r.rule === 'b').map((r) => r.reason)).toEqual([
    expect.stringMatching(/^rule a writes it to .* first, earlier in this run; platform subset/),
    expect.stringMatching(/^rule a writes it to .* first, earlier in this run; platform subset/),
  ]);
});

test('a chain from Docker Hub plans its second rule without pulling from Docker Hub again', async () => {
  await Promise.all(['d', 'e', 'f'].map((t) => seedImage(layoutDir, t, src, `acme/web:${t}`)));
  const config = await configOf(
    'hub',
    `  - { name: a, source: hub, destination: mid }
  - { name: b, source: mid, destination: dst, destination_namespace: from-hub, filters: { name: "acme/**" } }
`,
    `  hub: { type: dockerhub, url: ${src.url}, repositories: [acme/web] }
`,
  );
  // Docker Hub counts every manifest GET as a pull.
  const pulls = async () =>
    ((await readFile(src.logFile, 'utf8')).match(/"GET \/v2\/acme\/web\/manifests\//g) ?? []).length;
  let before = await pulls();
  await runConfig(config, { dryRun: true, rules: ['a'] });
  const byA = (await pulls()) - before;
  before = await pulls();
  const plan = await runConfig(config, { dryRun: true });
  expect(plan.report.ruleErrors).toEqual([]);
  expect(plan.report.results.filter((r) => r.rule === 'b').map((r) => r.status)).toEqual(Array(3).fill('would-copy'));
  // Before (review): planning b pulled each tag a copies from Docker Hub once more.
  expect((await pulls()) - before).toBe(byA);
});

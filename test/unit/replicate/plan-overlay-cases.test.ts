/**
 * More of the dry run's view of what earlier rules leave (replicate/overlay.ts), from a review of
 * its first version: each compares the dry run's rows with the run's. Registries are layouts, or
 * in-memory stores where a registry needs the referrers API or a listing with labels.
 */
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { StoreSet } from '../../../src/providers/index.js';
import type { Store } from '../../../src/providers/store.js';
import type { RunReport } from '../../../src/replicate/result.js';
import { runConfig } from '../../../src/replicate/run.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { dirPerTest } from '../../support/engine.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { MemoryStore } from '../../support/memory-store.js';

const tmp = dirPerTest('ferry-plan-overlay-cases-');
afterEach(() => vi.restoreAllMocks());

function load(d: string, rules: string, names = ['src', 'mid', 'other', 'dst']) {
  const { config, diagnostics } = parseConfig(
    `version: 1
registries:
${names.map((n) => `  ${n}: { type: oci-layout, path: ${join(d, n)} }`).join('\n')}
rules:
${rules}`,
    join(d, 'replication.yaml'),
  );
  expect(config, JSON.stringify(diagnostics)).toBeDefined();
  return config!;
}

const DONE: Record<string, string> = { 'would-copy': 'copied', 'would-update': 'updated', 'would-delete': 'deleted' };
function rows(report: RunReport): string[] {
  return report.results
    .map(
      (r) =>
        `${r.rule} ${r.destination.replace(/^.*?\/(mid|dst|other|src)\//, '$1/').replace(/^memory:/, '')} ${DONE[r.status] ?? r.status}`,
    )
    .sort();
}

test('a rule deleting where another rule writes reads that rule’s source as the earlier rules leave it', async () => {
  const d = tmp();
  await putLayoutImage(new OciLayoutStore('other', join(d, 'other')), 'app', 'T');
  await putLayoutImage(new OciLayoutStore('mid', join(d, 'mid')), 'app', 'M');
  await putLayoutImage(new OciLayoutStore('src', join(d, 'src')), 'app', 'K');
  await putLayoutImage(new OciLayoutStore('dst', join(d, 'dst')), 'app', 'T');
  const cfg = load(
    d,
    `  - { name: c, source: mid, destination: dst, filters: { tag: [M, T] } }
  - { name: a, source: other, destination: mid }
  - { name: b, source: src, destination: dst, filters: { tag: [K, T] }, delete_remote: { enabled: true, max: 5 } }
`,
  );
  const plan = await runConfig(cfg, { dryRun: true });
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(plan.report)).toEqual(rows(run.report));
});

test('a tag an earlier rule deletes from the other writer’s source is deleted in the plan as in the run', async () => {
  const d = tmp();
  await putLayoutImage(new OciLayoutStore('other', join(d, 'other')), 'app', 'O');
  const mid = new OciLayoutStore('mid', join(d, 'mid'));
  await putLayoutImage(mid, 'app', 'M');
  await putLayoutImage(mid, 'app', 'T');
  await putLayoutImage(new OciLayoutStore('src', join(d, 'src')), 'app', 'K');
  const cfg = load(
    d,
    `  - { name: c, source: mid, destination: dst, filters: { tag: [M, T] } }
  - { name: a, source: other, destination: mid, filters: { tag: [O, T] }, delete_remote: { enabled: true, max: 5 } }
  - { name: b, source: src, destination: dst, filters: { tag: [K, T] }, delete_remote: { enabled: true, max: 5 } }
`,
  );
  // dst/app:T is there already, from c.
  await runConfig(load(d, `  - { name: c, source: mid, destination: dst, filters: { tag: [M, T] } }\n`), {
    dryRun: false,
  });
  const plan = await runConfig(cfg, { dryRun: true });
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(plan.report)).toEqual(rows(run.report));
});

/** Every registry of the file served by an in-memory store with the referrers API. */
function memoryRegistries(stores: Record<string, Store>) {
  vi.spyOn(StoreSet.prototype, 'open').mockImplementation(async (name: string) => stores[name]!);
}

function signature(store: MemoryStore, repo: string, subject: { digest: string; size: number }) {
  const config = store.putBlob(repo, Buffer.from('{}'), MediaType.OciEmpty);
  const layer = store.putBlob(repo, Buffer.from(`signature of ${subject.digest}`));
  return store.putManifest(repo, {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    config,
    layers: [layer],
    subject: { mediaType: MediaType.OciManifest, digest: subject.digest, size: subject.size },
  });
}

test('referrers: always: a late referrer an earlier rule copies is there for the rule after it', async () => {
  const d = tmp();
  const [src, mid, dst] = ['src', 'mid', 'dst'].map((n) => new MemoryStore(n)) as [
    MemoryStore,
    MemoryStore,
    MemoryStore,
  ];
  let v1!: { digest: string; size: number };
  for (const s of [src, mid, dst]) v1 = s.putImage('app', [Buffer.from('layer v1')], { tag: 'v1' });
  const sig = signature(src, 'app', v1);
  memoryRegistries({ src, mid, dst });
  const cfg = load(
    d,
    `  - { name: a, source: src, destination: mid, referrers: always }
  - { name: b, source: mid, destination: dst, referrers: always }
`,
  );
  const plan = await runConfig(cfg, { dryRun: true });
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(run.report)).toContain(`b dst/app@${sig.digest} copied`);
  expect(rows(plan.report)).toEqual(rows(run.report));
});

/** A registry whose listing gives every tag's digest and labels (Harbor's artifacts API: a pushed artifact has none). */
class LabelledStore extends MemoryStore {
  readonly listsLabels = true;
  readonly labels = new Map<string, Record<string, string>>();
  async listTagDetails(repository: string) {
    return [...(this.tags.get(repository) ?? [])].map(([tag, digest]) => ({
      tag,
      digest,
      labels: this.labels.get(digest) ?? {},
    }));
  }
}

test('a listing with labels (Harbor) gives a tag an earlier rule copies the labels of its artifact: none', async () => {
  const d = tmp();
  const src = new MemoryStore('src');
  const mid = new LabelledStore('mid');
  const dst = new MemoryStore('dst');
  src.putImage('app', [Buffer.from('layer new')], { tag: 'new' });
  const old = mid.putImage('app', [Buffer.from('layer old')], { tag: 'old' });
  mid.labels.set(old.digest, { release: '' });
  memoryRegistries({ src, mid, dst });
  const cfg = load(
    d,
    `  - { name: a, source: src, destination: mid }
  - { name: b, source: mid, destination: dst, filters: { labels: { release: "" } } }
`,
  );
  const plan = await runConfig(cfg, { dryRun: true });
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(plan.report)).toEqual(rows(run.report));
});

/** A listing with digests and no creation time (GHCR's package versions, ghcr.ts listTagDetails). */
class DigestListingStore extends MemoryStore {
  async listTagDetails(repository: string) {
    return [...(this.tags.get(repository) ?? [])].map(([tag, digest]) => ({ tag, digest }));
  }
}

test('latest: orders tags an earlier rule copies as the run will, where the listing has no times (GHCR)', async () => {
  const d = tmp();
  const src = new MemoryStore('src');
  const mid = new DigestListingStore('mid');
  const dst = new MemoryStore('dst');
  for (const tag of ['v1.9.0', 'v1.10.0', 'main']) src.putImage('app', [Buffer.from(`layer ${tag}`)], { tag });
  memoryRegistries({ src, mid, dst });
  const cfg = load(
    d,
    `  - { name: a, source: src, destination: mid }
  - { name: b, source: mid, destination: dst, filters: { latest: 1 } }
`,
  );
  const plan = await runConfig(cfg, { dryRun: true });
  const run = await runConfig(cfg, { dryRun: false });
  expect(run.report.ruleErrors).toEqual([]);
  expect(rows(run.report)).toContain('b dst/app:v1.10.0 copied');
  // Before (review): the plan gave the copied tags one time, and picked v1.9.0 by name.
  expect(rows(plan.report)).toEqual(rows(run.report));
});

/**
 * The run carries its rules out one after another, each planned when its turn comes; a dry run
 * writes nothing, so it plans each rule on the registries as the rules before it leave them
 * (replicate/overlay.ts). Before, it planned every rule on the registries as they were: a chain's
 * plan said "selects nothing" while the run copied its tags (plan-vs-run audit). Each test here
 * compares the dry run's rows with the run's, item by item.
 */
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import type { Digest } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { StoreSet } from '../../../src/providers/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import type { Store } from '../../../src/providers/store.js';
import type { RunReport } from '../../../src/replicate/result.js';
import { runConfig } from '../../../src/replicate/run.js';
import { dirPerTest } from '../../support/engine.js';
import { putLayoutImage, putLayoutIndex } from '../../support/layout-image.js';
import { MemoryStore } from '../../support/memory-store.js';

const tmp = dirPerTest('ferry-plan-overlay-');
afterEach(() => vi.restoreAllMocks());

function load(d: string, rules: string) {
  const { config, diagnostics } = parseConfig(
    `version: 1
registries:
${['src', 'mid', 'top', 'other', 'dst'].map((n) => `  ${n}: { type: oci-layout, path: ${join(d, n)} }`).join('\n')}
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
      // A layout's `oci:<path>/<registry>/…`, a memory store's `memory:<registry>/…`.
      const where = r.destination.replace(/^.*?\/(mid|top|other|dst)\//, '$1/').replace(/^memory:/, '');
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

// From the reviews of the view's first version: registries are layouts, or in-memory stores where
// one needs the referrers API or a listing with labels or digests.

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
  expect(rows(run.report)).toContainEqual(expect.stringMatching(new RegExp(`^b dst/app@${sig.digest} copied `)));
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
  expect(rows(run.report)).toContainEqual(expect.stringMatching(/^b dst\/app:v1\.10\.0 copied /));
  // Before (review): the plan gave the copied tags one time, and picked v1.9.0 by name.
  expect(rows(plan.report)).toEqual(rows(run.report));
});

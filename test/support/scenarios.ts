/**
 * Generated replication scenarios for the "the plan is the run" invariant (issue 10).
 *
 * A seed (deterministic PRNG) picks a source (several repositories, some flattened onto one
 * destination repository), a destination (tags equal to or differing from the source's, extras,
 * tags sharing a digest, platforms of indexes tagged on their own) and a rule (tag/name filters,
 * semver, labels, resource, override, delete_remote with caps, acknowledge_match_all, platform
 * subsets, referrers: SBOMs under `sha256-<hex>` fallback tags, new, older or absent at the
 * destination, and fallback-shaped extras), plus injected failures: a source blob that cannot be read (a copy fails) and a listed
 * tag whose manifest HEAD answers "not found" (a listing glitch).
 *
 * `checkScenario` then asserts, for a dry-run plan, the run and a second plan:
 *   0. the plan's facts are the stores' (source and destination digests);
 *   1. the run has exactly one result per plan item, with the status the action promises
 *      (except copies of a failing blob: failed; deletions in a repository where a write failed:
 *      skipped), and none for tags the plan does not list;
 *   2. the dry-run plan equals the run's own plan;
 *   3. the second plan has nothing left to change (but what the injected failures left over);
 *   4. safety: the dry run writes nothing, and afterwards the destination holds exactly what
 *      the plan said (deleted tags gone, written tags at the planned digest, all else untouched);
 *   5. integrity: every index tagged at the destination still has all its platform manifests.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rule } from '../../src/config/types.js';
import { sha256 } from '../../src/oci/digest.js';
import type { PlanItem } from '../../src/plan/types.js';
import type { OciLayoutStore } from '../../src/providers/oci-layout.js';
import type { Store } from '../../src/providers/store.js';
import { mapRepository } from '../../src/rules/mapping.js';
import type { RuleRun } from '../../src/replicate/rule.js';
import type { Result } from '../../src/replicate/result.js';

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: small, fast, deterministic. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** `n` distinct elements, in a random order. */
  some<T>(xs: readonly T[], n: number): T[] {
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < n && pool.length) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// content

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const THING_CONFIG = 'application/vnd.example.thing.config.v1+json';
const THING_TYPE = 'application/vnd.example.thing.v1';
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Blob {
  digest: string;
  mediaType: string;
  data: Buffer;
}

/** A manifest and everything it reaches. */
export interface Node {
  /** Short name for messages: img3, art1, idx2, idx2/arm64. */
  key: string;
  kind: 'image' | 'artifact' | 'index';
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** Config and layers (images and artifacts). */
  blobs: Blob[];
  /** Platform manifests of an index. */
  children: Node[];
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];
const platformName = (p: { os: string; architecture: string; variant?: string }) =>
  [p.os, p.architecture, p.variant].filter(Boolean).join('/');

function blob(mediaType: string, data: Buffer): Blob {
  return { digest: sha256(data), mediaType, data };
}

function leaf(
  key: string,
  kind: 'image' | 'artifact',
  o: { platform?: Node['platform']; annotations?: Record<string, string>; artifactType?: boolean },
): Node {
  const config =
    kind === 'image'
      ? blob(OCI_CONFIG, Buffer.from(JSON.stringify({ ...(o.platform ?? PLATFORMS[0]), rootfs: { key } })))
      : blob(THING_CONFIG, Buffer.from(JSON.stringify({ thing: key })));
  const layer = blob(kind === 'image' ? OCI_LAYER : 'application/octet-stream', Buffer.from(`layer of ${key}`));
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(o.artifactType ? { artifactType: THING_TYPE } : {}),
    config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.data.length }],
    ...(o.annotations ? { annotations: o.annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return {
    key,
    kind,
    digest: sha256(bytes),
    mediaType: OCI_MANIFEST,
    bytes,
    blobs: [config, layer],
    children: [],
    ...(o.platform ? { platform: o.platform } : {}),
    ...(o.annotations ? { annotations: o.annotations } : {}),
  };
}

function index(key: string, platforms: NonNullable<Node['platform']>[], annotations?: Record<string, string>): Node {
  const children = platforms.map((p) => leaf(`${key}/${p.architecture}${p.variant ?? ''}`, 'image', { platform: p }));
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((c) => ({
      mediaType: c.mediaType,
      digest: c.digest,
      size: c.bytes.length,
      platform: c.platform,
    })),
    ...(annotations ? { annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return {
    key,
    kind: 'index',
    digest: sha256(bytes),
    mediaType: OCI_INDEX,
    bytes,
    blobs: [],
    children,
    ...(annotations ? { annotations } : {}),
  };
}

const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const SBOM = 'application/vnd.example.sbom.v1+json';

/** The referrers fallback tag of a manifest (`sha256-<hex>`). */
export const fallbackTag = (n: Node) => n.digest.replace(':', '-');

/** An SBOM of `subject` and the referrers fallback index listing it (what tools without the API push). */
function referrer(key: string, subject: Node): Node {
  const config = blob(OCI_EMPTY, Buffer.from('{}'));
  const layer = blob(SBOM, Buffer.from(`sbom ${key} of ${subject.digest}`));
  const d = (b: Blob) => ({ mediaType: b.mediaType, digest: b.digest, size: b.data.length });
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: SBOM,
      config: d(config),
      layers: [d(layer)],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length },
    }),
  );
  const sbom: Node = {
    key: `${key}/sbom`,
    kind: 'artifact',
    digest: sha256(bytes),
    mediaType: OCI_MANIFEST,
    bytes,
    blobs: [config, layer],
    children: [],
  };
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: sbom.digest, size: bytes.length, artifactType: SBOM }],
    }),
  );
  return { key, kind: 'index', digest: sha256(index), mediaType: OCI_INDEX, bytes: index, blobs: [], children: [sbom] };
}

/** Every manifest a node reaches, itself first. */
function manifestsOf(n: Node): Node[] {
  return [n, ...n.children.flatMap(manifestsOf)];
}

// ---------------------------------------------------------------------------------------------
// scenario

/** repository → tag → manifest */
export type Side = Map<string, Map<string, Node>>;

export interface Scenario {
  seed: number;
  rule: Rule;
  source: Side;
  destination: Side;
  /** Every manifest by digest (source and destination, children included). */
  nodes: Map<string, Node>;
  /** Source blobs whose read fails during the run (copies needing them fail). */
  failBlobs: Set<string>;
  /** A listed source tag whose manifest HEAD answers "not found" (plan and run). */
  glitch?: { repository: string; tag: string };
  /** The destination deletes by digest (every tag of the digest goes), as registry:2 does. */
  deletesByDigest: boolean;
  /** Source repositories of this scenario (a shared registry holds other scenarios' too). */
  sourceRepositories: string[];
  /** Destination repositories this scenario may touch or must leave alone. */
  destinationRepositories: string[];
  /** The destination repository the rule maps a source repository to. */
  destinationOf(repository: string): string;
  describe(): string;
}

export interface GenerateOptions {
  /** Destination deletes by digest (registry:2); the unit test picks half and half. */
  deletesByDigest: boolean;
  /** Repository name prefix (`s12/`), for scenarios sharing one registry. */
  prefix?: string;
  /** No repository without tags (a registry cannot hold one). */
  noEmptyRepositories?: boolean;
}

const SOURCE_REPOS = ['team-a/app', 'team-b/app', 'team-a/tool'];
const SOURCE_TAGS = ['v1.0.0', 'v1.1.0', 'v2.0.0', '1.2.3', 'v1.2.0-rc1', 'latest', 'dev', 'stable'];
const EXTRA_TAGS = ['old', 'v0.9.0', 'v1.0.1', 'nightly', 'v1.0.0-amd64', 'v1.5.0', 'legacy-rc1'];
const TAG_FILTERS: string[][] = [[], [], ['*'], ['v*'], ['v*', '!*-rc*'], ['v1.*', 'latest', 'old'], ['!dev']];
const LABELS = { tier: 'gold' };

export function generateScenario(seed: number, o: GenerateOptions): Scenario {
  const rng = new Rng(seed * 2654435761 + 12345);
  const prefix = o.prefix ?? '';
  const nodes = new Map<string, Node>();
  const remember = (n: Node) => {
    for (const m of manifestsOf(n)) nodes.set(m.digest, m);
    return n;
  };

  // Contents: images (some labelled), non-image artifacts, multi-arch indexes (always with amd64).
  const pool: Node[] = [];
  const poolSize = rng.int(3, 6);
  for (let i = 0; i < poolSize; i++) {
    const key = `s${seed}c${i}`;
    const labels = rng.chance(0.5) ? LABELS : rng.chance(0.5) ? { tier: 'silver' } : undefined;
    const kind = rng.pick(['image', 'image', 'index', 'index', 'artifact'] as const);
    if (kind === 'index') {
      const more = rng.some(PLATFORMS.slice(1), rng.int(1, 2));
      pool.push(remember(index(`${key}idx`, [PLATFORMS[0]!, ...more], labels)));
    } else
      pool.push(
        remember(
          leaf(`${key}${kind === 'image' ? 'img' : 'art'}`, kind, {
            annotations: labels,
            artifactType: kind === 'artifact' && rng.chance(0.5),
          }),
        ),
      );
  }

  // Rule.
  const namespace = rng.chance(0.6) ? `${prefix ? prefix.replace(/^s/, 'm').replace(/\/$/, '') : 'mirror'}` : undefined;
  const prefixDepth = prefix ? prefix.split('/').filter(Boolean).length : 0;
  const flattening = namespace ? rng.pick([-1, 0, 1, 1 + prefixDepth, 1 + prefixDepth]) : 1;
  const tagFilter = rng.pick(TAG_FILTERS);
  const semver = rng.chance(0.12) ? '>=1.0.0 <2.0.0' : undefined;
  const latest = rng.chance(0.08) ? 2 : undefined;
  const nameFilter = rng.pick([[], [], ['**'], [`${prefix}team-a/**`], ['**', `!${prefix}team-a/tool`]]);
  const rule: Rule = {
    name: `scenario-${seed}`,
    enabled: true,
    source: 'src',
    destination: 'dst',
    filters: {
      name: nameFilter,
      tag: tagFilter,
      labels: rng.chance(0.3) ? { ...LABELS } : {},
      resource: rng.pick(['all', 'all', 'image', 'image', 'artifact'] as const),
      ...(semver ? { semver } : {}),
      ...(latest !== undefined ? { latest } : {}),
    },
    ...(namespace ? { destinationNamespace: namespace } : {}),
    flattening,
    override: rng.chance(0.5),
    deleteRemote: {
      enabled: rng.chance(0.75),
      max: rng.pick([0, 1, 2, 3, 10, 10, 10, 10]),
      acknowledgeMatchAll: rng.chance(0.6),
    },
    triggers: [{ kind: 'manual' }],
    concurrency: 2,
    platforms: rng.chance(0.3) ? ['linux/amd64'] : [],
    // `always` without a referrers API (the layout store) must plan exactly as `true` does.
    referrers: rng.chance(0.5) && (seed % 4 === 0 ? 'always' : true),
    maxBlobSize: 1 << 30,
  };
  const mapped = (repo: string) =>
    mapRepository(repo, { ...(namespace ? { namespace } : {}), flattening: rule.flattening });

  // Source: 1–3 repositories, tags pointing at contents (several tags of one content: shared digests).
  const source: Side = new Map();
  const sourceRepositories = rng.some(SOURCE_REPOS, rng.int(1, 3)).map((r) => prefix + r);
  for (const repo of sourceRepositories) {
    const tags = new Map<string, Node>();
    const n = !o.noEmptyRepositories && rng.chance(0.05) ? 0 : rng.int(1, 5);
    for (const tag of rng.some(SOURCE_TAGS, n)) tags.set(tag, rng.pick(pool));
    source.set(repo, tags);
  }

  // Referrers: an SBOM pushed with the fallback tag scheme for one tag of some repositories (the
  // destination may lack it: attached after the subject was copied, or hold an older one).
  const older = new Map<string, Node>(); // fallback tag → an older fallback index
  for (const [i, repo] of sourceRepositories.entries()) {
    const tags = source.get(repo)!;
    if (tags.size === 0 || !rng.chance(0.3)) continue;
    const subject = rng.pick([...tags.values()]);
    if (tags.has(fallbackTag(subject))) continue;
    tags.set(fallbackTag(subject), remember(referrer(`s${seed}r${i}`, subject)));
    older.set(fallbackTag(subject), remember(referrer(`s${seed}r${i}old`, subject)));
  }

  // Destination: per mapped repository, some of the source's tags (same or other content), extras
  // (other contents, a staying tag's digest, a platform of an index), and a repository the rule
  // does not map to.
  const destination: Side = new Map();
  const dstRepos = [...new Set(sourceRepositories.map(mapped))];
  for (const repo of dstRepos) {
    if (!rng.chance(0.8)) continue;
    const tags = new Map<string, Node>();
    const sourceTags = sourceRepositories.filter((r) => mapped(r) === repo).flatMap((r) => [...source.get(r)!]);
    for (const [tag, node] of sourceTags) {
      if (tags.has(tag) || !rng.chance(0.5)) continue;
      const old = older.get(tag);
      tags.set(tag, rng.chance(0.55) ? node : old && rng.chance(0.7) ? old : rng.pick(pool));
    }
    // A fallback-shaped tag no source has: it belongs to its subject, never deleted by the rule.
    if (rng.chance(0.1)) {
      const n = rng.pick(pool);
      tags.set(`${fallbackTag(n)}${rng.pick(['', '.sig'])}`, n);
    }
    for (const tag of rng.some(EXTRA_TAGS, rng.int(1, 3))) {
      if (tags.has(tag)) continue;
      const how = rng.int(0, 3);
      // Indexes the source has are the interesting ones: their platforms are written by the run.
      const atSource = sourceTags.map(([, n]) => n).filter((n) => n.kind === 'index');
      const indexes = atSource.length && rng.chance(0.7) ? atSource : pool.filter((p) => p.kind === 'index');
      if (how === 0 && tags.size > 0) tags.set(tag, rng.pick([...tags.values()]));
      else if (how === 1 && indexes.length > 0) {
        // A platform of an index, tagged on its own; the index is sometimes tagged here too.
        const idx = rng.pick(indexes);
        tags.set(tag, rng.pick(idx.children));
        if (rng.chance(0.4)) {
          const parentTag = rng.pick([...EXTRA_TAGS, ...sourceTags.map(([t]) => t)].filter((t) => !tags.has(t)));
          if (parentTag) tags.set(parentTag, idx);
        }
      } else tags.set(tag, rng.pick(pool));
    }
    if (tags.size) destination.set(repo, tags);
  }
  const untouched = `${prefix}other/keep`;
  if (rng.chance(0.3)) destination.set(untouched, new Map([['v1.0.0', rng.pick(pool)]]));

  // Failures. A failing blob belongs to a content the destination holds nowhere (so every copy
  // needing it must fetch it, and fails); a glitch hides one listed source tag.
  const failBlobs = new Set<string>();
  const atDestination = new Set([...destination.values()].flatMap((t) => [...t.values()].flatMap(manifestsOf)));
  const usedAtSource = [...source.values()].flatMap((t) => [...t.values()]);
  const candidates = pool.filter((p) => usedAtSource.includes(p) && !manifestsOf(p).some((m) => atDestination.has(m)));
  if (rng.chance(0.5))
    for (const victim of rng.some(candidates, rng.int(1, 2))) {
      const target = victim.kind === 'index' ? rng.pick(victim.children) : victim;
      failBlobs.add(rng.pick(target.blobs).digest);
    }
  let glitch: Scenario['glitch'];
  const listed = [...source].flatMap(([repository, tags]) => [...tags.keys()].map((tag) => ({ repository, tag })));
  if (listed.length && rng.chance(0.2)) glitch = rng.pick(listed);

  const destinationRepositories = [...new Set([...dstRepos, ...destination.keys(), untouched])].sort();
  const scenario: Scenario = {
    seed,
    rule,
    source,
    destination,
    nodes,
    failBlobs,
    ...(glitch ? { glitch } : {}),
    deletesByDigest: o.deletesByDigest,
    sourceRepositories,
    destinationRepositories,
    destinationOf: mapped,
    describe: () => describeScenario(scenario),
  };
  return scenario;
}

/** `sha256-<64 hex>` tags shortened for messages. */
const short = (tag: string) => tag.replace(/^(sha256-[0-9a-f]{8})[0-9a-f]{56}/, '$1…');

function describeSide(side: Side): string[] {
  return [...side].map(
    ([repo, tags]) =>
      `    ${repo}: ${[...tags].map(([t, n]) => `${short(t)}→${n.key}(${n.digest.slice(7, 15)})`).join(' ') || '(no tags)'}`,
  );
}

export function describeScenario(s: Scenario): string {
  const r = s.rule;
  const contents = [...new Set([...s.source.values(), ...s.destination.values()].flatMap((t) => [...t.values()]))];
  const failing = [...s.failBlobs].map(
    (d) => [...s.nodes.values()].find((n) => n.blobs.some((b) => b.digest === d))?.key ?? d,
  );
  return [
    `scenario seed ${s.seed} (destination deletes by ${s.deletesByDigest ? 'digest' : 'tag'})`,
    `  rule: name=${JSON.stringify(r.filters.name)} tag=${JSON.stringify(r.filters.tag)}` +
      `${r.filters.semver ? ` semver="${r.filters.semver}"` : ''}${r.filters.latest !== undefined ? ` latest=${r.filters.latest}` : ''}` +
      ` labels=${JSON.stringify(r.filters.labels)} resource=${r.filters.resource}` +
      ` namespace=${r.destinationNamespace ?? '-'} flattening=${r.flattening} override=${r.override}` +
      ` delete_remote=${r.deleteRemote.enabled ? `{max:${r.deleteRemote.max},ack:${r.deleteRemote.acknowledgeMatchAll}}` : 'off'}` +
      ` platforms=${JSON.stringify(r.platforms)} referrers=${r.referrers}`,
    `  contents: ${contents
      .map(
        (n) =>
          `${n.key}${n.annotations ? JSON.stringify(n.annotations) : ''}${n.kind === 'index' ? `[${n.children.map((c) => (c.platform ? platformName(c.platform) : c.key)).join(',')}]` : ''}`,
      )
      .join(' ')}`,
    '  source:',
    ...describeSide(s.source),
    '  destination:',
    ...describeSide(s.destination),
    `  failures: ${failing.length ? `blob of ${failing.join(', ')} unreadable` : 'no blob'}; ${s.glitch ? `${s.glitch.repository}:${s.glitch.tag} answers not found` : 'no listing glitch'}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// writing the stores

/** Writes each repository as an OCI image layout under `root` (what OciLayoutStore reads). */
export async function writeLayouts(root: string, side: Side): Promise<void> {
  await Promise.all(
    [...side].map(async ([repo, tags]) => {
      const dir = join(root, ...repo.split('/'));
      await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
      const files = new Map<string, Buffer>();
      for (const node of tags.values())
        for (const m of manifestsOf(node)) {
          files.set(m.digest, m.bytes);
          for (const b of m.blobs) files.set(b.digest, b.data);
        }
      await Promise.all([...files].map(([d, data]) => writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), data)));
      await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      const manifests = [...tags].map(([tag, n]) => ({
        mediaType: n.mediaType,
        digest: n.digest,
        size: n.bytes.length,
        annotations: { [REF_NAME]: tag },
      }));
      await writeFile(
        join(dir, 'index.json'),
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }, null, 2),
      );
    }),
  );
}

/** Pushes each repository to a registry with the distribution API (anonymous, plain HTTP). */
export async function pushSide(url: string, side: Side): Promise<void> {
  const ok = async (r: Response, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${await r.text()}`);
    await r.body?.cancel();
  };
  await Promise.all(
    [...side].map(async ([repo, tags]) => {
      const blobs = new Map<string, Buffer>();
      for (const node of tags.values())
        for (const m of manifestsOf(node)) for (const b of m.blobs) blobs.set(b.digest, b.data);
      for (const [digest, data] of blobs) {
        const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
        if (start.status !== 202) throw new Error(`starting an upload to ${repo}: HTTP ${start.status}`);
        await start.body?.cancel();
        const loc = new URL(start.headers.get('location')!, url);
        loc.searchParams.set('digest', digest);
        await ok(
          await fetch(loc, {
            method: 'PUT',
            body: new Uint8Array(data),
            headers: { 'content-type': 'application/octet-stream' },
          }),
          `blob ${digest} to ${repo}`,
        );
      }
      const put = async (ref: string, n: Node) =>
        ok(
          await fetch(`${url}/v2/${repo}/manifests/${ref}`, {
            method: 'PUT',
            body: new Uint8Array(n.bytes),
            headers: { 'content-type': n.mediaType },
          }),
          `manifest ${repo}:${ref}`,
        );
      for (const node of tags.values()) for (const c of node.children) await put(c.digest, c);
      for (const [tag, node] of tags) await put(tag, node);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// store wrappers

function forward<T extends object>(target: T, overrides: Record<string | symbol, unknown>): T {
  return new Proxy(target, {
    get: (t, p) => {
      if (Object.hasOwn(overrides, p)) return overrides[p];
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/**
 * An OCI-layout store that deletes like registry:2: by digest, so every tag of the digest goes
 * and the manifest can no longer be read by digest (an index listing it as a platform breaks).
 */
export function deletingByDigest(store: OciLayoutStore, root: string): Store {
  return forward<Store>(store, {
    deletesByTag: false,
    deleteTag: async (repository: string, _tag: string, digest: string) => {
      for (const t of await store.listTags(repository))
        if ((await store.manifestHead(repository, t))?.digest === digest) await store.deleteTag(repository, t);
      await rm(join(root, ...repository.split('/'), 'blobs', 'sha256', digest.slice(7)), { force: true });
      return 'digest';
    },
  });
}

export interface Injection {
  /** While true, the failures are injected. */
  on: boolean;
  /** Blob reads refused (digest). */
  refusedBlobs: string[];
}

/** The source with the scenario's failures injected while `injection.on`. */
export function injectFailures(store: Store, s: Scenario, injection: Injection): Store {
  const blobGet: Store['blobGet'] = async (repository, desc, opts) => {
    if (injection.on && s.failBlobs.has(desc.digest)) {
      injection.refusedBlobs.push(desc.digest);
      throw new Error(`injected failure: blob ${desc.digest} of ${repository} cannot be read`);
    }
    return store.blobGet(repository, desc, opts);
  };
  return forward<Store>(store, {
    blobGet,
    // A listed tag the registry says does not exist, asked by HEAD or by GET.
    manifestHead: async (repository: string, reference: string) => {
      if (injection.on && s.glitch && s.glitch.repository === repository && s.glitch.tag === reference)
        return undefined;
      return store.manifestHead(repository, reference);
    },
    manifestGet: async (repository: string, reference: string) => {
      if (injection.on && s.glitch && s.glitch.repository === repository && s.glitch.tag === reference)
        return undefined;
      return store.manifestGet(repository, reference);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// checking

/** repository → tag → digest */
export type Snapshot = Map<string, Map<string, string>>;

export async function snapshot(store: Store, repositories: string[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const repo of repositories) {
    const tags = new Map<string, string>();
    for (const t of await store.listTags(repo)) {
      const h = await store.manifestHead(repo, t);
      if (h) tags.set(t, h.digest);
    }
    if (tags.size) out.set(repo, tags);
  }
  return out;
}

/** Index tags at the destination whose platform manifests cannot be read any more. */
export async function brokenIndexes(store: Store, snap: Snapshot): Promise<string[]> {
  const out: string[] = [];
  for (const [repo, tags] of snap)
    for (const [tag, digest] of tags) {
      const m = await store.manifestGet(repo, digest);
      if (!m) {
        out.push(`${repo}:${tag} → ${digest} cannot be read`);
        continue;
      }
      if (m.parsed.kind !== 'index') continue;
      for (const c of m.parsed.manifests)
        if (!(await store.manifestHead(repo, c.digest)))
          out.push(`${repo}:${tag} is an index whose platform manifest ${c.digest} is gone`);
    }
  return out;
}

export interface Observed {
  plan: RuleRun;
  run: RuleRun;
  replan: RuleRun;
  /** Destination before the dry run, after it, and after the run. */
  before: Snapshot;
  afterPlan: Snapshot;
  after: Snapshot;
  broken: string[];
  /** How destination references start (`${dst.display}/`). */
  dstDisplay: string;
}

const key = (repo: string, tag: string) => `${repo}:${tag}`;
const itemKey = (i: PlanItem) => key(i.destinationRepository, i.tag);
const isWrite = (i: PlanItem) => i.action === 'copy' || i.action === 'update';

const EXPECTED: Record<PlanItem['action'], Result['status']> = {
  copy: 'copied',
  update: 'updated',
  unchanged: 'unchanged',
  kept: 'kept',
  skip: 'skipped',
  delete: 'deleted',
  'delete-blocked': 'refused',
  'listing-failed': 'failed',
};

/** The blobs a copy must read: the written manifest's, for a platform subset only the subset's. */
function blobsToRead(s: Scenario, i: PlanItem): string[] {
  const n = s.nodes.get(i.sourceDigest ?? '');
  if (!n) return [];
  const wanted = (c: Node) =>
    s.rule.platforms.length === 0 ||
    !c.platform ||
    s.rule.platforms.some(
      (p) => p === platformName(c.platform!) || p === `${c.platform!.os}/${c.platform!.architecture}`,
    );
  const reach = (m: Node): string[] => [...m.blobs.map((b) => b.digest), ...m.children.filter(wanted).flatMap(reach)];
  return reach(n);
}

function table(items: PlanItem[]): string {
  return items
    .map(
      (i) =>
        `    ${short(itemKey(i))} ${i.action}${i.why ? ` (${i.why})` : ''} src=${i.sourceRepository ?? '-'}@${i.sourceDigest?.slice(7, 15) ?? '-'}` +
        `${i.targetDigest ? ` target=${i.targetDigest.slice(7, 15)}` : ''} dst=${i.destinationDigest?.slice(7, 15) ?? '-'}`,
    )
    .join('\n');
}

/** Every violated invariant, in words; empty when the scenario holds. */
export function checkScenario(s: Scenario, o: Observed): string[] {
  const v: string[] = [];
  const items = o.run.plan.items;

  // 0. The plan's facts are the stores'.
  for (const i of items) {
    if (i.sourceRepository && i.sourceDigest) {
      const n = s.source.get(i.sourceRepository)?.get(i.tag);
      if (n?.digest !== i.sourceDigest)
        v.push(`[0] ${itemKey(i)}: plan says source digest ${i.sourceDigest}, the source has ${n?.digest}`);
    }
    const have = o.before.get(i.destinationRepository)?.get(i.tag);
    if ((i.destinationDigest ?? undefined) !== have && !(i.action === 'copy' && have === undefined))
      v.push(`[0] ${itemKey(i)}: plan says destination digest ${i.destinationDigest}, the destination had ${have}`);
  }

  // 1. Each plan item has exactly one result, with the status its action promises.
  const willFail = new Set(
    items.filter((i) => isWrite(i) && blobsToRead(s, i).some((d) => s.failBlobs.has(d))).map(itemKey),
  );
  const failedRepos = new Set(items.filter((i) => willFail.has(itemKey(i))).map((i) => i.destinationRepository));
  const expected = new Map<string, Result['status']>();
  for (const i of items) {
    let status = EXPECTED[i.action];
    if (willFail.has(itemKey(i))) status = 'failed';
    if (i.action === 'delete' && failedRepos.has(i.destinationRepository)) status = 'refused';
    expected.set(itemKey(i), status);
  }
  const results = new Map<string, Result[]>();
  for (const r of o.run.results) {
    const k = r.destination.startsWith(o.dstDisplay) ? r.destination.slice(o.dstDisplay.length) : r.destination;
    results.set(k, [...(results.get(k) ?? []), r]);
  }
  for (const i of items) {
    const k = itemKey(i);
    const rs = results.get(k) ?? [];
    if (rs.length !== 1) {
      v.push(`[1] ${k} (${i.action}): ${rs.length} results (${rs.map((r) => r.status).join(', ')}), expected 1`);
      continue;
    }
    const r = rs[0]!;
    const want = expected.get(k)!;
    if (r.status !== want)
      v.push(
        `[1] ${k}: planned ${i.action}${i.why ? ` (${i.why})` : ''}, expected ${want}, the run says ${r.status}` +
          `${r.reason ? ` (${r.reason})` : ''}${r.error ? ` [${r.error.message}]` : ''}`,
      );
    else if (i.action === 'delete' && want === 'refused' && !/fail/.test(r.reason ?? ''))
      v.push(`[1] ${k}: a deletion refused after a failure should say so, reason: ${r.reason}`);
    else if ((want === 'copied' || want === 'updated') && /changed since planned/.test(r.reason ?? ''))
      v.push(`[1] ${k}: ${r.reason}`);
  }
  const planned = new Set(items.map(itemKey));
  for (const [k, rs] of results)
    if (!planned.has(k))
      v.push(
        `[1] ${k}: result${rs.length > 1 ? 's' : ''} ${rs.map((r) => r.status).join(', ')} for a tag the plan does not list`,
      );

  // 2. The dry-run plan is the run's plan.
  const strip = (p: RuleRun) => JSON.stringify({ items: p.plan.items, refused: p.plan.deletionsRefused ?? null });
  if (strip(o.plan) !== strip(o.run)) {
    const a = new Map(o.plan.plan.items.map((i) => [itemKey(i), JSON.stringify(i)]));
    const b = new Map(o.run.plan.items.map((i) => [itemKey(i), JSON.stringify(i)]));
    for (const k of new Set([...a.keys(), ...b.keys()]))
      if (a.get(k) !== b.get(k))
        v.push(`[2] ${k}: dry-run plan ${a.get(k) ?? 'nothing'}; run's plan ${b.get(k) ?? 'nothing'}`);
    if (o.plan.plan.deletionsRefused !== o.run.plan.deletionsRefused)
      v.push(`[2] deletionsRefused: dry run ${o.plan.plan.deletionsRefused}; run ${o.run.plan.deletionsRefused}`);
  }

  // 3. A second plan has nothing left to change, but what the injected failures left over.
  const mayWriteAgain = new Set(willFail);
  const mayDeleteAgain = new Set(
    items
      .filter(
        (i) =>
          (i.action === 'delete' && expected.get(itemKey(i)) === 'refused') ||
          (!!s.glitch && i.action === 'delete-blocked' && i.why === 'source-listing-failed'),
      )
      .map(itemKey),
  );
  // A tag the glitch hid was not decided: the second plan decides it. So is the referrers
  // fallback tag of its image: without its subject it was planned as a tag of its own.
  const hidden = s.glitch && s.source.get(s.glitch.repository)?.get(s.glitch.tag);
  const glitched = new Set([
    ...(s.glitch ? items.filter((i) => i.action === 'listing-failed').map(itemKey) : []),
    ...(s.glitch && hidden ? [key(s.destinationOf(s.glitch.repository), fallbackTag(hidden))] : []),
  ]);
  for (const i of o.replan.plan.items) {
    const k = itemKey(i);
    if (glitched.has(k)) continue;
    if (isWrite(i) && mayWriteAgain.has(k)) continue;
    if (i.action === 'delete' && mayDeleteAgain.has(k)) continue;
    if (!['unchanged', 'kept', 'skip', 'delete-blocked'].includes(i.action))
      v.push(
        `[3] ${k}: the second plan still says ${i.action}${i.why ? ` (${i.why})` : ''}${i.reason ? `: ${i.reason}` : ''}`,
      );
  }

  // Both plans replicate a tag from the same source (of several flattened onto one, which may
  // hold the tag with different digests): a glitch must not make the run write another's image.
  const from = new Map(items.filter((i) => i.sourceDigest).map((i) => [itemKey(i), i]));
  for (const i of o.replan.plan.items) {
    const first = from.get(itemKey(i));
    if (i.sourceDigest && first && first.sourceDigest !== i.sourceDigest)
      v.push(
        `[3] ${itemKey(i)}: the run's plan took ${first.sourceDigest} from ${first.sourceRepository} (${first.action}), ` +
          `the second plan ${i.sourceDigest} from ${i.sourceRepository} (${i.action})`,
      );
  }

  // 4. Safety: the dry run writes nothing; the run does exactly what the plan says.
  const flat = (snap: Snapshot) => new Map([...snap].flatMap(([r, tags]) => [...tags].map(([t, d]) => [key(r, t), d])));
  const before = flat(o.before);
  const afterPlan = flat(o.afterPlan);
  for (const k of new Set([...before.keys(), ...afterPlan.keys()]))
    if (before.get(k) !== afterPlan.get(k))
      v.push(`[4] ${k}: the dry run changed it from ${before.get(k) ?? 'absent'} to ${afterPlan.get(k) ?? 'absent'}`);
  const want = new Map(before);
  for (const i of items) {
    const k = itemKey(i);
    const status = expected.get(k);
    if (isWrite(i) && status !== 'failed') want.set(k, i.targetDigest ?? i.sourceDigest!);
    if (i.action === 'delete' && status === 'deleted') want.delete(k);
  }
  const after = flat(o.after);
  for (const k of new Set([...want.keys(), ...after.keys()])) {
    if (want.get(k) === after.get(k)) continue;
    const i = items.find((x) => itemKey(x) === k);
    v.push(
      `[4] ${k}: expected ${want.get(k) ?? 'absent'} after the run, found ${after.get(k) ?? 'absent'}` +
        ` (planned ${i ? `${i.action}${i.why ? ` (${i.why})` : ''}` : 'nothing'}; was ${before.get(k) ?? 'absent'})`,
    );
  }

  // 5. Integrity: no index at the destination lost a platform manifest.
  for (const b of o.broken) v.push(`[5] ${b}`);

  return v;
}

/** A failure message with everything needed to reproduce and understand a violation. */
export function report(s: Scenario, o: Observed, violations: string[]): string {
  return [
    `seed ${s.seed}: ${violations.length} invariant violation(s)`,
    ...violations.map((x) => `  ${x}`),
    s.describe(),
    '  plan:',
    table(o.run.plan.items),
    '  run:',
    ...o.run.results.map(
      (r) =>
        `    ${r.destination.slice(o.dstDisplay.length)} ${r.status}${r.reason ? ` (${r.reason})` : ''}${r.error ? ` [${r.error.message}]` : ''}`,
    ),
    '  second plan:',
    table(o.replan.plan.items),
    ...(o.run.ruleErrors.length ? ['  rule errors:', ...o.run.ruleErrors.map((e) => `    ${e.message}`)] : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// coverage

/** How often each plan action (with its reason), status and injected failure occurred. */
export type Tally = Map<string, number>;

export function tally(seen: Tally, s: Scenario, o: Observed, injection: Injection): void {
  const count = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
  count('scenarios');
  for (const i of o.run.plan.items) count(`${i.action}${i.why ? ` (${i.why})` : ''}`);
  for (const r of o.run.results) count(`status ${r.status}`);
  if (injection.refusedBlobs.length) count('scenario: a blob read failed');
  if (o.run.results.some((r) => r.status === 'refused' && /failed in this run/.test(r.reason ?? '')))
    count('scenario: deletions skipped after a failure');
  if (s.glitch) count('scenario: listing glitch');
  if (s.rule.referrers && o.run.plan.items.some((i) => i.sourceRepository && i.tag.startsWith('sha256-') && isWrite(i)))
    count('scenario: a referrers fallback tag written');
  if (o.run.plan.items.some((i) => i.targetDigest)) count('scenario: platform subset written');
  const items = o.run.plan.items;
  const deletes = items.filter((i) => i.action === 'delete');
  if (
    s.deletesByDigest &&
    deletes.some((d) =>
      deletes.some(
        (e) =>
          e !== d && e.destinationRepository === d.destinationRepository && e.destinationDigest === d.destinationDigest,
      ),
    )
  )
    count('scenario: two deletions of one digest (by digest)');
  const written = items
    .filter(isWrite)
    .flatMap((i) => (s.nodes.get(i.sourceDigest!)?.children ?? []).map((c) => key(i.destinationRepository, c.digest)));
  if (
    s.deletesByDigest &&
    items.some(
      (i) => i.action.startsWith('delete') && written.includes(key(i.destinationRepository, i.destinationDigest!)),
    )
  )
    count('scenario: a platform of an index the run writes is tagged (by digest)');
  const groups = new Map<string, Set<string>>();
  for (const i of o.run.plan.items)
    if (i.sourceRepository)
      groups.set(i.destinationRepository, (groups.get(i.destinationRepository) ?? new Set()).add(i.sourceRepository));
  if ([...groups.values()].some((g) => g.size > 1)) count('scenario: flattened group');
}

export function describeTally(seen: Tally): string {
  return [...seen]
    .sort()
    .map(([k, n]) => `${String(n).padStart(5)}  ${k}`)
    .join('\n');
}

/** What a full set of scenarios must reach at least once. */
export const MUST_REACH = [
  'copy',
  'update',
  'unchanged',
  'kept (override-off)',
  'skip (filtered-labels)',
  'skip (filtered-resource)',
  'delete (not-at-source)',
  'delete-blocked (shared-digest)',
  'delete-blocked (platform-of-kept-index)',
  'delete-blocked (over-max)',
  'delete-blocked (match-all-unacknowledged)',
  'delete-blocked (source-listing-failed)',
  'skip (referrer-fallback-tag)',
  'listing-failed (tag-unresolved)',
  'scenario: a blob read failed',
  'scenario: deletions skipped after a failure',
  'scenario: listing glitch',
  'scenario: platform subset written',
  'scenario: a referrers fallback tag written',
  'scenario: flattened group',
  'scenario: two deletions of one digest (by digest)',
  'scenario: a platform of an index the run writes is tagged (by digest)',
];

/**
 * How many of the rarer dimensions a scenario combines (injected failures, a flattened group,
 * a platform subset, deletions with something to guard): a smaller set of scenarios (the real
 * registry's) is picked among the seeds that combine several.
 */
export function interest(s: Scenario): number {
  const groups = new Map<string, number>();
  for (const r of s.sourceRepositories) groups.set(s.destinationOf(r), (groups.get(s.destinationOf(r)) ?? 0) + 1);
  const shared = [...s.destination.values()].some((tags) => new Set([...tags.values()]).size < tags.size);
  const platformTagged = [...s.destination.values()].some((tags) => [...tags.values()].some((n) => n.platform));
  return [
    s.failBlobs.size > 0,
    !!s.glitch,
    [...groups.values()].some((n) => n > 1),
    s.rule.platforms.length > 0,
    s.rule.deleteRemote.enabled && (shared || platformTagged),
    s.rule.deleteRemote.enabled && s.failBlobs.size > 0,
  ].filter(Boolean).length;
}

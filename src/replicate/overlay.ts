/**
 * A dry run's view of the registries as the rules before a rule leave them. The run carries its
 * rules out one after another, each planned when its turn comes: a rule reading the registry an
 * earlier rule writes (a chain: `to-staging`, then `staging-to-prod`) copies what that rule copied,
 * and a deletion guard sees the digests that rule left. A dry run plans every rule without writing,
 * so each rule after the first is planned on this view: the registry as it is, with the earlier
 * rules' planned copies listed there (read from where they copy them) and their deletions gone.
 * Only the reads a plan makes are overlaid; a write through the view is a bug, and throws.
 */
import type { Rule } from '../config/types.js';
import type { RulePlan } from '../plan/types.js';
import { MissingSourceError } from '../providers/oci-layout.js';
import type { Store } from '../providers/store.js';
import type { Manifest, ManifestHead } from '../registry/client.js';
import { type Descriptor, parseManifest } from '../oci/manifest.js';
import type { Digest } from '../oci/digest.js';
import type { TagInfo } from '../rules/filter.js';
import { sha256 } from '../oci/digest.js';
import { platformSubset } from './copy.js';

/** Where a planned copy reads its manifest: the store the earlier rule read, by digest. */
interface From {
  store: Store;
  repository: string;
  digest: string;
}

/** What an earlier rule plans for one destination tag. */
type Change =
  | {
      kind: 'written';
      /** The earlier rule that writes it. */
      rule: string;
      /** The digest the tag will name: the source's, or the subset index a `platforms:` rule writes. */
      digest: string;
      from: From;
      platforms: readonly string[];
      /** The rule copies the source's referrers with it. */
      referrers: boolean;
    }
  | { kind: 'deleted' };

/** One rule's planned changes in its destination registry. */
interface RuleChanges {
  rule: string;
  /** The destination registry, by address (identityOf). */
  registry: string;
  /** Repository → tag → change. */
  tags: Map<string, Map<string, Change>>;
  /** Repository → the sources its copies read (referrers copied untagged, index children). */
  sources: Map<string, From[]>;
}

/** The changes the rules of a dry run plan, in run order. */
export class PlannedChanges {
  readonly #rules: RuleChanges[] = [];

  /**
   * Keeps what `rule`'s plan changes in `registry` (its destination, by address); `src` is the store
   * the rule read (itself a view where an earlier rule wrote there: a chain of three reads through).
   */
  record(rule: Rule, registry: string, plan: RulePlan, src: Store): void {
    const tags = new Map<string, Map<string, Change>>();
    const sources = new Map<string, From[]>();
    for (const i of plan.items) {
      const at = (repository: string) => {
        let m = tags.get(repository);
        if (!m) tags.set(repository, (m = new Map()));
        return m;
      };
      if (i.action === 'delete') at(i.destinationRepository).set(i.tag, { kind: 'deleted' });
      if ((i.action !== 'copy' && i.action !== 'update') || !i.sourceRepository || !i.sourceDigest) continue;
      const from = { store: src, repository: i.sourceRepository, digest: i.sourceDigest };
      const known = sources.get(i.destinationRepository) ?? [];
      if (!known.some((f) => f.store === src && f.repository === from.repository)) known.push(from);
      sources.set(i.destinationRepository, known);
      // A referrer is copied by its digest, untagged: readable through `sources`, no tag of its own.
      if (i.referrer) continue;
      at(i.destinationRepository).set(i.tag, {
        kind: 'written',
        rule: rule.name,
        digest: i.targetDigest ?? i.sourceDigest,
        from,
        platforms: rule.platforms,
        referrers: rule.referrers !== false,
      });
    }
    if (tags.size || sources.size) this.#rules.push({ rule: rule.name, registry, tags, sources });
  }

  /** The view of the rules `counts` admits (those a pull request's merge runs before a rule). */
  view(counts: (rule: string) => boolean): Overlay {
    return new Overlay(this.#rules.filter((r) => counts(r.rule)));
  }
}

/** The registries as the counted earlier rules leave them. */
export class Overlay {
  readonly #rules: readonly RuleChanges[];
  readonly #catalogs = new WeakMap<readonly string[], string[]>();
  readonly #merged = new Map<string, Map<string, Change>>();

  constructor(rules: readonly RuleChanges[]) {
    this.#rules = rules;
  }

  /** Whether the view differs from `registry` as it is. */
  changes(registry: string): boolean {
    return this.#rules.some((r) => r.registry === registry);
  }

  /**
   * `registry`'s catalog (`listing`) with the repositories the earlier rules create there. A local
   * registry they create is not missing (MissingSourceError): the run would have made it.
   */
  async catalog(registry: string, listing: Promise<string[]>): Promise<string[]> {
    try {
      return this.repositories(registry, await listing);
    } catch (e) {
      if (e instanceof MissingSourceError && this.changes(registry)) return this.repositories(registry, []);
      throw e;
    }
  }

  /**
   * `listed` with the repositories the earlier rules create in `registry`. The same array where they
   * add none, and one array per listing, so a caller grouping a catalog once keeps doing so.
   */
  repositories(registry: string, listed: string[]): string[] {
    const hit = this.#catalogs.get(listed);
    if (hit) return hit;
    const have = new Set(listed);
    const added = new Set<string>();
    for (const r of this.#rules)
      if (r.registry === registry)
        for (const [repository, tags] of r.tags)
          if (!have.has(repository) && [...tags.values()].some((c) => c.kind === 'written')) added.add(repository);
    const out = added.size ? [...listed, ...added].sort() : listed;
    this.#catalogs.set(listed, out);
    return out;
  }

  /** Each tag of `repository` the earlier rules change, as the last of them leaves it. */
  #tags(registry: string, repository: string): Map<string, Change> {
    // Asked once per HEAD: merged once per repository (the changes are fixed while a rule plans).
    const key = `${registry}\0${repository}`;
    let out = this.#merged.get(key);
    if (out) return out;
    out = new Map<string, Change>();
    for (const r of this.#rules)
      if (r.registry === registry) for (const [tag, c] of r.tags.get(repository) ?? []) out.set(tag, c);
    this.#merged.set(key, out);
    return out;
  }

  /** The earlier rule that writes `repository:tag` in `registry`, if one does. */
  writtenBy(registry: string, repository: string, tag: string): string | undefined {
    const c = this.#tags(registry, repository).get(tag);
    return c?.kind === 'written' ? c.rule : undefined;
  }

  #sources(registry: string, repository: string): From[] {
    return this.#rules.flatMap((r) => (r.registry === registry ? (r.sources.get(repository) ?? []) : []));
  }

  /** `store` (on `registry`, by address) as the earlier rules leave it; itself where they change nothing. */
  store(registry: string, store: Store): Store {
    if (!this.changes(registry)) return store;
    const tagsOf = (repository: string) => this.#tags(registry, repository);
    const sourcesOf = (repository: string) => this.#sources(registry, repository);
    const written = (c: Change | undefined) => (c?.kind === 'written' ? c : undefined);

    /** The manifest a planned tag will name: the source's, or the subset index of its platforms. */
    const plannedManifest = async (c: Extract<Change, { kind: 'written' }>): Promise<Manifest | undefined> => {
      const m = await c.from.store.manifestGet(c.from.repository, c.from.digest);
      if (!m || c.digest === c.from.digest) return m;
      const subset = platformSubset(m, [...c.platforms]);
      if (!subset) return m;
      return {
        digest: sha256(subset.bytes),
        mediaType: m.mediaType,
        size: subset.bytes.length,
        bytes: subset.bytes,
        parsed: parseManifest(subset.bytes, m.mediaType),
      };
    };
    /** A digest the store lacks: the earlier rules' copies bring it (a tag's, an index child, a referrer). */
    const byDigest = async <T>(
      repository: string,
      digest: string,
      read: (s: Store, repository: string) => Promise<T | undefined>,
    ): Promise<T | undefined> => {
      for (const c of tagsOf(repository).values())
        if (c.kind === 'written' && c.digest === digest && c.digest !== c.from.digest)
          return (await plannedManifest(c)) as T | undefined;
      for (const f of sourcesOf(repository)) {
        const found = await read(f.store, f.repository);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    const isDigest = (reference: string) => reference.includes(':');

    const overrides: Partial<Store> = {
      listRepositories: () => this.catalog(registry, store.listRepositories()),
      ...(store.listRepositoriesNamed
        ? {
            listRepositoriesNamed: async (names: readonly string[]) => {
              const listed = await store.listRepositoriesNamed!(names);
              const added = names.filter((n) => !listed.includes(n) && [...tagsOf(n).values()].some(written));
              return [...listed, ...added];
            },
          }
        : {}),
      listTags: async (repository: string) => {
        const changes = tagsOf(repository);
        const listed = await store.listTags(repository);
        if (changes.size === 0) return listed;
        const out = listed.filter((t) => changes.get(t)?.kind !== 'deleted');
        const have = new Set(out);
        for (const [tag, c] of changes) if (c.kind === 'written' && !have.has(tag)) out.push(tag);
        return out;
      },
      ...(store.listTagDetails
        ? {
            listTagDetails: async (repository: string): Promise<TagInfo[]> => {
              const changes = tagsOf(repository);
              const listed = await store.listTagDetails!(repository);
              if (changes.size === 0) return listed;
              // A copied tag carries no vendor labels, and is pushed after everything listed now.
              const now = new Date().toISOString();
              const out = listed.filter((t) => !changes.has(t.tag));
              for (const [tag, c] of changes)
                if (c.kind === 'written') out.push({ tag, digest: c.digest, created: now });
              return out;
            },
          }
        : {}),
      manifestHead: async (repository: string, reference: string): Promise<ManifestHead | undefined> => {
        if (!isDigest(reference)) {
          const c = tagsOf(repository).get(reference);
          if (c?.kind === 'deleted') return undefined;
          if (c)
            return c.digest === c.from.digest
              ? c.from.store.manifestHead(c.from.repository, c.digest)
              : headOf(await plannedManifest(c));
          return store.manifestHead(repository, reference);
        }
        return (
          (await store.manifestHead(repository, reference)) ??
          byDigest(repository, reference, (s, r) => s.manifestHead(r, reference))
        );
      },
      manifestGet: async (repository: string, reference: string): Promise<Manifest | undefined> => {
        if (!isDigest(reference)) {
          const c = tagsOf(repository).get(reference);
          if (c?.kind === 'deleted') return undefined;
          if (c) return plannedManifest(c);
          return store.manifestGet(repository, reference);
        }
        return (
          (await store.manifestGet(repository, reference)) ??
          byDigest(repository, reference, (s, r) => s.manifestGet(r, reference))
        );
      },
      referrers: async (repository: string, digest: Digest, opts?: { tags?: ReadonlySet<string> }) => {
        const here = await store.referrers(repository, digest, opts);
        const brought = [...tagsOf(repository).values()].filter(
          (c) => c.kind === 'written' && c.referrers && c.digest === digest && c.from.digest === digest,
        );
        const seen = new Set(here.descriptors.map((d) => d.digest));
        const descriptors: Descriptor[] = [...here.descriptors];
        for (const c of brought) {
          if (c.kind !== 'written') continue;
          for (const d of (await c.from.store.referrers(c.from.repository, digest)).descriptors)
            if (!seen.has(d.digest)) {
              seen.add(d.digest);
              descriptors.push(d);
            }
        }
        return { ...here, descriptors };
      },
      manifestPut: () => Promise.reject(new Error('a dry run does not write (planned-changes view)')),
      blobPut: () => Promise.reject(new Error('a dry run does not write (planned-changes view)')),
      deleteTag: () => Promise.reject(new Error('a dry run does not delete (planned-changes view)')),
      // The store itself is closed by its owner, once.
      close: () => Promise.resolve(),
    };
    return new Proxy(store, {
      get: (target, prop) => {
        if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}

function headOf(m: Manifest | undefined): ManifestHead | undefined {
  return m && { digest: m.digest, mediaType: m.mediaType, size: m.size };
}

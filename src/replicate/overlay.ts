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
import type { Catalogs } from './catalogs.js';
import { platformSubset } from './copy.js';
import { ManifestCache } from './manifest-cache.js';

/** Where a planned copy reads: the store the earlier rule read, and the repository there. */
interface From {
  store: Store;
  repository: string;
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
      /** The source's digest (the index a subset is made from). */
      sourceDigest: string;
      platforms: readonly string[];
    }
  | { kind: 'deleted' };

type Written = Extract<Change, { kind: 'written' }>;

/** One rule's planned changes in its destination registry. */
interface RuleChanges {
  rule: string;
  /** The destination registry, by address (identityOf). */
  registry: string;
  /** Repository → tag → change. */
  tags: Map<string, Map<string, Change>>;
  /** Repository → the sources its copies read (index children, referrers copied untagged). */
  sources: Map<string, From[]>;
  /** Repository → subject digest → where the referrers the rule copies for it are read. */
  referrers: Map<string, Map<string, From>>;
}

/** The changes the rules of a dry run plan, in run order. */
export class PlannedChanges {
  readonly #rules: RuleChanges[] = [];

  /**
   * Keeps what `rule`'s plan changes in `registry` (its destination, by address); `src` is the store
   * the rule read (itself a view where an earlier rule wrote there: a chain of three reads through).
   */
  record(rule: Rule, registry: string, plan: RulePlan, src: Store): void {
    const changes: RuleChanges = {
      rule: rule.name,
      registry,
      tags: new Map(),
      sources: new Map(),
      referrers: new Map(),
    };
    const at = <V>(m: Map<string, Map<string, V>>, repository: string) => {
      let inner = m.get(repository);
      if (!inner) m.set(repository, (inner = new Map()));
      return inner;
    };
    // A referrer item names its subject by tag: the subject's digest is that tag's item's.
    const subjects = new Map<string, string>();
    for (const i of plan.items)
      if (!i.referrer && i.sourceDigest) subjects.set(`${i.destinationRepository}\0${i.tag}`, i.sourceDigest);
    for (const i of plan.items) {
      if (i.action === 'delete') at(changes.tags, i.destinationRepository).set(i.tag, { kind: 'deleted' });
      if ((i.action !== 'copy' && i.action !== 'update') || !i.sourceRepository || !i.sourceDigest) continue;
      const from = { store: src, repository: i.sourceRepository };
      const known = changes.sources.get(i.destinationRepository) ?? [];
      if (!known.some((f) => f.store === src && f.repository === from.repository)) known.push(from);
      changes.sources.set(i.destinationRepository, known);
      if (i.referrer) {
        // Copied by its digest, untagged (a late signature of a tag already there): its subject's
        // referrers, as the source lists them.
        const subject = subjects.get(`${i.destinationRepository}\0${i.tag}`);
        if (subject) at(changes.referrers, i.destinationRepository).set(subject, from);
        continue;
      }
      const digest = i.targetDigest ?? i.sourceDigest;
      at(changes.tags, i.destinationRepository).set(i.tag, {
        kind: 'written',
        rule: rule.name,
        digest,
        from,
        sourceDigest: i.sourceDigest,
        platforms: rule.platforms,
      });
      // A subject copied whole brings its referrers along (a subset index has none of its own).
      if (rule.referrers !== false && digest === i.sourceDigest)
        at(changes.referrers, i.destinationRepository).set(digest, from);
    }
    if (changes.tags.size || changes.sources.size) this.#rules.push(changes);
  }

  /** The view of the rules `counts` admits (those a pull request's merge runs before a rule). */
  view(counts: (rule: string) => boolean): Overlay {
    return new Overlay(this.#rules.filter((r) => counts(r.rule)));
  }
}

/** One repository of the view: the earlier rules' changes there, merged once. */
interface RepositoryView {
  /** Tag → change, as the last rule changing it leaves it. */
  tags: Map<string, Change>;
  /** Digest a written tag will name → that tag's change. */
  digests: Map<string, Written>;
  sources: From[];
  referrers: Map<string, From[]>;
}

/** The registries as the counted earlier rules leave them. */
export class Overlay {
  readonly #rules: readonly RuleChanges[];
  readonly #catalogs = new WeakMap<readonly string[], Promise<string[]>>();
  readonly #repositories = new Map<string, RepositoryView>();

  constructor(rules: readonly RuleChanges[]) {
    this.#rules = rules;
  }

  /** Whether the view differs from `registry` as it is. */
  changes(registry: string): boolean {
    return this.#rules.some((r) => r.registry === registry);
  }

  /**
   * `registry`'s catalog (`listing`) with the repositories the earlier rules create there, within
   * what `store` lists (its `repositories:`, Harbor's `projects:`). A local registry they create is
   * not missing (MissingSourceError): the run would have made it. One answer per listing, so a
   * caller grouping a catalog once keeps doing so.
   */
  async catalog(registry: string, listing: Promise<string[]>, store: Promise<Store>): Promise<string[]> {
    let listed: string[];
    try {
      listed = await listing;
    } catch (e) {
      if (!(e instanceof MissingSourceError && this.changes(registry))) throw e;
      listed = [];
    }
    let out = this.#catalogs.get(listed);
    if (!out) this.#catalogs.set(listed, (out = this.#withCreated(registry, listed, store)));
    return out;
  }

  async #withCreated(registry: string, listed: string[], store: Promise<Store>): Promise<string[]> {
    const have = new Set(listed);
    const added = new Set<string>();
    for (const r of this.#rules)
      if (r.registry === registry)
        for (const [repository, tags] of r.tags)
          if (!have.has(repository) && [...tags.values()].some((c) => c.kind === 'written')) added.add(repository);
    if (added.size === 0) return listed;
    const s = await store;
    // What the registry's listing would show of them: its scope applies to what the run creates too.
    const within = s.listRepositoriesNamed ? await s.listRepositoriesNamed([...added]) : [...added];
    return within.length ? [...listed, ...within.filter((n) => added.has(n))].sort() : listed;
  }

  #repository(registry: string, repository: string): RepositoryView {
    // Asked once per HEAD: merged once per repository (the changes are fixed while a rule plans).
    const key = `${registry}\0${repository}`;
    let v = this.#repositories.get(key);
    if (v) return v;
    v = { tags: new Map(), digests: new Map(), sources: [], referrers: new Map() };
    for (const r of this.#rules) {
      if (r.registry !== registry) continue;
      for (const [tag, c] of r.tags.get(repository) ?? []) v.tags.set(tag, c);
      v.sources.push(...(r.sources.get(repository) ?? []));
      for (const [digest, from] of r.referrers.get(repository) ?? [])
        v.referrers.set(digest, [...(v.referrers.get(digest) ?? []), from]);
    }
    for (const c of v.tags.values()) if (c.kind === 'written') v.digests.set(c.digest, c);
    this.#repositories.set(key, v);
    return v;
  }

  /** The earlier rule that writes `repository:tag` in `registry`, if one does. */
  writtenBy(registry: string, repository: string, tag: string): string | undefined {
    const c = this.#repository(registry, repository).tags.get(tag);
    return c?.kind === 'written' ? c.rule : undefined;
  }

  /** `store` (on `registry`, by address) as the earlier rules leave it; itself where they change nothing. */
  store(registry: string, store: Store): Store {
    if (!this.changes(registry)) return store;
    const view = (repository: string) => this.#repository(registry, repository);

    /** The manifest a planned tag will name: the source's, or the subset index of its platforms. */
    const plannedManifest = async (c: Written): Promise<Manifest | undefined> => {
      const m = await c.from.store.manifestGet(c.from.repository, c.sourceDigest);
      if (!m || c.digest === c.sourceDigest) return m;
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
    const plannedHead = async (c: Written): Promise<ManifestHead | undefined> => {
      if (c.digest === c.sourceDigest) return c.from.store.manifestHead(c.from.repository, c.digest);
      const m = await plannedManifest(c);
      return m && { digest: m.digest, mediaType: m.mediaType, size: m.size };
    };
    /**
     * A manifest by digest: one a written tag will name, from where it is copied; else the store's,
     * else one the earlier rules' copies bring along (an index's platform, a referrer).
     */
    const byDigest = async <T>(
      repository: string,
      digest: string,
      planned: (c: Written) => Promise<T | undefined>,
      read: (s: Store, repository: string) => Promise<T | undefined>,
    ): Promise<T | undefined> => {
      const v = view(repository);
      const c = v.digests.get(digest);
      if (c) return planned(c);
      // A repository only the earlier rules fill holds nothing yet: asked last, not first.
      const order = created.has(repository)
        ? [...v.sources, { store, repository }]
        : [{ store, repository }, ...v.sources];
      for (const f of order) {
        const found = await read(f.store, f.repository);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    /** Repositories whose tag list the store answered empty, where the earlier rules write tags. */
    const created = new Set<string>();
    const listedHere = (repository: string, listed: number, tags: Map<string, Change>) => {
      if (listed === 0 && [...tags.values()].some((c) => c.kind === 'written')) created.add(repository);
    };
    const isDigest = (reference: string) => reference.includes(':');
    // A registry whose listing carries labels (Harbor) gives every artifact its labels, `{}` when it
    // has none: a copied tag carries those of an artifact already there under the same digest.
    const labelled = (listed: TagInfo[], digest: string): Pick<TagInfo, 'labels'> => {
      if (!store.listsLabels) return {};
      return { labels: listed.find((t) => t.digest === digest)?.labels ?? {} };
    };
    const overrides: Partial<Store> = {
      listRepositories: () => this.catalog(registry, store.listRepositories(), Promise.resolve(store)),
      ...(store.listRepositoriesNamed
        ? {
            listRepositoriesNamed: async (names: readonly string[]) => {
              const listed = await store.listRepositoriesNamed!(names);
              const added = names.filter(
                (n) => !listed.includes(n) && [...view(n).tags.values()].some((c) => c.kind === 'written'),
              );
              return added.length ? [...listed, ...(await store.listRepositoriesNamed!(added))] : listed;
            },
          }
        : {}),
      listTags: async (repository: string) => {
        const { tags } = view(repository);
        const listed = await store.listTags(repository);
        if (tags.size === 0) return listed;
        listedHere(repository, listed.length, tags);
        const out = listed.filter((t) => tags.get(t)?.kind !== 'deleted');
        const have = new Set(out);
        for (const [tag, c] of tags) if (c.kind === 'written' && !have.has(tag)) out.push(tag);
        return out;
      },
      ...(store.listTagDetails
        ? {
            listTagDetails: async (repository: string): Promise<TagInfo[]> => {
              const { tags } = view(repository);
              const listed = await store.listTagDetails!(repository);
              if (tags.size === 0) return listed;
              listedHere(repository, listed.length, tags);
              // Pushed after everything listed now, where the listing tells times at all (GHCR's
              // does not, and `latest:` then orders by version, not by a time only these have).
              const now = listed.some((t) => t.created) ? { created: new Date().toISOString() } : {};
              const out = listed.filter((t) => !tags.has(t.tag));
              for (const [tag, c] of tags)
                if (c.kind === 'written') out.push({ tag, digest: c.digest, ...now, ...labelled(listed, c.digest) });
              return out;
            },
          }
        : {}),
      manifestHead: async (repository: string, reference: string): Promise<ManifestHead | undefined> => {
        if (isDigest(reference))
          return byDigest(repository, reference, plannedHead, (s, r) => s.manifestHead(r, reference));
        const c = view(repository).tags.get(reference);
        if (c?.kind === 'deleted') return undefined;
        return c ? plannedHead(c) : store.manifestHead(repository, reference);
      },
      manifestGet: async (repository: string, reference: string): Promise<Manifest | undefined> => {
        if (isDigest(reference))
          return byDigest(repository, reference, plannedManifest, (s, r) => s.manifestGet(r, reference));
        const c = view(repository).tags.get(reference);
        if (c?.kind === 'deleted') return undefined;
        return c ? plannedManifest(c) : store.manifestGet(repository, reference);
      },
      referrers: async (repository: string, digest: Digest, opts?: { tags?: ReadonlySet<string> }) => {
        const here = await store.referrers(repository, digest, opts);
        const brought = view(repository).referrers.get(digest);
        if (!brought) return here;
        const seen = new Set(here.descriptors.map((d) => d.digest));
        const descriptors: Descriptor[] = [...here.descriptors];
        for (const f of brought)
          for (const d of (await f.store.referrers(f.repository, digest)).descriptors)
            if (!seen.has(d.digest)) {
              seen.add(d.digest);
              descriptors.push(d);
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

/**
 * What the rules of one dry run read: each rule's stores and catalogs as the earlier rules leave
 * them (`forRule`), after each rule has been recorded (`record`).
 */
export class DryRunReads {
  readonly #planned = new PlannedChanges();
  // Manifests a later rule's view reads where an earlier rule copies them from: those GET from a
  // registry that counts them as pulls (Docker Hub) are kept for the run, within the cache's budget,
  // so a chain does not pull them twice. One cache per registry entry: another entry's credentials
  // may not see the same.
  readonly #pulled = new Map<Store, ManifestCache>();
  readonly #open: (registry: string) => Promise<Store>;
  readonly #catalogs: Pick<Catalogs, 'of'>;
  readonly #identity: (registry: string) => string;

  constructor(
    open: (registry: string) => Promise<Store>,
    catalogs: Pick<Catalogs, 'of'>,
    /** A registry's name in the rules file → its address (identityOf). */
    identity: (registry: string) => string,
  ) {
    this.#open = open;
    this.#catalogs = catalogs;
    this.#identity = identity;
  }

  /** See PlannedChanges.record; `registry` by address. */
  record(rule: Rule, registry: string, plan: RulePlan, src: Store): void {
    this.#planned.record(rule, registry, plan, src);
  }

  /**
   * A rule's reads, with the changes of the earlier rules `counts` admits. `writtenFirstBy(source)`:
   * which earlier rule writes a tag of that registry (RuleOptions.writtenFirstBy).
   */
  forRule(counts: (rule: string) => boolean): {
    open: (registry: string) => Promise<Store>;
    catalogs: Pick<Catalogs, 'of'>;
    writtenFirstBy: (source: string) => ((repository: string, tag: string) => string | undefined) | undefined;
  } {
    const view = this.#planned.view(counts);
    const id = this.#identity;
    return {
      open: async (name) => {
        const opened = await this.#open(name);
        let store = opened;
        if (opened.rateLimit) {
          let cache = this.#pulled.get(opened);
          if (!cache) this.#pulled.set(opened, (cache = new ManifestCache()));
          store = cache.wrap(opened);
        }
        return view.store(id(name), store);
      },
      catalogs: { of: (name) => view.catalog(id(name), this.#catalogs.of(name), this.#open(name)) },
      writtenFirstBy: (source) =>
        view.changes(id(source)) ? (repository, tag) => view.writtenBy(id(source), repository, tag) : undefined,
    };
  }
}

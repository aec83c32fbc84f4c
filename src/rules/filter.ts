// Source filters: which repositories and which tags a rule replicates.
//
// Pattern lists (name and tag filters): a pattern starting with `!` excludes; the others include.
// A subject passes when the list has no include pattern or at least one include pattern matches,
// and no exclude pattern matches. An empty list passes everything. Each pattern is a Harbor
// pattern (see glob.ts); `\!x` matches a literal `!x`. Harbor's UI holds one pattern with a
// "matching"/"excluding" decoration; a list of such patterns is ferry's generalisation.
//
// Untagged artifacts are tested with the empty tag `""`, as Harbor does: `*` and `**` keep them,
// `v*` drops them, `!v*` keeps them.

import semver from 'semver';
import type { Filters } from '../config/types.js';
import { IMAGE_CONFIG_TYPES, INDEX_TYPES, SCHEMA1_TYPES } from '../oci/media-types.js';
import { REFERRER_TAG } from '../oci/referrers.js';
import { compileGlob, isMatchAllPattern } from './glob.js';

interface PatternList {
  include: ((s: string) => boolean)[];
  exclude: ((s: string) => boolean)[];
}

function compileList(patterns: readonly string[]): PatternList {
  const list: PatternList = { include: [], exclude: [] };
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) list.exclude.push(compileGlob(pattern.slice(1)));
    else list.include.push(compileGlob(pattern));
  }
  return list;
}

function listPredicate(list: PatternList): (s: string) => boolean {
  const { include, exclude } = list;
  if (include.length === 0 && exclude.length === 0) return () => true;
  return (s) => (include.length === 0 || include.some((m) => m(s))) && !exclude.some((m) => m(s));
}

/** Repository name filter: doublestar globs on the full repository path (`backend/**`). */
export function compileNameFilter(patterns: string[]): (repo: string) => boolean {
  return listPredicate(compileList(patterns));
}

/** Tag filter (`prod-*`, `v*`, `!*-rc*`). Pass `""` for an untagged artifact. */
export function compileTagFilter(patterns: string[]): (tag: string) => boolean {
  return listPredicate(compileList(patterns));
}

/** The artifact carries every required label/annotation with the same value. Keys and values are case-sensitive. */
export function matchLabels(required: Record<string, string>, have: Record<string, string>): boolean {
  return Object.entries(required).every(([key, value]) => Object.hasOwn(have, key) && have[key] === value);
}

function baseMediaType(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * The resource filter's one decision: whether an artifact is an "image" or an "artifact", from
 * what is known of it, or undefined when that is not enough. The listing (Harbor) and the
 * manifest (every registry) both go through here, so a tag is judged the same wherever its facts
 * come from.
 * - An `artifactType` (OCI 1.1) makes it an artifact.
 * - A Docker schema 1 manifest is always an image.
 * - An index is judged by its first child's config type: `configMediaType` must be that one, and
 *   without it the listing cannot tell (the gatherer reads the index and its first child).
 * - Otherwise the config media type decides: a Docker or OCI image config is an image, any other
 *   known config type (Helm chart, Cosign signature, SBOM, WASM, the empty config) an artifact.
 * - A manifest type alone, or nothing at all: not enough (a manifest read always has a config).
 */
export function resourceKind(a: {
  mediaType?: string;
  configMediaType?: string;
  artifactType?: string;
}): 'image' | 'artifact' | undefined {
  if (a.artifactType) return 'artifact';
  const manifest = a.mediaType ? baseMediaType(a.mediaType) : undefined;
  if (manifest && SCHEMA1_TYPES.has(manifest)) return 'image';
  if (a.configMediaType) {
    const config = baseMediaType(a.configMediaType);
    // A listing may give an index's own type as its "config" type (Harbor's media_type).
    if (INDEX_TYPES.has(config)) return undefined;
    return IMAGE_CONFIG_TYPES.has(config) ? 'image' : 'artifact';
  }
  return undefined;
}

/** What a provider knows about one tag (or one untagged artifact, with `tag: ""`). */
export interface TagInfo {
  tag: string;
  digest?: string;
  /** Harbor labels or OCI annotations. A Harbor label (a bare name) is given as `{ name: "" }`. */
  labels?: Record<string, string>;
  configMediaType?: string;
  /** Manifest media type. */
  mediaType?: string;
  /** Creation time (RFC 3339), used by keep-latest-N when tags are not semver. */
  created?: string;
}

/** `v1.2.3` and `1.2.3` (and `=1.2.3`) parse; `1.2`, `latest` do not. */
export function semverOf(tag: string): string | null {
  const cleaned = semver.clean(tag);
  return cleaned === null ? null : semver.valid(cleaned);
}

function compileRange(range: string): semver.Range {
  try {
    return new semver.Range(range);
  } catch {
    throw new Error(`invalid semver range ${JSON.stringify(range)}`);
  }
}

/**
 * Tags inside a semver range. Tags that are not semver never satisfy a range. A prerelease
 * (`1.3.0-rc.1`) satisfies only a range that names a prerelease of the same major.minor.patch
 * (`>=1.3.0-rc.0`), the semver package's default.
 */
export function compileSemverFilter(range: string | undefined): (tag: string) => boolean {
  if (range === undefined || range.trim() === '') return () => true;
  const r = compileRange(range);
  return (tag) => {
    const v = semverOf(tag);
    return v !== null && r.test(v);
  };
}

/**
 * The tags a rule can ever write at the destination: the tag filter and the semver range. Labels
 * and the resource type are not known for destination tags, and keep-latest-N is deliberately not
 * part of the scope (so with delete_remote, tags that fell out of the newest N are deleted).
 */
export function compileTagScope(filters: Pick<Filters, 'tag' | 'semver'>): (tag: string) => boolean {
  const byTag = compileTagFilter(filters.tag);
  const bySemver = compileSemverFilter(filters.semver);
  return (tag) => byTag(tag) && bySemver(tag);
}

/**
 * The tags a rule writes, as a listing shows them: its images by its tag scope (compileTagScope)
 * and the referrers tags (cosign's `sha256-<hex>.sig`, fallback indexes) by its `referrers`
 * setting, whatever the tag filter: they travel with their subjects, or not at all. Another
 * rule's deletion guard and an event's match ask this one.
 */
export function compileWriteScope(rule: {
  filters: Pick<Filters, 'tag' | 'semver'>;
  referrers: boolean | 'always';
}): (tag: string) => boolean {
  const inScope = compileTagScope(rule.filters);
  return (tag) => (REFERRER_TAG.test(tag) ? rule.referrers !== false : inScope(tag));
}

function compareLexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order for keep-latest-N, newest first:
 * 1. when every tag is semver: by version, descending (ties, e.g. `v1.0.0` and `1.0.0`, by tag);
 * 2. otherwise when every tag has a parseable creation time: by time, descending, ties by tag
 *    descending;
 * 3. otherwise: the semver tags by version, then the others by tag, descending (code-unit order),
 *    e.g. `2024-06-01` before `2024-05-30`. A `latest` or `main` tag among versions must not turn
 *    the versions' order into the tags' (`v1.9.0` above `v1.11.0`): with delete_remote, the newest
 *    releases would be deleted from the mirror the day such a tag appeared.
 */
export function newestFirst(tags: TagInfo[]): TagInfo[] {
  const times = tags.map((t) => (t.created === undefined ? Number.NaN : Date.parse(t.created)));
  const versions = tags.map((t) => semverOf(t.tag));
  if (!versions.every((v) => v !== null) && times.every((n) => !Number.isNaN(n))) {
    return tags
      .map((t, i) => ({ t, n: times[i]! }))
      .sort((a, b) => b.n - a.n || compareLexical(b.t.tag, a.t.tag))
      .map((x) => x.t);
  }
  return tags
    .map((t, i) => ({ t, v: versions[i] }))
    .sort(
      (a, b) =>
        (a.v && b.v ? semver.rcompare(a.v, b.v) : Number(!a.v) - Number(!b.v)) || compareLexical(b.t.tag, a.t.tag),
    )
    .map((x) => x.t);
}

/**
 * Apply a rule's artifact filters to a repository's tags, in this order: with `referrers: false`,
 * referrers tags (cosign's `sha256-<hex>.sig`, fallback indexes: signatures and SBOMs, which that
 * rule does not copy), then tag patterns, labels, resource type, semver range, keep-latest-N. Labels are tested only on tags whose `labels` the
 * provider supplied, and the resource type only when a media type is known: a provider that cannot
 * read labels or media types cannot filter on them (the label filter then lets everything through,
 * so providers must fill `labels` for label filters to work). The result keeps the input order.
 */
export function selectTags(
  tags: TagInfo[],
  filters: Filters,
  dropped?: DroppedBy,
  /** Told of each tag the labels or resource filter leaves out, with the reason a plan row gives. */
  onRefused?: (t: TagInfo, refusal: NonNullable<ReturnType<typeof artifactRefusal>>) => void,
  /** The rule's `referrers`: `false` leaves referrers tags out. */
  referrers: boolean | 'always' = true,
  /** Told of each tag left out, with the stage that left it out (an event's tag says which). */
  onDropped?: (t: TagInfo, stage: (typeof TAG_STAGES)[number]) => void,
): TagInfo[] {
  const byTag = compileTagFilter(filters.tag);
  const bySemver = compileSemverFilter(filters.semver);
  const wantLabels = Object.keys(filters.labels).length > 0;
  const drop = (t: TagInfo, stage: (typeof TAG_STAGES)[number]) => {
    if (dropped) dropped[stage]++;
    onDropped?.(t, stage);
    return false;
  };
  let selected = tags.filter((t) => {
    if (referrers === false && REFERRER_TAG.test(t.tag)) return drop(t, 'referrers');
    if (!byTag(t.tag)) return drop(t, 'tag');
    // Decided here only when the listing tells the labels or the type; otherwise from the manifest
    // (gather.ts). Either way artifactRefusal decides, so the two paths give the same verdict.
    const refusal = artifactRefusal(
      filters,
      { ...t, annotations: t.labels ?? {} },
      wantLabels && t.labels !== undefined,
      {
        unknownKind: 'undecided',
      },
    );
    if (refusal) {
      onRefused?.(t, refusal);
      return drop(t, refusal.why === 'filtered-labels' ? 'labels' : 'resource');
    }
    return bySemver(t.tag) || drop(t, 'semver');
  });
  if (filters.latest !== undefined) {
    // Signatures and attestations tagged after their subject (cosign's `sha256-<hex>.sig`) are not
    // images: they neither take one of the N places nor change the others' order. They are left
    // out here; those of the images kept travel with them (gather plans the fallback tags of the
    // selected tags), and those of images left out are not copied for nothing.
    const images = selected.filter((t) => !REFERRER_TAG.test(t.tag));
    const keep = new Set(newestFirst(images).slice(0, Math.max(0, filters.latest)));
    selected = selected.filter((t) => keep.has(t) || drop(t, 'latest'));
  }
  return selected;
}

/**
 * The filter stages that leave tags out, in the order outputs list them (the name filter leaves out
 * repositories; labels and resource apply where their facts are, from the listing or the manifest).
 * `platforms`: a source index with none of a `platforms:` rule's platforms, found when its manifest
 * is read (not a filter of the listing).
 */
export const TAG_STAGES = ['referrers', 'tag', 'semver', 'latest', 'labels', 'resource', 'platforms'] as const;

/** How many repositories (name) or tags (the other stages) each filter stage left out. */
export type DroppedBy = Record<'name' | (typeof TAG_STAGES)[number], number>;

export const noneDropped = (): DroppedBy => Object.fromEntries(['name', ...TAG_STAGES].map((k) => [k, 0])) as DroppedBy;

/**
 * Whether a rule's filters select every tag of every repository (name and tag filters match all,
 * no exclusion, no labels, no semver range, no latest-N). The resource type is ignored: it is not
 * known for destination tags, so it does not narrow what delete_remote may touch.
 */
export function filtersMatchEverything(filters: Filters): boolean {
  const allNames =
    filters.name.length === 0 ||
    (!filters.name.some((p) => p.startsWith('!')) && filters.name.some((p) => isMatchAllPattern(p, 'name')));
  const allTags =
    filters.tag.length === 0 ||
    (!filters.tag.some((p) => p.startsWith('!')) && filters.tag.some((p) => isMatchAllPattern(p, 'tag')));
  return (
    allNames &&
    allTags &&
    Object.keys(filters.labels).length === 0 &&
    (filters.semver === undefined || filters.semver.trim() === '') &&
    filters.latest === undefined
  );
}

/** The parts of a source manifest the labels and resource filters read. */
export interface ArtifactFacts {
  /** Manifest media type (a listing may not tell it). */
  mediaType?: string;
  /** Config media type (of the first child for an index). */
  configMediaType?: string;
  artifactType?: string;
  annotations: Record<string, string>;
}

/**
 * Why the labels or resource filter leaves an artifact out, or undefined when it passes. Labels
 * are read from the manifest's annotations; a provider that lists labels (Harbor) has already
 * applied them while listing, so `checkLabels` is false there.
 */
export function artifactRefusal(
  filters: Pick<Filters, 'labels' | 'resource'>,
  a: ArtifactFacts,
  checkLabels: boolean,
  /**
   * What facts that cannot tell the kind count as: a manifest read counts as an image; a listing
   * (`undecided`) leaves the resource filter to the manifest.
   */
  o: { unknownKind: 'image' | 'undecided' } = { unknownKind: 'image' },
): { why: 'filtered-resource' | 'filtered-labels'; reason: string } | undefined {
  const kind = resourceKind(a);
  if (filters.resource !== 'all' && (kind !== undefined || o.unknownKind === 'image')) {
    // An index is judged by its first child's config: the gatherer passes that one. A manifest
    // with nothing to tell (an empty index) counts as an image, a Distribution registry's default.
    const image = (kind ?? 'image') === 'image';
    if (filters.resource === 'image' && !image)
      return {
        why: 'filtered-resource',
        reason: `not an image (config ${a.configMediaType ?? 'none'}); the rule copies images only`,
      };
    if (filters.resource === 'artifact' && image)
      return { why: 'filtered-resource', reason: 'an image; the rule copies non-image artifacts only' };
  }
  if (checkLabels && Object.keys(filters.labels).length > 0 && !matchLabels(filters.labels, a.annotations))
    return {
      why: 'filtered-labels',
      reason: `does not carry the labels ${Object.entries(filters.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    };
  return undefined;
}

/** Whether the labels or resource filter needs to read the manifest of tags about to be written. */
export function needsArtifactFacts(filters: Pick<Filters, 'labels' | 'resource'>, labelsListed: boolean): boolean {
  return filters.resource !== 'all' || (!labelsListed && Object.keys(filters.labels).length > 0);
}

import { type DroppedBy, TAG_STAGES } from '../rules/filter.js';
export { TAG_STAGES };

/**
 * What the planner decides for one destination tag. The engine carries out exactly these:
 *   copy            missing at the destination
 *   update          differs and override is on
 *   unchanged       the destination already holds what the rule would write
 *   kept            differs and override is off (as Harbor leaves it alone)
 *   skip            the source tag is left out by the labels or resource filter
 *   delete          a destination extra the run deletes
 *   delete-blocked  a destination extra the run must not delete (why: `why`)
 *   listing-failed  the source lists the tag but its manifest could not be read, or (override off)
 *                   the destination lists it and reading it found nothing: no decision
 */
export type PlanAction =
  'copy' | 'update' | 'unchanged' | 'kept' | 'skip' | 'delete' | 'delete-blocked' | 'listing-failed';

/** Why an item is what it is, for machines (renderers, tests); `reason` says it in words. */
export type PlanWhy =
  | 'override-off'
  | 'filtered-labels'
  | 'filtered-resource'
  /** A Docker schema1 manifest at the source: not copied (deprecated, unsupported), not a failure. */
  | 'schema1'
  /** A source index with none of the rule's `platforms:`: nothing to copy, not a failure. */
  | 'platforms-absent'
  | 'not-at-source'
  /** The source still lists the tag, but the rule's filters leave it out (an older one under `latest:`). */
  | 'not-selected'
  | 'shared-digest'
  | 'platform-of-kept-index'
  | 'referrer-fallback-tag'
  | 'over-max'
  | 'match-all-unacknowledged'
  | 'source-empty'
  | 'source-listing-failed'
  | 'tag-unresolved'
  | 'not-the-deleted-digest'
  /** Another rule writes the destination repository, and what it writes there is not known. */
  | 'other-rule-writes'
  /** A rule before this one in the run writes the same destination tag: it is that rule's. */
  | 'earlier-rule-writes'
  /**
   * A destination tag's or index's manifest could not be read: deleting by digest would take along
   * what is not known, and with override off a copy would overwrite it.
   */
  | 'destination-unread'
  /** The run stopped (its timeout, a cancel) before this tag's copy or deletion started: left for the next run. */
  | 'run-stopped';

export interface PlanItem {
  rule: string;
  /** Source repository path (no registry host), e.g. `library/nginx`. Absent for a deletion. */
  sourceRepository?: string;
  /** Destination repository path after mapping. */
  destinationRepository: string;
  tag: string;
  action: PlanAction;
  /** Digest at the source (absent for a deletion). */
  sourceDigest?: string;
  /**
   * Digest the run writes at the destination when it differs from the source's: the subset
   * index of a `platforms:` rule.
   */
  targetDigest?: string;
  /** The platforms that subset keeps, as rows name them. */
  targetPlatforms?: string;
  /** Digest at the destination before this run (absent for a copy). */
  destinationDigest?: string;
  /**
   * A referrer (signature, SBOM) of the manifest `tag` points at, which the destination lacks
   * (`referrers: always`): copied by this digest, untagged; `sourceDigest` is the same digest.
   */
  referrer?: string;
  why?: PlanWhy;
  /** Why, in words, when not obvious. */
  reason?: string;
  /** What to do about an item that cannot be carried out, decided where its cause is known. */
  hint?: string;
}

/** What a stage is called in outputs: the setting that left the tags out. */
export function stageName(stage: (typeof TAG_STAGES)[number]): string {
  return stage === 'referrers' ? 'referrers: false' : stage;
}

/** What the rule's filters selected, stage by stage: a rule that selects nothing is visible. */
export interface Selection {
  repositories: { listed: number; matched: number };
  /**
   * `signatures`: referrers fallback tags (`sha256-<hex>`) the tag filter left out that travel with
   * a selected tag all the same (`referrers`), each planned as a tag of its own.
   */
  tags: { listed: number; selected: number; signatures?: number };
  /** Repositories left out by the name filter; tags by each other stage. */
  dropped: DroppedBy;
}

export interface RulePlan {
  rule: string;
  items: PlanItem[];
  /** Absent when the source's repositories could not be listed. */
  selection?: Selection;
  /**
   * Set when deletions of the rule were refused as a whole (over delete_remote.max, match-all not
   * acknowledged, the source could not be listed): the refused tags are `delete-blocked` items.
   */
  deletionsRefused?: string;
  /** Warnings to show (kept tags, refused deletions, sources with no tags...). */
  warnings: string[];
}

export interface Plan {
  /** true for a dry run / `ferry plan`: nothing will be executed. */
  dryRun: boolean;
  rules: RulePlan[];
}

/** A rule that selects nothing is almost always a mistake: say which filter left everything out. */
export function selectsNothing(s: Selection): string | undefined {
  const { repositories, tags, dropped } = s;
  if (repositories.matched === 0)
    return repositories.listed === 0
      ? 'the rule selects nothing: the source lists no repositories'
      : `the rule selects nothing: its name filter matches none of the ${repositories.listed} repositories the source lists`;
  if (tags.selected > 0) return undefined;
  if (tags.listed === 0)
    return `the rule selects nothing: its ${repositories.matched} matching repositories have no tags`;
  const stages = TAG_STAGES.filter((k) => dropped[k] > 0);
  const by = (k: (typeof TAG_STAGES)[number]) =>
    k === 'referrers'
      ? stageName(k)
      : k === 'platforms'
        ? "the rule's platforms (none in the index)"
        : `the ${k} filter`;
  return `the rule selects nothing: of ${tags.listed} tags, ${stages.map((k) => `${by(k)} left out ${dropped[k]}`).join(', ')}`;
}

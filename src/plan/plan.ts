// The planner: every decision about a rule's tags is taken here, once, from facts gathered
// beforehand (src/replicate/gather.ts); the engine carries the items out as they are.
//
// Per source tag (see PlanAction): copy, update, unchanged, kept, skip (labels or resource
// filter), listing-failed (listed but its manifest could not be read: no decision about it).
// Per destination tag absent at the source and inside the rule's scope (tag filter and semver
// range, see compileTagScope): delete, or delete-blocked when
// - a source of its destination repository could not be listed or has no tag matching the rule
//   (every source of a group is checked, not only the group as a whole);
// - the registry deletes by digest and the digest is also a staying tag's, or a platform of a
//   staying index (deleting the manifest would take the other tag along or break the index);
// - it is a referrers fallback tag (sha256-<hex>[.sig|.att|.sbom]): it belongs to its subject;
// - the rule matches everything and delete_remote does not acknowledge it;
// - the rule's deletable tags exceed delete_remote.max (only deletable tags are counted).
// Deletions never remove a destination repository, only tags of repositories the rule maps to.

import type { Rule } from '../config/types.js';
import { REFERRER_TAG } from '../oci/referrers.js';
import { compileTagScope, filtersMatchEverything } from '../rules/index.js';
import type { PlanItem, PlanWhy, RulePlan } from './types.js';
import { counted, firstFive } from '../util/units.js';
import { deletionShare, type ShardSpec } from './shard.js';

/** What the gatherer learnt about one source tag. */
export interface SourceTag {
  digest: string;
  /** The digest the run writes when it is not the source's (the subset index of `platforms:`). */
  target?: string;
  /** The platforms that subset keeps, as rows name them. */
  targetPlatforms?: string;
  /** A referrers fallback tag (signatures, SBOMs) of this source tag, planned as a tag of its own. */
  referrersOf?: string;
  /** The labels or resource filter leaves the tag out, or its manifest is one ferry does not copy. */
  skip?: {
    why: Extract<PlanWhy, 'filtered-labels' | 'filtered-resource' | 'schema1' | 'platforms-absent'>;
    reason: string;
  };
}

/** Why a listed source tag could not be read, and what to do about it when the cause says. */
export interface Unread {
  why: string;
  hint?: string;
}

export interface RepoInput {
  sourceRepository: string;
  destinationRepository: string;
  /** Source tag → digest (or what is known of it), after the rule's tag filters. */
  source: Map<string, string | SourceTag>;
  /** Tags the source lists and the filters select, whose manifest could not be read: tag → why. */
  unresolved?: Map<string, Unread>;
  /**
   * How many source tags the rule's filters select, before an event narrowed the run to some
   * tags; defaults to the tags in `source` and `unresolved`. The emptiness guard reads it.
   */
  selected?: number;
  /** Every destination tag → digest (empty when the repository does not exist yet). */
  destination: Map<string, string>;
  /**
   * Every tag the source lists, before the filters: a destination extra it lists is left out by
   * the filters (`latest:`), not gone from the source, and its deletion says so.
   */
  listed?: ReadonlySet<string>;
  /**
   * Source tag → referrers of its manifest that the destination lacks (`referrers: always`),
   * asked for tags already at the destination: a tag that is copied brings its referrers along.
   */
  missingReferrers?: Map<string, { digest: string; artifactType?: string }[]>;
  /** Index digests at the destination → their children's digests (registries deleting by digest). */
  destinationChildren?: Map<string, string[]>;
  /**
   * Destination tags the listing names whose manifest then could not be found (a lagging replica,
   * a cache), or index digests whose children could not be read: what a deletion by digest would
   * take along is not known, so none is made in the repository.
   */
  destinationUnread?: string[];
  /**
   * Asked only where this rule has extras to delete: the tags other enabled rules write into the
   * destination repository (their sources hold them, within their filters), which are theirs and
   * no extra of this rule; or why that could not be listed (then nothing is deleted here).
   */
  otherRules?: { tags: ReadonlySet<string> } | { failed: string };
  /** The source tags could not be listed (why): no deletions in the destination repository. */
  sourceListingFailed?: string | true;
  /** The destination could not be listed (why): nothing is decided for this repository (a rule error says so). */
  destinationListingFailed?: string;
}

export interface PlanContext {
  /** The destination deletes a tag without deleting other tags of its digest. */
  deletesByTag: boolean;
  /** An event narrows the run to these tags: nothing else is copied or deleted. */
  onlyTags?: ReadonlySet<string>;
  /**
   * A delete event: per source repository, the tags deleted there and the digest each had (when
   * the event says). Only a destination tag the event names, still at that digest, may go.
   */
  deleted?: ReadonlyMap<string, ReadonlyMap<string, string | undefined>>;
  /**
   * What the rules before this one in the run write into a destination repository (their plans'
   * tags there, each with the rule and, where it reads this rule's source registry, its source
   * repository): such a tag is that rule's (EarlierWrite).
   */
  earlierWrites?: (destinationRepository: string) => ReadonlyMap<string, EarlierWrite> | undefined;
}

/**
 * A tag an earlier rule of the run writes into the destination repository. Two rules writing one
 * tag from different sources rewrote it on every run, the later rule winning, while the plan (made
 * before either ran) showed each copying it: the later rule now leaves it.
 */
export interface EarlierWrite {
  rule: string;
  /** Its source repository, when on this rule's source registry: the same image, which both may write. */
  sameSource?: string;
}

export type PlannedRule = Pick<Rule, 'name' | 'override' | 'deleteRemote' | 'filters'> &
  Partial<Pick<Rule, 'platforms'>>;

/**
 * Whether the rule may delete this destination tag when the source lacks it: delete_remote is on,
 * the tag is in the rule's tag scope and, in an event, among the event's tags. The planner and
 * the gatherer (which destination tags to read) both ask this one.
 */
export function deletionScope(rule: PlannedRule, onlyTags?: ReadonlySet<string>): (tag: string) => boolean {
  if (!rule.deleteRemote.enabled) return () => false;
  const inScope = compileTagScope(rule.filters);
  return (tag) => inScope(tag) && (!onlyTags || onlyTags.has(tag));
}

/** Why a tag the source still lists is no longer the rule's: the filter that left it out. */
function leftOutBy(rule: PlannedRule): string {
  const n = rule.filters.latest;
  return n
    ? `the source still has it, but it is not among the ${counted(n, 'newest tag')} the rule keeps (latest: ${n})`
    : "the source still has it, but the rule's filters leave it out";
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareItems(a: PlanItem, b: PlanItem): number {
  return (
    cmp(a.destinationRepository, b.destinationRepository) ||
    cmp(a.tag, b.tag) ||
    cmp(a.sourceRepository ?? '', b.sourceRepository ?? '') ||
    cmp(a.referrer ?? '', b.referrer ?? '')
  );
}

function facts(v: string | SourceTag): SourceTag {
  return typeof v === 'string' ? { digest: v } : v;
}

/** What the planner decided for one destination repository, before the rule-wide deletion bounds. */
export interface GroupPlan {
  destinationRepository: string;
  items: PlanItem[];
  /** The group's `delete` items: the rule-wide bounds (max, match-all) may still block them. */
  deletable: PlanItem[];
  warnings: string[];
}

/**
 * The whole plan of a rule from every repository's facts: each destination group planned
 * (planGroup), then the rule-wide deletion bounds (boundDeletions). The engine plans group by group
 * as the facts arrive and bounds at the end, with the same two functions, so both make this plan.
 */
export function planRule(rule: PlannedRule, repos: RepoInput[], ctx: PlanContext = { deletesByTag: true }): RulePlan {
  const groups = new Map<string, RepoInput[]>();
  for (const repo of repos) {
    const group = groups.get(repo.destinationRepository);
    if (group) group.push(repo);
    else groups.set(repo.destinationRepository, [repo]);
  }
  return assemblePlan(
    rule,
    [...groups].map(([dest, group]) => planGroup(rule, dest, group, ctx)),
  );
}

/**
 * The rule's plan from its planned groups (in any order): bounds applied, items and warnings in order.
 * `shard`: the run is this shard of a matrix, and these groups are its part of the rule.
 */
export function assemblePlan(rule: PlannedRule, groups: GroupPlan[], shard?: ShardSpec): RulePlan {
  const sorted = [...groups].sort((a, b) => cmp(a.destinationRepository, b.destinationRepository));
  const warnings = sorted.flatMap((g) => g.warnings);
  const bounds = boundDeletions(
    rule,
    sorted.flatMap((g) => g.deletable),
    shard,
  );
  warnings.push(...bounds.warnings);
  const items = sorted.flatMap((g) => g.items).sort(compareItems);
  const plan: RulePlan = { rule: rule.name, items, warnings };
  if (bounds.deletionsRefused !== undefined) plan.deletionsRefused = bounds.deletionsRefused;
  return plan;
}

/**
 * One destination repository's plan: the sources mapped onto it (flattened sources are diffed
 * together, or each would delete the other's tags), and its destination tags.
 */
export function planGroup(
  rule: PlannedRule,
  dest: string,
  repos: RepoInput[],
  ctx: PlanContext = { deletesByTag: true },
): GroupPlan {
  const warnings: string[] = [];
  const items: PlanItem[] = [];
  const deletable: PlanItem[] = [];
  const mayDelete = deletionScope(rule, ctx.onlyTags);
  const out: GroupPlan = { destinationRepository: dest, items, deletable, warnings };
  const group = [...repos].sort((a, b) => cmp(a.sourceRepository, b.sourceRepository));

  if (group.length > 1) {
    warnings.push(
      `several source repositories map to ${dest}: ${group.map((g) => g.sourceRepository).join(', ')}; ` +
        'check the destination namespace and flattening',
    );
  }
  // Without the destination's tags nothing can be decided; the failure is a rule error.
  if (group.some((g) => g.destinationListingFailed !== undefined)) return out;
  // Every source's view of the destination: each input heads only its own tags.
  const destination = new Map(group.flatMap((g) => [...g.destination]));
  const children = new Map(group.flatMap((g) => [...(g.destinationChildren ?? [])]));

  // tag → the source repository (first by name) it is replicated from
  const sourceTags = new Map<string, { repo: string; tag: SourceTag }>();
  const missingReferrers = new Map(group.flatMap((g) => [...(g.missingReferrers ?? [])]));
  const unresolved = new Map<string, Unread & { repo: string }>();
  // The first source (by name) listing a tag is the one replicated; when its manifest could not
  // be read, the tag is undecided rather than taken from the next source.
  for (const repo of group) {
    const tags = [...new Set([...repo.source.keys(), ...(repo.unresolved?.keys() ?? [])])].sort(cmp);
    for (const tag of tags) {
      const value = repo.source.get(tag);
      const already = sourceTags.get(tag);
      if (unresolved.has(tag)) continue;
      if (value === undefined) {
        if (!already) unresolved.set(tag, { repo: repo.sourceRepository, ...repo.unresolved!.get(tag)! });
        continue;
      }
      const f = facts(value);
      if (!already) sourceTags.set(tag, { repo: repo.sourceRepository, tag: f });
      else if (already.tag.digest !== f.digest)
        warnings.push(
          `${dest}:${tag} comes from both ${already.repo} and ${repo.sourceRepository} with different ` +
            `digests; only ${already.repo} is replicated`,
        );
    }
  }

  // final digest of every destination tag that stays after this run → its tags
  const staying = new Map<string, string[]>();
  const stay = (digest: string | undefined, tag: string) => {
    if (digest === undefined) return;
    const tags = staying.get(digest);
    if (tags) tags.push(tag);
    else staying.set(digest, [tag]);
  };

  // Destination tags listed, then not found when read (or not readable): what they hold is unknown.
  const unreadHere = new Set(group.flatMap((g) => g.destinationUnread ?? []));
  /** The earlier rule of the run that writes the tag here (ctx.earlierWrites), unless it reads it where this rule does. */
  const earlier = ctx.earlierWrites?.(dest);
  const earlierOwner = (tag: string, from: string) => {
    const w = earlier?.get(tag);
    return w && w.sameSource !== from ? w.rule : undefined;
  };
  const leftToOthers = new Map<string, string[]>();
  for (const [tag, { repo, tag: f }] of sourceTags) {
    const base = {
      rule: rule.name,
      sourceRepository: repo,
      destinationRepository: dest,
      tag,
      sourceDigest: f.digest,
    };
    const want = f.target ?? f.digest;
    const target = f.target
      ? { targetDigest: f.target, ...(f.targetPlatforms ? { targetPlatforms: f.targetPlatforms } : {}) }
      : {};
    const current = destination.get(tag);
    const have = current === undefined ? {} : { destinationDigest: current };
    // A signature or SBOM attached after the tag was copied: copied now, by digest.
    const referrers = (why: string) => {
      for (const r of missingReferrers.get(tag) ?? [])
        items.push({
          ...base,
          sourceDigest: r.digest,
          referrer: r.digest,
          action: 'copy',
          reason: `${r.artifactType ? `${r.artifactType} ` : ''}referrer of ${tag} (${why}), missing at the destination`,
        });
    };
    const owner = current === want ? undefined : earlierOwner(tag, repo);
    if (current === want) {
      items.push({ ...base, ...target, ...have, action: 'unchanged' });
      referrers('unchanged');
      stay(current, tag);
    } else if (owner !== undefined) {
      // Whichever rule runs first, and whatever the plan saw: the tag has one writer, the same in
      // the plan and the run, and the two rules no longer rewrite it in turn on every run.
      items.push({
        ...base,
        ...have,
        action: 'skip',
        why: 'earlier-rule-writes',
        reason: `rule ${owner}, before this one in the run, also writes ${dest}:${tag}: the tag is that rule's, and this rule leaves it`,
      });
      leftToOthers.set(owner, [...(leftToOthers.get(owner) ?? []), tag]);
      stay(current, tag);
    } else if (f.skip) {
      items.push({ ...base, ...have, action: 'skip', why: f.skip.why, reason: f.skip.reason });
      stay(current, tag);
    } else if (current === undefined && !rule.override && unreadHere.has(tag)) {
      // A replica or cache lagging behind answers 404 for a tag that is there: with override off,
      // a copy would overwrite what the plan could not show. With it on, the rule overwrites
      // anyway, and a dangling tag is mended.
      items.push({
        ...base,
        ...target,
        action: 'listing-failed',
        why: 'destination-unread',
        reason: `${dest} lists the tag, but reading it found nothing (a replica or cache lagging behind, or deleted since it was listed): not copied, because override is off and what it holds is not known`,
        hint: "run again; if it persists the tag is dangling (its manifest gone): delete it with the registry's UI or API, or run the rule once with override: true, which writes it",
      });
      stay(current, tag);
    } else if (current === undefined) {
      items.push({ ...base, ...target, action: 'copy' });
      stay(want, tag);
    } else if (rule.override) {
      items.push({ ...base, ...target, ...have, action: 'update' });
      stay(want, tag);
    } else {
      items.push({
        ...base,
        ...target,
        ...have,
        action: 'kept',
        why: 'override-off',
        reason: 'destination differs and override is off',
      });
      // Told once, as the item (its row shows both digests): a warning as well made the verdict
      // count one kept tag as two warnings.
      referrers('kept');
      stay(current, tag);
    }
  }
  for (const [owner, tags] of leftToOthers)
    warnings.push(
      `rule ${owner}, before this one in the run, also writes ${counted(tags.length, 'tag')} of ${dest} that this rule selects (${firstFive(tags)}): they are that rule's, and this rule leaves them; give the rules different destination namespaces or tag filters if both sources' tags should be kept`,
    );
  for (const [tag, { repo, why, hint }] of unresolved) {
    if (sourceTags.has(tag)) continue;
    const current = destination.get(tag);
    items.push({
      rule: rule.name,
      sourceRepository: repo,
      destinationRepository: dest,
      tag,
      action: 'listing-failed',
      ...(current ? { destinationDigest: current } : {}),
      why: 'tag-unresolved',
      reason: `${repo} lists the tag, but its manifest could not be read (${why}): not copied, and nothing is deleted in ${dest}`,
      ...(hint ? { hint } : {}),
    });
    stay(current, tag);
  }

  /** What a delete event says each source of the group lost as `tag`: one entry per naming source. */
  const deletedAs = (tag: string) =>
    group.flatMap((g) => {
      const named = ctx.deleted?.get(g.sourceRepository);
      return named?.has(tag) ? [named.get(tag)] : [];
    });
  // A tag a delete event names that the source still lists (a stale event, or pushed again): what
  // the run does with it is what any run does, and its row says why it is not a deletion.
  if (ctx.deleted)
    for (const i of items)
      if (!i.referrer && !i.reason && deletedAs(i.tag).length > 0)
        i.reason = 'the delete event names it, but the source still lists it: not deleted';
  // Tags another rule writes here are that rule's: neither extras nor rows of this one.
  const othersWrite = (tag: string) =>
    group.some((g) => g.otherRules && 'tags' in g.otherRules && g.otherRules.tags.has(tag));
  const candidates: PlanItem[] = [];
  for (const [tag, digest] of [...destination].sort((a, b) => cmp(a[0], b[0]))) {
    if (sourceTags.has(tag) || unresolved.has(tag)) continue;
    if (othersWrite(tag)) {
      stay(digest, tag);
      continue;
    }
    // A delete event looks at every tag it names in every repository it names: only the pairs
    // it names are its deletions.
    if (!mayDelete(tag) || (ctx.deleted && deletedAs(tag).length === 0)) {
      stay(digest, tag);
      continue;
    }
    const stillListed = group.some((g) => g.listed?.has(tag));
    candidates.push({
      rule: rule.name,
      destinationRepository: dest,
      tag,
      action: 'delete',
      destinationDigest: digest,
      ...(stillListed
        ? { why: 'not-selected' as const, reason: leftOutBy(rule) }
        : { why: 'not-at-source' as const, reason: 'not at the source' }),
    });
  }
  if (candidates.length === 0) return out;

  const block = (item: PlanItem, why: PlanWhy, reason: string) => {
    item.action = 'delete-blocked';
    item.why = why;
    item.reason = reason;
    stay(item.destinationDigest, item.tag);
  };
  // A rule with platforms: writes a subset index, whose digest is never the source's: the event's
  // digest cannot tell a copy of what was deleted from anything else. Its deletion is decided as a
  // scheduled run's is, by the source no longer listing the tag, under the same guards.
  if (ctx.deleted && !rule.platforms?.length)
    for (const c of candidates) {
      const digests = deletedAs(c.tag).filter((d): d is string => d !== undefined);
      if (digests.length > 0 && !digests.includes(c.destinationDigest!))
        block(
          c,
          'not-the-deleted-digest',
          `the destination tag holds ${c.destinationDigest}, not ${digests.join(', ')}, which the source deleted`,
        );
    }
  const othersUnknown = group.flatMap((g) => (g.otherRules && 'failed' in g.otherRules ? [g.otherRules.failed] : []));
  if (othersUnknown.length > 0)
    for (const c of candidates) if (c.action === 'delete') block(c, 'other-rule-writes', othersUnknown[0]!);
  const unread = [...unresolved.keys()].filter((t) => !sourceTags.has(t));
  const failed = group.filter((g) => g.sourceListingFailed);
  const empty = group.filter(
    (g) => !g.sourceListingFailed && (g.selected ?? g.source.size + (g.unresolved?.size ?? 0)) === 0,
  );
  if (failed.length > 0 || unread.length > 0 || empty.length > 0) {
    const why: PlanWhy = failed.length > 0 || unread.length > 0 ? 'source-listing-failed' : 'source-empty';
    const reason =
      failed.length > 0
        ? `the source listing failed (${failed.map((g) => g.sourceRepository).join(', ')})`
        : unread.length > 0
          ? `${counted(unread.length, 'listed source tag')} could not be read (${firstFive(unread)})`
          : `the source has no tags matching the rule (${empty.map((g) => g.sourceRepository).join(', ')})`;
    for (const c of candidates) block(c, why, reason);
    warnings.push(`no deletions in ${dest}: ${reason}; ${counted(candidates.length, 'tag')} left in place`);
    items.push(...candidates);
    return out;
  }
  for (const c of candidates)
    if (REFERRER_TAG.test(c.tag)) {
      // No deletion a guard kept: a referrers fallback tag is outside the tag selection and goes
      // with its subject. Skipped, as what the filters leave out is, not refused: a mirror of
      // signed images showed a refused deletion per signature on every run.
      c.action = 'skip';
      c.why = 'referrer-fallback-tag';
      c.reason = 'a referrers fallback tag: it belongs to its subject, not to the tag selection';
      stay(c.destinationDigest, c.tag);
    }

  const unknownAtDestination = group.flatMap((g) => g.destinationUnread ?? []);
  if (!ctx.deletesByTag && unknownAtDestination.length > 0) {
    const some = firstFive(unknownAtDestination);
    for (const c of candidates)
      if (c.action === 'delete')
        block(
          c,
          'destination-unread',
          `the destination could not show what ${some} ${unknownAtDestination.length > 1 ? 'point' : 'points'} at, so what deleting by digest would take along is not known`,
        );
  }
  if (!ctx.deletesByTag) {
    // Deleting by digest takes every tag of that digest along and breaks every index listing
    // it as a platform. A blocked tag stays, which can block others: repeat until stable.
    const extras = new Set(candidates.map((c) => c.tag));
    for (let changed = true; changed;) {
      changed = false;
      const parentOf = new Map<string, string>();
      for (const [digest, tags] of staying)
        for (const child of children.get(digest) ?? []) parentOf.set(child, tags[0]!);
      for (const c of candidates) {
        if (c.action !== 'delete') continue;
        const shared = staying.get(c.destinationDigest!);
        const parent = parentOf.get(c.destinationDigest!);
        if (shared) {
          // The tags that stay by the plan, not other extras held back by the same digest.
          const planned = [...shared].filter((t) => !extras.has(t)).sort(cmp);
          const kept = planned.length ? planned : [...shared].sort(cmp);
          block(
            c,
            'shared-digest',
            `shares its digest with ${kept.length > 1 ? 'tags' : 'tag'} ${kept.join(', ')}, which ${kept.length > 1 ? 'stay' : 'stays'}: this registry deletes by digest, so deleting ${c.tag} would delete ${kept.length > 1 ? 'them' : kept[0]} too`,
          );
          changed = true;
        } else if (parent) {
          block(
            c,
            'platform-of-kept-index',
            `its manifest is a platform of tag ${parent}, which stays, and this registry deletes by digest`,
          );
          changed = true;
        }
      }
    }
  }
  items.push(...candidates);
  deletable.push(...candidates.filter((c) => c.action === 'delete'));
  return out;
}

/**
 * The rule-wide bounds on deletions, over every group's `delete` items: match-all without
 * acknowledge_match_all, or more than delete_remote.max, blocks them all.
 *
 * A shard sees only its part of the rule, and no shard knows what the others delete: each may
 * delete up to its share (deletionShare), and the shares add up to max.
 */
export function boundDeletions(
  rule: PlannedRule,
  deletable: PlanItem[],
  shard?: ShardSpec,
): { deletionsRefused?: string; warnings: string[] } {
  const warnings: string[] = [];
  let deletionsRefused: string | undefined;
  if (deletable.length > 0) {
    const { acknowledgeMatchAll } = rule.deleteRemote;
    const sharded = shard !== undefined && shard.total > 1;
    const max = sharded ? deletionShare(rule.deleteRemote.max, shard, rule.name) : rule.deleteRemote.max;
    const maxText = !sharded
      ? `delete_remote.max (${max})`
      : shard.shares
        ? `shard ${shard.index}'s share of delete_remote.max (${rule.deleteRemote.max} over the rule's units, as the matrix job dealt them: ${max})`
        : `shard ${shard.index}'s share of delete_remote.max (${rule.deleteRemote.max} split over ${shard.total} shards: ${max})`;
    const all = filtersMatchEverything(rule.filters);
    let why: PlanWhy | undefined;
    if (all && !acknowledgeMatchAll) {
      why = 'match-all-unacknowledged';
      deletionsRefused =
        `${counted(deletable.length, 'deletion')} refused: rule "${rule.name}" matches every repository and tag; ` +
        'set delete_remote.acknowledge_match_all to allow deleting under it';
    } else if (sharded && shard.shares && rule.deleteRemote.max > 0 && !(max > 0)) {
      why = 'over-max';
      deletionsRefused =
        `${counted(deletable.length, 'deletion')} refused: the matrix job dealt shard ${shard.index} no share of ` +
        `delete_remote.max for rule "${rule.name}" (its listing showed none of the rule's repositories in this shard, ` +
        `or it could not list the rule); they wait for a run whose matrix deals this shard a share`;
    } else if (!(deletable.length <= max)) {
      // Written so that a share that is not a number refuses rather than allows.
      why = 'over-max';
      deletionsRefused =
        `${counted(deletable.length, 'deletion')} refused: more than ${maxText} for rule ` +
        `"${rule.name}"; none is made. Check the filters, or raise max if this is intended`;
    } else if (all) {
      warnings.push(`rule "${rule.name}" deletes under filters that match everything (acknowledged)`);
    }
    if (why && deletionsRefused)
      for (const d of deletable) {
        d.action = 'delete-blocked';
        d.why = why;
        d.reason = why === 'over-max' ? `over ${maxText}` : 'the rule matches everything';
      }
  }

  return deletionsRefused === undefined ? { warnings } : { deletionsRefused, warnings };
}

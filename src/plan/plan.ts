// The planner: a pure diff of source and destination tags into one action per tag.
//
// Per destination tag:
//   copy       the tag is missing at the destination
//   unchanged  same digest on both sides
//   update     digests differ and the rule has override on
//   kept       digests differ and override is off (a warning, as Harbor leaves it alone)
//   delete     the destination tag is inside the rule's scope, absent at the source, and
//              delete_remote is on
// "Inside the rule's scope" means the tag passes the rule's tag filter and semver range (see
// compileTagScope): a destination tag the rule could never have written is never deleted.
// Deletions never remove a destination repository, only tags of repositories the rule maps to.
//
// Deletions are bounded:
// - none for a destination repository whose source listing failed or came back empty;
// - none for a rule whose filters match everything unless delete_remote acknowledges it;
// - past delete_remote.max for the rule, all the rule's deletions are refused (deletionsRefused);
// - a tag whose digest is also the digest of a destination tag that stays (unchanged, kept, the new
//   digest of an updated or copied tag, a tag out of scope, or any tag not deleted) is marked with
//   `sharedWithKept`: deleting that manifest by digest would take the other tags along.

import type { Rule } from '../config/types.js';
import { compileTagScope, filtersMatchEverything } from '../rules/index.js';
import type { Plan, PlanAction, PlanItem, RulePlan } from './types.js';

export interface RepoInput {
  sourceRepository: string;
  destinationRepository: string;
  /** Source tag → digest, after the rule's filters. */
  source: Map<string, string>;
  /** Every destination tag → digest (empty when the repository does not exist yet). */
  destination: Map<string, string>;
  /** The source tags could not be listed: no deletions for this repository. */
  sourceListingFailed?: boolean;
}

/** Reserved for planner options; none yet. */
export type PlanOptions = Record<string, never>;

export type PlannedRule = Pick<Rule, 'name' | 'override' | 'deleteRemote' | 'filters'>;

/** Tags that hold referrers of another manifest rather than an image of their own. */
export const REFERRER_TAG = /^sha(256|512)-[a-f0-9]{64,128}(\.(sig|att|sbom))?$/;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareItems(a: PlanItem, b: PlanItem): number {
  return (
    cmp(a.destinationRepository, b.destinationRepository) ||
    cmp(a.tag, b.tag) ||
    cmp(a.sourceRepository ?? '', b.sourceRepository ?? '')
  );
}

function sharedReason(digest: string, tags: string[]): string {
  const list = tags.join(', ');
  return `shares digest ${digest} with kept tag${tags.length > 1 ? 's' : ''} ${list}`;
}

export function planRule(rule: PlannedRule, repos: RepoInput[], _opts: PlanOptions = {}): RulePlan {
  const warnings: string[] = [];
  const items: PlanItem[] = [];
  const deletions: PlanItem[] = [];
  const inScope = compileTagScope(rule.filters);

  // Group by destination: two source repositories flattened onto one destination must be diffed
  // together, or each would delete the other's tags.
  const groups = new Map<string, RepoInput[]>();
  const sorted = [...repos].sort(
    (a, b) => cmp(a.destinationRepository, b.destinationRepository) || cmp(a.sourceRepository, b.sourceRepository),
  );
  for (const repo of sorted) {
    const group = groups.get(repo.destinationRepository);
    if (group) group.push(repo);
    else groups.set(repo.destinationRepository, [repo]);
  }

  for (const [dest, group] of groups) {
    // Every source's view of the destination: each input heads only its own tags.
    const destination = new Map(group.flatMap((g) => [...g.destination]));
    if (group.length > 1) {
      warnings.push(
        `several source repositories map to ${dest}: ${group.map((g) => g.sourceRepository).join(', ')}; ` +
          'check the destination namespace and flattening',
      );
    }

    // tag → the source repository (first by name) and digest it is replicated from
    const sourceTags = new Map<string, { repo: string; digest: string }>();
    for (const repo of group) {
      for (const [tag, digest] of [...repo.source].sort((a, b) => cmp(a[0], b[0]))) {
        const already = sourceTags.get(tag);
        if (!already) {
          sourceTags.set(tag, { repo: repo.sourceRepository, digest });
        } else if (already.digest !== digest) {
          warnings.push(
            `${dest}:${tag} comes from both ${already.repo} and ${repo.sourceRepository} with different ` +
              `digests; only ${already.repo} is replicated`,
          );
        }
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

    for (const [tag, { repo, digest }] of sourceTags) {
      const base = { rule: rule.name, sourceRepository: repo, destinationRepository: dest, tag };
      const current = destination.get(tag);
      if (current === undefined) {
        items.push({ ...base, action: 'copy', sourceDigest: digest });
      } else if (current === digest) {
        items.push({ ...base, action: 'unchanged', sourceDigest: digest, destinationDigest: current });
      } else if (rule.override) {
        items.push({ ...base, action: 'update', sourceDigest: digest, destinationDigest: current });
      } else {
        items.push({
          ...base,
          action: 'kept',
          sourceDigest: digest,
          destinationDigest: current,
          reason: 'destination differs and override is off',
        });
        warnings.push(`kept ${dest}:${tag}: the destination has ${current}, the source ${digest}, and override is off`);
      }
      // the digest this tag points at after the run
      stay(current === undefined || rule.override ? digest : current, tag);
    }

    const extras = [...destination].filter(([tag]) => !sourceTags.has(tag)).sort((a, b) => cmp(a[0], b[0]));
    const candidates: [string, string][] = [];
    for (const [tag, digest] of extras) {
      // A referrers fallback tag (sha256-<hex>, cosign .sig/.att/.sbom) belongs to its subject, not to
      // the tag selection: deleting it would orphan the signatures of an image that stays.
      if (rule.deleteRemote.enabled && inScope(tag) && !REFERRER_TAG.test(tag)) candidates.push([tag, digest]);
      else stay(digest, tag);
    }
    if (candidates.length === 0) continue;

    const failed = group.filter((g) => g.sourceListingFailed).map((g) => g.sourceRepository);
    if (failed.length > 0 || sourceTags.size === 0) {
      const why =
        failed.length > 0
          ? `the source listing failed (${failed.join(', ')})`
          : `the source has no tags matching the rule (${group.map((g) => g.sourceRepository).join(', ')})`;
      warnings.push(`no deletions in ${dest}: ${why}; ${candidates.length} tag(s) left in place`);
      for (const [tag, digest] of candidates) stay(digest, tag);
      continue;
    }

    for (const [tag, digest] of candidates) {
      const item: PlanItem = {
        rule: rule.name,
        destinationRepository: dest,
        tag,
        action: 'delete',
        destinationDigest: digest,
        reason: 'not at the source',
      };
      const shared = staying.get(digest);
      if (shared) {
        item.sharedWithKept = [...shared].sort(cmp);
        item.reason = sharedReason(digest, item.sharedWithKept);
      }
      deletions.push(item);
    }
  }

  let deletionsRefused: string | undefined;
  if (deletions.length > 0) {
    const { max, acknowledgeMatchAll } = rule.deleteRemote;
    if (filtersMatchEverything(rule.filters) && !acknowledgeMatchAll) {
      deletionsRefused =
        `${deletions.length} deletion(s) refused: rule "${rule.name}" matches every repository and tag; ` +
        'set delete_remote.acknowledge_match_all to allow deleting under it';
    } else if (deletions.length > max) {
      deletionsRefused =
        `${deletions.length} deletion(s) refused: more than delete_remote.max (${max}) for rule ` +
        `"${rule.name}"; none is made. Check the filters, or raise max if this is intended`;
    } else {
      if (filtersMatchEverything(rule.filters)) {
        warnings.push(`rule "${rule.name}" deletes under filters that match everything (acknowledged)`);
      }
      items.push(...deletions);
    }
  }

  items.sort(compareItems);
  const plan: RulePlan = { rule: rule.name, items, warnings };
  if (deletionsRefused !== undefined) plan.deletionsRefused = deletionsRefused;
  return plan;
}

/** The plan of a run: rules in the order given (the file's order). */
export function planAll(rules: RulePlan[], dryRun: boolean): Plan {
  return { dryRun, rules };
}

export function countPlan(plan: Plan): Record<PlanAction, number> {
  const counts: Record<PlanAction, number> = { copy: 0, update: 0, unchanged: 0, kept: 0, delete: 0 };
  for (const rule of plan.rules) for (const item of rule.items) counts[item.action]++;
  return counts;
}

/**
 * The other rules that write where a rule deletes. Two rules mapping sources onto one destination
 * repository (two projects flattened into one namespace, say) each see the other's tags there as
 * "not at the source": with delete_remote, each run would delete what the other copied, and copy
 * back what the other deleted. Which tags another rule writes into a repository depends on what
 * its source lists, so it is asked at run time, and only where it matters: for a destination
 * repository where the rule has extras to delete, and only of rules sharing the destination
 * registry. A tag another rule's source holds (within its filters) is that rule's: no extra here.
 * (Which rule writes a tag both select is decided from the run's earlier plans: run.ts.)
 */
import { identityOf } from '../config/semantic.js';
import type { Catalogs } from './catalogs.js';
import { RegistryError } from '../registry/errors.js';
import type { Config, Rule } from '../config/types.js';
import type { Store } from '../providers/store.js';
import { compileNameFilter, compileWriteScope } from '../rules/index.js';
import { toResultError } from './errors.js';
import { destinationGroups } from './gather.js';

/** The tags other rules write into a destination repository, or why that is not known. */
export type OtherWrites = { tags: Set<string> } | { failed: string };

export interface OtherWriters {
  /** The tags the other rules' sources hold, within their filters, for `repository`. */
  tagsIn(repository: string): Promise<OtherWrites>;
}

/**
 * Whether `other`'s mapping can write `repository` at all: under its destination namespace, and
 * without one (or without flattening) only as a name its name filter selects.
 */
function reaches(other: Rule, repository: string): boolean {
  const ns = other.destinationNamespace;
  if (ns && !repository.startsWith(`${ns}/`)) return false;
  if (ns && other.flattening !== 0) return true;
  return compileNameFilter(other.filters.name)(ns ? repository.slice(ns.length + 1) : repository);
}

/**
 * The other enabled rules of `config` writing into `rule`'s destination registry; undefined when
 * `rule` deletes nothing or no other rule shares its destination registry (then nothing is asked).
 */
export function otherWriters(
  config: Config,
  rule: Rule,
  open: (registry: string) => Promise<Store>,
  catalogs: Pick<Catalogs, 'of'>,
  /** Whether a registry is opened without the credentials it has (a pull request's plan). */
  withheld: (registry: string) => boolean = () => false,
): OtherWriters | undefined {
  if (!rule.deleteRemote.enabled) return undefined;
  // By address, not name: two registry entries for one URL or path (other credentials) are one.
  const identity = (name: string) => identityOf(config, name);
  const here = identity(rule.destination);
  const others = config.rules.filter((r) => r.enabled && r.name !== rule.name && identity(r.destination) === here);
  if (others.length === 0) return undefined;
  // Each other rule's catalog grouped by destination once, not once per repository asked about;
  // again when the catalog is read again (another rule wrote into that registry since).
  const grouped = new Map<string, { catalog: string[]; groups: Map<string, string[]> }>();
  const groupsOf = async (other: Rule) => {
    const catalog = await catalogs.of(other.source);
    let g = grouped.get(other.name);
    if (g?.catalog !== catalog) grouped.set(other.name, (g = { catalog, groups: destinationGroups(other, catalog) }));
    return g.groups;
  };

  // Several source repositories of this rule may map onto one destination: asked once each.
  const asked = new Map<string, Promise<OtherWrites>>();
  return {
    tagsIn(repository) {
      let answer = asked.get(repository);
      if (!answer) asked.set(repository, (answer = tagsIn(repository)));
      return answer;
    },
  };

  async function tagsIn(repository: string): Promise<OtherWrites> {
    const tags = new Set<string>();
    for (const other of others) {
      try {
        const scope = compileWriteScope(other);
        const groups = await groupsOf(other);
        // A listing in which the other rule selects no repository at all (an empty or null
        // catalog, a robot account that lost its project) is no sign that what it wrote is gone:
        // as for a rule's own source, nothing of it is taken for an extra. Only where its mapping
        // can reach this repository: elsewhere it never wrote anything to lose.
        if (groups.size === 0 && reaches(other, repository))
          return {
            failed: `rule ${other.name} also writes into ${rule.destination}, and its source ${other.source} lists no repository it selects, so what it wrote in ${repository} is not known`,
          };
        const sources = groups.get(repository) ?? [];
        if (sources.length === 0) continue;
        const src = await open(other.source);
        for (const r of sources) {
          const listed = (await src.listTags(r)).filter(scope);
          // As for a rule's own sources: a listing with nothing in scope (a lagging replica, an
          // empty 200) is no sign that the tags it wrote here are gone.
          if (listed.length === 0)
            return {
              failed: `rule ${other.name} also writes into ${repository}, and its source ${other.source}/${r} lists no tag it selects`,
            };
          for (const t of listed) tags.add(t);
        }
      } catch (e) {
        // A pull request's plan reads that source without its credentials: not a fault of it, and
        // the merge run, which has them, decides these deletions.
        const refused = e instanceof RegistryError && (e.kind === 'unauthorized' || e.kind === 'denied');
        if (refused && withheld(other.source))
          return {
            failed: `rule ${other.name} also writes into ${rule.destination}, and its source ${other.source} needs the credentials this pull request holds back, so what it writes in ${repository} is not known here: no deletion is planned there now; the run after the merge, with the credentials, decides them`,
          };
        return {
          failed: `rule ${other.name} also writes into ${rule.destination}, and what it writes in ${repository} could not be listed (${other.source}: ${toResultError(e).message})`,
        };
      }
    }
    return { tags };
  }
}

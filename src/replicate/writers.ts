/**
 * The other rules that write where a rule deletes. Two rules mapping sources onto one destination
 * repository (two projects flattened into one namespace, say) each see the other's tags there as
 * "not at the source": with delete_remote, each run would delete what the other copied, and copy
 * back what the other deleted. Which destination repositories a rule writes depends on the names
 * its source lists, so it is found at run time: one repository listing per other rule sharing the
 * destination registry (none when no other rule does).
 */
import type { Config, Rule } from '../config/types.js';
import type { Store } from '../providers/store.js';
import { compileNameFilter, compileTagScope } from '../rules/index.js';
import { toResultError } from './errors.js';
import { destinationOf } from './gather.js';

/** Why a tag in a destination repository is another rule's to keep, or undefined when it is not. */
export type OtherWriters = (repository: string, tag: string) => string | undefined;

/**
 * The other enabled rules of `config` writing into `rule`'s destination registry, as a test of a
 * destination tag: one that another rule's name filter and mapping lead to its repository, and
 * whose tag filters select it. A rule whose source cannot be listed claims every tag: nothing is
 * deleted on a listing that failed. Undefined when `rule` deletes nothing or shares no registry.
 */
export async function otherWriters(
  config: Config,
  rule: Rule,
  open: (registry: string) => Promise<Store>,
): Promise<OtherWriters | undefined> {
  if (!rule.deleteRemote.enabled) return undefined;
  const others = config.rules.filter((r) => r.enabled && r.name !== rule.name && r.destination === rule.destination);
  if (others.length === 0) return undefined;
  const listings = new Map<string, Promise<string[]>>();
  const claims = await Promise.all(
    others.map(async (other) => {
      try {
        const source = other.source;
        if (!listings.has(source))
          listings.set(
            source,
            open(source).then((s) => s.listRepositories()),
          );
        const named = compileNameFilter(other.filters.name);
        const mapped = destinationOf(other, {});
        const repositories = new Set<string>();
        for (const repo of await listings.get(source)!) {
          if (!named(repo)) continue;
          try {
            repositories.add(mapped(repo));
          } catch {
            // A name the other rule cannot map is its own run's error; it writes nothing there.
          }
        }
        const scope = compileTagScope(other.filters);
        return (repository: string, tag: string) =>
          repositories.has(repository) && scope(tag)
            ? `rule ${other.name} also writes ${repository} and its filters select this tag`
            : undefined;
      } catch (e) {
        const why = `rule ${other.name} also writes into ${rule.destination}, and which repositories it writes is not known (listing ${other.source}: ${toResultError(e).message})`;
        return () => why;
      }
    }),
  );
  return (repository, tag) => {
    for (const claim of claims) {
      const why = claim(repository, tag);
      if (why) return why;
    }
    return undefined;
  };
}

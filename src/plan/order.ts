/**
 * Where a dry run's plan cannot be the run's: the run carries its rules out one after another,
 * each planned when its turn comes, so a rule reading what an earlier rule writes (a chain) or
 * deleting where an earlier rule writes acts on what that rule did; a plan of the whole file sees
 * the registries as they are before any rule ran. Such a rule's plan says so, naming the earlier
 * rule, where that rule plans changes there: elsewhere the two plans agree.
 */
import type { Rule } from '../config/types.js';
import { compileNameFilter } from '../rules/index.js';
import { counted, firstFive } from '../util/units.js';
import type { RulePlan } from './types.js';

const CHANGES = new Set(['copy', 'update', 'delete']);

/**
 * The warnings of `rule`'s dry-run plan about the rules run before it (`earlier`, with their
 * plans); `identity` gives the registry a name in the file stands for.
 */
export function orderWarnings(
  rule: Rule,
  plan: RulePlan,
  earlier: readonly { rule: Rule; plan: RulePlan }[],
  identity: (registry: string) => string,
): string[] {
  const out: string[] = [];
  const reads = compileNameFilter(rule.filters.name);
  const deletesIn = new Set(rule.deleteRemote.enabled ? plan.items.map((i) => i.destinationRepository) : []);
  for (const e of earlier) {
    const changed = e.plan.items.filter((i) => CHANGES.has(i.action));
    if (changed.length === 0) continue;
    if (identity(e.rule.destination) === identity(rule.source)) {
      const read = changed.filter((i) => reads(i.destinationRepository));
      if (read.length)
        out.push(
          `rule ${e.rule.name} runs before this one and changes ${counted(read.length, 'tag')} in ${rule.source} that this rule reads (${shown(read)}): this plan shows ${rule.source} as it is now; the run plans this rule after ${e.rule.name} has run, and carries what it changed there on${rule.deleteRemote.enabled ? ' (copies and deletions)' : ''}`,
        );
    }
    if (deletesIn.size && identity(e.rule.destination) === identity(rule.destination)) {
      const here = changed.filter((i) => deletesIn.has(i.destinationRepository));
      if (here.length)
        out.push(
          `rule ${e.rule.name} runs before this one and changes ${counted(here.length, 'tag')} in repositories where this rule may delete (${shown(here)}): the run plans this rule's deletions after ${e.rule.name} has run, so they can differ from this plan's (a tag it moves no longer shares a digest, say)`,
        );
    }
  }
  return out;
}

function shown(items: readonly { destinationRepository: string; tag: string }[]): string {
  return firstFive(items.map((i) => `${i.destinationRepository}:${i.tag}`).sort());
}

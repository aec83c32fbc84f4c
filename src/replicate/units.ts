/**
 * Discovery of the units a run would touch — one per (rule, destination repository), with the
 * source repositories mapped onto it and their tag counts as the work estimate: what
 * `ferry plan --matrix N` and the action's `command: matrix` split over jobs, and what every shard
 * job lists again to find its own share (plan/shard.ts: a unit's shard depends on its name only).
 */
import type { Config, Rule } from '../config/types.js';
import { formatShares, matrixShares, type Shard, shardOf, shardUnits } from '../plan/shard.js';
import { StoreSet } from '../providers/index.js';
import { compileTagScope } from '../rules/index.js';
import { redact } from '../util/secrets.js';
import { destinationGroups, sourceRepositories } from './gather.js';
import { selectRules } from './run.js';
import { Catalogs } from './catalogs.js';

/**
 * A destination group: the run diffs its sources against the destination together (an extra tag
 * is one no member has), so it is dealt to one shard whole.
 */
export interface WorkUnit {
  rule: string;
  /** The destination repository; a source the rule cannot map is grouped under its own name. */
  destination: string;
  /** The source repositories mapped onto `destination`, sorted: what the shard that owns it selects. */
  repositories: string[];
  /** Source tags in the rule's tag scope (tag patterns and semver range), summed: the estimated work. */
  weight: number;
}

export interface DiscoverOptions {
  /** Rule names; empty = all enabled rules. */
  rules?: string[];
  /** A push event's source repositories per rule (RunOptions.named): only their groups, whole. */
  named?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Registries to read without credentials. */
  anonymousRegistries?: Set<string>;
  /**
   * Count each group's tags (default true): the matrix job shows them; a shard job, which only
   * needs to know its units, lists the repositories and not their tags (weights are then 0).
   */
  weights?: boolean;
}

export interface Discovery {
  units: WorkUnit[];
  /** Rules whose source could not be listed; their units are unknown. */
  errors: { rule: string; message: string }[];
}

/**
 * Lists each selected rule's source repositories (name filter applied), groups them by destination
 * repository and (unless `weights: false`) counts the tags in scope, for the matrix job to show; a
 * repository whose tags cannot be listed counts 1 (its shard's run reports the failure). With `named`, a
 * group is kept whole when an event names any of its sources (the run plans it whole). Units come out
 * sorted by rule, then destination.
 */
export async function discoverUnits(config: Config, o: DiscoverOptions = {}): Promise<Discovery> {
  const rules = selectRules(config, o.rules);
  const stores = new StoreSet(config, o.anonymousRegistries ? { anonymous: o.anonymousRegistries } : {});
  const open = (name: string) => stores.open(name);
  const catalogs = new Catalogs(config, open);
  const units: WorkUnit[] = [];
  const errors: Discovery['errors'] = [];
  try {
    for (const rule of rules) {
      try {
        const src = await open(rule.source);
        const scope = compileTagScope(rule.filters);
        const named = o.named ? (o.named.get(rule.name) ?? new Set<string>()) : undefined;
        // A push event's units, listed as its shard jobs' runs list them; those runs copy only.
        const listed = await sourceRepositories(rule, src, {
          ...(named ? { named } : {}),
          deletes: false,
          listAll: () => catalogs.of(rule.source),
        });
        const groups = destinationGroups(rule, listed);
        const kept = [...groups].filter(([, members]) => !named || members.some((r) => named.has(r)));
        const counted = await Promise.all(
          kept.map(async ([destination, repositories]) => {
            const weights = await Promise.all(
              repositories.map(async (repository) => {
                if (o.weights === false) return 0;
                const tags = await src.listTags(repository).catch(() => undefined);
                return tags ? tags.filter(scope).length : 1;
              }),
            );
            return {
              rule: rule.name,
              destination,
              repositories: repositories.sort(cmp),
              weight: weights.reduce((n, w) => n + w, 0),
            };
          }),
        );
        units.push(...counted);
      } catch (e) {
        errors.push({ rule: rule.name, message: redact(`listing the source ${rule.source}: ${(e as Error).message}`) });
      }
    }
  } finally {
    await stores.close();
  }
  units.sort((a, b) => cmp(a.rule, b.rule) || cmp(a.destination, b.destination));
  return { units, errors };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One matrix entry: `shard` is what the shard job passes to the action's `shard:` input. */
export interface MatrixEntry {
  shard: string;
  /** Destination groups in this shard, and their summed weight (shown; the shard job finds its groups by name). */
  units: number;
  weight: number;
  /**
   * JSON of each deleting rule's share of delete_remote.max in this shard (matrixShares), for the
   * action's `deletion-shares:` input; only when a rule deletes.
   */
  deletions?: string;
}

/**
 * `{"include":[{"shard":"1/N",…},…]}` for `strategy.matrix: ${{ fromJSON(…) }}`, and the units each
 * shard owns. Only `include` goes in the matrix: any other top-level key would become a dimension.
 */
export function buildMatrix(
  units: WorkUnit[],
  total: number,
  rules: readonly Pick<Rule, 'name' | 'deleteRemote'>[] = [],
): { matrix: { include: MatrixEntry[] }; shards: Shard<WorkUnit>[]; shares?: Record<string, number>[] } {
  const shards = shardUnits(units, total);
  const deleting = rules.some((r) => r.deleteRemote.enabled);
  const shares = matrixShares(shards, rules);
  const include = shards.map((s, i) => ({
    shard: `${s.index}/${total}`,
    units: s.units.length,
    weight: s.units.reduce((n, u) => n + u.weight, 0),
    ...(deleting ? { deletions: formatShares({ index: s.index, total }, shares[i]!) } : {}),
  }));
  return { matrix: { include }, shards, ...(deleting ? { shares } : {}) };
}

/**
 * The `select` for runConfig that keeps the units of shard `index` (1-based) of `total`: every
 * source of each of its destination groups, and nothing of another shard's groups.
 */
export function shardSelector(
  units: WorkUnit[],
  index: number,
  total: number,
): (rule: string, repository: string) => boolean {
  const mine = new Set(
    units.filter((u) => shardOf(u, total) === index).flatMap((u) => u.repositories.map((r) => `${u.rule}\n${r}`)),
  );
  return (rule, repository) => mine.has(`${rule}\n${repository}`);
}

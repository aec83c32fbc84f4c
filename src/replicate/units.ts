/**
 * Discovery of the (rule, source repository) units a run would touch, with their tag counts as the
 * work estimate: what `ferry plan --matrix N` and the action's `command: matrix` split over jobs,
 * and what every shard job recomputes to find its own share (plan/shard.ts).
 */
import type { Config } from '../config/types.js';
import { type Shard, shardUnits } from '../plan/shard.js';
import { StoreSet } from '../providers/index.js';
import { compileNameFilter, compileTagScope } from '../rules/index.js';
import { redact } from '../util/secrets.js';
import { selectRules } from './run.js';

export interface WorkUnit {
  rule: string;
  repository: string;
  /** Source tags in the rule's tag scope (tag patterns and semver range): the estimated work. */
  weight: number;
}

export interface DiscoverOptions {
  /** Rule names; empty = all enabled rules. */
  rules?: string[];
  /** Further restriction (event scope): keep only these units. */
  select?: (rule: string, repository: string) => boolean;
  /** Registries to read without credentials. */
  anonymousRegistries?: Set<string>;
}

export interface Discovery {
  units: WorkUnit[];
  /** Rules whose source could not be listed; their units are unknown. */
  errors: { rule: string; message: string }[];
}

/**
 * Lists each selected rule's source repositories (name filter applied) and counts the tags in scope.
 * A repository whose tags cannot be listed still becomes a unit, of weight 1, so that it lands in some
 * shard and the shard's run reports the failure. Units come out sorted by rule, then repository.
 */
export async function discoverUnits(config: Config, o: DiscoverOptions = {}): Promise<Discovery> {
  const rules = selectRules(config, o.rules);
  const stores = new StoreSet(config, o.anonymousRegistries);
  const open = (name: string) => stores.open(name);
  const units: WorkUnit[] = [];
  const errors: Discovery['errors'] = [];
  try {
    for (const rule of rules) {
      try {
        const src = await open(rule.source);
        const nameOk = compileNameFilter(rule.filters.name);
        const scope = compileTagScope(rule.filters);
        const repos = (await src.listRepositories()).filter((r) => nameOk(r) && (o.select?.(rule.name, r) ?? true));
        const counted = await Promise.all(
          repos.map(async (repository) => {
            const tags = await src.listTags(repository).catch(() => undefined);
            return { rule: rule.name, repository, weight: tags ? tags.filter(scope).length : 1 };
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
  units.sort((a, b) => cmp(a.rule, b.rule) || cmp(a.repository, b.repository));
  return { units, errors };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One matrix entry: `shard` is what the shard job passes to `shard:` / `--shard`. */
export interface MatrixEntry {
  shard: string;
  /** Units in this shard, and their summed weight (for the log; the shard job recomputes them). */
  units: number;
  weight: number;
}

/**
 * `{"include":[{"shard":"1/N",…},…]}` for `strategy.matrix: ${{ fromJSON(…) }}`, and the units each
 * shard owns. Only `include` goes in the matrix: any other top-level key would become a dimension.
 */
export function buildMatrix(
  units: WorkUnit[],
  total: number,
): { matrix: { include: MatrixEntry[] }; shards: Shard<WorkUnit>[] } {
  const shards = shardUnits(units, total);
  const include = shards.map((s) => ({
    shard: `${s.index}/${total}`,
    units: s.units.length,
    weight: s.units.reduce((n, u) => n + u.weight, 0),
  }));
  return { matrix: { include }, shards };
}

/** The `select` for runConfig that keeps the units of shard `index` (1-based) of `total`. */
export function shardSelector(
  units: WorkUnit[],
  index: number,
  total: number,
): (rule: string, repository: string) => boolean {
  const shards = shardUnits(units, total);
  const mine = new Set(shards.find((s) => s.index === index)?.units.map((u) => `${u.rule}\n${u.repository}`));
  return (rule, repository) => mine.has(`${rule}\n${repository}`);
}

/** Runs the selected rules of a config: opens stores once, runs each rule, builds the report. */
import pLimit from 'p-limit';
import { identityOf } from '../config/semantic.js';
import type { Config, Filters, Rule } from '../config/types.js';
import type { ShardSpec } from '../plan/shard.js';
import type { Plan, RulePlan } from '../plan/types.js';
import { type Store, StoreSet } from '../providers/index.js';
import { redact } from '../util/secrets.js';
import { VERSION } from '../version.js';
import { DEFAULT_DEADLINES, type Deadlines } from '../registry/http.js';
import { throttledDeadlines } from './bandwidth.js';
import { BlobMover } from './copy.js';
import { stopReason } from './errors.js';
import type { ProgressEvent } from './execute.js';
import { buildReport, failUnclosed, type RunReport } from './result.js';
import { notStartedRun, runRule } from './rule.js';
import { Catalogs } from './catalogs.js';
import { DryRunReads } from './overlay.js';
import { otherWriters } from './writers.js';

export interface RunOptions {
  dryRun: boolean;
  /** Rule names to run; empty = all enabled rules. */
  rules?: string[];
  concurrency?: number;
  blobConcurrency?: number;
  /** For tests: shorter request deadlines than DEFAULT_DEADLINES (a rule's bandwidth cap still widens them). */
  deadlines?: Partial<Deadlines>;
  log?: (line: string) => void;
  /** Best-effort steps that failed without failing a copy (a declined mount, an upload not cancelled). */
  debug?: (line: string) => void;
  onProgress?: (e: ProgressEvent) => void;
  /** Restrict work to some (rule, source repository) units: shards. */
  select?: (rule: string, repository: string) => boolean;
  /**
   * An event: each rule's source repositories it names (a rule not here: none). Their destination
   * groups are planned whole, and a push event's source is asked for these names, not listed whole.
   */
  named?: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * A push event: only these source tags, and nothing is deleted. A pushed tag the source lacks
   * (a stale or wrong payload) must not delete it at the destination; deletions come only from a
   * delete event (propagateDeletions), which checks the deleted digest.
   */
  tags?: string[];
  /**
   * Each rule's filters before the change a pull request or push makes to them: the plan names
   * what those selected that is left at the destination (GatherOptions.formerFilters).
   */
  formerFilters?: ReadonlyMap<string, Filters>;
  /**
   * A pull request's plan: the rules its merge runs. Such a rule's plan counts only these among the
   * rules before it (which of them writes a tag both select, what changes under it), as the merge
   * run will; the other rules are planned as a run of the whole file.
   */
  mergeRules?: ReadonlySet<string>;
  /** Rules whose registries must be used without credentials (their URL changed in a pull request). */
  anonymousRegistries?: Set<string>;
  shard?: ShardSpec;
  command?: 'plan' | 'run';
  /**
   * Stops the run (SIGTERM, a timeout): no new rule, image or deletion starts; transfers in flight
   * may finish for `graceMs`, then they are cancelled. The report says what was done and what not.
   */
  signal?: AbortSignal;
  /** How long transfers in flight may go on after `signal` (default STOP_GRACE_MS). */
  graceMs?: number;
  /** Ends the grace at once (a second signal): transfers in flight are cancelled, the report written. */
  hurry?: AbortSignal;
}

/**
 * Transfers in flight may finish this long after the run was stopped. A cancelled GitHub job gets
 * SIGINT, SIGTERM 7.5 s later and is killed 2.5 s after that: the report is written well before.
 */
export const STOP_GRACE_MS = 5_000;

/**
 * The most images copied at once, and the most shards a matrix is split into, that the action's
 * inputs and the CLI's options accept: one bound for both faces.
 */
export const MAX_CONCURRENCY = 256;

export interface RunOutcome {
  report: RunReport;
  plan: Plan;
  /** Requests per store name and method, for the benchmark and the report. */
  requests: Record<string, Record<string, number>>;
}

/** Picks the rules to run: named ones (unknown names are an error), else all enabled ones. */
export function selectRules(config: Config, names: string[] | undefined): Rule[] {
  if (!names?.length) return config.rules.filter((r) => r.enabled);
  const unknown = names.filter((n) => !config.rules.some((r) => r.name === n));
  if (unknown.length)
    throw new Error(
      `unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the file defines: ${config.rules.map((r) => r.name).join(', ')}`,
    );
  return config.rules.filter((r) => names.includes(r.name));
}

export async function runConfig(config: Config, o: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const rules = selectRules(config, o.rules);
  // In-flight requests are cancelled once the grace period after a stop has passed.
  const cancel = new AbortController();
  let grace: ReturnType<typeof setTimeout> | undefined;
  const onStop = () => {
    grace = setTimeout(() => cancel.abort(stopReason(o.signal!)), o.graceMs ?? STOP_GRACE_MS);
    grace.unref();
  };
  if (o.signal?.aborted) onStop();
  else o.signal?.addEventListener('abort', onStop, { once: true });
  const onHurry = () => {
    clearTimeout(grace);
    cancel.abort(o.signal?.aborted ? stopReason(o.signal) : o.hurry!.reason);
  };
  if (o.hurry?.aborted) onHurry();
  else o.hurry?.addEventListener('abort', onHurry, { once: true });
  const concurrency = o.concurrency ?? 4;
  const blobConcurrency = o.blobConcurrency ?? Math.max(4, concurrency * 2);
  const stores = new StoreSet(config, {
    ...(o.anonymousRegistries ? { anonymous: o.anonymousRegistries } : {}),
    cancel: cancel.signal,
    ...(o.debug ? { debug: o.debug } : {}),
    deadlines: throttledDeadlines(rules, blobConcurrency, { ...DEFAULT_DEADLINES, ...o.deadlines }),
  });
  const open = (name: string) => stores.open(name);
  const mover = new BlobMover(pLimit(blobConcurrency));
  const results: RunReport['results'] = [];
  const ruleErrors: RunReport['ruleErrors'] = [];
  const warnings: NonNullable<RunReport['warnings']> = [];
  const plan: Plan = { dryRun: o.dryRun, rules: [] };
  const requests: Record<string, Record<string, number>> = {};
  const warned = new Set<Store>();
  const catalogs = new Catalogs(config, open);
  // What each rule wrote (its plan's tags), per destination registry and repository, for the rules
  // after it writing there: a tag two rules write is the earlier one's (PlanContext.earlierWrites).
  // Kept only for a destination registry a later rule of the run writes too.
  const identity = (name: string) => identityOf(config, name);
  const writes: Writes = new Map();
  // A dry run plans each rule on the registries as the rules before it leave them (overlay.ts): the
  // run plans it after they have run.
  const dry = o.dryRun ? new DryRunReads(open, catalogs, identity) : undefined;
  try {
    for (const [k, rule] of rules.entries()) {
      if (o.signal?.aborted) {
        // Its stores are not opened: what a stopped rule reports is runRule's (notStartedRun).
        const run = notStartedRun(rule.name, o.signal);
        plan.rules.push(run.plan);
        ruleErrors.push(...run.ruleErrors);
        continue;
      }
      const index = k + 1;
      o.onProgress?.({
        kind: 'rule-start',
        rule: rule.name,
        source: rule.source,
        destination: rule.destination,
        index,
        of: rules.length,
        ...(rule.bandwidth !== undefined ? { bandwidth: rule.bandwidth } : {}),
      });
      o.log?.(`rule ${rule.name}: ${rule.source} → ${rule.destination}${o.dryRun ? ' (dry run)' : ''}`);
      // A pull request's plan of a rule its merge runs: the earlier rules that run then.
      const counts = (earlier: string) => !o.mergeRules?.has(rule.name) || o.mergeRules.has(earlier);
      const reads = dry?.forRule(counts) ?? { open, catalogs, writtenFirstBy: () => undefined };
      const firstBy = reads.writtenFirstBy(rule.source);
      let src: Store;
      let dst: Store;
      try {
        const raw = await Promise.all(
          [rule.source, rule.destination].map((name) =>
            open(name).catch((e: unknown) => {
              throw new OpenFailed(name, e);
            }),
          ),
        );
        for (const store of new Set(raw)) {
          if (warned.has(store)) continue;
          warned.add(store);
          for (const w of store.warnings ?? []) o.log?.(`warning: ${w}`);
        }
        [src, dst] = await Promise.all([reads.open(rule.source), reads.open(rule.destination)]);
      } catch (e) {
        const cause = e instanceof OpenFailed ? e.cause : e;
        ruleErrors.push({
          rule: rule.name,
          message: redact((cause as Error).message),
          ...(e instanceof OpenFailed ? { registry: e.registry } : {}),
        });
        plan.rules.push({ rule: rule.name, items: [], warnings: [] });
        o.onProgress?.({ kind: 'rule-end', rule: rule.name, results: [], errors: ruleErrors.slice(-1) });
        continue;
      }
      // A push event copies only: no rule's deletions to guard.
      const writers = o.tags
        ? undefined
        : otherWriters(config, rule, reads.open, reads.catalogs, (name) => stores.withholdsCredentials(name));
      const before = writes.get(identity(rule.destination));
      const run = await runRule(rule, src, dst, {
        dryRun: o.dryRun,
        ...(writers ? { otherWriters: writers } : {}),
        ...(before
          ? {
              earlierWrites: (repository: string) => {
                const tags = before.get(repository);
                if (!tags) return undefined;
                const here = identity(rule.source);
                const out = new Map<string, { rule: string; sameSource?: string }>();
                for (const [tag, writers] of tags) {
                  const w = writers.find((x) => counts(x.rule));
                  if (w)
                    out.set(tag, {
                      rule: w.rule,
                      ...(w.source === here && w.repository ? { sameSource: w.repository } : {}),
                    });
                }
                return out;
              },
            }
          : {}),
        ...(firstBy ? { writtenFirstBy: firstBy } : {}),
        concurrency: o.concurrency ?? rule.concurrency ?? concurrency,
        blobConcurrency,
        mover,
        listRepositories: () => reads.catalogs.of(rule.source),
        ...(o.select ? { select: (repo: string) => o.select!(rule.name, repo) } : {}),
        ...(o.named ? { named: o.named.get(rule.name) ?? new Set<string>() } : {}),
        ...(o.formerFilters?.has(rule.name) ? { formerFilters: o.formerFilters.get(rule.name)! } : {}),
        ...(o.shard ? { shard: o.shard } : {}),
        ...(o.tags ? { tags: o.tags, copyOnly: true } : {}),
        ...(o.log ? { log: o.log } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      if (!o.dryRun) catalogs.written(rule.destination);
      const into = identity(rule.destination);
      const later = rules.slice(k + 1);
      if (later.some((r) => identity(r.destination) === into))
        recordWrites(writes, into, identity(rule.source), run.plan);
      // What a dry run's later rules are planned on, wherever they read it: their sources, and the
      // sources of every rule writing where they delete (writers.ts).
      if (later.length) dry?.record(rule, into, run.plan, src);
      plan.rules.push(run.plan);
      warnings.push(...run.plan.warnings.map((message) => ({ rule: rule.name, message: redact(message) })));
      results.push(...run.results);
      ruleErrors.push(...run.ruleErrors);
      o.onProgress?.({ kind: 'rule-end', rule: rule.name, results: run.results, errors: run.ruleErrors });
    }
  } finally {
    clearTimeout(grace);
    o.signal?.removeEventListener('abort', onStop);
    o.hurry?.removeEventListener('abort', onHurry);
    Object.assign(requests, await stores.close());
    // A destination archive is written when its store closes: a failure there is the run's.
    ruleErrors.push(...failUnclosed(stores.closeErrors, rules, results));
  }
  const report = buildReport({
    command: o.command ?? (o.dryRun ? 'plan' : 'run'),
    dryRun: o.dryRun,
    startedAt,
    finishedAt: new Date(),
    results,
    ruleErrors,
    warnings,
    selection: Object.fromEntries(plan.rules.flatMap((r) => (r.selection ? [[r.rule, r.selection] as const] : []))),
    ...(o.shard ? { shard: o.shard } : {}),
    version: VERSION,
  });
  return { report, plan, requests };
}

/** Destination registry → repository → tag → the rules of the run writing it, in run order. */
type Writes = Map<string, Map<string, Map<string, { rule: string; source: string; repository?: string }[]>>>;

/**
 * A rule's tags in the destination, from its plan: what it writes or keeps there (a filter's skip
 * and a deletion are not its). Every rule writing a tag is kept, in run order: the first of them
 * that counts for a later rule owns it (PlanContext.earlierWrites; a pull request's merge rules).
 */
function recordWrites(writes: Writes, destination: string, source: string, plan: RulePlan): void {
  let repos = writes.get(destination);
  if (!repos) writes.set(destination, (repos = new Map()));
  for (const i of plan.items) {
    if (i.referrer || i.action === 'skip' || i.action === 'delete' || i.action === 'delete-blocked') continue;
    let tags = repos.get(i.destinationRepository);
    if (!tags) repos.set(i.destinationRepository, (tags = new Map()));
    const w = { rule: plan.rule, source, ...(i.sourceRepository ? { repository: i.sourceRepository } : {}) };
    const writers = tags.get(i.tag);
    if (!writers) tags.set(i.tag, [w]);
    else if (!writers.some((x) => x.rule === w.rule)) writers.push(w);
  }
}

/** A registry of the rule could not be opened (its credentials, its archive): which one, and why. */
class OpenFailed extends Error {
  readonly registry: string;
  constructor(registry: string, cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.registry = registry;
  }
}

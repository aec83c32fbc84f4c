/**
 * Propagating artifacts deleted at the source (Harbor DELETE_ARTIFACT) to the destinations of
 * the rules they match. The deletions of one rule are planned together, like any run narrowed to
 * those repositories and tags, so the same guards decide (emptiness, shared digest, platform of a
 * kept index, max, match-all) and the same compare-then-delete carries them out.
 */
import pLimit from 'p-limit';
import type { Config, Rule } from '../config/types.js';
import { type Store, StoreSet } from '../providers/index.js';
import { BlobMover } from './copy.js';
import { redact } from '../util/secrets.js';
import { describeError, type RuleError } from './errors.js';
import { failUnclosed, type Result } from './result.js';
import { runRule } from './rule.js';
import type { RunOptions } from './run.js';
import { Catalogs } from './catalogs.js';
import { otherWriters } from './writers.js';

/** One deleted artifact and a rule it concerns. */
export interface DeletedArtifact {
  rule: Rule;
  artifact: { repository: string; tag?: string; digest?: string };
}

export async function propagateDeletions(
  config: Config,
  deleted: DeletedArtifact[],
  o: {
    dryRun: boolean;
    log: (line: string) => void;
    anonymousRegistries?: Set<string>;
    /** A stopped run starts no new deletion (see RunOptions.signal). */
    signal?: AbortSignal;
    /** As RunOptions.onProgress: each rule's group and result lines in the log, as in any run. */
    onProgress?: RunOptions['onProgress'];
  },
): Promise<{ results: Result[]; ruleErrors: RuleError[]; warnings: { rule: string; message: string }[] }> {
  const results: Result[] = [];
  const ruleErrors: RuleError[] = [];
  const warnings: { rule: string; message: string }[] = [];

  // One plan per rule: its catalog is listed once, however many of its artifacts were deleted.
  const byRule = new Map<
    Rule,
    { repositories: Set<string>; tags: Set<string>; deleted: Map<string, Map<string, string | undefined>> }
  >();
  for (const { rule, artifact } of deleted) {
    if (!artifact.tag) continue; // an untagged artifact has nothing to delete by tag
    // A rule without delete_remote takes no deletion: the action says so in its notes, and
    // nothing is asked of either registry.
    if (!rule.deleteRemote.enabled) continue;
    const scope = byRule.get(rule) ?? { repositories: new Set<string>(), tags: new Set<string>(), deleted: new Map() };
    scope.repositories.add(artifact.repository);
    scope.tags.add(artifact.tag);
    const lost = scope.deleted.get(artifact.repository) ?? new Map<string, string | undefined>();
    lost.set(artifact.tag, artifact.digest);
    scope.deleted.set(artifact.repository, lost);
    byRule.set(rule, scope);
  }
  if (byRule.size === 0) return { results, ruleErrors, warnings };

  const stores = new StoreSet(config, o.anonymousRegistries ? { anonymous: o.anonymousRegistries } : {});
  const mover = new BlobMover(pLimit(2));
  const catalogs = new Catalogs(config, (name) => stores.open(name));
  try {
    for (const [k, [rule, scope]] of [...byRule].entries()) {
      o.onProgress?.({
        kind: 'rule-start',
        rule: rule.name,
        source: rule.source,
        destination: rule.destination,
        index: k + 1,
        of: byRule.size,
      });
      let src: Store;
      let dst: Store;
      try {
        [src, dst] = await Promise.all([stores.open(rule.source), stores.open(rule.destination)]);
      } catch (e) {
        ruleErrors.push(describeError(rule.name, `opening ${rule.source} → ${rule.destination}`, e));
        o.onProgress?.({ kind: 'rule-end', rule: rule.name, results: [], errors: ruleErrors.slice(-1) });
        continue;
      }
      // Several artifacts of one rule: one plan. Only the (repository, tag) pairs an event named
      // are deleted, where the source lacks the tag, the destination still holds the deleted
      // digest and the guards allow it.
      const writers = otherWriters(
        config,
        rule,
        (name) => stores.open(name),
        catalogs,
        (name) => stores.withholdsCredentials(name),
      );
      const run = await runRule(rule, src, dst, {
        dryRun: o.dryRun,
        ...(writers ? { otherWriters: writers } : {}),
        concurrency: 1,
        blobConcurrency: 2,
        mover,
        listRepositories: () => catalogs.of(rule.source),
        named: scope.repositories,
        tags: [...scope.tags],
        deleted: scope.deleted,
        log: o.log,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      results.push(...run.results);
      ruleErrors.push(...run.ruleErrors);
      o.onProgress?.({ kind: 'rule-end', rule: rule.name, results: run.results, errors: run.ruleErrors });
      warnings.push(...run.plan.warnings.map((message) => ({ rule: rule.name, message: redact(message) })));
    }
  } finally {
    await stores.close();
    // A store that fails to close (an archive destination written at close) fails the run.
    ruleErrors.push(...failUnclosed(stores.closeErrors, [...byRule.keys()], results));
  }
  return { results, ruleErrors, warnings };
}

/**
 * Propagating artifacts deleted at the source (Harbor DELETE_ARTIFACT) to the destinations of
 * the rules they match. Each deletion is planned like any run narrowed to that tag, so the same
 * guards decide (emptiness, shared digest, platform of a kept index, max, match-all) and the same
 * compare-then-delete carries it out.
 */
import pLimit from 'p-limit';
import type { Config, Rule } from '../config/types.js';
import { type Store, StoreSet } from '../providers/index.js';
import { BlobMover } from './copy.js';
import { describeError, type RuleError } from './errors.js';
import type { Result } from './result.js';
import { runRule } from './rule.js';

/** One deleted artifact and a rule it concerns. */
export interface DeletedArtifact {
  rule: Rule;
  artifact: { repository: string; tag?: string; digest?: string };
}

export async function propagateDeletions(
  config: Config,
  deleted: DeletedArtifact[],
  o: { dryRun: boolean; log: (line: string) => void; anonymousRegistries?: Set<string> },
): Promise<{ results: Result[]; ruleErrors: RuleError[]; warnings: { rule: string; message: string }[] }> {
  const stores = new StoreSet(config, o.anonymousRegistries);
  const results: Result[] = [];
  const ruleErrors: RuleError[] = [];
  const warnings: { rule: string; message: string }[] = [];
  const mover = new BlobMover(pLimit(2));
  try {
    for (const { rule, artifact } of deleted) {
      if (!artifact.tag) continue; // an untagged artifact has nothing to delete by tag
      let src: Store;
      let dst: Store;
      try {
        [src, dst] = await Promise.all([stores.open(rule.source), stores.open(rule.destination)]);
      } catch (e) {
        ruleErrors.push(describeError(rule.name, `opening ${rule.source} → ${rule.destination}`, e));
        continue;
      }
      if (!rule.deleteRemote.enabled) {
        results.push({
          rule: rule.name,
          source: `${src.display}/${artifact.repository}:${artifact.tag}`,
          destination: `${dst.display}/${artifact.repository}:${artifact.tag}`,
          tag: artifact.tag,
          status: 'skipped',
          ...(artifact.digest ? { sourceDigest: artifact.digest } : {}),
          bytes: 0,
          blobs: { copied: 0, mounted: 0, present: 0 },
          durationMs: 0,
          retries: 0,
          reason: 'deleted at the source; the rule does not propagate deletions (delete_remote is off)',
        });
        continue;
      }
      const run = await runRule(rule, src, dst, {
        dryRun: o.dryRun,
        concurrency: 1,
        blobConcurrency: 2,
        mover,
        select: (repo) => repo === artifact.repository,
        tags: [artifact.tag],
        log: o.log,
      });
      results.push(...run.results);
      ruleErrors.push(...run.ruleErrors);
      warnings.push(...run.plan.warnings.map((message) => ({ rule: rule.name, message })));
    }
  } finally {
    await stores.close();
  }
  return { results, ruleErrors, warnings };
}

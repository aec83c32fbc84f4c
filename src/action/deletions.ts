/**
 * Propagating one deleted artifact (Harbor DELETE_ARTIFACT) to the destinations of the rules that
 * have delete_remote. The engine plans deletions from listings; a single-tag delete needs none:
 * the source must no longer have the tag, and the destination tag must still point where the
 * event says (HEAD compare) and share its digest with no other tag when the registry deletes by digest.
 */
import type { Config } from '../config/types.js';
import type { Digest } from '../oci/digest.js';
import { type Store, StoreSet } from '../providers/index.js';
import { toResultError } from '../replicate/rule.js';
import type { Result } from '../report/result.js';
import { filtersMatchEverything, mapRepository } from '../rules/index.js';
import type { ArtifactMatch } from './webhook.js';

export async function propagateDeletions(
  config: Config,
  matches: ArtifactMatch[],
  o: { dryRun: boolean; log: (line: string) => void },
): Promise<{ results: Result[]; ruleErrors: { rule: string; message: string }[] }> {
  const stores = new StoreSet(config);
  const open = (name: string) => stores.open(name);
  const results: Result[] = [];
  const ruleErrors: { rule: string; message: string }[] = [];
  try {
    for (const { rule, artifact } of matches) {
      if (!artifact.tag) continue; // an untagged artifact has nothing to delete by tag
      let src: Store;
      let dst: Store;
      let dstRepo: string;
      try {
        [src, dst] = await Promise.all([open(rule.source), open(rule.destination)]);
        dstRepo = mapRepository(artifact.repository, {
          ...(rule.destinationNamespace ? { namespace: rule.destinationNamespace } : {}),
          flattening: rule.flattening,
          requireTwoComponents: dst.requireTwoComponents ?? false,
        });
      } catch (e) {
        ruleErrors.push({ rule: rule.name, message: toResultError(e).message });
        continue;
      }
      const started = Date.now();
      const base: Result = {
        rule: rule.name,
        source: `${src.display}/${artifact.repository}:${artifact.tag}`,
        destination: `${dst.display}/${dstRepo}:${artifact.tag}`,
        tag: artifact.tag,
        status: 'skipped',
        ...(artifact.digest ? { sourceDigest: artifact.digest } : {}),
        bytes: 0,
        blobs: { copied: 0, mounted: 0, present: 0 },
        durationMs: 0,
        retries: 0,
      };
      if (!rule.deleteRemote.enabled) {
        results.push({
          ...base,
          reason: 'deleted at the source; the rule does not propagate deletions (delete_remote is off)',
        });
        continue;
      }
      // The same guard as a planned run: deleting under match-everything filters needs an acknowledgement.
      if (filtersMatchEverything(rule.filters) && !rule.deleteRemote.acknowledgeMatchAll) {
        results.push({
          ...base,
          reason: 'deletion refused: the rule matches everything; set delete_remote.acknowledge_match_all to allow it',
        });
        continue;
      }
      try {
        const still = await src.manifestHead(artifact.repository, artifact.tag);
        if (still) {
          results.push({ ...base, reason: `the source still has the tag (now ${still.digest}); not deleted` });
          continue;
        }
        const now = await dst.manifestHead(dstRepo, artifact.tag);
        if (!now) {
          results.push({ ...base, status: 'unchanged', reason: 'already gone' });
          continue;
        }
        if (artifact.digest && now.digest !== artifact.digest) {
          results.push({
            ...base,
            destinationDigest: now.digest,
            reason: `the destination tag points at ${now.digest}, not the deleted ${artifact.digest}; not deleted`,
          });
          continue;
        }
        if (!dst.deletesByTag) {
          const others: string[] = [];
          for (const t of await dst.listTags(dstRepo)) {
            if (t !== artifact.tag && (await dst.manifestHead(dstRepo, t))?.digest === now.digest) others.push(t);
          }
          if (others.length) {
            results.push({
              ...base,
              destinationDigest: now.digest,
              reason: `cannot delete ${artifact.tag} without deleting ${others.join(', ')} (same digest; this registry deletes by digest)`,
            });
            continue;
          }
        }
        if (o.dryRun) {
          results.push({ ...base, status: 'would-delete', destinationDigest: now.digest });
          continue;
        }
        await dst.deleteTag(dstRepo, artifact.tag, now.digest as Digest);
        o.log(`✖ deleted ${base.destination}`);
        results.push({ ...base, status: 'deleted', destinationDigest: now.digest, durationMs: Date.now() - started });
      } catch (e) {
        results.push({ ...base, status: 'failed', error: toResultError(e), durationMs: Date.now() - started });
      }
    }
  } finally {
    await stores.close();
  }
  return { results, ruleErrors };
}

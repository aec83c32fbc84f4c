/**
 * Which tags of a destination repository point at some digests now. On a registry that deletes by
 * digest, deleting a manifest takes every tag of it along: the plan allowed a deletion only where
 * no staying tag shared its digest, and that is asked again just before deleting, as the plan
 * asked it (the tag listing, then a HEAD per tag unless the listing carries digests).
 *
 * Not asked again: whether an index pushed since the plan lists that manifest as a platform
 * (the plan refused it for the indexes it saw); that would take a GET per new index tag.
 */
import pLimit from 'p-limit';
import { isDigest } from '../oci/digest.js';
import { isTag } from '../oci/ref.js';
import type { Store } from '../providers/store.js';

/** Per digest of `digests`: the tags that point at it now. */
export async function tagsOn(
  dst: Store,
  repository: string,
  digests: ReadonlySet<string>,
  atOnce: number,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const hold = (digest: string, tag: string) => {
    if (!digests.has(digest)) return;
    const tags = out.get(digest);
    if (tags) tags.add(tag);
    else out.set(digest, new Set([tag]));
  };
  // As the gatherer reads them: a vendor listing that fails (a 5xx, a broken page) falls back to
  // the registry's tag list and a HEAD per tag, not to a failed deletion.
  const details = dst.listTagDetails ? await dst.listTagDetails(repository).catch(() => undefined) : undefined;
  const unknown: string[] = [];
  if (details) {
    for (const t of details)
      if (!isTag(t.tag)) continue;
      else if (t.digest && isDigest(t.digest)) hold(t.digest, t.tag);
      else unknown.push(t.tag);
  } else unknown.push(...(await dst.listTags(repository)).filter((t) => isTag(t)));
  const limit = pLimit(atOnce);
  await Promise.all(
    unknown.map((tag) =>
      limit(async () => {
        const head = await dst.manifestHead(repository, tag);
        if (head) hold(head.digest, tag);
      }),
    ),
  );
  return out;
}

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
import type { TagInfo } from '../rules/index.js';

/** A destination repository's tags as its listing gives them. */
export interface TagListing {
  /** The tags ferry can address. */
  tags: Set<string>;
  /** The digests (and media types) the listing carries, by tag: no HEAD needed for these. */
  listed: Map<string, { digest: string; mediaType?: string }>;
  /**
   * Names no tag can have (a broken or hostile listing): never compared nor deleted, and what they
   * point at is unknown, which on a registry that deletes by digest blocks the repository's deletions.
   */
  invalid: string[];
}

/**
 * Lists a destination repository, the one way the plan and the deletion re-check both read it:
 * with the digests where the store's listing carries them (Harbor's artifacts API, GHCR's package
 * versions), else the registry's tag list. A vendor listing that fails (a 5xx, a robot account
 * without the right) falls back to the tag list: `details` decides (default: quietly).
 */
export async function readTagListing(
  dst: Store,
  repository: string,
  details: () => Promise<TagInfo[] | undefined> = async () =>
    dst.listTagDetails ? dst.listTagDetails(repository).catch(() => undefined) : undefined,
): Promise<TagListing> {
  const listed = new Map<string, { digest: string; mediaType?: string }>();
  const infos = (await details()) ?? (await dst.listTags(repository)).map((tag) => ({ tag }) as TagInfo);
  const tags = new Set<string>();
  const invalid: string[] = [];
  for (const t of infos) {
    // An untagged artifact (a vendor listing's empty tag) is no tag, valid or not.
    if (t.tag === '') continue;
    if (!isTag(t.tag)) {
      invalid.push(t.tag);
      continue;
    }
    tags.add(t.tag);
    if (t.digest && isDigest(t.digest))
      listed.set(t.tag, { digest: t.digest, ...(t.mediaType ? { mediaType: t.mediaType } : {}) });
  }
  return { tags, listed, invalid };
}

/** How an invalid tag is shown: quoted, and cut where a hostile listing makes it long. */
export const shownTag = (t: string) => JSON.stringify(t.length > 80 ? `${t.slice(0, 80)}…` : t);

/** The warning for a listing's invalid tags: where, how many, the first five, what was done. */
export function invalidTagsWarning(where: string, invalid: readonly string[], done: string): string {
  const some = invalid.slice(0, 5).map(shownTag).join(', ') + (invalid.length > 5 ? ', …' : '');
  return `${where} lists ${invalid.length} invalid tag${invalid.length > 1 ? 's' : ''}, ${done}: ${some} (tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`;
}

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
  const { tags, listed, invalid } = await readTagListing(dst, repository);
  if (invalid.length)
    throw new Error(
      `${dst.display}/${repository} now lists ${invalid.slice(0, 5).map(shownTag).join(', ')}, which no tag can be called: what it points at is not known, so deleting by digest could take it along`,
    );
  const unknown: string[] = [];
  for (const tag of tags) {
    const known = listed.get(tag);
    if (known) hold(known.digest, tag);
    else unknown.push(tag);
  }
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

/**
 * A destination repository's listing, read one way by the plan and by the deletion re-check, and
 * which tags hold some digests now. On a registry that deletes by digest, deleting a manifest takes
 * every tag of it along and breaks every index listing it as a platform: the plan allowed a
 * deletion only where no staying tag or index held its digest, and that is asked again just before
 * deleting, as the plan asked it (the tag listing, a HEAD per tag whose digest or type the listing
 * does not give, a GET per index), so a tag or an index pushed since the plan keeps it.
 */
import pLimit from 'p-limit';
import { isDigest } from '../oci/digest.js';
import { INDEX_TYPES } from '../oci/media-types.js';
import { isTag } from '../oci/ref.js';
import type { Store } from '../providers/store.js';
import type { TagInfo } from '../rules/index.js';
import { counted } from '../util/units.js';

/** The registry's answers contradict each other (a tag listed, then not found): no request failed. */
export class RegistryContradiction extends Error {}

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
 * `details` when given and it answers (the store's listing with digests: Harbor's artifacts API,
 * GHCR's package versions), else the registry's tag list.
 */
export async function readTagListing(
  dst: Store,
  repository: string,
  details?: () => Promise<TagInfo[] | undefined>,
): Promise<TagListing> {
  const listed = new Map<string, { digest: string; mediaType?: string }>();
  const infos = (await details?.()) ?? (await dst.listTags(repository)).map((tag) => ({ tag }) as TagInfo);
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
  return `${where} lists ${counted(invalid.length, 'invalid tag')}, ${done}: ${some} (tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`;
}

/** A tag that keeps a manifest: it points at it, or at an index listing it as a platform. */
export interface Holder {
  tag: string;
  /** The index (the tag's digest) that lists the manifest as a platform. */
  platformOf?: string;
}

/**
 * Per digest of `digests`: the tags that hold it now, directly or through an index that lists it
 * as a platform (deleting it would break that index). The registry's own tag list is read (a
 * vendor's listing may lag it, and HEADs are asked anyway), then a HEAD per tag and a GET per index,
 * as the plan asked. Whatever the plan would have counted as unread fails the answer instead of
 * counting as "nothing holds it": a listed tag or an index the registry does not then find, and a
 * listing that leaves out a tag the run is about to delete (`planned`) while the registry still
 * has it (a lagging or empty listing).
 */
export async function tagsOn(
  dst: Store,
  repository: string,
  digests: ReadonlySet<string>,
  planned: ReadonlySet<string>,
  atOnce: number,
): Promise<Map<string, Holder[]>> {
  const out = new Map<string, Holder[]>();
  const hold = (digest: string, holder: Holder) => {
    if (!digests.has(digest)) return;
    const holders = out.get(digest);
    if (holders) holders.push(holder);
    else out.set(digest, [holder]);
  };
  const where = `${dst.display}/${repository}`;
  const { tags, invalid } = await readTagListing(dst, repository);
  if (invalid.length)
    throw new RegistryContradiction(
      `${where} now lists ${invalid.slice(0, 5).map(shownTag).join(', ')}, which no tag can be called: what it points at is not known, so deleting by digest could take it along`,
    );
  const limit = pLimit(atOnce);
  const unlisted = [...planned].filter((t) => !tags.has(t));
  await Promise.all(
    unlisted.map((tag) =>
      limit(async () => {
        if (await dst.manifestHead(repository, tag))
          throw new RegistryContradiction(
            `${where} lists no tag ${tag}, which the registry still has: its tag list is lagging or cut short, so what else it holds is not known`,
          );
      }),
    ),
  );
  // An index's platforms, read once however many tags point at it.
  const platforms = new Map<string, Promise<readonly string[]>>();
  const platformsOf = (index: string, tag: string) => {
    let p = platforms.get(index);
    if (!p) {
      p = limit(async () => {
        const m = await dst.manifestGet(repository, index);
        if (m?.parsed.kind !== 'index')
          throw new RegistryContradiction(
            `${where}:${tag} is the index ${index}, which the registry then did not serve as one`,
          );
        return m.parsed.manifests.map((c) => c.digest);
      });
      platforms.set(index, p);
    }
    return p;
  };
  await Promise.all(
    [...tags].map(async (tag) => {
      const head = await limit(() => dst.manifestHead(repository, tag));
      if (!head) throw new RegistryContradiction(`${where} lists ${tag}, which the registry then did not find`);
      hold(head.digest, { tag });
      if (INDEX_TYPES.has(head.mediaType))
        for (const child of await platformsOf(head.digest, tag)) hold(child, { tag, platformOf: head.digest });
    }),
  );
  return out;
}

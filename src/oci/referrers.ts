/**
 * The referrers tag schema (distribution-spec §"Referrers Tag Schema"): where a store has no
 * referrers API — a registry such as distribution 2.8, an OCI layout, an archive — the referrers of
 * a subject are listed by an image index tagged `sha256-<hex>`. One implementation for every store
 * that keeps it, so a layout and a registry list the same referrers the same way.
 */
import type { Digest } from './digest.js';
import { type Descriptor, type ParsedManifest } from './manifest.js';
import { MediaType } from './media-types.js';

/**
 * Tags that hold referrers of another manifest rather than an image of their own: the fallback
 * tag (`sha256-<hex>`) and cosign's tags (`.sig`, `.att`, `.sbom`).
 */
export const REFERRER_TAG = /^sha(256|512)-[a-f0-9]{64,128}(\.(sig|att|sbom))?$/;

/** The fallback tag (`sha256-<hex>`) of the subject a referrers tag belongs to; undefined for other tags. */
export function subjectTagOf(tag: string): string | undefined {
  return REFERRER_TAG.test(tag) ? tag.replace(/\.(sig|att|sbom)$/, '') : undefined;
}

/** The tag-schema fallback tag for a subject: `sha256-<hex>`. */
export function referrersTag(subject: Digest | string): string {
  return subject.replace(':', '-');
}

/**
 * A referrer's entry in a referrers list (spec §"Listing Referrers"): its mediaType, digest and
 * size, its artifactType (or its config's mediaType) and its annotations.
 */
export function referrerDescriptor(m: ParsedManifest, digest: Digest, size: number): Descriptor {
  const artifactType = m.artifactType ?? (m.kind === 'manifest' ? m.config?.mediaType : undefined);
  return {
    mediaType: m.mediaType,
    digest,
    size,
    ...(artifactType ? { artifactType } : {}),
    ...(Object.keys(m.annotations).length ? { annotations: m.annotations } : {}),
  };
}

/**
 * A by-digest write of a referrer that also adds it to its subject's fallback index (E3). `listed`:
 * the store listed the subject's fallback tag when the run was planned, so the index exists.
 */
export interface FallbackAdd {
  listed: boolean;
}

/** A manifest as a store holds it: what the fallback index is read as. */
export interface StoredIndex {
  mediaType: string;
  bytes: Buffer;
  parsed: ParsedManifest;
}

/** How a store reads and writes the fallback index, and how it words a refusal. */
export interface FallbackIndexIo {
  /**
   * Reads the manifest under `tag` (undefined: the store answers that there is none), lets `edit`
   * make the next one from it, and writes that; nothing when `edit` returns undefined. A store that
   * can keep other processes from writing the tag in between (a layout's lock) does so.
   */
  update(
    repository: string,
    tag: string,
    edit: (current: StoredIndex | undefined) => { bytes: Buffer; mediaType: string } | undefined,
  ): Promise<void>;
  /**
   * The error for an index that cannot be updated: the tag holds something else (`invalid`), the
   * index grew too big (`too-large`), or the store answers that a tag known to exist is not there
   * (`not-found`; `hint` says what to do).
   */
  refuse(repository: string, kind: 'invalid' | 'too-large' | 'not-found', detail: string, hint?: string): Error;
  /** The largest index the store accepts, in bytes. */
  readonly cap: number;
}

interface Batch {
  referrers: Descriptor[];
  /** Some caller knows the index exists (see `add`). */
  exists: boolean;
  done: Promise<void>;
}

/**
 * Adds referrers to their subject's fallback index: read, dedupe by digest, append, write. Updates
 * of one index run one at a time (two writers would each drop the other's entry), and referrers
 * that arrive while one runs are written together by the next: N referrers of one subject written
 * at once cost two reads and two writes, not N of each.
 */
export class FallbackIndexWriter {
  readonly #io: FallbackIndexIo;
  /** Per `repository@subject`: the batch not yet started, which new referrers join. */
  readonly #waiting = new Map<string, Batch>();
  /** Per `repository@subject`: the last batch, which the next one waits for. */
  readonly #last = new Map<string, Promise<void>>();
  /** `repository@subject` of the indexes this writer read or wrote: they exist, whatever a later read says. */
  readonly #known = new Set<string>();

  constructor(io: FallbackIndexIo) {
    this.#io = io;
  }

  /**
   * Resolves when `referrer` is listed in the index of `subject` (written, or found there).
   * `exists`: the store listed the index's tag when the run was planned. A read that then finds no
   * index is a glitch (a lagging replica, a cache), not an empty list: writing a new index would
   * unlist every referrer the old one held, so the update fails instead and the next run retries.
   */
  add(repository: string, subject: Digest, referrer: Descriptor, exists = false): Promise<void> {
    const key = `${repository}@${subject}`;
    let batch = this.#waiting.get(key);
    if (!batch) {
      const referrers: Descriptor[] = [];
      const previous = this.#last.get(key) ?? Promise.resolve();
      const done = previous
        .catch(() => {})
        .then(() => {
          // From here on, newcomers start the next batch: this one's read may already be under way.
          this.#waiting.delete(key);
          return this.#write(repository, subject, batch!);
        });
      batch = { referrers, exists: false, done };
      this.#waiting.set(key, batch);
      this.#last.set(key, done);
      const clear = () => {
        if (this.#last.get(key) === done) this.#last.delete(key);
      };
      done.then(clear, clear);
    }
    batch.referrers.push(referrer);
    batch.exists ||= exists;
    return batch.done;
  }

  /** This writer read or wrote the index of `subject` in `repository`: it exists, whatever a listing said before. */
  knows(repository: string, subject: Digest): boolean {
    return this.#known.has(`${repository}@${subject}`);
  }

  async #write(repository: string, subject: Digest, batch: Batch): Promise<void> {
    const io = this.#io;
    const tag = referrersTag(subject);
    const key = `${repository}@${subject}`;
    const exists = batch.exists || this.#known.has(key);
    let there = false;
    await io.update(repository, tag, (current) => {
      if (!current && exists)
        throw io.refuse(
          repository,
          'not-found',
          `tag ${tag} was listed, but reading it found nothing`,
          `the store lists ${tag} and then does not serve it: ferry left it as it is rather than write a new one without the referrers it holds. A replica or cache lagging behind catches up: run again. If it keeps failing the tag is dangling: inspect it (skopeo inspect --raw) and delete it, and the next run writes a new index`,
        );
      there = !!current;
      if (current && current.parsed.kind !== 'index')
        throw io.refuse(repository, 'invalid', `tag ${tag} holds a ${current.mediaType}, not an index of referrers`);
      const listed = new Set(current?.parsed.manifests.map((d) => d.digest));
      const added = batch.referrers.filter((d) => !listed.has(d.digest) && listed.add(d.digest));
      if (added.length === 0) return undefined;
      // The document is kept as it is, fields ferry does not know included; only the list grows.
      const doc = current
        ? (JSON.parse(current.bytes.toString('utf8')) as { manifests?: unknown } & Record<string, unknown>)
        : { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
      doc.manifests = [...(Array.isArray(doc.manifests) ? doc.manifests : []), ...added];
      const bytes = Buffer.from(JSON.stringify(doc));
      if (bytes.length > io.cap)
        throw io.refuse(
          repository,
          'too-large',
          `index ${tag} would be larger than ${io.cap} bytes with ${added.map((d) => d.digest).join(', ')}`,
        );
      there = true;
      return { bytes, mediaType: current?.mediaType ?? MediaType.OciIndex };
    });
    if (there) this.#known.add(key);
  }
}

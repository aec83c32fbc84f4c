/** The referrers fallback index writer: read, dedupe, append, write; updates of one index batched. */
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { type Descriptor, parseManifest } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { FallbackIndexWriter, referrersTag } from '../../../src/oci/referrers.js';

const sha = (s: string): Digest => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const subject = sha('image');
const referrer = (n: number) => ({ mediaType: MediaType.OciManifest, digest: sha(`sig ${n}`), size: 100 + n });

/**
 * An in-memory index whose reads wait until the test lets them go; `lose()` makes the next read
 * find nothing, as a lagging replica answers 404 for a tag it lists.
 */
function store(initial?: Descriptor[]) {
  let index: Buffer | undefined = initial
    ? Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: initial }))
    : undefined;
  let lost = false;
  const reads: (() => void)[] = [];
  const calls: string[] = [];
  const writer = new FallbackIndexWriter({
    update: async (_repo, tag, edit) => {
      calls.push(`GET ${tag}`);
      await new Promise<void>((go) => reads.push(go));
      const seen = lost ? undefined : index;
      lost = false;
      const next = edit(
        seen && { mediaType: MediaType.OciIndex, bytes: seen, parsed: parseManifest(seen, MediaType.OciIndex) },
      );
      if (!next) return;
      calls.push(`PUT ${tag}`);
      index = next.bytes;
    },
    refuse: (_repo, kind, detail) => new Error(`${kind}: ${detail}`),
    cap: 4 * 1024 * 1024,
  });
  const listed = () => (index ? parseManifest(index, MediaType.OciIndex).manifests.map((d) => d.digest) : []);
  const settle = () => new Promise((r) => setImmediate(r));
  /** Lets the reads asked by now answer, and waits for what follows them to settle. */
  const answer = async () => {
    await settle();
    for (const go of reads.splice(0)) go();
    await settle();
  };
  const lose = () => {
    lost = true;
  };
  return { writer, calls, listed, answer, lose };
}

test('referrers that arrive while an update runs are written together by the next: two reads and two writes for five', async () => {
  const s = store();
  const tag = referrersTag(subject);
  const first = s.writer.add('app', subject, referrer(1));
  await new Promise((r) => setImmediate(r)); // the first update has asked for the index
  expect(s.calls).toEqual([`GET ${tag}`]);
  const rest = [2, 3, 4, 5].map((n) => s.writer.add('app', subject, referrer(n)));
  await s.answer(); // the first update writes referrer 1; the next one asks for the index
  await s.answer(); // and writes 2 to 5
  await Promise.all([first, ...rest]);
  expect(s.calls).toEqual([`GET ${tag}`, `PUT ${tag}`, `GET ${tag}`, `PUT ${tag}`]);
  expect(s.listed()).toEqual([1, 2, 3, 4, 5].map((n) => referrer(n).digest));
});

test('a referrer the index lists already is not written again, nor one given twice', async () => {
  const s = store();
  const once = s.writer.add('app', subject, referrer(1));
  await s.answer();
  await once;
  const again = [s.writer.add('app', subject, referrer(1)), s.writer.add('app', subject, referrer(1))];
  await s.answer();
  await Promise.all(again);
  expect(s.calls.filter((c) => c.startsWith('PUT'))).toHaveLength(1);
  expect(s.listed()).toEqual([referrer(1).digest]);
});

test('an index the destination listed is not written over when a read finds nothing: the earlier referrers stay listed', async () => {
  // Written by an earlier run: this writer knows it only from the destination's listing.
  const s = store([referrer(1)]);
  s.lose();
  const late = s.writer.add('app', subject, referrer(2), true);
  await s.answer();
  await expect(late).rejects.toThrow(/not-found: tag sha256-[a-f0-9]+ was listed, but reading it found nothing/);
  expect(s.listed()).toEqual([referrer(1).digest]);
});

test('an index this writer wrote is known to exist: a later read that finds nothing does not replace it', async () => {
  const s = store();
  const first = s.writer.add('app', subject, referrer(1));
  await s.answer();
  await first;
  s.lose();
  const second = s.writer.add('app', subject, referrer(2));
  await s.answer();
  await expect(second).rejects.toThrow(/not-found/);
  expect(s.calls.filter((c) => c.startsWith('PUT'))).toHaveLength(1);
  expect(s.listed()).toEqual([referrer(1).digest]);
});

test('an index nobody listed and no read finds is created', async () => {
  const s = store();
  const first = s.writer.add('app', subject, referrer(1), false);
  await s.answer();
  await first;
  expect(s.listed()).toEqual([referrer(1).digest]);
});

/** The referrers fallback index writer: read, dedupe, append, write; updates of one index batched. */
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { parseManifest } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { FallbackIndexWriter, referrersTag } from '../../../src/oci/referrers.js';

const sha = (s: string): Digest => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const subject = sha('image');
const referrer = (n: number) => ({ mediaType: MediaType.OciManifest, digest: sha(`sig ${n}`), size: 100 + n });

/** An in-memory index whose reads wait until the test lets them go. */
function store() {
  let index: Buffer | undefined;
  const reads: (() => void)[] = [];
  const calls: string[] = [];
  const writer = new FallbackIndexWriter({
    get: async (_repo, tag) => {
      calls.push(`GET ${tag}`);
      await new Promise<void>((go) => reads.push(go));
      return index && { mediaType: MediaType.OciIndex, bytes: index, parsed: parseManifest(index, MediaType.OciIndex) };
    },
    put: async (_repo, tag, bytes) => {
      calls.push(`PUT ${tag}`);
      index = bytes;
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
  return { writer, calls, listed, answer };
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

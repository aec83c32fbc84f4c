/**
 * copyArtifact against real registries (distribution 2.8.2): many tags of one multi-arch index
 * copied at once must all land, and a blob larger than the limit must be refused before any
 * byte of it moves. Both registries are anonymous plain HTTP on loopback.
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient } from '../../src/registry/client.js';
import { BlobMover, copyArtifact, emptyStats, type Side } from '../../src/replicate/copy.js';
import { createLayout, type FixtureImage } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectDigest, refOptions, seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;
let srcStore: RegistryStore;
let dstStore: RegistryStore;
let index: FixtureImage;

const storeFor = (reg: RunningRegistry, name: string) =>
  new RegistryStore({ name, client: new RegistryClient({ registry: reg.host, baseUrl: reg.url }) });

beforeAll(async () => {
  tmp = await createTempDir('ferry-copy-safety-');
  [src, dst] = await Promise.all([
    startRegistry({ mode: 'anonymous', logLevel: 'warn' }),
    startRegistry({ mode: 'anonymous', logLevel: 'warn' }),
  ]);
  const layout = await createLayout(join(tmp.path, 'layout'));
  index = layout.addIndex({
    tag: 'latest',
    platforms: ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le'].map((architecture) => ({
      os: 'linux',
      architecture,
    })),
    layers: [512],
    seed: 'shared-index',
  });
  await seedImage(layout.dir, 'latest', src, 'app/multi:latest', null);
  srcStore = storeFor(src, 'src');
  dstStore = storeFor(dst, 'dst');
});

afterAll(async () => {
  await Promise.all([srcStore?.close(), dstStore?.close()]);
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

describe('tags sharing one multi-arch index', () => {
  // Sixteen tags of one index, ten rounds: the code that wrote each child once per copy failed
  // 7 to 30 of these 160 copies; one failure is enough to fail the test.
  const TAGS = [
    'latest',
    'stable',
    'v1',
    'v1.2',
    'v1.2.3',
    'edge',
    'lts',
    'prod',
    ...Array.from({ length: 8 }, (_, i) => `build-${i}`),
  ];
  const ROUNDS = 10;

  /** Copies every tag into `round<N>/multi` per round, `runs` runs at once (each its own mover); failures as text. */
  async function copyRounds(prefix: string, runs: number): Promise<string[]> {
    const failures: string[] = [];
    const from: Side = { store: srcStore, repository: 'app/multi' };
    for (let round = 0; round < ROUNDS; round++) {
      // A new destination repository each round: every copy has to write the children.
      const to: Side = { store: dstStore, repository: `${prefix}${round}/multi` };
      const settled = await Promise.all(
        Array.from({ length: runs }, () => {
          // As a rule runs them: one mover and one manifest limit per run, every tag at once.
          const mover = new BlobMover(pLimit(16));
          // No manifest limit to speak of: every copy writes its children at the same moment.
          const manifests = pLimit(256);
          return Promise.allSettled(
            TAGS.map((tag) =>
              copyArtifact(mover, manifests, from, to, index.digest as Digest, tag, emptyStats(), {
                platforms: [],
                referrers: false,
              }),
            ),
          );
        }),
      );
      settled.flat().forEach((s, i) => {
        if (s.status === 'rejected')
          failures.push(`${to.repository}:${TAGS[i % TAGS.length]}: ${(s.reason as Error).message}`);
      });
    }
    return failures;
  }

  it('are all copied when copied at once, round after round', async () => {
    expect(await copyRounds('one', 1)).toEqual([]);
    // skopeo, not ferry, reads one round back.
    for (const tag of TAGS)
      expect(await inspectDigest(dockerRef(dst, `one${ROUNDS - 1}/multi:${tag}`), refOptions(dst))).toBe(index.digest);
  });

  it('are all copied by two runs into one repository at once', async () => {
    expect(await copyRounds('two', 2)).toEqual([]);
  });
});

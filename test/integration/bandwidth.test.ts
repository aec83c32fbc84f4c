/**
 * A rule's `bandwidth:` cap against real registries (distribution 2.8.2, anonymous plain HTTP): the
 * copy is held to the cap, and blobs that share a low cap are not cut off by the blob deadline,
 * which is there for registries that stall, not for transfers ferry holds back itself.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { runConfig } from '../../src/replicate/run.js';
import { createLayout, type FixtureImage } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectDigest, refOptions, seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import { registriesAt } from '../support/rules-file.js';

const KiB = 1024;
const RATE = 256 * KiB;

let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;
let image: FixtureImage;
let configs = 0;

beforeAll(async () => {
  tmp = await createTempDir('ferry-bandwidth-');
  [src, dst] = await Promise.all([
    startRegistry({ mode: 'anonymous', logLevel: 'warn' }),
    startRegistry({ mode: 'anonymous', logLevel: 'warn' }),
  ]);
  const layout = await createLayout(join(tmp.path, 'layout'));
  // Four layers of 256 KiB: 1 MiB, four seconds at the cap.
  image = layout.addImage({ tag: 'v1', layers: [256 * KiB, 256 * KiB, 256 * KiB, 256 * KiB], seed: 'capped' });
  await seedImage(layout.dir, 'v1', src, 'team/app:v1', null);
});

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

async function config(into: string) {
  const file = join(tmp.path, `replication-${++configs}.yaml`);
  await writeFile(
    file,
    `${registriesAt(src, dst)}rules:
  - name: capped
    source: src
    destination: dst
    filters: { name: ["team/app"] }
    destination_namespace: ${into}
    bandwidth: 256KiB/s
`,
  );
  return (await loadConfig(file)).config;
}

describe('bandwidth', () => {
  it('holds the copy to the rule’s cap', async () => {
    const caps: (number | undefined)[] = [];
    const started = Date.now();
    const out = await runConfig(await config('held'), {
      dryRun: false,
      onProgress: (e) => e.kind === 'rule-start' && caps.push(e.bandwidth),
    });
    const seconds = (Date.now() - started) / 1000;
    expect(out.report.ruleErrors).toEqual([]);
    expect(out.report.results.map((r) => [r.tag, r.status])).toEqual([['v1', 'copied']]);
    const bytes = out.report.results[0]!.bytes ?? 0;
    expect(bytes).toBeGreaterThanOrEqual(4 * 256 * KiB);
    // The budget starts with a quarter second's worth; everything else waits for the cap. This is
    // a lower bound only: a slow machine copies more slowly still, never faster than the cap.
    expect(seconds).toBeGreaterThanOrEqual((bytes - RATE / 4) / RATE);
    expect(await inspectDigest(dockerRef(dst, 'held/app:v1'), refOptions(dst))).toBe(image.digest);
    // The log's rule header shows the cap (src/report/console.ts): the run tells it.
    expect(caps).toEqual([RATE]);
  });

  it('does not cut off blobs that share a low cap under the blob deadline', async () => {
    // Blob deadlines at a floor of the cap itself: each of the four layers alone would make it
    // (0.2 s + 1 s), but sharing the cap each takes about four seconds. Before, all four failed
    // with "deadline exceeded" although the registries were healthy.
    const out = await runConfig(await config('shared'), {
      dryRun: false,
      deadlines: { blobGraceMs: 200, blobFloorBytesPerSecond: RATE },
    });
    expect(out.report.ruleErrors).toEqual([]);
    expect(out.report.results.map((r) => [r.tag, r.status, r.reason])).toEqual([['v1', 'copied', undefined]]);
    expect(await inspectDigest(dockerRef(dst, 'shared/app:v1'), refOptions(dst))).toBe(image.digest);
  });
});

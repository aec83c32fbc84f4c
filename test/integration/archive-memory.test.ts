/**
 * Memory stays flat (issue 13 item 4): a ferry run in its own OS process reads a 1 GiB
 * oci-archive and writes it into another oci-archive in the memory an 8 MiB archive takes, and
 * skopeo reads the result digest for digest.
 */
import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/launch.js';
import { inspectDigest, skopeoCopy } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const run = promisify(execFile);
const SIZE = Number(process.env.FERRY_TEST_ARCHIVE_MIB ?? 1024) << 20;
/** How much more a 1 GiB archive may take than an 8 MiB one. */
const FLAT_MIB = 32;
/** Peak above the loaded library's RSS: with the bundled CLI's ~50 MiB baseline, within the 150 MiB. */
const RUN_MIB = 100;
const src = fileURLToPath(new URL('../../src/', import.meta.url));

let tmp: TempDir;
beforeAll(async () => {
  tmp = await createTempDir('ferry-archive-memory-');
});
afterAll(() => tmp?.remove());

/** Writes `size` pseudo-random bytes to `file` in 1 MiB chunks; returns their digest. */
async function bigBlob(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= chunk.length) {
    randomFillSync(chunk);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return `sha256:${hash.digest('hex')}`;
}

/** A child process running the library from source (type stripping, `.js` → `.ts`), printing its peak RSS. */
const WORKER = `
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.endsWith('.js') && specifier.startsWith('.')) {
      const url = new URL(specifier, context.parentURL);
      const ts = new URL(url.href.replace(/\\.js$/, '.ts'));
      if (!existsSync(url) && existsSync(ts)) return next(ts.href, context);
    }
    return next(specifier, context);
  },
});
const { loadConfig } = await import(${JSON.stringify(join(src, 'config/index.ts'))});
const { runConfig } = await import(${JSON.stringify(join(src, 'replicate/run.ts'))});
const baseKiB = process.resourceUsage().maxRSS;
const { config } = await loadConfig(process.argv[2]);
const out = await runConfig(config, { dryRun: false });
console.log(JSON.stringify({
  statuses: out.report.results.map((r) => r.status),
  errors: out.report.ruleErrors,
  baseKiB,
  maxRssKiB: process.resourceUsage().maxRSS,
}));
`;

/** Builds an oci-archive (with skopeo) holding one image with a `size`-byte layer, and copies it with ferry in a child. */
async function copyArchive(size: number, name: string) {
  const dir = join(tmp.path, name);
  const layout = join(dir, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const layer = await bigBlob(join(dir, 'layer'), size);
  await rename(join(dir, 'layer'), join(blobs, layer.slice(7)));
  const put = async (bytes: Buffer) => {
    const d = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(join(blobs, d.slice(7)), bytes);
    return { digest: d, size: bytes.length };
  };
  const config = await put(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer] } })),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size }],
    }),
  );
  const m = await put(manifest);
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...m,
          annotations: { 'org.opencontainers.image.ref.name': 'big' },
        },
      ],
    }),
  );
  const input = join(dir, 'in.tar');
  await skopeoCopy(`oci:${layout}:big`, `oci-archive:${input}:acme/big:1`);
  await rm(layout, { recursive: true });

  const output = join(dir, 'out.tar');
  const rules = join(dir, 'replication.yaml');
  await writeFile(
    rules,
    `version: 1
registries:
  in: { type: oci-archive, path: ${input} }
  out: { type: oci-archive, path: ${output} }
rules:
  - { name: copy, source: in, destination: out }
`,
  );
  const worker = join(dir, 'worker.mjs');
  await writeFile(worker, WORKER);
  const flags = [...NODE_FLAGS, '--experimental-transform-types', '--no-warnings'];
  const { stdout } = await run(process.execPath, [...flags, worker, rules], { timeout: 540_000, maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
    statuses: string[];
    errors: unknown[];
    baseKiB: number;
    maxRssKiB: number;
  };
  expect(result.errors).toEqual([]);
  expect(result.statuses).toEqual(['copied']);
  expect(await inspectDigest(`oci-archive:${output}:acme/big:1`)).toBe(m.digest);
  await rm(dir, { recursive: true });
  return { peakMiB: result.maxRssKiB / 1024, growthMiB: (result.maxRssKiB - result.baseKiB) / 1024 };
}

it('a 1 GiB oci-archive is read and written in the memory an 8 MiB one takes', { timeout: 600_000 }, async () => {
  const small = await copyArchive(8 << 20, 'small');
  const big = await copyArchive(SIZE, 'big');
  const say = `peak RSS ${Math.round(small.peakMiB)} MiB for 8 MiB, ${Math.round(big.peakMiB)} MiB for ${SIZE >> 20} MiB`;
  // Flat: 128 times the bytes, the same memory (what streaming promises, whatever the archive's size).
  expect(big.peakMiB - small.peakMiB, say).toBeLessThan(FLAT_MIB);
  // The run's own share, above the library loaded from source (Node's TypeScript transform costs
  // ~70 MiB more than the bundled CLI: that baseline is not ferry's).
  expect(big.growthMiB, say).toBeLessThan(RUN_MIB);
});

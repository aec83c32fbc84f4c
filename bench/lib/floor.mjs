// The write floor: every unique blob (configs and layers) of a workload uploaded once to a fresh
// registry with curl, POST + monolithic PUT ?digest=, 4 curl streams in parallel. Each stream is one
// curl process for its POSTs and one for its PUTs (connection reused), so process start-up is not
// what is measured. Blobs are dealt to the 4 streams largest first, each to the least loaded.
// `blobs` limits it to the blobs a destination is missing and `mounts` mounts the others from where the
// registry holds them (crossrun); `streams` sweeps the concurrency.
// `manifests` (levels: children, then indexes and images) are PUT by digest afterwards: `withManifests`
// is the floor of everything a copy must write, `seconds` the blobs alone.
import { performance } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

const codeOut = ['output = "/dev/null"', 'write-out = "%{http_code}\\n"'];

/** `items` ({ size }) dealt to `streams` lanes, largest first, each to the least loaded lane. */
function deal(items, streams) {
  const lanes = Array.from({ length: streams }, () => ({ bytes: 0, items: [] }));
  for (const it of [...items].sort((a, b) => b.size - a.size)) {
    const lane = lanes.reduce((m, l) => (l.bytes < m.bytes ? l : m));
    lane.items.push(it);
    lane.bytes += it.size;
  }
  return lanes.map((l) => l.items);
}

/** One curl process for a list of requests (a curlrc of `entries` joined by `next`); checks each status. */
async function curlBatch(file, entries, ok, what) {
  writeFileSync(file, entries.map((e) => ['silent', 'show-error', ...e].join('\n')).join('\nnext\n'));
  const { stdout } = await execFileP('curl', ['-K', file], { maxBuffer: 64 << 20 });
  const lines = stdout.trim().split('\n');
  const bad = lines.filter((l) => l.split(' ')[0] !== ok);
  if (bad.length) throw new Error(`${what}: ${bad.length} failed (${bad.slice(0, 3).join(', ')})`);
  return lines;
}

export async function writeFloor(
  content,
  registry,
  { streams = 4, workDir, blobs: only, manifests = [], mounts = [] },
) {
  const blobs = only ?? content.uniqueBlobs();
  const lanes = deal(blobs, streams).map((items) => ({ blobs: items }));
  const repo = 'floor/blobs';
  const curl = (file, entries, ok, what) => curlBatch(join(workDir, file), entries, ok, `floor ${what}`);
  const started = performance.now();
  // Blobs the registry already holds in other repositories (crossrun): one mount each.
  if (mounts.length)
    await curl(
      `floor-${streams}-mounts.curlrc`,
      mounts.map((m) => [
        'request = "POST"',
        `url = "${registry.url}/v2/${repo}/blobs/uploads/?mount=${m.digest}&from=${m.from}"`,
        ...codeOut,
      ]),
      '201',
      'mount',
    );
  await Promise.all(
    lanes.map(async (lane, i) => {
      if (!lane.blobs.length) return;
      const posts = await curl(
        `floor-${streams}-post-${i}.curlrc`,
        lane.blobs.map(() => [
          'request = "POST"',
          `url = "${registry.url}/v2/${repo}/blobs/uploads/"`,
          'output = "/dev/null"',
          'write-out = "%{http_code} %header{location}\\n"',
        ]),
        '202',
        'POST',
      );
      await curl(
        `floor-${streams}-put-${i}.curlrc`,
        lane.blobs.map((b, j) => {
          const loc = new URL(posts[j].split(' ')[1], registry.url);
          loc.searchParams.set('digest', b.digest);
          return [
            'header = "Content-Type: application/octet-stream"',
            'header = "Expect:"',
            `upload-file = "${content.blobPath(b.digest)}"`,
            `url = "${loc.href}"`,
            ...codeOut,
          ];
        }),
        '201',
        'PUT',
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // Then the manifests, by digest, level by level (an index after its children), dealt round-robin.
  for (const [level, list] of manifests.entries())
    await Promise.all(
      Array.from({ length: streams }, async (_, i) => {
        const mine = list.filter((_, j) => j % streams === i);
        if (!mine.length) return;
        await curl(
          `floor-${streams}-manifests-${level}-${i}.curlrc`,
          mine.map((m) => [
            'request = "PUT"',
            `header = "Content-Type: ${m.mediaType}"`,
            'header = "Expect:"',
            `data-binary = "@${content.blobPath(m.digest)}"`,
            `url = "${registry.url}/v2/${repo}/manifests/${m.digest}"`,
            ...codeOut,
          ]),
          '201',
          'manifest PUT',
        );
      }),
    );
  const withManifests = (performance.now() - started) / 1000;
  return {
    seconds,
    withManifests,
    manifests: manifests.reduce((n, l) => n + l.length, 0),
    blobs: blobs.length,
    bytes: blobs.reduce((s, b) => s + b.size, 0),
  };
}

// The read floor: every blob (and manifest) a copy must fetch, GET once from the source registry with
// curl to /dev/null, 4 streams (one curl process each, connection reused), dealt largest first to the
// least loaded stream. `reads` are { path, size } below the registry's URL.
export async function readFloor(registry, reads, { streams = 4, workDir, name = 'read' }) {
  const started = performance.now();
  await Promise.all(
    deal(reads, streams).map(async (lane, i) => {
      if (!lane.length) return;
      await curlBatch(
        join(workDir, `${name}-${streams}-get-${i}.curlrc`),
        lane.map((r) => [
          `url = "${registry.url}${r.path}"`,
          'header = "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"',
          ...codeOut,
        ]),
        '200',
        'read floor GET',
      );
    }),
  );
  return { seconds: (performance.now() - started) / 1000, requests: reads.length };
}

/**
 * The copy floor: the least time the two registries on this machine need to serve a copy, with a
 * client that costs almost nothing. The source serves every blob and manifest the copy reads (the
 * read floor) while, at the same time, the destination accepts everything it writes (the write floor,
 * from local files). A copy cannot finish before both registries have done that work on the same
 * cores; the write floor alone leaves out the source's half.
 */
export async function copyFloor(content, source, destination, { reads, streams = 4, workDir, ...write }) {
  const started = performance.now();
  const [r, w] = await Promise.all([
    readFloor(source, reads, { streams, workDir, name: 'copy' }),
    writeFloor(content, destination, { streams, workDir, ...write }),
  ]);
  return {
    seconds: (performance.now() - started) / 1000,
    readSeconds: r.seconds,
    writeSeconds: w.withManifests,
    reads: r.requests,
  };
}

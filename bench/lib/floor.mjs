// The write floor: every unique blob (configs and layers) of a workload uploaded once to a fresh
// registry with curl, POST + monolithic PUT ?digest=, 4 curl streams in parallel. Each stream is one
// curl process for its POSTs and one for its PUTs (connection reused), so process start-up is not
// what is measured. Blobs are dealt to the 4 streams largest first, each to the least loaded.
// `blobs` limits it to the blobs a destination is missing (crossrun); `streams` sweeps the concurrency.
import { performance } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export async function writeFloor(content, registry, { streams = 4, workDir, blobs: only }) {
  const blobs = [...(only ?? content.uniqueBlobs())].sort((a, b) => b.size - a.size);
  const lanes = Array.from({ length: streams }, () => ({ bytes: 0, blobs: [] }));
  for (const b of blobs) {
    const lane = lanes.reduce((m, l) => (l.bytes < m.bytes ? l : m));
    lane.blobs.push(b);
    lane.bytes += b.size;
  }
  const repo = 'floor/blobs';
  const started = performance.now();
  await Promise.all(
    lanes.map(async (lane, i) => {
      if (!lane.blobs.length) return;
      const post = join(workDir, `floor-${streams}-post-${i}.curlrc`);
      writeFileSync(
        post,
        ['silent', 'show-error', 'request = "POST"', 'write-out = "%{http_code} %header{location}\\n"']
          .concat(lane.blobs.map(() => `url = "${registry.url}/v2/${repo}/blobs/uploads/"\noutput = "/dev/null"`))
          .join('\n'),
      );
      const { stdout } = await execFileP('curl', ['-K', post], { maxBuffer: 64 << 20 });
      const locs = stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [code, loc] = l.split(' ');
          if (code !== '202' || !loc) throw new Error(`floor POST: ${l}`);
          return new URL(loc, registry.url);
        });
      const put = join(workDir, `floor-${streams}-put-${i}.curlrc`);
      const entries = lane.blobs.map((b, j) => {
        locs[j].searchParams.set('digest', b.digest);
        return [
          'silent',
          'show-error',
          'header = "Content-Type: application/octet-stream"',
          'header = "Expect:"',
          `upload-file = "${content.blobPath(b.digest)}"`,
          `url = "${locs[j].href}"`,
          'output = "/dev/null"',
          'write-out = "%{http_code}\\n"',
        ].join('\n');
      });
      writeFileSync(put, entries.join('\nnext\n'));
      const { stdout: codes } = await execFileP('curl', ['-K', put], { maxBuffer: 64 << 20 });
      const bad = codes
        .trim()
        .split('\n')
        .filter((c) => c !== '201');
      if (bad.length) throw new Error(`floor PUT: ${bad.length} uploads failed (${bad.slice(0, 3).join(', ')})`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, blobs: blobs.length, bytes: blobs.reduce((s, b) => s + b.size, 0) };
}

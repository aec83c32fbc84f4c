// The node floor: the copy floor's work done by a bare Node client (no ferry code), in its own
// process (run as `node bench/lib/node-floor.mjs <plan.json>`). Every blob is GET from the source and
// streamed as the body of a monolithic PUT ?digest= to the destination, its sha256 checked on the way
// (a copy that does not verify what it writes is not one), 8 blobs at a time (ferry's default blob
// concurrency) over one HTTP/1.1 undici Agent; then the manifests, GET and PUT by digest, level by
// level. It uploads every blob (no mounts), so it suits workloads without a preseeded destination.
// What ferry costs above it is ferry's (ferry pipelines more, so it can also be below it); what it
// costs above the curl copy floor is what Node, undici and the kernel charge per piece of a streamed
// body on this machine. Prints { seconds, cpuSeconds } as JSON.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { source, destination, blobs, manifests, concurrency = 8 } = plan;
const agent = new Agent({ connections: 64, allowH2: false, keepAliveTimeout: 30_000 });
const repo = 'floor/node';

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function expect(res, status, what) {
  if (res.statusCode !== status) {
    const text = await res.body.text().catch(() => '');
    throw new Error(`${what}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  }
}

async function copyBlob(b) {
  // The upload session and the source's answer are asked for at once, as ferry does.
  const [post, get] = await Promise.all([
    agent.request({ origin: destination, path: `/v2/${repo}/blobs/uploads/`, method: 'POST' }),
    agent.request({ origin: source, path: b.path, method: 'GET' }),
  ]);
  await post.body.dump();
  if (post.statusCode !== 202) throw new Error(`POST ${post.statusCode}`);
  const loc = new URL(post.headers.location, destination);
  loc.searchParams.set('digest', b.digest);
  await expect(get, 200, `GET ${b.path}`);
  const hash = createHash('sha256');
  let size = 0;
  // Paused, so the listener takes nothing before the PUT reads the body: both see every piece.
  get.body.pause();
  get.body.on('data', (chunk) => {
    hash.update(chunk);
    size += chunk.length;
  });
  const put = await agent.request({
    origin: destination,
    path: loc.pathname + loc.search,
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.size) },
    body: get.body,
  });
  await expect(put, 201, `PUT ${b.digest}`);
  await put.body.dump();
  if (size !== b.size || `sha256:${hash.digest('hex')}` !== b.digest) throw new Error(`digest mismatch ${b.digest}`);
}

async function copyManifest(m) {
  const get = await agent.request({ origin: source, path: m.path, method: 'GET', headers: { accept: m.mediaType } });
  await expect(get, 200, `GET ${m.path}`);
  const bytes = Buffer.from(await get.body.arrayBuffer());
  if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== m.digest)
    throw new Error(`mismatch ${m.digest}`);
  const put = await agent.request({
    origin: destination,
    path: `/v2/${repo}/manifests/${m.digest}`,
    method: 'PUT',
    headers: { 'content-type': m.mediaType },
    body: bytes,
  });
  await expect(put, 201, `PUT manifest ${m.digest}`);
  await put.body.dump();
}

const started = performance.now();
await pool(
  [...blobs].sort((a, b) => b.size - a.size),
  concurrency,
  copyBlob,
);
for (const level of manifests) await pool(level, 4, copyManifest);
const seconds = (performance.now() - started) / 1000;
await agent.close();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));

/**
 * Archives as registries (issue 13 item 4), checked with skopeo both ways: skopeo reads the
 * oci-archive and docker-archive ferry writes, and ferry replicates the archives skopeo writes
 * from a real registry into a registry, digest for digest. Then an https:// archive source: cached
 * by its sha256, a wrong sha256 refused leaving nothing behind, a cut download tried again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type RunOutcome, runConfig } from '../../src/replicate/run.js';
import { createLayout, type Layout, MediaType, sha256Digest } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectDigest, inspectRaw, runSkopeo, seedImage, skopeoCopy } from '../support/skopeo.js';
import { getTestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

let tmp: TempDir;
let reg: RunningRegistry; // anonymous, plain HTTP: source of the exports and destination of the imports
let layout: Layout;
let files = 0;
const http = { srcTlsVerify: false, destTlsVerify: false };
const at = (repoTag: string) => dockerRef(reg, repoTag);
const digestAt = (repoTag: string) => inspectDigest(at(repoTag), { tlsVerify: false });

/** A gzip'd layer tar holding one file: a real image skopeo and docker can unpack. */
function realLayer(name: string, content: string): Promise<{ gz: Buffer; diffId: string }> {
  return new Promise((resolve, reject) => {
    const pack = tar.pack();
    pack.entry({ name, mtime: new Date(0) }, content);
    pack.finalize();
    const chunks: Buffer[] = [];
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('error', reject);
    pack.on('end', () => {
      const raw = Buffer.concat(chunks);
      resolve({ gz: gzipSync(raw), diffId: sha256Digest(raw) });
    });
  });
}

/** Adds an image with real tar layers to the fixture layout under `tag`; returns its manifest digest. */
async function addRealImage(tag: string, files: Record<string, string>): Promise<string> {
  const blobs = join(layout.dir, 'blobs', 'sha256');
  const put = (b: Buffer) => {
    const d = sha256Digest(b);
    writeFileSync(join(blobs, d.slice(7)), b);
    return d;
  };
  const layers = await Promise.all(Object.entries(files).map(([n, c]) => realLayer(n, c)));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: put(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: put(l.gz), size: l.gz.length })),
    }),
  );
  const digest = put(manifest);
  const index = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as { manifests: object[] };
  index.manifests.push({
    mediaType: MediaType.ociManifest,
    digest,
    size: manifest.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  writeFileSync(join(layout.dir, 'index.json'), JSON.stringify(index));
  return digest;
}

beforeAll(async () => {
  tmp = await createTempDir('ferry-archive-');
  reg = await startRegistry({ mode: 'anonymous' });
  layout = await createLayout(join(tmp.path, 'fixtures'));
  layout.addIndex({
    tag: 'multi',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    layers: [3000],
  });
  layout.write();
  await addRealImage('real-v1', { 'etc/hello': 'hello\n', 'etc/world': 'world\n' });
  await addRealImage('real-v2', { 'etc/hello': 'hello again\n' });
  await seedImage(layout.dir, 'real-v1', reg, 'acme/app:v1', null);
  await seedImage(layout.dir, 'real-v2', reg, 'acme/app:v2', null);
  await seedImage(layout.dir, 'multi', reg, 'acme/multi:1', null);
});

afterAll(async () => {
  await reg?.stop();
  await tmp?.remove();
});

/** Writes a rules file with the anonymous registry `reg` and the given extra registries and rules. */
async function config(registries: string, rules: string) {
  const file = join(tmp.path, `replication-${++files}.yaml`);
  await writeFile(
    file,
    `version: 1
registries:
  reg:
    type: registry
    url: ${reg.url}
${registries}
rules:
${rules}`,
  );
  return (await loadConfig(file)).config;
}

function statuses(out: RunOutcome): Record<string, string> {
  // A registry's destinations start with its host, an archive's with its file.
  const name = (d: string) =>
    /\.tar(\.gz)?\//.test(d) ? d.replace(/^.*\.tar(\.gz)?\//, '') : d.replace(/^[^/]*\//, '');
  return Object.fromEntries(out.report.results.map((r) => [name(r.destination), r.status]));
}

/** Rules that export `filters` of `reg` into an archive of `type` at `path`. */
const exportTo = (type: string, path: string, filters: string) =>
  config(
    `  out:\n    type: ${type}\n    path: ${path}`,
    `  - name: export\n    source: reg\n    destination: out\n    filters: ${filters}`,
  );

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('ferry writes, skopeo reads', () => {
  it('oci-archive: every tag under repository:tag, digests unchanged; a second run changes nothing', async () => {
    const out = join(tmp.path, 'export', 'images.tar');
    const cfg = await exportTo('oci-archive', out, '{ name: acme/** }');
    const plan = await runConfig(cfg, { dryRun: true });
    expect(Object.values(statuses(plan))).toEqual(['would-copy', 'would-copy', 'would-copy']);
    expect(existsSync(out), 'a plan writes nothing').toBe(false);
    const first = await runConfig(cfg, { dryRun: false });
    expect(first.report.ruleErrors).toEqual([]);
    expect(statuses(first)).toEqual({ 'acme/app:v1': 'copied', 'acme/app:v2': 'copied', 'acme/multi:1': 'copied' });
    for (const ref of ['acme/app:v1', 'acme/app:v2', 'acme/multi:1'])
      expect(await inspectDigest(`oci-archive:${out}:${ref}`), ref).toBe(await digestAt(ref));

    // skopeo copies it out with every blob, byte for byte.
    const dir = join(tmp.path, 'export', 'dir-v1');
    await skopeoCopy(`oci-archive:${out}:acme/app:v1`, `dir:${dir}`);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)])
      expect(`sha256:${sha256File(join(dir, d.slice(7)))}`).toBe(d);

    const before = sha256File(out);
    const second = await runConfig(cfg, { dryRun: false });
    expect(Object.values(statuses(second))).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(sha256File(out), 'an unchanged archive is not rewritten').toBe(before);
    expect(readdirSync(join(tmp.path, 'export')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a .tar.gz archive is written compressed, and skopeo reads it', async () => {
    const out = join(tmp.path, 'export-gz', 'images.tar.gz');
    const cfg = await exportTo('oci-archive', out, '{ name: acme/app, tag: v2 }');
    expect(statuses(await runConfig(cfg, { dryRun: false }))).toEqual({ 'acme/app:v2': 'copied' });
    expect(readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(await inspectDigest(`oci-archive:${out}:acme/app:v2`)).toBe(await digestAt('acme/app:v2'));
  });

  it('docker-archive: manifest.json with RepoTags, config and layers as skopeo reads them; multi-platform refused per tag', async () => {
    const out = join(tmp.path, 'save', 'save.tar');
    const cfg = await exportTo('docker-archive', out, '{ name: acme/** }');
    const first = await runConfig(cfg, { dryRun: false });
    expect(statuses(first)).toEqual({ 'acme/app:v1': 'copied', 'acme/app:v2': 'copied', 'acme/multi:1': 'failed' });
    const failed = first.report.results.find((r) => r.status === 'failed')!;
    expect(failed.error?.message).toMatch(/2 platforms; a docker-archive holds one image per tag: add platforms/);

    const src = JSON.parse((await inspectRaw(at('acme/app:v1'), { tlsVerify: false })).toString()) as {
      config: { digest: string };
    };
    const srcConfig = JSON.parse(
      (await runSkopeo(['inspect', '--config', '--raw', '--tls-verify=false', at('acme/app:v1')])).toString(),
    ) as { rootfs: { diff_ids: string[] } };
    const inspected = JSON.parse((await runSkopeo(['inspect', `docker-archive:${out}:acme/app:v1`])).toString()) as {
      Digest: string;
      Layers: string[];
    };
    // skopeo serves docker-archive layers uncompressed: their digests are the config's diff IDs.
    expect(inspected.Layers).toEqual(srcConfig.rootfs.diff_ids);
    const dir = join(tmp.path, 'save', 'dir-v1');
    await skopeoCopy(`docker-archive:${out}:acme/app:v1`, `dir:${dir}`, { preserveDigests: false });
    expect(existsSync(join(dir, src.config.digest.slice(7))), 'config blob kept byte for byte').toBe(true);

    const second = await runConfig(cfg, { dryRun: false });
    expect(statuses(second)).toMatchObject({ 'acme/app:v1': 'unchanged', 'acme/app:v2': 'unchanged' });
  });
});

describe('skopeo writes, ferry reads', () => {
  it('oci-archive from a registry, named repository:tag or a bare tag, into the registry digest for digest', async () => {
    const archive = join(tmp.path, 'incoming', 'images.tar');
    const bare = join(tmp.path, 'incoming', 'tools.tar');
    await mkdir(join(tmp.path, 'incoming'), { recursive: true });
    await skopeoCopy(at('acme/app:v1'), `oci-archive:${archive}:acme/app:v1`, http);
    await skopeoCopy(at('acme/multi:1'), `oci-archive:${bare}:1`, { ...http, all: true });
    const cfg = await config(
      `  incoming:\n    type: oci-archive\n    path: ${archive}\n  tools:\n    type: oci-archive\n    path: ${bare}`,
      // Name filters tell the two apart: without them both rules would write every repository of
      // imported/, which validation reports as the two overwriting each other.
      `  - name: import\n    source: incoming\n    destination: reg\n    destination_namespace: imported\n    flattening: 0\n    filters: { name: "acme/**" }
  - name: tools\n    source: tools\n    destination: reg\n    destination_namespace: imported\n    flattening: 0\n    filters: { name: tools }`,
    );
    const out = await runConfig(cfg, { dryRun: false });
    expect(out.report.ruleErrors).toEqual([]);
    expect(statuses(out)).toEqual({ 'imported/acme/app:v1': 'copied', 'imported/tools:1': 'copied' });
    expect(await digestAt('imported/acme/app:v1')).toBe(await digestAt('acme/app:v1'));
    expect(await digestAt('imported/tools:1')).toBe(await digestAt('acme/multi:1'));
    expect(statSync(archive).size, 'a source archive is never rewritten').toBeGreaterThan(0);
  });

  it('docker-archive: manifests recomputed, layers checked against the config diff IDs, config digest kept', async () => {
    const archive = join(tmp.path, 'incoming', 'saved.tar');
    await skopeoCopy(at('acme/app:v2'), `docker-archive:${archive}:acme/app:v2`, {
      ...http,
      preserveDigests: false,
    });
    const cfg = await config(
      `  saved:\n    type: docker-archive\n    path: ${archive}`,
      `  - name: load\n    source: saved\n    destination: reg\n    destination_namespace: loaded\n    flattening: 0`,
    );
    const out = await runConfig(cfg, { dryRun: false });
    expect(out.report.ruleErrors).toEqual([]);
    expect(statuses(out)).toEqual({ 'loaded/acme/app:v2': 'copied' });
    const copied = JSON.parse((await inspectRaw(at('loaded/acme/app:v2'), { tlsVerify: false })).toString()) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const original = JSON.parse((await inspectRaw(at('acme/app:v2'), { tlsVerify: false })).toString()) as {
      config: { digest: string };
    };
    expect(copied.config.digest).toBe(original.config.digest);
    const inspected = JSON.parse((await runSkopeo(['inspect', `docker-archive:${archive}`])).toString()) as {
      Layers: string[];
    };
    expect(copied.layers.map((l) => l.digest)).toEqual(inspected.Layers);
    // The same archive gives the same manifest: a second run has nothing to do.
    expect(Object.values(statuses(await runConfig(cfg, { dryRun: false })))).toEqual(['unchanged']);
  });

  it('a docker-archive whose layer does not match its config is refused, naming the layer', async () => {
    const archive = join(tmp.path, 'incoming', 'corrupt.tar');
    const layer = await realLayer('etc/x', 'x\n');
    const other = await realLayer('etc/x', 'tampered\n');
    const imageConfig = Buffer.from(
      JSON.stringify({ os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] } }),
    );
    const configName = `${sha256Digest(imageConfig).slice(7)}.json`;
    const pack = tar.pack();
    pack.entry({ name: configName }, imageConfig);
    pack.entry({ name: 'abc/layer.tar' }, other.gz);
    pack.entry(
      { name: 'manifest.json' },
      JSON.stringify([{ Config: configName, RepoTags: ['bad:1'], Layers: ['abc/layer.tar'] }]),
    );
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    await writeFile(archive, Buffer.concat(chunks));
    const cfg = await config(
      `  corrupt:\n    type: docker-archive\n    path: ${archive}`,
      `  - name: load\n    source: corrupt\n    destination: reg`,
    );
    const out = await runConfig(cfg, { dryRun: false });
    expect(out.report.ruleErrors[0]?.message).toContain(
      `corrupt.tar: layer abc/layer.tar unpacks to ${other.diffId}, the image config says ${layer.diffId}`,
    );
  });
});

describe('an https:// archive source', () => {
  let server: Server;
  let hits = 0;
  let cutNext = 0;
  let body = Buffer.alloc(0);
  let sha = '';
  const cache = () => join(tmp.path, 'cache');
  const TOKEN = 'archive-download-token';

  beforeAll(async () => {
    const tls = await getTestTls();
    // Downloads trust Node's default store, as NODE_EXTRA_CA_CERTS extends it.
    setDefaultCACertificates([...getCACertificates('default'), tls.caPem]);
    process.env.FERRY_CACHE_DIR = cache();
    const archive = join(tmp.path, 'served.tar');
    await skopeoCopy(at('acme/app:v1'), `oci-archive:${archive}:served/app:v1`, http);
    body = await readFile(archive);
    sha = createHash('sha256').update(body).digest('hex');
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      hits++;
      if (req.url?.startsWith('/private/') && req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/x-tar' });
      if (cutNext > 0) {
        cutNext--;
        // Half the promised bytes, then the connection drops.
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
        return;
      }
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    delete process.env.FERRY_CACHE_DIR;
    await new Promise((r) => server?.close(r));
  });

  const urlConfig = (pin: string, path: string, ns: string) =>
    config(
      `  remote:\n    type: oci-archive\n    url: https://127.0.0.1:${(server.address() as AddressInfo).port}/${path}\n    sha256: ${pin}`,
      `  - name: fetch\n    source: remote\n    destination: reg\n    destination_namespace: ${ns}\n    flattening: 0`,
    );

  it('a wrong sha256 is refused and leaves nothing behind', async () => {
    const wrong = 'f'.repeat(64);
    const out = await runConfig(await urlConfig(wrong, 'images.tar', 'wrong'), { dryRun: false });
    expect(out.report.ruleErrors[0]?.message).toContain(`has sha256 ${sha}, the configuration pins ${wrong}: refused`);
    expect(out.report.results).toEqual([]);
    expect(existsSync(cache()) ? readdirSync(join(cache(), 'archives')) : []).toEqual([]);
    await expect(inspectRaw(at('wrong/served/app:v1'), { tlsVerify: false })).rejects.toThrow(/manifest unknown/);
  });

  it('a download cut short is tried again; the second run reads the cache and does not download', async () => {
    hits = 0;
    cutNext = 1;
    const stdout = vi.spyOn(process.stdout, 'write');
    const first = await runConfig(await urlConfig(sha, 'images.tar?sig=secret', 'fetched'), { dryRun: false }).finally(
      () => stdout.mockRestore(),
    );
    // Nothing of the download (the URL with its query, the retry) reaches ferry's stdout (plan --json).
    expect(stdout.mock.calls.map((c) => String(c[0])).filter((l) => /sig=secret|trying again/.test(l))).toEqual([]);
    expect(first.report.ruleErrors).toEqual([]);
    expect(hits, 'one cut attempt, one whole').toBe(2);
    expect(statuses(first)).toEqual({ 'fetched/served/app:v1': 'copied' });
    expect(await digestAt('fetched/served/app:v1')).toBe(await digestAt('acme/app:v1'));
    expect(readdirSync(join(cache(), 'archives'))).toEqual([`sha256-${sha}`]);

    const second = await runConfig(await urlConfig(sha, 'images.tar?sig=secret', 'fetched'), { dryRun: false });
    expect(hits, 'served from the cache').toBe(2);
    expect(statuses(second)).toEqual({ 'fetched/served/app:v1': 'unchanged' });

    // A cached copy damaged since is refused and dropped; the run after downloads it again.
    const cached = join(cache(), 'archives', `sha256-${sha}`);
    await writeFile(cached, body.subarray(0, body.length - 1024));
    const damaged = await runConfig(await urlConfig(sha, 'images.tar', 'fetched'), { dryRun: false });
    expect(damaged.report.ruleErrors[0]?.message).toMatch(
      /the cached copy .* was removed: the next run downloads it again/,
    );
    expect(existsSync(cached)).toBe(false);
    const again = await runConfig(await urlConfig(sha, 'images.tar', 'fetched'), { dryRun: false });
    expect(hits).toBe(3);
    expect(statuses(again)).toEqual({ 'fetched/served/app:v1': 'unchanged' });
  });

  it('a cached copy that still matches its pin is kept when reading it fails for another reason', async () => {
    // Not a tar, but exactly the bytes the pin names: the failure is not the cache's, so a
    // good download (possibly large) must not be thrown away with it.
    const bytes = Buffer.from('pinned bytes that are not a tar archive');
    const pin = createHash('sha256').update(bytes).digest('hex');
    const cached = join(cache(), 'archives', `sha256-${pin}`);
    await mkdir(join(cache(), 'archives'), { recursive: true });
    await writeFile(cached, bytes);
    const before = hits;
    const out = await runConfig(await urlConfig(pin, 'never-asked.tar', 'kept'), { dryRun: false });
    expect(out.report.ruleErrors[0]?.message).toMatch(/not a readable tar/);
    expect(out.report.ruleErrors[0]?.message).not.toMatch(/was removed/);
    expect(readFileSync(cached)).toEqual(bytes);
    expect(hits, 'served from the cache, never downloaded').toBe(before);
  });

  it('credentials go as an Authorization header; without them the server refuses', async () => {
    const registries = (credentials: string) =>
      `  remote:\n    type: oci-archive\n    url: https://127.0.0.1:${(server.address() as AddressInfo).port}/private/images.tar\n    sha256: ${sha}${credentials}`;
    const rule = `  - name: fetch\n    source: remote\n    destination: reg\n    destination_namespace: private\n    flattening: 0`;
    rmSync(cache(), { recursive: true, force: true });
    const refused = await runConfig(await config(registries(''), rule), { dryRun: false });
    expect(refused.report.ruleErrors[0]?.message).toMatch(
      /downloading https:\/\/127\.0\.0\.1:\d+\/private\/images\.tar failed: .*401/,
    );
    process.env.FERRY_TEST_ARCHIVE_TOKEN = TOKEN;
    try {
      const cfg = await config(registries('\n    credentials: { token: { env: FERRY_TEST_ARCHIVE_TOKEN } }'), rule);
      expect(statuses(await runConfig(cfg, { dryRun: false }))).toEqual({ 'private/served/app:v1': 'copied' });
    } finally {
      delete process.env.FERRY_TEST_ARCHIVE_TOKEN;
    }
  });

  it('is a source only', async () => {
    const cfg = await config(
      `  remote:\n    type: oci-archive\n    url: https://127.0.0.1:${(server.address() as AddressInfo).port}/images.tar\n    sha256: ${sha}`,
      `  - name: push\n    source: reg\n    destination: remote\n    filters: { name: acme/app, tag: v1 }`,
    );
    const out = await runConfig(cfg, { dryRun: false });
    const errors = [
      ...out.report.ruleErrors.map((e) => e.message),
      ...out.report.results.map((r) => r.error?.message ?? ''),
    ];
    expect(errors.join('\n')).toMatch(/downloaded from a URL and can only be a source/);
  });
});

describe('an archive that cannot be written', () => {
  it('fails the run and every tag copied into it, naming the archive', async () => {
    // A file where the archive's directory should be: found only when the archive is written, at the end.
    const blocker = join(tmp.path, 'blocker');
    writeFileSync(blocker, 'a file where a directory should be\n');
    const cfg = await exportTo('oci-archive', join(blocker, 'images.tar'), '{ name: acme/app }');
    const run = await runConfig(cfg, { dryRun: false });
    expect(run.report.ruleErrors).toEqual([
      {
        rule: 'export',
        message: expect.stringMatching(
          /^out: oci-archive:.*blocker\/images\.tar could not be written \(EEXIST.*\): the images this run copied into it are not there/,
        ),
      },
    ]);
    expect(statuses(run), 'nothing landed: no tag may say copied').toEqual({
      'acme/app:v1': 'failed',
      'acme/app:v2': 'failed',
    });
    expect(run.report.results[0]?.reason).toMatch(/^not written: out: oci-archive:/);
    expect(run.report.totals.failed).toBe(2);
  });
});

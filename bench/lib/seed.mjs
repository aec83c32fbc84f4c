// Seeding the source registry: `skopeo copy --all --preserve-digests oci:LAYOUT:ref docker://…` (big,
// multiarch), for many small images (fleet, tags) a direct HTTP push of the same layout content
// (POST + monolithic PUT per blob, cross-repository mount of blobs already pushed, PUT manifest), and
// for thousands of tags (scale) files written straight into the registry's storage (seedOnDisk).
import { execFile } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectStatus, http, pool } from './http.mjs';

const execFileP = promisify(execFile);

let skopeoEnv;
/** Accept-anything policy, empty registries.conf and auth file, so host configuration never matters. */
export function skopeoSetup() {
  if (!skopeoEnv) {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-skopeo-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    writeFileSync(join(dir, 'registries.conf'), '');
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ auths: {} }));
    skopeoEnv = {
      dir,
      globalArgs: ['--policy', policy, '--tmpdir', dir],
      env: {
        ...process.env,
        CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
        REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
        DOCKER_CONFIG: dir,
      },
    };
  }
  return skopeoEnv;
}

export async function seedWithSkopeo(content, workload, registry) {
  const s = skopeoSetup();
  const jobs = [];
  for (const { repo, tags } of workload.repos)
    for (const { tag, top } of tags) {
      const ref = `${repo.replace(/\//g, '_')}_${tag}`;
      content.ref(ref, top);
      jobs.push({ ref, dest: `docker://${registry.host}/${repo}:${tag}` });
    }
  content.writeIndex();
  // One repository at a time in order, so later copies find shared blobs already present.
  await pool(jobs, 2, async ({ ref, dest }) => {
    await execFileP(
      'skopeo',
      [
        ...s.globalArgs,
        'copy',
        '--quiet',
        '--all',
        '--preserve-digests',
        '--dest-no-creds',
        '--dest-tls-verify=false',
        `oci:${content.dir}:${ref}`,
        dest,
      ],
      { env: s.env, maxBuffer: 16 << 20 },
    );
  });
}

export async function seedWithHttp(content, workload, registry) {
  const base = registry.url;
  /** digest -> Promise<repo holding it> */
  const first = new Map();
  /** repo|digest -> Promise */
  const done = new Map();

  const upload = async (repo, desc) => {
    const post = expectStatus(await http('POST', `${base}/v2/${repo}/blobs/uploads/`), [202], `POST upload ${repo}`);
    const loc = new URL(post.headers.location, base);
    loc.searchParams.set('digest', desc.digest);
    expectStatus(
      await http('PUT', loc.href, {
        headers: { 'content-type': 'application/octet-stream' },
        bodyFile: content.blobPath(desc.digest),
        bodyLength: desc.size,
      }),
      [201],
      `PUT blob ${repo} ${desc.digest}`,
    );
  };
  const ensureBlob = (repo, desc) => {
    const key = `${repo}|${desc.digest}`;
    let p = done.get(key);
    if (p) return p;
    const holder = first.get(desc.digest);
    if (!holder) {
      p = upload(repo, desc).then(() => repo);
      first.set(desc.digest, p);
    } else {
      p = holder.then(async (from) => {
        const r = await http('POST', `${base}/v2/${repo}/blobs/uploads/?mount=${desc.digest}&from=${from}`);
        if (r.status === 201) return;
        expectStatus(r, [202], 'mount');
        await upload(repo, desc);
      });
    }
    done.set(key, p);
    return p;
  };
  const putManifest = async (repo, ref, m) =>
    expectStatus(
      await http('PUT', `${base}/v2/${repo}/manifests/${ref}`, {
        headers: { 'content-type': m.mediaType },
        body: m.raw,
      }),
      [201],
      `PUT manifest ${repo}:${ref}`,
    );

  const jobs = workload.repos.flatMap(({ repo, tags }) => tags.map((t) => ({ repo, ...t })));
  await pool(jobs, 8, async ({ repo, tag, top }) => {
    await Promise.all(top.blobs.map((b) => ensureBlob(repo, b)));
    for (const c of top.children ?? []) await putManifest(repo, c.digest, c);
    await putManifest(repo, tag, top);
  });
}

/** HEADs every tag of the workload at `registry`; returns the tags whose digest is not the source's. */
export async function verifyCopy(workload, registry) {
  const wrong = [];
  const jobs = workload.repos.flatMap(({ repo, tags }) => tags.map((t) => ({ repo, ...t })));
  await pool(jobs, 8, async ({ repo, tag, top }) => {
    const r = await http('HEAD', `${registry.url}/v2/${repo}/manifests/${tag}`, {
      headers: {
        accept: [
          top.mediaType,
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.oci.image.index.v1+json',
        ].join(', '),
      },
    });
    const got = r.headers['docker-content-digest'];
    if (r.status !== 200 || got !== top.digest)
      wrong.push(`${repo}:${tag} → ${r.status} ${got ?? ''} (want ${top.digest})`);
  });
  return wrong;
}

/**
 * Seeding by writing the registry's own filesystem storage (distribution's layout under
 * docker/registry/v2): blob data (hard links to the OCI layout's files), per-repository layer links,
 * manifest revision links and tag links. Thousands of tags take seconds instead of minutes of HTTP.
 * The registry may be running: it reads links and blobs from disk on each request (the in-memory
 * blob descriptor cache only holds what it has already looked up).
 */
export function seedOnDisk(content, workload, registry) {
  const root = join(registry.dir, 'data', 'docker', 'registry', 'v2');
  const madeDirs = new Set();
  const dir = (d) => {
    if (!madeDirs.has(d)) {
      mkdirSync(d, { recursive: true });
      madeDirs.add(d);
    }
    return d;
  };
  const stored = new Set();
  const blob = (digest) => {
    if (stored.has(digest)) return;
    stored.add(digest);
    const hex = digest.slice(7);
    const data = join(dir(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex)), 'data');
    try {
      linkSync(content.blobPath(digest), data);
    } catch {
      copyFileSync(content.blobPath(digest), data);
    }
  };
  const link = (path, digest) => writeFileSync(join(dir(path), 'link'), digest);
  for (const { repo, tags } of workload.repos) {
    const repoDir = join(root, 'repositories', repo);
    const linked = new Set();
    for (const { tag, top } of tags) {
      for (const b of top.blobs) {
        blob(b.digest);
        if (linked.has(b.digest)) continue;
        linked.add(b.digest);
        link(join(repoDir, '_layers', 'sha256', b.digest.slice(7)), b.digest);
      }
      for (const m of [...(top.children ?? []), top]) {
        blob(m.digest);
        link(join(repoDir, '_manifests', 'revisions', 'sha256', m.digest.slice(7)), m.digest);
      }
      link(join(repoDir, '_manifests', 'tags', tag, 'current'), top.digest);
      link(join(repoDir, '_manifests', 'tags', tag, 'index', 'sha256', top.digest.slice(7)), top.digest);
    }
  }
}

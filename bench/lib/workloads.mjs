// The four workloads of ISSUE 7 §4, plus scale-1k / scale-10k, harbor-noop and crossrun (issue 14).
// `scale` shrinks sizes and counts for a quick check.
const KiB = 1024;
const MiB = 1024 * KiB;

const sz = (bytes, scale) => Math.max(4 * KiB, Math.round(bytes * scale));
const count = (n, scale, min) => Math.max(min, Math.round(n * scale));
const pad = (n, w) => String(n).padStart(w, '0');

/**
 * Each workload fills `content` and returns
 * { name, namespace, repos: [{ repo, tags: [{ tag, top }] }], tagCount, seed: 'http'|'skopeo'|'disk', description }
 * and optionally filter (the rule's `name` filter, default "**"), skopeo: false with skopeoNote (skopeo
 * sync not run), preseed (repositories both destinations hold before the measured runs) and shared
 * (a blob whose uploads and mounts at the destination are counted), vendor ('harbor': the source is
 * listed through that vendor's fake API, bench/lib/vendor.mjs), dstVendor (the same at the destination) and floor: false (no write floor).
 * `top` is an image or an index from Content.
 */
export const WORKLOADS = {
  fleet(content, scale) {
    const nRepos = count(40, scale, 2);
    const base = content.randomLayer('fleet:base', sz(32 * MiB, scale));
    const repos = [];
    for (let r = 0; r < nRepos; r++) {
      const repoLayer = content.randomLayer(`fleet:repo:${r}`, sz(4 * MiB, scale));
      const tags = [];
      for (let t = 0; t < 5; t++) {
        const tagLayer = content.randomLayer(`fleet:${r}:${t}`, sz(512 * KiB, scale));
        const top = content.image(`fleet:${r}:${t}`, [base, repoLayer, tagLayer]);
        tags.push({ tag: `v1.${t}.0`, top });
      }
      repos.push({ repo: `fleet/app-${pad(r, 2)}`, tags });
    }
    return {
      name: 'fleet',
      namespace: 'fleet',
      repos,
      seed: 'http',
      description: `${nRepos} repos × 5 tags; layers: shared base ${fmt(base.size)} + per-repo ${fmt(sz(4 * MiB, scale))} + per-tag ${fmt(sz(512 * KiB, scale))}`,
    };
  },

  big(content, scale) {
    const layers = [];
    for (let i = 0; i < 6; i++) layers.push(content.randomLayer(`big:${i}`, sz(100 * MiB, scale)));
    const top = content.image('big', layers);
    return {
      name: 'big',
      namespace: 'big',
      repos: [{ repo: 'big/image', tags: [{ tag: 'v1', top }] }],
      seed: 'skopeo',
      description: `1 repo × 1 tag; 6 × ${fmt(layers[0].size)} layers`,
    };
  },

  tags(content, scale) {
    const n = count(1000, scale, 10);
    const base = content.randomLayer('tags:base', sz(8 * MiB, scale));
    const tags = [];
    for (let t = 0; t < n; t++) {
      const own = content.randomLayer(`tags:${t}`, 16 * KiB);
      tags.push({ tag: `t${pad(t, 4)}`, top: content.image(`tags:${t}`, [base, own]) });
    }
    return {
      name: 'tags',
      namespace: 'tags',
      repos: [{ repo: 'tags/many', tags }],
      seed: 'http',
      description: `1 repo × ${n} tags; layers: shared base ${fmt(base.size)} + per-tag 16 KiB`,
    };
  },

  multiarch(content, scale) {
    const nRepos = count(5, scale, 1);
    const platforms = [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 'ppc64le' },
    ];
    const pkey = (p) => [p.os, p.architecture, p.variant].filter(Boolean).join('-');
    const repos = [];
    for (let r = 0; r < nRepos; r++) {
      const tags = [];
      for (let t = 0; t < 4; t++) {
        const children = platforms.map((p) => {
          const k = pkey(p);
          const base = content.randomLayer(`multi:base:${k}`, sz(16 * MiB, scale));
          const repoLayer = content.randomLayer(`multi:repo:${r}:${k}`, sz(8 * MiB, scale));
          const tagLayer = content.randomLayer(`multi:${r}:${t}:${k}`, sz(4 * MiB, scale));
          return content.image(`multi:${r}:${t}:${k}`, [base, repoLayer, tagLayer], p);
        });
        tags.push({ tag: `v2.${t}`, top: content.index(children) });
      }
      repos.push({ repo: `multi/app-${pad(r, 2)}`, tags });
    }
    return {
      name: 'multiarch',
      namespace: 'multi',
      repos,
      seed: 'skopeo',
      description: `${nRepos} repos × 4 tags × 4 platforms (OCI index); per platform: shared base ${fmt(sz(16 * MiB, scale))} + per-repo ${fmt(sz(8 * MiB, scale))} + per-tag ${fmt(sz(4 * MiB, scale))}`,
    };
  },
};

/**
 * N repositories × 10 tags, each tag a distinct small manifest (its own config over one shared 4 KiB
 * layer), written straight into the source registry's storage; one rule `name: "scale/**"`.
 */
function scaleWorkload(name, content, nRepos, { skopeo = true, skopeoNote } = {}) {
  const base = content.randomLayer('scale:base', 4 * KiB);
  const repos = [];
  for (let r = 0; r < nRepos; r++) {
    const tags = [];
    for (let t = 0; t < 10; t++) tags.push({ tag: `v${t}`, top: content.image(`scale:${r}:${t}`, [base]) });
    repos.push({ repo: `scale/r-${pad(r, 4)}`, tags });
  }
  return {
    name,
    namespace: 'scale',
    filter: 'scale/**',
    repos,
    seed: 'disk',
    skopeo,
    skopeoNote,
    description: `${nRepos} repos × 10 tags, each tag its own config over one shared 4 KiB layer; rule \`name: "scale/**"\``,
  };
}

WORKLOADS['scale-1k'] = (content, scale) => scaleWorkload('scale-1k', content, count(100, scale, 2));
WORKLOADS['scale-10k'] = (content, scale) =>
  scaleWorkload('scale-10k', content, count(1000, scale, 2), {
    skopeo: process.env.BENCH_SKOPEO_10K === '1',
    skopeoNote:
      'skopeo sync not run at 10k tags (at its 1k rate, 2–3 min per 1,000 tags cold on this machine, it would add 20–30 min); BENCH_SKOPEO_10K=1 runs it',
  });

/**
 * No-op requests at a source whose listing carries digests (issue 14 item 2): the scale-1k content in
 * one Harbor project, written straight into the registry's storage, listed by ferry through the fake
 * Harbor API (projects, repositories, artifacts with tags) in front of that registry. The destination is
 * a plain registry. What is measured is the no-op; there is no write floor and no skopeo sync (skopeo
 * cannot list through Harbor's API; on the registry itself it is scale-1k's run).
 */
WORKLOADS['harbor-noop'] = (content, scale) => {
  const w = scaleWorkload('harbor-noop', content, count(100, scale, 2), {
    skopeo: false,
    skopeoNote: "skopeo sync not run: it cannot list through Harbor's API (on the registry itself this is scale-1k)",
  });
  for (const r of w.repos) r.repo = r.repo.replace(/^scale\//, 'proj/');
  return {
    ...w,
    namespace: 'proj',
    filter: 'proj/**',
    vendor: 'harbor',
    floor: false,
    description: `${w.repos.length} repos × 10 tags in one Harbor project, each tag its own config over one shared 4 KiB layer; listed through the fake Harbor API v2.0 in front of the source registry; rule \`name: "proj/**"\``,
  };
};

/**
 * harbor-noop with a Harbor destination too (issue 14 item 2, "or the destination"): a second fake
 * Harbor API in front of ferry's destination registry, with the project and no repository before the
 * cold run, and after it the artifacts ferry pushed.
 */
WORKLOADS['harbor-both'] = (content, scale) => {
  const w = WORKLOADS['harbor-noop'](content, scale);
  return {
    ...w,
    name: 'harbor-both',
    dstVendor: 'harbor',
    description: w.description.replace(
      'source registry;',
      'source registry, and a second one in front of the destination;',
    ),
  };
};

/**
 * Cross-run mounts (issue 14 item 3): 40 repositories share a 32 MiB base layer; both destinations
 * already hold the first 20 (pushed before the measured runs). The shared layer must be mounted, not
 * uploaded, into the 20 new repositories.
 */
WORKLOADS.crossrun = (content, scale) => {
  const nRepos = count(40, scale, 4);
  const base = content.randomLayer('cross:base', sz(32 * MiB, scale));
  const repos = [];
  for (let r = 0; r < nRepos; r++) {
    const repoLayer = content.randomLayer(`cross:repo:${r}`, sz(2 * MiB, scale));
    const tags = [];
    for (let t = 0; t < 3; t++) {
      const tagLayer = content.randomLayer(`cross:${r}:${t}`, sz(256 * KiB, scale));
      tags.push({ tag: `v3.${t}`, top: content.image(`cross:${r}:${t}`, [base, repoLayer, tagLayer]) });
    }
    repos.push({ repo: `cross/app-${pad(r, 2)}`, tags });
  }
  const half = Math.floor(nRepos / 2);
  return {
    name: 'crossrun',
    namespace: 'cross',
    repos,
    seed: 'http',
    preseed: repos.slice(0, half),
    shared: base,
    description: `${nRepos} repos × 3 tags sharing a ${fmt(base.size)} base layer (+ per-repo ${fmt(sz(2 * MiB, scale))}, per-tag ${fmt(sz(256 * KiB, scale))}); the destination already holds the first ${half} repos`,
  };
};

export function fmt(bytes) {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${+(bytes / KiB).toFixed(1)} KiB`;
}

// The four workloads of ISSUE 7 §4. `scale` shrinks sizes and counts for a quick check.
const KiB = 1024;
const MiB = 1024 * KiB;

const sz = (bytes, scale) => Math.max(4 * KiB, Math.round(bytes * scale));
const count = (n, scale, min) => Math.max(min, Math.round(n * scale));
const pad = (n, w) => String(n).padStart(w, '0');

/**
 * Each workload fills `content` and returns
 * { name, namespace, repos: [{ repo, tags: [{ tag, top }] }], tagCount, seed: 'http'|'skopeo', description }.
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

export function fmt(bytes) {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${+(bytes / KiB).toFixed(1)} KiB`;
}

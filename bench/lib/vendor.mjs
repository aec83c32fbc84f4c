// The fake vendor APIs of the tests (test/support/vendor-apis.ts) in front of a bench registry, so a
// workload can list its source the way ferry lists Harbor (and Docker Hub): through the vendor's API.
//
// vendor-apis.ts is TypeScript with parameter properties, which Node's default type stripping refuses
// ("not supported in strip-only mode"). A load hook transforms test/support/*.ts with Node's own
// stripTypeScriptTypes in 'transform' mode, so `node bench/run.mjs` needs no flag and no build step,
// and the fake stays the one the tests check against the vendors' published API descriptions.
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const support = new URL('../../test/support/', import.meta.url).href;
let hooked = false;

function hook() {
  if (hooked) return;
  hooked = true;
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith(support) || !url.endsWith('.ts')) return nextLoad(url, context);
      const source = readFileSync(fileURLToPath(url), 'utf8');
      return {
        format: 'module',
        source: stripTypeScriptTypes(source, { mode: 'transform', sourceUrl: url }),
        shortCircuit: true,
      };
    },
  });
}

async function vendorApis() {
  hook();
  return import(pathToFileURL(fileURLToPath(new URL('vendor-apis.ts', support))).href);
}

export const HARBOR_USER = 'robot$bench';
export const HARBOR_PASSWORD_ENV = 'FERRY_BENCH_HARBOR_PASSWORD';

/**
 * The fake Harbor API v2.0 over the repositories of `workload` held by `registry`: one private project
 * per namespace, the artifacts Harbor would have recorded on push (harborArtifactsFrom: one GET per tag
 * at the registry, made here before any measured phase), a robot account whose password ferry reads
 * from FERRY_BENCH_HARBOR_PASSWORD. As test/integration/providers.test.ts configures it.
 * `empty`: the projects exist but hold no repository yet (a destination before the cold run);
 * `refresh()` then records what the registry holds, as Harbor does on each push.
 */
export async function startHarbor(workload, registry, { empty = false } = {}) {
  const { harborArtifactsFrom, startHarborApi } = await vendorApis();
  const password = 'bench-robot-secret';
  process.env[HARBOR_PASSWORD_ENV] = password;
  const projects = {};
  for (const { repo } of workload.repos) projects[repo.split('/')[0]] = { public: false };
  const names = workload.repos.map((r) => r.repo);
  const api = await startHarborApi({
    users: { [HARBOR_USER]: password },
    projects,
    repositories: empty ? {} : await harborArtifactsFrom(registry.url, names),
  });
  return {
    vendor: 'harbor',
    api,
    url: api.url,
    // The fake reads options.repositories on every request, so filling it in place is enough.
    refresh: async () => Object.assign(api.options.repositories, await harborArtifactsFrom(registry.url, names)),
    registry: [
      '    type: harbor',
      `    url: ${registry.url}`,
      `    credentials: { username: "${HARBOR_USER}", password: { env: ${HARBOR_PASSWORD_ENV} } }`,
      `    options: { api_url: ${api.url} }`,
    ],
  };
}

/** Requests the fake API answered from index `from` on: total and by `METHOD operation` (status ≥ 400 as errors). */
export function apiCountsSince(api, from) {
  const out = { total: 0, by: {} };
  for (const r of api.requests.slice(from)) {
    out.total++;
    out[r.method] = (out[r.method] ?? 0) + 1;
    // operation is the description's `METHOD /template`.
    const k = r.operation ?? `${r.method} ${r.path.split('?')[0]}`;
    out.by[k] = (out.by[k] ?? 0) + 1;
    if (r.status >= 400) out.errors = (out.errors ?? 0) + 1;
  }
  return out;
}

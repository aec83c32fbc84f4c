/**
 * What the report can say about a destination registry beyond the results: a web page for a
 * repository (where the registry has one), and the garbage-collection note after deletions.
 */
import type { Config, RegistryConfig } from '../config/types.js';
import type { RunReport } from '../replicate/result.js';

/** `ghcr.io/acme/api` (a result's destination without its tag) → the path inside the registry. */
function pathOf(repository: string): string {
  const i = repository.indexOf('/');
  return i < 0 ? repository : repository.slice(i + 1);
}

const seg = (s: string) => s.split('/').map(encodeURIComponent).join('/');

/**
 * A page a person can open for `repository` (`host/path`, as results name it) at `reg`:
 * Docker Hub's tags page, GHCR's package (ghcr.io redirects a browser there), Quay's repository,
 * Harbor's project list (its repository pages are addressed by project ID, which ferry does not
 * know), ECR's and Artifact Registry's consoles. Undefined for a registry without one.
 */
export function repositoryWebUrl(reg: RegistryConfig, repository: string): string | undefined {
  const path = pathOf(repository);
  const parts = path.split('/');
  switch (reg.type) {
    case 'dockerhub':
      return parts[0] === 'library' && parts.length === 2
        ? `https://hub.docker.com/_/${encodeURIComponent(parts[1]!)}`
        : `https://hub.docker.com/r/${seg(path)}/tags`;
    case 'ghcr':
      return `https://ghcr.io/${seg(path)}`;
    case 'quay':
      return `https://quay.io/repository/${seg(path)}?tab=tags`;
    case 'harbor':
      return reg.url?.startsWith('https://') ? `${reg.url.replace(/\/+$/, '')}/harbor/projects` : undefined;
    case 'ecr': {
      const m = /^https:\/\/(\d+)\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/.exec(reg.url ?? '');
      return m
        ? `https://${m[2]}.console.aws.amazon.com/ecr/repositories/private/${m[1]}/${seg(path)}?region=${m[2]}`
        : undefined;
    }
    case 'gar': {
      const m = /^https:\/\/([a-z0-9-]+)-docker\.pkg\.dev/.exec(reg.url ?? '');
      const [project, repo, ...image] = parts;
      return m && project && repo
        ? `https://console.cloud.google.com/artifacts/docker/${encodeURIComponent(project)}/${m[1]}/${encodeURIComponent(repo)}${image.length ? `/${encodeURIComponent(image.join('/'))}` : ''}`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** For SummaryOptions.repositoryUrl: each rule's destination registry from the config. */
export function repositoryUrls(config: Config): (repository: string, rule: string) => string | undefined {
  return (repository, rule) => {
    const name = config.rules.find((r) => r.name === rule)?.destination;
    const reg = name ? config.registries.get(name) : undefined;
    return reg ? repositoryWebUrl(reg, repository) : undefined;
  };
}

/**
 * After deletions, where the space comes back only with the registry's garbage collection: the
 * reference registry (`registry garbage-collect`, which an operator runs) and Harbor (its own GC,
 * scheduled or run under Administration → Clean Up). One note per run, naming the registries.
 */
export function garbageCollectionNote(report: RunReport, config: Config): string | undefined {
  const deletedIn = new Set<string>();
  for (const r of report.results) {
    if (r.status !== 'deleted') continue;
    const name = config.rules.find((x) => x.name === r.rule)?.destination;
    if (name) deletedIn.add(name);
  }
  const regs = [...deletedIn].map((n) => config.registries.get(n)).filter((r): r is RegistryConfig => !!r);
  const plain = regs.filter((r) => r.type === 'registry').map((r) => r.name);
  const harbor = regs.filter((r) => r.type === 'harbor').map((r) => r.name);
  const parts: string[] = [];
  if (plain.length)
    parts.push(
      `${plain.join(', ')} delete${plain.length === 1 ? 's' : ''} by digest and free${plain.length === 1 ? 's' : ''} the space only at the registry's garbage collection: run \`registry garbage-collect /etc/docker/registry/config.yml\` there (CNCF Distribution; other registries have their own clean-up)`,
    );
  if (harbor.length)
    parts.push(
      `Harbor (${harbor.join(', ')}) frees the space at its next garbage collection (Administration → Clean Up, on its schedule or run there)`,
    );
  return parts.length ? `Deleted tags: ${parts.join('; ')}.` : undefined;
}

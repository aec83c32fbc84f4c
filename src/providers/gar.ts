/**
 * Google Artifact Registry (<location>-docker.pkg.dev). Paths are <project>/<repository>/<image>;
 * the repository must be created beforehand, or pushes fail ("Missing image name", NAME_INVALID).
 * Credentials: oauth2accesstoken + the access token google-github-actions/auth produced, via the
 * Docker config docker/login-action wrote.
 * https://cloud.google.com/artifact-registry/docs/docker/names
 */
import { HostedRegistryStore, type HostedStoreOptions } from './hosted.js';

export function garPathProblem(repository: string): string | undefined {
  if (repository.split('/').length >= 3) return undefined;
  return `Artifact Registry paths are <project>/<repository>/<image>, got "${repository}": set destination_namespace to <project>/<repository>`;
}

export function garEndpointWarnings(host: string, registryName: string): string[] {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (/^[a-z0-9-]+-docker\.pkg\.dev$/.test(h)) return [];
  return [
    `registries.${registryName}: ${host} does not look like an Artifact Registry endpoint (<location>-docker.pkg.dev)`,
  ];
}

export class GarStore extends HostedRegistryStore {
  constructor(o: Omit<HostedStoreOptions, 'provider' | 'container' | 'listHelp' | 'validate'>) {
    super({
      ...o,
      provider: 'gar',
      container: 'repository',
      listHelp: 'Artifact Registry lists repositories only through the Google Cloud API',
      validate: garPathProblem,
    });
  }
}

/**
 * Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com). Credentials come from the Docker config that
 * aws-actions/amazon-ecr-login (or `aws ecr get-login-password | docker login`) wrote. Repositories
 * must exist before a push and are listed explicitly.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
 */
import { HostedRegistryStore, type HostedStoreOptions } from './hosted.js';

const ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

export function ecrEndpointWarnings(host: string, registryName: string): string[] {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (ECR_HOST.test(h) || h === 'public.ecr.aws') return [];
  return [
    `registries.${registryName}: ${host} does not look like an ECR endpoint (<account id>.dkr.ecr.<region>.amazonaws.com)`,
  ];
}

export class EcrStore extends HostedRegistryStore {
  constructor(o: Omit<HostedStoreOptions, 'provider' | 'container' | 'listHelp'>) {
    super({
      ...o,
      provider: 'ecr',
      container: 'repository',
      listHelp: 'ECR lists repositories only through the AWS API (DescribeRepositories)',
    });
  }
}

/**
 * Alibaba Cloud Container Registry, personal (registry.<region>.aliyuncs.com,
 * crpi-<id>.<region>.personal.cr.aliyuncs.com) and enterprise (<instance>-registry.<region>.cr.aliyuncs.com).
 * No `_catalog`: repositories come from the explicit list. The namespace must exist before a push
 * ("namespace not found", shared/seeds/002): checked before any bytes move.
 * Endpoints: https://www.alibabacloud.com/help/en/acr/user-guide/obtain-the-endpoint-of-an-instance
 */
import { HostedRegistryStore, type HostedStoreOptions } from './hosted.js';

/** VPC and internal endpoints answer only inside Alibaba Cloud; GitHub-hosted runners cannot reach them. */
export function aliyunEndpointWarnings(host: string, registryName: string): string[] {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  const out: string[] = [];
  if (/(^|[.-])(vpc|internal)([.-])/.test(h))
    out.push(
      `registries.${registryName}: ${host} is an Aliyun VPC/internal endpoint, reachable only from inside Alibaba Cloud; GitHub-hosted runners cannot reach it — use the public endpoint (without -vpc/-internal) or a self-hosted runner in the VPC`,
    );
  else if (!/\.aliyuncs\.com$/.test(h))
    out.push(
      `registries.${registryName}: ${host} does not look like an Aliyun ACR endpoint (registry.<region>.aliyuncs.com, crpi-<id>.<region>.personal.cr.aliyuncs.com or <instance>-registry.<region>.cr.aliyuncs.com)`,
    );
  return out;
}

export class AliyunAcrStore extends HostedRegistryStore {
  constructor(o: Omit<HostedStoreOptions, 'provider' | 'container' | 'listHelp'>) {
    super({
      ...o,
      provider: 'aliyun-acr',
      container: 'namespace',
      listHelp: 'Aliyun ACR has no repository catalog on its registry API',
      // ACR deletes single tags with DELETE /v2/<repo>/manifests/<tag> (RELIABILITY F4).
      deletesByTag: o.deletesByTag ?? false,
    });
  }
}

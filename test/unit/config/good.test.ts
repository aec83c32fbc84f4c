import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';

const dir = join(import.meta.dirname, '../../fixtures/config/good');
const load = (name: string) => loadConfig(join(dir, name));

describe('good rules files load into the normalised Config', () => {
  test('seed 000: Harbor → Docker Hub, backend/**, namespace, event', async () => {
    const { config, warnings } = await load('000-harbor-to-dockerhub.yaml');
    // The seed's Harbor is plain http:// on a LAN address: its password would cross the network unencrypted.
    expect(warnings.map((w) => `${w.line}:${w.column} ${w.severity} ${w.path}: ${w.message}`)).toEqual([
      '8:10 warning registries.harbor.url: registry "harbor" sends its credentials unencrypted: http://10.2.2.40:5000 is plain HTTP, so anyone on the network between ferry and the registry can read them; use https:// (docker, too, talks plain HTTP only to a registry listed in its insecure-registries)',
    ]);
    expect(config.version).toBe(1);
    expect(config.registries.get('harbor')).toEqual({
      name: 'harbor',
      type: 'harbor',
      url: 'http://10.2.2.40:5000',
      credentials: { username: { value: 'admin' }, password: { env: 'HARBOR_PASSWORD' } },
      tls: { verify: true },
      line: 6,
    });
    expect(config.registries.get('dockerhub-public')).toMatchObject({
      type: 'dockerhub',
      url: 'https://hub.docker.com',
      credentials: { username: { env: 'DOCKERHUB_USERNAME' }, password: { env: 'DOCKERHUB_TOKEN' } },
    });
    expect(config.rules).toEqual([
      {
        name: 'to-dockerhub-auto',
        enabled: true,
        source: 'harbor',
        destination: 'dockerhub-public',
        filters: { name: ['backend/**'], tag: [], labels: {}, resource: 'image' },
        destinationNamespace: 'myorg',
        flattening: 1,
        override: true,
        deleteRemote: { enabled: false, max: 50, acknowledgeMatchAll: false },
        triggers: [{ kind: 'event' }, { kind: 'manual' }],
        concurrency: 4,
        platforms: [],
        referrers: true,
        maxBlobSize: 16 * 1024 ** 3,
        line: 19,
      },
    ]);
  });

  test('seed 001: Harbor → cluster registries with filters, flattening, delete_remote, override, tls', async () => {
    const { config, warnings } = await load('001-harbor-to-cluster-registry.yaml');
    expect(warnings).toEqual([]);
    expect(config.registries.get('harbor')!.credentials).toEqual({
      username: { dockerConfig: true },
      password: { dockerConfig: true },
    });
    expect(config.registries.get('cluster1-registry')).toMatchObject({
      url: 'https://cluster1-registry.example.com',
      tls: { verify: false },
      credentials: { password: { file: join(dir, 'secrets/cluster1-password') } },
    });
    expect(config.registries.get('cluster2-registry')).toMatchObject({
      url: 'https://cluster2-registry.example.com:5000',
      tls: { verify: true, caFile: join(dir, 'certs/cluster2-ca.pem') },
    });
    const [all, filtered] = config.rules;
    expect(all).toMatchObject({
      description: 'Sync every push to the cluster registry',
      filters: { name: ['**'], tag: ['**'], resource: 'all' },
      deleteRemote: { enabled: true, max: 20, acknowledgeMatchAll: true },
      triggers: [{ kind: 'event' }],
      override: true,
      concurrency: 8,
    });
    expect(all!.bandwidth).toBeUndefined();
    expect(all!.destinationNamespace).toBeUndefined();
    expect(filtered).toEqual({
      name: 'cluster2-registry-replication',
      enabled: true,
      source: 'harbor',
      destination: 'cluster2-registry',
      filters: {
        name: ['library/**', 'apps/**'],
        tag: ['prod-*', 'v[0-9]*', '!*-rc*'],
        labels: { 'org.opencontainers.image.vendor': 'acme', environment: 'production' },
        resource: 'image',
      },
      destinationNamespace: 'mirror',
      flattening: 0,
      override: false,
      deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: false },
      triggers: [{ kind: 'event' }, { kind: 'schedule', cron: '30 1 * * *' }],
      bandwidth: 50 * 1024 * 1024,
      concurrency: 8,
      platforms: ['linux/amd64', 'linux/arm64'],
      referrers: false,
      maxBlobSize: 16 * 1024 ** 3,
      line: 36,
    });
  });

  test('seed 002: Harbor → Aliyun ACR, nms4cloud-*, prod-*/v*, manual + schedule + event', async () => {
    const { config, warnings } = await load('002-harbor-to-aliyun-acr.yaml');
    expect(warnings).toEqual([]);
    expect(config.registries.get('aliyun-acr')).toEqual({
      name: 'aliyun-acr',
      type: 'aliyun-acr',
      url: 'https://crpi-xxx.cn-hangzhou.personal.cr.aliyuncs.com',
      credentials: {
        username: { value: 'your-username@aliyun.com' },
        password: { env: 'ALIYUN_ACR_PASSWORD' },
      },
      tls: { verify: true },
      repositories: ['lgy-images/nms4cloud-gateway', 'production/nms4cloud-gateway'],
      line: 12,
    });
    const [sync, prod, test_] = config.rules;
    expect(sync).toMatchObject({
      name: 'sync-to-aliyun',
      description: '同步镜像到阿里云',
      filters: { name: ['*/nms4cloud-*'], tag: ['prod-*', 'v*'] },
      destinationNamespace: 'lgy-images',
      triggers: [{ kind: 'manual' }, { kind: 'schedule', cron: '0 2 * * *' }, { kind: 'event' }],
    });
    expect(prod).toMatchObject({
      triggers: [{ kind: 'event' }],
      override: true,
      deleteRemote: { enabled: false },
    });
    expect(test_).toMatchObject({
      enabled: false,
      triggers: [{ kind: 'manual' }],
      deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: false },
      bandwidth: 500 * 1024,
    });
  });

  test('the full sketch: default urls, oci-layout path, flattening all, defaults for filters', async () => {
    const { config, warnings } = await load('full-sketch.yaml');
    expect(warnings).toEqual([]);
    expect(config.registries.get('hub')!.url).toBe('https://hub.docker.com');
    expect(config.registries.get('ghcr')).toMatchObject({
      url: 'https://ghcr.io',
      credentials: { username: { value: 'octocat' }, token: { env: 'GITHUB_TOKEN' } },
      options: { organization: 'acme' },
    });
    expect(config.registries.get('backup')).toEqual({
      name: 'backup',
      type: 'oci-layout',
      path: join(dir, 'backup'),
      tls: { verify: true },
      line: 9,
    });
    const [hub, ghcr, backup] = config.rules;
    expect(hub).toMatchObject({
      flattening: -1,
      filters: {
        resource: 'image',
        semver: '>=1.2 <2',
        latest: 5,
        labels: { 'org.opencontainers.image.vendor': 'acme' },
      },
      bandwidth: 10_000_000,
      maxBlobSize: 10 * 1024 ** 3,
      concurrency: 2,
    });
    expect(ghcr!.maxBlobSize).toBe(500_000_000);
    expect(ghcr!.filters.resource).toBe('all');
    expect(backup).toMatchObject({ triggers: [{ kind: 'schedule', cron: '15 3 * * 0' }], concurrency: 4 });
  });
});

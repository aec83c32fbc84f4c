/** The real-registry harness itself: three registry modes, fixtures pushed and read back with skopeo. */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout, type FixtureImage, type Layout } from '../support/oci-fixtures.js';
import { countRequests, type RegistryMode, type RunningRegistry, startRegistry } from '../support/registry-process.js';
import {
  dockerRef,
  inspectDigest,
  inspectRaw,
  listTags,
  refOptions,
  SkopeoError,
  seedImage,
  skopeoCopy,
} from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const THING_CONFIG = 'application/vnd.example.thing.config.v1+json';
const SBOM = 'application/vnd.example.sbom.v1+json';

interface Fixtures {
  image: FixtureImage;
  index: FixtureImage;
  artifact: FixtureImage;
  referrer: FixtureImage;
  dockerImage: FixtureImage;
  dockerList: FixtureImage;
}

let tmp: TempDir;
let layout: Layout;
let fx: Fixtures;

beforeAll(async () => {
  tmp = await createTempDir();
  layout = await createLayout(tmp.path);
  const image = layout.addImage({ tag: 'v1', layers: [2048, 1024], seed: 'harness-image' });
  fx = {
    image,
    index: layout.addIndex({
      tag: 'multi',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      layers: [1024],
    }),
    artifact: layout.addArtifact({ tag: 'thing', configMediaType: THING_CONFIG, layers: [512] }),
    referrer: layout.addReferrer({ subject: image, artifactType: SBOM, tag: 'v1-sbom' }),
    dockerImage: layout.addImage({ tag: 'docker-v1', layers: [1024], format: 'docker' }),
    dockerList: layout.addIndex({
      tag: 'docker-multi',
      platforms: [{ os: 'linux', architecture: 'amd64' }],
      layers: [512],
      format: 'docker',
    }),
  };
  layout.write();
});

afterAll(async () => {
  await tmp?.remove();
});

it('builds the same fixtures from the same seeds', async () => {
  const again = await createTempDir();
  try {
    const twin = await createLayout(again.path);
    const image = twin.addImage({ tag: 'v1', layers: [2048, 1024], seed: 'harness-image' });
    expect(image.digest).toBe(fx.image.digest);
    expect(twin.addImage({ tag: 'v1', layers: [2048, 1024], seed: 'other' }).digest).not.toBe(image.digest);
    expect(fx.index.children?.map((c) => c.descriptor.platform?.architecture)).toEqual(['amd64', 'arm64']);
    expect(fx.referrer.raw.toString()).toContain(fx.image.digest);
  } finally {
    await again.remove();
  }
});

describe.each<RegistryMode>(['anonymous', 'basic', 'token'])('%s registry', (mode) => {
  let reg: RunningRegistry;

  beforeAll(async () => {
    reg = await startRegistry({ mode });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('stores every fixture byte-for-byte', async () => {
    const cases: [keyof Fixtures, string][] = [
      ['image', 'app:v1'],
      ['index', 'app:multi'],
      ['artifact', 'things:thing'],
      ['referrer', 'app:v1-sbom'],
      ['dockerImage', 'legacy:v1'],
      ['dockerList', 'legacy:multi'],
    ];
    for (const [name, target] of cases) {
      const f = fx[name];
      await seedImage(layout.dir, f.tag!, reg, target);
      const raw = await inspectRaw(dockerRef(reg, target), refOptions(reg));
      expect(raw.equals(f.raw), `${name} bytes`).toBe(true);
      expect(await inspectDigest(dockerRef(reg, target), refOptions(reg))).toBe(f.digest);
    }
    for (const child of fx.index.children ?? []) {
      const ref = dockerRef(reg, `app@${child.digest}`);
      expect(await inspectDigest(ref, refOptions(reg))).toBe(child.digest);
    }
    expect((await listTags(dockerRef(reg, 'app'), refOptions(reg))).sort()).toEqual(['multi', 'v1', 'v1-sbom']);
    expect(await countRequests(reg, /"PUT \/v2\/app\/manifests\/v1 /)).toBe(1);
  });

  it.runIf(mode === 'basic')('rejects a wrong password', async () => {
    const err = await inspectRaw(dockerRef(reg, 'app:v1'), {
      ...refOptions(reg),
      creds: 'ferry:wrong',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SkopeoError);
    expect((err as SkopeoError).stderr).toMatch(/unauthorized|authentication required/i);
    expect(await countRequests(reg, /"GET \/v2\/app\/manifests\/v1 HTTP\/1\.1" 401 /)).toBeGreaterThan(0);
  });

  it.runIf(mode === 'token')('refuses anonymous pulls and pushes by reader', async () => {
    await seedImage(layout.dir, 'v1', reg, 'guarded:v1');
    const anon = await inspectRaw(dockerRef(reg, 'guarded:v1'), refOptions(reg, null)).catch((e) => e);
    expect(anon).toBeInstanceOf(SkopeoError);

    // reader may pull…
    expect(await inspectDigest(dockerRef(reg, 'guarded:v1'), refOptions(reg, 'reader'))).toBe(fx.image.digest);
    // …but not push.
    const push = await seedImage(layout.dir, 'v1', reg, 'guarded:from-reader', 'reader').catch((e) => e);
    expect(push).toBeInstanceOf(SkopeoError);
    await expect(listTags(dockerRef(reg, 'guarded'), refOptions(reg))).resolves.toEqual(['v1']);

    const requests = reg.tokenServer!.requests;
    const denied = requests.find(
      (r) => r.user === 'reader' && r.requested.some((s) => s.name === 'guarded' && s.actions.includes('push')),
    );
    expect(denied, 'reader asked for push').toBeDefined();
    expect(denied!.granted.flatMap((s) => s.actions)).not.toContain('push');
    const anonReq = requests.find((r) => r.user === '' && r.requested.some((s) => s.name === 'guarded'));
    expect(anonReq?.granted).toEqual([]);
  });

  it.runIf(mode === 'token')('rejects a wrong password at the token server', async () => {
    const before = reg.tokenServer!.requests.length;
    const err = await inspectRaw(dockerRef(reg, 'app:v1'), {
      ...refOptions(reg),
      creds: 'ferry:wrong',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SkopeoError);
    const after = reg.tokenServer!.requests.slice(before);
    expect(after.some((r) => r.user === 'ferry' && r.status === 401)).toBe(true);
  });

  it.runIf(mode === 'token')('grants the catalog scope to ferry only', async () => {
    const ts = reg.tokenServer!;
    const ca = await readFile(reg.caFile!, 'utf8');
    const catalogAs = async (user: string) => {
      const basic = Buffer.from(`${user}:${reg.users[user]}`).toString('base64');
      const tokenUrl = `${ts.url}/token?service=ferry-test-registry&scope=registry:catalog:*`;
      const tok = await getJson(tokenUrl, ca, { authorization: `Basic ${basic}` });
      expect(tok.status).toBe(200);
      const token = (tok.body as { token: string }).token;
      return getJson(`${reg.url}/v2/_catalog`, ca, { authorization: `Bearer ${token}` });
    };
    const ferry = await catalogAs('ferry');
    expect(ferry.status).toBe(200);
    expect((ferry.body as { repositories: string[] }).repositories).toContain('app');
    expect((await catalogAs('reader')).status).toBe(401);
    expect(ts.requests.at(-1)).toMatchObject({ user: 'reader', granted: [] });
  });

  it('copies back into an OCI layout with identical digests', async () => {
    const out = await createTempDir();
    try {
      await skopeoCopy(dockerRef(reg, 'app:multi'), `oci:${out.path}:multi`, {
        all: true,
        srcCreds: refOptions(reg).creds,
        srcCertDir: reg.certDir,
        srcTlsVerify: reg.mode !== 'anonymous',
      });
      expect((await inspectRaw(`oci:${out.path}:multi`)).equals(fx.index.raw)).toBe(true);
    } finally {
      await out.remove();
    }
  });
});

/** GET over TLS trusting `ca`; resolves status and parsed JSON body. */
function getJson(url: string, ca: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

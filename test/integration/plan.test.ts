/**
 * `ferry plan` against real registries (distribution 2.8.2): anonymous HTTP source, htpasswd
 * TLS destination with the password from an environment variable. One repository holds a
 * missing, a changed, an unchanged, an excluded and two extra tags (one in the rule's scope).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planCommand } from '../../src/cli/commands/plan.js';
import { loadConfig } from '../../src/config/index.js';
import type { PlanItem } from '../../src/plan/types.js';
import { runConfig } from '../../src/replicate/run.js';
import { renderPlanText } from '../../src/report/plan-comment.js';
import { createLayout, type Layout } from '../support/oci-fixtures.js';
import { countRequests, type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectDigest, refOptions, seedImage } from '../support/skopeo.js';
import { captureConsole } from '../support/console.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const PW_ENV = 'FERRY_TEST_PW';
let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;
let layout: Layout;
const digests: Record<string, string> = {};

async function writeConfig(name: string, override: boolean): Promise<string> {
  const file = join(tmp.path, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1
registries:
  src:
    type: registry
    url: ${src.url}
  dst:
    type: registry
    url: ${dst.url}
    tls: { ca: ${dst.caFile} }
    credentials: { username: ferry, password: { env: ${PW_ENV} } }
rules:
  - name: release
    source: src
    destination: dst
    filters:
      name: "team/**"
      tag: ["v*", "!*-rc*"]
    destination_namespace: mirror
    override: ${override}
    delete_remote: { enabled: true, max: 10 }
`,
  );
  return file;
}

beforeAll(async () => {
  tmp = await createTempDir('ferry-plan-');
  [src, dst] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'basic' })]);
  process.env[PW_ENV] = dst.users.ferry;
  layout = await createLayout(join(tmp.path, 'layout'));
  for (const seed of ['one', 'two', 'two-old', 'three', 'four-rc', 'zero', 'nightly'])
    digests[seed] = layout.addImage({ tag: seed, layers: [1024], seed: `plan-${seed}` }).digest;
  const push = (reg: RunningRegistry, seed: string, ref: string) => seedImage(layout.dir, seed, reg, ref);
  await Promise.all([
    push(src, 'one', 'team/app:v1'), // unchanged
    push(src, 'two', 'team/app:v2'), // changed
    push(src, 'three', 'team/app:v3'), // missing at the destination
    push(src, 'four-rc', 'team/app:v4-rc1'), // excluded by "!*-rc*"
  ]);
  await push(dst, 'one', 'mirror/app:v1');
  await push(dst, 'two-old', 'mirror/app:v2');
  await push(dst, 'zero', 'mirror/app:v0'); // extra, inside the rule's tag filter
  await push(dst, 'nightly', 'mirror/app:nightly'); // extra, outside it
});

afterAll(async () => {
  delete process.env[PW_ENV];
  vi.restoreAllMocks();
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

let sentinel = 0;
/** Requests matching `pattern` once the registry has logged everything sent so far (a sentinel request's line is there). */
async function writes(reg: RunningRegistry, pattern: RegExp): Promise<number> {
  const name = `sentinel${++sentinel}x`;
  const url = `${reg.url}/v2/${name}/tags/list`;
  const ca = reg.caFile ? await readFile(reg.caFile, 'utf8') : undefined;
  await new Promise<void>((resolve, reject) => {
    const req = ca ? httpsRequest(url, { ca }) : httpRequest(url);
    req
      .on('response', (res) => res.resume().on('end', resolve))
      .on('error', reject)
      .end();
  });
  const seen = new RegExp(`/v2/${name}/`);
  for (let i = 0; i < 400 && (await countRequests(reg, seen)) === 0; i++) await new Promise((r) => setImmediate(r));
  expect(await countRequests(reg, seen)).toBe(1);
  return countRequests(reg, pattern);
}

const byTag = (items: PlanItem[]) => Object.fromEntries(items.map((i) => [i.tag, i]));

describe('ferry plan against the real registries', () => {
  it('plans copy, update, unchanged and delete; excluded and out-of-scope tags are absent', async () => {
    const { config } = await loadConfig(await writeConfig('override-on', true));
    const { plan, report } = await runConfig(config, { dryRun: true, command: 'plan' });
    expect(report.ruleErrors).toEqual([]);
    const items = byTag(plan.rules[0]!.items);
    expect(Object.keys(items).sort()).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(items.v3).toMatchObject({
      action: 'copy',
      destinationRepository: 'mirror/app',
      sourceDigest: digests.three,
    });
    expect(items.v2).toMatchObject({
      action: 'update',
      sourceDigest: digests.two,
      destinationDigest: digests['two-old'],
    });
    expect(items.v1).toMatchObject({ action: 'unchanged', sourceDigest: digests.one, destinationDigest: digests.one });
    expect(items.v0).toMatchObject({ action: 'delete', destinationDigest: digests.zero });
    expect(items['v4-rc1']).toBeUndefined();
    expect(items.nightly).toBeUndefined();

    const text = renderPlanText(plan);
    expect(text).toMatch(/copy\s+mirror\/app:v3/);
    expect(text).toMatch(/update\s+mirror\/app:v2/);
    expect(text).toMatch(/delete\s+mirror\/app:v0/);
    expect(text).toMatch(/= 1 unchanged/);
    expect(text).toMatch(/\+1 copy · ~1 update · -1 delete · =1 unchanged · !0 kept/);
    expect(text).not.toMatch(/v4-rc1|nightly/);
  });

  it('with override off the changed tag is kept, not updated', async () => {
    const { config } = await loadConfig(await writeConfig('override-off', false));
    const { plan } = await runConfig(config, { dryRun: true, command: 'plan' });
    const items = byTag(plan.rules[0]!.items);
    expect(items.v2).toMatchObject({ action: 'kept', reason: expect.stringMatching(/override is off/) });
    expect(items.v3?.action).toBe('copy');
    expect(renderPlanText(plan)).toMatch(/kept\s+mirror\/app:v2/);
  });

  it('the CLI prints the plan, exits 0, and writes nothing to either registry', async () => {
    const file = await writeConfig('cli', true);
    const WRITES = /"(PUT|POST|PATCH|DELETE) \/v2\//;
    const before = [await writes(src, WRITES), await writes(dst, WRITES)];
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    let code: number;
    try {
      code = await planCommand({ config: file, rule: [] });
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const out = lines.join('\n');
    expect(code, out).toBe(0);
    expect(out).toMatch(/rule release/);
    expect(out).toMatch(/copy\s+mirror\/app:v3/);
    expect(out).toMatch(/update\s+mirror\/app:v2/);
    expect(out).toMatch(/delete\s+mirror\/app:v0/);
    expect(out).toMatch(/Plan only: nothing was copied or deleted\./);
    expect(out).not.toContain(dst.users.ferry!); // the password never reaches the output
    expect([await writes(src, WRITES), await writes(dst, WRITES)]).toEqual(before);
    // the destination is exactly as before
    const at = (ref: string) => inspectDigest(dockerRef(dst, ref), refOptions(dst));
    expect(await at('mirror/app:v2')).toBe(digests['two-old']);
    expect(await at('mirror/app:v0')).toBe(digests.zero);
  });
  it('the CLI exits 1 when a source tag cannot be read, as `ferry run` and the action do', async () => {
    // A tag whose manifest is gone from the source's storage: listed, but not readable.
    const digest = layout.addImage({ tag: 'lost', layers: [512], seed: 'plan-lost' }).digest;
    await seedImage(layout.dir, 'lost', src, 'other/lost:v1');
    const hex = digest.replace('sha256:', '');
    await rm(join(dirname(src.logFile), `data/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}`), {
      recursive: true,
      force: true,
    });
    const file = join(tmp.path, 'lost.yaml');
    await writeFile(
      file,
      (await readFile(await writeConfig('lost-base', true), 'utf8')).replace('name: "team/**"', 'name: "other/**"'),
    );
    const { result: code, out, err } = await captureConsole(() => planCommand({ config: file, rule: [] }));
    expect(out + err).toMatch(/unreadable +mirror\/lost:v1/);
    expect(code, out + err).toBe(1);
    // The last word says why it exits 1 (before: the totals and "Plan only", then nothing).
    expect(err.trimEnd().split('\n').at(-1)).toBe(
      'ferry plan: a run would fail: 1 tag unreadable (each is shown in its rule above)',
    );
  });
});

/**
 * A repository named under a registry's `repositories:` that lists no tags, against a real
 * distribution 2.8.2: a misspelt name answers like an empty repository, so the run says so.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient } from '../../src/registry/client.js';
import { runRule } from '../../src/replicate/rule.js';
import { testRule } from '../support/engine.js';
import { MemoryStore } from '../support/memory-store.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

let reg: RunningRegistry;
const stores: RegistryStore[] = [];
const storeOn = (repositories?: string[]) => {
  const s = new RegistryStore({
    name: 'src',
    client: new RegistryClient({ registry: reg.host, baseUrl: reg.url }),
    ...(repositories ? { repositories } : {}),
  });
  stores.push(s);
  return s;
};

beforeAll(async () => {
  reg = await startRegistry({ mode: 'anonymous', logLevel: 'warn' });
  // team/app exists at the source; team/ap does not.
  const seed = new MemoryStore('seed');
  seed.putImage('team/app', [Buffer.from('app v1')], { tag: 'v1' });
  await runRule(testRule(), seed, storeOn(), { dryRun: false, concurrency: 1, blobConcurrency: 1 });
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await reg?.stop();
});

test('a configured repository that lists no tags is a warning naming it; the others are copied', async () => {
  const dst = new MemoryStore('dst');
  const out = await runRule(testRule(), storeOn(['team/app', 'team/ap']), dst, {
    dryRun: false,
    concurrency: 1,
    blobConcurrency: 1,
  });
  expect(out.results.map((r) => `${r.tag}:${r.status}`)).toEqual(['v1:copied']);
  expect(out.plan.warnings).toContainEqual(
    expect.stringMatching(/^127\.0\.0\.1:\d+\/team\/ap lists no tags: it is named under the registry's repositories:/),
  );
  expect(out.plan.warnings.filter((w) => w.includes('team/app'))).toEqual([]);
});

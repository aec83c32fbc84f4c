/**
 * A source registry's repository listing is asked once per run, however many rules read it, and
 * asked again after a rule of the run wrote into that registry: a later rule reading it as its
 * source sees the repositories the run made there. Real registries (distribution 2.8.2); the
 * source's requests are counted by the fault proxy in front of it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { runConfig } from '../../src/replicate/run.js';
import { discoverUnits } from '../../src/replicate/units.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createLayout } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

let tmp: TempDir;
let src: RunningRegistry;
let mid: RunningRegistry;
let dst: RunningRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  tmp = await createTempDir('ferry-catalogs-');
  [src, mid, dst] = await Promise.all([
    startRegistry({ mode: 'anonymous' }),
    startRegistry({ mode: 'anonymous' }),
    startRegistry({ mode: 'anonymous' }),
  ]);
  proxy = await startFaultProxy({ target: src.url });
  const layout = await createLayout(join(tmp.path, 'layout'));
  layout.addImage({ tag: 'v1', layers: [256], seed: 'catalogs-v1' });
  layout.write();
  await Promise.all([seedImage(layout.dir, 'v1', src, 'apps/a:v1'), seedImage(layout.dir, 'v1', src, 'apps/b:v1')]);
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([src?.stop(), mid?.stop(), dst?.stop()]);
  await tmp?.remove();
});

test('two rules from one source list its repositories once; a rule after one that wrote into a registry lists it again', async () => {
  const file = join(tmp.path, 'replication.yaml');
  await writeFile(
    file,
    `version: 1
registries:
  src: { type: registry, url: ${proxy.url} }
  mid: { type: registry, url: ${mid.url} }
  dst: { type: registry, url: ${dst.url} }
rules:
  - { name: mid-first, source: mid, destination: dst, destination_namespace: before }
  - { name: a, source: src, destination: mid, filters: { name: apps/a } }
  - { name: b, source: src, destination: mid, filters: { name: apps/b } }
  - { name: mid-after, source: mid, destination: dst, destination_namespace: after }
`,
  );
  const { config } = await loadConfig(file);
  // The matrix job's discovery, then the run: each lists the source once.
  const discovered = await discoverUnits(config, { weights: false });
  expect(discovered.units.filter((u) => u.rule === 'a' || u.rule === 'b')).toHaveLength(2);
  expect(proxy.countBy('GET', '/v2/_catalog')).toBe(1);
  const { report } = await runConfig(config, { dryRun: false });

  expect(report.ruleErrors).toEqual([]);
  expect(proxy.countBy('GET', '/v2/_catalog')).toBe(2);
  // mid was empty when mid-first listed it; mid-after sees what rules a and b wrote there.
  expect(report.results.filter((r) => r.rule === 'mid-after').map((r) => `${r.status} ${r.destination}`)).toEqual([
    `copied ${dst.host}/after/a:v1`,
    `copied ${dst.host}/after/b:v1`,
  ]);
});

/**
 * A pull request's plan reads a registry whose definition it changed without the credentials it
 * has. When that registry is another rule's source, what that rule writes into a shared
 * destination is not known in the plan: the plan says so, and that the merge run decides the
 * deletions there. Real registries (distribution 2.8.2): the other source needs basic auth.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { runConfig } from '../../src/replicate/run.js';
import { createLayout } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const PW_ENV = 'FERRY_IT_WITHHELD_PW';
let tmp: TempDir;
let pub: RunningRegistry;
let priv: RunningRegistry;
let dst: RunningRegistry;

beforeAll(async () => {
  tmp = await createTempDir('ferry-withheld-');
  [pub, priv, dst] = await Promise.all([
    startRegistry({ mode: 'anonymous' }),
    startRegistry({ mode: 'basic' }),
    startRegistry({ mode: 'anonymous' }),
  ]);
  process.env[PW_ENV] = priv.users.ferry!;
  const layout = await createLayout(join(tmp.path, 'layout'));
  layout.addImage({ tag: 'v1', layers: [256], seed: 'withheld-v1' });
  layout.addImage({ tag: 'v0', layers: [256], seed: 'withheld-v0' });
  layout.write();
  await Promise.all([
    seedImage(layout.dir, 'v1', pub, 'team/app:a1', null),
    seedImage(layout.dir, 'v1', priv, 'ops/app:b1'),
    // At the mirror: what rule a copied, and a0, gone from its source since.
    seedImage(layout.dir, 'v1', dst, 'm/app:a1', null),
    seedImage(layout.dir, 'v0', dst, 'm/app:a0', null),
  ]);
});

afterAll(async () => {
  await Promise.all([pub?.stop(), priv?.stop(), dst?.stop()]);
  await tmp?.remove();
});

test("another rule's source read without its credentials: the plan says the merge run decides, not that the source failed", async () => {
  const file = join(tmp.path, 'replication.yaml');
  await writeFile(
    file,
    `version: 1
registries:
  pub: { type: registry, url: ${pub.url} }
  priv:
    type: registry
    url: ${priv.url}
    tls: { ca: ${priv.caFile} }
    credentials: { username: ferry, password: { env: ${PW_ENV} } }
  dst: { type: registry, url: ${dst.url} }
rules:
  - { name: a, source: pub, destination: dst, destination_namespace: m, filters: { name: "team/**" }, delete_remote: { enabled: true, max: 10 } }
  - { name: b, source: priv, destination: dst, destination_namespace: m, filters: { name: "ops/**" } }
`,
  );
  const { config } = await loadConfig(file);
  const plan = await runConfig(config, { dryRun: true, rules: ['a'], anonymousRegistries: new Set(['priv']) });
  const a0 = plan.report.results.find((r) => r.tag === 'a0');
  expect(a0?.status).not.toBe('would-delete');
  expect(a0?.reason).toMatch(
    /its source priv needs the credentials this pull request holds back, so what it writes in m\/app is not known here: no deletion is planned there now; the run after the merge, with the credentials, decides them/,
  );

  // With its credentials (the run after the merge) the other rule's tags are known, and a0 goes.
  const run = await runConfig(config, { dryRun: true, rules: ['a'] });
  expect(run.report.results.find((r) => r.tag === 'a0')?.status).toBe('would-delete');
});

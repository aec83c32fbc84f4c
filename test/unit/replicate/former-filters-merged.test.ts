/**
 * The warning of a change that narrows a rule's filters, where several sources map onto one
 * destination repository: each source sees every tag of it, so a per-source count told one tag
 * twice, and a tag another source still selects as left behind (review).
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runConfig } from '../../../src/replicate/run.js';
import { dirPerTest } from '../../support/engine.js';
import { putLayoutImage } from '../../support/layout-image.js';

const tmp = dirPerTest('ferry-former-merged-');

test('a merged destination repository is not told of as left behind by each of its sources', async () => {
  const d = tmp();
  const src = new OciLayoutStore('src', join(d, 'src'));
  for (const repo of ['team/app', 'ops/app']) await putLayoutImage(src, repo, 'v0');
  await putLayoutImage(src, 'team/app', 'v1');
  const dst = new OciLayoutStore('dst', join(d, 'dst'));
  await putLayoutImage(dst, 'm/app', 'v0');
  const rules = (tag: string) =>
    parseConfig(
      `version: 1
registries:
  src: { type: oci-layout, path: ${join(d, 'src')} }
  dst: { type: oci-layout, path: ${join(d, 'dst')} }
rules:
  - { name: r, source: src, destination: dst, destination_namespace: m, filters: { tag: ["${tag}"] } }
`,
      join(d, 'replication.yaml'),
    ).config!;
  const { plan } = await runConfig(rules('v1'), {
    dryRun: true,
    formerFilters: new Map([['r', rules('*').rules[0]!.filters]]),
  });
  // Before: "selected 2 tags still at the destination … (m/app:v0, m/app:v0)".
  expect(plan.rules[0]!.warnings.filter((w) => w.includes('before this change'))).toEqual([]);
});

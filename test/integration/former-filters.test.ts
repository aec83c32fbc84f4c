/**
 * A change that narrows a rule's filters leaves what they no longer select at the destination:
 * ferry updates and deletes only what a rule's filters select. Before, the plan of such a change
 * said nothing of it; it now names those repositories and tags, against a real registry
 * (distribution 2.8.2), and not the tags its deletions take.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { Filters } from '../../src/config/types.js';
import { runConfig } from '../../src/replicate/run.js';
import { createLayout } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import { registriesAt } from '../support/rules-file.js';

let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;

/** The file with one rule `r` and these filters (YAML flow mapping) and delete_remote. */
async function rules(filters: string, deletes = false) {
  const file = join(tmp.path, 'replication.yaml');
  await writeFile(
    file,
    `${registriesAt(src, dst)}rules:
  - name: r
    source: src
    destination: dst
    filters: ${filters}
    delete_remote: { enabled: ${deletes}, max: 10 }
`,
  );
  return (await loadConfig(file)).config;
}

let everything: Filters;

beforeAll(async () => {
  tmp = await createTempDir('ferry-former-');
  [src, dst] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
  const layout = await createLayout(join(tmp.path, 'layout'));
  for (const t of ['a', 'b', 'c']) layout.addImage({ tag: t, layers: [256], seed: `former-${t}` });
  layout.write();
  await Promise.all([
    seedImage(layout.dir, 'a', src, 'apps/api:v1.0.0'),
    seedImage(layout.dir, 'b', src, 'apps/api:v2.0.0'),
    seedImage(layout.dir, 'c', src, 'apps/api:dev'),
    seedImage(layout.dir, 'a', src, 'tools/cli:v1.0.0'),
  ]);
  const all = await rules('{ name: "**" }');
  everything = all.rules[0]!.filters;
  const copied = await runConfig(all, { dryRun: false });
  expect(copied.report.totals.copied).toBe(4);
}, 120_000);

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

describe('narrowed filters', () => {
  it('name the repositories and tags they leave at the destination', async () => {
    const narrowed = await rules('{ name: "apps/**", tag: ["v2*"] }');
    const { plan, report } = await runConfig(narrowed, {
      dryRun: true,
      command: 'plan',
      formerFilters: new Map([['r', everything]]),
    });
    expect(report.ruleErrors).toEqual([]);
    expect(plan.rules[0]!.warnings).toEqual([
      `the name filter before this change selected 1 source repository that it no longer selects (tools/cli): their copies at ${dst.url.replace(/^https?:\/\//, '')} stay as they are, neither updated nor deleted; delete them there by hand if they should go`,
      "the filters before this change selected 2 tags still at the destination that these filters do not (apps/api:dev, apps/api:v1.0.0): they stay as they are, neither updated nor deleted (ferry updates and deletes only the tags a rule's filters select); delete them there by hand if they should go",
    ]);
    // The same rule without the former filters (a scheduled run) says nothing of them.
    const plain = await runConfig(narrowed, { dryRun: true, command: 'plan' });
    expect(plain.plan.rules[0]!.warnings).toEqual([]);
  });

  it('leave out what the narrowed rule deletes: its rows say so', async () => {
    const latest = await rules('{ name: "**", tag: ["v*"], latest: 1 }', true);
    const { plan } = await runConfig(latest, {
      dryRun: true,
      command: 'plan',
      formerFilters: new Map([['r', everything]]),
    });
    const deletions = plan.rules[0]!.items.filter((i) => i.action === 'delete');
    expect(deletions.map((i) => `${i.destinationRepository}:${i.tag}`)).toEqual(['apps/api:v1.0.0']);
    expect(plan.rules[0]!.warnings).toContainEqual(
      expect.stringMatching(
        /^the filters before this change selected 1 tag still at the destination that these filters do not \(apps\/api:dev\): it stays as it is/,
      ),
    );
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runConfig } from '../../../src/replicate/run.js';
import { parseReport, serializeReport } from '../../../src/report/json.js';
import { putLayoutImage } from '../../support/layout-image.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-warnings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const image = putLayoutImage;

test('run reports the warnings plan gives: in its result and in report.json', async () => {
  await image(new OciLayoutStore('src', join(dir, 'src')), 'team/app', 'dev');
  await image(new OciLayoutStore('dst', join(dir, 'dst')), 'mirror/app', 'v1');
  const file = join(dir, 'replication.yaml');
  await writeFile(
    file,
    `version: 1
registries:
  src: { type: oci-layout, path: ./src }
  dst: { type: oci-layout, path: ./dst }
rules:
  - name: releases
    source: src
    destination: dst
    filters: { name: "team/**", tag: ["v*"] }
    destination_namespace: mirror
    delete_remote: { enabled: true, max: 5 }
`,
  );
  const { config } = await loadConfig(file);
  const planned = await runConfig(config, { dryRun: true });
  const ran = await runConfig(config, { dryRun: false });
  expect(planned.plan.rules[0]!.warnings.length).toBeGreaterThan(0);
  expect(ran.report.warnings).toEqual(
    planned.plan.rules[0]!.warnings.map((message) => ({ rule: 'releases', message })),
  );
  expect(ran.report.warnings).toContainEqual({
    rule: 'releases',
    message: expect.stringMatching(
      /no deletions in mirror\/app: the source has no tags matching the rule \(team\/app\); 1 tag left in place/,
    ),
  });
  expect(parseReport(serializeReport(ran.report)).warnings).toEqual(ran.report.warnings);
  // v1 stays: the source listed no v* tag, which is no reason to delete.
  expect(await new OciLayoutStore('dst', join(dir, 'dst')).manifestHead('mirror/app', 'v1')).toBeDefined();
});

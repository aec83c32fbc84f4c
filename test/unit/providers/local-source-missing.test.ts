/**
 * A local registry a rule reads from (an oci-archive, docker-archive or oci-layout path) that does
 * not exist fails that rule, naming the registry and the path, instead of a green run that copied
 * nothing; as a destination it is still created. A registry one rule writes and a later rule reads
 * is fine in one run (rules run in file order); read before it is written, the reading rule fails.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { openArchive } from '../../../src/providers/archive-store.js';
import { MissingSourceError, OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runConfig } from '../../../src/replicate/run.js';
import { verdict } from '../../../src/report/outcome.js';
import { putLayoutImage } from '../../support/layout-image.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-missing-source-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes replication.yaml in `dir` and loads it: the config and the warnings validate prints. */
async function rules(text: string) {
  const file = join(dir, 'replication.yaml');
  await writeFile(file, `version: 1\n${text}`);
  return loadConfig(file);
}

/** A path as the error shows it: from the working directory, then resolved; resolved alone outside it. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return !rel || rel.startsWith('..') || isAbsolute(rel) ? path : `${rel} (${path})`;
};

const registries = `registries:
  src: { type: oci-layout, path: ./src }
  out: { type: oci-layout, path: ./out }
  arc: { type: oci-archive, path: transfer/imagse.tar }
  lay: { type: oci-layout, path: ./no-such-dir }
`;

describe('a source path that does not exist', () => {
  test.each([
    ['arc', 'oci-archive', 'transfer/imagse.tar'],
    ['lay', 'oci-layout', 'no-such-dir'],
  ])('%s (%s): run and plan fail the rule, naming the registry and both paths', async (name, type, path) => {
    const { config, warnings } = await rules(
      `${registries}rules:\n  - { name: import, source: ${name}, destination: out }\n`,
    );
    // Merely missing is no validate warning: the archive usually arrives by a step validation does
    // not run (a download-artifact), so a correct file would warn on every pull request.
    expect(warnings).toEqual([]);
    for (const dryRun of [false, true]) {
      const { report } = await runConfig(config, { dryRun });
      expect(report.results).toEqual([]);
      expect(report.ruleErrors).toHaveLength(1);
      expect(report.ruleErrors[0]!.rule).toBe('import');
      expect(report.ruleErrors[0]!.message).toContain(
        `registries.${name}: ${type} path ${shown(join(dir, path))} does not exist, and this rule reads from it: check \`path:\``,
      );
      // Not "nothing selected" and exit 0: the step fails.
      expect(verdict(report)).toMatchObject({ status: 'failed', failsStep: true });
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  test('an oci-layout path that is a file is no directory of repositories', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(new OciLayoutStore('lay', join(dir, 'file')).listRepositories()).rejects.toThrow(
      `registries.lay: oci-layout path ${shown(join(dir, 'file'))} is not a directory, and this rule reads from it`,
    );
  });

  test('an archive or layout that does not exist is still a destination: it is created', async () => {
    await putLayoutImage(new OciLayoutStore('src', join(dir, 'src')), 'acme/app', 'v1');
    const { config, warnings } = await rules(`${registries}rules:
  - { name: to-arc, source: src, destination: arc }
  - { name: to-lay, source: src, destination: lay }
`);
    expect(warnings).toEqual([]);
    const { report } = await runConfig(config, { dryRun: false });
    expect(report.ruleErrors).toEqual([]);
    expect(report.results.map((r) => `${r.rule} ${r.status}`)).toEqual(['to-arc copied', 'to-lay copied']);
    expect(existsSync(join(dir, 'transfer/imagse.tar'))).toBe(true);
    expect(await new OciLayoutStore('lay', join(dir, 'no-such-dir')).listTags('acme/app')).toEqual(['v1']);
  });
});

describe('validate: a source path a typo away from one that exists', () => {
  test('a warning at the path with the name that exists, naming the rule; none once it is right', async () => {
    await mkdir(join(dir, 'transfer'));
    await writeFile(join(dir, 'transfer', 'images.tar'), '');
    const { warnings } = await rules(`${registries}rules:\n  - { name: import, source: arc, destination: out }\n`);
    expect(warnings.map((w) => `${w.line}:${w.column}: ${w.path}: ${w.message}`)).toEqual([
      `5:35: registries.arc.path: transfer/imagse.tar (${join(dir, 'transfer/imagse.tar')}) does not exist, but transfer/images.tar does: did you mean "transfer/images.tar"? Rule "import" (line 8) reads from it, and fails while it is missing`,
    ]);
    // Only for a registry a rule reads before any rule writes it.
    const written = await rules(`${registries}rules:
  - { name: export, source: src, destination: arc }
  - { name: import, source: arc, destination: out }
`);
    expect(written.warnings).toEqual([]);
  });
});

describe('one registry written by one rule and read by another in the same run', () => {
  const both = (first: string, second: string) => `${registries}rules:
  ${first}
  ${second}
`;
  const exportRule = '- { name: export, source: src, destination: arc }';
  const importRule = '- { name: import, source: arc, destination: out }';

  test('written first: the later rule reads what the earlier one wrote, and validate says nothing', async () => {
    await putLayoutImage(new OciLayoutStore('src', join(dir, 'src')), 'acme/app', 'v1');
    const { config, warnings } = await rules(both(exportRule, importRule));
    expect(warnings).toEqual([]);
    const { report } = await runConfig(config, { dryRun: false });
    expect(report.ruleErrors).toEqual([]);
    expect(report.results.map((r) => `${r.rule} ${r.status}`)).toEqual(['export copied', 'import copied']);
    expect(await new OciLayoutStore('out', join(dir, 'out')).listTags('acme/app')).toEqual(['v1']);
  });

  test('a plan reads what the earlier rule plans to write there, as the run then reads it', async () => {
    await putLayoutImage(new OciLayoutStore('src', join(dir, 'src')), 'acme/app', 'v1');
    const { config } = await rules(both(exportRule, importRule));
    const { report } = await runConfig(config, { dryRun: true });
    // Before: the import rule failed, "a dry run writes nothing, so there is nothing to list yet".
    expect(report.ruleErrors).toEqual([]);
    expect(report.results.map((r) => `${r.rule} ${r.status}`)).toEqual(['export would-copy', 'import would-copy']);
    expect(existsSync(join(dir, 'transfer/imagse.tar'))).toBe(false);
    const run = await runConfig(config, { dryRun: false });
    expect(run.report.results.map((r) => `${r.rule} ${r.status}`)).toEqual(['export copied', 'import copied']);
    expect(run.report.results.map((r) => r.sourceDigest)).toEqual(report.results.map((r) => r.sourceDigest));
  });

  test('read before it is written (file order): the reading rule fails, the writing rule still writes it', async () => {
    await putLayoutImage(new OciLayoutStore('src', join(dir, 'src')), 'acme/app', 'v1');
    const { config } = await rules(both(importRule, exportRule));
    const { report } = await runConfig(config, { dryRun: false });
    expect(report.ruleErrors.map((e) => e.rule)).toEqual(['import']);
    // The action annotates it at the registry's entry, where its path is mended.
    expect(report.ruleErrors.map((e) => e.registry)).toEqual(['arc']);
    expect(report.results.map((r) => `${r.rule} ${r.status}`)).toEqual(['export copied']);
    expect(existsSync(join(dir, 'transfer/imagse.tar'))).toBe(true);
    // The next run (the archive is there now) imports it.
    const again = await runConfig(config, { dryRun: false });
    expect(again.report.ruleErrors).toEqual([]);
    expect(again.report.results.map((r) => `${r.rule} ${r.status}`)).toEqual(['import copied', 'export unchanged']);
  });
});

describe('the stores themselves', () => {
  test('an archive that does not exist: empty as a destination, an error as a source until written', async () => {
    const path = join(dir, 'new', 'out.tar');
    const store = await openArchive({ name: 'out', format: 'docker-archive', path });
    try {
      expect(await store.listTags('acme/app')).toEqual([]);
      expect(await store.manifestHead('acme/app', 'v1')).toBeUndefined();
      const err = await store.listRepositories().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingSourceError);
      expect((err as Error).message).toMatch(/^registries\.out: docker-archive path .*new\/out\.tar does not exist/);
      await putLayoutImage(store as unknown as OciLayoutStore, 'acme/app', 'v1');
      expect(await store.listRepositories()).toEqual(['acme/app']);
    } finally {
      await store.close();
    }
    expect(existsSync(path)).toBe(true);
  });

  test('the path as written from the working directory, then resolved', () => {
    const path = join(process.cwd(), 'transfer', 'imagse.tar');
    expect(new MissingSourceError({ registry: 'arc', type: 'oci-archive', path }).message).toMatch(
      /^registries\.arc: oci-archive path transfer\/imagse\.tar \(\/.*\/transfer\/imagse\.tar\) does not exist, and this rule reads from it: /,
    );
  });

  test('an existing empty layout directory is an empty source, not a missing one', async () => {
    await mkdir(join(dir, 'empty'));
    expect(await new OciLayoutStore('lay', join(dir, 'empty')).listRepositories()).toEqual([]);
  });
});

test('an archive that cannot be opened fails the rule at that registry (annotated at its entry)', async () => {
  const { config } = await rules(`registries:
  pinned: { type: oci-archive, path: transfer/gone.tar, sha256: "${'a'.repeat(64)}" }
  out: { type: oci-layout, path: ./out }
rules:
  - { name: import, source: pinned, destination: out }
`);
  const { report } = await runConfig(config, { dryRun: true });
  expect(report.ruleErrors).toEqual([
    expect.objectContaining({
      rule: 'import',
      registry: 'pinned',
      message: expect.stringContaining('its sha256 is pinned'),
    }),
  ]);
});

/**
 * What `ferry run` prints where: each rule error is told inside its rule on stdout, and told
 * again on stderr only where stdout does not go. The built CLI in a real process, as a user runs it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OciLayoutStore } from '../../src/providers/oci-layout.js';
import { putLayoutImage } from '../support/layout-image.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli/index.js');

let tmp: TempDir;
let config: string;
beforeAll(async () => {
  tmp = await createTempDir('ferry-cli-output-');
  config = join(tmp.path, 'replication.yaml');
  // A file where the source layout's directory should be: the rule cannot list its source.
  await writeFile(
    config,
    [
      'version: 1',
      'registries:',
      `  src: { type: oci-layout, path: ${config} }`,
      `  dst: { type: oci-layout, path: ${join(tmp.path, 'dst')} }`,
      'rules:',
      '  - { name: mirror, source: src, destination: dst }',
      '',
    ].join('\n'),
  );
});
afterAll(() => tmp?.remove());

/** Runs `ferry run` with stdout and stderr as given; resolves with the exit code. */
function ferryRun(stdout: number | 'pipe', stderr: number | 'pipe', file = config) {
  const child = spawn(process.execPath, [CLI, 'run', '-c', file], {
    stdio: ['ignore', stdout, stderr],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

test('stdout and stderr into one log (2>&1): the rule error is told once, inside its rule, with its hint', async () => {
  const log = join(tmp.path, 'run.log');
  const fd = openSync(log, 'w');
  const r = await ferryRun(fd, fd).finally(() => closeSync(fd));
  const text = await readFile(log, 'utf8');
  expect(r.code, text).toBe(1);
  expect(text).toContain('✖ rule error: ');
  expect(occurrences(text, 'is not a directory')).toBe(1);
  expect(text).toMatch(/Total: nothing done .*1 rule error \(rule mirror was not carried out\)/);
});

test('stdout and stderr apart (stdout to a file): stderr still says which rule failed and why', async () => {
  const r = await ferryRun('pipe', 'pipe');
  expect(r.code).toBe(1);
  expect(occurrences(r.out, 'is not a directory')).toBe(1);
  expect(r.err).toMatch(/^error: rule mirror: .*is not a directory/m);
});

test('one log: an error no rule told (an archive that cannot be written when the run ends) is told at the end', async () => {
  const dir = join(tmp.path, 'close');
  await mkdir(dir, { recursive: true });
  await putLayoutImage(new OciLayoutStore('src', join(dir, 'src')), 'app', 'v1');
  await writeFile(join(dir, 'afile'), 'not a directory');
  const file = join(dir, 'replication.yaml');
  await writeFile(
    file,
    [
      'version: 1',
      'registries:',
      `  src: { type: oci-layout, path: ${join(dir, 'src')} }`,
      `  out: { type: oci-archive, path: ${join(dir, 'afile', 'out.tar')} }`,
      'rules:',
      '  - { name: backup, source: src, destination: out }',
      '',
    ].join('\n'),
  );
  const log = join(dir, 'run.log');
  const fd = openSync(log, 'w');
  const r = await ferryRun(fd, fd, file).finally(() => closeSync(fd));
  const text = await readFile(log, 'utf8');
  expect(r.code, text).toBe(1);
  expect(text).toMatch(/^error: rule backup: .*afile/m);
});

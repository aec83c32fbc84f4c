/**
 * The CLI as a user installs it: `npm pack` ships only the CLI bundle and the schema, and the
 * tarball runs with `npx --yes --package=<tarball> ferry` (dependencies from the npm registry). CI builds
 * dist/ before the tests (.ci/run), so the bundle under test is the one that would be published.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTempDir, type TempDir } from '../support/tmp.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
// npm and npx are scripts run by this Node (node_modules/.bin's node 24 when on PATH first).
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

let tmp: TempDir;
let tarball: string;
let files: string[];
let version: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/cli/index.js'))) throw new Error('dist/cli/index.js is missing: run npm run build');
  tmp = await createTempDir('ferry-pack-');
  version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', tmp.path], { cwd: ROOT });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(tmp.path, packed!.filename);
  files = packed!.files.map((f) => f.path).sort();
}, 120_000);
afterAll(() => tmp?.remove());

describe('npm pack', () => {
  test('ships the CLI bundle, the schema, the README, the licence and package.json, and nothing else', () => {
    expect(tarball.endsWith(`ferry-${version}.tgz`)).toBe(true);
    for (const f of files) expect(f, f).toMatch(/^(dist\/cli\/.+|schema\/.+\.json|README\.md|LICENSE|package\.json)$/);
    expect(files).toContain('dist/cli/index.js');
    expect(files).toContain('dist/cli/main/index.js');
    expect(files).toContain('schema/replication.schema.json');
  });

  test('the tarball installs and runs: npx --package=<tarball> ferry --version, then validate a rules file', async () => {
    const npx = (...args: string[]) =>
      // An absolute path in --package: npm 11.19 resolves `npx ./ferry-x.y.z.tgz` (and a relative
      // --package) against / instead of the working directory, and fails with ENOENT.
      run(NPX, ['--yes', `--package=${tarball}`, '--', 'ferry', ...args], {
        cwd: tmp.path,
        env: {
          ...process.env,
          npm_config_audit: 'false',
          npm_config_fund: 'false',
          npm_config_update_notifier: 'false',
        },
      });
    const { stdout } = await npx('--version');
    expect(stdout.trim()).toBe(version);
    const rules = join(ROOT, 'examples/harbor-to-cluster-registry/replication.yaml');
    const checked = await npx('validate', '--config', rules);
    expect(checked.stdout).toMatch(/replication.yaml: valid \(\d+ rules?, \d+ registr/);
  }, 180_000);
});

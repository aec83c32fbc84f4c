import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { StoreSet } from '../../../src/providers/index.js';
import { getTestTls } from '../../support/tls.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-ca-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a tls.ca relative to a rules file given by a relative path is read from beside the rules file', async () => {
  await mkdir(join(dir, 'conf', 'certs'), { recursive: true });
  await writeFile(join(dir, 'conf', 'certs', 'ca.pem'), (await getTestTls()).caPem);
  const file = join(dir, 'conf', 'replication.yaml');
  await writeFile(
    file,
    `version: 1
registries:
  a: { type: registry, url: "https://127.0.0.1:1", tls: { ca: certs/ca.pem } }
  b: { type: registry, url: "https://127.0.0.1:2" }
rules:
  - { name: r, source: a, destination: b, destination_namespace: x }
`,
  );
  // As `ferry run --config conf/replication.yaml` from another directory would give it.
  const { config } = await loadConfig(relative(process.cwd(), file));
  const stores = new StoreSet(config);
  try {
    await expect(stores.open('a')).resolves.toBeDefined();
  } finally {
    await stores.close();
  }
});

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const root = join(import.meta.dirname, '../../examples');
const files = readdirSync(root)
  .map((d) => join(root, d, 'replication.yaml'))
  .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());

test('there is an example per seed scenario', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test.each(files)('%s is a valid rules file', async (file) => {
  const { config } = await loadConfig(file);
  expect(config.rules.length).toBeGreaterThan(0);
});

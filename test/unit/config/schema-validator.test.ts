import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { generateValidatorCode, OUTPUT } from '../../../scripts/schema-validator.mjs';

test('the committed precompiled validator is what schema/replication.schema.json generates', async () => {
  const committed = await readFile(OUTPUT, 'utf8');
  const fresh = generateValidatorCode();
  expect(
    committed === fresh,
    'src/config/schema-validator.generated.js is stale: run `npm run schema:gen` and commit the result',
  ).toBe(true);
});

/** `ferry schema`: the JSON Schema on stdout or in a file, the very one the repository ships. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { schemaCommand } from '../../../src/cli/commands/schema.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

let tmp: TempDir;
let shipped: Record<string, unknown>;
beforeAll(async () => {
  tmp = await createTempDir('ferry-cli-schema-');
  shipped = JSON.parse(await readFile(new URL('../../../schema/replication.schema.json', import.meta.url), 'utf8'));
});
afterAll(() => tmp?.remove());

describe('ferry schema', () => {
  test('prints schema/replication.schema.json to stdout as JSON', async () => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await schemaCommand({});
    } finally {
      write.mockRestore();
    }
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(shipped);
    expect(out.endsWith('}\n')).toBe(true);
  });

  test('--out writes it to a file, creating its folder, and names the $id it carries', async () => {
    const file = join(tmp.path, 'editor', 'replication.schema.json');
    const said: string[] = [];
    const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void said.push(a.join(' ')));
    let code: number;
    try {
      code = await schemaCommand({ out: file });
    } finally {
      err.mockRestore();
    }
    expect(code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(shipped);
    expect(said).toEqual([`wrote ${file} (${String(shipped.$id)})`]);
  });
});

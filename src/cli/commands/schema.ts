import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replicationSchema } from '../../index.js';

/** The JSON Schema of replication.yaml, as editors and CI read it (the one ferry validates with). */
export function schemaText(): string {
  return `${JSON.stringify(replicationSchema, null, 2)}\n`;
}

/**
 * `ferry schema`: the schema on stdout, or written to `--out` (folders created), for a rules
 * repository that wants a pinned local copy instead of the `$id` URL.
 */
export async function schemaCommand(opts: { out?: string }): Promise<number> {
  if (!opts.out) {
    process.stdout.write(schemaText());
    return 0;
  }
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, schemaText());
  console.error(`wrote ${opts.out} (${String(replicationSchema.$id)})`);
  return 0;
}

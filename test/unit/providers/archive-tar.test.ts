/** Reading and writing archive tars: what an archive may contain, bounds, and reproducible output. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { extractTar, packTar, resolveLink } from '../../../src/providers/archive-tar.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

let tmp: TempDir;
let n = 0;
beforeAll(async () => {
  tmp = await createTempDir('ferry-archive-tar-');
});
afterAll(() => tmp.remove());

type Entry = {
  name: string;
  type?: 'file' | 'symlink' | 'link' | 'directory' | 'fifo';
  linkname?: string;
  body?: string;
};

/** Writes a tar of `entries` (gzip'd when asked) and returns its path. */
async function tarFile(entries: Entry[], gzip = false): Promise<string> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const file = join(tmp.path, `t${++n}.tar${gzip ? '.gz' : ''}`);
  await writeFile(file, gzip ? gzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks));
  return file;
}

const fresh = async () => {
  const dir = join(tmp.path, `x${++n}`);
  await mkdir(dir);
  return dir;
};

describe('extractTar', () => {
  test('files land under the directory; links are reported and followed, never created', async () => {
    const file = await tarFile(
      [
        { name: './a/', type: 'directory' },
        { name: './a/layer.tar', body: 'layer' },
        { name: 'b/layer.tar', type: 'symlink', linkname: '../a/layer.tar' },
        { name: 'c/layer.tar', type: 'symlink', linkname: '../b/layer.tar' },
      ],
      true,
    );
    const dir = await fresh();
    const x = await extractTar(file, dir);
    expect([...x.files]).toEqual(['a/layer.tar']);
    expect(readFileSync(join(dir, 'a/layer.tar'), 'utf8')).toBe('layer');
    expect(existsSync(join(dir, 'b'))).toBe(false);
    expect(resolveLink(x, 'c/layer.tar', 't')).toBe('a/layer.tar');
  });

  test('a link loop and a link out of the archive are errors', async () => {
    const dir = await fresh();
    const x = await extractTar(
      await tarFile([
        { name: 'a', type: 'symlink', linkname: 'b' },
        { name: 'b', type: 'symlink', linkname: 'a' },
      ]),
      dir,
    );
    expect(() => resolveLink(x, 'a', 'loop.tar')).toThrow('loop.tar: "a" is a loop of symbolic links');
    const out = await tarFile([{ name: 'a/l', type: 'symlink', linkname: '../../etc/passwd' }]);
    await expect(extractTar(out, await fresh())).rejects.toThrow(
      /entry "\.\.\/etc\/passwd" points outside the archive/,
    );
  });

  test.each([
    ['../evil', /entry "\.\.\/evil" points outside the archive/],
    ['/etc/evil', /entry "\/etc\/evil" points outside the archive/],
  ])('an entry named %s is refused and nothing is written outside', async (name, message) => {
    const dir = await fresh();
    await expect(extractTar(await tarFile([{ name, body: 'x' }]), dir)).rejects.toThrow(message);
    expect(existsSync(join(dir, '..', 'evil'))).toBe(false);
  });

  test('hard links, fifos and a name given twice are refused', async () => {
    const link = await tarFile([
      { name: 'a', body: 'x' },
      { name: 'b', type: 'link', linkname: 'a' },
    ]);
    await expect(extractTar(link, await fresh())).rejects.toThrow(
      /entry "b" is a link; only files, directories and symlinks/,
    );
    const fifo = await tarFile([{ name: 'p', type: 'fifo' }]);
    await expect(extractTar(fifo, await fresh())).rejects.toThrow(/entry "p" is a fifo/);
    const twice = await tarFile([
      { name: 'a', body: 'x' },
      { name: './a', body: 'y' },
    ]);
    await expect(extractTar(twice, await fresh())).rejects.toThrow(/entry "a" appears twice/);
  });

  test('more entries than the bound: refused', async () => {
    const file = await tarFile(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, body: 'x' })));
    await expect(extractTar(file, await fresh(), { maxEntries: 10 })).rejects.toThrow(
      /more than 10 entries; not an image archive/,
    );
    await expect(extractTar(file, await fresh(), { maxEntries: 11 })).resolves.toBeDefined();
  });

  test('a pinned sha256 is checked over the archive bytes; not a tar is said so', async () => {
    const file = await tarFile([{ name: 'a', body: 'x' }]);
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    await expect(extractTar(file, await fresh(), { sha256: sha })).resolves.toBeDefined();
    await expect(extractTar(file, await fresh(), { sha256: '0'.repeat(64) })).rejects.toThrow(
      `sha256 is ${sha}, the configuration pins ${'0'.repeat(64)}`,
    );
    const junk = join(tmp.path, 'junk.tar');
    await writeFile(junk, gzipSync(Buffer.alloc(700, 7)));
    await expect(extractTar(junk, await fresh())).rejects.toThrow(/junk\.tar: not a readable tar\.gz archive/);
  });
});

describe('packTar', () => {
  test('the same files make the same bytes; .gz compressed; no temporary file left', async () => {
    const src = await fresh();
    await mkdir(join(src, 'blobs/sha256'), { recursive: true });
    await writeFile(join(src, 'index.json'), '{}');
    await writeFile(join(src, 'blobs/sha256/abc'), 'blob');
    const outDir = await fresh();
    const names = ['index.json', 'blobs/sha256/abc'];
    await packTar(src, names, join(outDir, 'one.tar'), { gzip: false });
    // Files touched since (a later mtime) make the same archive.
    await utimes(join(src, 'index.json'), new Date(), new Date(Date.now() + 60_000));
    await packTar(src, names, join(outDir, 'two.tar'), { gzip: false });
    expect(readFileSync(join(outDir, 'one.tar'))).toEqual(readFileSync(join(outDir, 'two.tar')));
    await packTar(src, names, join(outDir, 'three.tar.gz'), { gzip: true });
    expect(readdirSync(outDir).sort()).toEqual(['one.tar', 'three.tar.gz', 'two.tar']);
    const back = await fresh();
    const x = await extractTar(join(outDir, 'three.tar.gz'), back);
    expect([...x.files]).toEqual(names);
    expect(readFileSync(join(back, 'blobs/sha256/abc'), 'utf8')).toBe('blob');
  });

  test('a file that cannot be read leaves the old archive and no temporary file', async () => {
    const src = await fresh();
    await writeFile(join(src, 'a'), 'a');
    const outDir = await fresh();
    const out = join(outDir, 'keep.tar');
    await writeFile(out, 'old');
    await expect(packTar(src, ['a', 'missing'], out, { gzip: false })).rejects.toThrow(/ENOENT/);
    expect(readFileSync(out, 'utf8')).toBe('old');
    expect(readdirSync(outDir)).toEqual(['keep.tar']);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  ConfigError,
  formatDiagnostic,
  loadConfig,
  MAX_ALIAS_EXPANSION,
  MAX_DIAGNOSTICS,
  MAX_NESTING,
  MAX_RULES_FILE_BYTES,
  parseConfig,
} from '../../../src/config/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'ferry-config-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = `version: 1
registries:
  harbor: { type: harbor, url: https://harbor.example.com }
  cluster1: { type: registry, url: https://cluster1.example.com }
`;

function write(name: string, content: string | Uint8Array): string {
  const file = join(tmp, name);
  writeFileSync(file, content);
  return file;
}

async function loadErrors(file: string): Promise<string[]> {
  const err = await loadConfig(file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).diagnostics.map(formatDiagnostic);
}

const parsed = (text: string) => parseConfig(text, 'r.yaml').diagnostics.map(formatDiagnostic);

describe('file size', () => {
  test('a 20 MB file with a million bad entries is refused within 5 s, saying how big it is', async () => {
    const entry = '  - { name: r, source: nowhere, destination: nowhere, bogus: 1 }\n';
    const text = `${base}rules:\n${entry.repeat(Math.ceil((20 * 1024 * 1024) / entry.length))}`;
    const bytes = Buffer.byteLength(text);
    const file = write('huge.yaml', text);
    const started = performance.now();
    const errors = await loadErrors(file);
    const fromText = parsed(text);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5_000);
    const message = `the rules file is ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes), over the limit of 1.0 MiB (${MAX_RULES_FILE_BYTES} bytes); a rules file is a few kilobytes: is this the right file?`;
    expect(errors).toEqual([`${file}:1:1: ${message}`]);
    expect(fromText).toEqual([`r.yaml:1:1: ${message}`]);
  });

  test('a file at the limit is read', async () => {
    const text = `${base}rules: []\n`;
    const file = write('at-limit.yaml', text + '#'.repeat(MAX_RULES_FILE_BYTES - text.length - 1) + '\n');
    const { warnings } = await loadConfig(file);
    expect(warnings.map((w) => w.message)).toEqual(['no rules: nothing will be replicated']);
  });

  test('the number of diagnostics listed is capped, and the rest are counted', () => {
    const rules = Array.from(
      { length: 250 },
      // Each into its own namespace: rules without a name filter into one place would overwrite each other.
      (_, i) => `  - { name: r${i}, source: harbor, destination: cluster1, bogus: 1, destination_namespace: n${i} }\n`,
    ).join('');
    const out = parsed(`${base}rules:\n${rules}`);
    expect(out).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(out[0]).toBe(
      'r.yaml:6:56: rules[0].bogus: unknown key "bogus"; expected one of: name, description, source, destination, enabled, filters, destination_namespace, flattening, override, delete_remote, trigger, bandwidth, max_blob_size, concurrency, platforms, referrers',
    );
    expect(out[MAX_DIAGNOSTICS]).toBe(
      `r.yaml:${6 + MAX_DIAGNOSTICS}:58: … and 150 more (150 errors) from here on; only the first ${MAX_DIAGNOSTICS} are listed`,
    );
  });

  test('a file with thousands of problems in one big map is checked in linear time', () => {
    // Two errors per registry; 8,000 of them took 32 s when every error searched the whole map.
    // Eight times the registries must cost about eight times as much, not sixty-four: compared in
    // the same test (fastest of a few tries), so a busy machine slows both sides alike.
    const file = (n: number) =>
      `version: 1\nregistries:\n${Array.from({ length: n }, (_, i) => `  r${i}: { type: nope, url: x }\n`).join('')}rules: []\n`;
    const fastest = (text: string, tries: number): number => {
      let best = Infinity;
      for (let i = 0; i < tries; i++) {
        const started = performance.now();
        parsed(text);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const small = file(1_000);
    const big = file(8_000);
    parsed(small); // warm up the parser and the checks
    const ratio = fastest(big, 2) / fastest(small, 3);
    expect(ratio).toBeLessThan(24);
    expect(parsed(file(10_000))[MAX_DIAGNOSTICS]).toMatch(
      /^r\.yaml:53:16: … and 19901 more \(19900 errors and 1 warning\)/,
    );
  }, 60_000);
});

describe('resource-exhaustion YAML gets a position and a clear message', () => {
  test('billion laughs', () => {
    let text = `${base}rules: []\nlol:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
    for (let i = 1; i < 9; i++) {
      const [p, c] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      text += `  ${c}: &${c} [${Array(9).fill(`*${p}`).join(', ')}]\n`;
    }
    expect(parsed(text)).toEqual([
      `r.yaml:12:10: lol.f[0]: aliases expand to more than ${MAX_ALIAS_EXPANSION} values here ("billion laughs"); a rules file needs nothing like it: write the values out, or alias fewer and smaller nodes`,
    ]);
  });

  test('an alias inside the node it refers to', () => {
    expect(parsed(`${base}rules: &r [{ name: a, source: harbor, destination: cluster1, filters: *r }]\n`)).toEqual([
      'r.yaml:5:71: rules[0].filters: *r refers to a map or list that contains it; remove the loop',
    ]);
  });

  test('aliases that nest deeper than the limit', () => {
    let text = `${base}rules: []\nx:\n  a0: &a0 [1]\n`;
    for (let i = 1; i <= 70; i++) text += `  a${i}: &a${i} [*a${i - 1}]\n`;
    expect(parsed(text)).toEqual([
      // a62 holds *a61 three levels down (the file, x, a62's list), and a61 is 62 levels deep.
      `r.yaml:${5 + MAX_NESTING}:14: x.a${MAX_NESTING - 2}[0]: *a${MAX_NESTING - 3} nests the file more than ${MAX_NESTING} levels deep; a rules file needs about 6`,
    ]);
  });

  test('a thousand rules merging shared settings are fine', () => {
    const shared = `x-common: &common { source: harbor, destination: cluster1, destination_namespace: m, concurrency: 2, override: false, delete_remote: { enabled: true, max: 5 }, trigger: [manual, event] }\n`;
    const list = Array.from(
      { length: 1000 },
      (_, i) => `  - { <<: *common, name: r${i}, filters: { name: "team${i}/**" } }\n`,
    );
    const out = parsed(`${base}${shared}rules:\n${list.join('')}`);
    expect(out).toEqual([]);
  });

  test('a merge key alias (<<: *defaults) is fine', () => {
    const text = `${base}x-common: &common { source: harbor, destination: cluster1 }\nrules:\n  - { <<: *common, name: a }\n  - { <<: *common, name: b, destination_namespace: m }\n`;
    expect(parsed(text)).toEqual([]);
  });

  const deep = `maps and lists are nested more than ${MAX_NESTING} levels deep here; a rules file needs about 6: is this the right file?`;

  test.each([
    ['block lists', `${base}rules:\n${'- '.repeat(3000)}x\n`, 6, 2 * MAX_NESTING - 1],
    ['flow lists', `${base}rules: ${'['.repeat(3000)}${']'.repeat(3000)}\n`, 5, 7 + MAX_NESTING],
    ['flow maps', `${base}rules: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n`, 5, 4 * MAX_NESTING + 4],
  ])('3,000 levels of %s', (_kind, text, line, column) => {
    expect(parsed(text)).toEqual([`r.yaml:${line}:${column}: ${deep}`]);
  });

  test('3,000 levels of indented block maps (in a file under the size cap)', async () => {
    let text = `${base}rules: []\nx:\n`;
    let indent = ' ';
    for (let i = 0; i < 3000 && text.length + indent.length + 8 < MAX_RULES_FILE_BYTES; i++) {
      text += `${indent}k:\n`;
      indent += ' ';
    }
    const file = write('deep.yaml', text);
    expect(await loadErrors(file)).toEqual([`${file}:${6 + MAX_NESTING}:${MAX_NESTING + 1}: ${deep}`]);
  });
});

describe('encoding', () => {
  const good = `${base}rules:\n  - { name: a, description: café, source: harbor, destination: cluster1, destination_namespace: m }\n`;

  test('UTF-8, with or without a byte order mark, reads', async () => {
    for (const [name, bytes] of [
      ['utf8.yaml', Buffer.from(good)],
      ['utf8-bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)])],
    ] as const) {
      const { config } = await loadConfig(write(name, bytes));
      expect(config.rules[0]!.description).toBe('café');
    }
  });

  test('invalid UTF-8 names the line, column and byte offset of the first bad byte', async () => {
    const latin1 = Buffer.from(good, 'latin1'); // é as the single byte 0xE9
    const offset = latin1.indexOf(0xe9);
    const file = write('latin1.yaml', latin1);
    expect(await loadErrors(file)).toEqual([
      `${file}:6:32: the rules file is not valid UTF-8: byte 0xE9 at byte offset ${offset} does not belong to a UTF-8 character (is it Latin-1 or Windows-1252?); save it as UTF-8`,
    ]);
  });

  test.each([
    ['little-endian', 'utf16le', [0xff, 0xfe]],
    ['big-endian', 'utf16be', [0xfe, 0xff]],
  ])('UTF-16 %s with a byte order mark', async (order, name, bom) => {
    const le = Buffer.from(good, 'utf16le');
    const body = name === 'utf16be' ? Buffer.from(le).swap16() : le;
    const file = write(`${name}.yaml`, Buffer.concat([Buffer.from(bom), body]));
    expect(await loadErrors(file)).toEqual([
      `${file}:1:1: the rules file is UTF-16 ${order} (it starts with a UTF-16 byte order mark); save it as UTF-8`,
    ]);
  });

  test('UTF-16 without a byte order mark', async () => {
    const file = write('utf16-nobom.yaml', Buffer.from(good, 'utf16le'));
    expect(await loadErrors(file)).toEqual([
      `${file}:1:2: the rules file contains a NUL byte (byte offset 1): it is binary, or UTF-16/UTF-32 without a byte order mark; save it as UTF-8`,
    ]);
  });

  test('UTF-32', async () => {
    const file = write('utf32.yaml', Buffer.from([0xff, 0xfe, 0, 0, 0x76, 0, 0, 0]));
    expect(await loadErrors(file)).toEqual([
      `${file}:1:1: the rules file is UTF-32 (it starts with a UTF-32 byte order mark); save it as UTF-8`,
    ]);
  });
});

describe('tls.ca files are checked where they are named', () => {
  const pem = `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`;
  const withCa = (ca: string) =>
    `version: 1\nregistries:\n  harbor: { type: harbor, url: https://harbor.example.com }\n  cluster1:\n    type: registry\n    url: https://cluster1.example.com\n    tls: { ca: ${ca} }\nrules:\n  - { name: a, source: harbor, destination: cluster1 }\n`;

  test('a readable PEM bundle, relative to the rules file, loads', async () => {
    write('ca.pem', pem);
    const { config } = await loadConfig(write('ca-ok.yaml', withCa('ca.pem')));
    expect(config.registries.get('cluster1')!.tls.caFile).toBe(join(tmp, 'ca.pem'));
  });

  test('a missing file', async () => {
    const file = write('ca-missing.yaml', withCa('certs/nope.pem'));
    expect(await loadErrors(file)).toEqual([
      `${file}:7:16: registries.cluster1.tls.ca: cannot read ${join(tmp, 'certs/nope.pem')} (ENOENT: no such file)`,
    ]);
  });

  test('a file that is not PEM', async () => {
    write('ca.der', Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    const file = write('ca-der.yaml', withCa('{ file: ca.der }'));
    expect(await loadErrors(file)).toEqual([
      `${file}:7:24: registries.cluster1.tls.ca.file: ${join(tmp, 'ca.der')} is not a PEM certificate bundle (no -----BEGIN CERTIFICATE-----)`,
    ]);
  });

  test('on an archive, where it is ignored, is a warning only: an unreadable file does not stop the load', async () => {
    const file = write(
      'ca-archive.yaml',
      `version: 1\nregistries:\n  box:\n    type: oci-archive\n    url: https://files.example.com/images.tar\n    sha256: ${'a'.repeat(64)}\n    tls: { ca: nope.pem }\n  cluster1: { type: registry, url: https://cluster1.example.com }\nrules:\n  - { name: a, source: box, destination: cluster1 }\n`,
    );
    const { warnings } = await loadConfig(file);
    expect(warnings.map((w) => w.message)).toContain(
      'ignored: an archive download trusts the system CAs and NODE_EXTRA_CA_CERTS',
    );
  });

  test('is reported alongside the other errors of the file', async () => {
    const file = write(
      'ca-and-more.yaml',
      withCa('nope.pem').replace('destination: cluster1', 'destination: cluster9'),
    );
    expect((await loadErrors(file)).map((l) => l.slice(file.length + 1))).toEqual([
      `7:16: registries.cluster1.tls.ca: cannot read ${join(tmp, 'nope.pem')} (ENOENT: no such file)`,
      '9:45: rules[0].destination: unknown registry "cluster9", did you mean "cluster1"?',
    ]);
  });
});

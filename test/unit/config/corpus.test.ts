import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, formatDiagnostic, loadConfig, parseConfig } from '../../../src/config/index.js';

const dir = join(import.meta.dirname, '../../fixtures/config/bad');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, string[]>;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('bad rules files: the exact messages a user reads', () => {
  test('the corpus is large and every file has its expectation', () => {
    // 62 files, then 34 more written as Harbor, regsync, skopeo sync and dregsy users would (issue 11).
    expect(files.length).toBeGreaterThanOrEqual(96);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  test.each(files)('%s', (file) => {
    const { config, diagnostics } = parseConfig(readFileSync(join(dir, file), 'utf8'), file);
    expect(diagnostics.map(formatDiagnostic)).toEqual(expected[file]);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) expect(config).toBeUndefined();
    // File order: line, then column.
    const order = diagnostics.map((d) => d.line * 10_000 + d.column);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test('every bad file but the warning-only ones fails to load', () => {
    const warningOnly = files.filter((f) => expected[f]!.every((line) => line.includes(': warning: ')));
    // Patterns that cannot mean what they say still load: warnings, not errors.
    expect(warningOnly).toEqual([
      '41-flattening-without-namespace.yaml',
      '63-regsync-anchored-tag-regex.yaml',
      '64-skopeo-tags-regex-dot-star.yaml',
      '65-dregsy-digit-class.yaml',
      '69-harbor-name-without-project.yaml',
      '70-harbor-globs-without-project.yaml',
      '91-regex-alternation-in-name.yaml',
      '92-skopeo-plus-quantifier.yaml',
    ]);
  });
});

describe('loadConfig', () => {
  test('throws a ConfigError whose message lists every error, one per line, and no warnings', async () => {
    const file = join(dir, '45-delete-remote-match-all.yaml');
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.message).toBe(
      `${file}:16:1: oops: unknown key "oops"; expected one of: version, registries, defaults, rules, or a key starting with "x-" for values to reuse (x-oops: &oops …)`,
    );
    expect(ce.diagnostics.map((d) => d.severity)).toEqual(['warning', 'error']);
    expect(ce.diagnostics[1]).toMatchObject({ file, line: 16, column: 1, path: 'oops', severity: 'error' });
  });

  test('reports several errors at once, in file order', async () => {
    const file = join(dir, '47-cron-invalid.yaml');
    const err = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(err.message.split('\n').map((l) => l.slice(file.length + 1, file.length + 6))).toEqual([
      '18:19',
      '19:19',
      '20:19',
      '21:19',
      '22:19',
    ]);
  });

  test('a missing file is one clear error', async () => {
    const err = (await loadConfig('/nonexistent/replication.yaml').catch((e: unknown) => e)) as ConfigError;
    expect(err.message).toBe('/nonexistent/replication.yaml:1:1: cannot read the rules file: file not found');
  });

  test('returns warnings alongside the config', async () => {
    const { config, warnings } = await loadConfig(join(dir, '41-flattening-without-namespace.yaml'));
    expect(config.rules[0]!.name).toBe('cluster1-registry-replication');
    expect(warnings.map((w) => [w.line, w.path])).toEqual([[9, 'rules[0].flattening']]);
  });
});

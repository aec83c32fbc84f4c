import { describe, expect, test } from 'vitest';
import { formatProgress, formatResultLine, formatTable } from '../../../src/report/console.js';
import type { Result, ResultStatus } from '../../../src/replicate/result.js';

function result(status: ResultStatus, extra: Partial<Result> = {}): Result {
  return {
    rule: 'nginx',
    source: 'docker.io/library/nginx:1.27',
    destination: 'ghcr.io/acme/nginx:1.27',
    tag: '1.27',
    status,
    sourceDigest: `sha256:${'abcd1234'.repeat(8)}`,
    bytes: Math.round(12.3 * 1024 * 1024),
    blobs: { copied: 2, mounted: 0, present: 1 },
    durationMs: 2100,
    retries: 2,
    ...extra,
  };
}

const hostile = result('failed', {
  destination: 'ghcr.io/acme/nginx:a|b <img src=x> `t`',
  error: {
    kind: 'denied',
    status: 403,
    message: 'nope\n::add-mask::x\n::error::pwned',
    hint: '\n::warning::hint',
  },
  reason: '\r::notice::r',
});

describe('formatResultLine', () => {
  test('a copied image on one line', () => {
    expect(formatResultLine(result('copied'))).toBe(
      '✔ copied    docker.io/library/nginx:1.27 → ghcr.io/acme/nginx:1.27  sha256:abcd1234…  12.3 MiB in 2.1s (2 retries)',
    );
  });

  test('a failure puts its hint on the next line', () => {
    const lines = formatResultLine(
      result('failed', {
        error: { kind: 'unauthorized', status: 401, message: 'bad token', hint: 'log in again' },
      }),
    ).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^✖ failed .* unauthorized 401: bad token$/);
    expect(lines[1]).toBe('    hint: log in again');
  });

  test.each([
    [
      'deleted',
      result('deleted', { source: undefined, bytes: 0, retries: 0 }),
      '✔ deleted   ghcr.io/acme/nginx:1.27  sha256:abcd1234…  in 2.1s',
    ],
    ['one retry', result('unchanged', { bytes: 0, retries: 1 }), '(1 retry)'],
    ['a reason', result('kept', { bytes: 0, retries: 0, reason: 'override off' }), '(override off)'],
  ])('%s', (_name, r, expected) => {
    expect(formatResultLine(r)).toContain(expected);
  });

  test('colour only when asked', () => {
    expect(formatResultLine(result('copied'))).not.toContain('\x1b[');
    expect(formatResultLine(result('copied'), { color: true })).toContain('\x1b[32m');
  });
});

describe('formatTable', () => {
  const rows = [result('copied'), result('unchanged', { bytes: 0 }), result('deleted', { source: undefined })];

  test('columns line up and totals follow', () => {
    const lines = formatTable(rows).trimEnd().split('\n');
    const header = lines[0]!;
    const col = header.indexOf('DESTINATION');
    for (const line of lines.slice(1, 1 + rows.length)) expect(line.slice(col)).toMatch(/^ghcr\.io/);
    expect(lines.at(-1)).toBe(`Total: 1 copied, 1 deleted, 1 unchanged; ${'24.6 MiB'} moved`);
  });

  test.each([
    [false, false],
    [true, true],
  ])('color=%s emits ANSI: %s', (color, ansi) => {
    expect(formatTable(rows, { color }).includes('\x1b[')).toBe(ansi);
  });

  test('coloured columns still line up', () => {
    const plain = formatTable(rows).split('\n');
    const coloured = formatTable(rows, { color: true }).split('\n');
    expect(coloured.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(plain);
  });
});

describe('injection (T25)', () => {
  test.each([
    ['formatResultLine', formatResultLine(hostile)],
    ['formatTable', formatTable([hostile, result('copied')])],
    ['formatProgress', formatProgress({ ref: '\n::error::x', bytes: 1, total: 2, elapsedMs: 1 })],
  ])('no line of %s starts a workflow command', (_name, out) => {
    for (const line of out.split(/\r\n|\r|\n/)) expect(line.trimStart().startsWith('::')).toBe(false);
  });
});

describe('formatProgress', () => {
  test.each([
    [
      { bytes: 12.3 * 1024 * 1024, total: 45.6 * 1024 * 1024, elapsedMs: 3000 },
      'x  12.3 MiB / 45.6 MiB (26%)  4.1 MiB/s',
    ],
    [{ bytes: 1024, total: 0, elapsedMs: 0 }, 'x  1.0 KiB'],
    [{ bytes: 2048, total: 1024, elapsedMs: 1000 }, 'x  2.0 KiB / 1.0 KiB (100%)  2.0 KiB/s'],
  ])('%j', (p, expected) => {
    expect(formatProgress({ ref: 'x', ...p })).toBe(expected);
  });
});

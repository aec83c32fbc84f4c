import { describe, expect, test } from 'vitest';
import { DEFAULT_MAX_BLOB_SIZE, parseBandwidth, parseSize } from '../../../src/config/index.js';

describe('parseBandwidth', () => {
  test.each([
    ['50MiB/s', 50 * 1024 * 1024],
    ['10MB/s', 10_000_000],
    ['500KiB/s', 500 * 1024],
    ['1.5GiB/s', 1.5 * 1024 ** 3],
    ['2 MiB', 2 * 1024 * 1024],
    ['100Mbps', 12_500_000],
    ['800kbit/s', 100_000],
    ['-1', Number.POSITIVE_INFINITY],
    [-1, Number.POSITIVE_INFINITY],
    ['unlimited', Number.POSITIVE_INFINITY],
  ] as const)('%s → %s bytes/s', (input, bytes) => {
    expect(parseBandwidth(input)).toBe(bytes);
  });

  test.each(['', '50', 50, 1024, '0MiB/s', '50 megabytes', 'MiB/s', '-5MiB/s', '10mib/s'])('rejects %j', (input) => {
    expect(parseBandwidth(input)).toBeUndefined();
  });
});

describe('parseSize (max_blob_size)', () => {
  test.each([
    ['16GiB', 16 * 1024 ** 3],
    ['10 GiB', 10 * 1024 ** 3],
    ['500MB', 500_000_000],
    ['1.5 KiB', 1536],
    ['1073741824', 1024 ** 3],
    [1073741824, 1024 ** 3],
  ] as const)('%j → %s bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  test.each(['', '0', 0, -1, '-1', 1.5, '10GiB/s', 'unlimited', '10 gigabytes', '0MB'])('rejects %j', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });

  test('the default is 16 GiB', () => {
    expect(DEFAULT_MAX_BLOB_SIZE).toBe(16 * 1024 ** 3);
  });
});

/** The CLI's option values: a bad one is a usage error before any registry is touched. */
import { InvalidArgumentError } from 'commander';
import { describe, expect, test } from 'vitest';
import { collectRules, duration, path, positiveInt } from '../../../src/cli/options.js';

const refused = (f: () => unknown) => expect(f).toThrow(InvalidArgumentError);

describe('option values', () => {
  test('a file option followed by another option is missing its value, not a file named "--dry-run"', () => {
    expect(() => path('--dry-run')).toThrow('"--dry-run" is an option, not a file name: the value is missing');
    expect(path('report.json')).toBe('report.json');
  });

  test('an empty rule name (an unset variable) is refused: without it, every rule would run', () => {
    expect(() => collectRules('', [])).toThrow(/an empty rule name in "": leave --rule out to run every rule/);
    refused(() => collectRules('a,,b', []));
    expect(collectRules(' a , b', ['c'])).toEqual(['c', 'a', 'b']);
  });

  test('concurrency is a whole number from 1 to 256, in digits', () => {
    for (const v of ['0', '-1', 'abc', '1e3', '0x10', '257', '100000', '2.5']) refused(() => positiveInt(v));
    expect(positiveInt('256')).toBe(256);
  });

  test('a timeout of 0 or beyond what a timer can wait is refused, instead of stopping at once', () => {
    expect(() => duration('0')).toThrow(/a timeout must be longer than 0/);
    refused(() => duration('0s'));
    expect(() => duration('600h')).toThrow(/at most 596h/);
    expect(duration('30m')).toBe('30m');
  });
});

test('import skopeo --dest-tls-verify reads false, 0 and no as off, and refuses what is not a bool', async () => {
  const { tlsVerify } = await import('../../../src/cli/commands/import.js');
  for (const v of ['false', '0', 'no', 'False']) expect(tlsVerify(v)).toBe(false);
  for (const v of ['true', '1', 'yes']) expect(tlsVerify(v)).toBe(true);
  refused(() => tlsVerify('maybe'));
});

test('import --dest refuses a URL and an empty value, which wrote a registry named "https:"', async () => {
  const { destination } = await import('../../../src/cli/commands/import.js');
  expect(() => destination('https://my.reg/mirror')).toThrow(
    /--dest takes host\[\/path\], not a URL: write my\.reg\/mirror/,
  );
  refused(() => destination(''));
  expect(destination('my.reg:5000/mirror')).toBe('my.reg:5000/mirror');
});

import { minimatch } from 'minimatch';
import { describe, expect, test } from 'vitest';
import { compileGlob, GlobSyntaxError, globToRegExp } from '../../../src/rules/glob.js';

// [pattern, subject, expected] — expected is what Harbor's util.Match (doublestar v1) answers.
const doublestarTable: [string, string, boolean][] = [
  // ** as a whole segment
  ['backend/**', 'backend/a', true],
  ['backend/**', 'backend/a/b', true],
  ['backend/**', 'backendx/a', false],
  ['backend/**', 'backend', false],
  ['backend/**', 'frontend/backend/a', false],
  ['**', 'a', true],
  ['**', 'a/b/c/d', true],
  ['**', '', true],
  ['**/img', 'img', true],
  ['**/img', 'a/b/img', true],
  ['**/img', 'a/b/img2', false],
  ['a/**/img', 'a/img', true],
  ['a/**/img', 'a/b/c/img', true],
  ['a/**/img', 'b/a/img', false],
  // ** inside a segment is a plain *
  ['a**', 'abc', true],
  ['a**', 'a/b', false],
  ['a**b', 'a/x/b', false],
  // * does not cross /
  ['*', 'nginx', true],
  ['*', 'library/nginx', false],
  ['library/*', 'library/nginx', true],
  ['library/*', 'library/a/nginx', false],
  ['*/nginx', 'library/nginx', true],
  ['lib*/n*x', 'library/nginx', true],
  ['*', '', true],
  // alternatives
  ['{a,b}/*', 'a/x', true],
  ['{a,b}/*', 'b/y', true],
  ['{a,b}/*', 'c/x', false],
  ['{a,b}/*', 'a/x/y', false],
  ['{a/b,c}/img', 'a/b/img', true],
  ['{a/b,c}/img', 'c/img', true],
  ['x{,-dev}', 'x', true],
  ['x{,-dev}', 'x-dev', true],
  ['{a,{b,c}}d', 'cd', true],
  ['{a,b}/**', 'a/x/y', true],
  // classes
  ['[a-z]*', 'nginx', true],
  ['[a-z]*', 'Nginx', false],
  ['[a-z]*', '1nginx', false],
  ['[^a-z]*', '1nginx', true],
  ['[^a-z]*', 'nginx', false],
  ['[!a]', '!', true], // doublestar v1 negates with ^ only: [!a] is the class {!, a}
  ['[!a]', 'b', false],
  ['v[0-9]*', 'v1.2', true],
  ['v[0-9]*', 'vx', false],
  ['a[/]b', 'a/b', false], // a class never matches the separator
  ['[^x]', '/', false],
  // ?
  ['v?', 'v1', true],
  ['v?', 'v12', false],
  ['a?b', 'a/b', false],
  // case-sensitive
  ['Library/*', 'library/nginx', false],
  ['library/NGINX', 'library/nginx', false],
  // names starting with a dot are not special
  ['*', '.hidden', true],
  ['library/*', 'library/.cache', true],
  ['**', '.a/.b', true],
  // no negation, no comments: ! and # are literal characters
  ['!a', '!a', true],
  ['!a', 'b', false],
  ['#a', '#a', true],
  // escapes
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\{a,b\\}', '{a,b}', true],
  // regex: prefix (Harbor util.Match), unanchored like Go's MatchString
  ['regex:^v[0-9]+$', 'v12', true],
  ['regex:^v[0-9]+$', 'v12a', false],
  ['regex:rc', 'v1-rc1', true],
  // empty pattern matches everything
  ['', 'anything/at/all', true],
  // other regex metacharacters are literal
  ['a.b', 'axb', false],
  ['a.b', 'a.b', true],
  ['a+(b)|c$', 'a+(b)|c$', true],
  ['a-b', 'a-b', true],
];

describe('glob: Harbor doublestar semantics', () => {
  test.each(doublestarTable)('%j against %j → %s', (pattern, subject, expected) => {
    expect(compileGlob(pattern)(subject)).toBe(expected);
  });
});

// Where minimatch's defaults answer differently; ferry follows Harbor (the third column).
const minimatchDiffers: [string, string, boolean][] = [
  ['*', '.hidden', true], // minimatch: dotfiles need { dot: true }
  ['library/*', 'library/.cache', true],
  ['*', '', true], // an untagged artifact is tested as "": doublestar's * matches it
  ['!a', 'b', false], // minimatch negates a leading !
  ['#a', '#a', true], // minimatch treats a leading # as a comment
  ['[!a]', 'b', false], // minimatch treats [!...] as negation
];

describe('glob: cases where minimatch differs from Harbor', () => {
  test.each(minimatchDiffers)('%j against %j: minimatch says otherwise, ferry says %s', (p, s, harbor) => {
    expect(minimatch(s, p)).toBe(!harbor);
    expect(compileGlob(p)(s)).toBe(harbor);
  });
});

describe('glob: malformed patterns are errors, as doublestar returns ErrBadPattern', () => {
  test.each(['[', '[]', 'a[b', '{a,b', '[-a]', '[a-]', 'x\\', 'regex:('])('%j throws', (pattern) => {
    expect(() => compileGlob(pattern)).toThrow(GlobSyntaxError);
  });

  test('error message names the pattern', () => {
    expect(() => compileGlob('{a,b')).toThrow(/"\{a,b".*unclosed/);
  });

  test('a pattern expanding to too many alternatives is refused', () => {
    expect(() => compileGlob('{a,b}'.repeat(12))).toThrow(/alternatives/);
  });
});

test('globToRegExp anchors the whole subject', () => {
  const re = globToRegExp('a/*');
  expect(re.test('a/b')).toBe(true);
  expect(re.test('xa/b')).toBe(false);
});

test('a reversed class range matches nothing instead of throwing', () => {
  expect(compileGlob('[z-a]')('m')).toBe(false);
});

describe('regex: patterns run on RE2 (re2js), in linear time (issue 11)', () => {
  test('a pattern that backtracks exponentially on a JavaScript RegExp answers at once', () => {
    // (a+)+$ against "aaa…ab" takes 2^n steps on a backtracking engine: half a minute at n = 32,
    // so a bound of 2 s holds on a busy machine and still cannot pass by luck.
    const match = compileGlob('regex:(a+)+$');
    const started = performance.now();
    // No match: the subject ends in "b", and $ needs the run of a's at the end.
    expect(match(`${'a'.repeat(32)}b`)).toBe(false);
    expect(match('xaaa')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test('Go syntax RE2 refuses (lookahead) is a GlobSyntaxError naming the construct', () => {
    expect(() => compileGlob('regex:(?!rc)')).toThrow(/invalid or unsupported Perl syntax/);
  });
});

import { describe, expect, test } from 'vitest';
import {
  alignColumns,
  code,
  codeCell,
  escapeHtml,
  escapeMarkdownCell,
  humanBytes,
  humanDuration,
  neutralizeCommands,
  shortDigest,
  truncate,
} from '../../../src/report/escape.js';

/** Cell separators GFM sees: pipes not escaped by an odd run of backslashes. */
function separators(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== '|') continue;
    let slashes = 0;
    for (let j = i - 1; j >= 0 && line[j] === '\\'; j--) slashes++;
    if (slashes % 2 === 0) n++;
  }
  return n;
}

const HOSTILE = [
  ['workflow commands', 'denied\n::add-mask::x\n::error::pwned'],
  ['pipe, html and backtick', 'a | b <img src=x> `c`'],
  ['backslash before pipe', 'a \\| b \\\\| c'],
  ['markdown link and emphasis', '[click](https://evil) *bold* _it_ ~~s~~'],
  ['html entity', '&lt;script&gt; &amp;'],
  ['mention', 'ping @octocat and @acme/admins'],
  ['carriage return and tab', 'a\r\nb\tc\rd'],
] as const;

describe('escapeMarkdownCell', () => {
  test.each(HOSTILE)('keeps one cell for %s', (_name, input) => {
    const row = `| ${escapeMarkdownCell(input)} | x |`;
    expect(separators(row)).toBe(3);
    expect(row).not.toMatch(/[\r\n]/);
  });

  test.each(HOSTILE)('leaves no raw HTML, code span or link for %s', (_name, input) => {
    const out = escapeMarkdownCell(input);
    expect(out).not.toMatch(/<[a-z/]/i);
    expect(out).not.toMatch(/(^|[^\\])`/);
    expect(out).not.toMatch(/(^|[^\\])\[/);
  });

  test('breaks @mentions with a zero-width space', () => {
    expect(escapeMarkdownCell('@octocat')).toBe('@\u200Boctocat');
  });

  test('cuts long text with an ellipsis before escaping', () => {
    const out = escapeMarkdownCell('x'.repeat(1000), 50);
    expect(out).toBe('x'.repeat(49) + '…');
  });
});

describe('neutralizeCommands', () => {
  /** What the runner would read as a workflow command: a line starting with `::` after blanks. */
  const commands = (out: string) => out.split(/\r\n|\r|\n/).filter((l) => l.trimStart().startsWith('::'));

  test.each([
    ['leading command', '::error::pwned'],
    ['indented command', '   ::add-mask::secret'],
    ['command after a no-break space', '\u00a0::add-mask::secret'],
    ['command after a newline', 'denied\n::add-mask::x\n::error::pwned'],
    ['command after a carriage return', 'denied\r::warning::x'],
    ['command after CRLF', 'denied\r\n  ::warning::x'],
    ['legacy ##[ command', 'text ##[error]pwned'],
  ])('makes a %s inert', (_name, input) => {
    const out = neutralizeCommands(input);
    expect(commands(out)).toEqual([]);
    expect(out).not.toContain('##[');
  });

  test.each([
    ['newline (kept: a plain log line may span lines)', 'a\nb', 'a\nb'],
    ['carriage return (the runner splits on it too)', 'a\rb', 'a\nb'],
    ['percent: never encoded in a plain line', '100% (44%) %0A', '100% (44%) %0A'],
    ['ANSI escape', '\x1b[31mred', '\\x1b[31mred'],
    ['plain text unchanged', 'ghcr.io/acme/nginx:1.27', 'ghcr.io/acme/nginx:1.27'],
    ['a double colon inside a line', 'host: a::b', 'host: a::b'],
  ])('writes %s', (_name, input, expected) => {
    expect(neutralizeCommands(input)).toBe(expected);
  });
});

describe('code', () => {
  test.each([
    ['plain', 'nginx:1.27', '`nginx:1.27`'],
    ['one backtick inside', 'a`b', '``a`b``'],
    ['leading backtick', '`a', '`` `a ``'],
    ['run of two', 'a``b', '```a``b```'],
    ['newline', 'a\nb', '`a b`'],
  ])('fences %s safely', (_name, input, expected) => {
    expect(code(input)).toBe(expected);
  });

  test('codeCell keeps the table cell whole', () => {
    expect(separators(`| ${codeCell('a|b`c<d>')} |`)).toBe(2);
    expect(codeCell('<x>')).toBe('<code>&lt;x&gt;</code>');
  });
});

test.each([
  ['<img src=x onerror="a">', '&lt;img src=x onerror=&quot;a&quot;&gt;'],
  ["it's & <b>", 'it&#39;s &amp; &lt;b&gt;'],
])('escapeHtml(%j)', (input, expected) => {
  expect(escapeHtml(input)).toBe(expected);
});

test.each([
  [0, '0 B'],
  [1023, '1023 B'],
  [1024, '1.0 KiB'],
  [12.3 * 1024 * 1024, '12.3 MiB'],
  [2.1 * 1024 ** 3, '2.1 GiB'],
  [512 * 1024 ** 3, '512 GiB'],
])('humanBytes(%d) = %s', (n, expected) => {
  expect(humanBytes(n)).toBe(expected);
});

test.each([
  [850, '850ms'],
  [2100, '2.1s'],
  [41_000, '41s'],
  [372_000, '6m12s'],
  [3_723_000, '1h02m'],
])('humanDuration(%d) = %s', (ms, expected) => {
  expect(humanDuration(ms)).toBe(expected);
});

test.each([
  [`sha256:${'abcd1234'.repeat(8)}`, 'sha256:abcd1234…'],
  ['sha256:abc', 'sha256:abc'],
  ['not a digest <x> with a long tail', 'not a digest <x> with a…'],
  [undefined, ''],
])('shortDigest(%j)', (input, expected) => {
  expect(shortDigest(input)).toBe(expected);
});

test('truncate counts code points, not UTF-16 units', () => {
  expect(truncate('😀😀😀', 2)).toBe('😀…');
});

test('alignColumns pads every column to its widest cell', () => {
  const lines = alignColumns([
    ['A', 'BB', 'C'],
    ['aaa', 'b', ''],
  ]);
  expect(lines).toEqual(['A    BB  C', 'aaa  b']);
});

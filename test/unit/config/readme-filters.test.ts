/**
 * The README's filter translation table tells the truth: each row's ferry glob and ferry regex,
 * written into a rules file as a user would copy them, select the tags that row promises.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { formatDiagnostic, parseConfig } from '../../../src/config/index.js';
import { compileTagFilter } from '../../../src/rules/index.js';

const TAGS = [
  'v1.2.3',
  'v10.0.1',
  'v1.2.3-rc1',
  'v1.2',
  'latest',
  'stable',
  '3.18-alpine',
  'sha-0123abc',
  'nightly-20240101',
  'nightly-x',
];

/** What each row ("you want") selects from TAGS; a glob marked "(looser)" may select more. */
const WANT: Record<string, { exact: string[] }> = {
  'releases `v1.2.3`': { exact: ['v1.2.3', 'v10.0.1'] },
  'a few named tags': { exact: ['latest', 'stable'] },
  'a suffix': { exact: ['3.18-alpine'] },
  'all but release candidates': { exact: TAGS.filter((t) => t !== 'v1.2.3-rc1') },
  'commit tags': { exact: ['sha-0123abc'] },
  'nightly builds': { exact: ['nightly-20240101'] },
};

/** A rules file up to the rule's filters. */
const RULE = `version: 1\nregistries:\n  a: { type: registry, url: https://a.example.com }\n  b: { type: registry, url: https://b.example.com }\nrules:\n  - name: r\n    source: a\n    destination: b\n`;

let rows: Map<string, { glob: string; regex: string }>;
let readme: string;

beforeAll(async () => {
  readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('| you want |'));
  rows = new Map();
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    // Cells are split on | not preceded by a backslash; \| is a literal | inside a cell.
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    rows.set(cells[0]!, { glob: cells[4]!, regex: cells[5]! });
  }
});

/** The tags a `tag:` value (as YAML text) selects, after the loader checked it without errors. */
function select(yamlValue: string): string[] {
  const { config, diagnostics } = parseConfig(`${RULE}    filters:\n      tag: ${yamlValue}\n`, 'r.yaml');
  expect(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
  return TAGS.filter(compileTagFilter(config!.rules[0]!.filters.tag));
}

/** `"{latest,stable}"` or `[latest, stable]` → the first form; drops "(looser)" notes. */
const firstForm = (cell: string) =>
  cell
    .split(/ or /)[0]!
    .replace(/\s*\(looser\)/, '')
    .replace(/^`|`$/g, '');

describe('the README filter table', () => {
  test('has every row this test knows', () => {
    expect([...rows.keys()]).toEqual(expect.arrayContaining(Object.keys(WANT)));
  });

  test.each(Object.entries(WANT))('%s: the regex column selects exactly what it says', (row, want) => {
    expect(select(firstForm(rows.get(row)!.regex))).toEqual(want.exact);
  });

  test.each(Object.entries(WANT))('%s: the glob column selects it too', (row, want) => {
    const cell = rows.get(row)!.glob;
    const got = select(firstForm(cell));
    if (cell.includes('(looser)')) expect(got).toEqual(expect.arrayContaining(want.exact));
    else expect(got).toEqual(want.exact);
  });

  test('the side-by-side example is a valid filters block', () => {
    const at = readme.indexOf('**Globs and regular expressions, side by side.**');
    const block = readme.slice(
      readme.indexOf('```yaml\n', at) + 8,
      readme.indexOf('```', readme.indexOf('```yaml\n', at) + 8),
    );
    const { config, diagnostics } = parseConfig(`${RULE}${block.replace(/^/gm, '    ')}`, 'r.yaml');
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(TAGS.filter(compileTagFilter(config!.rules[0]!.filters.tag))).toEqual(['v1.2.3', 'v10.0.1']);
  });
});

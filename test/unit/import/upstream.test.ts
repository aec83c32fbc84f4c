/**
 * What each imported rules file selects, compared with what the source tool itself would have
 * replicated: ports of the tools' own selection code (named at each port) run side by side with
 * ferry's filters on the imported rules. Where ferry cannot select the same, the import must say
 * so in a warning; these tests hold both halves.
 */
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { type Config, parseConfig, type Rule } from '../../../src/config/index.js';
import type { ImportResult } from '../../../src/import/model.js';
import { importRegsync } from '../../../src/import/regsync.js';
import { renderRulesFile } from '../../../src/import/yaml-writer.js';
import { compileTagScope } from '../../../src/rules/index.js';

/** The output as ferry reads it; fails the test on any validation error. */
function valid(r: ImportResult): Config {
  const { config, diagnostics } = parseConfig(renderRulesFile(r), 'replication.yaml');
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return config!;
}
/** The tags of `tags` that any of the rules selects (ferry copies the union of its rules). */
const selectedTags = (rules: Rule[], tags: string[]) =>
  tags.filter((t) => rules.some((r) => compileTagScope(r.filters)(t)));

/** Port of regsync's filterRegexAllow/filterRegexDeny (cmd/regsync/root.go): `"^" + pattern + "$"`, MatchString. */
const regsyncMatch = (pattern: string, s: string) => RE2JS.compile(`^${pattern}$`).matcher(s).find();
const regsyncAllowDeny = (allow: string[], deny: string[], s: string) =>
  (allow.length === 0 || allow.some((p) => regsyncMatch(p, s))) && !deny.some((p) => regsyncMatch(p, s));

const repoEntry = (tags: string) =>
  `sync:\n  - source: docker.io/library/alpine\n    target: my.reg/library/alpine\n    type: repository\n${tags}`;

describe('regsync: allow/deny regexes anchored as regsync compiles them', () => {
  const table: { allow: string[]; deny: string[] }[] = [
    { allow: ['v1|v2'], deny: [] },
    { allow: ['latest', '3\\.\\d+'], deny: ['3\\.0'] },
    { allow: ['.*'], deny: ['.*-rc.*|dev'] },
    { allow: ['(a|b)c'], deny: [] },
    { allow: ['^x.*'], deny: ['.*y$'] },
  ];
  const tags = ['v1', 'v2', 'v1.5.0', 'dev-v2', 'v3', 'latest', '3.18', '3.0', '3.0.1', 'ac', 'bc', 'xac', 'x1', 'xy'];
  tags.push('1.0-rc1', 'dev', 'devel', 'a-dev');
  for (const { allow, deny } of table)
    it(`allow ${JSON.stringify(allow)} deny ${JSON.stringify(deny)} selects the tags regsync selects`, () => {
      const list = (k: string, v: string[]) => (v.length ? `      ${k}: ${JSON.stringify(v)}\n` : '');
      const c = valid(importRegsync('r.yml', repoEntry(`    tags:\n${list('allow', allow)}${list('deny', deny)}`)));
      expect(selectedTags(c.rules, tags)).toEqual(tags.filter((t) => regsyncAllowDeny(allow, deny, t)));
    });

  it('selects v1.5.0 and dev-v2 for `v1|v2`, as regsync does', () => {
    const c = valid(importRegsync('r.yml', repoEntry('    tags:\n      allow: ["v1|v2"]\n')));
    expect(selectedTags(c.rules, ['v1.5.0', 'dev-v2', 'v3'])).toEqual(['v1.5.0', 'dev-v2']);
  });
});

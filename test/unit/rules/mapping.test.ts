import { describe, expect, test } from 'vitest';
import { MappingError, mapRepository } from '../../../src/rules/index.js';

// Harbor's replaceNamespace (src/controller/replication/flow/stage.go): flattening k drops the
// first k components before the image name and puts the namespace in their place; asking for more
// components than exist before the name is an error (so `img` with the default 1 is an error).
describe('Harbor flattening table', () => {
  test.each<[string, string | undefined, number, string | null]>([
    // the table from Harbor's source comment
    ['a/b/c/img', undefined, 1, 'a/b/c/img'], // no namespace: path kept, flattening ignored
    ['a/b/c/img', undefined, -1, 'a/b/c/img'],
    ['a/b/c/img', undefined, 4, 'a/b/c/img'],
    ['a/b/c/img', '', 3, 'a/b/c/img'],
    ['a/b/c/img', 'n', -1, 'n/img'],
    ['a/b/c/img', 'n', 0, 'n/a/b/c/img'],
    ['a/b/c/img', 'n', 1, 'n/b/c/img'],
    ['a/b/c/img', 'n', 2, 'n/c/img'],
    ['a/b/c/img', 'n', 3, 'n/img'],
    ['a/b/c/img', 'n', 4, null],
    // shorter paths: 1 component before the name
    ['b/img', 'n', -1, 'n/img'],
    ['b/img', 'n', 0, 'n/b/img'],
    ['b/img', 'n', 1, 'n/img'],
    ['b/img', 'n', 2, null],
    // no component before the name: only -1 and 0 work
    ['img', 'n', -1, 'n/img'],
    ['img', 'n', 0, 'n/img'],
    ['img', 'n', 1, null],
    // a namespace with several components is kept whole
    ['library/nginx', 'mirror/hub', 1, 'mirror/hub/nginx'],
    ['library/nginx', 'mirror/hub', 0, 'mirror/hub/library/nginx'],
  ])('%s, namespace %j, flattening %i → %s', (repo, namespace, flattening, expected) => {
    const run = () => mapRepository(repo, { namespace, flattening });
    if (expected === null) expect(run).toThrow(MappingError);
    else expect(run()).toBe(expected);
  });

  test('the error names the repository and the flattening', () => {
    expect(() => mapRepository('a/b/c/img', { namespace: 'n', flattening: 4 })).toThrow(
      /"a\/b\/c\/img".*3 path component\(s\).*\(a, b, c\).*flattening is 4/,
    );
  });

  test('a non-integer flattening is an error', () => {
    expect(() => mapRepository('a/img', { namespace: 'n', flattening: 1.5 })).toThrow(/integer/);
  });
});

describe('destinations that need exactly namespace/name (Docker Hub)', () => {
  test.each<[string, string | undefined, number, string | RegExp]>([
    ['a/b/c/img', 'myorg', -1, 'myorg/img'],
    ['a/b/c/img', 'myorg', 3, 'myorg/img'],
    ['library/nginx', 'myorg', 1, 'myorg/nginx'],
    ['a/b/c/img', 'myorg', 1, /"a\/b\/c\/img".*"myorg\/b\/c\/img".*set flattening to 3 or -1/],
    ['a/b/img', 'myorg', 0, /set flattening to 2 or -1/],
    ['team/app', undefined, 1, 'team/app'],
    ['org/team/app', undefined, 1, /set a destination namespace with flattening -1/],
    ['app', undefined, 1, /only namespace\/name; set a destination namespace/],
    ['a/img', 'x/y', -1, /one-component destination namespace/],
  ])('%s, namespace %j, flattening %i → %s', (repo, namespace, flattening, expected) => {
    const run = () => mapRepository(repo, { namespace, flattening, requireTwoComponents: true });
    if (typeof expected === 'string') expect(run()).toBe(expected);
    else expect(run).toThrow(expected);
  });
});

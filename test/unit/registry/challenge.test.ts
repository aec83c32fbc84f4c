import { describe, expect, test } from 'vitest';
import { type Challenge, parseChallenges, repositoryScope } from '../../../src/registry/auth/challenge.js';

describe('parseChallenges reads real WWW-Authenticate headers', () => {
  test.each<[string, string | string[], Challenge[]]>([
    [
      'Docker Hub',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/nginx:pull',
          },
        },
      ],
    ],
    [
      'GHCR',
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' },
        },
      ],
    ],
    ['Harbor Basic on /v2/_catalog', 'Basic realm="harbor"', [{ scheme: 'basic', params: { realm: 'harbor' } }]],
    [
      'insufficient_scope with several scopes and a comma inside quotes',
      'Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull repository:b/c:pull,push",error="insufficient_scope"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.example/token',
            service: 'reg',
            scope: 'repository:a:pull repository:b/c:pull,push',
            error: 'insufficient_scope',
          },
        },
      ],
    ],
    [
      'escaped quote and backslash inside a quoted value',
      'Bearer realm="https://a.example/t",error_description="say \\"hi\\" to C:\\\\x"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://a.example/t', error_description: 'say "hi" to C:\\x' },
        },
      ],
    ],
    [
      'two challenges in one header',
      'Basic realm="reg", Bearer realm="https://auth.example/token",service="reg"',
      [
        { scheme: 'basic', params: { realm: 'reg' } },
        { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } },
      ],
    ],
    [
      'two header lines',
      ['Basic realm="reg"', 'Bearer realm="https://auth.example/token"'],
      [
        { scheme: 'basic', params: { realm: 'reg' } },
        { scheme: 'bearer', params: { realm: 'https://auth.example/token' } },
      ],
    ],
    [
      'unquoted values (token form)',
      'Bearer realm=https://auth.example/token,service=reg',
      [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } }],
    ],
    [
      'case-insensitive scheme and parameter names, spaces around =',
      'BEARER Realm = "https://auth.example/token" , Service="reg"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } }],
    ],
    [
      'a scheme without parameters followed by another',
      'Negotiate, Basic realm="x"',
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'basic', params: { realm: 'x' } },
      ],
    ],
    ['an empty quoted value', 'Bearer realm="",error=""', [{ scheme: 'bearer', params: { realm: '', error: '' } }]],
  ])('%s', (_name, header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });

  test.each([[undefined], [''], [[] as string[]]])('no header (%j) gives no challenges', (h) => {
    expect(parseChallenges(h)).toEqual([]);
  });

  test.each([
    ['an unterminated quote', 'Bearer realm="https://auth.example/token'],
    ['a trailing backslash', 'Bearer realm="x\\'],
    ['punctuation only', '=,=,"'],
    ['a very long header', `Bearer ${'a="b",'.repeat(20_000)}`],
  ])('terminates on %s', (_name, h) => {
    expect(Array.isArray(parseChallenges(h))).toBe(true);
  });

  test('an unterminated quoted realm keeps the text read so far', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token')[0]?.params.realm).toBe(
      'https://auth.example/token',
    );
  });
});

describe('repositoryScope', () => {
  test.each([
    ['library/nginx', ['pull'], 'repository:library/nginx:pull'],
    ['a/b', ['pull', 'push'], 'repository:a/b:pull,push'],
    ['a', ['delete'], 'repository:a:delete'],
  ])('%s %j → %s', (repo, actions, scope) => {
    expect(repositoryScope(repo, actions)).toBe(scope);
    // A scope round-trips through a challenge's scope parameter.
    expect(parseChallenges(`Bearer scope="${repositoryScope(repo, actions)}"`)[0]?.params.scope).toBe(scope);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  apiHost,
  DOCKER_HUB,
  DOCKER_HUB_API,
  formatReference,
  InvalidReferenceError,
  isRegistryHost,
  isTag,
  normalizeRegistry,
  parseReference,
  parseRepository,
  parseTag,
  type Reference,
} from '../../../src/oci/ref.js';

const DIGEST = `sha256:${createHash('sha256').update('ref').digest('hex')}`;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('parseReference normalises like docker pull', () => {
  test.each<[string, Reference]>([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['registry-1.docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['registry.hub.docker.com/x/y', { registry: 'docker.io', repository: 'x/y' }],
    ['hub.docker.com/x/y', { registry: 'docker.io', repository: 'x/y' }],
    ['ghcr.io/owner/image:v1.2.3', { registry: 'ghcr.io', repository: 'owner/image', tag: 'v1.2.3' }],
    ['quay.io/a/b/c', { registry: 'quay.io', repository: 'a/b/c' }],
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    [
      `localhost:5000/a/b:tag@${DIGEST}`,
      { registry: 'localhost:5000', repository: 'a/b', tag: 'tag', digest: DIGEST as Reference['digest'] },
    ],
    [`ghcr.io/a/b@${DIGEST}`, { registry: 'ghcr.io', repository: 'a/b', digest: DIGEST as Reference['digest'] }],
    ['127.0.0.1:5000/x', { registry: '127.0.0.1:5000', repository: 'x' }],
    ['127.0.0.1:5000/x:latest', { registry: '127.0.0.1:5000', repository: 'x', tag: 'latest' }],
    ['[::1]:5000/x', { registry: '[::1]:5000', repository: 'x' }],
    ['[::1]/x:t', { registry: '[::1]', repository: 'x', tag: 't' }],
    [
      'my-registry.example.com:443/team/app_1.2-b__c',
      { registry: 'my-registry.example.com:443', repository: 'team/app_1.2-b__c' },
    ],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  test.each([['docker.io/library/nginx:1'], [`localhost:5000/a/b:tag@${DIGEST}`], ['ghcr.io/o/i'], ['[::1]:5000/x:t']])(
    'formatReference(parseReference(%s)) round-trips the normalised form',
    (input) => {
      const parsed = parseReference(input);
      expect(parseReference(formatReference(parsed))).toEqual(parsed);
    },
  );

  test('every Docker Hub alias formats to the same normalised name', () => {
    const names = ['nginx', 'docker.io/nginx', 'index.docker.io/library/nginx', 'hub.docker.com/library/nginx'].map(
      (s) => formatReference(parseReference(s)),
    );
    expect(new Set(names).size).toBe(1);
  });
});

describe('parseReference rejects what docker rejects, naming the input and the rule', () => {
  test.each([
    ['uppercase repository', 'Nginx', 'repository'],
    ['uppercase repository under a registry', 'ghcr.io/Owner/app', 'repository'],
    ['tag starting with a dash', 'a:-x', 'tag'],
    ['tag of 129 characters', `a:${'t'.repeat(129)}`, 'tag'],
    ['registry with a non-numeric port', 'a:b/c', 'registry'],
    ['registry with a six-digit port', 'a.example:123456/c', 'registry'],
    ['uppercase hex digest', 'a@sha256:ABC', 'digest'],
    ['md5 digest', `a@md5:${createHash('md5').update('x').digest('hex')}`, 'digest'],
    ['path traversal digest', 'a@sha256:../../x', 'digest'],
    ['empty digest', 'a@', 'digest'],
    ['double slash', 'a//b', 'repository'],
    ['dot-dot component', 'ghcr.io/../x', 'repository'],
    ['escaped slash', 'ghcr.io/a/%2F', 'repository'],
    ['trailing slash', 'ghcr.io/a/', 'repository'],
    ['empty input', '', 'empty'],
    ['surrounding whitespace', ' nginx', 'whitespace'],
    ['registry with an invalid character', 'bad_host.example/x', 'registry'],
    ['IPv6 with a zone', '[fe80::1%eth0]:5000/x', 'registry'],
    ['name longer than 255 characters', `ghcr.io/${'a'.repeat(250)}`, '255'],
  ])('%s', (_name, input, expected) => {
    const err = thrown(() => parseReference(input));
    expect(err).toBeInstanceOf(InvalidReferenceError);
    expect(err.message).toContain(JSON.stringify(input.slice(0, 300)));
    expect(err.message.toLowerCase()).toContain(expected);
  });

  test('a tag of exactly 128 characters is accepted', () => {
    const tag = 't'.repeat(128);
    expect(parseReference(`a:${tag}`).tag).toBe(tag);
  });
});

describe('tags', () => {
  test.each([['latest'], ['v1.2.3'], ['_x'], ['1'], ['A-b_c.d'], ['t'.repeat(128)]])('accepts %s', (t) => {
    expect(isTag(t)).toBe(true);
    expect(parseTag(t)).toBe(t);
  });
  test.each([['-x'], ['.x'], [''], ['a/b'], ['..'], ['a%2F'], ['a b'], ['a:b'], ['t'.repeat(129)], ['tag\n']])(
    'rejects %j with the expected grammar in the message',
    (t) => {
      const err = thrown(() => parseTag(t, 'listing'));
      expect(err).toBeInstanceOf(InvalidReferenceError);
      expect(err.message).toContain('listing');
      expect(err.message).toContain('[A-Za-z0-9_]');
    },
  );
});

describe('parseRepository', () => {
  test.each([['a'], ['library/nginx'], ['a/b/c'], ['a.b_c__d-e--f'], ['0/9']])('accepts %s', (r) => {
    expect(parseRepository(r)).toBe(r);
  });
  test.each([
    ['a//b'],
    ['../x'],
    ['x/..'],
    ['a/./b'],
    ['a/%2F'],
    ['/a'],
    ['a/'],
    ['A'],
    ['a b'],
    ['a?b'],
    ['a#b'],
    ['a\\b'],
    ['-a'],
    ['a-'],
    [''],
    ['a'.repeat(256)],
  ])('rejects %j, naming the value and the rule', (r) => {
    const err = thrown(() => parseRepository(r, 'rules.yaml'));
    expect(err).toBeInstanceOf(InvalidReferenceError);
    expect(err.message).toContain('rules.yaml');
    expect(err.message).toContain(JSON.stringify(r.slice(0, 300)));
    expect(err.message).toContain('lowercase');
  });
  test.each([[undefined], [42], [null]])('rejects the non-string %j', (v) => {
    expect(() => parseRepository(v)).toThrow(InvalidReferenceError);
  });
});

describe('registry names', () => {
  test.each([
    ['docker.io', DOCKER_HUB_API],
    ['index.docker.io', DOCKER_HUB_API],
    ['hub.docker.com', DOCKER_HUB_API],
    ['registry-1.docker.io', DOCKER_HUB_API],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
  ])('apiHost(%s) = %s', (reg, host) => {
    expect(apiHost(reg)).toBe(host);
  });

  test('the Docker Hub API host is registry-1.docker.io', () => {
    expect(DOCKER_HUB_API).toBe('registry-1.docker.io');
    expect(apiHost(DOCKER_HUB)).toBe(DOCKER_HUB_API);
  });

  test.each([['INDEX.DOCKER.IO'], ['Hub.Docker.Com']])('Hub aliases are matched case-insensitively: %s', (h) => {
    expect(normalizeRegistry(h)).toBe(DOCKER_HUB);
  });

  test('other registries keep their spelling', () => {
    expect(normalizeRegistry('My.Registry:5000')).toBe('My.Registry:5000');
  });
});

describe('isRegistryHost: the one host grammar, for references and for event payloads', () => {
  test.each([
    ['ghcr.io', true],
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:5000', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    ['registry-1.docker.io:443', true],
    ['a.example:65535', true],
    ['a.example:123456', false],
    ['a:b', false],
    ['evil.example.com/x', false],
    ['https://ghcr.io', false],
    ['user@ghcr.io', false],
    ['-bad.example', false],
    ['bad_host.example', false],
    ['[fe80::1%eth0]', false],
    ['', false],
  ])('%s → %s', (host, ok) => {
    expect(isRegistryHost(host)).toBe(ok);
    // A reference takes exactly these hosts before its path (a host with a path is not one).
    if (host.includes('/')) return;
    const parses = () => {
      try {
        return parseReference(`${host}/x`).registry === host;
      } catch {
        return false;
      }
    };
    expect(parses()).toBe(ok);
  });
});

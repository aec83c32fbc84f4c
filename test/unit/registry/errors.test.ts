import { describe, expect, test } from 'vitest';
import {
  kindFor,
  parseErrorBody,
  RegistryError,
  type RegistryErrorKind,
  TAG_CHECK,
} from '../../../src/registry/errors.js';

describe('kindFor maps status and distribution error codes', () => {
  test.each<[number, string[], RegistryErrorKind]>([
    [429, [], 'rate-limited'],
    [429, ['TOOMANYREQUESTS'], 'rate-limited'],
    [403, ['TOOMANYREQUESTS'], 'rate-limited'],
    [401, [], 'unauthorized'],
    [401, ['UNAUTHORIZED'], 'unauthorized'],
    [400, ['UNAUTHORIZED'], 'unauthorized'],
    [403, [], 'denied'],
    [403, ['DENIED'], 'denied'],
    [404, [], 'not-found'],
    [404, ['NAME_UNKNOWN'], 'not-found'],
    [404, ['MANIFEST_UNKNOWN'], 'not-found'],
    [400, ['BLOB_UNKNOWN'], 'not-found'],
    [404, ['BLOB_UPLOAD_UNKNOWN'], 'not-found'],
    [405, [], 'unsupported'],
    [400, ['UNSUPPORTED'], 'unsupported'],
    [413, [], 'too-large'],
    [500, [], 'server'],
    [502, [], 'server'],
    [503, [], 'server'],
    [504, [], 'server'],
    [400, [], 'invalid'],
    [400, ['MANIFEST_INVALID'], 'invalid'],
    [400, ['TAG_INVALID'], 'invalid'],
    [412, ['DIGEST_INVALID'], 'invalid'],
    [409, [], 'http'],
    [418, [], 'http'],
  ])('HTTP %d %j → %s', (status, codes, kind) => {
    expect(kindFor(status, codes)).toBe(kind);
  });
});

describe('parseErrorBody', () => {
  test('reads codes and messages from a distribution error body', () => {
    const body = {
      errors: [
        { code: 'DENIED', message: 'requested access to the resource is denied' },
        { code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name: 'x' } },
      ],
    };
    expect(parseErrorBody(JSON.stringify(body))).toEqual({
      codes: body.errors.map((e) => e.code),
      messages: body.errors.map((e) => e.message),
    });
  });

  test('says what the storage answered: a full disk is not an "unknown error"', () => {
    // distribution 2.8.2 on a full file system, starting an upload, then writing one.
    const started = {
      errors: [
        {
          code: 'UNKNOWN',
          message: 'unknown error',
          detail: {
            Op: 'mkdir',
            Path: '/var/lib/registry/docker/registry/v2/repositories/team/web/_uploads/x',
            Err: 28,
          },
        },
      ],
    };
    expect(parseErrorBody(JSON.stringify(started)).messages).toEqual(['unknown error: mkdir: no space left on device']);
    const written = {
      errors: [
        {
          code: 'UNKNOWN',
          message: 'unknown error',
          detail: 'write /var/lib/registry/x/data: no space left on device',
        },
      ],
    };
    expect(parseErrorBody(JSON.stringify(written)).messages).toEqual([
      'unknown error: write /var/lib/registry/x/data: no space left on device',
    ]);
    // A detail without a message is the message, not ": …".
    expect(parseErrorBody(JSON.stringify({ errors: [{ code: 'UNKNOWN', detail: 'disk full' }] })).messages).toEqual([
      'disk full',
    ]);
  });

  test.each([
    ['lowercase', 'denied'],
    ['with a newline', 'DENIED\n::error::x'],
    ['with spaces', 'NOT A CODE'],
    ['too long', 'A'.repeat(65)],
    ['empty', ''],
  ])('drops a code that is not an upper-case identifier (%s)', (_name, code) => {
    expect(parseErrorBody(JSON.stringify({ errors: [{ code, message: 'm' }] })).codes).toEqual([]);
  });

  test('truncates long messages to 300 characters', () => {
    const long = 'x'.repeat(5_000);
    const r = parseErrorBody(JSON.stringify({ errors: [{ code: 'DENIED', message: long }] }));
    expect(r.messages[0]).toBe(long.slice(0, 300));
  });

  test.each([
    ['plain text with surrounding whitespace', '  upstream connect error  '],
    ['JSON without errors or a message', '{"status":"nope"}'],
    ['JSON null', 'null'],
  ])('keeps %s as the message, trimmed', (_name, text) => {
    expect(parseErrorBody(text)).toEqual({ codes: [], messages: [text.trim()] });
  });

  test.each([
    ['GitHub', '{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}', 'Not Found'],
    ['Docker Hub', '{"detail":"object not found","errinfo":{}}', 'object not found'],
    [
      'Docker Hub with both',
      '{"message":"httperror 404: object not found","detail":"ignored"}',
      'httperror 404: object not found',
    ],
  ])('reads the message of a %s error body', (_name, text, message) => {
    expect(parseErrorBody(text)).toEqual({ codes: [], messages: [message] });
  });

  test('truncates a long non-JSON body', () => {
    const text = 'y'.repeat(1_000);
    expect(parseErrorBody(text).messages[0]).toBe(text.slice(0, 300));
  });

  test.each([
    ['nginx 502', '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>', 'an HTML page "502 Bad Gateway"'],
    [
      'a titled page (title wins over h1)',
      '<!DOCTYPE html>\n<html lang="en"><head><title>Sign in &amp; continue</title></head><body><h1>Welcome</h1></body></html>',
      'an HTML page "Sign in & continue"',
    ],
    ['a page without title or heading', '<html><body>502 Bad Gateway</body></html>', 'an HTML page "502 Bad Gateway"'],
    ['a page without text', '<html><head><script>x()</script></head><body></body></html>', 'an HTML page'],
  ])('an HTML body (%s) is reduced to its title, without markup', (_name, text, message) => {
    expect(parseErrorBody(text)).toEqual({ codes: [], messages: [message], htmlPage: true });
  });

  test('a text body that mentions tags is kept as text', () => {
    expect(parseErrorBody('use <b>tags</b> please')).toEqual({ codes: [], messages: ['use <b>tags</b> please'] });
  });

  test.each([[''], ['   ']])('an empty body (%j) gives no messages', (text) => {
    expect(parseErrorBody(text)).toEqual({ codes: [], messages: [] });
  });
});

describe('RegistryError', () => {
  test('its message names the operation, registry, repository, detail, status and codes', () => {
    const e = new RegistryError({
      kind: 'denied',
      registry: 'ghcr.io',
      repository: 'o/i',
      operation: 'writing manifest to',
      status: 403,
      codes: ['DENIED'],
      detail: 'no push access',
    });
    for (const part of ['writing manifest to', 'ghcr.io/o/i', 'no push access', 'HTTP 403', 'DENIED'])
      expect(e.message).toContain(part);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RegistryError');
    expect(e.temporary).toBe(false);
  });

  test('the kind stands in for a missing detail, and the cause is kept', () => {
    const cause = new Error('root');
    const e = new RegistryError({ kind: 'network', registry: 'r.example', operation: 'ping', cause });
    expect(e.message).toContain('network');
    expect(e.cause).toBe(cause);
  });

  test.each<[string, RegistryErrorKind, string, string | undefined, string[]]>([
    [
      'unauthorized names the registry and the Docker config',
      'unauthorized',
      'ghcr.io',
      undefined,
      ['ghcr.io', 'config.json'],
    ],
    ['denied on docker.io explains Hub namespaces', 'denied', 'docker.io', 'PUT', ['Docker Hub', 'namespace']],
    ['denied on the Hub API host explains Hub namespaces', 'denied', 'registry-1.docker.io', 'PUT', ['namespace']],
    ['denied on a pull names pull permission', 'denied', 'ghcr.io', 'GET', ['pull permission']],
    ['denied on a push names push permission', 'denied', 'ghcr.io', 'PUT', ['push permission']],
    ['tls explains how to give a CA', 'tls', 'reg.internal', undefined, ['TLS', 'ca']],
    [
      'rate-limited suggests authenticating or waiting',
      'rate-limited',
      'docker.io',
      undefined,
      ['rate limit', 'authenticate'],
    ],
    ['digest-mismatch says nothing was written', 'digest-mismatch', 'r', undefined, ['digest', 'nothing was written']],
    ['unsupported mentions provider APIs', 'unsupported', 'r', undefined, ['does not support']],
    // Before, a refused push (405 on POST) got the hint about deleting.
    [
      'unsupported on a push says the registry takes no pushes',
      'unsupported',
      'r',
      'POST',
      ['r does not take pushes', 'pull-through cache'],
    ],
    ['unsupported on a delete says deletion is disabled', 'unsupported', 'r', 'DELETE', ['storage.delete.enabled']],
  ])('hint: %s', (_name, kind, registry, method, parts) => {
    const e = new RegistryError({
      kind,
      registry,
      operation: 'op',
      ...(method ? { method } : {}),
      ...(kind === 'unsupported' && method ? { status: 405 } : {}),
    });
    expect(e.hint).toBeDefined();
    for (const p of parts) expect(e.hint).toContain(p);
  });

  test('a 400 UNSUPPORTED on a push (ECR: a media type it does not take) is not told the registry takes no pushes', () => {
    const e = new RegistryError({
      kind: 'unsupported',
      registry: '1.dkr.ecr.us-east-1.amazonaws.com',
      operation: 'op',
      method: 'PUT',
      status: 400,
      codes: ['UNSUPPORTED'],
    });
    expect(e.hint).not.toContain('does not take pushes');
  });

  test('NAME_UNKNOWN gets a hint about creating the repository; a plain 404 gets none', () => {
    expect(
      new RegistryError({ kind: 'not-found', registry: 'r', operation: 'op', codes: ['NAME_UNKNOWN'] }).hint,
    ).toContain('create it first');
    expect(new RegistryError({ kind: 'not-found', registry: 'r', operation: 'op' }).hint).toBeUndefined();
  });

  test('an explicit hint wins over the default', () => {
    expect(new RegistryError({ kind: 'tls', registry: 'r', operation: 'op', hint: 'mine' }).hint).toBe('mine');
  });
});

describe('a manifest PUT refused with a distribution error code gets a hint saying what it means', () => {
  /** As the transport builds it from a manifest PUT's answer: the kind from status and codes. */
  const refused = (status: number, code: string, url = 'https://r.example/v2/team/app/manifests/v1') =>
    new RegistryError({
      kind: kindFor(status, [code]),
      registry: 'r.example',
      repository: 'team/app',
      operation: 'writing manifest to',
      method: 'PUT',
      url,
      status,
      codes: [code],
      detail: 'as the registry says',
    });

  // Before, each of these had no hint at all (a 400 is kind 'invalid', which had none for codes).
  test.each<[number, string, RegExp]>([
    [400, 'MANIFEST_BLOB_UNKNOWN', /^r\.example says it does not have a blob .*loses uploads.*run again/],
    [404, 'BLOB_UNKNOWN', /^r\.example says it does not have a blob .*loses uploads.*run again/],
    [404, 'MANIFEST_UNKNOWN', /^r\.example says it does not have a blob or child manifest/],
    [400, 'MANIFEST_INVALID', /refused the manifest as invalid .*cannot convert them/],
    [400, 'MANIFEST_UNVERIFIED', /schema 1 manifests, and this one's does not verify/],
    [400, 'TAG_INVALID', /refused the tag for this manifest/],
    [400, 'DIGEST_INVALID', /says a digest does not match: .*a proxy in front of the registry altered the request/],
    [400, 'SIZE_INVALID', /says a size does not match/],
    [400, 'NAME_INVALID', /does not take the repository name team\/app, though it is valid by the distribution spec/],
  ])('HTTP %i %s', (status, code, hint) => {
    expect(refused(status, code).hint).toMatch(hint);
  });

  test('DENIED keeps the push-permission hint', () => {
    expect(refused(403, 'DENIED').hint).toMatch(/no push permission on team\/app at r\.example/);
  });

  test("a blob upload's DIGEST_INVALID or BLOB_UNKNOWN is not told about a manifest", () => {
    const upload = 'https://r.example/v2/team/app/blobs/uploads/3f2a';
    expect(refused(400, 'DIGEST_INVALID', upload).hint).toBeUndefined();
    expect(refused(404, 'BLOB_UNKNOWN', upload).hint).toBeUndefined();
  });
});

describe('the read of a tag right after ferry wrote it', () => {
  const check = (status?: number) =>
    new RegistryError({
      kind: 'digest-mismatch',
      registry: 'r.example',
      repository: 'team/app',
      operation: TAG_CHECK,
      ...(status ? { status } : {}),
      detail: 'tag v1 points at …',
    });

  test('another digest: the tag was written, and something else serves another manifest for it', () => {
    // Before: "the content received does not match its digest … nothing was written".
    expect(check().hint).toMatch(/^the tag was written \(r\.example accepted the PUT and serves the tag\)/);
    expect(check().hint).not.toContain('nothing was written');
  });

  test('nothing (HTTP 404): the registry accepted the PUT and serves nothing', () => {
    expect(check(404).hint).toMatch(/^r\.example accepted the tag's PUT, but reading the tag back finds nothing/);
  });
});

describe("an answer of a redirect's target, another host than the registry", () => {
  const fromTarget = (status: number, kind: RegistryErrorKind) =>
    new RegistryError({
      kind,
      registry: 'r.example',
      repository: 'team/app',
      operation: 'fetching blob from',
      method: 'GET',
      status,
      otherOrigin: 'https://cdn.example',
    });

  test.each<[number, RegistryErrorKind]>([
    [401, 'unauthorized'],
    [403, 'denied'],
  ])('HTTP %i names the target and says it got no credentials, not that the user’s were refused', (status, kind) => {
    const hint = fromTarget(status, kind).hint;
    expect(hint).toMatch(
      /^r\.example sent ferry to https:\/\/cdn\.example \(its blob storage or CDN\), which refused the request without credentials: ferry sends none to another host than the registry's own, by design\. Either the signed URL expired .*misconfigured/,
    );
    expect(hint).not.toMatch(/refused the credentials|config\.json|permission/);
  });

  test('other statuses name the target as the one failing', () => {
    expect(fromTarget(500, 'server').hint).toMatch(
      /^r\.example sent ferry to https:\/\/cdn\.example .*, which answered HTTP 500: a problem of the registry's storage or CDN/,
    );
    expect(fromTarget(404, 'not-found').hint).toMatch(/answered HTTP 404/);
  });

  test('a certificate failure there keeps its own hint (no status: nothing answered)', () => {
    const e = new RegistryError({
      kind: 'tls',
      registry: 'r.example',
      operation: 'op',
      otherOrigin: 'https://cdn.example',
    });
    expect(e.hint).toMatch(/whose certificate is checked even with tls.verify: false/);
  });
});

/** The hints users read next to registry errors, per provider. */
import { describe, expect, it } from 'vitest';
import type { RegistryConfig } from '../../../src/config/types.js';
import { credentialSource, type HintContext, providerHint, tagExistsHint } from '../../../src/providers/hints.js';
import { API_CHECK, parseErrorBody, RegistryError, type RegistryErrorInit } from '../../../src/registry/errors.js';

const ctx = (provider: HintContext['provider'], extra: Partial<HintContext> = {}): HintContext => ({
  provider,
  registryName: 'dst',
  host: 'registry.example.com',
  ...extra,
});
const err = (init: Partial<RegistryErrorInit> & Pick<RegistryErrorInit, 'kind'>) =>
  new RegistryError({ registry: 'registry.example.com', operation: 'pushing', ...init });

describe('providerHint', () => {
  it('names the credential reference and the registry on unauthorized', () => {
    const reg = {
      name: 'dst',
      type: 'quay',
      tls: { verify: true },
      credentials: { username: { value: 'org+bot' }, password: { env: 'QUAY_TOKEN' } },
    } as RegistryConfig;
    const source = credentialSource(reg, 'quay.io', true);
    const h = providerHint(
      err({ kind: 'unauthorized', status: 401 }),
      ctx('quay', { credentialSource: source, username: 'org+bot' }),
    );
    expect(h).toMatch(
      /registry\.example\.com \(registries\.dst, type quay\) refused the credentials for user "org\+bot" from registries\.dst\.credentials \(password from environment variable QUAY_TOKEN\)/,
    );
    expect(providerHint(err({ kind: 'unauthorized' }), ctx('registry'))).toMatch(
      /needs credentials and none were found/,
    );
    const docker = credentialSource({ ...reg, credentials: undefined }, 'ghcr.io', true);
    expect(docker).toMatch(/the ghcr\.io entry of the Docker config\.json/);
  });

  it("does not blame the credentials for a refusal by a blob redirect's target, which never got them", () => {
    const source = 'registries.dst.credentials (password from environment variable REG_PASSWORD)';
    for (const [kind, status] of [
      ['unauthorized', 401],
      ['denied', 403],
    ] as const) {
      const h = providerHint(
        err({ kind, status, method: 'GET', otherOrigin: 'https://cdn.example' }),
        ctx('harbor', { credentialSource: source, username: 'robot$ci' }),
      );
      // Before: `… refused the credentials for user "robot$ci" from … check they are current`.
      expect(h).toMatch(
        /^registry\.example\.com \(registries\.dst, type harbor\) sent ferry to https:\/\/cdn\.example \(its blob storage or CDN\), which refused the request without credentials: ferry sends none to another host/,
      );
      expect(h).not.toMatch(/robot|REG_PASSWORD|check they are current|Harbor/);
    }
  });

  it('names the account and its credentials when a registry denies it a push', () => {
    const h = providerHint(
      err({ kind: 'denied', method: 'PUT', repository: 'team/app', status: 403 }),
      ctx('registry', {
        credentialSource: 'registries.dst.credentials (password from environment variable DST_PW)',
        username: 'pusher',
      }),
    );
    // Before: "the account has no push permission on team/app at …", which account unsaid.
    expect(h).toBe(
      'user "pusher" (from registries.dst.credentials (password from environment variable DST_PW)) has no push permission on team/app at registry.example.com (registries.dst, type registry): grant it, or check that the namespace or project exists',
    );
  });

  it('explains Docker Hub "requested access to the resource is denied" without a namespace', () => {
    const h = providerHint(err({ kind: 'denied', method: 'PUT', repository: 'web', status: 403 }), ctx('dockerhub'));
    expect(h).toMatch(/pushes need <namespace>\/<name>; set destination_namespace/);
  });

  it('says to create the ACR namespace and the Harbor project', () => {
    const acr = err({
      kind: 'denied',
      method: 'POST',
      repository: 'lgy-images/app',
      detail: 'namespace not found: lgy-images',
    });
    expect(providerHint(acr, ctx('aliyun-acr'))).toMatch(
      /namespace "lgy-images" does not exist: create it in the console/,
    );
    const harbor = err({
      kind: 'not-found',
      method: 'PUT',
      repository: 'proj/app',
      codes: ['NAME_UNKNOWN'],
      status: 404,
    });
    expect(providerHint(harbor, ctx('harbor'))).toMatch(/Harbor project "proj" does not exist/);
  });

  it('keeps the reset time of a 429 and adds what Docker Hub counts', () => {
    const e = err({
      kind: 'rate-limited',
      status: 429,
      hint: 'rate limited; it asks to retry after 60 s (at 2030-01-01T00:01:00.000Z)',
    });
    const h = providerHint(e, ctx('dockerhub'));
    expect(h).toContain('2030-01-01T00:01:00.000Z');
    expect(h).toMatch(/counts manifest GETs as pulls/);
  });

  it('tells how to give a CA, and spots plain HTTP on https://', () => {
    // As the transport makes it: the TLS library's code is carried on the error.
    const x509 = err({
      kind: 'tls',
      detail: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate',
      tlsCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(providerHint(x509, ctx('harbor'))).toMatch(
      /signed by an authority ferry does not know: give its CA as registries\.dst\.tls\.ca.*Harbor's CA is downloadable/,
    );
    // As the transport makes it: the plain-HTTP answer is its decision, carried on the error.
    const plain = err({ kind: 'tls', detail: 'ERR_SSL_WRONG_VERSION_NUMBER: wrong version number', plainHttp: true });
    expect(providerHint(plain, ctx('registry'))).toMatch(
      /answered plain HTTP on an https:\/\/ URL.*set registries\.dst\.url to http:\/\/registry\.example\.com/,
    );
  });

  it("words the registry layer's hints with the rules file's names, not the client's", () => {
    const handshake = err({ kind: 'tls', detail: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: handshake failure' });
    expect(providerHint(handshake, ctx('registry'))).toBe(
      'TLS with registry.example.com failed: give its CA as registries.dst.tls.ca (a PEM file, relative to replication.yaml), or for a registry you trust without TLS set tls.verify: false',
    );
    const timeout = err({ kind: 'network', detail: 'ETIMEDOUT: connect ETIMEDOUT 127.0.0.1:5000' });
    expect(providerHint(timeout, ctx('quay'))).toMatch(
      /^registry\.example\.com \(registries\.dst, type quay\) cannot be reached from the runner/,
    );
    // A hint given where the error was made is more specific than any default: it stays.
    const bound = err({
      kind: 'too-large',
      detail: 'the listing is longer than 10 pages',
      hint: 'ferry reads at most 10 pages',
    });
    expect(providerHint(bound, ctx('registry'))).toBe('ferry reads at most 10 pages');
  });

  it("explains ECR's MANIFEST_INVALID on a push: an OCI manifest without its mediaType", () => {
    const e = err({
      kind: 'invalid',
      method: 'PUT',
      status: 400,
      codes: ['MANIFEST_INVALID'],
      detail: "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    });
    expect(providerHint(e, ctx('ecr'))).toMatch(/^ECR refused the manifest as written at the source: .*mediaType/);
    expect(providerHint(e, ctx('registry'))).toBeUndefined();
  });

  it('explains a tag that exists with other content while override is off', () => {
    expect(tagExistsHint(ctx('ecr'), 'app', 'v1')).toMatch(
      /app:v1 already exists with different content.*override: true.*immutability/,
    );
  });

  it('says credentials were withheld on purpose on a pull request, not that none were found', () => {
    const withheld = ctx('dockerhub', { credentialsWithheld: true });
    const h = providerHint(err({ kind: 'unauthorized', status: 401 }), withheld);
    expect(h).toBe(
      'registry.example.com (registries.dst, type dockerhub) needs credentials, and ferry withheld registries.dst.credentials on purpose: this pull request comes from a fork or adds or changes the registry, so it is planned without secrets; the rule runs with them once merged',
    );
    expect(providerHint(err({ kind: 'denied', status: 403 }), ctx('registry', { credentialsWithheld: true }))).toMatch(
      /refused anonymous access, and ferry withheld registries\.dst\.credentials on purpose/,
    );
  });

  it('names the registry entry on a 5xx, a 404 on /v2/ and an HTML page', () => {
    const server = err({ kind: 'server', status: 502, operation: API_CHECK, detail: 'bad gateway' });
    expect(providerHint(server, ctx('harbor'))).toBe(
      'registry.example.com (registries.dst, type harbor) failed with HTTP 502: the registry, or a proxy in front of it, is failing; check its logs, then run again',
    );
    const page = parseErrorBody('<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>');
    expect(page.htmlPage).toBe(true);
    const html = err({ kind: 'server', status: 500, detail: page.messages[0], htmlPage: page.htmlPage });
    expect(providerHint(html, ctx('registry'))).toMatch(
      /failed with HTTP 500 and an HTML error page: the registry, or a proxy in front of it/,
    );
    const api = err({ kind: 'server', status: 503, registry: 'hub.docker.com', detail: 'unavailable' });
    expect(providerHint(api, ctx('dockerhub', { host: 'docker.io' }))).toMatch(
      /^hub\.docker\.com \(the API of docker\.io \(registries\.dst, type dockerhub\)\) failed with HTTP 503/,
    );
    const notApi = err({ kind: 'not-found', status: 404, operation: API_CHECK, detail: '404 page not found' });
    expect(providerHint(notApi, ctx('registry'))).toBe(
      'registry.example.com (registries.dst, type registry) does not serve the registry API at /v2/ (HTTP 404): is registries.dst.url the registry itself, not its web UI or another service on that host?',
    );
    const login = err({
      kind: 'invalid',
      operation: 'listing repositories',
      detail: 'page 1 of the listing is an HTML page "Login", not JSON',
      htmlPage: true,
    });
    expect(providerHint(login, ctx('registry'))).toBe(
      'registry.example.com (registries.dst, type registry) answered an HTML page instead of JSON: registries.dst.url leads to a web UI, a login page or a proxy, not the registry API',
    );
  });
});

/**
 * A registry that refuses the run as a whole (wrong password: its API check answers 401) is one
 * problem, told once for the rule with the repositories it kept from being done, not once per
 * repository. A real distribution 2.8.2 with basic auth over TLS as the destination.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { OciLayoutStore } from '../../src/providers/oci-layout.js';
import { runConfig } from '../../src/replicate/run.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { putLayoutImage } from '../support/layout-image.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { getTestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

let reg: RunningRegistry;
let tmp: TempDir;

beforeAll(async () => {
  reg = await startRegistry({ mode: 'basic', logLevel: 'warn' });
  tmp = await createTempDir('ferry-refused-');
});

afterAll(async () => {
  await reg?.stop();
  await tmp?.remove();
});

/** The registry's YAML entry, with a password it refuses. */
const refusing = (extra = '') =>
  `\n    type: registry\n    url: ${reg.url}\n    tls: { ca: ${reg.caFile} }\n` +
  `    credentials: { username: { env: REFUSED_USER }, password: { env: REFUSED_PASSWORD } }${extra}`;

/** Runs rule mirror of `file` (written from `yaml`) with the refused password in the environment. */
async function runRefused(name: string, yaml: string, dryRun: boolean) {
  const file = join(tmp.path, name);
  await writeFile(file, yaml);
  process.env.REFUSED_USER = 'ferry';
  process.env.REFUSED_PASSWORD = 'not-the-password';
  try {
    const { config } = await loadConfig(file);
    return await runConfig(config!, { dryRun, concurrency: 1 });
  } finally {
    delete process.env.REFUSED_USER;
    delete process.env.REFUSED_PASSWORD;
  }
}

test('a destination that refuses the password is one rule error naming the repositories, not one per repository', async () => {
  const src = new OciLayoutStore('src', join(tmp.path, 'src'));
  for (const repo of ['team/a', 'team/b', 'team/c']) await putLayoutImage(src, repo, 'v1');
  const out = await runRefused(
    'replication.yaml',
    `version: 1\nregistries:\n  src: { type: oci-layout, path: ./src }\n  dst:${refusing()}\nrules:\n` +
      '  - { name: mirror, source: src, destination: dst, filters: { name: "team/**" } }\n',
    false,
  );
  // Before: three identical "checking the registry API (GET /v2/) … (HTTP 401)" rule errors.
  expect(out.report.ruleErrors).toEqual([
    {
      rule: 'mirror',
      message: expect.stringMatching(/\(HTTP 401[^)]*\) \(3 repositories: team\/a, team\/b, team\/c\)$/),
      hint: expect.stringContaining('REFUSED_PASSWORD'),
      // Annotated at the registry's entry, where its credentials are mended.
      registry: 'dst',
    },
  ]);
  expect(out.report.results).toEqual([]);
});

test('a source that refuses the password is not also said to select nothing', async () => {
  const out = await runRefused(
    'from-refused.yaml',
    `version: 1\nregistries:\n  src:${refusing('\n    repositories: [team/a, team/b]')}\n` +
      '  dst: { type: oci-layout, path: ./out }\nrules:\n' +
      '  - { name: mirror, source: src, destination: dst, filters: { name: "team/**" } }\n',
    true,
  );
  expect(out.report.ruleErrors).toEqual([
    expect.objectContaining({ message: expect.stringMatching(/\(2 repositories: team\/a, team\/b\)$/) }),
  ]);
  // Before: "the rule selects nothing: its 2 matching repositories have no tags", beside the 401.
  expect(out.report.warnings ?? []).toEqual([]);
});

/** Runs rule mirror from an OCI layout into `dst` (a YAML registry entry); returns its rule errors. */
async function intoDestination(name: string, dst: string) {
  const src = new OciLayoutStore('src', join(tmp.path, 'src'));
  await putLayoutImage(src, 'team/a', 'v1');
  const file = join(tmp.path, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1\nregistries:\n  src: { type: oci-layout, path: ./src }\n  dst: ${dst}\nrules:\n  - { name: mirror, source: src, destination: dst, filters: { name: "team/**" } }\n`,
  );
  const { config } = await loadConfig(file);
  return (await runConfig(config!, { dryRun: true, concurrency: 1 })).report.ruleErrors;
}

test('a tls.ca that does not sign the certificate is said to be the wrong one, not asked for again', async () => {
  const other = (await getTestTls()).tokenSigning.certFile; // a CA, not the registry's
  const errors = await intoDestination('wrong-ca', `{ type: registry, url: ${reg.url}, tls: { ca: ${other} } }`);
  // Before: "give its CA as registries.dst.tls.ca", the setting already there.
  expect(errors).toEqual([
    expect.objectContaining({
      hint: `the certificate of ${reg.host} is not signed by the CA in registries.dst.tls.ca (${other}): give the CA that issued it, with any intermediate CA, in that PEM file`,
    }),
  ]);
});

test('a certificate for other names says so, and which names, not that its authority is unknown', async () => {
  const tls = await getTestTls();
  // A proxy whose certificate (trusted: its own CA) names neither 127.0.0.1 nor localhost.
  const cert = { cert: await readFile(tls.tokenSigning.certFile, 'utf8'), key: tls.tokenSigning.keyPem };
  const px: FaultProxy = await startFaultProxy({ target: reg.url, targetCa: tls.caPem, tls: cert });
  try {
    const errors = await intoDestination(
      'other-name',
      `{ type: registry, url: ${px.url}, tls: { ca: ${tls.tokenSigning.certFile} } }`,
    );
    expect(errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID/),
        hint: expect.stringMatching(
          /^the certificate of 127\.0\.0\.1:\d+ is issued for other names: write registries\.dst\.url with a name the certificate lists/,
        ),
      }),
    ]);
  } finally {
    await px.stop();
  }
});

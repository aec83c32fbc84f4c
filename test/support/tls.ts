/** Test PKI made with the openssl CLI, once per test process: a CA, a loopback server cert, a token-signing cert. */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createProcessTempDir } from './tmp.js';

const run = promisify(execFile);

export interface TestTls {
  /** PEM of the test CA, for `ca` options of node clients. */
  caPem: string;
  caFile: string;
  /** Server certificate for 127.0.0.1-3 and localhost, signed by the CA. */
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  /** Directory holding only `ca.crt`, for skopeo's --cert-dir options. */
  certDir: string;
  tokenSigning: TokenSigningKey;
}

/** Self-signed RSA certificate whose key signs registry tokens (RS256); the registry trusts the cert. */
export interface TokenSigningKey {
  keyPem: string;
  certFile: string;
  /** Base64 (not URL-safe) DER of the certificate, as a JWS `x5c` entry. */
  certDerBase64: string;
}

let cached: Promise<TestTls> | undefined;

/** Returns the process-wide test PKI, generating it on first use. */
export function getTestTls(): Promise<TestTls> {
  cached ??= generate();
  return cached;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 30_000 });
}

/** `openssl req` with a fresh RSA key; add '-x509' for a self-signed certificate instead of a CSR. */
function newKey(subject: string, keyFile: string, outFile: string, ...extra: string[]): Promise<void> {
  const base = ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', subject];
  return openssl([...base, '-keyout', keyFile, '-out', outFile, ...extra]);
}

async function generate(): Promise<TestTls> {
  const dir = createProcessTempDir('ferry-tls-');
  const p = (name: string) => join(dir, name);

  await newKey('/CN=ferry test CA', p('ca.key'), p('ca.pem'), '-x509', '-days', '2');
  await newKey('/CN=127.0.0.1', p('server.key'), p('server.csr'));
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3,DNS:localhost',
  ];
  await writeFile(p('server.ext'), `${ext.join('\n')}\n`);
  const io = ['-in', p('server.csr'), '-out', p('server.pem'), '-extfile', p('server.ext')];
  const ca = ['-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial'];
  await openssl(['x509', '-req', '-sha256', '-days', '2', ...io, ...ca]);
  await newKey('/CN=ferry test token signer', p('token.key'), p('token.pem'), '-x509', '-days', '2');

  const certDir = p('certs.d');
  await mkdir(certDir);
  await copyFile(p('ca.pem'), join(certDir, 'ca.crt'));

  const tokenCertPem = await readFile(p('token.pem'), 'utf8');
  return {
    caPem: await readFile(p('ca.pem'), 'utf8'),
    caFile: p('ca.pem'),
    certFile: p('server.pem'),
    keyFile: p('server.key'),
    certPem: await readFile(p('server.pem'), 'utf8'),
    keyPem: await readFile(p('server.key'), 'utf8'),
    certDir,
    tokenSigning: {
      keyPem: await readFile(p('token.key'), 'utf8'),
      certFile: p('token.pem'),
      certDerBase64: new X509Certificate(tokenCertPem).raw.toString('base64'),
    },
  };
}

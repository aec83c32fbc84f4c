/** Helpers around the real skopeo binary (execFile, no shell), the harness's independent check. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTagged, writeDirTransport } from './oci-fixtures.js';
import type { RunningRegistry } from './registry-process.js';
import { createProcessTempDir, createTempDir } from './tmp.js';

export interface CopyOptions {
  /** 'user:password' */
  srcCreds?: string;
  destCreds?: string;
  srcCertDir?: string;
  destCertDir?: string;
  /** Copy every manifest of an index (skopeo --all). */
  all?: boolean;
  /** false allows plain HTTP (and skips verification). */
  srcTlsVerify?: boolean;
  destTlsVerify?: boolean;
  /** Refuse any manifest or layer rewrite (default true), so digests are preserved exactly. */
  preserveDigests?: boolean;
}

export interface RefOptions {
  creds?: string;
  certDir?: string;
  tlsVerify?: boolean;
}

/** skopeo exited non-zero; `stderr` holds its message. */
export class SkopeoError extends Error {
  constructor(
    /** Arguments with passwords redacted. */
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`skopeo ${args[0] ?? ''} failed (exit ${exitCode}): ${stderr.trim()}`);
    this.name = 'SkopeoError';
  }
}

let globalArgs: string[] | undefined;
let env: NodeJS.ProcessEnv | undefined;

/** Accept-anything policy, empty registries.conf and auth file, so host configuration never matters. */
function setup(): { globalArgs: string[]; env: NodeJS.ProcessEnv } {
  if (!globalArgs || !env) {
    const dir = createProcessTempDir('ferry-skopeo-');
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    writeFileSync(join(dir, 'registries.conf'), '');
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ auths: {} }));
    globalArgs = ['--policy', policy, '--tmpdir', dir];
    env = {
      ...process.env,
      CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
      REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
      DOCKER_CONFIG: dir,
    };
  }
  return { globalArgs, env };
}

/** Runs skopeo with `args`; resolves stdout bytes, rejects with SkopeoError. */
export function runSkopeo(args: string[]): Promise<Buffer> {
  const s = setup();
  return new Promise((resolve, reject) => {
    execFile(
      'skopeo',
      [...s.globalArgs, ...args],
      { env: s.env, encoding: 'buffer', maxBuffer: 64 << 20, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        reject(new SkopeoError(redact(args), code, stderr.toString() || err.message));
      },
    );
  });
}

/** Hides passwords in `--creds=user:password` style arguments. */
function redact(args: string[]): string[] {
  return args.map((a) => a.replace(/^(--[a-z-]*creds=[^:]*:).*$/, '$1***'));
}

function side(prefix: 'src' | 'dest' | '', creds?: string, certDir?: string, tlsVerify?: boolean): string[] {
  const flag = (name: string) => `--${prefix ? `${prefix}-` : ''}${name}`;
  const out: string[] = [];
  out.push(creds === undefined ? flag('no-creds') : `${flag('creds')}=${creds}`);
  if (certDir) out.push(`${flag('cert-dir')}=${certDir}`);
  if (tlsVerify !== undefined) out.push(`${flag('tls-verify')}=${tlsVerify}`);
  return out;
}

/** `skopeo copy src dest`; refs carry their transport (docker://, oci:…). Credentials only apply to docker refs. */
export async function skopeoCopy(src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  const args = ['copy', '--quiet'];
  if (opts.all) args.push('--all');
  if (opts.preserveDigests ?? true) args.push('--preserve-digests');
  if (src.startsWith('docker://')) args.push(...side('src', opts.srcCreds, opts.srcCertDir, opts.srcTlsVerify));
  if (dest.startsWith('docker://')) args.push(...side('dest', opts.destCreds, opts.destCertDir, opts.destTlsVerify));
  await runSkopeo([...args, src, dest]);
}

/** `skopeo inspect --raw`: the manifest bytes exactly as served. */
export function inspectRaw(ref: string, opts: RefOptions = {}): Promise<Buffer> {
  return runSkopeo(['inspect', '--raw', ...side('', opts.creds, opts.certDir, opts.tlsVerify), ref]);
}

/** sha256 digest of the raw manifest bytes. */
export async function inspectDigest(ref: string, opts: RefOptions = {}): Promise<string> {
  const raw = await inspectRaw(ref, opts);
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** Tags of a repository (`docker://host/repo`). */
export async function listTags(ref: string, opts: RefOptions = {}): Promise<string[]> {
  const out = await runSkopeo(['list-tags', ...side('', opts.creds, opts.certDir, opts.tlsVerify), ref]);
  return (JSON.parse(out.toString('utf8')) as { Tags: string[] | null }).Tags ?? [];
}

/** Ref options for a registry: plain HTTP allowed for anonymous mode, test CA otherwise. `user: null` = anonymous. */
export function refOptions(registry: RunningRegistry, user: string | null = 'ferry'): RefOptions {
  const password = user === null ? undefined : registry.users[user];
  return {
    creds: user !== null && password !== undefined ? `${user}:${password}` : undefined,
    certDir: registry.certDir,
    tlsVerify: registry.mode !== 'anonymous',
  };
}

/** `docker://HOST/repo:tag` for a registry. */
export function dockerRef(registry: RunningRegistry, repoAndTag: string): string {
  return `docker://${registry.host}/${repoAndTag}`;
}

/** Pushes `layoutDir:tag` (all platforms, digests preserved) to `repoAndTag`, as the ferry user by default. */
export async function seedImage(
  layoutDir: string,
  tag: string,
  registry: RunningRegistry,
  repoAndTag: string,
  user: string | null = 'ferry',
): Promise<void> {
  const o = refOptions(registry, user);
  const dest = dockerRef(registry, repoAndTag);
  const opts = { all: true, destCreds: o.creds, destCertDir: o.certDir, destTlsVerify: o.tlsVerify };
  const desc = findTagged(layoutDir, tag);
  if (!desc?.mediaType.startsWith('application/vnd.docker.')) {
    await skopeoCopy(`oci:${layoutDir}:${tag}`, dest, opts);
    return;
  }
  const dir = await createTempDir('ferry-dir-transport-');
  try {
    writeDirTransport(layoutDir, desc.digest, dir.path);
    await skopeoCopy(`dir:${dir.path}`, dest, opts);
  } finally {
    await dir.remove();
  }
}

/**
 * `ferry import …`: a rules file from Harbor's replication policies or from a peer tool's config.
 * The file goes to --out (or stdout), warnings to stderr; the output is checked with ferry's own
 * validator before it is written. Exit 0 ok, 1 drift or invalid input, 2 usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import {
  ConfigError,
  counted,
  formatDiagnostic,
  formatDrift,
  formatWarning,
  harborDrift,
  harborLogin,
  importDregsy,
  importHarbor,
  importImageSyncer,
  ImportError,
  type ImportResult,
  importList,
  importRegsync,
  importSkopeo,
  parseConfig,
  renderRulesFile,
} from '../../index.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** Writes the import, after ferry's validator has read it; 1 when the result does not validate. */
async function emit(result: ImportResult, out: string | undefined): Promise<number> {
  for (const w of result.warnings) console.error(formatWarning(w));
  const text = renderRulesFile(result);
  const file = out ?? '(stdout)';
  const { diagnostics } = parseConfig(text, file);
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
  for (const d of diagnostics) console.error(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (out)
    console.error(
      `${out}: ${counted(result.rules.length, 'rule')}, ${counted(result.registries.length, 'registry', 'registries')}${errors ? `, ${counted(errors, 'error')} to fix` : ''}`,
    );
  return errors ? 1 : 0;
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new ImportError(
      file,
      undefined,
      undefined,
      `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** Runs one import; input errors are exit 1 with the file, line and field. */
async function guarded(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ImportError) {
      console.error(`ferry import: ${e.message}`);
      return 1;
    }
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) console.error(formatDiagnostic(d));
      return 1;
    }
    throw e;
  }
}

interface HarborOpts {
  url: string;
  policy: string[];
  name?: string;
  out?: string;
  check?: string;
  insecure?: boolean;
  ca?: string;
}

async function harborCommand(o: HarborOpts): Promise<number> {
  if (o.check && o.out) {
    // Before, --out was ignored without a word: the user looked for a file that never came.
    console.error(`ferry import harbor: --check compares ${o.check} with Harbor and writes nothing: drop --out`);
    return 2;
  }
  return guarded(async () => {
    const login = await harborLogin(o.url);
    const ca = o.ca ? await readFile(o.ca) : undefined;
    const result = await importHarbor({
      url: o.url,
      ...(o.name ? { name: o.name } : {}),
      ...(o.policy.length ? { policies: o.policy } : {}),
      ...(login ? { login } : {}),
      ...(o.insecure || ca ? { tls: { ...(ca ? { ca } : {}), ...(o.insecure ? { verify: false } : {}) } } : {}),
    });
    if (!o.check) return emit(result, o.out);
    const drifts = harborDrift(result, await readInput(o.check), o.check, o.policy.length > 0);
    for (const d of drifts) console.log(formatDrift(o.check, d));
    console.error(
      drifts.length
        ? `${o.check}: ${drifts.length} difference(s) from Harbor's policies`
        : `${o.check}: matches Harbor's ${result.rules.length} policies`,
    );
    return drifts.length ? 1 : 0;
  });
}

/** The `import` command and its subcommands, one per source format. */
export function importCommand(): Command {
  const cmd = new Command('import')
    .description("write replication.yaml from Harbor replication policies or another tool's config")
    .exitOverride();
  cmd
    .command('harbor')
    .description(
      "read Harbor's replication policies and registries (API v2.0); credentials from HARBOR_USERNAME/HARBOR_PASSWORD or the Docker config",
    )
    .requiredOption('--url <url>', "Harbor's address, like https://harbor.example.com")
    .option('--policy <name>', 'only this policy (repeatable)', collect, [])
    .option('--name <name>', 'the name this Harbor gets under registries:', 'harbor')
    .option('-o, --out <file>', 'write the rules file here (default: stdout)')
    .option('--check <file>', "compare the file with Harbor's live policies; exit 1 on drift")
    .option('--insecure', "do not verify Harbor's TLS certificate")
    .option('--ca <file>', "PEM CA bundle for Harbor's certificate")
    .exitOverride()
    .action(async (opts: HarborOpts) => {
      process.exitCode = await harborCommand(opts);
    });
  cmd
    .command('regsync <file>')
    .description('from a regsync.yml (regclient)')
    .option('-o, --out <file>', 'write the rules file here (default: stdout)')
    .exitOverride()
    .action(async (file: string, opts: { out?: string }) => {
      process.exitCode = await guarded(async () => emit(importRegsync(file, await readInput(file)), opts.out));
    });
  cmd
    .command('skopeo <file>')
    .description('from a `skopeo sync --src yaml` file; --dest is the sync destination')
    .requiredOption(
      '--dest <registry/path>',
      'the destination skopeo sync was given, like my-registry.local.lan/repo',
      destination,
    )
    .option('--scoped', 'skopeo sync ran with --scoped')
    .option('--all', 'skopeo sync ran with --all (every platform)')
    .option('--dest-tls-verify <bool>', 'as skopeo sync --dest-tls-verify', tlsVerify, true)
    .option('-o, --out <file>', 'write the rules file here (default: stdout)')
    .exitOverride()
    .action(
      async (
        file: string,
        opts: { dest: string; scoped?: boolean; all?: boolean; destTlsVerify: boolean; out?: string },
      ) => {
        process.exitCode = await guarded(async () =>
          emit(
            importSkopeo(file, await readInput(file), {
              dest: opts.dest,
              scoped: opts.scoped === true,
              all: opts.all === true,
              destTlsVerify: opts.destTlsVerify,
            }),
            opts.out,
          ),
        );
      },
    );
  cmd
    .command('image-syncer <file>')
    .description('from image-syncer images (with --auth) or config file, YAML or JSON')
    .option('--auth <file>', 'the --auth file image-syncer was given')
    .option('--registry <host>', 'image-syncer --registry (default registry for empty destinations)')
    .option('--namespace <ns>', 'image-syncer --namespace (default namespace for empty destinations)')
    .option('-o, --out <file>', 'write the rules file here (default: stdout)')
    .exitOverride()
    .action(async (file: string, opts: { auth?: string; registry?: string; namespace?: string; out?: string }) => {
      process.exitCode = await guarded(async () =>
        emit(
          importImageSyncer(file, await readInput(file), {
            ...(opts.auth ? { auth: { file: opts.auth, text: await readInput(opts.auth) } } : {}),
            ...(opts.registry ? { registry: opts.registry } : {}),
            ...(opts.namespace ? { namespace: opts.namespace } : {}),
          }),
          opts.out,
        ),
      );
    });
  cmd
    .command('dregsy <file>')
    .description('from a dregsy config file')
    .option('-o, --out <file>', 'write the rules file here (default: stdout)')
    .exitOverride()
    .action(async (file: string, opts: { out?: string }) => {
      process.exitCode = await guarded(async () => emit(importDregsy(file, await readInput(file)), opts.out));
    });
  cmd
    .command('list <file>')
    .description('from a list of image references (host/repo:tag), one per line')
    .requiredOption(
      '--dest <registry/path>',
      'where the images go, like harbor-dc2.example.com (same paths) or host/namespace',
      destination,
    )
    .option('-o, --out <file>', 'write the rules file here (default: stdout)')
    .exitOverride()
    .action(async (file: string, opts: { dest: string; out?: string }) => {
      process.exitCode = await guarded(async () =>
        emit(importList(file, await readInput(file), { dest: opts.dest }), opts.out),
      );
    });
  return cmd;
}

/**
 * skopeo's --dest-tls-verify value, as Go reads a bool (`no` and `0` turned verification on before);
 * anything else is a usage error.
 */
export function tlsVerify(v: string): boolean {
  const t = v.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(t)) return true;
  if (['false', '0', 'f', 'no'].includes(t)) return false;
  throw new InvalidArgumentError(`--dest-tls-verify expects true or false, got ${JSON.stringify(v)}`);
}

/** A --dest value: host[:port][/path]. A URL became a registry named "https:" in the rules written. */
export function destination(v: string): string {
  const t = v.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(t);
  if (scheme)
    throw new InvalidArgumentError(
      `--dest takes host[/path], not a URL: write ${t.slice(scheme[0].length) || 'the host'}`,
    );
  if (!t || t.startsWith('/'))
    throw new InvalidArgumentError('--dest needs a registry host, like harbor.example.com/mirror');
  return t;
}

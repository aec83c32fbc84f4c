/**
 * Hints for the errors users hit, by provider: which credential was used (its reference, never its
 * value) and for which registry, Docker Hub namespaces, missing ACR namespaces and Harbor projects,
 * rate limits with their reset time, unknown certificate authorities, plain HTTP on https://.
 */
import type { RegistryConfig, RegistryType, SecretRef } from '../config/types.js';
import { type HintNames, RegistryError, registryHint, signedByUnknownAuthority } from '../registry/errors.js';
import { dockerConfigMissReason } from './credentials.js';
import type { Store } from './store.js';

export interface HintContext {
  provider: RegistryType;
  /** The registry's key in replication.yaml. */
  registryName: string;
  /** Host shown to the user (`docker.io`, `harbor.example.com`). */
  host: string;
  /** Where the credentials came from, as a reference (`environment variable HARBOR_PASSWORD`); undefined = none. */
  credentialSource?: string;
  /** The user name sent, when known (not secret). */
  username?: string;
  /**
   * True when the registry has credentials configured but ferry did not use them on purpose: a pull
   * request from a fork, or one that adds or changes the registry, is planned anonymously.
   */
  credentialsWithheld?: boolean;
  /** The registry's tls.ca as written in replication.yaml, when it has one. */
  caFile?: string;
}

/**
 * Why no credentials were sent, for a registry that wanted some: withheld on this pull request, or
 * `docker_config: true` that found no login; undefined when nothing says why (none configured).
 */
function noCredentialsHint(ctx: HintContext, lead: string): string | undefined {
  if (ctx.credentialsWithheld)
    return `${lead}, and ferry withheld registries.${ctx.registryName}.credentials on purpose: this pull request comes from a fork or adds or changes the registry, so it is planned without secrets; the rule runs with them once merged`;
  const miss = dockerConfigMissReason(ctx.registryName);
  if (miss)
    return `${lead}, and registries.${ctx.registryName}.credentials.docker_config: true found none: ${miss}; log in to ${ctx.host} with docker/login-action earlier in the same job (docker login ${ctx.host} on your machine)`;
  return undefined;
}

function refName(ref: SecretRef | { value: string } | undefined): string | undefined {
  if (!ref) return undefined;
  if ('value' in ref) return undefined;
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  return typeof ref.dockerConfig === 'string'
    ? `Docker config ${ref.dockerConfig}`
    : 'the Docker config.json (DOCKER_CONFIG or ~/.docker)';
}

/**
 * Names where a registry's credentials come from, without their value. `found` says whether
 * any credentials were resolved (a Docker config lookup may find none).
 */
export function credentialSource(reg: RegistryConfig, host: string, found: boolean): string | undefined {
  if (!found) return undefined;
  const c = reg.credentials;
  const secret = refName(c?.token) ?? refName(c?.password);
  if (secret && !secret.startsWith('the Docker') && !secret.startsWith('Docker config'))
    return `registries.${reg.name}.credentials (${c?.token ? 'token' : 'password'} from ${secret})`;
  if (secret) return `the ${host} entry of ${secret}`;
  return `the ${host} entry of the Docker config.json (DOCKER_CONFIG or ~/.docker)`;
}

const UNAUTHORIZED_TIPS: Partial<Record<RegistryType, string>> = {
  dockerhub:
    'Docker Hub: use a personal access token as the password (Account settings → Personal access tokens); with SSO enforced, passwords are refused',
  ghcr: 'GHCR: with GITHUB_TOKEN the workflow needs `permissions: packages: read` (and `write` to push); a PAT needs read:packages/write:packages',
  harbor:
    "Harbor: robot accounts log in as robot$<name> (robot$<project>+<name> for project robots); quote the name in YAML because of the '$'",
  'aliyun-acr':
    'Aliyun ACR: the password is the fixed registry password set under Access Credentials (访问凭证), not the Aliyun login password',
  ecr: 'ECR: passwords from `aws ecr get-login-password` expire after 12 hours, and amazon-ecr-login logs out in its post step: run ferry in the same job, after the login step',
  gar: 'Artifact Registry: log in as oauth2accesstoken with the access token from google-github-actions/auth (token_format: access_token), or _json_key with a key file',
  quay: 'Quay: use a robot account (<org>+<name>) with write permission on the organization',
};

/** Namespace-like first path component a registry needs to exist before a push. */
const CONTAINER: Partial<Record<RegistryType, string>> = {
  harbor: 'project',
  'aliyun-acr': 'namespace',
  quay: 'organization',
  dockerhub: 'namespace',
  ecr: 'repository',
  gar: 'repository',
};

function missingContainerHint(ctx: HintContext, repository: string | undefined): string | undefined {
  const ns = repository?.split('/')[0] ?? '<namespace>';
  switch (ctx.provider) {
    case 'aliyun-acr':
      return `the Aliyun ACR namespace "${ns}" does not exist: create it in the console (Container Registry → Namespaces / 命名空间) before pushing, or set destination_namespace to an existing one`;
    case 'harbor':
      return `the Harbor project "${ns}" does not exist on ${ctx.host}: create it (Projects → New Project), or set options.create_project: true on registries.${ctx.registryName} to let ferry create it`;
    case 'ecr':
      return `the ECR repository "${repository}" must exist before a push: aws ecr create-repository --repository-name ${repository} (or a repository creation template)`;
    case 'gar': {
      const parts = repository?.split('/') ?? [];
      return `the Artifact Registry repository "${parts.slice(0, 2).join('/')}" must exist, and paths are <project>/<repository>/<image>: gcloud artifacts repositories create ${parts[1] ?? '<repository>'} --repository-format=docker --project=${parts[0] ?? '<project>'}`;
    }
    case 'quay':
      return `the Quay organization "${ns}" must exist (quay.io → Create New Organization) and the account must be able to write to it`;
    default:
      return undefined;
  }
}

function isMissingContainer(e: RegistryError): boolean {
  const text = e.message.toLowerCase();
  if (
    /namespace not found|namespace .*(does not exist|not exist)|project .*not found|organization .*not found/.test(text)
  )
    return true;
  if (/repository .*does not exist/.test(text)) return true;
  return e.kind === 'not-found' && e.codes.includes('NAME_UNKNOWN') && e.method !== 'GET' && e.method !== 'HEAD';
}

/**
 * How a hint names the registry: its host and its entry in replication.yaml. A vendor API (Harbor's,
 * Docker Hub's) has its own host: a hint then says which of the two failed.
 */
function hintNames(e: RegistryError, ctx: HintContext): HintNames {
  const where = `${ctx.host} (registries.${ctx.registryName}, type ${ctx.provider})`;
  return {
    subject: e.registry === ctx.host ? where : `${e.registry} (the API of ${where})`,
    host: ctx.host,
    setting: (key) => `registries.${ctx.registryName}.${key}`,
  };
}

/**
 * A hint for `e` from a registry of `ctx.provider`: a vendor's own advice where one applies, else the
 * registry layer's hint (`registryHint`) in the rules file's names.
 */
export function providerHint(e: RegistryError, ctx: HintContext): string | undefined {
  return vendorHint(e, ctx) ?? registryHint(e, hintNames(e, ctx));
}

/** Advice only a vendor (or the rules file's credentials) gives; undefined leaves it to `registryHint`. */
function vendorHint(e: RegistryError, ctx: HintContext): string | undefined {
  // Another host answered (a blob redirect's storage or CDN), which got no credentials: the vendor's
  // advice on them, its projects and permissions would blame the user's settings for its refusal.
  if (e.otherOrigin && e.status !== undefined) return undefined;
  const where = `${ctx.host} (registries.${ctx.registryName}, type ${ctx.provider})`;
  if (isMissingContainer(e) && CONTAINER[ctx.provider] && ctx.provider !== 'dockerhub')
    return missingContainerHint(ctx, e.repository);
  switch (e.kind) {
    case 'unauthorized': {
      const tip = UNAUTHORIZED_TIPS[ctx.provider];
      const who = ctx.username ? ` for user "${ctx.username}"` : '';
      // Credentials withheld on purpose: the vendor's tips on refused credentials do not apply.
      if (!ctx.credentialSource && ctx.credentialsWithheld) return noCredentialsHint(ctx, `${where} needs credentials`);
      const base = ctx.credentialSource
        ? `${where} refused the credentials${who} from ${ctx.credentialSource}: check they are current and meant for this registry`
        : (noCredentialsHint(ctx, `${where} needs credentials`) ??
          `${where} needs credentials and none were found: set registries.${ctx.registryName}.credentials (e.g. password: { env: NAME }), or log in to ${ctx.host} with docker/login-action earlier in the same job`);
      return tip ? `${base}. ${tip}` : base;
    }
    case 'denied': {
      const pushing = e.method !== 'GET' && e.method !== 'HEAD';
      if (ctx.provider === 'dockerhub') {
        if (e.repository && !e.repository.includes('/'))
          return 'Docker Hub answered "requested access to the resource is denied": pushes need <namespace>/<name>; set destination_namespace to your Docker Hub user or organisation';
        const ns = e.repository?.split('/')[0];
        return `Docker Hub answered "requested access to the resource is denied" for ${e.repository ?? 'this repository'}: the namespace "${ns}" must be your user or an organisation where ${ctx.username ?? 'the account'} may ${pushing ? 'push' : 'pull'} (set destination_namespace), and a personal access token needs the Read & Write scope`;
      }
      if (ctx.provider === 'ghcr')
        return `GHCR refused ${pushing ? 'the push' : 'access'} to ${e.repository ?? 'the package'}: GITHUB_TOKEN can only write packages linked to the workflow's repository; link it, or grant the repository access under the package's settings (Manage Actions access), and give the job permissions: packages: write`;
      if (ctx.provider === 'harbor')
        return `Harbor refused ${pushing ? 'the push' : 'access'} to ${e.repository ?? 'this repository'}: the account needs a role in project "${e.repository?.split('/')[0]}" (Developer or above to push, Guest to pull); a robot account needs the ${pushing ? 'push' : 'pull'} permission for that project`;
      if (ctx.credentialSource === undefined)
        return (
          noCredentialsHint(ctx, `${where} refused anonymous access`) ??
          `${where} refused anonymous access: configure registries.${ctx.registryName}.credentials`
        );
      // Which account, from which credentials: "the account" left a user of several to guess.
      return `${ctx.username ? `user "${ctx.username}"` : 'the account'} (from ${ctx.credentialSource}) has no ${pushing ? 'push' : 'pull'} permission on ${e.repository ?? 'this repository'} at ${where}: grant it, or check that the namespace or project exists`;
    }
    case 'rate-limited': {
      if (ctx.provider !== 'dockerhub') return undefined;
      const own = e.hint ?? '';
      return `${own ? `${own} ` : ''}Docker Hub counts manifest GETs as pulls (ferry compares with HEAD, which is free); authenticate for a higher limit, or set options.rate_limit_reserve to stop earlier and defer the rest.`.trim();
    }
    case 'tls':
      // A CA given that does not sign the registry's certificate: asking for tls.ca again misled.
      if (signedByUnknownAuthority(e) && ctx.caFile && !e.otherOrigin)
        return `the certificate of ${ctx.host} is not signed by the CA in registries.${ctx.registryName}.tls.ca (${ctx.caFile}): give the CA that issued it, with any intermediate CA, in that PEM file`;
      // Harbor's CA is one download away; the rest is the registry layer's hint, in the rules file's names.
      if (ctx.provider === 'harbor' && signedByUnknownAuthority(e))
        return `${registryHint(e, hintNames(e, ctx))} — Harbor's CA is downloadable under Administration → Configuration → System Settings`;
      return undefined;
    case 'invalid':
      if (e.htmlPage) return undefined;
      if (/http request to an https server/i.test(e.message) && ctx.provider === 'registry')
        return `${registryHint(e, hintNames(e, ctx))} (and give its CA as registries.${ctx.registryName}.tls.ca if it is self-signed)`;
      if (ctx.provider === 'gar' && (e.codes.includes('NAME_INVALID') || /missing image name/i.test(e.message)))
        return missingContainerHint(ctx, e.repository);
      if (/immutable/i.test(e.message))
        return `the tag is immutable on ${ctx.host}: it cannot be overwritten; remove the immutability rule or leave override off to keep it`;
      // RELIABILITY E4: ECR's answer to an OCI manifest without a top-level mediaType.
      if (ctx.provider === 'ecr' && e.method === 'PUT' && e.codes.includes('MANIFEST_INVALID'))
        return `ECR refused the manifest as written at the source: it takes an OCI manifest or index only when it names its own mediaType, which older builders left out. ferry copies manifests byte for byte (their digest is their identity), so rebuild and push the image with a current builder, or copy this one as Docker v2 with skopeo --format v2s2`;
      return undefined;
    case 'http':
      if (e.status === 412 && ctx.provider === 'harbor')
        return `a Harbor tag immutability rule protects this tag in project "${e.repository?.split('/')[0]}": it cannot be overwritten or deleted`;
      return undefined;
    default:
      return undefined;
  }
}

/** The hint for a plan item whose destination tag exists with other content while override is off. */
export function tagExistsHint(ctx: HintContext, repository: string, tag: string): string {
  return `${ctx.host}/${repository}:${tag} already exists with different content and the rule has override: false, so it was kept; set override: true on the rule to replace it${ctx.provider === 'ecr' ? ' (and turn off tag immutability on the ECR repository)' : ctx.provider === 'harbor' ? ' (a Harbor immutability rule may also protect it)' : ''}`;
}

const hinted = new WeakSet<object>();

/** Gives a RegistryError the provider's hint (in place; the error's own hint stays when none applies). */
export function applyHint<E>(e: E, ctx: HintContext): E {
  if (!(e instanceof RegistryError) || hinted.has(e)) return e;
  hinted.add(e);
  const hint = providerHint(e, ctx);
  if (hint) Object.defineProperty(e, 'hint', { value: hint, enumerable: true, configurable: true });
  return e;
}

/** Wraps a Store so every error its methods reject with carries the provider's hint. */
export function withHints<T extends Store>(store: T, ctx: HintContext): T {
  return new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== 'function' || prop === 'constructor') return v;
      return (...args: unknown[]) => {
        let out: unknown;
        try {
          out = (v as (...a: unknown[]) => unknown).apply(target, args);
        } catch (e) {
          throw applyHint(e, ctx);
        }
        return out instanceof Promise ? out.catch((e: unknown) => Promise.reject(applyHint(e, ctx))) : out;
      };
    },
  });
}

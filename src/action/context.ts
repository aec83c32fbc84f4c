/**
 * What a run should do, from the event that started the workflow (Harbor's triggers as GitHub
 * events): the command, dry-run, which rules, which (rule, repository) units and tags, which
 * registries get no credentials, and the sentences that explain it. No @actions/core here.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  type ArtifactMatch,
  artifactsFromDispatch,
  artifactsFromRegistryPackage,
  type Config,
  type Filters,
  matchArtifacts,
  rulesForCron,
  type UnmatchedArtifact,
} from '../index.js';
import { caAtBase, changedRules, configAt, formerFilters, untrustedRegistries } from './compare.js';
import type { Command, Inputs } from './inputs.js';
import { parseBool, parseList } from './inputs.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

export interface GitHubContext {
  eventName: string;
  payload: Obj;
  workspace: string;
  /** owner/name */
  repository: string;
  apiUrl: string;
  runUrl?: string;
  sha: string;
}

/**
 * The `config` input as an absolute path and as the rules file's name relative to the workspace,
 * with `/` separators: `./replication.yaml`, `replication.yaml` and its absolute path are one file,
 * with one failure issue, one plan comment and one name in the messages.
 */
export function rulesFile(config: string, workspace: string): { abs: string; file: string } {
  const abs = isAbsolute(config) ? config : resolve(workspace, config);
  return { abs, file: relative(workspace, abs).split('\\').join('/') };
}

export function readContext(env: NodeJS.ProcessEnv = process.env): GitHubContext {
  let payload: Obj = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = obj(JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')));
    } catch (e) {
      throw new Error(`cannot read the event payload ${env.GITHUB_EVENT_PATH}: ${(e as Error).message}`, { cause: e });
    }
  }
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    ...(env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? { runUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` }
      : {}),
    sha: env.GITHUB_SHA ?? '',
  };
}

export interface PullRequestInfo {
  number: number;
  headSha: string;
  /** Head repository differs from the base: no secrets, read-only token. */
  fork: boolean;
}

export interface Scope {
  command: Exclude<Command, 'auto'>;
  dryRun: boolean;
  /** Rule names; undefined = all enabled rules, empty = none (an event that only deletes). */
  rules?: string[];
  /** A push event: each rule's source repositories it names (RunOptions.named). */
  named?: Map<string, Set<string>>;
  /** This shard's (rule, repository) units. */
  select?: (rule: string, repository: string) => boolean;
  tags?: string[];
  /** The registry event the run is narrowed to, for the report. */
  event?: { name: string; artifacts: string[] };
  /** Artifact deletions to propagate (Harbor DELETE_ARTIFACT). */
  deletions: ArtifactMatch[];
  /** Registries used without credentials. */
  anonymous: Set<string>;
  pullRequest?: PullRequestInfo;
  /** On a pull request: rules it adds or changes (the comment calls out one of them that selects nothing). */
  changedRules?: string[];
  /** On a pull request or push: the filters it changed, as they were (RunOptions.formerFilters). */
  formerFilters?: Map<string, Filters>;
  /** Set when the event asks for nothing: the reason. */
  idle?: string;
  /** Parts of the event's payload that could not be read (a broken relay): warnings of the step. */
  payloadProblems?: string[];
  notes: string[];
}

/**
 * Whether the scope copies nothing: idle, or an event whose artifacts are all deletions. Rule
 * selection reads an empty list as "every rule", so a scope without rules must not reach it.
 */
export function copiesNothing(scope: Pick<Scope, 'idle' | 'rules'>): boolean {
  return !!scope.idle || scope.rules?.length === 0;
}

const AUTO: Record<string, Exclude<Command, 'auto'>> = {
  pull_request: 'plan',
  push: 'run',
  schedule: 'run',
  workflow_dispatch: 'run',
  repository_dispatch: 'run',
  registry_package: 'run',
};

/** The command this step carries out: the input, or for `auto` the event's default. */
export function commandOf(inputs: Inputs, ctx: GitHubContext): Exclude<Command, 'auto'> {
  return inputs.command === 'auto' ? (AUTO[ctx.eventName] ?? 'validate') : inputs.command;
}

/** Why an event that copies and deletes nothing does nothing, by its first reason. */
function eventIdle(
  parsed: { artifacts: readonly unknown[]; problems: readonly string[] },
  untagged: boolean,
  keeps: readonly string[],
  unknown: readonly UnmatchedArtifact[],
): string {
  if (untagged) return 'the artifact was pushed without a tag, and ferry replicates tags';
  if (keeps.length) return keeps.join('; ');
  if (parsed.artifacts.length) {
    const what = parsed.artifacts.length > 1 ? 'these artifacts' : 'this artifact';
    const hosts = [...new Set(unknown.map((u) => u.artifact.registry))];
    return `no rule with an event trigger takes ${what}${hosts.length ? `: no rule reads from ${hosts.join(', ')}` : ''}`;
  }
  return parsed.problems.length
    ? "the event's payload names no artifact ferry can read"
    : 'the event names no artifact to replicate';
}

/** Decides the scope of this run from the inputs, the event and the loaded config. */
export async function resolveScope(inputs: Inputs, ctx: GitHubContext, config: Config): Promise<Scope> {
  const p = ctx.payload;
  const command = commandOf(inputs, ctx);
  const scope: Scope = {
    command,
    dryRun: inputs.dryRun ?? command === 'plan',
    deletions: [],
    anonymous: new Set(),
    notes: [],
  };
  if (inputs.command === 'auto' && !AUTO[ctx.eventName])
    scope.notes.push(
      `event ${ctx.eventName || '(none)'} has no default command: validated only; set the command input to plan or run`,
    );
  if (inputs.rules.length) scope.rules = inputs.rules;
  if (command === 'validate') return scope;

  switch (ctx.eventName) {
    case 'pull_request_target':
      throw new Error(
        'ferry does not run on pull_request_target (it would hand secrets to untrusted code); use pull_request',
      );
    case 'pull_request': {
      const pr = obj(p.pull_request);
      const head = obj(pr.head);
      const base = obj(pr.base);
      const headRepo = obj(head.repo).full_name;
      scope.pullRequest = {
        number: Number(p.number ?? pr.number),
        headSha: typeof head.sha === 'string' ? head.sha : ctx.sha,
        fork: !headRepo || headRepo !== obj(base.repo).full_name,
      };
      scope.dryRun = true; // a pull request never writes to a registry
      if (scope.pullRequest.fork) {
        for (const name of config.registries.keys()) scope.anonymous.add(name);
        scope.notes.push(
          'This pull request comes from a fork, which gets no secrets: every registry was read anonymously, and rules that need credentials are not planned.',
        );
      } else {
        const before = await configAt(base.sha, inputs.config, ctx.workspace);
        scope.anonymous = await untrustedRegistries(before, config, caAtBase(base.sha, ctx.workspace));
        scope.changedRules = changedRules(before, config);
        scope.formerFilters = formerFilters(before, config);
        const withCreds = [...scope.anonymous].filter((n) => config.registries.get(n)?.credentials);
        if (withCreds.length)
          scope.notes.push(
            `Registr${withCreds.length === 1 ? 'y' : 'ies'} ${withCreds.join(', ')} ${withCreds.length === 1 ? 'is' : 'are'} new or changed its URL, TLS or credentials in this pull request: planned without credentials, so no secret goes to an endpoint before it is merged.`,
          );
      }
      break;
    }
    case 'push': {
      const branch = obj(p.repository).default_branch;
      if (p.deleted === true) scope.idle = 'the push deleted a branch';
      else if (typeof branch === 'string' && p.ref !== `refs/heads/${branch}`) {
        scope.command = inputs.command === 'auto' ? 'validate' : scope.command;
        scope.notes.push(`push to ${String(p.ref)}, not the default branch ${branch}: validated only`);
      } else if (!inputs.rules.length) {
        const before = await configAt(p.before, inputs.config, ctx.workspace);
        scope.rules = changedRules(before, config);
        scope.formerFilters = formerFilters(before, config);
        scope.notes.push(
          before
            ? `Reconciling the rules this push changed: ${scope.rules.join(', ') || 'none'}.`
            : 'The previous version of the rules file is not available: reconciling every enabled rule.',
        );
        if (!scope.rules.length) scope.idle = `no rule changed in ${inputs.config}`;
      }
      break;
    }
    case 'schedule': {
      const cron = typeof p.schedule === 'string' ? p.schedule : '';
      if (!inputs.rules.length) {
        scope.rules = cron ? rulesForCron(config, cron) : [];
        if (!scope.rules.length) scope.idle = `no enabled rule has trigger schedule "${cron.slice(0, 40)}"`;
        else scope.notes.push(`Scheduled run for "${cron}": ${scope.rules.join(', ')}.`);
      }
      break;
    }
    case 'workflow_dispatch': {
      const given = obj(p.inputs);
      if (!inputs.rules.length && typeof given.rules === 'string' && parseList(given.rules).length)
        scope.rules = parseList(given.rules);
      const dry = given['dry-run'] ?? given.dry_run;
      if (inputs.dryRun === undefined && dry !== undefined)
        scope.dryRun = parseBool('dry-run', String(dry)) ?? scope.dryRun;
      break;
    }
    case 'repository_dispatch':
    case 'registry_package': {
      const parsed =
        ctx.eventName === 'registry_package'
          ? artifactsFromRegistryPackage(p)
          : artifactsFromDispatch(p.client_payload);
      scope.notes.push(...(parsed.ignored ?? []));
      scope.payloadProblems = parsed.problems;
      const { matches, untriggered, unmatched } = matchArtifacts(config, parsed.artifacts);
      // A webhook from a registry no rule reads from does nothing on every push: a warning, not a note.
      const unknown = unmatched.filter((u) => u.registryUnknown);
      scope.payloadProblems.push(...unknown.slice(0, 5).map((u) => u.why));
      scope.notes.push(
        ...unmatched
          .filter((u) => !u.registryUnknown)
          .slice(0, 5)
          .map((u) => `Not replicated: ${u.why}.`),
      );
      const wanted = (m: ArtifactMatch) => !inputs.rules.length || inputs.rules.includes(m.rule.name);
      const pushes = matches.filter((m) => m.artifact.kind === 'push' && wanted(m));
      const deletes = matches.filter((m) => m.artifact.kind === 'delete' && wanted(m));
      // A rule without delete_remote takes no deletion, as Harbor's rule without "delete remote
      // resources" does: said once here, with nothing asked of either registry.
      const notPropagated = deletes.filter((m) => !m.rule.deleteRemote.enabled && m.artifact.tag);
      scope.deletions = deletes.filter((m) => m.rule.deleteRemote.enabled);
      const keeps = notPropagated
        .slice(0, 5)
        .map(
          (m) =>
            `rule ${m.rule.name} does not propagate deletions (delete_remote is off): its copy of ${m.artifact.repository}:${m.artifact.tag} stays`,
        );
      const named = parsed.artifacts.map(
        (a) =>
          `${a.kind} ${a.registry ?? ''}${a.registry ? '/' : ''}${a.repository}${a.tag ? `:${a.tag}` : ''}${a.digest ? `@${a.digest}` : ''}`,
      );
      scope.event = { name: ctx.eventName, artifacts: named };
      for (const n of named) scope.notes.push(`Event: ${n}`);
      if (untriggered.length)
        scope.notes.push(`Rules ${untriggered.join(', ')} match this artifact but have no event trigger; not run.`);
      const untagged = pushes.filter((m) => !m.artifact.tag);
      if (untagged.length)
        scope.notes.push('An artifact pushed without a tag is not replicated (ferry replicates tags).');
      const tagged = pushes.filter((m) => m.artifact.tag);
      scope.rules = [...new Set(tagged.map((m) => m.rule.name))];
      scope.tags = [...new Set(tagged.map((m) => m.artifact.tag!))];
      scope.named = new Map();
      for (const m of tagged)
        scope.named.set(m.rule.name, (scope.named.get(m.rule.name) ?? new Set()).add(m.artifact.repository));
      if (!tagged.length && !scope.deletions.length)
        scope.idle = eventIdle(parsed, untagged.length > 0, keeps, unknown);
      else scope.notes.push(...keeps.map((k) => `${k[0]!.toUpperCase()}${k.slice(1)}.`));
      break;
    }
  }
  return scope;
}

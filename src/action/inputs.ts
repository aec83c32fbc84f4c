/** The action's inputs, read once (the only `core.getInput` caller) and checked. */
import * as core from '@actions/core';
import { MAX_CONCURRENCY, parseDuration, parseShard, parseShares, type ShardSpec } from '../index.js';

export const COMMANDS = ['auto', 'validate', 'plan', 'run', 'matrix', 'report'] as const;
export type Command = (typeof COMMANDS)[number];
export type FailOn = 'error' | 'warning' | 'never';

export interface Inputs {
  config: string;
  command: Command;
  /** Rule names; empty = all enabled rules (or the event's choice). */
  rules: string[];
  /** undefined = not given (the event or the command decides). */
  dryRun?: boolean;
  concurrency?: number;
  /** Milliseconds after which the run stops starting new work. */
  timeoutMs?: number;
  shard?: ShardSpec;
  /** Shards for `command: matrix`. */
  shards: number;
  githubToken: string;
  comment: boolean;
  reportPath: string;
  /** Directory or glob of shard reports for `command: report`. */
  reports: string;
  failOn: FailOn;
  /** Webhook URL for the finished/failed message (from a secret); empty = no notification. */
  notifyWebhook: string;
  /** When the webhook gets a message. */
  notifyOn: 'failure' | 'always';
  /** Open (or comment on) an issue while runs fail; close it when one succeeds. */
  issueOnFailure: boolean;
}

export class InputError extends Error {
  override name = 'InputError';
}

/** Newline- or comma-separated list; `#` starts a comment (docker/actions-toolkit getInputList). */
export function parseList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => line.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `true`/`false` as YAML 1.2 core spells them, or undefined when empty. */
export function parseBool(name: string, text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if (t === 'true' || t === 'on' || t === 'yes') return true;
  if (t === 'false' || t === 'off' || t === 'no') return false;
  throw new InputError(`input ${name}: expected true or false, got ${JSON.stringify(text.slice(0, 50))}`);
}

function positive(name: string, text: string): number | undefined {
  if (!text.trim()) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
    throw new InputError(
      `input ${name}: expected a whole number from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(text.slice(0, 50))}`,
    );
  return n;
}

export function readInputs(get: (name: string) => string = (n) => core.getInput(n)): Inputs {
  const command = (get('command') || 'auto').trim().toLowerCase();
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new InputError(
      `input command: expected one of ${COMMANDS.join(', ')}, got ${JSON.stringify(command.slice(0, 50))}`,
    );
  const failOn = (get('fail-on') || 'error').trim().toLowerCase();
  if (failOn !== 'error' && failOn !== 'warning' && failOn !== 'never')
    throw new InputError(`input fail-on: expected error, warning or never, got ${JSON.stringify(failOn.slice(0, 50))}`);
  const notifyOn = (get('notify-on') || 'failure').trim().toLowerCase();
  if (notifyOn !== 'failure' && notifyOn !== 'always')
    throw new InputError(`input notify-on: expected failure or always, got ${JSON.stringify(notifyOn.slice(0, 50))}`);
  const shardText = get('shard').trim();
  const dryRun = parseBool('dry-run', get('dry-run'));
  const concurrency = positive('concurrency', get('concurrency'));
  let timeoutMs: number | undefined;
  try {
    timeoutMs = get('timeout').trim() ? parseDuration(get('timeout')) : undefined;
  } catch (e) {
    throw new InputError(`input timeout: ${(e as Error).message}`);
  }
  let shard: ShardSpec | undefined;
  try {
    shard = shardText ? parseShard(shardText) : undefined;
  } catch (e) {
    throw new InputError(`input shard: ${(e as Error).message}`);
  }
  const sharesText = get('deletion-shares').trim();
  if (sharesText) {
    if (!shard)
      throw new InputError(
        'input deletion-shares: it goes with shard (both from the matrix entry: shard: ${{ matrix.shard }}, deletion-shares: ${{ matrix.deletions }})',
      );
    try {
      shard = { ...shard, shares: parseShares(sharesText, shard) };
    } catch (e) {
      throw new InputError(`input deletion-shares: ${(e as Error).message}`);
    }
  }
  return {
    config: get('config').trim() || 'replication.yaml',
    command: command as Command,
    rules: parseList(get('rules')),
    ...(dryRun !== undefined ? { dryRun } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(shard ? { shard } : {}),
    shards: positive('shards', get('shards')) ?? 4,
    githubToken: get('github-token').trim(),
    comment: parseBool('comment', get('comment')) ?? true,
    reportPath: get('report-path').trim(),
    reports: get('reports').trim() || 'ferry-reports',
    failOn,
    notifyWebhook: get('notify-webhook').trim(),
    notifyOn,
    issueOnFailure: parseBool('issue-on-failure', get('issue-on-failure')) ?? false,
  };
}

/** Parsers of the CLI's option values: each turns a bad value into a usage error (exit 2) before any work. */
import { InvalidArgumentError } from 'commander';
import { MAX_CONCURRENCY, parseDuration } from '../index.js';

/** A whole number from 1 to MAX_CONCURRENCY, written in digits. */
export function positiveInt(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

/** A duration for --timeout, checked at parse time. */
export function duration(v: string): string {
  try {
    parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

/**
 * A file or directory name. One that starts with "-" is the next option, taken as the value of one
 * written without it (`--report --dry-run` ran for real and wrote a file named "--dry-run").
 */
export function path(v: string): string {
  if (v.startsWith('-')) throw new InvalidArgumentError(`"${v}" is an option, not a file name: the value is missing`);
  if (!v.trim()) throw new InvalidArgumentError('the file name is empty');
  return v;
}

/** `--rule a,b --rule c`; an empty name (an unset shell variable) would otherwise mean every rule. */
export function collectRules(v: string, prev: string[]): string[] {
  const names = v.split(',').map((s) => s.trim());
  if (names.some((n) => !n))
    throw new InvalidArgumentError(
      `an empty rule name in ${JSON.stringify(v)}: leave --rule out to run every rule (an unset variable?)`,
    );
  return [...prev, ...names];
}

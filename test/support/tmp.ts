/** Temporary directories for tests that remove themselves, and process-end cleanup hooks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): Promise<void>;
}

/** Creates a fresh directory under the OS temp dir. */
export async function createTempDir(prefix = 'ferry-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Creates a directory that is removed when the test process ends (for per-process caches). */
export function createProcessTempDir(prefix = 'ferry-test-'): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  onProcessEnd(() => rmSync(path, { recursive: true, force: true }));
  return path;
}

const hooks = new Set<() => void>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
let installed = false;

function runHooks(): void {
  // Last registered first, like nested cleanups (kill a process before removing its directory).
  for (const fn of [...hooks].reverse()) {
    hooks.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the process is going away
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runHooks();
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', runHooks);
  installed = false;
  // Vitest ends its fork workers with SIGTERM: keep that signal's default effect.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Runs `fn` synchronously when the process exits or is ended by SIGTERM/SIGINT/SIGHUP
 * (plain 'exit' listeners do not run on a signal). Returns a function that unregisters it.
 */
export function onProcessEnd(fn: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runHooks);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  hooks.add(fn);
  return () => {
    hooks.delete(fn);
  };
}

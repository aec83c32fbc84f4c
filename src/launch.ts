/**
 * The CLI and the action start here, in a thin process that runs ferry's bundle in a child with a
 * small young generation (`--max-semi-space-size=1`). ferry makes many small, short-lived
 * requests, and with V8's default 16 MiB semi-spaces their garbage is most of its peak memory
 * (measured on 1,000 tags: 258 → 167 MiB). `using: node24` passes no node flags, and setting the
 * flag from inside a running process has no effect, hence the child. Signals are passed on, so a
 * cancelled workflow still stops ferry in order, and the child's exit code is ours.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `--optimize-for-size` makes V8 grow the old generation by a small factor over what survived the
 * last full collection (instead of up to 4×): the garbage of a long run is collected before it adds
 * up. Measured on 10,000 tags (ferry plan, registry to registry): peak RSS 219 → 162 MiB.
 *
 * On its own it also sets off a full collection for every MiB or so that request state promotes
 * while blobs stream (a 12 MiB heap allowed to reach 13): 24 of them for 544 MiB of layers, a third
 * of ferry's CPU on a copy of large layers. `--initial-old-space-size=32` lets the old generation
 * reach 32 MiB before that factor applies: measured on the benchmark (medians of 3), ferry's CPU on
 * big 3.88 → 2.48 s and on multiarch 4.29 → 3.36 s, peak RSS 118 → 116 and 121 → 124 MiB.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size', '--initial-old-space-size=32'];

/**
 * glibc gives each thread that allocates its own malloc arena (up to 8 per core), and the socket
 * buffers freed in them stay part of the process. Two arenas: measured on the benchmark (medians of
 * 3–5), peak RSS on big 119 → 113 MiB and on multiarch 127 → 111 MiB, CPU unchanged. A value the
 * user set is kept; other C libraries ignore the variable.
 */
export const MALLOC_ARENAS = '2';

/** Runs `bundle` (a path relative to the launcher's own file, given in parts) in a child process. */
export function launch(launcher: string, ...bundle: string[]): void {
  // Joined at run time: a bundler must not mistake the child's bundle for an asset to copy.
  const main = join(dirname(fileURLToPath(launcher)), ...bundle);
  const child = spawn(process.execPath, [...NODE_FLAGS, ...process.execArgv, main, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? MALLOC_ARENAS },
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  child.on('error', (e) => {
    console.error(`ferry: could not start ${main}: ${e.message}`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

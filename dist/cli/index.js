#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
var __webpack_exports__ = {};

;// CONCATENATED MODULE: ./src/cli/node-check.ts
/**
 * Imported first by the CLI entry, so it runs before any other module is evaluated: on an older
 * Node.js the bundle fails while loading (undici reads zlib.createZstdDecompress, new in 22.15),
 * with a TypeError that does not say what is wrong. 22.19 is what the bundled undici declares
 * (its package.json engines), and what package.json and the README say.
 */
/** The line to print when `version` (process.versions.node) is too old, or undefined. */
function nodeTooOld(version) {
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 19))
        return undefined;
    return `ferry needs Node.js 22.19 or newer; this is Node.js ${version}. Install a current Node.js (https://nodejs.org) or use the GitHub Action, which brings its own.`;
}
const message = nodeTooOld(process.versions.node);
if (message) {
    console.error(message);
    process.exit(1);
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:url"
const external_node_url_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");
;// CONCATENATED MODULE: ./src/launch.ts
/**
 * The CLI and the action start here, in a thin process that runs ferry's bundle in a child with a
 * small young generation (`--max-semi-space-size=1`). ferry makes many small, short-lived
 * requests, and with V8's default 16 MiB semi-spaces their garbage is most of its peak memory
 * (measured on 1,000 tags: 258 → 167 MiB). `using: node24` passes no node flags, and setting the
 * flag from inside a running process has no effect, hence the child. Signals are passed on, so a
 * cancelled workflow still stops ferry in order, and the child's exit code is ours.
 */



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
const NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size', '--initial-old-space-size=32'];
/**
 * glibc gives each thread that allocates its own malloc arena (up to 8 per core), and the socket
 * buffers freed in them stay part of the process. Two arenas: measured on the benchmark (medians of
 * 3–5), peak RSS on big 119 → 113 MiB and on multiarch 127 → 111 MiB, CPU unchanged. A value the
 * user set is kept; other C libraries ignore the variable.
 */
const MALLOC_ARENAS = '2';
/** Runs `bundle` (a path relative to the launcher's own file, given in parts) in a child process. */
function launch(launcher, ...bundle) {
    // Joined at run time: a bundler must not mistake the child's bundle for an asset to copy.
    const main = (0,external_node_path_namespaceObject.join)((0,external_node_path_namespaceObject.dirname)((0,external_node_url_namespaceObject.fileURLToPath)(launcher)), ...bundle);
    const child = (0,external_node_child_process_namespaceObject.spawn)(process.execPath, [...NODE_FLAGS, ...process.execArgv, main, ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? MALLOC_ARENAS },
    });
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'])
        process.on(signal, () => {
            if (child.exitCode === null)
                child.kill(signal);
        });
    child.on('error', (e) => {
        console.error(`ferry: could not start ${main}: ${e.message}`);
        process.exitCode = 1;
    });
    child.on('exit', (code, signal) => {
        process.exitCode = code ?? (signal ? 1 : 0);
    });
}

;// CONCATENATED MODULE: ./src/cli/launcher.ts
/** dist/cli/index.js: refuses an old Node.js, then runs the CLI bundle with ferry's node flags. */


launch(import.meta.url, 'main', 'index.js');


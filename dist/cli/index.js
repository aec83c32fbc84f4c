#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 861:
/***/ ((__unused_webpack_module, exports) => {


/**
 * Imported first by the CLI entry, so it runs before any other module is evaluated: on an older
 * Node.js the bundle fails while loading (undici reads zlib.createZstdDecompress, new in 22.15),
 * with a TypeError that does not say what is wrong.
 */
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.nodeTooOld = nodeTooOld;
/** The line to print when `version` (process.versions.node) is too old, or undefined. */
function nodeTooOld(version) {
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 15))
        return undefined;
    return `ferry needs Node.js 22.15 or newer; this is Node.js ${version}. Install a current Node.js (https://nodejs.org) or use the GitHub Action, which brings its own.`;
}
const message = nodeTooOld(process.versions.node);
if (message) {
    console.error(message);
    process.exit(1);
}


/***/ }),

/***/ 732:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.NODE_FLAGS = void 0;
exports.launch = launch;
/**
 * The CLI and the action start here, in a thin process that runs ferry's bundle in a child with a
 * small young generation (`--max-semi-space-size=1`). ferry makes many small, short-lived
 * requests, and with V8's default 16 MiB semi-spaces their garbage is most of its peak memory
 * (measured on 1,000 tags: 258 → 167 MiB). `using: node24` passes no node flags, and setting the
 * flag from inside a running process has no effect, hence the child. Signals are passed on, so a
 * cancelled workflow still stops ferry in order, and the child's exit code is ours.
 */
const node_child_process_1 = __nccwpck_require__(421);
const node_path_1 = __nccwpck_require__(760);
const node_url_1 = __nccwpck_require__(136);
exports.NODE_FLAGS = ['--max-semi-space-size=1'];
/** Runs `bundle` (a path relative to the launcher's own file, given in parts) in a child process. */
function launch(launcher, ...bundle) {
    // Joined at run time: a bundler must not mistake the child's bundle for an asset to copy.
    const main = (0, node_path_1.join)((0, node_path_1.dirname)((0, node_url_1.fileURLToPath)(launcher)), ...bundle);
    const child = (0, node_child_process_1.spawn)(process.execPath, [...exports.NODE_FLAGS, ...process.execArgv, main, ...process.argv.slice(2)], {
        stdio: 'inherit',
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


/***/ }),

/***/ 421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/************************************************************************/
var __webpack_exports__ = {};
// This entry need to be wrapped in an IIFE because it uses a non-standard name for the exports (exports).
(() => {
var exports = __webpack_exports__;

Object.defineProperty(exports, "B", ({ value: true }));
/** dist/cli/index.js: refuses an old Node.js, then runs the CLI bundle with ferry's node flags. */
__nccwpck_require__(861);
const launch_js_1 = __nccwpck_require__(732);
(0, launch_js_1.launch)(import.meta.url, 'main', 'index.js');

})();

var __webpack_exports___esModule = __webpack_exports__.B;
export { __webpack_exports___esModule as __esModule };

/**
 * Imported first by the CLI entry, so it runs before any other module is evaluated: on an older
 * Node.js the bundle fails while loading (undici reads zlib.createZstdDecompress, new in 22.15),
 * with a TypeError that does not say what is wrong. 22.19 is what the bundled undici declares
 * (its package.json engines), and what package.json and the README say.
 */

/** The line to print when `version` (process.versions.node) is too old, or undefined. */
export function nodeTooOld(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return undefined;
  return `ferry needs Node.js 22.19 or newer; this is Node.js ${version}. Install a current Node.js (https://nodejs.org) or use the GitHub Action, which brings its own.`;
}

const message = nodeTooOld(process.versions.node);
if (message) {
  console.error(message);
  process.exit(1);
}

/** Entry point of the GitHub Action (dist/index.js). No top-level await: ncc bundles it as a script. */
import { run } from './main.js';

void run();

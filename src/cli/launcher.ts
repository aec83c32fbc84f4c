#!/usr/bin/env node
/** dist/cli/index.js: refuses an old Node.js, then runs the CLI bundle with ferry's node flags. */
import './node-check.js';
import { launch } from '../launch.js';

launch(import.meta.url, 'main', 'index.js');

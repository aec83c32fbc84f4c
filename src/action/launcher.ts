/** dist/index.js: runs the action's bundle (dist/main/index.js) with ferry's node flags (src/launch.ts). */
import { launch } from '../launch.js';

launch(import.meta.url, 'main', 'index.js');

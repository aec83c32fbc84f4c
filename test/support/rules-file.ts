/** A rules file's head with two plain registries, `src` and `dst`, for tests of what validation says. */
import { formatDiagnostic, parseConfig } from '../../src/config/index.js';

export const TWO_REGISTRIES = `version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
rules:
`;

/** What `ferry validate` prints for `text` (as file r.yaml), one line per diagnostic. */
export const diagnosticsOf = (text: string): string[] => parseConfig(text, 'r.yaml').diagnostics.map(formatDiagnostic);

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

/** The head of a rules file whose plain registries `src` and `dst` are the registries at these URLs. */
export const registriesAt = (src: { url: string }, dst: { url: string }): string => `version: 1
registries:
  src: { type: registry, url: ${src.url} }
  dst: { type: registry, url: ${dst.url} }
`;

export {
  compileNameFilter,
  compileSemverFilter,
  compileTagFilter,
  compileTagScope,
  filtersMatchEverything,
  isImage,
  matchLabels,
  newestFirst,
  patternErrors,
  selectTags,
  semverOf,
  type TagInfo,
} from './filter.js';
export { compileGlob, GlobSyntaxError, globToRegExp, isMatchAllPattern } from './glob.js';
export { MappingError, type MappingOptions, mapRepository } from './mapping.js';

export {
  artifactRefusal,
  type ArtifactFacts,
  compileNameFilter,
  type DroppedBy,
  noneDropped,
  TAG_STAGES,
  compileSemverFilter,
  compileTagFilter,
  compileTagScope,
  compileWriteScope,
  filtersMatchEverything,
  resourceKind,
  matchLabels,
  needsArtifactFacts,
  newestFirst,
  selectTags,
  semverOf,
  type TagInfo,
} from './filter.js';
export { compileGlob, GlobSyntaxError, globToRegExp, isMatchAllPattern } from './glob.js';
export { MappingError, type MappingOptions, mapRepository, mergesRepositories } from './mapping.js';

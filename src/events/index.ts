/** Events and schedules: which rules (and which artifacts) a trigger concerns. */
export {
  type ArtifactEvent,
  type ArtifactMatch,
  artifactsFromDispatch,
  artifactsFromRegistryPackage,
  matchArtifacts,
  type ParsedArtifacts,
  type UnmatchedArtifact,
} from './artifacts.js';
export { rulesForCron } from './schedule.js';

/**
 * ferry as a library: the one face the action and the CLI are built on.
 * Load rules (config), find what a trigger concerns (events), gather → plan → execute (engine),
 * and render what happened (report).
 */
export * from './config/index.js';
export * from './events/index.js';
export type { Plan, PlanAction, PlanItem, PlanWhy, RulePlan } from './plan/index.js';
export { parseShard, parseShares, type ShardSpec } from './plan/shard.js';
export { type DeletedArtifact, propagateDeletions } from './replicate/deletions.js';
export type { ProgressEvent } from './replicate/execute.js';
export {
  ALL_STATUSES,
  type Outcome,
  type Result,
  type ResultError,
  type ResultStatus,
  type RunReport,
  STATUS,
  type StatusStyle,
} from './replicate/result.js';
export {
  MAX_CONCURRENCY,
  type RunOptions,
  type RunOutcome,
  runConfig,
  selectRules,
  STOP_GRACE_MS,
} from './replicate/run.js';
export { buildMatrix, discoverUnits, shardSelector } from './replicate/units.js';
export * from './report/index.js';
export { redact, registerSecret, setMasker } from './util/secrets.js';
export { counted } from './util/units.js';
export { writeDemo } from './demo.js';
export { VERSION } from './version.js';
export { formatDuration, parseDuration, type Stop, stopOnSignalsOrTimeout } from './util/stop.js';
export {
  type Drift,
  formatDrift,
  formatWarning,
  harborDrift,
  harborLogin,
  importDregsy,
  importHarbor,
  importHarborPolicies,
  importImageSyncer,
  ImportError,
  type ImportResult,
  type ImportWarning,
  importList,
  importRegsync,
  importSkopeo,
  renderRulesFile,
} from './import/index.js';
export {
  formatRunProgress,
  planProgress,
  type RunLog,
  type RunLogOptions,
  type RunProgress,
  runLog,
  totalsLine,
} from './report/console.js';
export { selectionLine } from './report/summary.js';
export { garbageCollectionNote, repositoryUrls, repositoryWebUrl } from './report/links.js';
export { type Notification, type NotificationContext, notificationMessage } from './report/notify.js';

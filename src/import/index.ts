/** Importers: rules files made from Harbor's replication policies and from peer tools' configs. */
export { type Drift, formatDrift, harborDrift } from './check.js';
export {
  fetchHarbor,
  type HarborFetchOptions,
  type HarborImportOptions,
  type HarborPolicy,
  type HarborRegistry,
  harborLogin,
  importHarbor,
  importHarborPolicies,
} from './harbor.js';
export { formatWarning, ImportError, type ImportResult, type ImportWarning } from './model.js';
export { renderRulesFile } from './yaml-writer.js';
export { importDregsy } from './dregsy.js';
export { importImageSyncer, type ImageSyncerOptions } from './image-syncer.js';
export { importList } from './list.js';
export { importRegsync } from './regsync.js';
export { importSkopeo, type SkopeoOptions } from './skopeo.js';

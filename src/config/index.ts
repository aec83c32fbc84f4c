/** Loading and checking replication.yaml. */
export { DEFAULT_MAX_BLOB_SIZE, parseBandwidth, parseSize } from './bandwidth.js';
export { type ConfigDiagnostic, ConfigError, formatDiagnostic, MAX_DIAGNOSTICS, suggest } from './errors.js';
export { type CheckOptions, formatPath, loadConfig, MAX_ALIAS_EXPANSION, MAX_NESTING, parseConfig } from './load.js';
export { MAX_RULES_FILE_BYTES } from './read.js';
export { replicationSchema } from './schema.js';
export { cronProblem, identityOf } from './semantic.js';
export type * from './types.js';
export { VENDOR_APIS, vendorApiProblem } from './vendor-api.js';
export { findWorkflowsRoot, normalizeCron, workflowCrons } from './workflows.js';

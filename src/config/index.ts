/** Loading and checking replication.yaml. */
export { parseBandwidth } from './bandwidth.js';
export { type ConfigDiagnostic, ConfigError, formatDiagnostic } from './errors.js';
export { formatPath, loadConfig, parseConfig } from './load.js';
export { replicationSchema } from './schema.js';
export { cronProblem, destinationRepository } from './semantic.js';
export type * from './types.js';

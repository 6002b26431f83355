// Public face of the collection pipeline.

export { queueDemoRuns, seedDemoConsents } from './demo.js';
export {
  executeRun,
  type PipelineDeps,
  type RunProgress,
  type RunProgressUpdate,
  type RunSummary,
} from './engine.js';
export { EtaEstimator, formatDuration } from './eta.js';
export {
  countQuarantine,
  DEFAULT_QUARANTINE_LIMIT,
  listQuarantine,
  MAX_QUARANTINE_LIMIT,
  markReprocessed,
  QUARANTINE_STATUSES,
  type QuarantineEntry,
  type QuarantineQuery,
  type QuarantineStatus,
} from './quarantine.js';
export { dropReplication, replicationReport, type StreamReplication } from './replication.js';
export {
  type Checkpoint,
  DEFAULT_RUN_SORT,
  HEARTBEAT_MS,
  MAX_ATTEMPTS,
  RUN_SORTS,
  RUN_STATUSES,
  type RunListOptions,
  type RunRow,
  RunService,
  type RunSort,
  type RunStatus,
  STALE_MS,
  workerId,
} from './runs.js';
export { checkSchedules, retentionSchedule, startScheduler } from './scheduler.js';
export { coerceFieldValue, DatasetValidator } from './validate.js';

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
  HEARTBEAT_MS,
  MAX_ATTEMPTS,
  type RunRow,
  RunService,
  STALE_MS,
  workerId,
} from './runs.js';
export { checkSchedules, startScheduler } from './scheduler.js';
export { DatasetValidator } from './validate.js';

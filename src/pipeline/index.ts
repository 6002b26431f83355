// Public face of the collection pipeline.
export { executeRun, type PipelineDeps, type RunProgress, type RunSummary, subjectIdFor } from './engine.js';
export { HEARTBEAT_MS, type RunRow, RunService, STALE_MS, workerId } from './runs.js';
export { DatasetValidator } from './validate.js';

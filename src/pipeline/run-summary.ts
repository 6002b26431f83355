// What a run reports: its counts as it goes (progress) and its outcome (summary), and the counters
// of its `runs` row.

export interface RunProgress {
  runId: string;
  dataset: string;
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  /** Records marked deleted at source (change data capture). */
  deleted: number;
  elapsedMs: number;
}

export interface RunProgressUpdate extends RunProgress {
  /** Share of the source read so far (0–1), when the source knows its size. */
  fraction?: number;
}

export interface RunSummary extends RunProgress {
  status: 'succeeded' | 'failed' | 'blocked';
  quarantineReasons: Record<string, number>;
  /** Records of erased subjects dropped without a trace (`onErasedSubject: drop`). */
  suppressed: number;
  droppedFields: string[];
  error?: string;
}

/** A run's summary before its first batch. */
export function startSummary(runId: string, dataset: string): RunSummary {
  return {
    runId,
    dataset,
    status: 'succeeded',
    read: 0,
    stored: 0,
    updated: 0,
    unchanged: 0,
    quarantined: 0,
    deleted: 0,
    elapsedMs: 0,
    quarantineReasons: {},
    suppressed: 0,
    droppedFields: [],
  };
}

/** The run row's counters, as stored after each batch and at the end. */
export function runCounts(summary: RunSummary) {
  return {
    read_count: summary.read,
    stored_count: summary.stored,
    updated_count: summary.updated,
    unchanged_count: summary.unchanged,
    quarantined_count: summary.quarantined,
    deleted_count: summary.deleted,
    quarantine_reasons: JSON.stringify(summary.quarantineReasons),
    suppressed_count: summary.suppressed,
    dropped_fields: JSON.stringify(summary.droppedFields),
  };
}

// What a change-data-capture implementation (one per dialect) offers the CDC source: read a
// stream's changes from a checkpointed position, report the replication resources it holds on the
// partner's server, and drop them.

import type { ReadOptions, ReplicationReport, SourceBatch, SourceState } from '../../types.js';
import type { CdcSettings } from './settings.js';

/** One stream of a CDC source, as the capture needs it. */
export interface CaptureTarget {
  source: string;
  stream: string;
  /** Connection URL (a resolved secret: never logged, never in an error). */
  url: URL;
  table: string;
  columns: string[] | undefined;
  primaryKey: string[];
  batchSize: number;
  statementTimeoutMs: number;
  cdc: CdcSettings;
  /** The zone zone-less date-times are written in (IANA name; `UTC` leaves them as they are). */
  timeZone: string;
  /** Operational warnings (a lagging slot): the composition root sends them to the log. */
  warn(message: string, details: Record<string, unknown>): void;
}

export interface Capture {
  read(state: SourceState, options: ReadOptions): AsyncIterable<SourceBatch>;
  report(state: SourceState): Promise<ReplicationReport>;
  /** Drops what Custos created on the partner's server for this stream; true if something was dropped. */
  drop(): Promise<boolean>;
}

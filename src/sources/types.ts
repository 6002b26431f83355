// The one contract every connector (api, database, file, crawler) implements, so the pipeline treats
// them alike. A connector is built from its workspace declaration; settings are validated by `spec`.

import type { z } from 'zod';
import type { SourceDeclaration } from '../workspace/index.js';

/** A record as read from a source: plain JSON values, untrusted. */
export type SourceRecord = Record<string, unknown>;

/** Opaque, JSON-serialisable position in a stream (cursor, page token, frontier id…). */
export type SourceState = Record<string, unknown> | null;

export interface SourceBatch {
  records: SourceRecord[];
  /** State to checkpoint once these records are stored; resuming from it never repeats or skips them. */
  state: SourceState;
  /** Where the batch came from (URL, table, file:line range), for quarantine and error messages. */
  position?: string;
  /** How far the read has come, when the source knows its size (files: bytes read of the file). */
  progress?: { done: number; total: number };
  /**
   * Records deleted at source (change data capture): each its last known row, or at least the
   * columns its natural key is made of. Applied after `records`; no record is in both.
   */
  deleted?: SourceRecord[];
  /**
   * Part of a full snapshot (change data capture): once its last part is stored, records the
   * snapshot did not read are marked deleted at source (they went while no log was read).
   */
  snapshot?: { isFirst: boolean; isLast: boolean };
}

export interface StreamField {
  name: string;
  /** Connector's type name (`text`, `integer`, `timestamp`, `string`…). */
  type: string;
  nullable?: boolean;
}

export interface StreamDescription {
  name: string;
  fields: StreamField[];
  /** Fields usable as an incremental cursor, if any. */
  cursorFields?: string[];
  primaryKey?: string[];
}

export interface CheckResult {
  ok: boolean;
  /** The identity we connected as (user, client id, user agent) — never a secret. */
  identity?: string;
  message: string;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Upper bound on records per batch (connectors may return fewer). */
  batchSize?: number;
}

/** A replication slot (PostgreSQL) or binlog position (MySQL/MariaDB) a CDC stream holds. */
export interface ReplicationReport {
  source: string;
  stream: string;
  kind: 'slot' | 'binlog';
  /** Slot name, or `<file>:<position>` of the last checkpoint for a binlog reader. */
  name: string;
  exists: boolean;
  isActive: boolean;
  /** Log the partner's server keeps for us (bytes), when known. */
  retainedBytes: number | null;
  /** More retained than the source's `cdc.lagWarnBytes`: a warning to act on. */
  isLagging: boolean;
  /** The source's threshold (`cdc.lagWarnBytes`). */
  lagWarnBytes: number;
  detail: string;
}

export interface Source {
  readonly name: string;
  readonly type: SourceDeclaration['type'];
  check(): Promise<CheckResult>;
  discover(): Promise<StreamDescription[]>;
  read(stream: string, state: SourceState, options?: ReadOptions): AsyncIterable<SourceBatch>;
  /** CDC sources: what each stream holds on the partner's server (states by stream name). */
  replication?(states: Record<string, SourceState>): Promise<ReplicationReport[]>;
  /** CDC sources: drop the slots/publications Custos created (one stream, or all); the streams dropped. */
  dropReplication?(stream?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Everything a connector needs from the outside world, given by the composition root. */
export interface ConnectorContext {
  /** Workspace directory: relative paths (files, SQLite sources) resolve against it. */
  workspaceDir: string;
  env: NodeJS.ProcessEnv;
  /** Workspace-wide permission to reach loopback/private addresses (custos.yaml `egress`). */
  allowPrivateNetworks: boolean;
  /** Honest identity for HTTP sources: organisation and contact (custos.yaml `organisation`). */
  userAgent?: string;
  /** Operational warnings a connector raises (a lagging replication slot); details hold no data. */
  warn?(message: string, details: Record<string, unknown>): void;
}

export interface Connector<Settings = unknown> {
  readonly type: SourceDeclaration['type'];
  /** zod schema of the connector's settings in sources.yaml. */
  readonly spec: z.ZodType<Settings>;
  open(declaration: SourceDeclaration, settings: Settings, context: ConnectorContext): Source;
}

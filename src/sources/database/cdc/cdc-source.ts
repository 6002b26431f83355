// A database source in `mode: cdc`: each stream is a table whose inserts, updates and deletes are
// read from the partner's replication log (PostgreSQL logical replication, MySQL/MariaDB binlog)
// after an initial snapshot. check/discover are the extracting connector's, unchanged.

import type { SourceDeclaration } from '../../../workspace/index.js';
import { EgressGuard } from '../../egress.js';
import { resolveSecret } from '../../secrets.js';
import { declaredStream } from '../../stream-lookup.js';
import type {
  CheckResult,
  ConnectorContext,
  ReadOptions,
  ReplicationReport,
  Source,
  SourceBatch,
  SourceState,
  StreamDescription,
} from '../../types.js';
import type { DatabaseSettings } from '../connector.js';
import type { Capture } from './capture.js';
import { MysqlCapture } from './mysql.js';
import { PostgresCapture } from './postgres.js';
import { resolveCdcSettings } from './settings.js';

export class CdcSource implements Source {
  readonly type = 'database' as const;
  readonly name: string;
  private readonly guard: EgressGuard;

  constructor(
    /** The extracting source over the same settings: check and discover. */
    private readonly extracting: Source,
    declaration: SourceDeclaration,
    private readonly settings: DatabaseSettings,
    private readonly context: ConnectorContext,
  ) {
    this.name = declaration.name;
    this.guard = new EgressGuard(declaration.name, {
      allow: declaration.egress?.allow ?? [],
      allowPrivate: (declaration.egress?.allowPrivate ?? false) && context.allowPrivateNetworks,
    });
  }

  check(): Promise<CheckResult> {
    return this.extracting.check();
  }

  discover(): Promise<StreamDescription[]> {
    return this.extracting.discover();
  }

  private async capture(streamName: string, batchSize = this.settings.batchSize): Promise<Capture> {
    const s = this.settings;
    const stream = declaredStream(s.streams, streamName, this.name);
    const url = new URL(
      resolveSecret(s.url!, this.context.env, this.context.workspaceDir, `${this.name}.url`),
    );
    await this.guard.checkHost(url.hostname);
    const target = {
      source: this.name,
      stream: streamName,
      url,
      table: stream.table,
      columns: stream.columns,
      primaryKey: stream.primaryKey,
      batchSize,
      statementTimeoutMs: s.statementTimeoutMs,
      cdc: resolveCdcSettings(s.cdc),
      timeZone: stream.timeZone ?? s.timeZone,
      warn: this.context.warn ?? (() => undefined),
    };
    return s.dialect === 'postgres' ? new PostgresCapture(target) : new MysqlCapture(target);
  }

  async *read(stream: string, state: SourceState, options: ReadOptions = {}): AsyncIterable<SourceBatch> {
    // A run may ask for smaller batches than sources.yaml allows, never larger ones.
    const batchSize = Math.min(options.batchSize ?? this.settings.batchSize, this.settings.batchSize);
    yield* (await this.capture(stream, batchSize)).read(state, options);
  }

  /** The replication slot or binlog position each stream holds on the partner's server. */
  async replication(states: Record<string, SourceState>): Promise<ReplicationReport[]> {
    const reports: ReplicationReport[] = [];
    for (const stream of Object.keys(this.settings.streams))
      reports.push(await (await this.capture(stream)).report(states[stream] ?? null));
    return reports;
  }

  /** Drops the replication slots (and publications) Custos created for this source's streams. */
  async dropReplication(stream?: string): Promise<string[]> {
    const dropped: string[] = [];
    for (const name of Object.keys(this.settings.streams)) {
      if (stream !== undefined && name !== stream) continue;
      if (await (await this.capture(name)).drop()) dropped.push(name);
    }
    return dropped;
  }

  close(): Promise<void> {
    return this.extracting.close();
  }
}

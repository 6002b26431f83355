// The replication slots (PostgreSQL) and binlog positions (MySQL/MariaDB) that CDC sources hold on
// partners' servers: reported with how much log each keeps, and dropped by Custos on request — so
// none is left filling a partner's disk unnoticed. Shared by the CLI and the API.

import { ConfigError, NotFoundError } from '../domain/index.js';
import type { ReplicationReport, SourceState } from '../sources/index.js';
import type { PipelineDeps } from './engine.js';

/** A stream's report and the datasets collecting from it. */
export interface StreamReplication extends ReplicationReport {
  datasets: string[];
}

function datasetsOf(deps: PipelineDeps, source: string, stream: string): string[] {
  return deps.workspace.datasets.filter((d) => d.source === source && d.stream === stream).map((d) => d.name);
}

function requireCdc(deps: PipelineDeps, sourceName: string) {
  if (!deps.workspace.sources.some((s) => s.name === sourceName))
    throw new NotFoundError(`no source named ${sourceName} in sources.yaml`, { source: sourceName });
  const source = deps.openSource(sourceName);
  if (!source.replication || !source.dropReplication) {
    void source.close();
    throw new ConfigError(`source ${sourceName} does not read a replication log (mode: cdc)`, [
      {
        file: 'sources.yaml',
        path: `${sourceName}.mode`,
        message: 'replication slots exist only in mode: cdc',
      },
    ]);
  }
  return source as typeof source & Required<Pick<typeof source, 'replication' | 'dropReplication'>>;
}

export async function replicationReport(
  deps: PipelineDeps,
  sourceName: string,
): Promise<StreamReplication[]> {
  const source = requireCdc(deps, sourceName);
  try {
    const rows = await deps.store.db.selectFrom('source_state').select(['dataset', 'state']).execute();
    const stateOf = new Map(
      rows.map((r) => [r.dataset, r.state ? (JSON.parse(r.state) as SourceState) : null]),
    );
    const states: Record<string, SourceState> = {};
    for (const d of deps.workspace.datasets)
      if (d.source === sourceName && !(d.stream in states)) states[d.stream] = stateOf.get(d.name) ?? null;
    const reports = await source.replication(states);
    return reports.map((r) => ({ ...r, datasets: datasetsOf(deps, sourceName, r.stream) }));
  } finally {
    await source.close();
  }
}

/**
 * Drops the slots (and the publications Custos made) of a source's streams, and forgets the
 * checkpoints of the datasets reading them: their next run starts with a new snapshot.
 */
export async function dropReplication(
  deps: PipelineDeps,
  sourceName: string,
  actor: string,
  stream?: string,
): Promise<string[]> {
  const source = requireCdc(deps, sourceName);
  try {
    const dropped = await source.dropReplication(stream);
    const datasets = deps.workspace.datasets
      .filter((d) => d.source === sourceName && (stream === undefined || d.stream === stream))
      .map((d) => d.name);
    if (datasets.length > 0)
      await deps.store.db.deleteFrom('source_state').where('dataset', 'in', datasets).execute();
    await deps.audit.record([
      {
        actor,
        action: 'source.replication_drop',
        target: `source:${sourceName}`,
        details: { streams: dropped, resetDatasets: datasets },
      },
    ]);
    return dropped;
  } finally {
    await source.close();
  }
}

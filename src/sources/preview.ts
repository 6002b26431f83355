// Shared by the CLI and the API: check, discover and preview a declared source. A preview masks
// every value that looks like personal information unless clear values are asked for (and the
// read is audited either way).

import { detectValue, maskValue } from '../classify/index.js';
import type { AuditTrail } from '../domain/index.js';
import type { Source, SourceRecord } from './types.js';

export interface PreviewResult {
  source: string;
  stream: string;
  records: SourceRecord[];
  masked: boolean;
}

export function maskRecord(record: SourceRecord): SourceRecord {
  const out: SourceRecord = {};
  for (const [key, value] of Object.entries(record)) {
    const [found] = typeof value === 'string' || typeof value === 'number' ? detectValue(value) : [];
    out[key] = found ? maskValue(found.type, String(value)) : value;
  }
  return out;
}

export async function previewSource(
  source: Source,
  stream: string | undefined,
  limit: number,
  options: { showValues: boolean; actor: string; audit: AuditTrail },
): Promise<PreviewResult> {
  const name = stream ?? (await source.discover())[0]?.name;
  if (!name) return { source: source.name, stream: '', records: [], masked: !options.showValues };
  const records: SourceRecord[] = [];
  for await (const batch of source.read(name, null, { batchSize: Math.min(limit, 1000) })) {
    records.push(...batch.records);
    if (records.length >= limit) break;
  }
  const kept = records.slice(0, limit);
  await options.audit.record([
    {
      actor: options.actor,
      action: 'source.preview',
      target: `source:${source.name}`,
      details: { stream: name, records: kept.length, clearValues: options.showValues },
    },
  ]);
  return {
    source: source.name,
    stream: name,
    records: options.showValues ? kept : kept.map(maskRecord),
    masked: !options.showValues,
  };
}

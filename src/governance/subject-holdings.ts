// Everything held about one person, across every dataset, for a data-subject request (PIPL Art. 45):
// found through the blind index (the subject link and every indexed identifier field, as the
// governed lookup does), opened in full — the person is entitled to their own data, so no mask
// applies — and audited per dataset with counts only (actor, request, never a value or the key).

import type { AuditTrail } from '../domain/index.js';
import type { KeyService } from './key-service.js';
import type { RecordReadService } from './record-read-service.js';
import type { ReadableRecord, RecordReader } from './record-reader.js';

/** The purpose written on the audit entries of reads made to answer a data-subject request. */
export const DSR_PURPOSE = 'data_subject_request';

export interface HeldVersion {
  version: number;
  collectedAt: string;
  /** Every field, clear and opened; null when the version could not be opened (erased, damaged). */
  fields: Record<string, unknown> | null;
}

export interface HeldRecord {
  key: string;
  version: number;
  collectedAt: string;
  fields: Record<string, unknown>;
  /** Earlier versions, oldest first (only when asked for). */
  history?: HeldVersion[];
}

export interface SubjectHoldings {
  datasets: Array<{ dataset: string; records: HeldRecord[]; damaged: number; erased: number }>;
  quarantined: Array<{
    dataset: string;
    reason: string;
    heldAt: string;
    fields: Record<string, unknown> | null;
  }>;
}

export class SubjectHoldingsReader {
  constructor(
    private readonly reader: RecordReader,
    private readonly reads: RecordReadService,
    private readonly datasets: () => readonly string[],
    private readonly keys: () => KeyService,
    private readonly audit: AuditTrail,
  ) {}

  /** Datasets holding the person, with how many current records each. */
  async count(subjectId: string, identifier: string | undefined): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const dataset of this.datasets()) {
      const found = await this.reads.findSubject(dataset, identifier, subjectId);
      if (found.length > 0) counts.set(dataset, found.length);
    }
    return counts;
  }

  async read(
    subjectId: string,
    identifier: string | undefined,
    options: { actor: string; request: string; withHistory: boolean },
  ): Promise<SubjectHoldings> {
    const keys = this.keys();
    const out: SubjectHoldings = { datasets: [], quarantined: [] };
    for (const dataset of this.datasets()) {
      const found = await this.reads.findSubject(dataset, identifier, subjectId);
      if (found.length === 0) continue;
      const opened = await openAll(keys, found);
      const records: HeldRecord[] = [];
      let versions = 0;
      for (const [record, personal] of opened.records) {
        const item: HeldRecord = {
          key: record.naturalKey,
          version: record.version,
          collectedAt: record.collectedAt,
          fields: { ...record.fields, ...personal },
        };
        if (options.withHistory) {
          const earlier = (await this.reader.history(dataset, record.naturalKey)).filter(
            (v) => v.version < record.version,
          );
          const outcomes = await keys.openEach(
            earlier.flatMap((v) =>
              v.sealed === null ? [] : [{ subjectId: record.sealingSubject, ciphertext: v.sealed }],
            ),
          );
          let n = 0;
          item.history = earlier.map((v) => {
            if (v.sealed === null)
              return { version: v.version, collectedAt: v.collectedAt, fields: v.fields };
            const outcome = outcomes[n++]!;
            return {
              version: v.version,
              collectedAt: v.collectedAt,
              fields: 'fields' in outcome ? { ...v.fields, ...outcome.fields } : null,
            };
          });
          versions += earlier.length;
        }
        records.push(item);
      }
      out.datasets.push({ dataset, records, damaged: opened.damaged, erased: opened.erased });
      await this.audit.record([
        {
          actor: options.actor,
          action: 'dsr.read',
          target: `dataset:${dataset}`,
          purpose: DSR_PURPOSE,
          details: {
            request: options.request,
            count: records.length,
            versions,
            damaged: opened.damaged,
            erased: opened.erased,
          },
        },
      ]);
    }
    const held = await this.reader.quarantinedOf(subjectId);
    const withCopy = held.filter((q) => q.sealed !== '');
    const outcomes = await keys.openEach(withCopy.map((q) => ({ subjectId, ciphertext: q.sealed })));
    let n = 0;
    for (const q of held) {
      const outcome = q.sealed === '' ? undefined : outcomes[n++];
      out.quarantined.push({
        dataset: q.dataset,
        reason: q.reason,
        heldAt: q.heldAt,
        fields: outcome && 'fields' in outcome ? outcome.fields : null,
      });
    }
    if (held.length > 0)
      await this.audit.record([
        {
          actor: options.actor,
          action: 'dsr.read',
          target: 'quarantine',
          purpose: DSR_PURPOSE,
          details: { request: options.request, count: held.length },
        },
      ]);
    return out;
  }
}

/** Opens each record's sealed fields; records that cannot be opened are counted, not returned. */
async function openAll(
  keys: KeyService,
  records: readonly ReadableRecord[],
): Promise<{ records: Array<[ReadableRecord, Record<string, unknown>]>; damaged: number; erased: number }> {
  const withCipher = records.filter((r) => r.sealed !== null);
  const outcomes = await keys.openEach(
    withCipher.map((r) => ({ subjectId: r.sealingSubject, ciphertext: r.sealed! })),
  );
  const opened = new Map<ReadableRecord, Record<string, unknown>>();
  let damaged = 0;
  let erased = 0;
  outcomes.forEach((o, i) => {
    if ('fields' in o) opened.set(withCipher[i]!, o.fields);
    else if (o.failure === 'damaged') damaged += 1;
    else erased += 1;
  });
  return {
    records: records.flatMap(
      (r): Array<[ReadableRecord, Record<string, unknown>]> =>
        r.sealed === null ? [[r, {}]] : opened.has(r) ? [[r, opened.get(r)!]] : [],
    ),
    damaged,
    erased,
  };
}

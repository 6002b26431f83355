// Erasure of a data subject (PIPL Art. 47): crypto-shred its data key and record the suppression
// entry (KeyService.shred), then delete its records, blind-index entries and quarantined copies in
// every dataset. Later runs drop or quarantine the person as `erased_subject`; they never fail.

import type { AuditTrail } from '../domain/index.js';
import type { RecordStore, SubjectErasure } from '../store/index.js';
import type { KeyService } from './key-service.js';

export interface SubjectErasureResult extends SubjectErasure {
  subjectId: string;
  shreddedAt: string;
}

/** Erases a subject everywhere; audited with ids and counts only. */
export async function eraseSubject(
  services: { keys: KeyService; records: RecordStore; audit: AuditTrail },
  datasets: readonly string[],
  subjectId: string,
  actor: string,
): Promise<SubjectErasureResult> {
  // Shred first: should deleting fail half-way, nothing left behind can be opened any more.
  const { shreddedAt } = await services.keys.shred(subjectId, actor);
  const total: SubjectErasure = { records: 0, versions: 0, indexEntries: 0, quarantined: 0 };
  for (const dataset of datasets) {
    const removed = await services.records.deleteSubject(dataset, subjectId);
    total.records += removed.records;
    total.versions += removed.versions;
    total.indexEntries += removed.indexEntries;
    total.quarantined += removed.quarantined;
  }
  await services.audit.record([
    { actor, action: 'subject.erase', target: `subject:${subjectId}`, details: { ...total } },
  ]);
  return { subjectId, shreddedAt, ...total };
}

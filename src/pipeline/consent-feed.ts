// Admission of a `consent` dataset (a partner's consent feed): its valid records become consent
// ledger events instead of stored records. A record naming a purpose the dataset does not cover,
// an unknown action or notice version is held back as `invalid_consent` (the detail names the
// field, never its value); a record of an erased subject is suppressed as in any dataset.

import { CustosError } from '../domain/index.js';
import { type ConsentEvent, type KeyService, noticeVersionFor, subjectIdOf } from '../governance/index.js';
import type { Store } from '../store/index.js';
import type { DatasetDeclaration, Purpose } from '../workspace/index.js';
import { ERASED_SUBJECT, erasedSubjects } from './admit.js';

import type { HeldRecord, ValidatedBatch } from './validate.js';

/** The quarantine reason of a consent feed's record that is no valid ledger event. */
export const INVALID_CONSENT = 'invalid_consent';

export interface ConsentFeedBatch {
  events: ConsentEvent[];
  held: HeldRecord[];
  suppressed: number;
}

export async function admitConsentFeed(
  db: Store['db'],
  keys: KeyService,
  dataset: DatasetDeclaration,
  validated: ValidatedBatch,
  declared: readonly Purpose[],
): Promise<ConsentFeedBatch> {
  const subjectIds = new Map<string, string>();
  for (const v of [...validated.valid.values(), ...validated.held])
    if (v.subject !== undefined && !subjectIds.has(v.subject))
      subjectIds.set(v.subject, subjectIdOf(keys, v.subject));
  const erased = await erasedSubjects(db, [...subjectIds.values()]);
  const batch: ConsentFeedBatch = { events: [], held: [], suppressed: 0 };
  const suppress = (raw: Record<string, unknown>, subject: string): void => {
    if (dataset.onErasedSubject === 'drop') batch.suppressed += 1;
    else batch.held.push({ reason: ERASED_SUBJECT, detail: 'the subject was erased', raw, subject });
  };
  for (const h of validated.held) {
    if (h.subject !== undefined && erased.has(subjectIds.get(h.subject)!)) suppress(h.raw, h.subject);
    else batch.held.push(h);
  }
  const covered = new Set(dataset.purposes);
  for (const v of validated.valid.values()) {
    const hold = (detail: string) =>
      batch.held.push({ reason: INVALID_CONSENT, detail, raw: v.raw, subject: v.subject });
    if (v.subject === undefined) {
      hold('identifier: missing');
      continue;
    }
    const subjectId = subjectIds.get(v.subject)!;
    if (erased.has(subjectId)) {
      suppress(v.raw, v.subject);
      continue;
    }
    const r = v.record;
    const purpose = String(r.purpose);
    if (!covered.has(purpose)) {
      hold('purpose: not a purpose of this dataset');
      continue;
    }
    const action = String(r.action).trim().toLowerCase();
    if (action !== 'granted' && action !== 'withdrawn') {
      hold('action: must be granted or withdrawn');
      continue;
    }
    let noticeVersion: string | null = null;
    if (action === 'granted') {
      try {
        noticeVersion = noticeVersionFor(
          declared,
          purpose,
          r.notice_version === undefined || r.notice_version === null ? undefined : String(r.notice_version),
          'purpose',
        );
      } catch (error) {
        if (!(error instanceof CustosError)) throw error;
        hold('notice_version: not a notice version of the purpose');
        continue;
      }
    }
    batch.events.push({
      subjectId,
      purpose,
      action,
      at: String(r.at),
      channel: r.channel === undefined || r.channel === null ? `dataset:${dataset.name}` : String(r.channel),
      evidence: String(r.evidence),
      noticeVersion,
      separate: action === 'granted' && r.separate === true,
      crossBorder: action === 'granted' && r.cross_border === true,
    });
  }
  return batch;
}

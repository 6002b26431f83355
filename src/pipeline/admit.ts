// Stage 3, admit: may each record be kept? (Whether the dataset may be collected at all — its
// vendor's review — is checked once per run by the engine.) With the lawful basis `consent`,
// every record's subject must have consented to every purpose of the dataset — separately when it
// holds sensitive personal information (PIPL Art. 29) — else it is held back.
// First of all, a record of an erased subject (a suppression entry names its subject id) is dropped
// or held back as `erased_subject` per the dataset's `onErasedSubject`, before any data key is
// asked for: the run goes on.

import {
  type ConsentNeeds,
  type ConsentStanding,
  consentStanding,
  type KeyService,
  subjectIdOf,
} from '../governance/index.js';
import type { Store } from '../store/index.js';
import type { DatasetDeclaration, Purpose } from '../workspace/index.js';
import type { HeldRecord, Mapped, ValidatedBatch } from './validate.js';

/** The quarantine reason of a record whose subject was erased: kept without any copy of its values. */
export const ERASED_SUBJECT = 'erased_subject';

/** A record admitted for storage. */
export interface Admitted {
  key: string;
  record: Mapped;
  /** Null when the record names no subject. */
  subjectId: string | null;
}

export interface AdmittedBatch {
  admitted: Admitted[];
  /** Records held back by validation, then by admission, in that order. */
  held: HeldRecord[];
  /** Records of erased subjects dropped without a trace (`onErasedSubject: drop`). */
  suppressed: number;
}

/**
 * Admits a validated batch's records: all of them, or under `consent` those whose subject
 * consented; erased subjects' records (valid or not) are suppressed first.
 */
export async function admitBatch(
  db: Store['db'],
  keys: KeyService,
  dataset: DatasetDeclaration,
  validated: ValidatedBatch,
  hasSensitive: boolean,
  declared: readonly Purpose[],
): Promise<AdmittedBatch> {
  const purposes = dataset.purposes;
  const subjectIds = new Map<string, string>();
  const named = [...validated.valid.values(), ...validated.held];
  for (const v of named)
    if (v.subject !== undefined && !subjectIds.has(v.subject))
      subjectIds.set(v.subject, subjectIdOf(keys, v.subject));
  const erased = await erasedSubjects(db, [...subjectIds.values()]);
  let suppressed = 0;
  const held: HeldRecord[] = [];
  /** Suppresses a record of an erased subject per the dataset's setting. */
  const suppress = (raw: Record<string, unknown>, subject: string): void => {
    if (dataset.onErasedSubject === 'drop') suppressed += 1;
    else held.push({ reason: ERASED_SUBJECT, detail: 'the subject was erased', raw, subject });
  };
  for (const h of validated.held) {
    if (h.subject !== undefined && erased.has(subjectIds.get(h.subject)!)) suppress(h.raw, h.subject);
    else held.push(h);
  }
  const byConsent = dataset.lawfulBasis === 'consent';
  const live = [...subjectIds.values()].filter((id) => !erased.has(id));
  const refusals = byConsent
    ? await consentRefusals(db, declared, live, purposes, {
        separate: hasSensitive,
        crossBorder: dataset.crossBorder.length > 0,
      })
    : undefined;
  const admitted: Admitted[] = [];
  for (const [key, v] of validated.valid) {
    const subjectId = v.subject === undefined ? null : subjectIds.get(v.subject)!;
    if (subjectId !== null && erased.has(subjectId)) {
      suppress(v.raw, v.subject!);
      continue;
    }
    if (refusals) {
      if (subjectId === null) {
        held.push({
          reason: 'no_subject',
          detail: 'consent-based dataset record without a subject',
          raw: v.raw,
          subject: undefined,
        });
        continue;
      }
      const refusal = refusals.get(subjectId);
      if (refusal !== undefined) {
        held.push({ reason: 'no_consent', detail: refusal, raw: v.raw, subject: v.subject });
        continue;
      }
    }
    admitted.push({ key, record: v.record, subjectId });
  }
  return { admitted, held, suppressed };
}

/** The subjects among these with a suppression entry (erased). */
export async function erasedSubjects(db: Store['db'], subjects: readonly string[]): Promise<Set<string>> {
  const erased = new Set<string>();
  for (let i = 0; i < subjects.length; i += 500) {
    const rows = await db
      .selectFrom('erased_subjects')
      .select('subject_id')
      .where('subject_id', 'in', subjects.slice(i, i + 500))
      .execute();
    for (const row of rows) erased.add(row.subject_id);
  }
  return erased;
}

/**
 * Why each subject that may not be collected is refused, naming its defect per purpose: consent
 * withdrawn, given to a notice version since changed materially, without the separate one
 * sensitive data needs (`sensitive`), or none at all. Subjects whose consent counts for every
 * purpose are absent.
 */
async function consentRefusals(
  db: Store['db'],
  declared: readonly Purpose[],
  subjects: readonly string[],
  purposes: readonly string[],
  needs: ConsentNeeds,
): Promise<Map<string, string>> {
  const standing = await consentStanding(db, declared, subjects, purposes, needs);
  const refusals = new Map<string, string>();
  for (const subject of subjects) {
    const byPurpose = standing.get(subject);
    const missing = (want: ConsentStanding | undefined) => purposes.filter((p) => byPurpose?.get(p) === want);
    const defects = [
      [missing('withdrawn'), 'consent withdrawn for'],
      [missing('outdated_notice'), 'consent to an earlier notice for'],
      [missing('not_separate'), 'no separate consent for'],
      [missing('not_cross_border'), 'no cross-border consent for'],
      [missing(undefined), 'no consent for'],
    ] as const;
    const detail = defects
      .filter(([list]) => list.length > 0)
      .map(([list, what]) => `${what} ${list.join(', ')}`)
      .join('; ');
    if (detail !== '') refusals.set(subject, detail);
  }
  return refusals;
}

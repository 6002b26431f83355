// Stage 3, admit: may this dataset be collected, and may each record be kept? The vendor's
// assessment must be on record, not rejected and not expired (else the run fails); with the lawful
// basis `consent`, every record's subject must have consented to every purpose of the dataset —
// separately when it holds sensitive personal information (PIPL Art. 29) — else it is held back.

import type { KeyService } from '../governance/index.js';
import type { Store } from '../store/index.js';
import type { DatasetDeclaration, Workspace } from '../workspace/index.js';
import { subjectIdFor } from './subject-id.js';
import type { HeldRecord, Mapped, ValidatedBatch } from './validate.js';

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
}

/** Why the dataset's vendor may not be collected from, or undefined when it may. */
export function checkVendor(workspace: Workspace, dataset: DatasetDeclaration): string | undefined {
  const sourceVendor = workspace.sources.find((s) => s.name === dataset.source)?.vendor;
  const name = dataset.vendor ?? sourceVendor;
  if (!name) return undefined;
  const vendor = workspace.vendors.find((v) => v.name === name);
  const assessment = vendor?.assessment;
  if (!assessment) return `vendor ${name} has no assessment on record`;
  if (assessment.result === 'rejected')
    return `vendor ${name} was rejected by its assessment (${assessment.reference ?? assessment.date})`;
  if (assessment.validUntil < new Date().toISOString().slice(0, 10))
    return `vendor ${name}'s assessment expired on ${assessment.validUntil}`;
  return undefined;
}

/** Admits a validated batch's records: all of them, or under `consent` those whose subject consented. */
export async function admitBatch(
  db: Store['db'],
  keys: KeyService,
  dataset: DatasetDeclaration,
  validated: ValidatedBatch,
  hasSensitive: boolean,
): Promise<AdmittedBatch> {
  const purposes = dataset.purposes;
  const subjectIds = new Map<string, string>();
  for (const v of validated.valid.values())
    if (v.subject !== undefined && !subjectIds.has(v.subject))
      subjectIds.set(v.subject, subjectIdFor(keys, v.subject));
  const byConsent = dataset.lawfulBasis === 'consent';
  const consented = byConsent
    ? await consentingSubjects(db, [...subjectIds.values()], purposes, hasSensitive)
    : undefined;
  const admitted: Admitted[] = [];
  const held = [...validated.held];
  for (const [key, v] of validated.valid) {
    const subjectId = v.subject === undefined ? null : subjectIds.get(v.subject)!;
    if (consented) {
      if (subjectId === null) {
        held.push({
          reason: 'no_subject',
          detail: 'consent-based dataset record without a subject',
          raw: v.raw,
          subject: undefined,
        });
        continue;
      }
      if (!consented.has(subjectId)) {
        held.push({
          reason: 'no_consent',
          detail: `no ${hasSensitive ? 'separate ' : ''}consent for ${purposes.join(', ')}`,
          raw: v.raw,
          subject: v.subject,
        });
        continue;
      }
    }
    admitted.push({ key, record: v.record, subjectId });
  }
  return { admitted, held };
}

/** The subjects who consented to every purpose (separately, when `sensitive`) and did not withdraw. */
async function consentingSubjects(
  db: Store['db'],
  subjects: string[],
  purposes: string[],
  sensitive: boolean,
): Promise<Set<string>> {
  const granted = new Map<string, Set<string>>();
  for (let i = 0; i < subjects.length; i += 500) {
    let query = db
      .selectFrom('consents')
      .select(['subject_id', 'purpose'])
      .where('subject_id', 'in', subjects.slice(i, i + 500))
      .where('purpose', 'in', purposes)
      .where('withdrawn_at', 'is', null);
    if (sensitive) query = query.where('sensitive', '=', 1);
    for (const row of await query.execute()) {
      const set = granted.get(row.subject_id) ?? new Set<string>();
      set.add(row.purpose);
      granted.set(row.subject_id, set);
    }
  }
  return new Set([...granted].filter(([, set]) => purposes.every((p) => set.has(p))).map(([s]) => s));
}

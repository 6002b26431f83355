// Whether subjects may be processed for purposes under consent (PIPL Arts. 14, 29), from the consent
// ledger's current state: an unwithdrawn consent to the purpose's current notice (or a version after
// its last material change) — a separate one (`sensitive`) when the dataset holds sensitive
// personal information, and a cross-border one when the dataset's records go abroad. Admission (pipeline/admit.ts) and the read path both ask here, so a
// withdrawal takes effect on the next read and the next collection.

import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { Purpose } from '../workspace/index.js';

const CHUNK = 500;

/** A subject's standing for one purpose; absent from the map: no consent on record. */
export type ConsentStanding =
  | 'granted'
  | 'not_cross_border'
  | 'not_separate'
  | 'outdated_notice'
  | 'withdrawn';

/** What a consent must include besides the purpose: separate (Art. 29), cross-border (Art. 39). */
export interface ConsentNeeds {
  separate: boolean;
  crossBorder: boolean;
}

/** The notice versions a consent must be for to count, or undefined when the purpose has none. */
export interface AcceptedNotices {
  versions: ReadonlySet<string>;
  /** Consents recorded without a version (before the purpose had notices) still count. */
  unversioned: boolean;
}

/**
 * Versions from the last material one on (the first version is the baseline); a consent without a
 * version counts while no version after the first is material.
 */
export function acceptedNotices(purpose: Purpose | undefined): AcceptedNotices | undefined {
  const notices = purpose?.notices ?? [];
  if (notices.length === 0) return undefined;
  let from = 0;
  notices.forEach((n, i) => {
    if (i > 0 && n.material) from = i;
  });
  return { versions: new Set(notices.slice(from).map((n) => n.version)), unversioned: from === 0 };
}

/** The current version of a purpose's notice (the last declared), or null when it has none. */
export function currentNotice(purpose: Purpose | undefined): string | null {
  return purpose?.notices.at(-1)?.version ?? null;
}

/** Each subject's standing for each purpose (subjects and purposes without a row are absent). */
export async function consentStanding(
  db: Kysely<Database>,
  declared: readonly Purpose[],
  subjectIds: readonly string[],
  purposes: readonly string[],
  needs: ConsentNeeds,
): Promise<Map<string, Map<string, ConsentStanding>>> {
  const unique = [...new Set(subjectIds)];
  const accepted = new Map(purposes.map((p) => [p, acceptedNotices(declared.find((d) => d.name === p))]));
  const standing = new Map<string, Map<string, ConsentStanding>>();
  if (purposes.length === 0) return standing;
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await db
      .selectFrom('consents')
      .select(['subject_id', 'purpose', 'sensitive', 'cross_border', 'withdrawn_at', 'notice_version'])
      .where('subject_id', 'in', unique.slice(i, i + CHUNK))
      .where('purpose', 'in', [...purposes])
      .execute();
    for (const row of rows) {
      const notices = accepted.get(row.purpose);
      const noticeHolds =
        notices === undefined ||
        (row.notice_version === null ? notices.unversioned : notices.versions.has(row.notice_version));
      const now: ConsentStanding =
        row.withdrawn_at !== null
          ? 'withdrawn'
          : !noticeHolds
            ? 'outdated_notice'
            : needs.separate && Number(row.sensitive) !== 1
              ? 'not_separate'
              : needs.crossBorder && Number(row.cross_border) !== 1
                ? 'not_cross_border'
                : 'granted';
      const byPurpose = standing.get(row.subject_id) ?? new Map<string, ConsentStanding>();
      byPurpose.set(row.purpose, now);
      standing.set(row.subject_id, byPurpose);
    }
  }
  return standing;
}

/** The subjects among these whose consent to the purpose counts now. */
export async function consentingSubjects(
  db: Kysely<Database>,
  declared: readonly Purpose[],
  subjectIds: readonly string[],
  purpose: string,
  needs: ConsentNeeds,
): Promise<Set<string>> {
  const standing = await consentStanding(db, declared, subjectIds, [purpose], needs);
  const out = new Set<string>();
  for (const [subject, byPurpose] of standing) if (byPurpose.get(purpose) === 'granted') out.add(subject);
  return out;
}

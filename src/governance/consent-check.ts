// Which subjects may be read for a purpose under consent (PIPL Art. 14, 29): an unwithdrawn consent
// for that purpose — a separate one (`sensitive`) when the dataset holds sensitive personal
// information. Withdrawal takes effect on the next read.

import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

const CHUNK = 500;

export async function consentingSubjects(
  db: Kysely<Database>,
  subjectIds: readonly string[],
  purpose: string,
  needsSeparateConsent: boolean,
): Promise<Set<string>> {
  const unique = [...new Set(subjectIds)];
  const out = new Set<string>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    let query = db
      .selectFrom('consents')
      .select('subject_id')
      .where('subject_id', 'in', unique.slice(i, i + CHUNK))
      .where('purpose', '=', purpose)
      .where('withdrawn_at', 'is', null);
    if (needsSeparateConsent) query = query.where('sensitive', '=', 1);
    for (const row of await query.execute()) out.add(row.subject_id);
  }
  return out;
}

// The demo's first start: consent records for most of the simulated customers (every tenth has
// none, so the demo shows `no_consent` quarantine), then a queued run of every dataset whose
// source has a connector in this build.

import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type KeyService, subjectIdOf } from '../governance/index.js';
import { connectors } from '../sources/index.js';
import type { PartnerApi } from '../sources/simulators/partner-api.js';
import type { Store } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';
import type { RunService } from './runs.js';

export async function seedDemoConsents(
  store: Store,
  keys: KeyService,
  workspace: Workspace,
  partnerApi: PartnerApi,
): Promise<number> {
  const subjects = new Set<string>(partnerApi.records.map((r) => r.id_no));
  const partnerDb = path.join(workspace.dir, 'data', 'partner-bank.db');
  const db = new SqliteDatabase(partnerDb, { readonly: true });
  try {
    for (const row of db.prepare('SELECT id_no FROM accounts').all() as Array<{ id_no: string }>)
      subjects.add(row.id_no);
  } finally {
    db.close();
  }
  const purposes = [...new Set(workspace.datasets.flatMap((d) => d.purposes))];
  const now = new Date().toISOString();
  const rows = [...subjects]
    .filter((_, i) => i % 10 !== 9)
    .flatMap((value) =>
      purposes.map((purpose) => ({
        subject_id: subjectIdOf(keys, value),
        purpose,
        sensitive: 1,
        granted_at: now,
        withdrawn_at: null,
      })),
    );
  for (let i = 0; i < rows.length; i += 500) {
    await store.db
      .insertInto('consents')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['subject_id', 'purpose']).doNothing())
      .execute();
  }
  return rows.length;
}

/** Queues a run of each dataset whose source type has a connector; returns the datasets queued. */
export async function queueDemoRuns(
  workspace: Workspace,
  runs: RunService,
): Promise<{ queued: string[]; skipped: string[] }> {
  const available = new Set(connectors.map((c) => c.type));
  const queued: string[] = [];
  const skipped: string[] = [];
  for (const dataset of workspace.datasets) {
    const type = workspace.sources.find((s) => s.name === dataset.source)?.type;
    if (type && available.has(type)) {
      await runs.enqueue(dataset.name, 'demo', 'system');
      queued.push(dataset.name);
    } else skipped.push(dataset.name);
  }
  return { queued, skipped };
}

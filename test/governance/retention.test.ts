// Retention on SQLite and PostgreSQL: exactly the records past their dataset's retention are
// deleted (with their history, index entries and old quarantined copies), a subject's data key
// only when nothing else holds the subject, nothing of a subject or dataset on legal hold; a dry
// run deletes nothing; the report (counts only) is stored and audited; a declared date field
// counts instead of collection time; `custos serve`'s scheduler runs it.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuditEvent, ConfigError } from '../../src/domain/index.js';
import { RetentionService, retentionCutoff, subjectIdOf } from '../../src/governance/index.js';
import { startScheduler } from '../../src/pipeline/index.js';
import { loadWorkspace } from '../../src/workspace/index.js';
import { createTestStore, TEST_DIALECTS } from '../support/databases.js';
import { createPipelineWorkspace } from '../support/pipeline-workspace.js';
import { createRightsWorkspace, type RightsWorkspace } from '../support/rights-workspace.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const TWO_YEARS_AGO = new Date(Date.now() - 730 * 86_400_000).toISOString();

async function rights(dialect: (typeof TEST_DIALECTS)[number], extras = {}): Promise<RightsWorkspace> {
  const rw = await createRightsWorkspace(dialect, { datasetExtras: extras });
  cleanups.push(() => rw.close());
  return rw;
}

/** Makes records look collected two years ago. */
async function age(rw: RightsWorkspace, dataset: string, cids: readonly string[]) {
  await rw.ctx.store.db
    .updateTable('dataset_records')
    .set({ updated_at: TWO_YEARS_AGO, created_at: TWO_YEARS_AGO })
    .where('dataset', '=', dataset)
    .where('natural_key', 'in', [...cids])
    .execute();
}

async function keys(rw: RightsWorkspace, dataset: string): Promise<string[]> {
  const page = await rw.ctx.store.records.readCurrent(dataset, { limit: 1000 });
  return page.records.map((r) => r.naturalKey).sort();
}

async function hasKey(rw: RightsWorkspace, subjectId: string): Promise<boolean> {
  const row = await rw.ctx.store.db
    .selectFrom('subject_keys')
    .select('subject_id')
    .where('subject_id', '=', subjectId)
    .executeTakeFirst();
  return row !== undefined;
}

describe.each(TEST_DIALECTS)('retention (%s)', (dialect) => {
  it('deletes exactly the expired records, keeps subjects on legal hold, and a key only goes when nothing holds its subject', async () => {
    const rw = await rights(dialect);
    const [a, b, c, d] = rw.rows as [
      (typeof rw.rows)[0],
      (typeof rw.rows)[0],
      (typeof rw.rows)[0],
      (typeof rw.rows)[0],
    ];
    const subject = (p: typeof a) => subjectIdOf(rw.ctx.keys(), p.id_no);
    // a: expired in people (1y), still held by accounts (5y, aged but within it).
    // b: expired in people, on legal hold.  c: expired in people, held nowhere else.  d: fresh.
    await age(rw, 'people', [a.cid, b.cid, c.cid]);
    await age(rw, 'accounts', [a.cid]);
    await age(rw, 'watchlist', [a.cid, d.cid]);
    await rw.ctx.store.records.deleteSubject('accounts', subject(c));
    await rw.ctx.retention.hold(subject(b), 'court order 2026-17', 'user:olga');
    const before = { people: await keys(rw, 'people'), accounts: await keys(rw, 'accounts') };

    const dry = await rw.ctx.retention.run({ actor: 'user:olga', dryRun: true });
    expect(dry.isDryRun).toBe(true);
    expect(dry.datasets.find((x) => x.dataset === 'people')).toMatchObject({
      expired: 3,
      keptOnHold: 1,
      deleted: 0,
    });
    expect(await keys(rw, 'people')).toEqual(before.people);

    const report = await rw.ctx.retention.run({ actor: 'user:olga' });
    const of = (name: string) => report.datasets.find((x) => x.dataset === name)!;
    expect(of('people')).toMatchObject({
      retention: '1y',
      from: 'collection',
      expired: 3,
      keptOnHold: 1,
      deleted: 2,
    });
    expect(of('people').versionsDeleted).toBe(0);
    expect(of('people').indexEntriesDeleted).toBeGreaterThanOrEqual(2);
    expect(of('accounts')).toMatchObject({ expired: 0, deleted: 0 });
    expect(of('watchlist')).toMatchObject({ expired: 2, deleted: 2 });
    expect(report.totals).toMatchObject({ expired: 5, deleted: 4, keptOnHold: 1 });
    expect(report.keysDeleted).toBe(1);

    expect(await keys(rw, 'people')).toEqual(before.people.filter((k) => k !== a.cid && k !== c.cid));
    expect(await keys(rw, 'accounts')).toEqual(before.accounts);
    expect(await keys(rw, 'watchlist')).not.toContain(d.cid);
    expect(await rw.ctx.store.records.findByIndex('people', '$subject', subject(c))).toEqual([]);
    expect(await hasKey(rw, subject(c))).toBe(false);
    expect(await hasKey(rw, subject(a))).toBe(true);
    expect(await hasKey(rw, subject(b))).toBe(true);
    // Retention is no erasure: the person may be collected again.
    expect(await rw.ctx.store.db.selectFrom('erased_subjects').selectAll().execute()).toEqual([]);

    // Stored, and audited with counts only.
    const [stored] = await rw.ctx.retention.reports(1);
    expect(stored).toMatchObject({ id: report.id, totals: report.totals, keysDeleted: 1 });
    const log = (await rw.ctx.store.db.selectFrom('audit_entries').select('entry').execute())
      .map((e) => e.entry)
      .join('\n');
    expect(log).toContain('retention.run');
    expect(log).toContain('retention.dry_run');
    for (const p of [a, b, c]) {
      expect(log).not.toContain(p.id_no);
      expect(log).not.toContain(p.cid);
    }

    // Released, the held subject's record goes on the next run.
    await rw.ctx.retention.release(subject(b), 'user:olga');
    const next = await rw.ctx.retention.run({ actor: 'user:olga' });
    expect(next.datasets.find((x) => x.dataset === 'people')).toMatchObject({ expired: 1, deleted: 1 });
  });

  it('a dataset on legal hold keeps everything', async () => {
    const rw = await rights(dialect, { people: 'legalHold: true' });
    await age(
      rw,
      'people',
      rw.rows.map((p) => p.cid),
    );
    const report = await rw.ctx.retention.run({ actor: 'cli' });
    expect(report.datasets.find((x) => x.dataset === 'people')).toMatchObject({
      isOnHold: true,
      expired: rw.rows.length,
      deleted: 0,
    });
    expect(await keys(rw, 'people')).toHaveLength(rw.rows.length);
  });

  it('quarantined copies older than retention go too', async () => {
    const rw = await rights(dialect);
    await rw.ctx.store.db
      .insertInto('quarantine')
      .values(
        ['old', 'new'].map((id) => ({
          id: `q_${id}`,
          dataset: 'people',
          run_id: 'r',
          reason: 'invalid',
          detail: '',
          position: null,
          subject_id: 'quarantine:people',
          sealed: 'x',
          status: 'open',
          created_at: id === 'old' ? TWO_YEARS_AGO : new Date().toISOString(),
        })),
      )
      .execute();
    const report = await rw.ctx.retention.run({ actor: 'cli' });
    expect(report.datasets.find((x) => x.dataset === 'people')!.quarantinedDeleted).toBe(1);
    const left = await rw.ctx.store.db.selectFrom('quarantine').select('id').execute();
    expect(left.map((r) => r.id)).toEqual(['q_new']);
  });

  it('counts from a declared date field when the dataset names one (records without it: collection time)', async () => {
    const { store, cleanup } = await createTestStore(dialect);
    cleanups.push(cleanup);
    const now = new Date().toISOString();
    const record = (key: string, data: Record<string, unknown>) => ({
      naturalKey: key,
      subjectId: null,
      data: JSON.stringify(data),
      sealed: null,
      contentHash: key,
      indexes: [],
    });
    await store.records.writeBatch({
      dataset: 'contracts',
      runId: 'r1',
      at: now,
      records: [
        record('k1', { ends: '2020-06-30' }),
        record('k2', { ends: '2099-01-01' }),
        record('k3', { ends: '2020-06-30T08:00:00.000Z' }),
        record('k4', {}),
      ],
      quarantine: [],
      checkpoint: null,
    });
    const cutoff = retentionCutoff('1y', new Date()).toISOString();
    const expired = await store.records.expiredRecords('contracts', { cutoff, dateField: 'ends' });
    expect(expired.map((r) => r.naturalKey)).toEqual(['k1', 'k3']);
    // By collection time nothing is expired: every record was stored just now.
    expect(await store.records.expiredRecords('contracts', { cutoff })).toEqual([]);
    // Paged in natural-key order.
    expect(
      (await store.records.expiredRecords('contracts', { cutoff, dateField: 'ends', after: 'k1' })).map(
        (r) => r.naturalKey,
      ),
    ).toEqual(['k3']);
  });

  it('runs on its schedule under the server’s scheduler', async () => {
    const rw = await rights(dialect);
    const events: AuditEvent[] = [];
    const retention = new RetentionService(
      rw.ctx.workspace,
      rw.ctx.store.db,
      rw.ctx.store.records,
      () => rw.ctx.keys(),
      { record: async (e) => void events.push(...e) },
    );
    let ran = 0;
    const scheduler = startScheduler({
      workspace: rw.ctx.workspace,
      runs: rw.ctx.runs,
      logger: rw.ctx.logger,
      worker: false,
      jobs: [
        {
          name: 'retention',
          schedule: '* * * * * *',
          run: async () => {
            await retention.run({ actor: 'system:retention' });
            ran += 1;
          },
        },
      ],
    });
    try {
      for (let i = 0; i < 40 && ran === 0; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await scheduler.stop();
    }
    expect(ran).toBeGreaterThan(0);
    expect(events.map((e) => e.action)).toContain('retention.run');
  });
});

describe('retention rules', () => {
  it('counts months and years by the calendar', () => {
    const now = new Date('2026-03-31T10:00:00Z');
    expect(retentionCutoff('30d', now).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(retentionCutoff('1m', now).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(retentionCutoff('18m', now).toISOString()).toBe('2024-09-30T10:00:00.000Z');
    expect(retentionCutoff('5y', new Date('2028-02-29T00:00:00Z')).toISOString()).toBe(
      '2023-02-28T00:00:00.000Z',
    );
  });

  it('refuses a retentionFrom that is no date field in clear, naming file and path', async () => {
    const ws = await createPipelineWorkspace('sqlite');
    cleanups.push(() => ws.cleanup());
    const file = path.join(ws.dir, 'datasets.yaml');
    const original = readFileSync(file, 'utf8');
    const problems = (field: string, base = original) => {
      writeFileSync(file, base.replace('retention: 1y', `retention: 1y\n    retentionFrom: ${field}`));
      try {
        loadWorkspace(ws.dir);
      } catch (error) {
        return (error as ConfigError).details.map((d) => `${d.file} ${d.path}: ${d.message}`);
      }
      return [];
    };
    expect(problems('score')).toEqual([
      'datasets.yaml datasets[0].retentionFrom: score is not a date or datetime field',
    ]);
    expect(problems('nope')).toEqual(['datasets.yaml datasets[0].retentionFrom: unknown field "nope"']);
    const withDue = original.replace(
      '      score: { type: integer }',
      '      score: { type: integer }\n      due: { type: date, category: C2 }',
    );
    expect(problems('due', withDue)[0]).toMatch(/retentionFrom: due is sealed \(C2\)/);
  });

  it('refuses a retention schedule that is no cron expression, naming custos.yaml', async () => {
    const { checkSchedules } = await import('../../src/pipeline/index.js');
    const workspace = {
      datasets: [],
      config: { retention: { schedule: 'every night' } },
    } as unknown as Parameters<typeof checkSchedules>[0];
    expect(() => checkSchedules(workspace)).toThrow(ConfigError);
    try {
      checkSchedules(workspace);
    } catch (error) {
      expect((error as ConfigError).details[0]).toMatchObject({
        file: 'custos.yaml',
        path: 'retention.schedule',
      });
    }
  });
});

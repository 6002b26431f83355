// The consent ledger on SQLite and PostgreSQL: grants and withdrawals are events with their
// details, the current state follows the latest event (older ones from a feed change nothing), a
// material new notice version requires consent again, the identifier is never stored nor audited,
// and under `consent.onWithdrawal: erase` a subject left without consent is erased.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
import { consentingSubjects } from '../../src/governance/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
import {
  createPipelineWorkspace,
  MASTER_ENV,
  type Person,
  people,
  writePeople,
} from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const SEPARATE = { separate: true, crossBorder: false };

const NOTICES = `    notices:
      - { version: v1, effective: 2026-01-01 }
      - { version: v2, effective: 2026-03-01, material: false }
`;

async function workspace(
  dialect: (typeof TEST_DIALECTS)[number],
  options: { onWithdrawal?: 'keep' | 'erase'; notices?: string } = {},
): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect);
  cleanups.push(() => ws.cleanup());
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(path.join(ws.dir, file), change(readFileSync(path.join(ws.dir, file), 'utf8')));
  edit('purposes.yaml', (t) => `${t}${options.notices ?? NOTICES}  - name: marketing\n    title: 营销\n`);
  if (options.onWithdrawal)
    edit('custos.yaml', (t) => `${t}\nconsent:\n  onWithdrawal: ${options.onWithdrawal}\n`);
  return ws;
}

async function open(ws: TestWorkspace): Promise<AppContext> {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  cleanups.push(() => ctx.close());
  return ctx;
}

async function auditLog(ctx: AppContext): Promise<string> {
  const rows = await ctx.store.db.selectFrom('audit_entries').select('entry').execute();
  return rows.map((r) => r.entry).join('\n');
}

describe.each(TEST_DIALECTS)('consent ledger on %s', (dialect) => {
  it('records grants and withdrawals as events and keeps the current state per purpose', async () => {
    const ctx = await open(await workspace(dialect));
    const [person] = people(1, 71) as [Person];
    const granted = await ctx.consents.grant(
      {
        identifier: person.id_no,
        purposes: ['credit_assessment', 'marketing'],
        separate: true,
        crossBorder: true,
        channel: 'app',
        evidence: 'CR-0001',
      },
      'user:dpo',
    );
    expect(granted).toMatchObject({ action: 'granted', recorded: 2, erased: false });
    const subject = ctx.consents.subjectOf(person.id_no);
    expect(granted.subjectId).toBe(subject);
    expect(
      await consentingSubjects(ctx.store.db, ctx.workspace.purposes, [subject], 'marketing', SEPARATE),
    ).toEqual(new Set([subject]));

    await ctx.consents.withdraw({ identifier: person.id_no, purposes: ['marketing'] }, 'user:dpo', 'cli');
    const shown = await ctx.consents.show(person.id_no, 'user:dpo');
    expect(shown.consents).toEqual([
      expect.objectContaining({
        purpose: 'credit_assessment',
        status: 'granted',
        separate: true,
        crossBorder: true,
        noticeVersion: 'v2',
        currentNotice: 'v2',
        noticeHolds: true,
        channel: 'app',
        evidence: 'CR-0001',
        withdrawnAt: null,
      }),
      expect.objectContaining({ purpose: 'marketing', status: 'withdrawn', noticeVersion: null }),
    ]);
    expect(shown.history.map((h) => [h.purpose, h.action, h.channel])).toEqual([
      ['credit_assessment', 'granted', 'app'],
      ['marketing', 'granted', 'app'],
      ['marketing', 'withdrawn', 'cli'],
    ]);
    expect(
      await consentingSubjects(ctx.store.db, ctx.workspace.purposes, [subject], 'marketing', SEPARATE),
    ).toEqual(new Set());

    // Stored and audited by subject id only: the identifier appears nowhere.
    const tables = await Promise.all(
      (['consents', 'consent_events'] as const).map((t) => ctx.store.db.selectFrom(t).selectAll().execute()),
    );
    expect(JSON.stringify(tables)).not.toContain(person.id_no);
    const log = await auditLog(ctx);
    expect(log).toContain('consent.grant');
    expect(log).toContain('consent.withdraw');
    expect(log).toContain('consent.show');
    expect(log).not.toContain(person.id_no);
    expect(log).not.toContain('CR-0001');
  });

  it('keeps an older event from a feed in the history without changing the state', async () => {
    const ctx = await open(await workspace(dialect));
    const [person] = people(1, 72) as [Person];
    const input = { identifier: person.id_no, purposes: ['marketing'] };
    await ctx.consents.grant({ ...input, evidence: 'E2', at: '2026-06-02T00:00:00Z' }, 'test');
    // A withdrawal dated before the grant arrives late: the later grant still stands.
    await ctx.consents.withdraw({ ...input, at: '2026-06-01T00:00:00Z' }, 'test');
    const shown = await ctx.consents.ofSubject(ctx.consents.subjectOf(person.id_no));
    expect(shown.consents).toEqual([expect.objectContaining({ purpose: 'marketing', status: 'granted' })]);
    expect(shown.history.map((h) => h.action)).toEqual(['withdrawn', 'granted']);
  });

  it('asks consent again after a material new notice version', async () => {
    const ws = await workspace(dialect);
    const [person] = people(1, 73) as [Person];
    let ctx = await open(ws);
    await ctx.consents.grant(
      {
        identifier: person.id_no,
        purposes: ['credit_assessment'],
        separate: true,
        evidence: 'E1',
        noticeVersion: 'v1',
      },
      'test',
    );
    const subject = ctx.consents.subjectOf(person.id_no);
    const counts = async (c: AppContext) =>
      (await consentingSubjects(c.store.db, c.workspace.purposes, [subject], 'credit_assessment', SEPARATE))
        .size;
    // v2 is not material: consent to v1 still counts.
    expect(await counts(ctx)).toBe(1);
    await expect(
      ctx.consents.grant(
        { identifier: person.id_no, purposes: ['credit_assessment'], evidence: 'E', noticeVersion: 'v9' },
        'test',
      ),
    ).rejects.toMatchObject({ code: 'validation', details: { field: 'noticeVersion' } });
    await ctx.close();
    cleanups.pop();

    // A material v3: consent to v1 no longer counts, and admission names why.
    const file = path.join(ws.dir, 'purposes.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        NOTICES,
        `${NOTICES}      - { version: v3, effective: 2026-09-01, material: true }\n`,
      ),
    );
    ctx = await open(ws);
    expect(await counts(ctx)).toBe(0);
    expect((await ctx.consents.ofSubject(subject)).consents[0]).toMatchObject({
      noticeVersion: 'v1',
      currentNotice: 'v3',
      noticeHolds: false,
    });
    writePeople(ws.dir, [person]);
    const run = await ctx.runs.execute(await ctx.runs.startInline('people', 'test'), 'test');
    expect(run).toMatchObject({ stored: 0, quarantineReasons: { no_consent: 1 } });
    const held = await ctx.store.db.selectFrom('quarantine').select('detail').executeTakeFirstOrThrow();
    expect(held.detail).toBe('consent to an earlier notice for credit_assessment');
    // Consent to the current version admits the record.
    await ctx.consents.grant(
      { identifier: person.id_no, purposes: ['credit_assessment'], separate: true, evidence: 'E3' },
      'test',
    );
    expect(await counts(ctx)).toBe(1);
  });

  it('refuses unknown purposes, missing evidence and times in the future, naming the field', async () => {
    const ctx = await open(await workspace(dialect));
    const identifier = people(1, 74)[0]!.id_no;
    await expect(
      ctx.consents.grant({ identifier, purposes: ['nope'], evidence: 'E' }, 't'),
    ).rejects.toMatchObject({
      code: 'validation',
      details: { field: 'purposes[0]' },
    });
    await expect(
      ctx.consents.grant({ identifier, purposes: ['marketing'], evidence: ' ' }, 't'),
    ).rejects.toMatchObject({
      details: { field: 'evidence' },
    });
    await expect(
      ctx.consents.grant(
        { identifier, purposes: ['marketing'], evidence: 'E', at: '2999-01-01T00:00:00Z' },
        't',
      ),
    ).rejects.toMatchObject({ details: { field: 'at' } });
    expect(await ctx.store.db.selectFrom('consent_events').selectAll().execute()).toEqual([]);
  });

  it('under onWithdrawal: erase, erases a subject once no purpose with consent remains', async () => {
    const ws = await workspace(dialect, { onWithdrawal: 'erase' });
    const [person, other] = people(2, 75) as [Person, Person];
    writePeople(ws.dir, [person, other]);
    const ctx = await open(ws);
    for (const p of [person, other])
      await ctx.consents.grant(
        { identifier: p.id_no, purposes: ['credit_assessment', 'marketing'], separate: true, evidence: 'E' },
        'test',
      );
    expect(await ctx.runs.execute(await ctx.runs.startInline('people', 'test'), 'test')).toMatchObject({
      stored: 2,
    });
    const subject = ctx.consents.subjectOf(person.id_no);
    // Consent to credit_assessment remains: the subject stays.
    const first = await ctx.consents.withdraw(
      { identifier: person.id_no, purposes: ['marketing'] },
      'user:dpo',
    );
    expect(first.erased).toBe(false);
    expect(await ctx.store.db.selectFrom('erased_subjects').selectAll().execute()).toEqual([]);
    const last = await ctx.consents.withdraw(
      { identifier: person.id_no, purposes: ['credit_assessment'] },
      'user:dpo',
    );
    expect(last.erased).toBe(true);
    const suppressed = await ctx.store.db.selectFrom('erased_subjects').select('subject_id').execute();
    expect(suppressed.map((s) => s.subject_id)).toEqual([subject]);
    const stored = await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute();
    expect(stored.map((r) => r.natural_key)).toEqual([other.cid]);
    expect(await auditLog(ctx)).toContain('subject.erase');
  });

  it('asks a cross-border consent of a dataset whose records go abroad (PIPL Art. 39)', async () => {
    const ws = await workspace(dialect);
    const file = path.join(ws.dir, 'datasets.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'lawfulBasis: consent',
        'lawfulBasis: consent\n    crossBorder: [{ recipient: hk-bureau, country: HK, mechanism: standard_contract, reference: SC-1 }]',
      ),
    );
    const [person] = people(1, 77) as [Person];
    writePeople(ws.dir, [person]);
    const ctx = await open(ws);
    const input = { identifier: person.id_no, purposes: ['credit_assessment'], separate: true };
    await ctx.consents.grant({ ...input, evidence: 'E1', at: '2026-01-01T00:00:00Z' }, 't');
    const collect = async () =>
      ctx.runs.execute(await ctx.runs.startInline('people', 't', { full: true }), 't');
    expect(await collect()).toMatchObject({ stored: 0, quarantineReasons: { no_consent: 1 } });
    const held = await ctx.store.db.selectFrom('quarantine').select('detail').executeTakeFirstOrThrow();
    expect(held.detail).toBe('no cross-border consent for credit_assessment');
    await ctx.consents.grant({ ...input, crossBorder: true, evidence: 'E2' }, 't');
    expect(await collect()).toMatchObject({ stored: 1 });
  });

  it('under the default onWithdrawal: keep, a withdrawal erases nothing', async () => {
    const ws = await workspace(dialect);
    const [person] = people(1, 76) as [Person];
    writePeople(ws.dir, [person]);
    const ctx = await open(ws);
    await ctx.consents.grant(
      { identifier: person.id_no, purposes: ['credit_assessment'], separate: true, evidence: 'E' },
      't',
    );
    await ctx.runs.execute(await ctx.runs.startInline('people', 'test'), 'test');
    const change = await ctx.consents.withdraw(
      { identifier: person.id_no, purposes: ['credit_assessment'] },
      't',
    );
    expect(change.erased).toBe(false);
    expect(await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute()).toHaveLength(1);
    expect(await ctx.store.db.selectFrom('erased_subjects').selectAll().execute()).toEqual([]);
  });
});

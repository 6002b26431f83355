// Data-subject requests on SQLite and PostgreSQL, over records the pipeline collected: the
// lifecycle and its maker-checker rules, deadlines in working days and the overdue flag, a copy
// holding the person's records across datasets and nobody else's, a correction written as a new
// version, a deletion that erases, the explanation generated from the declarations — every step
// audited without the identifier or a value.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workingDaysDeadline } from '../../src/domain/index.js';
import { subjectIdOf } from '../../src/governance/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { createRightsWorkspace, type RightsWorkspace } from '../support/rights-workspace.js';

describe.each(TEST_DIALECTS)('data-subject requests (%s)', (dialect) => {
  let rw: RightsWorkspace;
  beforeAll(async () => {
    rw = await createRightsWorkspace(dialect);
  }, 60_000);
  afterAll(async () => {
    await rw?.close();
  });

  const auditLog = async () =>
    (await rw.ctx.store.db.selectFrom('audit_entries').select('entry').orderBy('idx').execute())
      .map((e) => e.entry)
      .join('\n');

  /** A request walked to in-progress: recorded by olga, verified by oscar, started. */
  async function inProgress(type: 'access' | 'copy' | 'deletion' | 'explanation', identifier: string) {
    const svc = rw.ctx.subjectRequests;
    const created = await svc.create(rw.olga, { type, identifier });
    await svc.verify(created.id, rw.oscar, 'id_document');
    return svc.start(created.id, rw.olga);
  }

  it('runs received → verified → in progress → completed, each step recorded and audited', async () => {
    const person = rw.rows[0]!;
    const svc = rw.ctx.subjectRequests;
    const created = await svc.create(rw.olga, {
      type: 'access',
      identifier: person.id_no,
      channel: 'counter',
    });
    expect(created).toMatchObject({
      type: 'access',
      status: 'received',
      subjectId: subjectIdOf(rw.ctx.keys(), person.id_no),
      isOverdue: false,
      createdBy: 'olga',
    });
    // Not yet verified: it cannot start, nor complete.
    await expect(svc.start(created.id, rw.olga)).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.complete(created.id, rw.olga)).rejects.toMatchObject({ code: 'conflict' });
    await svc.verify(created.id, rw.oscar, 'in_person');
    await svc.start(created.id, rw.olga);
    const done = await svc.complete(created.id, rw.olga);
    expect(done.status).toBe('completed');
    expect(done.steps.map((s) => s.step)).toEqual(['received', 'verified', 'in_progress', 'completed']);
    expect(done.result).toEqual({ datasets: { people: 1, accounts: 1, watchlist: 1 }, quarantined: 0 });
    await expect(svc.deny(created.id, rw.olga, 'other')).rejects.toMatchObject({ code: 'conflict' });
    // Neither the identifier nor its subject's values are stored in clear or audited.
    const row = await rw.ctx.store.db
      .selectFrom('subject_requests')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(person.id_no);
    const log = await auditLog();
    for (const action of ['dsr.create', 'dsr.verify', 'dsr.start', 'dsr.complete', 'dsr.read'])
      expect(log).toContain(action);
    expect(log).not.toContain(person.id_no);
    expect(log).not.toContain(person.name);
  });

  it('maker-checker: who records a request neither verifies it nor completes a deletion; only officers and admins manage', async () => {
    const svc = rw.ctx.subjectRequests;
    const person = rw.rows[1]!;
    await expect(svc.create(rw.ana, { type: 'access', identifier: person.id_no })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const access = await svc.create(rw.olga, { type: 'access', identifier: person.id_no });
    await expect(svc.verify(access.id, rw.olga, 'id_document')).rejects.toMatchObject({ code: 'forbidden' });
    await svc.verify(access.id, rw.admin, 'id_document');
    await svc.cancel(access.id, rw.olga, 'duplicate');
    const deletion = await inProgress('deletion', person.id_no);
    await expect(svc.complete(deletion.id, rw.olga)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await svc.get(deletion.id)).status).toBe('in_progress');
    await svc.deny(deletion.id, rw.oscar, 'legal_obligation', 'records kept under AML rules');
    const denied = await svc.get(deletion.id);
    expect(denied).toMatchObject({ status: 'denied', reason: 'legal_obligation', closedBy: 'oscar' });
    await expect(svc.deny(access.id, rw.olga, 'because')).rejects.toMatchObject({ code: 'validation' });
  });

  it('a completion whose process died mid-way is taken over once stale, never while it runs', async () => {
    const svc = rw.ctx.subjectRequests;
    const request = await inProgress('explanation', rw.rows[2]!.id_no);
    const stuck = (updatedAt: string) =>
      rw.ctx.store.db
        .updateTable('subject_requests')
        .set({ status: 'completing', updated_at: updatedAt })
        .where('id', '=', request.id)
        .execute();
    await stuck(new Date().toISOString());
    expect((await svc.get(request.id)).status).toBe('in_progress');
    await expect(svc.complete(request.id, rw.oscar)).rejects.toMatchObject({ code: 'conflict' });
    await stuck(new Date(Date.now() - 11 * 60_000).toISOString());
    expect((await svc.complete(request.id, rw.oscar)).status).toBe('completed');
  });

  it('sets the deadline in working days and flags open requests past it as overdue', async () => {
    const svc = rw.ctx.subjectRequests;
    const person = rw.rows[2]!;
    const receivedAt = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const late = await svc.create(rw.olga, { type: 'explanation', identifier: person.id_no, receivedAt });
    expect(late.deadlineAt).toBe(
      workingDaysDeadline(new Date(receivedAt), 15, 'Asia/Shanghai').toISOString(),
    );
    expect(late.isOverdue).toBe(true);
    const short = await svc.create(rw.olga, {
      type: 'access',
      identifier: person.id_no,
      deadlineWorkingDays: 3,
    });
    expect(short.deadlineAt).toBe(
      workingDaysDeadline(new Date(short.receivedAt), 3, 'Asia/Shanghai').toISOString(),
    );
    expect(short.isOverdue).toBe(false);
    const overdue = (await svc.list({ isOverdue: true })).map((r) => r.id);
    expect(overdue).toContain(late.id);
    expect(overdue).not.toContain(short.id);
    expect((await svc.list({ isOverdue: false })).map((r) => r.id)).toContain(short.id);
    // Answered, it is no longer overdue.
    await svc.cancel(late.id, rw.olga, 'withdrawn_by_subject');
    expect((await svc.get(late.id)).isOverdue).toBe(false);
    expect((await svc.list({ isOverdue: true })).map((r) => r.id)).not.toContain(late.id);
    await expect(
      svc.create(rw.olga, { type: 'access', identifier: person.id_no, receivedAt: '2999-01-01T00:00:00Z' }),
    ).rejects.toMatchObject({ code: 'validation' });
  });

  it("a copy holds the person's records across datasets, with history, and nobody else's", async () => {
    const [person, ...others] = rw.rows as [(typeof rw.rows)[number], ...typeof rw.rows];
    const request = await inProgress('copy', person.id_no);
    await rw.ctx.subjectRequests.complete(request.id, rw.oscar);
    const doc = await rw.ctx.subjectRequests.document(request.id, rw.olga);
    const datasets = Object.fromEntries((doc.datasets ?? []).map((d) => [d.dataset, d.records ?? []]));
    expect(Object.keys(datasets).sort()).toEqual(['accounts', 'people', 'watchlist']);
    expect(datasets.people).toHaveLength(1);
    expect(datasets.people![0]).toMatchObject({
      key: person.cid,
      fields: { cid: person.cid, name: person.name, id_no: person.id_no, mobile: person.mobile },
    });
    // watchlist has no subject link: found through the ID number's blind index.
    expect(datasets.watchlist![0]).toMatchObject({ key: person.cid, fields: { id_no: person.id_no } });
    expect(datasets.accounts![0]!.history).toEqual([]);
    const text = JSON.stringify(doc);
    for (const other of others) {
      expect(text).not.toContain(other.id_no);
      expect(text).not.toContain(other.cid);
    }
    const log = await auditLog();
    expect(log).toContain('dsr.download');
    expect(log).not.toContain(person.id_no);
  });

  it('a correction is a new version of each of the person’s records, audited with field names only', async () => {
    const person = rw.rows[3]!;
    const svc = rw.ctx.subjectRequests;
    const mobile = '13912345678';
    const created = await svc.create(rw.olga, {
      type: 'correction',
      identifier: person.id_no,
      corrections: [{ dataset: 'people', fields: { mobile, city: '杭州' } }],
    });
    expect(created.scope).toEqual({ corrections: [{ dataset: 'people', fields: ['mobile', 'city'] }] });
    await svc.verify(created.id, rw.oscar, 'account_login');
    await svc.start(created.id, rw.oscar);
    const done = await svc.complete(created.id, rw.oscar);
    expect(done.result).toEqual({
      corrected: [{ dataset: 'people', records: 1, fields: ['mobile', 'city'] }],
    });
    const history = await rw.ctx.store.records.history('people', person.cid);
    expect(history.map((v) => v.version)).toEqual([1, 2]);
    expect(history[1]!.runId).toBe(`dsr:${created.id}`);
    const [current] = await rw.ctx.store.records.readRecords('people', [person.cid]);
    expect(current!.fields.city).toBe('杭州');
    const opened = await rw.ctx.keys().decryptRecord(current!.sealingSubject, current!.sealed!);
    expect(opened).toMatchObject({ mobile, name: person.name, id_no: person.id_no });
    // The earlier version is kept as it was.
    const before = await rw.ctx.keys().decryptRecord(current!.sealingSubject, history[0]!.sealed!);
    expect(before.mobile).toBe(person.mobile);
    // The new mobile is findable through the blind index.
    const hash = rw.ctx.keys().blindIndex('phone', mobile);
    expect(await rw.ctx.store.records.findByIndex('people', 'mobile', hash)).toEqual([person.cid]);
    const log = await auditLog();
    expect(log).toContain('dsr.correct');
    expect(log).not.toContain(mobile);
    // What cannot be corrected is refused when the request is recorded.
    await expect(
      svc.create(rw.olga, {
        type: 'correction',
        identifier: person.id_no,
        corrections: [{ dataset: 'people', fields: { id_no: '110101199003070000' } }],
      }),
    ).rejects.toMatchObject({ code: 'validation' });
    await expect(
      svc.create(rw.olga, {
        type: 'correction',
        identifier: person.id_no,
        corrections: [{ dataset: 'people', fields: { score: 'high' } }],
      }),
    ).rejects.toMatchObject({ code: 'validation' });
  });

  it('an explanation is generated from the declarations: purposes, basis, categories, retention, recipients', async () => {
    const person = rw.rows[4]!;
    const request = await inProgress('explanation', person.id_no);
    await rw.ctx.subjectRequests.complete(request.id, rw.oscar);
    const doc = await rw.ctx.subjectRequests.document(request.id, rw.olga);
    const people = doc.processing!.find((d) => d.dataset === 'people')!;
    expect(people).toMatchObject({
      purposes: [{ name: 'credit_assessment', title: '信用评估' }],
      lawfulBasis: 'contract',
      sensitiveFields: ['id_no'],
      retention: { period: '1y', from: 'collection' },
      providedBy: { vendor: 'data-co' },
      recipients: [{ policy: 'risk-people', roles: ['analyst'], purposes: ['credit_assessment'] }],
      recordsHeld: 1,
    });
    expect(people.categories.C2).toEqual(['name', 'id_no', 'mobile']);
  });

  it('a withdrawal is recorded in the consent ledger, the request as its evidence', async () => {
    const person = rw.rows[4]!;
    const svc = rw.ctx.subjectRequests;
    await rw.ctx.consents.grant(
      { identifier: person.id_no, purposes: ['credit_assessment', 'customer_service'], evidence: 'app-7' },
      'test',
    );
    await expect(
      svc.create(rw.olga, { type: 'withdrawal', identifier: person.id_no, purposes: ['nope'] }),
    ).rejects.toMatchObject({ code: 'validation' });
    const created = await svc.create(rw.olga, {
      type: 'withdrawal',
      identifier: person.id_no,
      purposes: ['credit_assessment'],
    });
    expect(created.scope).toEqual({ purposes: ['credit_assessment'] });
    await svc.verify(created.id, rw.oscar, 'account_login');
    await svc.start(created.id, rw.oscar);
    const done = await svc.complete(created.id, rw.oscar);
    expect(done.result).toEqual({ purposes: ['credit_assessment'], withdrawn: 1, erased: false });
    const state = await rw.ctx.consents.ofSubject(subjectIdOf(rw.ctx.keys(), person.id_no));
    const status = Object.fromEntries(state.consents.map((c) => [c.purpose, c.status]));
    expect(status).toEqual({ credit_assessment: 'withdrawn', customer_service: 'granted' });
    expect(state.history.find((h) => h.action === 'withdrawn')).toMatchObject({ evidence: created.id });
    // A copy holds the consents and their history too.
    const copy = await inProgress('copy', person.id_no);
    await svc.complete(copy.id, rw.oscar);
    const doc = await svc.document(copy.id, rw.olga);
    expect((doc.consents as { history: unknown[] }).history).toHaveLength(3);
  });

  it('a deletion erases the person everywhere', async () => {
    const person = rw.rows[5]!;
    const request = await inProgress('deletion', person.id_no);
    const done = await rw.ctx.subjectRequests.complete(request.id, rw.oscar);
    expect(done.result).toMatchObject({ records: 2 });
    const subjectId = subjectIdOf(rw.ctx.keys(), person.id_no);
    expect(await rw.ctx.store.records.findByIndex('people', '$subject', subjectId)).toEqual([]);
    const erased = await rw.ctx.store.db
      .selectFrom('erased_subjects')
      .select('subject_id')
      .where('subject_id', '=', subjectId)
      .execute();
    expect(erased).toHaveLength(1);
  });
});

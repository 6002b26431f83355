// The full consent cycle on a copy of the demo workspace, on SQLite and PostgreSQL (issue 16.6):
// 30 partner credit reports quarantined `no_consent`; consents recorded for 10 over the API →
// reprocessing stores those 10; one withdrawn → excluded from reads at once; one erased →
// unreadable everywhere; the next collection run succeeds and stores the others.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import type { Principal } from '../../src/domain/index.js';
import { eraseSubject } from '../../src/governance/index.js';
import { type PartnerApi, startPartnerApi } from '../../src/sources/simulators/partner-api.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

const DATASET = 'credit_reports';
const PURPOSE = 'credit_assessment';

describe.each(TEST_DIALECTS)('the consent cycle on the demo workspace on %s', (dialect) => {
  let ws: TestWorkspace;
  let api: PartnerApi;
  let ctx: AppContext;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};
  let ana: Principal;

  beforeAll(async () => {
    ws = await createTestWorkspace(dialect, { fromDemo: true });
    api = await startPartnerApi({
      records: 30,
      auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: 'demo-partner-key-NOT-A-SECRET' },
    });
    const file = path.join(ws.dir, 'sources.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('http://127.0.0.1:8751', api.url));
    ctx = await openContext(ws.dir, { env: {}, logLevel: 'silent' });
    app = (await buildServer(ctx)).app;
    for (const [username, role] of [
      ['ana', 'analyst'],
      ['olga', 'compliance_officer'],
    ] as const) {
      await ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await ctx.tokens.create(username, 'test', 3_600_000, 'test')).token;
    }
    ana = { userId: (await ctx.users.get('ana')).id, username: 'ana', role: 'analyst', via: 'cli' };
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await api?.close();
    await ws?.cleanup();
  });

  const post = (user: string, url: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokens[user]}` }, payload });
  /** A run of the dataset from the start of its source (what `quarantine reprocess` does). */
  const reprocess = async () => {
    const { summary } = await ctx.runs.reprocess(DATASET, 'test', 'test');
    return summary;
  };
  const readable = async () => {
    const page = await ctx.records.list(ana, DATASET, {
      purpose: PURPOSE,
      limit: 100,
    });
    return { keys: page.items.map((i) => i.key).sort(), withheld: page.withheld };
  };
  const keysOf = (indexes: number[]) => indexes.map((i) => api.records[i]!.report_id).sort();

  it('refuses bad consent requests naming the field, never echoing the identifier', async () => {
    const identifier = api.records[29]!.id_no;
    const unknown = await post('olga', '/api/v1/consents', { identifier, purposes: ['nope'], evidence: 'E' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'validation', details: { field: 'purposes[0]' } });
    const noEvidence = await post('olga', '/api/v1/consents', { identifier, purposes: [PURPOSE] });
    expect(noEvidence.statusCode).toBe(400);
    const asAnalyst = await post('ana', '/api/v1/subjects/consents', { identifier });
    expect(asAnalyst.statusCode).toBe(403);
    for (const res of [unknown, noEvidence, asAnalyst]) expect(res.body).not.toContain(identifier);
    expect(await ctx.store.db.selectFrom('consent_events').selectAll().execute()).toEqual([]);
  });

  it('quarantines, admits on consent, withdraws, erases and collects again', async () => {
    // No consent on record: all 30 held back as no_consent; the run succeeds.
    const first = await ctx.runs.execute(await ctx.runs.startInline(DATASET, 'test'), 'test');
    expect(first).toMatchObject({
      status: 'succeeded',
      read: 30,
      stored: 0,
      quarantineReasons: { no_consent: 30 },
    });

    // Consents for 10 people over the API (separate: ID numbers are sensitive, PIPL Art. 29).
    const consenting = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    for (const i of consenting) {
      const res = await post('olga', '/api/v1/consents', {
        identifier: api.records[i]!.id_no,
        purposes: [PURPOSE],
        separate: true,
        channel: 'partner-app',
        evidence: `CONSENT-${i}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ action: 'granted', recorded: 1, erased: false });
    }
    // Only those who may record consents do.
    expect(
      (
        await post('ana', '/api/v1/consents', {
          identifier: api.records[10]!.id_no,
          purposes: [PURPOSE],
          evidence: 'X',
        })
      ).statusCode,
    ).toBe(403);

    // Reprocessing stores the 10 and holds the 20 others again.
    const second = await reprocess();
    expect(second).toMatchObject({ status: 'succeeded', stored: 10, quarantineReasons: { no_consent: 20 } });
    const open = await ctx.store.db
      .selectFrom('quarantine')
      .select('id')
      .where('dataset', '=', DATASET)
      .where('status', '=', 'open')
      .execute();
    expect(open).toHaveLength(20);

    // The analyst reads through an approved grant: the 10.
    const request = await ctx.accessRequests.request(
      { username: 'ana', role: 'analyst' },
      { datasets: [DATASET], purpose: PURPOSE, durationDays: 5, justification: 'credit review of the batch' },
    );
    await ctx.accessRequests.approve(request.id, { username: 'olga', role: 'compliance_officer' });
    expect((await readable()).keys).toEqual(keysOf(consenting));

    // One withdraws: excluded from reads at once, and from lookups by identifier.
    const withdrawn = api.records[3]!;
    const res = await post('olga', '/api/v1/consents/withdraw', {
      identifier: withdrawn.id_no,
      purposes: [PURPOSE],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ action: 'withdrawn', erased: false });
    const afterWithdrawal = await readable();
    expect(afterWithdrawal.keys).toEqual(keysOf(consenting.filter((i) => i !== 3)));
    expect(afterWithdrawal.withheld.noConsent).toBe(1);
    const lookup = await ctx.records.lookup(ana, withdrawn.id_no, PURPOSE);
    expect(lookup.matches.flatMap((m) => m.items)).toEqual([]);
    // The ledger lookup shows the withdrawal; the identifier goes in the body, never the URL.
    const shown = await post('olga', '/api/v1/subjects/consents', { identifier: withdrawn.id_no });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().consents).toEqual([
      expect.objectContaining({ purpose: PURPOSE, status: 'withdrawn', noticeVersion: '2026-06' }),
    ]);

    // One is erased: unreadable everywhere — records, index entries, quarantined copies, key.
    const erased = api.records[5]!;
    const subject = ctx.consents.subjectOf(erased.id_no);
    const sealed = await ctx.store.db
      .selectFrom('dataset_records')
      .select('sealed')
      .where('dataset', '=', DATASET)
      .where('natural_key', '=', erased.report_id)
      .executeTakeFirstOrThrow();
    await eraseSubject(
      { keys: ctx.keys(), records: ctx.store.records, audit: ctx.audit },
      ctx.workspace.datasets.map((d) => d.name),
      subject,
      'user:olga',
    );
    await expect(ctx.keys().decryptRecord(subject, sealed.sealed!)).rejects.toThrow(/destroyed/);
    expect((await readable()).keys).toEqual(keysOf(consenting.filter((i) => i !== 3 && i !== 5)));
    const found = await ctx.records.lookup(ana, erased.id_no, PURPOSE);
    expect(found.matches.flatMap((m) => m.items)).toEqual([]);
    for (const table of ['dataset_records', 'quarantine', 'blind_index_entries'] as const) {
      const column = table === 'blind_index_entries' ? 'hash' : 'subject_id';
      const rows = await ctx.store.db.selectFrom(table).select(column).where(column, '=', subject).execute();
      expect(rows, table).toEqual([]);
    }

    // Five more consent; the next collection run succeeds and stores them, the erased person is
    // held without values, the withdrawn one refused as withdrawn.
    for (const i of [10, 11, 12, 13, 14])
      await ctx.consents.grant(
        { identifier: api.records[i]!.id_no, purposes: [PURPOSE], separate: true, evidence: `C-${i}` },
        'user:olga',
      );
    const third = await reprocess();
    expect(third).toMatchObject({
      status: 'succeeded',
      read: 30,
      stored: 5,
      unchanged: 8,
      quarantineReasons: { no_consent: 16, erased_subject: 1 },
    });
    const heldWithdrawn = await ctx.store.db
      .selectFrom('quarantine')
      .select('detail')
      .where('subject_id', '=', ctx.consents.subjectOf(withdrawn.id_no))
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    expect(heldWithdrawn.detail).toBe(`consent withdrawn for ${PURPOSE}`);
    expect((await readable()).keys).toEqual(
      keysOf([...consenting.filter((i) => i !== 3 && i !== 5), 10, 11, 12, 13, 14]),
    );

    // Nothing of the people's identifiers reached the audit log.
    const log = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute())
      .map((e) => e.entry)
      .join('\n');
    for (const r of api.records) expect(log).not.toContain(r.id_no);
    expect(log).toContain('consent.withdraw');
  });
});

// Sharing out to a third party (PIPL Art. 23): a share is refused — once for each rule — when the
// dataset declares no such provision, the vendor's assessment is expired, rejected or missing,
// there is no contract reference or not the declared one, or a subject lacks the separate consent;
// under leave_out the unconsented are left out and counted. Each share is recorded and audited,
// feeds the record of processing activities and the PIPL-23 control; CLI and API on the same rules.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type CustosServer } from '../../src/api/index.js';
import { CHECKS, createCheckContext, ShareRefusedError } from '../../src/compliance/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import type { Principal } from '../../src/domain/index.js';
import { cli } from '../support/cli.js';
import {
  createPipelineWorkspace,
  MASTER_ENV,
  type Person,
  people,
  writePeople,
} from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const DATASETS = (sharing: string) => `datasets:
  - name: people
    source: people-file
    stream: people
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [credit_assessment]
    lawfulBasis: contract
    retention: 1y
    sharing:
${sharing}
    fields:
      cid: { type: string, required: true, category: C1 }
      name: { type: string, category: C2 }
      id_no: { type: string, required: true, category: C2, isSensitive: true }
      mobile: { type: string, category: C2 }
      city: { type: string, category: public }
      score: { type: integer }
`;

const VENDORS = `vendors:
  - name: data-co
    legalName: 示例数据有限公司
    assessment: { date: 2026-01-01, validUntil: 2099-12-31, result: approved }
  - name: bureau
    legalName: 示例征信机构
    relationship: recipient
    contract: CT-2026-01
    assessment: { date: 2026-01-01, validUntil: 2099-12-31, result: approved }
  - name: lapsed
    legalName: 过期合作方
    relationship: recipient
    assessment: { date: 2024-01-01, validUntil: 2025-01-01, result: approved }
  - name: refused-co
    legalName: 未通过合作方
    relationship: recipient
    assessment: { date: 2026-01-01, validUntil: 2099-12-31, result: rejected, reference: VA-9 }
  - name: unassessed
    legalName: 未评估合作方
    relationship: recipient
  - name: no-contract
    legalName: 无合同合作方
    relationship: recipient
    assessment: { date: 2026-01-01, validUntil: 2099-12-31, result: approved }
`;

const SHARING = ['bureau', 'lapsed', 'refused-co', 'unassessed', 'no-contract']
  .map((v) => `      - { recipient: ${v}, consentPurpose: share_${v.replace('-', '_')} }`)
  .join('\n');

const principal = (username: string, role: Principal['role']): Principal => ({
  userId: username,
  username,
  role,
  via: 'session',
});

describe.each(['sqlite', 'postgres'] as const)('sharing out to a third party (%s)', (dialect) => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  let server: CustosServer;
  let rows: Person[];
  let out: string;
  let engineerToken: string;
  let auditorToken: string;
  const erin = principal('erin', 'data_engineer');

  beforeAll(async () => {
    ws = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract', requireConfirmation: false });
    const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
    w('vendors.yaml', VENDORS);
    w(
      'purposes.yaml',
      `purposes:\n  - name: credit_assessment\n    title: 信用评估\n    description: 评估信用\n${['bureau', 'lapsed', 'refused_co', 'unassessed', 'no_contract'].map((p) => `  - name: share_${p}\n    title: 向第三方提供\n    description: 提供给 ${p}\n`).join('')}`,
    );
    w('datasets.yaml', DATASETS(SHARING));
    w(
      'policies.yaml',
      'policies:\n  - name: engineers-people\n    roles: [data_engineer]\n    datasets: [people]\n    purposes: [credit_assessment]\n    maxClearLevel: 2\n    requiresApproval: false\n',
    );
    rows = people(6, 31);
    writePeople(ws.dir, rows);
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    const run = await ctx.runs.startInline('people', 'test');
    const summary = await ctx.runs.execute(run, 'test', { batchSize: 50 });
    if (summary.status !== 'succeeded') throw new Error(`collect: ${summary.status} ${summary.error}`);
    // Every subject consents separately to the provision to bureau, except the last.
    for (const row of rows.slice(0, 5))
      await ctx.consents.grant(
        { identifier: row.id_no, purposes: ['share_bureau'], separate: true, evidence: `ev-${row.cid}` },
        'test',
      );
    server = await buildServer(ctx);
    await ctx.users.create(
      { username: 'erin', role: 'data_engineer', password: 'test password 123' },
      'test',
    );
    await ctx.users.create({ username: 'audrey', role: 'auditor', password: 'test password 123' }, 'test');
    engineerToken = (await ctx.tokens.create('erin', 'test', 3_600_000, 'test')).token;
    auditorToken = (await ctx.tokens.create('audrey', 'test', 3_600_000, 'test')).token;
    out = mkdtempSync(path.join(tmpdir(), 'custos-shares-'));
  }, 120_000);
  afterAll(async () => {
    await server?.app.close();
    await ctx?.close();
    await ws?.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const share = (over: Partial<Parameters<AppContext['shares']['start']>[1]> = {}) =>
    ctx.shares.start(erin, {
      dataset: 'people',
      vendor: 'bureau',
      contract: 'CT-2026-01',
      purpose: 'credit_assessment',
      format: 'ndjson',
      ...over,
    });

  async function refusal(promise: Promise<unknown>): Promise<ShareRefusedError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ShareRefusedError);
    return error as ShareRefusedError;
  }

  async function text(body: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }

  it('refuses a vendor the dataset declares no provision to', async () => {
    const e = await refusal(share({ vendor: 'data-co' }));
    expect(e.reason).toBe('not_declared');
    expect(e.message).toContain('declares no provision to data-co');
  });

  it('refuses a vendor whose assessment expired, was rejected or is missing', async () => {
    for (const [vendor, phrase] of [
      ['lapsed', 'expired on 2025-01-01'],
      ['refused-co', 'was rejected'],
      ['unassessed', 'has no assessment on record'],
    ] as const) {
      const e = await refusal(share({ vendor, contract: 'CT-X' }));
      expect(e.reason, vendor).toBe('vendor_not_valid');
      expect(e.message).toContain(phrase);
    }
  });

  it('refuses a share without a contract reference, or with another than the declared one', async () => {
    const none = await refusal(share({ vendor: 'no-contract', contract: '  ' }));
    expect(none.reason).toBe('no_contract');
    const other = await refusal(share({ contract: 'CT-OTHER' }));
    expect(other.reason).toBe('contract_mismatch');
    expect(other.message).toContain('CT-2026-01');
  });

  it('refuses the whole share by default when a subject lacks the separate consent, and says how many', async () => {
    const e = await refusal(share());
    expect(e.reason).toBe('subjects_without_consent');
    expect(e.details).toMatchObject({
      subjects: 1,
      recordsWithoutSubject: 0,
      consentPurpose: 'share_bureau',
    });
    expect(await ctx.shares.list()).toEqual([]);
    // A consent without the separate flag does not count either.
    await ctx.consents.grant(
      { identifier: rows[5]!.id_no, purposes: ['share_bureau'], separate: false, evidence: 'ev-plain' },
      'test',
    );
    expect((await refusal(share())).reason).toBe('subjects_without_consent');
  });

  it('leave_out shares the consenting subjects, counts the others, records and audits the share', async () => {
    const started = await share({ withoutConsent: 'leave_out' });
    const lines = (await text(started.file.body)).trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => JSON.parse(l).key).sort()).toEqual(
      rows
        .slice(0, 5)
        .map((r) => r.cid)
        .sort(),
    );
    const recorded = await ctx.shares.get(started.share.id);
    expect(recorded).toMatchObject({
      dataset: 'people',
      vendor: 'bureau',
      contract: 'CT-2026-01',
      purpose: 'credit_assessment',
      consentPurpose: 'share_bureau',
      withoutConsent: 'leave_out',
      status: 'completed',
      records: 5,
      leftOut: 1,
      actor: 'user:erin',
    });
    const texts = (
      await ctx.store.db.selectFrom('audit_entries').select('entry').orderBy('idx').execute()
    ).map((e) => e.entry);
    const entries = texts.map((t) => JSON.parse(t) as { action: string; details?: Record<string, unknown> });
    const actions = entries.map((e) => e.action);
    expect(actions).toContain('compliance.share');
    expect(actions.filter((a) => a === 'compliance.share_refused').length).toBeGreaterThanOrEqual(7);
    const exported = entries.find(
      (e) => e.action === 'records.export' && e.details?.share === started.share.id,
    );
    expect(exported?.details).toMatchObject({ count: 5, leftOut: 1, share: started.share.id });
    // No personal value in any audit entry.
    for (const row of rows) expect(texts.join('\n')).not.toContain(row.id_no);

    // The record of processing activities names what went to bureau.
    const ropa = await ctx.compliance.processingRecord();
    const recipients = ropa.activities.find((a) => a.dataset === 'people')?.recipients;
    expect(recipients?.find((r) => r.recipient === 'bureau')).toMatchObject({
      contract: 'CT-2026-01',
      shared: { shares: 1, records: 5, contracts: ['CT-2026-01'] },
    });
  });

  it('with every consent on record the default share goes through; a later withdrawal leaves its subject out', async () => {
    await ctx.consents.grant(
      { identifier: rows[5]!.id_no, purposes: ['share_bureau'], separate: true, evidence: 'ev-6' },
      'test',
    );
    const full = await share();
    expect((await text(full.file.body)).trim().split('\n')).toHaveLength(6);
    expect(await ctx.shares.get(full.share.id)).toMatchObject({
      records: 6,
      leftOut: 0,
      withoutConsent: 'refuse',
    });
    // Withdrawn between the check and the read: never shared, counted.
    const next = await share();
    await ctx.consents.withdraw({ identifier: rows[0]!.id_no, purposes: ['share_bureau'] }, 'test');
    expect((await text(next.file.body)).trim().split('\n')).toHaveLength(5);
    expect(await ctx.shares.get(next.share.id)).toMatchObject({ records: 5, leftOut: 1 });
  });

  it('PIPL-23 counts the shares and fails on a share recorded without contract or consent purpose', async () => {
    const check = () =>
      CHECKS['sharing-has-vendor-contract-consent']!(
        createCheckContext({ workspace: ctx.workspace, store: ctx.store, audit: ctx.audit }, new Date()),
      );
    const before = await check();
    expect(before.evidence).toMatchObject({ shares: 3 });
    expect(before.evidence.sharesWithDefects).toBeUndefined();
    // A row that bypassed the service: no contract, no consent purpose.
    await ctx.store.db
      .insertInto('third_party_shares')
      .values({
        id: 'shr_bypass',
        dataset: 'people',
        vendor: 'bureau',
        contract: '',
        purpose: 'credit_assessment',
        consent_purpose: '',
        without_consent: 'refuse',
        format: 'ndjson',
        export_id: 'exp_x',
        status: 'completed',
        actor: 'someone',
        started_at: new Date().toISOString(),
        finished_at: null,
      })
      .execute();
    const after = await check();
    expect(after.status).toBe('fail');
    expect(after.evidence).toMatchObject({ sharesWithDefects: 1 });
    expect(JSON.stringify(after.evidence)).toContain('"defects":["no_contract","no_consent_purpose"]');
    await ctx.store.db.deleteFrom('third_party_shares').where('id', '=', 'shr_bypass').execute();
    expect((await check()).evidence.sharesWithDefects).toBeUndefined();
  });

  it('API: POST streams the share with its id, refusals are 422 with the reason, GET lists', async () => {
    const { app } = server;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const body = {
      dataset: 'people',
      vendor: 'bureau',
      contract: 'CT-2026-01',
      purpose: 'credit_assessment',
      withoutConsent: 'leave_out',
      format: 'csv',
    };
    const made = await app.inject({
      method: 'POST',
      url: '/api/v1/shares',
      headers: auth(engineerToken),
      payload: body,
    });
    expect(made.statusCode).toBe(200);
    expect(made.headers['x-custos-share-id']).toMatch(/^shr_/);
    expect(made.headers['content-type']).toContain('text/csv');
    expect(made.body.trim().split('\r\n')).toHaveLength(1 + 5);
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/shares',
      headers: { ...auth(engineerToken), 'accept-language': 'en' },
      payload: { ...body, vendor: 'lapsed' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'share_refused',
      details: { reason: 'vendor_not_valid' },
    });
    expect(refused.json().error.message).toMatch(/^Share to a third party refused: .*expired on 2025-01-01/);
    const byAuditor = await app.inject({
      method: 'POST',
      url: '/api/v1/shares',
      headers: auth(auditorToken),
      payload: body,
    });
    expect(byAuditor.statusCode).toBe(403);
    const listed = await app.inject({ method: 'GET', url: '/api/v1/shares', headers: auth(auditorToken) });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().shares[0]).toMatchObject({
      id: made.headers['x-custos-share-id'],
      vendor: 'bureau',
      status: 'completed',
      records: 5,
      leftOut: 1,
    });
  });

  it('CLI: custos share writes the file and says what went; a refusal exits 1 with the reason', async () => {
    const run = (args: string[]) =>
      cli(['--workspace', ws.dir, '--lang', 'en', ...args], {
        env: { ...MASTER_ENV, CUSTOS_TOKEN: engineerToken },
      });
    const file = path.join(out, 'bureau.ndjson');
    const base = ['share', '--dataset', 'people', '--vendor', 'bureau', '--contract', 'CT-2026-01'];
    const done = await run([
      ...base,
      '--purpose',
      'credit_assessment',
      '--out',
      file,
      '--leave-out-unconsented',
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(
      /Share shr_\S+ to bureau: 5 records written to .*bureau\.ndjson \(1 left out/,
    );
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
    const refused = await run([
      ...base,
      '--purpose',
      'credit_assessment',
      '--out',
      path.join(out, 'x.ndjson'),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Share to a third party refused');
    expect(refused.stderr).toContain('lack a separate consent to share_bureau');
    const usage = await run(['share', '--dataset', 'people']);
    expect(usage.code).toBe(2);
    const listed = await run(['--json', 'share', '--list']);
    expect(JSON.parse(listed.stdout).shares.length).toBeGreaterThanOrEqual(5);
  }, 60_000);
});

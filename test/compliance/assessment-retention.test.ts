// Impact assessments are kept at least three years (PIPL Art. 56): an approved one can be neither
// overwritten nor deleted within three years of its approval — the service refuses, saying until
// when — a retention sweep leaves it alone, and after the period it may be deleted. Drafts may be
// revised and deleted; attestations are listed with who, what, when and until when.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImpactAssessmentService } from '../../src/compliance/impact-assessment.js';
import { ConflictError } from '../../src/domain/index.js';
import { cli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

const NEW = {
  title: 'bank accounts',
  datasets: ['bank_accounts'],
  scope: 'account data',
  risks: ['card numbers leak'],
  measures: ['SM4 sealing'],
};

describe('impact assessment retention and attestations (sqlite)', () => {
  let server: TestServer;
  let clock = new Date('2026-06-01T00:00:00Z');
  let service: ImpactAssessmentService;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { fromDemo: true });
    service = new ImpactAssessmentService(
      server.ctx.store.db,
      server.ctx.workspace,
      server.ctx.audit,
      () => clock,
    );
  }, 60_000);
  afterAll(async () => server.close());

  it('revises and deletes a draft', async () => {
    const draft = await service.create(NEW, 'officer1', new Set());
    const revised = await service.revise(
      draft.id,
      { ...NEW, scope: 'accounts and cards' },
      'officer1',
      new Set(),
    );
    expect(revised).toMatchObject({ status: 'draft', scope: 'accounts and cards' });
    await service.delete(draft.id, 'officer1');
    await expect(service.get(draft.id)).rejects.toThrow(/no impact assessment/);
  });

  it('refuses to overwrite or delete an approved assessment within three years, and a sweep keeps it', async () => {
    clock = new Date('2026-06-01T00:00:00Z');
    const draft = await service.create(NEW, 'officer1', new Set());
    const approved = await service.decide(draft.id, 'approved', 'officer2');
    expect(approved.retainUntil).toBe('2029-06-01T00:00:00.000Z');

    clock = new Date('2029-05-31T23:59:59Z');
    const overwrite = service.revise(draft.id, { ...NEW, scope: 'rewritten' }, 'officer1', new Set());
    await expect(overwrite).rejects.toBeInstanceOf(ConflictError);
    await expect(overwrite).rejects.toThrow(
      /approved on 2026-06-01 and is kept unaltered until 2029-06-01 \(PIPL Art\. 56: at least 3 years\); it cannot be overwritten/,
    );
    await expect(service.delete(draft.id, 'officer1')).rejects.toThrow(/it cannot be deleted/);
    // Retention sweeps delete records past their datasets' periods, never assessments.
    await server.ctx.retention.run({ actor: 'test' });
    expect(await service.get(draft.id)).toMatchObject({ status: 'approved', scope: 'account data' });

    // After the period it may be deleted (audited); it is still never overwritten.
    clock = new Date('2029-06-01T00:00:01Z');
    await expect(service.revise(draft.id, NEW, 'officer1', new Set())).rejects.toThrow(/cannot be revised/);
    await service.delete(draft.id, 'officer1');
    await expect(service.get(draft.id)).rejects.toThrow(/no impact assessment/);
  });

  it('API: DELETE and PUT of an approved assessment are 409 with the retention date', async () => {
    const { app, ctx } = server;
    const officer = { authorization: `Bearer ${server.tokens.compliance_officer}` };
    const created = await ctx.compliance.createAssessment(NEW, 'officer-other');
    await ctx.compliance.assessments.decide(created.id, 'approved', 'officer-third');
    const url = `/api/v1/compliance/assessments/${created.id}`;
    const deleted = await app.inject({
      method: 'DELETE',
      url,
      headers: { ...officer, 'accept-language': 'en' },
    });
    expect(deleted.statusCode).toBe(409);
    expect(deleted.json().error.message).toMatch(/kept unaltered until \d{4}-\d{2}-\d{2}/);
    const put = await app.inject({ method: 'PUT', url, headers: officer, payload: NEW });
    expect(put.statusCode).toBe(409);
    const auditor = { authorization: `Bearer ${server.tokens.auditor}` };
    expect((await app.inject({ method: 'DELETE', url, headers: auditor })).statusCode).toBe(403);
    // A draft is deleted (204).
    const draft = await ctx.compliance.createAssessment(NEW, 'officer-other');
    const gone = await app.inject({
      method: 'DELETE',
      url: `/api/v1/compliance/assessments/${draft.id}`,
      headers: officer,
    });
    expect(gone.statusCode).toBe(204);
  });

  it('lists attestations over the API and the CLI: who attested what, when, evidence, until when', async () => {
    const { app, ctx } = server;
    const control = ctx.compliance.catalogue.controls.find((c) => c.kind === 'attested')!;
    await ctx.compliance.attest(
      { controlId: control.id, statement: 'trained', evidenceRef: 'HR-2026-12', validUntil: '2099-01-01' },
      'user:officer',
    );
    await ctx.compliance.attest(
      { controlId: control.id, statement: 'old drill', validUntil: '2020-01-01' },
      'user:officer',
    );
    for (const role of ['compliance_officer', 'auditor'] as const) {
      const listed = await app.inject({
        method: 'GET',
        url: `/api/v1/compliance/attestations?control=${control.id}`,
        headers: { authorization: `Bearer ${server.tokens[role]}` },
      });
      expect(listed.statusCode).toBe(200);
      const [newest, older] = listed.json().attestations;
      expect(older).toMatchObject({ statement: 'trained', evidenceRef: 'HR-2026-12', isExpired: false });
      expect(newest).toMatchObject({
        controlId: control.id,
        statement: 'old drill',
        attestedBy: 'user:officer',
        evidenceRef: null,
        validUntil: '2020-01-01',
        isExpired: true,
      });
    }
    const listed = await cli(['--workspace', server.workspace.dir, '--json', 'compliance', 'attestations']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).attestations.map((a: { statement: string }) => a.statement)).toEqual([
      'old drill',
      'trained',
    ]);
    const human = await cli([
      '--workspace',
      server.workspace.dir,
      '--lang',
      'en',
      'compliance',
      'attestations',
    ]);
    expect(human.stdout).toContain(`${control.id}\tuser:officer\t`);
    expect(human.stdout).toContain('2020-01-01 (expired)');
    const analyst = await app.inject({
      method: 'GET',
      url: '/api/v1/compliance/attestations',
      headers: { authorization: `Bearer ${server.tokens.analyst}` },
    });
    expect(analyst.statusCode).toBe(403);
  });

  it('capabilities say whether the PDF can be made; the PDF route stays 503 with the reason', async () => {
    const { ctx } = server;
    expect(ctx.compliance.capabilities()).toEqual({ pdf: 'available', pdfReason: null });
    const { ComplianceService } = await import('../../src/compliance/index.js');
    const without = new ComplianceService({
      workspace: ctx.workspace,
      store: ctx.store,
      audit: ctx.audit,
      env: { CUSTOS_CHROMIUM: '/nonexistent/chromium' },
    });
    expect(without.capabilities()).toEqual({
      pdf: 'unavailable',
      pdfReason: 'no Chromium at /nonexistent/chromium (install chromium or set CUSTOS_CHROMIUM)',
    });
    const auditor = { authorization: `Bearer ${server.tokens.auditor}` };
    const capabilities = await server.app.inject({
      method: 'GET',
      url: '/api/v1/compliance/capabilities',
      headers: auditor,
    });
    expect(capabilities.json()).toEqual({ pdf: 'available', pdfReason: null });

    // A server without Chromium says so ahead, and the PDF itself stays a 503 with the reason.
    const bare = await startTestServer('sqlite', {
      fromDemo: true,
      env: { CUSTOS_CHROMIUM: '/nonexistent/chromium' },
    });
    try {
      await bare.ctx.compliance.runAudit('test');
      const headers = { authorization: `Bearer ${bare.tokens.auditor}`, 'accept-language': 'en' };
      const said = await bare.app.inject({ method: 'GET', url: '/api/v1/compliance/capabilities', headers });
      expect(said.json()).toMatchObject({ pdf: 'unavailable' });
      const pdf = await bare.app.inject({
        method: 'GET',
        url: '/api/v1/compliance/audits/latest/report?format=pdf&lang=en',
        headers,
      });
      expect(pdf.statusCode).toBe(503);
      expect(pdf.json().error.message).toContain('PDF not available: no Chromium at /nonexistent/chromium');
    } finally {
      await bare.close();
    }
  }, 60_000);
});

// Audit runs end to end, on SQLite and PostgreSQL: every control evaluated, the JSON shape,
// failing controls first, the report stored and its hash (SM3 under the demo's `sm` suite) in the
// audit log with an inclusion proof that verifies, the trend against the previous audit, a
// tampered stored report refused, the HTML report in both languages, the regulator package.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, parseEntry, verifyInclusion } from '../../src/audit/index.js';
import { summaryOf } from '../../src/compliance/index.js';
import { digestOne } from '../../src/crypto/index.js';
import { IntegrityError } from '../../src/domain/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { type ComplianceFixture, createComplianceFixture } from './support.js';

describe.each(TEST_DIALECTS)('compliance audit run (%s)', (dialect) => {
  let f: ComplianceFixture;
  beforeAll(async () => {
    f = await createComplianceFixture(dialect);
  }, 60_000);
  afterAll(async () => f.close());

  it('evaluates every control, stores the report and appends its hash to the audit log', async () => {
    const audit = await f.ctx.compliance.runAudit('user:officer1');
    const summary = summaryOf(audit, 'en');
    expect(Object.keys(summary)).toEqual(['id', 'at', 'score', 'controls']);
    expect(summary.controls.length).toBe(f.ctx.compliance.catalogue.controls.length);
    for (const control of summary.controls)
      expect(Object.keys(control)).toEqual([
        'id',
        'framework',
        'clause',
        'status',
        'evidence',
        'remediation',
      ]);
    // The fixture passes every automated control; attested ones await an attestation.
    const statuses = new Set(summary.controls.map((c) => c.status));
    expect(statuses.has('fail')).toBe(false);
    expect(summary.controls.find((c) => c.id === 'PIPL-51-TRAINING')?.status).toBe('manual');
    expect(summary.controls.find((c) => c.id === 'PIPL-54')?.status).toBe('warn'); // no earlier audit
    expect(audit.report.frameworks.map((s) => s.framework)).toEqual([
      'PIPL',
      'DSL',
      'JRT0171',
      'JRT0197',
      'GBT22239',
    ]);

    expect(audit.hashAlgorithm).toBe('sm3');
    expect(audit.reportHash).toBe(digestOne('sm3', Buffer.from(audit.reportText, 'utf8')).toString('hex'));
    const row = await f.db
      .selectFrom('audit_entries')
      .select(['entry'])
      .where('idx', '=', audit.auditIndex!)
      .executeTakeFirstOrThrow();
    const entry = parseEntry(row.entry);
    expect(entry).toMatchObject({
      action: 'compliance.audit',
      actor: 'user:officer1',
      target: `compliance_audit:${audit.id}`,
      details: { reportHash: audit.reportHash, hashAlgorithm: 'sm3' },
    });
    const proof = await f.ctx.audit.inclusionProof(audit.auditIndex!);
    expect(
      verifyInclusion(
        'sm3',
        proof.index,
        proof.treeSize,
        leafHash('sm3', Buffer.from(row.entry, 'utf8')),
        proof.proof.map((p) => Buffer.from(p, 'hex')),
        Buffer.from(proof.rootHash, 'hex'),
      ),
    ).toBe(true);
    expect((await f.ctx.compliance.getAudit()).reportHash).toBe(audit.reportHash);
  });

  it('puts failing controls first and shows the trend against the previous audit', async () => {
    f.ctx.workspace.datasets.find((d) => d.name === 'credit_reports')!.lawfulBasis = 'public_information';
    await f.record('bank_accounts', 'A-trend', 'S-trend', { account_id: 'A-trend' });
    const audit = await f.ctx.compliance.runAudit('system', 'schedule');
    const controls = audit.report.controls;
    expect(controls[0]!.status).toBe('fail');
    const firstNonFailing = controls.findIndex((c) => c.status !== 'fail');
    expect(controls.slice(firstNonFailing).some((c) => c.status === 'fail')).toBe(false);
    expect(audit.report.trend.newlyFailing).toEqual(['PIPL-13', 'PIPL-14', 'PIPL-29']);
    expect(audit.report.trend.scoreDelta).toBeLessThan(0);
    expect(audit.report.previous).not.toBeNull();
    expect(controls.find((c) => c.id === 'PIPL-54')?.status).toBe('pass');
    expect(controls.find((c) => c.id === 'PIPL-14')?.evidence).toMatchObject({
      gaps: [
        { dataset: 'bank_accounts', purpose: 'credit_assessment', subjectsWithoutConsent: 1 },
        { dataset: 'bank_accounts', purpose: 'customer_service', subjectsWithoutConsent: 1 },
      ],
    });

    f.ctx.workspace.datasets.find((d) => d.name === 'credit_reports')!.lawfulBasis = 'consent';
    await f.consent('S-trend', 'credit_assessment');
    await f.consent('S-trend', 'customer_service');
    const after = await f.ctx.compliance.runAudit('system', 'schedule');
    expect(after.report.trend.resolved).toEqual(['PIPL-13', 'PIPL-14', 'PIPL-29']);
    expect(after.report.trend.scoreDelta).toBeGreaterThan(0);
    expect((await f.ctx.compliance.listAudits()).map((a) => a.id).slice(0, 3)).toEqual([
      after.id,
      audit.id,
      expect.any(String),
    ]);
  });

  it('counts an attestation of an attested control as a pass until it lapses', async () => {
    await f.ctx.compliance.attest(
      { controlId: 'PIPL-51-TRAINING', statement: '2026 annual training held', validUntil: '2099-01-01' },
      'user:officer1',
    );
    const audit = await f.ctx.compliance.runAudit('user:officer1');
    expect(audit.report.controls.find((c) => c.id === 'PIPL-51-TRAINING')).toMatchObject({
      status: 'pass',
      evidence: { attestedBy: 'user:officer1', validUntil: '2099-01-01' },
    });
    await expect(
      f.ctx.compliance.attest(
        { controlId: 'PIPL-13', statement: 'x', validUntil: '2099-01-01' },
        'user:officer1',
      ),
    ).rejects.toThrow(/automated, not attested/);
  });

  it('refuses a stored report that no longer matches its hash', async () => {
    const latest = await f.ctx.compliance.getAudit();
    await f.db
      .updateTable('compliance_audits')
      .set({ report: latest.reportText.replace('"score":', '"score": ') })
      .where('id', '=', latest.id)
      .execute();
    await expect(f.ctx.compliance.getAudit(latest.id)).rejects.toBeInstanceOf(IntegrityError);
    await f.db
      .updateTable('compliance_audits')
      .set({ report: latest.reportText })
      .where('id', '=', latest.id)
      .execute();
    await expect(f.ctx.compliance.getAudit(latest.id)).resolves.toMatchObject({ id: latest.id });
  });

  it('renders a printable report in both languages that carries the hashed JSON', async () => {
    const latest = await f.ctx.compliance.getAudit();
    const zh = await f.ctx.compliance.reportHtml('zh-CN');
    const en = await f.ctx.compliance.reportHtml('en');
    expect(zh).toContain('合规审计报告');
    expect(zh).toContain('各框架得分');
    expect(en).toContain('Score per framework');
    expect(en).toContain('@media print');
    expect(en).toContain(latest.reportHash);
    const embedded = /<script type="application\/json" id="custos-report">([\s\S]*?)<\/script>/.exec(en)![1]!;
    const text = embedded.replace(/\\u003c/g, '<');
    expect(digestOne('sm3', Buffer.from(text, 'utf8')).toString('hex')).toBe(latest.reportHash);
  });

  it('writes a regulator package whose cited entries prove into its tree head, and counts as witnessing', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'custos-package-')), 'package');
    try {
      const manifest = await f.ctx.compliance.writePackage(dir, 'user:officer1');
      expect(manifest.files).toEqual(
        expect.arrayContaining([
          'processing-record.json',
          'incidents.json',
          'tree-head.json',
          'manifest.json',
        ]),
      );
      for (const cited of manifest.citedEntries) {
        const ok = verifyInclusion(
          'sm3',
          cited.index,
          manifest.treeHead.treeSize,
          leafHash('sm3', Buffer.from(cited.entry, 'utf8')),
          cited.proof.proof.map((p) => Buffer.from(p, 'hex')),
          Buffer.from(manifest.treeHead.rootHash, 'hex'),
        );
        expect(ok).toBe(true);
      }
      const first = manifest.audits[0]!;
      const json = readFileSync(path.join(dir, first.files[0]!), 'utf8');
      expect(digestOne('sm3', Buffer.from(json, 'utf8')).toString('hex')).toBe(first.reportHash);
      const record = JSON.parse(readFileSync(path.join(dir, 'processing-record.json'), 'utf8'));
      expect(record.activities.map((a: { dataset: string }) => a.dataset)).toEqual([
        'credit_reports',
        'bank_accounts',
        'court_notices',
        'insurance_policies',
        'insurance_claims',
      ]);
      const witnessed = await f.evaluate('tree-head-witnessed');
      expect(witnessed.evidence).toMatchObject({ action: 'compliance.package' });
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});

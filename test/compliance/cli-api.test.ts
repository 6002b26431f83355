// `custos compliance …` and /api/v1/compliance/… on a copy of the demo workspace (SQLite): the
// audit exits 0 with the JSON even when controls fail and 1 when it cannot run; reports
// as JSON, HTML and PDF (or "PDF not available"); impact assessments with maker-checker;
// incidents with a notification draft; roles on the routes; scheduled audits under serve.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAuditSchedule, findChromium, startAuditScheduler } from '../../src/compliance/index.js';
import { ConfigError } from '../../src/domain/index.js';
import { cli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('compliance CLI and API (sqlite)', () => {
  let server: TestServer;
  let out: string;
  const env: Record<string, string> = {};
  const as = (role: 'compliance_officer' | 'auditor' | 'analyst') => ({
    authorization: `Bearer ${server.tokens[role]}`,
  });

  beforeAll(async () => {
    server = await startTestServer('sqlite', { fromDemo: true });
    out = mkdtempSync(path.join(tmpdir(), 'custos-compliance-cli-'));
    await server.ctx.users.create(
      { username: 'officer2', role: 'compliance_officer', password: 'test password 123' },
      'test',
    );
    env.OFFICER2 = (await server.ctx.tokens.create('officer2', 'test', 3_600_000, 'test')).token;
  }, 60_000);
  afterAll(async () => {
    await server.close();
    rmSync(out, { recursive: true, force: true });
  });
  const run = (args: string[], extra: Record<string, string> = {}) =>
    cli(['--workspace', server.workspace.dir, ...args], { env: extra });

  it('audit --json prints the issue’s shape and exits 0 although controls fail', async () => {
    const result = await run(['--json', 'compliance', 'audit']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(['id', 'at', 'score', 'controls']);
    expect(body.controls.find((c: { id: string }) => c.id === 'PIPL-17')).toMatchObject({
      status: 'fail',
      framework: 'PIPL',
      clause: 'Art. 17',
      evidence: { purposesWithoutDescription: ['customer_service'] },
      remediation: 'Give every purpose a description in purposes.yaml.',
    });
    const human = await run(['compliance', 'audit']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Compliance audit .*: score [\d.]+\/100/);
    expect(human.stdout).toContain('fail PIPL-17');
    expect(human.stdout).toMatch(/Report SM3 [0-9a-f]{64} appended to the audit log as entry \d+/);
  });

  it('audit exits 1 when the audit itself cannot run', async () => {
    const result = await run(['compliance', 'audit'], {
      CUSTOS_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    expect(result.code).toBe(1);
  });

  it('report: the hashed JSON, printable HTML in zh-CN, PDF through Chromium or "PDF not available"', async () => {
    const latest = await server.ctx.compliance.getAudit();
    const json = await run(['compliance', 'report', '--format', 'json']);
    expect(json.stdout.trimEnd()).toBe(latest.reportText);
    const html = path.join(out, 'report.html');
    expect((await run(['--lang', 'zh-CN', 'compliance', 'report', '--out', html])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('合规审计报告');

    const missing = await run(['compliance', 'report', '--format', 'pdf', '--out', path.join(out, 'x.pdf')], {
      CUSTOS_CHROMIUM: '/nonexistent/chromium',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('PDF not available');
    // This machine has Chromium (Debian package): the PDF is produced.
    expect(findChromium()).toBeDefined();
    const pdf = path.join(out, 'report.pdf');
    const printed = await run(['compliance', 'report', '--format', 'pdf', '--out', pdf]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  }, 90_000);

  it('controls lists the catalogue with the latest results', async () => {
    const result = await run(['--json', 'compliance', 'controls', '--status', 'fail']);
    const { controls } = JSON.parse(result.stdout);
    expect(controls.map((c: { id: string }) => c.id)).toContain('PIPL-17');
    expect(controls.every((c: { latest: { status: string } }) => c.latest.status === 'fail')).toBe(true);
  });

  it('pia: triggers from the declarations; the author cannot approve; another officer can', async () => {
    const triggers = JSON.parse((await run(['--json', 'compliance', 'pia', 'triggers'])).stdout).triggers;
    expect(triggers).toEqual(
      expect.arrayContaining([{ dataset: 'bank_accounts', triggers: ['sensitive_pi'] }]),
    );
    const officer = { CUSTOS_TOKEN: server.tokens.compliance_officer };
    const created = await run(
      [
        '--json',
        'compliance',
        'pia',
        'create',
        '--title',
        'bank accounts',
        '--datasets',
        'bank_accounts',
        '--scope',
        'account data',
        '--risk',
        'card numbers leak',
        '--measure',
        'SM4 sealing',
      ],
      officer,
    );
    expect(created.code, created.stderr).toBe(0);
    const { assessment } = JSON.parse(created.stdout);
    expect(assessment).toMatchObject({ status: 'draft', triggers: ['sensitive_pi'] });
    const self = await run(['compliance', 'pia', 'approve', assessment.id], officer);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('cannot decide');
    const other = await run(['compliance', 'pia', 'approve', assessment.id], { CUSTOS_TOKEN: env.OFFICER2! });
    expect(other.code, other.stderr).toBe(0);
    const analyst = await run(['compliance', 'pia', 'list'], { CUSTOS_TOKEN: server.tokens.analyst });
    expect(analyst.code).toBe(0); // reading is open to the CLI operator; changes are not:
    const refused = await run(
      ['compliance', 'pia', 'create', '--title', 't', '--datasets', 'bank_accounts', '--scope', 's'],
      { CUSTOS_TOKEN: server.tokens.analyst },
    );
    expect(refused.code).toBe(2);
  });

  it('incident: register, draft a notification in zh-CN and en, record notifications', async () => {
    const officer = { CUSTOS_TOKEN: server.tokens.compliance_officer };
    const registered = await run(
      [
        '--json',
        'compliance',
        'incident',
        'register',
        '--title',
        '误发导出文件',
        '--description',
        '导出文件发送给了错误的合作方',
        '--occurred',
        '2026-12-01T08:00:00Z',
        '--detected',
        '2026-12-01T09:00:00Z',
        '--subjects',
        '37',
        '--datasets',
        'credit_reports',
        '--measures',
        '已要求对方删除',
      ],
      officer,
    );
    expect(registered.code, registered.stderr).toBe(0);
    const { incident } = JSON.parse(registered.stdout);
    const zh = await run(['--lang', 'zh-CN', 'compliance', 'incident', 'draft', incident.id]);
    expect(zh.stdout).toContain('受影响个人数量：37');
    expect(zh.stdout).toContain('dpo@demo.example');
    const en = await run(['--lang', 'en', 'compliance', 'incident', 'draft', incident.id]);
    expect(en.stdout).toContain('subjects affected: 37');
    expect(
      (await run(['compliance', 'incident', 'notify', incident.id, '--who', 'regulator'], officer)).code,
    ).toBe(0);
    const listed = JSON.parse((await run(['--json', 'compliance', 'incident', 'list'])).stdout).incidents;
    expect(listed[0].regulatorNotifiedAt).toEqual(expect.any(String));
  });

  it('API: officers run audits and decide, auditors read, others are refused', async () => {
    const { app } = server;
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/compliance/audits?lang=en',
      headers: as('compliance_officer'),
    });
    expect(created.statusCode).toBe(201);
    expect(Object.keys(created.json())).toEqual(['id', 'at', 'score', 'controls']);
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/compliance/audits', headers: as('auditor') }))
        .statusCode,
    ).toBe(403);
    const controls = await app.inject({
      method: 'GET',
      url: '/api/v1/compliance/controls',
      headers: as('auditor'),
    });
    expect(controls.statusCode).toBe(200);
    expect(controls.json().controls[0].latest).not.toBeNull();
    const html = await app.inject({
      method: 'GET',
      url: '/api/v1/compliance/audits/latest/report?lang=en',
      headers: as('auditor'),
    });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('Compliance audit report');
    const json = await app.inject({
      method: 'GET',
      url: `/api/v1/compliance/audits/${created.json().id}/report?format=json`,
      headers: as('auditor'),
    });
    expect(json.body).toBe((await server.ctx.compliance.getAudit(created.json().id)).reportText);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/compliance/controls', headers: as('analyst') }))
        .statusCode,
    ).toBe(403);

    const draft = await app.inject({
      method: 'POST',
      url: '/api/v1/compliance/assessments',
      headers: as('compliance_officer'),
      payload: {
        title: 'court notices',
        datasets: ['court_notices'],
        scope: 'public notices',
        risks: ['names in bodies'],
        measures: ['review'],
      },
    });
    expect(draft.statusCode).toBe(201);
    const self = await app.inject({
      method: 'POST',
      url: `/api/v1/compliance/assessments/${draft.json().id}/approve`,
      headers: as('compliance_officer'),
    });
    expect(self.statusCode).toBe(403);
    const vendors = await app.inject({
      method: 'GET',
      url: '/api/v1/compliance/vendors',
      headers: as('auditor'),
    });
    expect(vendors.json().vendors.map((v: { vendor: string }) => v.vendor)).toEqual([
      'partner-credit',
      'partner-bank',
    ]);
    const review = await app.inject({
      method: 'POST',
      url: '/api/v1/compliance/vendors/partner-bank/reviews',
      headers: as('compliance_officer'),
      payload: { questionnaire: { lawful_source: 'yes' }, result: 'conditional', validUntil: '2027-06-30' },
    });
    expect(review.statusCode).toBe(201);
    const record = await app.inject({
      method: 'GET',
      url: '/api/v1/compliance/processing-record',
      headers: as('auditor'),
    });
    // One processing activity per dataset of the demo.
    expect(record.json().activities).toHaveLength(5);
  });

  it('schedules audits under serve from compliance.auditSchedule, and refuses a bad schedule naming the key', async () => {
    const workspace = server.ctx.workspace;
    workspace.config.compliance.auditSchedule = 'every tuesday';
    expect(() => checkAuditSchedule(workspace)).toThrow(ConfigError);
    try {
      checkAuditSchedule(workspace);
    } catch (error) {
      expect((error as ConfigError).details[0]).toMatchObject({
        file: 'custos.yaml',
        path: 'compliance.auditSchedule',
      });
    }
    workspace.config.compliance.auditSchedule = '* * * * * *'; // every second
    const before = (await server.ctx.compliance.listAudits()).length;
    const done = new Promise<string>((resolve) => {
      const scheduler = startAuditScheduler({
        workspace,
        compliance: server.ctx.compliance,
        logger: server.ctx.logger,
        onAudit: (audit) => {
          void scheduler.stop().then(() => resolve(audit.id));
        },
      });
    });
    const id = await done;
    const audits = await server.ctx.compliance.listAudits();
    expect(audits.length).toBe(before + 1);
    expect(audits[0]).toMatchObject({ id, trigger: 'schedule', actor: 'system' });
    delete workspace.config.compliance.auditSchedule;
  }, 30_000);

  it('keeps no file behind but the ones asked for', () => {
    expect(existsSync(path.join(out, 'x.pdf'))).toBe(false);
  });
});

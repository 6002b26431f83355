// The monitoring rules over reads, refusals and token use (issue 19 item 1), the client address in
// every audit entry written for an HTTP request (item 2), and the scheduled audit-log verification
// under `custos serve`: each rule seen to fire and seen not to fire, on a real SQLite workspace.

import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AUDIT_TRUST_FILE,
  type AuditEntry,
  parseEntry,
  readTrustFile,
  verifyLog,
} from '../../src/audit/index.js';
import {
  evaluateRules,
  isWithinWorkingHours,
  startAuditVerificationSchedule,
} from '../../src/compliance/monitoring/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SHANGHAI = { timeZone: 'Asia/Shanghai', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };

describe('working hours', () => {
  it('reads the wall clock of the configured zone, start inclusive and end exclusive', () => {
    // 2026-12-04 is a Friday: 01:00Z is 09:00 in Shanghai, 10:00Z is 18:00.
    expect(isWithinWorkingHours(new Date('2026-12-04T01:00:00Z'), SHANGHAI)).toBe(true);
    expect(isWithinWorkingHours(new Date('2026-12-04T00:59:00Z'), SHANGHAI)).toBe(false);
    expect(isWithinWorkingHours(new Date('2026-12-04T09:59:00Z'), SHANGHAI)).toBe(true);
    expect(isWithinWorkingHours(new Date('2026-12-04T10:00:00Z'), SHANGHAI)).toBe(false);
    // Saturday in Shanghai (Friday 17:00 UTC is Saturday 01:00 there).
    expect(isWithinWorkingHours(new Date('2026-12-05T03:00:00Z'), SHANGHAI)).toBe(false);
    expect(
      isWithinWorkingHours(new Date('2026-12-05T03:00:00Z'), { ...SHANGHAI, days: [1, 2, 3, 4, 5, 6] }),
    ).toBe(true);
    expect(isWithinWorkingHours(new Date('2026-12-04T01:00:00Z'), { ...SHANGHAI, timeZone: 'UTC' })).toBe(
      false,
    );
  });
});

describe('monitoring rules over reads, refusals and token use', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The demo workspace: datasets and policies to be refused by.
    server = await startTestServer('sqlite', {
      fromDemo: true,
      configure: (yaml) =>
        `${yaml}
monitoring:
  rules:
    refusalBurst: { threshold: 3, windowMinutes: 10 }
    sensitiveReadsOutOfHours: { threshold: 1, windowMinutes: 10080, minLevel: 4 }
  workingHours: { timeZone: Asia/Shanghai, days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }
`,
    });
  });
  afterAll(async () => {
    await server.close();
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const entries = async () =>
    (await server.ctx.store.db.selectFrom('audit_entries').select('entry').orderBy('idx').execute()).map(
      (r) => parseEntry(r.entry),
    );
  const runMonitor = () => server.ctx.monitor.run();

  it('sees reads of level 4 and above outside working hours, per actor, and not those inside or below', async () => {
    // Sunday 2026-12-06 04:00 in Shanghai.
    const now = new Date('2026-12-05T20:00:00Z');
    const read = (index: number, time: string, actor: string, maxLevel: number, count = 5): AuditEntry => ({
      index,
      time,
      actor,
      action: index % 2 === 0 ? 'records.read' : 'records.export',
      target: 'dataset:loans',
      purpose: 'credit_assessment',
      details: { count, maxLevel },
    });
    const input = {
      now,
      db: server.ctx.store.db,
      rules: server.ctx.workspace.config.monitoring.rules,
      workingHours: server.ctx.workspace.config.monitoring.workingHours,
      entries: [
        read(0, '2026-12-04T02:00:00Z', 'user:carol', 5), // Friday 10:00: working hours
        read(1, '2026-12-04T11:00:00Z', 'user:dave', 4), // Friday 19:00: out of hours
        read(2, '2026-12-05T19:30:00Z', 'user:bob', 3), // Sunday, level 3 only
        read(3, '2026-12-05T19:40:00Z', 'user:eve', 4, 0), // Sunday, nothing read
        read(4, '2026-12-05T19:50:00Z', 'user:eve', 5), // Sunday, level 5
      ],
    };
    const fired = (await evaluateRules(input)).filter((f) => f.rule === 'sensitiveReadsOutOfHours');
    expect(fired.map((f) => f.subject).sort()).toEqual(['actor:user:dave', 'actor:user:eve']);
    expect(fired.find((f) => f.subject === 'actor:user:eve')).toMatchObject({
      severity: 'high',
      evidence: { reads: 1, records: 5, datasets: 1, minLevel: 4, timeZone: 'Asia/Shanghai' },
    });
    // Above the threshold only: two reads needed, each actor made one.
    const strict = {
      ...input,
      rules: {
        ...input.rules,
        sensitiveReadsOutOfHours: { ...input.rules.sensitiveReadsOutOfHours, threshold: 2 },
      },
    };
    expect((await evaluateRules(strict)).filter((f) => f.rule === 'sensitiveReadsOutOfHours')).toEqual([]);
    // Outside the window: dave's read is 33 hours old.
    const short = {
      ...input,
      rules: {
        ...input.rules,
        sensitiveReadsOutOfHours: { ...input.rules.sensitiveReadsOutOfHours, windowMinutes: 60 },
      },
    };
    expect(
      (await evaluateRules(short)).filter((f) => f.rule === 'sensitiveReadsOutOfHours').map((f) => f.subject),
    ).toEqual(['actor:user:eve']);
  });

  it('raises a refusal burst for a principal refused again and again, not for one refused less', async () => {
    const records = '/api/v1/datasets/credit_reports/records?purpose=credit_assessment';
    const auditor = bearer(server.tokens.auditor);
    const officer = bearer(server.tokens.compliance_officer);
    for (let i = 0; i < 3; i++) {
      const refused = await server.app.inject({
        method: 'GET',
        url: records,
        headers: auditor,
        remoteAddress: '198.51.100.7',
      });
      expect(refused.statusCode).toBe(403);
    }
    for (let i = 0; i < 2; i++) {
      expect((await server.app.inject({ method: 'GET', url: records, headers: officer })).statusCode).toBe(
        403,
      );
    }
    // Each refused read is an audit entry naming the principal, the dataset, the refusal code and
    // the request's address.
    const refusals = (await entries()).filter((e) => e.action === 'access.refused');
    expect(refusals).toHaveLength(5);
    expect(refusals[0]).toMatchObject({
      actor: expect.stringMatching(/^user:u_auditor\/token:/),
      target: 'dataset:credit_reports',
      purpose: 'credit_assessment',
      details: { code: 'no_policy', clientAddress: '198.51.100.7' },
    });
    const run = await runMonitor();
    const bursts = run.raised.filter((a) => a.rule === 'refusalBurst');
    expect(bursts).toHaveLength(1);
    expect(bursts[0]).toMatchObject({
      severity: 'medium',
      subject: expect.stringMatching(/^actor:user:u_auditor\/token:/),
      evidence: { refusals: 3, targets: 1, codes: 'no_policy', threshold: 3, windowMinutes: 10 },
    });
    // A lookup across datasets only probes: the datasets it may not search are not refusals.
    const lookup = await server.app.inject({
      method: 'POST',
      url: '/api/v1/subjects/lookup',
      headers: auditor,
      payload: { identifier: '110101199003077777', purpose: 'credit_assessment' },
    });
    expect(lookup.statusCode).not.toBe(500);
    expect((await entries()).filter((e) => e.action === 'access.refused')).toHaveLength(5);
  });

  it('raises when a token is used from a second address, not on its first use or from a known one', async () => {
    const created = await server.ctx.tokens.create('u_auditor', 'laptop', 3_600_000, 'test');
    const { token } = created;
    const { id } = created.info;
    const call = (remoteAddress: string) =>
      server.app.inject({
        method: 'GET',
        url: '/api/v1/security/alerts',
        headers: bearer(token),
        remoteAddress,
      });
    const tokenAlerts = async () =>
      (await runMonitor()).findings.filter(
        (f) => f.rule === 'tokenNewAddress' && f.subject === `token:${id}`,
      );
    expect((await call('192.0.2.10')).statusCode).toBe(200);
    expect((await call('192.0.2.10')).statusCode).toBe(200);
    expect(await tokenAlerts()).toEqual([]);
    // The first-seen times differ by a clock tick at least.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await call('203.0.113.99')).statusCode).toBe(200);
    const found = await tokenAlerts();
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'high',
        evidence: expect.objectContaining({
          owner: 'u_auditor',
          newAddresses: 1,
          latestAddress: '203.0.113.99',
          knownAddresses: 2,
        }),
      }),
    ]);
    // Another token, used from many places only once each at first: no history, no alert for it.
    const other = await server.ctx.tokens.create('u_auditor', 'ci', 3_600_000, 'test');
    await server.app.inject({
      method: 'GET',
      url: '/api/v1/security/alerts',
      headers: bearer(other.token),
      remoteAddress: '192.0.2.77',
    });
    expect(
      (await runMonitor()).findings.filter(
        (f) => f.rule === 'tokenNewAddress' && f.subject === `token:${other.info.id}`,
      ),
    ).toEqual([]);
  });

  it('writes the client address into entries of API actions (bodies too), none into others, and the log verifies', async () => {
    const [alert] = await server.ctx.alerts.list({ status: 'open' });
    const acknowledged = await server.app.inject({
      method: 'POST',
      url: `/api/v1/security/alerts/${alert!.id}/acknowledge`,
      headers: bearer(server.tokens.compliance_officer),
      payload: { note: 'looking' },
      remoteAddress: '10.20.30.40',
    });
    expect(acknowledged.statusCode).toBe(200);
    // Over a real socket too, where the body arrives on the socket's own events.
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    // The body is sent a moment after the headers, so it is read on a later socket event.
    const body = JSON.stringify({ note: 'closed after a look' });
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${address}/api/v1/security/alerts/${alert!.id}/close`, {
        method: 'POST',
        headers: {
          ...bearer(server.tokens.admin),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.flushHeaders();
      setTimeout(() => request.end(body), 100);
    });
    expect(status).toBe(200);
    // The same action outside a request (as the CLI does): no address.
    const [second] = (await server.ctx.alerts.list({ status: 'open' })).filter((a) => a.id !== alert!.id);
    await server.ctx.alerts.close(second!.id, 'user:u_admin', 'closed from the command line');
    const all = await entries();
    const ack = all.find((e) => e.action === 'alert.acknowledge' && e.target === `alert:${alert!.id}`);
    expect(ack?.details).toMatchObject({ clientAddress: '10.20.30.40' });
    const closedViaSocket = all.find((e) => e.action === 'alert.close' && e.target === `alert:${alert!.id}`);
    expect(closedViaSocket?.details).toMatchObject({ clientAddress: '127.0.0.1' });
    const closed = all.find((e) => e.action === 'alert.close' && e.target === `alert:${second!.id}`);
    expect(closed?.details?.clientAddress).toBeUndefined();
    // Entries without an address (the users and tokens made at start) and with one verify alike.
    expect(all.some((e) => e.details?.clientAddress === undefined)).toBe(true);
    const trust = readTrustFile(path.join(server.workspace.dir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
    const report = await verifyLog(server.ctx.store, server.ctx.audit.hashAlgorithm, { trust });
    expect(report).toMatchObject({ ok: true, treeSize: all.length });
  });
});

describe('scheduled audit-log verification', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    vi.useRealTimers();
    await server.close();
  });
  const latest = async () =>
    (
      await server.app.inject({
        method: 'GET',
        url: '/api/v1/security/audit-verification',
        headers: { authorization: `Bearer ${server.tokens.auditor}` },
      })
    ).json();

  it('records a passing verification and raises nothing', async () => {
    expect(await latest()).toEqual({ last: null, everyMinutes: 60 });
    const { verification, run } = await server.ctx.auditVerifications.verifyAndMonitor('schedule');
    expect(verification).toMatchObject({ isOk: true, trigger: 'schedule', problem: null });
    expect(verification.treeSize).toBeGreaterThan(0);
    expect(run.raised.filter((a) => a.rule === 'auditVerification')).toEqual([]);
    expect((await latest()).last).toMatchObject({ id: verification.id, isOk: true });
  });

  it('on a tick of the schedule, finds a tampered entry, stores the failure and raises the critical alert', async () => {
    // Someone with database access edits an entry's text.
    await sql`UPDATE audit_entries SET entry = replace(entry, '"actor":"test"', '"actor":"tset"') WHERE idx = 1`.execute(
      server.ctx.store.db,
    );
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const schedule = startAuditVerificationSchedule({
      workspace: server.ctx.workspace,
      verifications: server.ctx.auditVerifications,
      logger: server.ctx.logger,
    });
    // Nothing before the interval has passed.
    vi.advanceTimersByTime(59 * 60_000);
    await schedule.stop().catch(() => {});
    expect((await latest()).last.isOk).toBe(true);

    const ticking = startAuditVerificationSchedule({
      workspace: server.ctx.workspace,
      verifications: server.ctx.auditVerifications,
      logger: server.ctx.logger,
    });
    vi.advanceTimersByTime(60 * 60_000);
    await ticking.stop();
    vi.useRealTimers();
    const last = (await latest()).last;
    expect(last).toMatchObject({ isOk: false, trigger: 'schedule', problem: { index: 1 } });
    const [alert] = await server.ctx.alerts.list({ status: 'open' });
    expect(alert).toMatchObject({
      rule: 'auditVerification',
      severity: 'critical',
      subject: 'audit-log',
      evidence: { firstBadEntry: 1, problem: last.problem.kind },
    });
  });

  it('verifies on demand over the API for responders, not for auditors', async () => {
    const as = (role: 'auditor' | 'compliance_officer') => ({
      authorization: `Bearer ${server.tokens[role]}`,
    });
    const refused = await server.app.inject({
      method: 'POST',
      url: '/api/v1/security/audit-verification',
      headers: as('auditor'),
    });
    expect(refused.statusCode).toBe(403);
    const ran = await server.app.inject({
      method: 'POST',
      url: '/api/v1/security/audit-verification',
      headers: as('compliance_officer'),
    });
    expect(ran.statusCode).toBe(200);
    // Still tampered: the result says so; the alert is already open (counted, not raised again).
    expect(ran.json()).toMatchObject({ verification: { isOk: false, trigger: 'manual' }, raised: [] });
    expect((await latest()).last).toMatchObject({ id: ran.json().verification.id });
  });

  it('counts an unreadable trust file as a failed verification', async () => {
    rmSync(path.join(server.workspace.dir, AUDIT_TRUST_FILE));
    const { verification } = await server.ctx.auditVerifications.verifyAndMonitor('manual');
    expect(verification).toMatchObject({ isOk: false, problem: { kind: 'trust_file_invalid', index: -1 } });
  });
});

// Security monitoring end to end: failed sign-ins from one address raise an alert with counts as
// evidence (no personal values), delivered once to a signed webhook and by e-mail through a local
// SMTP server, exposed as a Prometheus metric, acknowledged and closed by a person (audited); a
// tampered audit log raises a critical alert; bulk reads, failed runs and expiring grants are seen.

import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/index.js';
import { deliverWebhook, evaluateRules } from '../../src/compliance/monitoring/index.js';
import { cli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function startWebhook(): Promise<{ server: Server; url: string; received: Delivery[] }> {
  const received: Delivery[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += String(chunk);
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
        received,
      }),
    ),
  );
}

function startSmtp(): Promise<{ server: SMTPServer; port: number; messages: string[] }> {
  const messages: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      let text = '';
      stream.on('data', (chunk) => {
        text += String(chunk);
      });
      stream.on('end', () => {
        messages.push(text);
        done();
      });
    },
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.server.address() as { port: number }).port, messages }),
    ),
  );
}

const SECRET = 'webhook-shared-secret-for-tests';

describe('security monitoring', () => {
  let server: TestServer;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  beforeAll(async () => {
    hook = await startWebhook();
    smtp = await startSmtp();
    server = await startTestServer('sqlite', {
      env: { CUSTOS_WEBHOOK_SECRET: SECRET },
      configure: (yaml) =>
        `${yaml}
monitoring:
  rules:
    failedSignInsPerAddress: { threshold: 3, windowMinutes: 10 }
    bulkRead: { threshold: 50, windowMinutes: 60 }
  webhook:
    url: ${hook.url}
    secret: env:CUSTOS_WEBHOOK_SECRET
  email:
    host: 127.0.0.1
    port: ${smtp.port}
    allowInsecure: true
    from: custos@test.example
    to: [soc@test.example]
`,
    });
  });
  afterAll(async () => {
    await server.close();
    hook.server.close();
    await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
  });
  const as = (role: keyof TestServer['tokens']) => ({ authorization: `Bearer ${server.tokens[role]}` });
  const runMonitor = async () =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/api/v1/security/monitor/run',
        headers: as('compliance_officer'),
      })
    ).json();

  it('raises one alert for failed sign-ins from one address and delivers it signed, by webhook and e-mail', async () => {
    for (let i = 0; i < 3; i++) {
      await server.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: `probe${i}`, password: 'guess guess guess' },
        remoteAddress: '203.0.113.50',
      });
    }
    const first = await runMonitor();
    expect(first.raised).toHaveLength(1);
    const alert = first.raised[0];
    expect(alert).toMatchObject({
      rule: 'failedSignInsPerAddress',
      severity: 'high',
      subject: 'address:203.0.113.50',
      status: 'open',
      evidence: { failedSignIns: 3, threshold: 3, windowMinutes: 10 },
    });
    expect(first.deliveryFailures).toEqual([]);
    expect(JSON.stringify(alert)).not.toContain('probe');

    // The webhook got it once, with a signature the receiver can check.
    expect(hook.received).toHaveLength(1);
    const delivery = hook.received[0]!;
    const timestamp = String(delivery.headers['x-custos-timestamp']);
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${delivery.body}`).digest('hex');
    expect(delivery.headers['x-custos-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(delivery.body).alerts[0].id).toBe(alert.id);
    // And the mail server got one message naming the rule.
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toContain('failedSignInsPerAddress');
    expect(smtp.messages[0]).toMatch(/Subject: \[Custos HIGH\] 1 new security alert/);

    // Evaluated again: the open alert counts another occurrence, nothing new is delivered.
    const second = await runMonitor();
    expect(second.raised).toEqual([]);
    expect(hook.received).toHaveLength(1);
    const listed = (
      await server.app.inject({
        method: 'GET',
        url: '/api/v1/security/alerts?status=open',
        headers: as('auditor'),
      })
    ).json().alerts;
    expect(listed).toEqual([expect.objectContaining({ id: alert.id, occurrences: 2 })]);
  });

  it('exposes open alerts as a Prometheus gauge, and a person acknowledges and closes them (audited)', async () => {
    const metric = async () =>
      (await server.app.inject({ method: 'GET', url: '/metrics', headers: as('admin') })).body;
    expect(await metric()).toContain(
      'custos_security_alerts_open{rule="failedSignInsPerAddress",severity="high"} 1',
    );
    const [alert] = (
      await server.app.inject({ method: 'GET', url: '/api/v1/security/alerts', headers: as('auditor') })
    ).json().alerts;
    // Auditors watch; they do not act.
    expect(
      (
        await server.app.inject({
          method: 'POST',
          url: `/api/v1/security/alerts/${alert.id}/close`,
          headers: as('auditor'),
          payload: {},
        })
      ).statusCode,
    ).toBe(403);
    const acknowledged = await server.app.inject({
      method: 'POST',
      url: `/api/v1/security/alerts/${alert.id}/acknowledge`,
      headers: as('compliance_officer'),
      payload: { note: 'looking at the address' },
    });
    expect(acknowledged.json().alert).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: expect.stringMatching(/^user:u_compliance_officer\//),
    });
    const closed = await server.app.inject({
      method: 'POST',
      url: `/api/v1/security/alerts/${alert.id}/close`,
      headers: as('admin'),
      payload: { note: 'address blocked at the firewall' },
    });
    expect(closed.json().alert).toMatchObject({
      status: 'closed',
      closedBy: expect.stringMatching(/^user:u_admin\//),
    });
    expect(
      (
        await server.app.inject({
          method: 'POST',
          url: `/api/v1/security/alerts/${alert.id}/close`,
          headers: as('admin'),
          payload: {},
        })
      ).statusCode,
    ).toBe(409);
    expect(await metric()).not.toContain('custos_security_alerts_open{rule="failedSignInsPerAddress"');
    const actions = (await server.ctx.store.db.selectFrom('audit_entries').select('entry').execute())
      .map((r) => JSON.parse(r.entry))
      .filter((e) => e.target === `alert:${alert.id}`)
      .map((e) => `${e.actor.split('/')[0]} ${e.action}`);
    expect(actions).toEqual([
      'system alert.raise',
      'user:u_compliance_officer alert.acknowledge',
      'user:u_admin alert.close',
    ]);
  });

  it('sees bulk reads per actor within the window, and failed runs', async () => {
    const now = new Date();
    const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
    const entries: AuditEntry[] = [
      {
        index: 0,
        time: at(200),
        actor: 'user:eve',
        action: 'records.export',
        target: 'dataset:loans',
        details: { count: 500 },
      },
      {
        index: 1,
        time: at(30),
        actor: 'user:eve',
        action: 'records.read',
        target: 'dataset:loans',
        details: { count: 30 },
      },
      {
        index: 2,
        time: at(20),
        actor: 'user:eve',
        action: 'records.export',
        target: 'dataset:cards',
        details: { count: 25 },
      },
      {
        index: 3,
        time: at(10),
        actor: 'user:bob',
        action: 'records.read',
        target: 'dataset:loans',
        details: { count: 40 },
      },
    ];
    const db = server.ctx.store.db;
    await db
      .insertInto('runs')
      .values({
        id: 'r-failed',
        dataset: 'loans',
        status: 'failed',
        trigger: 'manual',
        worker: null,
        heartbeat_at: null,
        created_at: at(5),
        started_at: at(5),
        finished_at: at(4),
        error: 'source_failed',
      })
      .execute();
    const findings = await evaluateRules({
      now,
      entries,
      db,
      rules: server.ctx.workspace.config.monitoring.rules,
      workingHours: server.ctx.workspace.config.monitoring.workingHours,
    });
    // eve: 55 records in the last hour (the export 200 minutes ago is outside the window); bob: 40.
    expect(findings.filter((f) => f.rule === 'bulkRead')).toEqual([
      expect.objectContaining({
        subject: 'actor:user:eve',
        evidence: expect.objectContaining({ records: 55, datasets: 2 }),
      }),
    ]);
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'failedRuns', subject: 'dataset:loans' }),
    );
  });

  it('raises a critical alert when the audit log fails verification (custos monitor run)', async () => {
    // One character appended to the first entry, as someone with database access might edit it.
    await sql`UPDATE audit_entries SET entry = entry || ' ' WHERE idx = 0`.execute(server.ctx.store.db);
    const result = await cli(['monitor', 'run', '--json', '--workspace', server.workspace.dir], {
      env: { CUSTOS_WEBHOOK_SECRET: SECRET },
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).raised).toContainEqual(
      expect.objectContaining({ rule: 'auditVerification', severity: 'critical', subject: 'audit-log' }),
    );
  });

  it('signs with HMAC-SM3 when the workspace asks for it', async () => {
    const before = hook.received.length;
    await deliverWebhook({ url: hook.url, secret: 'env:X', signature: 'hmac-sm3' }, SECRET, []);
    const delivery = hook.received[before]!;
    const timestamp = String(delivery.headers['x-custos-timestamp']);
    expect(delivery.headers['x-custos-signature']).toBe(
      `sm3=${createHmac('sm3', SECRET).update(`${timestamp}.${delivery.body}`).digest('hex')}`,
    );
  });
});

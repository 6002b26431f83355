// Vulnerability and posture scan (issue 19 item 5): npm audit against a local registry (and an
// unreachable or silent one: "could not check", never a pass), every posture rule broken once on
// purpose, the API self-check finding an unprotected route on a tiny app and passing on the real
// server, and the results stored, audited, raised as alerts and read by the compliance control.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHECKS, createCheckContext } from '../../src/compliance/index.js';
import {
  auditDependencies,
  checkPosture,
  checkScanSchedule,
  DEMO_MASTER_SECRET,
  type ScanFinding,
  selfCheckApi,
  startScanScheduler,
} from '../../src/compliance/scan/index.js';
import type { WorkspaceConfig } from '../../src/workspace/index.js';
import { cli } from '../support/cli.js';
import {
  criticalYamlAdvisory,
  type NpmRegistry,
  startNpmRegistry,
  unreachableRegistryUrl,
} from '../support/npm-registry.js';
import { startTestServer, type TestServer } from '../support/server.js';

const MASTER = 'a test master secret of some length';

describe('vulnerability and posture scan', () => {
  let server: TestServer;
  let registry: NpmRegistry;
  const advisory = criticalYamlAdvisory();

  beforeAll(async () => {
    registry = await startNpmRegistry(advisory);
    server = await startTestServer('sqlite', {
      env: { CUSTOS_MASTER_KEY: MASTER, npm_config_registry: registry.url },
    });
  });
  afterAll(async () => {
    await server.close();
    await registry.close();
  });

  /** Posture findings of the workspace with `change` applied to its configuration. */
  async function posture(
    change: (config: WorkspaceConfig) => WorkspaceConfig = (c) => c,
    env: NodeJS.ProcessEnv = { CUSTOS_MASTER_KEY: MASTER },
  ): Promise<ScanFinding[]> {
    const { ctx } = server;
    const workspace = { ...ctx.workspace, config: change(structuredClone(ctx.workspace.config)) };
    const part = await checkPosture(
      createCheckContext({ workspace, store: ctx.store, audit: ctx.audit }, new Date()),
      env,
    );
    expect(part.couldNotCheck).toEqual([]);
    return part.findings;
  }
  const rules = (findings: ScanFinding[]) => findings.map((f) => `${f.rule}:${f.severity}`);

  describe('dependencies (npm audit)', () => {
    it('reports a vulnerable package the registry names, with its advisory, severity and fix', async () => {
      const part = await auditDependencies({ timeoutMs: 60_000, args: ['--registry', registry.url] });
      expect(part.couldNotCheck).toEqual([]);
      expect(registry.bulk.length).toBeGreaterThan(0);
      const yaml = part.findings.find((f) => f.evidence.package === 'yaml');
      expect(yaml).toMatchObject({
        id: 'dependency:dependency-vulnerability:yaml',
        kind: 'dependency',
        severity: 'critical',
        evidence: { isDirect: true },
      });
      expect(String(yaml!.evidence.advisories)).toContain(advisory.yaml![0]!.url);
      expect(yaml!.title.en).toContain('yaml');
      expect(yaml!.title['zh-CN']).toContain('漏洞');
      // Packages only affected through yaml are its effects, not findings of their own.
      expect(part.findings.map((f) => f.evidence.package)).toEqual(['yaml']);
      expect(Number(yaml!.evidence.affects)).toBeGreaterThan(0);
    });

    it('could not check when the registry is unreachable — no finding, no pass', async () => {
      const part = await auditDependencies({
        timeoutMs: 60_000,
        args: ['--registry', await unreachableRegistryUrl()],
      });
      expect(part.findings).toEqual([]);
      expect(part.couldNotCheck).toHaveLength(1);
      expect(part.couldNotCheck[0]).toMatchObject({ kind: 'dependency', check: 'npm-audit' });
      expect(part.couldNotCheck[0]!.reason.en).toMatch(/registry did not answer/);
      expect(part.couldNotCheck[0]!.detail).toMatch(/ECONNREFUSED/);
    });

    it('could not check when the registry does not answer in time', async () => {
      const silent = await startNpmRegistry('silent');
      try {
        const part = await auditDependencies({ timeoutMs: 3000, args: ['--registry', silent.url] });
        expect(part.findings).toEqual([]);
        expect(part.couldNotCheck[0]!.reason.en).toMatch(/longer than 3 s/);
      } finally {
        await silent.close();
      }
    });

    it('could not check an installation without a lockfile', async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'custos-nolock-'));
      try {
        writeFileSync(path.join(root, 'package.json'), '{"name":"x","version":"1.0.0"}');
        const part = await auditDependencies({ root, timeoutMs: 10_000 });
        expect(part.couldNotCheck[0]!.reason.en).toMatch(/no package-lock.json/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe('posture', () => {
    it('finds nothing on a fresh workspace with its own master secret', async () => {
      server.ctx.keys(); // the keyring exists (mode 0600)
      expect(rules(await posture())).toEqual([]);
    });

    it('reports the demo master secret outside the demo (custos.yaml or environment), low in the demo', async () => {
      expect(
        rules(await posture((c) => ({ ...c, crypto: { ...c.crypto, demoMasterKey: DEMO_MASTER_SECRET } }))),
      ).toEqual(['demo-master-secret:critical']);
      expect(rules(await posture(undefined, { CUSTOS_MASTER_KEY: DEMO_MASTER_SECRET }))).toEqual([
        'demo-master-secret:critical',
      ]);
      const demo = await posture((c) => ({
        ...c,
        crypto: { ...c.crypto, demoMasterKey: DEMO_MASTER_SECRET },
        demo: { simulators: true, partnerApiPort: 1, noticeSitePort: 2, collectOnStart: false },
      }));
      expect(rules(demo)).toEqual(['demo-master-secret:low']);
    });

    it('reports private networks allowed to sources', async () => {
      expect(rules(await posture((c) => ({ ...c, egress: { allowPrivateNetworks: true } })))).toEqual([
        'private-networks:high',
      ]);
    });

    it('reports TLS off on a non-loopback address, and cookies not Secure behind a proxy', async () => {
      const bind = (c: WorkspaceConfig, behindTlsProxy: boolean) => ({
        ...c,
        server: { ...c.server, host: '0.0.0.0', behindTlsProxy },
      });
      expect(rules(await posture((c) => bind(c, false)))).toEqual(['tls-off-public:high']);
      expect(rules(await posture((c) => bind(c, true)))).toEqual(['cookies-not-secure:medium']);
    });

    it('reports a key file readable by group or others', async () => {
      const keyring = path.join(server.workspace.dir, server.ctx.workspace.config.crypto.keyFile);
      chmodSync(keyring, 0o644);
      try {
        const findings = await posture();
        expect(rules(findings)).toEqual(['key-file-readable:high']);
        expect(findings[0]!.evidence).toEqual({ file: 'keys/keyring.json', mode: '0644' });
      } finally {
        chmodSync(keyring, 0o600);
      }
    });

    it('reports tokens without a bounded expiry', async () => {
      const { info } = await server.ctx.tokens.create('u_analyst', 'long', 3_600_000, 'test');
      // A token stored with a ten-year expiry (an older version, or an edit of the database).
      await server.ctx.store.db
        .updateTable('api_tokens')
        .set({ expires_at: new Date(Date.now() + 3650 * 86_400_000).toISOString() })
        .where('id', '=', info.id)
        .execute();
      try {
        const findings = await posture();
        expect(rules(findings)).toEqual(['tokens-without-expiry:medium']);
        expect(findings[0]!.evidence.tokenIds).toBe(info.id);
      } finally {
        await server.ctx.tokens.revoke(info.id, 'cli', 'test');
      }
    });

    it('reports more admins than security.scan.maxAdmins', async () => {
      const max = (n: number) => (c: WorkspaceConfig) => ({
        ...c,
        security: { ...c.security, scan: { ...c.security.scan, maxAdmins: n } },
      });
      expect(rules(await posture(max(1)))).toEqual([]);
      await server.ctx.users.create(
        { username: 'second_admin', role: 'admin', password: 'a password 123' },
        'test',
      );
      try {
        expect(rules(await posture(max(1)))).toEqual(['too-many-admins:medium']);
        expect(rules(await posture(max(2)))).toEqual([]);
      } finally {
        await server.ctx.users.setDisabled('second_admin', true, 'test');
      }
    });

    it('reports accounts unused for longer than compliance.inactiveAccountDays', async () => {
      const user = await server.ctx.users.create(
        { username: 'stale_one', role: 'analyst', password: 'a password 123' },
        'test',
      );
      await server.ctx.store.db
        .updateTable('users')
        .set({ created_at: new Date(Date.now() - 120 * 86_400_000).toISOString() })
        .where('id', '=', user.id)
        .execute();
      try {
        const findings = await posture();
        expect(rules(findings)).toEqual(['stale-accounts:medium']);
        expect(findings[0]!.evidence).toMatchObject({ count: 1, days: 90, userIds: user.id });
      } finally {
        await server.ctx.users.setDisabled('stale_one', true, 'test');
      }
    });
  });

  describe('API self-check', () => {
    it('finds the unprotected route and the missing headers of a tiny app', async () => {
      const app = Fastify();
      await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'tiny', version: '1' } } });
      app.get('/api/v1/things', async (request, reply) =>
        request.headers.authorization === 'Bearer good'
          ? { things: [] }
          : reply.status(401).send({ error: 'unauthorised' }),
      );
      app.get('/api/v1/leak', async () => ({ secret: 'anyone reads this' }));
      app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const part = await selfCheckApi({
          url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
        });
        expect(part.couldNotCheck).toEqual([]);
        const ids = part.findings.map((f) => f.id);
        expect(ids).toContain('api:route-unprotected:GET /api/v1/leak');
        expect(ids).not.toContain('api:route-unprotected:GET /api/v1/things');
        expect(ids).toContain('api:forged-token-accepted:GET /api/v1/leak');
        expect(ids).toEqual(
          expect.arrayContaining([
            'api:header-missing:cache-control',
            'api:header-missing:x-content-type-options',
            'api:header-missing:content-security-policy',
            'api:header-missing:x-frame-options',
          ]),
        );
        expect(part.findings.find((f) => f.rule === 'route-unprotected')!.severity).toBe('critical');
      } finally {
        await app.close();
      }
    });

    it('passes on the real server, anonymously and with a token', async () => {
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      const part = await selfCheckApi({ url, token: server.tokens.admin });
      expect(part.findings).toEqual([]);
      expect(part.couldNotCheck).toEqual([]);
      // A refused token is said, not passed over.
      const refused = await selfCheckApi({ url, token: 'cst_not-a-real-token' });
      expect(refused.couldNotCheck.map((c) => c.check)).toEqual(['authenticated']);
    });

    it('could not check an API that does not answer', async () => {
      const part = await selfCheckApi({ url: await unreachableRegistryUrl() });
      expect(part.findings).toEqual([]);
      expect(part.couldNotCheck.map((c) => c.check)).toEqual(['openapi']);
    });
  });

  describe('results', () => {
    it('are stored, audited, raised as alerts and read by the GB/T 22239 control', async () => {
      const control = () =>
        CHECKS['vulnerability-scan-recent']!(
          createCheckContext(
            { workspace: server.ctx.workspace, store: server.ctx.store, audit: server.ctx.audit },
            new Date(),
          ),
        );
      expect((await control()).status).toBe('fail');

      const response = await server.app.inject({
        method: 'POST',
        url: '/api/v1/security/scans',
        headers: { authorization: `Bearer ${server.tokens.admin}` },
        payload: {},
      });
      expect(response.statusCode).toBe(200);
      const scan = response.json().scan;
      expect(scan.checked).toEqual(['dependency', 'posture']);
      expect(scan.counts.critical).toBe(1);
      expect(scan.findings[0].id).toBe('dependency:dependency-vulnerability:yaml');
      expect(response.headers['cache-control']).toBe('no-store');

      const failing = await control();
      expect(failing).toMatchObject({ status: 'fail', evidence: { latestScan: scan.id, critical: 1 } });

      const alerts = await server.ctx.alerts.list({ status: 'open' });
      expect(alerts.find((a) => a.rule === 'scan')).toMatchObject({
        severity: 'critical',
        subject: 'dependency:dependency-vulnerability:yaml',
        evidence: { scanId: scan.id, package: 'yaml' },
      });

      const entries = await server.ctx.store.db
        .selectFrom('audit_entries')
        .select('entry')
        .orderBy('idx', 'desc')
        .limit(20)
        .execute();
      const audited = entries.map((e) => JSON.parse(e.entry)).find((e) => e.action === 'security.scan');
      expect(audited.actor).toMatch(/^user:u_admin\//);
      expect(audited).toMatchObject({
        target: `scan:${scan.id}`,
        details: { critical: 1, couldNotCheck: 0 },
      });

      for (const role of ['auditor', 'compliance_officer', 'admin'] as const) {
        const list = await server.app.inject({
          url: '/api/v1/security/scans',
          headers: { authorization: `Bearer ${server.tokens[role]}` },
        });
        expect(list.json().scans[0]).toMatchObject({ id: scan.id, counts: { critical: 1 } });
      }
      const one = await server.app.inject({
        url: `/api/v1/security/scans/${scan.id}`,
        headers: { authorization: `Bearer ${server.tokens.auditor}` },
      });
      expect(one.json().scan.findings).toEqual(scan.findings);
      const refused = await server.app.inject({
        method: 'POST',
        url: '/api/v1/security/scans',
        headers: { authorization: `Bearer ${server.tokens.auditor}` },
        payload: {},
      });
      expect(refused.statusCode).toBe(403);

      // A posture-only scan with nothing found: recent and clean, but dependencies unproven.
      const clean = await server.ctx.scans.run('test', { dependencies: false });
      expect(clean.findings).toEqual([]);
      expect(await control()).toMatchObject({ status: 'warn', evidence: { dependenciesChecked: false } });
    });

    it('runs on security.scan.schedule under custos serve, and refuses a schedule that is not cron', async () => {
      const { ctx } = server;
      const workspace = {
        ...ctx.workspace,
        config: {
          ...ctx.workspace.config,
          security: { ...ctx.workspace.config.security, scan: { ...ctx.workspace.config.security.scan } },
        },
      };
      workspace.config.security.scan.schedule = 'every morning';
      expect(() => checkScanSchedule(workspace)).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ path: 'security.scan.schedule' })] }),
      );
      workspace.config.security.scan.schedule = '* * * * * *'; // every second (croner's seconds field)
      const before = (await ctx.scans.list()).length;
      const done: string[] = [];
      const scheduler = startScanScheduler({
        workspace,
        scans: ctx.scans,
        logger: ctx.logger,
        onScan: (scan) => done.push(scan.id),
      });
      try {
        await vi.waitFor(() => expect(done.length).toBeGreaterThan(0), { timeout: 20_000, interval: 200 });
      } finally {
        await scheduler.stop();
      }
      const latest = await ctx.scans.get(done[0]!);
      expect(latest).toMatchObject({
        actor: 'system',
        trigger: 'schedule',
        checked: ['dependency', 'posture'],
      });
      expect((await ctx.scans.list()).length).toBeGreaterThan(before);
    });

    it('custos scan prints findings, stores them and exits 1 only with --fail-on at or below them', async () => {
      const env = { CUSTOS_MASTER_KEY: MASTER, npm_config_registry: registry.url };
      const base = ['--workspace', server.workspace.dir];
      const json = await cli([...base, '--json', 'scan'], { env });
      expect(json.code).toBe(0);
      const result = JSON.parse(json.stdout);
      expect(result.counts.critical).toBe(1);
      expect(result.actor).toBe('cli');
      expect((await cli([...base, 'scan', '--fail-on', 'critical'], { env })).code).toBe(1);

      const offline = await cli(
        [...base, 'scan', '--fail-on', 'high', '--registry', await unreachableRegistryUrl()],
        {
          env,
        },
      );
      expect(offline.code).toBe(0);
      expect(offline.stdout).toMatch(/NOT CHECKED\] dependency\/npm-audit: Dependencies not checked/);

      const zh = await cli([...base, '--lang', 'zh-CN', 'scan', '--no-dependencies'], { env });
      expect(zh.stdout).toMatch(/严重 0、高 0/);
      expect((await cli([...base, 'scan', '--fail-on', 'severe'], { env })).code).toBe(2);
    });
  });
});

// A demo-workspace copy on a fresh database, brought to a state where every automated control
// passes, with helpers that put real rows into the store (records, consents, grants…) so a
// control can be broken and fixed the way live evidence would break and be fixed.

import {
  CHECKS,
  type CheckContext,
  type CheckResult,
  createCheckContext,
} from '../../src/compliance/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import type { Role } from '../../src/domain/index.js';
import type { TestDialect } from '../support/databases.js';
import { type NpmAdvisory, startNpmRegistry } from '../support/npm-registry.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

export const DAY = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();

export interface ComplianceFixture {
  ws: TestWorkspace;
  ctx: AppContext;
  db: AppContext['store']['db'];
  evaluate(
    check: string,
    options?: { now?: Date; previousAudit?: CheckContext['previousAudit'] },
  ): Promise<CheckResult>;
  record(
    dataset: string,
    key: string,
    subject: string | null,
    data: Record<string, unknown>,
    updatedAt?: number,
  ): Promise<void>;
  consent(
    subject: string,
    purpose: string,
    options?: { sensitive?: boolean; withdrawnAt?: number },
  ): Promise<void>;
  user(username: string, role: Role): Promise<string>;
  /** Runs a scan (dependencies against a local registry answering `advisories`, and posture). */
  scan(advisories: Record<string, NpmAdvisory[]>): Promise<string>;
  close(): Promise<void>;
}

/** Field classifications as the pipeline would have stored them for the demo's datasets. */
async function classifyDemoFields(ctx: AppContext): Promise<void> {
  const rows = ctx.workspace.datasets.flatMap((d) =>
    Object.entries(d.fields).map(([field, f]) => {
      const category = f.category === undefined || f.category === 'public' ? null : f.category;
      const level = f.level ?? (category === 'C3' ? 4 : category === 'C2' ? 3 : category === 'C1' ? 2 : 1);
      return {
        dataset: d.name,
        field,
        category,
        level,
        sensitive: f.isSensitive ? 1 : 0,
        entities: '[]',
        confidence: 1000,
        status: 'confirmed',
        confirmed_by: 'test',
        updated_at: new Date().toISOString(),
      };
    }),
  );
  await ctx.store.db.insertInto('field_classifications').values(rows).execute();
}

export async function createComplianceFixture(dialect: TestDialect): Promise<ComplianceFixture> {
  const ws = await createTestWorkspace(dialect, { fromDemo: true });
  const ctx = await openContext(ws.dir, { env: {}, logLevel: 'silent' });
  const db = ctx.store.db;
  const fixture: ComplianceFixture = {
    ws,
    ctx,
    db,
    evaluate: async (check, options = {}) => {
      const run = CHECKS[check];
      if (!run) throw new Error(`no check ${check}`);
      const checkContext = createCheckContext(
        { workspace: ctx.workspace, store: ctx.store, audit: ctx.audit, keys: ctx.keys },
        options.now ?? new Date(),
        options.previousAudit,
      );
      return run(checkContext);
    },
    record: async (dataset, key, subject, data, updatedAt = Date.now()) => {
      await db
        .insertInto('dataset_records')
        .values({
          dataset,
          natural_key: key,
          subject_id: subject,
          version: 1,
          data: JSON.stringify(data),
          sealed: subject === null ? null : 'sealed-test',
          content_hash: `hash-${key}`,
          run_id: 'run-test',
          created_at: iso(updatedAt),
          updated_at: iso(updatedAt),
          deleted_at: null,
        })
        .execute();
    },
    consent: async (subject, purpose, options = {}) => {
      await db
        .insertInto('consents')
        .values({
          subject_id: subject,
          purpose,
          sensitive: options.sensitive === false ? 0 : 1,
          granted_at: iso(Date.now() - DAY),
          withdrawn_at: options.withdrawnAt === undefined ? null : iso(options.withdrawnAt),
        })
        .execute();
    },
    scan: async (advisories) => {
      const registry = await startNpmRegistry(advisories);
      try {
        return (await ctx.scans.run('user:admin', { dependencies: { args: ['--registry', registry.url] } }))
          .id;
      } finally {
        await registry.close();
      }
    },
    user: async (username, role) =>
      (await ctx.users.create({ username, role, password: 'test password 123' }, 'test')).id,
    close: async () => {
      await ctx.close();
      await ws.cleanup();
    },
  };

  // The demo's own findings fixed, so that every control starts from pass.
  const w = ctx.workspace;
  w.purposes.find((p) => p.name === 'customer_service')!.description =
    '客户服务与投诉处理 / customer service';
  w.datasets.find((d) => d.name === 'bank_accounts')!.fields.opened_at!.dataCategory = 'account';
  w.config.egress.allowPrivateNetworks = false;
  await classifyDemoFields(ctx);
  await fixture.user('officer1', 'compliance_officer');
  await fixture.user('officer2', 'compliance_officer');
  // The demo asks no second factor: admins and officers must use one, and each has one enrolled.
  w.config.security.signIn.secondFactorRoles = ['admin', 'compliance_officer'];
  const enrolledAt = new Date().toISOString();
  for (const user of await ctx.store.db
    .selectFrom('users')
    .select('id')
    .where('role', 'in', ['admin', 'compliance_officer'])
    .execute())
    await ctx.store.db
      .insertInto('second_factors')
      .values({
        user_id: user.id,
        secret_ciphertext: 'sealed',
        confirmed_at: enrolledAt,
        last_step: null,
        created_at: enrolledAt,
      })
      .execute();
  // Stored records, each subject with the (separate) consents its dataset needs.
  await fixture.record('credit_reports', 'R1', 'S1', { report_id: 'R1', updated_at: iso(Date.now()) });
  await fixture.record('bank_accounts', 'A1', 'S1', { account_id: 'A1', opened_at: '2020-01-01' });
  await fixture.consent('S1', 'credit_assessment');
  await fixture.consent('S1', 'customer_service');
  // Impact assessments for the datasets whose declarations require one, by one officer, approved by another.
  for (const pia of await ctx.compliance.piaTriggers()) {
    const draft = await ctx.compliance.createAssessment(
      {
        title: `PIA ${pia.dataset}`,
        datasets: [pia.dataset],
        scope: `collection and use of ${pia.dataset}`,
        risks: ['leak of identifiers'],
        measures: ['SM4 sealing per subject'],
      },
      'user:officer1',
    );
    await ctx.compliance.assessments.decide(draft.id, 'approved', 'user:officer2');
  }
  // A tree head handed to a witness.
  await ctx.audit.record([{ actor: 'test', action: 'audit.head_export', target: 'tree_head' }]);
  // A vulnerability scan of the dependencies (against a local registry that knows no advisory)
  // and of the posture.
  await fixture.scan({});
  return fixture;
}

// Credit scorecards end to end on SQLite and PostgreSQL, over the governed read path only: an analyst
// without a grant is refused, masked fields are never variables, a model is a draft until a
// compliance officer other than its fitter approves it, scoring with an unapproved or edited model
// is refused, and every fit, decision and score is audited with hash, purpose, grant and counts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { cli } from '../support/cli.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { createLoansWorkspace, MASKED_FIELD } from '../support/loans-workspace.js';
import { MASTER_ENV } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe.each(TEST_DIALECTS)('credit scorecard over governed reads (%s)', (dialect) => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  let app: Awaited<ReturnType<typeof buildServer>>['app'];
  let out: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ws = await createLoansWorkspace(dialect);
    out = mkdtempSync(path.join(tmpdir(), 'custos-scorecard-'));
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'warn' });
    const id = await ctx.runs.startInline('loans', 'test');
    const summary = await ctx.runs.execute(id, 'test', { batchSize: 250 });
    expect(summary.status).toBe('succeeded');
    app = (await buildServer(ctx)).app;
    for (const [username, role] of [
      ['ana', 'analyst'],
      ['bob', 'analyst'],
      ['olga', 'compliance_officer'],
      ['dan', 'data_engineer'],
    ] as const) {
      await ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await ctx.tokens.create(username, 'test', 3_600_000, 'test')).token;
    }
    const request = await ctx.accessRequests.request(
      { username: 'ana', role: 'analyst' },
      {
        datasets: ['loans'],
        purpose: 'credit_assessment',
        durationDays: 5,
        justification: 'credit scorecard development',
      },
    );
    await ctx.accessRequests.approve(request.id, { username: 'olga', role: 'compliance_officer' });
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await ws?.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const as = (user: string) => ({ authorization: `Bearer ${tokens[user]}` });
  const post = (user: string, url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, headers: as(user), payload: payload as object });
  const code = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;
  const run = (user: string, ...args: string[]) =>
    cli(['--workspace', ws.dir, '--json', ...args], { env: { ...MASTER_ENV, CUSTOS_TOKEN: tokens[user]! } });
  const fitBody = { dataset: 'loans', target: 'creditability', bad: 'bad', purpose: 'credit_assessment' };

  it('refuses an analyst without a grant, other roles and other purposes', async () => {
    const noGrant = await post('bob', '/api/v1/analytics/scorecard/models', fitBody);
    expect(noGrant.statusCode).toBe(403);
    expect(code(noGrant)).toBe('approval_required');
    expect((await post('dan', '/api/v1/analytics/scorecard/models', fitBody)).statusCode).toBe(403);
    const otherPurpose = await post('ana', '/api/v1/analytics/scorecard/models', {
      ...fitBody,
      purpose: 'marketing',
    });
    expect(otherPurpose.statusCode).toBe(403);
    expect(
      await ctx.models.list({ userId: 'x', username: 'olga', role: 'compliance_officer', via: 'cli' }),
    ).toHaveLength(0);
    // Listing models is for analysts, officers, auditors and admins — not for a data engineer.
    const listed = await run('dan', 'scorecard', 'list');
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain('forbidden');
  });

  it('never uses a field the analyst sees only masked', async () => {
    const asked = await post('ana', '/api/v1/analytics/scorecard/models', {
      ...fitBody,
      variables: [MASKED_FIELD, 'duration_in_month'],
    });
    expect(asked.statusCode).toBe(400);
    const error = (asked.json() as { error: { message: string; details: { field: string } } }).error;
    expect(error.details.field).toBe('variables');
    expect(error.message).toContain('masked');
    // The default fit leaves it out as well (checked below on the fitted model).
  });

  it('fits through the CLI, prints IV, AUC and KS, and writes a hashed draft model', async () => {
    const file = path.join(out, 'model.json');
    const fitted = await run(
      'ana',
      'scorecard',
      'fit',
      '--dataset',
      'loans',
      '--target',
      'creditability',
      '--bad',
      'bad',
      '--purpose',
      'credit_assessment',
      '--out',
      file,
      '--pdo',
      '20',
      '--base-points',
      '600',
      '--base-odds',
      '50',
    );
    expect(fitted.code, fitted.stderr).toBe(0);
    const result = JSON.parse(fitted.stdout) as {
      model: { id: string; status: string; hash: { sha256: string; sm3: string } };
      variables: Array<{ name: string; iv: number }>;
      training: { auc: number; ks: number; rows: number };
    };
    expect(result.model.status).toBe('draft');
    expect(result.training.rows).toBe(1000);
    expect(result.training.auc).toBeGreaterThan(0.75);
    expect(result.training.ks).toBeGreaterThan(0.3);
    expect(result.variables.map((v) => v.name)).not.toContain(MASKED_FIELD);
    expect(result.variables.map((v) => v.name)).not.toContain('loan_id');
    const model = JSON.parse(readFileSync(file, 'utf8')) as { id: string; hash: { sha256: string } };
    expect(model.hash.sha256).toBe(result.model.hash.sha256);
    const stored = await ctx.models.get(model.id);
    expect(stored.hash).toBe(model.hash.sha256);
    expect(stored.hashSm3).toBe(result.model.hash.sm3);

    // Human output names the variables' IV and the training AUC/KS.
    const human = await cli(
      [
        '--workspace',
        ws.dir,
        'scorecard',
        'fit',
        '--dataset',
        'loans',
        '--target',
        'creditability',
        '--bad',
        'bad',
        '--purpose',
        'credit_assessment',
        '--out',
        path.join(out, 'v2.json'),
      ],
      { env: { ...MASTER_ENV, CUSTOS_TOKEN: tokens.ana! } },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/status_of_existing_checking_account\tIV 0\.\d+/);
    expect(human.stdout).toMatch(/AUC 0\.\d+, KS 0\.\d+/);
    expect(JSON.parse(readFileSync(path.join(out, 'v2.json'), 'utf8')).version).toBe(2);
  });

  it('refuses to score with a model that is not approved, with a message saying so', async () => {
    const file = path.join(out, 'model.json');
    const refused = await run(
      'ana',
      'scorecard',
      'score',
      '--model',
      file,
      '--dataset',
      'loans',
      '--purpose',
      'credit_assessment',
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('not approved');
    expect(refused.stdout).toContain('compliance officer');
  });

  it('lets only a compliance officer other than the fitter approve, and audits the decision', async () => {
    const { id } = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as { id: string };
    expect((await post('ana', `/api/v1/analytics/scorecard/models/${id}/approve`, {})).statusCode).toBe(403);
    // Separation of duties: an officer may not decide on a model recorded as theirs.
    const own = await ctx.models.register({ ...(await ctx.models.get(id)).definition, createdBy: 'olga' });
    await expect(
      ctx.models.decide(
        { userId: 'x', username: 'olga', role: 'compliance_officer', via: 'cli' },
        own.id,
        'approved',
      ),
    ).rejects.toThrow(/separation of duties/);
    const approved = await run('olga', 'scorecard', 'approve', id);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout).model.status).toBe('approved');
    const again = await post('olga', `/api/v1/analytics/scorecard/models/${id}/approve`, {});
    expect(again.statusCode).toBe(409);
    // A fitted model is automated decision-making on its dataset: an impact-assessment trigger.
    const triggers = await ctx.compliance.piaTriggers();
    expect(triggers.find((t) => t.dataset === 'loans')?.triggers).toContain('automated_decisions');
    const listed = await run('olga', 'scorecard', 'list', '--status', 'approved');
    expect(JSON.parse(listed.stdout).models.map((m: { id: string }) => m.id)).toEqual([id]);
  });

  it('scores every record with key, score, probability of bad and reasons, and audits it', async () => {
    const file = path.join(out, 'model.json');
    const scored = await run(
      'ana',
      'scorecard',
      'score',
      '--model',
      file,
      '--dataset',
      'loans',
      '--purpose',
      'credit_assessment',
    );
    expect(scored.code, scored.stderr).toBe(0);
    const { items } = JSON.parse(scored.stdout) as {
      items: Array<{
        key: string;
        score: number;
        probability: number;
        reasons: Array<{ variable: string; shortfall: number }>;
      }>;
    };
    expect(items).toHaveLength(1000);
    expect(items[0]!.key).toMatch(/^L\d{4}$/);
    for (const i of items) {
      expect(i.probability).toBeGreaterThan(0);
      expect(i.probability).toBeLessThan(1);
      expect(i.reasons.length).toBeLessThanOrEqual(4);
    }
    // Higher probability of bad, lower score; the riskiest applicant has reasons.
    const riskiest = [...items].sort((a, b) => b.probability - a.probability)[0]!;
    const safest = [...items].sort((a, b) => a.probability - b.probability)[0]!;
    expect(riskiest.score).toBeLessThan(safest.score);
    expect(riskiest.reasons.length).toBeGreaterThan(0);

    // Other purpose than the model's, and an edited model file, are refused.
    const other = await run(
      'ana',
      'scorecard',
      'score',
      '--model',
      file,
      '--dataset',
      'loans',
      '--purpose',
      'marketing',
    );
    expect(other.code).toBe(1);
    const edited = JSON.parse(readFileSync(file, 'utf8'));
    edited.definition.intercept += 1;
    const editedFile = path.join(out, 'edited.json');
    writeFileSync(editedFile, JSON.stringify(edited));
    const tampered = await run(
      'ana',
      'scorecard',
      'score',
      '--model',
      editedFile,
      '--dataset',
      'loans',
      '--purpose',
      'credit_assessment',
    );
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('hash differs');

    const audit = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute()).map(
      (e) => JSON.parse(e.entry) as { action: string; purpose?: string; details?: Record<string, unknown> },
    );
    const actions = audit.map((e) => e.action);
    expect(actions).toContain('analytics.scorecard_fit');
    expect(actions).toContain('analytics.model_approve');
    const score = audit.filter((e) => e.action === 'analytics.scorecard_score');
    expect(score).toHaveLength(1);
    expect(score[0]!.purpose).toBe('credit_assessment');
    expect(score[0]!.details).toMatchObject({ dataset: 'loans', count: 1000 });
    expect(score[0]!.details?.grant).toMatch(/.+/);
    expect(score[0]!.details?.hash).toMatch(/^[0-9a-f]{64}$/);
    // The read itself went through the governed export (audited there too), and no value is logged.
    expect(actions).toContain('records.export');
    const text = JSON.stringify(audit);
    expect(text).not.toContain('critical account');
  });

  it('serves the model with chart data and scores over the API', async () => {
    const { id } = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as { id: string };
    const detail = await app.inject({
      method: 'GET',
      url: `/api/v1/analytics/scorecard/models/${id}`,
      headers: as('olga'),
    });
    expect(detail.statusCode).toBe(200);
    const body = detail.json() as {
      charts: { roc: unknown[]; ks: unknown[]; iv: Array<{ variable: string; isSelected: boolean }> };
      table: Array<{ variable: string; points: number }>;
    };
    expect(body.charts.roc.length).toBeGreaterThan(10);
    expect(body.charts.ks.length).toBeGreaterThan(10);
    expect(body.charts.iv.some((v) => v.isSelected)).toBe(true);
    expect(body.table[0]!.variable).toBe('(base)');
    const scored = await post('ana', `/api/v1/analytics/scorecard/models/${id}/score`, {
      dataset: 'loans',
      purpose: 'credit_assessment',
    });
    expect(scored.statusCode).toBe(200);
    expect((scored.json() as { items: unknown[] }).items).toHaveLength(1000);
    const byBob = await post('bob', `/api/v1/analytics/scorecard/models/${id}/score`, {
      dataset: 'loans',
      purpose: 'credit_assessment',
    });
    expect(code(byBob)).toBe('approval_required');
  });
});

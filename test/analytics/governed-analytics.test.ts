// Segmentation and claims analysis end to end on SQLite and PostgreSQL: records collected by the
// pipeline, read only through policy and grant for a purpose, results k-anonymous, runs audited with
// purpose, grant and counts, segment assignments saved as a derived dataset keyed by pseudonyms.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveFromRows } from '../../src/analytics/index.js';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { cli } from '../support/cli.js';
import { TEST_DIALECTS } from '../support/databases.js';
import {
  INSURANCE_DATASETS,
  INSURANCE_POLICY,
  INSURANCE_SOURCES,
  insuranceData,
  writeCsv,
} from '../support/insurance-data.js';
import { MASTER_ENV } from '../support/pipeline-workspace.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

describe.each(TEST_DIALECTS)('governed analytics (%s)', (dialect) => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  let app: Awaited<ReturnType<typeof buildServer>>['app'];
  const tokens: Record<string, string> = {};
  const data = insuranceData();

  beforeAll(async () => {
    ws = await createTestWorkspace(dialect);
    const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
    mkdirSync(path.join(ws.dir, 'samples'), { recursive: true });
    writeCsv(path.join(ws.dir, 'samples', 'insurance-policies.csv'), data.policies);
    writeCsv(path.join(ws.dir, 'samples', 'insurance-claims.csv'), data.claims);
    w(
      'purposes.yaml',
      'purposes:\n  - name: market_analysis\n    title: 市场分析\n    needs: [customer, policy]\n  - name: claims_analysis\n    title: 理赔分析\n    needs: [policy, claim]\n',
    );
    w('sources.yaml', `sources:\n${INSURANCE_SOURCES}`);
    w('datasets.yaml', `datasets:\n${INSURANCE_DATASETS}`);
    w('policies.yaml', `policies:\n${INSURANCE_POLICY}`);
    appendFileSync(path.join(ws.dir, 'custos.yaml'), '\nclassification:\n  requireConfirmation: false\n');
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'warn' });
    for (const dataset of ['insurance_policies', 'insurance_claims']) {
      const id = await ctx.runs.startInline(dataset, 'test');
      expect((await ctx.runs.execute(id, 'test')).status).toBe('succeeded');
    }
    app = (await buildServer(ctx)).app;
    for (const [username, role] of [
      ['ana', 'analyst'],
      ['bob', 'analyst'],
      ['olga', 'compliance_officer'],
    ] as const) {
      await ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await ctx.tokens.create(username, 'test', 3_600_000, 'test')).token;
    }
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await ws?.cleanup();
  });

  const as = (user: string) => ({ authorization: `Bearer ${tokens[user]}` });
  const post = (user: string, url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: as(user), payload });
  const grantTo = async (user: string, datasets: string[], purpose: string) => {
    const request = await ctx.accessRequests.request(
      { username: user, role: 'analyst' },
      { datasets, purpose, durationDays: 5, justification: 'quarterly analysis of the book' },
    );
    return (await ctx.accessRequests.approve(request.id, { username: 'olga', role: 'compliance_officer' }))
      .grant!;
  };
  const analyticsEntries = async (action: string) =>
    (await ctx.store.db.selectFrom('audit_entries').selectAll().execute())
      .map(
        (e) =>
          JSON.parse(String((e as { entry?: unknown }).entry ?? JSON.stringify(e))) as Record<
            string,
            unknown
          >,
      )
      .filter((e) => JSON.stringify(e).includes(action));
  const segmentation = {
    dataset: 'insurance_policies',
    purpose: 'market_analysis',
    subjectField: 'customer_no',
    dateField: 'issued_on',
    amountField: 'premium',
  };

  it('refuses to analyse without a grant, and only analysts may call the routes', async () => {
    const refused = await post('ana', '/api/v1/analytics/segmentation/runs', segmentation);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('approval_required');
    const claims = await post('ana', '/api/v1/analytics/claims/summary', {
      dataset: 'insurance_claims',
      purpose: 'claims_analysis',
    });
    expect(claims.json().error.code).toBe('approval_required');
    const officer = await post('olga', '/api/v1/analytics/claims/reserve', {
      dataset: 'insurance_claims',
      purpose: 'claims_analysis',
      origin: 'accident_year',
      development: 'settled_year',
      value: 'amount',
    });
    expect(officer.statusCode).toBe(403);
    expect(officer.json().error.code).toBe('forbidden');
    expect(await analyticsEntries('analytics.segmentation.run')).toHaveLength(0);
  });

  it('segments customers through the grant: k by silhouette, k-anonymous profiles, audited', async () => {
    const grant = await grantTo('ana', ['insurance_policies'], 'market_analysis');
    const res = await post('ana', '/api/v1/analytics/segmentation/runs', { ...segmentation, kMax: 6 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.grant).toBe(grant.id);
    expect(body.subjects).toBe(150);
    expect(body.silhouettes.map((s: { k: number }) => s.k)).toEqual([2, 3, 4, 5, 6]);
    const best = Math.max(...body.silhouettes.map((s: { silhouette: number }) => s.silhouette));
    expect(body.silhouettes.find((s: { k: number }) => s.k === body.k).silhouette).toBe(best);
    for (const s of body.segments) {
      expect(s.size === null || s.size >= 10).toBe(true);
      for (const cells of Object.values(s.distribution ?? {}) as Array<Array<number | null>>)
        for (const c of cells) expect(c === null || c === 0 || c >= 10).toBe(true);
    }
    const text = JSON.stringify(body);
    for (const p of data.policies.slice(0, 50)) expect(text).not.toContain(p.customer_no);
    const [entry] = await analyticsEntries('analytics.segmentation.run');
    expect(JSON.stringify(entry)).toContain(grant.id);
    expect(JSON.stringify(entry)).toContain('market_analysis');
    expect(JSON.stringify(entry)).toContain('"subjects":150');
    expect(JSON.stringify(entry)).not.toMatch(/K0000\d\d|p_[0-9a-f]{24}/);
  });

  it('refuses a field it would only see masked', async () => {
    const res = await post('ana', '/api/v1/analytics/segmentation/runs', {
      ...segmentation,
      amountField: 'customer_no',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('in clear');
  });

  it('saves the assignments as a derived dataset with lineage, keyed by the hash mask pseudonyms', async () => {
    const run = await cli(
      [
        'segment',
        'run',
        '--dataset',
        'insurance_policies',
        '--purpose',
        'market_analysis',
        '--subject',
        'customer_no',
        '--date',
        'issued_on',
        '--amount',
        'premium',
        '--k-max',
        '6',
        '--save',
        'customer-segments',
        '--json',
      ],
      { env: { ...MASTER_ENV, CUSTOS_TOKEN: tokens.ana, CUSTOS_WORKSPACE: ws.dir } },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    const lineage = await ctx.derivedDatasets.get('customer-segments');
    expect(lineage).toMatchObject({
      kind: 'segmentation',
      createdBy: expect.stringMatching(/^user:ana/),
      purpose: 'market_analysis',
      grant: result.grant,
      rowCount: 150,
      inputs: [{ dataset: 'insurance_policies', count: data.policies.length }],
      params: { method: 'rfm+kmeans', k: result.k, kAnonymity: 10, subjectField: 'customer_no' },
    });
    expect(lineage.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(lineage.resultHash).toMatch(/^[0-9a-f]{64}$/);
    const rows = await ctx.derivedDatasets.rows('customer-segments');
    expect(rows).toHaveLength(150);
    // The pseudonyms are the ones a hash-masked read shows: the natural key never appears.
    const page = await ctx.records.list(
      { userId: 'x', username: 'ana', role: 'analyst', via: 'token' },
      'insurance_policies',
      { purpose: 'market_analysis', fields: ['customer_no'], limit: 1000 },
    );
    const shown = new Set(page.items.map((i) => i.fields.customer_no));
    for (const r of rows) {
      expect(r.pseudonym).toMatch(/^p_[0-9a-f]{24}$/);
      expect(shown.has(r.pseudonym)).toBe(true);
    }
    const again = await post('ana', '/api/v1/analytics/segmentation/runs', {
      ...segmentation,
      save: 'customer-segments',
    });
    expect(again.statusCode).toBe(409);
    const read = await app.inject({
      method: 'GET',
      url: '/api/v1/analytics/segmentation/derived/customer-segments',
      headers: as('ana'),
    });
    expect(read.json().resultHash).toBe(lineage.resultHash);
  });

  it('computes reserves from the claims dataset as from the raw rows, suppressing cells under k', async () => {
    const grant = await grantTo('ana', ['insurance_claims', 'insurance_policies'], 'claims_analysis');
    const res = await post('ana', '/api/v1/analytics/claims/reserve', {
      dataset: 'insurance_claims',
      purpose: 'claims_analysis',
      origin: 'accident_year',
      development: 'settled_year',
      value: 'amount',
    });
    expect(res.json().error).toBeUndefined();
    const body = res.json();
    const raw = reserveFromRows(
      data.claims.map((c) => ({
        origin: c.accident_year,
        development: c.settled_year,
        value: c.amount,
        count: 1,
      })),
      { isCumulative: false, kAnonymity: 10 },
    );
    expect(body.ldfs).toEqual(raw.ldfs.map((f) => expect.closeTo(f, 9)));
    expect(body.totals.ibnr).toBeCloseTo(raw.totals.ibnr, 6);
    expect(body.grant).toBe(grant.id);
    // 2021 has two claims: its origin and cells are not published.
    expect(body.origins[0]).toMatchObject({ origin: '2021', isSuppressed: true, ibnr: null });
    expect(body.triangle.suppressed.length).toBeGreaterThan(0);
    for (const [i, j] of body.triangle.suppressed) expect(body.triangle.cumulative[i][j]).toBeNull();
    const [entry] = await analyticsEntries('analytics.claims.reserve');
    expect(JSON.stringify(entry)).toContain(grant.id);
    expect(JSON.stringify(entry)).toContain(`"records":${data.claims.length}`);
  });

  it('summarises loss ratios and cycle times from the CLI, equal to the raw figures', async () => {
    const run = await cli(
      [
        'claims',
        'summary',
        '--dataset',
        'insurance_claims',
        '--purpose',
        'claims_analysis',
        '--premium-dataset',
        'insurance_policies',
        '--json',
      ],
      { env: { ...MASTER_ENV, CUSTOS_TOKEN: tokens.ana, CUSTOS_WORKSPACE: ws.dir } },
    );
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout);
    expect(summary.error).toBeUndefined();
    expect(summary.claims).toBe(data.claims.length);
    expect(summary.policies).toBe(data.policies.length);
    const auto = summary.lossRatios.find(
      (g: { dimension: string; value: string }) => g.dimension === 'product' && g.value === 'auto',
    );
    const incurred = data.claims.filter((c) => c.product === 'auto').reduce((s, c) => s + c.amount, 0);
    const premium = data.policies.filter((p) => p.product === 'auto').reduce((s, p) => s + p.premium, 0);
    expect(auto.lossRatio).toBeCloseTo(incurred / premium, 9);
    expect(summary.cycleTimes[0]).toMatchObject({ group: 'all', settled: data.claims.length });
    // bob has no grant: the CLI exits 1 with the refusal's code.
    const refused = await cli(
      ['claims', 'summary', '--dataset', 'insurance_claims', '--purpose', 'claims_analysis', '--json'],
      { env: { ...MASTER_ENV, CUSTOS_TOKEN: tokens.bob, CUSTOS_WORKSPACE: ws.dir } },
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout || refused.stderr).error.code).toBe('approval_required');
  });
});

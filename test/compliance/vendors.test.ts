// Third-party review and collection: a vendor whose latest review is rejected or expired is refused
// before anything is read, with a clear reason; a new approved review lets collection go on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe('vendor reviews gate collection (sqlite)', () => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  const collect = async () => ctx.runs.execute(await ctx.runs.startInline('people', 'test'), 'test');

  beforeAll(async () => {
    ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract', requireConfirmation: false });
    writePeople(ws.dir, people(3));
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  }, 60_000);
  afterAll(async () => {
    await ctx.close();
    await ws.cleanup();
  });

  it('refuses collection after a rejecting review, naming the vendor, the review and its reference', async () => {
    await ctx.compliance.vendors.record(
      {
        vendor: 'data-co',
        questionnaire: { consent_evidence: 'no' },
        result: 'rejected',
        validUntil: '2099-01-01',
        reference: 'VR-7',
      },
      'user:officer',
    );
    const summary = await collect();
    expect(summary).toMatchObject({ status: 'failed', read: 0, stored: 0 });
    expect(summary.error).toBe('vendor data-co was rejected by its latest third-party review (VR-7)');
  });

  it('refuses collection when the latest review has expired', async () => {
    await ctx.compliance.vendors.record(
      { vendor: 'data-co', questionnaire: {}, result: 'approved', validUntil: '2020-01-01' },
      'user:officer',
    );
    const summary = await collect();
    expect(summary.error).toBe("vendor data-co's third-party review expired on 2020-01-01");
  });

  it('collects again after a valid review, and records every review in the audit log', async () => {
    await ctx.compliance.vendors.record(
      {
        vendor: 'data-co',
        questionnaire: { lawful_source: 'yes', contract_signed: 'yes' },
        evidence: [{ name: 'iso27001.pdf', sha256: 'a'.repeat(64) }],
        result: 'approved',
        validUntil: '2099-01-01',
      },
      'user:officer',
    );
    expect((await collect()).status).toBe('succeeded');
    const standings = await ctx.compliance.vendors.standings();
    expect(standings).toEqual([
      expect.objectContaining({ vendor: 'data-co', source: 'review', result: 'approved' }),
    ]);
    const entries = await ctx.store.db
      .selectFrom('audit_entries')
      .select('entry')
      .where('entry', 'like', '%compliance.vendor_review%')
      .execute();
    expect(entries).toHaveLength(3);
    await expect(
      ctx.compliance.vendors.record(
        { vendor: 'nobody', questionnaire: {}, result: 'approved', validUntil: '2099-01-01' },
        'x',
      ),
    ).rejects.toThrow(/no vendor named nobody/);
    await expect(
      ctx.compliance.vendors.record(
        {
          vendor: 'data-co',
          questionnaire: { favourite_colour: 'blue' },
          result: 'approved',
          validUntil: '2099-01-01',
        },
        'x',
      ),
    ).rejects.toThrow(/unknown questionnaire item/);
  });
});

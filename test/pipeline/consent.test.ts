// Admission by consent and erasure, through the run service on SQLite and PostgreSQL: a record is
// admitted only with consent to EVERY purpose of its dataset, not withdrawn, and — when the dataset
// holds sensitive personal information (PIPL Art. 29) — separate consent; each refused record goes
// to quarantine, sealed under its subject's data key, so shredding that key makes the quarantined
// copy unreadable too (docs/keys.md, "Erasure by crypto-shredding").

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
import { subjectIdOf } from '../../src/governance/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
import {
  createPipelineWorkspace,
  MASTER_ENV,
  type Person,
  people,
  writePeople,
} from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const PURPOSES = ['credit_assessment', 'marketing'] as const;

/** The pipeline workspace with a second purpose, both declared by the dataset. */
async function twoPurposeWorkspace(
  dialect: (typeof TEST_DIALECTS)[number],
  options: { sensitive: boolean } = { sensitive: true },
): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect);
  cleanups.push(() => ws.cleanup());
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(path.join(ws.dir, file), change(readFileSync(path.join(ws.dir, file), 'utf8')));
  edit('purposes.yaml', (t) => `${t}  - name: marketing\n    title: 营销\n`);
  edit('datasets.yaml', (t) => {
    const both = t.replace('purposes: [credit_assessment]', `purposes: [${PURPOSES.join(', ')}]`);
    // Without the ID number, no field of the dataset is sensitive personal information.
    return options.sensitive
      ? both
      : both.replace('subjectFields: [id_no]', 'subjectFields: [cid]').replace(/^ {6}id_no: .*\n/m, '');
  });
  return ws;
}

async function open(ws: TestWorkspace): Promise<AppContext> {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  cleanups.push(() => ctx.close());
  return ctx;
}

interface Consent {
  purpose: string;
  sensitive?: boolean;
  withdrawn?: boolean;
}

async function consent(ctx: AppContext, subject: string, consents: Consent[]): Promise<void> {
  const now = new Date().toISOString();
  await ctx.store.db
    .insertInto('consents')
    .values(
      consents.map((c) => ({
        subject_id: subjectIdOf(ctx.keys(), subject),
        purpose: c.purpose,
        sensitive: c.sensitive === false ? 0 : 1,
        granted_at: now,
        withdrawn_at: c.withdrawn ? now : null,
      })),
    )
    .execute();
}

/** Collects the whole source again from its start. */
async function collect(ctx: AppContext) {
  await ctx.store.db.deleteFrom('source_state').execute();
  const id = await ctx.runs.startInline('people', 'test');
  return ctx.runs.execute(id, 'test', { batchSize: 4 });
}

async function storedKeys(ctx: AppContext): Promise<string[]> {
  const rows = await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute();
  return rows.map((r) => r.natural_key).sort();
}

async function openQuarantine(ctx: AppContext) {
  return ctx.store.db
    .selectFrom('quarantine')
    .select(['subject_id', 'reason', 'detail', 'status', 'sealed'])
    .where('status', '=', 'open')
    .orderBy('subject_id')
    .execute();
}

describe.each(TEST_DIALECTS)('admission by consent on %s', (dialect) => {
  it('refuses withdrawn consent, consent without the separate one for sensitive data, and consent to one purpose of two', async () => {
    const ws = await twoPurposeWorkspace(dialect);
    const rows = people(6, 31);
    const [full, withdrawn, notSeparate, creditOnly, marketingOnly, none] = rows as [
      Person,
      Person,
      Person,
      Person,
      Person,
      Person,
    ];
    writePeople(ws.dir, rows);
    const ctx = await open(ws);
    const both = (extra: Partial<Consent> = {}) => PURPOSES.map((purpose) => ({ purpose, ...extra }));
    await consent(ctx, full.id_no, both());
    await consent(ctx, withdrawn.id_no, [
      { purpose: 'credit_assessment', withdrawn: true },
      { purpose: 'marketing' },
    ]);
    await consent(ctx, notSeparate.id_no, both({ sensitive: false }));
    await consent(ctx, creditOnly.id_no, [{ purpose: 'credit_assessment' }]);
    await consent(ctx, marketingOnly.id_no, [{ purpose: 'marketing' }]);

    const summary = await collect(ctx);
    expect(summary).toMatchObject({
      status: 'succeeded',
      read: 6,
      stored: 1,
      quarantined: 5,
      quarantineReasons: { no_consent: 5 },
    });
    expect(await storedKeys(ctx)).toEqual([full.cid]);
    // Each refused record is held back under its own subject, with the reason and what was missing.
    const subjectOf = (p: Person) => subjectIdOf(ctx.keys(), p.id_no);
    const held = await openQuarantine(ctx);
    expect(held.map((q) => q.subject_id)).toEqual(
      [withdrawn, notSeparate, creditOnly, marketingOnly, none].map(subjectOf).sort(),
    );
    // Each reason names that record's own defect, per purpose.
    const detailOf = new Map(held.map((q) => [q.subject_id, q.detail]));
    for (const q of held) expect(q.reason).toBe('no_consent');
    expect(
      [withdrawn, notSeparate, creditOnly, marketingOnly, none].map((p) => detailOf.get(subjectOf(p))),
    ).toEqual([
      'consent withdrawn for credit_assessment',
      'no separate consent for credit_assessment, marketing',
      'no consent for marketing',
      'no consent for credit_assessment',
      'no consent for credit_assessment, marketing',
    ]);

    // Each was refused for its own defect: mending exactly that one admits it on the next run.
    const mend = (p: Person, purpose: string, change: { sensitive?: number; withdrawn_at?: null }) =>
      ctx.store.db
        .updateTable('consents')
        .set(change)
        .where('subject_id', '=', subjectOf(p))
        .where('purpose', '=', purpose)
        .execute();
    await mend(withdrawn, 'credit_assessment', { withdrawn_at: null });
    await mend(notSeparate, 'credit_assessment', { sensitive: 1 });
    await mend(notSeparate, 'marketing', { sensitive: 1 });
    await consent(ctx, creditOnly.id_no, [{ purpose: 'marketing' }]);
    expect(await collect(ctx)).toMatchObject({ stored: 3, unchanged: 1, quarantined: 2 });
    expect(await storedKeys(ctx)).toEqual(
      [full, withdrawn, notSeparate, creditOnly].map((p) => p.cid).sort(),
    );

    // Withdrawal takes effect on the next collection: a changed record is not stored any more.
    await ctx.store.db
      .updateTable('consents')
      .set({ withdrawn_at: new Date().toISOString() })
      .where('subject_id', '=', subjectOf(full))
      .where('purpose', '=', 'marketing')
      .execute();
    writePeople(ws.dir, [{ ...full, score: full.score + 1 }, ...rows.slice(1)]);
    const after = await collect(ctx);
    expect(after).toMatchObject({ stored: 0, updated: 0, quarantined: 3 });
    const current = await ctx.store.db
      .selectFrom('dataset_records')
      .select('data')
      .where('natural_key', '=', full.cid)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(current.data).score).toBe(full.score);
  });

  it('asks no separate consent of a dataset without sensitive personal information', async () => {
    const ws = await twoPurposeWorkspace(dialect, { sensitive: false });
    const rows = people(3, 32).map(({ id_no: _id, ...p }) => p);
    writePeople(ws.dir, rows);
    const ctx = await open(ws);
    await consent(
      ctx,
      rows[0]!.cid,
      PURPOSES.map((purpose) => ({ purpose, sensitive: false })),
    );
    await consent(ctx, rows[1]!.cid, [{ purpose: 'marketing', sensitive: false }]);
    const summary = await collect(ctx);
    expect(summary).toMatchObject({ status: 'succeeded', stored: 1, quarantined: 2 });
    expect(await storedKeys(ctx)).toEqual([rows[0]!.cid]);
    const held = await openQuarantine(ctx);
    expect(held.map((q) => q.detail).sort()).toEqual([
      'no consent for credit_assessment',
      'no consent for credit_assessment, marketing',
    ]);
  });
});

describe.each(TEST_DIALECTS)('erasure of quarantined copies on %s', (dialect) => {
  it('a shredded subject’s quarantined record can no longer be opened; others still can', async () => {
    const ws = await twoPurposeWorkspace(dialect);
    const rows = people(3, 33);
    const [admitted, erased, kept] = rows as [Person, Person, Person];
    writePeople(ws.dir, rows);
    const ctx = await open(ws);
    await consent(
      ctx,
      admitted.id_no,
      PURPOSES.map((purpose) => ({ purpose })),
    );
    expect(await collect(ctx)).toMatchObject({ stored: 1, quarantined: 2 });
    const subjectOf = (p: Person) => subjectIdOf(ctx.keys(), p.id_no);
    const heldOf = async (p: Person) =>
      ctx.store.db
        .selectFrom('quarantine')
        .select(['subject_id', 'sealed'])
        .where('subject_id', '=', subjectOf(p))
        .executeTakeFirstOrThrow();
    const copy = await heldOf(erased);
    // The quarantined copy is the whole record as read, sealed under the subject's own data key.
    expect(await ctx.keys().decryptRecord(copy.subject_id, copy.sealed)).toEqual(erased);
    expect(copy.sealed).not.toContain(erased.id_no);

    await ctx.keys().shred(copy.subject_id, 'user:dpo');

    // Neither this process nor a fresh one (no key cache) can open the quarantined copy now.
    await expect(ctx.keys().decryptRecord(copy.subject_id, copy.sealed)).rejects.toThrow(/destroyed/);
    const fresh = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    try {
      await expect(fresh.keys().decryptRecord(copy.subject_id, copy.sealed)).rejects.toThrow(/destroyed/);
      const other = await heldOf(kept);
      expect(await fresh.keys().decryptRecord(other.subject_id, other.sealed)).toMatchObject({
        id_no: kept.id_no,
      });
      const stored = await fresh.store.db
        .selectFrom('dataset_records')
        .select(['subject_id', 'sealed'])
        .executeTakeFirstOrThrow();
      expect(await fresh.keys().decryptRecord(stored.subject_id!, stored.sealed!)).toMatchObject({
        id_no: admitted.id_no,
      });
    } finally {
      await fresh.close();
    }
  });
});

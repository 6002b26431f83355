// A collection run end to end on SQLite and PostgreSQL: validation and consent quarantine,
// minimisation, sealed personal fields with blind indexes, idempotent re-runs and version
// history, a dataset blocked by a newly detected personal field until confirmed, vendor checks.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
import { subjectIdOf } from '../../src/governance/index.js';
import { executeRun } from '../../src/pipeline/index.js';
import { cli } from '../support/cli.js';
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

async function open(ws: TestWorkspace): Promise<AppContext> {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  cleanups.push(() => ctx.close());
  return ctx;
}

async function grant(ctx: AppContext, rows: Person[]): Promise<void> {
  const keys = ctx.keys();
  await ctx.store.db
    .insertInto('consents')
    .values(
      rows.map((p) => ({
        subject_id: subjectIdOf(keys, p.id_no),
        purpose: 'credit_assessment',
        sensitive: 1,
        granted_at: new Date().toISOString(),
        withdrawn_at: null,
      })),
    )
    .execute();
}

async function collect(ctx: AppContext, batchSize = 7) {
  const id = await ctx.runs.startInline('people', 'test');
  return ctx.runs.execute(id, 'test', { batchSize });
}

describe.each(TEST_DIALECTS)('collection pipeline on %s', (dialect) => {
  it('validates, admits by consent, minimises, seals personal fields and audits each batch', async () => {
    const ws = await createPipelineWorkspace(dialect);
    cleanups.push(() => ws.cleanup());
    const rows = people(50);
    const bad = [
      { ...rows[0]!, cid: undefined },
      { ...rows[1]!, cid: 'C9999999', score: 'high' },
    ];
    writePeople(ws.dir, [...rows, ...bad]);
    const ctx = await open(ws);
    await grant(ctx, rows.slice(0, 40));
    const summary = await collect(ctx);
    expect(summary).toMatchObject({
      status: 'succeeded',
      read: 52,
      stored: 40,
      quarantined: 12,
      quarantineReasons: { no_consent: 10, invalid: 2 },
    });
    expect(summary.droppedFields).toEqual(['extra']);

    const stored = await ctx.store.db
      .selectFrom('dataset_records')
      .selectAll()
      .where('dataset', '=', 'people')
      .orderBy('natural_key')
      .execute();
    expect(stored.length).toBe(40);
    const first = stored[0]!;
    // Personal fields are sealed; only C1/public/unclassified-non-personal values are in clear.
    expect(JSON.parse(first.data)).toEqual({ cid: rows[0]!.cid, city: rows[0]!.city, score: rows[0]!.score });
    for (const r of stored) for (const p of rows) expect(r.data + (r.sealed ?? '')).not.toContain(p.id_no);
    expect(await ctx.keys().decryptRecord(first.subject_id!, first.sealed!)).toEqual({
      name: rows[0]!.name,
      id_no: rows[0]!.id_no,
      mobile: rows[0]!.mobile,
    });
    // Lookup by ID number through the blind index, no decryption.
    const hit = await ctx.store.db
      .selectFrom('blind_indexes')
      .select('natural_key')
      .where('field', '=', 'id_no')
      .where('hash', '=', ctx.keys().blindIndex('id_card', rows[5]!.id_no))
      .execute();
    expect(hit.map((h) => h.natural_key)).toEqual([rows[5]!.cid]);
    // Quarantine holds only ciphertext, with reason and position.
    const held = await ctx.store.db.selectFrom('quarantine').selectAll().execute();
    expect(held.length).toBe(12);
    for (const q of held) expect(q.sealed).not.toContain(rows[45]!.name);
    expect(held.some((q) => q.reason === 'invalid' && q.detail === 'score: not a valid integer')).toBe(true);
    // One audit entry per batch (52 records, batches of 7 → 8), inside the batch transactions.
    const batches = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute()).filter((e) =>
      e.entry.includes('"collect.batch"'),
    );
    expect(batches.length).toBe(8);

    // A re-run resumes after what was consumed; re-reading from the start stores nothing new.
    expect(await collect(ctx)).toMatchObject({ status: 'succeeded', read: 0 });
    await ctx.store.db.deleteFrom('source_state').execute();
    const again = await collect(ctx);
    expect(again).toMatchObject({ stored: 0, updated: 0, unchanged: 40, quarantined: 12 });
    // Held back again for the same reasons: still one quarantine row per record.
    const heldAgain = await ctx.store.db.selectFrom('quarantine').select(['id', 'run_id']).execute();
    expect(heldAgain.length).toBe(12);
    expect(new Set(heldAgain.map((q) => q.run_id))).toEqual(new Set([again.runId]));
    writePeople(ws.dir, [{ ...rows[3]!, score: 999 }, ...rows.slice(0, 3), ...rows.slice(4)]);
    await ctx.store.db.deleteFrom('source_state').execute();
    const changed = await collect(ctx);
    expect(changed).toMatchObject({ updated: 1, unchanged: 39 });
    // The record holds its current version; the history holds the one it replaced; the view both.
    const versionsOf = async (table: 'record_versions' | 'record_history') =>
      (
        await ctx.store.db
          .selectFrom(table)
          .select('version')
          .where('natural_key', '=', rows[3]!.cid)
          .orderBy('version')
          .execute()
      ).map((v) => v.version);
    expect(await versionsOf('record_versions')).toEqual([1]);
    expect(await versionsOf('record_history')).toEqual([1, 2]);
    const current = await ctx.store.db
      .selectFrom('dataset_records')
      .select(['version', 'data'])
      .where('natural_key', '=', rows[3]!.cid)
      .executeTakeFirstOrThrow();
    expect(current.version).toBe(2);
    expect(JSON.parse(current.data).score).toBe(999);
    // Every run merged what it staged: the subject link and the identifiers are in blind_indexes.
    expect(await ctx.store.db.selectFrom('index_staging').select('hash').execute()).toEqual([]);
    const subjectLinks = await ctx.store.db
      .selectFrom('blind_indexes')
      .select('natural_key')
      .where('field', '=', '$subject')
      .where('hash', '=', first.subject_id!)
      .execute();
    expect(subjectLinks.map((l) => l.natural_key)).toEqual([rows[0]!.cid]);
  });

  it('stores the same records whether the protect step runs on its thread or in the main one', async () => {
    const ws = await createPipelineWorkspace(dialect);
    cleanups.push(() => ws.cleanup());
    const rows = people(60, 17);
    writePeople(ws.dir, rows);
    const ctx = await open(ws);
    await grant(ctx, rows);
    const snapshot = async () => {
      const records = await ctx.store.db
        .selectFrom('dataset_records')
        .select(['natural_key', 'subject_id', 'data', 'sealed', 'content_hash'])
        .where('dataset', '=', 'people')
        .orderBy('natural_key')
        .execute();
      const opened = await ctx
        .keys()
        .decryptMany(records.map((r) => ({ subjectId: r.subject_id!, ciphertext: r.sealed! })));
      const entries = await ctx.store.db
        .selectFrom('blind_indexes')
        .select(['field', 'hash', 'natural_key'])
        .where('dataset', '=', 'people')
        .orderBy(['field', 'hash', 'natural_key'])
        .execute();
      return {
        records: records.map(({ sealed: _sealed, ...r }, i) => ({ ...r, personal: opened[i] })),
        entries,
      };
    };
    const run = async (protectThread: boolean) => {
      const id = await ctx.runs.startInline('people', 'test');
      return ctx.runs.execute(id, 'test', { batchSize: 9, protectThread });
    };
    // Seven batches: the first protected in this thread, the others on the protect thread.
    expect(await run(true)).toMatchObject({ status: 'succeeded', read: 60, stored: 60 });
    const threaded = await snapshot();
    expect(threaded.records.length).toBe(60);
    expect(threaded.records[7]!.personal).toEqual({
      name: rows[7]!.name,
      id_no: rows[7]!.id_no,
      mobile: rows[7]!.mobile,
    });
    for (const table of ['dataset_records', 'blind_indexes', 'source_state'] as const)
      await ctx.store.db.deleteFrom(table).execute();
    expect(await run(false)).toMatchObject({ status: 'succeeded', read: 60, stored: 60 });
    expect(await snapshot()).toEqual(threaded);
  });

  it('checkpoints each batch with the state it came with, though the source reads on first', async () => {
    const ws = await createPipelineWorkspace(dialect);
    cleanups.push(() => ws.cleanup());
    const rows = people(15, 23);
    const ctx = await open(ws);
    await grant(ctx, rows);
    // Like the crawler: every state shares one object the source keeps filling as it reads the
    // next batch; the third read fails half-way. The batch read before it is still stored.
    const source = {
      name: 'shared-state',
      type: 'api',
      check: async () => ({ ok: true, message: '' }),
      discover: async () => [],
      close: async () => {},
      async *read() {
        const seen: Record<string, true> = {};
        for (let b = 0; b < 3; b++) {
          for (const r of rows.slice(b * 5, b * 5 + 5)) seen[r.cid] = true;
          if (b === 2) throw new Error('partner API unreachable');
          yield {
            records: rows.slice(b * 5, b * 5 + 5),
            state: { next: b + 1, seen },
            position: `page ${b}`,
          };
        }
      },
    };
    // A run in the runs table: a batch commits only while its run is `running`.
    const runId = await ctx.runs.startInline('people', 'test');
    const summary = await executeRun({ ...ctx, openSource: () => source as never }, 'people', {
      runId,
      actor: 'test',
      batchSize: 5,
    });
    expect(summary).toMatchObject({ status: 'failed', stored: 10 });
    const state = await ctx.store.db.selectFrom('source_state').select('state').executeTakeFirstOrThrow();
    // Batch 2 is stored with batch 2's state: what it had seen then, not what batch 3 added.
    expect(JSON.parse(state.state!)).toEqual({
      next: 2,
      seen: Object.fromEntries(rows.slice(0, 10).map((r) => [r.cid, true])),
    });
  });

  it('blocks a dataset when a field is newly detected as personal information, until confirmed', async () => {
    const ws = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract', extraField: 'contact' });
    cleanups.push(() => ws.cleanup());
    writePeople(
      ws.dir,
      people(20).map((p) => ({ ...p, contact: p.mobile })),
    );
    const ctx = await open(ws);
    const blocked = await collect(ctx);
    expect(blocked.status).toBe('blocked');
    expect(blocked.error).toMatch(/contact/);
    expect(await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute()).toEqual([]);
    expect((await collect(ctx)).status).toBe('blocked');
    await ctx.users.create(
      { username: 'dpo', role: 'compliance_officer', password: 'a long enough password 1' },
      'test',
    );
    const confirm = await cli(
      ['classification', 'confirm', 'people', 'contact', '--by', 'dpo', '--workspace', ws.dir],
      { env: MASTER_ENV },
    );
    expect(confirm.code).toBe(0);
    const after = await collect(ctx);
    expect(after).toMatchObject({ status: 'succeeded', stored: 20 });
  });

  it('reprocesses quarantined records after a fix: admitted ones leave, the rest stay open once', async () => {
    const ws = await createPipelineWorkspace(dialect);
    cleanups.push(() => ws.cleanup());
    const rows = people(12);
    writePeople(ws.dir, rows);
    const ctx = await open(ws);
    expect(await collect(ctx)).toMatchObject({ stored: 0, quarantined: 12 });
    await grant(ctx, rows.slice(0, 5)); // the fix: five subjects consent
    const reprocess = await cli(['quarantine', 'reprocess', 'people', '--workspace', ws.dir, '--json'], {
      env: MASTER_ENV,
    });
    expect(reprocess.code).toBe(0);
    const held = await ctx.store.db.selectFrom('quarantine').select(['status', 'reason']).execute();
    expect(held.filter((q) => q.status === 'reprocessed').length).toBe(5);
    expect(held.filter((q) => q.status === 'open').length).toBe(7);
    expect(held.every((q) => q.reason === 'no_consent')).toBe(true);
    const stored = await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute();
    expect(stored.map((r) => r.natural_key).sort()).toEqual(
      rows
        .slice(0, 5)
        .map((r) => r.cid)
        .sort(),
    );
    const listed = await cli(['quarantine', 'list', '--dataset', 'people', '--workspace', ws.dir, '--json'], {
      env: MASTER_ENV,
    });
    expect(JSON.parse(listed.stdout).quarantine.length).toBe(12);
    for (const r of rows) expect(listed.stdout).not.toContain(r.id_no);
  });

  it('drops fields no purpose of the dataset needs, before they are classified or stored', async () => {
    const ws = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract' });
    cleanups.push(() => ws.cleanup());
    const edit = (file: string, change: (text: string) => string) =>
      writeFileSync(path.join(ws.dir, file), change(readFileSync(path.join(ws.dir, file), 'utf8')));
    edit('purposes.yaml', (t) =>
      t.replace('title: 信用评估', 'title: 信用评估\n    needs: [identity, contact]'),
    );
    edit('datasets.yaml', (t) =>
      t
        .replace('id_no: { type: string,', 'id_no: { type: string, dataCategory: identity,')
        .replace('mobile: { type: string,', 'mobile: { type: string, dataCategory: contact,')
        .replace('city: { type: string,', 'city: { type: string, dataCategory: demographic,')
        .replace('score: { type: integer }', 'score: { type: integer, dataCategory: credit }'),
    );
    writeFileSync(
      path.join(ws.dir, 'purposes.yaml'),
      `${readFileSync(path.join(ws.dir, 'purposes.yaml'), 'utf8')}  - name: marketing\n    title: 营销\n    needs: [demographic, credit]\n`,
    );
    const rows = people(10);
    writePeople(ws.dir, rows);
    const ctx = await open(ws);
    // A file source reports how far it has come: the share read only grows, and ends whole.
    const fractions: number[] = [];
    const id = await ctx.runs.startInline('people', 'test');
    const summary = await ctx.runs.execute(id, 'test', {
      batchSize: 3,
      onProgress: (p) => fractions.push(p.fraction ?? -1),
    });
    expect(summary).toMatchObject({ status: 'succeeded', stored: 10 });
    expect(fractions.length).toBe(4);
    expect(fractions.at(-1)).toBe(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(summary.droppedFields).toEqual(expect.arrayContaining(['city', 'score']));
    const stored = await ctx.store.db
      .selectFrom('dataset_records')
      .select(['data', 'sealed', 'subject_id'])
      .execute();
    for (const r of stored) expect(Object.keys(JSON.parse(r.data))).toEqual(['cid']);
    const opened = await ctx.keys().decryptRecord(stored[0]!.subject_id!, stored[0]!.sealed!);
    expect(Object.keys(opened).sort()).toEqual(['id_no', 'mobile', 'name']);
    const classified = await ctx.store.db.selectFrom('field_classifications').select('field').execute();
    expect(classified.map((c) => c.field).sort()).toEqual(['cid', 'id_no', 'mobile', 'name']);
  });

  it('refuses to collect from a vendor whose assessment expired', async () => {
    const ws = await createPipelineWorkspace(dialect, { vendorValidUntil: '2025-01-01' });
    cleanups.push(() => ws.cleanup());
    writePeople(ws.dir, people(3));
    const ctx = await open(ws);
    const summary = await collect(ctx);
    expect(summary).toMatchObject({ status: 'failed', read: 0 });
    expect(summary.error).toMatch(/assessment expired on 2025-01-01/);
  });
});

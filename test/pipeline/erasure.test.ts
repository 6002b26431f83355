// Erasure that holds, through the run service and `custos keys shred` on SQLite and PostgreSQL:
// shredding one subject of a dataset leaves later runs succeeding, the other people stored, the
// erased person suppressed per `onErasedSubject` (no key asked for, no copy kept), its quarantined
// copies and index entries gone; records failing validation are sealed under their subject's key.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
import { eraseSubject, subjectIdOf } from '../../src/governance/index.js';
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

async function workspace(
  dialect: (typeof TEST_DIALECTS)[number],
  onErasedSubject?: 'drop' | 'quarantine',
): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract' });
  cleanups.push(() => ws.cleanup());
  if (onErasedSubject) {
    const file = path.join(ws.dir, 'datasets.yaml');
    const text = readFileSync(file, 'utf8').replace(
      'lawfulBasis: contract',
      `lawfulBasis: contract\n    onErasedSubject: ${onErasedSubject}`,
    );
    writeFileSync(file, text);
  }
  return ws;
}

async function open(ws: TestWorkspace): Promise<AppContext> {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  cleanups.push(() => ctx.close());
  return ctx;
}

/** Collects the whole source again from its start. */
async function collect(ctx: AppContext) {
  await ctx.store.db.deleteFrom('source_state').execute();
  const id = await ctx.runs.startInline('people', 'test');
  return ctx.runs.execute(id, 'test', { batchSize: 2 });
}

async function storedKeys(ctx: AppContext): Promise<string[]> {
  const rows = await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute();
  return rows.map((r) => r.natural_key).sort();
}

/** The record as it fails validation: its score is no integer. */
const invalid = (p: Person) => ({ ...p, cid: `${p.cid}-bad`, score: 'high' });

function erase(ctx: AppContext, subjectId: string) {
  return eraseSubject(
    { keys: ctx.keys(), records: ctx.store.records, audit: ctx.audit },
    ['people'],
    subjectId,
    'user:dpo',
  );
}

describe.each(TEST_DIALECTS)('erasure on %s', (dialect) => {
  it('a shredded subject is quarantined as erased_subject on later runs, which succeed and store the others', async () => {
    const ws = await workspace(dialect);
    const [kept, erased, other, newcomer] = people(4, 41) as [Person, Person, Person, Person];
    writePeople(ws.dir, [kept, erased, other, invalid(erased), invalid(other)]);
    const ctx = await open(ws);
    expect(await collect(ctx)).toMatchObject({ status: 'succeeded', stored: 3, quarantined: 2 });
    const subjectOf = (p: Person) => subjectIdOf(ctx.keys(), p.id_no);
    const gone = subjectOf(erased);
    const quarantined = await ctx.store.db
      .selectFrom('quarantine')
      .select(['subject_id', 'sealed'])
      .where('subject_id', '=', gone)
      .executeTakeFirstOrThrow();
    const indexed = () =>
      ctx.store.db.selectFrom('blind_index_entries').select('natural_key').where('hash', '=', gone).execute();
    expect(await indexed()).toHaveLength(1);

    const result = await erase(ctx, gone);
    expect(result).toMatchObject({ subjectId: gone, records: 1, quarantined: 1 });
    expect(await indexed()).toEqual([]);
    await expect(ctx.keys().decryptRecord(gone, quarantined.sealed)).rejects.toThrow(/destroyed/);

    // The same person arrives again, with a newcomer: the run succeeds and stores the others.
    writePeople(ws.dir, [kept, { ...erased, score: erased.score + 1 }, other, newcomer, invalid(erased)]);
    const again = await collect(ctx);
    expect(again).toMatchObject({
      status: 'succeeded',
      stored: 1,
      unchanged: 2,
      quarantined: 2,
      suppressed: 0,
      quarantineReasons: { erased_subject: 2 },
    });
    expect(await storedKeys(ctx)).toEqual([kept, other, newcomer].map((p) => p.cid).sort());
    // Held without any copy of the values, and no new key made for the person.
    const held = await ctx.store.db
      .selectFrom('quarantine')
      .select(['reason', 'sealed'])
      .where('subject_id', '=', gone)
      .execute();
    expect(held).toEqual([
      { reason: 'erased_subject', sealed: '' },
      { reason: 'erased_subject', sealed: '' },
    ]);
    const key = await ctx.store.db
      .selectFrom('subject_keys')
      .select('wrapped_dek')
      .where('subject_id', '=', gone)
      .executeTakeFirstOrThrow();
    expect(key.wrapped_dek).toBeNull();
    expect(await indexed()).toEqual([]);
    // The suppression entry is the keyed hash, never the identifier; the audit names ids only.
    const suppression = await ctx.store.db.selectFrom('erased_subjects').selectAll().execute();
    expect(suppression.map((s) => s.subject_id)).toEqual([gone]);
    const entries = await ctx.store.db.selectFrom('audit_entries').select('entry').execute();
    const log = entries.map((e) => e.entry).join('\n');
    expect(log).toContain('subject.erase');
    expect(log).not.toContain(erased.id_no);
  });

  it('with onErasedSubject: drop, keeps nothing of the erased person but a count', async () => {
    const ws = await workspace(dialect, 'drop');
    const [kept, erased] = people(2, 42) as [Person, Person];
    writePeople(ws.dir, [kept, erased]);
    const ctx = await open(ws);
    await erase(ctx, subjectIdOf(ctx.keys(), erased.id_no));
    const summary = await collect(ctx);
    expect(summary).toMatchObject({ status: 'succeeded', stored: 1, quarantined: 0, suppressed: 1 });
    expect(await storedKeys(ctx)).toEqual([kept.cid]);
    expect((await ctx.runs.list({ dataset: 'people' }))[0]).toMatchObject({ suppressed: 1 });
    expect(await ctx.store.db.selectFrom('quarantine').selectAll().execute()).toEqual([]);
    const key = await ctx.store.db
      .selectFrom('subject_keys')
      .select('subject_id')
      .where('subject_id', '=', subjectIdOf(ctx.keys(), erased.id_no))
      .execute();
    expect(key).toEqual([]);
  });

  it('seals a record failing validation under its subject’s key, so shredding it makes the copy unreadable', async () => {
    const ws = await workspace(dialect);
    const [person] = people(1, 43) as [Person];
    writePeople(ws.dir, [invalid(person)]);
    const ctx = await open(ws);
    expect(await collect(ctx)).toMatchObject({ quarantined: 1, quarantineReasons: { invalid: 1 } });
    const subject = subjectIdOf(ctx.keys(), person.id_no);
    const row = await ctx.store.db
      .selectFrom('quarantine')
      .select(['subject_id', 'sealed'])
      .executeTakeFirstOrThrow();
    expect(row.subject_id).toBe(subject);
    expect(await ctx.keys().decryptRecord(subject, row.sealed)).toMatchObject({ id_no: person.id_no });
    await ctx.keys().shred(subject, 'user:dpo');
    await expect(ctx.keys().decryptRecord(subject, row.sealed)).rejects.toThrow(/destroyed/);
  });

  it('`custos keys shred --identifier` reads the identifier from stdin and never prints it', async () => {
    const ws = await workspace(dialect);
    const [kept, erased] = people(2, 44) as [Person, Person];
    writePeople(ws.dir, [kept, erased]);
    const ctx = await open(ws);
    await collect(ctx);
    const gone = subjectIdOf(ctx.keys(), erased.id_no);
    const usage = await cli(['keys', 'shred', '--workspace', ws.dir], { env: MASTER_ENV });
    expect(usage.code).toBe(2);
    const result = await cli(['keys', 'shred', '--identifier', '--json', '--workspace', ws.dir], {
      env: MASTER_ENV,
      stdin: `${erased.id_no}\n`,
    });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(erased.id_no);
    expect(JSON.parse(result.stdout)).toMatchObject({ subjectId: gone, records: 1 });
    expect(await storedKeys(ctx)).toEqual([kept.cid]);
    expect(await collect(ctx)).toMatchObject({
      status: 'succeeded',
      unchanged: 1,
      quarantineReasons: { erased_subject: 1 },
    });
  });
});

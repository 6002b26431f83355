// The record store on SQLite and PostgreSQL, through its interface only: batches (insert, new
// version with history, unchanged, quarantine, checkpoint, one transaction), staged and merged
// blind-index entries, paged reads with a cursor, history, and erasure of a subject.

import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/index.js';
import type { RecordBatch, RecordStore, RecordWrite, Store } from '../../src/store/index.js';
import { createTestStore, TEST_DIALECTS } from '../support/databases.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function open(dialect: (typeof TEST_DIALECTS)[number]): Promise<Store> {
  const { store, cleanup } = await createTestStore(dialect);
  cleanups.push(cleanup);
  return store;
}

/** A protected record as the pipeline hands it over (opaque strings stand in for ciphertexts and hashes). */
function record(key: string, content: string, subject: string | null = `s_${key}`): RecordWrite {
  return {
    naturalKey: key,
    subjectId: subject,
    data: JSON.stringify({ key, content }),
    sealed: `sealed:${key}:${content}`,
    contentHash: `h:${key}:${content}`,
    indexes: [{ field: 'id_no', hash: `ix:${key}` }],
    indexHashes: JSON.stringify({ id_no: `ix:${key}`, mobile: null }),
  };
}

function batch(records: RecordWrite[], extra: Partial<RecordBatch> = {}): RecordBatch {
  return {
    dataset: 'people',
    runId: 'run-1',
    at: '2026-03-01T00:00:00.000Z',
    records,
    quarantine: [],
    checkpoint: null,
    ...extra,
  };
}

async function count(store: Store, table: 'dataset_records' | 'record_versions' | 'quarantine') {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(TEST_DIALECTS)('record store on %s', (dialect) => {
  it('marks records deleted at source after the batch’s writes, and a record back is a new version', async () => {
    const store = await open(dialect);
    await store.records.writeBatch(batch([record('a', '1'), record('b', '1')]));
    const gone = await store.records.writeBatch(
      batch([record('c', '1')], { deletions: ['a', 'c', 'missing'], at: '2026-03-02T00:00:00.000Z' }),
    );
    // Deleted after the upserts: a row inserted and deleted within the batch ends deleted too.
    expect(gone).toEqual({ stored: 1, updated: 0, unchanged: 0, deleted: 2 });
    const [a] = await store.records.readRecords('people', ['a']);
    expect(a).toMatchObject({ version: 1, deletedAt: '2026-03-02T00:00:00.000Z', fields: { content: '1' } });
    expect(Object.fromEntries(await store.records.currentVersions('people', ['a', 'b']))).toEqual({
      a: { version: 1, contentHash: 'h:a:1', isDeleted: true },
      b: { version: 1, contentHash: 'h:b:1', isDeleted: false },
    });
    // Deleting again changes nothing; the same content back is a new version, no longer deleted.
    expect((await store.records.writeBatch(batch([], { deletions: ['a'] }))).deleted).toBe(0);
    const back = await store.records.writeBatch(
      batch([record('a', '1')], { at: '2026-03-03T00:00:00.000Z' }),
    );
    expect(back).toEqual({ stored: 0, updated: 1, unchanged: 0, deleted: 0 });
    expect((await store.records.readRecords('people', ['a']))[0]).toMatchObject({
      version: 2,
      deletedAt: null,
    });
    expect((await store.records.history('people', 'a')).map((v) => v.version)).toEqual([1, 2]);
    const archived = await store.db
      .selectFrom('record_versions')
      .select('deleted_at')
      .where('natural_key', '=', 'a')
      .executeTakeFirstOrThrow();
    expect(archived.deleted_at).toBe('2026-03-02T00:00:00.000Z');
  });

  it('inserts new records, versions changed ones, skips unchanged ones, and keeps the history', async () => {
    const store = await open(dialect);
    const records: RecordStore = store.records;
    expect(await records.writeBatch(batch([record('a', '1'), record('b', '1')]))).toEqual({
      stored: 2,
      updated: 0,
      unchanged: 0,
      deleted: 0,
    });
    const second = await records.writeBatch(
      batch([record('a', '2'), record('b', '1'), record('c', '1')], {
        runId: 'run-2',
        at: '2026-03-02T00:00:00.000Z',
      }),
    );
    expect(second).toEqual({ stored: 1, updated: 1, unchanged: 1, deleted: 0 });
    const current = await records.currentVersions('people', ['a', 'b', 'c', 'missing']);
    expect(Object.fromEntries(current)).toEqual({
      a: { version: 2, contentHash: 'h:a:2', isDeleted: false },
      b: { version: 1, contentHash: 'h:b:1', isDeleted: false },
      c: { version: 1, contentHash: 'h:c:1', isDeleted: false },
    });
    expect(await records.history('people', 'a')).toEqual([
      {
        version: 1,
        fields: { key: 'a', content: '1' },
        sealed: 'sealed:a:1',
        contentHash: 'h:a:1',
        runId: 'run-1',
        collectedAt: '2026-03-01T00:00:00.000Z',
      },
      {
        version: 2,
        fields: { key: 'a', content: '2' },
        sealed: 'sealed:a:2',
        contentHash: 'h:a:2',
        runId: 'run-2',
        collectedAt: '2026-03-02T00:00:00.000Z',
      },
    ]);
    expect((await records.history('people', 'b')).map((v) => v.version)).toEqual([1]);
    expect(await records.history('people', 'missing')).toEqual([]);
    expect(await records.history('other', 'a')).toEqual([]);
  });

  it('commits records, quarantine, checkpoint and the caller’s writes together, or none of them', async () => {
    const store = await open(dialect);
    const held = {
      id: 'q_1',
      reason: 'invalid',
      detail: 'cid: required but missing',
      position: 'line 3',
      subjectId: 'quarantine:people',
      sealed: 'sealed:q',
    };
    const failing = store.records.writeBatch(
      batch([record('a', '1')], { quarantine: [held], checkpoint: '{"offset":10}' }),
      {
        inTransaction: async (trx) => {
          await trx.insertInto('settings').values({ key: 'k', value: 'v', updated_at: 'now' }).execute();
          throw new Error('audit append failed');
        },
      },
    );
    await expect(failing).rejects.toThrow('audit append failed');
    expect(await count(store, 'dataset_records')).toBe(0);
    expect(await count(store, 'quarantine')).toBe(0);
    expect(await store.records.checkpoint('people')).toBeNull();
    expect(await store.db.selectFrom('settings').select('key').execute()).toEqual([]);

    let seen: unknown;
    await store.records.writeBatch(
      batch([record('a', '1')], { quarantine: [held, held], checkpoint: '{"offset":10}' }),
      {
        inTransaction: async (trx, outcome) => {
          seen = outcome;
          await trx.insertInto('settings').values({ key: 'k', value: 'v', updated_at: 'now' }).execute();
        },
      },
    );
    expect(seen).toEqual({ stored: 1, updated: 0, unchanged: 0, deleted: 0 });
    expect(await store.records.checkpoint('people')).toBe('{"offset":10}');
    expect(await store.db.selectFrom('settings').select('key').execute()).toEqual([{ key: 'k' }]);
    // A record held back twice in a batch is one row; held back again later, its row re-opens.
    expect(await count(store, 'quarantine')).toBe(1);
    await store.db.updateTable('quarantine').set({ status: 'reprocessed' }).execute();
    await store.records.writeBatch(
      batch([], { runId: 'run-2', quarantine: [{ ...held, position: 'line 9' }], checkpoint: null }),
    );
    expect(
      await store.db.selectFrom('quarantine').select(['status', 'run_id', 'position']).execute(),
    ).toEqual([{ status: 'open', run_id: 'run-2', position: 'line 9' }]);
    expect(await store.records.checkpoint('people')).toBeNull();
  });

  it('finds records by blind-index hash, staged or merged, with the subject link added', async () => {
    const store = await open(dialect);
    await store.records.writeBatch(
      batch([record('a', '1', 's_1'), record('b', '1', 's_1'), record('c', '1', null)]),
    );
    // Staged (the run has not ended): found all the same.
    expect(await store.records.findByIndex('people', '$subject', 's_1')).toEqual(['a', 'b']);
    expect(await store.records.findByIndex('people', 'id_no', 'ix:c')).toEqual(['c']);
    expect(await store.records.mergeStagedIndexes('people')).toBe(5);
    expect(await store.records.mergeStagedIndexes('people')).toBe(0);
    expect(await store.records.findByIndex('people', '$subject', 's_1')).toEqual(['a', 'b']);
    expect(await store.records.findByIndex('people', 'id_no', 'ix:a')).toEqual(['a']);
    expect(await store.records.findByIndex('people', 'id_no', 'ix:nobody')).toEqual([]);
    expect(await store.records.findByIndex('other', 'id_no', 'ix:a')).toEqual([]);
  });

  it('reads a dataset’s current records a page at a time, in natural-key order', async () => {
    const store = await open(dialect);
    const keys = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await store.records.writeBatch(batch(keys.map((k) => record(k, '1'))));
    await store.records.writeBatch(
      batch([record('k03', '2')], { runId: 'run-2', at: '2026-03-05T00:00:00.000Z' }),
    );
    await store.records.writeBatch(batch([record('x', '1')], { dataset: 'other' }));
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    for (;;) {
      const page = await store.records.readCurrent('people', { limit: 10, ...(cursor ? { cursor } : {}) });
      sizes.push(page.records.length);
      seen.push(...page.records.map((r) => r.naturalKey));
      if (page.next === null) break;
      cursor = page.next;
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(keys);
    const first = await store.records.readCurrent('people', { limit: 4 });
    expect(first.records[3]).toEqual({
      dataset: 'people',
      naturalKey: 'k03',
      subjectId: 's_k03',
      sealingSubject: 's_k03',
      version: 2,
      fields: { key: 'k03', content: '2' },
      sealed: 'sealed:k03:2',
      contentHash: 'h:k03:2',
      runId: 'run-2',
      collectedAt: '2026-03-05T00:00:00.000Z',
      firstCollectedAt: '2026-03-01T00:00:00.000Z',
      deletedAt: null,
      // The indexes kept with its new version: the read path's hash mask needs nothing else.
      indexHashes: { id_no: 'ix:k03', mobile: null },
    });
    // A page that ends exactly at the last record says there is no next one.
    expect((await store.records.readCurrent('people', { limit: 25 })).next).toBeNull();
    expect((await store.records.readCurrent('nothing')).records).toEqual([]);
    await expect(store.records.readCurrent('people', { cursor: 'not a cursor!' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('reads current records by natural key, and names the data key of a record without a subject', async () => {
    const store = await open(dialect);
    await store.records.writeBatch(batch([record('a', '1'), record('b', '1', null), record('c', '1')]));
    const found = await store.records.readRecords('people', ['b', 'a', 'a', 'missing']);
    expect(found.map((r) => [r.naturalKey, r.subjectId, r.sealingSubject]).sort()).toEqual([
      ['a', 's_a', 's_a'],
      ['b', null, 'dataset:people'],
    ]);
    expect(await store.records.readRecords('people', [])).toEqual([]);
  });

  it('erases a subject: its records with their history and index entries, its links and quarantine', async () => {
    const store = await open(dialect);
    const held = (id: string, subjectId: string) => ({
      id,
      reason: 'no_consent',
      detail: 'no consent',
      position: null,
      subjectId,
      sealed: 'sealed',
    });
    await store.records.writeBatch(
      batch(
        [
          record('a', '1', 's_1'),
          record('b', '1', 's_1'),
          record('c', '1', 's_2'),
          record('moved', '1', 's_1'),
        ],
        {
          quarantine: [held('q_1', 's_1'), held('q_2', 's_2')],
        },
      ),
    );
    await store.records.mergeStagedIndexes('people');
    // A second run: a new version of a (history) and `moved` now belongs to s_2; its entries stay staged.
    await store.records.writeBatch(
      batch([record('a', '2', 's_1'), record('moved', '2', 's_2')], { runId: 'run-2' }),
    );
    await store.records.writeBatch(batch([record('a', '1', 's_1')], { dataset: 'other' }));

    const erased = await store.records.deleteSubject('people', 's_1');
    // Index entries: a, b (link + id_no, merged), a again (staged), the links of `moved` to s_1.
    expect(erased).toEqual({ records: 2, versions: 1, indexEntries: 7, quarantined: 1 });
    expect((await store.records.readCurrent('people')).records.map((r) => r.naturalKey)).toEqual([
      'c',
      'moved',
    ]);
    expect(await store.records.history('people', 'a')).toEqual([]);
    expect(await store.records.findByIndex('people', '$subject', 's_1')).toEqual([]);
    expect(await store.records.findByIndex('people', 'id_no', 'ix:a')).toEqual([]);
    expect(await store.records.findByIndex('people', 'id_no', 'ix:b')).toEqual([]);
    // What is not the subject's stays: another subject's record, a record that moved to it, another dataset.
    expect(await store.records.findByIndex('people', '$subject', 's_2')).toEqual(['c', 'moved']);
    expect(await store.records.findByIndex('people', 'id_no', 'ix:moved')).toEqual(['moved']);
    expect((await store.records.history('people', 'moved')).map((v) => v.version)).toEqual([1, 2]);
    expect(await store.records.findByIndex('other', '$subject', 's_1')).toEqual(['a']);
    expect(await store.db.selectFrom('quarantine').select('id').execute()).toEqual([{ id: 'q_2' }]);
    expect(await store.records.deleteSubject('people', 's_1')).toEqual({
      records: 0,
      versions: 0,
      indexEntries: 0,
      quarantined: 0,
    });
  });
});

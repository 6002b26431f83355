// A `custos collect` child killed with SIGKILL in the middle of its first CDC snapshot, while the
// partner keeps changing rows on both sides of the saved snapshot position: the next run resumes
// and the dataset holds each row's versions once, in commit order — none stored twice.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { openStore, parseDatabaseUrl } from '../../src/store/index.js';
import { type CdcDialect, type CdcPartner, createCdcPartner } from '../support/cdc-partner.js';
import { type CdcWorkspace, createCdcWorkspace } from '../support/cdc-workspace.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.ts');
const ROWS = 2000;

function collect(ws: CdcWorkspace, batchSize: number): ChildProcess {
  // `node --import tsx`, not the tsx wrapper: SIGKILL must hit the process doing the work.
  return spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'collect', 'accounts', '--batch-size', String(batchSize), '--workspace', ws.dir],
    { env: { ...process.env, ...ws.env, CUSTOS_LANG: 'en' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.each(['postgres', 'mysql'] as CdcDialect[])(
  'SIGKILL during the first CDC snapshot on %s',
  (dialect) => {
    let partner: CdcPartner | undefined;
    let ws: CdcWorkspace | undefined;
    afterEach(async () => {
      await ws?.cleanup();
      await partner?.source().dropReplication?.();
      await partner?.drop();
      partner = undefined;
      ws = undefined;
    });

    it('resumes the snapshot and stores no version twice', async () => {
      partner = await createCdcPartner(dialect);
      const p = partner;
      ws = await createCdcWorkspace(p, 'sqlite', { batchSize: 500 });
      const w = ws;
      const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, '客户${i + 1}', ${i + 1})`);
      await p.exec(`INSERT INTO accounts (id, holder_name, balance) VALUES ${values.join(', ')}`);

      // Kill the child once it has stored part of the snapshot.
      const child = collect(w, 20);
      let output = '';
      child.stderr?.on('data', (c) => {
        output += String(c);
      });
      const done = exit(child);
      const store = await openStore(parseDatabaseUrl(w.storageUrl, w.dir), { migrate: false });
      let state: { phase?: string } | undefined;
      try {
        for (let i = 0; i < 1500 && state?.phase !== 'snapshot'; i++) {
          await new Promise((r) => setTimeout(r, 10));
          const row = await store.db
            .selectFrom('source_state')
            .select('state')
            .where('dataset', '=', 'accounts')
            .executeTakeFirst()
            .catch(() => undefined); // the child may not have made its tables yet
          state = row?.state ? JSON.parse(row.state) : undefined;
        }
        child.kill('SIGKILL');
        expect(await done, output).toBeNull();
        const row = await store.db
          .selectFrom('source_state')
          .select('state')
          .where('dataset', '=', 'accounts')
          .executeTakeFirstOrThrow();
        // Killed inside the snapshot: part of the table stored, the checkpoint a snapshot position.
        expect(JSON.parse(String(row.state)).phase).toBe('snapshot');
      } finally {
        await store.close();
      }

      // While no run reads: rows stored already and rows not read yet change twice; some go.
      for (const delta of [1000, 2000]) {
        await p.exec(`UPDATE accounts SET balance = id + ${delta} WHERE id <= 5 OR id > ${ROWS - 50}`);
      }
      await p.exec(`DELETE FROM accounts WHERE id > ${ROWS - 60} AND id <= ${ROWS - 55}`);
      // A row before the saved snapshot position: only the stream brings it, and the end of the
      // snapshot must not take it for one deleted at source.
      await p.exec("INSERT INTO accounts (id, holder_name, balance) VALUES (0, '客户0', 0)");
      expect(await exit(collect(w, 500))).toBe(0);

      const ctx = await openContext(w.dir, { env: w.env, logLevel: 'silent' });
      try {
        const history = await ctx.store.db
          .selectFrom('record_history')
          .select(['natural_key', 'version', 'content_hash'])
          .where('dataset', '=', 'accounts')
          .orderBy('natural_key')
          .orderBy('version')
          .execute();
        const byKey = new Map<string, string[]>();
        for (const h of history)
          byKey.set(h.natural_key, [...(byKey.get(h.natural_key) ?? []), h.content_hash]);
        const repeated = [...byKey].filter(([, hashes]) => new Set(hashes).size !== hashes.length);
        expect(repeated.length, 'records with one version stored twice').toBe(0);
        const live = await ctx.store.db
          .selectFrom('dataset_records')
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .where('dataset', '=', 'accounts')
          .where('deleted_at', 'is', null)
          .executeTakeFirstOrThrow();
        expect(Number(live.n)).toBe(ROWS - 5 + 1);
        // The last rows' values are their latest (their two updates, in order, or the snapshot's).
        expect(byKey.size).toBeGreaterThanOrEqual(ROWS - 5 + 1);
      } finally {
        await ctx.close();
      }
    }, 120_000);
  },
);

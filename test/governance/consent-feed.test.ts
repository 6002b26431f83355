// A partner's consent feed collected like any other source (a dataset of kind `consent`) into the
// ledger, on SQLite and PostgreSQL; and `custos consent grant|withdraw|show|import` (CLI in
// process), whose import reports a bad line by number and field, never its values.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
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

const FEED = `
  - name: partner_consents
    kind: consent
    source: consent-file
    stream: consents
    naturalKey: [evidence, purpose, action]
    subjectFields: [identifier]
    purposes: [credit_assessment]
    lawfulBasis: consent
    retention: 5y
    fields:
      identifier: { type: string, required: true, from: sfzh, category: C2, isSensitive: true }
      purpose: { type: string, required: true, from: yt }
      action: { type: string, required: true, from: zt }
      at: { type: datetime, required: true, from: sj }
      evidence: { type: string, required: true, from: bh }
      separate: { type: boolean, from: dd }
`;

async function feedWorkspace(
  dialect: (typeof TEST_DIALECTS)[number],
  onWithdrawal: 'keep' | 'erase' = 'keep',
): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect);
  cleanups.push(() => ws.cleanup());
  appendFileSync(path.join(ws.dir, 'datasets.yaml'), FEED);
  appendFileSync(
    path.join(ws.dir, 'sources.yaml'),
    '  - name: consent-file\n    type: file\n    vendor: data-co\n    path: inbox/consents.ndjson\n    stream: consents\n',
  );
  appendFileSync(path.join(ws.dir, 'purposes.yaml'), '  - name: marketing\n    title: 营销\n');
  appendFileSync(path.join(ws.dir, 'custos.yaml'), `\nconsent:\n  onWithdrawal: ${onWithdrawal}\n`);
  return ws;
}

function writeFeed(dir: string, rows: unknown[]): void {
  writeFileSync(
    path.join(dir, 'inbox', 'consents.ndjson'),
    `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`,
  );
}

async function open(ws: TestWorkspace): Promise<AppContext> {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  cleanups.push(() => ctx.close());
  return ctx;
}

const run = async (ctx: AppContext, dataset: string) =>
  ctx.runs.execute(await ctx.runs.startInline(dataset, 'test', { full: true }), 'test');

describe.each(TEST_DIALECTS)('a consent feed on %s', (dialect) => {
  it('records the feed in the ledger, holds bad lines as invalid_consent, and erases on withdrawal', async () => {
    const ws = await feedWorkspace(dialect, 'erase');
    const [a, b, c, d] = people(4, 81) as [Person, Person, Person, Person];
    writePeople(ws.dir, [a, b, c, d]);
    const line = (p: Person, extra: Record<string, unknown> = {}) => ({
      sfzh: p.id_no,
      yt: 'credit_assessment',
      zt: 'granted',
      sj: '2026-02-01 10:00:00',
      bh: `P-${p.cid}`,
      dd: true,
      ...extra,
    });
    writeFeed(ws.dir, [
      line(a),
      line(b),
      line(c, { yt: 'marketing' }),
      line(d, { zt: 'maybe' }),
      line(d, { sj: 'not a time' }),
    ]);
    const ctx = await open(ws);
    const feed = await run(ctx, 'partner_consents');
    expect(feed).toMatchObject({
      status: 'succeeded',
      read: 5,
      stored: 2,
      quarantineReasons: { invalid_consent: 2, invalid: 1 },
    });
    const held = await ctx.store.db
      .selectFrom('quarantine')
      .select('detail')
      .where('dataset', '=', 'partner_consents')
      .orderBy('detail')
      .execute();
    expect(held.map((h) => h.detail)).toEqual([
      'action: must be granted or withdrawn',
      'at: not a valid datetime',
      'purpose: not a purpose of this dataset',
    ]);
    // Nothing of the feed is stored as records; the ledger has the two grants with their evidence.
    expect(await ctx.store.db.selectFrom('dataset_records').selectAll().execute()).toEqual([]);
    const shown = await ctx.consents.ofSubject(ctx.consents.subjectOf(a.id_no));
    expect(shown.consents).toEqual([
      expect.objectContaining({
        purpose: 'credit_assessment',
        status: 'granted',
        separate: true,
        channel: 'dataset:partner_consents',
        evidence: `P-${a.cid}`,
        grantedAt: '2026-02-01T10:00:00.000Z',
      }),
    ]);
    // The people dataset admits the two who consented.
    expect(await run(ctx, 'people')).toMatchObject({ stored: 2, quarantineReasons: { no_consent: 2 } });

    // A later withdrawal in the feed: a's last consent goes, so a is erased (onWithdrawal: erase).
    writeFeed(ws.dir, [
      line(a),
      line(b),
      line(a, { zt: 'withdrawn', sj: '2026-03-01T00:00:00Z', bh: 'W-1' }),
    ]);
    expect(await run(ctx, 'partner_consents')).toMatchObject({ status: 'succeeded', stored: 1 });
    const erased = await ctx.store.db.selectFrom('erased_subjects').select('subject_id').execute();
    expect(erased.map((e) => e.subject_id)).toEqual([ctx.consents.subjectOf(a.id_no)]);
    const stored = await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute();
    expect(stored.map((r) => r.natural_key)).toEqual([b.cid]);
  });
});

describe('custos consent', () => {
  it('grants, withdraws and shows with the identifier on stdin, never echoing it', async () => {
    const ws = await feedWorkspace('sqlite');
    const w = ['--workspace', ws.dir];
    const env = MASTER_ENV;
    const [person] = people(1, 82) as [Person];
    const grant = await cli(
      [
        'consent',
        'grant',
        '--purposes',
        'credit_assessment,marketing',
        '--evidence',
        'PAPER-7',
        '--separate',
        ...w,
      ],
      { env, stdin: `${person.id_no}\n` },
    );
    expect(grant.code, grant.stderr).toBe(0);
    expect(grant.stdout).toMatch(/Recorded consent of subject s_\w+ to credit_assessment, marketing/);
    const withdraw = await cli(['consent', 'withdraw', '--purposes', 'marketing', '--json', ...w], {
      env,
      stdin: `${person.id_no}\n`,
    });
    expect(JSON.parse(withdraw.stdout)).toMatchObject({ action: 'withdrawn', purposes: ['marketing'] });
    const show = await cli(['consent', 'show', '--json', ...w], { env, stdin: `${person.id_no}\n` });
    const shown = JSON.parse(show.stdout);
    expect(shown.consents.map((c: { purpose: string; status: string }) => [c.purpose, c.status])).toEqual([
      ['credit_assessment', 'granted'],
      ['marketing', 'withdrawn'],
    ]);
    for (const r of [grant, withdraw, show]) expect(r.stdout + r.stderr).not.toContain(person.id_no);
    const bad = await cli(['consent', 'grant', '--purposes', 'nope', '--evidence', 'E', ...w], {
      env,
      stdin: `${person.id_no}\n`,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('purposes[0]');
  });

  it('imports CSV and NDJSON, naming each bad line and field, recording nothing unless --skip-invalid', async () => {
    const ws = await feedWorkspace('sqlite');
    const w = ['--workspace', ws.dir];
    const env = MASTER_ENV;
    const rows = people(4, 83);
    const csv = path.join(ws.dir, 'consents.csv');
    writeFileSync(
      csv,
      [
        'identifier,purposes,separate,evidence,action,notice_version',
        `${rows[0]!.id_no},credit_assessment;marketing,yes,C-1,,`,
        `${rows[1]!.id_no},credit_assessment,true,C-2,granted,`,
        `${rows[2]!.id_no},${rows[2]!.id_no},true,C-3,granted,`,
        `${rows[3]!.id_no},credit_assessment,perhaps,C-4,granted,`,
        `,credit_assessment,true,C-5,granted,`,
      ].join('\n'),
    );
    const refused = await cli(['consent', 'import', csv, ...w], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('consents.csv line 4, field purposes[0]');
    expect(refused.stderr).toContain('consents.csv line 5, field separate');
    expect(refused.stderr).toContain('consents.csv line 6, field identifier');
    for (const p of rows) expect(refused.stdout + refused.stderr).not.toContain(p.id_no);
    const ctx = await open(ws);
    expect(await ctx.store.db.selectFrom('consent_events').selectAll().execute()).toEqual([]);

    const skipped = await cli(['consent', 'import', csv, '--skip-invalid', '--json', ...w], { env });
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ lines: 2, invalid: 3 });
    expect((await ctx.consents.ofSubject(ctx.consents.subjectOf(rows[0]!.id_no))).consents).toHaveLength(2);

    const ndjson = path.join(ws.dir, 'withdrawals.ndjson');
    writeFileSync(
      ndjson,
      `${JSON.stringify({ identifier: rows[0]!.id_no, action: 'withdrawn', purposes: ['marketing'] })}\n{oops\n`,
    );
    const partial = await cli(['consent', 'import', ndjson, ...w], { env });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('withdrawals.ndjson line 2, field -: not a JSON object');
    writeFileSync(ndjson, readFileSync(ndjson, 'utf8').split('\n')[0]!);
    const ok = await cli(['consent', 'import', ndjson, ...w], { env });
    expect(ok.code, ok.stderr).toBe(0);
    const after = await ctx.consents.ofSubject(ctx.consents.subjectOf(rows[0]!.id_no));
    expect(after.consents.find((c) => c.purpose === 'marketing')).toMatchObject({ status: 'withdrawn' });
    const log = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute()).map(
      (e) => e.entry,
    );
    expect(log.join('\n')).toContain('consent.import');
    for (const p of rows) expect(log.join('\n')).not.toContain(p.id_no);
  });
});

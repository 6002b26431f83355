// The governed read path end to end on SQLite and PostgreSQL: records collected by the pipeline,
// read through policy, grants, masks, row filters and consent, found through the blind index,
// exported, verified — with every read audited and no value in the audit log or the logs.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { Pseudonymiser, subjectIdOf } from '../../src/governance/index.js';
import { createAccessWorkspace } from '../support/access-workspace.js';
import { cli } from '../support/cli.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { MASTER_ENV, type Person, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe.each(TEST_DIALECTS)('governed reads (%s)', (dialect) => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  let app: Awaited<ReturnType<typeof buildServer>>['app'];
  const logs: string[] = [];
  const tokens: Record<string, string> = {};
  const rows: Person[] = people(30, 17);

  beforeAll(async () => {
    ws = await createAccessWorkspace(dialect);
    writePeople(ws.dir, rows);
    const sink = new Writable({
      write(chunk, _e, done) {
        logs.push(String(chunk));
        done();
      },
    });
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'info', logDestination: sink });
    const keys = ctx.keys();
    await ctx.store.db
      .insertInto('consents')
      .values(
        rows.flatMap((p) =>
          ['credit_assessment', 'customer_service'].map((purpose) => ({
            subject_id: subjectIdOf(keys, p.id_no),
            purpose,
            sensitive: 1,
            granted_at: new Date().toISOString(),
            withdrawn_at: null,
          })),
        ),
      )
      .execute();
    for (const dataset of ['people', 'watchlist']) {
      const id = await ctx.runs.startInline(dataset, 'test');
      const summary = await ctx.runs.execute(id, 'test', { batchSize: 7 });
      expect(summary.status).toBe('succeeded');
    }
    app = (await buildServer(ctx)).app;
    for (const [username, role] of [
      ['ana', 'analyst'],
      ['olga', 'compliance_officer'],
      ['dan', 'data_engineer'],
      ['mallory', 'analyst'],
      ['audrey', 'auditor'],
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
  const get = (user: string, url: string) => app.inject({ method: 'GET', url, headers: as(user) });
  const grantTo = async (user: string, datasets = ['people'], extra: Record<string, unknown> = {}) => {
    const request = await ctx.accessRequests.request(
      { username: user, role: 'analyst' },
      {
        datasets,
        purpose: 'credit_assessment',
        durationDays: 5,
        justification: 'needed for the credit review',
        ...extra,
      },
    );
    return (await ctx.accessRequests.approve(request.id, { username: 'olga', role: 'compliance_officer' }))
      .grant!;
  };
  const code = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;

  it('refuses with a code that says why, and never lets a response be cached', async () => {
    const noGrant = await get('ana', '/api/v1/datasets/people/records?purpose=credit_assessment');
    expect(noGrant.statusCode).toBe(403);
    expect(code(noGrant)).toBe('approval_required');
    expect(noGrant.headers['cache-control']).toBe('no-store');
    expect(code(await get('ana', '/api/v1/datasets/people/records?purpose=marketing'))).toBe(
      'purpose_not_allowed',
    );
    expect(code(await get('audrey', '/api/v1/datasets/people/records?purpose=credit_assessment'))).toBe(
      'no_policy',
    );
    expect((await get('ana', '/api/v1/datasets/nope/records?purpose=credit_assessment')).statusCode).toBe(
      404,
    );
  });

  it('reads through a grant: clear up to the clear level, masked above, paged with sealed cursors', async () => {
    await grantTo('ana');
    const seen = new Map<string, Record<string, unknown>>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(
        'ana',
        `/api/v1/datasets/people/records?purpose=credit_assessment&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json() as {
        items: Array<{ key: string; fields: Record<string, unknown> }>;
        nextCursor: string | null;
      };
      for (const item of body.items) seen.set(item.key, item.fields);
      cursor = body.nextCursor;
      if (cursor) expect(cursor).not.toMatch(/C00000/);
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen.size).toBe(30);
    const first = rows[0]!;
    const fields = seen.get(first.cid)!;
    expect(fields.city).toBe(first.city);
    expect(fields.id_no).toBe(`${first.id_no.slice(0, 3)}${'*'.repeat(11)}${first.id_no.slice(-4)}`);
    expect(fields.name).toMatch(new RegExp(`^${first.name[0]}\\*+$`));
    expect(fields.mobile).toMatch(/^p_[0-9a-f]{24}$/);
    expect(fields.score).toBe(first.score); // not personal: level 1, clear
    // A cursor from another dataset (or edited) is refused.
    expect(
      (await get('ana', '/api/v1/datasets/people/records?purpose=credit_assessment&cursor=AAAA')).statusCode,
    ).toBe(400);
  });

  it('a deny item beats the allow item: mallory never sees sensitive fields', async () => {
    await grantTo('mallory');
    const res = await get('mallory', '/api/v1/datasets/people/records?purpose=credit_assessment&limit=5');
    const item = (res.json() as { items: Array<{ fields: Record<string, unknown> }> }).items[0]!;
    expect(item.fields).not.toHaveProperty('id_no');
    expect(item.fields).toHaveProperty('city');
    expect(
      code(await get('mallory', '/api/v1/datasets/people/records?purpose=credit_assessment&fields=id_no')),
    ).toBe('no_policy');
  });

  it('applies row filters and leaves out subjects whose consent was withdrawn, counting both', async () => {
    const shenzhen = rows.filter((p) => p.city === '深圳');
    const url = '/api/v1/datasets/people/records?purpose=customer_service&limit=1000';
    const before = (await get('dan', url)).json() as {
      items: Array<{ key: string; fields: Record<string, unknown> }>;
      withheld: { noConsent: number; filtered: number };
    };
    expect(before.items.map((i) => i.key).sort()).toEqual(shenzhen.map((p) => p.cid).sort());
    expect(before.withheld.filtered).toBe(30 - shenzhen.length);
    // clear level 3 under this policy: the ID number is shown.
    expect(before.items[0]!.fields.id_no).toMatch(/^\d{17}[\dX]$/);

    const leaving = shenzhen[0]!;
    await ctx.store.db
      .updateTable('consents')
      .set({ withdrawn_at: new Date().toISOString() })
      .where('subject_id', '=', subjectIdOf(ctx.keys(), leaving.id_no))
      .where('purpose', '=', 'customer_service')
      .execute();
    const after = (await get('dan', url)).json() as typeof before;
    expect(after.items.map((i) => i.key)).not.toContain(leaving.cid);
    expect(after.withheld.noConsent).toBe(1);
    // A caller's filter may only use fields seen in clear and stored in clear.
    const byCity = await get(
      'dan',
      `${url}&filter=${encodeURIComponent(JSON.stringify({ field: 'score', gte: 600 }))}`,
    );
    expect(byCity.statusCode).toBe(200);
    const bySealed = await get(
      'dan',
      `${url}&filter=${encodeURIComponent(JSON.stringify({ field: 'id_no', eq: 'x' }))}`,
    );
    expect(bySealed.statusCode).toBe(400);
  });

  it('finds a person through the blind index, naming datasets it may not read', async () => {
    const person = rows[3]!;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/subjects/lookup',
      headers: as('ana'),
      payload: { identifier: person.id_no.toLowerCase(), purpose: 'credit_assessment' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      matches: Array<{ dataset: string; items: Array<{ key: string }> }>;
      skipped: Array<{ dataset: string; code: string }>;
    };
    expect(body.matches).toEqual([
      expect.objectContaining({ dataset: 'people', items: [expect.objectContaining({ key: person.cid })] }),
    ]);
    expect(body.skipped).toEqual([{ dataset: 'watchlist', code: 'approval_required' }]);
    expect(res.headers['cache-control']).toBe('no-store');
    // By mobile too; nobody unknown.
    const byMobile = await app.inject({
      method: 'POST',
      url: '/api/v1/subjects/lookup',
      headers: as('ana'),
      payload: { identifier: person.mobile, purpose: 'credit_assessment' },
    });
    expect((byMobile.json() as typeof body).matches[0]?.items[0]?.key).toBe(person.cid);
    const nobody = await app.inject({
      method: 'POST',
      url: '/api/v1/subjects/lookup',
      headers: as('ana'),
      payload: { identifier: '11010519491231002X', purpose: 'credit_assessment' },
    });
    expect((nobody.json() as typeof body).matches).toEqual([]);
  });

  it('gets one record by key, and 404 for an unknown one', async () => {
    const res = await get(
      'ana',
      `/api/v1/datasets/people/records/${rows[5]!.cid}?purpose=credit_assessment&fields=cid,city`,
    );
    expect(res.json()).toMatchObject({
      key: rows[5]!.cid,
      fields: { cid: rows[5]!.cid, city: rows[5]!.city },
    });
    expect(Object.keys((res.json() as { fields: object }).fields)).toEqual(['cid', 'city']);
    // The key is shown as it is whenever the reader may see it, even when not asked for.
    const narrow = await get(
      'ana',
      '/api/v1/datasets/people/records?purpose=credit_assessment&fields=city&limit=1',
    );
    expect((narrow.json() as { items: Array<{ key: string }> }).items[0]!.key).toMatch(/^C\d{7}$/);
    expect(
      (await get('ana', '/api/v1/datasets/people/records/C7777777?purpose=credit_assessment')).statusCode,
    ).toBe(404);
  });

  it('exports NDJSON, CSV and XLSX with an export id in the audit log', async () => {
    const nd = await get('ana', '/api/v1/datasets/people/export?purpose=credit_assessment&format=ndjson');
    expect(nd.statusCode).toBe(200);
    const id = String(nd.headers['x-custos-export-id']);
    expect(id).toMatch(/^exp_/);
    const lines = nd.body.trim().split('\n');
    expect(lines).toHaveLength(30);
    expect(JSON.parse(lines[0]!)).toHaveProperty('fields.id_no');
    const csv = await get(
      'ana',
      '/api/v1/datasets/people/export?purpose=credit_assessment&format=csv&fields=cid,city',
    );
    expect(csv.body.replace(/^\ufeff/, '').split('\r\n')[0]).toBe(
      'key,version,collectedAt,deletedAtSource,cid,city',
    );
    const xlsx = await get('ana', '/api/v1/datasets/people/export?purpose=credit_assessment&format=xlsx');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    expect(code(await get('audrey', '/api/v1/datasets/people/export?purpose=credit_assessment'))).toBe(
      'no_policy',
    );
    const entries = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute()).map(
      (e) => JSON.parse(e.entry) as { action: string; details?: Record<string, unknown> },
    );
    const done = entries.find((e) => e.action === 'records.export' && e.details?.export === id);
    expect(done?.details).toMatchObject({ status: 'completed', count: 30 });
  });

  it('reports a damaged record by key instead of failing the read, and records verify names it', async () => {
    const victim = rows[7]!.cid;
    const row = await ctx.store.db
      .selectFrom('dataset_records')
      .select('sealed')
      .where('dataset', '=', 'people')
      .where('natural_key', '=', victim)
      .executeTakeFirstOrThrow();
    const bytes = Buffer.from(row.sealed!, 'base64');
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 1;
    await ctx.store.db
      .updateTable('dataset_records')
      .set({ sealed: bytes.toString('base64') })
      .where('dataset', '=', 'people')
      .where('natural_key', '=', victim)
      .execute();
    const res = await get('ana', '/api/v1/datasets/people/records?purpose=credit_assessment&limit=1000');
    const body = res.json() as { items: Array<{ key: string }>; damaged: string[] };
    expect(res.statusCode).toBe(200);
    expect(body.damaged).toEqual([victim]);
    expect(body.items).toHaveLength(29);
    const verified = await cli(['--workspace', ws.dir, '--json', 'records', 'verify', 'people'], {
      env: MASTER_ENV,
    });
    expect(verified.code).toBe(1);
    expect(JSON.parse(verified.stdout)).toMatchObject({ checked: 30, damaged: [victim] });
  });

  it('hash-masks from the blind index kept with the record, without decrypting it', async () => {
    // rows[7]'s ciphertext was altered above: any read that opens it reports it as damaged.
    const victim = rows[7]!;
    const keys = ctx.keys();
    const pseudonym = (mobile: string) =>
      new Pseudonymiser(keys.suite, keys.blindIndexKey()).fromValue('phone', mobile);
    const hashed = await get(
      'ana',
      '/api/v1/datasets/people/records?purpose=credit_assessment&fields=cid,mobile&limit=1000',
    );
    const body = hashed.json() as {
      items: Array<{ key: string; fields: { mobile: string } }>;
      damaged: string[];
    };
    expect(body.damaged).toEqual([]);
    expect(body.items).toHaveLength(30);
    const byKey = new Map(body.items.map((i) => [i.key, i.fields.mobile]));
    expect(byKey.get(victim.cid)).toBe(pseudonym(victim.mobile));
    // A record stored before its indexes were kept beside it is opened: the same pseudonym.
    const older = rows[8]!;
    await ctx.store.db
      .updateTable('dataset_records')
      .set({ index_hashes: null })
      .where('dataset', '=', 'people')
      .where('natural_key', '=', older.cid)
      .execute();
    const opened = await get(
      'ana',
      `/api/v1/datasets/people/records/${older.cid}?purpose=credit_assessment&fields=cid,mobile`,
    );
    expect(opened.json()).toMatchObject({ fields: { mobile: pseudonym(older.mobile) } });
    expect(byKey.get(older.cid)).toBe(pseudonym(older.mobile));
    // A mask computed from the value (name) needs the clear value: the victim is damaged again.
    const named = await get(
      'ana',
      '/api/v1/datasets/people/records?purpose=credit_assessment&fields=cid,name,mobile&limit=1000',
    );
    expect((named.json() as { damaged: string[] }).damaged).toEqual([victim.cid]);
  });

  it('flags records deleted at source, and leaves them out when asked (reads and exports)', async () => {
    const gone = rows[9]!.cid;
    const at = '2026-03-01T08:00:00.000Z';
    // What change data capture stores for a row deleted at source (0008_record_deletion).
    await ctx.store.db
      .updateTable('dataset_records')
      .set({ deleted_at: at })
      .where('dataset', '=', 'people')
      .where('natural_key', '=', gone)
      .execute();
    const url = '/api/v1/datasets/people/records?purpose=credit_assessment&fields=cid,city&limit=1000';
    type Page = {
      items: Array<{ key: string; deletedAtSource?: string }>;
      withheld: { deletedAtSource: number };
    };
    const all = (await get('ana', url)).json() as Page;
    expect(all.items.find((i) => i.key === gone)?.deletedAtSource).toBe(at);
    expect(all.items.filter((i) => i.deletedAtSource !== undefined)).toHaveLength(1);
    expect(all.withheld.deletedAtSource).toBe(0);
    const current = (await get('ana', `${url}&includeDeleted=false`)).json() as Page;
    expect(current.items.map((i) => i.key)).not.toContain(gone);
    expect(current.items).toHaveLength(all.items.length - 1);
    expect(current.withheld.deletedAtSource).toBe(1);
    expect(
      (
        await get('ana', `/api/v1/datasets/people/records/${gone}?purpose=credit_assessment&fields=cid`)
      ).json(),
    ).toMatchObject({ key: gone, deletedAtSource: at });

    const nd = await get('ana', '/api/v1/datasets/people/export?purpose=credit_assessment&fields=cid,city');
    const lines = nd.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; deletedAtSource?: string });
    expect(lines.find((l) => l.key === gone)?.deletedAtSource).toBe(at);
    const ndCurrent = await get(
      'ana',
      '/api/v1/datasets/people/export?purpose=credit_assessment&fields=cid,city&includeDeleted=false',
    );
    expect(ndCurrent.body.trim().split('\n')).toHaveLength(lines.length - 1);
    expect(ndCurrent.body).not.toContain(gone);
    const csv = await get(
      'ana',
      '/api/v1/datasets/people/export?purpose=credit_assessment&format=csv&fields=cid,city',
    );
    const csvLine = csv.body.split('\r\n').find((l) => l.startsWith(`${gone},`));
    expect(csvLine?.split(',')[3]).toBe(at);
  });

  it('reads from the command line as the owner of CUSTOS_TOKEN: list, get, find (stdin), export', async () => {
    const env = { ...MASTER_ENV, CUSTOS_TOKEN: tokens.ana! };
    const run = (args: string[], stdin?: string) =>
      cli(['--workspace', ws.dir, ...args], { env, ...(stdin === undefined ? {} : { stdin }) });
    const listed = await run([
      '--json',
      'records',
      'list',
      'people',
      '--purpose',
      'credit_assessment',
      '--limit',
      '5',
    ]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items).toHaveLength(5);
    const one = await run([
      '--json',
      'records',
      'get',
      'people',
      rows[2]!.cid,
      '--purpose',
      'credit_assessment',
    ]);
    expect(JSON.parse(one.stdout)).toMatchObject({ key: rows[2]!.cid });
    const found = await run(
      ['--json', 'records', 'find', '--purpose', 'credit_assessment'],
      `${rows[2]!.id_no}\n`,
    );
    expect(JSON.parse(found.stdout).matches[0].items[0].key).toBe(rows[2]!.cid);
    const out = path.join(ws.dir, 'out.csv');
    const exported = await run([
      'records',
      'export',
      'people',
      '--purpose',
      'credit_assessment',
      '--out',
      out,
    ]);
    expect(exported.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\r\n').length).toBeGreaterThan(20);
    const refused = await cli(
      ['--workspace', ws.dir, 'records', 'list', 'people', '--purpose', 'credit_assessment'],
      {
        env: { ...MASTER_ENV, CUSTOS_TOKEN: tokens.audrey! },
      },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no_policy|no policy/);
  });

  it('audits every read by ids and counts, and no value reaches the audit log or the logs', async () => {
    const entries = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute()).map(
      (e) => e.entry,
    );
    const reads = entries
      .map((e) => JSON.parse(e) as { action: string; purpose?: string; details?: Record<string, unknown> })
      .filter((e) => e.action === 'records.read');
    expect(reads.length).toBeGreaterThan(3);
    expect(reads[0]).toMatchObject({
      purpose: expect.any(String),
      details: { count: expect.any(Number), fields: expect.any(Array) },
    });
    expect(entries.some((e) => e.includes('"subjects.lookup"'))).toBe(true);
    // Each read names the level of the most sensitive field it read (the out-of-hours rule) and
    // the client address of the request it served.
    const parsed = entries.map((e) => JSON.parse(e) as { action: string; details?: Record<string, unknown> });
    const apiRead = parsed.find((e) => e.action === 'records.read' && e.details?.clientAddress !== undefined);
    expect(apiRead?.details).toMatchObject({ maxLevel: expect.any(Number), clientAddress: '127.0.0.1' });
    // Refused reads are audited with their code (the refusal-burst rule counts them).
    const refusals = parsed.filter((e) => e.action === 'access.refused').map((e) => e.details?.code);
    expect(refusals).toEqual(
      expect.arrayContaining(['approval_required', 'purpose_not_allowed', 'no_policy']),
    );
    const text = `${entries.join('\n')}\n${logs.join('')}`;
    for (const p of rows) {
      for (const value of [p.id_no, p.id_no.toLowerCase(), p.mobile, p.name])
        expect(text).not.toContain(value);
    }
  });
});

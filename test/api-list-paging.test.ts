// Users, tokens and sources page on the server like runs and quarantine: `search` and filters,
// `sort` (`-` descending), `limit` from `offset`, and `total` counting every match — on SQLite and
// PostgreSQL alike.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';

for (const dialect of TEST_DIALECTS) {
  describe(`list paging (${dialect})`, () => {
    let server: TestServer;
    const get = async (url: string, role: 'admin' | 'analyst' | 'data_engineer' = 'admin') => {
      const answer = await server.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${server.tokens[role]}` },
      });
      return {
        status: answer.statusCode,
        body: answer.json() as Record<string, unknown> & { total: number },
      };
    };

    beforeAll(async () => {
      server = await startTestServer(dialect, { fromDemo: true });
      // 12 more users: "member_00".."member_11", every third disabled, display names with % and _.
      for (let i = 0; i < 12; i++) {
        const username = `member_${String(i).padStart(2, '0')}`;
        await server.ctx.users.create(
          {
            username,
            role: i % 2 === 0 ? 'analyst' : 'auditor',
            password: 'member password 123',
            displayName: i === 5 ? 'Wang 100% _Five_' : `Member ${i}`,
          },
          'test',
        );
        if (i % 3 === 0) await server.ctx.users.setDisabled(username, true, 'test');
      }
      for (const name of ['alpha job', 'beta job', 'Gamma report']) {
        await server.ctx.tokens.create('u_analyst', name, 3_600_000, 'test');
      }
      const revoked = await server.ctx.tokens.create('u_analyst', 'old job', 3_600_000, 'test');
      await server.ctx.tokens.revoke(revoked.info.id, 'cli', 'test');
    }, 60_000);
    afterAll(async () => server?.close());

    it('pages users with a total, sorted either way, never overlapping', async () => {
      const first = await get('/api/v1/users?limit=5&offset=0&sort=username');
      const second = await get('/api/v1/users?limit=5&offset=5&sort=username');
      expect(first.status).toBe(200);
      expect(first.body.total).toBe(17); // 5 per role + 12 members
      const names = [
        ...(first.body.users as { username: string }[]),
        ...(second.body.users as { username: string }[]),
      ].map((u) => u.username);
      expect(names).toHaveLength(10);
      expect(new Set(names).size).toBe(10);
      expect(names).toEqual([...names].sort());
      const descending = await get('/api/v1/users?limit=3&sort=-username');
      expect((descending.body.users as { username: string }[]).map((u) => u.username)).toEqual([
        'u_data_engineer',
        'u_compliance_officer',
        'u_auditor',
      ]);
      // Default: 50 a page, by username.
      const all = await get('/api/v1/users');
      expect((all.body.users as unknown[]).length).toBe(17);
    });

    it('filters users by search (any case, % and _ taken literally), role and disabled', async () => {
      const search = await get('/api/v1/users?search=MEMBER_1');
      expect((search.body.users as { username: string }[]).map((u) => u.username)).toEqual([
        'member_10',
        'member_11',
      ]);
      expect(search.body.total).toBe(2);
      // "100%" is text, not a wildcard; a display name matches too.
      const percent = await get(`/api/v1/users?search=${encodeURIComponent('100% _f')}`);
      expect((percent.body.users as { username: string }[]).map((u) => u.username)).toEqual(['member_05']);
      expect((await get(`/api/v1/users?search=${encodeURIComponent('%')}`)).body.total).toBe(1);
      const auditors = await get('/api/v1/users?role=auditor&search=member');
      expect(auditors.body.total).toBe(6);
      const disabled = await get('/api/v1/users?disabled=true');
      expect((disabled.body.users as { username: string }[]).map((u) => u.username)).toEqual([
        'member_00',
        'member_03',
        'member_06',
        'member_09',
      ]);
      const byCreation = await get('/api/v1/users?sort=-createdAt&limit=1&search=member');
      expect((byCreation.body.users as { username: string }[])[0]?.username).toBe('member_11');
    });

    it('refuses a sort column or page size it does not know', async () => {
      expect((await get('/api/v1/users?sort=password_hash')).status).toBe(400);
      expect((await get('/api/v1/users?limit=501')).status).toBe(400);
      expect((await get('/api/v1/tokens?sort=-secret')).status).toBe(400);
      expect((await get('/api/v1/sources?offset=-1', 'data_engineer')).status).toBe(400);
    });

    it('pages tokens: one’s own, searched, by status, sorted', async () => {
      const own = await get('/api/v1/tokens?sort=name', 'analyst');
      expect(own.body.total).toBe(5); // the test server's token and four made here
      const active = await get('/api/v1/tokens?status=active&search=JOB&sort=-name', 'analyst');
      expect((active.body.tokens as { name: string }[]).map((t) => t.name)).toEqual([
        'beta job',
        'alpha job',
      ]);
      const revoked = await get('/api/v1/tokens?status=revoked', 'analyst');
      expect((revoked.body.tokens as { name: string }[]).map((t) => t.name)).toEqual(['old job']);
      // An admin sees everyone's only when asking for all; a page of two, with the total.
      const everyone = await get('/api/v1/tokens?all=true&limit=2&offset=2&sort=createdAt');
      expect(everyone.body.total).toBe(9);
      expect(everyone.body.tokens).toHaveLength(2);
      expect((await get('/api/v1/tokens?all=true', 'analyst')).body.total).toBe(5);
    });

    it('pages the declared sources, searched and filtered by type', async () => {
      const all = await get('/api/v1/sources?sort=-name', 'data_engineer');
      const names = (all.body.sources as { name: string }[]).map((s) => s.name);
      expect(names).toEqual([...names].sort().reverse());
      expect(all.body.total).toBe(names.length);
      const page = await get('/api/v1/sources?limit=1&offset=1&sort=name', 'data_engineer');
      expect((page.body.sources as { name: string }[]).map((s) => s.name)).toEqual([[...names].sort()[1]]);
      const crawlers = await get('/api/v1/sources?type=crawler', 'data_engineer');
      expect((crawlers.body.sources as { name: string }[]).map((s) => s.name)).toEqual(['public-notices']);
      const search = await get(
        `/api/v1/sources?search=${encodeURIComponent('BANK DATABASE')}`,
        'data_engineer',
      );
      expect((search.body.sources as { name: string }[]).map((s) => s.name)).toEqual(['partner-db']);
    });
  });
}

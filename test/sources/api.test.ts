// The REST connector against the real simulator server: every auth and pagination kind, each fault
// (every record exactly once, 429 honoured, a malformed page reported with its URL without losing
// the pages before it), incremental resume from saved state, and the circuit breaker.

import { afterEach, describe, expect, it } from 'vitest';
import type { SourceError } from '../../src/domain/index.js';
import { openSource } from '../../src/sources/registry.js';
import { type SimulatorAuth, startPartnerApi } from '../../src/sources/simulators/partner-api.js';
import type { Source, SourceBatch, SourceState } from '../../src/sources/types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const env = {
  PARTNER_KEY: 'k-123',
  PARTNER_TOKEN: 't-456',
  PARTNER_PASSWORD: 'p-789',
  PARTNER_SECRET: 's-abc',
};

async function setup(
  auth: SimulatorAuth,
  connectorAuth: Record<string, unknown>,
  pagination: Record<string, unknown> = { type: 'page', size: 40 },
  extra: {
    records?: number;
    path?: string;
    records_path?: string;
    total?: string;
    query?: Record<string, unknown>;
    settings?: Record<string, unknown>;
  } = {},
) {
  const api = await startPartnerApi({ records: extra.records ?? 130, auth });
  const source = openSource(
    {
      name: 'partner',
      type: 'api',
      egress: { allow: ['127.0.0.1'], allowPrivate: true },
      baseUrl: api.url,
      auth: connectorAuth,
      retries: { max: 4, baseMs: 5 },
      ...extra.settings,
      streams: {
        reports: {
          path: extra.path ?? 'v1/reports/page',
          records: extra.records_path ?? '$.data[*]',
          ...(extra.total ? { total: extra.total } : {}),
          ...(extra.query ? { query: extra.query } : {}),
          pagination,
          primaryKey: ['report_id'],
          incremental: { cursorField: 'updated_at', param: 'updated_since' },
        },
      },
    } as never,
    {
      workspaceDir: process.cwd(),
      env,
      allowPrivateNetworks: true,
      userAgent: 'CustosTest/1 (+https://example.com)',
    },
  );
  cleanups.push(async () => {
    await source.close();
    await api.close();
  });
  return { api, source };
}

async function readAll(source: Source, state: SourceState = null) {
  const batches: SourceBatch[] = [];
  for await (const batch of source.read('reports', state)) batches.push(batch);
  return {
    batches,
    ids: batches.flatMap((b) => b.records.map((r) => r.report_id as string)),
    state: batches.at(-1)?.state ?? null,
  };
}

const unique = (ids: string[]) => new Set(ids).size;

describe('REST connector: authentication', () => {
  const cases: Array<[string, SimulatorAuth, Record<string, unknown>]> = [
    [
      'API key header',
      { type: 'api_key', in: 'header', name: 'X-Api-Key', value: 'k-123' },
      { type: 'api_key', in: 'header', name: 'X-Api-Key', value: 'env:PARTNER_KEY' },
    ],
    [
      'API key query',
      { type: 'api_key', in: 'query', name: 'apikey', value: 'k-123' },
      { type: 'api_key', in: 'query', name: 'apikey', value: 'env:PARTNER_KEY' },
    ],
    ['bearer', { type: 'bearer', token: 't-456' }, { type: 'bearer', token: 'env:PARTNER_TOKEN' }],
    [
      'basic',
      { type: 'basic', username: 'custos', password: 'p-789' },
      { type: 'basic', username: 'custos', password: 'env:PARTNER_PASSWORD' },
    ],
    [
      'HMAC-SHA256 signing',
      { type: 'hmac', keyId: 'key-1', secret: 's-abc' },
      { type: 'hmac', keyId: 'key-1', secret: 'env:PARTNER_SECRET' },
    ],
    [
      'HMAC-SM3 signing',
      { type: 'hmac', keyId: 'key-1', secret: 's-abc', algorithm: 'sm3' },
      { type: 'hmac', keyId: 'key-1', secret: 'env:PARTNER_SECRET', algorithm: 'sm3' },
    ],
  ];
  for (const [label, server, client] of cases) {
    it(`reads every record with ${label}`, async () => {
      const { source, api } = await setup(server, client);
      const { ids } = await readAll(source);
      expect(ids.length).toBe(130);
      expect(unique(ids)).toBe(130);
      expect(api.log.every((l) => l.status === 200)).toBe(true);
    });
  }

  it('refuses wrong credentials without retrying, and never prints the secret', async () => {
    const { source, api } = await setup(
      { type: 'api_key', in: 'query', name: 'apikey', value: 'k-123' },
      { type: 'api_key', in: 'query', name: 'apikey', value: 'env:PARTNER_TOKEN' },
    );
    const error = (await readAll(source).catch((e: unknown) => e)) as SourceError;
    expect(error.message).toMatch(/answered 401/);
    expect(error.message).not.toContain('t-456');
    expect(error.message).toContain('apikey=…');
    expect(api.log.length).toBe(1);
    const check = await source.check();
    expect(check.ok).toBe(false);
  });

  it('gets an OAuth2 client-credentials token and refreshes it when it expires', async () => {
    const { source, api } = await setup(
      { type: 'oauth2', clientId: 'custos', clientSecret: 's-abc', tokenTtlSeconds: 1 },
      {
        type: 'oauth2',
        tokenUrl: 'http://127.0.0.1/oauth/token',
        clientId: 'custos',
        clientSecret: 'env:PARTNER_SECRET',
      },
    );
    // The token URL must point at the simulator's port.
    (source as unknown as { settings: { auth: { tokenUrl: string } } }).settings.auth.tokenUrl =
      `${api.url}/oauth/token`;
    const first = await readAll(source);
    expect(first.ids.length).toBe(130);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await readAll(source);
    expect(second.ids.length).toBe(130);
    expect(api.log.filter((l) => l.url === '/oauth/token').length).toBeGreaterThanOrEqual(2);
  });
});

describe('REST connector: pagination', () => {
  const kinds: Array<[string, string, string, Record<string, unknown>]> = [
    ['page number', 'v1/reports/page', '$.data[*]', { type: 'page', size: 40 }],
    ['offset/limit', 'v1/reports/offset', '$.data[*]', { type: 'offset', limit: 40 }],
    [
      'cursor token',
      'v1/reports/cursor?page_size=40',
      '$.data[*]',
      { type: 'cursor', cursorPath: '$.next_cursor' },
    ],
    [
      'next link in body',
      'v1/reports/links?page_size=40',
      '$.items[*]',
      { type: 'next_link', path: '$.links.next' },
    ],
    ['Link header', 'v1/reports/link-header?page_size=40', '$[*]', { type: 'link_header' }],
  ];
  for (const [label, path, records, pagination] of kinds) {
    it(`follows ${label} pagination to the end, one batch per page`, async () => {
      const { source } = await setup({ type: 'none' }, { type: 'none' }, pagination, {
        path,
        records_path: records,
      });
      const { ids, batches } = await readAll(source);
      expect(ids.length).toBe(130);
      expect(unique(ids)).toBe(130);
      expect(batches.length).toBe(4);
    });
  }
});

describe('REST connector: query and page size settings', () => {
  it('accepts numbers and booleans in a stream query and sends them as written', async () => {
    const { source, api } = await setup(
      { type: 'none' },
      { type: 'none' },
      { type: 'page', size: 40 },
      { query: { region: 'east', limit: 100, include_deleted: false } },
    );
    const { ids } = await readAll(source);
    expect(ids.length).toBe(130);
    for (const { url } of api.log) {
      const query = new URL(url, api.url).searchParams;
      expect([query.get('region'), query.get('limit'), query.get('include_deleted')]).toEqual([
        'east',
        '100',
        'false',
      ]);
    }
  });

  it('asks for the declared page size with cursor pagination', async () => {
    const { source, api } = await setup(
      { type: 'none' },
      { type: 'none' },
      { type: 'cursor', cursorPath: '$.next_cursor', size: 40 },
      { path: 'v1/reports/cursor' },
    );
    const { ids, batches } = await readAll(source);
    expect(ids.length).toBe(130);
    expect(batches.map((b) => b.records.length)).toEqual([40, 40, 40, 10]);
    expect(api.log.every(({ url }) => new URL(url, api.url).searchParams.get('limit') === '40')).toBe(true);
    // The size parameter's name is the API's: `sizeParam`.
    const named = await setup(
      { type: 'none' },
      { type: 'none' },
      { type: 'cursor', cursorPath: '$.next_cursor', size: 65, sizeParam: 'page_size' },
      { path: 'v1/reports/cursor' },
    );
    expect((await readAll(named.source)).batches.map((b) => b.records.length)).toEqual([65, 65]);
  });
});

describe('REST connector: progress', () => {
  it('reports how far a read has come from the total the API sends, also after a resume', async () => {
    for (const pagination of [
      { type: 'page', size: 40 },
      { type: 'offset', limit: 40 },
    ]) {
      const path = pagination.type === 'page' ? 'v1/reports/page' : 'v1/reports/offset';
      const { source } = await setup({ type: 'none' }, { type: 'none' }, pagination, {
        path,
        total: '$.total',
      });
      const { batches } = await readAll(source);
      expect(batches.map((b) => b.progress)).toEqual([
        { done: 40, total: 130 },
        { done: 80, total: 130 },
        { done: 120, total: 130 },
        { done: 130, total: 130 },
      ]);
      // An interrupted run resumed from its third page counts the pages read before it.
      const resumed = await readAll(source, batches[1]!.state);
      expect(resumed.batches.map((b) => b.progress)).toEqual([
        { done: 120, total: 130 },
        { done: 130, total: 130 },
      ]);
    }
    // Without a total path, no progress: the bar shows records and rate only.
    const { source } = await setup({ type: 'none' }, { type: 'none' });
    expect((await readAll(source)).batches.every((b) => b.progress === undefined)).toBe(true);
  });
});

describe('REST connector: faults', () => {
  it('honours 429 bursts with Retry-After and 5xx with backoff, losing nothing', async () => {
    const { source, api } = await setup({ type: 'none' }, { type: 'none' });
    api.setFaults({ burst429: 2, retryAfterSeconds: 1, errors5xx: 2 });
    const started = Date.now();
    const { ids } = await readAll(source);
    expect(ids.length).toBe(130);
    expect(unique(ids)).toBe(130);
    expect(api.log.filter((l) => l.status === 429).length).toBe(2);
    expect(api.log.filter((l) => l.status === 500).length).toBe(2);
    // Two Retry-After: 1 waits.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('reports a malformed page with its URL and keeps the pages before it', async () => {
    const { source, api } = await setup({ type: 'none' }, { type: 'none' });
    api.setFaults({ malformedPage: 3 });
    const seen: string[] = [];
    let state: SourceState = null;
    const error = await (async () => {
      for await (const batch of source.read('reports', null)) {
        seen.push(...batch.records.map((r) => r.report_id as string));
        state = batch.state;
      }
    })().catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /malformed JSON from http:\/\/127\.0\.0\.1:\d+\/v1\/reports\/page\?page=3/,
    );
    expect(seen.length).toBe(80);
    // After the partner fixes it, resuming from the saved state reads the rest exactly once.
    api.setFaults({});
    const rest = await readAll(source, state);
    expect(unique([...seen, ...rest.ids])).toBe(130);
    expect(seen.length + rest.ids.length).toBe(130);
  });

  it('sees duplicate items across pages (the pipeline dedups by natural key) and slow pages within the timeout', async () => {
    const { source, api } = await setup({ type: 'none' }, { type: 'none' });
    api.setFaults({ duplicates: true, slowMs: 30 });
    const { ids } = await readAll(source);
    expect(unique(ids)).toBe(130);
    expect(ids.length).toBeGreaterThan(130);
  });

  it('times out slow responses, retries, then opens the circuit breaker', async () => {
    const { source, api } = await setup(
      { type: 'none' },
      { type: 'none' },
      { type: 'page', size: 40 },
      {
        settings: {
          timeoutMs: 100,
          retries: { max: 1, baseMs: 5 },
          circuitBreaker: { failures: 2, cooldownMs: 60_000 },
        },
      },
    );
    api.setFaults({ slowMs: 400 });
    await expect(readAll(source)).rejects.toThrow(/failed after 2 attempts \(timeout\)/);
    await expect(readAll(source)).rejects.toThrow(/failed after 2 attempts/);
    const requests = api.log.length;
    await expect(readAll(source)).rejects.toThrow(/circuit open/);
    expect(api.log.length).toBe(requests);
  });
});

describe('REST connector: incremental sync', () => {
  it('resumes from the saved cursor and reads only what changed (with lookback)', async () => {
    const { source, api } = await setup({ type: 'none' }, { type: 'none' });
    const first = await readAll(source);
    expect(first.ids.length).toBe(130);
    expect(first.state).toMatchObject({ high: api.records.at(-1)!.updated_at });
    const fresh = api.update(7);
    const second = await readAll(source, first.state);
    // Records at the previous high-water mark are re-read (>=), plus everything new.
    expect(second.ids).toEqual(expect.arrayContaining(fresh.map((r) => r.report_id)));
    expect(second.ids.length).toBeLessThan(15);
    expect(api.log.at(-1)!.url).toContain('updated_since=');
  });
});

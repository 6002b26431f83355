// The crawler against the local notice site, counting requests on the server side: robots.txt is
// obeyed (disallowed pages never requested; 5xx robots stops the host; 4xx allows all), delays
// are honoured, noindex pages give no records, an interrupted crawl resumes without refetching, and
// a recrawl sends conditional requests and emits only what changed.

import { afterEach, describe, expect, it } from 'vitest';
import { classifyField } from '../../src/classify/index.js';
import { openSource } from '../../src/sources/registry.js';
import {
  type NoticeSite,
  type NoticeSiteOptions,
  startNoticeSite,
} from '../../src/sources/simulators/notice-site.js';
import type { Source, SourceRecord, SourceState } from '../../src/sources/types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(
  site: NoticeSiteOptions,
  settings: Record<string, unknown> = {},
): Promise<{ site: NoticeSite; source: Source }> {
  const s = await startNoticeSite(site);
  const source = openSource(
    {
      name: 'notices',
      type: 'crawler',
      egress: { allow: ['127.0.0.1'], allowPrivate: true },
      startUrls: [`${s.url}/notices?page=1`],
      politeness: { minDelayMs: 0, perHostConcurrency: 2, concurrency: 4 },
      pagesPerBatch: 5,
      streams: {
        notices: {
          match: '^/notices/\\d+$',
          fields: {
            title: 'h1.title',
            published: { selector: 'time.published', attr: 'datetime' },
            body: { selector: '.body', transform: 'collapse' },
          },
        },
      },
      ...settings,
    } as never,
    {
      workspaceDir: process.cwd(),
      env: {},
      allowPrivateNetworks: true,
      userAgent: 'Custos/0.1 (Test Org; dpo@example.com)',
    },
  );
  cleanups.push(async () => {
    await source.close();
    await s.close();
  });
  return { site: s, source };
}

async function crawl(source: Source, state: SourceState = null, stopAfterBatches = Number.POSITIVE_INFINITY) {
  const records: SourceRecord[] = [];
  let last: SourceState = state;
  let batches = 0;
  for await (const batch of source.read('notices', state)) {
    records.push(...batch.records);
    last = batch.state;
    batches += 1;
    if (batches >= stopAfterBatches) break;
  }
  return { records, state: last };
}

describe('compliant crawler', () => {
  it('crawls list and detail pages, obeys robots.txt and noindex, keeps provenance', async () => {
    const { site, source } = await setup({ notices: 60 });
    const { records } = await crawl(source);
    // Notices 25 and 50 carry <meta name="robots" content="noindex">.
    expect(records.length).toBe(58);
    expect(new Set(records.map((r) => r.url)).size).toBe(58);
    const first = records.find((r) => String(r.url).endsWith('/notices/1'))!;
    expect(first).toMatchObject({
      title: site.notices[0]!.title,
      published: site.notices[0]!.published,
      http_status: 200,
    });
    expect(String(first.body)).toContain(site.notices[0]!.idNo);
    expect(first.content_hash).toMatch(/^[0-9a-f]{64}$/);
    // Disallowed pages were never requested; robots.txt once; every detail page once.
    expect(site.log.filter((l) => l.path.startsWith('/internal/'))).toEqual([]);
    expect(site.log.filter((l) => l.path === '/robots.txt').length).toBe(1);
    expect(site.log.some((l) => l.path === '/sitemap.xml')).toBe(true);
    const details = site.log.filter((l) => /^\/notices\/\d+$/.test(l.path));
    expect(details.length).toBe(60);
    // Personal data in page text is classified like any other field.
    const body = classifyField(
      'body',
      records.map((r) => r.body),
    );
    expect(body).toMatchObject({ category: 'C2', sensitive: true });
    expect(body.entities.map((e) => e.type)).toEqual(
      expect.arrayContaining(['CN_RESIDENT_ID', 'PERSON_NAME']),
    );
  });

  it('honours crawl-delay and its own minimum delay between requests to a host', async () => {
    const { site, source } = await setup(
      { notices: 6, perPage: 6, crawlDelaySeconds: 0.2 },
      { politeness: { minDelayMs: 50, perHostConcurrency: 1, concurrency: 4 } },
    );
    await crawl(source);
    const times = site.log.filter((l) => l.path !== '/robots.txt').map((l) => l.at);
    expect(times.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(190);
  });

  it('resumes an interrupted crawl from its state without refetching stored pages', async () => {
    const { site, source } = await setup({ notices: 40 });
    const part = await crawl(source, null, 2);
    const fetchedBefore = site.log.filter((l) => /^\/notices\/\d+$/.test(l.path)).length;
    expect(part.records.length).toBeGreaterThan(0);
    const rest = await crawl(source, part.state);
    const urls = [...part.records, ...rest.records].map((r) => r.url);
    expect(urls.length).toBe(39); // notice 25 is noindex
    expect(new Set(urls).size).toBe(39);
    const details = site.log.filter((l) => /^\/notices\/\d+$/.test(l.path));
    expect(details.length).toBe(40);
    expect(fetchedBefore).toBeLessThan(40);
  });

  it('recrawls with conditional requests and emits only changed pages', async () => {
    const { site, source } = await setup({ notices: 20 });
    const first = await crawl(source);
    expect(first.records.length).toBe(20);
    site.edit(3);
    const second = await crawl(source, first.state);
    expect(second.records.map((r) => String(r.url).replace(site.url, ''))).toEqual(['/notices/3']);
    const recrawl = site.log.slice(site.log.findLastIndex((l) => l.path === '/notices?page=1'));
    expect(recrawl.filter((l) => l.status === 304).length).toBeGreaterThanOrEqual(19);
  });

  it('stops at a robots.txt that answers 5xx and crawls everything when it answers 404', async () => {
    const blocked = await setup({ notices: 10, robotsStatus: 503 });
    const none = await crawl(blocked.source);
    expect(none.records).toEqual([]);
    expect(blocked.site.log.every((l) => l.path === '/robots.txt')).toBe(true);
    expect((none.state as { queue: unknown[] }).queue.length).toBeGreaterThan(0);
    const open = await setup({ notices: 10, robotsStatus: 404 });
    await crawl(open.source);
    expect(open.site.log.some((l) => l.path.startsWith('/internal/'))).toBe(true);
  });
});

// The crawler against the local notice site, counting requests on the server side: robots.txt is
// obeyed (disallowed pages never requested; 5xx robots stops the host; 4xx allows all), delays
// are honoured, noindex pages give no records, an interrupted crawl resumes without refetching, and
// a recrawl sends conditional requests and emits only what changed. Then each rule of
// docs/crawler.md against a small local site built per test: URLs requested exactly as linked,
// the product token robots.txt groups match, nofollow, X-Robots-Tag, maxPages, maxDepth,
// include/exclude and the 429 back-off.

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyField } from '../../src/classify/index.js';
import { ConfigError } from '../../src/domain/index.js';
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

interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

interface TestSite {
  url: string;
  /** Every request as the server saw it: path with query exactly as sent, time, user agent. */
  log: Array<{ path: string; at: number; status: number; userAgent: string; ifNoneMatch?: string }>;
  paths(): string[];
}

const page = (title: string, links: string[] = [], head = '') =>
  `<!doctype html><html><head><title>${title}</title>${head}</head><body><h1>${title}</h1>${links
    .map((href) => `<a href="${href}">${href}</a>`)
    .join('')}</body></html>`;

/** A local site: `routes` maps a path with its query, exactly as requested, to a reply (else 404). */
async function startSite(
  robots: string,
  routes: Record<string, Reply | ((count: number) => Reply)>,
): Promise<TestSite> {
  const log: TestSite['log'] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    const route =
      path === '/robots.txt' ? { body: robots, headers: { 'content-type': 'text/plain' } } : routes[path];
    const reply = typeof route === 'function' ? route(count) : (route ?? { status: 404, body: 'not found' });
    const status = reply.status ?? 200;
    log.push({
      path,
      at: Date.now(),
      status,
      userAgent: String(req.headers['user-agent']),
      ...(req.headers['if-none-match'] ? { ifNoneMatch: req.headers['if-none-match'] } : {}),
    });
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...reply.headers });
    res.end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url, log, paths: () => log.map((l) => l.path).filter((p) => p !== '/robots.txt') };
}

function openCrawler(site: TestSite, settings: Record<string, unknown> = {}): Source {
  const source = openSource(
    {
      name: 'site',
      type: 'crawler',
      egress: { allow: ['127.0.0.1'], allowPrivate: true },
      startUrls: [`${site.url}/`],
      sitemap: false,
      politeness: { minDelayMs: 0, perHostConcurrency: 1, concurrency: 4 },
      streams: { pages: { match: '.*', fields: { title: 'h1' } } },
      ...settings,
    } as never,
    {
      workspaceDir: process.cwd(),
      env: {},
      allowPrivateNetworks: true,
      userAgent: 'Custos/0.1 (Test Org; dpo@example.com)',
    },
  );
  cleanups.push(() => source.close());
  return source;
}

async function crawlPages(source: Source): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const batch of source.read('pages', null)) records.push(...batch.records);
  return records;
}

describe('crawler: the URL requested is the URL linked', () => {
  it('requests a link with its query as written and matches robots.txt against that URL', async () => {
    // Sorting the query would turn these into /p?parameters= and /p?a=1&b=2, both disallowed.
    const site = await startSite('User-agent: *\nDisallow: /p?parameters=\nDisallow: /p?a=\n', {
      '/': { body: page('home', ['/p?parameters', '/p?b=2&a=1#section']) },
      '/p?parameters': { body: page('bare parameter') },
      '/p?b=2&a=1': { body: page('unsorted query') },
    });
    const records = await crawlPages(openCrawler(site));
    expect(site.paths().sort()).toEqual(['/', '/p?b=2&a=1', '/p?parameters']);
    expect(records.map((r) => String(r.url).replace(site.url, '')).sort()).toEqual([
      '/',
      '/p?b=2&a=1',
      '/p?parameters',
    ]);
  });

  it('fetches a page linked with its query in two orders once', async () => {
    const site = await startSite('User-agent: *\nDisallow:\n', {
      '/': { body: page('home', ['/r?b=2&a=1', '/r?a=1&b=2']) },
      '/r?b=2&a=1': { body: page('r') },
      '/r?a=1&b=2': { body: page('r') },
    });
    await crawlPages(openCrawler(site));
    expect(site.paths()).toEqual(['/', '/r?b=2&a=1']);
  });

  it('resumes and recrawls from a state saved when URLs were stored with sorted queries', async () => {
    const site = await startSite('', {
      '/': { body: page('home', ['/r?b=2&a=1']) },
      '/r?b=2&a=1': { status: 304 },
    });
    // Keys as the previous version wrote them: the first 20 hex digits of SHA-256 of the URL with
    // its query sorted.
    const key = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 20);
    const validators = { [key(`${site.url}/r?a=1&b=2`)]: ['"v1"', null, 'f'.repeat(64)] };
    const source = openCrawler(site);
    const interrupted = {
      queue: [[`${site.url}/`, 0]],
      seen: [key(`${site.url}/`), key(`${site.url}/r?a=1&b=2`)],
      validators,
      pages: 1,
    };
    for await (const _ of source.read('pages', interrupted as never));
    expect(site.paths()).toEqual(['/']);
    const finished = { queue: [], seen: [], validators, pages: 0, done: true };
    for await (const _ of source.read('pages', finished as never));
    const recrawled = site.log.filter((l) => l.path === '/r?b=2&a=1');
    expect(recrawled.map((l) => l.ifNoneMatch)).toEqual(['"v1"']);
  });

  it("matches robots.txt groups against the workspace's product token and keeps the contact", async () => {
    const robots = 'User-agent: AcmeBot\nDisallow: /members\n\nUser-agent: *\nDisallow:\n';
    const routes = {
      '/': { body: page('home', ['/members', '/open']) },
      '/members': { body: page('members') },
      '/open': { body: page('open') },
    };
    const own = await startSite(robots, routes);
    await crawlPages(openCrawler(own, { productToken: 'AcmeBot' }));
    expect(own.paths().sort()).toEqual(['/', '/open']);
    for (const { userAgent } of own.log) {
      expect(userAgent.startsWith('AcmeBot ')).toBe(true);
      expect(userAgent).toContain('Test Org; dpo@example.com');
    }
    // Without the token the `*` group applies: the same site is crawled in full.
    const plain = await startSite(robots, routes);
    await crawlPages(openCrawler(plain));
    expect(plain.paths().sort()).toEqual(['/', '/members', '/open']);
  });

  it('refuses a product token RFC 9309 does not allow', async () => {
    const site = await startSite('', {});
    expect(() => openCrawler(site, { productToken: 'Acme Bot/2.0' })).toThrow(ConfigError);
  });
});

describe('crawler: the rules of docs/crawler.md', () => {
  it('follows no link of a page whose meta robots says nofollow, nor a rel="nofollow" link', async () => {
    const site = await startSite('', {
      '/': {
        body: `<html><body><h1>home</h1><a href="/meta">m</a><a rel="external nofollow" href="/ugc">u</a></body></html>`,
      },
      '/meta': { body: page('meta', ['/behind-meta'], '<meta name="robots" content="nofollow">') },
      '/behind-meta': { body: page('never') },
      '/ugc': { body: page('never') },
    });
    const records = await crawlPages(openCrawler(site));
    expect(site.paths().sort()).toEqual(['/', '/meta']);
    expect(records.length).toBe(2);
  });

  it('obeys X-Robots-Tag: nofollow follows no link, noindex gives no record but is followed', async () => {
    const site = await startSite('', {
      '/': { body: page('home', ['/header-nofollow', '/header-noindex']) },
      '/header-nofollow': { headers: { 'x-robots-tag': 'nofollow' }, body: page('hn', ['/behind-header']) },
      '/header-noindex': { headers: { 'X-Robots-Tag': 'noindex' }, body: page('hi', ['/after-noindex']) },
      '/behind-header': { body: page('never') },
      '/after-noindex': { body: page('after') },
    });
    const records = await crawlPages(openCrawler(site));
    expect(site.paths().sort()).toEqual(['/', '/after-noindex', '/header-nofollow', '/header-noindex']);
    expect(records.map((r) => r.title).sort()).toEqual(['after', 'hn', 'home']);
  });

  it('stops after maxPages pages', async () => {
    const routes: Record<string, Reply> = {
      '/': {
        body: page(
          'home',
          Array.from({ length: 10 }, (_, i) => `/n/${i}`),
        ),
      },
    };
    for (let i = 0; i < 10; i++) routes[`/n/${i}`] = { body: page(`n${i}`) };
    const site = await startSite('', routes);
    const records = await crawlPages(openCrawler(site, { maxPages: 4 }));
    expect(site.paths().length).toBe(4);
    expect(records.length).toBe(4);
  });

  it('follows links no deeper than maxDepth from the seeds', async () => {
    const site = await startSite('', {
      '/': { body: page('d0', ['/d1']) },
      '/d1': { body: page('d1', ['/d2']) },
      '/d2': { body: page('d2', ['/d3']) },
      '/d3': { body: page('d3') },
    });
    await crawlPages(openCrawler(site, { maxDepth: 2 }));
    expect(site.paths()).toEqual(['/', '/d1', '/d2']);
  });

  it('requests only what include admits and exclude does not refuse', async () => {
    const site = await startSite('', {
      '/': { body: page('home', ['/keep/1', '/keep/print/1', '/other/1']) },
      '/keep/1': { body: page('keep') },
      '/keep/print/1': { body: page('never') },
      '/other/1': { body: page('never') },
    });
    await crawlPages(openCrawler(site, { include: ['^/$', '^/keep/'], exclude: ['/print/'] }));
    expect(site.paths()).toEqual(['/', '/keep/1']);
  });

  it('keeps the delay between requests when a busy process wakes late for one of them', async () => {
    const busy = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end);
    };
    const site = await startSite('', {
      '/': { body: page('home', ['/1']) },
      '/1': () => {
        // Blocks the process across the moment the request for /2 is due (200 ms after /1), so
        // that request leaves late; the one for /3 must still keep 200 ms from it.
        setTimeout(() => busy(150), 120);
        return { body: page('1', ['/2']) };
      },
      '/2': { body: page('2', ['/3']) },
      '/3': { body: page('3') },
    });
    await crawlPages(
      openCrawler(site, { politeness: { minDelayMs: 200, perHostConcurrency: 1, concurrency: 1 } }),
    );
    const times = site.log.filter((l) => l.path !== '/robots.txt').map((l) => l.at);
    expect(site.paths()).toEqual(['/', '/1', '/2', '/3']);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(195);
  });

  it('waits Retry-After before retrying a 429', async () => {
    const site = await startSite('', {
      '/': { body: page('home', ['/busy']) },
      '/busy': (count) =>
        count === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { body: page('busy') },
    });
    const records = await crawlPages(openCrawler(site));
    const busy = site.log.filter((l) => l.path === '/busy');
    expect(busy.map((l) => l.status)).toEqual([429, 200]);
    expect(busy[1]!.at - busy[0]!.at).toBeGreaterThanOrEqual(950);
    expect(records.map((r) => r.title)).toContain('busy');
  });

  it('backs the host off after repeated 429s and fetches the page later in the run', async () => {
    const site = await startSite('', {
      '/': { body: page('home', ['/busy', '/calm']) },
      '/busy': (count) => (count <= 3 ? { status: 429 } : { body: page('busy') }),
      '/calm': { body: page('calm') },
    });
    const records = await crawlPages(openCrawler(site));
    const lastRefusal = site.log.findLast((l) => l.status === 429)!;
    const next = site.log.find((l) => l.at >= lastRefusal.at && l !== lastRefusal)!;
    // No request to the host for the back-off (5 s) after the retries ran out.
    expect(next.at - lastRefusal.at).toBeGreaterThanOrEqual(4_900);
    expect(records.map((r) => r.title).sort()).toEqual(['busy', 'calm', 'home']);
  }, 15_000);
});

// The compliant crawler for public pages. It identifies itself honestly (organisation and contact
// in the user agent), obeys robots.txt (RFC 9309: longest match, allow/disallow, wildcards, `$`,
// crawl-delay; 4xx = allow all; 5xx or unreachable = that host is not crawled until it answers),
// meta robots and X-Robots-Tag (noindex, nofollow), keeps per-host delays and concurrency, backs
// off on 429/503, and never evades anything: no proxy rotation, no fingerprint games, no CAPTCHA
// solving. Extraction is declarative (CSS selectors → fields). The frontier, the pages done and
// their validators are the source state, checkpointed by the pipeline with the records, so an
// interrupted crawl resumes without refetching what was stored, and a recrawl sends conditional
// requests and skips pages whose content did not change.

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as cheerio from 'cheerio';
import robotsParserModule from 'robots-parser';
import { z } from 'zod';
import { SourceError } from '../../domain/index.js';
import type { SourceDeclaration } from '../../workspace/index.js';
import { EgressGuard } from '../egress.js';
import { HttpClient, type HttpResponse } from '../http.js';
import type {
  CheckResult,
  Connector,
  ConnectorContext,
  ReadOptions,
  Source,
  SourceBatch,
  SourceRecord,
  SourceState,
  StreamDescription,
} from '../types.js';

const fieldRule = z.union([
  z.string().min(1),
  z
    .object({
      selector: z.string().min(1),
      attr: z.string().optional(),
      transform: z.enum(['trim', 'number', 'date', 'collapse']).optional(),
    })
    .strict(),
]);

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// robots-parser is CommonJS with a default-export typing NodeNext cannot call; its shape is this.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Robot;

export const crawlerSettings = z
  .object({
    startUrls: z.array(z.string().url()).min(1),
    sitemap: z.boolean().default(true),
    maxPages: z.number().int().min(1).max(1_000_000).default(1_000),
    maxDepth: z.number().int().min(0).max(10_000).default(10),
    include: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    politeness: z
      .object({
        minDelayMs: z.number().int().min(0).max(600_000).default(1_000),
        perHostConcurrency: z.number().int().min(1).max(16).default(1),
        concurrency: z.number().int().min(1).max(64).default(4),
      })
      .strict()
      .default({ minDelayMs: 1_000, perHostConcurrency: 1, concurrency: 4 }),
    timeoutMs: z.number().int().min(100).max(120_000).default(20_000),
    /** Pages between checkpoints (one batch per this many pages). */
    pagesPerBatch: z.number().int().min(1).max(10_000).default(20),
    streams: z.record(
      z.string().min(1),
      z
        .object({
          /** Regular expression on path and query of the pages this stream extracts from. */
          match: z.string().min(1),
          /** One record per element matching this selector (list pages); default: one per page. */
          items: z.string().optional(),
          fields: z.record(z.string().min(1), fieldRule),
        })
        .strict(),
    ),
  })
  .strict();
export type CrawlerSettings = z.infer<typeof crawlerSettings>;

interface CrawlState {
  queue: Array<[string, number]>;
  seen: string[];
  /** url key → [etag, last-modified, content hash] of pages done. */
  validators: Record<string, [string | null, string | null, string]>;
  pages: number;
  done?: boolean;
}

export const crawlerConnector: Connector<CrawlerSettings> = {
  type: 'crawler',
  spec: crawlerSettings,
  open: (declaration, settings, context) => new CrawlerSource(declaration, settings, context),
};

/** Canonical URL: lower-case host, no fragment, no default port, sorted query. */
export function normaliseUrl(raw: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  url.hostname = url.hostname.toLowerCase();
  if ((url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443'))
    url.port = '';
  url.searchParams.sort();
  return url.toString();
}

const keyOf = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 20);

interface RobotsEntry {
  robot?: Robot;
  /** true: 5xx/unreachable — nothing on the host is fetched until it answers. */
  blocked: boolean;
  fetchedAt: number;
}

class CrawlerSource implements Source {
  readonly type = 'crawler' as const;
  readonly name: string;
  private readonly http: HttpClient;
  private readonly userAgent: string;
  private readonly robotsCache = new Map<string, RobotsEntry>();
  private readonly hostNext = new Map<string, number>();
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];

  constructor(
    declaration: SourceDeclaration,
    private readonly settings: CrawlerSettings,
    context: ConnectorContext,
  ) {
    this.name = declaration.name;
    const hosts = settings.startUrls.map((u) => new URL(u).hostname);
    const guard = new EgressGuard(declaration.name, {
      allow: declaration.egress?.allow?.length ? declaration.egress.allow : hosts,
      allowPrivate: (declaration.egress?.allowPrivate ?? false) && context.allowPrivateNetworks,
    });
    this.userAgent = context.userAgent ?? 'Custos';
    this.http = new HttpClient({
      source: declaration.name,
      guard,
      userAgent: this.userAgent,
      timeoutMs: settings.timeoutMs,
      retries: { max: 2, baseMs: 200 },
    });
    this.guard = guard;
    this.include = settings.include.map((p) => new RegExp(p, 'u'));
    this.exclude = settings.exclude.map((p) => new RegExp(p, 'u'));
  }

  private readonly guard: EgressGuard;

  async check(): Promise<CheckResult> {
    const first = this.settings.startUrls[0]!;
    try {
      const robots = await this.robots(new URL(first));
      return {
        ok: !robots.blocked,
        identity: this.userAgent,
        message: robots.blocked
          ? 'robots.txt unreachable: the host is not crawled until it answers'
          : `robots.txt read; ${robots.robot?.isAllowed(first, this.userAgent) === false ? 'start URL disallowed' : 'start URL allowed'}`,
      };
    } catch (error) {
      return { ok: false, identity: this.userAgent, message: (error as Error).message };
    }
  }

  async discover(): Promise<StreamDescription[]> {
    return Object.entries(this.settings.streams).map(([name, s]) => ({
      name,
      fields: [...Object.keys(s.fields), 'url', 'fetched_at', 'http_status', 'content_hash'].map((f) => ({
        name: f,
        type: 'string',
      })),
      primaryKey: s.items ? [] : ['url'],
    }));
  }

  async *read(
    streamName: string,
    rawState: SourceState,
    options: ReadOptions = {},
  ): AsyncIterable<SourceBatch> {
    const stream = this.settings.streams[streamName];
    if (!stream)
      throw new SourceError(`source ${this.name} has no stream ${streamName}`, {
        source: this.name,
        stream: streamName,
      });
    const match = new RegExp(stream.match, 'u');
    const prior = rawState as CrawlState | null;
    // A finished crawl starts over from the seeds, keeping validators for conditional requests.
    const state: CrawlState =
      prior && !prior.done
        ? { ...prior, queue: [...prior.queue], seen: [...prior.seen], validators: { ...prior.validators } }
        : { queue: [], seen: [], validators: prior?.validators ?? {}, pages: 0 };
    const seen = new Set(state.seen);
    const enqueue = (url: string, depth: number) => {
      const key = keyOf(url);
      if (seen.has(key)) return;
      seen.add(key);
      state.queue.push([url, depth]);
    };
    if (state.queue.length === 0 && state.pages === 0) {
      for (const seed of this.settings.startUrls) {
        const url = normaliseUrl(seed);
        if (url && (await this.allowed(url))) enqueue(url, 0);
      }
      if (this.settings.sitemap) for (const url of await this.sitemapUrls()) enqueue(url, 0);
    }
    let records: SourceRecord[] = [];
    let pagesInBatch = 0;
    const { concurrency, perHostConcurrency } = this.settings.politeness;
    const deferred: Array<[string, number]> = [];
    while (state.queue.length > 0 && state.pages < this.settings.maxPages) {
      options.signal?.throwIfAborted();
      // A round: up to `concurrency` URLs, at most `perHostConcurrency` per host.
      const round: Array<[string, number]> = [];
      const perHost = new Map<string, number>();
      const rest: Array<[string, number]> = [];
      for (const item of state.queue) {
        const host = new URL(item[0]).host;
        if (
          round.length < Math.min(concurrency, this.settings.maxPages - state.pages) &&
          (perHost.get(host) ?? 0) < perHostConcurrency
        ) {
          round.push(item);
          perHost.set(host, (perHost.get(host) ?? 0) + 1);
        } else rest.push(item);
      }
      state.queue = rest;
      const results = await Promise.all(
        round.map(([url, depth]) => this.visit(url, depth, state, match, stream, options.signal)),
      );
      for (const [i, result] of results.entries()) {
        if (result.kind === 'deferred') {
          deferred.push(round[i]!);
          continue;
        }
        if (result.kind === 'retry') {
          state.queue.push(round[i]!);
          continue;
        }
        state.pages += 1;
        pagesInBatch += 1;
        records.push(...result.records);
        for (const [link, depth] of result.links) if (await this.allowed(link)) enqueue(link, depth);
      }
      if (pagesInBatch >= this.settings.pagesPerBatch || records.length >= (options.batchSize ?? 1000)) {
        state.seen = [...seen];
        yield {
          records,
          state: { ...state, queue: [...state.queue, ...deferred] } as unknown as SourceState,
          position: `${state.pages} pages`,
        };
        records = [];
        pagesInBatch = 0;
      }
    }
    state.seen = [...seen];
    // Pages of hosts whose robots.txt did not answer stay queued for the next run.
    const finished: CrawlState =
      deferred.length > 0
        ? { ...state, queue: deferred }
        : { ...state, queue: [], seen: [], pages: 0, done: true };
    yield { records, state: finished as unknown as SourceState, position: `${state.pages} pages` };
  }

  private async visit(
    url: string,
    depth: number,
    state: CrawlState,
    match: RegExp,
    stream: CrawlerSettings['streams'][string],
    signal?: AbortSignal,
  ): Promise<
    | { kind: 'page'; records: SourceRecord[]; links: Array<[string, number]> }
    | { kind: 'deferred' }
    | { kind: 'retry' }
  > {
    const target = new URL(url);
    const robots = await this.robots(target);
    if (robots.blocked) return { kind: 'deferred' };
    if (robots.robot?.isAllowed(url, this.userAgent) === false)
      return { kind: 'page', records: [], links: [] };
    await this.waitForHost(target.host, robots);
    const key = keyOf(url);
    const validator = state.validators[key];
    const path = `${target.pathname}${target.search}`;
    const isContent = match.test(path);
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml' };
    // Content pages are fetched conditionally; navigation pages always in full (their links are
    // how the crawl finds what changed).
    if (isContent && validator?.[0]) headers['if-none-match'] = validator[0];
    if (isContent && validator?.[1]) headers['if-modified-since'] = validator[1];
    let response: HttpResponse;
    try {
      response = await this.http.send(url, {
        headers,
        acceptStatus: (s) => s === 304 || (s >= 400 && s < 500 && s !== 429),
        retries: 2,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof SourceError && /429|503|attempts/.test(error.message)) {
        // Back off this host and try again later in the run.
        this.hostNext.set(target.host, Date.now() + 5_000);
        return { kind: 'retry' };
      }
      throw error;
    }
    if (response.status === 304 || response.status >= 400) return { kind: 'page', records: [], links: [] };
    const body = response.body.toString('utf8');
    const contentHash = createHash('sha256').update(body).digest('hex');
    const etag = headerOf(response, 'etag');
    const lastModified = headerOf(response, 'last-modified');
    const unchanged = validator?.[2] === contentHash;
    state.validators[key] = [etag ?? null, lastModified ?? null, contentHash];
    const $ = cheerio.load(body);
    const metaRobots = ($('meta[name="robots"]').attr('content') ?? '').toLowerCase();
    const headerRobots = (headerOf(response, 'x-robots-tag') ?? '').toLowerCase();
    const noindex = /noindex|none/.test(metaRobots) || /noindex|none/.test(headerRobots);
    const nofollow = /nofollow|none/.test(metaRobots) || /nofollow|none/.test(headerRobots);
    const links: Array<[string, number]> = [];
    if (!nofollow && depth < this.settings.maxDepth) {
      $('a[href]').each((_, el) => {
        if (/\bnofollow\b/i.test($(el).attr('rel') ?? '')) return;
        const link = normaliseUrl($(el).attr('href')!, response.url);
        if (link && this.inScope(link)) links.push([link, depth + 1]);
      });
    }
    const records: SourceRecord[] = [];
    if (!noindex && !unchanged && isContent) {
      const provenance = {
        url,
        fetched_at: new Date().toISOString(),
        http_status: response.status,
        content_hash: contentHash,
      };
      const scopes = stream.items ? $(stream.items).toArray() : [$.root().get(0)!];
      for (const scope of scopes) {
        const record: SourceRecord = {};
        for (const [field, rule] of Object.entries(stream.fields)) record[field] = extract($, scope, rule);
        records.push({ ...record, ...provenance });
      }
    }
    return { kind: 'page', records, links };
  }

  private inScope(url: string): boolean {
    const u = new URL(url);
    if (!this.guard.hostAllowed(u.hostname)) return false;
    const path = `${u.pathname}${u.search}`;
    if (this.include.length > 0 && !this.include.some((r) => r.test(path))) return false;
    return !this.exclude.some((r) => r.test(path));
  }

  private async allowed(url: string): Promise<boolean> {
    if (!this.inScope(url)) return false;
    const robots = await this.robots(new URL(url));
    return robots.blocked || robots.robot?.isAllowed(url, this.userAgent) !== false;
  }

  private async robots(url: URL): Promise<RobotsEntry> {
    const cached = this.robotsCache.get(url.host);
    if (cached && Date.now() - cached.fetchedAt < (cached.blocked ? 60_000 : 3_600_000)) return cached;
    const robotsUrl = `${url.protocol}//${url.host}/robots.txt`;
    let entry: RobotsEntry;
    try {
      const response = await this.http.send(robotsUrl, { acceptStatus: (s) => s >= 400, retries: 1 });
      if (response.status >= 500) entry = { blocked: true, fetchedAt: Date.now() };
      else if (response.status >= 400)
        entry = { robot: robotsParser(robotsUrl, ''), blocked: false, fetchedAt: Date.now() };
      else
        entry = {
          robot: robotsParser(robotsUrl, response.body.toString('utf8')),
          blocked: false,
          fetchedAt: Date.now(),
        };
    } catch {
      entry = { blocked: true, fetchedAt: Date.now() };
    }
    this.robotsCache.set(url.host, entry);
    return entry;
  }

  private async waitForHost(host: string, robots: RobotsEntry): Promise<void> {
    const crawlDelay = (robots.robot?.getCrawlDelay(this.userAgent) ?? 0) * 1000;
    const delay = Math.max(crawlDelay, this.settings.politeness.minDelayMs);
    const now = Date.now();
    const at = Math.max(now, this.hostNext.get(host) ?? 0);
    this.hostNext.set(host, at + delay);
    if (at > now) await sleep(at - now);
  }

  private async sitemapUrls(): Promise<string[]> {
    const out: string[] = [];
    for (const seed of this.settings.startUrls) {
      const url = new URL(seed);
      const robots = await this.robots(url);
      if (robots.blocked) continue;
      const maps = robots.robot?.getSitemaps().length
        ? robots.robot.getSitemaps()
        : [`${url.protocol}//${url.host}/sitemap.xml`];
      for (const map of maps) {
        const mapUrl = normaliseUrl(map, seed);
        if (!mapUrl || !(await this.allowed(mapUrl))) continue;
        await this.waitForHost(url.host, robots);
        const response = await this.http
          .send(mapUrl, { acceptStatus: (s) => s >= 400, retries: 1 })
          .catch(() => undefined);
        if (!response || response.status >= 400) continue;
        const $ = cheerio.load(response.body.toString('utf8'), { xml: true });
        $('loc').each((_, el) => {
          const loc = normaliseUrl($(el).text().trim(), mapUrl);
          if (loc && this.inScope(loc)) out.push(loc);
        });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function headerOf(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function extract(
  $: cheerio.CheerioAPI,
  scope: Parameters<cheerio.CheerioAPI>[0],
  rule: z.infer<typeof fieldRule>,
): string | number | null {
  const spec = typeof rule === 'string' ? { selector: rule } : rule;
  const element = $(scope).find(spec.selector).first();
  if (element.length === 0) return null;
  const raw = spec.attr ? element.attr(spec.attr) : element.text();
  if (raw === undefined) return null;
  switch (spec.transform) {
    case 'number': {
      const n = Number(raw.replace(/[^\d.-]/g, ''));
      return Number.isFinite(n) ? n : null;
    }
    case 'date': {
      const m = /(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})/.exec(raw);
      return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : null;
    }
    case 'collapse':
      return raw.replace(/\s+/g, ' ').trim();
    default:
      return raw.trim();
  }
}

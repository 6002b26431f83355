// The compliant crawler for public pages. It identifies itself honestly (organisation and contact
// in the user agent), obeys robots.txt (RFC 9309: longest match, allow/disallow, wildcards, `$`,
// crawl-delay; 4xx = allow all; 5xx or unreachable = that host is not crawled until it answers),
// meta robots and X-Robots-Tag (noindex, nofollow), keeps per-host delays and concurrency, backs
// off on 429/503, and never evades anything: no proxy rotation, no fingerprint games, no CAPTCHA
// solving. The seams are crawlee's: the frontier decides what to fetch next (frontier.ts), the
// page fetcher how to fetch it politely (page-fetcher.ts, robots.ts), extraction what a page gives
// (extraction.ts); this file runs the crawl loop over them. The frontier, the pages done and their
// validators are the source state, checkpointed by the pipeline with the records, so an
// interrupted crawl resumes without refetching what was stored, and a recrawl sends conditional
// requests and skips pages whose content did not change.

import { createHash } from 'node:crypto';
import type { SourceDeclaration } from '../../workspace/index.js';
import { EgressGuard } from '../egress.js';
import { HttpClient } from '../http.js';
import { declaredStream } from '../stream-lookup.js';
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
import { headerOf, Page, sitemapLocations } from './extraction.js';
import { type CrawlState, Frontier, type FrontierItem, resolveLink } from './frontier.js';
import { PageFetcher } from './page-fetcher.js';
import { type CrawlerSettings, type CrawlerStream, crawlerSettings } from './settings.js';

export { type CrawlerSettings, crawlerSettings } from './settings.js';

export const crawlerConnector: Connector<CrawlerSettings> = {
  type: 'crawler',
  spec: crawlerSettings,
  open: (declaration, settings, context) => new CrawlerSource(declaration, settings, context),
};

type VisitResult =
  | { kind: 'page'; records: SourceRecord[]; links: FrontierItem[] }
  | { kind: 'deferred' }
  | { kind: 'retry' };

const nothing: VisitResult = { kind: 'page', records: [], links: [] };

class CrawlerSource implements Source {
  readonly type = 'crawler' as const;
  readonly name: string;
  private readonly http: HttpClient;
  private readonly fetcher: PageFetcher;
  private readonly userAgent: string;
  private readonly guard: EgressGuard;
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];

  constructor(
    declaration: SourceDeclaration,
    private readonly settings: CrawlerSettings,
    context: ConnectorContext,
  ) {
    this.name = declaration.name;
    const hosts = settings.startUrls.map((u) => new URL(u).hostname);
    this.guard = new EgressGuard(declaration.name, {
      allow: declaration.egress?.allow?.length ? declaration.egress.allow : hosts,
      allowPrivate: (declaration.egress?.allowPrivate ?? false) && context.allowPrivateNetworks,
    });
    // The honest identity (Custos's product, organisation, contact) always stays; a workspace's own
    // product token goes first, and is what robots.txt groups are matched against.
    const identity = context.userAgent ?? 'Custos';
    this.userAgent = settings.productToken ? `${settings.productToken} ${identity}` : identity;
    const robotsToken = settings.productToken ?? /^[^/\s]+/u.exec(identity)?.[0] ?? 'Custos';
    this.http = new HttpClient({
      source: declaration.name,
      guard: this.guard,
      userAgent: this.userAgent,
      timeoutMs: settings.timeoutMs,
      retries: { max: 2, baseMs: 200 },
    });
    this.fetcher = new PageFetcher(this.http, robotsToken, settings.politeness.minDelayMs);
    this.include = settings.include.map((p) => new RegExp(p, 'u'));
    this.exclude = settings.exclude.map((p) => new RegExp(p, 'u'));
  }

  async check(): Promise<CheckResult> {
    const first = this.settings.startUrls[0]!;
    try {
      const robots = await this.fetcher.describe(first);
      return {
        ok: !robots.blocked,
        identity: this.userAgent,
        message: robots.blocked
          ? 'robots.txt unreachable: the host is not crawled until it answers'
          : `robots.txt read; ${robots.allowed ? 'start URL allowed' : 'start URL disallowed'}`,
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
    const stream = declaredStream(this.settings.streams, streamName, this.name);
    const match = new RegExp(stream.match, 'u');
    const frontier = new Frontier(rawState as CrawlState | null);
    if (frontier.isFresh) {
      for (const seed of this.settings.startUrls) {
        const url = resolveLink(seed);
        if (url && (await this.allowed(url))) frontier.enqueue(url, 0);
      }
      if (this.settings.sitemap) for (const url of await this.sitemapUrls()) frontier.enqueue(url, 0);
    }
    let records: SourceRecord[] = [];
    let pagesInBatch = 0;
    const { concurrency, perHostConcurrency } = this.settings.politeness;
    while (frontier.hasWork(this.settings.maxPages)) {
      options.signal?.throwIfAborted();
      const round = frontier.takeRound(
        Math.min(concurrency, this.settings.maxPages - frontier.pages),
        perHostConcurrency,
      );
      const results = await Promise.all(
        round.map(([url, depth]) => this.visit(url, depth, frontier, match, stream, options.signal)),
      );
      for (const [i, result] of results.entries()) {
        if (result.kind === 'deferred') {
          frontier.defer(round[i]!);
          continue;
        }
        if (result.kind === 'retry') {
          frontier.retry(round[i]!);
          continue;
        }
        frontier.pageDone();
        pagesInBatch += 1;
        records.push(...result.records);
        for (const [link, depth] of result.links) if (await this.allowed(link)) frontier.enqueue(link, depth);
      }
      if (pagesInBatch >= this.settings.pagesPerBatch || records.length >= (options.batchSize ?? 1000)) {
        yield {
          records,
          state: frontier.checkpoint() as unknown as SourceState,
          position: `${frontier.pages} pages`,
        };
        records = [];
        pagesInBatch = 0;
      }
    }
    const pages = frontier.pages;
    yield { records, state: frontier.finish() as unknown as SourceState, position: `${pages} pages` };
  }

  private async visit(
    url: string,
    depth: number,
    frontier: Frontier,
    match: RegExp,
    stream: CrawlerStream,
    signal?: AbortSignal,
  ): Promise<VisitResult> {
    const target = new URL(url);
    const validator = frontier.validator(url);
    const isContent = match.test(`${target.pathname}${target.search}`);
    // Content pages are fetched conditionally; navigation pages always in full (their links are
    // how the crawl finds what changed).
    const outcome = await this.fetcher.fetchPage(url, isContent ? validator : undefined, signal);
    if (outcome.kind === 'deferred' || outcome.kind === 'retry') return { kind: outcome.kind };
    if (outcome.kind === 'disallowed') return nothing;
    const { response } = outcome;
    if (response.status === 304 || response.status >= 400) return nothing;
    const body = response.body.toString('utf8');
    const contentHash = createHash('sha256').update(body).digest('hex');
    const etag = headerOf(response, 'etag');
    const lastModified = headerOf(response, 'last-modified');
    const unchanged = validator?.[2] === contentHash;
    frontier.setValidator(url, [etag ?? null, lastModified ?? null, contentHash]);
    const page = new Page(body, response);
    const { noindex, nofollow } = page.directives();
    const links: FrontierItem[] = [];
    if (!nofollow && depth < this.settings.maxDepth) {
      for (const link of page.links(resolveLink)) if (this.inScope(link)) links.push([link, depth + 1]);
    }
    const records: SourceRecord[] = [];
    if (!noindex && !unchanged && isContent) {
      const provenance = {
        url,
        fetched_at: new Date().toISOString(),
        http_status: response.status,
        content_hash: contentHash,
      };
      for (const record of page.records(stream)) records.push({ ...record, ...provenance });
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
    return this.inScope(url) && (await this.fetcher.isAllowed(url));
  }

  private async sitemapUrls(): Promise<string[]> {
    const out: string[] = [];
    for (const seed of this.settings.startUrls) {
      for (const map of await this.fetcher.fetchSitemaps(seed, (url) => this.allowed(url)))
        for (const loc of sitemapLocations(map.body, map.url, resolveLink))
          if (this.inScope(loc)) out.push(loc);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

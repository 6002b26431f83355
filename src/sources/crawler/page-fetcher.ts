// How to fetch: robots.txt first, then per-host politeness (max(Crawl-delay, minDelayMs) between
// requests, a back-off after 429/503), conditional requests from the page's validators.

import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../../domain/index.js';
import type { HttpClient, HttpResponse } from '../http.js';
import { type CrawlState, resolveLink } from './frontier.js';
import { RobotsCache, type RobotsEntry } from './robots.js';

export type FetchOutcome =
  /** The host's robots.txt did not answer: keep the page for a later run. */
  | { kind: 'deferred' }
  /** The host is throttling: try the page again later in this run. */
  | { kind: 'retry' }
  /** robots.txt disallows the page: it was not requested. */
  | { kind: 'disallowed' }
  | { kind: 'response'; response: HttpResponse };

export class PageFetcher {
  readonly robots: RobotsCache;
  private readonly hostNext = new Map<string, number>();

  constructor(
    private readonly http: HttpClient,
    /** The product token robots.txt groups are matched against. */
    private readonly robotsToken: string,
    private readonly minDelayMs: number,
  ) {
    this.robots = new RobotsCache(http);
  }

  /** robots.txt allows the URL (a blocked host counts as allowed: its pages wait in the queue). */
  async isAllowed(url: string): Promise<boolean> {
    const robots = await this.robots.get(new URL(url));
    return robots.blocked || robots.robot?.isAllowed(url, this.robotsToken) !== false;
  }

  /** Whether robots.txt could be read and the start URL is allowed, for `check`. */
  async describe(url: string): Promise<{ blocked: boolean; allowed: boolean }> {
    const robots = await this.robots.get(new URL(url));
    return { blocked: robots.blocked, allowed: robots.robot?.isAllowed(url, this.robotsToken) !== false };
  }

  async fetchPage(
    url: string,
    validator: CrawlState['validators'][string] | undefined,
    signal?: AbortSignal,
  ): Promise<FetchOutcome> {
    const target = new URL(url);
    const robots = await this.robots.get(target);
    if (robots.blocked) return { kind: 'deferred' };
    if (robots.robot?.isAllowed(url, this.robotsToken) === false) return { kind: 'disallowed' };
    await this.waitForHost(target.host, robots);
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml' };
    if (validator?.[0]) headers['if-none-match'] = validator[0];
    if (validator?.[1]) headers['if-modified-since'] = validator[1];
    try {
      const response = await this.http.send(url, {
        headers,
        acceptStatus: (s) => s === 304 || (s >= 400 && s < 500 && s !== 429),
        retries: 2,
        ...(signal ? { signal } : {}),
      });
      return { kind: 'response', response };
    } catch (error) {
      if (error instanceof SourceError && /429|503|attempts/.test(error.message)) {
        // Back off this host and try again later in the run.
        this.hostNext.set(target.host, Date.now() + 5_000);
        return { kind: 'retry' };
      }
      throw error;
    } finally {
      this.answered(target.host, robots);
    }
  }

  /** The sitemaps robots.txt names for a seed's host (or its /sitemap.xml), fetched politely. */
  async fetchSitemaps(
    seed: string,
    isWanted: (url: string) => Promise<boolean>,
  ): Promise<Array<{ url: string; body: string }>> {
    const url = new URL(seed);
    const robots = await this.robots.get(url);
    if (robots.blocked) return [];
    const maps = robots.robot?.getSitemaps().length
      ? robots.robot.getSitemaps()
      : [`${url.protocol}//${url.host}/sitemap.xml`];
    const out: Array<{ url: string; body: string }> = [];
    for (const map of maps) {
      const mapUrl = resolveLink(map, seed);
      if (!mapUrl || !(await isWanted(mapUrl))) continue;
      await this.waitForHost(url.host, robots);
      const response = await this.http
        .send(mapUrl, { acceptStatus: (s) => s >= 400, retries: 1 })
        .catch(() => undefined);
      this.answered(url.host, robots);
      if (!response || response.status >= 400) continue;
      out.push({ url: mapUrl, body: response.body.toString('utf8') });
    }
    return out;
  }

  private async waitForHost(host: string, robots: RobotsEntry): Promise<void> {
    const delay = this.delayFor(robots);
    const now = Date.now();
    const at = Math.max(now, this.hostNext.get(host) ?? 0);
    this.hostNext.set(host, at + delay);
    if (at > now) await sleep(at - now);
  }

  /**
   * Called when a request to the host has been answered (or failed): the next one waits the delay
   * from now. A slot reserved ahead is only a lower bound — a timer that fires late on a busy
   * process, or a slow connect, would otherwise let two requests reach the site closer together
   * than the delay.
   */
  private answered(host: string, robots: RobotsEntry): void {
    this.hostNext.set(host, Math.max(this.hostNext.get(host) ?? 0, Date.now() + this.delayFor(robots)));
  }

  private delayFor(robots: RobotsEntry): number {
    return Math.max((robots.robot?.getCrawlDelay(this.robotsToken) ?? 0) * 1000, this.minDelayMs);
  }
}

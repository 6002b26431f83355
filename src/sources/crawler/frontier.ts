// What to fetch next: the crawl's queue, the URLs already seen and the validators of pages done.
// Its state is the source state the pipeline checkpoints with the records, so its shape is kept
// stable across versions (a saved state must resume).

import { createHash } from 'node:crypto';

/** One queued page: URL and link depth from the seeds. */
export type FrontierItem = [url: string, depth: number];

export interface CrawlState {
  queue: FrontierItem[];
  seen: string[];
  /** url key → [etag, last-modified, content hash] of pages done. */
  validators: Record<string, [string | null, string | null, string]>;
  pages: number;
  done?: boolean;
}

/**
 * The URL a link points to, exactly as linked: resolved against its base, fragment dropped,
 * nothing else touched (robots.txt rules are matched against what the site linked, and the site
 * is asked for that). Undefined for anything but http(s).
 */
export function resolveLink(raw: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  return url.toString();
}

/**
 * The de-duplication key of a URL: its canonical form (sorted query, so `?b=2&a=1` and `?a=1&b=2`
 * are one page) hashed. Only a key — never requested. Saved states hold these keys (`seen`,
 * `validators`) computed from URLs that were stored canonical, so the canonical form must stay
 * exactly this for their resume to work.
 */
export function keyOf(url: string): string {
  const canonical = new URL(url);
  canonical.searchParams.sort();
  return createHash('sha256').update(canonical.toString()).digest('hex').slice(0, 20);
}

export class Frontier {
  private readonly state: CrawlState;
  private readonly seen: Set<string>;
  /** Pages of hosts whose robots.txt did not answer: kept for the next run. */
  private readonly deferred: FrontierItem[] = [];

  constructor(prior: CrawlState | null) {
    // A finished crawl starts over from the seeds, keeping validators for conditional requests.
    this.state =
      prior && !prior.done
        ? { ...prior, queue: [...prior.queue], seen: [...prior.seen], validators: { ...prior.validators } }
        : { queue: [], seen: [], validators: prior?.validators ?? {}, pages: 0 };
    this.seen = new Set(this.state.seen);
  }

  /** True for a crawl that has neither queued nor fetched anything yet: it needs its seeds. */
  get isFresh(): boolean {
    return this.state.queue.length === 0 && this.state.pages === 0;
  }

  get pages(): number {
    return this.state.pages;
  }

  hasWork(maxPages: number): boolean {
    return this.state.queue.length > 0 && this.state.pages < maxPages;
  }

  enqueue(url: string, depth: number): void {
    const key = keyOf(url);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.state.queue.push([url, depth]);
  }

  /** Takes a round off the queue: up to `size` URLs, at most `perHostConcurrency` per host. */
  takeRound(size: number, perHostConcurrency: number): FrontierItem[] {
    const round: FrontierItem[] = [];
    const perHost = new Map<string, number>();
    const rest: FrontierItem[] = [];
    for (const item of this.state.queue) {
      const host = new URL(item[0]).host;
      if (round.length < size && (perHost.get(host) ?? 0) < perHostConcurrency) {
        round.push(item);
        perHost.set(host, (perHost.get(host) ?? 0) + 1);
      } else rest.push(item);
    }
    this.state.queue = rest;
    return round;
  }

  /** Back to the end of the queue (a throttled host): tried again later in this run. */
  retry(item: FrontierItem): void {
    this.state.queue.push(item);
  }

  /** Kept for the next run (its host's robots.txt did not answer). */
  defer(item: FrontierItem): void {
    this.deferred.push(item);
  }

  pageDone(): void {
    this.state.pages += 1;
  }

  validator(url: string): CrawlState['validators'][string] | undefined {
    return this.state.validators[keyOf(url)];
  }

  setValidator(url: string, validator: CrawlState['validators'][string]): void {
    this.state.validators[keyOf(url)] = validator;
  }

  /** The state to checkpoint mid-crawl: deferred pages count as queued. */
  checkpoint(): CrawlState {
    this.state.seen = [...this.seen];
    return { ...this.state, queue: [...this.state.queue, ...this.deferred] };
  }

  /** The state at the end of a run: finished, or still holding the deferred pages. */
  finish(): CrawlState {
    this.state.seen = [...this.seen];
    return this.deferred.length > 0
      ? { ...this.state, queue: this.deferred }
      : { ...this.state, queue: [], seen: [], pages: 0, done: true };
  }
}

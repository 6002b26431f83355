// robots.txt per host (RFC 9309, through robots-parser): a 4xx robots.txt allows everything; a 5xx
// or unreachable one blocks the host until it answers. Cached an hour (a blocked host a minute).

import robotsParserModule from 'robots-parser';
import type { HttpClient } from '../http.js';

export interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// robots-parser is CommonJS with a default-export typing NodeNext cannot call; its shape is this.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Robot;

export interface RobotsEntry {
  robot?: Robot;
  /** true: 5xx/unreachable — nothing on the host is fetched until it answers. */
  blocked: boolean;
  fetchedAt: number;
}

export class RobotsCache {
  private readonly entries = new Map<string, RobotsEntry>();

  constructor(private readonly http: HttpClient) {}

  async get(url: URL): Promise<RobotsEntry> {
    const cached = this.entries.get(url.host);
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
      // Unreachable is treated like 5xx (RFC 9309 §2.3.1.4): the host is blocked, not an error.
      entry = { blocked: true, fetchedAt: Date.now() };
    }
    this.entries.set(url.host, entry);
    return entry;
  }
}

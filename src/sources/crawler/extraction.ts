// What to do with a page: its robots directives (meta robots and X-Robots-Tag), the links to
// follow, and the records a stream's declarative rules (CSS selectors → fields) extract from it.

import * as cheerio from 'cheerio';
import type { HttpResponse } from '../http.js';
import type { SourceRecord } from '../types.js';
import type { CrawlerStream, FieldRule } from './settings.js';

export function headerOf(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface PageDirectives {
  noindex: boolean;
  nofollow: boolean;
}

/** A parsed HTML page. */
export class Page {
  private readonly $: cheerio.CheerioAPI;

  constructor(
    body: string,
    private readonly response: HttpResponse,
  ) {
    this.$ = cheerio.load(body);
  }

  /** Meta robots and X-Robots-Tag together: either one saying noindex/nofollow/none counts. */
  directives(): PageDirectives {
    const metaRobots = (this.$('meta[name="robots"]').attr('content') ?? '').toLowerCase();
    const headerRobots = (headerOf(this.response, 'x-robots-tag') ?? '').toLowerCase();
    return {
      noindex: /noindex|none/.test(metaRobots) || /noindex|none/.test(headerRobots),
      nofollow: /nofollow|none/.test(metaRobots) || /nofollow|none/.test(headerRobots),
    };
  }

  /** The hrefs of links not marked rel="nofollow", resolved by `resolve` against the page's URL. */
  links(resolve: (href: string, base: string) => string | undefined): string[] {
    const $ = this.$;
    const out: string[] = [];
    $('a[href]').each((_, el) => {
      if (/\bnofollow\b/i.test($(el).attr('rel') ?? '')) return;
      const link = resolve($(el).attr('href')!, this.response.url);
      if (link) out.push(link);
    });
    return out;
  }

  /** One record per page, or per `items` element on list pages. */
  records(stream: CrawlerStream): SourceRecord[] {
    const $ = this.$;
    const scopes = stream.items ? $(stream.items).toArray() : [$.root().get(0)!];
    return scopes.map((scope) => {
      const record: SourceRecord = {};
      for (const [field, rule] of Object.entries(stream.fields)) record[field] = extract($, scope, rule);
      return record;
    });
  }
}

/** The `<loc>` entries of a sitemap, resolved by `resolve` against the sitemap's URL. */
export function sitemapLocations(
  xml: string,
  base: string,
  resolve: (loc: string, base: string) => string | undefined,
): string[] {
  const $ = cheerio.load(xml, { xml: true });
  const out: string[] = [];
  $('loc').each((_, el) => {
    const loc = resolve($(el).text().trim(), base);
    if (loc) out.push(loc);
  });
  return out;
}

function extract(
  $: cheerio.CheerioAPI,
  scope: Parameters<cheerio.CheerioAPI>[0],
  rule: FieldRule,
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

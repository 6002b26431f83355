// A simulated public court-notice site for the demo, the crawler's tests and its benchmark: list
// pages with pagination, detail pages (synthetic parties with names and ID numbers), a robots.txt
// that disallows /internal/, a sitemap, ETag validators, a noindex page and a nofollow page. It
// counts every request, so tests can prove what the crawler never fetched.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Synthetic } from '../../classify/index.js';

export interface NoticeSiteOptions {
  notices?: number;
  perPage?: number;
  crawlDelaySeconds?: number;
  /** Answer robots.txt with this status instead (e.g. 404 → allow all, 503 → disallow all). */
  robotsStatus?: number;
  port?: number;
  seed?: number;
}

export interface NoticeSite {
  url: string;
  /** Every request: path and time (ms). */
  log: Array<{ path: string; at: number; status: number }>;
  notices: Array<{ id: number; title: string; party: string; idNo: string; published: string }>;
  /** Changes a notice's text (its ETag changes). */
  edit(id: number): void;
  close(): Promise<void>;
}

export async function startNoticeSite(options: NoticeSiteOptions = {}): Promise<NoticeSite> {
  const count = options.notices ?? 60;
  const perPage = options.perPage ?? 10;
  const synthetic = new Synthetic(options.seed ?? 3);
  const notices = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    title: `执行公告（${2026}）第${i + 1}号`,
    party: synthetic.chineseName(),
    idNo: synthetic.residentId(),
    published: `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
    revision: 0,
  }));
  const log: NoticeSite['log'] = [];
  const pages = Math.ceil(count / perPage);

  const html = (title: string, body: string, head = '') =>
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://site');
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (status === 200 && req.headers['if-none-match'] === etag) {
        log.push({ path: url.pathname + url.search, at: Date.now(), status: 304 });
        res.writeHead(304, { etag });
        return res.end();
      }
      log.push({ path: url.pathname + url.search, at: Date.now(), status });
      res.writeHead(status, { 'content-type': type, etag, ...headers });
      res.end(body);
    };
    if (url.pathname === '/robots.txt') {
      if (options.robotsStatus) return send(options.robotsStatus, 'text/plain', 'unavailable');
      return send(
        200,
        'text/plain',
        `User-agent: *\nDisallow: /internal/\nAllow: /notices\n${options.crawlDelaySeconds ? `Crawl-delay: ${options.crawlDelaySeconds}\n` : ''}Sitemap: /sitemap.xml\n`,
      );
    }
    if (url.pathname === '/sitemap.xml') {
      const locs = Array.from(
        { length: pages },
        (_, i) => `<url><loc>/notices?page=${i + 1}</loc></url>`,
      ).join('');
      return send(
        200,
        'application/xml',
        `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs}</urlset>`,
      );
    }
    if (url.pathname === '/notices') {
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const items = notices.slice((page - 1) * perPage, page * perPage);
      const list = items
        .map(
          (n) =>
            `<li class="notice"><a href="/notices/${n.id}">${n.title}</a> <time datetime="${n.published}">${n.published}</time></li>`,
        )
        .join('');
      const next =
        page < pages ? `<a rel="next" class="next" href="/notices?page=${page + 1}">下一页</a>` : '';
      return send(
        200,
        'text/html; charset=utf-8',
        html(
          `公告列表 第${page}页`,
          `<h1>执行公告</h1><ul>${list}</ul>${next}<a href="/internal/staff">内部通讯录</a>`,
        ),
      );
    }
    const detail = /^\/notices\/(\d+)$/.exec(url.pathname);
    if (detail) {
      const n = notices[Number(detail[1]) - 1];
      if (!n) return send(404, 'text/html', html('未找到', '<p>未找到</p>'));
      const noindex = n.id % 25 === 0 ? '<meta name="robots" content="noindex">' : '';
      const headers: Record<string, string> = n.id % 20 === 7 ? { 'x-robots-tag': 'nofollow' } : {};
      const body = `<h1 class="title">${n.title}</h1><time class="published" datetime="${n.published}">${n.published}</time>
        <div class="body">被执行人${n.party}（身份证号：${n.idNo}）未按生效法律文书履行给付义务。${n.revision ? `（更正${n.revision}）` : ''}</div>
        <a href="/internal/case/${n.id}">内部卷宗</a><a href="/notices/${(n.id % count) + 1}">下一则</a>`;
      return send(200, 'text/html; charset=utf-8', html(n.title, body, noindex), headers);
    }
    return send(404, 'text/html', html('未找到', '<p>未找到</p>'));
  };

  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    notices,
    edit: (id) => {
      const n = notices[id - 1];
      if (n) n.revision += 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

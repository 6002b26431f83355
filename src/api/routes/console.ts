// The web console at `/`: the built single-page app in web/dist (`npm run build` makes it). Hashed
// assets under /assets/ are cached for good; any other path that is not a file answers index.html
// so the console's own routes (/runs, /audit…) load on refresh — but never under /api/, whose
// unknown paths stay JSON 404s. Without web/dist, `/` says how to build it and where the API is.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';

/** web/dist beside src/ and dist/ (both are three levels below the package root). */
export const WEB_DIST = path.resolve(import.meta.dirname, '../../../web/dist');

const PUBLIC = { access: { public: 'the console’s static files; they hold no data' } } as const;
/** Paths the single-page app never owns: the API and the server's own endpoints. */
const NOT_CONSOLE = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/;

export function consoleRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  // CUSTOS_WEB_DIST serves another build (development; the tests' "not built" case).
  const dist = process.env.CUSTOS_WEB_DIST ? path.resolve(process.env.CUSTOS_WEB_DIST) : WEB_DIST;
  return async (app) => {
    if (!existsSync(path.join(dist, 'index.html'))) {
      const page = notBuiltPage(ctx.workspace.config.organisation.name, dist);
      app.get('/', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/html; charset=utf-8').send(page),
      );
      return;
    }
    // Only reply.sendFile: the routes below decide what is served.
    await app.register(fastifyStatic, { root: dist, serve: false });

    app.get('/assets/*', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      if (!isFile(dist, path.join('assets', file))) return reply.callNotFound();
      // File names carry their content hash: a new build has new names.
      return reply.sendFile(path.join('assets', file), { maxAge: '365d', immutable: true });
    });

    const index = async (request: FastifyRequest, reply: FastifyReply) => {
      if (NOT_CONSOLE.test(request.url)) return reply.callNotFound();
      const wanted = safeDecode(request.url.split('?')[0]!).replace(/^\/+/, '');
      if (wanted && !wanted.endsWith('/') && isFile(dist, wanted))
        return reply.sendFile(wanted, { maxAge: '1h' });
      // index.html names the current build's assets: never cached.
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    };
    app.get('/', { config: PUBLIC, schema: { hide: true } }, index);
    app.get('/*', { config: PUBLIC, schema: { hide: true } }, index);
  };
}

/** A malformed escape (`/%E0`) names no file rather than failing the request. */
function safeDecode(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return '';
  }
}

/** A regular file inside `root` (no escaping it with `..`). */
function isFile(root: string, relative: string): boolean {
  const full = path.resolve(root, relative);
  if (!full.startsWith(root + path.sep)) return false;
  try {
    return statSync(full).isFile();
  } catch {
    return false;
  }
}

function notBuiltPage(organisation: string, dist: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Custos</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f1f1f}code{background:#f3f3f3;padding:0 .3em}</style>
</head>
<body>
<h1>Custos</h1>
<p>${escapeHtml(organisation)} · 合规数据采集平台 / compliant data collection</p>
<p>控制台尚未构建：在项目目录运行 <code>npm run build</code>（或 <code>npm start</code>）后刷新本页。<br>
The console is not built: run <code>npm run build</code> (or <code>npm start</code>) in the project directory, then reload.
<br><small>(${escapeHtml(path.join(dist, 'index.html'))})</small></p>
<ul>
<li>API 文档 / API docs: <a href="/api/v1/docs">/api/v1/docs</a> · OpenAPI: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></li>
<li>登录 / log in: <code>POST /api/v1/auth/login</code>（用户名与首次启动时打印的密码 / the password printed at first start）</li>
<li>命令行 / CLI: <code>npx custos --help</code></li>
</ul>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

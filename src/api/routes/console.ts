// The web console entry at `/`. Until the console is built this is a small bilingual page that says
// where the API and its documentation are and how to log in.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';

export function consoleRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const organisation = escapeHtml(ctx.workspace.config.organisation.name);
  const page = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Custos 控制台</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f1f1f}code{background:#f3f3f3;padding:0 .3em}</style>
</head>
<body>
<h1>Custos</h1>
<p>${organisation} · 合规数据采集平台 / compliant data collection</p>
<p>控制台界面尚在建设中。目前可通过 API 使用全部功能：</p>
<ul>
<li>API 文档 / API docs: <a href="/api/v1/docs">/api/v1/docs</a> · OpenAPI: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></li>
<li>登录 / log in: <code>POST /api/v1/auth/login</code>（用户名与首次启动时打印的密码 / the password printed at first start）</li>
<li>命令行 / CLI: <code>npx custos --help</code></li>
</ul>
</body>
</html>
`;
  return async (app) => {
    app.get(
      '/',
      { config: { access: { public: 'console entry page; holds no data' } }, schema: { hide: true } },
      async (_request, reply) => reply.type('text/html; charset=utf-8').send(page),
    );
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

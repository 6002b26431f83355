// Assembles the HTTP server from plugins: security headers, cookies, validation, OpenAPI, access
// control, request log, metrics, error mapping and the route plugins. It holds no rules of its own.

import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  type FastifyPluginAsyncZod,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { installAccessControl, type RegisteredRoute } from './access.js';
import { installClientAddress } from './client-address.js';
import { installCompression } from './compression.js';
import { frameworkError, installErrorHandler } from './error-handler.js';
import { installMetrics } from './metrics.js';
import { installOpenApi } from './openapi.js';
import { installRequestLog } from './request-log.js';
import { accessRequestRoutes } from './routes/access-requests.js';
import { scorecardRoutes } from './routes/analytics-scorecard.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { claimsRoutes } from './routes/claims.js';
import { complianceRoutes } from './routes/compliance.js';
import { consentRoutes } from './routes/consents.js';
import { consoleRoutes } from './routes/console.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { policyRoutes } from './routes/policies.js';
import { recordRoutes } from './routes/records.js';
import { runRoutes } from './routes/runs.js';
import { scanRoutes } from './routes/scans.js';
import { securityRoutes } from './routes/security.js';
import { segmentationRoutes } from './routes/segmentation.js';
import { shareRoutes } from './routes/shares.js';
import { sourceRoutes } from './routes/sources.js';
import { subjectRequestRoutes } from './routes/subject-requests.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { workspaceRoutes } from './routes/workspace.js';
import { tlsOptions } from './transport.js';

export interface CustosServer {
  app: FastifyInstance;
  /** Every registered route with its declared access (the authorisation walk test reads this). */
  routes: RegisteredRoute[];
}

export type RoutePlugin = (ctx: AppContext) => FastifyPluginAsyncZod;

/** Route plugins of each area; later areas add theirs here. */
const routePlugins: RoutePlugin[] = [
  healthRoutes,
  consoleRoutes,
  authRoutes,
  userRoutes,
  tokenRoutes,
  workspaceRoutes,
  sourceRoutes,
  runRoutes,
  policyRoutes,
  accessRequestRoutes,
  recordRoutes,
  auditRoutes,
  subjectRequestRoutes,
  consentRoutes,
  securityRoutes,
  scanRoutes,
  keyRoutes,
  complianceRoutes,
  segmentationRoutes,
  claimsRoutes,
  scorecardRoutes,
  shareRoutes,
];

export async function buildServer(ctx: AppContext): Promise<CustosServer> {
  const https = tlsOptions(ctx.workspace);
  // (Fastify types an HTTPS instance apart; the routes are the same, so it is used as one.)
  const app = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: ctx.workspace.config.server.bodyLimitBytes,
    // X-Forwarded-For is believed only from the proxies the workspace names (none by default).
    trustProxy:
      ctx.workspace.config.server.trustedProxies.length > 0
        ? ctx.workspace.config.server.trustedProxies
        : false,
    // One line per request from request-log.ts instead (method, route, status, duration).
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    // A malformed URL is answered in the project's error envelope too.
    frameworkErrors: frameworkError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // First, so that every entry audited while serving a request carries its client address.
  installClientAddress(app);
  // Security headers first: refusals (401/403) from access control carry them too.
  const isHttps = ctx.workspace.config.server.secureCookies || https !== undefined;
  await app.register(helmet, {
    // HSTS and upgrade-insecure-requests only where the console is served over HTTPS (server.tls,
    // or a proxy in front that sets secureCookies).
    hsts: isHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'upgrade-insecure-requests': isHttps ? [] : null,
      },
    },
  });
  // Cookies are parsed before access control reads the session cookie (hooks run in order).
  await app.register(cookie);
  const routes = installAccessControl(app, ctx);
  installErrorHandler(app);
  installRequestLog(app);
  // Nothing is cached unless a route says otherwise: answers carry personal data, tokens, secrets.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  // Limits apply where a route asks for them (sign-in, routes/auth.ts).
  await app.register(rateLimit, { global: false });
  // Before every route and the console's static files (compression.ts says what is never compressed).
  await installCompression(app);
  await installOpenApi(app);
  installMetrics(app, ctx);
  for (const plugin of routePlugins) await app.register(plugin(ctx));
  await app.ready();
  return { app, routes };
}

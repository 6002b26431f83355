// Route authorisation. Every route declares who may call it — `{ roles: [...] }` or, rarely,
// `{ public: 'why' }` — and a route without a declaration cannot even be registered.

import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ForbiddenError, type Principal, type Role, UnauthorizedError } from '../domain/index.js';

export type RouteAccess = { roles: readonly Role[] } | { public: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'custos_session';

export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

/** Prefixes of routes registered by third-party plugins (documentation UI), declared public here. */
const PLUGIN_PUBLIC_PREFIXES = ['/api/v1/docs'];

export function installAccessControl(app: FastifyInstance, ctx: AppContext): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { access?: RouteAccess };
    if (!config.access && PLUGIN_PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))) {
      route.config = { ...config, access: { public: 'API documentation UI' } };
    } else if (!config.access) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no access (roles or public)`);
    }
    const access = (route.config as { access: RouteAccess }).access;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const access = request.routeOptions.config.access;
    // No access config means no route matched: the not-found handler answers.
    if (!access || 'public' in access) return;
    const principal = await resolvePrincipal(request, ctx);
    if (!principal) throw new UnauthorizedError();
    if (!access.roles.includes(principal.role)) {
      throw new ForbiddenError(`role ${principal.role} may not call this route`, {
        role: principal.role,
        allowed: access.roles,
      });
    }
    request.principal = principal;
  });
  return routes;
}

async function resolvePrincipal(request: FastifyRequest, ctx: AppContext): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError('malformed Authorization header; expected: Bearer <token>');
    const { user, tokenId } = await ctx.tokens.authenticate(match[1], request.ip);
    return { userId: user.id, username: user.username, role: user.role, via: 'token', tokenId };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) {
    const user = await ctx.sessions.authenticate(cookie);
    return { userId: user.id, username: user.username, role: user.role, via: 'session' };
  }
  return undefined;
}

/** The principal of a route that declared roles (the hook guarantees it is set). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError();
  return request.principal;
}

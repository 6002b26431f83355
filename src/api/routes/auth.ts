// Console login/logout, the current user, and changing one's own password.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, actorOf, UnauthorizedError } from '../../domain/index.js';
import { principalOf, SESSION_COOKIE } from '../access.js';
import { password, userSchema } from './schemas.js';

export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const secure = ctx.workspace.config.server.secureCookies;
  return async (app) => {
    app.post(
      '/api/v1/auth/login',
      {
        config: { access: { public: 'login: the credentials are the authorisation' } },
        schema: {
          tags: ['auth'],
          summary: 'Log in; sets an HttpOnly session cookie',
          body: z.object({ username: z.string().min(1).max(64), password }),
          response: { 200: z.object({ user: userSchema, expiresAt: z.string() }) },
        },
      },
      async (request, reply) => {
        const user = await ctx.users.authenticate(request.body.username, request.body.password);
        const session = await ctx.sessions.create(user);
        reply.setCookie(SESSION_COOKIE, session.secret, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure,
          expires: new Date(session.expiresAt),
        });
        return { user, expiresAt: session.expiresAt };
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: { tags: ['auth'], summary: 'End the console session', response: { 204: z.null() } },
      },
      async (request, reply) => {
        const cookie = request.cookies[SESSION_COOKIE];
        if (cookie) await ctx.sessions.revoke(cookie);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/auth/me',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags: ['auth'],
          summary: 'The calling user',
          response: { 200: z.object({ user: userSchema }) },
        },
      },
      async (request) => ({ user: await ctx.users.get(principalOf(request).username) }),
    );

    app.post(
      '/api/v1/auth/password',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags: ['auth'],
          summary: 'Change your own password (ends your other sessions)',
          body: z.object({ currentPassword: password, newPassword: password }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        try {
          await ctx.users.authenticate(principal.username, request.body.currentPassword);
        } catch (error) {
          if (error instanceof UnauthorizedError) throw new UnauthorizedError('current password is wrong');
          throw error;
        }
        await ctx.users.setPassword(principal.username, request.body.newPassword, actorOf(principal));
        return reply.status(204).send(null);
      },
    );
  };
}

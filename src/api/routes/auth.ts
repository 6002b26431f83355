// Console sign-in (password, then a TOTP second factor where required), logout, the current user,
// changing one's own password and setting up a second factor. Sign-in routes are rate-limited per
// client address and over all addresses (docs/security.md); the flow is documented in docs/api.md.

import type { FastifyReply, onRequestHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, actorOf, RateLimitedError, UnauthorizedError } from '../../domain/index.js';
import type { User } from '../../governance/index.js';
import { principalOf, SESSION_COOKIE } from '../access.js';
import { password, userSchema } from './schemas.js';

const signedIn = z.object({
  status: z.literal('signed_in'),
  user: userSchema,
  expiresAt: z.string(),
  /** Only right after enrolment: shown once. */
  recoveryCodes: z.array(z.string()).optional(),
});
const secondFactorRequired = z.object({
  status: z.literal('second_factor_required'),
  /** Opaque; send it back with the code. Valid 5 minutes, from the same client address only. */
  challenge: z.string(),
  /** False: call /api/v1/auth/second-factor/enrol with the challenge first. */
  isEnrolled: z.boolean(),
  expiresAt: z.string(),
});
const challenge = z.string().min(1).max(128);

export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const secure = ctx.workspace.config.server.secureCookies || ctx.workspace.config.server.tls !== undefined;
  const limits = ctx.workspace.config.security.signIn;
  return async (app) => {
    // Per address, then over all addresses: a flood of sign-ins is refused (429) before argon2
    // runs, so it cannot starve the rest of the API (/healthz stays fast).
    // (Two limiters in one hook: the plugin's own route hook runs only the first limiter of a request.)
    const limiters = [
      app.createRateLimit({
        max: limits.perAddressPerMinute,
        timeWindow: 60_000,
        keyGenerator: (request) => `address:${request.ip}`,
      }),
      app.createRateLimit({ max: limits.globalPerMinute, timeWindow: 60_000, keyGenerator: () => 'all' }),
    ];
    const rateLimited: onRequestHookHandler = async (request) => {
      for (const limiter of limiters) {
        const result = await limiter(request);
        if (!result.isAllowed && result.isExceeded) throw rateLimitRefusal(result.ttl);
      }
    };
    const startSession = async (reply: FastifyReply, user: User) => {
      const session = await ctx.sessions.create(user);
      reply.setCookie(SESSION_COOKIE, session.secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        expires: new Date(session.expiresAt),
      });
      return session.expiresAt;
    };

    app.post(
      '/api/v1/auth/login',
      {
        config: {
          access: { public: 'login: the credentials are the authorisation' },
          carriesSecrets: true,
        },
        onRequest: rateLimited,
        schema: {
          tags: ['auth'],
          summary:
            'Sign in with a password: sets the session cookie, or asks for the second factor (see docs/api.md)',
          body: z.object({ username: z.string().min(1).max(64), password }),
          response: { 200: z.discriminatedUnion('status', [signedIn, secondFactorRequired]) },
        },
      },
      async (request, reply) => {
        const user = await ctx.users.authenticate(request.body.username, request.body.password, request.ip);
        if (await ctx.secondFactors.isNeeded(user)) {
          const pending = await ctx.secondFactors.startChallenge(user, request.ip);
          return {
            status: 'second_factor_required' as const,
            challenge: pending.challenge,
            isEnrolled: pending.isEnrolled,
            expiresAt: pending.expiresAt,
          };
        }
        const expiresAt = await startSession(reply, user);
        await ctx.users.recordSignIn(user, request.ip, 'password');
        return { status: 'signed_in' as const, user, expiresAt };
      },
    );

    app.post(
      '/api/v1/auth/second-factor/enrol',
      {
        config: {
          access: {
            public: 'second sign-in step: the challenge from a correct password is the authorisation',
          },
          carriesSecrets: true,
        },
        onRequest: rateLimited,
        schema: {
          tags: ['auth'],
          summary: 'Set up TOTP during sign-in: the secret for an authenticator app (shown once)',
          body: z.object({ challenge }),
          response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }) },
        },
      },
      async (request) => ctx.secondFactors.beginEnrolment(request.body.challenge, request.ip),
    );

    app.post(
      '/api/v1/auth/second-factor',
      {
        config: {
          access: {
            public: 'second sign-in step: the challenge from a correct password is the authorisation',
          },
          carriesSecrets: true,
        },
        onRequest: rateLimited,
        schema: {
          tags: ['auth'],
          summary: 'Complete sign-in with a TOTP code or a recovery code; sets the session cookie',
          body: z.object({ challenge, code: z.string().min(6).max(32) }),
          response: { 200: signedIn },
        },
      },
      async (request, reply) => {
        const done = await ctx.secondFactors.complete(request.body.challenge, request.body.code, request.ip);
        const expiresAt = await startSession(reply, done.user);
        await ctx.users.recordSignIn(done.user, request.ip, done.method);
        return {
          status: 'signed_in' as const,
          user: done.user,
          expiresAt,
          ...(done.recoveryCodes ? { recoveryCodes: done.recoveryCodes } : {}),
        };
      },
    );

    app.post(
      '/api/v1/auth/second-factor/setup',
      {
        config: { access: { roles: ALL_ROLES }, carriesSecrets: true },
        schema: {
          tags: ['auth'],
          summary:
            'Set up TOTP for yourself (roles that do not require it): the secret for an authenticator app',
          response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }) },
        },
      },
      async (request) => ctx.secondFactors.enrol(await ctx.users.get(principalOf(request).username)),
    );

    app.post(
      '/api/v1/auth/second-factor/confirm',
      {
        config: { access: { roles: ALL_ROLES }, carriesSecrets: true },
        onRequest: rateLimited,
        schema: {
          tags: ['auth'],
          summary: 'Confirm your TOTP set-up with a code: returns recovery codes (shown once)',
          body: z.object({ code: z.string().min(6).max(32) }),
          response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const user = await ctx.users.get(principalOf(request).username);
        return { recoveryCodes: await ctx.secondFactors.confirm(user, request.body.code, request.ip) };
      },
    );

    app.delete(
      '/api/v1/users/:username/second-factor',
      {
        config: { access: { roles: ['admin'] } },
        schema: {
          tags: ['users'],
          summary: "Reset a user's second factor (lost device): they set it up again at next sign-in",
          params: z.object({ username: z.string().min(1).max(64) }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await ctx.secondFactors.reset(request.params.username, actorOf(principalOf(request)));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { access: { roles: ALL_ROLES }, carriesSecrets: true },
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
          response: { 200: z.object({ user: userSchema, hasSecondFactor: z.boolean() }) },
        },
      },
      async (request) => {
        const user = await ctx.users.get(principalOf(request).username);
        return { user, hasSecondFactor: await ctx.secondFactors.isEnrolled(user.id) };
      },
    );

    app.post(
      '/api/v1/auth/password',
      {
        config: { access: { roles: ALL_ROLES } },
        onRequest: rateLimited,
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
          await ctx.users.authenticate(principal.username, request.body.currentPassword, request.ip);
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

/** Builds the rate limiter's refusal as our own error (429 in the project's envelope, Retry-After). */
export function rateLimitRefusal(ttlMilliseconds: number): RateLimitedError {
  return new RateLimitedError(
    'too many sign-in attempts; wait and try again',
    Math.max(1, Math.ceil(ttlMilliseconds / 1000)),
  );
}

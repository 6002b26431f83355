// API tokens: every user manages their own; admins see and revoke everyone's.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, actorOf, parseDuration, ValidationError } from '../../domain/index.js';
import { DEFAULT_TOKEN_TTL_MS, TOKEN_NAME_PATTERN } from '../../governance/index.js';
import { principalOf } from '../access.js';
import { tokenSchema } from './schemas.js';

export function tokenRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const anyone = { access: { roles: ALL_ROLES } };
  return async (app) => {
    app.get(
      '/api/v1/tokens',
      {
        config: anyone,
        schema: {
          tags: ['tokens'],
          summary: 'Your tokens (admins: everyone’s with ?all=true)',
          querystring: z.object({ all: z.enum(['true', 'false']).optional() }),
          response: { 200: z.object({ tokens: z.array(tokenSchema) }) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const isAll = request.query.all === 'true' && principal.role === 'admin';
        return { tokens: await ctx.tokens.list(isAll ? undefined : principal.username) };
      },
    );

    app.post(
      '/api/v1/tokens',
      {
        config: anyone,
        schema: {
          tags: ['tokens'],
          summary: 'Create a token for yourself; the secret is in this response only',
          body: z.object({
            name: z.string().min(1).max(64).regex(TOKEN_NAME_PATTERN),
            expiresIn: z.string().max(16).optional(),
          }),
          response: { 201: z.object({ token: z.string(), info: tokenSchema }) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const ttl =
          request.body.expiresIn === undefined ? DEFAULT_TOKEN_TTL_MS : parseDuration(request.body.expiresIn);
        if (ttl === undefined) {
          throw new ValidationError('expiresIn must look like 30d, 12h or 45m', { field: 'expiresIn' });
        }
        const created = await ctx.tokens.create(
          principal.username,
          request.body.name,
          ttl,
          actorOf(principal),
        );
        return reply.status(201).send(created);
      },
    );

    app.delete(
      '/api/v1/tokens/:id',
      {
        config: anyone,
        schema: {
          tags: ['tokens'],
          summary: 'Revoke a token (owner or admin)',
          params: z.object({ id: z.string().uuid() }),
          response: { 200: z.object({ token: tokenSchema }) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return { token: await ctx.tokens.revoke(request.params.id, principal, actorOf(principal)) };
      },
    );
  };
}

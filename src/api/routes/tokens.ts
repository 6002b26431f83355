// API tokens: every user manages their own; admins see and revoke everyone's.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, actorOf, parseDuration, ValidationError } from '../../domain/index.js';
import {
  DEFAULT_TOKEN_TTL_MS,
  TOKEN_NAME_PATTERN,
  TOKEN_SORT_KEYS,
  TOKEN_STATUSES,
} from '../../governance/index.js';
import { principalOf } from '../access.js';
import { pageQuery, searchQuery, tokenSchema } from './schemas.js';

export function tokenRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const anyone = { access: { roles: ALL_ROLES } };
  return async (app) => {
    app.get(
      '/api/v1/tokens',
      {
        config: anyone,
        schema: {
          tags: ['tokens'],
          summary: 'Your tokens (admins: everyone’s with ?all=true), a page at a time',
          description:
            'Filtered by `search` (part of the name) and `status`, sorted (`-` descending; the id breaks ties), `limit` from `offset`; `total` counts every match.',
          querystring: z.object({
            all: z.enum(['true', 'false']).optional(),
            search: searchQuery,
            status: z.enum(TOKEN_STATUSES).optional(),
            ...pageQuery(TOKEN_SORT_KEYS, 'createdAt'),
          }),
          response: {
            200: z.object({
              tokens: z.array(tokenSchema),
              total: z.number().describe('tokens matching the filter, across all pages'),
            }),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { all, search, status, ...page } = request.query;
        const isAll = all === 'true' && principal.role === 'admin';
        const { items, total } = await ctx.tokens.page({
          ...page,
          ...(isAll ? {} : { username: principal.username }),
          ...(search ? { search } : {}),
          ...(status ? { status } : {}),
        });
        return { tokens: items, total };
      },
    );

    app.post(
      '/api/v1/tokens',
      {
        config: { ...anyone, carriesSecrets: true },
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

// User administration (admins only).

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { USER_SORT_KEYS } from '../../governance/index.js';
import { principalOf } from '../access.js';
import { pageQuery, password, roleSchema, searchQuery, userSchema } from './schemas.js';

const usernameParams = z.object({ username: z.string().min(1).max(64) });

export function userRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const admin = { access: { roles: ['admin'] as const } };
  return async (app) => {
    app.get(
      '/api/v1/users',
      {
        config: admin,
        schema: {
          tags: ['users'],
          description:
            'Users, a page at a time: filtered by `search` (part of the username or display name), `role` and `disabled`, sorted (`-` descending; the id breaks ties), `limit` from `offset`; `total` counts every match.',
          querystring: z.object({
            search: searchQuery,
            role: roleSchema.optional(),
            disabled: z.enum(['true', 'false']).optional(),
            ...pageQuery(USER_SORT_KEYS, 'username'),
          }),
          response: {
            200: z.object({
              users: z.array(userSchema),
              total: z.number().describe('users matching the filter, across all pages'),
            }),
          },
        },
      },
      async (request) => {
        const { search, role, disabled, ...page } = request.query;
        const { items, total } = await ctx.users.page({
          ...page,
          ...(search ? { search } : {}),
          ...(role ? { role } : {}),
          ...(disabled ? { isDisabled: disabled === 'true' } : {}),
        });
        return { users: items, total };
      },
    );

    app.post(
      '/api/v1/users',
      {
        config: admin,
        schema: {
          tags: ['users'],
          body: z.object({
            username: z.string().min(1).max(64),
            role: roleSchema,
            password,
            displayName: z.string().max(128).optional(),
          }),
          response: { 201: z.object({ user: userSchema }) },
        },
      },
      async (request, reply) => {
        const { displayName, ...rest } = request.body;
        const user = await ctx.users.create(
          displayName === undefined ? rest : { ...rest, displayName },
          actorOf(principalOf(request)),
        );
        return reply.status(201).send({ user });
      },
    );

    app.put(
      '/api/v1/users/:username/password',
      {
        config: admin,
        schema: {
          tags: ['users'],
          params: usernameParams,
          body: z.object({ password }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await ctx.users.setPassword(
          request.params.username,
          request.body.password,
          actorOf(principalOf(request)),
        );
        return reply.status(204).send(null);
      },
    );

    app.patch(
      '/api/v1/users/:username',
      {
        config: admin,
        schema: {
          tags: ['users'],
          params: usernameParams,
          body: z.object({ role: roleSchema.optional(), isDisabled: z.boolean().optional() }),
          response: { 200: z.object({ user: userSchema }) },
        },
      },
      async (request) => {
        const actor = actorOf(principalOf(request));
        let user = await ctx.users.get(request.params.username);
        if (request.body.role !== undefined)
          user = await ctx.users.setRole(user.username, request.body.role, actor);
        if (request.body.isDisabled !== undefined) {
          user = await ctx.users.setDisabled(user.username, request.body.isDisabled, actor);
        }
        return { user };
      },
    );
  };
}

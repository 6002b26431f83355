// Access policies (policies.yaml): read by everyone, created, replaced and deleted by admins and
// compliance officers (validated as the file is, written atomically, audited by name); and
// `explain`: field by field, what a user would see of a dataset for a purpose, and which rule decided.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf, ForbiddenError, ROLES, resolveLocale } from '../../domain/index.js';
import { canOversee } from '../../governance/index.js';
import { principalOf } from '../access.js';

const fieldDecisionSchema = z.object({
  field: z.string(),
  access: z.enum(['clear', 'masked', 'denied']),
  mask: z.string().optional(),
  rule: z.string(),
  reason: z.string(),
});

export const explanationSchema = z
  .object({
    user: z.string(),
    dataset: z.string(),
    purpose: z.string(),
    roles: z.array(z.string()),
    outcome: z.string(),
    refusal: z.object({ code: z.string(), reason: z.string() }).optional(),
    policies: z.array(z.string()),
    requiresApproval: z.boolean(),
    grant: z
      .object({ id: z.string(), expiresAt: z.string(), fields: z.array(z.string()).nullable() })
      .optional(),
    fields: z.array(fieldDecisionSchema),
    rowFilters: z.array(z.object({ rule: z.string(), where: z.unknown() })),
  })
  .meta({ id: 'AccessExplanation' });

const policyObject = z
  .record(z.string(), z.unknown())
  .describe('a policy as written in policies.yaml (docs/access.md), validated by the same schema');
const policyName = z.object({ name: z.string().min(1).max(64) });

export function policyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const everyone = { access: { roles: ROLES } };
  const editors = { access: { roles: ['admin', 'compliance_officer'] as const } };
  return async (app) => {
    app.post(
      '/api/v1/policies',
      {
        config: editors,
        schema: {
          tags: ['access'],
          description:
            'Adds a policy to policies.yaml. Checked as loading checks the file (schema, known roles, datasets, purposes, fields; row filters on clear fields), written atomically, in force at once in this server. Audited by name.',
          body: policyObject,
          response: { 201: z.object({ policy: policyObject }) },
        },
      },
      async (request, reply) => {
        const policy = await ctx.accessPolicy.change(
          { kind: 'create', policy: request.body },
          actorOf(principalOf(request)),
        );
        return reply.code(201).send({ policy: { ...policy } });
      },
    );

    app.put(
      '/api/v1/policies/:name',
      {
        config: editors,
        schema: {
          tags: ['access'],
          description:
            'Replaces the policy of that name (the body’s name must be the same). Checked, written and audited as on create.',
          params: policyName,
          body: policyObject,
          response: { 200: z.object({ policy: policyObject }) },
        },
      },
      async (request) => {
        const policy = await ctx.accessPolicy.change(
          { kind: 'update', name: request.params.name, policy: request.body },
          actorOf(principalOf(request)),
        );
        return { policy: { ...policy } };
      },
    );

    app.delete(
      '/api/v1/policies/:name',
      {
        config: editors,
        schema: {
          tags: ['access'],
          description: 'Removes the policy of that name from policies.yaml. Audited by name.',
          params: policyName,
          response: { 200: z.object({ deleted: z.string() }) },
        },
      },
      async (request) => {
        await ctx.accessPolicy.change(
          { kind: 'delete', name: request.params.name },
          actorOf(principalOf(request)),
        );
        return { deleted: request.params.name };
      },
    );

    app.get(
      '/api/v1/policies',
      {
        config: everyone,
        schema: {
          tags: ['access'],
          description: 'The access policies of the workspace (policies.yaml), as validated at load.',
          response: { 200: z.object({ policies: z.array(z.record(z.string(), z.unknown())) }) },
        },
      },
      async () => ({ policies: ctx.accessPolicy.policies.map((p) => ({ ...p })) }),
    );

    app.get(
      '/api/v1/policies/explain',
      {
        config: everyone,
        schema: {
          tags: ['access'],
          description:
            'What the user would see of the dataset for the purpose, field by field, and which rule decided (reasons in the Accept-Language language: zh-CN default, en). Reads no data. Users other than yourself: compliance officers, admins and auditors only.',
          querystring: z.object({
            user: z.string().min(1).max(64).optional(),
            dataset: z.string().min(1).max(64),
            purpose: z.string().min(1).max(64),
          }),
          response: { 200: explanationSchema },
        },
      },
      async (request) => {
        const asker = principalOf(request);
        const username = request.query.user ?? asker.username;
        if (username !== asker.username && !canOversee(asker))
          throw new ForbiddenError(
            'only compliance officers, admins and auditors explain other users’ access',
          );
        const user = username === asker.username ? asker : await ctx.users.get(username);
        return ctx.accessPolicy.explain(
          { username: user.username, role: user.role },
          request.query.dataset,
          request.query.purpose,
          resolveLocale(request.headers['accept-language']),
        );
      },
    );
  };
}

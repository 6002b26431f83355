// Data-use approval (审批流程): access requests, their maker-checker decisions, and grants.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf, ROLES } from '../../domain/index.js';
import { canOversee, MAX_JUSTIFICATION } from '../../governance/index.js';
import { principalOf } from '../access.js';

const requestSchema = z
  .object({
    id: z.string(),
    requester: z.string(),
    datasets: z.array(z.string()),
    fields: z.array(z.string()).nullable(),
    purpose: z.string(),
    durationDays: z.number(),
    justification: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    approvalsRequired: z.number(),
    decisions: z.array(
      z.object({
        approver: z.string(),
        decision: z.enum(['approve', 'reject']),
        comment: z.string().nullable(),
        decidedAt: z.string(),
      }),
    ),
    grantId: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .meta({ id: 'AccessRequest' });

const grantSchema = z
  .object({
    id: z.string(),
    requestId: z.string(),
    grantee: z.string(),
    datasets: z.array(z.string()),
    fields: z.array(z.string()).nullable(),
    purpose: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
  })
  .meta({ id: 'Grant' });

const idParams = z.object({ id: z.string().min(1).max(80) });
const decisionBody = z.object({ comment: z.string().max(1000).optional() }).optional();

export function accessRequestRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const requesters = {
    access: { roles: ['analyst', 'data_engineer', 'compliance_officer', 'admin'] as const },
  };
  const officers = { access: { roles: ['compliance_officer'] as const } };
  const everyone = { access: { roles: ROLES } };
  return async (app) => {
    app.post(
      '/api/v1/access-requests',
      {
        config: requesters,
        schema: {
          tags: ['access'],
          description:
            'Ask for access to datasets (and optionally only some fields) for a purpose and a number of days.',
          body: z.object({
            datasets: z.array(z.string().min(1).max(64)).min(1).max(20),
            fields: z.array(z.string().min(1).max(128)).min(1).max(200).optional(),
            purpose: z.string().min(1).max(64),
            durationDays: z.number().int().min(1).max(366),
            justification: z.string().min(10).max(MAX_JUSTIFICATION),
          }),
          response: { 201: requestSchema },
        },
      },
      async (request, reply) => {
        const { fields, ...rest } = request.body;
        const created = await ctx.accessRequests.request(
          principalOf(request),
          fields === undefined ? rest : { ...rest, fields },
        );
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/api/v1/access-requests',
      {
        config: everyone,
        schema: {
          tags: ['access'],
          description:
            'Access requests: all of them for compliance officers, admins and auditors; your own otherwise.',
          querystring: z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() }),
          response: { 200: z.object({ requests: z.array(requestSchema) }) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return {
          requests: await ctx.accessRequests.list({
            ...(request.query.status ? { status: request.query.status } : {}),
            ...(canOversee(principal) ? {} : { requester: principal.username }),
          }),
        };
      },
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/api/v1/access-requests/:id/${decision}`,
        {
          config: officers,
          schema: {
            tags: ['access'],
            description:
              decision === 'approve'
                ? 'Approve a request (never your own). The last approval needed creates the grant.'
                : 'Reject a request (never your own).',
            params: idParams,
            body: decisionBody,
            response: { 200: z.object({ request: requestSchema, grant: grantSchema.optional() }) },
          },
        },
        async (request) => {
          const comment = request.body?.comment;
          return ctx.accessRequests[decision](request.params.id, principalOf(request), comment);
        },
      );
    }

    app.get(
      '/api/v1/grants',
      {
        config: everyone,
        schema: {
          tags: ['access'],
          description:
            'Grants: all of them for compliance officers, admins and auditors; your own otherwise.',
          querystring: z.object({ status: z.enum(['active', 'expired', 'revoked']).optional() }),
          response: { 200: z.object({ grants: z.array(grantSchema) }) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return {
          grants: await ctx.grants.list({
            ...(request.query.status ? { status: request.query.status } : {}),
            ...(canOversee(principal) ? {} : { grantee: principal.username }),
          }),
        };
      },
    );

    app.delete(
      '/api/v1/grants/:id',
      {
        config: { access: { roles: ['compliance_officer', 'admin'] as const } },
        schema: { tags: ['access'], params: idParams, response: { 200: z.object({ grant: grantSchema }) } },
      },
      async (request) => ({
        grant: await ctx.grants.revoke(request.params.id, actorOf(principalOf(request))),
      }),
    );
  };
}

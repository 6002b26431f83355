// Data-subject requests (PIPL Arts. 44–48) and retention over HTTP: record a request, list them
// (with the overdue flag), walk one through its steps, download the result of an access, copy or
// explanation request; run retention, read its reports, place and release legal holds. The
// person's identifier travels in request bodies only, never in a URL, and is never returned.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import {
  CANCELLATION_REASONS,
  DENIAL_REASONS,
  SUBJECT_REQUEST_STATUSES,
  SUBJECT_REQUEST_TYPES,
  subjectIdOf,
  VERIFICATION_METHODS,
} from '../../governance/index.js';
import { principalOf } from '../access.js';

const stepSchema = z.object({
  step: z.string(),
  actor: z.string(),
  at: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

const requestSchema = z
  .object({
    id: z.string(),
    type: z.enum(SUBJECT_REQUEST_TYPES),
    status: z.enum(SUBJECT_REQUEST_STATUSES),
    subjectId: z.string().describe('keyed hash of the identifier; never the identifier'),
    scope: z.object({
      corrections: z.array(z.object({ dataset: z.string(), fields: z.array(z.string()) })).optional(),
      purposes: z.array(z.string()).optional(),
    }),
    channel: z.string().nullable(),
    receivedAt: z.string(),
    deadlineAt: z.string(),
    isOverdue: z.boolean(),
    createdBy: z.string(),
    verifiedBy: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    reason: z.string().nullable(),
    note: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    steps: z.array(stepSchema),
  })
  .meta({ id: 'SubjectRequest' });

const datasetRetentionSchema = z.object({
  dataset: z.string(),
  retention: z.string(),
  from: z.string(),
  cutoff: z.string(),
  isOnHold: z.boolean(),
  expired: z.number(),
  keptOnHold: z.number(),
  deleted: z.number(),
  versionsDeleted: z.number(),
  indexEntriesDeleted: z.number(),
  quarantinedDeleted: z.number(),
});

const reportSchema = z
  .object({
    id: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    isDryRun: z.boolean(),
    actor: z.string(),
    datasets: z.array(datasetRetentionSchema),
    keysDeleted: z.number(),
    totals: z.object({
      expired: z.number(),
      deleted: z.number(),
      keptOnHold: z.number(),
      quarantinedDeleted: z.number(),
    }),
  })
  .meta({ id: 'RetentionReport' });

const holdSchema = z.object({
  subjectId: z.string(),
  reason: z.string(),
  placedBy: z.string(),
  placedAt: z.string(),
});

const idParams = z.object({ id: z.string().min(1).max(80) });
const identifier = z.string().min(1).max(256).describe("the person's identifier (ID number, mobile…)");

export function subjectRequestRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const managers = { access: { roles: ['compliance_officer', 'admin'] as const } };
  const readers = { access: { roles: ['compliance_officer', 'admin', 'auditor'] as const } };
  return async (app) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    app.post(
      '/api/v1/dsr',
      {
        config: managers,
        schema: {
          tags: ['rights'],
          description:
            "Record a data-subject request. The identifier is kept only as a keyed hash and sealed under the person's data key.",
          body: z.object({
            type: z.enum(SUBJECT_REQUEST_TYPES),
            identifier,
            channel: z.string().min(1).max(40).optional(),
            receivedAt: z.iso.datetime({ offset: true }).optional(),
            deadlineWorkingDays: z.number().int().min(1).max(90).optional(),
            corrections: z
              .array(
                z.object({ dataset: z.string().min(1).max(64), fields: z.record(z.string(), z.unknown()) }),
              )
              .min(1)
              .max(50)
              .optional()
              .describe('correction: new values of fields of the person’s records in a dataset'),
            purposes: z.array(z.string().min(1).max(64)).min(1).max(50).optional(),
          }),
          response: { 201: requestSchema },
        },
      },
      async (request, reply) => {
        const { corrections, purposes, channel, receivedAt, deadlineWorkingDays, ...rest } = request.body;
        const created = await ctx.subjectRequests.create(principalOf(request), {
          ...rest,
          ...(corrections ? { corrections } : {}),
          ...(purposes ? { purposes } : {}),
          ...(channel ? { channel } : {}),
          ...(receivedAt ? { receivedAt } : {}),
          ...(deadlineWorkingDays ? { deadlineWorkingDays } : {}),
        });
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/api/v1/dsr',
      {
        config: readers,
        schema: {
          tags: ['rights'],
          description:
            'Data-subject requests, soonest deadline first; `overdue=true` lists the open ones past it.',
          querystring: z.object({
            status: z.enum(SUBJECT_REQUEST_STATUSES).optional(),
            type: z.enum(SUBJECT_REQUEST_TYPES).optional(),
            overdue: z.enum(['true', 'false']).optional(),
          }),
          response: { 200: z.object({ requests: z.array(requestSchema) }) },
        },
      },
      async (request) => {
        const q = request.query;
        return {
          requests: await ctx.subjectRequests.list({
            ...(q.status ? { status: q.status } : {}),
            ...(q.type ? { type: q.type } : {}),
            ...(q.overdue ? { isOverdue: q.overdue === 'true' } : {}),
          }),
        };
      },
    );

    app.get(
      '/api/v1/dsr/:id',
      {
        config: readers,
        schema: {
          tags: ['rights'],
          description: 'One request with every step it went through.',
          params: idParams,
          response: { 200: requestSchema },
        },
      },
      async (request) => ctx.subjectRequests.get(request.params.id),
    );

    app.post(
      '/api/v1/dsr/:id/verify',
      {
        config: managers,
        schema: {
          tags: ['rights'],
          description:
            "received → verified: the person's identity was checked (never by whoever recorded it).",
          params: idParams,
          body: z.object({ method: z.enum(VERIFICATION_METHODS) }),
          response: { 200: requestSchema },
        },
      },
      async (request) =>
        ctx.subjectRequests.verify(request.params.id, principalOf(request), request.body.method),
    );

    for (const step of ['start', 'complete'] as const) {
      app.post(
        `/api/v1/dsr/:id/${step}`,
        {
          config: managers,
          schema: {
            tags: ['rights'],
            description:
              step === 'start'
                ? 'verified → in progress.'
                : 'in progress → completed: does what the request asks (read, correct, erase, withdraw, explain). A deletion is completed by someone other than whoever recorded it.',
            params: idParams,
            response: { 200: requestSchema },
          },
        },
        async (request) => ctx.subjectRequests[step](request.params.id, principalOf(request)),
      );
    }

    for (const [step, reasons] of [
      ['deny', DENIAL_REASONS],
      ['cancel', CANCELLATION_REASONS],
    ] as const) {
      app.post(
        `/api/v1/dsr/:id/${step}`,
        {
          config: managers,
          schema: {
            tags: ['rights'],
            description:
              step === 'deny'
                ? 'An open request → denied, with a reason code.'
                : 'An open request → cancelled, with a reason code.',
            params: idParams,
            body: z.object({
              reason: z.enum(reasons as unknown as [string, ...string[]]),
              note: z.string().max(1000).optional(),
            }),
            response: { 200: requestSchema },
          },
        },
        async (request) =>
          ctx.subjectRequests[step](
            request.params.id,
            principalOf(request),
            request.body.reason,
            request.body.note,
          ),
      );
    }

    app.get(
      '/api/v1/dsr/:id/result',
      {
        config: managers,
        schema: {
          tags: ['rights'],
          description:
            'The result of a completed access, copy or explanation request, for the person: a JSON document generated now (reads audited). Holds personal data.',
          params: idParams,
          response: { 200: z.record(z.string(), z.unknown()).describe('the request’s document (JSON)') },
        },
      },
      async (request, reply) => {
        const doc = await ctx.subjectRequests.document(request.params.id, principalOf(request));
        return reply
          .header('content-disposition', `attachment; filename="${request.params.id}.json"`)
          .send(doc as unknown as Record<string, unknown>);
      },
    );

    app.post(
      '/api/v1/retention/run',
      {
        config: managers,
        schema: {
          tags: ['rights'],
          description:
            'Delete records past their dataset’s retention now (or, with dryRun, report what would go). The report holds counts only.',
          body: z
            .object({
              dryRun: z.boolean().default(false),
              datasets: z.array(z.string().min(1).max(64)).optional(),
            })
            .default({ dryRun: false }),
          response: { 200: reportSchema },
        },
      },
      async (request) =>
        ctx.retention.run({
          actor: actorOf(principalOf(request)),
          dryRun: request.body.dryRun,
          ...(request.body.datasets ? { datasets: request.body.datasets } : {}),
        }),
    );

    app.get(
      '/api/v1/retention/reports',
      {
        config: readers,
        schema: {
          tags: ['rights'],
          description: 'The latest retention reports, newest first.',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
          response: { 200: z.object({ reports: z.array(reportSchema) }) },
        },
      },
      async (request) => ({ reports: await ctx.retention.reports(request.query.limit) }),
    );

    app.get(
      '/api/v1/retention/holds',
      {
        config: readers,
        schema: {
          tags: ['rights'],
          description: 'Subjects on legal hold.',
          response: { 200: z.object({ holds: z.array(holdSchema) }) },
        },
      },
      async () => ({ holds: await ctx.retention.holds() }),
    );

    app.post(
      '/api/v1/retention/holds',
      {
        config: managers,
        schema: {
          tags: ['rights'],
          description:
            'Place a legal hold on a person (by identifier, in the body): retention deletes nothing of theirs.',
          body: z.object({ identifier, reason: z.string().min(3).max(500) }),
          response: { 201: holdSchema },
        },
      },
      async (request, reply) => {
        const subjectId = subjectIdOf(ctx.keys(), request.body.identifier.trim());
        const hold = await ctx.retention.hold(subjectId, request.body.reason, actorOf(principalOf(request)));
        return reply.status(201).send(hold);
      },
    );

    app.post(
      '/api/v1/retention/holds/release',
      {
        config: managers,
        schema: {
          tags: ['rights'],
          description: 'Release the legal hold on a person (by identifier, in the body).',
          body: z.object({ identifier }),
          response: { 200: z.object({ subjectId: z.string(), released: z.boolean() }) },
        },
      },
      async (request) => {
        const subjectId = subjectIdOf(ctx.keys(), request.body.identifier.trim());
        await ctx.retention.release(subjectId, actorOf(principalOf(request)));
        return { subjectId, released: true };
      },
    );
  };
}

// The governed read path over HTTP: list, get, find a person, export. Every route names a purpose,
// goes through policy and grants (refusals are 403 with a code), is audited, and is never cached.
// The identifier of a lookup travels in the body, never in the URL (which proxies and logs keep).

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ROLES } from '../../domain/index.js';
import { EXPORT_FORMATS, RecordReadService } from '../../governance/index.js';
import { principalOf } from '../access.js';

const itemSchema = z
  .object({
    key: z.string(),
    version: z.number(),
    collectedAt: z.string(),
    deletedAtSource: z
      .string()
      .optional()
      .describe('when the record was deleted at source (change data capture); absent while it exists there'),
    fields: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'RecordItem' });

const withheldSchema = z.object({
  noConsent: z.number(),
  filtered: z.number(),
  deletedAtSource: z.number().describe('records deleted at source left out (includeDeleted=false)'),
});

const includeDeleted = z
  .enum(['true', 'false'])
  .default('true')
  .transform((v) => v === 'true')
  .describe('records deleted at source: included and flagged with deletedAtSource (default), or left out');

const name = z.string().min(1).max(64);
const purpose = z.string().min(1).max(64).describe('the purpose of this read (required)');
const fields = z
  .string()
  .max(4000)
  .optional()
  .describe('comma-separated field names (default: every field you may see)');

const splitFields = (text: string | undefined) =>
  text === undefined
    ? undefined
    : text
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '');

export function recordRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  // Every role may ask; the access policies decide (most roles have none, and get no_policy).
  const readers = { access: { roles: ROLES } };
  return async (app) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    app.get(
      '/api/v1/datasets/:name/records',
      {
        config: readers,
        schema: {
          tags: ['records'],
          description:
            'Current records of a dataset, through policy: fields shown in clear or masked, consent and row filters applied. Audited.',
          params: z.object({ name }),
          querystring: z.object({
            purpose,
            fields,
            filter: z
              .string()
              .max(4000)
              .optional()
              .describe('JSON row condition over fields you see in clear, e.g. {"field":"city","eq":"深圳"}'),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            cursor: z.string().max(4000).optional(),
            includeDeleted,
          }),
          response: {
            200: z.object({
              items: z.array(itemSchema),
              nextCursor: z.string().nullable(),
              withheld: withheldSchema,
              damaged: z.array(z.string()),
              erased: z.number(),
              grant: z.string().nullable(),
            }),
          },
        },
      },
      async (request) => {
        const q = request.query;
        const requested = splitFields(q.fields);
        return ctx.records.list(principalOf(request), request.params.name, {
          purpose: q.purpose,
          limit: q.limit,
          includeDeleted: q.includeDeleted,
          ...(requested ? { fields: requested } : {}),
          ...(q.filter ? { filter: RecordReadService.parseFilter(q.filter) } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
      },
    );

    app.get(
      '/api/v1/datasets/:name/records/:key',
      {
        config: readers,
        schema: {
          tags: ['records'],
          description: 'One record by natural key, through policy. Audited.',
          params: z.object({ name, key: z.string().min(1).max(1000) }),
          querystring: z.object({ purpose, fields }),
          response: { 200: itemSchema },
        },
      },
      async (request) => {
        const requested = splitFields(request.query.fields);
        return ctx.records.get(principalOf(request), request.params.name, request.params.key, {
          purpose: request.query.purpose,
          ...(requested ? { fields: requested } : {}),
        });
      },
    );

    app.post(
      '/api/v1/subjects/lookup',
      {
        config: readers,
        schema: {
          tags: ['records'],
          description:
            'Finds a person across the datasets you may read for the purpose, through the blind index. The identifier (ID number, mobile, card…) is never stored, logged or audited.',
          body: z.object({ identifier: z.string().min(1).max(256), purpose }),
          response: {
            200: z.object({
              matches: z.array(
                z.object({
                  dataset: z.string(),
                  items: z.array(itemSchema),
                  withheld: withheldSchema,
                  damaged: z.array(z.string()),
                }),
              ),
              skipped: z.array(z.object({ dataset: z.string(), code: z.string() })),
            }),
          },
        },
      },
      async (request) =>
        ctx.records.lookup(principalOf(request), request.body.identifier, request.body.purpose),
    );

    app.get(
      '/api/v1/datasets/:name/export',
      {
        config: readers,
        schema: {
          tags: ['records'],
          description:
            'Streams the dataset through policy as NDJSON, CSV or XLSX, as fast as the client reads. Records deleted at source carry deletedAtSource (a column in CSV and XLSX). The export id is in X-Custos-Export-Id and in the audit log.',
          params: z.object({ name }),
          querystring: z.object({
            purpose,
            format: z.enum(EXPORT_FORMATS).default('ndjson'),
            fields,
            includeDeleted,
          }),
          // Documentation only: a stream is sent as it is, never through the JSON serializer.
          response: { 200: z.unknown().describe('the export file (NDJSON, CSV or XLSX), streamed') },
        },
      },
      async (request, reply) => {
        const requested = splitFields(request.query.fields);
        const started = await ctx.exports.start(principalOf(request), request.params.name, {
          purpose: request.query.purpose,
          format: request.query.format,
          includeDeleted: request.query.includeDeleted,
          ...(requested ? { fields: requested } : {}),
        });
        return reply
          .header('content-type', started.contentType)
          .header('content-disposition', `attachment; filename="${started.filename}"`)
          .header('x-custos-export-id', started.id)
          .send(started.body);
      },
    );
  };
}

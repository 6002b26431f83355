// Sources over the API: list, check, discover, a masked preview, and the replication slots of CDC
// sources (data engineers and admins).

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { dropReplication, replicationReport } from '../../pipeline/index.js';
import { listSources, SOURCE_SORT_KEYS } from '../../sources/index.js';
import { previewSource } from '../../sources/preview.js';
import { principalOf } from '../access.js';
import { pageQuery, searchQuery } from './schemas.js';

const ENGINEERS = ['admin', 'data_engineer'] as const;
const params = z.object({ name: z.string().min(1).max(64) });

const sourceSummary = z
  .object({
    name: z.string(),
    type: z.string(),
    vendor: z.string().nullable(),
    description: z.string().nullable(),
  })
  .meta({ id: 'SourceSummary' });
const checkResult = z
  .object({ source: z.string(), ok: z.boolean(), identity: z.string().optional(), message: z.string() })
  .meta({ id: 'SourceCheck' });
const streamDescription = z
  .object({
    name: z.string(),
    fields: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean().optional() })),
    cursorFields: z.array(z.string()).optional(),
    primaryKey: z.array(z.string()).optional(),
  })
  .meta({ id: 'StreamDescription' });
const preview = z
  .object({
    source: z.string(),
    stream: z.string(),
    /** Values that look personal are masked over the API. */
    records: z.array(z.record(z.string(), z.unknown())),
    masked: z.boolean(),
  })
  .meta({ id: 'SourcePreview' });

/** A CDC stream's replication slot or binlog position, as `custos source slots` reports it. */
const replicationSchema = z.object({
  source: z.string(),
  stream: z.string(),
  kind: z.enum(['slot', 'binlog']),
  name: z.string(),
  exists: z.boolean(),
  isActive: z.boolean(),
  retainedBytes: z.number().nullable(),
  /** The partner keeps more than `lagWarnBytes` of log for this stream: act on it. */
  isLagging: z.boolean(),
  lagWarnBytes: z.number(),
  detail: z.string(),
  datasets: z.array(z.string()),
});

export function sourceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/sources',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['sources'],
          description:
            'The declared sources, a page at a time: filtered by `search` (part of the name or description) and `type`, sorted (`-` descending; the name breaks ties), `limit` from `offset`; `total` counts every match.',
          querystring: z.object({
            search: searchQuery,
            type: z.string().max(32).optional(),
            ...pageQuery(SOURCE_SORT_KEYS, 'name'),
          }),
          response: {
            200: z.object({
              sources: z.array(sourceSummary),
              total: z.number().describe('sources matching the filter, across all pages'),
            }),
          },
        },
      },
      async (request) => {
        const { search, type, ...page } = request.query;
        const { items, total } = listSources(ctx.workspace.sources, {
          ...page,
          ...(search ? { search } : {}),
          ...(type ? { type } : {}),
        });
        return { sources: items, total };
      },
    );

    app.post(
      '/api/v1/sources/:name/check',
      {
        config: { access: { roles: ENGINEERS } },
        schema: { tags: ['sources'], params, response: { 200: checkResult } },
      },
      async (request) => {
        const source = ctx.openSource(request.params.name);
        try {
          return { source: request.params.name, ...(await source.check()) };
        } finally {
          await source.close();
        }
      },
    );

    app.get(
      '/api/v1/sources/:name/streams',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['sources'],
          params,
          response: { 200: z.object({ source: z.string(), streams: z.array(streamDescription) }) },
        },
      },
      async (request) => {
        const source = ctx.openSource(request.params.name);
        try {
          return { source: request.params.name, streams: await source.discover() };
        } finally {
          await source.close();
        }
      },
    );

    app.get(
      '/api/v1/sources/:name/replication',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['sources'],
          params,
          response: { 200: z.object({ source: z.string(), slots: z.array(replicationSchema) }) },
        },
      },
      async (request) => ({
        source: request.params.name,
        slots: await replicationReport(ctx, request.params.name),
      }),
    );

    app.delete(
      '/api/v1/sources/:name/replication',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['sources'],
          params,
          querystring: z.object({ stream: z.string().min(1).optional() }),
          response: { 200: z.object({ source: z.string(), dropped: z.array(z.string()) }) },
        },
      },
      async (request) => ({
        source: request.params.name,
        dropped: await dropReplication(
          ctx,
          request.params.name,
          actorOf(principalOf(request)),
          request.query.stream,
        ),
      }),
    );

    app.get(
      '/api/v1/sources/:name/preview',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['sources'],
          params,
          querystring: z.object({
            stream: z.string().optional(),
            limit: z.coerce.number().int().min(1).max(100).default(10),
          }),
          response: { 200: preview },
        },
      },
      async (request) => {
        const source = ctx.openSource(request.params.name);
        try {
          // Over the API, previews are always masked.
          return await previewSource(source, request.query.stream, request.query.limit, {
            showValues: false,
            actor: actorOf(principalOf(request)),
            audit: ctx.audit,
          });
        } finally {
          await source.close();
        }
      },
    );
  };
}

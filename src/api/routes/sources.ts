// Sources over the API: list, check, discover, a masked preview, and the replication slots of CDC
// sources (data engineers and admins).

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { dropReplication, replicationReport } from '../../pipeline/index.js';
import { previewSource } from '../../sources/preview.js';
import { principalOf } from '../access.js';

const ENGINEERS = ['admin', 'data_engineer'] as const;
const params = z.object({ name: z.string().min(1).max(64) });

export function sourceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/sources',
      { config: { access: { roles: ENGINEERS } }, schema: { tags: ['sources'] } },
      async () => ({
        sources: ctx.workspace.sources.map((s) => ({
          name: s.name,
          type: s.type,
          vendor: s.vendor ?? null,
          description: s.description ?? null,
        })),
      }),
    );

    app.post(
      '/api/v1/sources/:name/check',
      { config: { access: { roles: ENGINEERS } }, schema: { tags: ['sources'], params } },
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
      { config: { access: { roles: ENGINEERS } }, schema: { tags: ['sources'], params } },
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
      { config: { access: { roles: ENGINEERS } }, schema: { tags: ['sources'], params } },
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

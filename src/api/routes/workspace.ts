// What the workspace declares, as a summary any signed-in user may see (no secrets, no storage password).

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ALL_ROLES } from '../../domain/index.js';

export function workspaceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/workspace',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags: ['workspace'],
          response: {
            200: z.object({
              organisation: z.string(),
              dialect: z.enum(['sqlite', 'postgres']),
              suite: z.enum(['sm', 'aes']),
              locale: z.enum(['zh-CN', 'en']),
              counts: z.record(z.string(), z.number()),
              datasets: z.array(
                z.object({
                  name: z.string(),
                  source: z.string(),
                  purposes: z.array(z.string()),
                  lawfulBasis: z.string(),
                }),
              ),
            }),
          },
        },
      },
      async () => {
        const w = ctx.workspace;
        return {
          organisation: w.config.organisation.name,
          dialect: ctx.store.dialect,
          suite: w.config.crypto.suite,
          locale: w.config.locale,
          counts: {
            vendors: w.vendors.length,
            sources: w.sources.length,
            datasets: w.datasets.length,
            purposes: w.purposes.length,
            roles: w.roles.length,
            policies: w.policies.length,
          },
          datasets: w.datasets.map((d) => ({
            name: d.name,
            source: d.source,
            purposes: d.purposes,
            lawfulBasis: d.lawfulBasis,
          })),
        };
      },
    );
  };
}

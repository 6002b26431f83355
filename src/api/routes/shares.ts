// Provision of a dataset to a third party (PIPL Art. 23) over HTTP: start a share — the file streams
// back like an export — and list the shares made. The rules (declared provision, valid vendor,
// contract, separate consent) live in src/compliance/third-party-share.ts.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WITHOUT_CONSENT } from '../../compliance/index.js';
import type { AppContext } from '../../context.js';
import { EXPORT_FORMATS } from '../../governance/index.js';
import { principalOf } from '../access.js';

const sharers = { access: { roles: ['compliance_officer', 'data_engineer'] as const } };
const readers = { access: { roles: ['compliance_officer', 'auditor', 'data_engineer'] as const } };

const shareSchema = z
  .object({
    id: z.string(),
    dataset: z.string(),
    vendor: z.string(),
    contract: z.string(),
    purpose: z.string(),
    consentPurpose: z.string(),
    withoutConsent: z.enum(WITHOUT_CONSENT),
    format: z.string(),
    exportId: z.string(),
    status: z.enum(['started', 'completed', 'aborted']),
    records: z.number(),
    leftOut: z.number(),
    actor: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Share' });

export function shareRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/shares',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'Shares to third parties, newest first: dataset, vendor, contract, purpose, counts, who.',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: { 200: z.object({ shares: z.array(shareSchema) }) },
        },
      },
      async (request) => ({ shares: await ctx.shares.list(request.query.limit) }),
    );

    app.post(
      '/api/v1/shares',
      {
        config: sharers,
        schema: {
          tags: ['compliance'],
          description:
            'Share a dataset with a third party (PIPL Art. 23): the dataset must declare the provision, the vendor’s assessment be valid, the contract reference match the declared one, and the subjects hold the separate consent (withoutConsent: refuse — the default — refuses the whole share if any lacks it; leave_out shares the others and counts them). Refusals are 422 share_refused with details.reason. The file streams back like an export; the share id is in X-Custos-Share-Id.',
          body: z.object({
            dataset: z.string().min(1).max(64),
            vendor: z.string().min(1).max(64),
            contract: z.string().max(200),
            purpose: z.string().min(1).max(64),
            format: z.enum(EXPORT_FORMATS).default('ndjson'),
            withoutConsent: z.enum(WITHOUT_CONSENT).default('refuse'),
            fields: z.array(z.string().min(1).max(64)).max(200).optional(),
          }),
          response: { 200: z.unknown().describe('the shared file (NDJSON, CSV or XLSX), streamed') },
        },
      },
      async (request, reply) => {
        const { fields, ...rest } = request.body;
        const { share, file } = await ctx.shares.start(principalOf(request), {
          ...rest,
          ...(fields ? { fields } : {}),
        });
        return reply
          .header('cache-control', 'no-store')
          .header('content-type', file.contentType)
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('x-custos-share-id', share.id)
          .header('x-custos-export-id', file.id)
          .send(file.body);
      },
    );
  };
}

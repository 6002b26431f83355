// Customer segmentation over HTTP (analysts, under their policy and grant): runs RFM + k-means on a
// dataset for a purpose and answers with k-anonymous, chart-ready profiles (silhouette per k,
// segment sizes and means, RFM score distributions); optionally saves a derived de-identified
// dataset, whose lineage can be read back. Audited by the service.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../access.js';

export const ANALYST_ROLES = ['analyst'] as const;

const name = z.string().min(1).max(64);
const field = z.string().min(1).max(64);
const cells = z
  .array(z.number().nullable())
  .describe('subjects per score 1..q; null: suppressed (fewer than k)');

const lineageSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    rowCount: z.number(),
    inputs: z.array(z.object({ dataset: z.string(), fields: z.array(z.string()), count: z.number() })),
    purpose: z.string(),
    grant: z.string().nullable(),
    params: z.record(z.string(), z.unknown()),
    inputHash: z.string(),
    resultHash: z.string(),
  })
  .meta({ id: 'DerivedDataset' });

const segmentationSchema = z
  .object({
    dataset: z.string(),
    purpose: z.string(),
    grant: z.string().nullable(),
    asOf: z.string(),
    subjects: z.number(),
    skipped: z.number().describe('records without a usable date or amount'),
    k: z.number(),
    kAnonymity: z.number(),
    quantiles: z.number(),
    features: z.array(z.string()),
    silhouettes: z.array(z.object({ k: z.number(), silhouette: z.number() })),
    segments: z.array(
      z.object({
        segment: z.string(),
        size: z.number().nullable(),
        isSuppressed: z.boolean(),
        means: z
          .object({
            recency: z.number(),
            frequency: z.number(),
            monetary: z.number(),
            r: z.number(),
            f: z.number(),
            m: z.number(),
          })
          .nullable(),
        distribution: z.object({ r: cells, f: cells, m: cells }).nullable(),
      }),
    ),
    saved: lineageSchema.nullable(),
  })
  .meta({ id: 'Segmentation' });

export function segmentationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const analysts = { access: { roles: ANALYST_ROLES } };
  return async (app) => {
    app.post(
      '/api/v1/analytics/segmentation/runs',
      {
        config: analysts,
        schema: {
          tags: ['analytics'],
          description:
            'RFM scores and k-means segments (k chosen by silhouette) of a dataset for a purpose, through policy and grant. Segments and cells with fewer than kAnonymity subjects are suppressed. Audited.',
          body: z.object({
            dataset: name,
            purpose: name,
            subjectField: field.optional().describe('the customer field (default: each record is a subject)'),
            dateField: field.default('date'),
            amountField: field.default('amount'),
            frequencyField: field.optional(),
            asOf: z.string().max(32).optional(),
            kMin: z.number().int().min(2).max(20).default(2),
            kMax: z.number().int().min(2).max(20).default(8),
            kAnonymity: z.number().int().min(2).max(10_000).default(10),
            save: z
              .string()
              .regex(/^[a-z][a-z0-9_-]{0,63}$/)
              .optional()
              .describe('save the assignments as a derived de-identified dataset of this name'),
          }),
          response: { 200: segmentationSchema },
        },
      },
      async (request) => {
        const b = request.body;
        return ctx.segmentation.run(principalOf(request), {
          dataset: b.dataset,
          purpose: b.purpose,
          dateField: b.dateField,
          amountField: b.amountField,
          kMin: b.kMin,
          kMax: b.kMax,
          kAnonymity: b.kAnonymity,
          ...(b.subjectField ? { subjectField: b.subjectField } : {}),
          ...(b.frequencyField ? { frequencyField: b.frequencyField } : {}),
          ...(b.asOf ? { asOf: b.asOf } : {}),
          ...(b.save ? { save: b.save } : {}),
        });
      },
    );

    app.get(
      '/api/v1/analytics/segmentation/derived/:name',
      {
        config: analysts,
        schema: {
          tags: ['analytics'],
          description: 'The lineage of a saved derived dataset (inputs, purpose, grant, parameters, hashes).',
          params: z.object({ name }),
          response: { 200: lineageSchema },
        },
      },
      async (request) => ctx.derivedDatasets.get(request.params.name),
    );
  };
}

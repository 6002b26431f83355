// Claims analysis over HTTP (analysts, under their policy and grant): the experience summary (loss
// ratios by period, product and channel; cycle times) and reserves (development triangle, LDFs,
// ultimates and IBNR by chain ladder, optionally Bornhuetter–Ferguson), chart-ready and
// k-anonymous. Audited by the service.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../access.js';
import { ANALYST_ROLES } from './segmentation.js';

const name = z.string().min(1).max(64);
const field = z.string().min(1).max(64);
const nullable = z.number().nullable();
const totals = z.object({ latest: z.number(), ultimate: z.number(), ibnr: z.number() });

const summarySchema = z
  .object({
    dataset: z.string(),
    premiumDataset: z.string().nullable(),
    purpose: z.string(),
    grants: z.array(z.string()),
    kAnonymity: z.number(),
    claims: z.number(),
    policies: z.number(),
    lossRatios: z.array(
      z.object({
        dimension: z.enum(['period', 'product', 'channel']),
        value: z.string(),
        isSuppressed: z.boolean(),
        claims: nullable,
        incurred: nullable,
        policies: nullable,
        premium: nullable,
        lossRatio: nullable,
      }),
    ),
    cycleTimes: z.array(
      z.object({
        group: z.string(),
        isSuppressed: z.boolean(),
        settled: nullable,
        mean: nullable,
        median: nullable,
        p90: nullable,
      }),
    ),
  })
  .meta({ id: 'ClaimsSummary' });

const reserveSchema = z
  .object({
    grant: z.string().nullable(),
    ldfs: z.array(z.number()),
    origins: z.array(
      z.object({
        origin: z.string(),
        latest: nullable,
        ultimate: nullable,
        ibnr: nullable,
        isSuppressed: z.boolean().optional(),
      }),
    ),
    totals,
    triangle: z.object({
      origins: z.array(z.string()),
      ages: z.array(z.string()),
      cumulative: z.array(z.array(nullable)),
      incremental: z.array(z.array(nullable)),
      suppressed: z
        .array(z.tuple([z.number(), z.number()]))
        .describe('[origin, age] cells with fewer than k claims'),
    }),
    bornhuetterFerguson: z
      .object({
        aPrioriLossRatio: z.number(),
        origins: z.array(
          z.object({
            origin: z.string(),
            premium: z.number(),
            expectedUltimate: z.number(),
            ultimate: nullable,
            ibnr: nullable,
          }),
        ),
        totals,
      })
      .nullable(),
  })
  .meta({ id: 'ClaimsReserve' });

export function claimsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const analysts = { access: { roles: ANALYST_ROLES } };
  return async (app) => {
    app.post(
      '/api/v1/analytics/claims/summary',
      {
        config: analysts,
        schema: {
          tags: ['analytics'],
          description:
            'Loss ratio by period, product and channel (with a premium dataset) and report-to-settlement cycle times of a claims dataset, through policy and grant. Groups with fewer than kAnonymity claims are suppressed. Audited.',
          body: z.object({
            dataset: name,
            purpose: name,
            premiumDataset: name.optional(),
            premiumField: field.default('premium'),
            fields: z
              .object({
                amount: field,
                period: field,
                product: field,
                channel: field,
                reportedAt: field,
                settledAt: field,
              })
              .partial()
              .default({}),
            kAnonymity: z.number().int().min(2).max(10_000).default(10),
          }),
          response: { 200: summarySchema },
        },
      },
      async (request) => {
        const b = request.body;
        const fields = Object.fromEntries(Object.entries(b.fields).filter(([, v]) => v !== undefined));
        return ctx.claims.summary(principalOf(request), {
          dataset: b.dataset,
          purpose: b.purpose,
          premiumField: b.premiumField,
          kAnonymity: b.kAnonymity,
          fields,
          ...(b.premiumDataset ? { premiumDataset: b.premiumDataset } : {}),
        });
      },
    );

    app.post(
      '/api/v1/analytics/claims/reserve',
      {
        config: analysts,
        schema: {
          tags: ['analytics'],
          description:
            'Development triangle, volume-weighted chain-ladder factors, ultimates and IBNR per origin (and Bornhuetter–Ferguson with an a-priori loss ratio) from a claims dataset, through policy and grant. Cells and origins with fewer than kAnonymity claims are suppressed. Audited.',
          body: z.object({
            dataset: name,
            purpose: name,
            origin: field,
            development: field,
            value: field,
            cumulative: z.boolean().default(false),
            kAnonymity: z.number().int().min(2).max(10_000).default(10),
            bornhuetterFerguson: z
              .object({
                aPrioriLossRatio: z.number().positive().max(10),
                premiums: z.record(z.string().max(64), z.number().nonnegative()),
              })
              .optional(),
          }),
          response: { 200: reserveSchema },
        },
      },
      async (request) => {
        const b = request.body;
        return ctx.claims.reserve(principalOf(request), {
          dataset: b.dataset,
          purpose: b.purpose,
          origin: b.origin,
          development: b.development,
          value: b.value,
          isCumulative: b.cumulative,
          kAnonymity: b.kAnonymity,
          ...(b.bornhuetterFerguson ? { bornhuetterFerguson: b.bornhuetterFerguson } : {}),
        });
      },
    );
  };
}

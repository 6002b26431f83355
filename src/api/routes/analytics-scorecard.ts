// Credit scorecards (信用评估) over the governed read path: fit (analyst, under policy and grant),
// list and inspect models with their chart data (ROC, KS, IV bars, bin tables), approve or reject
// (compliance officer, never the fitter), score with an approved model (per-key scores and reasons).

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MODEL_READER_ROLES,
  MODEL_STATUSES,
  type ModelRecord,
  type ScorecardDefinition,
  scorecardTable,
} from '../../analytics/index.js';
import type { AppContext } from '../../context.js';
import { principalOf } from '../access.js';

const modelSchema = z
  .object({
    id: z.string(),
    kind: z.literal('scorecard'),
    name: z.string(),
    version: z.number(),
    hash: z.string(),
    hashSm3: z.string(),
    dataset: z.string(),
    purpose: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    status: z.enum(MODEL_STATUSES),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    rejectedBy: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'ScorecardModel' });

const binSchema = z.object({
  label: z.string(),
  isMissing: z.boolean(),
  count: z.number(),
  bad: z.number(),
  good: z.number(),
  badRate: z.number(),
  woe: z.number(),
  iv: z.number(),
  points: z.number(),
});

const detailSchema = z
  .object({
    model: modelSchema,
    scaling: z.object({
      pdo: z.number(),
      basePoints: z.number(),
      baseOdds: z.number(),
      factor: z.number(),
      offset: z.number(),
    }),
    target: z.string(),
    bad: z.string(),
    training: z.object({
      rows: z.number(),
      bads: z.number(),
      auc: z.number(),
      ks: z.number(),
      gini: z.number(),
    }),
    charts: z.object({
      roc: z.array(z.object({ x: z.number(), y: z.number() })),
      ks: z.array(z.object({ population: z.number(), bad: z.number(), good: z.number() })),
      iv: z.array(
        z.object({
          variable: z.string(),
          iv: z.number(),
          isSelected: z.boolean(),
          dropped: z.string().nullable(),
        }),
      ),
    }),
    variables: z.array(
      z.object({
        name: z.string(),
        kind: z.string(),
        iv: z.number(),
        coefficient: z.number(),
        bins: z.array(binSchema),
      }),
    ),
    table: z.array(
      z.object({
        variable: z.string(),
        bin: z.string(),
        count: z.number(),
        badRate: z.number(),
        woe: z.number(),
        points: z.number(),
      }),
    ),
  })
  .meta({ id: 'ScorecardModelDetail' });

const scoreSchema = z
  .object({
    model: z.object({ id: z.string(), name: z.string(), version: z.number(), hash: z.string() }),
    grant: z.string().nullable(),
    items: z.array(
      z.object({
        key: z.string(),
        score: z.number(),
        probability: z.number(),
        reasons: z.array(
          z.object({ variable: z.string(), bin: z.string(), points: z.number(), shortfall: z.number() }),
        ),
      }),
    ),
  })
  .meta({ id: 'ScorecardScores' });

const idParams = z.object({ id: z.string().min(1).max(80) });
const name = z.string().min(1).max(128);

/** A model with the chart data the console draws; only bins, weights and aggregates. */
function detailOf(model: ModelRecord & { definition: ScorecardDefinition }) {
  const { definition: d, ...summary } = model;
  return {
    model: summary,
    scaling: d.scaling,
    target: d.target,
    bad: d.bad,
    training: {
      rows: d.training.rows,
      bads: d.training.bads,
      auc: d.training.auc,
      ks: d.training.ks,
      gini: d.training.gini,
    },
    charts: {
      roc: d.training.roc,
      ks: d.training.ksCurve,
      iv: d.candidates.map((c) => ({
        variable: c.name,
        iv: c.iv,
        isSelected: c.dropped === undefined,
        dropped: c.dropped?.reason ?? null,
      })),
    },
    variables: d.variables.map((v) => ({
      name: v.name,
      kind: v.kind,
      iv: v.iv,
      coefficient: v.coefficient,
      bins: v.bins.map((b) => ({
        label: b.label,
        isMissing: b.isMissing,
        count: b.count,
        bad: b.bad,
        good: b.good,
        badRate: b.badRate,
        woe: b.woe,
        iv: b.iv,
        points: b.points,
      })),
    })),
    table: scorecardTable(d),
  };
}

export function scorecardRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const analysts = { access: { roles: ['analyst'] as const } };
  const officers = { access: { roles: ['compliance_officer'] as const } };
  const readers = { access: { roles: MODEL_READER_ROLES } };
  return async (app) => {
    app.post(
      '/api/v1/analytics/scorecard/models',
      {
        config: analysts,
        schema: {
          tags: ['analytics'],
          description:
            'Fit a credit scorecard on a dataset through the governed read path (your policy and grant for the purpose). The model is stored as a draft: a compliance officer must approve it before it scores.',
          body: z.object({
            dataset: name,
            target: name,
            bad: z.string().min(1).max(256),
            purpose: name,
            name: name.optional(),
            variables: z.array(name).min(1).max(200).optional(),
            pdo: z.number().positive().max(1000).optional(),
            basePoints: z.number().min(-100000).max(100000).optional(),
            baseOdds: z.number().positive().max(1e9).optional(),
            monotonicTrend: z.enum(['ascending', 'descending', 'auto']).optional(),
            minIv: z.number().min(0).max(10).optional(),
            maxCorrelation: z.number().min(0).max(1).optional(),
          }),
          response: { 201: detailSchema },
        },
      },
      async (request, reply) => {
        const { pdo, basePoints, baseOdds, monotonicTrend, variables, minIv, maxCorrelation, name, ...rest } =
          request.body;
        const fitted = await ctx.scorecards.fit(principalOf(request), {
          ...rest,
          ...(name === undefined ? {} : { name }),
          scaling: {
            ...(pdo === undefined ? {} : { pdo }),
            ...(basePoints === undefined ? {} : { basePoints }),
            ...(baseOdds === undefined ? {} : { baseOdds }),
          },
          ...(variables ? { variables } : {}),
          ...(monotonicTrend ? { binning: { monotonicTrend } } : {}),
          ...(minIv === undefined ? {} : { minIv }),
          ...(maxCorrelation === undefined ? {} : { maxCorrelation }),
        });
        return reply.status(201).send(detailOf(await ctx.models.get(fitted.id)));
      },
    );

    app.get(
      '/api/v1/analytics/scorecard/models',
      {
        config: readers,
        schema: {
          tags: ['analytics'],
          description: 'Scorecard models: name, version, hashes (SHA-256, SM3), dataset, purpose, approval.',
          querystring: z.object({ status: z.enum(MODEL_STATUSES).optional() }),
          response: { 200: z.object({ models: z.array(modelSchema) }) },
        },
      },
      async (request) => ({
        models: await ctx.models.list(
          principalOf(request),
          request.query.status ? { status: request.query.status } : {},
        ),
      }),
    );

    app.get(
      '/api/v1/analytics/scorecard/models/:id',
      {
        config: readers,
        schema: {
          tags: ['analytics'],
          description:
            'One model with its chart data: ROC and KS curves, IV per variable, bin tables and the scorecard table (aggregates only).',
          params: idParams,
          response: { 200: detailSchema },
        },
      },
      async (request) => detailOf(await ctx.models.get(request.params.id)),
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/api/v1/analytics/scorecard/models/:id/${decision}`,
        {
          config: officers,
          schema: {
            tags: ['analytics'],
            description:
              decision === 'approve'
                ? 'Approve a draft model so it may score (a compliance officer other than who fitted it; audited).'
                : 'Reject a draft model (audited).',
            params: idParams,
            body: z.object({ reason: z.string().max(500).optional() }).optional(),
            response: { 200: modelSchema },
          },
        },
        async (request) =>
          ctx.models.decide(
            principalOf(request),
            request.params.id,
            decision === 'approve' ? 'approved' : 'rejected',
            request.body?.reason,
          ),
      );
    }

    app.post(
      '/api/v1/analytics/scorecard/models/:id/score',
      {
        config: analysts,
        schema: {
          tags: ['analytics'],
          description:
            "Score a dataset's records with an approved model, for the model's purpose, through the governed read path: per record its key, score, probability of the bad outcome and reason codes.",
          params: idParams,
          body: z.object({ dataset: name, purpose: name }),
          response: { 200: scoreSchema },
        },
      },
      async (request) => {
        const model = await ctx.models.get(request.params.id);
        const result = await ctx.scorecards.score(
          principalOf(request),
          model,
          request.body.dataset,
          request.body.purpose,
        );
        return { model: result.model, grant: result.grant, items: result.items };
      },
    );
  };
}

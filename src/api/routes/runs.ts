// Collection over the API: run history, queueing a run, the quarantine list, classifications and
// their confirmation by a compliance officer.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf, levelFloor, NotFoundError, ValidationError } from '../../domain/index.js';
import {
  countQuarantine,
  DEFAULT_QUARANTINE_LIMIT,
  DEFAULT_RUN_SORT,
  listQuarantine,
  MAX_QUARANTINE_LIMIT,
  QUARANTINE_STATUSES,
  RUN_SORTS,
  RUN_STATUSES,
  type RunSort,
} from '../../pipeline/index.js';
import { principalOf } from '../access.js';

const ENGINEERS = ['admin', 'data_engineer'] as const;
const OVERSIGHT = ['admin', 'data_engineer', 'compliance_officer', 'auditor'] as const;
/** The largest offset a page may start at (deep pages: narrow the filter instead). */
const MAX_OFFSET = 1_000_000;

const runSchema = z
  .object({
    id: z.string(),
    dataset: z.string(),
    status: z.string(),
    trigger: z.string(),
    worker: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    read: z.number(),
    stored: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    quarantined: z.number(),
    quarantineReasons: z.record(z.string(), z.number()),
    droppedFields: z.array(z.string()),
    error: z.string().nullable(),
  })
  .meta({ id: 'Run' });
const quarantineEntrySchema = z
  .object({
    id: z.string().describe('the record’s reference: a keyed hash, never content'),
    dataset: z.string(),
    runId: z.string(),
    reason: z.string(),
    detail: z.string(),
    position: z.string().nullable(),
    status: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'QuarantineEntry' });
const classificationSchema = z
  .object({
    dataset: z.string(),
    field: z.string(),
    category: z.string().nullable(),
    level: z.number(),
    sensitive: z.boolean(),
    entities: z.unknown(),
    confidence: z.number(),
    status: z.string(),
    confirmed_by: z.string().nullable(),
    updated_at: z.string(),
  })
  .meta({ id: 'FieldClassification' });

export function runRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/runs',
      {
        config: { access: { roles: OVERSIGHT } },
        schema: {
          tags: ['collection'],
          description:
            'Runs, a page at a time: filtered by dataset and status, sorted (`-` descending; the id breaks ties), `limit` from `offset`; `total` counts every match.',
          querystring: z.object({
            dataset: z.string().optional(),
            status: z.enum(RUN_STATUSES).optional(),
            sort: z.enum(RUN_SORTS as [RunSort, ...RunSort[]]).default(DEFAULT_RUN_SORT),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
          }),
          response: {
            200: z.object({
              runs: z.array(runSchema),
              total: z.number().describe('runs matching dataset and status, across all pages'),
            }),
          },
        },
      },
      async (request) => {
        const filter = {
          ...(request.query.dataset ? { dataset: request.query.dataset } : {}),
          ...(request.query.status ? { status: request.query.status } : {}),
        };
        const [runs, total] = await Promise.all([
          ctx.runs.list({
            ...filter,
            sort: request.query.sort,
            limit: request.query.limit,
            offset: request.query.offset,
          }),
          ctx.runs.count(filter),
        ]);
        return { runs, total };
      },
    );

    app.post(
      '/api/v1/datasets/:name/runs',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['collection'],
          params: z.object({ name: z.string().min(1).max(64) }),
          response: { 202: z.object({ run: z.string(), status: z.literal('queued') }) },
        },
      },
      async (request, reply) => {
        const id = await ctx.runs.enqueue(request.params.name, 'api', actorOf(principalOf(request)));
        return reply.code(202).send({ run: id, status: 'queued' });
      },
    );

    app.get(
      '/api/v1/quarantine',
      {
        config: { access: { roles: OVERSIGHT } },
        schema: {
          tags: ['collection'],
          description:
            'Quarantined records by reference (never content), newest first, `limit` from `offset`; `total` counts every match.',
          querystring: z.object({
            dataset: z.string().optional(),
            status: z.enum(QUARANTINE_STATUSES).optional(),
            limit: z.coerce.number().int().min(1).max(MAX_QUARANTINE_LIMIT).default(DEFAULT_QUARANTINE_LIMIT),
            offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
          }),
          response: {
            200: z.object({
              quarantine: z.array(quarantineEntrySchema),
              total: z.number().describe('entries matching dataset and status, across all pages'),
            }),
          },
        },
      },
      async (request) => {
        const query = {
          ...(request.query.dataset ? { dataset: request.query.dataset } : {}),
          ...(request.query.status ? { status: request.query.status } : {}),
        };
        // Records themselves stay sealed: references, reasons and positions only.
        const [quarantine, total] = await Promise.all([
          listQuarantine(ctx.store, { ...query, limit: request.query.limit, offset: request.query.offset }),
          countQuarantine(ctx.store, query),
        ]);
        return { quarantine, total };
      },
    );

    app.post(
      '/api/v1/quarantine/reprocess',
      {
        config: { access: { roles: ENGINEERS } },
        schema: {
          tags: ['collection'],
          summary: 'After a fix, collect a dataset again from its source (as `custos quarantine reprocess`)',
          description:
            'Runs now, in this request: a full run of the dataset; held records the fix lets through are admitted, and when the run read everything, records held by earlier runs that are not held again are marked reprocessed. Audited as quarantine.reprocess. 409 while a run of the dataset is going.',
          body: z.object({ dataset: z.string().min(1).max(64) }),
          response: {
            200: z
              .object({
                run: z.string(),
                dataset: z.string(),
                status: z.enum(['succeeded', 'failed', 'blocked']),
                read: z.number(),
                stored: z.number(),
                updated: z.number(),
                unchanged: z.number(),
                quarantined: z.number(),
                quarantineReasons: z.record(z.string(), z.number()),
                reprocessed: z.number().describe('held records of earlier runs the fix let through'),
                error: z.string().nullable(),
              })
              .meta({ id: 'QuarantineReprocess' }),
          },
        },
      },
      async (request) => {
        const { summary, reprocessed } = await ctx.runs.reprocess(
          request.body.dataset,
          actorOf(principalOf(request)),
          'api',
        );
        return {
          run: summary.runId,
          dataset: summary.dataset,
          status: summary.status,
          read: summary.read,
          stored: summary.stored,
          updated: summary.updated,
          unchanged: summary.unchanged,
          quarantined: summary.quarantined,
          quarantineReasons: summary.quarantineReasons,
          reprocessed,
          error: summary.error ?? null,
        };
      },
    );

    app.get(
      '/api/v1/classifications',
      {
        config: { access: { roles: OVERSIGHT } },
        schema: {
          tags: ['collection'],
          querystring: z.object({ dataset: z.string().optional() }),
          response: { 200: z.object({ classifications: z.array(classificationSchema) }) },
        },
      },
      async (request) => {
        let query = ctx.store.db
          .selectFrom('field_classifications')
          .selectAll()
          .orderBy('dataset')
          .orderBy('field');
        if (request.query.dataset) query = query.where('dataset', '=', request.query.dataset);
        const rows = await query.execute();
        return {
          classifications: rows.map((r) => ({
            ...r,
            entities: JSON.parse(r.entities) as unknown,
            confidence: r.confidence / 1000,
            sensitive: r.sensitive === 1,
          })),
        };
      },
    );

    app.post(
      '/api/v1/classifications/:dataset/:field/confirm',
      {
        config: { access: { roles: ['compliance_officer'] } },
        schema: {
          tags: ['collection'],
          params: z.object({ dataset: z.string().min(1).max(64), field: z.string().min(1).max(128) }),
          response: {
            200: z.object({ dataset: z.string(), field: z.string(), status: z.literal('confirmed') }),
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const result = await ctx.store.db
          .updateTable('field_classifications')
          .set({
            status: 'confirmed',
            confirmed_by: principal.username,
            updated_at: new Date().toISOString(),
          })
          .where('dataset', '=', request.params.dataset)
          .where('field', '=', request.params.field)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0)
          throw new NotFoundError(`no classification for ${request.params.dataset}.${request.params.field}`);
        await ctx.audit.record([
          {
            actor: actorOf(principal),
            action: 'classification.confirm',
            target: `field:${request.params.dataset}.${request.params.field}`,
          },
        ]);
        return { dataset: request.params.dataset, field: request.params.field, status: 'confirmed' as const };
      },
    );

    app.put(
      '/api/v1/classifications/:dataset/:field',
      {
        config: { access: { roles: ['compliance_officer'] } },
        schema: {
          tags: ['collection'],
          summary: 'A compliance officer overrides a field classification (confirmed by them, audited)',
          params: z.object({ dataset: z.string().min(1).max(64), field: z.string().min(1).max(128) }),
          body: z.object({
            category: z
              .enum(['C1', 'C2', 'C3'])
              .nullable()
              .describe('JR/T 0171 category; null: not personal'),
            level: z.number().int().min(1).max(5).describe('JR/T 0197 level, at least the category’s floor'),
            sensitive: z.boolean().describe('sensitive personal information (PIPL Art. 28)'),
          }),
          response: { 200: classificationSchema },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { dataset, field } = request.params;
        const { category, level, sensitive } = request.body;
        const floor = levelFloor(category);
        if (level < floor) {
          throw new ValidationError(
            `level ${level} is below the floor ${floor} of category ${category ?? 'none'}`,
            {
              field: 'level',
              floor,
            },
          );
        }
        const row = await ctx.store.db.transaction().execute(async (trx) => {
          const before = await trx
            .selectFrom('field_classifications')
            .selectAll()
            .where('dataset', '=', dataset)
            .where('field', '=', field)
            .executeTakeFirst();
          if (!before) throw new NotFoundError(`no classification for ${dataset}.${field}`);
          const updatedAt = new Date().toISOString();
          await trx
            .updateTable('field_classifications')
            .set({
              category,
              level,
              sensitive: sensitive ? 1 : 0,
              status: 'confirmed',
              confirmed_by: principal.username,
              updated_at: updatedAt,
            })
            .where('dataset', '=', dataset)
            .where('field', '=', field)
            .execute();
          return {
            before,
            after: {
              ...before,
              category,
              level,
              sensitive: sensitive ? 1 : 0,
              status: 'confirmed',
              confirmed_by: principal.username,
              updated_at: updatedAt,
            },
          };
        });
        // Categories, levels and flags only: never a value of the field.
        await ctx.audit.record([
          {
            actor: actorOf(principal),
            action: 'classification.override',
            target: `field:${dataset}.${field}`,
            details: {
              from: {
                category: row.before.category,
                level: row.before.level,
                sensitive: row.before.sensitive === 1,
              },
              to: { category, level, sensitive },
            },
          },
        ]);
        return {
          ...row.after,
          entities: JSON.parse(row.after.entities) as unknown,
          confidence: row.after.confidence / 1000,
          sensitive,
        };
      },
    );
  };
}

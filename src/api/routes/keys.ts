// Encryption keys over the API (admins only), as `custos keys` offers them: key versions and data
// keys per version, rotating the key-encryption key, a background rewrap with its progress, and
// retiring a version no data key uses any more. Never key material: versions, counts and dates.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf, ConflictError } from '../../domain/index.js';
import { KeyRewrapLog, type RewrapProgress } from '../../governance/index.js';
import { principalOf } from '../access.js';

const ADMIN = { access: { roles: ['admin'] as const } };

const rewrapSchema = z
  .object({
    state: z.enum(['idle', 'running', 'succeeded', 'failed']),
    /** Data keys moved to the current version by this rewrap so far. */
    done: z.number(),
    /** Data keys still under an older version (as of the last batch). */
    remaining: z.number(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    startedBy: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'KeyRewrap' });

const statusSchema = z
  .object({
    suite: z.string(),
    provider: z.string(),
    currentVersion: z.number(),
    versions: z.array(
      z.object({
        version: z.number(),
        createdAt: z.string(),
        retiredAt: z.string().nullable(),
        dataKeys: z.number(),
      }),
    ),
    dataKeys: z.number(),
    shredded: z.number(),
    pendingRewrap: z.number(),
    rewrap: rewrapSchema,
  })
  .meta({ id: 'KeyStatus' });

/** Data keys per rewrap transaction. */
const REWRAP_BATCH = 500;

export function keyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  // The rewrap this server process runs in the background (one at a time), its progress kept in
  // the database (KeyRewrapLog): a restarted server shows the last rewrap's state and counts (a
  // stopped one as failed, `interrupted`), and starting again carries on — the rewrap is resumable.
  const log = new KeyRewrapLog(ctx.store.db);
  // This process's rewrap, until its end is in the database (from then on the database speaks).
  let running: RewrapProgress | undefined;
  const current = async (): Promise<RewrapProgress> => (running ? { ...running } : log.latest());

  const status = async () => {
    const s = await ctx.keys().status();
    return {
      ...s,
      versions: s.versions.map((v) => ({
        version: v.version,
        createdAt: v.createdAt,
        retiredAt: v.retiredAt ?? null,
        dataKeys: v.dataKeys,
      })),
      rewrap: await current(),
    };
  };

  return async (app) => {
    app.get(
      '/api/v1/keys',
      {
        config: ADMIN,
        schema: {
          tags: ['keys'],
          summary: 'Key versions, data keys per version, rewrap progress',
          response: { 200: statusSchema },
        },
      },
      async () => status(),
    );

    app.post(
      '/api/v1/keys/rotate',
      {
        config: ADMIN,
        schema: {
          tags: ['keys'],
          summary: 'Create a new key-encryption key version (then rewrap)',
          response: { 201: z.object({ version: z.number() }) },
        },
      },
      async (request, reply) => {
        if ((await current()).state === 'running')
          throw new ConflictError('a rewrap is running: rotate when it has finished');
        const rotated = await ctx.keys().rotate(actorOf(principalOf(request)));
        return reply.status(201).send(rotated);
      },
    );

    app.post(
      '/api/v1/keys/rewrap',
      {
        config: ADMIN,
        schema: {
          tags: ['keys'],
          summary: 'Start moving every data key to the current version, in the background',
          response: { 202: rewrapSchema },
        },
      },
      async (request, reply) => {
        if (running) throw new ConflictError('a rewrap is already running');
        const actor = actorOf(principalOf(request));
        // Claimed before the first await: two requests at once cannot both start one.
        const job: RewrapProgress = {
          state: 'running',
          done: 0,
          remaining: 0,
          startedAt: new Date().toISOString(),
          finishedAt: null,
          startedBy: actor,
          error: null,
        };
        running = job;
        const keys = ctx.keys();
        let id: string;
        try {
          // Another server on the same database may be rewrapping.
          if ((await log.latest()).state === 'running')
            throw new ConflictError('a rewrap is already running');
          job.remaining = (await keys.status()).pendingRewrap;
          id = await log.start(actor, job.remaining);
          await ctx.audit.record([
            { actor, action: 'key.rewrap.start', target: 'kek', details: { pending: job.remaining } },
          ]);
        } catch (error) {
          job.state = 'failed';
          job.finishedAt = new Date().toISOString();
          job.error = error instanceof Error ? error.name : 'Error';
          running = undefined;
          throw error;
        }
        // Each batch's counts reach the database in order; a failed write is logged, never fatal.
        let saved = Promise.resolve();
        const save = (progress: Parameters<KeyRewrapLog['update']>[1]) => {
          saved = saved
            .then(() => log.update(id, progress))
            .catch((error: unknown) => ctx.logger.error({ err: error }, 'key rewrap progress not saved'));
          return saved;
        };
        void keys
          .rewrap({
            batchSize: REWRAP_BATCH,
            onProgress: (done, remaining) => {
              job.done = done;
              job.remaining = remaining;
              void save({ done, remaining });
            },
          })
          .then(async (result) => {
            job.done = result.rewrapped;
            job.remaining = 0;
            job.state = 'succeeded';
            job.finishedAt = new Date().toISOString();
            await save({ done: job.done, remaining: 0, state: 'succeeded', finishedAt: job.finishedAt });
            running = undefined;
            await ctx.audit.record([
              { actor, action: 'key.rewrap', target: 'kek', details: { rewrapped: result.rewrapped } },
            ]);
          })
          .catch((error: unknown) => {
            job.state = 'failed';
            job.finishedAt = new Date().toISOString();
            // The error's class only: key-service messages never hold key material, but stay terse.
            job.error = error instanceof Error ? error.name : 'Error';
            ctx.logger.error({ err: error }, 'key rewrap failed');
            return save({
              done: job.done,
              remaining: job.remaining,
              state: 'failed',
              error: job.error,
              finishedAt: job.finishedAt,
            }).then(() => {
              running = undefined;
            });
          });
        return reply.status(202).send({ ...job });
      },
    );

    app.post(
      '/api/v1/keys/:version/retire',
      {
        config: ADMIN,
        schema: {
          tags: ['keys'],
          summary: 'Retire a key version once no data key uses it',
          params: z.object({ version: z.coerce.number().int().min(1) }),
          response: { 200: z.object({ version: z.number(), retiredAt: z.string() }) },
        },
      },
      async (request) => ctx.keys().retire(request.params.version, actorOf(principalOf(request))),
    );
  };
}

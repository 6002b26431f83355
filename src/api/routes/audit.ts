// The audit log for auditors over HTTP: entries newest first (filter by actor, action, target
// prefix; paged by index), verify the whole log, an entry's inclusion proof, and the latest signed
// tree head as JSON or as a C2SP checkpoint note for witnesses. Entries hold no personal data.

import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AUDIT_TRUST_FILE,
  parseEntry,
  readTrustFile,
  type TreeHead,
  toCheckpointNote,
  verifyLog,
} from '../../audit/index.js';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../domain/index.js';

const AUDITORS = ['admin', 'compliance_officer', 'auditor'] as const;

const entrySchema = z
  .object({
    index: z.number(),
    time: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    purpose: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    leafHash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

const treeHeadSchema = z
  .object({
    origin: z.string(),
    treeSize: z.number(),
    rootHash: z.string(),
    timestamp: z.string(),
    hashAlgorithm: z.string(),
    signatureAlgorithm: z.string(),
    keyId: z.string(),
    publicKey: z.string(),
    signature: z.string(),
  })
  .meta({ id: 'TreeHead' });

/** `"key":"value"` as the canonical entry spells it (entry.ts), for an exact match inside the text. */
function jsonPair(key: string, value: string): string {
  return `"${key}":${JSON.stringify(value)}`;
}

/** LIKE pattern matching `text` literally. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function auditRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const config = { access: { roles: AUDITORS } };
  return async (app) => {
    app.get(
      '/api/v1/audit/entries',
      {
        config,
        schema: {
          tags: ['audit'],
          description:
            'Entries newest first. actor and action match exactly, target by prefix; `before` pages (the smallest index of the previous page).',
          querystring: z.object({
            actor: z.string().min(1).max(128).optional(),
            action: z.string().min(1).max(128).optional(),
            target: z.string().min(1).max(256).optional(),
            before: z.coerce.number().int().min(0).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: {
            200: z.object({
              entries: z.array(entrySchema),
              size: z.number(),
              nextBefore: z.number().nullable(),
            }),
          },
        },
      },
      async (request) => {
        const q = request.query;
        let query = ctx.store.db.selectFrom('audit_entries').select(['idx', 'entry', 'leaf_hash']);
        if (q.before !== undefined) query = query.where('idx', '<', q.before);
        // The canonical serialisation puts each field once, in a fixed form: a literal match is exact.
        for (const [key, value, prefix] of [
          ['actor', q.actor, false],
          ['action', q.action, false],
          ['target', q.target, true],
        ] as const) {
          if (value === undefined) continue;
          const pair = jsonPair(key, value);
          const pattern = prefix ? `${likeLiteral(pair.slice(0, -1))}%` : `${likeLiteral(pair)}`;
          query = query.where('entry', 'like', `%${pattern}%`);
        }
        const rows = await query
          .orderBy('idx', 'desc')
          .limit(q.limit + 1)
          .execute();
        const page = rows.slice(0, q.limit);
        const entries = page.map((row) => ({ ...parseEntry(row.entry), leafHash: row.leaf_hash }));
        return {
          entries,
          size: await ctx.audit.size(),
          nextBefore: rows.length > q.limit ? Number(page.at(-1)!.idx) : null,
        };
      },
    );

    app.post(
      '/api/v1/audit/verify',
      {
        config,
        schema: {
          tags: ['audit'],
          description:
            'Recomputes the whole log from the stored entries and checks every signed tree head (and any exported heads given).',
          body: z.object({ against: z.array(treeHeadSchema).max(100).optional() }).optional(),
          response: {
            200: z.object({
              ok: z.boolean(),
              treeSize: z.number(),
              headsChecked: z.number(),
              rootHash: z.string(),
              problem: z
                .object({
                  index: z.number(),
                  toIndex: z.number().optional(),
                  kind: z.string(),
                  message: z.string(),
                })
                .optional(),
            }),
          },
        },
      },
      async (request) => {
        const against = request.body?.against;
        // Trust comes from the workspace's pinned keys, never from the database (docs/security.md).
        const trust = readTrustFile(path.join(ctx.workspace.dir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
        return verifyLog(ctx.store, ctx.audit.hashAlgorithm, {
          trust,
          ...(against ? { exportedHeads: against as TreeHead[] } : {}),
        });
      },
    );

    app.get(
      '/api/v1/audit/entries/:index/proof',
      {
        config,
        schema: {
          tags: ['audit'],
          description:
            'Inclusion proof (RFC 6962) of an entry in the tree of the given size (default: the current one).',
          params: z.object({ index: z.coerce.number().int().min(0) }),
          querystring: z.object({ size: z.coerce.number().int().min(1).optional() }),
          response: {
            200: z.object({
              index: z.number(),
              treeSize: z.number(),
              leafHash: z.string(),
              proof: z.array(z.string()),
              rootHash: z.string(),
            }),
          },
        },
      },
      async (request) => ctx.audit.inclusionProof(request.params.index, request.query.size),
    );

    app.get(
      '/api/v1/audit/tree-head',
      {
        config,
        schema: {
          tags: ['audit'],
          description:
            'The latest signed tree head: JSON (format=json, for `custos audit verify --against`) or a C2SP checkpoint note (format=checkpoint, text/plain).',
          querystring: z.object({ format: z.enum(['json', 'checkpoint']).default('json') }),
          response: {
            200: z.object({ treeHead: treeHeadSchema.nullable() }).or(z.string()),
          },
        },
      },
      async (request, reply) => {
        const head = await ctx.audit.latestHead();
        if (request.query.format === 'checkpoint') {
          if (!head) throw new NotFoundError('the audit log has no tree head yet');
          return reply.type('text/plain; charset=utf-8').send(toCheckpointNote(head));
        }
        return { treeHead: head ?? null };
      },
    );
  };
}

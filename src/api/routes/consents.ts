// The consent ledger over HTTP: record a grant, record a withdrawal, look up a person's consents.
// The identifier travels in the body, never in the URL (which proxies and logs keep), so the lookup
// is a POST: a GET with a body is not dependable (clients and proxies drop it, OpenAPI 3.0 has no
// place for it). Stored and audited by subject id (a keyed hash), never the identifier.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { MAX_CHANNEL, MAX_EVIDENCE } from '../../governance/index.js';
import { principalOf } from '../access.js';

const identifier = z
  .string()
  .min(1)
  .max(256)
  .describe('the person’s identifier as collected (ID number, mobile…): never stored, logged or audited');
const purposes = z.array(z.string().min(1).max(64)).min(1).max(50);
const at = z
  .string()
  .max(40)
  .optional()
  .describe('when the person consented or withdrew (ISO 8601; default now)');
const channel = z.string().min(1).max(MAX_CHANNEL).optional();

const changeSchema = z
  .object({
    subjectId: z.string(),
    purposes: z.array(z.string()),
    action: z.enum(['granted', 'withdrawn']),
    recorded: z.number(),
    erased: z.boolean(),
  })
  .meta({ id: 'ConsentChange' });

const consentSchema = z.object({
  purpose: z.string(),
  status: z.enum(['granted', 'withdrawn']),
  separate: z.boolean(),
  crossBorder: z.boolean(),
  noticeVersion: z.string().nullable(),
  currentNotice: z.string().nullable(),
  noticeHolds: z.boolean(),
  grantedAt: z.string(),
  withdrawnAt: z.string().nullable(),
  channel: z.string().nullable(),
  evidence: z.string().nullable(),
});

const historySchema = z.object({
  purpose: z.string(),
  action: z.enum(['granted', 'withdrawn']),
  at: z.string(),
  recordedAt: z.string(),
  recordedBy: z.string(),
  channel: z.string(),
  evidence: z.string().nullable(),
  noticeVersion: z.string().nullable(),
  separate: z.boolean(),
  crossBorder: z.boolean(),
});

export function consentRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  // Those who take consents in (operations feeds, the DPO's office) record them.
  const recorders = { access: { roles: ['admin', 'compliance_officer', 'data_engineer'] as const } };
  const viewers = { access: { roles: ['admin', 'compliance_officer', 'auditor'] as const } };
  return async (app) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    app.post(
      '/api/v1/consents',
      {
        config: recorders,
        schema: {
          tags: ['consents'],
          description:
            'Records a person’s consent to purposes, for the purposes’ current notice version unless one is named. `separate`: the separate consent sensitive personal information needs (PIPL Art. 29); `crossBorder`: consent to transfer abroad (Art. 39). Audited.',
          body: z
            .object({
              identifier,
              purposes,
              separate: z.boolean().optional(),
              crossBorder: z.boolean().optional(),
              channel,
              evidence: z.string().min(1).max(MAX_EVIDENCE).describe('the consent record’s id at its source'),
              noticeVersion: z.string().min(1).max(32).optional(),
              at,
            })
            .strict(),
          response: { 200: changeSchema },
        },
      },
      async (request) => {
        const { identifier: id, ...rest } = request.body;
        return ctx.consents.grant({ identifier: id, ...rest }, actorOf(principalOf(request)), 'api');
      },
    );

    app.post(
      '/api/v1/consents/withdraw',
      {
        config: recorders,
        schema: {
          tags: ['consents'],
          description:
            'Records a withdrawal: collection for those purposes stops, reads exclude the person at once, and under `consent.onWithdrawal: erase` a person left without any consent is erased. Audited.',
          body: z
            .object({
              identifier,
              purposes,
              channel,
              evidence: z.string().min(1).max(MAX_EVIDENCE).optional(),
              at,
            })
            .strict(),
          response: { 200: changeSchema },
        },
      },
      async (request) => {
        const { identifier: id, ...rest } = request.body;
        return ctx.consents.withdraw({ identifier: id, ...rest }, actorOf(principalOf(request)), 'api');
      },
    );

    app.post(
      '/api/v1/subjects/consents',
      {
        config: viewers,
        schema: {
          tags: ['consents'],
          description:
            'A person’s consents now and their history. A POST because the identifier goes in the body, never the URL. Audited.',
          body: z.object({ identifier }).strict(),
          response: {
            200: z.object({
              subjectId: z.string(),
              consents: z.array(consentSchema),
              history: z.array(historySchema),
            }),
          },
        },
      },
      async (request) => ctx.consents.show(request.body.identifier, actorOf(principalOf(request))),
    );
  };
}

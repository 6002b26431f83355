// Vulnerability and posture scans over the API: run one (admin; dependencies and posture), list
// them and read one (admin, auditor, compliance officer). The scan service stores and audits.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { principalOf } from '../access.js';

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const kind = z.enum(['dependency', 'posture', 'api']);
const localized = z.object({ 'zh-CN': z.string(), en: z.string() });
const counts = z.object({ critical: z.number(), high: z.number(), medium: z.number(), low: z.number() });
const scan = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  trigger: z.enum(['manual', 'schedule']),
  checked: z.array(kind),
  findings: z.array(
    z.object({
      id: z.string(),
      kind,
      rule: z.string(),
      severity,
      title: localized,
      evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      remediation: localized,
    }),
  ),
  couldNotCheck: z.array(
    z.object({ kind, check: z.string(), reason: localized, detail: z.string().optional() }),
  ),
  counts,
  target: z.string().optional(),
});
const summary = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  trigger: z.string(),
  counts,
  couldNotCheck: z.number(),
});
const READERS = ['admin', 'auditor', 'compliance_officer'] as const;

export function scanRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/security/scans',
      {
        config: { access: { roles: ['admin'] } },
        schema: {
          tags: ['security'],
          summary: 'Run a vulnerability and posture scan (dependencies, configuration); stored and audited',
          body: z
            .object({ dependencies: z.boolean().default(true), posture: z.boolean().default(true) })
            .default({ dependencies: true, posture: true }),
          response: { 200: z.object({ scan }) },
        },
      },
      async (request) => ({
        scan: await ctx.scans.run(actorOf(principalOf(request)), {
          dependencies: request.body.dependencies,
          posture: request.body.posture,
        }),
      }),
    );

    app.get(
      '/api/v1/security/scans',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags: ['security'],
          summary: 'Scans, newest first, with their counts by severity',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ scans: z.array(summary) }) },
        },
      },
      async (request) => ({ scans: await ctx.scans.list(request.query.limit) }),
    );

    app.get(
      '/api/v1/security/scans/:id',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags: ['security'],
          summary: 'One scan: its findings, and what it could not check',
          params: z.object({ id: z.uuid() }),
          response: { 200: z.object({ scan }) },
        },
      },
      async (request) => ({ scan: await ctx.scans.get(request.params.id) }),
    );
  };
}

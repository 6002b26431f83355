// Security alerts over the API: list, acknowledge, close (audited), run the monitor now, and the
// last scheduled audit-log verification.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { principalOf } from '../access.js';

const alert = z.object({
  id: z.string(),
  rule: z.string(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  subject: z.string(),
  status: z.enum(['open', 'acknowledged', 'closed']),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  occurrences: z.number(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  note: z.string().nullable(),
});
const verification = z.object({
  id: z.string(),
  verifiedAt: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  isOk: z.boolean(),
  treeSize: z.number(),
  headsChecked: z.number(),
  problem: z.object({ kind: z.string(), index: z.number() }).nullable(),
  durationMs: z.number(),
});
const params = z.object({ id: z.uuid() });
const note = z.object({ note: z.string().max(2000).optional() }).default({});
const WATCHERS = ['admin', 'compliance_officer', 'auditor'] as const;
const RESPONDERS = ['admin', 'compliance_officer'] as const;

export function securityRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/security/alerts',
      {
        config: { access: { roles: WATCHERS } },
        schema: {
          tags: ['security'],
          summary: 'Security alerts, newest first',
          querystring: z.object({
            status: z.enum(['open', 'acknowledged', 'closed']).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(200),
          }),
          response: { 200: z.object({ alerts: z.array(alert) }) },
        },
      },
      async (request) => ({
        alerts: await ctx.alerts.list({
          limit: request.query.limit,
          ...(request.query.status ? { status: request.query.status } : {}),
        }),
      }),
    );

    for (const [verb, summary] of [
      ['acknowledge', 'Acknowledge an open alert (someone is on it); audited'],
      ['close', 'Close an alert, with a note on what was done; audited'],
    ] as const) {
      app.post(
        `/api/v1/security/alerts/:id/${verb}`,
        {
          config: { access: { roles: RESPONDERS } },
          schema: {
            tags: ['security'],
            summary,
            params,
            body: note,
            response: { 200: z.object({ alert }) },
          },
        },
        async (request) => {
          const actor = actorOf(principalOf(request));
          const text = request.body?.note;
          return {
            alert:
              verb === 'acknowledge'
                ? await ctx.alerts.acknowledge(request.params.id, actor, text)
                : await ctx.alerts.close(request.params.id, actor, text),
          };
        },
      );
    }

    app.get(
      '/api/v1/security/audit-verification',
      {
        config: { access: { roles: WATCHERS } },
        schema: {
          tags: ['security'],
          summary:
            'The last full audit-log verification against the pinned keys (scheduled under custos serve, or run on demand)',
          response: { 200: z.object({ last: verification.nullable(), everyMinutes: z.number() }) },
        },
      },
      async () => ({
        last: await ctx.auditVerifications.latest(),
        everyMinutes: ctx.workspace.config.monitoring.verifyEveryMinutes,
      }),
    );

    app.post(
      '/api/v1/security/audit-verification',
      {
        config: { access: { roles: RESPONDERS } },
        schema: {
          tags: ['security'],
          summary:
            'Verify the whole audit log against the pinned keys now: the result is stored, a failure raises the auditVerification alert',
          response: { 200: z.object({ verification, raised: z.array(alert) }) },
        },
      },
      async () => {
        const { verification: result, run } = await ctx.auditVerifications.verifyAndMonitor('manual');
        return { verification: result, raised: run.raised };
      },
    );

    app.post(
      '/api/v1/security/monitor/run',
      {
        config: { access: { roles: RESPONDERS } },
        schema: {
          tags: ['security'],
          summary: 'Evaluate the monitoring rules now; returns the alerts this opened',
          response: {
            200: z.object({
              findings: z.number(),
              raised: z.array(alert),
              deliveryFailures: z.array(z.string()),
            }),
          },
        },
      },
      async () => {
        const run = await ctx.monitor.run();
        return { findings: run.findings.length, raised: run.raised, deliveryFailures: run.deliveryFailures };
      },
    );
  };
}

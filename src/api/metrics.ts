// Prometheus metrics: default process metrics, request counts and latencies by route, open alerts.

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../context.js';

export function installMetrics(app: FastifyInstance, ctx: AppContext): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'custos_' });
  // Security alerts not yet closed, read from the store at each scrape (docs/security.md).
  new Gauge({
    name: 'custos_security_alerts_open',
    help: 'Security alerts open or acknowledged (not closed), by rule and severity',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { rule, severity, count } of await ctx.alerts.openCounts())
        this.set({ rule, severity }, count);
    },
  });
  const duration = new Histogram({
    name: 'custos_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths must not explode label cardinality.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    {
      config: { access: { roles: ['admin', 'auditor'] } },
      schema: { hide: true },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  return registry;
}

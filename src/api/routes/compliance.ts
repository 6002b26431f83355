// Compliance management (issue 18): controls with their latest results, audits and reports, impact
// assessments, the incident register, vendor reviews, attestations and the record of processing
// activities. Compliance officers act; auditors read. The rules live in src/compliance.

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ASSESSMENT_KINDS,
  CHECK_STATUSES,
  FRAMEWORKS,
  INCIDENT_SEVERITIES,
  summaryOf,
  VENDOR_QUESTIONS,
  VENDOR_RESULTS,
} from '../../compliance/index.js';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../domain/index.js';
import { principalOf } from '../access.js';

const officers = { access: { roles: ['compliance_officer'] as const } };
const readers = { access: { roles: ['compliance_officer', 'auditor'] as const } };

const localized = z.object({ 'zh-CN': z.string(), en: z.string() });
const evidence = z.record(z.string(), z.unknown());
const status = z.enum(CHECK_STATUSES);
const lang = z.enum(['zh-CN', 'en']).default('zh-CN');

const controlSchema = z
  .object({
    id: z.string(),
    framework: z.enum(FRAMEWORKS),
    clause: z.string(),
    title: localized,
    text: localized,
    kind: z.enum(['automated', 'attested', 'manual']),
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    check: z.string().optional(),
    remediation: localized,
    source: z.object({ provenance: z.enum(['digest', 'not_at_hand']), note: z.string().optional() }),
    latest: z.object({ status, evidence, auditId: z.string() }).nullable(),
  })
  .meta({ id: 'ComplianceControl' });

const summarySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    score: z.number(),
    controls: z.array(
      z.object({
        id: z.string(),
        framework: z.string(),
        clause: z.string(),
        status,
        evidence,
        remediation: z.string(),
      }),
    ),
  })
  .meta({ id: 'ComplianceAuditSummary' });

const auditListItem = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  trigger: z.string(),
  score: z.number(),
  reportHash: z.string(),
  hashAlgorithm: z.string(),
  auditIndex: z.number().nullable(),
});

const assessmentSchema = z
  .object({
    id: z.string(),
    kind: z.enum(ASSESSMENT_KINDS),
    title: z.string(),
    datasets: z.array(z.string()),
    triggers: z.array(z.string()),
    scope: z.string(),
    risks: z.array(z.string()),
    measures: z.array(z.string()),
    status: z.enum(['draft', 'approved', 'rejected']),
    author: z.string(),
    approver: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    retainUntil: z.string().nullable(),
  })
  .meta({ id: 'ImpactAssessment' });

const incidentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    occurredAt: z.string(),
    detectedAt: z.string(),
    subjectsAffected: z.number(),
    datasets: z.array(z.string()),
    severity: z.enum(INCIDENT_SEVERITIES),
    measures: z.string(),
    status: z.enum(['open', 'closed']),
    regulatorNotifiedAt: z.string().nullable(),
    subjectsNotifiedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Incident' });

const standingSchema = z.object({
  vendor: z.string(),
  source: z.enum(['review', 'declaration', 'none']),
  result: z.enum(VENDOR_RESULTS).nullable(),
  validUntil: z.string().nullable(),
  reference: z.string().nullable(),
  refusal: z.string().optional(),
});

const reviewSchema = z
  .object({
    id: z.string(),
    vendor: z.string(),
    questionnaire: z.record(z.string(), z.string()),
    evidence: z.array(z.object({ name: z.string(), sha256: z.string() })),
    result: z.enum(VENDOR_RESULTS),
    reference: z.string().nullable(),
    reviewedAt: z.string(),
    validUntil: z.string(),
    reviewer: z.string(),
  })
  .meta({ id: 'VendorReview' });

const attestationSchema = z.object({
  id: z.string(),
  controlId: z.string(),
  statement: z.string(),
  evidenceRef: z.string().nullable(),
  attestedBy: z.string(),
  attestedAt: z.string(),
  validUntil: z.string(),
});
const attestationView = attestationSchema.extend({ isExpired: z.boolean() }).meta({ id: 'Attestation' });

const assessmentBody = z.object({
  kind: z.enum(ASSESSMENT_KINDS).default('pia'),
  title: z.string().min(1).max(200),
  datasets: z.array(z.string().min(1).max(64)).min(1).max(50),
  scope: z.string().min(1).max(5000),
  risks: z.array(z.string().min(1).max(2000)).max(100).default([]),
  measures: z.array(z.string().min(1).max(2000)).max(100).default([]),
});

const idParams = z.object({ id: z.string().min(1).max(80) });
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const time = z.string().min(10).max(40);

export function complianceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const c = ctx.compliance;
  return async (app) => {
    app.get(
      '/api/v1/compliance/controls',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description: 'The controls catalogue, each control with its result in the latest audit.',
          response: { 200: z.object({ controls: z.array(controlSchema) }) },
        },
      },
      async () => ({ controls: await c.controls() }),
    );

    app.post(
      '/api/v1/compliance/audits',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description:
            'Run a compliance audit now (PIPL Art. 54). Failing controls are a result, not an error; the report hash is appended to the audit log.',
          querystring: z.object({ lang }),
          response: { 201: summarySchema },
        },
      },
      async (request, reply) => {
        const audit = await c.runAudit(actorOf(principalOf(request)), 'manual');
        return reply.status(201).send(summaryOf(audit, request.query.lang));
      },
    );

    app.get(
      '/api/v1/compliance/audits',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description: 'Stored audits, newest first, with their report hashes and audit-log entries.',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ audits: z.array(auditListItem) }) },
        },
      },
      async (request) => ({ audits: await c.listAudits(request.query.limit) }),
    );

    app.get(
      '/api/v1/compliance/audits/:id',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'One audit (`latest` for the newest): the full report as stored and hashed, with scores per framework and the trend.',
          params: idParams,
          response: {
            200: z.object({
              id: z.string(),
              reportHash: z.string(),
              hashAlgorithm: z.string(),
              auditIndex: z.number().nullable(),
              report: z.record(z.string(), z.unknown()),
            }),
          },
        },
      },
      async (request) => {
        const audit = await c.getAudit(request.params.id === 'latest' ? undefined : request.params.id);
        return {
          id: audit.id,
          reportHash: audit.reportHash,
          hashAlgorithm: audit.hashAlgorithm,
          auditIndex: audit.auditIndex,
          report: audit.report as unknown as Record<string, unknown>,
        };
      },
    );

    app.get(
      '/api/v1/compliance/audits/:id/report',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'The report as a file: html (printable), json (the exact hashed bytes) or pdf (503 "PDF not available" without Chromium).',
          params: idParams,
          querystring: z.object({ format: z.enum(['html', 'json', 'pdf']).default('html'), lang }),
          response: { 200: z.unknown().describe('the report file') },
        },
      },
      async (request, reply) => {
        const id = request.params.id === 'latest' ? undefined : request.params.id;
        const { format, lang: locale } = request.query;
        const audit = await c.getAudit(id);
        const name = `custos-compliance-${audit.at.slice(0, 10)}-${audit.id.slice(0, 8)}`;
        reply.header('cache-control', 'no-store');
        if (format === 'json')
          return reply
            .header('content-type', 'application/json; charset=utf-8')
            .header('content-disposition', `attachment; filename="${name}.json"`)
            .send(audit.reportText);
        if (format === 'pdf') {
          const pdf = await c.reportPdf(locale, audit.id);
          return reply
            .header('content-type', 'application/pdf')
            .header('content-disposition', `attachment; filename="${name}.${locale}.pdf"`)
            .send(pdf);
        }
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-disposition', `inline; filename="${name}.${locale}.html"`)
          .send(await c.reportHtml(locale, audit.id));
      },
    );

    app.get(
      '/api/v1/compliance/pia-triggers',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description: 'Datasets whose declarations require an impact assessment (PIPL Art. 55), and why.',
          response: {
            200: z.object({
              triggers: z.array(z.object({ dataset: z.string(), triggers: z.array(z.string()) })),
            }),
          },
        },
      },
      async () => ({ triggers: await c.piaTriggers() }),
    );

    app.get(
      '/api/v1/compliance/assessments',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description: 'Impact and risk assessments, newest first (kept at least three years).',
          response: { 200: z.object({ assessments: z.array(assessmentSchema) }) },
        },
      },
      async () => ({ assessments: await c.assessments.list() }),
    );

    app.post(
      '/api/v1/compliance/assessments',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description: 'Draft an assessment; its triggers are read from the declarations of its datasets.',
          body: assessmentBody,
          response: { 201: assessmentSchema },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await c.createAssessment(request.body, actorOf(principalOf(request)))),
    );

    app.put(
      '/api/v1/compliance/assessments/:id',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description:
            'Revise a draft assessment. A decided one is never overwritten: an approved one within its three years (PIPL Art. 56) is refused with 409 saying until when it is kept.',
          params: idParams,
          body: assessmentBody,
          response: { 200: assessmentSchema },
        },
      },
      async (request) => c.reviseAssessment(request.params.id, request.body, actorOf(principalOf(request))),
    );

    app.delete(
      '/api/v1/compliance/assessments/:id',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description:
            'Delete an assessment: a draft at any time; a decided one only after its retention (three years from the decision, PIPL Art. 56) — before that, 409.',
          params: idParams,
          response: { 204: z.null().describe('deleted') },
        },
      },
      async (request, reply) => {
        await c.assessments.delete(request.params.id, actorOf(principalOf(request)));
        return reply.status(204).send(null);
      },
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/api/v1/compliance/assessments/:id/${decision}`,
        {
          config: officers,
          schema: {
            tags: ['compliance'],
            description: `${decision === 'approve' ? 'Approve' : 'Reject'} a draft assessment (not by its author).`,
            params: idParams,
            response: { 200: assessmentSchema },
          },
        },
        async (request) =>
          c.assessments.decide(
            request.params.id,
            decision === 'approve' ? 'approved' : 'rejected',
            actorOf(principalOf(request)),
          ),
      );
    }

    app.get(
      '/api/v1/compliance/incidents',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description: 'The incident register (PIPL Art. 57), newest first.',
          response: { 200: z.object({ incidents: z.array(incidentSchema) }) },
        },
      },
      async () => ({ incidents: await c.incidents.list() }),
    );

    app.post(
      '/api/v1/compliance/incidents',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description:
            'Register an incident: what, when, how many subjects, which datasets, measures so far.',
          body: z.object({
            title: z.string().min(1).max(200),
            description: z.string().min(1).max(5000),
            occurredAt: time,
            detectedAt: time,
            subjectsAffected: z.number().int().min(0),
            datasets: z.array(z.string().min(1).max(64)).max(50).default([]),
            severity: z.enum(INCIDENT_SEVERITIES),
            measures: z.string().min(1).max(5000),
          }),
          response: { 201: incidentSchema },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await c.incidents.register(request.body, actorOf(principalOf(request)))),
    );

    app.post(
      '/api/v1/compliance/incidents/:id/notify',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description: 'Record that the regulator or the subjects were notified.',
          params: idParams,
          body: z.object({ who: z.enum(['regulator', 'subjects']), at: time }),
          response: { 200: incidentSchema },
        },
      },
      async (request) =>
        c.incidents.update(
          request.params.id,
          { kind: 'notified', who: request.body.who, at: request.body.at },
          actorOf(principalOf(request)),
        ),
    );

    app.post(
      '/api/v1/compliance/incidents/:id/close',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description: 'Close an incident, naming the measures taken.',
          params: idParams,
          body: z.object({ measures: z.string().min(1).max(5000) }),
          response: { 200: incidentSchema },
        },
      },
      async (request) =>
        c.incidents.update(
          request.params.id,
          { kind: 'close', measures: request.body.measures },
          actorOf(principalOf(request)),
        ),
    );

    app.get(
      '/api/v1/compliance/incidents/:id/draft',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description: 'A notification draft in Art. 57’s terms (counts, never identities).',
          params: idParams,
          querystring: z.object({ lang }),
          response: { 200: z.object({ id: z.string(), locale: z.string(), draft: z.string() }) },
        },
      },
      async (request) => ({
        id: request.params.id,
        locale: request.query.lang,
        draft: await c.incidents.draft(request.params.id, request.query.lang),
      }),
    );

    app.get(
      '/api/v1/compliance/vendors',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'Each vendor’s standing: latest review (else declared assessment), validity, and why collection is refused if it is.',
          response: { 200: z.object({ vendors: z.array(standingSchema) }) },
        },
      },
      async () => ({ vendors: await c.vendors.standings() }),
    );

    app.get(
      '/api/v1/compliance/vendors/:vendor/reviews',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description: 'Third-party reviews of a vendor, newest first.',
          params: z.object({ vendor: z.string().min(1).max(64) }),
          response: { 200: z.object({ reviews: z.array(reviewSchema) }) },
        },
      },
      async (request) => ({ reviews: await c.vendors.list(request.params.vendor) }),
    );

    app.post(
      '/api/v1/compliance/vendors/:vendor/reviews',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description:
            'Record a third-party review: questionnaire answers, evidence files (name and SHA-256), result and validity. Collection from a vendor whose latest review is rejected or expired is refused.',
          params: z.object({ vendor: z.string().min(1).max(64) }),
          body: z.object({
            questionnaire: z.partialRecord(z.enum(VENDOR_QUESTIONS), z.string().max(2000)).default({}),
            evidence: z
              .array(
                z.object({ name: z.string().min(1).max(200), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
              )
              .max(100)
              .default([]),
            result: z.enum(VENDOR_RESULTS),
            reference: z.string().min(1).max(200).optional(),
            validUntil: date,
          }),
          response: { 201: reviewSchema },
        },
      },
      async (request, reply) => {
        const { reference, questionnaire, ...rest } = request.body;
        const review = await c.vendors.record(
          {
            ...rest,
            vendor: request.params.vendor,
            questionnaire: questionnaire as Record<string, string>,
            ...(reference === undefined ? {} : { reference }),
          },
          actorOf(principalOf(request)),
        );
        return reply.status(201).send(review);
      },
    );

    app.post(
      '/api/v1/compliance/attestations',
      {
        config: officers,
        schema: {
          tags: ['compliance'],
          description:
            'Attest a control of kind `attested` (training, response plan, backups…) until a date.',
          body: z.object({
            controlId: z.string().min(1).max(64),
            statement: z.string().min(1).max(5000),
            evidenceRef: z.string().min(1).max(500).optional(),
            validUntil: date,
          }),
          response: { 201: attestationSchema },
        },
      },
      async (request, reply) => {
        const { evidenceRef, ...rest } = request.body;
        const attestation = await c.attest(
          { ...rest, ...(evidenceRef === undefined ? {} : { evidenceRef }) },
          actorOf(principalOf(request)),
        );
        return reply.status(201).send(attestation);
      },
    );

    app.get(
      '/api/v1/compliance/attestations',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'Attestations of `attested` controls, newest first: who attested what, when, the evidence reference and until when (isExpired once past).',
          querystring: z.object({ control: z.string().min(1).max(64).optional() }),
          response: { 200: z.object({ attestations: z.array(attestationView) }) },
        },
      },
      async (request) => ({ attestations: await c.attestations(request.query.control) }),
    );

    app.get(
      '/api/v1/compliance/capabilities',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'What this server can produce: pdf available or unavailable (no Chromium; the HTML report prints to PDF from any browser).',
          response: {
            200: z.object({ pdf: z.enum(['available', 'unavailable']), pdfReason: z.string().nullable() }),
          },
        },
      },
      async () => c.capabilities(),
    );

    app.get(
      '/api/v1/compliance/processing-record',
      {
        config: readers,
        schema: {
          tags: ['compliance'],
          description:
            'The record of processing activities (个人信息处理活动记录), generated from the declarations.',
          response: { 200: z.record(z.string(), z.unknown()) },
        },
      },
      async () => (await c.processingRecord()) as unknown as Record<string, unknown>,
    );
  };
}

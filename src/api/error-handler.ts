// The one place that maps errors to HTTP: `{ error: { code, message, details } }`, never a stack
// trace, never a personal-data value. Messages are localised by Accept-Language (zh-CN default).
// An error never repeats a value from the request (path, query or body): whatever a message or its
// details would quote — an ID number typed as a stream name — is replaced by "…", in the answer and
// in the log alike.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  type ErrorCode,
  isCustosError,
  isMessageKey,
  RateLimitedError,
  resolveLocale,
  translate,
} from '../domain/index.js';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation: 400,
  config: 400,
  unauthorized: 401,
  forbidden: 403,
  no_policy: 403,
  purpose_not_allowed: 403,
  approval_required: 403,
  grant_expired: 403,
  not_found: 404,
  conflict: 409,
  share_refused: 422,
  rate_limited: 429,
  source: 502,
  crypto: 500,
  integrity: 500,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({
        path: issue.instancePath || '/',
        message: issue.message ?? 'invalid',
        ...issueFacts(issue.keyword, issue.params),
      }));
      return send(request, reply, 400, 'validation', 'request does not match the schema', {
        in: error.validationContext,
        issues,
      });
    }
    if (isCustosError(error)) {
      const status = STATUS_BY_CODE[error.code];
      if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
      if (status >= 500) request.log.error({ err: scrubbedError(request, error) }, 'request failed');
      return send(request, reply, status, error.code, error.message, error.details);
    }
    // Fastify's own client errors (body too large, bad JSON, wrong content type).
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      const code =
        error.statusCode === 413
          ? 'payload_too_large'
          : error.statusCode === 415
            ? 'unsupported_media_type'
            : 'validation';
      return send(request, reply, error.statusCode, code, clientErrorMessage(error), undefined);
    }
    request.log.error({ err: scrubbedError(request, error) }, 'unhandled error');
    return send(request, reply, 500, 'internal', `internal error (request ${request.id})`, undefined);
  });

  // The path is not repeated: it is a value from the request.
  app.setNotFoundHandler((request, reply) =>
    send(request, reply, 404, 'not_found', `no route for ${request.method} at this path`, undefined),
  );
}

/**
 * What a client needs to word an issue in its own language (the console's catalogue): zod's issue
 * code and the schema's limits — never the value that broke them.
 */
function issueFacts(keyword: string, params: Record<string, unknown>): Record<string, unknown> {
  const facts: Record<string, unknown> = { code: keyword };
  for (const key of ['minimum', 'maximum', 'origin', 'format'] as const) {
    const value = params[key];
    if (typeof value === 'number' || typeof value === 'string') facts[key] = value;
    else if (typeof value === 'bigint') facts[key] = Number(value);
  }
  return facts;
}

/** Errors Fastify raises before routing (a malformed URL), in the same envelope. */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 400;
  void send(request, reply, status, 'validation', 'malformed request', undefined);
}

/** Strings of the request (path parameters, query, body) worth hiding: longest first. */
function requestValues(request: FastifyRequest): string[] {
  const found = new Set<string>();
  let budget = 500;
  const visit = (value: unknown, depth: number): void => {
    if (budget-- <= 0) return;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      const text = String(value);
      // Shorter strings are words of the message itself as often as they are values.
      if (text.length >= 4) found.add(text);
    } else if (value !== null && typeof value === 'object' && depth < 5) {
      for (const item of Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(request.params, 0);
  visit(request.query, 0);
  visit(request.body, 0);
  return [...found].sort((a, b) => b.length - a.length);
}

function scrubText(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join('…');
  return out;
}

function scrubValue(value: unknown, values: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value, values);
  if (typeof value === 'number' && values.includes(String(value))) return '…';
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, values, depth + 1));
  if (value !== null && typeof value === 'object' && depth < 6) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, values, depth + 1)]));
  }
  return value;
}

function scrubbedError(request: FastifyRequest, error: Error): Record<string, unknown> {
  const values = requestValues(request);
  return {
    type: error.name,
    ...('code' in error ? { code: (error as { code: unknown }).code } : {}),
    message: scrubText(error.message, values),
    ...(error.stack ? { stack: scrubText(error.stack, values) } : {}),
  };
}

function clientErrorMessage(error: FastifyError): string {
  // Fastify's messages for these codes name limits and formats, not request content.
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'request body is too large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'unsupported content type';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'empty JSON body';
  return 'malformed request';
}

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  specific: string,
  details: unknown,
) {
  const locale = resolveLocale(request.headers['accept-language']);
  const key = `error.${code}`;
  const values = requestValues(request);
  const safe = scrubText(specific, values);
  const message = isMessageKey(key) ? `${translate(locale, key)}: ${safe}` : safe;
  const safeDetails = values.length > 0 ? scrubValue(details, values) : details;
  const body: ErrorBody = {
    error: safeDetails === undefined ? { code, message } : { code, message, details: safeDetails },
  };
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

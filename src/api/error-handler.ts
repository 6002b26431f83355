// The one place that maps errors to HTTP: `{ error: { code, message, details } }`, never a stack
// trace, never a personal-data value. Messages are localised by Accept-Language (zh-CN default).

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
      }));
      return send(request, reply, 400, 'validation', 'request does not match the schema', {
        in: error.validationContext,
        issues,
      });
    }
    if (isCustosError(error)) {
      const status = STATUS_BY_CODE[error.code];
      if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
      if (status >= 500) request.log.error({ err: error }, 'request failed');
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
    request.log.error({ err: error }, 'unhandled error');
    return send(request, reply, 500, 'internal', `internal error (request ${request.id})`, undefined);
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      request,
      reply,
      404,
      'not_found',
      `no route ${request.method} ${request.url.split('?')[0]}`,
      undefined,
    ),
  );
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
  const message = isMessageKey(key) ? `${translate(locale, key)}: ${specific}` : specific;
  const body: ErrorBody = { error: details === undefined ? { code, message } : { code, message, details } };
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

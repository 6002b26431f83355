// The OpenAPI document at /api/v1/openapi.json, generated from the route schemas (one source of
// truth). Each operation also names who may call it — `x-custos-roles` (the route's `config.access`;
// empty and `x-custos-public` for public routes) — and the error responses every route can give,
// so clients and the console can be generated from the document alone.

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { RouteAccess } from './access.js';

/** The body of every error (error-handler.ts), as JSON Schema. */
const ERROR_BODY = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'stable error code (validation, not_found, forbidden…)' },
        message: { type: 'string' },
        details: { description: 'what was wrong (file, field, line); never personal data' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

function errorResponse(description: string) {
  return { description, ...ERROR_BODY };
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** jsonSchemaTransform, plus the route's roles and its error responses. */
function transform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const { schema, url } = jsonSchemaTransform(input);
  const access = (input.route.config as { access?: RouteAccess } | undefined)?.access;
  const isPublic = access === undefined || 'public' in access;
  const given = (schema as { response?: Record<string, unknown> }).response ?? {};
  const response: Record<string, unknown> = {
    ...(Object.keys(input.schema ?? {}).some((k) => ['body', 'querystring', 'params'].includes(k))
      ? { 400: errorResponse('invalid input: the problems, by field') }
      : {}),
    ...(isPublic
      ? {}
      : {
          401: errorResponse('not signed in: no valid session cookie or bearer token'),
          403: errorResponse('signed in, but the role may not call this route'),
        }),
    default: errorResponse('any other error (not found, conflict, unavailable, internal)'),
    ...given,
  };
  return {
    schema: {
      ...schema,
      response,
      'x-custos-roles': access && 'roles' in access ? [...access.roles] : [],
      ...(access && 'public' in access ? { 'x-custos-public': access.public, security: [] } : {}),
    } as typeof schema,
    url,
  };
}

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Custos API',
        description:
          'Compliant data collection: sources, datasets, classification, consent, approvals, audit. ' +
          'Each operation lists the roles that may call it in `x-custos-roles`.',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token (custos token create)' },
          session: { type: 'apiKey', in: 'cookie', name: 'custos_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs', staticCSP: true });
  app.get(
    '/api/v1/openapi.json',
    { config: { access: { public: 'the API description; holds no data' } }, schema: { hide: true } },
    async () => app.swagger(),
  );
}

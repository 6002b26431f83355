// The console's forms take their rules from the server's schemas (web/src/api/form-rules.ts): the
// request-body JSON Schemas of the real OpenAPI document become antd rules — checked here by running
// them through antd's own validator (async-validator, as antd Form does) — and the server's 400
// answers land on the fields they name.

import validatorModule from '@rc-component/async-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../web/src/api/endpoints.js';
import {
  bodySchemaOf,
  fieldErrorsOf,
  type JsonSchema,
  type OpenApiDocument,
  rulesOf,
  type Translate,
} from '../../web/src/api/form-rules.js';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import { startTestServer, type TestServer } from '../support/server.js';

// The package is CommonJS with a `default` export; Vite's loader may hand over either shape.
type Validator = (typeof validatorModule)['default'];
const Schema: Validator =
  (validatorModule as unknown as { default?: Validator }).default ??
  (validatorModule as unknown as Validator);

/** i18next's interpolation over the English catalogue, enough for these messages. */
const t: Translate = (key, options = {}) => {
  let node: unknown = en;
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'string') throw new Error(`no catalogue text for ${key}`);
  return node.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options[name]));
};

/** The messages antd would show for `value` in field `name` (empty: valid). */
async function problems(body: JsonSchema | undefined, name: string, value: unknown): Promise<string[]> {
  const rules = rulesOf(body, name, name, t);
  const validator = new Schema({ [name]: rules as never });
  try {
    await validator.validate({ [name]: value }, { suppressWarning: true } as never);
    return [];
  } catch (error) {
    const errors = (error as { errors?: { message: string }[] }).errors;
    if (!errors) throw error;
    return errors.map((e) => e.message);
  }
}

describe('form rules from the server’s schemas', () => {
  let server: TestServer;
  let document: OpenApiDocument;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    document = (await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  afterAll(async () => server?.close());

  it('finds the request body of each form’s operation', () => {
    for (const endpoint of [
      endpoints.createUser,
      endpoints.createToken,
      endpoints.requestAccess,
      endpoints.login,
    ])
      expect(bodySchemaOf(document, endpoint)?.properties).toBeDefined();
    expect(bodySchemaOf(document, endpoints.overrideClassification)?.properties?.level).toBeDefined();
    expect(bodySchemaOf(document, endpoints.me)).toBeUndefined(); // a GET has no body
  });

  it('turns required and string lengths into rules with the catalogue’s messages', async () => {
    const body = bodySchemaOf(document, endpoints.createUser);
    expect(await problems(body, 'username', undefined)).toEqual(['username is required']);
    expect(await problems(body, 'username', 'x'.repeat(65))).toEqual(['username: at most 64 characters']);
    expect(await problems(body, 'username', 'x'.repeat(64))).toEqual([]);
    expect(await problems(body, 'displayName', undefined)).toEqual([]); // optional
    expect(await problems(body, 'displayName', 'x'.repeat(129))).toEqual([
      'displayName: at most 128 characters',
    ]);
    expect(await problems(body, 'role', 'superuser')).toEqual(['role: choose one of the options']);
    expect(await problems(body, 'role', 'auditor')).toEqual([]);
    expect(await problems(body, 'noSuchField', 'anything')).toEqual([]);
  });

  it('turns a pattern into a rule (the token name’s characters)', async () => {
    const body = bodySchemaOf(document, endpoints.createToken);
    expect(await problems(body, 'name', 'ci deploy_1.0-x')).toEqual([]);
    expect(await problems(body, 'name', '部署 令牌')).toEqual([]);
    expect(await problems(body, 'name', 'bad/name')).toEqual([
      'name contains characters or a form the server does not accept',
    ]);
  });

  it('turns minimum length, integer bounds and list sizes into rules', async () => {
    const body = bodySchemaOf(document, endpoints.requestAccess);
    expect(await problems(body, 'justification', 'too short')).toEqual([
      'justification: at least 10 characters',
    ]);
    expect(await problems(body, 'durationDays', 367)).toEqual(['durationDays: at most 366']);
    expect(await problems(body, 'durationDays', 0)).toEqual(['durationDays: at least 1']);
    expect(await problems(body, 'durationDays', 30)).toEqual([]);
    expect(await problems(body, 'datasets', [])).toEqual(['datasets is required']);
    expect(
      await problems(
        body,
        'datasets',
        Array.from({ length: 21 }, (_, i) => `d${i}`),
      ),
    ).toEqual(['datasets: choose at most 20']);
    // Each item's length, too.
    expect(await problems(body, 'datasets', ['x'.repeat(65)])).toEqual(['datasets: at most 64 characters']);
  });

  it('words a format (date-time) by its name, not its regular expression', async () => {
    // The console has no form for it yet; the conversion is the same.
    const body = bodySchemaOf(document, { method: 'POST', path: '/api/v1/dsr', roles: [] });
    expect(await problems(body, 'receivedAt', '2025-01-31T09:30:00Z')).toEqual([]);
    expect(await problems(body, 'receivedAt', 'yesterday')).toEqual([
      'receivedAt: a date and time (ISO 8601, e.g. 2025-01-31T09:30:00Z)',
    ]);
  });

  it('puts the server’s schema issues on their fields, worded by the catalogue', async () => {
    const answer = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${server.tokens.admin}` },
      payload: { username: 'x'.repeat(65), role: 'admin', password: '' },
    });
    expect(answer.statusCode).toBe(400);
    const { error } = answer.json() as { error: { code: string; message: string; details: unknown } };
    const apiError = { status: 400, code: error.code, message: error.message, details: error.details };
    const fields = fieldErrorsOf(
      apiError,
      { username: 'Username', password: 'Password' },
      t,
      () => 'fallback',
    );
    expect(fields).toEqual([
      { name: ['username'], errors: ['Username: at most 64 characters'] },
      { name: ['password'], errors: ['Password is required'] },
    ]);
  });

  it('puts a service’s refusal (details.field) on its field, and ignores fields the form lacks', () => {
    const refusal = { status: 400, details: { field: 'name' } };
    expect(fieldErrorsOf(refusal, { name: 'Name' }, t, () => 'the server’s words')).toEqual([
      { name: ['name'], errors: ['the server’s words'] },
    ]);
    expect(fieldErrorsOf(refusal, { other: 'Other' }, t, () => 'x')).toEqual([]);
    expect(
      fieldErrorsOf({ status: 409, details: { field: 'name' } }, { name: 'Name' }, t, () => 'x'),
    ).toEqual([]);
    expect(fieldErrorsOf(new Error('boom'), { name: 'Name' }, t, () => 'x')).toEqual([]);
  });
});

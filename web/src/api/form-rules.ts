// Form validation from the server's own schemas: the request-body JSON Schemas of the OpenAPI
// document (generated from the routes' zod schemas) become antd Form rules, and the server's 400
// answers become errors on the fields they name. The console repeats no rule by hand. No DOM and no
// React here, so test/console/form-rules.test.ts runs it in Node (hence the `.js` import, which both
// the console's bundler and Node's resolution accept, as for endpoints.ts).

import type { FormRule } from 'antd';
import type { Endpoint } from './endpoints.js';

/** The part of JSON Schema (draft 2020-12, as @fastify/swagger publishes it) that forms use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  format?: string;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
}

/** i18next's `t`, narrowed to what this module needs. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The request body's schema of an operation, or undefined when the document has none for it. */
export function bodySchemaOf(
  document: OpenApiDocument,
  endpoint: Endpoint<unknown, unknown, unknown, unknown>,
): JsonSchema | undefined {
  const path = endpoint.path.replace(/:([A-Za-z]+)/g, '{$1}');
  const operation = document.paths[path]?.[endpoint.method.toLowerCase()];
  return operation?.requestBody?.content?.['application/json']?.schema;
}

/** `anyOf: [X, {type: null}]` (a nullable zod schema) → X. */
function withoutNull(schema: JsonSchema): JsonSchema {
  const options = schema.anyOf?.filter((s) => s.type !== 'null');
  if (options?.length !== 1 || !options[0]) return schema;
  const { anyOf: _, ...rest } = schema;
  return { ...rest, ...options[0] };
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

/** Formats whose values a browser can check itself, worded by the catalogue's `forms.format.*`. */
const FORMATS = ['date-time', 'date', 'email', 'uri', 'uuid'] as const;

/**
 * JSON Schema's patterns are ECMA-262 with Unicode semantics (`\p{L}`): the `u` flag, unless the
 * source is only valid without it.
 */
function patternOf(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch {
    return new RegExp(source);
  }
}

/**
 * The rules of one value, without `required` (arrays give their items' rules as `defaultField`).
 * Bounds as large as JavaScript's safe integers mean "any" and make no rule.
 */
function valueRules(schema: JsonSchema, label: string, t: Translate): FormRule[] {
  const s = withoutNull(schema);
  const type = typeOf(s);
  const rules: FormRule[] = [];
  if (s.enum) {
    rules.push({ type: 'enum', enum: s.enum as (string | number)[], message: t('forms.enum', { label }) });
  }
  if (type === 'string') {
    if (s.minLength !== undefined && s.minLength > 1)
      rules.push({
        type: 'string',
        min: s.minLength,
        message: t('forms.minLength', { label, count: s.minLength }),
      });
    if (s.maxLength !== undefined)
      rules.push({
        type: 'string',
        max: s.maxLength,
        message: t('forms.maxLength', { label, count: s.maxLength }),
      });
    const format = FORMATS.find((f) => f === s.format);
    if (format === 'email' && s.pattern === undefined)
      rules.push({ type: 'email', message: t('forms.format.email', { label }) });
    else if (format === 'uri' && s.pattern === undefined)
      rules.push({ type: 'url', message: t('forms.format.uri', { label }) });
    if (s.pattern !== undefined) {
      rules.push({
        pattern: patternOf(s.pattern),
        message: format ? t(`forms.format.${format}`, { label }) : t('forms.pattern', { label }),
      });
    }
  }
  if (type === 'integer' || type === 'number') {
    const numberType = type === 'integer' ? 'integer' : 'number';
    const min = s.minimum ?? s.exclusiveMinimum;
    const max = s.maximum ?? s.exclusiveMaximum;
    if (min !== undefined && min > Number.MIN_SAFE_INTEGER)
      rules.push({ type: numberType, min, message: t('forms.minimum', { label, count: min }) });
    if (max !== undefined && max < Number.MAX_SAFE_INTEGER)
      rules.push({ type: numberType, max, message: t('forms.maximum', { label, count: max }) });
  }
  if (type === 'array') {
    if (s.minItems !== undefined && s.minItems > 1)
      rules.push({
        type: 'array',
        min: s.minItems,
        message: t('forms.minItems', { label, count: s.minItems }),
      });
    if (s.maxItems !== undefined)
      rules.push({
        type: 'array',
        max: s.maxItems,
        message: t('forms.maxItems', { label, count: s.maxItems }),
      });
    // Each item's rules (length, pattern, enum) apply to every element.
    for (const itemRule of s.items ? valueRules(s.items, label, t) : [])
      rules.push({ type: 'array', defaultField: itemRule as never });
  }
  return rules;
}

/** JSON Schema's type → antd's, so that `required` judges the right kind of value (an empty list). */
const REQUIRED_TYPES: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'array'> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  array: 'array',
};

/**
 * The antd rules for property `name` of a request body: required (the schema's `required`; an empty
 * list too when the array needs an item), lengths, pattern or format, enum, bounds. Messages come
 * from the console's catalogue (`forms.*`) with the field's label. A property the schema does not
 * have gives no rule (the server still decides).
 */
export function rulesOf(body: JsonSchema | undefined, name: string, label: string, t: Translate): FormRule[] {
  const property = body?.properties?.[name];
  if (!property) return [];
  const rules: FormRule[] = [];
  if (body?.required?.includes(name)) {
    const type = REQUIRED_TYPES[typeOf(withoutNull(property)) ?? ''];
    rules.push({
      required: true,
      ...(type ? { type } : {}),
      ...(type === 'array' ? { min: Math.max(1, property.minItems ?? 0) } : {}),
      message: t('forms.required', { label }),
    });
  }
  return [...rules, ...valueRules(property, label, t)];
}

/** One problem in the server's 400 answer (src/api/error-handler.ts). */
interface ServerIssue {
  path?: string;
  message?: string;
  code?: string;
  minimum?: number;
  maximum?: number;
  origin?: string;
  format?: string;
}

export interface FieldError {
  name: (string | number)[];
  errors: string[];
}

/** The server's wording of an issue, in the console's language where the catalogue knows its code. */
function issueText(issue: ServerIssue, label: string, t: Translate): string | undefined {
  const count = issue.code === 'too_big' ? issue.maximum : issue.minimum;
  const isArray = issue.origin === 'array' || issue.origin === 'set';
  const isNumber = issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint';
  switch (issue.code) {
    case 'too_big':
      if (count === undefined) return undefined;
      return t(isArray ? 'forms.maxItems' : isNumber ? 'forms.maximum' : 'forms.maxLength', { label, count });
    case 'too_small':
      if (count === undefined) return undefined;
      if (!isNumber && count === 1) return t('forms.required', { label });
      return t(isArray ? 'forms.minItems' : isNumber ? 'forms.minimum' : 'forms.minLength', { label, count });
    case 'invalid_format':
      return issue.format && (FORMATS as readonly string[]).includes(issue.format)
        ? t(`forms.format.${issue.format}`, { label })
        : t('forms.pattern', { label });
    case 'invalid_value':
      return t('forms.enum', { label });
    default:
      return undefined;
  }
}

/**
 * The fields a failed call names, with their messages — for `form.setFields`. Understands both
 * shapes of the server's validation answer: a schema's issues (`details.issues[].path`, e.g.
 * `/username`) and a service's rule (`details.field`, worded by the server in the console's
 * language). Only fields in `fields` (the form's) are named; nothing when the error names none.
 */
export function fieldErrorsOf(
  error: unknown,
  fields: Record<string, string>,
  t: Translate,
  fallback: (error: unknown) => string,
): FieldError[] {
  // An ApiError (client.ts), recognised by shape: client.ts is the browser's side of the API.
  const failed = error as { status?: unknown; details?: unknown } | null;
  if (typeof failed !== 'object' || failed === null || failed.status !== 400) return [];
  const details = failed.details as { field?: unknown; issues?: unknown } | undefined;
  const out = new Map<string, FieldError>();
  if (details && Array.isArray(details.issues)) {
    for (const issue of details.issues as ServerIssue[]) {
      const segments = (issue.path ?? '')
        .split('/')
        .filter((s) => s !== '')
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const field = segments[0];
      if (typeof field !== 'string' || !(field in fields)) continue;
      const text = issueText(issue, fields[field] ?? field, t) ?? issue.message ?? fallback(error);
      const entry = out.get(field) ?? { name: [field], errors: [] };
      if (!entry.errors.includes(text)) entry.errors.push(text);
      out.set(field, entry);
    }
  } else if (details && typeof details.field === 'string' && details.field in fields) {
    out.set(details.field, { name: [details.field], errors: [fallback(error)] });
  }
  return [...out.values()];
}

// Self-check of a running Custos API, from the outside: every operation of its OpenAPI document is
// called without credentials and with a forged token and must be refused (401/403) unless the
// document declares it public and it is one of the expected public few; security headers are
// read from the answers (no-store, nosniff, CSP, frame options, HSTS over TLS). With a token,
// the parameterless GET operations are called as that token's owner and their answers checked too.

import { Agent, type Dispatcher, request } from 'undici';
import { isLoopback } from '../../domain/index.js';
import { couldNotCheck, finding, type ScanFinding, type ScanPart } from './scan-result.js';

/** Operations that are public by design: probes, sign-in, the API description, the console. */
export const EXPECTED_PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/openapi.json',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/second-factor',
  'POST /api/v1/auth/second-factor/enrol',
  'GET /',
];

export interface ApiSelfCheckOptions {
  /** Base URL of the API, e.g. https://custos.example:8750 */
  url: string;
  /** An API token for the authenticated part (its owner's role decides what it may read). */
  token?: string;
  /** CA certificate(s) to trust for an HTTPS target (PEM). */
  ca?: string | Buffer;
  timeoutMs?: number;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';
const FORGED_TOKEN = 'cst_forged-by-custos-scan';

interface Operation {
  method: Uppercase<(typeof METHODS)[number]>;
  path: string;
  isPublic: boolean;
  hasParams: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export async function selfCheckApi(options: ApiSelfCheckOptions): Promise<ScanPart> {
  const base = new URL(options.url);
  const isTls = base.protocol === 'https:';
  const dispatcher = new Agent({
    connect: { ...(options.ca ? { ca: options.ca } : {}) },
    headersTimeout: options.timeoutMs ?? 10_000,
    bodyTimeout: options.timeoutMs ?? 10_000,
  });
  const findings: ScanFinding[] = [];
  const part: ScanPart = { findings, couldNotCheck: [] };
  try {
    const call = (method: string, path: string, headers: Record<string, string> = {}) =>
      send(dispatcher, new URL(path, base), method, headers);

    let document: unknown;
    try {
      const answer = await request(new URL('/api/v1/openapi.json', base), { dispatcher });
      if (answer.statusCode !== 200) {
        await answer.body.dump();
        throw new Error(`HTTP ${answer.statusCode}`);
      }
      document = await answer.body.json();
    } catch (error) {
      part.couldNotCheck.push(
        couldNotCheck('api', 'openapi', 'scan.could_not.openapi', (error as Error).message, {
          url: base.origin,
        }),
      );
      return part;
    }

    if (!isTls && !isLoopback(base.hostname)) {
      findings.push(finding('api', 'api-in-clear', 'high', { url: base.origin }));
    }
    const operations = operationsOf(document);
    const samples: Array<{ route: string; answer: Answer }> = [];
    for (const op of operations) {
      const route = `${op.method} ${op.path}`;
      if (op.isPublic) {
        if (!EXPECTED_PUBLIC.includes(route)) {
          findings.push(finding('api', 'public-route-unexpected', 'medium', { route }, route));
        }
        continue;
      }
      const url = concretePath(op.path);
      const body = op.method === 'GET' ? {} : { 'content-type': 'application/json' };
      const anonymous = await call(op.method, url, body);
      if (anonymous.status !== 401 && anonymous.status !== 403) {
        findings.push(
          finding('api', 'route-unprotected', 'critical', { route, status: anonymous.status }, route),
        );
      } else {
        samples.push({ route, answer: anonymous });
      }
      const forged = await call(op.method, url, { ...body, authorization: `Bearer ${FORGED_TOKEN}` });
      if (forged.status !== 401 && forged.status !== 403) {
        findings.push(
          finding('api', 'forged-token-accepted', 'critical', { route, status: forged.status }, route),
        );
      }
    }

    if (options.token) {
      const readable = operations.filter((op) => op.method === 'GET' && !op.isPublic && !op.hasParams);
      let refused = 0;
      for (const op of readable) {
        const route = `${op.method} ${op.path}`;
        const answer = await call('GET', op.path, { authorization: `Bearer ${options.token}` });
        if (answer.status === 401) refused += 1;
        else if (answer.status >= 500) {
          findings.push(finding('api', 'route-error', 'medium', { route, status: answer.status }, route));
        } else if (answer.status < 300) samples.push({ route, answer });
      }
      if (readable.length > 0 && refused === readable.length) {
        part.couldNotCheck.push(couldNotCheck('api', 'authenticated', 'scan.could_not.token_refused'));
      }
    }

    headerFindings(samples, isTls, findings);
    if (samples.length === 0) {
      part.couldNotCheck.push(couldNotCheck('api', 'headers', 'scan.could_not.no_answers'));
    }
    return part;
  } finally {
    await dispatcher.close();
  }
}

/** Security headers every API answer carries; HSTS over TLS. One finding per header. */
function headerFindings(
  samples: ReadonlyArray<{ route: string; answer: Answer }>,
  isTls: boolean,
  findings: ScanFinding[],
): void {
  const required: Array<{ header: string; severity: 'high' | 'medium'; ok: (value: string) => boolean }> = [
    { header: 'cache-control', severity: 'high', ok: (v) => /\bno-store\b/i.test(v) },
    { header: 'x-content-type-options', severity: 'medium', ok: (v) => v.toLowerCase() === 'nosniff' },
    { header: 'content-security-policy', severity: 'medium', ok: (v) => v.length > 0 },
    { header: 'x-frame-options', severity: 'medium', ok: (v) => /^(deny|sameorigin)$/i.test(v) },
    ...(isTls
      ? [
          {
            header: 'strict-transport-security',
            severity: 'high' as const,
            ok: (v: string) => /max-age=\d*[1-9]/i.test(v),
          },
        ]
      : []),
  ];
  for (const { header, severity, ok } of required) {
    const missing = samples.filter(({ answer }) => {
      const value = answer.headers[header];
      const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
      // Frame options may be said by CSP's frame-ancestors instead.
      if (header === 'x-frame-options' && text === '') {
        const csp = String(answer.headers['content-security-policy'] ?? '');
        return !/frame-ancestors\s+('none'|'self')/i.test(csp);
      }
      return !ok(text);
    });
    if (missing.length > 0) {
      findings.push(
        finding(
          'api',
          'header-missing',
          severity,
          { header, routes: missing.length, example: missing[0]!.route },
          header,
        ),
      );
    }
  }
}

function operationsOf(document: unknown): Operation[] {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    // The documentation UI and the console's catch-all are static files, not API operations.
    if (path.startsWith('/api/v1/docs') || path.includes('*')) continue;
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      out.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        isPublic: 'x-custos-public' in op,
        hasParams: /\{[^}]+\}/.test(path),
      });
    }
  }
  return out;
}

/** OpenAPI `{id}` parameters get a syntactically valid value; authorisation is decided first. */
function concretePath(path: string): string {
  return path.replace(/\{id\}/g, PLACEHOLDER_ID).replace(/\{[^}]+\}/g, 'x1');
}

async function send(
  dispatcher: Dispatcher,
  url: URL,
  method: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const isJson = headers['content-type'] === 'application/json';
  const answer = await request(url, {
    dispatcher,
    method: method as Dispatcher.HttpMethod,
    headers,
    ...(isJson ? { body: '{}' } : {}),
  });
  await answer.body.dump();
  return { status: answer.statusCode, headers: answer.headers };
}

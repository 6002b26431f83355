// Declarative REST connector: no code per partner. Auth (API key, bearer, basic, OAuth2 client
// credentials, HMAC request signing, mutual TLS), pagination (page, offset, cursor, next link in
// the body, Link header), JSONPath record selection and incremental sync by a cursor field with a
// lookback window. One batch per page: a failing page never loses the pages before it.

import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JSONPath } from 'jsonpath-plus';
import { z } from 'zod';
import { parseDuration, SourceError } from '../../domain/index.js';
import type { SourceDeclaration } from '../../workspace/index.js';
import { EgressGuard } from '../egress.js';
import { HttpClient } from '../http.js';
import { resolveSecret, secretRef } from '../secrets.js';
import type {
  CheckResult,
  Connector,
  ConnectorContext,
  ReadOptions,
  Source,
  SourceBatch,
  SourceRecord,
  SourceState,
  StreamDescription,
} from '../types.js';

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('api_key'),
      in: z.enum(['header', 'query']).default('header'),
      name: z.string().min(1),
      value: secretRef,
    })
    .strict(),
  z.object({ type: z.literal('bearer'), token: secretRef }).strict(),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: secretRef }).strict(),
  z
    .object({
      type: z.literal('oauth2'),
      tokenUrl: z.string().url(),
      clientId: z.string().min(1),
      clientSecret: secretRef,
      scope: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('hmac'),
      keyId: z.string().min(1),
      secret: secretRef,
      algorithm: z.enum(['sha256', 'sm3']).default('sha256'),
    })
    .strict(),
]);

const pagination = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('page'),
      param: z.string().default('page'),
      start: z.number().int().default(1),
      sizeParam: z.string().default('page_size'),
      size: z.number().int().min(1).max(10_000).default(100),
    })
    .strict(),
  z
    .object({
      type: z.literal('offset'),
      param: z.string().default('offset'),
      limitParam: z.string().default('limit'),
      limit: z.number().int().min(1).max(10_000).default(100),
    })
    .strict(),
  z
    .object({ type: z.literal('cursor'), param: z.string().default('cursor'), cursorPath: z.string().min(1) })
    .strict(),
  z.object({ type: z.literal('next_link'), path: z.string().min(1) }).strict(),
  z.object({ type: z.literal('link_header') }).strict(),
]);

const stream = z
  .object({
    path: z.string().min(1),
    query: z.record(z.string(), z.string()).default({}),
    /** JSONPath of the records in each page (default: the body itself when it is an array). */
    records: z.string().default('$[*]'),
    pagination: pagination.default({ type: 'none' }),
    /** JSONPath of the total number of records the request matches, when the API reports one (progress). */
    total: z.string().min(1).optional(),
    primaryKey: z.array(z.string()).default([]),
    incremental: z
      .object({
        cursorField: z.string().min(1),
        param: z.string().min(1),
        /** Re-read this far back (30m, 2h, 1d; or a number for numeric cursors) to catch late updates. */
        lookback: z.union([z.string(), z.number()]).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const apiSettings = z
  .object({
    baseUrl: z.string().url(),
    auth: auth.default({ type: 'none' }),
    tls: z
      .object({ ca: z.string().optional(), cert: z.string().optional(), key: secretRef.optional() })
      .strict()
      .optional(),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    rateLimit: z
      .object({ requestsPerSecond: z.number().positive(), burst: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    retries: z
      .object({ max: z.number().int().min(0).max(20).optional(), baseMs: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    circuitBreaker: z
      .object({
        failures: z.number().int().min(1).optional(),
        cooldownMs: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    streams: z.record(z.string().min(1), stream),
  })
  .strict();
export type ApiSettings = z.infer<typeof apiSettings>;

interface PagePosition {
  page?: number;
  offset?: number;
  cursor?: string;
  url?: string;
}

interface ApiState {
  /** Where the interrupted run stopped (absent when the last run finished). */
  position?: PagePosition;
  /** Incremental cursor the current run filters by. */
  since?: string | number;
  /** Highest cursor value seen (becomes `since` of the next run). */
  high?: string | number;
}

export const apiConnector: Connector<ApiSettings> = {
  type: 'api',
  spec: apiSettings,
  open: (declaration, settings, context) => new ApiSource(declaration, settings, context),
};

class ApiSource implements Source {
  readonly type = 'api' as const;
  readonly name: string;
  private readonly http: HttpClient;
  private token: { value: string; expiresAt: number } | undefined;
  private readonly secrets = new Map<string, string>();

  constructor(
    declaration: SourceDeclaration,
    private readonly settings: ApiSettings,
    private readonly context: ConnectorContext,
  ) {
    this.name = declaration.name;
    const base = new URL(settings.baseUrl);
    const allow = declaration.egress?.allow?.length ? declaration.egress.allow : [base.hostname];
    const guard = new EgressGuard(declaration.name, {
      allow,
      allowPrivate: (declaration.egress?.allowPrivate ?? false) && context.allowPrivateNetworks,
    });
    const file = (p: string) => readFileSync(path.resolve(context.workspaceDir, p), 'utf8');
    this.http = new HttpClient({
      source: declaration.name,
      guard,
      userAgent: context.userAgent ?? 'Custos',
      timeoutMs: settings.timeoutMs,
      ...(settings.rateLimit ? { rateLimit: settings.rateLimit } : {}),
      ...(settings.retries ? { retries: settings.retries } : {}),
      ...(settings.circuitBreaker ? { breaker: settings.circuitBreaker } : {}),
      ...(settings.tls
        ? {
            tls: {
              ...(settings.tls.ca ? { ca: file(settings.tls.ca) } : {}),
              ...(settings.tls.cert ? { cert: file(settings.tls.cert) } : {}),
              ...(settings.tls.key ? { key: this.secret(settings.tls.key, 'tls.key') } : {}),
            },
          }
        : {}),
      secretParams:
        settings.auth.type === 'api_key' && settings.auth.in === 'query' ? [settings.auth.name] : [],
    });
  }

  get stats() {
    return this.http.stats;
  }

  private secret(reference: string, where: string): string {
    let value = this.secrets.get(reference);
    if (value === undefined) {
      value = resolveSecret(reference, this.context.env, this.context.workspaceDir, `${this.name}.${where}`);
      this.secrets.set(reference, value);
    }
    return value;
  }

  async check(): Promise<CheckResult> {
    const [first] = Object.keys(this.settings.streams);
    if (!first) return { ok: false, message: 'no streams declared' };
    try {
      const url = this.pageUrl(this.settings.streams[first]!, {}, undefined);
      const response = await this.fetch(url);
      return {
        ok: true,
        identity: this.identity(),
        message: `HTTP ${response.status} from ${this.http.describe(url)}`,
      };
    } catch (error) {
      return { ok: false, identity: this.identity(), message: (error as Error).message };
    }
  }

  private identity(): string {
    const a = this.settings.auth;
    switch (a.type) {
      case 'none':
        return 'anonymous';
      case 'api_key':
        return `api key (${a.in} ${a.name})`;
      case 'bearer':
        return 'bearer token';
      case 'basic':
        return `basic ${a.username}`;
      case 'oauth2':
        return `oauth2 client ${a.clientId}`;
      case 'hmac':
        return `hmac key ${a.keyId}`;
    }
  }

  async discover(): Promise<StreamDescription[]> {
    const out: StreamDescription[] = [];
    for (const [name, s] of Object.entries(this.settings.streams)) {
      const response = await this.fetch(this.pageUrl(s, {}, undefined));
      const { records } = this.select(s, response.body, response.url);
      const fields = new Map<string, string>();
      for (const record of records.slice(0, 50)) {
        for (const [k, v] of Object.entries(record))
          if (!fields.has(k)) fields.set(k, v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
      }
      out.push({
        name,
        fields: [...fields].map(([field, type]) => ({ name: field, type })),
        ...(s.incremental ? { cursorFields: [s.incremental.cursorField] } : {}),
        primaryKey: s.primaryKey,
      });
    }
    return out;
  }

  async *read(
    streamName: string,
    rawState: SourceState,
    options: ReadOptions = {},
  ): AsyncIterable<SourceBatch> {
    const s = this.settings.streams[streamName];
    if (!s)
      throw new SourceError(`source ${this.name} has no stream ${streamName}`, {
        source: this.name,
        stream: streamName,
      });
    const prior = (rawState ?? {}) as ApiState;
    // A finished run's high-water mark (less the lookback) filters the next run.
    let since: string | number | undefined;
    let high: string | number | undefined;
    let position: PagePosition;
    if (prior.position) {
      since = prior.since;
      high = prior.high;
      position = prior.position;
    } else {
      since = prior.high === undefined ? undefined : applyLookback(prior.high, s.incremental?.lookback);
      high = prior.high;
      position = initialPosition(s.pagination);
    }
    // Records of this request read before this page (an interrupted run's position counts).
    const p = s.pagination;
    let done =
      p.type === 'offset'
        ? (position.offset ?? 0)
        : p.type === 'page'
          ? Math.max(0, ((position.page ?? p.start) - p.start) * p.size)
          : 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const url = position.url ?? this.pageUrl(s, position, since);
      const response = await this.fetch(url, options.signal);
      const { records, total } = this.select(s, response.body, response.url);
      done += records.length;
      if (s.incremental) {
        for (const r of records) {
          const value = r[s.incremental.cursorField];
          if (
            (typeof value === 'string' || typeof value === 'number') &&
            (high === undefined || value > high)
          )
            high = value;
        }
      }
      const next = this.nextPosition(s, position, records.length, response);
      const state: ApiState = next
        ? {
            position: next,
            ...(since !== undefined ? { since } : {}),
            ...(high !== undefined ? { high } : {}),
          }
        : { ...(high !== undefined ? { high } : {}) };
      yield {
        records,
        state: state as SourceState,
        position: this.http.describe(response.url),
        ...(total !== undefined ? { progress: { done: Math.min(done, total), total } } : {}),
      };
      if (!next) return;
      position = next;
    }
  }

  private pageUrl(
    s: z.infer<typeof stream>,
    position: PagePosition,
    since: string | number | undefined,
  ): string {
    const url = new URL(
      s.path,
      this.settings.baseUrl.endsWith('/') ? this.settings.baseUrl : `${this.settings.baseUrl}/`,
    );
    for (const [k, v] of Object.entries(s.query)) url.searchParams.set(k, v);
    const p = s.pagination;
    if (p.type === 'page') {
      url.searchParams.set(p.param, String(position.page ?? p.start));
      url.searchParams.set(p.sizeParam, String(p.size));
    } else if (p.type === 'offset') {
      url.searchParams.set(p.param, String(position.offset ?? 0));
      url.searchParams.set(p.limitParam, String(p.limit));
    } else if (p.type === 'cursor' && position.cursor !== undefined) {
      url.searchParams.set(p.param, position.cursor);
    }
    if (s.incremental && since !== undefined) url.searchParams.set(s.incremental.param, String(since));
    return url.toString();
  }

  private nextPosition(
    s: z.infer<typeof stream>,
    position: PagePosition,
    count: number,
    response: { body: Buffer; headers: Record<string, string | string[] | undefined>; url: string },
  ): PagePosition | undefined {
    const p = s.pagination;
    switch (p.type) {
      case 'none':
        return undefined;
      case 'page':
        return count < p.size || count === 0 ? undefined : { page: (position.page ?? p.start) + 1 };
      case 'offset':
        return count < p.limit || count === 0 ? undefined : { offset: (position.offset ?? 0) + count };
      case 'cursor': {
        const value = JSONPath({
          path: p.cursorPath,
          json: this.parse(response.body, response.url) as object,
          wrap: false,
        });
        const cursor = Array.isArray(value) ? value[0] : value;
        return cursor === undefined || cursor === null || cursor === ''
          ? undefined
          : { cursor: String(cursor) };
      }
      case 'next_link': {
        const value = JSONPath({
          path: p.path,
          json: this.parse(response.body, response.url) as object,
          wrap: false,
        });
        const link = Array.isArray(value) ? value[0] : value;
        return typeof link === 'string' && link !== ''
          ? { url: new URL(link, response.url).toString() }
          : undefined;
      }
      case 'link_header': {
        const header = response.headers.link;
        const text = Array.isArray(header) ? header.join(',') : header;
        const match = text ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(text) : null;
        return match ? { url: new URL(match[1]!, response.url).toString() } : undefined;
      }
    }
  }

  private parsedCache: { body: Buffer; json: unknown } | undefined;

  private parse(body: Buffer, url: string): unknown {
    if (this.parsedCache?.body === body) return this.parsedCache.json;
    try {
      const json = JSON.parse(body.toString('utf8')) as unknown;
      this.parsedCache = { body, json };
      return json;
    } catch {
      throw new SourceError(`source ${this.name}: malformed JSON from ${this.http.describe(url)}`, {
        source: this.name,
        url: this.http.describe(url),
      });
    }
  }

  private select(
    s: z.infer<typeof stream>,
    body: Buffer,
    url: string,
  ): { records: SourceRecord[]; total: number | undefined } {
    const json = this.parse(body, url);
    const found = JSONPath({ path: s.records, json: json as object, wrap: true }) as unknown[];
    const records = found.filter(
      (r): r is SourceRecord => r !== null && typeof r === 'object' && !Array.isArray(r),
    );
    // A total the API reports is a hint for progress only: anything but a count is ignored.
    const reported = s.total
      ? Number((JSONPath({ path: s.total, json: json as object, wrap: true }) as unknown[])[0])
      : Number.NaN;
    return { records, total: Number.isSafeInteger(reported) && reported >= 0 ? reported : undefined };
  }

  private async fetch(url: string, signal?: AbortSignal) {
    for (let attempt = 0; ; attempt++) {
      const { url: signedUrl, headers } = await this.authorise(url);
      const response = await this.http
        .send(signedUrl, { headers, ...(signal ? { signal } : {}) })
        .catch((error: unknown) => {
          // An expired OAuth2 token: refresh once and retry.
          if (
            attempt === 0 &&
            this.settings.auth.type === 'oauth2' &&
            (error as { details?: { status?: number } }).details?.status === 401
          ) {
            this.token = undefined;
            return undefined;
          }
          throw error;
        });
      if (response) return response;
    }
  }

  private async authorise(raw: string): Promise<{ url: string; headers: Record<string, string> }> {
    const a = this.settings.auth;
    const headers: Record<string, string> = {};
    const url = new URL(raw);
    switch (a.type) {
      case 'none':
        break;
      case 'api_key':
        if (a.in === 'header') headers[a.name.toLowerCase()] = this.secret(a.value, 'auth.value');
        else url.searchParams.set(a.name, this.secret(a.value, 'auth.value'));
        break;
      case 'bearer':
        headers.authorization = `Bearer ${this.secret(a.token, 'auth.token')}`;
        break;
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${a.username}:${this.secret(a.password, 'auth.password')}`).toString('base64')}`;
        break;
      case 'oauth2':
        headers.authorization = `Bearer ${await this.oauthToken(a)}`;
        break;
      case 'hmac': {
        const timestamp = String(Date.now());
        const nonce = randomUUID();
        const toSign = hmacStringToSign('GET', url, timestamp, nonce, '');
        headers['x-key-id'] = a.keyId;
        headers['x-timestamp'] = timestamp;
        headers['x-nonce'] = nonce;
        headers['x-signature'] = createHmac(a.algorithm, this.secret(a.secret, 'auth.secret'))
          .update(toSign)
          .digest('hex');
        break;
      }
    }
    return { url: url.toString(), headers };
  }

  private async oauthToken(a: Extract<ApiSettings['auth'], { type: 'oauth2' }>): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 30_000) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: a.clientId,
      client_secret: this.secret(a.clientSecret, 'auth.clientSecret'),
    });
    if (a.scope) body.set('scope', a.scope);
    const response = await this.http.send(a.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    const json = this.parse(response.body, response.url) as { access_token?: string; expires_in?: number };
    if (typeof json.access_token !== 'string') {
      throw new SourceError(`source ${this.name}: the OAuth2 token endpoint returned no access_token`, {
        source: this.name,
      });
    }
    this.token = { value: json.access_token, expiresAt: Date.now() + (json.expires_in ?? 300) * 1000 };
    return this.token.value;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/**
 * HMAC request signing (a common pattern of Chinese partner APIs). String to sign:
 * METHOD \n path?sorted-query \n timestamp(ms) \n nonce \n hex(SHA-256(body)); signature = hex HMAC.
 */
export function hmacStringToSign(
  method: string,
  url: URL,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  const params = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = new URLSearchParams(params).toString();
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method}\n${url.pathname}${query ? `?${query}` : ''}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

function initialPosition(p: ApiSettings['streams'][string]['pagination']): PagePosition {
  if (p.type === 'page') return { page: p.start };
  if (p.type === 'offset') return { offset: 0 };
  return {};
}

function applyLookback(high: string | number, lookback: string | number | undefined): string | number {
  if (lookback === undefined) return high;
  if (typeof high === 'number') return high - (typeof lookback === 'number' ? lookback : 0);
  const ms = typeof lookback === 'number' ? lookback : parseDuration(lookback);
  const time = Date.parse(high);
  if (ms === undefined || Number.isNaN(time)) return high;
  return new Date(time - ms).toISOString();
}

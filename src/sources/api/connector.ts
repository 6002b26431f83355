// Declarative REST connector: no code per partner. Auth (auth.ts: API key, bearer, basic, OAuth2
// client credentials, HMAC request signing; mutual TLS here), pagination (pagination.ts: page,
// offset, cursor, next link in the body, Link header), JSONPath record selection and incremental
// sync by a cursor field with a lookback window; this file runs the request loop. One batch per
// page: a failing page never loses the pages before it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JSONPath } from 'jsonpath-plus';
import { parseDuration, SourceError } from '../../domain/index.js';
import type { SourceDeclaration } from '../../workspace/index.js';
import { EgressGuard } from '../egress.js';
import { HttpClient } from '../http.js';
import { resolveSecret } from '../secrets.js';
import { declaredStream } from '../stream-lookup.js';
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
import { Authoriser } from './auth.js';
import {
  applyPosition,
  initialPosition,
  nextPosition,
  type PagePosition,
  recordsBefore,
} from './pagination.js';
import { type ApiSettings, apiSettings, type StreamSettings } from './settings.js';

export { hmacStringToSign } from './auth.js';
export { type ApiSettings, apiSettings } from './settings.js';

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
  private readonly auth: Authoriser;
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
    this.auth = new Authoriser(
      this.name,
      settings.auth,
      this.http,
      (reference, where) => this.secret(reference, where),
      (body, url) => this.parse(body, url),
    );
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
        identity: this.auth.identity(),
        message: `HTTP ${response.status} from ${this.http.describe(url)}`,
      };
    } catch (error) {
      return { ok: false, identity: this.auth.identity(), message: (error as Error).message };
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
    const s = declaredStream(this.settings.streams, streamName, this.name);
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
    let done = recordsBefore(s.pagination, position);
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
      const next = nextPosition(s.pagination, position, records.length, response, (body, at) =>
        this.parse(body, at),
      );
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

  private pageUrl(s: StreamSettings, position: PagePosition, since: string | number | undefined): string {
    const url = new URL(
      s.path,
      this.settings.baseUrl.endsWith('/') ? this.settings.baseUrl : `${this.settings.baseUrl}/`,
    );
    for (const [k, v] of Object.entries(s.query)) url.searchParams.set(k, String(v));
    applyPosition(url, s.pagination, position);
    if (s.incremental && since !== undefined) url.searchParams.set(s.incremental.param, String(since));
    return url.toString();
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
    s: StreamSettings,
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
      const { url: signedUrl, headers } = await this.auth.authorise(url);
      const response = await this.http
        .send(signedUrl, { headers, ...(signal ? { signal } : {}) })
        .catch((error: unknown) => {
          // An expired OAuth2 token: refresh once and retry.
          if (attempt === 0 && this.auth.refreshAfter(error)) return undefined;
          throw error;
        });
      if (response) return response;
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function applyLookback(high: string | number, lookback: string | number | undefined): string | number {
  if (lookback === undefined) return high;
  if (typeof high === 'number') return high - (typeof lookback === 'number' ? lookback : 0);
  const ms = typeof lookback === 'number' ? lookback : parseDuration(lookback);
  const time = Date.parse(high);
  if (ms === undefined || Number.isNaN(time)) return high;
  return new Date(time - ms).toISOString();
}

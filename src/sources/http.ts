// The HTTP client every web connector uses: egress guard on every hop (redirects followed by hand
// and re-checked), per-source token-bucket rate limit honouring 429 and Retry-After, retries with
// exponential backoff and jitter for timeouts, resets and 5xx (never other 4xx), a circuit breaker
// that stops a failing source, request timeouts, and mutual TLS with a custom CA.

import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, request } from 'undici';
import { SourceError } from '../domain/index.js';
import type { EgressGuard } from './egress.js';

export interface HttpClientOptions {
  source: string;
  guard: EgressGuard;
  userAgent: string;
  timeoutMs?: number;
  retries?: { max?: number | undefined; baseMs?: number | undefined; maxMs?: number | undefined };
  rateLimit?: { requestsPerSecond: number; burst?: number | undefined };
  breaker?: { failures?: number | undefined; cooldownMs?: number | undefined };
  tls?: { ca?: string; cert?: string; key?: string };
  /** Query parameters whose values never appear in errors (API keys in the query string). */
  secretParams?: readonly string[];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  url: string;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Statuses returned to the caller instead of raising (the crawler handles 304, 404, 410…). */
  acceptStatus?: (status: number) => boolean;
  /** Retries for this request (default: the client's). */
  retries?: number;
}

class TokenBucket {
  private tokens: number;
  private last = performance.now();
  /** Set by a 429/503 Retry-After: nobody sends before then. */
  pausedUntil = 0;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = performance.now();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now, undefined, { signal });
        continue;
      }
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.rate) * 1000, undefined, { signal });
    }
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export class HttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly bucket: TokenBucket | undefined;
  private consecutiveFailures = 0;
  private openUntil = 0;
  /** Requests sent, responses by status, retries: for tests, status and metrics. */
  readonly stats = { requests: 0, retries: 0, throttled: 0 };

  constructor(private readonly options: HttpClientOptions) {
    this.dispatcher = new Agent({
      connect: {
        lookup: options.guard.lookup as never,
        ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
        ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
        ...(options.tls?.key ? { key: options.tls.key } : {}),
      },
      keepAliveTimeout: 10_000,
      connections: 8,
    });
    this.bucket = options.rateLimit
      ? new TokenBucket(
          options.rateLimit.requestsPerSecond,
          options.rateLimit.burst ?? Math.max(1, options.rateLimit.requestsPerSecond),
        )
      : undefined;
  }

  /** Redacted form of a URL for messages: secret query values replaced by `…`. */
  describe(url: string | URL): string {
    const u = new URL(url);
    for (const name of this.options.secretParams ?? [])
      if (u.searchParams.has(name)) u.searchParams.set(name, '…');
    u.username = '';
    u.password = '';
    return u.toString().replace(/%E2%80%A6/g, '…');
  }

  async send(rawUrl: string, init: HttpRequest = {}): Promise<HttpResponse> {
    const now = performance.now();
    if (now < this.openUntil) {
      throw new SourceError(
        `source ${this.options.source}: circuit open after ${this.consecutiveFailures} consecutive failures; retrying in ${Math.ceil((this.openUntil - now) / 1000)} s`,
        { source: this.options.source, circuit: 'open' },
      );
    }
    try {
      const response = await this.sendWithRetries(rawUrl, init);
      this.consecutiveFailures = 0;
      return response;
    } catch (error) {
      this.consecutiveFailures += 1;
      if (this.consecutiveFailures >= (this.options.breaker?.failures ?? 5)) {
        this.openUntil = performance.now() + (this.options.breaker?.cooldownMs ?? 60_000);
      }
      throw error;
    }
  }

  private async sendWithRetries(rawUrl: string, init: HttpRequest): Promise<HttpResponse> {
    const max = init.retries ?? this.options.retries?.max ?? 5;
    const base = this.options.retries?.baseMs ?? 200;
    const cap = this.options.retries?.maxMs ?? 10_000;
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let reason: string;
      try {
        const response = await this.follow(rawUrl, init);
        if (response.status < 400 || init.acceptStatus?.(response.status)) return response;
        if (response.status === 429 || response.status === 503) {
          this.stats.throttled += 1;
          retryAfterMs = parseRetryAfter(response.headers['retry-after']);
          if (retryAfterMs !== undefined && this.bucket)
            this.bucket.pausedUntil = performance.now() + retryAfterMs;
        } else if (response.status < 500) {
          throw new SourceError(
            `source ${this.options.source}: ${init.method ?? 'GET'} ${this.describe(response.url)} answered ${response.status}`,
            { source: this.options.source, status: response.status, url: this.describe(response.url) },
          );
        }
        reason = `HTTP ${response.status}`;
      } catch (error) {
        if (error instanceof SourceError) throw error;
        const code = (error as { code?: string }).code ?? (error as Error).name;
        const timedOut = (error as Error).name === 'TimeoutError';
        if (init.signal?.aborted) throw error;
        if (!timedOut && !RETRYABLE_CODES.has(code)) {
          throw new SourceError(
            `source ${this.options.source}: request to ${this.describe(rawUrl)} failed (${code})`,
            {
              source: this.options.source,
              url: this.describe(rawUrl),
            },
            { cause: error },
          );
        }
        reason = timedOut ? 'timeout' : code;
      }
      if (attempt >= max) {
        throw new SourceError(
          `source ${this.options.source}: ${this.describe(rawUrl)} failed after ${attempt + 1} attempts (${reason})`,
          { source: this.options.source, url: this.describe(rawUrl), reason },
        );
      }
      this.stats.retries += 1;
      const backoff = Math.min(cap, base * 2 ** attempt);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      await sleep(
        Math.max(retryAfterMs ?? 0, jittered),
        undefined,
        init.signal ? { signal: init.signal } : undefined,
      );
    }
  }

  private async follow(rawUrl: string, init: HttpRequest): Promise<HttpResponse> {
    let url = this.options.guard.checkUrl(rawUrl);
    for (let hop = 0; hop <= 5; hop++) {
      await this.bucket?.take(init.signal);
      this.stats.requests += 1;
      const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
      const response = await request(url, {
        method: init.method ?? 'GET',
        headers: { 'user-agent': this.options.userAgent, accept: 'application/json', ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        dispatcher: this.dispatcher,
        signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
      });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump();
        // Every hop is checked against the allowlist and the address rules again.
        url = this.options.guard.checkUrl(new URL(location, url));
        continue;
      }
      const body = Buffer.from(await response.body.arrayBuffer());
      return { status: response.statusCode, headers: response.headers, body, url: url.toString() };
    }
    throw new SourceError(`source ${this.options.source}: too many redirects from ${this.describe(rawUrl)}`, {
      source: this.options.source,
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.min(300_000, Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(300_000, date - Date.now()));
}

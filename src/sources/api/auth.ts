// Authentication of REST requests: API key (header or query), bearer, basic, OAuth2 client
// credentials (token cached until 30 s before expiry, refreshed once on a 401) and HMAC request
// signing. Secrets are resolved when first needed and never appear in messages.

import { createHash, createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SourceError } from '../../domain/index.js';
import type { HttpClient } from '../http.js';
import { secretRef } from '../secrets.js';

export const authSettings = z.discriminatedUnion('type', [
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
export type AuthSettings = z.infer<typeof authSettings>;

export class Authoriser {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly source: string,
    private readonly auth: AuthSettings,
    private readonly http: HttpClient,
    /** Resolves a secret reference; `where` names the setting for messages. */
    private readonly secret: (reference: string, where: string) => string,
    private readonly parseJson: (body: Buffer, url: string) => unknown,
  ) {}

  /** Who the requests are made as, for `check` (never a secret). */
  identity(): string {
    const a = this.auth;
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

  /** True when the failed request may be retried once with a fresh token (an expired OAuth2 token). */
  refreshAfter(error: unknown): boolean {
    if (this.auth.type !== 'oauth2' || (error as { details?: { status?: number } }).details?.status !== 401)
      return false;
    this.token = undefined;
    return true;
  }

  async authorise(raw: string): Promise<{ url: string; headers: Record<string, string> }> {
    const a = this.auth;
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

  private async oauthToken(a: Extract<AuthSettings, { type: 'oauth2' }>): Promise<string> {
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
    const json = this.parseJson(response.body, response.url) as {
      access_token?: string;
      expires_in?: number;
    };
    if (typeof json.access_token !== 'string') {
      throw new SourceError(`source ${this.source}: the OAuth2 token endpoint returned no access_token`, {
        source: this.source,
      });
    }
    this.token = { value: json.access_token, expiresAt: Date.now() + (json.expires_in ?? 300) * 1000 };
    return this.token.value;
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

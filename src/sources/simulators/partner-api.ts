// A simulated partner credit API for the demo and the tests: a real local HTTP(S) server with every
// auth and pagination kind the REST connector supports, and switchable faults (429 bursts, 5xx,
// slow responses, malformed JSON, duplicate items across pages). All data is synthetic.

import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Synthetic } from '../../classify/index.js';
import { hmacStringToSign } from '../api/connector.js';

export interface CreditRecord {
  report_id: string;
  name: string;
  id_no: string;
  mobile: string;
  credit_score: number;
  overdue_count: number;
  updated_at: string;
}

export type SimulatorAuth =
  | { type: 'none' }
  | { type: 'api_key'; in: 'header' | 'query'; name: string; value: string }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'oauth2'; clientId: string; clientSecret: string; tokenTtlSeconds?: number }
  | { type: 'hmac'; keyId: string; secret: string; algorithm?: 'sha256' | 'sm3' };

export interface SimulatorFaults {
  /** The next N data requests answer 429 with Retry-After. */
  burst429?: number;
  retryAfterSeconds?: number;
  /** The next N data requests answer 500. */
  errors5xx?: number;
  /** Every data response waits this long. */
  slowMs?: number;
  /** This page number (1-based, any pagination kind) answers malformed JSON. */
  malformedPage?: number;
  /** Each page also repeats the last item of the previous page. */
  duplicates?: boolean;
}

export interface PartnerApiOptions {
  records?: number;
  seed?: number;
  auth?: SimulatorAuth;
  faults?: SimulatorFaults;
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
}

export interface PartnerApi {
  url: string;
  records: CreditRecord[];
  /** Every request: method, path with query, status answered. */
  log: Array<{ method: string; url: string; status: number }>;
  setFaults(faults: SimulatorFaults): void;
  /** Adds or changes records (updated_at moves forward), for incremental tests. */
  update(count: number): CreditRecord[];
  close(): Promise<void>;
}

export function makeCreditRecords(count: number, seed = 1): CreditRecord[] {
  const synthetic = new Synthetic(seed);
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => ({
    report_id: `R${String(i + 1).padStart(7, '0')}`,
    name: synthetic.chineseName(),
    id_no: synthetic.residentId(),
    mobile: synthetic.mobile(),
    credit_score: synthetic.int(350, 850),
    overdue_count: synthetic.int(0, 6),
    // Several records share each timestamp, as real partner data does.
    updated_at: new Date(start + Math.floor(i / 3) * 60_000).toISOString(),
  }));
}

export async function startPartnerApi(options: PartnerApiOptions = {}): Promise<PartnerApi> {
  let records = makeCreditRecords(options.records ?? 250, options.seed ?? 1);
  const auth = options.auth ?? { type: 'none' };
  let faults: SimulatorFaults = { ...options.faults };
  const log: PartnerApi['log'] = [];
  const tokens = new Map<string, number>();
  let tokenCounter = 0;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log.push({ method: req.method ?? 'GET', url: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => {
        text += String(c);
      });
      req.on('end', () => resolve(text));
    });

    if (url.pathname === '/oauth/token' && req.method === 'POST') {
      if (auth.type !== 'oauth2') return send(404, { error: 'not_found' });
      const form = new URLSearchParams(body);
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== auth.clientId ||
        form.get('client_secret') !== auth.clientSecret
      ) {
        return send(401, { error: 'invalid_client' });
      }
      const token = `tok-${++tokenCounter}`;
      tokens.set(token, Date.now() + (auth.tokenTtlSeconds ?? 3600) * 1000);
      return send(200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: auth.tokenTtlSeconds ?? 3600,
      });
    }
    if (!authorised(req, url)) return send(401, { error: 'unauthorized' });
    if (!url.pathname.startsWith('/v1/reports')) return send(404, { error: 'not_found' });

    if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
    if (faults.burst429 && faults.burst429 > 0) {
      faults.burst429 -= 1;
      return send(
        429,
        { error: 'too_many_requests' },
        { 'retry-after': String(faults.retryAfterSeconds ?? 1) },
      );
    }
    if (faults.errors5xx && faults.errors5xx > 0) {
      faults.errors5xx -= 1;
      return send(500, { error: 'internal' });
    }

    const since = url.searchParams.get('updated_since');
    const visible = since ? records.filter((r) => r.updated_at >= since) : records;
    const size = Number(url.searchParams.get('page_size') ?? url.searchParams.get('limit') ?? 50);
    let start = 0;
    let pageNumber = 1;
    const kind = url.pathname.slice('/v1/reports'.length) || '/page';
    if (kind === '/page' || kind === '/link-header') {
      pageNumber = Number(url.searchParams.get('page') ?? 1);
      start = (pageNumber - 1) * size;
    } else if (kind === '/offset') {
      start = Number(url.searchParams.get('offset') ?? 0);
      pageNumber = Math.floor(start / size) + 1;
    } else if (kind === '/cursor' || kind === '/links') {
      const token = url.searchParams.get(kind === '/cursor' ? 'cursor' : 'after');
      start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
      pageNumber = Math.floor(start / size) + 1;
    }
    const from = faults.duplicates && start > 0 ? start - 1 : start;
    const items = visible.slice(from, start + size);
    const nextStart = start + size < visible.length ? start + size : undefined;
    if (faults.malformedPage === pageNumber) return send(200, '{"data": [ {"report_id": "R1", ');
    const nextToken = nextStart === undefined ? null : Buffer.from(String(nextStart)).toString('base64url');
    switch (kind) {
      case '/page':
        return send(200, { data: items, page: pageNumber, total: visible.length });
      case '/offset':
        return send(200, { data: items, offset: start, total: visible.length });
      case '/cursor':
        return send(200, { data: items, next_cursor: nextToken });
      case '/links':
        return send(200, {
          items,
          links: {
            next: nextToken
              ? `/v1/reports/links?after=${nextToken}&page_size=${size}${since ? `&updated_since=${encodeURIComponent(since)}` : ''}`
              : null,
          },
        });
      case '/link-header': {
        const headers: Record<string, string> = {};
        if (nextStart !== undefined) {
          const next = new URL(url.toString());
          next.searchParams.set('page', String(pageNumber + 1));
          headers.link = `<${next.pathname}${next.search}>; rel="next"`;
        }
        return send(200, items, headers);
      }
      default:
        return send(404, { error: 'not_found' });
    }
  };

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const header = req.headers.authorization ?? '';
    switch (auth.type) {
      case 'none':
        return true;
      case 'api_key':
        return auth.in === 'header'
          ? req.headers[auth.name.toLowerCase()] === auth.value
          : url.searchParams.get(auth.name) === auth.value;
      case 'bearer':
        return header === `Bearer ${auth.token}`;
      case 'basic':
        return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      case 'oauth2': {
        const expires = tokens.get(header.replace(/^Bearer /, ''));
        return expires !== undefined && expires > Date.now();
      }
      case 'hmac': {
        const timestamp = String(req.headers['x-timestamp'] ?? '');
        const nonce = String(req.headers['x-nonce'] ?? '');
        if (req.headers['x-key-id'] !== auth.keyId || Math.abs(Date.now() - Number(timestamp)) > 300_000)
          return false;
        const expected = createHmac(auth.algorithm ?? 'sha256', auth.secret)
          .update(hmacStringToSign(req.method ?? 'GET', url, timestamp, nonce, ''))
          .digest();
        const given = Buffer.from(String(req.headers['x-signature'] ?? ''), 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
      }
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca ? { ca: options.tls.ca } : {}),
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: options.tls.requestCert ?? false,
        },
        listener,
      )
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get records() {
      return records;
    },
    log,
    setFaults: (next) => {
      faults = { ...next };
    },
    update: (count) => {
      const last = records[records.length - 1]!.updated_at;
      const fresh = makeCreditRecords(count, records.length + 7).map((r, i) => ({
        ...r,
        report_id: `R${String(records.length + i + 1).padStart(7, '0')}`,
        updated_at: new Date(Date.parse(last) + 3_600_000 + i * 1000).toISOString(),
      }));
      records = [...records, ...fresh];
      return fresh;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// API tokens: shown once at creation, stored as a hash, expiring, revocable by owner or admin.

import { type Kysely, sql } from 'kysely';
import {
  type AuditTrail,
  type Clock,
  containsPattern,
  DEFAULT_PAGE_LIMIT,
  ForbiddenError,
  NotFoundError,
  type Page,
  type PageOptions,
  type Principal,
  parseSort,
  systemClock,
  UnauthorizedError,
  ValidationError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import { hashSecret, newId, newSecret } from './secret-token.js';
import type { User, UserService } from './user-service.js';

/** A token's name: 1–64 letters, digits, spaces, `_`, `.`, `-` (the API's schema publishes it). */
export const TOKEN_NAME_PATTERN = /^[\p{L}\p{N} _.-]{1,64}$/u;

/** What the token list sorts by (`-` for descending); the id breaks ties. */
export const TOKEN_SORT_KEYS = ['name', 'username', 'createdAt', 'expiresAt', 'lastUsedAt'] as const;
export type TokenSortKey = (typeof TOKEN_SORT_KEYS)[number];
const TOKEN_SORT_COLUMNS = {
  name: 'api_tokens.name',
  username: 'users.username',
  createdAt: 'api_tokens.created_at',
  expiresAt: 'api_tokens.expires_at',
  lastUsedAt: 'api_tokens.last_used_at',
} as const satisfies Record<TokenSortKey, string>;
export const TOKEN_STATUSES = ['active', 'expired', 'revoked'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export interface TokenListOptions extends PageOptions<TokenSortKey> {
  /** Only this user's tokens; everyone's when absent. */
  username?: string;
  /** Part of the token's name, any case. */
  search?: string;
  status?: TokenStatus;
}

export const TOKEN_PREFIX = 'cst_';
export const DEFAULT_TOKEN_TTL_MS = 90 * 86_400_000;
export const MAX_TOKEN_TTL_MS = 366 * 86_400_000;

export interface ApiToken {
  id: string;
  username: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export class TokenService {
  /** (token, address) pairs already stored by this process. */
  private readonly knownAddresses = new Set<string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly users: UserService,
    private readonly audit: AuditTrail,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Creates a token for `username`; the returned `token` is the only time the secret is visible. */
  async create(
    username: string,
    name: string,
    ttlMs: number,
    actor: string,
  ): Promise<{ token: string; info: ApiToken }> {
    if (!TOKEN_NAME_PATTERN.test(name)) {
      throw new ValidationError('token name must be 1–64 letters, digits, spaces, _ . -', { field: 'name' });
    }
    if (!Number.isFinite(ttlMs) || ttlMs < 60_000 || ttlMs > MAX_TOKEN_TTL_MS) {
      throw new ValidationError('token lifetime must be between 1 minute and 366 days', {
        field: 'expiresIn',
      });
    }
    const user = await this.users.get(username);
    const now = this.clock();
    const token = newSecret(TOKEN_PREFIX);
    const row = {
      id: newId(),
      user_id: user.id,
      name,
      token_hash: hashSecret(token),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlMs).toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    await this.audit.record([
      {
        actor,
        action: 'token.create',
        target: `token:${row.id}`,
        details: { user: username, expiresAt: row.expires_at },
      },
    ]);
    return {
      token,
      info: {
        id: row.id,
        username,
        name,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastUsedAt: null,
        revokedAt: null,
      },
    };
  }

  /**
   * Resolves a bearer token to its user, refusing unknown, revoked, expired tokens and disabled users.
   * `clientAddress` (the API request's) is remembered per token: the monitor's `tokenNewAddress` rule
   * reads when a token was first used from an address.
   */
  async authenticate(token: string, clientAddress?: string): Promise<{ user: User; tokenId: string }> {
    if (!token.startsWith(TOKEN_PREFIX)) throw new UnauthorizedError('invalid token');
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hashSecret(token))
      .executeTakeFirst();
    const now = this.clock().toISOString();
    if (!row || row.revoked_at !== null || row.expires_at <= now)
      throw new UnauthorizedError('invalid token');
    const user = await this.users.getById(row.user_id);
    if (!user || user.isDisabled) throw new UnauthorizedError('invalid token');
    // Record use at most once a minute: a busy integration should not write on every call.
    if (row.last_used_at === null || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) {
      await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      if (clientAddress !== undefined)
        await this.db
          .updateTable('token_addresses')
          .set({ last_seen_at: now })
          .where('token_id', '=', row.id)
          .where('address', '=', clientAddress)
          .execute();
    }
    if (clientAddress !== undefined) await this.rememberAddress(row.id, clientAddress, now);
    return { user, tokenId: row.id };
  }

  /** Stores the first use of a token from an address; a pair this process has stored is not re-written. */
  private async rememberAddress(tokenId: string, address: string, now: string): Promise<void> {
    const key = `${tokenId}\u0000${address}`;
    if (this.knownAddresses.has(key)) return;
    await this.db
      .insertInto('token_addresses')
      .values({ token_id: tokenId, address, first_seen_at: now, last_seen_at: now })
      .onConflict((oc) => oc.columns(['token_id', 'address']).doNothing())
      .execute();
    // Bounded: a flood of addresses costs a write each, never unbounded memory.
    if (this.knownAddresses.size >= 10_000) this.knownAddresses.clear();
    this.knownAddresses.add(key);
  }

  /** Revokes a token. Owners revoke their own; admins any. */
  async revoke(id: string, by: Principal | 'cli', actor: string): Promise<ApiToken> {
    const token = await this.get(id);
    if (by !== 'cli' && by.role !== 'admin' && token.username !== by.username) {
      throw new ForbiddenError('only the owner or an admin may revoke this token', { tokenId: id });
    }
    if (token.revokedAt === null) {
      const now = this.clock().toISOString();
      await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
      await this.audit.record([{ actor, action: 'token.revoke', target: `token:${id}` }]);
      return { ...token, revokedAt: now };
    }
    return token;
  }

  async get(id: string): Promise<ApiToken> {
    const rows = await this.query().where('api_tokens.id', '=', id).execute();
    const row = rows[0];
    if (!row) throw new NotFoundError(`token ${id} not found`, { tokenId: id });
    return toToken(row);
  }

  /** Tokens of one user, or of everyone when `username` is undefined. */
  /**
   * A page of tokens (one user's, or everyone's), matching `search` (part of the name, any case)
   * and `status`, sorted (default oldest first), and how many match.
   */
  async page(options: TokenListOptions = {}): Promise<Page<ApiToken>> {
    const { key, direction } = parseSort(options.sort ?? 'createdAt');
    const now = this.clock().toISOString();
    let query = this.query();
    if (options.username !== undefined) query = query.where('users.username', '=', options.username);
    if (options.search) {
      const pattern = containsPattern(options.search);
      query = query.where(
        (eb) => sql<boolean>`lower(${eb.ref('api_tokens.name')}) like ${pattern} escape '\\'`,
      );
    }
    if (options.status === 'revoked') query = query.where('api_tokens.revoked_at', 'is not', null);
    else if (options.status === 'expired')
      query = query.where('api_tokens.revoked_at', 'is', null).where('api_tokens.expires_at', '<=', now);
    else if (options.status === 'active')
      query = query.where('api_tokens.revoked_at', 'is', null).where('api_tokens.expires_at', '>', now);
    const [rows, count] = await Promise.all([
      query
        .orderBy(TOKEN_SORT_COLUMNS[key], direction)
        .orderBy('api_tokens.id', direction)
        .limit(options.limit ?? DEFAULT_PAGE_LIMIT)
        .offset(options.offset ?? 0)
        .execute(),
      query
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toToken), total: Number(count.n) };
  }

  async list(username?: string): Promise<ApiToken[]> {
    let query = this.query();
    if (username !== undefined) query = query.where('users.username', '=', username);
    return (await query.orderBy('api_tokens.created_at').execute()).map(toToken);
  }

  private query() {
    return this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'users.username',
        'api_tokens.name',
        'api_tokens.created_at',
        'api_tokens.expires_at',
        'api_tokens.last_used_at',
        'api_tokens.revoked_at',
      ]);
  }
}

function toToken(row: {
  id: string;
  username: string;
  name: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): ApiToken {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

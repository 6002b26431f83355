// Console sessions: an opaque random cookie, stored hashed, with idle and absolute expiry.

import type { Kysely } from 'kysely';
import { type Clock, systemClock, UnauthorizedError } from '../domain/index.js';
import type { Database } from '../store/index.js';
import { hashSecret, newId, newSecret } from './secret-token.js';
import type { User, UserService } from './user-service.js';

export interface SessionLimits {
  idleMinutes: number;
  maxHours: number;
}

export class SessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly users: UserService,
    private readonly limits: SessionLimits,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts a session; the returned secret goes into an HttpOnly cookie and nowhere else. */
  async create(user: User): Promise<{ secret: string; expiresAt: string }> {
    const now = this.clock();
    const secret = newSecret('');
    const expiresAt = new Date(now.getTime() + this.limits.maxHours * 3_600_000).toISOString();
    await this.db
      .insertInto('sessions')
      .values({
        id: newId(),
        session_hash: hashSecret(secret),
        user_id: user.id,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    return { secret, expiresAt };
  }

  async authenticate(secret: string): Promise<User> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('session_hash', '=', hashSecret(secret))
      .executeTakeFirst();
    const now = this.clock();
    const idleLimit = new Date(now.getTime() - this.limits.idleMinutes * 60_000).toISOString();
    if (
      !row ||
      row.revoked_at !== null ||
      row.expires_at <= now.toISOString() ||
      row.last_seen_at < idleLimit
    ) {
      throw new UnauthorizedError('session expired; please log in again');
    }
    const user = await this.users.getById(row.user_id);
    if (!user || user.isDisabled) throw new UnauthorizedError('session expired; please log in again');
    // Sliding idle window, written at most once a minute.
    if (now.getTime() - Date.parse(row.last_seen_at) > 60_000) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: now.toISOString() })
        .where('id', '=', row.id)
        .execute();
    }
    return user;
  }

  async revoke(secret: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: this.clock().toISOString() })
      .where('session_hash', '=', hashSecret(secret))
      .where('revoked_at', 'is', null)
      .execute();
  }
}
